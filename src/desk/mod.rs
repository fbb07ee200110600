//! The help desk: conversations between users, the bot and agents.
//!
//! Input: what users and agents do (a message, a pick, feedback, a claim, a
//! reply). Output: stored transcripts and tickets, and the bot's replies.
//! The desk decides who answers: the bot while no person owns the
//! conversation, the agent while one does; it keeps secrets out of storage
//! and personal data away from agents who may not see it. It knows nothing
//! of HTTP: the server maps its results and [`DeskError`]s onto the API.

mod waiting;

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Mutex, Semaphore};

use crate::answer::Decision;
use crate::config::{new_token, token_hash, Role};
use crate::config::{QueueSettings, Settings};
use crate::conversation::{
    replies, reply_text, Conversation, Details, Policy, TicketChange, TicketState, TurnError, UserMessage, SCAM_ARTICLE,
};
pub use crate::conversation::{BotReply, CandidateNote, Warning};
use crate::corpus::{Lang, Priority};
use crate::domain::HandoffReason;
use crate::engine::reload::{self, ReloadError};
use crate::engine::{reply_lang, ArticleSummary, Engine, SearchHit};
use crate::handoff::privacy::{mask_personal_data, redact_secrets, Redacted};
use crate::handoff::TicketStatus;
use crate::insights::gaps::{draft_article, draft_category, find_gaps, Gap, GapOptions};
use crate::insights::report::{self, Topic};
use crate::insights::{Period, Report};
use crate::rank::RankError;
use crate::store::{Claim, Store, StoreError};
use crate::text::written_in;
pub use waiting::{estimated_wait, QueueStatus};

use crate::domain::{
    now_millis, AuditEntry, Author, Message, NewMessage, NewQuestion, NewTicket, NewTurn, Note, QueueFilter, Session,
    Ticket, TicketEvent,
};

/// How many of a conversation's first messages a new ticket reads for the
/// case's details: the coin, address or TxID come early, and a long chat
/// need not be read whole.
const EARLIER_MESSAGES: i64 = 200;

/// Why a desk call failed. The first group are the caller's mistakes.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No session has this id.
    #[error("no session {0}")]
    UnknownSession(String),
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
    UnknownArticle(String),
    /// No ticket has this id.
    #[error("no ticket {0}")]
    UnknownTicket(i64),
    /// Another agent owns the ticket, or nobody has claimed it yet.
    #[error("ticket {id} is not assigned to you (status {status}, agent {owner})")]
    NotYourTicket {
        /// The ticket.
        id: i64,
        /// Its status.
        status: &'static str,
        /// Its owner, or `nobody`.
        owner: String,
    },
    /// The ticket cannot move to the requested status from where it is.
    #[error("ticket {id} cannot go from {from} to {to}")]
    BadTransition {
        /// The ticket.
        id: i64,
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

/// Why a corpus reload did not happen. The live engine keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum ReloadRefused {
    /// Another reload is running.
    #[error("a reload is already running; try again when it finishes")]
    Busy,
    /// The new corpus failed a check.
    #[error(transparent)]
    Rejected(#[from] ReloadError),
    /// The reload's worker thread died.
    #[error("the reload stopped unexpectedly")]
    Stopped,
}

/// What a reload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reload {
    /// The version that was live before.
    pub previous_version: String,
    /// The version live now.
    pub version: String,
    /// Whether the corpus had changed (an unchanged corpus is not rebuilt).
    pub changed: bool,
    /// Articles live now.
    pub articles: usize,
    /// What the dev-set gate measured; absent when nothing changed or there
    /// is no dev set.
    #[schema(value_type = Option<Object>)]
    pub gate: Option<reload::GateResult>,
    /// How long loading and checking took, in milliseconds.
    pub took_ms: u64,
}

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

/// Something changed that live views may want to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New messages in this session.
    Session(String),
    /// The queue changed.
    Queue,
}

/// Who is acting on the agent side.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their name.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// A new session and the secret its user must present from now on.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session.
    pub session: Session,
    /// The secret, returned once and stored only hashed.
    pub secret: String,
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
}

