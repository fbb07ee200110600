//! Segwit addresses: Bech32 (BIP-173, witness version 0, `bc1q…`) and
//! Bech32m (BIP-350, versions 1 to 16, taproot `bc1p…`), for Bitcoin
//! (`bc`, testnet `tb`) and Litecoin (`ltc`, testnet `tltc`).
//!
//! The `bech32` crate decodes and checks them with BIP-350's rule: version 0
//! uses the Bech32 checksum and every later version Bech32m, so BIP-173's
//! own examples of versions 1 and up (written before BIP-350) fail as a bad
//! checksum, as wallets reject them today. Only tokens that begin with one
//! of these prefixes are read; other Bech32 chains (Cosmos, Cardano…) are
//! not recognized.

use bech32::primitives::decode::{ChecksumError, SegwitHrpstring, SegwitHrpstringError, UncheckedHrpstringError};

use super::claim::{glued_word, Claim};
use super::{Chain, Flaw, Validity};

const BITCOIN: &[Chain] = &[Chain::Bitcoin];
const LITECOIN: &[Chain] = &[Chain::Litecoin];

/// The shortest segwit address: prefix, separator, version, a 2-byte
/// program and the checksum; shorter tokens are left alone, and so are
/// tokens longer than any segwit address could be by far.
const MIN_LEN: usize = 8;
const MAX_LEN: usize = 100;

/// The most characters of a word glued on after an address that are cut
/// away to find it ("bc1q…USDT").
const GLUE: usize = 8;

/// A token that begins with a segwit prefix, valid or not.
pub(super) fn classify(token: &str) -> Option<Claim> {
    let prefix: String = token.chars().take(5).collect::<String>().to_ascii_lowercase();
    let chains = if prefix.starts_with("bc1") || prefix.starts_with("tb1") {
        BITCOIN
    } else if prefix.starts_with("ltc1") || prefix.starts_with("tltc1") {
        LITECOIN
    } else {
        return None;
    };
    if !(MIN_LEN..=MAX_LEN).contains(&token.len()) || !token.is_ascii() {
        return None;
    }
    match decode(token) {
        Some(Ok(validity)) => Some(Claim::address(chains, validity, token.len())),
        None => None,
        Some(Err(flaw)) => {
            let shortest = token.len().saturating_sub(GLUE).max(MIN_LEN);
            let glued = (shortest..token.len())
                .rev()
                .filter(|&cut| glued_word(&token[cut..]))
                .find_map(|cut| match decode(&token[..cut]) {
                    Some(Ok(validity)) => Some(Claim::address(chains, validity, cut)),
                    _ => None,
                });
            Some(glued.unwrap_or(Claim::address(chains, Validity::Invalid(flaw), token.len())))
        }
    }
}

/// `Ok` with the validity of a well-formed address (testnet or not), `Err`
/// with its flaw, `None` when its checksum holds for a prefix none of ours.
fn decode(token: &str) -> Option<Result<Validity, Flaw>> {
    match SegwitHrpstring::new(token) {
        Ok(address) => match address.hrp().to_lowercase().as_str() {
            "bc" | "ltc" => Some(Ok(Validity::Valid)),
            "tb" | "tltc" => Some(Ok(Validity::Invalid(Flaw::Testnet))),
            _ => None,
        },
        Err(e) => Some(Err(flaw(&e))),
    }
}

fn flaw(e: &SegwitHrpstringError) -> Flaw {
    match e {
        SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(_) | UncheckedHrpstringError::Hrp(_)) => {
            Flaw::BadCharacter
        }
        SegwitHrpstringError::InvalidWitnessVersion(_) => Flaw::BadVersion,
        SegwitHrpstringError::Checksum(ChecksumError::InvalidResidue) => Flaw::BadChecksum,
        SegwitHrpstringError::NoData
        | SegwitHrpstringError::TooLong(_)
        | SegwitHrpstringError::Padding(_)
        | SegwitHrpstringError::WitnessLength(_)
        | SegwitHrpstringError::Checksum(_) => Flaw::BadLength,
        _ => Flaw::BadChecksum,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validity(token: &str) -> Option<Validity> {
        classify(token).map(|c| c.validity)
    }

    #[test]
    fn bip173_and_bip350_valid_mainnet_addresses() {
        for address in [
            // BIP-173 (witness version 0)
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            // BIP-350
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "BC1SW50QGDZ25J",
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ] {
            assert_eq!(validity(address), Some(Validity::Valid), "{address}");
        }
    }

    #[test]
    fn bip173_and_bip350_invalid_addresses() {
        let checksum = Some(Validity::Invalid(Flaw::BadChecksum));
        let length = Some(Validity::Invalid(Flaw::BadLength));
        let character = Some(Validity::Invalid(Flaw::BadCharacter));
        let version = Some(Validity::Invalid(Flaw::BadVersion));
        let mut wrong = Vec::new();
        for (address, expected) in [
            // BIP-173
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", checksum),
            ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", version),
            ("bc1rw5uspcuh", checksum),
            // (a program too long for version 16, but Bech32 fails first)
            (
                "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
                checksum,
            ),
            ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", length),
            // (too much padding, and an empty data part; version 2 and 8 want
            // Bech32m, and the checksum is read first)
            ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", checksum),
            ("bc1gmk9yu", checksum),
            (
                "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
                character,
            ),
            // BIP-173's versions 1 and up, Bech32 where BIP-350 wants Bech32m
            (
                "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
                checksum,
            ),
            ("BC1SW50QA3JX3S", checksum),
            ("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", checksum),
            // BIP-350
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
                checksum,
            ),
            (
                "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
                checksum,
            ),
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", checksum),
            (
                "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
                character,
            ),
            (
                "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
                version,
            ),
            ("bc1pw5dgrnzv", length),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
                length,
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
                length,
            ),
            (
                "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
                character,
            ),
            (
                "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
                checksum,
            ),
        ] {
            if validity(address) != expected {
                wrong.push((address, validity(address), expected));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Another chain's prefix is not ours to judge.
        assert_eq!(validity("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty"), None);
    }

    #[test]
    fn testnet_and_litecoin() {
        assert_eq!(
            validity("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"),
            Some(Validity::Invalid(Flaw::Testnet))
        );
        let hrp = bech32::Hrp::parse("ltc").expect("valid prefix");
        let ltc = bech32::segwit::encode_v0(hrp, &[7u8; 20]).expect("encodes");
        let claim = classify(&ltc).expect("recognized");
        assert_eq!((claim.chains, claim.validity), (LITECOIN, Validity::Valid));
    }

    #[test]
    fn a_glued_word_is_cut_away_only_where_the_checksum_holds() {
        let address = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        let claim = classify(&format!("{address}USDT")).map(|c| (c.len, c.validity));
        assert_eq!(claim, Some((address.len(), Validity::Valid)));
        let typo = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp";
        let claim = classify(&format!("{typo}USDT")).map(|c| (c.len, c.validity));
        assert_eq!(claim, Some((typo.len() + 4, Validity::Invalid(Flaw::BadCharacter))));
    }
}
