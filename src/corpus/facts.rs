//! `facts.yaml`: the numbers of each coin on each network (withdrawal fee,
//! minimum withdrawal, confirmations, memo, whether deposits and
//! withdrawals are open), written once with the date they took effect.
//!
//! Fees and minimums change with the networks; written into each article in
//! each language, they drift apart (the Chinese says 1 USDT, the English
//! still 2). Articles write a placeholder instead, `{{fee USDT TRC20}}`,
//! `{{minimum USDT TRC20}}` or `{{confirmations BTC BITCOIN-NETWORK}}`,
//! which the loader renders the same way in both languages, and answers
//! quote the fact for the coin and network a user asks about. A placeholder
//! with no fact, or a fact no article uses, makes the corpus invalid; a
//! fact past its `expires` date is reported by `kefu check` (a date passing
//! must not take a running help desk down).

use std::path::Path;

use serde::Deserialize;
use time::{Date, Month};

use super::entities::{Entities, EntityKind};
use super::Problem;

/// What a fact tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactKind {
    /// The withdrawal fee, in the coin.
    Fee,
    /// The smallest withdrawal, in the coin.
    Minimum,
    /// The confirmations a deposit waits for.
    Confirmations,
}

impl FactKind {
    /// Every kind, in the order answers quote them.
    pub const ALL: [FactKind; 3] = [FactKind::Fee, FactKind::Minimum, FactKind::Confirmations];

    /// Its word in a placeholder.
    pub fn keyword(self) -> &'static str {
        match self {
            FactKind::Fee => "fee",
            FactKind::Minimum => "minimum",
            FactKind::Confirmations => "confirmations",
        }
    }

    fn parse(word: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.keyword() == word)
    }
}

/// Whether deposits or withdrawals of a coin on a network are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Taken as usual.
    Open,
    /// Suspended (network upgrade, congestion, delisting).
    Suspended,
}

/// One coin on one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The coin's id in `entities.yaml`.
    pub coin: String,
    /// The network's id in `entities.yaml`.
    pub network: String,
    /// The withdrawal fee, a decimal number in the coin, as written.
    pub withdrawal_fee: Option<String>,
    /// The smallest withdrawal, a decimal number in the coin, as written.
    pub min_withdrawal: Option<String>,
    /// Confirmations before a deposit is credited.
    pub confirmations: Option<u32>,
    /// Whether a deposit needs a memo or tag beside the address.
    pub memo: bool,
    /// Whether deposits are taken.
    pub deposits: Availability,
    /// Whether withdrawals are taken.
    pub withdrawals: Availability,
    /// The day these numbers took effect.
    pub since: Date,
    /// The day they must have been checked again by.
    pub expires: Option<Date>,
    /// Its line in `facts.yaml`.
    pub line: Option<usize>,
}

impl Fact {
    /// The value of `kind` as articles and answers show it ("1 USDT", "12").
    pub fn value(&self, kind: FactKind) -> Option<String> {
        match kind {
            FactKind::Fee => self.withdrawal_fee.as_ref().map(|v| format!("{v} {}", self.coin)),
            FactKind::Minimum => self.min_withdrawal.as_ref().map(|v| format!("{v} {}", self.coin)),
            FactKind::Confirmations => self.confirmations.map(|n| n.to_string()),
        }
    }
}

/// The whole table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The facts, in file order.
    pub facts: Vec<Fact>,
}

impl Facts {
    /// The fact of `coin` on `network`.
    pub fn get(&self, coin: &str, network: &str) -> Option<&Fact> {
        self.facts.iter().find(|f| f.coin == coin && f.network == network)
    }

    /// Facts past their `expires` date on `today`.
    pub fn expired(&self, today: Date) -> impl Iterator<Item = &Fact> {
        self.facts.iter().filter(move |f| f.expires.is_some_and(|e| e < today))
    }
}

/// A `{{kind COIN NETWORK}}` in an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Its byte range in the text, braces included.
    pub span: std::ops::Range<usize>,
    /// What it asks for; `None` for an unknown word.
    pub kind: Option<FactKind>,
    /// Its words as written, for messages.
    pub words: String,
    /// The coin and network named.
    pub coin: String,
    /// The network.
    pub network: String,
}

/// Every `{{…}}` in `text`.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let Some(close) = text[open..].find("}}").map(|i| open + i) else {
            break;
        };
        let words = text[open + 2..close].trim();
        let mut parts = words.split_whitespace();
        found.push(Placeholder {
            span: open..close + 2,
            kind: parts.next().and_then(FactKind::parse),
            coin: parts.next().unwrap_or("").to_string(),
            network: parts.next().unwrap_or("").to_string(),
            words: words.to_string(),
        });
        from = close + 2;
    }
    found
}

