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

mod audit;
mod connect;
mod insights;
mod queue;
mod replicas;
mod rows;
mod sessions;
mod sqlite;
mod tickets;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use sqlx::AnyPool;

use crate::domain::{Message, Session, SessionId, Ticket};
pub use insights::{ArticleVerdicts, DecisionCount, QuestionStats, TopicTally};
pub use queue::Presence;
pub use replicas::ReplicaListener;
use replicas::Replicas;
use sqlite::Sqlite;

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

impl StoreError {
    /// Whether the database is out of reach for now (the pool exhausted or
    /// closed, the connection lost, the writer stopped): the caller may try
    /// again shortly, and nothing it asked for was done.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::WriterStopped
                | StoreError::Database(
                    sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_)
                )
        )
    }
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
    /// Recently used sessions. A session row never changes once written,
    /// and every chat request reads one to check its secret.
    sessions: Arc<Mutex<LruCache<SessionId, Session>>>,
    /// What only SQLite needs (see [`sqlite`]); `None` on PostgreSQL.
    sqlite: Option<Sqlite>,
    /// The channel to the other replicas (see [`replicas`]); `None` on SQLite.
    replicas: Option<Replicas>,
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

impl Store {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

type Conn = sqlx::AnyConnection;

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

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn only_a_database_out_of_reach_is_unavailable() {
        assert!(StoreError::WriterStopped.is_unavailable());
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_unavailable());
        let corrupt = StoreError::Corrupt {
            column: "status",
            value: "lost".into(),
        };
        assert!(!corrupt.is_unavailable());
    }
}
