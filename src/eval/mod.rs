//! Offline evaluation on a labelled query file: how often the right article
//! comes first, and how far down it is when it does not.
//!
//! Query file format (JSON Lines): `{"query": "...", "expected": "article-id" |
//! "handoff", "locale"?: "zh" | "en"}`.
//!
//! [`dataset`] and [`intent`] do the same for public intent datasets
//! (BANKING77, CLINC150), whose training questions become the corpus.

pub mod addresses;
pub mod conversations;
pub mod dataset;
pub mod folds;
pub mod html;
pub mod intent;
pub mod metrics;
pub mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use crate::answer::{Answerer, SUGGESTIONS};
use crate::corpus::{Corpus, Lang};
use crate::index::{ArticleIndex, IndexError};
use crate::rank::{RankError, Scores};
use metrics::{Judgement, OUT_OF_SCOPE};

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
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
    /// Retrieval failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Ranking failed.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// A conversation turn failed.
    #[error(transparent)]
    Turn(#[from] crate::conversation::TurnError),
}

/// What a labelled query should lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// This article answers it.
    Article(String),
    /// Nothing in the corpus does: a person should take it.
    Handoff,
}

impl fmt::Display for Expected {
    /// As in the query file: the article id, or `handoff`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Article(id) => f.write_str(id),
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
pub fn load_queries(path: &Path, corpus: &Corpus) -> Result<Vec<LabeledQuery>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
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
                    id if corpus.article(id).is_some() => Expected::Article(id.to_string()),
                    id => {
                        problems.push(format!("{at}: expected article `{id}` is not in the corpus"));
                        continue;
                    }
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
        Err(EvalError::Invalid(problems))
    }
}

/// The category a question is grouped under: its expected article's.
fn category_of(corpus: &Corpus, expected: &Expected) -> String {
    match expected {
        Expected::Article(id) => corpus.article(id).map_or_else(String::new, |a| a.category.clone()),
        Expected::Handoff => OUT_OF_SCOPE.to_string(),
    }
}

/// Asks every question through the whole answer path, as the service
/// does, timing each. `progress(done, total)` reports questions answered.
pub fn judge(
    answerer: &Answerer,
    corpus: &Corpus,
    queries: &[LabeledQuery],
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Judgement>, EvalError> {
    let mut judgements = Vec::with_capacity(queries.len());
    for (done, q) in queries.iter().enumerate() {
        let started = Instant::now();
        let (_, ranking) = answerer.reply_with_scores(&q.query, SUGGESTIONS)?;
        let latency = started.elapsed();
        judgements.push(Judgement {
            query: q.query.clone(),
            locale: q.locale,
            category: category_of(corpus, &q.expected),
            expected: q.expected.clone(),
            ranking,
            latency: Some(latency),
        });
        progress(done + 1, queries.len());
    }
    Ok(judgements)
}

/// BM25 retrieval alone on `queries`: the judgements rank by BM25, with no
/// model involved (fast enough for tests of the index by itself).
pub fn judge_bm25(
    index: &ArticleIndex,
    corpus: &Corpus,
    queries: &[LabeledQuery],
) -> Result<Vec<Judgement>, EvalError> {
    queries
        .iter()
        .map(|q| {
            let ranking = index
                .scores(&q.query, metrics::DEPTH)?
                .into_iter()
                .map(|(article_id, bm25)| Scores {
                    article_id,
                    bm25,
                    similarity: 0.0,
                    fused: bm25,
                })
                .collect();
            Ok(Judgement {
                query: q.query.clone(),
                locale: q.locale,
                category: category_of(corpus, &q.expected),
                expected: q.expected.clone(),
                ranking,
                latency: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Article, ArticleId, Localized};
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

    fn load(text: &str) -> Result<Vec<LabeledQuery>, EvalError> {
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
        let EvalError::Invalid(problems) = load(text).unwrap_err() else {
            panic!("expected line problems")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].ends_with("q.jsonl:3: empty query"), "{problems:?}");
        assert!(problems[1].contains("q.jsonl:4: "), "{problems:?}");
        let good = load("{\"query\": \"怎么提币\", \"expected\": \"withdraw-crypto\"}\n{\"query\": \"joke\", \"expected\": \"handoff\"}").unwrap();
        assert_eq!(good[0].expected, Expected::Article("withdraw-crypto".into()));
        assert_eq!((good[1].expected.to_string(), good[1].locale), ("handoff".into(), None));
    }

    proptest! {
        #[test]
        fn any_file_loads_or_names_its_lines(lines in prop::collection::vec(".{0,40}", 0..6)) {
            match load(&lines.join("\n")) {
                Ok(queries) => prop_assert!(queries.len() <= lines.len()),
                Err(EvalError::Invalid(problems)) => {
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