/// `text` with every placeholder that has a value replaced by it; what
/// has none stays as written (the loader has reported it).
pub fn render(text: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for p in placeholders(text) {
        let value = p
            .kind
            .and_then(|kind| facts.get(&p.coin, &p.network).and_then(|f| f.value(kind)));
        if let Some(value) = value {
            out.push_str(&text[last..p.span.start]);
            out.push_str(&value);
            last = p.span.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// The problem with a placeholder, if any: an unknown word, or no value
/// for it in the table.
pub fn check_placeholder(p: &Placeholder, facts: &Facts) -> Option<String> {
    let Some(kind) = p.kind else {
        return Some(format!(
            "`{{{{{}}}}}`: a placeholder is `{{{{fee|minimum|confirmations COIN NETWORK}}}}`",
            p.words
        ));
    };
    let fact = facts.get(&p.coin, &p.network);
    match fact.and_then(|f| f.value(kind)) {
        Some(_) => None,
        None if fact.is_some() => Some(format!(
            "`{{{{{}}}}}`: facts.yaml gives {} {} no {}",
            p.words,
            p.coin,
            p.network,
            kind.keyword()
        )),
        None => Some(format!(
            "`{{{{{}}}}}`: no fact for {} on {} in facts.yaml",
            p.words, p.coin, p.network
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    facts: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    coin: String,
    network: String,
    #[serde(default)]
    withdrawal_fee: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    min_withdrawal: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    confirmations: Option<u32>,
    #[serde(default)]
    memo: bool,
    #[serde(default = "open")]
    deposits: Availability,
    #[serde(default = "open")]
    withdrawals: Availability,
    since: String,
    #[serde(default)]
    expires: Option<String>,
}

fn open() -> Availability {
    Availability::Open
}

/// Parses `facts.yaml`, checking coins and networks against the entity
/// list, reporting problems with their line.
pub(super) fn parse(path: &Path, text: &str, entities: &Entities, problems: &mut Vec<Problem>) -> Facts {
    let file = match serde_yaml_ng::from_str::<File>(text) {
        Ok(file) => file,
        Err(e) => {
            problems.push(Problem::new(
                path,
                e.location().map(|l| l.line()),
                format!("bad facts table: {e}"),
            ));
            return Facts::default();
        }
    };
    // Entries are found in file order, each after the one before.
    let mut search_from = 0;
    let mut line_of = |coin: &str, network: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let found = (search_from..lines.len()).find(|&i| {
            let window = lines[i..lines.len().min(i + 3)].join(" ");
            lines[i].contains(&format!("coin: {coin}")) && window.contains(&format!("network: {network}"))
        });
        if let Some(i) = found {
            search_from = i + 1;
        }
        found.map(|i| i + 1)
    };
    let mut facts = Facts::default();
    for entry in file.facts {
        let line = line_of(&entry.coin, &entry.network);
        let mut problem = |message: String| problems.push(Problem::new(path, line, message));
        let is = |id: &str, kind: EntityKind| entities.get(id).is_some_and(|e| e.kind == kind);
        if !is(&entry.coin, EntityKind::Coin) {
            problem(format!("`{}` is no coin of entities.yaml", entry.coin));
        }
        if !is(&entry.network, EntityKind::Network) {
            problem(format!("`{}` is no network of entities.yaml", entry.network));
        } else if entities
            .get(&entry.coin)
            .is_some_and(|c| !c.networks.contains(&entry.network))
        {
            problem(format!(
                "{} is not on {} in entities.yaml (its `networks`)",
                entry.coin, entry.network
            ));
        }
        if facts.get(&entry.coin, &entry.network).is_some() {
            problem(format!("{} on {} twice", entry.coin, entry.network));
            continue;
        }
        let mut amount = |field: &str, value: Option<serde_yaml_ng::Value>| -> Option<String> {
            let written = match value? {
                serde_yaml_ng::Value::Number(n) => n.to_string(),
                serde_yaml_ng::Value::String(s) => s,
                other => format!("{other:?}"),
            };
            if decimal(&written) {
                Some(written)
            } else {
                problem(format!("{field} `{written}` is not a decimal number"));
                None
            }
        };
        let withdrawal_fee = amount("withdrawal_fee", entry.withdrawal_fee);
        let min_withdrawal = amount("min_withdrawal", entry.min_withdrawal);
        let mut day = |field: &str, written: &str| -> Option<Date> {
            let parsed = date(written);
            if parsed.is_none() {
                problem(format!("{field} `{written}` is not a date (YYYY-MM-DD)"));
            }
            parsed
        };
        let since = day("since", &entry.since);
        let expires = entry.expires.as_deref().and_then(|e| day("expires", e));
        let Some(since) = since else { continue };
        facts.facts.push(Fact {
            coin: entry.coin,
            network: entry.network,
            withdrawal_fee,
            min_withdrawal,
            confirmations: entry.confirmations,
            memo: entry.memo,
            deposits: entry.deposits,
            withdrawals: entry.withdrawals,
            since,
            expires,
            line,
        });
    }
    facts
}

/// A plain decimal: digits, at most one point, no sign or exponent.
fn decimal(s: &str) -> bool {
    let mut parts = s.split('.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    parts.next().is_none()
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// `YYYY-MM-DD`.
fn date(s: &str) -> Option<Date> {
    let mut parts = s.trim().split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Entity;

    fn entities() -> Entities {
        let entity = |id: &str, kind, networks: &[&str]| Entity {
            id: id.into(),
            kind,
            names: vec![id.to_lowercase()],
            terms: Vec::new(),
            chain: None,
            explorer: None,
            networks: networks.iter().map(|n| n.to_string()).collect(),
        };
        Entities {
            entities: vec![
                entity("USDT", EntityKind::Coin, &["TRC20", "ERC20"]),
                entity("TRC20", EntityKind::Network, &[]),
                entity("ERC20", EntityKind::Network, &[]),
            ],
            kind_terms: Vec::new(),
        }
    }

    fn parsed(text: &str) -> (Facts, Vec<String>) {
        let mut problems = Vec::new();
        let facts = parse(Path::new("facts.yaml"), text, &entities(), &mut problems);
        (facts, problems.iter().map(ToString::to_string).collect())
    }

    const TABLE: &str = "facts:\n  - { coin: USDT, network: TRC20, withdrawal_fee: 1, min_withdrawal: \"10.5\", confirmations: 19, since: 2026-11-01 }\n  - coin: USDT\n    network: ERC20\n    withdrawal_fee: 4.5\n    since: 2026-11-01\n    expires: 2026-12-31\n";

    #[test]
    fn placeholders_render_the_same_numbers_in_every_language() {
        let (facts, problems) = parsed(TABLE);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            render(
                "手续费 {{fee USDT TRC20}}，最少 {{ minimum USDT TRC20 }}，{{confirmations USDT TRC20}} 个确认",
                &facts
            ),
            "手续费 1 USDT，最少 10.5 USDT，19 个确认"
        );
        assert_eq!(render("fee: {{fee USDT ERC20}}.", &facts), "fee: 4.5 USDT.");
        let day = |d| date(d).unwrap();
        assert_eq!(facts.expired(day("2027-01-01")).count(), 1);
        assert_eq!(facts.expired(day("2026-12-31")).count(), 0);
    }

    #[test]
    fn a_placeholder_without_a_value_is_a_problem() {
        let (facts, _) = parsed(TABLE);
        let problem = |text: &str| {
            let found = placeholders(text);
            assert_eq!(found.len(), 1, "{text}");
            check_placeholder(&found[0], &facts)
        };
        assert_eq!(problem("{{fee USDT TRC20}}"), None);
        assert!(problem("{{fee USDT BEP20}}").is_some_and(|p| p.contains("no fact for USDT on BEP20")));
        assert!(problem("{{confirmations USDT ERC20}}").is_some_and(|p| p.contains("no confirmations")));
        assert!(problem("{{price USDT TRC20}}").is_some_and(|p| p.contains("fee|minimum|confirmations")));
        assert_eq!(render("{{fee USDT BEP20}}", &facts), "{{fee USDT BEP20}}");
    }

    #[test]
    fn bad_entries_are_reported_on_their_line() {
        let (_, problems) = parsed(
            "facts:\n  - { coin: USDT, network: TRC20, withdrawal_fee: 1, since: 2026-11-01 }\n  - { coin: DOGE, network: TRC20, since: 2026-11-01 }\n  - { coin: USDT, network: ERC20, withdrawal_fee: -3, since: 2026-02-30 }\n  - { coin: USDT, network: TRC20, since: 2026-11-01 }\n",
        );
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("facts.yaml:3: `DOGE` is no coin"), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains(":4: withdrawal_fee `-3`")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains(":4: since `2026-02-30`")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains(":5: USDT on TRC20 twice")),
            "{problems:?}"
        );
    }
}
