//! Hex tokens: EVM addresses (`0x` + 40 hex, the EIP-55 checksum when the
//! case is mixed), EVM transaction hashes (`0x` + 64 hex) and the bare
//! 64-hex transaction ids of Bitcoin-style chains, TRON, XRP and TON.
//!
//! EIP-55 hides a checksum in the case of the letters, so an address all in
//! lower or all in upper case carries none and is valid by shape; a mixed
//! case that does not match the Keccak-256 of the address is a typo. A
//! 64-hex string is always a transaction id here, never an address.

use sha3::{Digest, Keccak256};

use super::claim::{glued_word, Claim};
use super::{Chain, Flaw, Validity};

const EVM: &[Chain] = &[Chain::Evm];
/// Chains whose explorers show transaction ids as 64 bare hex digits; EVM
/// explorers and wallets write theirs with `0x`.
const BARE_HASH: &[Chain] = &[
    Chain::Bitcoin,
    Chain::Tron,
    Chain::Litecoin,
    Chain::Dogecoin,
    Chain::Xrp,
    Chain::Ton,
];

/// A token starting with `0x`: an address, a transaction hash, a near miss
/// of one (length or a non-hex character), or a word glued to one.
pub(super) fn classify(token: &str) -> Option<Claim> {
    let rest = token.strip_prefix("0x").or_else(|| token.strip_prefix("0X"))?;
    let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
    if hex == rest.len() {
        return match hex {
            40 => Some(Claim::address(EVM, address_validity(rest), token.len())),
            64 => Some(Claim::transaction(EVM, Validity::Valid, token.len())),
            38..=42 => Some(Claim::address(EVM, Validity::Invalid(Flaw::BadLength), token.len())),
            62..=66 => Some(Claim::transaction(EVM, Validity::Invalid(Flaw::BadLength), token.len())),
            _ => None,
        };
    }
    // A word glued on after the hex ("…f0bEUSDT"): the hex alone when it
    // has an exact length, or an EIP-55 address whose checksum holds when
    // the word begins with hex letters ("…f0bEBTC").
    match hex {
        40 | 64 if glued_word(&rest[hex..]) => {
            return Some(match hex {
                40 => Claim::address(EVM, address_validity(&rest[..40]), 42),
                _ => Claim::transaction(EVM, Validity::Valid, 66),
            });
        }
        41..=46 if glued_word(&rest[40..]) => {
            let head = &rest[..40];
            if mixed_case(head) && address_validity(head) == Validity::Valid {
                return Some(Claim::address(EVM, Validity::Valid, 42));
            }
        }
        _ => {}
    }
    // A mistyped character ("0O" for "00", a "g"): one or two non-hex
    // letters in a token of an address's or a hash's length.
    let foreign = rest.bytes().filter(|b| !b.is_ascii_hexdigit()).count();
    if foreign <= 2 {
        let flaw = Validity::Invalid(Flaw::BadCharacter);
        match rest.len() {
            38..=42 => return Some(Claim::address(EVM, flaw, token.len())),
            62..=66 => return Some(Claim::transaction(EVM, flaw, token.len())),
            _ => {}
        }
    }
    None
}

/// A bare hex token of about 64 digits: a transaction id, or one with a
/// digit lost or added, or with one letter hex never uses (a `g` typed
/// beside the `f`). It must mix digits and letters: a long number is an
/// order or account number, not a hash; a secret key of random letters has
/// many letters past `f`, not one.
pub(super) fn bare_hash(token: &str) -> Option<Claim> {
    if token.starts_with("0x") || token.starts_with("0X") {
        return None;
    }
    let b = token.as_bytes();
    let foreign = b.iter().filter(|c| !c.is_ascii_hexdigit()).count();
    if !(62..=66).contains(&b.len()) || foreign > 1 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    if !b.iter().any(u8::is_ascii_digit) || !b.iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let validity = if foreign == 1 {
        Validity::Invalid(Flaw::BadCharacter)
    } else if b.len() == 64 {
        Validity::Valid
    } else {
        Validity::Invalid(Flaw::BadLength)
    };
    Some(Claim::transaction(BARE_HASH, validity, b.len()))
}

