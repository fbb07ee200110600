//! The JSON shapes of the HTTP API, and extractors whose rejections are
//! [`ApiError`]s. The desk's records are mapped here so the API can stay
//! stable while storage changes.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use crate::answer::Decision;
use crate::config::Role;
use crate::corpus::Lang;
use crate::desk::{Assist, BotReply, QueueStatus, Turn, Warning};
use crate::domain::HandoffReason;
use crate::domain::{now_millis, AuditEntry, Author, Details, Message, Millis, Note, Ticket, TicketEvent};
use crate::engine::ArticleSummary;
use crate::handoff::{Priority, TicketStatus};
use crate::insights::export::Table;
use crate::insights::gaps::{Gap, GapOptions};
use crate::insights::Period;
use crate::store::Presence;

/// `Json` whose rejection is an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A JSON body that may be left out (empty means all defaults), for calls
/// like `POST /v1/sessions` whose every field is optional. A body must say
/// `Content-Type: application/json`: a `text/plain` one would make the call
/// a "simple" cross-origin request that browsers send without asking first.
/// Every rejection (too large, wrong type, bad JSON) is an [`ApiError`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let declared = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .map(|v| v.to_str().map(is_json).unwrap_or(false));
        let body = axum::body::Bytes::from_request(request, state).await?;
        let empty = body.iter().all(u8::is_ascii_whitespace);
        match declared {
            Some(true) if empty => return Ok(OptionalJson(T::default())),
            Some(true) => {}
            None if empty => return Ok(OptionalJson(T::default())),
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "expected_json",
                    "send the body as JSON with Content-Type: application/json (or no body at all)",
                ))
            }
        }
        serde_json::from_slice(&body).map(OptionalJson).map_err(|e| {
            let (status, code) = if e.is_data() {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
            } else {
                (StatusCode::BAD_REQUEST, "invalid_json")
            };
            ApiError::new(status, code, format!("invalid request body: {e}"))
        })
    }
}

/// `application/json`, `application/json; charset=utf-8`, `application/…+json`.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `Path` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

pub use crate::domain::rfc3339 as timestamp;

/// `POST /v1/sessions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSessionRequest {
    /// `zh` or `en`; unset means: answer in the language of each question.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "zh")]
    pub locale: Option<Lang>,
    /// Where the user is (`widget`, `app`, `email`, `telegram`…); default `api`.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A new session. Present `secret` as `Authorization: Bearer <secret>` on
/// every later call for this session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Session id.
    pub id: String,
    /// Session secret; shown only once.
    pub secret: String,
}

/// `POST /v1/sessions/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserMessageRequest {
    /// What the user typed.
    pub text: String,
    /// Answer in this language (`zh` or `en`) instead of the question's.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "zh")]
    pub locale: Option<Lang>,
    /// The article of a chip the user tapped (a quick reply or a
    /// suggestion); `text` is then the chip's label.
    #[serde(default)]
    pub article_id: Option<String>,
}

/// The ticket as the user sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSummary {
    /// Ticket number.
    pub id: i64,
    /// Where it is.
    #[schema(value_type = String, example = "pending")]
    pub status: TicketStatus,
    /// `urgent` or `normal`.
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
}

impl From<&Ticket> for TicketSummary {
    fn from(t: &Ticket) -> TicketSummary {
        TicketSummary {
            id: t.id,
            status: t.status,
            priority: t.priority,
        }
    }
}

/// The outcome of a user's message or button.
#[derive(Debug, Serialize, ToSchema)]
pub struct TurnResponse {
    /// `answer`, `clarify`, `handoff` (also while a person owns the chat or
    /// the message waits for one) or `small_talk`: a greeting, thanks, an
    /// acknowledgement or reaction to an answer, a goodbye, "are you a bot",
    /// "what can you do" or a complaint about the bot, answered in `text`
    /// with no article and no ticket (`reply.small_talk` in the transcript
    /// names the kind).
    #[schema(value_type = String, example = "answer")]
    pub decision: Decision,
    /// Probability that the top article is right, in [0, 1].
    pub confidence: f32,
    /// The bot's reply text (plain, for channels without rich cards).
    pub text: Option<String>,
    /// The article answered with.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<ArticleSummary>,
    /// Up to 3 other articles: the choices when clarifying.
    #[schema(value_type = Vec<Object>)]
    pub suggestions: Vec<ArticleSummary>,
    /// `secret_shared` or `scam`: show prominently.
    #[schema(value_type = Option<String>)]
    pub warning: Option<Warning>,
    /// The ticket when the conversation is with (or waiting for) a person.
    pub ticket: Option<TicketSummary>,
    /// True when a person owns the conversation: the bot stayed silent and
    /// the message went to the agent.
    pub forwarded_to_agent: bool,
    /// The stored user message.
    pub user_message_id: Option<i64>,
    /// The stored bot message (feedback refers to it).
    pub bot_message_id: Option<i64>,
    /// While the user waits for a person: their place in line, the
    /// estimated wait and whether anyone is online.
    pub queue: Option<QueueStatus>,
}

