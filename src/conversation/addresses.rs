//! What the bot says about an address or a transaction id pasted into a
//! message, before the answer: the costliest mistakes of a crypto help desk
//! are made with an address (a typo, BTC sent to a 0x address, USDT on ERC20
//! to a TRON address), and the message already holds what is needed to warn
//! the user before they send funds; a user asking after a deposit with its
//! TxID is helped first by the link that shows where it stands on chain.
//! Addresses and ids are found and checked by [`crate::chain`]; the coin and
//! the network the user names come from the reading's entities, and what a
//! coin and a network take (chains, explorers) from `entities.yaml`.

use crate::chain::{Chain, Flaw, Kind, Memo, Sighting, Validity};
use crate::corpus::{Entities, Entity, EntityKind, Lang};

use super::reading::Reading;

/// How many explorers a transaction id of an unknown network is shown on.
const EXPLORERS_SHOWN: usize = 3;

/// What the bot says first about the addresses and transaction ids in
/// `reading`'s message: a note on the first complete address, then the
/// explorer of the first transaction id; `None` when there is neither.
pub fn note(reading: &Reading, entities: &Entities, lang: Lang) -> Option<String> {
    let text = reading.text.as_str();
    let complete = |kind: Kind| {
        reading
            .pasted
            .iter()
            .find(move |s| s.kind == kind && s.validity != Validity::Abbreviated)
    };
    let notes: Vec<String> = [
        complete(Kind::Address).map(|a| address_note(a, text, reading, entities, lang)),
        complete(Kind::TransactionId).and_then(|t| transaction_note(t, text, reading, entities, lang)),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!notes.is_empty()).then(|| notes.join("\n\n"))
}

/// Words that only label a pasted transaction id ("txid: …", "交易哈希").
const ID_LABELS: &[&str] = &[
    "txid",
    "tx",
    "id",
    "hash",
    "transaction",
    "交易哈希",
    "交易id",
    "哈希",
    "交易号",
    "是",
    "这个",
    "这笔",
];

/// Whether `reading`'s message is a transaction id and nothing else but
/// its label: a user asking, without words, where that transaction stands.
pub fn only_a_transaction_id(reading: &Reading) -> bool {
    if !reading.pasted.iter().any(|s| s.kind == Kind::TransactionId) {
        return false;
    }
    // Spans are of the text as written: cut before changing case.
    let mut rest = reading.text.clone();
    for s in reading.pasted.iter().rev() {
        rest.replace_range(s.span.clone(), " ");
    }
    let mut rest = rest.to_lowercase();
    for label in ID_LABELS {
        rest = rest.replace(label, " ");
    }
    rest.chars().all(|c| !c.is_alphanumeric())
}

/// What a transaction id pasted alone asks, as the engine ranks it: where
/// the transaction stands (the deposit or withdrawal status articles; the
/// conversation's topic tells which).
pub fn status_question(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "这笔交易有 TxID 但还没到账",
        Lang::En => "my transaction has a TxID but has not arrived",
    }
}

/// The entities of `kind` the message names, resolved in the list.
fn named<'a>(reading: &'a Reading, entities: &'a Entities, kind: EntityKind) -> impl Iterator<Item = &'a Entity> {
    reading
        .mentions
        .iter()
        .filter(move |m| m.kind == kind)
        .filter_map(|m| entities.get(&m.id))
}

/// A typo, a network or a coin the address cannot take, or that it is
/// valid (and needs a tag or memo).
fn address_note(address: &Sighting, text: &str, reading: &Reading, entities: &Entities, lang: Lang) -> String {
    let shown = shorten(address.text(text));
    let fits = |chains: &[Chain]| chains.iter().any(|c| address.chains.contains(c));
    if let Validity::Invalid(flaw) = address.validity {
        return flawed(lang, &shown, flaw);
    }
    let network = named(reading, entities, EntityKind::Network).find(|n| n.chain.is_some_and(|c| !fits(&[c])));
    if let Some(network) = network {
        return match lang {
            Lang::Zh => format!(
                "注意：{shown} 是 {} 地址，不能用 {} 网络转入。网络选错的资产不会自动到账。",
                family(address, lang),
                network.id
            ),
            Lang::En => format!(
                "Note: {shown} is an address for {}; it cannot receive funds sent over {}. Funds sent on the wrong network do not arrive on their own.",
                family(address, lang),
                network.id
            ),
        };
    }
    let coin = named(reading, entities, EntityKind::Coin).find(|coin| {
        let chains = entities.chains_of(coin);
        !chains.is_empty() && !fits(&chains)
    });
    if let Some(coin) = coin {
        return match lang {
            Lang::Zh => format!(
                "注意：{shown} 是 {} 地址，不能接收 {}。请向收款方要一个 {} 地址，否则资产可能无法找回。",
                family(address, lang),
                coin.id,
                coin.id
            ),
            Lang::En => format!(
                "Note: {shown} is an address for {}; it cannot receive {}. Ask the recipient for a {} address, or the funds may be lost.",
                family(address, lang),
                coin.id,
                coin.id
            ),
        };
    }
    let memo = address.memo().map(|memo| match (lang, memo) {
        (Lang::Zh, Memo::Tag) => " 向交易所的此类地址转账时必须同时填写 Tag（标签）。",
        (Lang::Zh, Memo::Comment) => " 向交易所的此类地址转账时必须同时填写 Memo（备注）。",
        (Lang::En, Memo::Tag) => " Sending to an exchange at such an address needs its destination tag as well.",
        (Lang::En, Memo::Comment) => " Sending to an exchange at such an address needs its memo (comment) as well.",
    });
    match lang {
        Lang::Zh => format!(
            "{shown} 是有效的 {} 地址。{}",
            family(address, lang),
            memo.unwrap_or("")
        ),
        Lang::En => format!(
            "{shown} is a valid address for {}.{}",
            family(address, lang),
            memo.unwrap_or("")
        ),
    }
}

