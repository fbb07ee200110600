//! The help desk's vocabulary, at the ground floor: what every stage above
//! (the decision, the conversation policy, the desk, the store, insights and
//! the API) names the same way. Nothing here imports anything of the crate.
//!
//! [`model`] holds the desk's records (sessions, messages, tickets, notes,
//! audit entries); this file the closed sets they are made of.

use std::fmt;

use serde::{Deserialize, Serialize};

mod model;

pub use model::*;

/// What the engine does with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Reply with the top article.
    Answer,
    /// Offer the top suggestions and let the user pick.
    Clarify,
    /// Hand the conversation to a person.
    Handoff,
    /// Reply to small talk (a greeting, thanks, a goodbye): the
    /// conversation's decision, never the engine's.
    SmallTalk,
}

impl Decision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Answer => "answer",
            Decision::Clarify => "clarify",
            Decision::Handoff => "handoff",
            Decision::SmallTalk => "small_talk",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Decision> {
        [
            Decision::Answer,
            Decision::Clarify,
            Decision::Handoff,
            Decision::SmallTalk,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// How urgent a topic is for the human queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Ordinary questions.
    #[default]
    Normal,
    /// Money or account at risk: agents take these first.
    Urgent,
}

impl Priority {
    /// The name used in front matter, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Urgent => "urgent",
        }
    }

    /// Parses a name written by [`Priority::as_str`].
    pub fn parse(s: &str) -> Option<Priority> {
        match s {
            "normal" => Some(Priority::Normal),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

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

/// Why the bot handed a question to a person. A closed set: the policy
/// decides it, the store keeps it (as [`HandoffReason::as_str`]), insights
/// count it, the API returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The engine's confidence was below the clarify threshold.
    LowConfidence,
    /// Nothing could be matched at all.
    NoMatch,
    /// The article's topic always needs a person (`handoff: always`).
    AlwaysHandoff,
    /// The user asked for a person.
    AskedForPerson,
    /// The user reports losing funds.
    LostFunds,
    /// Someone posing as staff is scamming the user.
    ScamByStaff,
    /// The user pasted a secret (seed phrase, private key, password).
    SecretShared,
    /// A price prediction or investment advice, which the desk never gives.
    InvestmentAdvice,
    /// Nothing the help center is about (the weather, homework).
    OutOfScope,
}

impl HandoffReason {
    /// Every reason.
    pub const ALL: [HandoffReason; 9] = [
        HandoffReason::LowConfidence,
        HandoffReason::NoMatch,
        HandoffReason::AlwaysHandoff,
        HandoffReason::AskedForPerson,
        HandoffReason::LostFunds,
        HandoffReason::ScamByStaff,
        HandoffReason::SecretShared,
        HandoffReason::InvestmentAdvice,
        HandoffReason::OutOfScope,
    ];

    /// The stored and serialized name (`low_confidence`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::LowConfidence => "low_confidence",
            HandoffReason::NoMatch => "no_match",
            HandoffReason::AlwaysHandoff => "always_handoff",
            HandoffReason::AskedForPerson => "asked_for_person",
            HandoffReason::LostFunds => "lost_funds",
            HandoffReason::ScamByStaff => "scam_by_staff",
            HandoffReason::SecretShared => "secret_shared",
            HandoffReason::InvestmentAdvice => "investment_advice",
            HandoffReason::OutOfScope => "out_of_scope",
        }
    }

    /// The reason named `name`, as [`HandoffReason::as_str`] writes it.
    pub fn parse(name: &str) -> Option<HandoffReason> {
        HandoffReason::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether the bot was unsure: it found no article that answers (as
    /// opposed to a reason that needs a person whatever the articles say).
    pub fn unsure(self) -> bool {
        matches!(self, HandoffReason::LowConfidence | HandoffReason::NoMatch)
    }

    /// Whether a question handed off for this reason may show a gap in the
    /// help center: not when a person was asked for or is needed whatever
    /// the articles say.
    pub fn may_show_a_gap(self) -> bool {
        !matches!(
            self,
            HandoffReason::AskedForPerson
                | HandoffReason::AlwaysHandoff
                | HandoffReason::ScamByStaff
                | HandoffReason::LostFunds
        )
    }
}

impl fmt::Display for HandoffReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_stored_and_serialized_by_one_name() {
        for reason in HandoffReason::ALL {
            assert_eq!(HandoffReason::parse(reason.as_str()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert_eq!(HandoffReason::parse("lost funds"), None);
    }
}
