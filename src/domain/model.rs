//! The help desk's records: sessions, messages, tickets, notes and audit
//! entries, as the desk reads and writes them.

use serde::{Deserialize, Serialize};

use super::{Decision, HandoffReason, Priority, TicketStatus};

/// Unix time in milliseconds, the one time representation in storage.
pub type Millis = i64;

/// Now, in Unix milliseconds.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// RFC 3339 in UTC, with milliseconds when there are any.
pub fn rfc3339(ms: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// A ticket's queue number, as agents, the API and the audit log name it:
/// its own type, so a message id or a count is never taken for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub i64);

impl std::fmt::Display for TicketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A session's public id, as the widget, the API and the queue name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SessionId {
    fn from(id: &str) -> SessionId {
        SessionId(id.to_string())
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A help-center article's id, equal to its file name without `.md`:
/// lower-case ASCII letters, digits and single dashes. Its own type from the
/// corpus through ranking, the conversation policy and evaluation to the API,
/// so a category, a title or a question is never taken for one.
///
/// [`ArticleId::parse`] checks the slug rules where ids are written by people
/// (front matter, `similar:` lists, eval files); ids read back from the
/// index, a stored reply or the database are taken as they are and only ever
/// looked up in the corpus, never used to name a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(String);

impl ArticleId {
    /// Checks the slug rules.
    pub fn parse(s: &str) -> Result<ArticleId, String> {
        let ok = !s.is_empty()
            && s.len() <= 80
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(ArticleId(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid id: use lower-case letters, digits and single dashes, e.g. `reset-password`"
            ))
        }
    }

    /// An id kefu itself names (a constant, an id read back from the index
    /// or the database), taken as it is.
    pub fn known(s: &str) -> ArticleId {
        ArticleId(s.to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lets a map keyed by ids be asked with a `&str`.
impl std::borrow::Borrow<str> for ArticleId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ArticleId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ArticleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for ArticleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One user's conversation with the help desk.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Public id.
    pub id: SessionId,
    /// SHA-256 of the session secret; the secret itself is never stored.
    pub secret_hash: String,
    /// The user's preferred language, if known (`zh` or `en`).
    pub locale: Option<String>,
    /// Where the user came from (`widget`, `app`, `email`, …).
    pub channel: String,
    /// When it started.
    pub created_at: Millis,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The user.
    User,
    /// The answer engine.
    Bot,
    /// A human agent.
    Agent,
    /// kefu itself: "Alice joined", "the conversation was resolved".
    System,
}

impl Author {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Author::User => "user",
            Author::Bot => "bot",
            Author::Agent => "agent",
            Author::System => "system",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Author> {
        [Author::User, Author::Bot, Author::Agent, Author::System]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Increasing across the whole desk, so `after=<id>` pages a transcript.
    pub id: i64,
    /// The session it belongs to.
    pub session_id: SessionId,
    /// Who wrote it.
    pub author: Author,
    /// The agent's name, for agent messages.
    pub agent: Option<String>,
    /// The text (secrets already redacted for user messages).
    pub text: String,
    /// For bot messages: the structured reply (decision, article,
    /// suggestions) as JSON.
    pub reply: Option<serde_json::Value>,
    /// When it was written.
    pub created_at: Millis,
}

/// A conversation handed to people.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Queue number.
    pub id: TicketId,
    /// The conversation.
    pub session_id: SessionId,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// Urgent tickets are served first.
    pub priority: Priority,
    /// Why it was handed off.
    pub reason: HandoffReason,
    /// The article the bot thought it was about.
    pub topic: Option<ArticleId>,
    /// The bot's confidence in that article.
    pub confidence: f64,
    /// Where the user came from.
    pub channel: String,
    /// The agent who owns it.
    pub agent: Option<String>,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
    /// First claimed (or claimed again after reopening).
    pub assigned_at: Option<Millis>,
    /// The first agent reply.
    pub first_reply_at: Option<Millis>,
    /// Resolved.
    pub resolved_at: Option<Millis>,
    /// Last reopened.
    pub reopened_at: Option<Millis>,
    /// The language of the conversation when it was handed off, if known.
    pub locale: Option<String>,
    /// Where the user asked to be answered by e-mail, when nobody was online.
    pub contact_email: Option<String>,
    /// The user pasted a seed phrase or private key in this conversation
    /// (redacted before storage): their funds may be at risk.
    pub secret_shared: bool,
    /// The coin, network, address, TxID and amount the user gave.
    pub details: Details,
    /// The user's own words for what it is about: the latest question the
    /// bot could not settle when the ticket opened.
    pub question: Option<String>,
    /// How the user rated the conversation with the agent, once resolved.
    pub rating: Option<Rating>,
    /// What the user added to the rating.
    pub rating_comment: Option<String>,
    /// When they rated it.
    pub rated_at: Option<Millis>,
}

/// A user's rating of a conversation with an agent: 1 (bad) to 5 (great).
/// 4 and 5 count as satisfied in the CSAT share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    /// The rating of `stars`, when it is 1 to 5.
    pub fn new(stars: i64) -> Option<Rating> {
        u8::try_from(stars).ok().filter(|s| (1..=5).contains(s)).map(Rating)
    }

    /// 1 to 5.
    pub fn stars(self) -> u8 {
        self.0
    }

    /// 4 or 5: the user was satisfied.
    pub fn satisfied(self) -> bool {
        self.0 >= 4
    }
}

/// A ticket status change, for the lifecycle timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    /// The status entered.
    pub status: TicketStatus,
    /// Who caused it (an agent name, `user` or `bot`).
    pub actor: String,
    /// When.
    pub at: Millis,
}

/// An agent's internal note on a ticket; users never see these.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The note's id.
    pub id: i64,
    /// Who wrote it.
    pub agent: String,
    /// What it says.
    pub text: String,
    /// When.
    pub created_at: Millis,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who.
    pub actor: String,
    /// What (`claim`, `reply`, `view`, `status`, `note`).
    pub action: String,
    /// Which ticket.
    pub ticket_id: Option<TicketId>,
    /// Details (the new status, the message id, …).
    pub detail: String,
    /// When.
    pub at: Millis,
}

