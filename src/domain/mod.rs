//! The help desk's vocabulary, at the ground floor: what every stage above
//! (the decision, the conversation policy, the desk, the store, insights and
//! the API) names the same way. Nothing here imports anything of the crate.
//!
//! It holds the reasons for a hand-off so far; sessions, messages and
//! tickets still live with the desk (`desk::model`) and move here next.

use std::fmt;

use serde::{Deserialize, Serialize};

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