impl From<Turn> for TurnResponse {
    fn from(turn: Turn) -> TurnResponse {
        let forwarded = turn.reply.is_none() && turn.ticket.is_some();
        let reply = turn.reply.unwrap_or_else(|| BotReply {
            handoff_reason: None,
            ..BotReply::handoff(HandoffReason::LowConfidence, 0.0, None)
        });
        TurnResponse {
            decision: reply.decision,
            confidence: reply.confidence,
            text: turn.bot_message.as_ref().map(|m| m.text.clone()),
            answer: reply.article,
            suggestions: reply.suggestions,
            warning: reply.warning,
            ticket: turn.ticket.as_ref().map(TicketSummary::from),
            forwarded_to_agent: forwarded,
            user_message_id: turn.user_message.as_ref().map(|m| m.id),
            bot_message_id: turn.bot_message.as_ref().map(|m| m.id),
            queue: None,
        }
    }
}

/// One transcript message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageDto {
    /// Increasing id; page with `after`.
    pub id: i64,
    /// `user`, `bot`, `agent` or `system`.
    #[schema(value_type = String, example = "bot")]
    pub author: Author,
    /// The agent's name for agent and system messages.
    pub agent: Option<String>,
    /// The text (secrets redacted; for agents, personal data masked).
    pub text: String,
    /// For bot messages: decision, article, suggestions, warning. For system
    /// messages: `{"event": "agent_joined" | "resolved"}`.
    #[schema(value_type = Option<Object>)]
    pub reply: Option<serde_json::Value>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> MessageDto {
        MessageDto {
            id: m.id,
            author: m.author,
            agent: m.agent,
            text: m.text,
            reply: m.reply,
            created_at: timestamp(m.created_at),
        }
    }
}

/// A page of a transcript.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    /// Oldest first.
    pub messages: Vec<MessageDto>,
}

/// `GET /v1/sessions/{id}/messages` and the event stream.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TranscriptQuery {
    /// Only messages with a larger id.
    #[serde(default)]
    pub after: Option<i64>,
    /// The session secret, for clients that cannot set headers (EventSource).
    #[serde(default)]
    pub secret: Option<String>,
}

/// `POST /v1/sessions/{id}/handoff`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// Language of the bot's notice.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "zh")]
    pub locale: Option<Lang>,
}

/// `POST /v1/sessions/{id}/feedback`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The bot message rated.
    pub message_id: i64,
    /// Did it help?
    pub helpful: bool,
    /// Optional free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// Language of the follow-up.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "zh")]
    pub locale: Option<Lang>,
}

/// The reply to feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackResponse {
    /// Always true: the feedback is stored.
    pub recorded: bool,
    /// When the answer did not help: the bot's follow-up, offering the next
    /// suggestion and a person.
    pub follow_up: Option<MessageDto>,
}

/// A ticket as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    /// Ticket number.
    pub id: i64,
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
    pub topic: Option<String>,
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
            session_id: t.session_id.clone(),
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
    pub article_id: Option<String>,
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
    pub ticket_id: Option<i64>,
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

/// `?lang=zh|en`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `zh` (default) or `en`.
    #[param(value_type = Option<String>, example = "en")]
    pub lang: Option<Lang>,
}

/// One-tap questions for a chat that just opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReplies {
    /// In display order.
    pub items: Vec<QuickReply>,
}

/// A chip: send `label` as the message with `article_id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReply {
    /// The article it answers with.
    pub article_id: String,
    /// What the chip says (a question as users ask it).
    pub label: String,
}

/// A whole article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDto {
    /// Article id.
    pub id: String,
    /// Title in the requested language.
    pub title: String,
    /// Category id.
    pub category: String,
    /// The body as HTML: raw HTML in the source is escaped and link targets
    /// are limited to web, mail and same-site addresses.
    pub html: String,
    /// The help-center page.
    pub url: String,
}

/// `GET /v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for (at most 200 characters).
    pub q: String,
    /// Result language; default: the query's.
    #[param(value_type = Option<String>, example = "zh")]
    pub lang: Option<Lang>,
    /// At most this many (1-20, default 8).
    pub limit: Option<usize>,
}

