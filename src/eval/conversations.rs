//! `kefu eval --conversations FILE`: multi-turn conversations replayed
//! through the conversation policy, exactly as the service answers them
//! (one fresh conversation each), judged turn by turn.
//!
//! File format (JSON Lines), one conversation per line:
//!
//! ```json
//! {"id": "c001", "turns": [
//!   {"text": "你好", "expect": "small_talk", "kind": "small_talk"},
//!   {"text": "提币多久能到", "expect": "withdrawal-pending", "kind": "first"},
//!   {"text": "那手续费呢", "expect": "withdrawal-fees", "kind": "follow_up"}]}
//! ```
//!
//! `expect` is an article id (the bot must answer with it, or hand off
//! with it when the article always goes to a person: strict, a
//! clarification that lists it is wrong), `small_talk`, `handoff`,
//! `clarify`, or `cancel` (the user withdraws a request for a person).
//! `kind` groups the turns in the report: `first`, `follow_up`,
//! `small_talk` or `handoff` (which includes out-of-scope questions).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EvalError;
use crate::answer::quality::QualityError;
use crate::conversation::{Conversation, Policy, TicketChange, TicketState, UserMessage};
use crate::corpus::Corpus;
use crate::domain::{ArticleId, Decision};
use crate::engine::Engine;
use crate::html::{escape as escape_html, Page};

/// The conversations report's styles (inline: the page is one file).
const STYLE: &str = "body{font:14px/1.45 system-ui,'Noto Sans CJK SC',sans-serif;margin:2em auto;max-width:1100px;\
padding:0 1em;color:#1f2328}table{border-collapse:collapse}td,th{padding:.25em .7em;\
border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}th{background:#f6f8fa}.miss{background:#fff1f0}";

/// What a turn should lead to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "expect", content = "article")]
pub enum TurnExpected {
    /// An answer with this article.
    Article(ArticleId),
    /// A small-talk reply.
    SmallTalk,
    /// A person.
    Handoff,
    /// A clarification.
    Clarify,
    /// The request for a person withdrawn.
    Cancel,
}

impl std::fmt::Display for TurnExpected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TurnExpected::Article(id) => f.write_str(id.as_str()),
            TurnExpected::SmallTalk => f.write_str("small_talk"),
            TurnExpected::Handoff => f.write_str("handoff"),
            TurnExpected::Clarify => f.write_str("clarify"),
            TurnExpected::Cancel => f.write_str("cancel"),
        }
    }
}

/// The kinds turns are reported by.
pub const KINDS: [&str; 4] = ["first", "follow_up", "small_talk", "handoff"];

/// One labelled turn.
#[derive(Debug, Clone)]
pub struct LabeledTurn {
    /// What the user writes.
    pub text: String,
    /// What the bot should do.
    pub expected: TurnExpected,
    /// One of [`KINDS`].
    pub kind: String,
}

/// One labelled conversation.
#[derive(Debug, Clone)]
pub struct LabeledConversation {
    /// Its id in the file.
    pub id: String,
    /// Its turns, in order.
    pub turns: Vec<LabeledTurn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConversation {
    id: String,
    turns: Vec<RawTurn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTurn {
    text: String,
    expect: String,
    kind: String,
}

/// Reads a conversation file, checking every line, kind and article id.
pub fn load_conversations(path: &Path, corpus: &Corpus) -> Result<Vec<LabeledConversation>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| QualityError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut conversations = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        let raw = match serde_json::from_str::<RawConversation>(line) {
            Ok(raw) => raw,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        if raw.turns.is_empty() {
            problems.push(format!("{at}: conversation `{}` has no turns", raw.id));
        }
        let mut turns = Vec::new();
        for (t, turn) in raw.turns.into_iter().enumerate() {
            let expected = match turn.expect.as_str() {
                "small_talk" => TurnExpected::SmallTalk,
                "handoff" => TurnExpected::Handoff,
                "clarify" => TurnExpected::Clarify,
                "cancel" => TurnExpected::Cancel,
                written => match corpus.id_of(written) {
                    Some(id) => TurnExpected::Article(id.clone()),
                    None => {
                        problems.push(format!(
                            "{at}: turn {}: expected article `{written}` is not in the corpus",
                            t + 1
                        ));
                        continue;
                    }
                },
            };
            if !KINDS.contains(&turn.kind.as_str()) {
                problems.push(format!(
                    "{at}: turn {}: kind `{}` is not one of {}",
                    t + 1,
                    turn.kind,
                    KINDS.join(", ")
                ));
            }
            if turn.text.trim().is_empty() {
                problems.push(format!("{at}: turn {}: empty text", t + 1));
            }
            turns.push(LabeledTurn {
                text: turn.text,
                expected,
                kind: turn.kind,
            });
        }
        conversations.push(LabeledConversation { id: raw.id, turns });
    }
    if problems.is_empty() {
        Ok(conversations)
    } else {
        Err(QualityError::Invalid(problems).into())
    }
}

/// One replayed turn.
#[derive(Debug, Clone, Serialize)]
pub struct TurnResult {
    /// The conversation.
    pub conversation: String,
    /// 1-based turn number.
    pub turn: usize,
    /// What the user wrote.
    pub text: String,
    /// Its kind.
    pub kind: String,
    /// What should have happened.
    pub expected: String,
    /// What did: the decision, and the article or reason.
    pub got: String,
    /// Whether they match.
    pub correct: bool,
}

/// Accuracy of a group of turns.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Accuracy {
    /// Turns right.
    pub correct: usize,
    /// Turns.
    pub turns: usize,
}

