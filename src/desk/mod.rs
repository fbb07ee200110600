//! The help desk: conversations between users, the bot and agents.
//!
//! Input: what users and agents do (a message, a pick, feedback, a claim, a
//! reply). Output: stored transcripts and tickets, and the bot's replies.
//! The desk decides who answers: the bot while no person owns the
//! conversation, the agent while one does; it keeps secrets out of storage
//! and personal data away from agents who may not see it. It knows nothing
//! of HTTP: the server maps its results and [`DeskError`]s onto the API.
//!
//! By the work it does: `chat` is the user's side (sessions, a turn, a
//! request for a person, feedback), `agents` the agent's side (the queue,
//! claims, replies, notes), `hosting` the engine it answers with (reload,
//! worker threads), `waiting` where a waiting user stands, `replicas` what
//! the other replicas of one desk on PostgreSQL changed.

mod agents;
mod chat;
mod hosting;
mod replicas;
mod waiting;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::{broadcast, Mutex, Semaphore};

use crate::config::{new_token, QueueSettings};
use crate::conversation::TurnError;
pub use crate::conversation::{BotReply, CandidateNote, Warning};
use crate::corpus::Lang;
use crate::domain::{ArticleId, SessionId, Ticket, TicketId};
use crate::engine::{ArticleSummary, Engine};
use crate::rank::RankError;
use crate::store::{Store, StoreError};
pub use agents::{Agent, Assist, TicketView};
pub use chat::{EngineTime, NewSession, Turn};
pub use hosting::{Reload, ReloadRefused};
pub use waiting::{estimated_wait, QueueStatus};

/// How many of a conversation's first messages a new ticket reads for the
/// case's details: the coin, address or TxID come early, and a long chat
/// need not be read whole.
const EARLIER_MESSAGES: i64 = 200;

