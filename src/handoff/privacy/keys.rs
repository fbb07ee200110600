//! Private keys in the forms wallets export them: 64 hex digits (however
//! they are grouped or wrapped), WIF, extended private keys (`xprv`,
//! `yprv`, `zprv`…), Solana keypairs (Base58 or the CLI's JSON byte array)
//! and Ethereum keystore files.
//!
//! A transaction id is also 64 hex digits, and users paste those all the
//! time when a deposit has not arrived, so a hex key is kept only when the
//! words just before it call it a transaction (`TxID:`, `交易哈希`) and
//! nothing near it calls it a key or denies it is a transaction ("not a tx
//! hash"). Everything else of that shape is treated as a key: hiding a
//! TxID costs the agent a question, showing a key costs the user's funds.

use std::sync::LazyLock;

use ed25519_dalek::SigningKey;
use regex::Regex;

use super::words::fold_width;

/// Words that make the hex run after them a transaction id.
const TX_CUES: &[&str] = &[
    "txid",
    "tx id",
    "txhash",
    "tx hash",
    "tx:",
    "tx ",
    "hash",
    "transaction",
    "交易id",
    "交易哈希",
    "交易號",
    "交易号",
    "哈希",
    "交易记录",
    "交易記錄",
    "区块浏览器",
    "區塊瀏覽器",
];
/// Words that make a hex run a key whatever else is said.
const KEY_CUES: &[&str] = &[
    "private key",
    "privatekey",
    "private-key",
    "priv key",
    "privkey",
    "secret key",
    "signing key",
    "私钥",
    "私鑰",
    "密钥",
    "密鑰",
    "秘钥",
    "秘鑰",
];
/// Words that deny the hex is a transaction ("not a tx hash").
const NOT_TX: &[&str] = &[
    "not a tx",
    "not tx",
    "not a transaction",
    "not the tx",
    "not a hash",
    "not the hash",
    "isn't a tx",
    "isn't the tx",
    "no tx",
    "不是交易",
    "不是txid",
    "不是tx",
    "不是哈希",
    "並非交易",
    "并非交易",
    "非交易",
];

static WIF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[5KL9c][1-9A-HJ-NP-Za-km-z]{50,51}\b").expect("valid regex"));
static EXTENDED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[xyztuvYZUV]prv[1-9A-HJ-NP-Za-km-z]{100,108}\b").expect("valid regex"));
static BASE58_64_BYTES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[1-9A-HJ-NP-Za-km-z]{85,90}\b").expect("valid regex"));
/// The Solana CLI's keypair file: 64 bytes as a JSON array.
static BYTE_ARRAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[\s*\d{1,3}(?:\s*,\s*\d{1,3}){63}\s*,?\s*\]").expect("valid regex"));

/// Byte spans of private keys in `text`.
pub(super) fn key_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = hex_keys(text);
    spans.extend(WIF.find_iter(text).map(|m| (m.start(), m.end())));
    spans.extend(EXTENDED.find_iter(text).map(|m| (m.start(), m.end())));
    spans.extend(
        BASE58_64_BYTES
            .find_iter(text)
            .filter(|m| is_solana_keypair(m.as_str()))
            .map(|m| (m.start(), m.end())),
    );
    spans.extend(BYTE_ARRAY.find_iter(text).map(|m| (m.start(), m.end())));
    spans.extend(keystores(text));
    spans
}

/// A run of hex digits and where it is.
#[derive(Debug, Clone, Copy)]
struct HexGroup {
    start: usize,
    end: usize,
    digits: usize,
}

