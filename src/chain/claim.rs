//! What the recognizers of this module share: the [`Claim`] each makes of
//! a token, and the two tests of shape used where no checksum can decide.

use super::{Chain, Kind, Validity};

/// What a recognizer made of a token: the sighting less its position, and
/// how many bytes of the token it covers (fewer when a word was glued on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Claim {
    pub(super) kind: Kind,
    pub(super) chains: &'static [Chain],
    pub(super) validity: Validity,
    pub(super) len: usize,
}

impl Claim {
    pub(super) fn address(chains: &'static [Chain], validity: Validity, len: usize) -> Claim {
        Claim {
            kind: Kind::Address,
            chains,
            validity,
            len,
        }
    }

    pub(super) fn transaction(chains: &'static [Chain], validity: Validity, len: usize) -> Claim {
        Claim {
            kind: Kind::TransactionId,
            chains,
            validity,
            len,
        }
    }
}

/// The mix of random data: upper case, lower case and a digit. Random
/// Base58 or Base64 of 30 or more characters lacks one with odds under 1%;
/// words, pinyin, numbers and CamelCase names lack one almost always. Used
/// only where no checksum can decide.
pub(super) fn looks_random(token: &str) -> bool {
    let b = token.as_bytes();
    b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_digit)
}

/// Whether `rest`, cut off the end of a token, is a word glued to an
/// address in Chinese text ("T…USDT没到", "0x…BEP20"): two letters or more,
/// then maybe digits. A recognizer cuts it away only where what is left has
/// a checksum that holds; a single stray character is a typo, not a word.
pub(super) fn glued_word(rest: &str) -> bool {
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters >= 2 && rest.len() <= 10 && rest.bytes().skip(letters).all(|b| b.is_ascii_digit())
}
