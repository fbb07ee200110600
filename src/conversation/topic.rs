//! The conversation's topic: what it is after a reply, how long it lives,
//! and whether a message leans on it (short, continuing, pointing back, only
//! an aspect, a coin or network, or a pasted code) or opens another question.

use super::ranking::{without_codes, Ranked};
use super::reading::Reading;
use super::{replies, BotReply, CandidateNote, Conversation, Policy, TicketChange, Topic};
use crate::corpus::{EntityKind, Lang};
use crate::domain::{ArticleId, Decision, HandoffReason, Priority};

impl Policy<'_> {
    /// The topic after `reply`: its article when it answered (a follow-up
    /// keeps the question that set the topic), else the old one, a turn older.
    pub(super) fn next_topic(&self, conversation: &Conversation, reply: &BotReply, ranked: &Ranked) -> Option<Topic> {
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
    pub(super) fn picked_suggestion(
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
    pub(super) fn chosen_article(
        &self,
        id: &ArticleId,
        lang: Lang,
        normalized: &str,
        candidates: Vec<CandidateNote>,
    ) -> Option<(BotReply, TicketChange)> {
        let article = self.summary(id, lang)?;
        let topic = Some(Topic {
            article: id.clone(),
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
}

/// A topic lasts this many user turns without being answered again.
const TOPIC_TURNS: u8 = 3;

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
pub(super) fn aged(conversation: &Conversation) -> Option<Topic> {
    let topic = conversation.last.as_ref()?.topic.clone()?;
    (topic.age + 1 < TOPIC_TURNS).then(|| Topic {
        age: topic.age + 1,
        ..topic
    })
}

/// The conversation's topic, unless it has faded.
pub(super) fn live_topic(conversation: &Conversation) -> Option<Topic> {
    conversation
        .last
        .as_ref()
        .and_then(|r| r.topic.clone())
        .filter(|t| t.age < TOPIC_TURNS)
}

/// The conversation's topic as one the message may follow: none when the
/// message opens another question ("另外…", and "对了，…" whose opening word
/// was read as small talk, hence both texts) or is about everyday life.
pub(super) fn topic_to_follow(conversation: &Conversation, reading: &Reading, question: &str) -> Option<Topic> {
    let another = opens_another_question(question) || opens_another_question(&reading.normalized);
    live_topic(conversation).filter(|_| !another && !reading.triage.unrelated)
}

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
pub(super) fn only_an_aspect(normalized: &str) -> bool {
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

/// Whether a message only adds a pasted address or transaction id to the
/// topic ("the address i sent to is 0x57FF…", "txid: 0x99b8…"): what is left
/// without the code is a short remark.
pub(super) fn only_adds_a_code(normalized: &str) -> bool {
    let rest = without_codes(normalized);
    rest.len() < normalized.len() && length(&rest) <= 12
}

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
pub(super) fn only_a_qualifier(normalized: &str, entities: &crate::corpus::Entities) -> bool {
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
pub(super) fn length(normalized: &str) -> usize {
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
pub(super) fn leans_on_context(reading: &Reading, normalized: &str) -> bool {
    let length = length(normalized);
    let continuing = CONTINUING.iter().any(|w| normalized.starts_with(w));
    let pointing = POINTING.iter().any(|w| normalized.contains(w));
    let names_only_a_detail =
        reading.names(EntityKind::Network) || reading.names(EntityKind::Coin) || reading.names(EntityKind::Wallet);
    length <= 12 || continuing || (pointing && length <= 24) || (names_only_a_detail && length <= 10)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
