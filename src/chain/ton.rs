//! TON addresses: the user-friendly form wallets and exchanges show (48
//! characters of Base64 or URL-safe Base64 of flags, workchain, the 32-byte
//! account and a CRC-16/XMODEM of those, `EQ…` bounceable, `UQ…`
//! non-bounceable, `kQ…`/`0Q…` testnet) and the raw form (`0:` and 64 hex
//! digits, no checksum).
//!
//! Exchanges share one TON deposit address among users and tell deposits
//! apart by the comment (memo), so a sighting says so ([`Chain::memo`]).

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use crc::{Crc, CRC_16_XMODEM};

use super::claim::{looks_random, Claim};
use super::{Chain, Flaw, Validity};

const TON: &[Chain] = &[Chain::Ton];
const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// Bounceable and non-bounceable flags; `0x80` more marks testnet.
const BOUNCEABLE: u8 = 0x11;
const NON_BOUNCEABLE: u8 = 0x51;
const TESTNET: u8 = 0x80;

/// A token shaped as a user-friendly address: its prefix (`E`, `U`, `k` or
/// `0`, then `Q` for the basic workchain or `f` for the masterchain), one
/// Base64 alphabet throughout, 44 to 52 characters (48 when well formed).
pub(super) fn classify(token: &str) -> Option<Claim> {
    let b = token.as_bytes();
    if !(44..=52).contains(&b.len()) {
        return None;
    }
    if !matches!(b.first(), Some(b'E' | b'U' | b'k' | b'0')) || !matches!(b.get(1), Some(b'Q' | b'f')) {
        return None;
    }
    let url_safe = b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    let standard = b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/');
    if !(url_safe || standard) || !looks_random(token) {
        return None;
    }
    if b.len() != 48 {
        return Some(Claim::address(TON, Validity::Invalid(Flaw::BadLength), b.len()));
    }
    let engine = if url_safe { URL_SAFE_NO_PAD } else { STANDARD_NO_PAD };
    let Ok(bytes) = engine.decode(token) else {
        return Some(Claim::address(TON, Validity::Invalid(Flaw::BadCharacter), b.len()));
    };
    Some(Claim::address(TON, validity(&bytes), b.len()))
}

/// The 36 decoded bytes: flags, workchain, account, CRC-16 (big-endian).
fn validity(bytes: &[u8]) -> Validity {
    let (Some(&flags), Some(&workchain), 36) = (bytes.first(), bytes.get(1), bytes.len()) else {
        return Validity::Invalid(Flaw::BadLength);
    };
    if CRC16.checksum(&bytes[..34]).to_be_bytes() != bytes[34..] {
        return Validity::Invalid(Flaw::BadChecksum);
    }
    if !matches!(flags & !TESTNET, BOUNCEABLE | NON_BOUNCEABLE) || !matches!(workchain, 0x00 | 0xff) {
        return Validity::Invalid(Flaw::BadVersion);
    }
    if flags & TESTNET != 0 {
        return Validity::Invalid(Flaw::Testnet);
    }
    Validity::Valid
}

/// How many bytes before a 64-hex token make it a raw address: `0:` of the
/// basic workchain or `-1:` of the masterchain, not glued to a number.
pub(super) fn raw_prefix(before: &str) -> Option<usize> {
    let prefix = ["-1:", "0:"].into_iter().find(|p| before.ends_with(p))?;
    let glued = before[..before.len() - prefix.len()]
        .bytes()
        .next_back()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    (!glued).then_some(prefix.len())
}

/// A raw address found after [`raw_prefix`].
pub(super) fn raw(len: usize) -> Claim {
    Claim::address(TON, Validity::Valid, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TON's documentation example, and its account in the raw form.
    const BOUNCEABLE_EXAMPLE: &str = "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N";
    const RAW_ACCOUNT: &str = "83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8";

    fn encode(flags: u8, account: &[u8; 32]) -> String {
        let mut bytes = vec![flags, 0];
        bytes.extend_from_slice(account);
        let crc = CRC16.checksum(&bytes);
        bytes.extend(crc.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn validity_of(token: &str) -> Option<Validity> {
        classify(token).map(|c| c.validity)
    }

    #[test]
    fn the_documented_example_and_its_account() {
        assert_eq!(validity_of(BOUNCEABLE_EXAMPLE), Some(Validity::Valid));
        let bytes = URL_SAFE_NO_PAD.decode(BOUNCEABLE_EXAMPLE).unwrap_or_default();
        let account: String = bytes[2..34].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(account, RAW_ACCOUNT);
        // USDT's jetton master, with a `_` of URL-safe Base64.
        assert_eq!(
            validity_of("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"),
            Some(Validity::Valid)
        );
    }

    #[test]
    fn flags_checksum_and_length() {
        let account = [0x3cu8; 32];
        let non_bounceable = encode(NON_BOUNCEABLE, &account);
        assert!(non_bounceable.starts_with("UQ"), "{non_bounceable}");
        assert_eq!(validity_of(&non_bounceable), Some(Validity::Valid));
        let testnet = encode(BOUNCEABLE | TESTNET, &account);
        assert_eq!(validity_of(&testnet), Some(Validity::Invalid(Flaw::Testnet)));
        let standard = STANDARD_NO_PAD.encode(URL_SAFE_NO_PAD.decode(&non_bounceable).unwrap_or_default());
        assert_eq!(validity_of(&standard), Some(Validity::Valid));
        let mut typo = BOUNCEABLE_EXAMPLE.to_string();
        typo.replace_range(10..11, "x");
        assert_eq!(validity_of(&typo), Some(Validity::Invalid(Flaw::BadChecksum)));
        assert_eq!(
            validity_of(&BOUNCEABLE_EXAMPLE[..47]),
            Some(Validity::Invalid(Flaw::BadLength))
        );
        assert_eq!(validity_of(&BOUNCEABLE_EXAMPLE[..40]), None);
    }

    #[test]
    fn raw_prefixes() {
        assert_eq!(raw_prefix("地址 0:"), Some(2));
        assert_eq!(raw_prefix("-1:"), Some(3));
        assert_eq!(raw_prefix("at 10:"), None);
        assert_eq!(raw_prefix("TxID:"), None);
    }
}
