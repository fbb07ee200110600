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
mod asking;
mod closing;
mod deciding;
pub mod details;
mod figures;
mod need;
mod ranking;
pub mod reading;
pub mod replies;
pub mod small_talk;
mod topic;
mod turn;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::answer::Reply;
use crate::corpus::{Intent, Lang};
use crate::domain::{ArticleId, Details};
use crate::domain::{Decision, HandoffReason, Priority};
use crate::engine::{ArticleSummary, Engine};
use crate::rank::RankError;
use reading::Reading;

/// The article every safety warning links to.
pub const SCAM_ARTICLE: &str = "recognize-scams";

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
    pub id: ArticleId,
    /// Fused ranking score.
    pub score: f32,
}

/// What the conversation is about: the article last answered and the
/// question that led to it, so a follow-up can be read against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The article.
    pub article: ArticleId,
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
    pub picked: Option<&'a ArticleId>,
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

    /// How an answer shows article `id`.
    pub fn summary(&self, id: &ArticleId, lang: Lang) -> Option<ArticleSummary> {
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
