//! Where the desk keeps sessions, transcripts and the queue: SQLite (one file
//! under the data dir, the default) or PostgreSQL (several kefu replicas
//! sharing one queue), through one sqlx code path.
//!
//! SQL is written once, in the dialect both databases accept (`$1`
//! placeholders, `RETURNING`, partial indexes); the schema differs only in
//! how ids are generated, so each database has its own migration folder.
//! Claiming a ticket is the one place the databases need different locking:
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, an immediate (write-locked)
//! transaction on SQLite. Every write that the API acknowledges has been
//! committed when the call returns.

mod commit;
mod insights;
mod queue;
mod rows;
mod standings;

use std::borrow::Cow;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lru::LruCache;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Connection, Row};

use crate::domain::{
    now_millis, AuditEntry, Author, Message, Millis, NewTicket, NewTurn, Note, QueueFilter, Session, Standing, Ticket,
    TicketEvent,
};
use crate::handoff::privacy::Secret;
use crate::handoff::{Priority, TicketStatus};

pub use insights::{ArticleVerdicts, DecisionCount, QuestionStats, TopicTally};
pub use queue::Presence;
use rows::{ticket_from, TICKET_COLUMNS};
use standings::{Reach, Standings, Writing};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database is unreachable or a statement failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Another kefu process serves this SQLite database. What a process
    /// remembers of its conversations (see [`standings`]) is only current
    /// while it is the database's one writer.
    #[error("{path} is served by another kefu process: a SQLite database has one at a time (several replicas need PostgreSQL)")]
    InUse {
        /// The database file.
        path: String,
    },
    /// The lock file beside a SQLite database could not be opened.
    #[error("cannot lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The task that commits conversation turns has stopped (the process
    /// is shutting down).
    #[error("the database writer has stopped")]
    WriterStopped,
    /// A stored value is not one kefu writes (a corrupted or foreign row).
    #[error("unexpected stored value in {column}: {value}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// The value found.
        value: String,
    },
}

/// Result of a storage call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A turn as stored: its messages, with ids, and its ticket if it handed off.
pub type RecordedTurn = (Vec<Message>, Option<Ticket>);

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The desk's database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// This process's SQLite writers take turns here (see [`Store::writer`]).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// On SQLite, where conversation turns wait to be committed together.
    turns: Option<commit::Queue>,
    /// Recently used sessions. A session row never changes once written,
    /// and every chat request reads one to check its secret.
    sessions: Arc<Mutex<LruCache<String, Session>>>,
    /// On SQLite, where recent conversations stand (see [`standings`]).
    standings: Option<Standings>,
    /// On SQLite, the database file, unless it is in memory.
    sqlite_file: Option<std::path::PathBuf>,
    /// Held while this process serves the SQLite database ([`Store::serve_alone`]).
    _serving: Option<Arc<std::fs::File>>,
}

/// How many sessions [`Store::session`] remembers (a few hundred bytes each).
const SESSIONS_CACHED: NonZeroUsize = NonZeroUsize::new(10_000).unwrap();

