//! The bot's turn in a conversation: one pure, synchronous stage that takes
//! where the conversation stands and the user's new message, and returns
//! the bot's reply and what happens to the ticket. The desk (the service),
//! `kefu ask` and `kefu eval --conversations` all call [`Policy::turn`], so
//! evaluation measures exactly what users get.
//!
//! In order, a message is:
//! 1. read once ([`reading`]): normalized, its entities, the direction of
//!    funds, its mood, the triage;
//! 2. left to the agent when one owns the conversation;
//! 3. small talk ([`small_talk`]), answered from the corpus's replies, or a
//!    greeting around a question, which is then the question;
//! 4. a scam, a request for a person, or a request to cancel one;
//! 5. a pick among the bot's last suggestions, or a chip;
//! 6. a question: ranked alone and, when it leans on the conversation
//!    ("那手续费呢", "and on trc20?"), together with the current topic; a long
//!    message also by its question-like clauses; the engine reads the words
//!    the articles use for what the message names ([`reading::Reading::expansion`]);
//! 7. decided: answered, clarified, handed off with its reason, or, when the
//!    bot is unsure of a question it should know, asked once to say more;
//!    a pasted address is checked and what it means for the user said first
//!    ([`addresses`]: a typo, a coin or network it cannot receive).
//!
//! The engine does the CPU-heavy work; callers on an async runtime run
//! [`Policy::turn`] on a blocking thread.

mod addresses;
pub mod details;
mod figures;
pub mod reading;
pub mod replies;
pub mod small_talk;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::answer::{Decision, Reply, SUGGESTIONS};
use crate::corpus::{EntityKind, HandoffPolicy, Intent, Lang, Priority};
pub use crate::domain::Details;
use crate::domain::HandoffReason;
use crate::engine::{ArticleSummary, Engine};
use crate::rank::RankError;
use reading::{Direction, Reading};

/// The article every safety warning links to.
pub const SCAM_ARTICLE: &str = "recognize-scams";

/// A topic lasts this many user turns without being answered again.
const TOPIC_TURNS: u8 = 3;
/// How much surer than the message read with the topic the message alone
/// must be when it points to another article of the topic's category: a
/// follow-up asking about a neighbouring matter ("多久能审完" after the KYC
/// steps) reads surer alone, and the topic's words pull the pair back.
const SIBLING_LEAD: f32 = 0.3;
/// How near in meaning (cosine similarity of the embeddings) a message no
/// article fits must be to a small-talk phrase to be small talk, and by
/// how much nearer than to any article. Measured on CLINC150's greetings,
/// goodbyes, thanks and questions about the bot (test split) against the
/// questions and conversation turns of tests/eval and CLINC150's
/// out-of-scope queries: docs/benchmarks.md.
const SMALL_TALK_NEAR: f32 = 0.88;
const SMALL_TALK_LEAD: f32 = 0.02;
const SMALL_TALK_NEAR_ANSWERED: f32 = 0.9;
const SMALL_TALK_LEAD_ANSWERED: f32 = 0.05;
/// Longer messages are not small talk in other words: they say something.
const SMALL_TALK_CHARS: usize = 48;
/// The same for a message that says enough to stand alone (long, neither
/// continuing nor pointing back): read with the topic, it must be this much
/// surer to be taken as a follow-up.
const WHOLE_LEAD: f32 = 0.2;

/// A question that asks for a prediction or advice ("明天比特币会涨吗") is
/// answered only when an article fits it this surely ("BTC会涨吗 怎么买BTC"
/// still gets the buying guide); else a person says the bot cannot advise.
const ADVICE_SURE: f32 = 0.8;

/// A confidence above which a reading is not tried with added words.
const SURE: f32 = 0.9;

/// A warning shown above a bot reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// The user pasted a seed phrase or private key (now redacted).
    SecretShared,
    /// Someone posing as staff asked the user for funds or codes.
    Scam,
}

/// One of the bot's top candidates, for agents' context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateNote {
    /// Article id.
    pub id: String,
    /// Fused ranking score.
    pub score: f32,
}

/// What the conversation is about: the article last answered and the
/// question that led to it, so a follow-up can be read against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The article.
    pub article: String,
    /// The user's question that it answered (normalized).
    pub question: String,
    /// User turns since it was last answered.
    pub age: u8,
}

/// The bot's side of a turn, stored with its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotReply {
    /// Answer, clarify, hand off, or small talk.
    pub decision: Decision,
    /// Probability that the top article is right.
    pub confidence: f32,
    /// The article answered with (also set for `handoff: always` topics, as
    /// reading while waiting).
    pub article: Option<ArticleSummary>,
    /// Other articles to offer: the choices when clarifying, the next best
    /// when an answer did not help.
    pub suggestions: Vec<ArticleSummary>,
    /// A safety warning to show prominently.
    pub warning: Option<Warning>,
    /// Why it was handed off.
    pub handoff_reason: Option<HandoffReason>,
    /// The ranking behind it.
    pub candidates: Vec<CandidateNote>,
    /// The kind of small talk answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small_talk: Option<Intent>,
    /// The topic after this turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    /// This reply asked the user to say more; the next unsure answer goes
    /// to a person instead of asking again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asked_to_rephrase: bool,
    /// The user withdrew their request for a person with this turn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handoff_withdrawn: bool,
    /// What the text says before the reply itself, paragraph by paragraph
    /// (a word of sympathy, the check of a pasted address, a TxID's
    /// explorer link, the numbers asked for): a widget that shows an
    /// answer as an article card shows these above it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl BotReply {
    fn new(decision: Decision, confidence: f32) -> BotReply {
        BotReply {
            decision,
            confidence,
            article: None,
            suggestions: Vec::new(),
            warning: None,
            handoff_reason: None,
            candidates: Vec::new(),
            small_talk: None,
            topic: None,
            asked_to_rephrase: false,
            handoff_withdrawn: false,
            notes: Vec::new(),
        }
    }

    /// A hand-off for `reason`, with an article to read meanwhile.
    pub fn handoff(reason: HandoffReason, confidence: f32, article: Option<ArticleSummary>) -> BotReply {
        BotReply {
            handoff_reason: Some(reason),
            article,
            ..BotReply::new(Decision::Handoff, confidence)
        }
    }
}

/// Whether a person is involved, as the desk knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketState {
    /// No open ticket.
    #[default]
    None,
    /// In the queue: nobody has claimed it yet. The bot keeps helping.
    Waiting,
    /// An agent owns the conversation: the bot stays out of it.
    WithAgent,
}

/// Where the conversation stands when a message arrives.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// The bot's last reply (its suggestions, the topic, whether it asked
    /// to rephrase).
    pub last: Option<BotReply>,
    /// The ticket.
    pub ticket: TicketState,
    /// Whether an agent is online within service hours; `None` when
    /// unknown (the command line), so the reply promises nothing.
    pub staffed: Option<bool>,
}

/// A user's message.
#[derive(Debug, Clone, Copy)]
pub struct UserMessage<'a> {
    /// What the user wrote (secrets already taken out).
    pub text: &'a str,
    /// The language the user chose (the widget's switch, else the browser's),
    /// if any: the reply's language when the message itself is in none
    /// ("ok", an address), as the message's own language comes first.
    pub locale: Option<Lang>,
    /// The article of a chip the user tapped; `text` is its label.
    pub picked: Option<&'a str>,
}

/// What happens to the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketChange {
    /// Nothing.
    None,
    /// Open one (or reopen, or raise the open one to urgent).
    Open {
        /// Urgent or normal.
        priority: Priority,
    },
    /// The user withdrew their request for a person.
    Cancel,
}

/// The bot's turn.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The reply; `None` when an agent owns the conversation and the
    /// message goes to them.
    pub reply: Option<BotReply>,
    /// The reply as text (plain, for any channel).
    pub text: String,
    /// What happens to the ticket.
    pub ticket: TicketChange,
    /// The language of the reply.
    pub lang: Lang,
    /// What the user asked, for analytics; `None` for small talk, picks and
    /// chips, which are not questions.
    pub question: Option<String>,
    /// Time spent embedding, and whether every ranking came from the cache.
    pub engine: Option<(Duration, bool)>,
    /// The text the engine ranked for the reply (the question with the
    /// topic or the words it gained, or one of its clauses), when it ranked.
    pub ranked: Option<String>,
    /// The coin, network, address, TxID and amount the message gives, for
    /// the ticket.
    pub details: Details,
}

/// Why a turn could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// Ranking failed.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// A [`Policy::from_cache`] turn needed the model: run it again with
    /// [`Policy::new`] where CPU-heavy work may run.
    #[error("the turn needs the model")]
    NeedsModel,
}

/// Decides the bot's turns for one engine.
pub struct Policy<'a> {
    engine: &'a Engine,
    public_url: &'a str,
    /// Rank only from the answer cache; a miss is [`TurnError::NeedsModel`].
    cache_only: bool,
}

/// The question of a turn, as written and normalized once.
#[derive(Clone, Copy)]
struct Asked<'a> {
    text: &'a str,
    normalized: &'a str,
}

/// A ranking of one text, and the text.
struct Ranked {
    reply: Reply,
    query: String,
    /// Whether the text is the message read with the conversation's topic:
    /// the message is a follow-up, whatever its words.
    with_topic: bool,
}