/// 64 hex digits in one piece or in groups (`4c0883a6 9102937d …`, two
/// lines of 32, byte pairs) separated only by white space, `-`, `:` or `_`.
fn hex_keys(text: &str) -> Vec<(usize, usize)> {
    let groups = hex_groups(text);
    let chained = |j: usize| separated_only(&text[groups[j - 1].end..groups[j].start]);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let mut digits = 0;
        let mut j = i;
        while j < groups.len() && digits < 64 && (j == i || chained(j)) {
            digits += groups[j].digits;
            j += 1;
        }
        let (start, end) = (groups[i].start, groups[j - 1].end);
        if digits == 64 && looks_random(&text[start..end]) && is_key(text, start, end) {
            spans.push((start, end));
            i = j;
        } else {
            i += 1;
        }
    }
    spans
}

/// Maximal runs of ASCII letters and digits (full-width forms folded) that
/// are all hex digits, maybe after `0x`.
fn hex_groups(text: &str) -> Vec<HexGroup> {
    let mut groups = Vec::new();
    let mut word: Option<(usize, String)> = None;
    let mut finish = |word: &mut Option<(usize, String)>, end: usize| {
        if let Some((start, w)) = word.take() {
            let hex = w.strip_prefix("0x").unwrap_or(&w);
            if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                groups.push(HexGroup {
                    start,
                    end,
                    digits: hex.len(),
                });
            }
        }
    };
    for (at, c) in text.char_indices() {
        let c = fold_width(c);
        if c.is_ascii_alphanumeric() {
            word.get_or_insert_with(|| (at, String::new()))
                .1
                .push(c.to_ascii_lowercase());
        } else {
            finish(&mut word, at);
        }
    }
    finish(&mut word, text.len());
    groups
}

fn separated_only(between: &str) -> bool {
    !between.is_empty()
        && between.chars().count() <= 4
        && between
            .chars()
            .map(fold_width)
            .all(|c| c.is_whitespace() || matches!(c, '-' | ':' | '_' | '|'))
}

/// Random hex has both digits and letters; `aaaa…` or a 64-digit number
/// is something else.
fn looks_random(hex: &str) -> bool {
    let hex = hex.chars().map(fold_width);
    let digits = hex.clone().filter(char::is_ascii_digit).count();
    let letters = hex.filter(|c| matches!(c.to_ascii_lowercase(), 'a'..='f')).count();
    digits >= 6 && letters >= 4
}

/// Whether the hex at `start..end` is a key rather than a transaction id,
/// by the words around it.
fn is_key(text: &str, start: usize, end: usize) -> bool {
    let before = lower_tail(&text[..start], 32);
    let after = lower_head(&text[end..], 24);
    if KEY_CUES.iter().any(|c| before.contains(c) || after.contains(c)) {
        return true;
    }
    if NOT_TX.iter().any(|c| before.contains(c)) {
        return true;
    }
    let near = lower_tail(&text[..start], 20);
    !TX_CUES.iter().any(|c| near.contains(c))
}

fn lower_tail(text: &str, chars: usize) -> String {
    let mut tail: Vec<char> = text.chars().rev().take(chars).map(fold_width).collect();
    tail.reverse();
    tail.into_iter().collect::<String>().to_lowercase()
}

fn lower_head(text: &str, chars: usize) -> String {
    text.chars()
        .take(chars)
        .map(fold_width)
        .collect::<String>()
        .to_lowercase()
}

/// A Solana keypair is 64 bytes whose second half is the public key of the
/// first; a transaction signature, the same length, never is.
fn is_solana_keypair(text: &str) -> bool {
    let Ok(bytes) = bs58::decode(text).into_vec() else {
        return false;
    };
    let Ok(pair) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    let Ok(seed) = <[u8; 32]>::try_from(&pair[..32]) else {
        return false;
    };
    SigningKey::from_bytes(&seed).verifying_key().as_bytes() == &pair[32..]
}