impl Desk {
    /// A desk answering with `engine` and keeping everything in `store`.
    pub fn new(engine: Arc<Engine>, store: Store, options: DeskOptions) -> Desk {
        let workers = Semaphore::new(options.engine_workers.max(1));
        let (changes, _) = broadcast::channel(1024);
        Desk {
            engine: ArcSwap::new(engine),
            reloading: Mutex::new(()),
            store,
            options,
            workers,
            changes,
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The live answer engine. Callers keep this one for the whole of a
    /// request, so a reload never changes the engine under them.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Loads the corpus `settings` names and, if it changed and passes every
    /// check, makes it live; requests in flight finish on the engine they
    /// started with. One reload runs at a time.
    pub async fn reload(&self, settings: Arc<Settings>) -> std::result::Result<Reload, ReloadRefused> {
        let _one_at_a_time = self.reloading.try_lock().map_err(|_| ReloadRefused::Busy)?;
        let live = self.engine();
        let previous = live.version().to_string();
        let span = tracing::Span::current();
        let reloaded = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            reload::prepare(&live, &settings)
        })
        .await
        .map_err(|_| ReloadRefused::Stopped)??;
        let changed = reloaded.engine.is_some();
        if let Some(engine) = reloaded.engine {
            self.engine.store(Arc::new(engine));
            tracing::info!(from = %previous, to = %reloaded.version, articles = reloaded.articles, "corpus reloaded");
        }
        Ok(Reload {
            previous_version: previous,
            version: reloaded.version,
            changed,
            articles: reloaded.articles,
            gate: reloaded.gate,
            took_ms: reloaded.took.as_millis() as u64,
        })
    }