impl<'a> Policy<'a> {
    /// A policy answering from `engine`, with article links under `public_url`.
    pub fn new(engine: &'a Engine, public_url: &'a str) -> Policy<'a> {
        Policy {
            engine,
            public_url,
            cache_only: false,
        }
    }

    /// The same, but deciding only turns that need no model run (small talk,
    /// picks, questions asked before): cheap enough to try on an async task
    /// before waiting for an engine worker.
    pub fn from_cache(engine: &'a Engine, public_url: &'a str) -> Policy<'a> {
        Policy {
            cache_only: true,
            ..Policy::new(engine, public_url)
        }
    }

    /// The bot's turn after `message` in `conversation`.
    pub fn turn(&self, conversation: &Conversation, message: UserMessage<'_>) -> Result<Outcome, TurnError> {
        let reading = Reading::of(message.text, &self.engine.lexicon().entities);
        let mut outcome = self.reply_to(conversation, message, &reading)?;
        outcome.details = Details::of(&reading);
        Ok(outcome)
    }

    fn reply_to(
        &self,
        conversation: &Conversation,
        message: UserMessage<'_>,
        reading: &Reading,
    ) -> Result<Outcome, TurnError> {
        let lexicon = self.engine.lexicon();
        let lang = reading.written_in.or(message.locale).unwrap_or(reading.lang);
        if conversation.ticket == TicketState::WithAgent {
            return Ok(Outcome {
                reply: None,
                text: String::new(),
                ticket: TicketChange::None,
                lang,
                question: None,
                engine: None,
                ranked: None,
                details: Details::default(),
            });
        }
        let waiting = conversation.ticket == TicketState::Waiting;
        let mut chat = small_talk::read(&lexicon.small_talk, &reading.normalized);
        if chat.intent.is_none() {
            if let Some(intent) = small_talk::about_the_chat(&reading.normalized).filter(|_| !self.in_domain(reading)) {
                chat = small_talk::Chat {
                    intent: Some(intent),
                    rest: String::new(),
                };
            }
        }
        if chat.intent.is_some() && !chat.rest.is_empty() && weighs_yes_and_no(&reading.normalized) {
            // "那我换bep20提行不行": the 行 that closes it is half a question.
            chat = small_talk::Chat {
                intent: None,
                rest: String::new(),
            };
        }
        let triage = &reading.triage;

        // Before small talk: "不用了" and "没事了" are goodbyes too, but to
        // someone waiting for a person they withdraw the request.
        if waiting && cancels_handoff(&reading.normalized) {
            let mut reply = BotReply::new(Decision::SmallTalk, 1.0);
            reply.topic = aged(conversation);
            reply.handoff_withdrawn = true;
            let text = replies::handoff_cancelled(lang).to_string();
            return Ok(self.outcome(reply, text, lang, TicketChange::Cancel, None, None));
        }
        if let (Some(intent), true) = (chat.intent, chat.rest.is_empty()) {
            return Ok(self.small_talk(intent, lang, conversation, message.picked.is_none()));
        }
        if triage.scam_by_staff {
            let mut reply = BotReply::handoff(HandoffReason::ScamByStaff, 0.0, self.summary(SCAM_ARTICLE, lang));
            reply.warning = Some(Warning::Scam);
            let open = TicketChange::Open {
                priority: Priority::Urgent,
            };
            return Ok(self.finish(reply, lang, conversation, open, Some(reading.text.clone())));
        }
        if waiting && asks_about_the_wait(&reading.normalized) {
            let reply = BotReply::handoff(HandoffReason::AskedForPerson, 0.0, None);
            let text = replies::already_waiting(lang, conversation.staffed).to_string();
            return Ok(self.outcome(reply, text, lang, TicketChange::None, None, None));
        }
        if triage.asks_for_person {
            if waiting {
                let reply = BotReply::handoff(HandoffReason::AskedForPerson, 0.0, None);
                let text = replies::already_waiting(lang, conversation.staffed).to_string();
                return Ok(self.outcome(reply, text, lang, TicketChange::None, None, None));
            }
            let priority = if triage.urgent_reason().is_some() {
                Priority::Urgent
            } else {
                Priority::Normal
            };
            let reply = BotReply::handoff(HandoffReason::AskedForPerson, 0.0, None);
            let open = TicketChange::Open { priority };
            return Ok(self.finish(reply, lang, conversation, open, Some(reading.text.clone())));
        }
        if let Some(intent) = chat.intent.filter(|_| {
            (reports_resolution(&chat.rest) || puts_off(&chat.rest) || states_next_step(&chat.rest))
                && !triage.lost_funds
        }) {
            return Ok(self.small_talk(intent, lang, conversation, message.picked.is_none()));
        }
        if let Some(id) = message.picked {
            if let Some((reply, change)) = self.chosen_article(id, lang, &reading.normalized, Vec::new()) {
                return Ok(self.finish(reply, lang, conversation, change, None));
            }
        }
        if let Some((reply, change)) = self.picked_suggestion(conversation, &reading.normalized, lang) {
            return Ok(self.finish(reply, lang, conversation, change, None));
        }

        // A question: as written, and normalized (the reading's, or what is
        // left of it without the small talk, normalized already).
        // A TxID alone opening a topic asks where the transaction stands; one
        // that follows a topic is about that topic.
        let (question, normalized) = if addresses::only_a_transaction_id(reading) && live_topic(conversation).is_none()
        {
            let status = addresses::status_question(lang);
            (status.to_string(), crate::text::normalize(status))
        } else if chat.intent.is_some() {
            (chat.rest.clone(), chat.rest.clone())
        } else {
            (reading.text.clone(), reading.normalized.clone())
        };
        let asked = Asked {
            text: &question,
            normalized: &normalized,
        };
        let (ranked, embedding, cached) = self.rank_question(conversation, reading, asked)?;
        let mut reply = self.decide(&ranked, reading, lang);
        if triage.unrelated && reply.decision != Decision::Handoff && !self.in_domain(reading) {
            // "今天上海天气怎么样": whatever an article's words matched.
            reply.decision = Decision::Handoff;
            reply.handoff_reason = Some(HandoffReason::NoMatch);
            reply.article = None;
            reply.suggestions.clear();
        }
        let reaction = chat
            .intent
            .or_else(|| realizes(&reading.normalized).then_some(Intent::Acknowledgement));
        if let Some(intent) = reaction.filter(|&i| {
            only_reacts(conversation, i, &chat.rest, reading, &ranked, &reply)
                && !only_a_qualifier(&chat.rest, &lexicon.entities)
        }) {
            return Ok(self.small_talk(intent, lang, conversation, message.picked.is_none()));
        }
        if let Some(intent) = self.small_talk_in_other_words(&ranked, &reply, reading, chat.intent)? {
            return Ok(self.small_talk(intent, lang, conversation, message.picked.is_none()));
        }
        let mut change = match reply.decision {
            Decision::Handoff => TicketChange::Open {
                priority: self.priority(&reply, reading),
            },
            _ => TicketChange::None,
        };
        let unsure = reply.handoff_reason.is_some_and(HandoffReason::unsure);
        // A follow-up is about the topic, whatever words it uses ("how long").
        let follows = ranked.with_topic
            || topic_to_follow(conversation, reading, &normalized).is_some() && leans_on_context(reading, &normalized);
        if unsure && !follows && !reading.names(EntityKind::Exchange) && !self.in_domain(reading) {
            reply.handoff_reason = Some(if triage.investment_advice {
                HandoffReason::InvestmentAdvice
            } else {
                HandoffReason::OutOfScope
            });
            reply.article = None;
        } else if unsure && triage.investment_advice {
            reply.handoff_reason = Some(HandoffReason::InvestmentAdvice);
            reply.article = None;
        } else if waiting
            && reply.decision != Decision::Answer
            && reply.handoff_reason != Some(HandoffReason::LostFunds)
        {
            // Already in the queue: what the bot cannot answer with
            // confidence waits for the agent too, and the user is told so.
            let text = replies::forwarded(lang, conversation.staffed).to_string();
            reply.topic = aged(conversation);
            let mut outcome = self.outcome(
                reply,
                text,
                lang,
                TicketChange::None,
                Some(question),
                Some((embedding, cached)),
            );
            outcome.ranked = Some(ranked.query);
            return Ok(outcome);
        } else if unsure && !conversation.last.as_ref().is_some_and(|r| r.asked_to_rephrase) {
            // Unsure of a question it should know: ask once before a person.
            reply.decision = Decision::Clarify;
            reply.handoff_reason = None;
            reply.asked_to_rephrase = true;
            reply.suggestions = self.summaries(&ranked.reply, lang, 0);
            change = TicketChange::None;
        }
        if waiting
            && matches!(change, TicketChange::Open { .. })
            && reply.handoff_reason != Some(HandoffReason::LostFunds)
        {
            // The ticket is open already; an urgent matter still raises it.
            if self.priority(&reply, reading) == Priority::Normal {
                change = TicketChange::None;
            }
        }
        reply.topic = self.next_topic(conversation, &reply, &ranked);
        let mut outcome = self.finish(reply, lang, conversation, change, Some(question));
        outcome.engine = Some((embedding, cached));
        outcome.ranked = Some(ranked.query.clone());
        let answering = outcome
            .reply
            .as_ref()
            .is_some_and(|r| r.decision != Decision::SmallTalk);
        // What is said before the reply, in this order: a word for an angry
        // or anxious user, the check of a pasted address and the explorer
        // of a pasted TxID, the numbers asked for.
        let corpus = self.engine.corpus();
        let answered = outcome
            .reply
            .as_ref()
            .filter(|r| r.decision == Decision::Answer)
            .and_then(|r| r.article.as_ref());
        let numbers = answered.and_then(|a| figures::quote(reading, corpus.quotes(&a.id), &corpus.facts, lang));
        let notes: Vec<String> = [
            ((reading.triage.angry || reading.anxious) && answering)
                .then(|| replies::sympathy(lang, reading.triage.angry).to_string()),
            addresses::note(reading, &self.engine.lexicon().entities, lang).filter(|_| answering),
            numbers,
        ]
        .into_iter()
        .flatten()
        .collect();
        if !notes.is_empty() {
            outcome.text = format!("{}\n\n{}", notes.join("\n\n"), outcome.text);
            if let Some(reply) = outcome.reply.as_mut() {
                reply.notes = notes;
            }
        }
        if waiting && outcome.reply.as_ref().is_some_and(|r| r.decision == Decision::Answer) {
            outcome.text = format!("{}\n\n{}", outcome.text, replies::still_waiting(lang));
        }
        Ok(outcome)
    }

    fn small_talk(&self, intent: Intent, lang: Lang, conversation: &Conversation, _typed: bool) -> Outcome {
        let mut reply = BotReply::new(Decision::SmallTalk, 1.0);
        reply.small_talk = Some(intent);
        reply.topic = aged(conversation);
        let text = self
            .engine
            .corpus()
            .small_talk
            .get(intent)
            .map(|i| i.reply(lang).to_string())
            .unwrap_or_default();
        self.outcome(reply, text, lang, TicketChange::None, None, None)
    }

    /// Ranks the question alone and, when it leans on the conversation or
    /// is long, the readings that might fit better; keeps the surest.
    fn rank_question(
        &self,
        conversation: &Conversation,
        reading: &Reading,
        asked: Asked<'_>,
    ) -> Result<(Ranked, Duration, bool), TurnError> {
        let question = asked.text;
        let entities = &self.engine.lexicon().entities;
        // What the engine reads of a text: without abuse or pasted
        // addresses and hashes, and then, as a second reading, with the words
        // the articles use for what the text names and the direction of funds
        // the whole message gives.
        let readings = |text: &str| -> (String, Option<String>) {
            let own;
            let part = if text == reading.text {
                reading
            } else {
                own = Reading::of(text, entities);
                &own
            };
            let calm = crate::handoff::strip_abuse(&without_denied_mistakes(&without_codes(&part.normalized)));
            let base = if calm.trim().is_empty() {
                part.normalized.clone()
            } else {
                calm
            };
            let mut words = part.expansion(entities);
            for w in reading.direction_words() {
                if !base.contains(w.as_str()) && !words.contains(&w) {
                    words.push(w);
                }
            }
            let expanded = (!words.is_empty()).then(|| format!("{base} {}", words.join(" ")));
            (base, expanded)
        };
        let mut embedding = Duration::ZERO;
        let mut all_cached = true;
        let mut rank_one = |text: String| -> Result<Ranked, TurnError> {
            let cached = self.engine.cached_reply(&text, SUGGESTIONS);
            let reply = match cached {
                Some(reply) => reply,
                None if self.cache_only => return Err(TurnError::NeedsModel),
                None => {
                    all_cached = false;
                    self.engine.reply(&text, SUGGESTIONS)?
                }
            };
            embedding += reply.embedding_time;
            Ok(Ranked {
                reply,
                query: text,
                with_topic: false,
            })
        };
        // Both readings, the surer wins: the added words help a question in
        // everyday words ("怎么买狗狗币") and must not hurt one the articles
        // already speak to.
        let mut rank = |text: &str| -> Result<Ranked, TurnError> {
            let (base, expanded) = readings(text);
            let plain = rank_one(base)?;
            match expanded {
                // Sure already: the added words could only make it surer, at
                // the price of embedding a second text.
                Some(_) if plain.reply.confidence >= SURE => Ok(plain),
                Some(expanded) => {
                    let wider = rank_one(expanded)?;
                    Ok(if wider.reply.confidence > plain.reply.confidence {
                        wider
                    } else {
                        plain
                    })
                }
                None => Ok(plain),
            }
        };
        let mut best = rank(question)?;
        let mut direction = reading.direction;
        let triaged = reading.triage.investment_advice || reading.triage.lost_funds || reading.triage.scam_by_staff;
        if let Some(topic) = topic_to_follow(conversation, reading, asked.normalized).filter(|_| !triaged) {
            // Read together with the topic's question as well, unless the
            // message alone already answers on the topic; the surer reading
            // wins, with a lean that depends on where the message alone
            // points. A sibling of the topic (its category: "多久能审完"
            // after KYC steps is the review time) is where follow-ups go;
            // an article elsewhere is more often a word pulling away from
            // the topic ("要多久" is not KYC after a missing deposit).
            let settled = best.reply.decision == Decision::Answer && top(&best.reply) == Some(topic.article.as_str());
            if !settled {
                // A message that only asks about an aspect ("要手续费吗",
                // "多久"), only names a coin or network ("trc20的话呢",
                // "用的bep20") or only tells a circumstance ("我是海外手机号")
                // says too little to leave the topic.
                let qualifier = only_a_qualifier(asked.normalized, entities) || only_adds_a_code(asked.normalized);
                let terse = only_an_aspect(asked.normalized) || qualifier;
                let telling = !asks(asked.normalized);
                let mut joined = rank(&format!("{} {question}", topic.question))?;
                // An article the bot answered with stays the topic unless the
                // two together clearly read as another. Only another coin or
                // network ("trc20的话呢") or a pasted code asks the question
                // again for it: the topic stands, also when its article came
                // with a hand-off ("the address i sent to is 0x…" after a
                // deposit on the wrong network).
                let answered = conversation.last.as_ref().is_some_and(|r| {
                    r.article.as_ref().is_some_and(|a| a.id == topic.article)
                        && (qualifier || r.decision == Decision::Answer)
                });
                if answered && qualifier {
                    keep_topic(&mut joined.reply, &topic.article, self.always_hands_off(&topic.article));
                } else if answered {
                    stay_on(&mut joined.reply, &topic.article, STAY_MARGIN);
                }
                let sibling = top(&best.reply).is_some_and(|id| self.same_category(id, &topic.article));
                let lean = if sibling {
                    -SIBLING_LEAD
                } else if !leans_on_context(reading, asked.normalized) {
                    -WHOLE_LEAD
                } else if terse || telling {
                    0.1
                } else {
                    0.0
                };
                // A neighbouring matter the message alone answers, in the
                // words of that article's title ("在哪撤" after an unfilled
                // order is 撤单), is a switch the topic's words must not pull
                // back. Over the held-out sets: 4 turns right, 3 wrong.
                let switched = sibling
                    && best.reply.decision == Decision::Answer
                    && !terse
                    && top(&best.reply).is_some_and(|id| self.title_has_words_of(id, asked.normalized));
                if !switched && (joined.reply.confidence + lean > best.reply.confidence || answered && terse) {
                    best = Ranked {
                        with_topic: true,
                        ..joined
                    };
                    // "trc20的 要多少个确认" after "从欧易提了500u到你们这":
                    // the way the funds moved is the topic's.
                    direction = direction.or(reading::direction_of(
                        &format!("{} {}", topic.question, asked.normalized),
                        entities,
                    ));
                }
                // Unsure, but first with an article of the topic's category:
                // a follow-up stays in it ("whats the fee for that" after how
                // to withdraw), read with the topic or, leaning on it, alone
                // ("what about fees for trc20").
                let follows = best.with_topic || leans_on_context(reading, asked.normalized);
                if follows
                    && best.reply.decision == Decision::Clarify
                    && top(&best.reply).is_some_and(|id| self.same_category(id, &topic.article))
                {
                    best.reply.decision = Decision::Answer;
                }
            }
        }
        if let Some(direction) = direction {
            self.follow_the_direction(&mut best.reply, direction);
        }
        self.follow_the_need(&mut best.reply, &reading.normalized);
        if !best.with_topic && best.reply.decision != Decision::Answer {
            // Unsure of a long message as a whole: maybe of one of its
            // questions. A sure whole is not second-guessed ("我已经充了USDT，
            // 要怎么买比特币" is not "how do I buy bitcoin" alone).
            for clause in asked_clauses(question) {
                let candidate = rank(&clause)?;
                if candidate.reply.confidence > best.reply.confidence + 0.05 {
                    best = candidate;
                }
            }
        }
        Ok((best, embedding, all_cached))
    }

    /// Answers with the article for what the user needs when the first is
    /// its neighbour of the other kind: a problem told ("google authenticator
    /// is empty, cant log in", "助记词也没抄") is the troubleshooting article
    /// of the category, not the how-to that shares its words; a plain "how
    /// do I" ("怎么deposit eth") is the how-to, not the problem article.
    /// Only within [`NEED_MARGIN`] of the first, in the same category.
    fn follow_the_need(&self, reply: &mut Reply, normalized: &str) {
        let wanted = if tells_a_problem(normalized) {
            ArticleKind::Problem
        } else if asks_how(normalized) {
            ArticleKind::HowTo
        } else {
            return;
        };
        let Some(first) = top(reply).map(str::to_string) else {
            return;
        };
        if reply.decision != Decision::Answer || self.article_kind(&first) == Some(wanted) {
            return;
        }
        if let Some(id) = reply
            .candidates
            .iter()
            .skip(1)
            .find(|c| self.article_kind(&c.article_id) == Some(wanted) && self.same_category(&c.article_id, &first))
            .map(|c| c.article_id.clone())
        {
            stay_on(reply, &id, NEED_MARGIN);
        }
    }

    /// What kind of article `id` is, by its Chinese title: a how-to opens
    /// with 如何; a troubleshooting article names what went wrong.
    fn article_kind(&self, id: &str) -> Option<ArticleKind> {
        let title = self.engine.article(id)?.title.text(Lang::Zh);
        if title.starts_with("如何") {
            Some(ArticleKind::HowTo)
        } else if PROBLEM_TITLES.iter().any(|w| title.contains(w)) {
            Some(ArticleKind::Problem)
        } else {
            None
        }
    }

    /// Answers with the article of the way the funds moved when the words
    /// say it ("从欧易提了500u到你们这" is a deposit) and the first article
    /// is about the other way: the story's words ("提", "txid", "链上显示
    /// 成功") match both, the direction decides.
    fn follow_the_direction(&self, reply: &mut Reply, direction: Direction) {
        let (wanted, other) = match direction {
            Direction::In => (DEPOSITS, WITHDRAWALS),
            Direction::Out => (WITHDRAWALS, DEPOSITS),
        };
        let category = |id: &str| self.engine.article(id).map(|a| a.category.as_str());
        if reply.decision != Decision::Answer || top(reply).and_then(category) != Some(other) {
            return;
        }
        if let Some(id) = reply
            .candidates
            .iter()
            .find(|c| category(&c.article_id) == Some(wanted))
            .map(|c| c.article_id.clone())
        {
            stay_on(reply, &id, DIRECTION_MARGIN);
        }
    }

    /// Small talk the phrase lists do not have word for word ("hello, how's
    /// your day", "it was a pleasure talking to you"): a short message no
    /// article fits, nearer in meaning to a small-talk phrase than to any
    /// article. Only such a message is embedded a second time.
    fn small_talk_in_other_words(
        &self,
        ranked: &Ranked,
        reply: &BotReply,
        reading: &Reading,
        found: Option<Intent>,
    ) -> Result<Option<Intent>, TurnError> {
        // The whole message: what the lists found of it ("how are you" in
        // "how are you today") belongs to its meaning.
        let message = reading.normalized.as_str();
        let t = &reading.triage;
        let flagged = t.investment_advice || t.lost_funds || t.lost_funds_weak || t.unrelated || t.angry;
        // Small talk names no coin, network or wallet, and an answer this
        // sure is not small talk: the message is not embedded again.
        let sure = reply.decision == Decision::Answer && reply.confidence >= SURE;
        if ranked.with_topic
            || flagged
            || sure
            || message.chars().count() > SMALL_TALK_CHARS
            || !reading.mentions.is_empty()
        {
            return Ok(None);
        }
        if self.cache_only {
            return Err(TurnError::NeedsModel);
        }
        let Some((intent, near)) = self.engine.nearest_small_talk(message)? else {
            return Ok(None);
        };
        let article = ranked
            .reply
            .candidates
            .iter()
            .map(|c| c.similarity)
            .fold(f32::NEG_INFINITY, f32::max);
        // An article the engine would answer with must be clearly farther
        // ("could you be human" is not how to contact a person).
        let (bar, lead) = if reply.decision == Decision::Answer {
            (SMALL_TALK_NEAR_ANSWERED, SMALL_TALK_LEAD_ANSWERED)
        } else {
            (SMALL_TALK_NEAR, SMALL_TALK_LEAD)
        };
        Ok((near >= bar && near >= article + lead).then(|| found.unwrap_or(intent)))
    }

    /// The reply for a ranking: the engine's decision, then the triage's
    /// overrides.
    fn decide(&self, ranked: &Ranked, reading: &Reading, lang: Lang) -> BotReply {
        let reply = &ranked.reply;
        let candidates: Vec<CandidateNote> = reply
            .candidates
            .iter()
            .map(|c| CandidateNote {
                id: c.article_id.clone(),
                score: c.fused,
            })
            .collect();
        let summaries = self.summaries(reply, lang, 0);
        let top = summaries.first().cloned();
        let mut decision = reply.decision;
        let mut reason = reply.handoff_reason;
        // Lost funds go to a person at once, also when the engine was only
        // unsure (no asking to rephrase first); an always-hand-off topic
        // keeps its own reason. A loss the words only seem to report counts
        // when the bot would otherwise clarify.
        let lost = reading.triage.lost_funds && reason != Some(HandoffReason::AlwaysHandoff)
            || reading.triage.lost_funds_weak && decision == Decision::Clarify;
        if lost {
            decision = Decision::Handoff;
            reason = Some(HandoffReason::LostFunds);
        } else if reading.triage.investment_advice
            && decision != Decision::Handoff
            && (reading.triage.advice_asked || reply.confidence < ADVICE_SURE)
        {
            decision = Decision::Handoff;
            reason = Some(HandoffReason::InvestmentAdvice);
        }
        let mut bot = BotReply::new(decision, reply.confidence);
        bot.candidates = candidates;
        match decision {
            Decision::Answer => {
                bot.article = top;
                bot.suggestions = summaries.into_iter().skip(1).collect();
            }
            Decision::Clarify => bot.suggestions = summaries,
            Decision::Handoff | Decision::SmallTalk => {
                bot.handoff_reason = reason;
                // An article to read while waiting, when the bot knows the
                // topic (urgent topics, lost funds) and not when it guessed.
                if reason == Some(HandoffReason::LostFunds) {
                    bot.article = self.urgent_near_top(reply, lang).or(top);
                } else if reason == Some(HandoffReason::AlwaysHandoff) {
                    bot.article = top;
                }
            }
        }
        bot
    }

    /// Funds someone else moved: of the articles ranked within
    /// [`URGENT_MARGIN`] of the first, the first a person must always take
    /// ("不是我操作的 密码也被改了" is a hacked account before a password
    /// reset).
    fn urgent_near_top(&self, reply: &Reply, lang: Lang) -> Option<ArticleSummary> {
        let first = reply.candidates.first()?.fused;
        reply
            .candidates
            .iter()
            .take_while(|c| first - c.fused <= URGENT_MARGIN)
            .find(|c| self.always_hands_off(&c.article_id))
            .and_then(|c| self.summary(&c.article_id, lang))
    }

    /// Whether the message is about what this help center covers: it names
    /// an entity other than a country ("what's the weather in Singapore" is
    /// not), or uses a word of the corpus's vocabulary.
    fn in_domain(&self, reading: &Reading) -> bool {
        reading.mentions.iter().any(|m| m.kind != EntityKind::Region)
            || self.engine.lexicon().mentions_domain(&reading.normalized)
    }

    /// Whether article `id`'s title (either language) uses a word of
    /// `normalized`: a content character of Chinese ("撤" of 撤单) or an
    /// English word of four letters or more ("cancel").
    fn title_has_words_of(&self, id: &str, normalized: &str) -> bool {
        let Some(article) = self.engine.article(id) else {
            return false;
        };
        let titles = format!("{} {}", article.title.text(Lang::Zh), article.title.text(Lang::En)).to_lowercase();
        let han = normalized
            .chars()
            .filter(|&c| crate::text::is_han(c) && !FUNCTION_CHARS.contains(c))
            .any(|c| titles.contains(c));
        han || normalized
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 4)
            .any(|w| titles.contains(w))
    }

    /// Whether article `id` always goes to a person (`handoff: always`).
    fn always_hands_off(&self, id: &str) -> bool {
        self.engine
            .article(id)
            .is_some_and(|a| a.handoff == HandoffPolicy::Always)
    }

    /// Whether articles `a` and `b` are in the same category.
    fn same_category(&self, a: &str, b: &str) -> bool {
        let category = |id| self.engine.article(id).map(|a| a.category.as_str());
        category(a).is_some_and(|c| category(b) == Some(c))
    }

    fn priority(&self, reply: &BotReply, reading: &Reading) -> Priority {
        let urgent_topic = reply
            .article
            .as_ref()
            .and_then(|a| self.engine.article(&a.id))
            .is_some_and(|a| a.priority == Priority::Urgent);
        if urgent_topic || reading.triage.urgent_reason().is_some() || reply.warning == Some(Warning::Scam) {
            Priority::Urgent
        } else {
            Priority::Normal
        }
    }

    /// The topic after `reply`: its article when it answered (a follow-up
    /// keeps the question that set the topic), else the old one, a turn older.
    fn next_topic(&self, conversation: &Conversation, reply: &BotReply, ranked: &Ranked) -> Option<Topic> {
        let old = conversation.last.as_ref().and_then(|r| r.topic.clone());
        // A clarification keeps the question as the topic under its best
        // guess: the next message often narrows it ("trc20的话呢").
        let guessed = (reply.decision == Decision::Clarify)
            .then(|| reply.suggestions.first())
            .flatten();
        match (reply.article.as_ref().or(guessed), reply.decision) {
            (Some(article), Decision::Answer | Decision::Handoff | Decision::Clarify) => {
                let question = match &old {
                    Some(t) if t.article == article.id && ranked.query.starts_with(&t.question) => t.question.clone(),
                    _ => ranked.query.clone(),
                };
                Some(Topic {
                    article: article.id.clone(),
                    question: topic_question(&question),
                    age: 0,
                })
            }
            _ => aged(conversation),
        }
    }

    /// When the bot's last reply offered suggestions and the user picks one
    /// ("第二个", "the second one", or a title).
    fn picked_suggestion(
        &self,
        conversation: &Conversation,
        normalized: &str,
        lang: Lang,
    ) -> Option<(BotReply, TicketChange)> {
        let previous = conversation.last.as_ref()?;
        if previous.decision != Decision::Clarify || previous.suggestions.is_empty() {
            return None;
        }
        let titles: Vec<String> = previous.suggestions.iter().map(|s| s.title.clone()).collect();
        let i = replies::pick(normalized, &titles)?;
        self.chosen_article(
            &previous.suggestions[i].id,
            lang,
            normalized,
            previous.candidates.clone(),
        )
    }

    /// The reply for an article the user chose themselves (a suggestion or
    /// a quick-reply chip): certain, but `handoff: always` topics still go
    /// to a person.
    fn chosen_article(
        &self,
        id: &str,
        lang: Lang,
        normalized: &str,
        candidates: Vec<CandidateNote>,
    ) -> Option<(BotReply, TicketChange)> {
        let article = self.summary(id, lang)?;
        let topic = Some(Topic {
            article: id.to_string(),
            question: topic_question(normalized),
            age: 0,
        });
        if self.always_hands_off(id) {
            let urgent = self.engine.article(id).is_some_and(|a| a.priority == Priority::Urgent);
            let mut reply = BotReply::handoff(HandoffReason::AlwaysHandoff, 1.0, Some(article));
            reply.topic = topic;
            let priority = if urgent { Priority::Urgent } else { Priority::Normal };
            return Some((reply, TicketChange::Open { priority }));
        }
        let mut reply = BotReply::new(Decision::Answer, 1.0);
        reply.article = Some(article);
        reply.candidates = candidates;
        reply.topic = topic;
        Some((reply, TicketChange::None))
    }

    /// The reply's text, and the outcome.
    fn finish(
        &self,
        reply: BotReply,
        lang: Lang,
        conversation: &Conversation,
        change: TicketChange,
        question: Option<String>,
    ) -> Outcome {
        let text = reply_text(lang, &reply, conversation.staffed);
        self.outcome(reply, text, lang, change, question, None)
    }

    fn outcome(
        &self,
        reply: BotReply,
        text: String,
        lang: Lang,
        ticket: TicketChange,
        question: Option<String>,
        engine: Option<(Duration, bool)>,
    ) -> Outcome {
        Outcome {
            reply: Some(reply),
            text,
            ticket,
            lang,
            question,
            engine,
            ranked: None,
            details: Details::default(),
        }
    }

    /// How an answer shows article `id`.
    pub fn summary(&self, id: &str, lang: Lang) -> Option<ArticleSummary> {
        self.engine.summary(id, lang, self.public_url)
    }

    fn summaries(&self, reply: &Reply, lang: Lang, skip: usize) -> Vec<ArticleSummary> {
        reply
            .candidates
            .iter()
            .skip(skip)
            .filter_map(|c| self.summary(&c.article_id, lang))
            .collect()
    }
}

