//! The user's side of a conversation: sessions and their secrets, a turn
//! (the message stored with secrets redacted, the policy's reply, the ticket
//! opened, raised or withdrawn), a request for a person, feedback and the
//! details a ticket gathers of the case.

use std::sync::Arc;

use serde::Deserialize;

use super::agents::question_of;
use super::{Desk, DeskError, Result, EARLIER_MESSAGES};
use crate::config::{new_token, token_hash};
use crate::conversation::{
    replies, reply_text, BotReply, Conversation, Policy, TicketChange, TicketState, TurnError, UserMessage, Warning,
    SCAM_ARTICLE,
};
use crate::corpus::Lang;
use crate::domain::{
    now_millis, ArticleId, Author, Decision, Details, HandoffReason, Message, NewMessage, NewQuestion, NewTicket,
    NewTurn, Priority, Session, SessionId, Ticket, TicketStatus,
};
use crate::engine::{reply_lang, ArticleSummary, Engine};
use crate::handoff::privacy::{redact_secrets, Redacted};
use crate::text::written_in;

/// What happened when a user wrote.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The user's message as stored (secrets redacted); `None` when the turn
    /// came from a button rather than a message.
    pub user_message: Option<Message>,
    /// The bot's message; `None` when a person owns the conversation and the
    /// bot stays silent.
    pub bot_message: Option<Message>,
    /// The bot's reply, structured.
    pub reply: Option<BotReply>,
    /// The ticket, when the conversation is (or now goes) to a person.
    pub ticket: Option<Ticket>,
    /// How long the answer engine took, when it ran.
    pub engine_time: Option<EngineTime>,
}

/// Where a turn's time went, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct EngineTime {
    /// Waiting for a worker, ranking and deciding.
    pub total: std::time::Duration,
    /// Embedding the question (part of `total`).
    pub embedding: std::time::Duration,
    /// Whether the reply came from the answer cache (no model run).
    pub cached: bool,
}

/// A new session and the secret its user must present from now on.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session.
    pub session: Session,
    /// The secret, returned once and stored only hashed.
    pub secret: String,
}

/// What the user wrote in a turn, as stored, and the question analytics
/// counts (none for a tapped chip, small talk, or a pasted secret alone).
struct UserText<'a> {
    /// The message as stored (secrets replaced by placeholders).
    text: &'a str,
    /// What was asked: the text without secrets and the words introducing them.
    question: Option<&'a str>,
}

/// What a turn does to the conversation's ticket.
enum TicketUpdate {
    /// Open one, reopen the last, or raise and flag the open one.
    Open(NewTicket),
    /// Withdraw the waiting one.
    Cancel,
}

/// `preferred`, unless it is empty.
fn non_empty<'a>(preferred: &'a str, otherwise: &'a str) -> &'a str {
    if preferred.trim().is_empty() {
        otherwise
    } else {
        preferred
    }
}

/// Whether what is left around a secret asks something worth answering
/// ("帮我看看钱包为什么是空的"), rather than a word or two ("谢谢", "对吗").
fn asks_something(question: &str) -> bool {
    let han = question
        .chars()
        .filter(|&c| matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF))
        .count();
    let words = question
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .count();
    han >= 5 || words >= 3
}

/// The article a reply is about: the one shown, else the best candidate.
fn reply_topic(reply: &BotReply) -> Option<&ArticleId> {
    reply
        .article
        .as_ref()
        .map(|a| &a.id)
        .or_else(|| reply.candidates.first().map(|c| &c.id))
}

