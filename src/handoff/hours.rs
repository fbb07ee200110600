//! When people answer: service hours in the team's own time zone, so kefu
//! can tell a user honestly that nobody is there right now instead of
//! leaving them to wait.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch.
type Millis = i64;

const MINUTE: Millis = 60_000;
const DAY_MINUTES: i64 = 24 * 60;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The hours agents work, e.g. Monday to Friday 09:00–18:00 at UTC+8.
///
/// `close` before `open` means the shift runs past midnight (22:00–06:00);
/// such a shift belongs to the day it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HoursText", into = "HoursText")]
pub struct ServiceHours {
    offset_minutes: i64,
    days: [bool; 7],
    open: i64,
    close: i64,
}

/// How service hours are written in `kefu.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursText {
    /// The team's offset from UTC: `+08:00`, `-05:00`, `Z`.
    pub utc_offset: String,
    /// Working days: `mon`…`sun`, default every day.
    #[serde(default = "every_day")]
    pub days: Vec<String>,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`.
    pub close: String,
}

fn every_day() -> Vec<String> {
    DAY_NAMES.iter().map(|d| d.to_string()).collect()
}

impl TryFrom<HoursText> for ServiceHours {
    type Error = String;

    fn try_from(t: HoursText) -> Result<ServiceHours, String> {
        let mut days = [false; 7];
        for d in &t.days {
            let i = DAY_NAMES
                .iter()
                .position(|n| n.eq_ignore_ascii_case(d.trim()))
                .ok_or_else(|| format!("'{d}' is not a day: write mon, tue, wed, thu, fri, sat or sun"))?;
            days[i] = true;
        }
        let open = clock(&t.open)?;
        let close = clock(&t.close)?;
        if open == close {
            return Err(
                "open and close are the same time; leave service_hours out for a desk that never closes".into(),
            );
        }
        Ok(ServiceHours {
            offset_minutes: offset(&t.utc_offset)?,
            days,
            open,
            close,
        })
    }
}

impl From<ServiceHours> for HoursText {
    fn from(h: ServiceHours) -> HoursText {
        HoursText {
            utc_offset: h.offset_text(),
            days: DAY_NAMES
                .iter()
                .zip(h.days)
                .filter(|(_, on)| *on)
                .map(|(d, _)| d.to_string())
                .collect(),
            open: hhmm(h.open),
            close: hhmm(h.close),
        }
    }
}

/// `HH:MM` to minutes after midnight.
fn clock(s: &str) -> Result<i64, String> {
    let bad = || format!("'{s}' is not a time: write HH:MM, like 09:00");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `+08:00`, `-05:30` or `Z` to minutes east of UTC.
fn offset(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return Ok(0);
    }
    let bad = || format!("'{s}' is not a UTC offset: write +08:00, -05:00 or Z");
    let sign = match s.chars().next() {
        Some('+') => 1,
        Some('-') => -1,
        _ => return Err(bad()),
    };
    let minutes = clock(&s[1..]).map_err(|_| bad())?;
    if minutes > 14 * 60 {
        return Err(bad());
    }
    Ok(sign * minutes)
}

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl ServiceHours {
    /// Whether agents are working at `at`.
    pub fn is_open(&self, at: Millis) -> bool {
        let local = at.div_euclid(MINUTE) + self.offset_minutes;
        let minute = local.rem_euclid(DAY_MINUTES);
        // 1970-01-01 was a Thursday (index 3).
        let weekday = |day: i64| (day + 3).rem_euclid(7) as usize;
        let today = local.div_euclid(DAY_MINUTES);
        if self.open < self.close {
            self.days[weekday(today)] && (self.open..self.close).contains(&minute)
        } else {
            (minute >= self.open && self.days[weekday(today)]) || (minute < self.close && self.days[weekday(today - 1)])
        }
    }

    fn offset_text(&self) -> String {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        format!("{sign}{}", hhmm(self.offset_minutes.abs()))
    }
}

impl fmt::Display for ServiceHours {
    /// `mon–fri 09:00–18:00 (UTC+08:00)`, for telling users.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on: Vec<usize> = (0..7).filter(|&i| self.days[i]).collect();
        let contiguous = on.windows(2).all(|w| w[1] == w[0] + 1);
        let days = match (on.first(), on.last()) {
            _ if on.len() == 7 => String::new(),
            (Some(&a), Some(&b)) if contiguous && a != b => format!("{}–{} ", DAY_NAMES[a], DAY_NAMES[b]),
            _ => format!("{} ", on.iter().map(|&i| DAY_NAMES[i]).collect::<Vec<_>>().join(",")),
        };
        write!(
            f,
            "{days}{}–{} (UTC{})",
            hhmm(self.open),
            hhmm(self.close),
            self.offset_text()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(offset: &str, days: &[&str], open: &str, close: &str) -> Result<ServiceHours, String> {
        ServiceHours::try_from(HoursText {
            utc_offset: offset.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
            open: open.into(),
            close: close.into(),
        })
    }

    /// Unix milliseconds of a UTC time on Monday 2026-11-30.
    fn monday_utc(h: i64, m: i64) -> Millis {
        1_795_996_800_000 + (h * 60 + m) * MINUTE
    }

    #[test]
    fn weekday_office_hours_in_beijing() {
        let h = hours("+08:00", &["mon", "tue", "wed", "thu", "fri"], "09:00", "18:00").unwrap();
        // Monday 09:00 in Beijing is 01:00 UTC.
        assert!(!h.is_open(monday_utc(0, 59)));
        assert!(h.is_open(monday_utc(1, 0)));
        assert!(h.is_open(monday_utc(9, 59)));
        assert!(!h.is_open(monday_utc(10, 0)), "18:00 local is closed");
        // Sunday 10:00 in Beijing (Sunday 02:00 UTC) is closed.
        assert!(!h.is_open(monday_utc(2, 0) - 24 * 60 * MINUTE));
        assert_eq!(h.to_string(), "mon–fri 09:00–18:00 (UTC+08:00)");
    }

    #[test]
    fn night_shifts_belong_to_the_day_they_start() {
        let h = hours("Z", &["mon"], "22:00", "06:00").unwrap();
        assert!(h.is_open(monday_utc(23, 0)));
        assert!(h.is_open(monday_utc(24 + 5, 59)), "Tuesday 05:59 is Monday's shift");
        assert!(
            !h.is_open(monday_utc(5, 0)),
            "Monday 05:00 is Sunday's shift, and Sunday is off"
        );
        assert_eq!(h.to_string(), "mon 22:00–06:00 (UTC+00:00)");
    }

    #[test]
    fn mistakes_are_named() {
        assert!(hours("+8", &[], "09:00", "18:00").unwrap_err().contains("'+8'"));
        assert!(hours("+08:00", &["funday"], "09:00", "18:00")
            .unwrap_err()
            .contains("funday"));
        assert!(hours("+08:00", &[], "9am", "18:00").unwrap_err().contains("9am"));
        assert!(hours("+08:00", &[], "25:00", "18:00").is_err());
        assert!(hours("+08:00", &[], "09:00", "09:00")
            .unwrap_err()
            .contains("never closes"));
    }

    #[test]
    fn reads_and_writes_yaml() {
        let h: ServiceHours = serde_yaml_ng::from_str("{utc_offset: '-05:00', open: '08:30', close: '17:00'}").unwrap();
        assert_eq!(h.to_string(), "08:30–17:00 (UTC-05:00)");
        let back: ServiceHours = serde_yaml_ng::from_str(&serde_yaml_ng::to_string(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }
}