/// The text of `reply` in `lang`, for any channel.
pub fn reply_text(lang: Lang, reply: &BotReply, staffed: Option<bool>) -> String {
    if reply.warning == Some(Warning::Scam) {
        return replies::scam_warning(lang).to_string();
    }
    match reply.decision {
        Decision::Answer => reply.article.as_ref().map_or_else(
            || replies::handoff(lang, HandoffReason::LowConfidence, staffed, None),
            |a| replies::answer(lang, a),
        ),
        Decision::Clarify if reply.asked_to_rephrase => replies::rephrase(lang, &reply.suggestions),
        Decision::Clarify => replies::clarify(lang, &reply.suggestions),
        Decision::Handoff => replies::handoff(
            lang,
            reply.handoff_reason.unwrap_or(HandoffReason::LowConfidence),
            staffed,
            reply.article.as_ref(),
        ),
        Decision::SmallTalk => String::new(),
    }
}

/// A question as a topic keeps it: at most 80 characters, personal data
/// masked, since the topic is stored in the bot's reply, which agents read
/// unmasked.
fn topic_question(question: &str) -> String {
    crate::handoff::privacy::mask_personal_data(question)
        .chars()
        .take(80)
        .collect()
}

/// The conversation's topic, a turn older (or gone when too old).
fn aged(conversation: &Conversation) -> Option<Topic> {
    let topic = conversation.last.as_ref()?.topic.clone()?;
    (topic.age + 1 < TOPIC_TURNS).then(|| Topic {
        age: topic.age + 1,
        ..topic
    })
}

