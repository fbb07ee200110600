//! Blockchain addresses and transaction ids in a user's message: found,
//! told apart and checked, so that an answer can say "this is a TRON
//! address" or "this address has a typo" before the user sends funds to it.
//!
//! The help desk's costliest questions carry data: an address pasted to ask
//! whether it can receive a coin, the TxID of a deposit that has not
//! arrived. [`sightings`] reads free text (Chinese or English, the token
//! glued to the words and punctuation around it) and returns each candidate
//! with its byte span, whether it is an address or a transaction id
//! ([`Kind`]), the chains it can belong to ([`Chain`], and for EVM the
//! [`Network`]s) and whether it is valid, or why not ([`Flaw`]).
//!
//! Each chain's own check is made with the crate that implements it:
//! Base58Check (`bs58`) for Bitcoin, Litecoin, Dogecoin, TRON and XRP,
//! Bech32 and Bech32m (`bech32`, BIP-173 and BIP-350) for segwit, EIP-55
//! over Keccak-256 (`sha3`) for mixed-case EVM addresses, CRC-16/XMODEM
//! (`crc`) for TON's user-friendly form. What has no checksum (a Solana key
//! or signature, a bare 64-hex hash, an all-lower or all-upper case EVM
//! address, TON's raw `0:…` form) is valid when its shape and decoded length
//! are; what is shortened with an ellipsis (`0x3f5C…f0bE`) is recognized but
//! [`Validity::Abbreviated`]. Testnet addresses are recognized when their
//! checksum holds and reported as [`Flaw::Testnet`]: no mainnet withdrawal
//! can go there.
//!
//! Recognition errs against claiming: a token is an address only by a
//! checksum that holds, or by its chain's prefix and length together with
//! the mix of upper case, lower case and digits of random data (see
//! `scan.rs` for what is deliberately not recognized). Pure and synchronous.
//! It does not tell a 64-hex private key from a transaction id: the privacy
//! module's key detector does, by the words around it.

mod base58;
mod claim;
mod evm;
mod scan;
mod segwit;
mod ton;

use std::ops::Range;

pub use scan::sightings;

/// What a sighting is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Where funds are sent.
    Address,
    /// The id of a transaction (TxID, transaction hash, signature).
    TransactionId,
}

/// A chain family: the chains that share one address format are one
/// family when the address cannot tell them apart (every EVM chain).
/// Named in `entities.yaml` in snake case (`evm`, `tron`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    /// Bitcoin: `1…`, `3…`, `bc1q…`, `bc1p…`.
    Bitcoin,
    /// Litecoin: `L…`, `M…`, `ltc1…` (and `3…`, shared with Bitcoin).
    Litecoin,
    /// Dogecoin: `D…` (`9…`/`A…` for scripts).
    Dogecoin,
    /// Ethereum and every chain with its address format (`0x…`).
    Evm,
    /// TRON: `T…`.
    Tron,
    /// Solana: Base58 of a 32-byte key.
    Solana,
    /// XRP Ledger: classic `r…` addresses.
    Xrp,
    /// TON: `EQ…`/`UQ…` user-friendly and `0:…` raw addresses.
    Ton,
}

impl Chain {
    /// The chain's name as users and explorers write it.
    pub fn name(self) -> &'static str {
        match self {
            Chain::Bitcoin => "Bitcoin",
            Chain::Litecoin => "Litecoin",
            Chain::Dogecoin => "Dogecoin",
            Chain::Evm => "EVM (Ethereum format)",
            Chain::Tron => "TRON",
            Chain::Solana => "Solana",
            Chain::Xrp => "XRP Ledger",
            Chain::Ton => "TON",
        }
    }

    /// The networks an address of this family can be used on: every EVM
    /// network for [`Chain::Evm`], none listed for the others (one each).
    pub fn networks(self) -> &'static [Network] {
        match self {
            Chain::Evm => &Network::ALL,
            _ => &[],
        }
    }

    /// What an exchange's deposit to this chain needs beside the address:
    /// exchanges share one deposit address among users and tell them apart
    /// by it, so a deposit without it does not arrive by itself.
    pub fn memo(self) -> Option<Memo> {
        match self {
            Chain::Xrp => Some(Memo::Tag),
            Chain::Ton => Some(Memo::Comment),
            _ => None,
        }
    }
}

/// An EVM network: one `0x` address is the same account on all of them, and
/// funds sent on one are not seen on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// Ethereum mainnet (ERC20 tokens).
    Ethereum,
    /// BNB Smart Chain (BEP20 tokens).
    BnbSmartChain,
    /// Polygon PoS.
    Polygon,
    /// Arbitrum One.
    Arbitrum,
    /// OP Mainnet (Optimism).
    Optimism,
    /// Base.
    Base,
    /// Avalanche C-Chain.
    Avalanche,
}

