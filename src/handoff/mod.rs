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

pub use triage::{strip_abuse, Triage, UrgentReason};

#[cfg(test)]
mod tests {
    use crate::domain::{Priority, TicketStatus};

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