fn top(reply: &Reply) -> Option<&str> {
    reply.candidates.first().map(|c| c.article_id.as_str())
}

/// Pasted addresses, transaction ids and other long codes: noise to the
/// ranking (issue: a TRON address made "提币到 T… 一直没到" unsure).
fn without_codes(normalized: &str) -> String {
    normalized
        .split_whitespace()
        .map(|w| {
            let code = w.chars().filter(char::is_ascii_alphanumeric).count() >= 25
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '：'));
            if code {
                ""
            } else {
                w
            }
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A mistake the user says they did not make ("网络没选错", "地址核对过没错",
/// "i didn't pick the wrong network"): its words would rank the article
/// about that very mistake first.
static DENIED_MISTAKE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?:并?没有?|不是|确定没|确认没)(?:选|填|输|写|弄|搞|打|复制)?错了?|核对过了?没错|(?:网络|地址|链)(?:是对的|没问题|都对|也对)|(?:network|address|chain) (?:is|was) (?:right|correct|fine)|(?:did ?n[o']?t|did not|never) (?:choose|pick|select|use|send (?:it )?(?:to|on)) (?:the |a )?wrong|(?:is|was) (?:not|n't) (?:the )?wrong",
    )
    .expect("valid regex")
});

/// `normalized` without the mistakes it denies.
fn without_denied_mistakes(normalized: &str) -> String {
    DENIED_MISTAKE.replace_all(normalized, " ").into_owned()
}

