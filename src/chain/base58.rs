//! Base58 tokens: Base58Check addresses (Bitcoin `1…`/`3…`, Litecoin
//! `L…`/`M…`, Dogecoin `D…`, TRON `T…`, XRP `r…` in Ripple's alphabet),
//! Solana keys (32 bytes) and Solana transaction signatures (64 bytes).
//!
//! In order, each rule stricter than the next: a checksum that holds names
//! the chain by its version byte; a checksum that holds once a glued word is
//! cut off ("T…USDT") does too; a token that decodes to exactly 32 (or 64)
//! bytes and has the mix of random data is Solana, which has no checksum;
//! last, a token with a chain's first letter, a length near the chain's and
//! the mix of random data, whose checksum fails, is that chain's address
//! with a typo (at one of the chain's lengths) or with a character lost or
//! added (at another). Base58 never has `0`, `O`, `I` or `l`: a
//! token with one is read only as such a chain's address with that one
//! character mistyped.

use bs58::Alphabet;

use super::claim::{glued_word, looks_random, Claim};
use super::{Chain, Flaw, Validity};

const BITCOIN: &[Chain] = &[Chain::Bitcoin];
const SCRIPT: &[Chain] = &[Chain::Bitcoin, Chain::Litecoin];
const LITECOIN: &[Chain] = &[Chain::Litecoin];
const DOGECOIN: &[Chain] = &[Chain::Dogecoin];
const TRON: &[Chain] = &[Chain::Tron];
const SOLANA: &[Chain] = &[Chain::Solana];
const XRP: &[Chain] = &[Chain::Xrp];

/// The most characters of a glued word cut away to find an address.
const GLUE: usize = 10;

/// A token of Base58 characters that is an address or a signature, or a
/// chain's address with one character Base58 never has.
pub(super) fn classify(token: &str) -> Option<Claim> {
    if !(25..=90).contains(&token.len()) {
        return None;
    }
    if !token.bytes().all(is_base58) {
        return stray(token);
    }
    if let Some(claim) = checked(token) {
        return Some(claim);
    }
    let shortest = token.len().saturating_sub(GLUE).max(25);
    let mut cuts = (shortest..token.len()).rev().filter(|&cut| glued_word(&token[cut..]));
    if let Some(claim) = cuts.find_map(|cut| checked(&token[..cut])) {
        return Some(claim);
    }
    solana(token).or_else(|| typo(token))
}

fn is_base58(b: u8) -> bool {
    b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l')
}

/// A Base58Check address whose checksum holds, by its version byte; XRP's
/// in Ripple's alphabet. A testnet version is flagged; a version of no
/// chain here is left alone.
fn checked(token: &str) -> Option<Claim> {
    if !(25..=35).contains(&token.len()) {
        return None;
    }
    if token.starts_with('r') {
        let payload = bs58::decode(token)
            .with_alphabet(Alphabet::RIPPLE)
            .with_check(None)
            .into_vec()
            .unwrap_or_default();
        if payload.len() == 21 && payload.first() == Some(&0) {
            return Some(Claim::address(XRP, Validity::Valid, token.len()));
        }
    }
    let payload = bs58::decode(token).with_check(None).into_vec().ok()?;
    if payload.len() != 21 {
        return None;
    }
    let (chains, validity) = match payload.first().copied()? {
        0x00 => (BITCOIN, Validity::Valid),
        0x05 => (SCRIPT, Validity::Valid),
        0x30 | 0x32 => (LITECOIN, Validity::Valid),
        0x1e | 0x16 => (DOGECOIN, Validity::Valid),
        0x41 => (TRON, Validity::Valid),
        0x6f | 0xc4 => (BITCOIN, Validity::Invalid(Flaw::Testnet)),
        _ => return None,
    };
    Some(Claim::address(chains, validity, token.len()))
}

/// A Solana key (32 to 44 characters, 32 bytes) or transaction signature
/// (86 to 88 characters, 64 bytes). Keys of many leading zero bytes, the
/// system program's `111…1`, are all digits; every other one must have the
/// mix of random data.
fn solana(token: &str) -> Option<Claim> {
    let key = (32..=44).contains(&token.len());
    let signature = (86..=88).contains(&token.len());
    if !(key || signature) {
        return None;
    }
    if !looks_random(token) && !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = bs58::decode(token).into_vec().ok()?;
    match bytes.len() {
        32 if key => Some(Claim::address(SOLANA, Validity::Valid, token.len())),
        64 if signature => Some(Claim::transaction(SOLANA, Validity::Valid, token.len())),
        _ => None,
    }
}

/// A chain's address with one `0`, `O`, `I` or `l` typed for its
/// look-alike: as [`typo`] judges its first letter, length and mix. Only
/// chains with a first letter: a Solana key has none, and random keys of
/// other services often have one such character.
fn stray(token: &str) -> Option<Claim> {
    let b = token.as_bytes();
    let strays = b
        .iter()
        .filter(|&&c| c.is_ascii_alphanumeric() && !is_base58(c))
        .count();
    if strays != 1 || !b.iter().all(u8::is_ascii_alphanumeric) || !is_base58(*b.first()?) {
        return None;
    }
    let claim = typo(token)?;
    Some(Claim {
        validity: Validity::Invalid(Flaw::BadCharacter),
        ..claim
    })
}