fn session_lang(session: &Session) -> Option<Lang> {
    session.locale.as_deref().and_then(Lang::parse)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Desk {
    /// Starts a session.
    pub async fn open_session(&self, locale: Option<Lang>, channel: &str) -> Result<NewSession> {
        let secret = new_token(32).ok_or(DeskError::NoRandomness)?;
        let session = Session {
            id: SessionId(new_token(16).ok_or(DeskError::NoRandomness)?),
            secret_hash: token_hash(&secret),
            locale: locale.map(|l| l.as_str().to_string()),
            channel: channel.to_string(),
            created_at: now_millis(),
        };
        self.store.create_session(&session).await?;
        Ok(NewSession { session, secret })
    }

    /// The session `id`, if `secret` is its secret.
    pub async fn authenticate(&self, id: &SessionId, secret: &str) -> Result<Session> {
        let session = self
            .store
            .session(id)
            .await?
            .ok_or_else(|| DeskError::UnknownSession(id.clone()))?;
        if !constant_time_eq(token_hash(secret).as_bytes(), session.secret_hash.as_bytes()) {
            return Err(DeskError::WrongSecret);
        }
        Ok(session)
    }

    /// The transcript of `session` after message `after`.
    pub async fn transcript(&self, session: &Session, after: i64, limit: i64) -> Result<Vec<Message>> {
        Ok(self.store.messages(&session.id, after, limit).await?)
    }

    /// Handles a message from the user. `picked` is the article of a chip the
    /// user tapped (a quick reply or a suggestion), `text` its label. The
    /// desk keeps secrets out of storage and what the policy decides in it;
    /// [`Policy::turn`] decides.
    pub async fn user_message(
        &self,
        session: &Session,
        text: &str,
        locale: Option<Lang>,
        picked: Option<&ArticleId>,
    ) -> Result<Turn> {
        let text = self.checked_text(text)?;
        let engine = self.engine();
        if let Some(id) = picked.filter(|&id| engine.article(id).is_none()) {
            return Err(DeskError::UnknownArticle(id.clone()));
        }
        let redacted = redact_secrets(&text);
        let secret = !redacted.secrets.is_empty();
        let locale = locale.or_else(|| session_lang(session));
        let standing = self.store.standing(&session.id).await?;
        let ticket_state = match &standing.open_ticket {
            None => TicketState::None,
            Some(t) if t.status == TicketStatus::Pending => TicketState::Waiting,
            Some(_) => TicketState::WithAgent,
        };
        if secret {
            tracing::warn!(session = %session.id, kinds = ?redacted.secrets, "secret redacted from a user message");
            if ticket_state != TicketState::None || !asks_something(&redacted.question) {
                let said = non_empty(&redacted.question, &text);
                let lang = written_in(said, &engine.lexicon().entities)
                    .or(locale)
                    .unwrap_or_else(|| reply_lang(None, said));
                return self
                    .secret_shared(&engine, session, &redacted, lang, ticket_state)
                    .await;
            }
        }
        if let (TicketState::WithAgent, Some(ticket)) = (ticket_state, standing.open_ticket.clone()) {
            return self.forward_to_agent(session, &redacted.text, ticket).await;
        }
        let staffed = match ticket_state {
            TicketState::Waiting => Some(self.staffed().await?),
            _ => None,
        };
        let conversation = Conversation {
            last: standing
                .last_bot_reply
                .as_deref()
                .and_then(|json| BotReply::deserialize(json).ok()),
            ticket: ticket_state,
            staffed,
        };
        let question = if secret {
            redacted.question.clone()
        } else {
            text.clone()
        };
        let started = std::time::Instant::now();
        let message = UserMessage {
            text: &question,
            locale,
            picked,
        };
        // Small talk, picks and questions asked before need no model: they
        // are decided here rather than queued for an engine worker.
        let outcome = match Policy::from_cache(&engine, &self.options.public_url).turn(&conversation, message) {
            Err(TurnError::NeedsModel) => {
                let (question, picked) = (question.clone(), picked.cloned());
                let public_url = self.options.public_url.clone();
                self.on_engine(Arc::clone(&engine), move |engine| {
                    Policy::new(engine, &public_url).turn(
                        &conversation,
                        UserMessage {
                            text: &question,
                            locale,
                            picked: picked.as_ref(),
                        },
                    )
                })
                .await??
            }
            decided => decided?,
        };
        let engine_time = outcome.engine.map(|(embedding, cached)| EngineTime {
            total: started.elapsed(),
            embedding,
            cached,
        });
        let Some(mut reply) = outcome.reply else {
            // The policy leaves an agent's conversation to the agent.
            let ticket = standing.open_ticket.ok_or(DeskError::NoOpenTicket)?;
            return self.forward_to_agent(session, &redacted.text, ticket).await;
        };
        let mut text = outcome.text;
        let lang = outcome.lang;
        if secret {
            // What is left around a secret may be a fragment ("not a tx
            // hash:"): the bot answers it when it can, and does not open a
            // ticket because it could not; a person, an urgent matter or a
            // topic that always goes to one still does.
            let unsure = reply
                .handoff_reason
                .is_some_and(|r| r.unsure() || r == HandoffReason::OutOfScope)
                || reply.asked_to_rephrase;
            if unsure || reply.decision == Decision::SmallTalk {
                return self
                    .secret_shared(&engine, session, &redacted, lang, ticket_state)
                    .await;
            }
            if reply.warning.is_none() {
                reply.warning = Some(Warning::SecretShared);
                text = format!("{}\n\n{text}", replies::secret_warning(lang));
            }
        }
        let ticket = match outcome.ticket {
            TicketChange::Open { priority } => {
                // A new hand-off: say honestly whether anyone is there.
                if ticket_state == TicketState::None && reply.warning != Some(Warning::Scam) {
                    let staffed = self.staffed().await?;
                    let said = reply_text(lang, &reply, Some(staffed));
                    text = text.replace(&reply_text(lang, &reply, None), &said);
                }
                Some(TicketUpdate::Open(NewTicket {
                    priority: if secret { Priority::Urgent } else { priority },
                    reason: reply.handoff_reason.unwrap_or(HandoffReason::LowConfidence),
                    topic: reply_topic(&reply).cloned(),
                    confidence: f64::from(reply.confidence),
                    locale: lang.as_str(),
                    secret_shared: secret,
                }))
            }
            TicketChange::Cancel => Some(TicketUpdate::Cancel),
            TicketChange::None => None,
        };
        let user = UserText {
            text: &redacted.text,
            question: outcome.question.as_deref(),
        };
        let waiting_on = match (&ticket, ticket_state) {
            (None, TicketState::Waiting) => standing.open_ticket.clone(),
            _ => None,
        };
        let opened = matches!(ticket, Some(TicketUpdate::Open(_)));
        let mut turn = self.record(session, Some(user), lang, reply, text, ticket).await?;
        turn.engine_time = engine_time;
        // Still waiting: the reply carries the ticket (and so the place in line).
        turn.ticket = turn.ticket.or(waiting_on);
        if let Some(ticket) = turn.ticket.as_mut() {
            self.gather_details(session, ticket, opened, &outcome.details).await?;
        }
        Ok(turn)
    }

    /// Adds to the open `ticket` what the user's message said of the case
    /// (coin, network, address, TxID, amount); a ticket `opened` by this
    /// turn gathers it from the whole conversation so far.
    async fn gather_details(&self, session: &Session, ticket: &mut Ticket, opened: bool, said: &Details) -> Result<()> {
        if !opened && said.is_empty() {
            return Ok(());
        }
        // The stored ticket, not a cached copy: what an earlier turn added
        // must not be written over.
        let mut details = match self.store.ticket(ticket.id).await? {
            Some(stored) => stored.details,
            None => return Ok(()),
        };
        let added = if opened {
            let engine = self.engine();
            let entities = &engine.lexicon().entities;
            let messages = self.store.messages(&session.id, 0, EARLIER_MESSAGES).await?;
            let mut added = false;
            for m in messages.iter().filter(|m| m.author == Author::User) {
                added |= details.add(&Details::read(&m.text, entities));
            }
            if let Some(question) = question_of(&messages) {
                self.store.set_question(ticket.id, &question).await?;
                ticket.question = Some(question);
            }
            added
        } else {
            details.add(said)
        };
        if added {
            self.store.set_details(ticket.id, &details).await?;
            ticket.details = details;
        }
        Ok(())
    }

    /// Whether someone can take a ticket now: an agent online within service
    /// hours.
    pub async fn staffed(&self) -> Result<bool> {
        let open = self
            .options
            .queue
            .service_hours
            .as_ref()
            .is_none_or(|h| h.is_open(now_millis()));
        Ok(open && self.agents_online().await? > 0)
    }

    /// The user pressed "talk to a person".
    pub async fn request_person(&self, session: &Session, locale: Option<Lang>) -> Result<Turn> {
        if let Some(ticket) = self.store.open_ticket(&session.id).await? {
            return Ok(Turn {
                user_message: None,
                bot_message: None,
                reply: None,
                ticket: Some(ticket),
                engine_time: None,
            });
        }
        let lang = locale.or_else(|| session_lang(session)).unwrap_or(Lang::Zh);
        let reply = BotReply::handoff(HandoffReason::AskedForPerson, 0.0, None);
        let text = reply_text(lang, &reply, Some(self.staffed().await?));
        let ticket = TicketUpdate::Open(NewTicket {
            priority: Priority::Normal,
            reason: HandoffReason::AskedForPerson,
            topic: None,
            confidence: 0.0,
            locale: lang.as_str(),
            secret_shared: false,
        });
        let mut turn = self.record(session, None, lang, reply, text, Some(ticket)).await?;
        if let Some(ticket) = turn.ticket.as_mut() {
            self.gather_details(session, ticket, true, &Details::default()).await?;
        }
        Ok(turn)
    }

    /// Records the user's verdict on bot message `message_id`; when it did
    /// not help, offers the next suggestion (and a person).
    pub async fn feedback(
        &self,
        session: &Session,
        message_id: i64,
        helpful: bool,
        comment: Option<&str>,
        locale: Option<Lang>,
    ) -> Result<Option<(Message, BotReply)>> {
        let message = self
            .store
            .message(&session.id, message_id)
            .await?
            .ok_or(DeskError::UnknownMessage(message_id))?;
        let previous: BotReply = match (&message.author, &message.reply) {
            (Author::Bot, Some(json)) => {
                serde_json::from_value(json.clone()).map_err(|_| DeskError::NotAnAnswer(message_id))?
            }
            _ => return Err(DeskError::NotAnAnswer(message_id)),
        };
        let comment = comment.map(|c| redact_secrets(c).text);
        let rated = previous.article.as_ref().map(|a| a.id.as_str());
        self.store
            .add_feedback(&session.id, message_id, rated, helpful, comment.as_deref())
            .await?;
        if helpful {
            return Ok(None);
        }
        let lang = locale.or_else(|| session_lang(session)).unwrap_or(Lang::Zh);
        let shown = previous.article.as_ref().map(|a| a.id.as_str());
        let rest: Vec<ArticleSummary> = previous
            .suggestions
            .into_iter()
            .filter(|s| Some(s.id.as_str()) != shown)
            .collect();
        let reply = BotReply {
            decision: Decision::Clarify,
            confidence: previous.confidence,
            suggestions: rest.clone(),
            candidates: previous.candidates,
            topic: previous.topic,
            ..BotReply::handoff(HandoffReason::LowConfidence, 0.0, None)
        };
        let reply = BotReply {
            handoff_reason: None,
            ..reply
        };
        let message = NewMessage::bot(replies::not_helpful(lang, rest.first()), &reply);
        let (mut stored, _) = self.store.record_turn(NewTurn::of(session, vec![message])).await?;
        self.changed(&session.id, false);
        Ok(stored.pop().map(|m| (m, reply)))
    }

    /// The reply to a message that carried a secret and asked nothing else
    /// (or came while a person owns the conversation or is awaited): the
    /// warning alone. An open ticket is flagged and made urgent, so the
    /// agent knows the user's funds may be at risk.
    async fn secret_shared(
        &self,
        engine: &Engine,
        session: &Session,
        redacted: &Redacted,
        lang: Lang,
        ticket: TicketState,
    ) -> Result<Turn> {
        let reply = BotReply {
            decision: Decision::Answer,
            confidence: 1.0,
            warning: Some(Warning::SecretShared),
            ..BotReply::handoff(
                HandoffReason::SecretShared,
                1.0,
                self.summary(engine, &ArticleId::known(SCAM_ARTICLE), lang),
            )
        };
        let reply = BotReply {
            handoff_reason: None,
            ..reply
        };
        let flag = (ticket != TicketState::None).then(|| {
            TicketUpdate::Open(NewTicket {
                priority: Priority::Urgent,
                reason: HandoffReason::SecretShared,
                topic: None,
                confidence: 0.0,
                locale: lang.as_str(),
                secret_shared: true,
            })
        });
        let user = UserText {
            text: &redacted.text,
            question: None,
        };
        let text = replies::secret_warning(lang).to_string();
        self.record(session, Some(user), lang, reply, text, flag).await
    }

    async fn forward_to_agent(&self, session: &Session, text: &str, mut ticket: Ticket) -> Result<Turn> {
        let (mut stored, _) = self
            .store
            .record_turn(NewTurn::of(session, vec![NewMessage::user(text)]))
            .await?;
        let said = Details::read(text, &self.engine().lexicon().entities);
        self.gather_details(session, &mut ticket, false, &said).await?;
        let ticket = if ticket.status == TicketStatus::WaitingOnUser {
            match self
                .store
                .transition(
                    ticket.id,
                    &[TicketStatus::WaitingOnUser],
                    TicketStatus::Assigned,
                    "user",
                    None,
                )
                .await?
            {
                Some((t, _)) => t,
                None => ticket,
            }
        } else {
            ticket
        };
        self.changed(&session.id, true);
        Ok(Turn {
            user_message: stored.pop(),
            bot_message: None,
            reply: None,
            ticket: Some(ticket),
            engine_time: None,
        })
    }

    async fn record(
        &self,
        session: &Session,
        user: Option<UserText<'_>>,
        lang: Lang,
        reply: BotReply,
        text: String,
        ticket: Option<TicketUpdate>,
    ) -> Result<Turn> {
        let mut messages = Vec::with_capacity(2);
        if let Some(user) = &user {
            messages.push(NewMessage::user(user.text));
        }
        messages.push(NewMessage::bot(text, &reply));
        let question = user.and_then(|u| u.question).map(|q| NewQuestion {
            question: q.to_string(),
            decision: reply.decision,
            reason: reply.handoff_reason,
            topic: reply_topic(&reply).cloned(),
            confidence: f64::from(reply.confidence),
            locale: lang.as_str(),
        });
        let small_talk = reply.small_talk.map(|intent| (intent.as_str(), lang.as_str()));
        let queue_changed = ticket.is_some();
        let (handoff, cancel) = match ticket {
            Some(TicketUpdate::Open(t)) => (Some(t), false),
            Some(TicketUpdate::Cancel) => (None, true),
            None => (None, false),
        };
        let (mut stored, ticket) = self
            .store
            .record_turn(NewTurn {
                question,
                handoff,
                cancel,
                small_talk,
                ..NewTurn::of(session, messages)
            })
            .await?;
        self.changed(&session.id, queue_changed);
        let bot_message = stored.pop();
        Ok(Turn {
            user_message: stored.pop(),
            bot_message,
            reply: Some(reply),
            ticket,
            engine_time: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_around_a_secret_may_still_ask() {
        assert!(asks_something("帮我看看钱包为什么是空的"));
        assert!(asks_something("why is my wallet empty now"));
        for short in ["谢谢", "对吗", "ok thx", ""] {
            assert!(!asks_something(short), "{short}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
