//! `kefu eval --addresses FILE`: how well [`crate::chain::sightings`] finds
//! the addresses and transaction ids in messages and tells valid from
//! broken, on labelled messages (JSON Lines):
//!
//! ```json
//! {"text": "地址TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t能收U吗", "expect": [{"token": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "kind": "address", "valid": true}]}
//! ```
//!
//! A sighting counts as found when its text is the expected token and its
//! kind the expected kind; abbreviations (`0x3f5C…f0bE`) are neither
//! claimed nor expected. Precision is what is claimed that is right, recall
//! what is there that is found, and of what is found, how often valid and
//! broken are told apart.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::chain::{sightings, Kind, Validity};

use super::EvalError;
use crate::answer::quality::QualityError;

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledMessage {
    /// The message as a user wrote it.
    pub text: String,
    /// Every address and transaction id in it.
    #[serde(default)]
    pub expect: Vec<Expected>,
}

/// An address or transaction id that is in a message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Its exact text.
    pub token: String,
    /// Address or transaction id.
    pub kind: ExpectedKind,
    /// Whether it can be used as it is.
    pub valid: bool,
}

/// The kind, as the file writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedKind {
    /// An address.
    Address,
    /// A transaction id.
    Transaction,
}

impl ExpectedKind {
    fn of(kind: Kind) -> ExpectedKind {
        match kind {
            Kind::Address => ExpectedKind::Address,
            Kind::TransactionId => ExpectedKind::Transaction,
        }
    }
}

/// The counts, and what went wrong.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecognitionReport {
    /// Messages judged.
    pub messages: usize,
    /// Expected tokens found with their kind.
    pub found: usize,
    /// Sightings claimed that no label expects (or of the wrong kind).
    pub false_claims: usize,
    /// Expected tokens not found.
    pub missed: usize,
    /// Of those found, judged valid or broken as labelled.
    pub validity_right: usize,
    /// Of those found that are broken, judged broken.
    pub broken_caught: usize,
    /// Of those found, how many are broken.
    pub broken_found: usize,
    /// Every mistake, one line each.
    pub mistakes: Vec<String>,
}

impl RecognitionReport {
    /// Right claims among all claims.
    pub fn precision(&self) -> f64 {
        ratio(self.found, self.found + self.false_claims)
    }

    /// Found among all there are.
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.found + self.missed)
    }

    /// The report as terminal text, with up to `misses` mistakes.
    pub fn to_text(&self, misses: usize) -> String {
        let mut out = format!(
            "{} messages: precision {:.1}% ({} of {} claims), recall {:.1}% ({} of {}), valid or broken told right {:.1}% ({} of {}), broken caught {:.1}% ({} of {})\n",
            self.messages,
            100.0 * self.precision(),
            self.found,
            self.found + self.false_claims,
            100.0 * self.recall(),
            self.found,
            self.found + self.missed,
            100.0 * ratio(self.validity_right, self.found),
            self.validity_right,
            self.found,
            100.0 * ratio(self.broken_caught, self.broken_found),
            self.broken_caught,
            self.broken_found,
        );
        for mistake in self.mistakes.iter().take(misses) {
            out.push_str(&format!("  {mistake}\n"));
        }
        out
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Reads a labelled file; bad lines are an error, each with its number.
pub fn load_labelled(path: &Path) -> Result<Vec<LabelledMessage>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| QualityError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut messages = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LabelledMessage>(line) {
            Ok(message) => match message.expect.iter().find(|e| !message.text.contains(&e.token)) {
                Some(e) => problems.push(format!(
                    "{}:{}: `{}` is not in the text",
                    path.display(),
                    i + 1,
                    e.token
                )),
                None => messages.push(message),
            },
            Err(e) => problems.push(format!("{}:{}: {e}", path.display(), i + 1)),
        }
    }
    if problems.is_empty() {
        Ok(messages)
    } else {
        Err(QualityError::Invalid(problems).into())
    }
}

/// Judges every message.
pub fn judge_recognition(messages: &[LabelledMessage]) -> RecognitionReport {
    let mut report = RecognitionReport {
        messages: messages.len(),
        ..RecognitionReport::default()
    };
    for message in messages {
        let claimed: Vec<_> = sightings(&message.text)
            .into_iter()
            .filter(|s| s.validity != Validity::Abbreviated)
            .collect();
        let mut matched = vec![false; claimed.len()];
        for expected in &message.expect {
            let hit = claimed.iter().enumerate().find(|(i, s)| {
                !matched[*i] && s.text(&message.text) == expected.token && ExpectedKind::of(s.kind) == expected.kind
            });
            match hit {
                Some((i, sighting)) => {
                    matched[i] = true;
                    report.found += 1;
                    if sighting.is_valid() == expected.valid {
                        report.validity_right += 1;
                    } else {
                        report.mistakes.push(format!(
                            "judged {:?}, labelled {}: {} in {:?}",
                            sighting.validity,
                            if expected.valid { "valid" } else { "broken" },
                            expected.token,
                            message.text
                        ));
                    }
                    if !expected.valid {
                        report.broken_found += 1;
                        report.broken_caught += usize::from(!sighting.is_valid());
                    }
                }
                None => {
                    report.missed += 1;
                    report.mistakes.push(format!(
                        "missed {:?} {}: in {:?}",
                        expected.kind, expected.token, message.text
                    ));
                }
            }
        }
        for (sighting, _) in claimed.iter().zip(&matched).filter(|(_, m)| !**m) {
            report.false_claims += 1;
            report.mistakes.push(format!(
                "claimed {:?} {}: in {:?}",
                sighting.kind,
                sighting.text(&message.text),
                message.text
            ));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, expect: &[(&str, ExpectedKind, bool)]) -> LabelledMessage {
        LabelledMessage {
            text: text.into(),
            expect: expect
                .iter()
                .map(|(token, kind, valid)| Expected {
                    token: token.to_string(),
                    kind: *kind,
                    valid: *valid,
                })
                .collect(),
        }
    }

    #[test]
    fn claims_misses_and_validity_are_counted() {
        let tron = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
        let report = judge_recognition(&[
            message(&format!("地址{tron}能收U吗"), &[(tron, ExpectedKind::Address, true)]),
            // Labelled broken, but valid: found, validity wrong.
            message(tron, &[(tron, ExpectedKind::Address, false)]),
            // Labelled as a transaction: a wrong claim and a miss.
            message(tron, &[(tron, ExpectedKind::Transaction, true)]),
            message("订单号 2024112300012345678", &[]),
        ]);
        assert_eq!(
            (report.found, report.missed, report.false_claims),
            (2, 1, 1),
            "{report:?}"
        );
        assert_eq!(
            (report.validity_right, report.broken_found, report.broken_caught),
            (1, 1, 0)
        );
        assert!((report.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(report.mistakes.len(), 3);
    }
}
