//! What the help desk learns from its own traffic: analytics over a time
//! range (how much the bot deflects, which topics are hot, which articles
//! help, how fast agents answer), charts of it, and knowledge gaps (groups
//! of questions the bot could not answer, with the article that comes
//! closest).
//!
//! Input: the desk's records (recorded questions, verdicts, tickets) and the
//! live corpus for titles. Output: plain values the server renders as JSON,
//! CSV or SVG and the command line prints. Nothing here knows HTTP.

pub mod chart;
pub mod export;
pub mod gaps;
pub mod report;

use std::fmt;

use crate::domain::{rfc3339 as iso, Millis};

pub use report::{Report, TopicTitles};

pub(crate) const DAY: Millis = 86_400_000;
/// 9999-12-31T23:59:59.999Z: the last instant a date in a report can name.
const LAST_INSTANT: Millis = 253_402_300_799_999;
const HOUR: Millis = 3_600_000;

/// A time range `[from, to)` in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First millisecond included.
    pub from: Millis,
    /// First millisecond after the range.
    pub to: Millis,
}

/// Why a time range could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not a span like `7d` or `24h`.
    #[error("'{0}' is not a span: write a number of days or hours, like 7d or 24h")]
    BadSpan(String),
    /// Not a date like `2026-11-01`, or outside 1970–9999.
    #[error("'{0}' is not a date from 1970 to 9999: write YYYY-MM-DD (UTC) or a Unix time in milliseconds")]
    BadDate(String),
    /// The end is not after the start.
    #[error("the range is empty: 'to' must be after 'from'")]
    Empty,
    /// More than a year: analytics reads every question in the range.
    #[error("the range spans {0} days; the limit is 366")]
    TooLong(i64),
}

impl Period {
    /// The last `span` (`7d`, `24h`) up to `now`.
    pub fn last(span: &str, now: Millis) -> Result<Period, PeriodError> {
        let bad = || PeriodError::BadSpan(span.to_string());
        let (n, unit) = span.trim().split_at(span.trim().len().saturating_sub(1));
        let n: i64 = n.parse().map_err(|_| bad())?;
        let unit = match unit {
            "d" => DAY,
            "h" => HOUR,
            _ => return Err(bad()),
        };
        if n <= 0 {
            return Err(bad());
        }
        // The end is exclusive: the current millisecond is in, so a turn
        // acknowledged just before the request counts.
        let end = now.saturating_add(1);
        Period::new(end - n.saturating_mul(unit), end)
    }

    /// From `from` to `to` (each a UTC date, whose day is included, or Unix
    /// milliseconds); a missing `to` means now, a missing `from` a week
    /// before `to`.
    pub fn between(from: Option<&str>, to: Option<&str>, now: Millis) -> Result<Period, PeriodError> {
        let to = match to {
            Some(t) => parse_instant(t, true)?,
            // Exclusive, so the current millisecond is in (see `last`).
            None => now.saturating_add(1),
        };
        let from = match from {
            Some(f) => parse_instant(f, false)?,
            None => to - 7 * DAY,
        };
        Period::new(from, to)
    }

    fn new(from: Millis, to: Millis) -> Result<Period, PeriodError> {
        if to <= from {
            return Err(PeriodError::Empty);
        }
        let days = (i128::from(to) - i128::from(from) + i128::from(DAY) - 1) / i128::from(DAY);
        if days > 366 {
            return Err(PeriodError::TooLong(i64::try_from(days).unwrap_or(i64::MAX)));
        }
        Ok(Period { from, to })
    }

    /// The UTC days the range touches, as the millisecond each starts.
    pub fn days(&self) -> impl Iterator<Item = Millis> {
        let first = self.from.div_euclid(DAY) * DAY;
        (first..self.to).step_by(DAY as usize)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", iso(self.from), iso(self.to))
    }
}

/// `2026-11-29` for the UTC day holding `at`.
pub fn date(at: Millis) -> String {
    iso(at).chars().take(10).collect()
}

/// A date (`YYYY-MM-DD`, UTC; `end` means the day after it, so the day is
/// included) or Unix milliseconds.
fn parse_instant(s: &str, end: bool) -> Result<Millis, PeriodError> {
    let s = s.trim();
    let bad = || PeriodError::BadDate(s.to_string());
    let in_range = |ms: Millis| (0..=LAST_INSTANT).contains(&ms).then_some(ms).ok_or_else(bad);
    if let Ok(ms) = s.parse::<Millis>() {
        return in_range(ms);
    }
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i32, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    let day = time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    let start = day.midnight().assume_utc().unix_timestamp() * 1000;
    in_range(if end { start + DAY } else { start })
}

/// Nearest-rank percentile `p` (0–100) of sorted values.
pub fn percentile(sorted: &[Millis], p: u32) -> Option<Millis> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_764_000_000_000;

    #[test]
    fn spans_count_back_from_now() {
        assert_eq!(Period::last("7d", NOW).unwrap().from, NOW + 1 - 7 * DAY);
        assert_eq!(Period::last("24h", NOW).unwrap().from, NOW + 1 - DAY);
        assert_eq!(Period::last("24h", NOW).unwrap().to, NOW + 1, "what happens now is in");
        for bad in ["", "7", "d", "-1d", "0d", "7w", "x7d"] {
            assert!(matches!(Period::last(bad, NOW), Err(PeriodError::BadSpan(_))), "{bad}");
        }
        assert_eq!(Period::last("400d", NOW), Err(PeriodError::TooLong(400)));
    }

    #[test]
    fn dates_include_their_whole_day() {
        let p = Period::between(Some("2026-11-01"), Some("2026-11-02"), NOW).unwrap();
        assert_eq!(iso(p.from), "2026-11-01T00:00:00Z");
        assert_eq!(iso(p.to), "2026-11-03T00:00:00Z");
        assert_eq!(p.days().map(date).collect::<Vec<_>>(), ["2026-11-01", "2026-11-02"]);
        assert_eq!(
            Period::between(Some("2026-11-02"), Some("2026-11-01"), NOW),
            Err(PeriodError::Empty)
        );
        assert!(matches!(
            Period::between(Some("2026-02-30"), None, NOW),
            Err(PeriodError::BadDate(_))
        ));
        assert_eq!(Period::between(None, None, NOW).unwrap().from, NOW + 1 - 7 * DAY);
        for (from, to) in [
            ("-1", "1000"),
            ("0", &i64::MAX.to_string()),
            ("1969-12-31", "1970-01-02"),
        ] {
            assert!(
                matches!(Period::between(Some(from), Some(to), NOW), Err(PeriodError::BadDate(_))),
                "{from}–{to}"
            );
        }
        assert!(matches!(
            Period::between(Some("0"), Some("31708800000"), NOW),
            Err(PeriodError::TooLong(367))
        ));
        assert!(matches!(
            Period::last(&format!("{}d", i64::MAX), NOW),
            Err(PeriodError::TooLong(_))
        ));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }
}
