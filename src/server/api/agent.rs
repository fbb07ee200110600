//! What agents send and receive: tickets in the queue and in detail,
//! events, notes, assist, replies, status, presence and the audit log.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chat::MessageDto;
use crate::config::Role;
use crate::desk::Assist;
use crate::domain::{
    rfc3339 as timestamp, ArticleId, AuditEntry, Details, HandoffReason, Millis, Note, Priority, Ticket, TicketEvent,
    TicketId, TicketStatus,
};
use crate::store::Presence;

/// A ticket as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    /// Ticket number.
    #[schema(value_type = i64)]
    pub id: TicketId,
    /// The conversation.
    pub session_id: String,
    /// `pending`, `assigned`, `waiting_on_user`, `resolved`.
    #[schema(value_type = String)]
    pub status: TicketStatus,
    /// `urgent` or `normal`.
    #[schema(value_type = String)]
    pub priority: Priority,
    /// Why the bot handed off (`low_confidence`, `asked_for_person`, …).
    #[schema(value_type = String)]
    pub reason: HandoffReason,
    /// The article the bot thought it was about.
    #[schema(value_type = Option<String>)]
    pub topic: Option<ArticleId>,
    /// That article's title, in the conversation's language: what an agent
    /// reads in the queue instead of its id.
    pub topic_title: Option<String>,
    /// The user's own words for what the ticket is about: their latest
    /// question the bot could not settle when it opened.
    pub question: Option<String>,
    /// How the user rated the conversation with the agent (1–5), once
    /// resolved.
    pub rating: Option<u8>,
    /// What the user added to the rating.
    pub rating_comment: Option<String>,
    /// What the queue calls the ticket: the topic's title when the bot was
    /// confident of it, else the user's question (a price question is not
    /// "buy crypto with a card"), else the topic's title, if any.
    pub title: Option<String>,
    /// The bot's confidence in it.
    pub confidence: f64,
    /// Where the user came from.
    pub channel: String,
    /// Owner.
    pub agent: Option<String>,
    /// RFC 3339 timestamps.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Claimed.
    pub assigned_at: Option<String>,
    /// First agent reply.
    pub first_reply_at: Option<String>,
    /// Resolved.
    pub resolved_at: Option<String>,
    /// Reopened.
    pub reopened_at: Option<String>,
    /// Seconds from creation to the first agent reply.
    pub first_reply_seconds: Option<f64>,
    /// Seconds since creation.
    pub age_seconds: f64,
    /// The user's language (`zh` or `en`), so the agent can answer in it.
    pub locale: Option<String>,
    /// The e-mail address the user left for a follow-up.
    pub contact_email: Option<String>,
    /// Urgent and waiting in line longer than `queue.urgent_sla_minutes`.
    pub sla_breached: bool,
    /// The user pasted a seed phrase or private key in this conversation
    /// (redacted): their funds may be at risk. Such tickets are urgent.
    pub secret_shared: bool,
    /// What the user said of the case: `coin`, `network`, `address`, `txid`,
    /// `amount`, each when given (the address shortened to its ends unless
    /// you are an admin).
    #[schema(value_type = Object)]
    pub details: Details,
}

impl From<&Ticket> for TicketDto {
    fn from(t: &Ticket) -> TicketDto {
        let opt = |ms: Option<Millis>| ms.map(timestamp);
        TicketDto {
            id: t.id,
            session_id: t.session_id.to_string(),
            status: t.status,
            priority: t.priority,
            reason: t.reason,
            topic: t.topic.clone(),
            topic_title: None,
            question: t.question.clone(),
            rating: t.rating.map(|r| r.stars()),
            rating_comment: t.rating_comment.clone(),
            title: None,
            confidence: t.confidence,
            channel: t.channel.clone(),
            agent: t.agent.clone(),
            created_at: timestamp(t.created_at),
            updated_at: timestamp(t.updated_at),
            assigned_at: opt(t.assigned_at),
            first_reply_at: opt(t.first_reply_at),
            resolved_at: opt(t.resolved_at),
            reopened_at: opt(t.reopened_at),
            first_reply_seconds: t.first_reply_at.map(|r| (r - t.created_at) as f64 / 1000.0),
            age_seconds: (crate::domain::now_millis() - t.created_at) as f64 / 1000.0,
            locale: t.locale.clone(),
            contact_email: t.contact_email.clone(),
            sla_breached: false,
            secret_shared: t.secret_shared,
            details: t.details.clone(),
        }
    }
}

/// The queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueResponse {
    /// Urgent first, then oldest.
    pub tickets: Vec<TicketDto>,
}

/// `GET /v1/agent/tickets` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Only this status (default: every open one).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub status: Option<TicketStatus>,
    /// Only this priority.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub priority: Option<Priority>,
    /// At most this many (default 100, at most 500).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Only tickets whose case has this transaction id (any status).
    #[serde(default)]
    pub txid: Option<String>,
}

/// A status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// The status entered.
    #[schema(value_type = String)]
    pub status: TicketStatus,
    /// Who.
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
}

impl From<TicketEvent> for EventDto {
    fn from(e: TicketEvent) -> EventDto {
        EventDto {
            status: e.status,
            actor: e.actor,
            at: timestamp(e.at),
        }
    }
}

/// An internal note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteDto {
    /// Note id.
    pub id: i64,
    /// Author.
    pub agent: String,
    /// Text.
    pub text: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<Note> for NoteDto {
    fn from(n: Note) -> NoteDto {
        NoteDto {
            id: n.id,
            agent: n.agent,
            text: n.text,
            created_at: timestamp(n.created_at),
        }
    }
}

/// A ticket with its transcript, notes and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: TicketDto,
    /// The transcript (personal data masked unless your role allows it).
    pub messages: Vec<MessageDto>,
    /// Internal notes.
    pub notes: Vec<NoteDto>,
    /// Status history.
    pub events: Vec<EventDto>,
}

/// Agent assist for a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistResponse {
    /// The user's latest messages the bot could read, oldest first.
    pub messages: Vec<Assist>,
}

/// Text from an agent: a reply or a note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentText {
    /// The text.
    pub text: String,
}

/// `POST /v1/agent/tickets/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentReply {
    /// The text.
    pub text: String,
    /// An article sent with it, which the user sees as a card (title,
    /// excerpt, link), as the bot's answers are.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub article_id: Option<ArticleId>,
}

/// `POST /v1/agent/tickets/{id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `waiting_on_user`, `assigned` (the user answered) or `resolved`.
    #[schema(value_type = String)]
    pub status: TicketStatus,
}

/// Who the bearer token belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Name.
    pub name: String,
    /// `agent` or `admin`.
    #[schema(value_type = String)]
    pub role: Role,
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which ticket.
    #[schema(value_type = Option<i64>)]
    pub ticket_id: Option<TicketId>,
    /// Details.
    pub detail: String,
    /// When (RFC 3339).
    pub at: String,
}

impl From<AuditEntry> for AuditDto {
    fn from(a: AuditEntry) -> AuditDto {
        AuditDto {
            actor: a.actor,
            action: a.action,
            ticket_id: a.ticket_id,
            detail: a.detail,
            at: timestamp(a.at),
        }
    }
}

/// The audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    /// Entries.
    pub entries: Vec<AuditDto>,
}

/// `GET /v1/agent/audit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// At most this many (default 200).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `POST /v1/agent/presence`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `online` (taking tickets) or `away`. The console repeats it every
    /// 30 s; an agent silent for `queue.presence_timeout_seconds` is offline.
    pub status: Presence,
}
