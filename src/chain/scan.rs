//! Where in a message the candidates are: tokens cut out of free text,
//! each handed to the recognizers of the other files in this module.
//!
//! Users paste addresses into Chinese without spaces ("地址0x…能收BTC吗"),
//! inside quotes and brackets, after a colon, inside an explorer link. A
//! token is a run of ASCII letters and digits; `/`, `_`, `+` and `-` join a
//! run only for TON's Base64 (and a link's path), and are cut at otherwise.
//! Anything else ends a token: Han characters, full-width punctuation, dots,
//! colons, white space.
//!
//! What is deliberately not recognized: tokens touching an `@` (e-mail
//! addresses); order, phone, card and UID numbers, amounts and dates (too
//! short, or digits only where an address mixes letters in); words and
//! pinyin of any length (no mix of case and digits); 40 hex digits without
//! `0x` (a git commit or a hash as often as an address); addresses of chains
//! not in [`Chain`](super::Chain), X-addresses of XRP, and abbreviations
//! other than `0x…`, `bc1…` and `T…` ones, which are too easily words.
//! Full-width letters are not folded: addresses are pasted, not typed.

use std::sync::LazyLock;

use regex::Regex;

use super::claim::{looks_random, Claim};
use super::{base58, evm, segwit, ton, Chain, Kind, Sighting, Validity};

/// `0x3f5C…f0bE`, `bc1qxy…0wlh`, `TR7NHq…jLj6t`: head, an ellipsis (`…`,
/// `⋯`, two dots or more, or the stars of a masked address), tail.
static ABBREVIATED: LazyLock<Regex> = LazyLock::new(|| {
    let cut = r"(?:…+|⋯+|\.{2,}|\*{2,})";
    let hex = "[0-9a-fA-F]";
    let bech = "[02-9ac-hj-np-zAC-HJ-NP-Z]";
    let b58 = "[1-9A-HJ-NP-Za-km-z]";
    Regex::new(&format!(
        "(?P<evm>0[xX]{hex}{{0,10}}{cut}{hex}{{3,10}})|(?P<btc>(?:bc1|BC1){bech}{{1,10}}{cut}{bech}{{3,10}})|(?P<tron>T{b58}{{3,10}}{cut}{b58}{{3,10}})"
    ))
    .expect("valid regex")
});

/// Every address and transaction id in `text`, in order of position.
pub fn sightings(text: &str) -> Vec<Sighting> {
    let mut found = abbreviated(text);
    for (start, word) in words(text) {
        let end = start + word.len();
        let overlaps = found.iter().any(|s| s.span.start < end && start < s.span.end);
        let email = text[..start].ends_with('@') || text[end..].starts_with('@');
        if !overlaps && !email {
            read_word(text, start, word, &mut found);
        }
    }
    found.sort_by_key(|s| s.span.start);
    found
}

/// Abbreviated addresses, whose family their prefix tells.
fn abbreviated(text: &str) -> Vec<Sighting> {
    let mut found = Vec::new();
    for caps in ABBREVIATED.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let alone = !text[..whole.start()].ends_with(is_token_char) && !text[whole.end()..].starts_with(is_token_char);
        let chains: &'static [Chain] = if caps.name("evm").is_some() {
            &[Chain::Evm]
        } else if caps.name("btc").is_some() {
            &[Chain::Bitcoin]
        } else if looks_random(whole.as_str()) {
            &[Chain::Tron]
        } else {
            continue;
        };
        if alone {
            found.push(Sighting {
                span: whole.range(),
                kind: Kind::Address,
                chains,
                validity: Validity::Abbreviated,
            });
        }
    }
    found
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '-')
}

/// Maximal runs of token characters, with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_token_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    words
}

