//! Offline evaluation on a labelled query file: how often the right article
//! comes first, and how far down it is when it does not.
//!
//! Query file format (JSON Lines): `{"query": "...", "expected": "article-id" |
//! "handoff", "locale"?: "zh" | "en"}`.
//!
//! [`dataset`] and [`intent`] do the same for public intent datasets
//! (BANKING77, CLINC150), whose training questions become the corpus.

pub mod dataset;
pub mod intent;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Lang};
use crate::index::{ArticleIndex, IndexError};
use std::collections::HashSet;

use crate::answer::{decide, Confidence, Decision, Features, Thresholds};
use crate::rank::{fuse, Fusion, RankError, Ranker, Scores};

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

/// One question's decision inputs under a fusion.
#[derive(Debug, Clone)]
pub struct DecisionSample {
    /// Confidence features of its ranking.
    pub features: Features,
    /// The top article's id.
    pub top: String,
    /// The expected outcome.
    pub expected: Expected,
    /// Whether the expected article is among the first three (what a
    /// clarification shows).
    pub in_top3: bool,
}

/// Builds decision samples from raw scores under `fusion`.
pub fn decision_samples(ids: &[String], scored: &[ScoredQuery], fusion: Fusion) -> Vec<DecisionSample> {
    scored
        .iter()
        .filter_map(|q| {
            let fused = fuse(&q.bm25, &q.similarity, fusion);
            let mut order: Vec<usize> = (0..ids.len()).collect();
            order.sort_by(|&a, &b| fused[b].total_cmp(&fused[a]).then(a.cmp(&b)));
            let ranking: Vec<Scores> = order
                .iter()
                .take(2)
                .map(|&i| Scores {
                    article_id: ids[i].clone(),
                    bm25: q.bm25[i],
                    similarity: q.similarity[i],
                    fused: fused[i],
                })
                .collect();
            let in_top3 = match &q.query.expected {
                Expected::Article(id) => order.iter().take(3).any(|&i| &ids[i] == id),
                Expected::Handoff => false,
            };
            Some(DecisionSample {
                features: Features::of(&ranking)?,
                top: ranking[0].article_id.clone(),
                expected: q.query.expected.clone(),
                in_top3,
            })
        })
        .collect()
}

impl DecisionSample {
    fn top_is_right(&self) -> bool {
        matches!(&self.expected, Expected::Article(id) if *id == self.top)
    }
}

/// How decisions turned out against the labels.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecisionReport {
    /// In-scope questions answered with the right article.
    pub answered_right: usize,
    /// In-scope questions answered with a wrong article.
    pub answered_wrong: usize,
    /// Out-of-scope questions answered anyway.
    pub answered_out_of_scope: usize,
    /// In-scope questions clarified with the right article among the suggestions.
    pub clarified_right: usize,
    /// In-scope questions clarified without it.
    pub clarified_wrong: usize,
    /// Out-of-scope questions clarified.
    pub clarified_out_of_scope: usize,
    /// Questions about `handoff: always` topics handed off, as they must be.
    pub handed_off_as_required: usize,
    /// Other in-scope questions handed off.
    pub handed_off_in_scope: usize,
    /// Out-of-scope questions handed off.
    pub handed_off_out_of_scope: usize,
    /// Answered questions whose answer was right.
    pub answered_precision: f64,
    /// In-scope questions answered (rightly or not) without a person, among
    /// those that do not require one.
    pub coverage: f64,
    /// Out-of-scope questions handed off.
    pub out_of_scope_handoff_recall: f64,
}

impl DecisionReport {
    fn record(&mut self, sample: &DecisionSample, decision: Decision, always_handoff: &HashSet<String>) {
        let in_scope = matches!(sample.expected, Expected::Article(_));
        let required = matches!(&sample.expected, Expected::Article(id) if always_handoff.contains(id));
        let slot = match (decision, in_scope) {
            (Decision::Handoff, true) if required => &mut self.handed_off_as_required,
            (Decision::Answer, true) if sample.top_is_right() => &mut self.answered_right,
            (Decision::Answer, true) => &mut self.answered_wrong,
            (Decision::Answer, false) => &mut self.answered_out_of_scope,
            (Decision::Clarify, true) if sample.in_top3 => &mut self.clarified_right,
            (Decision::Clarify, true) => &mut self.clarified_wrong,
            (Decision::Clarify, false) => &mut self.clarified_out_of_scope,
            (Decision::Handoff, true) => &mut self.handed_off_in_scope,
            (Decision::Handoff, false) => &mut self.handed_off_out_of_scope,
        };
        *slot += 1;
    }

