//! The turn step by step ([`Policy::turn`]'s body): an agent's
//! conversation, withdrawing a request for a person, small talk, a scam,
//! a request for a person, a pick, then a question ranked and decided, and
//! what is said before the reply. The steps' rules live in the sibling
//! modules; this one only orders them.

use std::time::Duration;

use super::asking::{only_reacts, realizes, weighs_yes_and_no};
use super::closing::{asks_about_the_wait, cancels_handoff, puts_off, reports_resolution, states_next_step};
use super::ranking::Asked;
use super::reading::Reading;
use super::topic::{aged, leans_on_context, live_topic, only_a_qualifier, topic_to_follow};
use super::{
    addresses, figures, replies, reply_text, small_talk, BotReply, Conversation, Details, Outcome, Policy,
    TicketChange, TicketState, TurnError, UserMessage, Warning, SCAM_ARTICLE,
};
use crate::corpus::{EntityKind, Intent, Lang};
use crate::domain::{ArticleId, Decision, HandoffReason, Priority};

impl Policy<'_> {
    pub(super) fn reply_to(
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
            let mut reply = BotReply::handoff(
                HandoffReason::ScamByStaff,
                0.0,
                self.summary(&ArticleId::known(SCAM_ARTICLE), lang),
            );
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

    pub(super) fn small_talk(&self, intent: Intent, lang: Lang, conversation: &Conversation, _typed: bool) -> Outcome {
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

    pub(super) fn outcome(
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
}