/// Search results, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The matches.
    pub results: Vec<SearchResult>,
}

/// One match.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Article id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The help-center page.
    pub url: String,
    /// The passage that matched, HTML-escaped, with `<mark>` around matches.
    pub snippet_html: String,
}

/// The range and form of `GET /admin/analytics`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// The span up to now: `7d`, `24h`, `30d`. Default: the week before
    /// `to`, or before now.
    #[param(example = "7d")]
    pub since: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC) or Unix milliseconds; not with `since`.
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, UTC), or Unix milliseconds
    /// (excluded); not with `since`.
    #[param(example = "2026-11-07")]
    pub to: Option<String>,
    /// Article titles in `zh` (default) or `en`.
    #[param(value_type = Option<String>, example = "en")]
    pub lang: Option<Lang>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    pub format: Option<ReportFormat>,
    /// For CSV, which table: `daily` (default), `topics`, `unanswered`,
    /// `articles`, `tickets`, `agents`, `cases` (one row per ticket) or
    /// `satisfaction` (users' ratings of agents per day).
    #[param(value_type = Option<String>)]
    pub table: Option<Table>,
}

/// How to deliver a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// The whole report.
    #[default]
    Json,
    /// One table.
    Csv,
}

impl AnalyticsQuery {
    /// The time range asked for.
    pub fn period(&self) -> Result<Period, ApiError> {
        let now = now_millis();
        match (&self.since, &self.from, &self.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_range",
                "give either since or from/to, not both",
            )),
            (Some(span), None, None) => Ok(Period::last(span, now)?),
            (None, from, to) => Ok(Period::between(from.as_deref(), to.as_deref(), now)?),
        }
    }
}

/// `GET /v1/sessions/{id}/queue`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueStatusResponse {
    /// Null when the conversation is not waiting for a person.
    pub queue: Option<QueueStatus>,
}

/// `POST /v1/sessions/{id}/contact`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// Where an agent should reply.
    #[schema(example = "li.wei@example.com")]
    pub email: String,
}

/// `POST /v1/sessions/{id}/rating`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 (bad) to 5 (great).
    #[schema(example = 5)]
    pub rating: i64,
    /// What the user adds, if anything.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The rating recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingResponse {
    /// The ticket rated.
    pub ticket_id: i64,
    /// 1 to 5.
    pub rating: i64,
}

/// `POST /v1/agent/presence`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `online` (taking tickets) or `away`. The console repeats it every
    /// 30 s; an agent silent for `queue.presence_timeout_seconds` is offline.
    pub status: Presence,
}

/// The range of `GET /admin/gaps`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GapsQuery {
    /// The span up to now (`7d`, `24h`); default `7d`.
    #[param(example = "7d")]
    pub since: Option<String>,
    /// Leave out groups asked fewer times than this (default 2; 1 keeps
    /// single questions).
    pub min_asked: Option<u64>,
}

impl GapsQuery {
    /// The time range asked for.
    pub fn period(&self) -> Result<Period, ApiError> {
        Ok(Period::last(self.since.as_deref().unwrap_or("7d"), now_millis())?)
    }

    /// Clustering options.
    pub fn options(&self) -> GapOptions {
        GapOptions {
            min_asked: self.min_asked.unwrap_or(2).max(1),
            ..GapOptions::default()
        }
    }
}

/// Knowledge gaps, most pressing first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapsResponse {
    /// The groups.
    pub gaps: Vec<Gap>,
}

#[cfg(test)]
mod tests {
    use super::UserMessageRequest;

    proptest::proptest! {
        /// The chat request decoder and what the desk does to the text before
        /// the engine runs: any body is decoded or refused, never a panic,
        /// and a found secret always changes the stored text.
        #[test]
        fn any_chat_body_decodes_or_is_refused(text in "\\PC{0,120}", extra in proptest::prelude::any::<bool>()) {
            let body = if extra {
                serde_json::json!({ "text": text, "locale": "en", "article_id": text })
            } else {
                serde_json::json!({ "text": text })
            };
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            if let Ok(request) = serde_json::from_slice::<UserMessageRequest>(&bytes) {
                let redacted = crate::handoff::privacy::redact_secrets(&request.text);
                if !redacted.secrets.is_empty() {
                    proptest::prop_assert_ne!(&redacted.text, &request.text);
                }
                let _ = crate::handoff::Triage::of(&request.text);
                let _ = crate::handoff::privacy::mask_personal_data(&redacted.text);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = serde_json::from_slice::<UserMessageRequest>(&bytes);
        }
    }
}