/// A new ticket, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// Urgent or normal.
    pub priority: Priority,
    /// Why it was handed off.
    pub reason: HandoffReason,
    /// The article the bot thought it was about.
    pub topic: Option<ArticleId>,
    /// The bot's confidence.
    pub confidence: f64,
    /// The language of the conversation (`zh` or `en`).
    pub locale: &'static str,
    /// The turn carried a secret (the ticket is then flagged and urgent).
    pub secret_shared: bool,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    /// Only these statuses (default: every open status).
    pub status: Option<TicketStatus>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// At most this many.
    pub limit: i64,
    /// Only tickets whose case has this transaction id, whatever their
    /// status.
    pub txid: Option<String>,
}

/// What the bot did with a user's question, recorded with its reply for
/// analytics and knowledge-gap mining.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuestion {
    /// The question as stored (secrets redacted).
    pub question: String,
    /// What the bot did.
    pub decision: Decision,
    /// Why it handed off, when it did.
    pub reason: Option<HandoffReason>,
    /// The article answered with, else the best candidate.
    pub topic: Option<ArticleId>,
    /// The bot's confidence in that article.
    pub confidence: f64,
    /// The language of the conversation (`zh` or `en`).
    pub locale: &'static str,
}

/// Where a conversation stands when a user's message arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The ticket a person is (or will be) answering, if any.
    pub open_ticket: Option<Ticket>,
    /// The bot's last structured reply (what the user may be picking from);
    /// shared, since the store may remember it for the next message.
    pub last_bot_reply: Option<std::sync::Arc<serde_json::Value>>,
}

/// A user's or the bot's message, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The user or the bot.
    pub author: Author,
    /// The text (a user's with secrets redacted).
    pub text: String,
    /// The bot's structured reply.
    pub reply: Option<serde_json::Value>,
}

impl NewMessage {
    /// What the user wrote (secrets already redacted).
    pub fn user(text: &str) -> NewMessage {
        NewMessage {
            author: Author::User,
            text: text.to_string(),
            reply: None,
        }
    }

    /// The bot's `text`, with its structured `reply`.
    pub fn bot(text: String, reply: &impl Serialize) -> NewMessage {
        NewMessage {
            author: Author::Bot,
            text,
            reply: serde_json::to_value(reply).ok(),
        }
    }
}

/// One conversation turn, written all or nothing: its messages in order,
/// the question the last of them answers and, when the turn hands off, the
/// ticket to open (or reopen).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTurn {
    /// The conversation.
    pub session: Session,
    /// The messages, in order.
    pub messages: Vec<NewMessage>,
    /// What the user asked, for analytics.
    pub question: Option<NewQuestion>,
    /// The ticket, when the turn hands off.
    pub handoff: Option<NewTicket>,
    /// The user withdrew their request for a person: resolve the waiting
    /// ticket.
    pub cancel: bool,
    /// Small talk answered: its intent and the language, for analytics.
    pub small_talk: Option<(&'static str, &'static str)>,
}

impl NewTurn {
    /// Just `messages`, in `session`.
    pub fn of(session: &Session, messages: Vec<NewMessage>) -> NewTurn {
        NewTurn {
            session: session.clone(),
            messages,
            question: None,
            handoff: None,
            cancel: false,
            small_talk: None,
        }
    }
}

/// A recorded question, as analytics reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct AskedQuestion {
    /// The bot reply it got (what feedback points at).
    pub message_id: i64,
    /// The question (secrets redacted).
    pub question: String,
    /// What the bot did.
    pub decision: Decision,
    /// Why it handed off, when it did.
    pub reason: Option<HandoffReason>,
    /// The article answered with, else the best candidate.
    pub topic: Option<ArticleId>,
    /// The bot's confidence in that article.
    pub confidence: f64,
    /// `zh` or `en`.
    pub locale: String,
    /// The user's verdict on the reply, when they gave one (the latest).
    pub helpful: Option<bool>,
    /// When it was asked.
    pub created_at: Millis,
}

/// What a conversation has said of the funds it is about; each the first
/// the user gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The coin named (`USDT`), by its id in `entities.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coin: Option<String>,
    /// The network named (`TRC20`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// An address pasted in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// A transaction id pasted in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txid: Option<String>,
    /// An amount with its unit as written ("500U", "0.5 BTC").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
}