/// How far below the first an article a person must always take may be
/// ranked and still be the one shown with a hand-off for lost funds
/// (fused score).
const URGENT_MARGIN: f32 = 0.5;

/// Words that start a message continuing the last one.
const CONTINUING: &[&str] = &[
    "那",
    "那么",
    "然后",
    "如果",
    "要是",
    "是不是",
    "and ",
    "what about",
    "how about",
    "then ",
    "so ",
    "but ",
    "what if",
    "is it",
    "does it",
    "can i",
    "do i",
];
/// Words that open another question ("另外", "还有个事", "btw"). Users mark
/// a new matter this way far more often than a detail of the last one.
const OPENING: &[&str] = &[
    "另外",
    "顺便",
    "对了",
    "还有个",
    "还有一",
    "还有件",
    "还有 ",
    "还有,",
    "还有，",
    "by the way",
    "btw",
    "also ",
    "another thing",
    "another question",
    "different question",
    "one more thing",
    "unrelated",
];

/// Whether a message opens another question: it is read alone, not with
/// the conversation's topic.
fn opens_another_question(normalized: &str) -> bool {
    OPENING.iter().any(|w| normalized.starts_with(w))
}

/// Words that point back at something said before.
const POINTING: &[&str] = &[
    "呢", "它", "这个", "那个", "这种", "这样", "上面", "刚才", "this", "that", " it", "it ", "them", "those",
];

/// Words that ask about an aspect of whatever the topic is: its fee, how
/// long, how much, whether it is safe or can be undone.
const ASPECTS: &[&str] = &[
    "手续费",
    "费用",
    "收费",
    "多少钱",
    "要钱吗",
    "免费吗",
    "多久",
    "多长时间",
    "几天",
    "几个小时",
    "什么时候",
    "时间",
    "限额",
    "额度",
    "上限",
    "最少",
    "最低",
    "最多",
    "利息",
    "收益",
    "安全吗",
    "风险",
    "怎么算",
    "怎么计算",
    "能取消吗",
    "可以取消吗",
    "能撤回吗",
    "能退吗",
    "要求",
    "条件",
    "在哪",
    "哪里",
    "为什么",
    "是什么",
    "什么意思",
    "有用吗",
    "能找回吗",
    "还能",
    "fee",
    "fees",
    "cost",
    "how long",
    "how much",
    "limit",
    "minimum",
    "maximum",
    "when",
    "where",
    "why",
    "safe",
    "interest",
    "requirements",
    "what is it",
    "what does it mean",
];
/// Words that carry no subject of their own in such a question.
const HOLLOW: &[&str] = &[
    "那", "那么", "还有", "另外", "然后", "请问", "要", "需要", "会", "有", "吗", "呢", "啊", "吧", "的", "了", "是",
    "还", "能", "可以", "一般", "大概", "大约", "and", "what", "about", "is", "the", "it", "there", "a", "any", "do",
    "does", "i", "to", "on", "for", "take", "takes", "usually", "so", "this", "that",
];

/// Whether a message only asks about an aspect of the topic ("要手续费吗",
/// "and how long does it take?", "多久收一次"): its words, with the aspect and
/// hollow words taken out, leave at most three characters.
fn only_an_aspect(normalized: &str) -> bool {
    ASPECTS.iter().any(|w| normalized.contains(w)) && leaves_little(normalized, ASPECTS.iter().copied())
}

/// Whether `normalized`, with `words` and the hollow words taken out
/// (Latin ones as whole words), leaves at most three characters.
fn leaves_little<'w>(normalized: &str, words: impl Iterator<Item = &'w str>) -> bool {
    let mut words: Vec<&str> = words.chain(HOLLOW.iter().copied()).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    // Latin words glued to Chinese ("trc20的话呢") are words of their own.
    let mut spaced = String::with_capacity(normalized.len() + 8);
    let mut previous: Option<char> = None;
    for c in normalized.chars() {
        let c = if c.is_alphanumeric() { c } else { ' ' };
        if previous.is_some_and(|p| p != ' ' && c != ' ' && p.is_ascii() != c.is_ascii()) {
            spaced.push(' ');
        }
        spaced.push(c);
        previous = Some(c);
    }
    let mut rest = format!(" {} ", spaced.split_whitespace().collect::<Vec<_>>().join(" "));
    for w in words {
        if w.is_ascii() {
            let word = format!(" {} ", w.trim());
            while rest.contains(&word) {
                rest = rest.replace(&word, " ");
            }
        } else {
            rest = rest.replace(w, "");
        }
    }
    rest.chars().filter(|c| c.is_alphanumeric()).count() <= 3
}

/// The conversation's topic, unless it has faded.
fn live_topic(conversation: &Conversation) -> Option<Topic> {
    conversation
        .last
        .as_ref()
        .and_then(|r| r.topic.clone())
        .filter(|t| t.age < TOPIC_TURNS)
}

/// The conversation's topic as one the message may follow: none when the
/// message opens another question ("另外…", and "对了，…" whose opening word
/// was read as small talk, hence both texts) or is about everyday life.
fn topic_to_follow(conversation: &Conversation, reading: &Reading, question: &str) -> Option<Topic> {
    let another = opens_another_question(question) || opens_another_question(&reading.normalized);
    live_topic(conversation).filter(|_| !another && !reading.triage.unrelated)
}

/// Chinese characters that carry no matter of their own (particles,
/// pronouns, question words, common verbs of asking).
const FUNCTION_CHARS: &str = "的了吗呢吧啊呀嘛是我你他她它们这那在有不没要能会就都也还和与或及把被给让从到对为以之于上下个么什怎哪多少几时候里边样再又很太更最可以得地着过如何请问想该";

