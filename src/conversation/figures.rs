//! The numbers a fee, minimum or confirmation question asks for, quoted
//! from `facts.yaml` before the answer: "USDT走TRC20提币手续费多少" is
//! answered with the fee of USDT on TRC20, not only with the article that
//! explains fees. Only what the answered article itself quotes is quoted
//! (an article about fees quotes fees), and only for the coin or network the
//! message names; a question naming neither gets the article, which lists
//! them.

use crate::corpus::facts::Availability;
use crate::corpus::{EntityKind, Lang};
use crate::corpus::{Fact, FactKind, Facts};

use super::reading::Reading;

/// The longest message (in characters) that, naming a coin or network
/// and no kind of number, asks for all the answered article quotes: a
/// follow-up such as "那erc20呢" or "and on bep20?".
const SHORT_FOLLOW_UP: usize = 16;

/// Words that ask for each kind of number, on normalized text.
fn asks_for(kind: FactKind) -> &'static [&'static str] {
    match kind {
        FactKind::Fee => &[
            "手续费",
            "费用",
            "收费",
            "扣多少",
            "收多少",
            "扣了多少",
            "矿工费",
            "网络费",
            "fee",
            "cost",
            "charge",
        ],
        FactKind::Minimum => &[
            "最低", "最少", "最小", "起提", "下限", "至少", "minimum", "min ", "at least", "smallest", "lowest",
        ],
        FactKind::Confirmations => &["确认", "几个块", "多少个块", "confirmation", "confirms", "blocks"],
    }
}

