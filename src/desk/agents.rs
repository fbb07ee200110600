//! The agent's side: the queue, claiming a ticket, reading it (personal
//! data masked unless the reader may see it), agent assist, replying,
//! moving a ticket's status, notes and the audit log.

use serde::Serialize;

use super::{Desk, DeskError, Result, EARLIER_MESSAGES};
use crate::config::Role;
use crate::conversation::{replies, Conversation, Policy, UserMessage};
use crate::corpus::Lang;
use crate::domain::{
    ArticleId, AuditEntry, Author, Message, Note, QueueFilter, Ticket, TicketEvent, TicketId, TicketStatus,
};
use crate::engine::ArticleSummary;
use crate::handoff::privacy::mask_personal_data;
use crate::store::Claim;

/// What the bot would offer for one of the user's messages, for the agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assist {
    /// The user's message (`MessageDto.id`).
    pub message_id: i64,
    /// The bot's confidence in the first article (0–1).
    pub confidence: f32,
    /// Up to 3 articles, best first: `id`, `title`, `excerpt`, `url`.
    #[schema(value_type = Vec<Object>)]
    pub articles: Vec<ArticleSummary>,
}

/// How many of the latest user messages agent assist reads.
const ASSISTED_MESSAGES: usize = 6;

/// A ticket as an agent reads it.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// The transcript, personal data masked unless the reader may see it.
    pub messages: Vec<Message>,
    /// Internal notes.
    pub notes: Vec<Note>,
    /// Status history.
    pub events: Vec<TicketEvent>,
}

/// Who is acting on the agent side.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their name.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// The user's own words for a ticket that opens now: their latest message
/// that the bot took for a question, not small talk or a request for a
/// person ("转人工" says nothing of the case). At most 200 characters.
pub(super) fn question_of(messages: &[Message]) -> Option<String> {
    asked_of_the_case(messages)
        .last()
        .map(|m| m.text.trim().chars().take(200).collect())
}

/// The user's messages that say something of their case: not small talk,
/// not a bare request for a person, not withdrawing one (as the bot's reply
/// to each says).
fn asked_of_the_case(messages: &[Message]) -> Vec<&Message> {
    messages
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            // The bot's reply to it, if it had one before the user wrote
            // again (messages to an agent have none).
            let reply = messages[i + 1..]
                .iter()
                .take_while(|r| r.author != Author::User)
                .find(|r| r.author == Author::Bot)
                .and_then(|r| r.reply.as_ref());
            let says_nothing = reply.is_some_and(|r| {
                !r["small_talk"].is_null()
                    || (r["handoff_reason"] == "asked_for_person" && r["topic"].is_null())
                    || r["handoff_withdrawn"] == true
            });
            m.author == Author::User && !says_nothing && !m.text.trim().is_empty()
        })
        .map(|(_, m)| m)
        .collect()
}

fn ticket_lang(ticket: &Ticket) -> Option<Lang> {
    ticket.locale.as_deref().and_then(Lang::parse)
}

impl Desk {
    /// Tickets in queue order.
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<Ticket>> {
        Ok(self.store.queue(filter).await?)
    }

    /// Claims ticket `id`, or the next in line when `None`.
    pub async fn claim(&self, agent: &Agent, id: Option<TicketId>) -> Result<Claim> {
        if let Some(id) = id {
            self.ticket(id).await?;
        }
        let claim = self
            .store
            .claim(&agent.name, id, |t| replies::agent_joined(ticket_lang(t), &agent.name))
            .await?;
        if let Claim::Claimed(t) = &claim {
            self.changed(&t.session_id, true);
        }
        Ok(claim)
    }

    /// Ticket `id` with its transcript, as `agent` may see it; the reading
    /// itself is audited.
    pub async fn view(&self, agent: &Agent, id: TicketId) -> Result<TicketView> {
        let ticket = self.ticket(id).await?;
        let mut messages = self.store.messages(&ticket.session_id, 0, 10_000).await?;
        if agent.role != Role::Admin {
            for m in &mut messages {
                if m.author == Author::User {
                    m.text = mask_personal_data(&m.text);
                }
            }
        }
        let notes = self.store.notes(id).await?;
        let events = self.store.ticket_events(id).await?;
        self.store.audit(&agent.name, "view", Some(id), "").await?;
        Ok(TicketView {
            ticket,
            messages,
            notes,
            events,
        })
    }

    /// Agent assist: for each of the latest user messages of ticket `id`,
    /// the articles the bot would offer for it, so that the agent answering
    /// inserts one instead of searching. Small talk, bare requests for a
    /// person and messages the bot could make nothing of are left out.
    pub async fn assist(&self, id: TicketId) -> Result<Vec<Assist>> {
        let ticket = self.ticket(id).await?;
        let messages = self.store.messages(&ticket.session_id, 0, EARLIER_MESSAGES).await?;
        let mut asked: Vec<(i64, String)> = asked_of_the_case(&messages)
            .into_iter()
            .map(|m| (m.id, m.text.clone()))
            .collect();
        asked.drain(..asked.len().saturating_sub(ASSISTED_MESSAGES));
        let lang = ticket_lang(&ticket).unwrap_or(Lang::Zh);
        let public_url = self.options.public_url.clone();
        let engine = self.engine();
        // Each message as the bot reads a question (the same policy, so a
        // deposit from another exchange is a deposit), on its own.
        self.on_engine(engine, move |engine| {
            let policy = Policy::new(engine, &public_url);
            asked
                .into_iter()
                .filter_map(|(message_id, text)| {
                    let message = UserMessage {
                        text: &text,
                        locale: Some(lang),
                        picked: None,
                    };
                    let reply = policy.turn(&Conversation::default(), message).ok()?.reply?;
                    let articles: Vec<ArticleSummary> = reply.article.into_iter().chain(reply.suggestions).collect();
                    (!articles.is_empty()).then_some(Assist {
                        message_id,
                        confidence: reply.confidence,
                        articles,
                    })
                })
                .collect()
        })
        .await
    }

