//! What may be stored and what agents may see of a user's messages.
//!
//! Two jobs with different stakes:
//! - [`redact_secrets`] runs before anything is stored. A wallet seed phrase or
//!   private key gives away the user's funds to whoever reads it, so it never
//!   reaches the database, the logs or an agent's screen.
//! - [`mask_personal_data`] runs when an agent reads a transcript. Phone
//!   numbers, e-mail addresses, ID and passport numbers, bank card numbers and
//!   street addresses are partly hidden unless the agent's role may see them.

use std::sync::LazyLock;

use bip39::Language;
use regex::Regex;
use serde::Serialize;

/// A kind of secret found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    /// 12 or more BIP-39 words (English or Chinese word list).
    SeedPhrase,
    /// A raw 64-hex-digit key, a WIF key or an extended private key.
    PrivateKey,
}

impl Secret {
    fn placeholder(self) -> &'static str {
        match self {
            Secret::SeedPhrase => "[redacted: seed phrase]",
            Secret::PrivateKey => "[redacted: private key]",
        }
    }
}

/// A BIP-39 mnemonic has at least 12 words.
const SEED_WORDS: usize = 12;

/// Words that make a run of 64 hex digits a transaction id, not a key.
const TX_CUES: &[&str] = &[
    "txid",
    "tx id",
    "tx hash",
    "hash",
    "交易id",
    "交易哈希",
    "哈希",
    "交易号",
    "tx:",
    "tx ",
];

/// Words that say a run of unspaced Chinese characters is a mnemonic.
const SEED_CUES: &[&str] = &[
    "助记词",
    "助記詞",
    "种子",
    "種子",
    "mnemonic",
    "seed",
    "私钥",
    "私鑰",
    "recovery phrase",
];

static HEX_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:0[xX])?[0-9a-fA-F]{64}").expect("valid regex"));
static WIF_OR_XPRV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[5KL][1-9A-HJ-NP-Za-km-z]{50,51}|[xtyz]prv[1-9A-HJ-NP-Za-km-z]{100,108})\b").expect("valid regex")
});

/// Replaces every seed phrase and private key in `text` with a placeholder,
/// returning the redacted text and what was found (empty when nothing was).
pub fn redact_secrets(text: &str) -> (String, Vec<Secret>) {
    let mut spans: Vec<(usize, usize, Secret)> = Vec::new();
    spans.extend(
        english_seed_spans(text)
            .into_iter()
            .map(|(a, b)| (a, b, Secret::SeedPhrase)),
    );
    spans.extend(
        chinese_seed_spans(text)
            .into_iter()
            .map(|(a, b)| (a, b, Secret::SeedPhrase)),
    );
    for m in HEX_KEY.find_iter(text) {
        let isolated = !text[..m.start()].ends_with(|c: char| c.is_ascii_hexdigit())
            && !text[m.end()..].starts_with(|c: char| c.is_ascii_hexdigit());
        if isolated && !is_transaction_id(&text[..m.start()]) {
            spans.push((m.start(), m.end(), Secret::PrivateKey));
        }
    }
    spans.extend(
        WIF_OR_XPRV
            .find_iter(text)
            .map(|m| (m.start(), m.end(), Secret::PrivateKey)),
    );
    if spans.is_empty() {
        return (text.to_string(), Vec::new());
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    let mut at = 0;
    for (start, end, kind) in spans {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(kind.placeholder());
        at = end;
        if !found.contains(&kind) {
            found.push(kind);
        }
    }
    out.push_str(&text[at..]);
    (out, found)
}

/// A hex run preceded (closely) by words like "txid" is a transaction id:
/// users paste those all the time when a deposit has not arrived.
fn is_transaction_id(before: &str) -> bool {
    let near: String = before
        .chars()
        .rev()
        .take(16)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let near = near.to_lowercase();
    TX_CUES.iter().any(|cue| near.contains(cue))
}

/// Byte spans of 12 or more consecutive English BIP-39 words, separated only
/// by white space, punctuation or numbering ("1. abandon 2. ability …").
fn english_seed_spans(text: &str) -> Vec<(usize, usize)> {
    let words = Language::English.word_list();
    let mut spans = Vec::new();
    let mut run: Option<(usize, usize, usize)> = None;
    let mut close = |run: &mut Option<(usize, usize, usize)>| {
        if let Some((start, end, n)) = run.take() {
            if n >= SEED_WORDS {
                spans.push((start, end));
            }
        }
    };
    for (at, token) in split_tokens(text) {
        if token.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let lower = token.to_ascii_lowercase();
        if token.chars().all(|c| c.is_ascii_alphabetic()) && words.binary_search(&lower.as_str()).is_ok() {
            let r = run.get_or_insert((at, at, 0));
            r.1 = at + token.len();
            r.2 += 1;
        } else {
            close(&mut run);
        }
    }
    close(&mut run);
    spans
}

/// Tokens of letters or digits with their byte offsets.
fn split_tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(move |t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
}

fn is_chinese_seed_word(c: char) -> bool {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    [Language::SimplifiedChinese, Language::TraditionalChinese]
        .iter()
        .any(|l| l.find_word(s).is_some())
}

/// Byte spans of Chinese mnemonics: 12 or more word-list characters each
/// standing alone ("的 一 是 在 …"), or, when the message talks about a
/// mnemonic, an unspaced run of 12 or more. Plain Chinese prose is made of
/// the same common characters, so an unspaced run alone is not enough.
fn chinese_seed_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let cue = SEED_CUES.iter().any(|c| text.to_lowercase().contains(c));
    let mut spaced: Option<(usize, usize, usize)> = None;
    let flush = |r: &mut Option<(usize, usize, usize)>, spans: &mut Vec<(usize, usize)>| {
        if let Some((start, end, n)) = r.take() {
            if n >= SEED_WORDS {
                spans.push((start, end));
            }
        }
    };
    for (at, token) in split_tokens(text) {
        let mut chars = token.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if is_chinese_seed_word(c) => {
                let r = spaced.get_or_insert((at, at, 0));
                r.1 = at + token.len();
                r.2 += 1;
            }
            _ => {
                flush(&mut spaced, &mut spans);
                if cue {
                    let mut run: Option<(usize, usize, usize)> = None;
                    for (i, c) in token.char_indices() {
                        if is_chinese_seed_word(c) {
                            let r = run.get_or_insert((at + i, at + i, 0));
                            r.1 = at + i + c.len_utf8();
                            r.2 += 1;
                        } else {
                            flush(&mut run, &mut spans);
                        }
                    }
                    flush(&mut run, &mut spans);
                }
            }
        }
    }
    flush(&mut spaced, &mut spans);
    spans
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})").expect("valid regex")
});
/// Runs of digits, possibly grouped by single spaces or dashes, possibly
/// starting with `+`; Chinese ID numbers may end in X.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\+?\d(?:[ -]?\d){6,}[Xx]?").expect("valid regex"));
static PASSPORT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Z]{1,2}\d{7,8}").expect("valid regex"));
static ADDRESS_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}]{1,12}(?:路|街|大道|巷|弄|胡同)[0-9一二三四五六七八九十百零]+号(?:[0-9一二三四五六七八九十百零\-]+(?:室|楼|栋|单元|号))*")
        .expect("valid regex")
});
static ADDRESS_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\d{1,5}\s+(?:[a-z]+\s+){1,4}(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|way|court|ct)\b\.?")
        .expect("valid regex")
});