/// Why a desk call failed. The first group are the caller's mistakes.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No session has this id.
    #[error("no session {0}")]
    UnknownSession(SessionId),
    /// The session exists but the secret is wrong.
    #[error("wrong secret for this session")]
    WrongSecret,
    /// The message is empty or only white space.
    #[error("the message is empty")]
    EmptyMessage,
    /// The message is longer than the configured limit.
    #[error("the message has {chars} characters; the limit is {limit}")]
    MessageTooLong {
        /// Its length.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// No message with this id in this session.
    #[error("no message {0} in this session")]
    UnknownMessage(i64),
    /// Feedback is for bot answers only.
    #[error("message {0} is not a bot answer")]
    NotAnAnswer(i64),
    /// A chip named an article the corpus does not have.
    #[error("no article {0}")]
    UnknownArticle(ArticleId),
    /// No ticket has this id.
    #[error("no ticket {0}")]
    UnknownTicket(TicketId),
    /// Another agent owns the ticket, or nobody has claimed it yet.
    #[error("ticket {id} is not assigned to you (status {status}, agent {owner})")]
    NotYourTicket {
        /// The ticket.
        id: TicketId,
        /// Its status.
        status: &'static str,
        /// Its owner, or `nobody`.
        owner: String,
    },
    /// The ticket cannot move to the requested status from where it is.
    #[error("ticket {id} cannot go from {from} to {to}")]
    BadTransition {
        /// The ticket.
        id: TicketId,
        /// Its status.
        from: &'static str,
        /// The one asked for.
        to: &'static str,
    },
    /// Not something an e-mail can be sent to.
    #[error("'{0}' is not an e-mail address")]
    InvalidEmail(String),
    /// The session is not waiting for a person.
    #[error("this conversation has no open ticket to follow up on")]
    NoOpenTicket,
    /// A rating outside 1 to 5.
    #[error("a rating is 1 to 5, not {0}")]
    InvalidRating(i64),
    /// No agent has resolved anything in the session.
    #[error("this conversation has no resolved conversation with an agent to rate")]
    NothingToRate,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The answer engine failed.
    #[error(transparent)]
    Engine(#[from] RankError),
    /// The conversation policy failed.
    #[error(transparent)]
    Turn(#[from] TurnError),
    /// The operating system's random number generator failed.
    #[error("no randomness available for session secrets")]
    NoRandomness,
    /// The engine's worker thread died.
    #[error("the answer engine stopped unexpectedly")]
    EngineStopped,
}

/// Result of a desk call.
pub type Result<T> = std::result::Result<T, DeskError>;

/// Something changed that live views may want to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New messages in this session.
    Session(SessionId),
    /// The queue changed.
    Queue,
    /// Anything may have changed: word from the other replicas was lost
    /// (the connection that hears them dropped), so every view looks again.
    Everything,
}

/// Desk settings.
#[derive(Debug, Clone)]
pub struct DeskOptions {
    /// Longest user or agent message, in characters.
    pub message_chars: usize,
    /// Base URL for article links.
    pub public_url: String,
    /// How many engine calls may run at once (one per core is right: each
    /// is CPU-bound).
    pub engine_workers: usize,
    /// Service hours, SLA and the wait estimate.
    pub queue: QueueSettings,
}

/// The help desk.
pub struct Desk {
    engine: ArcSwap<Engine>,
    reloading: Mutex<()>,
    store: Store,
    options: DeskOptions,
    workers: Semaphore,
    changes: broadcast::Sender<Change>,
    /// This replica's own changes, for the other replicas (see [`replicas`]).
    outbox: broadcast::Sender<Change>,
    /// Names this process in what it tells the other replicas, so it does
    /// not act on its own word twice.
    replica: String,
    /// Whether the other replicas' changes arrive as they happen: always on
    /// SQLite (there are none), on PostgreSQL while this replica listens.
    others_live: AtomicBool,
}

impl Desk {
    /// A desk answering with `engine` and keeping everything in `store`.
    pub fn new(engine: Arc<Engine>, store: Store, options: DeskOptions) -> Desk {
        let workers = Semaphore::new(options.engine_workers.max(1));
        let (changes, _) = broadcast::channel(1024);
        let (outbox, _) = broadcast::channel(1024);
        let others_live = AtomicBool::new(!store.has_replicas());
        Desk {
            engine: ArcSwap::new(engine),
            reloading: Mutex::new(()),
            store,
            options,
            workers,
            changes,
            outbox,
            // Should the system's random source fail, the id is empty: only
            // another replica whose source failed too would share it (and the
            // two would miss each other's word), not worth refusing to start.
            replica: new_token(8).unwrap_or_default(),
            others_live,
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Live notifications of new messages and queue changes, made through
    /// this replica or (see [`Desk::relay_changes`]) any other.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn changed(&self, session: &SessionId, queue: bool) {
        self.tell(Change::Session(session.clone()));
        if queue {
            self.tell(Change::Queue);
        }
    }

    /// Tells this replica's live views of `change`, and the other replicas.
    fn tell(&self, change: Change) {
        if self.store.has_replicas() {
            let _ = self.outbox.send(change.clone());
        }
        let _ = self.changes.send(change);
    }

    /// The text of a message as it may be stored, or why it may not (see
    /// [`stored_text`]), under this desk's length limit.
    pub fn checked_text(&self, text: &str) -> Result<String> {
        stored_text(text, self.options.message_chars)
    }

    fn summary(&self, engine: &Engine, id: &ArticleId, lang: Lang) -> Option<ArticleSummary> {
        engine.summary(id, lang, &self.options.public_url)
    }

    async fn ticket(&self, id: TicketId) -> Result<Ticket> {
        self.store.ticket(id).await?.ok_or(DeskError::UnknownTicket(id))
    }
}

/// The text of a message as it may be stored, or why it may not: control
/// characters (a NUL, which PostgreSQL cannot store, or terminal escapes)
/// are dropped, and a message with nothing visible left (only white space,
/// NULs or zero-width characters) is empty; more than `limit` characters is
/// too long.
fn stored_text(text: &str, limit: usize) -> Result<String> {
    let cleaned: String = text
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    if cleaned.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(DeskError::EmptyMessage);
    }
    let chars = cleaned.chars().count();
    if chars > limit {
        return Err(DeskError::MessageTooLong { chars, limit });
    }
    Ok(cleaned)
}

/// Characters that show nothing: zero-width spaces and joiners, direction
/// marks, the BOM, variation selectors, tag characters and blank fillers.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x2800 | 0x3164
        | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_stored_without_control_characters_or_refused() {
        assert_eq!(stored_text("提币\u{0}多久\u{1b}[31m", 100).unwrap(), "提币多久[31m");
        assert_eq!(
            stored_text("line one\n\tline two", 100).unwrap(),
            "line one\n\tline two"
        );
        for empty in ["", "   ", "\u{0}\u{0}", "\u{200b}\u{feff} \u{2060}"] {
            assert!(
                matches!(stored_text(empty, 100), Err(DeskError::EmptyMessage)),
                "{empty:?}"
            );
        }
        assert!(matches!(
            stored_text("多久到账", 3),
            Err(DeskError::MessageTooLong { chars: 4, limit: 3 })
        ));
        assert_eq!(stored_text("多久到账", 4).unwrap(), "多久到账");
    }
}