/// Outcome of a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The agent now owns this ticket.
    Claimed(Box<Ticket>),
    /// Nothing to claim: the queue is empty, or someone else was faster.
    Unavailable,
}

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
            Backend::Sqlite => sqlite_file(url),
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
        let mut store = Store {
            pool,
            backend,
            writer: Arc::default(),
            turns: None,
            sessions: Arc::new(Mutex::new(LruCache::new(SESSIONS_CACHED))),
            standings: None,
            sqlite_file,
            _serving: None,
        };
        if backend == Backend::Sqlite {
            store.standings = Some(Standings::new());
            store.turns = Some(commit::Queue::start(store.clone()));
        }
        Ok(store)
    }

    /// Held for the length of a write, on SQLite. SQLite admits one writer
    /// at a time, and a connection that finds the file locked sleeps in its
    /// busy handler (1 ms, then 2, 5, 10 …) rather than being woken when
    /// the lock frees, so writers from this process's connections queue
    /// here instead. PostgreSQL locks rows and needs no turn. Every SQLite
    /// write takes this turn, which is what lets [`standings`] know when a
    /// remembered standing goes stale: say truthfully what the write `reach`es.
    async fn writer(&self, reach: Reach) -> Option<Writing<'_>> {
        let standings = self.standings.as_ref()?;
        Some(Writing::new(self.writer.lock().await, standings, reach))
    }

    /// Makes this process the server of a SQLite database file, or fails
    /// with [`StoreError::InUse`] while another kefu serves it. The lock is
    /// the kernel's on `<file>-kefu.lock`, so it ends with the process,
    /// however that ends. Readers (`kefu gaps`) need no lock; PostgreSQL and
    /// an in-memory SQLite need none either.
    pub fn serve_alone(&mut self) -> Result<()> {
        let Some(file) = &self.sqlite_file else {
            return Ok(());
        };
        let mut path = file.clone().into_os_string();
        path.push("-kefu.lock");
        let lock_error = |source| StoreError::Lock {
            path: std::path::Path::new(&path).display().to_string(),
            source,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(lock_error)?;
        match lock.try_lock() {
            Ok(()) => {
                self._serving = Some(Arc::new(lock));
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
                path: file.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(lock_error(e)),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores a new session.
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        sqlx::query("INSERT INTO sessions (id, secret_hash, locale, channel, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.id)
            .bind(&s.secret_hash)
            .bind(s.locale.clone())
            .bind(&s.channel)
            .bind(s.created_at)
            .execute(&self.pool)
            .await?;
        self.remember(s.clone());
        Ok(())
    }

    /// The session with `id`.
    pub async fn session(&self, id: &str) -> Result<Option<Session>> {
        if let Some(known) = self.sessions().get(id) {
            return Ok(Some(known.clone()));
        }
        let row = sqlx::query("SELECT id, secret_hash, locale, channel, created_at FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let session = Session {
            id: r.try_get("id")?,
            secret_hash: r.try_get("secret_hash")?,
            locale: r.try_get("locale")?,
            channel: r.try_get("channel")?,
            created_at: r.try_get("created_at")?,
        };
        self.remember(session.clone());
        Ok(Some(session))
    }

    fn remember(&self, session: Session) {
        self.sessions().put(session.id.clone(), session);
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, LruCache<String, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Messages of `session` with ids above `after`, oldest first.
    pub async fn messages(&self, session: &str, after: i64, limit: i64) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT id, session_id, author, agent, text, reply, created_at FROM messages
             WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(session)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::message_from).collect()
    }

    /// The message with `id` in `session`.
    pub async fn message(&self, session: &str, id: i64) -> Result<Option<Message>> {
        let row = sqlx::query(
            "SELECT id, session_id, author, agent, text, reply, created_at FROM messages WHERE session_id = $1 AND id = $2",
        )
        .bind(session)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::message_from).transpose()
    }

    /// Where `session` stands before a new user message is answered: its
    /// open ticket and the bot's last reply, in one read since every chat
    /// message needs both; on SQLite usually remembered from the last one.
    pub async fn standing(&self, session: &str) -> Result<Standing> {
        let read_from = match self.standings.as_ref().map(|s| s.recall(session)) {
            Some(Ok(standing)) => return Ok(standing),
            Some(Err(generation)) => Some(generation),
            None => None,
        };
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS},
                 (SELECT m.reply FROM messages m WHERE m.session_id = $1 AND m.author = 'bot'
                  ORDER BY m.id DESC LIMIT 1) AS last_bot_reply
             FROM (SELECT 1 AS here) AS h
             LEFT JOIN tickets ON tickets.session_id = $1 AND tickets.status <> 'resolved'"
        ))
        .bind(session)
        .fetch_one(&self.pool)
        .await?;
        let open_ticket = match row.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(ticket_from(&row)?),
            None => None,
        };
        let last_bot_reply: Option<String> = row.try_get("last_bot_reply")?;
        let standing = Standing {
            open_ticket,
            last_bot_reply: last_bot_reply.and_then(|j| serde_json::from_str(&j).ok()).map(Arc::new),
        };
        if let (Some(standings), Some(read_from)) = (&self.standings, read_from) {
            standings.fill(session, read_from, &standing);
        }
        Ok(standing)
    }

    /// The session's open (not resolved) ticket.
    pub async fn open_ticket(&self, session: &str) -> Result<Option<Ticket>> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = $1 AND status <> 'resolved'"
        ))
        .bind(session)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// The ticket with `id`.
    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        let row = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// Writes one conversation turn atomically and returns its stored
    /// messages and ticket. On SQLite the turn waits for the next group
    /// commit (see [`commit`]); either way it is on disk when this returns.
    pub async fn record_turn(&self, turn: NewTurn) -> Result<RecordedTurn> {
        match &self.turns {
            Some(queue) => queue.record(turn).await,
            None => only(self.write_turns(std::slice::from_ref(&turn)).await?),
        }
    }

    /// Writes `turns` in one transaction, in order.
    async fn write_turns(&self, turns: &[NewTurn]) -> Result<Vec<RecordedTurn>> {
        let now = now_millis();
        let mut writing = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let rows: Vec<MessageRow> = turns
            .iter()
            .flat_map(|turn| {
                turn.messages.iter().map(|m| MessageRow {
                    session: &turn.session.id,
                    author: m.author,
                    agent: None,
                    text: &m.text,
                    reply: m.reply.as_ref(),
                })
            })
            .collect();
        let mut stored = insert_messages(&mut tx, &rows, now).await?.into_iter();
        let mut written = Vec::with_capacity(turns.len());
        let mut questions = Vec::new();
        let mut small_talk = Vec::new();
        for turn in turns {
            let messages: Vec<Message> = stored.by_ref().take(turn.messages.len()).collect();
            if let (Some(q), Some(reply)) = (&turn.question, messages.last()) {
                questions.push((turn.session.id.as_str(), reply.id, q));
            }
            if let Some((intent, locale)) = turn.small_talk {
                small_talk.push((turn.session.id.as_str(), intent, locale));
            }
            let ticket = match (&turn.handoff, turn.cancel) {
                (Some(new), _) => Some(open_or_reopen(&mut tx, &turn.session, new, now).await?),
                (None, true) => withdraw(&mut tx, &turn.session, now).await?,
                (None, false) => None,
            };
            written.push((messages, ticket));
        }
        insights::insert_questions(&mut tx, &questions, now).await?;
        insights::insert_small_talk(&mut tx, &small_talk, now).await?;
        tx.commit().await?;
        if let Some(writing) = &mut writing {
            writing.committed_turns(turns, &written);
        }
        Ok(written)
    }

    /// Moves a ticket from one of `from` to `to`, stamping the transition,
    /// optionally with a message to the session in the same transaction.
    /// Returns `None` when the ticket was not in any of `from`.
    pub async fn transition(
        &self,
        id: i64,
        from: &[TicketStatus],
        to: TicketStatus,
        actor: &str,
        message: Option<(Author, Option<&str>, &str)>,
    ) -> Result<Option<(Ticket, Option<Message>)>> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let stamp = match to {
            TicketStatus::Resolved => ", resolved_at = $3",
            TicketStatus::Pending => ", reopened_at = $3, agent = NULL",
            _ => "",
        };
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "UPDATE tickets SET status = $1, updated_at = $3 {stamp} WHERE id = $2 AND status IN ({allowed})
             RETURNING {TICKET_COLUMNS}"
        ))
        .bind(to.as_str())
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let ticket = ticket_from(&row)?;
        add_event(&mut tx, id, to, actor, now).await?;
        let message = match message {
            Some((author, agent, text)) => {
                let event = system_event(to.as_str());
                Some(insert_message(&mut tx, &ticket.session_id, author, agent, text, Some(&event), now).await?)
            }
            None => None,
        };
        tx.commit().await?;
        Ok(Some((ticket, message)))
    }

    /// Claims ticket `id` (when given) or the next in line: urgent first,
    /// then oldest. Atomic: of any number of agents claiming the same ticket
    /// at once, exactly one gets it. `joined` is the system message the user
    /// sees, written in the same transaction.
    pub async fn claim(&self, agent: &str, id: Option<i64>, joined: impl Fn(&Ticket) -> String) -> Result<Claim> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut conn = self.pool.acquire().await?;
        let mut tx = match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => conn.begin().await?,
        };
        let target = match (id, self.backend) {
            (Some(_), _) => "$4".to_string(),
            (None, Backend::Postgres) => "(SELECT id FROM tickets WHERE status = 'pending'
                 ORDER BY priority_rank, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                .to_string(),
            (None, Backend::Sqlite) => "(SELECT id FROM tickets WHERE status = 'pending'
                 ORDER BY priority_rank, created_at, id LIMIT 1)"
                .to_string(),
        };
        let row = sqlx::query(&format!(
            "UPDATE tickets SET status = 'assigned', agent = $1, assigned_at = $2, updated_at = $3
             WHERE id = {target} AND status = 'pending' RETURNING {TICKET_COLUMNS}"
        ))
        .bind(agent)
        .bind(now)
        .bind(now)
        .bind(id.unwrap_or(0))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(Claim::Unavailable);
        };
        let ticket = ticket_from(&row)?;
        add_event(&mut tx, ticket.id, TicketStatus::Assigned, agent, now).await?;
        audit(&mut tx, agent, "claim", Some(ticket.id), "", now).await?;
        insert_message(
            &mut tx,
            &ticket.session_id,
            Author::System,
            Some(agent),
            &joined(&ticket),
            Some(&system_event("agent_joined")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Claim::Claimed(Box::new(ticket)))
    }

    /// Stores an agent's reply to the ticket's user, stamping the first
    /// reply time, and audits it; all or nothing.
    pub async fn agent_reply(
        &self,
        ticket: &Ticket,
        agent: &str,
        text: &str,
        attached: Option<&serde_json::Value>,
    ) -> Result<Message> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let message = insert_message(
            &mut tx,
            &ticket.session_id,
            Author::Agent,
            Some(agent),
            text,
            attached,
            now,
        )
        .await?;
        sqlx::query("UPDATE tickets SET first_reply_at = COALESCE(first_reply_at, $1), updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(ticket.id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            agent,
            "reply",
            Some(ticket.id),
            &format!("message {}", message.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(message)
    }

    /// Adds an internal note and audits it.
    pub async fn add_note(&self, ticket: i64, agent: &str, text: &str) -> Result<Note> {
        let now = now_millis();
        let _turn = self.writer(Reach::Elsewhere).await;
        let mut tx = self.pool.begin().await?;
        let id: i64 =
            sqlx::query("INSERT INTO notes (ticket_id, agent, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(ticket)
                .bind(agent)
                .bind(text)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
        audit(&mut tx, agent, "note", Some(ticket), &format!("note {id}"), now).await?;
        tx.commit().await?;
        Ok(Note {
            id,
            agent: agent.to_string(),
            text: text.to_string(),
            created_at: now,
        })
    }

    /// The notes on a ticket, oldest first.
    pub async fn notes(&self, ticket: i64) -> Result<Vec<Note>> {
        let rows = sqlx::query("SELECT id, agent, text, created_at FROM notes WHERE ticket_id = $1 ORDER BY id")
            .bind(ticket)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Note {
                    id: r.try_get("id")?,
                    agent: r.try_get("agent")?,
                    text: r.try_get("text")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The status history of a ticket.
    pub async fn ticket_events(&self, ticket: i64) -> Result<Vec<TicketEvent>> {
        let rows = sqlx::query("SELECT status, actor, at FROM ticket_events WHERE ticket_id = $1 ORDER BY id")
            .bind(ticket)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(TicketEvent {
                    status: TicketStatus::parse(&status).ok_or(StoreError::Corrupt {
                        column: "ticket_events.status",
                        value: status,
                    })?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Tickets in queue order (urgent first, then oldest).
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<Ticket>> {
        let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE ");
        sql.push_str(match (filter.status, &filter.txid) {
            (Some(_), _) => "status = $1",
            // A TxID finds its case whether it is open or long resolved.
            (None, Some(_)) => "$1 = $1",
            (None, None) => "status <> 'resolved' AND $1 = $1",
        });
        sql.push_str(match filter.priority {
            Some(_) => " AND priority = $2",
            None => " AND $2 = $2",
        });
        // The id as JSON writes it, quotes included: a whole id, not a part;
        // in any case on both databases (SQLite's LIKE ignores ASCII case,
        // PostgreSQL's does not), as explorers show hex ids either way.
        sql.push_str(match filter.txid {
            Some(_) => " AND LOWER(details) LIKE LOWER($4)",
            None => " AND $4 = $4",
        });
        sql.push_str(" ORDER BY priority_rank, created_at, id LIMIT $3");
        let txid = filter
            .txid
            .as_deref()
            .map_or_else(String::new, |t| format!("%\"txid\":{}%", serde_json::Value::from(t)));
        let rows = sqlx::query(&sql)
            .bind(filter.status.map_or("", TicketStatus::as_str))
            .bind(filter.priority.map_or("", Priority::as_str))
            .bind(filter.limit)
            .bind(txid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket_from).collect()
    }

    /// Open tickets per priority, for `/metrics`.
    pub async fn queue_depth(&self) -> Result<Vec<(Priority, TicketStatus, i64)>> {
        let rows = sqlx::query(
            "SELECT priority, status, COUNT(*) AS n FROM tickets WHERE status <> 'resolved' GROUP BY priority, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let p: String = r.try_get("priority")?;
                let s: String = r.try_get("status")?;
                Ok((rows::priority(&p)?, rows::status(&s)?, r.try_get("n")?))
            })
            .collect()
    }

    /// Records a user's verdict on a bot answer that showed `article`.
    pub async fn add_feedback(
        &self,
        session: &str,
        message: i64,
        article: Option<&str>,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        sqlx::query(
            "INSERT INTO feedback (session_id, message_id, article, helpful, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session)
        .bind(message)
        .bind(article.map(str::to_string))
        .bind(i64::from(helpful))
        .bind(comment.map(str::to_string))
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes an audit entry on its own (for reads, which change nothing else).
    pub async fn audit(&self, actor: &str, action: &str, ticket: Option<i64>, detail: &str) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        let mut conn = self.pool.acquire().await?;
        audit(&mut conn, actor, action, ticket, detail, now_millis()).await
    }

    /// The newest audit entries, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT actor, action, ticket_id, detail, at FROM audit_log ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    ticket_id: r.try_get("ticket_id")?,
                    detail: r.try_get("detail")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}

type Conn = sqlx::AnyConnection;

/// What a system message announces, for clients that react to it (the
/// widget shows "a person has joined" from `agent_joined`): stored as the
/// message's `reply` so the text stays free to change and be translated.
fn system_event(event: &str) -> serde_json::Value {
    serde_json::json!({ "event": event })
}

/// A message to insert.
struct MessageRow<'a> {
    session: &'a str,
    author: Author,
    agent: Option<&'a str>,
    text: &'a str,
    reply: Option<&'a serde_json::Value>,
}

async fn insert_message(
    conn: &mut Conn,
    session: &str,
    author: Author,
    agent: Option<&str>,
    text: &str,
    reply: Option<&serde_json::Value>,
    now: Millis,
) -> Result<Message> {
    let row = MessageRow {
        session,
        author,
        agent,
        text,
        reply,
    };
    only(insert_messages(conn, std::slice::from_ref(&row), now).await?)
}

/// Inserts `rows` in one statement (a group commit writes many turns) and
/// returns them stored, in order.
async fn insert_messages(conn: &mut Conn, rows: &[MessageRow<'_>], now: Millis) -> Result<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO messages (session_id, author, agent, text, reply, created_at) VALUES {} RETURNING id",
        placeholders(conn, rows.len(), 6)
    );
    let mut insert = sqlx::query(&sql);
    for row in rows {
        insert = insert
            .bind(row.session)
            .bind(row.author.as_str())
            .bind(row.agent.map(str::to_string))
            .bind(row.text)
            .bind(row.reply.map(|r| r.to_string()))
            .bind(now);
    }
    // Neither database promises RETURNING's order, but both number the
    // rows of one insert in the order of its VALUES.
    let mut ids = insert
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    if ids.len() != rows.len() {
        return Err(StoreError::Corrupt {
            column: "messages.id",
            value: format!("{} ids returned for {} inserted rows", ids.len(), rows.len()),
        });
    }
    Ok(rows
        .iter()
        .zip(ids)
        .map(|(row, id)| Message {
            id,
            session_id: row.session.to_string(),
            author: row.author,
            agent: row.agent.map(str::to_string),
            text: row.text.to_string(),
            reply: row.reply.cloned(),
            created_at: now,
        })
        .collect())
}

/// What a write of one row returned for it.
fn only<T>(mut written: Vec<T>) -> Result<T> {
    written.pop().ok_or(StoreError::Database(sqlx::Error::RowNotFound))
}

/// `($1, $2), ($3, $4)` for 2 rows of 2 columns: the VALUES of a
/// multi-row insert. SQLite gets `(?, ?), (?, ?)`: sqlx asks SQLite for each
/// parameter's name as it binds, and SQLite finds a name by scanning all of
/// the statement's names, so binding a group commit's hundreds of numbered
/// parameters was quadratic (5% of the CPU of a busy desk); anonymous ones
/// have no names to scan.
fn placeholders(conn: &Conn, rows: usize, columns: usize) -> String {
    let numbered = conn.backend_name() != <sqlx::Sqlite as sqlx::Database>::NAME;
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns)
                .map(|c| {
                    if numbered {
                        format!("${}", r * columns + c)
                    } else {
                        "?".to_string()
                    }
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn add_event(conn: &mut Conn, ticket: i64, status: TicketStatus, actor: &str, now: Millis) -> Result<()> {
    sqlx::query("INSERT INTO ticket_events (ticket_id, status, actor, at) VALUES ($1, $2, $3, $4)")
        .bind(ticket)
        .bind(status.as_str())
        .bind(actor)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn audit(
    conn: &mut Conn,
    actor: &str,
    action: &str,
    ticket: Option<i64>,
    detail: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (actor, action, ticket_id, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(actor)
        .bind(action)
        .bind(ticket)
        .bind(detail)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The session's open ticket, else its resolved one reopened, else a new one;
/// the bot hands off, so a new or reopened ticket's history names it. A
/// ticket of a conversation where the user shared a secret (in this turn
/// or before) is flagged and urgent.
async fn open_or_reopen(conn: &mut Conn, session: &Session, new: &NewTicket, now: Millis) -> Result<Ticket> {
    let open = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = $1 AND status <> 'resolved'"
    ))
    .bind(&session.id)
    .fetch_optional(&mut *conn)
    .await?;
    let secret = new.secret_shared || shared_a_secret(conn, &session.id).await?;
    let priority = if secret { Priority::Urgent } else { new.priority };
    if let Some(row) = open {
        let ticket = ticket_from(&row)?;
        let raise = priority == Priority::Urgent && ticket.priority != Priority::Urgent;
        if raise || (secret && !ticket.secret_shared) {
            let row = sqlx::query(&format!(
                "UPDATE tickets SET priority = CASE WHEN $3 = 1 THEN 'urgent' ELSE priority END,
                     priority_rank = CASE WHEN $3 = 1 THEN 0 ELSE priority_rank END,
                     secret_shared = CASE WHEN $4 = 1 THEN 1 ELSE secret_shared END, updated_at = $1
                 WHERE id = $2 RETURNING {TICKET_COLUMNS}"
            ))
            .bind(now)
            .bind(ticket.id)
            .bind(i64::from(raise))
            .bind(i64::from(secret))
            .fetch_one(&mut *conn)
            .await?;
            return ticket_from(&row);
        }
        return Ok(ticket);
    }
    let reopened = sqlx::query(&format!(
        "UPDATE tickets SET status = 'pending', agent = NULL, priority = $1, priority_rank = $2, reason = $3,
             topic = $4, confidence = $5, updated_at = $6, reopened_at = $6, locale = $8,
             secret_shared = CASE WHEN $9 = 1 THEN 1 ELSE secret_shared END
         WHERE id = (SELECT id FROM tickets WHERE session_id = $7 ORDER BY id DESC LIMIT 1)
         RETURNING {TICKET_COLUMNS}"
    ))
    .bind(priority.as_str())
    .bind(rows::priority_rank(priority))
    .bind(new.reason.as_str())
    .bind(new.topic.clone())
    .bind(new.confidence)
    .bind(now)
    .bind(&session.id)
    .bind(new.locale)
    .bind(i64::from(secret))
    .fetch_optional(&mut *conn)
    .await?;
    let row = match reopened {
        Some(row) => row,
        None => {
            sqlx::query(&format!(
                "INSERT INTO tickets (session_id, status, priority, priority_rank, reason, topic, confidence, channel,
                     created_at, updated_at, locale, secret_shared)
                 VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING {TICKET_COLUMNS}"
            ))
            .bind(&session.id)
            .bind(priority.as_str())
            .bind(rows::priority_rank(priority))
            .bind(new.reason.as_str())
            .bind(new.topic.clone())
            .bind(new.confidence)
            .bind(&session.channel)
            .bind(now)
            .bind(new.locale)
            .bind(i64::from(secret))
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let ticket = ticket_from(&row)?;
    add_event(conn, ticket.id, TicketStatus::Pending, "bot", now).await?;
    Ok(ticket)
}

/// The user withdrew their request for a person: the session's pending
/// ticket is resolved by them (a claimed one stays with its agent).
async fn withdraw(conn: &mut Conn, session: &Session, now: Millis) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!(
        "UPDATE tickets SET status = 'resolved', resolved_at = $1, updated_at = $1
         WHERE session_id = $2 AND status = 'pending' RETURNING {TICKET_COLUMNS}"
    ))
    .bind(now)
    .bind(&session.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let ticket = ticket_from(&row)?;
    add_event(conn, ticket.id, TicketStatus::Resolved, "user", now).await?;
    Ok(Some(ticket))
}

/// Whether a user message of `session` had a secret redacted from it. Only
/// asked when a turn opens or touches a ticket, and a session has few
/// messages.
async fn shared_a_secret(conn: &mut Conn, session: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM messages WHERE session_id = $1 AND author = 'user'
             AND (text LIKE $2 OR text LIKE $3)",
    )
    .bind(session)
    .bind(format!("%{}%", Secret::SeedPhrase.placeholder()))
    .bind(format!("%{}%", Secret::PrivateKey.placeholder()))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The file of a `sqlite:` URL; `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory")).then(|| path.into())
}