    /// Live notifications of new messages and queue changes in this process.
    /// Other replicas' changes arrive by polling the store.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn changed(&self, session: &str, queue: bool) {
        let _ = self.changes.send(Change::Session(session.to_string()));
        if queue {
            let _ = self.changes.send(Change::Queue);
        }
    }

    /// Starts a session.
    pub async fn open_session(&self, locale: Option<Lang>, channel: &str) -> Result<NewSession> {
        let secret = new_token(32).ok_or(DeskError::NoRandomness)?;
        let session = Session {
            id: new_token(16).ok_or(DeskError::NoRandomness)?,
            secret_hash: token_hash(&secret),
            locale: locale.map(|l| l.as_str().to_string()),
            channel: channel.to_string(),
            created_at: now_millis(),
        };
        self.store.create_session(&session).await?;
        Ok(NewSession { session, secret })
    }

    /// The session `id`, if `secret` is its secret.
    pub async fn authenticate(&self, id: &str, secret: &str) -> Result<Session> {
        let session = self
            .store
            .session(id)
            .await?
            .ok_or_else(|| DeskError::UnknownSession(id.to_string()))?;
        if !constant_time_eq(token_hash(secret).as_bytes(), session.secret_hash.as_bytes()) {
            return Err(DeskError::WrongSecret);
        }
        Ok(session)
    }

    /// The text of a message as it may be stored, or why it may not:
    /// control characters (a NUL, which PostgreSQL cannot store, or
    /// terminal escapes) are dropped, and a message with nothing visible
    /// left (only white space, NULs or zero-width characters) is empty.
    pub fn checked_text(&self, text: &str) -> Result<String> {
        let cleaned: String = text
            .chars()
            .filter(|&c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        if cleaned.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(DeskError::EmptyMessage);
        }
        let chars = cleaned.chars().count();
        if chars > self.options.message_chars {
            return Err(DeskError::MessageTooLong {
                chars,
                limit: self.options.message_chars,
            });
        }
        Ok(cleaned)
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
        picked: Option<&str>,
    ) -> Result<Turn> {
        let text = self.checked_text(text)?;
        let engine = self.engine();
        if let Some(id) = picked.filter(|id| engine.article(id).is_none()) {
            return Err(DeskError::UnknownArticle(id.to_string()));
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
                let (question, picked) = (question.clone(), picked.map(str::to_string));
                let public_url = self.options.public_url.clone();
                self.on_engine(Arc::clone(&engine), move |engine| {
                    Policy::new(engine, &public_url).turn(
                        &conversation,
                        UserMessage {
                            text: &question,
                            locale,
                            picked: picked.as_deref(),
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
                    topic: reply_topic(&reply).map(str::to_string),
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
                self.summary(engine, SCAM_ARTICLE, lang),
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

    /// Help-center search on the engine's workers.
    pub async fn search(&self, query: &str, lang: Lang, limit: usize) -> Result<Vec<SearchHit>> {
        let query = query.to_string();
        Ok(self
            .on_engine(self.engine(), move |engine| engine.search(&query, lang, limit))
            .await??)
    }

    /// Runs CPU-bound engine work on a blocking thread, at most one call per
    /// worker permit, so the async runtime never stalls and a burst of
    /// questions queues instead of oversubscribing the cores.
    async fn on_engine<T: Send + 'static>(
        &self,
        engine: Arc<Engine>,
        work: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self.workers.acquire().await.map_err(|_| DeskError::EngineStopped)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            work(&engine)
        })
        .await
        .map_err(|_| DeskError::EngineStopped)
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
            topic: reply_topic(&reply).map(str::to_string),
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

    fn summary(&self, engine: &Engine, id: &str, lang: Lang) -> Option<ArticleSummary> {
        engine.summary(id, lang, &self.options.public_url)
    }

    /// Tickets in queue order.
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<Ticket>> {
        Ok(self.store.queue(filter).await?)
    }

    /// Claims ticket `id`, or the next in line when `None`.
    pub async fn claim(&self, agent: &Agent, id: Option<i64>) -> Result<Claim> {
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
    pub async fn view(&self, agent: &Agent, id: i64) -> Result<TicketView> {
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
    pub async fn assist(&self, id: i64) -> Result<Vec<Assist>> {
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
    pub async fn agent_reply(&self, agent: &Agent, id: i64, text: &str, article: Option<&str>) -> Result<Message> {
        let text = &self.checked_text(text)?;
        let engine = self.engine();
        if let Some(id) = article.filter(|id| engine.article(id).is_none()) {
            return Err(DeskError::UnknownArticle(id.to_string()));
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
    pub async fn set_status(&self, agent: &Agent, id: i64, to: TicketStatus) -> Result<Ticket> {
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
    pub async fn add_note(&self, agent: &Agent, id: i64, text: &str) -> Result<Note> {
        let text = &self.checked_text(text)?;
        self.ticket(id).await?;
        Ok(self.store.add_note(id, &agent.name, text).await?)
    }

    /// Analytics over `period`, article titles in `lang`.
    pub async fn analytics(&self, period: Period, lang: Lang) -> Result<Report> {
        let (stats, gap_questions, verdicts, tickets) = tokio::try_join!(
            self.store.question_stats(period.from, period.to, report::TOP as i64),
            self.store.gap_questions(period.from, period.to),
            self.store.verdicts_between(period.from, period.to),
            self.store.tickets_between(period.from, period.to),
        )?;
        let engine = self.engine();
        let titles = |id: &str| {
            engine.article(id).map(|a| Topic {
                title: a.title.text(lang).to_string(),
                category: a.category.clone(),
            })
        };
        Ok(Report::build(
            period,
            &stats,
            &gap_questions,
            &verdicts,
            &tickets,
            &titles,
        ))
    }

    /// Knowledge gaps in `period`: the questions the bot could not answer,
    /// grouped by topic, biggest and most recent first. Embeds each
    /// distinct question on the engine's workers.
    pub async fn gaps(&self, period: Period, options: GapOptions) -> Result<Vec<Gap>> {
        let questions = self.store.gap_questions(period.from, period.to).await?;
        Ok(self
            .on_engine(self.engine(), move |engine| {
                find_gaps(engine, period, &questions, options)
            })
            .await??)
    }

    /// The gap `id` of [`Desk::gaps`] as a draft article file, named by
    /// its id.
    pub async fn gap_draft(&self, period: Period, options: GapOptions, id: &str) -> Result<Option<(String, String)>> {
        let gaps = self.gaps(period, options).await?;
        let Some(gap) = gaps.into_iter().find(|g| g.id == id) else {
            return Ok(None);
        };
        let engine = self.engine();
        let category = draft_category(&engine, &gap);
        Ok(Some((format!("draft-{}.md", gap.id), draft_article(&gap, &category))))
    }

    /// The newest audit entries.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(self.store.audit_log(limit).await?)
    }

    async fn ticket(&self, id: i64) -> Result<Ticket> {
        self.store.ticket(id).await?.ok_or(DeskError::UnknownTicket(id))
    }

    async fn owned(&self, agent: &Agent, id: i64) -> Result<Ticket> {
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

/// Characters that show nothing: zero-width spaces and joiners, direction
/// marks, the BOM, variation selectors, tag characters and blank fillers.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x2800 | 0x3164
        | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0xE0000..=0xE0FFF)
}

/// The article a reply is about: the one shown, else the best candidate.
fn reply_topic(reply: &BotReply) -> Option<&str> {
    reply
        .article
        .as_ref()
        .map(|a| a.id.as_str())
        .or_else(|| reply.candidates.first().map(|c| c.id.as_str()))
}

/// The user's own words for a ticket that opens now: their latest message
/// that the bot took for a question, not small talk or a request for a
/// person ("转人工" says nothing of the case). At most 200 characters.
fn question_of(messages: &[Message]) -> Option<String> {
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

fn session_lang(session: &Session) -> Option<Lang> {
    session.locale.as_deref().and_then(Lang::parse)
}

fn ticket_lang(ticket: &Ticket) -> Option<Lang> {
    ticket.locale.as_deref().and_then(Lang::parse)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