/// A TON address takes the whole word; else each path segment may be one;
/// else each run of letters and digits is read on its own.
fn read_word(text: &str, start: usize, word: &str, found: &mut Vec<Sighting>) {
    if let Some(claim) = ton::classify(word) {
        push(found, start, claim);
        return;
    }
    let mut at = start;
    for segment in word.split('/') {
        match ton::classify(segment) {
            Some(claim) => push(found, at, claim),
            None => {
                let mut piece_at = at;
                for piece in segment.split(['_', '+', '-']) {
                    read_piece(text, piece_at, piece, found);
                    piece_at += piece.len() + 1;
                }
            }
        }
        at += segment.len() + 1;
    }
}

/// One run of ASCII letters and digits at `start`.
fn read_piece(text: &str, start: usize, piece: &str, found: &mut Vec<Sighting>) {
    if let Some(claim) = evm::bare_hash(piece) {
        let raw = ton::raw_prefix(&text[..start]).filter(|_| claim.validity == Validity::Valid);
        match raw {
            Some(prefix) => push(found, start - prefix, ton::raw(prefix + claim.len)),
            None => push(found, start, claim),
        }
        return;
    }
    let claim = evm::classify(piece)
        .or_else(|| segwit::classify(piece))
        .or_else(|| base58::classify(piece));
    if let Some(claim) = claim {
        push(found, start, claim);
    }
}

fn push(found: &mut Vec<Sighting>, start: usize, claim: Claim) {
    found.push(Sighting {
        span: start..start + claim.len,
        kind: claim.kind,
        chains: claim.chains,
        validity: claim.validity,
    });
}

#[cfg(test)]
mod tests {
    use super::super::{Flaw, Memo, Network};
    use super::*;

    const EVM: &str = "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE";
    const TRON: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
    const TX: &str = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

    /// The text, chains and validity of each sighting.
    fn seen(text: &str) -> Vec<(&str, &'static [Chain], Validity)> {
        sightings(text)
            .iter()
            .map(|s| (s.text(text), s.chains, s.validity))
            .collect()
    }

    #[test]
    fn glued_to_chinese_and_inside_punctuation() {
        let evm: &[Chain] = &[Chain::Evm];
        let tron: &[Chain] = &[Chain::Tron];
        for (text, expected) in [
            (format!("地址{EVM}能收BTC吗"), (EVM, evm)),
            (format!("{EVM} 这个地址能收BTC吗"), (EVM, evm)),
            (format!("提币地址：“{TRON}”，对吗？"), (TRON, tron)),
            (format!("用ERC20网络给TRC20地址{TRON}转了USDT"), (TRON, tron)),
            (format!("my address ({EVM})."), (EVM, evm)),
            (format!("'{TRON}'"), (TRON, tron)),
            (format!("地址{TRON}USDT没到"), (TRON, tron)),
        ] {
            assert_eq!(seen(&text), [(expected.0, expected.1, Validity::Valid)], "{text}");
        }
    }

    #[test]
    fn what_a_sighting_tells() {
        let text = format!("地址{EVM}能收BTC吗");
        let s = &sightings(&text)[0];
        assert_eq!(s.span, "地址".len().."地址".len() + EVM.len());
        assert_eq!((s.kind, s.is_valid()), (Kind::Address, true));
        assert_eq!(s.networks().first(), Some(&Network::Ethereum));
        assert!(s.networks().contains(&Network::BnbSmartChain));
        assert_eq!(s.memo(), None);
        let xrp = "XRP 地址 rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh，tag 是多少";
        assert_eq!(sightings(xrp)[0].memo(), Some(Memo::Tag));
        let ton = "充值到 EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N 要填memo吗";
        assert_eq!(sightings(ton)[0].memo(), Some(Memo::Comment));
    }

    #[test]
    fn a_typo_in_a_checksummed_address() {
        let typo = EVM.replace("f0bE", "f0be");
        let text = format!("提币地址 {typo} 对吗");
        assert_eq!(
            seen(&text),
            [(typo.as_str(), &[Chain::Evm][..], Validity::Invalid(Flaw::BadChecksum))]
        );
    }