    fn finish(mut self) -> DecisionReport {
        let answered = self.answered_right + self.answered_wrong + self.answered_out_of_scope;
        let in_scope = self.answered_right
            + self.answered_wrong
            + self.clarified_right
            + self.clarified_wrong
            + self.handed_off_in_scope;
        let out_of_scope = self.answered_out_of_scope + self.clarified_out_of_scope + self.handed_off_out_of_scope;
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.answered_precision = ratio(self.answered_right, answered);
        self.coverage = ratio(self.answered_right + self.answered_wrong, in_scope);
        self.out_of_scope_handoff_recall = ratio(self.handed_off_out_of_scope, out_of_scope);
        self
    }
}

fn decision_for(s: &DecisionSample, c: &Confidence, t: &Thresholds, always_handoff: &HashSet<String>) -> Decision {
    decide(t, c.probability(&s.features), Some(always_handoff.contains(&s.top))).0
}

/// Applies `confidence` and `thresholds` to samples. Articles in
/// `always_handoff` hand off when matched.
pub fn evaluate_decisions(
    samples: &[DecisionSample],
    confidence: &Confidence,
    thresholds: &Thresholds,
    always_handoff: &HashSet<String>,
) -> DecisionReport {
    let mut r = DecisionReport::default();
    for s in samples {
        r.record(
            s,
            decision_for(s, confidence, thresholds, always_handoff),
            always_handoff,
        );
    }
    r.finish()
}

/// Fits confidence on `samples` and picks thresholds: the lowest answer
/// threshold whose answered precision reaches `target_precision` (most
/// coverage), and the lowest clarify threshold that still hands off at least
/// 90% of out-of-scope questions.
pub fn calibrate(
    samples: &[DecisionSample],
    target_precision: f64,
    always_handoff: &HashSet<String>,
) -> (Confidence, Thresholds) {
    let fit: Vec<(Features, bool)> = samples.iter().map(|s| (s.features, s.top_is_right())).collect();
    let confidence = Confidence::fit(&fit);
    let grid: Vec<f32> = (5..=99).map(|i| i as f32 / 100.0).collect();
    let answer = grid
        .iter()
        .copied()
        .find(|&a| {
            let r = evaluate_decisions(
                samples,
                &confidence,
                &Thresholds { answer: a, clarify: a },
                always_handoff,
            );
            r.answered_precision >= target_precision
        })
        .unwrap_or(0.99);
    let clarify = grid
        .iter()
        .copied()
        .filter(|&c| c <= answer)
        .find(|&c| {
            let r = evaluate_decisions(samples, &confidence, &Thresholds { answer, clarify: c }, always_handoff);
            r.out_of_scope_handoff_recall >= 0.9
        })
        .unwrap_or(answer);
    (confidence, Thresholds { answer, clarify })
}

/// K-fold estimate of how calibrated decisions do on questions the
/// calibration did not see: each fold is decided by a model fitted on the rest.
pub fn cross_validate(
    samples: &[DecisionSample],
    folds: usize,
    target_precision: f64,
    always_handoff: &HashSet<String>,
) -> DecisionReport {
    let folds = folds.max(2);
    let mut total = DecisionReport::default();
    for k in 0..folds {
        let train: Vec<DecisionSample> = samples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, s)| s.clone())
            .collect();
        let (confidence, thresholds) = calibrate(&train, target_precision, always_handoff);
        for (_, s) in samples.iter().enumerate().filter(|(i, _)| i % folds == k) {
            total.record(
                s,
                decision_for(s, &confidence, &thresholds, always_handoff),
                always_handoff,
            );
        }
    }
    total.finish()
}
