//! The corpus's everyday words, normalized once when the engine loads: the
//! small-talk phrases, the entity list, and the help center's own
//! vocabulary, which tells a question this desk should know ("提币卡住了")
//! from one it never will ("excel怎么合并单元格").

use std::collections::BTreeSet;

use super::normalize;
use crate::corpus::{Corpus, Entities, Entity, EntityKind, Intent};

/// Normalized words of a corpus.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Small-talk phrases by intent, in the file's order, normalized and
    /// without spaces (see [`squeeze`]).
    pub small_talk: Vec<(Intent, Vec<String>)>,
    /// The entity list with normalized names and terms.
    pub entities: Entities,
    /// Words of the help center: its dictionary, synonyms, article tags,
    /// entity names and the words for their kinds, normalized; none shorter
    /// than two characters.
    vocabulary: Vec<String>,
}

impl Lexicon {
    /// The lexicon of `corpus`.
    pub fn of(corpus: &Corpus) -> Lexicon {
        let small_talk = corpus
            .small_talk
            .intents
            .iter()
            .map(|i| {
                let mut phrases: Vec<String> = i.phrases.iter().map(|p| small_talk_phrase(p)).collect();
                phrases.retain(|p| !p.is_empty());
                phrases.dedup();
                (i.intent, phrases)
            })
            .collect();
        let entities = Entities {
            entities: corpus
                .entities
                .entities
                .iter()
                .map(|e| {
                    let mut names: Vec<String> = e.names.iter().map(|n| normalize(n)).collect();
                    names.sort();
                    names.dedup();
                    Entity {
                        names,
                        terms: e.terms.iter().map(|t| normalize(t)).collect(),
                        ..e.clone()
                    }
                })
                .collect(),
            kind_terms: corpus
                .entities
                .kind_terms
                .iter()
                .map(|(k, terms)| (*k, terms.iter().map(|t| normalize(t)).collect()))
                .collect(),
        };
        let mut words: BTreeSet<String> = BTreeSet::new();
        let dictionary = corpus
            .dictionary
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_whitespace().next());
        let synonyms = corpus
            .synonyms
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split(','));
        let tags = corpus.articles.iter().flat_map(|a| a.tags.iter().map(String::as_str));
        for word in dictionary.chain(synonyms).chain(tags) {
            words.insert(normalize(word));
        }
        // A country is no word of the help center ("weather in singapore").
        for entity in entities.entities.iter().filter(|e| e.kind != EntityKind::Region) {
            words.extend(entity.names.iter().cloned());
        }
        // "crypto", "wallet", "交易所": what the named things are called.
        for (_, terms) in &entities.kind_terms {
            words.extend(terms.iter().cloned());
        }
        words.retain(|w| w.chars().count() >= 2 && !GENERIC.contains(&w.as_str()));
        Lexicon {
            small_talk,
            entities,
            vocabulary: words.into_iter().collect(),
        }
    }

    /// Whether `normalized` text uses a word of the help center (a Latin
    /// word only as a whole word).
    pub fn mentions_domain(&self, normalized: &str) -> bool {
        self.vocabulary.iter().any(|w| contains_word(normalized, w))
    }
}

/// Words of the corpus's lists that everyone uses about anything: they do
/// not make a question the help center's.
const GENERIC: &[&str] = &[
    "code",
    "phone",
    "phone number",
    "mail",
    "email",
    "e-mail",
    "history",
    "records",
    "order",
    "card",
    "country",
    "region",
    "buy",
    "sell",
    "password",
    "account",
    "app",
    "平台",
    "国家",
    "地区",
    "手机",
    "手机号",
    "手机号码",
    "邮箱",
    "购买",
    "密码",
    "订单",
    "银行卡",
    "信用卡",
    "历史记录",
    "账单",
    "升级",
];