impl Accuracy {
    /// The share right (0 for no turns).
    pub fn rate(&self) -> f64 {
        if self.turns == 0 {
            0.0
        } else {
            self.correct as f64 / self.turns as f64
        }
    }

    fn add(&mut self, correct: bool) {
        self.turns += 1;
        self.correct += usize::from(correct);
    }
}

/// What a conversation evaluation found.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationReport {
    /// Where the conversations came from.
    pub source: String,
    /// How many conversations.
    pub conversations: usize,
    /// Every turn.
    pub overall: Accuracy,
    /// By kind.
    pub by_kind: BTreeMap<String, Accuracy>,
    /// Conversations with every turn right.
    pub whole_conversations: Accuracy,
    /// Of the turns that asked something (not small talk), the share not
    /// handed to a person.
    pub deflection: f64,
    /// Every turn, in order.
    pub turns: Vec<TurnResult>,
}

/// Replays `conversations` through the policy on `engine`.
pub fn replay(
    engine: &Engine,
    conversations: &[LabeledConversation],
    source: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<ConversationReport, EvalError> {
    let policy = Policy::new(engine, "");
    let mut overall = Accuracy::default();
    let mut by_kind: BTreeMap<String, Accuracy> = KINDS.iter().map(|k| (k.to_string(), Accuracy::default())).collect();
    let mut whole = Accuracy::default();
    let (mut asked, mut kept) = (0usize, 0usize);
    let mut turns = Vec::new();
    for (done, c) in conversations.iter().enumerate() {
        let mut conversation = Conversation::default();
        let mut all_right = true;
        for (t, turn) in c.turns.iter().enumerate() {
            let outcome = policy.turn(
                &conversation,
                UserMessage {
                    text: &turn.text,
                    locale: None,
                    picked: None,
                },
            )?;
            let reply = outcome.reply.as_ref();
            let decision = reply.map(|r| r.decision);
            let article = reply.and_then(|r| r.article.as_ref()).map(|a| a.id.clone());
            let correct = match &turn.expected {
                // An article that always goes to a person is right when the
                // bot hands off with it, as it must (for that topic, or for
                // lost funds the topic explains).
                TurnExpected::Article(id) => {
                    let always = decision == Some(Decision::Handoff)
                        && engine
                            .article(id)
                            .is_some_and(|a| a.handoff == crate::corpus::HandoffPolicy::Always);
                    (decision == Some(Decision::Answer) || always) && article.as_ref() == Some(id)
                }
                TurnExpected::SmallTalk => {
                    decision == Some(Decision::SmallTalk) && outcome.ticket != TicketChange::Cancel
                }
                TurnExpected::Handoff => decision == Some(Decision::Handoff),
                TurnExpected::Clarify => decision == Some(Decision::Clarify),
                TurnExpected::Cancel => outcome.ticket == TicketChange::Cancel,
            };
            if decision != Some(Decision::SmallTalk) {
                asked += 1;
                kept += usize::from(decision != Some(Decision::Handoff));
            }
            let got = match (decision, reply) {
                (Some(d), Some(r)) => {
                    let detail = r
                        .article
                        .as_ref()
                        .map(|a| a.id.to_string())
                        .or_else(|| r.handoff_reason.map(|h| h.to_string()))
                        .or_else(|| r.small_talk.map(|i| i.as_str().to_string()))
                        .or_else(|| r.suggestions.first().map(|s| format!("1st: {}", s.id)));
                    let cancel = if outcome.ticket == TicketChange::Cancel {
                        " (cancel)"
                    } else {
                        ""
                    };
                    match detail {
                        Some(detail) => format!("{} {detail}{cancel}", d.as_str()),
                        None => format!("{}{cancel}", d.as_str()),
                    }
                }
                _ => "forwarded to the agent".to_string(),
            };
            overall.add(correct);
            by_kind.entry(turn.kind.clone()).or_default().add(correct);
            all_right &= correct;
            turns.push(TurnResult {
                conversation: c.id.clone(),
                turn: t + 1,
                text: turn.text.clone(),
                kind: turn.kind.clone(),
                expected: turn.expected.to_string(),
                got,
                correct,
            });
            conversation.last = outcome.reply;
            match outcome.ticket {
                TicketChange::Open { .. } => conversation.ticket = TicketState::Waiting,
                TicketChange::Cancel => conversation.ticket = TicketState::None,
                TicketChange::None => {}
            }
        }
        whole.add(all_right);
        progress(done + 1, conversations.len());
    }
    Ok(ConversationReport {
        source: source.to_string(),
        conversations: conversations.len(),
        overall,
        by_kind,
        whole_conversations: whole,
        deflection: if asked == 0 { 0.0 } else { kept as f64 / asked as f64 },
        turns,
    })
}

impl ConversationReport {
    /// The terminal report, with the first `misses` missed turns.
    pub fn to_text(&self, misses: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} conversations, {} turns from {}",
            self.conversations, self.overall.turns, self.source
        );
        let line = |out: &mut String, name: &str, a: &Accuracy| {
            let _ = writeln!(
                out,
                "  {name:<22} {:>6.1}%  ({} of {})",
                100.0 * a.rate(),
                a.correct,
                a.turns
            );
        };
        line(&mut out, "turn accuracy", &self.overall);
        for (kind, a) in &self.by_kind {
            line(&mut out, &format!("  {kind}"), a);
        }
        line(&mut out, "whole conversations", &self.whole_conversations);
        let _ = writeln!(out, "  {:<22} {:>6.1}%", "deflection", 100.0 * self.deflection);
        let missed: Vec<&TurnResult> = self.turns.iter().filter(|t| !t.correct).collect();
        if !missed.is_empty() {
            let _ = writeln!(out, "misses ({} shown of {}):", misses.min(missed.len()), missed.len());
            for t in missed.iter().take(misses) {
                let _ = writeln!(
                    out,
                    "  {} #{} [{}] {:?}\n      expected {}, got {}",
                    t.conversation, t.turn, t.kind, t.text, t.expected, t.got
                );
            }
        }
        out
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<h1>kefu eval: conversations</h1><p>{} conversations, {} \
             turns from {}</p><table><tr><th>turns</th><th>accuracy</th><th>right</th></tr>",
            self.conversations,
            self.overall.turns,
            escape_html(&self.source)
        );
        let row = |h: &mut String, name: &str, a: &Accuracy| {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{:.1}%</td><td>{} of {}</td></tr>",
                escape_html(name),
                100.0 * a.rate(),
                a.correct,
                a.turns
            );
        };
        row(&mut h, "all", &self.overall);
        for (kind, a) in &self.by_kind {
            row(&mut h, kind, a);
        }
        row(&mut h, "whole conversations", &self.whole_conversations);
        let _ = write!(
            h,
            "<tr><td>deflection</td><td>{:.1}%</td><td></td></tr></table><h2>Every turn</h2><table>\
             <tr><th>conversation</th><th>turn</th><th>kind</th><th>user</th><th>expected</th><th>got</th></tr>",
            100.0 * self.deflection
        );
        for t in &self.turns {
            let _ = write!(
                h,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if t.correct { "" } else { " class=\"miss\"" },
                escape_html(&t.conversation),
                t.turn,
                escape_html(&t.kind),
                escape_html(&t.text),
                escape_html(&t.expected),
                escape_html(&t.got)
            );
        }
        h.push_str("</table>");
        Page {
            lang: "en",
            title: "kefu eval: conversations",
            head: &format!("<style>{STYLE}</style>"),
            body: &h,
        }
        .render()
    }
}
