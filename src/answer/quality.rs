//! A labelled query set (the dev set) and the one number the reload gate
//! steers by: how often the right article comes first. `kefu eval` reads
//! the same file and measures much more (decisions, calibration, reports);
//! the serving path needs only this, so it carries none of that.
//!
//! Query file format (JSON Lines): `{"query": "...", "expected": "article-id" |
//! "handoff", "locale"?: "zh" | "en"}`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Answerer, SUGGESTIONS};
use crate::corpus::{Corpus, Lang};
use crate::domain::ArticleId;
use crate::rank::RankError;

/// Why a labelled query set could not be judged. `kefu eval`'s other
/// labelled files (conversations, addresses) fail the same ways.
#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    /// The query file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The query file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Lines of the query file are invalid; each is listed as `file:line: problem`.
    #[error("the query file has {} problem(s):\n{}", .0.len(), .0.join("\n"))]
    Invalid(Vec<String>),
    /// Ranking failed.
    #[error(transparent)]
    Rank(#[from] RankError),
}

/// What a labelled query should lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// This article answers it.
    Article(ArticleId),
    /// Nothing in the corpus does: a person should take it.
    Handoff,
}

impl fmt::Display for Expected {
    /// As in the query file: the article id, or `handoff`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Article(id) => f.write_str(id.as_str()),
            Expected::Handoff => f.write_str("handoff"),
        }
    }
}

/// One labelled question.
#[derive(Debug, Clone)]
pub struct LabeledQuery {
    /// The user's question.
    pub query: String,
    /// The right outcome.
    pub expected: Expected,
    /// The language it is written in.
    pub locale: Option<Lang>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    query: String,
    expected: String,
    locale: Option<Lang>,
}

/// Reads a query file, checking every line and every expected id against `corpus`.
pub fn load_queries(path: &Path, corpus: &Corpus) -> Result<Vec<LabeledQuery>, QualityError> {
    let text = std::fs::read_to_string(path).map_err(|source| QualityError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut queries = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        match serde_json::from_str::<RawQuery>(line) {
            Ok(raw) if raw.query.trim().is_empty() => problems.push(format!("{at}: empty query")),
            Ok(raw) => {
                let expected = match raw.expected.as_str() {
                    "handoff" => Expected::Handoff,
                    written => match corpus.id_of(written) {
                        Some(id) => Expected::Article(id.clone()),
                        None => {
                            problems.push(format!("{at}: expected article `{written}` is not in the corpus"));
                            continue;
                        }
                    },
                };
                queries.push(LabeledQuery {
                    query: raw.query,
                    expected,
                    locale: raw.locale,
                });
            }
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(queries)
    } else {
        Err(QualityError::Invalid(problems))
    }
}

/// How often the right article came first, over the in-scope questions.
#[derive(Debug, Clone, PartialEq)]
pub struct TopOne {
    /// In-scope questions asked.
    pub questions: usize,
    /// Of those, answered with the right article first.
    pub right: usize,
    /// The first few wrong ones, as `question → top, expected id`.
    pub misses: Vec<String>,
}

impl TopOne {
    /// The share right, 0 when there were no questions.
    pub fn share(&self) -> f64 {
        self.right as f64 / self.questions.max(1) as f64
    }
}

/// Asks every in-scope question through `answerer`'s ranking and counts
/// the right first articles, listing up to `misses_listed` wrong ones.
pub fn top_one(answerer: &Answerer, queries: &[LabeledQuery], misses_listed: usize) -> Result<TopOne, QualityError> {
    let mut result = TopOne {
        questions: 0,
        right: 0,
        misses: Vec::new(),
    };
    for q in queries {
        let Expected::Article(expected) = &q.expected else {
            continue;
        };
        let (_, ranking) = answerer.reply_with_scores(&q.query, SUGGESTIONS)?;
        let top = ranking.first().map(|s| s.article_id.as_str());
        result.questions += 1;
        if top == Some(expected.as_str()) {
            result.right += 1;
        } else if result.misses.len() < misses_listed {
            result.misses.push(format!(
                "{} → {}, expected {expected}",
                q.query,
                top.unwrap_or("nothing")
            ));
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Article, Localized};
    use crate::domain::ArticleId;
    use proptest::prelude::*;

    fn corpus() -> Corpus {
        Corpus {
            root: "c".into(),
            categories: Vec::new(),
            articles: vec![Article {
                id: ArticleId::parse("withdraw-crypto").unwrap(),
                category: "withdrawal".into(),
                title: Localized::default(),
                questions: Localized::default(),
                tags: Vec::new(),
                priority: Default::default(),
                handoff: Default::default(),
                body: Localized::default(),
            }],
            dictionary: String::new(),
            synonyms: String::new(),
            quick_replies: Vec::new(),
            small_talk: Default::default(),
            entities: Default::default(),
            facts: Default::default(),
            fact_quotes: Default::default(),
            fingerprint: String::new(),
        }
    }

    fn load(text: &str) -> Result<Vec<LabeledQuery>, QualityError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.jsonl");
        std::fs::write(&path, text).unwrap();
        load_queries(&path, &corpus())
    }

    #[test]
    fn every_bad_line_is_named_and_good_lines_load() {
        let text = "{\"query\": \"怎么提币\", \"expected\": \"withdraw-crypto\", \"locale\": \"zh\"}\n\n\
                    {\"query\": \"  \", \"expected\": \"handoff\"}\n\
                    {\"query\": \"x\", \"expected\": \"handoff\", \"locale\": \"fr\"}\n\
                    {\"query\": \"joke\", \"expected\": \"handoff\"}\n";
        let QualityError::Invalid(problems) = load(text).unwrap_err() else {
            panic!("expected line problems")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].ends_with("q.jsonl:3: empty query"), "{problems:?}");
        assert!(problems[1].contains("q.jsonl:4: "), "{problems:?}");
        let good = load("{\"query\": \"怎么提币\", \"expected\": \"withdraw-crypto\"}\n{\"query\": \"joke\", \"expected\": \"handoff\"}").unwrap();
        assert_eq!(
            good[0].expected,
            Expected::Article(ArticleId::parse("withdraw-crypto").unwrap())
        );
        assert_eq!((good[1].expected.to_string(), good[1].locale), ("handoff".into(), None));
    }

    proptest! {
        #[test]
        fn any_file_loads_or_names_its_lines(lines in prop::collection::vec(".{0,40}", 0..6)) {
            match load(&lines.join("\n")) {
                Ok(queries) => prop_assert!(queries.len() <= lines.len()),
                Err(QualityError::Invalid(problems)) => {
                    prop_assert!(!problems.is_empty());
                    for p in problems {
                        prop_assert!(p.contains("q.jsonl:"), "{}", p);
                    }
                }
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
        }
    }
}
