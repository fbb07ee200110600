//! From a ranking to the bot's reply: the engine's decision with the
//! triage's overrides (lost funds, advice), small talk the phrase lists do
//! not have word for word, and a hand-off's priority.

use super::ranking::{Ranked, SURE};
use super::reading::Reading;
use super::{BotReply, CandidateNote, Policy, TurnError, Warning};
use crate::answer::Reply;
use crate::corpus::{EntityKind, HandoffPolicy, Intent, Lang};
use crate::domain::{ArticleId, Decision, HandoffReason, Priority};
use crate::engine::ArticleSummary;

impl Policy<'_> {
    /// Small talk the phrase lists do not have word for word ("hello, how's
    /// your day", "it was a pleasure talking to you"): a short message no
    /// article fits, nearer in meaning to a small-talk phrase than to any
    /// article. Only such a message is embedded a second time.
    pub(super) fn small_talk_in_other_words(
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
    pub(super) fn decide(&self, ranked: &Ranked, reading: &Reading, lang: Lang) -> BotReply {
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
    pub(super) fn in_domain(&self, reading: &Reading) -> bool {
        reading.mentions.iter().any(|m| m.kind != EntityKind::Region)
            || self.engine.lexicon().mentions_domain(&reading.normalized)
    }

    /// Whether article `id` always goes to a person (`handoff: always`).
    pub(super) fn always_hands_off(&self, id: &ArticleId) -> bool {
        self.engine
            .article(id)
            .is_some_and(|a| a.handoff == HandoffPolicy::Always)
    }

    pub(super) fn priority(&self, reply: &BotReply, reading: &Reading) -> Priority {
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
}

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

/// A question that asks for a prediction or advice ("明天比特币会涨吗") is
/// answered only when an article fits it this surely ("BTC会涨吗 怎么买BTC"
/// still gets the buying guide); else a person says the bot cannot advise.
const ADVICE_SURE: f32 = 0.8;

/// How far below the first an article a person must always take may be
/// ranked and still be the one shown with a hand-off for lost funds
/// (fused score).
const URGENT_MARGIN: f32 = 0.5;
