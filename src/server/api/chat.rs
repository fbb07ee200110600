//! What users send and receive: sessions, messages and turns, the
//! transcript, hand-off, feedback, the place in the queue, a follow-up
//! address and a rating.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::corpus::Lang;
use crate::desk::{BotReply, QueueStatus, Turn, Warning};
use crate::domain::{
    rfc3339 as timestamp, ArticleId, Author, Decision, HandoffReason, Message, Priority, SessionId, Ticket, TicketId,
    TicketStatus,
};
use crate::engine::ArticleSummary;

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
    #[schema(value_type = String)]
    pub id: SessionId,
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
    #[schema(value_type = Option<String>)]
    pub article_id: Option<ArticleId>,
}

/// The ticket as the user sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSummary {
    /// Ticket number.
    #[schema(value_type = i64)]
    pub id: TicketId,
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
    #[schema(value_type = i64)]
    pub ticket_id: TicketId,
    /// 1 to 5.
    pub rating: i64,
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