impl Network {
    /// Every EVM network, the likeliest on an exchange first.
    pub const ALL: [Network; 7] = [
        Network::Ethereum,
        Network::BnbSmartChain,
        Network::Polygon,
        Network::Arbitrum,
        Network::Optimism,
        Network::Base,
        Network::Avalanche,
    ];

    /// The network's name as exchanges list it.
    pub fn name(self) -> &'static str {
        match self {
            Network::Ethereum => "Ethereum (ERC20)",
            Network::BnbSmartChain => "BNB Smart Chain (BEP20)",
            Network::Polygon => "Polygon",
            Network::Arbitrum => "Arbitrum One",
            Network::Optimism => "Optimism",
            Network::Base => "Base",
            Network::Avalanche => "Avalanche C-Chain",
        }
    }
}

/// What a deposit needs beside the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Memo {
    /// A destination tag: a number (XRP).
    Tag,
    /// A text comment, which exchanges call the memo (TON).
    Comment,
}

/// Why a sighting is not a usable address or id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Flaw {
    /// The checksum does not hold: a character was mistyped or changed.
    #[error("the checksum does not match: a character is wrong")]
    BadChecksum,
    /// Too short or too long for its kind: a character was lost or added.
    #[error("too short or too long for this kind of address or id")]
    BadLength,
    /// A character the format never uses (`0`/`O`/`I`/`l` in Base58, a
    /// non-hex letter after `0x`, mixed case in Bech32).
    #[error("a character this format never uses")]
    BadCharacter,
    /// A version, witness version or flag byte the chain does not use.
    #[error("a version the chain does not use")]
    BadVersion,
    /// A testnet address: it cannot receive mainnet funds.
    #[error("a testnet address, not usable on mainnet")]
    Testnet,
}

/// Whether a sighting can be used as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// Well formed, and its checksum holds where it has one.
    Valid,
    /// Not usable, and why.
    Invalid(Flaw),
    /// Shortened with an ellipsis or stars (`0x3f5C…f0bE`): its family is
    /// known, its validity cannot be.
    Abbreviated,
}

/// One address or transaction id found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Byte range in the message.
    pub span: Range<usize>,
    /// Address or transaction id.
    pub kind: Kind,
    /// The chain families it can belong to, the likeliest first; never empty.
    pub chains: &'static [Chain],
    /// Valid, invalid and why, or abbreviated.
    pub validity: Validity,
}