/// Where to follow a transaction: the explorer of the network the message
/// names (or of the named coin's networks) that fits the id, else of every
/// listed network that fits it, the likeliest first. A malformed id is
/// asked for again, whole.
fn transaction_note(
    transaction: &Sighting,
    text: &str,
    reading: &Reading,
    entities: &Entities,
    lang: Lang,
) -> Option<String> {
    if !transaction.is_valid() {
        return Some(match lang {
            Lang::Zh => "这个 TxID 的长度或字符不对，可能没有复制完整。请在提币或转出记录里重新复制完整的 TxID（交易哈希）。".into(),
            Lang::En => "That TxID has the wrong length or characters; it may not have been copied whole. Copy the full TxID (transaction hash) again from the withdrawal or transfer record.".into(),
        });
    }
    let id = transaction.text(text);
    let fits = |network: &&Entity| {
        network.explorer.is_some() && network.chain.is_some_and(|c| transaction.chains.contains(&c))
    };
    let mut networks: Vec<&Entity> = named(reading, entities, EntityKind::Network).filter(fits).collect();
    if networks.is_empty() {
        networks = named(reading, entities, EntityKind::Coin)
            .flat_map(|coin| coin.networks.iter().filter_map(|n| entities.get(n)))
            .filter(fits)
            .collect();
    }
    if networks.is_empty() {
        networks = entities
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Network)
            .filter(fits)
            .collect();
    }
    networks.dedup_by(|a, b| a.id == b.id);
    let links: Vec<String> = networks
        .iter()
        .take(EXPLORERS_SHOWN)
        .filter_map(|n| Some(format!("{}: {}", n.id, n.explorer_link(id)?)))
        .collect();
    let one = links.len() == 1;
    let links = links.join("\n");
    (!links.is_empty()).then(|| match (lang, one) {
        (Lang::Zh, true) => format!("这笔交易的链上状态可在区块浏览器查看：\n{links}"),
        (Lang::Zh, false) => format!("这笔交易的链上状态可在所用网络的区块浏览器查看：\n{links}"),
        (Lang::En, true) => format!("You can follow this transaction on the block explorer:\n{links}"),
        (Lang::En, false) => {
            format!("You can follow this transaction on the block explorer of the network it was sent on:\n{links}")
        }
    })
}

/// A flawed address: never to be used.
fn flawed(lang: Lang, shown: &str, flaw: Flaw) -> String {
    match (lang, flaw) {
        (Lang::Zh, Flaw::Testnet) => format!("注意：{shown} 是测试网地址，不能接收主网资产，请勿向它转账。"),
        (Lang::En, Flaw::Testnet) => {
            format!("Note: {shown} is a testnet address; it cannot receive real funds. Do not send to it.")
        }
        (Lang::Zh, _) => format!(
            "注意：地址 {shown} 校验未通过，很可能有字符输错或缺漏。请勿向它转账，请从收款方重新复制完整地址。"
        ),
        (Lang::En, _) => format!(
            "Note: the address {shown} fails its checksum: it most likely has a typo or a missing character. Do not send funds to it; copy the whole address again from the recipient."
        ),
    }
}

/// The address's family as the sentences name it; for EVM, the networks
/// it works on.
fn family(address: &Sighting, lang: Lang) -> String {
    let networks = address.networks();
    if networks.is_empty() {
        return address.chains.iter().map(|c| c.name()).collect::<Vec<_>>().join(" / ");
    }
    let names: Vec<&str> = networks.iter().map(|n| n.name()).collect();
    match lang {
        Lang::Zh => format!("以太坊格式（EVM：{}）", names.join("、")),
        Lang::En => format!("Ethereum-format (EVM: {})", names.join(", ")),
    }
}

