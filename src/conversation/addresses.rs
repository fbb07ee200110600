//! What the bot says about an address pasted into a message, before the
//! answer: the costliest mistakes of a crypto help desk are made with an
//! address (a typo, BTC sent to a 0x address, USDT on ERC20 to a TRON
//! address), and the message already holds what is needed to warn the user
//! before they send funds. The address is found and checked by
//! [`crate::chain`]; the coin and the network the user names come from the
//! reading's entities.

use crate::chain::{sightings, Chain, Flaw, Kind, Memo, Sighting, Validity};
use crate::corpus::{EntityKind, Lang};

use super::reading::Reading;

/// The chains a coin can be received on, by its id in `entities.yaml`;
/// a coin not listed here is not judged.
fn chains_of_coin(id: &str) -> &'static [Chain] {
    match id {
        "BTC" => &[Chain::Bitcoin],
        "ETH" | "BNB" | "SHIB" | "PEPE" => &[Chain::Evm],
        "USDT" => &[Chain::Evm, Chain::Tron, Chain::Solana, Chain::Ton],
        "USDC" => &[Chain::Evm, Chain::Solana],
        "TRX" => &[Chain::Tron],
        "SOL" => &[Chain::Solana],
        "DOGE" => &[Chain::Dogecoin, Chain::Evm],
        "LTC" => &[Chain::Litecoin],
        "XRP" => &[Chain::Xrp],
        "TON" => &[Chain::Ton],
        _ => &[],
    }
}

/// The chain a network of `entities.yaml` runs on; `None` for one that
/// names no chain ("主网").
fn chain_of_network(id: &str) -> Option<Chain> {
    match id {
        "TRC20" => Some(Chain::Tron),
        "ERC20" | "BEP20" | "POLYGON" | "ARBITRUM" | "OPTIMISM" => Some(Chain::Evm),
        "SOLANA" => Some(Chain::Solana),
        "TON-NETWORK" => Some(Chain::Ton),
        "BITCOIN-NETWORK" => Some(Chain::Bitcoin),
        _ => None,
    }
}

/// The note for the first complete address in `reading`'s message, if any.
pub fn note(reading: &Reading, lang: Lang) -> Option<String> {
    let text = reading.text.as_str();
    let address = sightings(text)
        .into_iter()
        .find(|s| s.kind == Kind::Address && s.validity != Validity::Abbreviated)?;
    let shown = shorten(address.text(text));
    let named = |kind: EntityKind| reading.mentions.iter().filter(move |m| m.kind == kind);
    let fits = |chains: &[Chain]| chains.iter().any(|c| address.chains.contains(c));
    if let Validity::Invalid(flaw) = address.validity {
        return Some(flawed(lang, &shown, flaw));
    }
    if let Some(network) = named(EntityKind::Network).find(|m| chain_of_network(&m.id).is_some_and(|c| !fits(&[c]))) {
        return Some(match lang {
            Lang::Zh => format!(
                "注意：{shown} 是 {} 地址，不能用 {} 网络转入。网络选错的资产不会自动到账。",
                family(&address, lang),
                network.id
            ),
            Lang::En => format!(
                "Note: {shown} is an address for {}; it cannot receive funds sent over {}. Funds sent on the wrong network do not arrive on their own.",
                family(&address, lang),
                network.id
            ),
        });
    }
    let coin = named(EntityKind::Coin).find(|m| {
        let chains = chains_of_coin(&m.id);
        !chains.is_empty() && !fits(chains)
    });
    if let Some(coin) = coin {
        return Some(match lang {
            Lang::Zh => format!(
                "注意：{shown} 是 {} 地址，不能接收 {}。请向收款方要一个 {} 地址，否则资产可能无法找回。",
                family(&address, lang),
                coin.id,
                coin.id
            ),
            Lang::En => format!(
                "Note: {shown} is an address for {}; it cannot receive {}. Ask the recipient for a {} address, or the funds may be lost.",
                family(&address, lang),
                coin.id,
                coin.id
            ),
        });
    }
    let memo = address.memo().map(|memo| match (lang, memo) {
        (Lang::Zh, Memo::Tag) => " 向交易所的此类地址转账时必须同时填写 Tag（标签）。",
        (Lang::Zh, Memo::Comment) => " 向交易所的此类地址转账时必须同时填写 Memo（备注）。",
        (Lang::En, Memo::Tag) => " Sending to an exchange at such an address needs its destination tag as well.",
        (Lang::En, Memo::Comment) => " Sending to an exchange at such an address needs its memo (comment) as well.",
    });
    Some(match lang {
        Lang::Zh => format!(
            "{shown} 是有效的 {} 地址。{}",
            family(&address, lang),
            memo.unwrap_or("")
        ),
        Lang::En => format!(
            "{shown} is a valid address for {}.{}",
            family(&address, lang),
            memo.unwrap_or("")
        ),
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
fn shorten(address: &str) -> String {
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

    fn entities() -> Entities {
        let e = |id: &str, kind, names: &[&str]| Entity {
            id: id.into(),
            kind,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: Vec::new(),
        };
        Entities {
            entities: vec![
                e("BTC", EntityKind::Coin, &["btc", "bitcoin"]),
                e("USDT", EntityKind::Coin, &["usdt"]),
                e("ERC20", EntityKind::Network, &["erc20"]),
            ],
            kind_terms: Vec::new(),
        }
    }

    fn note_of(text: &str, lang: Lang) -> Option<String> {
        note(&Reading::of(text, &entities()), lang)
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
}