/// Characters and particles that carry no meaning on their own in small
/// talk: punctuation, emoji, and 啊, 呀, 呢…, which a message is read without
/// at its ends.
pub fn is_filler(c: char) -> bool {
    !c.is_alphanumeric()
        || matches!(
            c,
            '啊' | '呀' | '哦' | '噢' | '呢' | '吧' | '啦' | '嘛' | '呐' | '哇' | '喔' | '嘞' | '咯' | '喇' | '噃'
        )
}

/// A particle that only ends a phrase ("认栽了", "知道了"): phrases are
/// compared without it, and a message is small talk when it is all that is
/// left; a question keeps it ("谢谢 看到了" reports what happened).
pub const FINAL_PARTICLE: char = '了';

/// A small-talk phrase as messages are compared with it: normalized, without
/// spaces, and without the particles at its ends that a message's ends are
/// read without ("你能干嘛" is "你能干", "认栽了" is "认栽").
pub fn small_talk_phrase(phrase: &str) -> String {
    squeeze(&super::to_mandarin(&normalize(phrase)))
        .trim_start_matches(is_filler)
        .trim_end_matches(|c| is_filler(c) || c == FINAL_PARTICLE)
        .to_string()
}

/// Normalized text without its spaces: small-talk phrases and messages are
/// compared this way, so "thank you" and "thankyou", "你 好" and "你好" meet.
pub fn squeeze(normalized: &str) -> String {
    normalized.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `word` occurs in `text`, as a whole word when it starts or ends
/// with a Latin letter or digit ("u" is not in "usdt"; "500u" has it).
pub fn contains_word(text: &str, word: &str) -> bool {
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let starts_latin = word.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_latin = word.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    occurrences(text, word).any(|at| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let glued = (starts_latin && latin(before)) || (ends_latin && latin(after));
        !glued
    })
}

/// Whether `word` starts a word of `text` when it starts with a Latin
/// letter or digit: "how" is in "hows it going" but not in "showed up".
pub fn begins_word(text: &str, word: &str) -> bool {
    let starts_latin = word.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    occurrences(text, word)
        .any(|at| !(starts_latin && text[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphabetic())))
}

/// Where `word` starts in `text`. The texts are a chat message and the
/// words a few hundred short names, so comparing wherever the first byte
/// matches beats building a searcher for each (`str::match_indices` set-up
/// was a sixth of a cached chat turn's CPU under load).
pub fn occurrences<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    let needle = word.as_bytes();
    let first = needle.first().copied();
    (0..bytes.len())
        .filter(move |&at| first == Some(bytes[at]) && bytes[at..].starts_with(needle) && text.is_char_boundary(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled corpus's vocabulary: the help center's words make a
    /// question its own, everyday ones do not.
    #[test]
    fn words_are_found_whole() {
        assert!(contains_word("怎么withdraw到metamask", "withdraw"));
        assert!(contains_word("用trc20网络", "trc20"));
        assert!(!contains_word("ethereum", "eth"));
        assert!(contains_word("eth ethereum", "ethereum"));
        assert!(!contains_word("", "eth"));
        assert_eq!(occurrences("以太坊 以太", "以太").collect::<Vec<_>>(), [0, 10]);
    }

    #[test]
    fn asking_words_start_words() {
        assert!(begins_word("hows it going", "how"));
        assert!(begins_word("ok. how", "how"));
        assert!(!begins_word("it just showed up", "how"));
        assert!(begins_word("多久能到", "多久"));
    }

    #[test]
    fn the_help_centers_words_and_no_others() {
        let corpus = Corpus::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")))
            .unwrap_or_else(|e| panic!("{e}"));
        let lexicon = Lexicon::of(&corpus);
        for q in ["im done with crypto", "提币卡住了", "小狐狸怎么连", "which wallet"] {
            assert!(lexicon.mentions_domain(&normalize(q)), "{q}");
        }
        for q in [
            "what's the weather tomorrow",
            "帮我写作业",
            "my phone number",
            "台风什么时候来",
        ] {
            assert!(!lexicon.mentions_domain(&normalize(q)), "{q}");
        }
    }
}