/// The facts of the coin and network `reading` names, of the kinds it asks
/// for among those the answered article `quotes`, one line each.
pub fn quote(reading: &Reading, quotes: &[FactKind], facts: &Facts, lang: Lang) -> Option<String> {
    let named_kinds: Vec<FactKind> = FactKind::ALL
        .iter()
        .copied()
        .filter(|&kind| asks_for(kind).iter().any(|w| reading.normalized.contains(w)))
        .collect();
    let mut asked: Vec<FactKind> = quotes.iter().copied().filter(|k| named_kinds.contains(k)).collect();
    if named_kinds.is_empty() && reading.normalized.chars().count() <= SHORT_FOLLOW_UP {
        // "那erc20呢" after the fee answer: the same numbers, on ERC20.
        asked = quotes.to_vec();
    }
    if asked.is_empty() {
        return None;
    }
    let named = |kind: EntityKind| -> Vec<&str> {
        reading
            .mentions
            .iter()
            .filter(|m| m.kind == kind)
            .map(|m| m.id.as_str())
            .collect()
    };
    let (coins, networks) = (named(EntityKind::Coin), named(EntityKind::Network));
    if coins.is_empty() && networks.is_empty() {
        return None;
    }
    let lines: Vec<String> = facts
        .facts
        .iter()
        .filter(|f| coins.is_empty() || coins.contains(&f.coin.as_str()))
        .filter(|f| networks.is_empty() || networks.contains(&f.network.as_str()))
        .filter_map(|f| line(f, &asked, lang))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// One fact as a sentence: the numbers asked for, and whether the way they
/// concern is suspended.
fn line(fact: &Fact, asked: &[FactKind], lang: Lang) -> Option<String> {
    let parts: Vec<String> = asked
        .iter()
        .filter_map(|&kind| {
            let value = fact.value(kind)?;
            Some(match (lang, kind) {
                (Lang::Zh, FactKind::Fee) => format!("提币手续费 {value}"),
                (Lang::Zh, FactKind::Minimum) => format!("最小提币数量 {value}"),
                (Lang::Zh, FactKind::Confirmations) => format!("充值需 {value} 个网络确认"),
                (Lang::En, FactKind::Fee) => format!("withdrawal fee {value}"),
                (Lang::En, FactKind::Minimum) => format!("minimum withdrawal {value}"),
                (Lang::En, FactKind::Confirmations) => format!("deposits credit after {value} network confirmations"),
            })
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let withdrawing = asked.iter().any(|k| matches!(k, FactKind::Fee | FactKind::Minimum));
    let depositing = asked.contains(&FactKind::Confirmations);
    let suspended = match lang {
        Lang::Zh => [
            (
                withdrawing && fact.withdrawals == Availability::Suspended,
                "；目前暂停提币",
            ),
            (depositing && fact.deposits == Availability::Suspended, "；目前暂停充值"),
        ],
        Lang::En => [
            (
                withdrawing && fact.withdrawals == Availability::Suspended,
                "; withdrawals are suspended for now",
            ),
            (
                depositing && fact.deposits == Availability::Suspended,
                "; deposits are suspended for now",
            ),
        ],
    }
    .iter()
    .filter(|(applies, _)| *applies)
    .map(|(_, text)| *text)
    .collect::<String>();
    Some(match lang {
        Lang::Zh => format!(
            "{}（{}）：{}{suspended}（{} 起）",
            fact.coin,
            fact.network,
            parts.join("，"),
            fact.since
        ),
        Lang::En => format!(
            "{} on {}: {}{suspended} (since {})",
            fact.coin,
            fact.network,
            parts.join(", "),
            fact.since
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::reading::Mention;

    fn fact(coin: &str, network: &str, fee: &str, confirmations: u32) -> Fact {
        Fact {
            coin: coin.into(),
            network: network.into(),
            withdrawal_fee: Some(fee.into()),
            min_withdrawal: Some("10".into()),
            confirmations: Some(confirmations),
            memo: false,
            deposits: Availability::Open,
            withdrawals: Availability::Open,
            since: time::Date::from_calendar_date(2026, time::Month::November, 1).unwrap_or(time::Date::MIN),
            expires: None,
            line: None,
        }
    }

    fn facts() -> Facts {
        let mut suspended = fact("USDT", "ERC20", "4.5", 12);
        suspended.withdrawals = Availability::Suspended;
        Facts {
            facts: vec![
                fact("USDT", "TRC20", "1", 20),
                fact("USDT", "BEP20", "0.3", 15),
                suspended,
            ],
        }
    }

    fn reading(normalized: &str, mentions: &[(&str, EntityKind)]) -> Reading {
        Reading {
            text: normalized.into(),
            normalized: normalized.into(),
            lang: Lang::Zh,
            written_in: Some(Lang::Zh),
            mentions: mentions
                .iter()
                .map(|(id, kind)| Mention {
                    id: id.to_string(),
                    kind: *kind,
                })
                .collect(),
            direction: None,
            triage: Default::default(),
            anxious: false,
            pasted: Vec::new(),
        }
    }

    const FEES: &[FactKind] = &[FactKind::Fee, FactKind::Minimum];

    #[test]
    fn the_number_for_the_coin_and_network_asked() {
        let asked = reading(
            "usdt走trc20提币手续费多少",
            &[("USDT", EntityKind::Coin), ("TRC20", EntityKind::Network)],
        );
        assert_eq!(
            quote(&asked, FEES, &facts(), Lang::Zh).as_deref(),
            Some("USDT（TRC20）：提币手续费 1 USDT（2026-11-01 起）")
        );
        let both = reading(
            "minimum and fee for usdt on bep20",
            &[("USDT", EntityKind::Coin), ("BEP20", EntityKind::Network)],
        );
        assert_eq!(
            quote(&both, FEES, &facts(), Lang::En).as_deref(),
            Some("USDT on BEP20: withdrawal fee 0.3 USDT, minimum withdrawal 10 USDT (since 2026-11-01)")
        );
    }

    #[test]
    fn a_coin_without_a_network_lists_its_networks() {
        let asked = reading("usdt提币手续费", &[("USDT", EntityKind::Coin)]);
        let quoted = quote(&asked, FEES, &facts(), Lang::Zh).unwrap_or_default();
        assert_eq!(quoted.lines().count(), 3, "{quoted}");
        assert!(
            quoted.contains("ERC20）：提币手续费 4.5 USDT；目前暂停提币"),
            "{quoted}"
        );
    }

    #[test]
    fn nothing_when_the_article_does_not_quote_it_or_nothing_is_named() {
        let confirmations = reading("trc20要几个确认", &[("TRC20", EntityKind::Network)]);
        assert_eq!(quote(&confirmations, FEES, &facts(), Lang::Zh), None);
        assert!(quote(&confirmations, &[FactKind::Confirmations], &facts(), Lang::Zh)
            .is_some_and(|q| q.contains("充值需 20 个网络确认")));
        assert_eq!(quote(&reading("提币手续费多少", &[]), FEES, &facts(), Lang::Zh), None);
        let no_number = reading(
            "我想把usdt通过trc20提到别的平台 应该怎么操作",
            &[("USDT", EntityKind::Coin), ("TRC20", EntityKind::Network)],
        );
        assert_eq!(quote(&no_number, FEES, &facts(), Lang::Zh), None);
        // A short follow-up naming only a network asks for what the
        // article quotes.
        let follow_up = reading("那bep20呢", &[("BEP20", EntityKind::Network)]);
        assert_eq!(
            quote(&follow_up, FEES, &facts(), Lang::Zh).as_deref(),
            Some("USDT（BEP20）：提币手续费 0.3 USDT，最小提币数量 10 USDT（2026-11-01 起）")
        );
    }
}
