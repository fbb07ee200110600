//! Offline evaluation on a labelled query file: how often the right article
//! comes first, and how far down it is when it does not.
//!
//! Query file format (JSON Lines): `{"query": "...", "expected": "article-id" |
//! "handoff", "locale"?: "zh" | "en"}`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Lang};
use crate::index::{ArticleIndex, IndexError};
use crate::rank::{RankError, Ranker};

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
}

/// What a labelled query should lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// This article answers it.
    Article(String),
    /// Nothing in the corpus does: a person should take it.
    Handoff,
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

/// Ranking quality over the in-scope questions of a query set.
#[derive(Debug, Clone, Serialize)]
pub struct RetrievalReport {
    /// In-scope questions evaluated.
    pub questions: usize,
    /// Share with the right article first.
    pub top1: f64,
    /// Share with the right article in the top 3.
    pub recall_at_3: f64,
    /// Share with the right article in the top 5.
    pub recall_at_5: f64,
    /// Mean reciprocal rank (0 when not in the retrieved list).
    pub mrr: f64,
    /// Questions whose right article was not first.
    pub misses: Vec<Miss>,
}

/// A question the ranking got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The question.
    pub query: String,
    /// The right article.
    pub expected: String,
    /// Its rank (1-based), if retrieved at all.
    pub rank: Option<usize>,
    /// The ids ranked above it (at most 3).
    pub got: Vec<String>,
}

/// How deep the ranking is searched for the expected article.
const DEPTH: usize = 20;

/// Evaluates BM25 retrieval on the in-scope questions of `queries`.
pub fn evaluate_retrieval(index: &ArticleIndex, queries: &[LabeledQuery]) -> Result<RetrievalReport, EvalError> {
    let mut ranks = Vec::new();
    let mut misses = Vec::new();
    for q in queries {
        let Expected::Article(expected) = &q.expected else {
            continue;
        };
        let ids: Vec<String> = index.scores(&q.query, DEPTH)?.into_iter().map(|(id, _)| id).collect();
        let rank = ids.iter().position(|id| id == expected).map(|p| p + 1);
        if rank != Some(1) {
            misses.push(Miss {
                query: q.query.clone(),
                expected: expected.clone(),
                rank,
                got: ids.into_iter().take(3).collect(),
            });
        }
        ranks.push(rank);
    }
    Ok(report_from_ranks(&ranks, misses))
}

/// A question's raw scores for every article (corpus order), computed once so
/// that many fusions can be compared without running the model again.
#[derive(Debug, Clone)]
pub struct ScoredQuery {
    /// The labelled question.
    pub query: LabeledQuery,
    /// BM25 per article.
    pub bm25: Vec<f32>,
    /// Embedding similarity per article.
    pub similarity: Vec<f32>,
}

/// Runs BM25 and the model once for every question of `queries`.
pub fn score_queries(ranker: &Ranker, queries: &[LabeledQuery]) -> Result<Vec<ScoredQuery>, EvalError> {
    queries
        .iter()
        .map(|q| {
            let (bm25, similarity) = ranker.raw_scores(&q.query)?;
            Ok(ScoredQuery {
                query: q.clone(),
                bm25,
                similarity,
            })
        })
        .collect()
}

/// Ranking quality when articles are ordered by `score(bm25, similarity)`.
/// `ids` are the article ids in corpus order.
pub fn evaluate_scores(
    ids: &[String],
    scored: &[ScoredQuery],
    score: impl Fn(&[f32], &[f32]) -> Vec<f32>,
) -> RetrievalReport {
    let mut ranks = Vec::new();
    let mut misses = Vec::new();
    for q in scored {
        let Expected::Article(expected) = &q.query.expected else {
            continue;
        };
        let Some(want) = ids.iter().position(|id| id == expected) else {
            continue;
        };
        let s = score(&q.bm25, &q.similarity);
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]).then(a.cmp(&b)));
        let position = order.iter().position(|&i| i == want).map(|p| p + 1);
        let rank = position.filter(|&r| r <= DEPTH);
        if rank != Some(1) {
            let got = order.iter().take(3).map(|&i| ids[i].clone()).collect();
            misses.push(Miss {
                query: q.query.query.clone(),
                expected: expected.clone(),
                rank,
                got,
            });
        }
        ranks.push(rank);
    }
    report_from_ranks(&ranks, misses)
}

fn report_from_ranks(ranks: &[Option<usize>], misses: Vec<Miss>) -> RetrievalReport {
    let n = ranks.len().max(1) as f64;
    let within = |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / n;
    RetrievalReport {
        questions: ranks.len(),
        top1: within(1),
        recall_at_3: within(3),
        recall_at_5: within(5),
        mrr: ranks.iter().map(|r| r.map_or(0.0, |r| 1.0 / r as f64)).sum::<f64>() / n,
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_from_ranks() {
        let r = report_from_ranks(&[Some(1), Some(2), None, Some(5)], Vec::new());
        assert_eq!(r.questions, 4);
        assert_eq!(r.top1, 0.25);
        assert_eq!(r.recall_at_3, 0.5);
        assert_eq!(r.recall_at_5, 0.75);
        assert!((r.mrr - (1.0 + 0.5 + 0.2) / 4.0).abs() < 1e-9);
    }

    #[test]
    fn empty_set_is_all_zero_not_nan() {
        let r = report_from_ranks(&[], Vec::new());
        assert_eq!((r.top1, r.mrr), (0.0, 0.0));
    }
}