/// An address as shown back: its ends, enough to recognize it.
pub(super) fn shorten(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 14 {
        return address.to_string();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Entities, Entity};

    /// A few entries as `entities.yaml` writes them.
    fn entities() -> Entities {
        let coin = |id: &str, names: &[&str], networks: &[&str]| Entity {
            id: id.into(),
            kind: EntityKind::Coin,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: Vec::new(),
            chain: None,
            explorer: None,
            networks: networks.iter().map(|n| n.to_string()).collect(),
        };
        let network = |id: &str, names: &[&str], chain, explorer: &str| Entity {
            id: id.into(),
            kind: EntityKind::Network,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: Vec::new(),
            chain: Some(chain),
            explorer: Some(explorer.into()),
            networks: Vec::new(),
        };
        Entities {
            entities: vec![
                coin("BTC", &["btc", "bitcoin"], &["BITCOIN-NETWORK"]),
                coin("USDT", &["usdt"], &["TRC20", "ERC20"]),
                network(
                    "TRC20",
                    &["trc20"],
                    Chain::Tron,
                    "https://tronscan.org/#/transaction/{txid}",
                ),
                network("ERC20", &["erc20"], Chain::Evm, "https://etherscan.io/tx/{txid}"),
                network(
                    "BITCOIN-NETWORK",
                    &["btc链"],
                    Chain::Bitcoin,
                    "https://mempool.space/tx/{txid}",
                ),
            ],
            kind_terms: Vec::new(),
        }
    }

    fn note_of(text: &str, lang: Lang) -> Option<String> {
        let entities = entities();
        note(&Reading::of(text, &entities), &entities, lang)
    }

    #[test]
    fn an_evm_address_cannot_receive_bitcoin() {
        let zh = note_of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed 这个地址能收BTC吗", Lang::Zh).unwrap_or_default();
        assert!(zh.contains("不能接收 BTC") && zh.contains("0x5aAe…eAed"), "{zh}");
        let en = note_of(
            "is 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed a bitcoin address?",
            Lang::En,
        )
        .unwrap_or_default();
        assert!(en.contains("cannot receive BTC") && en.contains("BEP20"), "{en}");
    }

    #[test]
    fn a_typo_is_named_and_the_address_not_to_be_used() {
        // EIP-55's example with one letter's case flipped.
        let zh = note_of("提币地址 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD 对吗", Lang::Zh).unwrap_or_default();
        assert!(zh.contains("校验未通过"), "{zh}");
    }

    #[test]
    fn a_network_that_does_not_fit_the_address() {
        let en = note_of("sent usdt over erc20 to TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Lang::En).unwrap_or_default();
        assert!(en.contains("TRON") && en.contains("ERC20"), "{en}");
    }

    #[test]
    fn a_fitting_address_is_confirmed_and_no_address_says_nothing() {
        let en = note_of("can TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t receive usdt", Lang::En).unwrap_or_default();
        assert!(en.contains("is a valid address for TRON"), "{en}");
        let tag = note_of("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", Lang::En).unwrap_or_default();
        assert!(tag.contains("destination tag"), "{tag}");
        assert_eq!(note_of("提币要多久到账", Lang::Zh), None);
        assert_eq!(note_of("0x3f5C…f0bE 能收BTC吗", Lang::Zh), None);
    }

    const TX: &str = "7e467331322b30e6b270860e803d18fa7184915bc0930ae7dafbcd6289eeeec5";

    #[test]
    fn a_transaction_id_links_to_the_explorer_of_the_network_named() {
        let zh = note_of(&format!("trc20 转的 txid {TX} 还没到"), Lang::Zh).unwrap_or_default();
        assert!(zh.contains(&format!("https://tronscan.org/#/transaction/{TX}")), "{zh}");
        assert!(!zh.contains("mempool"), "{zh}");
        // A coin names its networks; the id's shape keeps those it fits.
        let en = note_of(&format!("usdt deposit 0x{TX} not credited"), Lang::En).unwrap_or_default();
        assert!(
            en.contains(&format!("https://etherscan.io/tx/0x{TX}")) && !en.contains("tronscan"),
            "{en}"
        );
    }

    #[test]
    fn a_transaction_id_of_no_named_network_lists_the_explorers_it_fits() {
        let zh = note_of(&format!("{TX} 这笔到哪了"), Lang::Zh).unwrap_or_default();
        assert!(
            zh.contains("tronscan") && zh.contains("mempool") && !zh.contains("etherscan"),
            "{zh}"
        );
        let cut = note_of(&format!("txid 0x{} 查不到", &TX[..63]), Lang::Zh).unwrap_or_default();
        assert!(cut.contains("重新复制完整的 TxID"), "{cut}");
    }

    #[test]
    fn an_address_and_a_transaction_id_are_both_noted() {
        let en = note_of(
            &format!("sent usdt to TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, txid {TX}"),
            Lang::En,
        )
        .unwrap_or_default();
        assert!(en.contains("valid address for TRON") && en.contains("tronscan"), "{en}");
    }

    #[test]
    fn a_transaction_id_alone_is_told_from_one_in_a_question() {
        let alone = |text: &str| only_a_transaction_id(&Reading::of(text, &entities()));
        assert!(alone(TX));
        assert!(alone(&format!("txid: 0x{TX}")));
        assert!(alone(&format!("交易哈希：{TX}")));
        assert!(!alone(&format!("{TX} 提币到哪了")));
        assert!(!alone("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"));
        assert!(!alone("txid"));
        // Letters whose lower case is longer do not shift the cut.
        assert!(!alone(&format!("İİ {TX} İstanbul")));
        assert!(!alone(&format!("İ {TX}")));
    }
}