/// Valid when all one case, or when the mixed case is the EIP-55 checksum.
fn address_validity(hex40: &str) -> Validity {
    if !mixed_case(hex40) || checksummed(hex40) == hex40 {
        Validity::Valid
    } else {
        Validity::Invalid(Flaw::BadChecksum)
    }
}

fn mixed_case(hex: &str) -> bool {
    hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase())
}

/// The EIP-55 form of 40 hex digits: a letter is upper case where the
/// matching nibble of Keccak-256(lower-case hex) is 8 or more.
fn checksummed(hex40: &str) -> String {
    let lower = hex40.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let byte = hash.get(i / 2).copied().unwrap_or(0);
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EIP-55's published examples.
    const EIP55: [&str; 4] = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    fn validity(token: &str) -> Option<Validity> {
        classify(token).map(|c| c.validity)
    }

    #[test]
    fn eip55_examples_are_valid_and_any_case_flip_is_a_typo() {
        for address in EIP55 {
            assert_eq!(checksummed(&address[2..]), address[2..], "{address}");
            assert_eq!(validity(address), Some(Validity::Valid), "{address}");
            for (i, c) in address.char_indices().skip(2).filter(|(_, c)| c.is_ascii_alphabetic()) {
                let flipped = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                let typo = format!("{}{flipped}{}", &address[..i], &address[i + 1..]);
                assert_eq!(validity(&typo), Some(Validity::Invalid(Flaw::BadChecksum)), "{typo}");
            }
        }
    }

    #[test]
    fn one_case_carries_no_checksum() {
        let lower = EIP55[0].to_ascii_lowercase();
        let upper = format!("0x{}", EIP55[0][2..].to_ascii_uppercase());
        assert_eq!(validity(&lower), Some(Validity::Valid));
        assert_eq!(validity(&upper), Some(Validity::Valid));
        assert_eq!(
            validity("0x0000000000000000000000000000000000000000"),
            Some(Validity::Valid)
        );
    }

    #[test]
    fn near_misses_say_why() {
        let a = EIP55[1];
        assert_eq!(validity(&a[..41]), Some(Validity::Invalid(Flaw::BadLength)));
        assert_eq!(validity(&format!("{a}9")), Some(Validity::Invalid(Flaw::BadLength)));
        let o_for_zero = format!("0x{}", a[2..].replacen('0', "O", 1));
        assert_eq!(validity(&o_for_zero), Some(Validity::Invalid(Flaw::BadCharacter)));
        assert_eq!(validity("0x1234"), None);
        assert_eq!(validity("0xabcdefg"), None);
        let hash = format!("0x{}", "3a".repeat(32));
        let tx = classify(&hash).map(|c| (c.kind, c.validity));
        assert_eq!(tx, Some((super::super::Kind::TransactionId, Validity::Valid)));
    }

    #[test]
    fn glued_words_are_left_out() {
        let a = EIP55[0];
        let usdt = classify(&format!("{a}USDT")).map(|c| (c.len, c.validity));
        assert_eq!(usdt, Some((42, Validity::Valid)));
        // "BTC" begins with two hex letters; the checksum finds the end.
        let btc = classify(&format!("{a}BTC")).map(|c| (c.len, c.validity));
        assert_eq!(btc, Some((42, Validity::Valid)));
    }

    #[test]
    fn bare_hashes_need_letters_and_digits() {
        let tx = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
        assert_eq!(bare_hash(tx).map(|c| c.validity), Some(Validity::Valid));
        assert_eq!(
            bare_hash(&tx[..63]).map(|c| c.validity),
            Some(Validity::Invalid(Flaw::BadLength))
        );
        assert_eq!(bare_hash(&"1234567890".repeat(7)[..64]), None);
        assert_eq!(bare_hash(&"abcdef".repeat(11)[..64]), None);
        assert_eq!(bare_hash(&tx[..40]), None);
    }
}
