//! Rows as the database returns them, mapped by `sqlx::FromRow`, and their
//! reading into the desk's records. The records are the domain's and know
//! nothing of storage; what only storage knows is here: names of closed sets
//! as text (a name this program never writes is [`StoreError::Corrupt`],
//! with its column), flags as integers, case details as JSON.

use sqlx::any::AnyRow;
use sqlx::FromRow;

use super::{Result, StoreError};
use crate::domain::{
    ArticleId, AskedQuestion, AuditEntry, Author, Decision, HandoffReason, Message, Millis, Note, Priority, Rating,
    Session, SessionId, Ticket, TicketEvent, TicketId, TicketStatus,
};

/// The ticket columns, in the order [`TicketRow`] names them.
pub const TICKET_COLUMNS: &str = "id, session_id, status, priority, reason, topic, confidence, channel, agent, \
     created_at, updated_at, assigned_at, first_reply_at, resolved_at, reopened_at, locale, contact_email, secret_shared, details, question, rating, rating_comment, rated_at";

/// Queue order: urgent (0) before normal (1).
pub fn priority_rank(p: Priority) -> i64 {
    match p {
        Priority::Urgent => 0,
        Priority::Normal => 1,
    }
}

/// The member of a closed set stored by its `name` in `column`, or
/// [`StoreError::Corrupt`] for a name this program never writes.
fn named<T>(name: &str, column: &'static str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
    parse(name).ok_or_else(|| StoreError::Corrupt {
        column,
        value: name.to_string(),
    })
}

pub fn priority(s: &str) -> Result<Priority> {
    named(s, "priority", Priority::parse)
}

pub fn status(s: &str) -> Result<TicketStatus> {
    named(s, "status", TicketStatus::parse)
}

/// The hand-off reason stored in `column`, if any.
fn reason(name: Option<String>, column: &'static str) -> Result<Option<HandoffReason>> {
    name.map(|n| named(&n, column, HandoffReason::parse)).transpose()
}

/// A `tickets` row ([`TICKET_COLUMNS`]).
#[derive(FromRow)]
pub(super) struct TicketRow {
    id: i64,
    session_id: String,
    status: String,
    priority: String,
    reason: Option<String>,
    topic: Option<String>,
    confidence: f64,
    channel: String,
    agent: Option<String>,
    created_at: Millis,
    updated_at: Millis,
    assigned_at: Option<Millis>,
    first_reply_at: Option<Millis>,
    resolved_at: Option<Millis>,
    reopened_at: Option<Millis>,
    locale: Option<String>,
    contact_email: Option<String>,
    secret_shared: i64,
    details: String,
    question: Option<String>,
    rating: Option<i64>,
    rating_comment: Option<String>,
    rated_at: Option<Millis>,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;

    fn try_from(r: TicketRow) -> Result<Ticket> {
        Ok(Ticket {
            id: TicketId(r.id),
            session_id: SessionId(r.session_id),
            status: status(&r.status)?,
            priority: priority(&r.priority)?,
            reason: reason(r.reason, "reason")?.ok_or(StoreError::Corrupt {
                column: "reason",
                value: String::new(),
            })?,
            topic: r.topic.as_deref().map(ArticleId::known),
            confidence: r.confidence,
            channel: r.channel,
            agent: r.agent,
            created_at: r.created_at,
            updated_at: r.updated_at,
            assigned_at: r.assigned_at,
            first_reply_at: r.first_reply_at,
            resolved_at: r.resolved_at,
            reopened_at: r.reopened_at,
            locale: r.locale,
            contact_email: r.contact_email,
            secret_shared: r.secret_shared != 0,
            // Written only by this program as JSON: what cannot be read is
            // shown as nothing rather than failing the whole queue.
            details: serde_json::from_str(&r.details).unwrap_or_default(),
            question: r.question,
            rating: match r.rating {
                Some(stars) => Some(Rating::new(stars).ok_or(StoreError::Corrupt {
                    column: "tickets.rating",
                    value: stars.to_string(),
                })?),
                None => None,
            },
            rating_comment: r.rating_comment,
            rated_at: r.rated_at,
        })
    }
}

