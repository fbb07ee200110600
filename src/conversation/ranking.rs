//! Ranking a question in the conversation: the message alone, with the
//! words the articles use, together with the topic, and by its asking
//! clauses; the surest reading wins, with leans that keep a follow-up on its
//! topic and let a real switch leave it.

use std::time::Duration;

use super::asking::{asked_clauses, asks};
use super::reading::{self, Reading};
use super::topic::{leans_on_context, only_a_qualifier, only_adds_a_code, only_an_aspect, topic_to_follow};
use super::{Conversation, Policy, TurnError};
use crate::answer::{Reply, SUGGESTIONS};
use crate::corpus::Lang;
use crate::domain::{ArticleId, Decision, HandoffReason};

/// The question of a turn, as written and normalized once.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) text: &'a str,
    pub(super) normalized: &'a str,
}

/// A ranking of one text, and the text.
pub(super) struct Ranked {
    pub(super) reply: Reply,
    pub(super) query: String,
    /// Whether the text is the message read with the conversation's topic:
    /// the message is a follow-up, whatever its words.
    pub(super) with_topic: bool,
}

/// A confidence above which a reading is not tried with added words.
pub(super) const SURE: f32 = 0.9;

impl Policy<'_> {
    /// Ranks the question alone and, when it leans on the conversation or
    /// is long, the readings that might fit better; keeps the surest.
    pub(super) fn rank_question(
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
            let settled = best.reply.decision == Decision::Answer && top(&best.reply) == Some(&topic.article);
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

    /// Whether article `id`'s title (either language) uses a word of
    /// `normalized`: a content character of Chinese ("撤" of 撤单) or an
    /// English word of four letters or more ("cancel").
    fn title_has_words_of(&self, id: &ArticleId, normalized: &str) -> bool {
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

    /// Whether articles `a` and `b` are in the same category.
    pub(super) fn same_category(&self, a: &ArticleId, b: &ArticleId) -> bool {
        let category = |id: &ArticleId| self.engine.article(id).map(|a| a.category.as_str());
        category(a).is_some_and(|c| category(b) == Some(c))
    }
}

/// How much surer than the message read with the topic the message alone
/// must be when it points to another article of the topic's category: a
/// follow-up asking about a neighbouring matter ("多久能审完" after the KYC
/// steps) reads surer alone, and the topic's words pull the pair back.
const SIBLING_LEAD: f32 = 0.3;
/// The same for a message that says enough to stand alone (long, neither
/// continuing nor pointing back): read with the topic, it must be this much
/// surer to be taken as a follow-up.
const WHOLE_LEAD: f32 = 0.2;

pub(super) fn top(reply: &Reply) -> Option<&ArticleId> {
    reply.candidates.first().map(|c| &c.article_id)
}

/// Pasted addresses, transaction ids and other long codes: noise to the
/// ranking (issue: a TRON address made "提币到 T… 一直没到" unsure).
pub(super) fn without_codes(normalized: &str) -> String {
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

/// Chinese characters that carry no matter of their own (particles,
/// pronouns, question words, common verbs of asking).
const FUNCTION_CHARS: &str = "的了吗呢吧啊呀嘛是我你他她它们这那在有不没要能会就都也还和与或及把被给让从到对为以之于上下个么什怎哪多少几时候里边样再又很太更最可以得地着过如何请问想该";

/// How far below the best article, in fused score, the topic's article of
/// a follow-up may rank and still be the answer: a detail added to the
/// topic ("用的bep20" after a missing deposit) pulls a little toward the
/// article about that detail.
const STAY_MARGIN: f32 = 0.15;

/// Puts `article` first among `reply`'s candidates and answers with it
/// when it ranks within `margin` (in fused score) of the first and the
/// engine did not hand off.
pub(super) fn stay_on(reply: &mut Reply, article: &ArticleId, margin: f32) {
    let Some(first) = reply.candidates.first().map(|c| c.fused) else {
        return;
    };
    let Some(at) = reply.candidates.iter().position(|c| &c.article_id == article) else {
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
fn keep_topic(reply: &mut Reply, article: &ArticleId, always_handoff: bool) {
    let kept = match reply.candidates.iter().position(|c| &c.article_id == article) {
        Some(at) => reply.candidates.remove(at),
        None => match reply.candidates.first() {
            Some(first) => crate::rank::Scores {
                article_id: article.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_follow_up_stays_on_an_answered_topic_it_nearly_matches() {
        let scores = |id: &str, fused: f32| crate::rank::Scores {
            article_id: ArticleId::parse(id).unwrap(),
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
        stay_on(
            &mut near,
            &ArticleId::parse("deposit-not-arrived").unwrap(),
            STAY_MARGIN,
        );
        assert_eq!(top(&near).map(ArticleId::as_str), Some("deposit-not-arrived"));
        let mut far = reply(vec![scores("funding-rate", 3.88), scores("trading-fees", 3.64)]);
        stay_on(&mut far, &ArticleId::parse("trading-fees").unwrap(), STAY_MARGIN);
        assert_eq!(
            top(&far).map(ArticleId::as_str),
            Some("funding-rate"),
            "a clear reading of another article wins"
        );
        stay_on(&mut far, &ArticleId::parse("trading-fees").unwrap(), f32::INFINITY);
        assert_eq!(
            top(&far).map(ArticleId::as_str),
            Some("trading-fees"),
            "but not over a message that only names another coin or network"
        );
    }
}
