//! The facts of a case a user's messages carry (coin, network, address,
//! TxID, amount), gathered for the ticket so that the agent who takes it
//! sees them at a glance and can find the ticket by its TxID, instead of
//! reading the transcript for them.

use std::sync::LazyLock;

use regex::Regex;

use crate::chain::{Kind, Validity};
use crate::corpus::{Entities, EntityKind};
use crate::domain::Details;

use super::addresses::shorten;
use super::reading::Reading;

/// An amount and its unit: "500U", "1,000 USDT", "0.5btc", "200 刀".
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^0-9a-z.])(\d[\d,]*(?:\.\d+)?)\s*(u|usdt|usdc|btc|eth|bnb|trx|sol|doge|xrp|ton|ltc|刀|美元|元|块)(?:$|[^a-z0-9])")
        .expect("valid regex")
});

impl Details {
    /// What `reading`'s message says.
    pub fn of(reading: &Reading) -> Details {
        let text = reading.text.as_str();
        let found = &reading.pasted;
        let complete = |kind: Kind| {
            found
                .iter()
                .find(|s| s.kind == kind && s.validity != Validity::Abbreviated)
                .map(|s| s.text(text).to_string())
        };
        let named = |kind: EntityKind| reading.mentions.iter().find(|m| m.kind == kind).map(|m| m.id.clone());
        // Amounts are read where no address or id is: their digits are not
        // amounts.
        let mut rest = text.to_string();
        for s in found.iter().rev() {
            rest.replace_range(s.span.clone(), " ");
        }
        let amount = AMOUNT.captures(&rest).map(|c| {
            let unit = &c[2];
            let unit = if unit.len() == 1 && unit.eq_ignore_ascii_case("u") {
                "U".to_string()
            } else if unit.is_ascii() {
                format!(" {}", unit.to_ascii_uppercase())
            } else {
                unit.to_string()
            };
            format!("{}{unit}", &c[1])
        });
        Details {
            coin: named(EntityKind::Coin),
            network: named(EntityKind::Network),
            address: complete(Kind::Address),
            txid: complete(Kind::TransactionId),
            amount,
        }
    }

    /// What `text` says, read on its own (a message to an agent, which
    /// the bot does not read otherwise).
    pub fn read(text: &str, entities: &Entities) -> Details {
        Details::of(&Reading::of(text, entities))
    }

    /// Whether nothing was said.
    pub fn is_empty(&self) -> bool {
        *self == Details::default()
    }

    /// `self` with what `later` adds: a field already known keeps its
    /// first value. Returns whether anything was added.
    pub fn add(&mut self, later: &Details) -> bool {
        let mut added = false;
        for (mine, theirs) in [
            (&mut self.coin, &later.coin),
            (&mut self.network, &later.network),
            (&mut self.address, &later.address),
            (&mut self.txid, &later.txid),
            (&mut self.amount, &later.amount),
        ] {
            if mine.is_none() && theirs.is_some() {
                *mine = theirs.clone();
                added = true;
            }
        }
        added
    }

    /// As an agent without the right to personal data sees them: the
    /// address shortened to its ends (enough to compare with a record).
    pub fn masked(&self) -> Details {
        Details {
            // As the bot's address check shows it to the user: the same ends.
            address: self.address.as_deref().map(shorten),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Entity;

    fn entities() -> Entities {
        let e = |id: &str, kind, names: &[&str]| Entity {
            id: id.into(),
            kind,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: Vec::new(),
            chain: None,
            explorer: None,
            networks: Vec::new(),
        };
        Entities {
            entities: vec![
                e("USDT", EntityKind::Coin, &["usdt"]),
                e("TRC20", EntityKind::Network, &["trc20"]),
            ],
            kind_terms: Vec::new(),
        }
    }

    const TX: &str = "7e467331322b30e6b270860e803d18fa7184915bc0930ae7dafbcd6289eeeec5";

    #[test]
    fn a_message_gives_its_coin_network_address_txid_and_amount() {
        let found = Details::read(
            &format!("从币安转了500U到TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t 走trc20 txid {TX} 还没到"),
            &entities(),
        );
        assert_eq!(
            found,
            Details {
                coin: Some("USDT".into()),
                network: Some("TRC20".into()),
                address: Some("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t".into()),
                txid: Some(TX.into()),
                amount: Some("500U".into()),
            }
        );
        assert_eq!(
            Details::read("sent 1,200.5 usdt yesterday", &entities())
                .amount
                .as_deref(),
            Some("1,200.5 USDT")
        );
        assert!(Details::read("提币要多久", &entities()).is_empty());
        // Digits of an id are no amount; an order number has no unit.
        assert_eq!(Details::read(TX, &entities()).amount, None);
        assert_eq!(Details::read("订单号 2024112300012345678", &entities()).amount, None);
    }

    #[test]
    fn later_messages_fill_only_what_is_missing_and_masking_keeps_the_ends() {
        let mut case = Details::read("500u 没到", &entities());
        assert!(case.add(&Details::read(&format!("txid {TX}"), &entities())));
        assert!(!case.add(&Details::read("1000u", &entities())));
        assert_eq!((case.amount.as_deref(), case.txid.as_deref()), (Some("500U"), Some(TX)));
        let masked = Details::read("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", &entities()).masked();
        assert_eq!(masked.address.as_deref(), Some("TR7NHq…Lj6t"));
    }
}