/// Ethereum keystore JSON (encrypted, but with its password it is the key):
/// from the `{` that opens it to the `}` that closes it, or to the end of
/// the message when it was cut short.
fn keystores(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let Some(cipher) = lower.find("\"ciphertext\"") else {
        return Vec::new();
    };
    let keystore_like = ["\"kdf\"", "\"cipherparams\"", "\"mac\"", "\"crypto\""]
        .iter()
        .any(|k| lower.contains(k));
    if !keystore_like {
        return Vec::new();
    }
    // The outermost object that encloses the cipher text.
    let mut depth = 0i32;
    let mut start = None;
    for (i, c) in text[..cipher].char_indices().rev() {
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => start = Some(i),
            '{' => depth -= 1,
            _ => {}
        }
    }
    let start = start.unwrap_or(cipher);
    let mut depth = 0i32;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return vec![(start, start + i + 1)];
                }
            }
            _ => {}
        }
    }
    vec![(start, text.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    fn found(text: &str) -> Vec<&str> {
        let mut spans = key_spans(text);
        spans.sort_unstable();
        spans.into_iter().map(|(a, b)| &text[a..b]).collect()
    }

    #[test]
    fn hex_keys_in_any_grouping() {
        let grouped: Vec<&str> = (0..8).map(|i| &KEY[i * 8..i * 8 + 8]).collect();
        for text in [
            format!("my key 0x{KEY} is it safe"),
            format!("密钥：{}", grouped.join(" ")),
            format!("here:\n{}\n{}\nthanks", &KEY[..32], &KEY[32..]),
            format!("{} ok", grouped.join("-")),
            format!("not a tx hash: {KEY}"),
            format!("这不是交易哈希 {KEY}"),
            format!("tx hash? no, my private key {KEY}"),
            KEY.to_uppercase(),
            KEY.chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
                .collect(),
        ] {
            let f = found(&text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            let digits: String = f[0].chars().map(fold_width).filter(char::is_ascii_hexdigit).collect();
            assert!(digits.to_lowercase().ends_with(KEY), "{text}: {f:?}");
        }
    }

    #[test]
    fn transaction_ids_addresses_and_prose_stay() {
        for text in [
            format!("充值没到账 TxID: {KEY}"),
            format!("tx hash {KEY}"),
            format!("交易哈希是{KEY}"),
            "0x52908400098527886E0F7030069857D2E4169EE7 is my address".to_string(),
            "a bad cafe 1234 deadbeef face feed add 12345678".to_string(),
            format!("{KEY}{KEY}"),
            "订单号 1234567890123456 金额 100".to_string(),
        ] {
            assert!(found(&text).is_empty(), "{text}: {:?}", found(&text));
        }
    }

    #[test]
    fn wif_extended_and_solana_keys() {
        let wif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ";
        assert_eq!(found(&format!("key: {wif}")), [wif]);
        let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        assert_eq!(found(&format!("{xprv}\n这个是什么")), [xprv]);
        let seed = [42u8; 32];
        let key = SigningKey::from_bytes(&seed);
        let mut pair = seed.to_vec();
        pair.extend_from_slice(key.verifying_key().as_bytes());
        let phantom = bs58::encode(&pair).into_string();
        assert_eq!(found(&format!("phantom 导出的 {phantom}")), [phantom.as_str()]);
        let mut signature = pair.clone();
        signature[63] ^= 1;
        let signature = bs58::encode(&signature).into_string();
        assert!(
            found(&format!("sig {signature}")).is_empty(),
            "a signature is not a key"
        );
        let array = format!("[{}]", pair.iter().map(u8::to_string).collect::<Vec<_>>().join(","));
        assert_eq!(found(&array), [array.as_str()]);
    }

    #[test]
    fn keystore_json_whole_or_cut_short() {
        let keystore = r#"{"address":"008aeeda4d805471df9b2a5b0f38a0c3bcba786b","crypto":{"cipher":"aes-128-ctr","ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},"kdf":"scrypt","mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},"version":3}"#;
        // The hex values inside are found too; redaction merges them into
        // the keystore's span.
        let text = format!("导入钱包失败 {keystore} 密码是123");
        assert_eq!(found(&text)[0], keystore);
        let cut = &keystore[..120];
        assert_eq!(found(cut)[0], cut);
    }
}
