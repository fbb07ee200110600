//! Handing a conversation to a person: tickets, their priority and their
//! lifecycle, and what agents may see of a user's messages.
//!
//! Input: the user's text and the engine's [`Reply`](crate::answer::Reply).
//! Output: [`Triage`] signals (does the user ask for a person, is it urgent,
//! is it a scam in progress), the [`Priority`] of the ticket, legal
//! [`TicketStatus`] transitions, and masked or redacted text
//! ([`privacy`]). Nothing here stores anything; the desk does.

pub mod hours;
pub mod privacy;
mod triage;

use serde::{Deserialize, Serialize};

pub use crate::corpus::Priority;
pub use triage::{strip_abuse, Triage, UrgentReason};

/// Where a ticket is in its life.
///
/// `pending` → `assigned` → `waiting_on_user` ⇄ `assigned` → `resolved`; a
/// resolved ticket is reopened (back to `pending`) when the same user needs a
/// person again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue, nobody has it yet.
    Pending,
    /// An agent owns it.
    Assigned,
    /// The agent asked the user something and waits for the answer.
    WaitingOnUser,
    /// Done; the bot answers the user again.
    Resolved,
}

impl TicketStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TicketStatus; 4] = [
        TicketStatus::Pending,
        TicketStatus::Assigned,
        TicketStatus::WaitingOnUser,
        TicketStatus::Resolved,
    ];

    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Pending => "pending",
            TicketStatus::Assigned => "assigned",
            TicketStatus::WaitingOnUser => "waiting_on_user",
            TicketStatus::Resolved => "resolved",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether a ticket may move from `self` to `next`.
    pub fn can_become(self, next: TicketStatus) -> bool {
        use TicketStatus::*;
        matches!(
            (self, next),
            (Pending, Assigned)
                | (Assigned, WaitingOnUser)
                | (WaitingOnUser, Assigned)
                | (Assigned, Resolved)
                | (WaitingOnUser, Resolved)
                | (Resolved, Pending)
        )
    }

    /// Whether a person (or the queue) owns the conversation, so the bot
    /// stays silent and forwards what the user writes.
    pub fn is_open(self) -> bool {
        self != TicketStatus::Resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_allows_only_the_documented_moves() {
        use TicketStatus::*;
        let allowed: Vec<(TicketStatus, TicketStatus)> = TicketStatus::ALL
            .into_iter()
            .flat_map(|a| TicketStatus::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Pending, Assigned),
                (Assigned, WaitingOnUser),
                (Assigned, Resolved),
                (WaitingOnUser, Assigned),
                (WaitingOnUser, Resolved),
                (Resolved, Pending),
            ]
        );
    }

    #[test]
    fn names_round_trip() {
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
        for p in [Priority::Urgent, Priority::Normal] {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(TicketStatus::parse("closed"), None);
    }
}