impl Sighting {
    /// Its text in `message`, the message it was found in.
    pub fn text<'a>(&self, message: &'a str) -> &'a str {
        message.get(self.span.clone()).unwrap_or("")
    }

    /// Whether it is well formed and its checksum holds.
    pub fn is_valid(&self) -> bool {
        self.validity == Validity::Valid
    }

    /// The EVM networks an address can be used on (empty for other chains
    /// and for transaction ids).
    pub fn networks(&self) -> &'static [Network] {
        match self.kind {
            Kind::Address if self.chains.contains(&Chain::Evm) => Chain::Evm.networks(),
            _ => &[],
        }
    }

    /// The memo or tag a deposit to this address needs at an exchange.
    pub fn memo(&self) -> Option<Memo> {
        match self.kind {
            Kind::Address => self.chains.iter().find_map(|c| c.memo()),
            Kind::TransactionId => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Valid addresses and ids of every kind, each with the characters a
    /// typo of it would use, how long its prefix is and whether it carries
    /// a checksum (EIP-55's only in mixed case).
    fn vectors() -> Vec<(String, &'static str, usize, bool)> {
        const HEX: &str = "0123456789abcdef";
        const HEX_CASED: &str = "0123456789abcdefABCDEF";
        const B58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const BECH: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
        const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let tx = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
        vec![
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(), HEX_CASED, 2, true),
            ("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb".into(), HEX_CASED, 2, true),
            ("0x52908400098527886e0f7030069857d2e4169ee7".into(), HEX_CASED, 2, false),
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".into(), B58, 1, true),
            ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy".into(), B58, 1, true),
            ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into(), BECH, 3, true),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0".into(),
                BECH,
                3,
                true,
            ),
            ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t".into(), B58, 1, true),
            ("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh".into(), B58, 1, true),
            ("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA".into(), B58, 1, false),
            (
                "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N".into(),
                B64URL,
                2,
                true,
            ),
            (tx.into(), HEX, 0, false),
            (format!("0x{tx}"), HEX, 2, false),
            (bs58::encode([0xa7u8; 64]).into_string(), B58, 1, false),
        ]
    }

    /// What a token points at: hex and Bech32 are one address or id in
    /// either case (EIP-55's case is a checksum, not part of the address).
    fn identity(token: &str) -> String {
        let hex = token.starts_with("0x") || token.len() == 64;
        if hex || token.to_ascii_lowercase().starts_with("bc1") {
            token.to_ascii_lowercase()
        } else {
            token.to_string()
        }
    }

    #[test]
    fn every_vector_is_valid_alone() {
        for (token, ..) in vectors() {
            let found = sightings(&token);
            assert_eq!(found.len(), 1, "{token}: {found:?}");
            assert_eq!(
                (found[0].span.clone(), found[0].validity),
                (0..token.len(), Validity::Valid),
                "{token}"
            );
        }
    }

    fn prose() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            "[a-zA-Z]{1,20}",
            "[0-9]{1,20}",
            "[a-z]{20,50}",
            "[0-9]{20,40}",
            "([A-Z][a-z]{2,8}){3,8}",
            "[a-zA-Z0-9]{1,7}",
            "[\u{4e00}-\u{9fa5}]{1,8}",
            "[\u{4e00}-\u{9fa5}]{1,3}[A-Z]{2,5}[\u{4e00}-\u{9fa5}]{1,3}",
            "[0-9]{1,4}(\\.[0-9]{1,4})? ?(u|U|BTC|USDT|ETH|个|元)",
            "20[0-9]{2}[-/][01][0-9][-/][0-3][0-9]( [0-2][0-9]:[0-5][0-9])?",
            "\\+86 1[3-9][0-9] [0-9]{4} [0-9]{4}",
            "[a-z]{2,10}@[a-z]{2,10}\\.com",
        ];
        let separator = prop_oneof![Just(" "), Just("，"), Just("。"), Just("："), Just("、"), Just("? ")];
        proptest::collection::vec((token, separator), 0..10)
            .prop_map(|parts| parts.into_iter().map(|(t, s)| format!("{t}{s}")).collect::<String>())
    }

    proptest! {
        #[test]
        fn an_address_in_prose_is_found_where_it_is(
            left in prose(),
            before in prop::sample::select(vec!["", " ", "，", "：", "(", "“", "\"", "「", "地址", "address: ", "是"]),
            after in prop::sample::select(vec![" ", "。", "，", ")", "”", "\"", "」", "能收BTC吗", "吗? ", " thanks"]),
            right in prose(),
            which in any::<prop::sample::Index>(),
        ) {
            let vectors = vectors();
            let (token, ..) = &vectors[which.index(vectors.len())];
            let text = format!("{left}{before}{token}{after}{right}");
            let start = left.len() + before.len();
            let found = sightings(&text);
            prop_assert_eq!(found.len(), 1, "{} in {:?}: {:?}", token, text, found);
            prop_assert_eq!(found[0].span.clone(), start..start + token.len());
            prop_assert_eq!(found[0].validity, Validity::Valid);
        }

        #[test]
        fn one_character_changed_is_never_the_same_valid_address(
            which in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(),
            with in any::<prop::sample::Index>(),
        ) {
            let vectors = vectors();
            let (token, alphabet, prefix, checksum) = &vectors[which.index(vectors.len())];
            let i = at.index(token.len());
            let c = alphabet.as_bytes()[with.index(alphabet.len())] as char;
            prop_assume!(token.as_bytes()[i] as char != c);
            let mut typo = token.clone();
            typo.replace_range(i..i + 1, c.encode_utf8(&mut [0; 4]));
            let found = sightings(&typo);
            for s in &found {
                prop_assert!(
                    !(s.is_valid() && identity(s.text(&typo)) == identity(token)),
                    "{} accepted as {}", typo, token
                );
            }
            // Past the prefix the typo is still recognized, and where a
            // checksum is there to catch it, caught.
            if i >= *prefix {
                let whole = found.iter().find(|s| s.span == (0..typo.len()));
                prop_assert!(whole.is_some(), "{} (from {}) not recognized: {:?}", typo, token, found);
                prop_assert!(!(*checksum && whole.is_some_and(Sighting::is_valid)), "{} passed as valid", typo);
            }
        }

        #[test]
        fn prose_without_addresses_yields_nothing(text in prose()) {
            let found = sightings(&text);
            prop_assert!(found.is_empty(), "{:?}: {:?}", text, found);
        }
    }
}
