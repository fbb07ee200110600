//! Connecting to the database and bringing its schema up to date: the
//! pool for SQLite or PostgreSQL, and each database's migrations.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lru::LruCache;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::replicas::Replicas;
use super::sqlite::{database_file, Sqlite};
use super::{Backend, Result, Store, SESSIONS_CACHED};

const MIGRATIONS_SQLITE: &[(i64, &str, &str)] = &[
    (1, "desk", include_str!("../../migrations/sqlite/0001_desk.sql")),
    (
        2,
        "ticket locale",
        include_str!("../../migrations/sqlite/0002_ticket_locale.sql"),
    ),
    (
        3,
        "questions",
        include_str!("../../migrations/sqlite/0003_questions.sql"),
    ),
    (4, "queue", include_str!("../../migrations/sqlite/0004_queue.sql")),
    (
        5,
        "secret shared",
        include_str!("../../migrations/sqlite/0005_secret_shared.sql"),
    ),
    (
        6,
        "small talk",
        include_str!("../../migrations/sqlite/0006_small_talk.sql"),
    ),
    (
        7,
        "ticket details",
        include_str!("../../migrations/sqlite/0007_ticket_details.sql"),
    ),
    (
        8,
        "ticket question",
        include_str!("../../migrations/sqlite/0008_ticket_question.sql"),
    ),
    (
        9,
        "ticket rating",
        include_str!("../../migrations/sqlite/0009_ticket_rating.sql"),
    ),
];
const MIGRATIONS_POSTGRES: &[(i64, &str, &str)] = &[
    (1, "desk", include_str!("../../migrations/postgres/0001_desk.sql")),
    (
        2,
        "ticket locale",
        include_str!("../../migrations/postgres/0002_ticket_locale.sql"),
    ),
    (
        3,
        "questions",
        include_str!("../../migrations/postgres/0003_questions.sql"),
    ),
    (4, "queue", include_str!("../../migrations/postgres/0004_queue.sql")),
    (
        5,
        "secret shared",
        include_str!("../../migrations/postgres/0005_secret_shared.sql"),
    ),
    (
        6,
        "small talk",
        include_str!("../../migrations/postgres/0006_small_talk.sql"),
    ),
    (
        7,
        "ticket details",
        include_str!("../../migrations/postgres/0007_ticket_details.sql"),
    ),
    (
        8,
        "ticket question",
        include_str!("../../migrations/postgres/0008_ticket_question.sql"),
    ),
    (
        9,
        "ticket rating",
        include_str!("../../migrations/postgres/0009_ticket_rating.sql"),
    ),
];

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and migrates the
    /// schema to the current version.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let sqlite_file = match backend {
            Backend::Sqlite => database_file(url),
            Backend::Postgres => None,
        };
        if let Some(parent) = sqlite_file.as_deref().and_then(std::path::Path::parent) {
            if !parent.as_os_str().is_empty() {
                // SQLite creates the database file but not its folder.
                let _ = std::fs::create_dir_all(parent);
            }
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(5))
            // A ping before each use finds a PostgreSQL connection that died
            // with its server; an embedded SQLite connection cannot die that
            // way, and the ping is a round trip to its worker thread.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrations = match backend {
            Backend::Sqlite => MIGRATIONS_SQLITE,
            Backend::Postgres => MIGRATIONS_POSTGRES,
        };
        let migrator = Migrator {
            migrations: Cow::Owned(
                migrations
                    .iter()
                    .map(|(version, name, sql)| {
                        Migration::new(
                            *version,
                            Cow::Borrowed(name),
                            MigrationType::Simple,
                            Cow::Borrowed(sql),
                            false,
                        )
                    })
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        migrator.run(&pool).await?;
        let replicas = match backend {
            Backend::Postgres => {
                let schema: String = sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
                    .fetch_one(&pool)
                    .await?;
                Some(Replicas::new(url, &schema))
            }
            Backend::Sqlite => None,
        };
        let mut store = Store {
            pool,
            backend,
            sessions: Arc::new(Mutex::new(LruCache::new(SESSIONS_CACHED))),
            sqlite: (backend == Backend::Sqlite).then(|| Sqlite::new(sqlite_file)),
            replicas,
        };
        store.start_group_commit();
        Ok(store)
    }
}
