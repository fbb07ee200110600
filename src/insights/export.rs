//! The report's tables as CSV, for spreadsheets.
//!
//! Cells quote as RFC 4180 says, and a cell that a spreadsheet would run as
//! a formula (users' questions start with `=` or `+` too) is prefixed with
//! `'`, so opening an export never executes what a user typed.

use std::fmt::Write;

use super::report::{Durations, Ratings, Report};
use crate::domain::ArticleId;

/// The tables a report exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// Questions per day and decision.
    Daily,
    /// The most asked-about articles.
    Topics,
    /// The most frequent unanswered questions.
    Unanswered,
    /// Verdicts per article.
    Articles,
    /// Tickets by priority and status.
    Tickets,
    /// Per agent.
    Agents,
    /// One row per ticket, with the case's coin, network, address, TxID
    /// and amount, and the user's rating.
    Cases,
    /// Users' ratings of agents' conversations per day.
    Satisfaction,
}

impl Table {
    /// Its name in file names and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Daily => "daily",
            Table::Topics => "topics",
            Table::Unanswered => "unanswered",
            Table::Articles => "articles",
            Table::Tickets => "tickets",
            Table::Agents => "agents",
            Table::Cases => "cases",
            Table::Satisfaction => "satisfaction",
        }
    }
}

/// One table of `report` as CSV with a header row.
pub fn csv(report: &Report, table: Table) -> String {
    let mut out = Csv::default();
    match table {
        Table::Daily => {
            out.row(["date", "answered", "clarified", "handed_off"]);
            for d in &report.daily {
                out.row([
                    d.date.clone(),
                    d.answered.to_string(),
                    d.clarified.to_string(),
                    d.handed_off.to_string(),
                ]);
            }
        }
        Table::Topics => {
            out.row(["article", "title", "category", "asked", "handed_off"]);
            for t in &report.topics {
                out.row([
                    t.article.to_string(),
                    t.title.clone(),
                    t.category.clone(),
                    t.asked.to_string(),
                    t.handed_off.to_string(),
                ]);
            }
        }
        Table::Unanswered => {
            out.row(["question", "count", "last_asked", "nearest_article", "confidence"]);
            for u in &report.unanswered {
                out.row([
                    u.question.clone(),
                    u.count.to_string(),
                    u.last_asked.clone(),
                    u.nearest_article.as_ref().map(ArticleId::to_string).unwrap_or_default(),
                    format!("{:.3}", u.confidence),
                ]);
            }
        }
        Table::Articles => {
            out.row(["article", "title", "helpful", "not_helpful", "helpful_rate"]);
            for a in &report.articles {
                out.row([
                    a.article.to_string(),
                    a.title.clone(),
                    a.helpful.to_string(),
                    a.not_helpful.to_string(),
                    format!("{:.3}", a.helpful_rate),
                ]);
            }
        }
        Table::Tickets => {
            out.row(["priority", "status", "count"]);
            for t in &report.tickets.by_status {
                out.row([t.priority.to_string(), t.status.to_string(), t.count.to_string()]);
            }
        }
        Table::Cases => {
            out.row([
                "ticket",
                "created_at",
                "status",
                "priority",
                "reason",
                "topic",
                "agent",
                "coin",
                "network",
                "address",
                "txid",
                "amount",
                "rating",
                "rating_comment",
            ]);
            for c in &report.cases {
                let d = &c.details;
                out.row([
                    c.ticket.to_string(),
                    c.created_at.clone(),
                    c.status.clone(),
                    c.priority.clone(),
                    c.reason.to_string(),
                    c.topic.as_ref().map(ArticleId::to_string).unwrap_or_default(),
                    c.agent.clone().unwrap_or_default(),
                    d.coin.clone().unwrap_or_default(),
                    d.network.clone().unwrap_or_default(),
                    d.address.clone().unwrap_or_default(),
                    d.txid.clone().unwrap_or_default(),
                    d.amount.clone().unwrap_or_default(),
                    c.rating.map(|r| r.to_string()).unwrap_or_default(),
                    c.rating_comment.clone().unwrap_or_default(),
                ]);
            }
        }
        Table::Agents => {
            out.row([
                "agent",
                "tickets",
                "resolved",
                "first_reply_median_s",
                "first_reply_p90_s",
                "resolution_median_s",
                "resolution_p90_s",
                "rated",
                "average_rating",
                "csat",
            ]);
            for a in &report.agents {
                let [fm, fp] = seconds(&a.first_reply);
                let [rm, rp] = seconds(&a.resolution);
                let [rated, average, csat] = ratings(&a.satisfaction);
                out.row([
                    a.agent.clone(),
                    a.tickets.to_string(),
                    a.resolved.to_string(),
                    fm,
                    fp,
                    rm,
                    rp,
                    rated,
                    average,
                    csat,
                ]);
            }
        }
        Table::Satisfaction => {
            out.row(["date", "rated", "average_rating", "csat"]);
            for d in &report.satisfaction.daily {
                let [rated, average, csat] = ratings(&d.ratings);
                out.row([d.date.clone(), rated, average, csat]);
            }
        }
    }
    out.0
}

fn ratings(r: &Ratings) -> [String; 3] {
    let fixed = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.3}"));
    [r.rated.to_string(), fixed(r.average), fixed(r.csat)]
}

fn seconds(d: &Durations) -> [String; 2] {
    [d.median_seconds, d.p90_seconds].map(|s| s.map_or_else(String::new, |s| format!("{s:.0}")))
}

#[derive(Default)]
struct Csv(String);

impl Csv {
    fn row<S: AsRef<str>, const N: usize>(&mut self, cells: [S; N]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.cell(cell.as_ref());
        }
        self.0.push_str("\r\n");
    }

    fn cell(&mut self, value: &str) {
        let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let guarded = if formula {
            format!("'{value}")
        } else {
            value.to_string()
        };
        if guarded.contains([',', '"', '\n', '\r']) {
            let _ = write!(self.0, "\"{}\"", guarded.replace('"', "\"\""));
        } else {
            self.0.push_str(&guarded);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut c = Csv::default();
        match cells {
            [a] => c.row([*a]),
            [a, b] => c.row([*a, *b]),
            _ => unreachable!("test rows have one or two cells"),
        }
        c.0
    }

    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(row(&["plain", "两个字"]), "plain,两个字\r\n");
        assert_eq!(row(&["a,b", "say \"hi\""]), "\"a,b\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(row(&["line\nbreak"]), "\"line\nbreak\"\r\n");
    }

    #[test]
    fn formulas_are_not_run_by_spreadsheets() {
        assert_eq!(row(&["=HYPERLINK(\"x\")"]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(row(&["+1", "-2"]), "'+1,'-2\r\n");
        assert_eq!(row(&["@SUM(A1)"]), "'@SUM(A1)\r\n");
    }
}
