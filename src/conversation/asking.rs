//! Whether a message asks or only tells, the clauses of a long message
//! that ask, and a reaction to the answer just given (thanks, "原来如此")
//! that must not bring the same article back.

use super::closing::{INTERJECTIONS, NEGATING};
use super::ranking::Ranked;
use super::reading::Reading;
use super::topic::{length, live_topic};
use super::{BotReply, Conversation};
use crate::corpus::Intent;
use crate::domain::{Decision, HandoffReason};

/// Whether a message asks something, rather than only tells ("我是海外手机号",
/// "试了好几次了"): a question word, or a wish ("我想", "i want").
pub(super) fn asks(normalized: &str) -> bool {
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
pub(super) fn weighs_yes_and_no(normalized: &str) -> bool {
    let chars: Vec<char> = normalized.chars().collect();
    chars
        .windows(3)
        .any(|w| matches!(w[1], '不' | '没') && w[0] == w[2] && crate::text::is_han(w[0]))
}

/// Words that make a statement a request.
const WISHING: &[&str] = &[
    "我要", "我想", "想要", "帮我", "请帮", "i want", "i need", "i'd like", "help me",
];

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
pub(super) fn asked_clauses(question: &str) -> Vec<String> {
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
pub(super) fn realizes(normalized: &str) -> bool {
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
pub(super) fn only_reacts(
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
    fn telling_is_not_asking() {
        for q in ["我是海外手机号", "试了好几次了", "用的bep20", "已经两天了还在审核中"] {
            assert!(!asks(&crate::text::normalize(q)), "{q}");
        }
        for q in ["怎么撤单", "我想改绑手机", "can I change it later?", "要手续费吗"] {
            assert!(asks(&crate::text::normalize(q)), "{q}");
        }
    }
}