    #[test]
    fn abbreviations_are_recognized_not_validated() {
        for (text, abbreviation, chain) in [
            ("is 0x3f5C…f0bE a bitcoin address?", "0x3f5C…f0bE", Chain::Evm),
            ("地址是0x3f5C...f0bE吗", "0x3f5C...f0bE", Chain::Evm),
            ("提到 0x3f5c****f0be 了", "0x3f5c****f0be", Chain::Evm),
            ("bc1qxy…0wlh 是我的", "bc1qxy…0wlh", Chain::Bitcoin),
            ("TR7NHq…jLj6t 收不到", "TR7NHq…jLj6t", Chain::Tron),
        ] {
            assert_eq!(
                seen(text),
                [(abbreviation, &[chain][..], Validity::Abbreviated)],
                "{text}"
            );
        }
        assert!(seen("This...that and Then…more").is_empty());
    }

    #[test]
    fn transaction_ids_in_text_and_links() {
        let message = format!("充值没到账 TxID: {TX}");
        let hashes = seen(&message);
        assert_eq!(hashes.len(), 1);
        assert_eq!((hashes[0].0, hashes[0].2), (TX, Validity::Valid));
        let evm_tx = format!("0x{TX}");
        let link = format!("https://etherscan.io/tx/{evm_tx}?utm=1");
        let found = sightings(&link);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].text(&link), found[0].kind),
            (evm_tx.as_str(), Kind::TransactionId)
        );
        let tron_link = format!("https://tronscan.org/#/address/{TRON}");
        assert_eq!(seen(&tron_link), [(TRON, &[Chain::Tron][..], Validity::Valid)]);
    }

    #[test]
    fn several_in_one_message_in_order() {
        let text =
            format!("从 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy 转到 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq，哈希{TX}");
        let kinds: Vec<Kind> = sightings(&text).iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [Kind::Address, Kind::Address, Kind::TransactionId]);
    }

    #[test]
    fn raw_ton_addresses_take_their_prefix() {
        let raw = "0:83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8";
        assert_eq!(seen(&format!("地址{raw}")), [(raw, &[Chain::Ton][..], Validity::Valid)]);
    }

    #[test]
    fn lookalikes_are_not_recognized() {
        for text in [
            "订单号 2024120512345678",
            "订单号2024120512345678怎么查",
            "+86 138 0013 8000",
            "手机13800138000",
            "UID: 123456789",
            "我的uid是38291047",
            "500u 到了吗",
            "0.05 BTC",
            "充了 1000 USDT，手续费1.5u",
            "2024-12-05 12:30:45",
            "2024/12/05 提的币",
            "2024年12月5日",
            "银行卡 6222021234567890123",
            "123456789123456789123456789123456789",
            "woxiangwenyixiawodetibiweishenmehaimeidaozhang",
            "why is my withdrawal still pending after three hours",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t@gmail.com",
            "support.team@exchange-help.com",
            "https://www.example.com/help/articles/withdrawal-pending?lang=zh-CN",
            "550e8400-e29b-41d4-a716-446655440000",
            "commit e83c5163316f89bfbde7d9ab23ca2e25604af290",
            "邀请码 ABC123XY",
            "0x 开头的是什么",
            "bc1 开头",
        ] {
            assert!(seen(text).is_empty(), "{text}: {:?}", seen(text));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_spans_on_its_char_boundaries(text in "\\PC{0,160}") {
            for s in sightings(&text) {
                proptest::prop_assert!(s.span.start < s.span.end && s.span.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
                proptest::prop_assert!(!s.chains.is_empty());
            }
        }
    }

    #[test]
    fn words_keep_their_offsets() {
        let text = "地址：abc，def-ghi/jk";
        let w = words(text);
        assert_eq!(w, [(9, "abc"), (15, "def-ghi/jk")]);
        for (at, word) in w {
            assert_eq!(&text[at..at + word.len()], word);
        }
    }
}