    /// An agent's reply to the user of ticket `id`, which they must own.
    /// `article`, when given, goes with it as a card (title, excerpt, link
    /// to the public help center), in the conversation's language, as the
    /// bot's answers do: a title and a bare relative URL help nobody.
    pub async fn agent_reply(
        &self,
        agent: &Agent,
        id: TicketId,
        text: &str,
        article: Option<&ArticleId>,
    ) -> Result<Message> {
        let text = &self.checked_text(text)?;
        let engine = self.engine();
        if let Some(id) = article.filter(|&id| engine.article(id).is_none()) {
            return Err(DeskError::UnknownArticle(id.clone()));
        }
        let ticket = self.owned(agent, id).await?;
        let lang = ticket_lang(&ticket).unwrap_or(Lang::Zh);
        let attached = article
            .and_then(|id| self.summary(&engine, id, lang))
            .map(|summary| serde_json::json!({ "article": summary }));
        let message = self
            .store
            .agent_reply(&ticket, &agent.name, text, attached.as_ref())
            .await?;
        self.changed(&ticket.session_id, true);
        Ok(message)
    }

    /// Moves ticket `id`, which `agent` must own, to `to` (`waiting_on_user`,
    /// `assigned` or `resolved`).
    pub async fn set_status(&self, agent: &Agent, id: TicketId, to: TicketStatus) -> Result<Ticket> {
        let ticket = self.owned(agent, id).await?;
        if !ticket.status.can_become(to) || to == TicketStatus::Pending {
            return Err(DeskError::BadTransition {
                id,
                from: ticket.status.as_str(),
                to: to.as_str(),
            });
        }
        let closing = (to == TicketStatus::Resolved).then(|| replies::resolved(ticket_lang(&ticket)).to_string());
        let message = closing
            .as_deref()
            .map(|t| (Author::System, Some(agent.name.as_str()), t));
        let (updated, _) = self
            .store
            .transition(id, &[ticket.status], to, &agent.name, message)
            .await?
            .ok_or(DeskError::BadTransition {
                id,
                from: ticket.status.as_str(),
                to: to.as_str(),
            })?;
        self.store.audit(&agent.name, "status", Some(id), to.as_str()).await?;
        self.changed(&ticket.session_id, true);
        Ok(updated)
    }

    /// Adds an internal note to ticket `id`.
    pub async fn add_note(&self, agent: &Agent, id: TicketId, text: &str) -> Result<Note> {
        let text = &self.checked_text(text)?;
        self.ticket(id).await?;
        Ok(self.store.add_note(id, &agent.name, text).await?)
    }

    /// The newest audit entries.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(self.store.audit_log(limit).await?)
    }

    async fn owned(&self, agent: &Agent, id: TicketId) -> Result<Ticket> {
        let ticket = self.ticket(id).await?;
        let mine = ticket.agent.as_deref() == Some(agent.name.as_str())
            && matches!(ticket.status, TicketStatus::Assigned | TicketStatus::WaitingOnUser);
        if !mine {
            return Err(DeskError::NotYourTicket {
                id,
                status: ticket.status.as_str(),
                owner: ticket.agent.unwrap_or_else(|| "nobody".into()),
            });
        }
        Ok(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, author: Author, text: &str, reply: Option<serde_json::Value>) -> Message {
        Message {
            id,
            session_id: "s".into(),
            author,
            agent: None,
            text: text.into(),
            reply,
            created_at: 0,
        }
    }

    #[test]
    fn a_ticket_is_named_by_the_last_thing_the_user_asked() {
        let bot = |reply: serde_json::Value| Some(reply);
        let messages = [
            message(1, Author::User, "你好", None),
            message(
                2,
                Author::Bot,
                "您好",
                bot(serde_json::json!({ "small_talk": "greeting" })),
            ),
            message(3, Author::User, "提币三天没到", None),
            message(
                4,
                Author::Bot,
                "…",
                bot(serde_json::json!({ "decision": "answer", "topic": {"article": "x"} })),
            ),
            message(5, Author::User, "转人工", None),
            message(
                6,
                Author::Bot,
                "…",
                bot(serde_json::json!({ "handoff_reason": "asked_for_person" })),
            ),
        ];
        assert_eq!(question_of(&messages).as_deref(), Some("提币三天没到"));
        // Said to the agent (no bot reply follows): that is the case too.
        let mut later = messages.to_vec();
        later.push(message(7, Author::User, "TxID 是 abc", None));
        later.push(message(8, Author::Agent, "收到", None));
        assert_eq!(question_of(&later).as_deref(), Some("TxID 是 abc"));
        assert_eq!(question_of(&messages[..2]), None, "small talk asks nothing");
    }
}