/// The categories of funds coming in and going out.
const DEPOSITS: &str = "deposit";
const WITHDRAWALS: &str = "withdrawal";
/// How far below the first article, in fused score, an article of the
/// direction the message states may rank and still be the answer (the
/// story words of a transfer, "txid", "链上成功", "没到账", weigh about as
/// much for both ways). At 1.0 a pasted TxID ("从币安转了500U到 T… txid …
/// 还没到") kept the withdrawal article first; at 2.0 the held-out sets gain
/// turns and lose none.
const DIRECTION_MARGIN: f32 = 2.0;

/// A help article's kind, for [`Policy::follow_the_need`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArticleKind {
    /// How to do something.
    HowTo,
    /// What to do when something went wrong.
    Problem,
}

/// Words of a troubleshooting article's title.
const PROBLEM_TITLES: &[&str] = &[
    "怎么办",
    "丢失",
    "无法",
    "未到账",
    "未通过",
    "收不到",
    "卡住",
    "选错",
    "填错",
    "被盗",
    "被删除",
    "不显示",
];

/// How far below the first, in fused score, the article of the kind the
/// message needs may rank and still be the answer.
const NEED_MARGIN: f32 = 0.5;

/// Words that tell of something lost or missing: errors and delays are
/// covered by how-to articles too ("验证码一直提示错误" is binding the
/// authenticator right), a loss is not.
const PROBLEM_WORDS: &[&str] = &[
    "没到",
    "未到",
    "不到账",
    "没收到",
    "收不到",
    "丢",
    "掉了",
    "没了",
    "不见",
    "没抄",
    "没有备份",
    "没备份",
    "空的",
    "是空",
    "找不到",
    "lost",
    "missing",
    "empty",
    "gone",
    "cant find",
    "can't find",
    "cannot find",
    "never arrived",
    "not arrived",
    "hasnt arrived",
    "hasn't arrived",
];

/// Whether a message tells of a problem.
fn tells_a_problem(normalized: &str) -> bool {
    PROBLEM_WORDS.iter().any(|w| normalized.contains(w))
}

/// Whether a message asks how to do something ("怎么充值", "how do i deposit").
fn asks_how(normalized: &str) -> bool {
    ["怎么", "如何", "怎样", "how do i", "how to", "how can i", "how do you"]
        .iter()
        .any(|w| normalized.contains(w))
        && !["怎么办", "怎么回事", "怎么还", "该怎么做", "现在怎么做"]
            .iter()
            .any(|w| normalized.contains(w))
}

/// How far below the best article, in fused score, the topic's article of
/// a follow-up may rank and still be the answer: a detail added to the
/// topic ("用的bep20" after a missing deposit) pulls a little toward the
/// article about that detail.
const STAY_MARGIN: f32 = 0.15;

/// Puts `article` first among `reply`'s candidates and answers with it
/// when it ranks within `margin` (in fused score) of the first and the
/// engine did not hand off.
fn stay_on(reply: &mut Reply, article: &str, margin: f32) {
    let Some(first) = reply.candidates.first().map(|c| c.fused) else {
        return;
    };
    let Some(at) = reply.candidates.iter().position(|c| c.article_id == article) else {
        return;
    };
    if at == 0 || reply.candidates[at].fused + margin < first || reply.decision == Decision::Handoff {
        return;
    }
    keep_topic(reply, article, false);
}

/// Answers with `article` first, ranked or not: the message only qualifies
/// the topic, so the ranking of the two together says nothing against it.
/// Left among the top candidates it keeps its scores; brought in from below
/// them it takes the first's, the reading it now stands on. An article a
/// person must always take goes to a person again.
fn keep_topic(reply: &mut Reply, article: &str, always_handoff: bool) {
    let kept = match reply.candidates.iter().position(|c| c.article_id == article) {
        Some(at) => reply.candidates.remove(at),
        None => match reply.candidates.first() {
            Some(first) => crate::rank::Scores {
                article_id: article.to_string(),
                ..first.clone()
            },
            None => return,
        },
    };
    reply.candidates.insert(0, kept);
    reply.candidates.truncate(SUGGESTIONS);
    if always_handoff {
        reply.decision = Decision::Handoff;
        reply.handoff_reason = Some(HandoffReason::AlwaysHandoff);
    } else {
        reply.decision = Decision::Answer;
        reply.handoff_reason = None;
    }
}

/// Whether a message only adds a pasted address or transaction id to the
/// topic ("the address i sent to is 0x57FF…", "txid: 0x99b8…"): what is left
/// without the code is a short remark.
fn only_adds_a_code(normalized: &str) -> bool {
    let rest = without_codes(normalized);
    rest.len() < normalized.len() && length(&rest) <= 12
}

/// Whether a message asks something, rather than only tells ("我是海外手机号",
/// "试了好几次了"): a question word, or a wish ("我想", "i want").
fn asks(normalized: &str) -> bool {
    // "好几次" is "several times", not "how many".
    let normalized = if normalized.contains("好几") {
        std::borrow::Cow::Owned(normalized.replace("好几", ""))
    } else {
        std::borrow::Cow::Borrowed(normalized)
    };
    ASKING
        .iter()
        .chain(WISHING)
        .any(|w| crate::text::begins_word(&normalized, w))
        || weighs_yes_and_no(&normalized)
}

/// A yes-or-no question asked by a word and its negation ("行不行", "对不对",
/// "有没有", "要不要"): one more way Chinese asks without 吗.
fn weighs_yes_and_no(normalized: &str) -> bool {
    let chars: Vec<char> = normalized.chars().collect();
    chars
        .windows(3)
        .any(|w| matches!(w[1], '不' | '没') && w[0] == w[2] && crate::text::is_han(w[0]))
}

/// Words that make a statement a request.
const WISHING: &[&str] = &[
    "我要", "我想", "想要", "帮我", "请帮", "i want", "i need", "i'd like", "help me",
];

/// Words around a coin or network that add nothing ("用的bep20", "是BSC链上的").
const QUALIFYING: &[&str] = &[
    "用的",
    "用",
    "走",
    "链上",
    "链",
    "网络",
    "的话",
    "上",
    "如果是",
    "换成",
    "via",
    "with",
    "using",
    "network",
    "chain",
    "if",
    "instead",
];

/// Whether a message only names coins, networks or wallets, with words that
/// add nothing ("trc20的话呢", "and on trc20?", "用的bep20").
fn only_a_qualifier(normalized: &str, entities: &crate::corpus::Entities) -> bool {
    let names = entities
        .entities
        .iter()
        .filter(|e| matches!(e.kind, EntityKind::Coin | EntityKind::Network | EntityKind::Wallet))
        .flat_map(|e| e.names.iter().map(String::as_str));
    let named: Vec<&str> = names.filter(|n| crate::text::contains_word(normalized, n)).collect();
    !named.is_empty() && leaves_little(normalized, named.into_iter().chain(QUALIFYING.iter().copied()))
}

/// How long a message reads: Chinese characters, and Latin words counted
/// twice (a word says about as much as two characters).
fn length(normalized: &str) -> usize {
    let han = normalized
        .chars()
        .filter(|c| crate::text::is_chinese(c.encode_utf8(&mut [0; 4])))
        .count();
    let words = normalized
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    han + 2 * words
}

/// Whether a question leans on what came before: short, or starting like a
/// continuation, or pointing back ("多久收一次", "是BSC链上的", "and on trc20?").
fn leans_on_context(reading: &Reading, normalized: &str) -> bool {
    let length = length(normalized);
    let continuing = CONTINUING.iter().any(|w| normalized.starts_with(w));
    let pointing = POINTING.iter().any(|w| normalized.contains(w));
    let names_only_a_detail =
        reading.names(EntityKind::Network) || reading.names(EntityKind::Coin) || reading.names(EntityKind::Wallet);
    length <= 12 || continuing || (pointing && length <= 24) || (names_only_a_detail && length <= 10)
}

/// Words that turn a reaction into a new complaint ("好的谢谢 可是还是没到",
/// "thanks but i still got nothing").
const CONTRASTING: &[&str] = &[
    "但", "可是", "不过", "还是", "仍", "依然", "又", "却", "but", "still", "however", "though", "again", "yet",
];

/// Words that open a realization ("原来要先认证", "oh so it's every 8h").
const REALIZING: &[&str] = &[
    "原来",
    "oh so ",
    "ah so ",
    "so thats why",
    "so that's why",
    "thats why",
    "that's why",
];

/// Whether a message opens with a realization, after any interjection
/// ("哦哦 原来要先认证"); "原来的号码" (the old number) is none.
fn realizes(normalized: &str) -> bool {
    let bare = normalized.trim_start_matches(|c: char| c.is_whitespace() || INTERJECTIONS.contains(&c));
    REALIZING.iter().any(|w| bare.starts_with(w)) && !bare.starts_with("原来的")
}

/// The longest remark, in [`length`], read as a reaction to an answer.
const REACTION_LENGTH: usize = 16;

/// Whether a message only reacts to the answer just given: thanks, an
/// acknowledgement, a goodbye or a complaint about the bot beside a short
/// remark that asks nothing and would only bring the same topic back
/// ("every 8 hrs got it", "原来是改了密码的原因 懂了", "csv works, thank u").
/// Answering it with the article again would be answering nobody. A
/// negation is a new complaint ("谢谢 还是没到账") unless the message closes
/// on the acknowledgement ("截图不行 要水电账单 好吧"): then the user has
/// taken the answer in.
fn only_reacts(
    conversation: &Conversation,
    intent: Intent,
    rest: &str,
    reading: &Reading,
    ranked: &Ranked,
    reply: &BotReply,
) -> bool {
    let Some(topic) = live_topic(conversation) else {
        return false;
    };
    let t = &reading.triage;
    let closing = matches!(
        intent,
        Intent::Thanks | Intent::Acknowledgement | Intent::Goodbye | Intent::Complaint
    );
    let troubled = t.lost_funds || t.lost_funds_weak || t.angry || t.unrelated || t.investment_advice;
    let message = crate::text::squeeze(&reading.normalized);
    let closes_on_it = !rest.is_empty()
        && !message
            .trim_end_matches(crate::text::is_filler)
            .ends_with(&crate::text::squeeze(rest));
    // Negation anywhere else: "没有" closes "垃圾箱也翻了 没有" as a goodbye
    // would, and "没有" is no acknowledgement.
    let negated = NEGATING.iter().any(|w| reading.normalized.contains(w))
        && !(closes_on_it && matches!(intent, Intent::Acknowledgement | Intent::Thanks | Intent::Complaint));
    let remark = !asks(rest)
        && !negated
        && !CONTRASTING
            .iter()
            .any(|w| crate::text::contains_word(&reading.normalized, w))
        && length(rest) <= REACTION_LENGTH;
    let same_topic = ranked.with_topic || reply.article.as_ref().is_some_and(|a| a.id == topic.article);
    // "thanks, blocked him": a remark no article matches brings up nothing.
    let nothing_else = reply.decision == Decision::Handoff && reply.handoff_reason.is_some_and(HandoffReason::unsure);
    closing && !troubled && remark && (same_topic || nothing_else)
}