/// Hides personal data in `text` for an agent who may not see it: all but the
/// last four digits of phone, ID and card numbers, the e-mail's local part
/// after its first letter, passport numbers and street addresses entirely.
/// Short numbers (amounts, order and user ids) are left alone: agents need them.
pub fn mask_personal_data(text: &str) -> String {
    let text = EMAIL.replace_all(text, "$1***$2");
    let text = NUMBER.replace_all(&text, |c: &regex::Captures| {
        let s = &c[0];
        if is_personal_number(s) {
            mask_digits(s)
        } else {
            s.to_string()
        }
    });
    let text = replace_isolated(&PASSPORT, &text, "[passport]");
    let text = ADDRESS_ZH.replace_all(&text, "[地址]");
    ADDRESS_EN.replace_all(&text, "[address]").into_owned()
}

/// Replaces matches of `re` that no ASCII letter or digit touches (`\b` would
/// not do: a Han character next to a Latin one is not a word boundary).
fn replace_isolated(re: &Regex, text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in re.find_iter(text) {
        let touches = text[..m.start()].ends_with(|c: char| c.is_ascii_alphanumeric())
            || text[m.end()..].starts_with(|c: char| c.is_ascii_alphanumeric());
        if !touches {
            out.push_str(&text[at..m.start()]);
            out.push_str(with);
            at = m.end();
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Phone numbers (11-digit Chinese mobiles, `+` international), Chinese ID
/// numbers (15 or 18 characters) and bank cards (13–19 digits, Luhn-valid).
fn is_personal_number(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    let n = digits.len() + usize::from(s.ends_with(['X', 'x']));
    let cn_mobile = n == 11 && digits[0] == 1 && (3..=9).contains(&digits[1]);
    let cn_mobile_86 = n == 13 && digits[..2] == [8, 6] && digits[2] == 1;
    let id = n == 15 || n == 18;
    let card = (13..=19).contains(&n) && luhn(&digits);
    s.starts_with('+') || cn_mobile || cn_mobile_86 || id || card
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                (d * 2) % 9 + if d == 9 { 9 } else { 0 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mask_digits(s: &str) -> String {
    let keep_from = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .count()
        .saturating_sub(4);
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                seen += 1;
                if seen <= keep_from {
                    return '*';
                }
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_EN: &str = "abandon ability able about above absent absorb abstract absurd abuse access accident";

    #[test]
    fn english_seed_phrases_are_redacted() {
        let (text, found) = redact_secrets(&format!("my words are {SEED_EN}, 谢谢"));
        assert_eq!(found, vec![Secret::SeedPhrase]);
        assert_eq!(text, "my words are [redacted: seed phrase], 谢谢");
        let numbered: String = SEED_EN
            .split(' ')
            .enumerate()
            .map(|(i, w)| format!("{}. {}\n", i + 1, w.to_uppercase()))
            .collect();
        assert_eq!(redact_secrets(&numbered).1, vec![Secret::SeedPhrase]);
    }

    #[test]
    fn eleven_words_or_ordinary_sentences_are_not_seeds() {
        let eleven = SEED_EN.rsplit_once(' ').map(|(a, _)| a).unwrap_or_default();
        assert!(redact_secrets(eleven).1.is_empty());
        let sentence = "I want to withdraw all my bitcoin to another wallet but the address is wrong again";
        assert!(redact_secrets(sentence).1.is_empty());
    }

    #[test]
    fn chinese_seed_phrases_spaced_or_cued() {
        let (text, found) = redact_secrets("的 一 是 在 不 了 有 和 人 这 中 大 帮我看看");
        assert_eq!(found, vec![Secret::SeedPhrase]);
        assert!(text.starts_with("[redacted: seed phrase]"), "{text}");
        assert_eq!(
            redact_secrets("我的助记词是的一是在不了有和人这中大").1,
            vec![Secret::SeedPhrase]
        );
        assert!(redact_secrets("我想问一下我的提币为什么一直在审核中不到账")
            .1
            .is_empty());
    }

    #[test]
    fn private_keys_but_not_transaction_ids() {
        let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let (text, found) = redact_secrets(&format!("my key 0x{key} is it safe"));
        assert_eq!(found, vec![Secret::PrivateKey]);
        assert_eq!(text, "my key [redacted: private key] is it safe");
        assert!(redact_secrets(&format!("充值没到账 TxID: {key}")).1.is_empty());
        assert!(redact_secrets(&format!("tx hash {key}")).1.is_empty());
        let wif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ";
        assert_eq!(redact_secrets(wif).1, vec![Secret::PrivateKey]);
        let address = "0x52908400098527886E0F7030069857D2E4169EE7";
        assert!(redact_secrets(address).1.is_empty(), "an address is public");
    }

    #[test]
    fn personal_data_is_masked_for_agents() {
        assert_eq!(mask_personal_data("手机13812345678"), "手机*******5678");
        assert_eq!(mask_personal_data("call +44 20 7946 0958"), "call +** ** **** 0958");
        assert_eq!(mask_personal_data("邮箱 alice.w@example.com"), "邮箱 a***@example.com");
        assert_eq!(
            mask_personal_data("身份证11010519491231002X"),
            "身份证**************002X"
        );
        assert_eq!(
            mask_personal_data("card 4111 1111 1111 1111"),
            "card **** **** **** 1111"
        );
        assert_eq!(mask_personal_data("passport E12345678 ok"), "passport [passport] ok");
        assert_eq!(mask_personal_data("护照号G12345678"), "护照号[passport]");
        assert_eq!(mask_personal_data("地址：朝阳区建国路88号3栋"), "地址：[地址]");
        assert_eq!(mask_personal_data("I live at 221 Baker Street."), "I live at [address]");
    }

    #[test]
    fn amounts_and_ids_agents_need_stay_visible() {
        for text in [
            "提币 2500 USDT",
            "UID 87654321",
            "order 1234567890123 failed",
            "金额10000000",
        ] {
            assert_eq!(mask_personal_data(text), text);
        }
    }

    proptest::proptest! {
        /// The chat request decoder and what the desk does to the text before
        /// the engine runs: any body is decoded or refused, never a panic,
        /// and a found secret always changes the stored text.
        #[test]
        fn any_chat_body_decodes_or_is_refused(text in "\\PC{0,120}", extra in proptest::prelude::any::<bool>()) {
            let body = if extra {
                serde_json::json!({ "text": text, "locale": "en", "article_id": text })
            } else {
                serde_json::json!({ "text": text })
            };
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            if let Ok(request) = serde_json::from_slice::<crate::server::api::UserMessageRequest>(&bytes) {
                let (stored, secrets) = redact_secrets(&request.text);
                if !secrets.is_empty() {
                    proptest::prop_assert_ne!(&stored, &request.text);
                }
                let _ = crate::handoff::Triage::of(&request.text);
                let _ = mask_personal_data(&stored);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = serde_json::from_slice::<crate::server::api::UserMessageRequest>(&bytes);
        }
    }
}