/// A chain's address with a typo: its first letter, a length near its own
/// and the mix of random data, but a checksum that fails (a length the
/// chain uses) or a character lost or added (a length it never uses).
fn typo(token: &str) -> Option<Claim> {
    let first = *token.as_bytes().first()?;
    // The chain, the lengths its addresses have, the lengths read as one
    // of its addresses with characters lost or added.
    let (chains, lengths, near) = match first {
        b'1' => (BITCOIN, 26..=34, 25..=36),
        b'3' => (SCRIPT, 34..=34, 30..=38),
        b'L' | b'M' => (LITECOIN, 34..=34, 30..=38),
        b'D' => (DOGECOIN, 34..=34, 30..=38),
        b'T' => (TRON, 34..=34, 30..=40),
        b'r' => (XRP, 25..=35, 24..=36),
        _ => return None,
    };
    if !near.contains(&token.len()) || !looks_random(token) {
        return None;
    }
    let flaw = if lengths.contains(&token.len()) {
        Flaw::BadChecksum
    } else {
        Flaw::BadLength
    };
    Some(Claim::address(chains, Validity::Invalid(flaw), token.len()))
}

#[cfg(test)]
mod tests {
    use super::super::Kind;
    use super::*;

    fn claim(token: &str) -> Option<(Kind, &'static [Chain], Validity)> {
        classify(token).map(|c| (c.kind, c.chains, c.validity))
    }

    fn address(chains: &'static [Chain], validity: Validity) -> Option<(Kind, &'static [Chain], Validity)> {
        Some((Kind::Address, chains, validity))
    }

    /// `version` and 20 bytes in Base58Check.
    fn encoded(version: u8) -> String {
        let mut payload = vec![version];
        payload.extend([0x5a; 20]);
        bs58::encode(payload).with_check().into_string()
    }

    #[test]
    fn well_known_addresses() {
        let valid = Validity::Valid;
        assert_eq!(claim("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), address(BITCOIN, valid));
        assert_eq!(claim("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"), address(SCRIPT, valid));
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), address(TRON, valid));
        assert_eq!(claim("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"), address(XRP, valid));
        assert_eq!(claim("rrrrrrrrrrrrrrrrrrrrrhoLvTp"), address(XRP, valid));
        assert_eq!(
            claim("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
            address(SOLANA, valid)
        );
        assert_eq!(claim("11111111111111111111111111111111"), address(SOLANA, valid));
        assert_eq!(
            claim("So11111111111111111111111111111111111111112"),
            address(SOLANA, valid)
        );
    }

    #[test]
    fn versions_name_the_chain() {
        assert_eq!(claim(&encoded(0x30)), address(LITECOIN, Validity::Valid));
        assert_eq!(claim(&encoded(0x32)), address(LITECOIN, Validity::Valid));
        assert_eq!(claim(&encoded(0x1e)), address(DOGECOIN, Validity::Valid));
        assert_eq!(
            claim(&encoded(0x6f)),
            address(BITCOIN, Validity::Invalid(Flaw::Testnet))
        );
        assert_eq!(
            claim(&encoded(0xc4)),
            address(BITCOIN, Validity::Invalid(Flaw::Testnet))
        );
        // A checksum that holds for a version of no chain here.
        assert_eq!(claim(&encoded(0x99)), None);
    }

    #[test]
    fn one_character_changed_is_a_typo() {
        let checksum = Validity::Invalid(Flaw::BadChecksum);
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T"), address(TRON, checksum));
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj7t"), address(TRON, checksum));
        assert_eq!(claim("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), address(BITCOIN, checksum));
        assert_eq!(claim("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj"), address(XRP, checksum));
    }

    #[test]
    fn lost_or_added_characters_are_a_bad_length() {
        let length = Validity::Invalid(Flaw::BadLength);
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6"), address(TRON, length));
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tt7"), address(TRON, length));
        assert_eq!(claim("TR7NHqjeKQxGTCi8q8ZY4pL8"), None, "too short to say");
    }

    #[test]
    fn glued_words_are_cut_away_by_the_checksum() {
        let claim = classify("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tUSDT").map(|c| (c.len, c.validity));
        assert_eq!(claim, Some((34, Validity::Valid)));
    }

    #[test]
    fn solana_signatures_and_what_is_not_solana() {
        let signature = bs58::encode([0xa7u8; 64]).into_string();
        assert_eq!(claim(&signature), Some((Kind::TransactionId, SOLANA, Validity::Valid)));
        // Words and pinyin have not the mix of random data, even when they
        // are Base58 of the right length.
        assert_eq!(claim("woxiangwenyixiawodetibiweishenmehaimeidaozhang"), None);
        assert_eq!(claim("TheQuickBrownFoxJumpsUnderTheHazyDogsAgain"), None);
        assert_eq!(claim("TheQuickBrownFoxJumpsUnderTheHazyDogs"), None);
        assert_eq!(claim("2222222222222222222222222222222222222222"), None);
    }
}
