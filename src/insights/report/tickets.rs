//! What went to people: ticket totals, reply and resolution times,
//! satisfaction and each agent's work.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::super::{date, percentile, Period, DAY};
use super::share;
use crate::domain::{ArticleId, HandoffReason, Millis, Rating, Ticket, TicketId, TicketStatus};

/// One ticket and what the user said of the case.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Case {
    /// The ticket.
    #[schema(value_type = i64)]
    pub ticket: TicketId,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Its status now.
    pub status: String,
    /// Urgent or normal.
    pub priority: String,
    /// Why it was handed off.
    #[schema(value_type = String)]
    pub reason: HandoffReason,
    /// The article the bot thought it was about.
    #[schema(value_type = Option<String>)]
    pub topic: Option<ArticleId>,
    /// The agent who owns it.
    pub agent: Option<String>,
    /// Coin, network, address, TxID and amount.
    #[schema(value_type = Object)]
    pub details: crate::domain::Details,
    /// How the user rated the conversation with the agent (1–5).
    pub rating: Option<u8>,
    /// What they added to the rating.
    pub rating_comment: Option<String>,
}

/// Tickets created in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct TicketTotals {
    /// Tickets created.
    pub created: u64,
    /// By priority and current status.
    pub by_status: Vec<TicketCount>,
    /// From handoff to the first agent reply.
    pub first_reply: Durations,
    /// From handoff to resolution.
    pub resolution: Durations,
}

/// Tickets of one priority in one status.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TicketCount {
    /// `urgent` or `normal`.
    pub priority: &'static str,
    /// Current status.
    pub status: &'static str,
    /// How many.
    pub count: u64,
}

/// A distribution of waiting times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Durations {
    /// How many tickets got there.
    pub count: u64,
    /// Median, in seconds.
    pub median_seconds: Option<f64>,
    /// 90th percentile, in seconds.
    pub p90_seconds: Option<f64>,
}

/// Users' ratings (1–5) of conversations agents resolved, on tickets
/// created in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Satisfaction {
    /// The ratings.
    pub ratings: Ratings,
    /// The same per UTC day of rating.
    pub daily: Vec<DayRatings>,
}

/// A set of ratings summed up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Ratings {
    /// How many.
    pub rated: u64,
    /// Their mean, 1 to 5.
    pub average: Option<f64>,
    /// CSAT: the share rated 4 or 5.
    pub csat: Option<f64>,
}

impl Ratings {
    fn of(ratings: impl IntoIterator<Item = Rating>) -> Ratings {
        let (mut rated, mut sum, mut satisfied) = (0u64, 0u64, 0u64);
        for r in ratings {
            rated += 1;
            sum += u64::from(r.stars());
            satisfied += u64::from(r.satisfied());
        }
        Ratings {
            rated,
            average: (rated > 0).then(|| sum as f64 / rated as f64),
            csat: (rated > 0).then(|| share(satisfied, rated)),
        }
    }
}

/// One day's ratings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayRatings {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The ratings given that day.
    #[serde(flatten)]
    pub ratings: Ratings,
}

/// One agent's tickets created in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentStats {
    /// The agent.
    pub agent: String,
    /// Tickets they own or owned.
    pub tickets: u64,
    /// Of those, resolved.
    pub resolved: u64,
    /// Handoff to their first reply.
    pub first_reply: Durations,
    /// Handoff to resolution.
    pub resolution: Durations,
    /// How users rated their conversations.
    pub satisfaction: Ratings,
}

pub(super) fn durations(mut waits: Vec<Millis>) -> Durations {
    waits.sort_unstable();
    let seconds = |p| percentile(&waits, p).map(|ms| ms as f64 / 1000.0);
    Durations {
        count: waits.len() as u64,
        median_seconds: seconds(50),
        p90_seconds: seconds(90),
    }
}

pub(super) fn first_reply_waits<'a>(tickets: impl Iterator<Item = &'a Ticket>) -> (Vec<Millis>, Vec<Millis>) {
    let mut first = Vec::new();
    let mut resolved = Vec::new();
    for t in tickets {
        if let Some(at) = t.first_reply_at {
            first.push((at - t.created_at).max(0));
        }
        if let (Some(at), TicketStatus::Resolved) = (t.resolved_at, t.status) {
            resolved.push((at - t.created_at).max(0));
        }
    }
    (first, resolved)
}

pub(super) fn ticket_totals(tickets: &[Ticket]) -> TicketTotals {
    let mut by: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
    for t in tickets {
        *by.entry((t.priority.as_str(), t.status.as_str())).or_default() += 1;
    }
    let (first, resolved) = first_reply_waits(tickets.iter());
    TicketTotals {
        created: tickets.len() as u64,
        by_status: by
            .into_iter()
            .map(|((priority, status), count)| TicketCount {
                priority,
                status,
                count,
            })
            .collect(),
        first_reply: durations(first),
        resolution: durations(resolved),
    }
}

pub(super) fn satisfaction(period: Period, tickets: &[Ticket]) -> Satisfaction {
    let mut days: BTreeMap<Millis, Vec<Rating>> = period.days().map(|d| (d, Vec::new())).collect();
    for t in tickets {
        if let (Some(rating), Some(at)) = (t.rating, t.rated_at) {
            if let Some(day) = days.get_mut(&(at.div_euclid(DAY) * DAY)) {
                day.push(rating);
            }
        }
    }
    Satisfaction {
        ratings: Ratings::of(tickets.iter().filter_map(|t| t.rating)),
        daily: days
            .into_iter()
            .map(|(day, ratings)| DayRatings {
                date: date(day),
                ratings: Ratings::of(ratings),
            })
            .collect(),
    }
}

pub(super) fn agents(tickets: &[Ticket]) -> Vec<AgentStats> {
    let mut by: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        if let Some(agent) = t.agent.as_deref() {
            by.entry(agent).or_default().push(t);
        }
    }
    by.into_iter()
        .map(|(agent, owned)| {
            let (first, resolved) = first_reply_waits(owned.iter().copied());
            AgentStats {
                agent: agent.to_string(),
                tickets: owned.len() as u64,
                resolved: resolved.len() as u64,
                first_reply: durations(first),
                resolution: durations(resolved),
                satisfaction: Ratings::of(owned.iter().filter_map(|t| t.rating)),
            }
        })
        .collect()
}