/// The ticket in a row that has [`TICKET_COLUMNS`] (and maybe more).
pub fn ticket_from(r: &AnyRow) -> Result<Ticket> {
    TicketRow::from_row(r)?.try_into()
}

/// A `messages` row.
#[derive(FromRow)]
pub(super) struct MessageRow {
    id: i64,
    session_id: String,
    author: String,
    agent: Option<String>,
    text: String,
    reply: Option<String>,
    created_at: Millis,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;

    fn try_from(r: MessageRow) -> Result<Message> {
        Ok(Message {
            id: r.id,
            session_id: SessionId(r.session_id),
            author: named(&r.author, "messages.author", Author::parse)?,
            agent: r.agent,
            text: r.text,
            reply: r.reply.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            created_at: r.created_at,
        })
    }
}

/// The message in a `messages` row.
pub fn message_from(r: &AnyRow) -> Result<Message> {
    MessageRow::from_row(r)?.try_into()
}

/// A `sessions` row.
#[derive(FromRow)]
pub(super) struct SessionRow {
    id: String,
    secret_hash: String,
    locale: Option<String>,
    channel: String,
    created_at: Millis,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Session {
        Session {
            id: SessionId(r.id),
            secret_hash: r.secret_hash,
            locale: r.locale,
            channel: r.channel,
            created_at: r.created_at,
        }
    }
}

/// A `notes` row.
#[derive(FromRow)]
pub(super) struct NoteRow {
    id: i64,
    agent: String,
    text: String,
    created_at: Millis,
}

impl From<NoteRow> for Note {
    fn from(r: NoteRow) -> Note {
        Note {
            id: r.id,
            agent: r.agent,
            text: r.text,
            created_at: r.created_at,
        }
    }
}

/// A `ticket_events` row.
#[derive(FromRow)]
pub(super) struct EventRow {
    status: String,
    actor: String,
    at: Millis,
}

impl TryFrom<EventRow> for TicketEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<TicketEvent> {
        Ok(TicketEvent {
            status: named(&r.status, "ticket_events.status", TicketStatus::parse)?,
            actor: r.actor,
            at: r.at,
        })
    }
}

/// An `audit_log` row.
#[derive(FromRow)]
pub(super) struct AuditRow {
    actor: String,
    action: String,
    ticket_id: Option<i64>,
    detail: String,
    at: Millis,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> AuditEntry {
        AuditEntry {
            actor: r.actor,
            action: r.action,
            ticket_id: r.ticket_id.map(TicketId),
            detail: r.detail,
            at: r.at,
        }
    }
}

/// A recorded question with its latest verdict (`helpful`: 1, 0 or none).
#[derive(FromRow)]
pub(super) struct QuestionRow {
    message_id: i64,
    question: String,
    decision: String,
    reason: Option<String>,
    topic: Option<String>,
    confidence: f64,
    locale: String,
    helpful: Option<i64>,
    created_at: Millis,
}

impl TryFrom<QuestionRow> for AskedQuestion {
    type Error = StoreError;

    fn try_from(r: QuestionRow) -> Result<AskedQuestion> {
        Ok(AskedQuestion {
            message_id: r.message_id,
            question: r.question,
            decision: decision(&r.decision)?,
            reason: reason(r.reason, "reason")?,
            topic: r.topic.as_deref().map(ArticleId::known),
            confidence: r.confidence,
            locale: r.locale,
            helpful: r.helpful.map(|h| h != 0),
            created_at: r.created_at,
        })
    }
}

/// A decision stored by its name.
pub fn decision(name: &str) -> Result<Decision> {
    named(name, "questions.decision", Decision::parse)
}