/// Words that make a clause a question.
const ASKING: &[&str] = &[
    "吗",
    "么",
    "怎么",
    "如何",
    "为什么",
    "为啥",
    "多久",
    "多少",
    "几",
    "能不能",
    "可不可以",
    "是否",
    "啥",
    "什么",
    "哪",
    "呢",
    "？",
    "?",
    "how",
    "why",
    "what",
    "when",
    "where",
    "can ",
    "could",
    "is it",
    "does",
    "do i",
    "should",
];

/// In a long message (several clauses), the clauses that ask something,
/// last first, and the last clause: ranked on their own, one of them is
/// often surer than the whole, whose story pulls elsewhere.
fn asked_clauses(question: &str) -> Vec<String> {
    let clauses: Vec<&str> = question
        .split(['，', '。', '！', '？', ',', '.', '!', '?', ';', '；', '\n'])
        .flat_map(|c| c.split("但是").flat_map(|c| c.split(" but ")))
        .map(str::trim)
        .filter(|c| c.chars().count() >= 2)
        .collect();
    let length: usize = clauses.iter().map(|c| c.chars().count()).sum();
    if clauses.len() < 2 || length < 24 {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    let asking: Vec<&&str> = clauses
        .iter()
        .filter(|c| ASKING.iter().any(|w| crate::text::begins_word(c, w)))
        .collect();
    if let Some(last) = asking.last() {
        out.push(last.to_string());
    }
    let tail = clauses[clauses.len().saturating_sub(2)..].join("，");
    if !out.contains(&tail) {
        out.push(tail);
    }
    out.truncate(2);
    out
}

/// Words that withdraw a request for a person while waiting.
const CANCELLING: &[&str] = &[
    "取消转人工",
    "取消人工",
    "不用转人工",
    "不用人工",
    "不需要人工",
    "不要人工",
    "不找人工",
    "不用客服",
    "不用转真人",
    "不用找真人",
    "不用真人",
    "不需要真人",
    "不用找人工",
    "不用转了",
    "不用转接",
    "不需要转了",
    "不要转了",
    "问题已解决",
    "问题解决了",
    "已经解决",
    "已解决",
    "自己解决了",
    "自己找到了",
    "我找到了",
    "搞定了",
    "cancel the request",
    "cancel my request",
    "cancel request",
    "cancel the handoff",
    "cancel the agent",
    "cancel the human",
    "nvm",
    "don't need a human",
    "dont need a human",
    "no longer need",
    "never mind",
    "nevermind",
    "solved it",
    "figured it out",
    "all good now",
    "it's fine now",
    "its fine now",
    "no need for a human",
    "no need for an agent",
    "don't need an agent",
    "dont need an agent",
    "don't need the agent",
    "dont need the agent",
    "don't need the human",
    "dont need the human",
    "don't need a person",
    "dont need a person",
    "no need for the agent",
    "no need to transfer",
    "i'm fine now",
];
/// Whole messages that withdraw it ("不用了", "cancel"): as part of a
/// longer message these words mean other things ("cancel an order").
const CANCELLING_ALONE: &[&str] = &[
    "不用了",
    "没事了",
    "解决了",
    "算了",
    "那算了",
    "取消",
    "取消吧",
    "cancel",
    "solved",
    "no need",
    "resolved",
];
/// Words that say a problem went away ("it works now", "收到了").
const RESOLVED: &[&str] = &[
    "好了",
    "可以了",
    "解决了",
    "收到了",
    "到账了",
    "没事了",
    "明白了",
    "看到了",
    "找到了",
    "搞定了",
    "works now",
    "it works",
    "working now",
    "fixed",
    "found it",
    "got it",
    "arrived",
    "sorted",
    "figured it out",
    "resolved",
    "回来了",
    "刚到",
    "已经到了",
    "is back",
    "came back",
    "went through",
    "got it back",
    "拉黑",
    "屏蔽了",
    "举报了",
    "blocked him",
    "blocked them",
    "blocked it",
    "reported him",
    "reported them",
    "received it",
    "showed up",
    "came in",
];
/// Words that undo such a report ("还没好了", "not fixed").
const NEGATING: &[&str] = &["没", "不", "未", "not", "n't", "no "];

/// Whether what is left beside thanks or an acknowledgement only tells that
/// the problem is solved ("ok closed the position and it works now.
/// thanks!"): small talk, not a question.
fn reports_resolution(rest: &str) -> bool {
    RESOLVED.iter().any(|w| rest.contains(w)) && !NEGATING.iter().any(|w| rest.contains(w)) && !asks(rest)
}

/// Words that put a plan off ("先不注销了", "那我明天再提") or close the
/// matter with relief ("差点就转了").
const PUTTING_OFF: &[&str] = &[
    "先不",
    "就不",
    "暂时不",
    "不打算",
    "不弄了",
    "不搞了",
    "不折腾了",
    "明天再",
    "等会再",
    "等会儿再",
    "晚点再",
    "回头再",
    "以后再",
    "下次再",
    "差点",
    "幸好",
    "好险",
    "吓死",
    "not now",
    "maybe later",
    "later today",
    "tomorrow then",
    "close call",
];

/// Whether what is left beside an acknowledgement, thanks or a dismissal
/// only puts the user's plan off or closes the matter ("算了 先不注销了
/// 谢谢", "行吧 那我明天再提", "谢谢提醒 差点就转了"): small talk, not a
/// question.
fn puts_off(rest: &str) -> bool {
    PUTTING_OFF.iter().any(|w| rest.contains(w)) && !asks(rest)
}

/// Words of the user's own next step ("我去提交", "换个网络试试", "i'll wait").
const NEXT_STEP: &[&str] = &[
    "我去",
    "我先",
    "我再",
    "我这就",
    "我马上",
    "我现在去",
    "试试",
    "先小额",
    "i'll",
    "ill",
    "i will",
    "let me",
];

/// Whether what is left beside an acknowledgement, thanks or a goodbye only
/// tells the user's next step ("好 我去提交 谢了", "ok ill wait then. bye"),
/// with no problem in it ("谢谢 我去提币了 但是没到账" is one).
fn states_next_step(rest: &str) -> bool {
    NEXT_STEP.iter().any(|w| crate::text::contains_word(rest, w))
        && !NEGATING.iter().any(|w| rest.contains(w))
        && !asks(rest)
}

/// Words that open a message dismissing the request ("算了", "never mind").
const DISMISSING: &[&str] = &["算了", "不用了", "没事了", "那算了", "never mind", "nevermind"];
/// Sounds that open a message without meaning anything ("哦", "嗯").
const INTERJECTIONS: &[char] = &['哦', '噢', '嗯', '啊', '唉', '哎', '呃'];
/// Words that may sit beside those without meaning more ("好了，不用了").
const SOFT_ALONE: &[&str] = &["好了", "好的", "ok", "okay", "thanks", "谢谢", "嗯"];

/// Whether the user withdraws their request for a person: a phrase that
/// says so, or a message made only of the short ones ("算了不用了").
fn cancels_handoff(normalized: &str) -> bool {
    if CANCELLING.iter().any(|w| normalized.contains(w)) {
        return true;
    }
    let mut rest: String = normalized
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    // "算了不用了 信刚刚收到了 取消": a dismissal first, then only a statement.
    // "哦不用了 算了", "哦等等 刚收到回复了 不用了": a dismissal opening or
    // closing a message that asks nothing.
    let bare = rest.trim_matches(|c: char| c.is_whitespace() || INTERJECTIONS.contains(&c));
    if DISMISSING.iter().any(|w| bare.starts_with(w) || bare.ends_with(w)) && !asks(&rest) {
        return true;
    }
    let strong = CANCELLING_ALONE.iter().any(|w| rest.contains(w));
    let mut words: Vec<&str> = CANCELLING_ALONE.iter().chain(SOFT_ALONE).copied().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for w in words {
        rest = rest.replace(w, " ");
    }
    strong && rest.trim().is_empty()
}

/// Words of someone in the queue asking how long it will be.
const WAIT_QUESTIONS: &[&str] = &[
    "还要等多久",
    "要等多久",
    "等多久",
    "还要多久",
    "多久有人",
    "什么时候有人",
    "怎么还没人",
    "还没人",
    "排到我",
    "排队",
    "how long do i have to wait",
    "how long will it take for",
    "how long is the wait",
    "when will someone",
    "when will an agent",
    "still waiting",
    "anyone coming",
];

/// Whether a waiting user asks about the wait itself.
fn asks_about_the_wait(normalized: &str) -> bool {
    normalized.chars().count() <= 20 && WAIT_QUESTIONS.iter().any(|w| normalized.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_offer_their_asking_clauses() {
        let clauses = asked_clauses(
            "我昨天晚上从别的交易所转了500U过来，用的是TRC20网络，那边显示已经完成了，但是我这边一直没到账，这是怎么回事",
        );
        assert_eq!(clauses[0], "这是怎么回事");
        assert_eq!(clauses.len(), 2);
        assert!(asked_clauses("怎么提币").is_empty());
    }

    #[test]
    fn a_word_and_its_negation_ask() {
        for q in ["那我换bep20提行不行", "有没有别的办法", "是不是要实名", "能不能快点"] {
            assert!(asks(&crate::text::normalize(q)), "{q}");
        }
        for q in ["好的 我去试试", "不行", "没有到", "不得不说"] {
            assert!(!weighs_yes_and_no(&crate::text::normalize(q)), "{q}");
        }
    }

    #[test]
    fn a_mistake_the_user_denies_is_not_ranked() {
        assert_eq!(
            without_denied_mistakes("trc20 网络没选错 一个多小时了")
                .split_whitespace()
                .count(),
            3
        );
        assert!(!without_denied_mistakes("网络是对的 还没到").contains("网络是对的"));
        assert!(!without_denied_mistakes("i didn't pick the wrong network").contains("wrong"));
        assert_eq!(without_denied_mistakes("网络选错了怎么办"), "网络选错了怎么办");
    }

    #[test]
    fn aspects_of_a_topic_are_not_new_topics() {
        for q in [
            "要手续费吗",
            "多久收一次",
            "and how long does it take?",
            "最少能提多少",
            "为什么这么贵",
        ] {
            assert!(only_an_aspect(&crate::text::normalize(q)), "{q}");
        }
        for q in [
            "怎么撤单",
            "那怎么调杠杆",
            "how do i cancel an open order",
            "提币手续费多少",
        ] {
            assert!(!only_an_aspect(&crate::text::normalize(q)), "{q}");
        }
    }

    #[test]
    fn cancelling_a_request_for_a_person() {
        assert!(cancels_handoff("问题已解决,取消转人工"));
        assert!(cancels_handoff("never mind, i figured it out"));
        assert!(!cancels_handoff("提币要多久"));
        assert!(cancels_handoff("算了不用了"));
        assert!(
            !cancels_handoff("好的"),
            "an acknowledgement alone is not a cancellation"
        );
        assert!(!cancels_handoff("cancel an open order"));
        assert!(cancels_handoff("算了不用了 我自己找到了 取消吧"));
        assert!(!cancels_handoff("取消订单"));
        assert!(cancels_handoff("算了 我自己找到设定在哪了 不用转真人了"));
        assert!(!cancels_handoff("不用转账了吗"));
        assert!(cancels_handoff("算了不用了 信剛剛收到了 取消"));
        assert!(cancels_handoff(
            "actually nvm, it's unlocked now. cancel the agent request"
        ));
        assert!(!cancels_handoff("算了 那怎么提币"));
        assert!(cancels_handoff("哦不用了 算了"));
        assert!(cancels_handoff("哦等等 刚收到回复了 不用了"));
        assert!(!cancels_handoff("刚收到回复 说还要等 不用了吗"));
    }

    #[test]
    fn an_opening_word_marks_another_question() {
        for text in [
            "另外想问下vip等级是看什么升的",
            "还有个事 上周转错币了",
            "btw what do you charge per trade",
            "對了 今天天氣如何",
        ] {
            assert!(opens_another_question(&crate::text::normalize(text)), "{text}");
        }
        for text in ["还有别的办法吗", "那手续费呢", "also?", "and how long does it take?"] {
            assert!(!opens_another_question(&crate::text::normalize(text)), "{text}");
        }
    }

    #[test]
    fn a_realization_opens_a_reaction() {
        for text in ["原来要先认证", "哦哦 原来是这样算的", "oh so its every 8 hours"] {
            assert!(realizes(&crate::text::normalize(text)), "{text}");
        }
        for text in ["原来的号码已经停用了", "so how do i withdraw"] {
            assert!(!realizes(&crate::text::normalize(text)), "{text}");
        }
    }

    #[test]
    fn asking_words_are_found_where_words_start() {
        assert!(asks("whats the daily limit"));
        assert!(asks("要几天"));
        assert!(!asks("oh wait it just showed up"));
    }

    #[test]
    fn the_users_next_step_is_not_a_question() {
        for rest in ["我去提交", "那好吧 我换个网络试试", "ill wait then", "先小额试试"] {
            assert!(states_next_step(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in [
            "我去提币了 但是没到账",
            "let me know how to withdraw",
            "我再试试还是不行怎么办",
        ] {
            assert!(!states_next_step(&crate::text::normalize(rest)), "{rest}");
        }
    }

    #[test]
    fn putting_a_plan_off_is_not_a_question() {
        for rest in [
            "先不注销了",
            "那我就不提了",
            "not now, maybe later",
            "那我明天再提",
            "差点就转了",
        ] {
            assert!(puts_off(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in ["先不提币的话 资产安全吗", "why can't I withdraw now", "充值还是没到账"] {
            assert!(!puts_off(&crate::text::normalize(rest)), "{rest}");
        }
    }

    #[test]
    fn thanks_for_a_solved_problem_is_small_talk() {
        for rest in [
            "ok closed the position and it works now",
            "刚看到了",
            "已经收到了",
            "done, the money is back",
            "币退回来了",
            "刚到了",
        ] {
            assert!(reports_resolution(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in [
            "我转到了错误地址",
            "还是没收到",
            "it still isn't fixed",
            "收到了但是少了 怎么回事",
            "提币到错误地址",
        ] {
            assert!(!reports_resolution(&crate::text::normalize(rest)), "{rest}");
        }
    }

    #[test]
    fn a_loss_told_and_a_plain_how_to_are_told_apart() {
        for text in [
            "got a new phone and google authenticator is empty, cant log in anymore",
            "我手机掉了 web3钱包的助记词也没抄 还找得回来吗",
            "充了500u 现在还没到账 也找不到记录",
        ] {
            assert!(tells_a_problem(text), "{text}");
        }
        for text in ["谷歌验证码一直提示错误", "怎么充值", "how do i deposit eth"] {
            assert!(!tells_a_problem(text), "{text}");
        }
        assert!(asks_how("怎么deposit eth 从小狐狸转过来"));
        assert!(asks_how("how can i lower my fees"));
        for text in ["充值没到账怎么办", "那我现在该怎么做", "怎么还没到"] {
            assert!(!asks_how(text), "{text}");
        }
    }

    #[test]
    fn a_pasted_code_with_a_short_remark_only_adds_to_the_topic() {
        for text in [
            "the address i sent to is 0x57ff88f6eeba4b0fb5a109e1d8eecf08d7cb18a4",
            "txid: 0x99b8510fd70f68597358ae7fde2a2484afece279c7ac68c91b464418216c206c",
            "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
        ] {
            assert!(only_adds_a_code(&text.to_lowercase()), "{text}");
        }
        for text in [
            "提币多久到账",
            "txid",
            "i sent usdt to 0x57ff88f6eeba4b0fb5a109e1d8eecf08d7cb18a4 three hours ago and the exchange says completed but nothing arrived",
        ] {
            assert!(!only_adds_a_code(text), "{text}");
        }
    }

    #[test]
    fn a_coin_or_network_alone_qualifies_the_topic() {
        let entities = crate::corpus::Entities {
            entities: vec![
                crate::corpus::Entity {
                    id: "TRC20".into(),
                    kind: EntityKind::Network,
                    names: vec!["trc20".into(), "波场".into()],
                    terms: vec![],
                    chain: None,
                    explorer: None,
                    networks: vec![],
                },
                crate::corpus::Entity {
                    id: "BEP20".into(),
                    kind: EntityKind::Network,
                    names: vec!["bep20".into(), "bsc".into()],
                    terms: vec![],
                    chain: None,
                    explorer: None,
                    networks: vec![],
                },
            ],
            kind_terms: vec![],
        };
        for q in ["trc20的话呢", "用的bep20", "是BSC链上的", "and on trc20?", "走波场"] {
            assert!(only_a_qualifier(&crate::text::normalize(q), &entities), "{q}");
        }
        for q in [
            "trc20提币怎么操作",
            "bep20充值没到账",
            "要手续费吗",
            "how do i withdraw on trc20",
        ] {
            assert!(!only_a_qualifier(&crate::text::normalize(q), &entities), "{q}");
        }
    }

    #[test]
    fn telling_is_not_asking() {
        for q in ["我是海外手机号", "试了好几次了", "用的bep20", "已经两天了还在审核中"] {
            assert!(!asks(&crate::text::normalize(q)), "{q}");
        }
        for q in ["怎么撤单", "我想改绑手机", "can I change it later?", "要手续费吗"] {
            assert!(asks(&crate::text::normalize(q)), "{q}");
        }
    }

    #[test]
    fn a_follow_up_stays_on_an_answered_topic_it_nearly_matches() {
        let scores = |id: &str, fused: f32| crate::rank::Scores {
            article_id: id.into(),
            bm25: 0.0,
            similarity: 0.0,
            fused,
        };
        let reply = |candidates| Reply {
            decision: Decision::Answer,
            confidence: 0.8,
            handoff_reason: None,
            candidates,
            embedding_time: Duration::ZERO,
        };
        let mut near = reply(vec![
            scores("deposit-wrong-network", 2.95),
            scores("deposit-not-arrived", 2.93),
        ]);
        stay_on(&mut near, "deposit-not-arrived", STAY_MARGIN);
        assert_eq!(top(&near), Some("deposit-not-arrived"));
        let mut far = reply(vec![scores("funding-rate", 3.88), scores("trading-fees", 3.64)]);
        stay_on(&mut far, "trading-fees", STAY_MARGIN);
        assert_eq!(
            top(&far),
            Some("funding-rate"),
            "a clear reading of another article wins"
        );
        stay_on(&mut far, "trading-fees", f32::INFINITY);
        assert_eq!(
            top(&far),
            Some("trading-fees"),
            "but not over a message that only names another coin or network"
        );
    }
}
