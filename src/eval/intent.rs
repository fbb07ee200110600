//! Top-1 accuracy on an intent dataset: which article (intent) kefu ranks
//! first for each test question, with BM25 alone, the embedding alone and
//! their fusion.
//!
//! The embedding score of an intent aggregates the similarities of the
//! question to that intent's training questions: the nearest one (1-NN, what
//! [`crate::rank::ArticleVectors::similarities`] computes), the mean of the
//! `k` nearest, or a soft maximum `τ·ln Σ exp(s/τ)` that lets several close
//! neighbours count a little more than one. How to aggregate and how much
//! the embedding weighs against BM25 are chosen on a held-out slice of the
//! training split, with the rest of it as the corpus; the choice is then
//! applied once, with the whole training split as the corpus, to the test
//! questions.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::dataset::{stratified_split, DatasetError, Example, IntentDataset};
use super::metrics::{
    best_coverage, calibrate, evaluate_decisions, out_of_scope_auroc, retrieval, sweep, Judgement, OUT_OF_SCOPE,
};
use super::report::{Calibration, DecisionSetup, EvalReport, RankingRow};
use super::Expected;
use crate::answer::{Confidence, Thresholds};
use crate::domain::ArticleId;
use crate::embed::{Embedder, Role};
use crate::index::{ArticleIndex, IndexError};
use crate::rank::{fuse, ArticleVectors, Fusion, Scores, VectorCache, VectorError};

/// Why an intent evaluation failed.
#[derive(Debug, thiserror::Error)]
pub enum IntentEvalError {
    /// The dataset is unusable.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Building or searching the BM25 index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Embedding failed or the cache could not be written.
    #[error(transparent)]
    Vectors(#[from] VectorError),
}

/// Share of each intent's training examples held out to choose the fusion.
pub const HELD_OUT: f64 = 0.2;
/// Seed of the held-out split.
pub const SEED: u64 = 77;
/// Nearest neighbours per intent kept for aggregation.
const NEIGHBOURS: usize = 16;

/// How the similarities to an intent's questions become one score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Aggregation {
    /// Mean of the `k` most similar questions (`k = 1` is 1-NN).
    MeanTop {
        /// Neighbours averaged.
        k: usize,
    },
    /// `τ·ln Σ exp(s/τ)` over the nearest questions: the maximum when τ is
    /// small, rewarding several close neighbours as τ grows.
    SoftMax {
        /// Temperature.
        tau: f32,
    },
}

impl Aggregation {
    /// Every aggregation the held-out search considers.
    pub fn candidates() -> Vec<Aggregation> {
        let mut all: Vec<Aggregation> = (1..=10).map(|k| Aggregation::MeanTop { k }).collect();
        for tau in [0.005, 0.01, 0.02, 0.03, 0.05, 0.1] {
            all.push(Aggregation::SoftMax { tau });
        }
        all
    }

    /// The score of one intent from its similarities, most similar first.
    fn score(self, nearest: &[f32]) -> f32 {
        if nearest.is_empty() {
            return f32::NEG_INFINITY;
        }
        match self {
            Aggregation::MeanTop { k } => {
                let top = &nearest[..k.clamp(1, nearest.len())];
                top.iter().sum::<f32>() / top.len() as f32
            }
            Aggregation::SoftMax { tau } => {
                // Shifted by the maximum so that exp never overflows.
                let max = nearest[0];
                max + tau * nearest.iter().map(|s| ((s - max) / tau).exp()).sum::<f32>().ln()
            }
        }
    }
}

impl std::fmt::Display for Aggregation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Aggregation::MeanTop { k: 1 } => write!(f, "1-NN"),
            Aggregation::MeanTop { k } => write!(f, "mean of {k} nearest"),
            Aggregation::SoftMax { tau } => write!(f, "soft max τ={tau}"),
        }
    }
}

/// One question's raw signals against a corpus of intents.
#[derive(Debug, Clone)]
pub struct Signals {
    /// The question.
    pub query: String,
    /// The right intent; `None` when no intent covers the question.
    pub expected: Option<usize>,
    /// BM25 per intent.
    pub bm25: Vec<f32>,
    /// Per intent, the similarities to its nearest questions, most similar first.
    pub nearest: Vec<Vec<f32>>,
}

impl Signals {
    /// The embedding score of every intent under `aggregation`.
    pub fn embedding(&self, aggregation: Aggregation) -> Vec<f32> {
        self.nearest.iter().map(|n| aggregation.score(n)).collect()
    }
}

/// A way of ranking intents from [`Signals`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "ranking", rename_all = "snake_case")]
pub enum Method {
    /// BM25 alone.
    Bm25,
    /// The embedding alone.
    Embedding {
        /// How similarities are aggregated per intent.
        aggregation: Aggregation,
    },
    /// Both, fused as the ranker fuses them.
    Hybrid {
        /// How similarities are aggregated per intent.
        aggregation: Aggregation,
        /// How the two scores are combined.
        fusion: Fusion,
    },
}

impl Method {
    fn scores(&self, s: &Signals) -> Vec<f32> {
        match *self {
            Method::Bm25 => s.bm25.clone(),
            Method::Embedding { aggregation } => s.embedding(aggregation),
            Method::Hybrid { aggregation, fusion } => fuse(&s.bm25, &s.embedding(aggregation), fusion),
        }
    }

    /// The embedding score the confidence model sees (1-NN for BM25 alone).
    fn similarity(&self, s: &Signals) -> Vec<f32> {
        match *self {
            Method::Bm25 => s.embedding(Aggregation::MeanTop { k: 1 }),
            Method::Embedding { aggregation } | Method::Hybrid { aggregation, .. } => s.embedding(aggregation),
        }
    }

    /// Every question of `signals` judged by this method, grouped under the
    /// intent's domain.
    pub fn judge(&self, dataset: &IntentDataset, ids: &[ArticleId], signals: &[Signals]) -> Vec<Judgement> {
        signals
            .iter()
            .map(|s| {
                let (fused, similarity) = (self.scores(s), self.similarity(s));
                let mut ranking: Vec<Scores> = (0..ids.len())
                    .map(|i| Scores {
                        article_id: ids[i].clone(),
                        bm25: s.bm25[i],
                        similarity: similarity[i],
                        fused: fused[i],
                    })
                    .collect();
                super::metrics::sort_best_first(&mut ranking);
                Judgement {
                    query: s.query.clone(),
                    locale: None,
                    expected: s
                        .expected
                        .map_or(Expected::Handoff, |i| Expected::Article(ids[i].clone())),
                    category: s
                        .expected
                        .map_or(OUT_OF_SCOPE.to_string(), |i| dataset.category(i).to_string()),
                    ranking,
                    latency: None,
                }
            })
            .collect()
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Bm25 => write!(f, "BM25"),
            Method::Embedding { aggregation } => write!(f, "embedding, {aggregation}"),
            Method::Hybrid {
                aggregation,
                fusion: Fusion::Weighted { embedding_weight },
            } => write!(
                f,
                "hybrid z-score, {aggregation}, embedding weight {embedding_weight:.2}"
            ),
            Method::Hybrid {
                aggregation,
                fusion: Fusion::Reciprocal { k },
            } => write!(f, "hybrid RRF k={k}, {aggregation}"),
        }
    }
}

/// Share of in-scope questions whose right intent scores highest (ties
/// count against: the lowest intent index wins them, as in any stable
/// ranking).
pub fn top1(method: &Method, questions: &[Signals]) -> f64 {
    let in_scope: Vec<&Signals> = questions.iter().filter(|q| q.expected.is_some()).collect();
    let right = in_scope
        .iter()
        .filter(|q| {
            let scores = method.scores(q);
            let best = scores
                .iter()
                .enumerate()
                .fold(None, |best: Option<(usize, f32)>, (i, &s)| match best {
                    Some((_, b)) if b >= s => best,
                    _ => Some((i, s)),
                });
            best.map(|(i, _)| i) == q.expected
        })
        .count();
    right as f64 / in_scope.len().max(1) as f64
}

/// The method among `methods` with the best top-1 on `questions`; the
/// first listed wins ties, so list simpler methods first.
pub fn choose(methods: &[Method], questions: &[Signals]) -> Option<(Method, f64)> {
    methods
        .iter()
        .map(|m| (*m, top1(m, questions)))
        .fold(None, |best, (m, acc)| match best {
            Some((_, b)) if b >= acc => best,
            _ => Some((m, acc)),
        })
}

/// Every embedding-only method the held-out search considers.
pub fn embedding_methods() -> Vec<Method> {
    Aggregation::candidates()
        .into_iter()
        .map(|aggregation| Method::Embedding { aggregation })
        .collect()
}

/// Every hybrid the held-out search considers: each aggregation with
/// embedding weights 0.05 … 0.95.
pub fn hybrid_methods() -> Vec<Method> {
    let mut all = Vec::new();
    for aggregation in Aggregation::candidates() {
        for w in 1..20 {
            all.push(Method::Hybrid {
                aggregation,
                fusion: Fusion::Weighted {
                    embedding_weight: w as f32 / 20.0,
                },
            });
        }
    }
    all
}

/// A corpus of intents, searchable by BM25 and by embedding.
struct IntentCorpus {
    index: ArticleIndex,
    vectors: ArticleVectors,
    by_id: HashMap<ArticleId, usize>,
}

impl IntentCorpus {
    /// Indexes and embeds the training examples `members` into `dir`.
    fn build(
        dataset: &IntentDataset,
        members: &[usize],
        dir: &Path,
        embedder: &Embedder,
        cache: &mut VectorCache,
        progress: &mut impl FnMut(&'static str, usize, usize),
    ) -> Result<IntentCorpus, IntentEvalError> {
        let corpus = dataset.corpus(members)?;
        let (index, _) = ArticleIndex::open_or_build(&corpus, dir, |_, _| {})?;
        let vectors = ArticleVectors::from_cache(&corpus, embedder, cache, |done, total| {
            progress("embedding the corpus", done, total)
        })?;
        let by_id = corpus
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Ok(IntentCorpus { index, vectors, by_id })
    }

    /// The signals of each of `questions` against this corpus.
    fn signals(
        &self,
        questions: &[Asked<'_>],
        embedder: &Embedder,
        cache: &mut VectorCache,
        progress: &mut impl FnMut(&'static str, usize, usize),
    ) -> Result<Vec<Signals>, IntentEvalError> {
        let mut out = Vec::with_capacity(questions.len());
        for (done, q) in questions.iter().enumerate() {
            let intents = self.by_id.len();
            let mut bm25 = vec![0.0; intents];
            for (id, score) in self.index.scores(q.text, intents)? {
                if let Some(&i) = self.by_id.get(&id) {
                    bm25[i] = score;
                }
            }
            let query = cache.get(embedder, Role::Query, q.text)?;
            let mut nearest: Vec<Vec<f32>> = vec![Vec::new(); intents];
            for (s, &owner) in self
                .vectors
                .view_similarities(&query)
                .into_iter()
                .zip(self.vectors.owners())
            {
                nearest[owner].push(s);
            }
            for n in &mut nearest {
                n.sort_by(|a, b| b.total_cmp(a));
                n.truncate(NEIGHBOURS);
            }
            out.push(Signals {
                query: q.text.to_string(),
                expected: q.intent,
                bm25,
                nearest,
            });
            progress("scoring questions", done + 1, questions.len());
        }
        Ok(out)
    }
}

/// One ranking's dev and test judgements and the confidence model and
/// thresholds calibrated on the dev ones.
type Measured = (Vec<Judgement>, Vec<Judgement>, Confidence, Thresholds);

/// A question put to an intent corpus.
#[derive(Debug, Clone, Copy)]
struct Asked<'a> {
    text: &'a str,
    /// The right intent; `None` for out-of-scope questions.
    intent: Option<usize>,
}

fn in_scope<'a>(examples: impl IntoIterator<Item = &'a Example>) -> Vec<Asked<'a>> {
    examples
        .into_iter()
        .map(|e| Asked {
            text: &e.text,
            intent: Some(e.intent),
        })
        .collect()
}

fn out_of_scope(texts: &[String]) -> Vec<Asked<'_>> {
    texts.iter().map(|t| Asked { text: t, intent: None }).collect()
}

/// One row of the ranking comparison.
#[derive(Debug, Clone, Serialize)]
pub struct IntentRow {
    /// What was measured.
    pub label: String,
    /// The ranking method.
    pub method: Method,
    /// Top-1 on the questions methods are chosen on.
    pub dev_top1: f64,
    /// Top-1 on the test split.
    pub test_top1: f64,
    /// Answered precision on the test split with a confidence model and
    /// thresholds calibrated for this method on the dev questions.
    pub test_precision: f64,
    /// The share of in-scope test questions answered with them.
    pub test_coverage: f64,
    /// The most coverage any threshold gives on the test split at the target
    /// precision: what a threshold tuned on the test split itself would
    /// reach, comparable with numbers published that way, not a claim.
    pub test_best_coverage: f64,
    /// Out-of-scope detection AUROC on the test split, when it has any.
    pub test_auroc: Option<f64>,
}

/// An intent dataset's ranking comparison and the full report of the
/// chosen ranking on its test split.
#[derive(Debug, Clone, Serialize)]
pub struct IntentReport {
    /// The dataset.
    pub dataset: String,
    /// Intents (articles).
    pub intents: usize,
    /// Where methods and thresholds were chosen.
    pub dev: String,
    /// Questions there.
    pub dev_questions: usize,
    /// Test questions (in and out of scope).
    pub test_questions: usize,
    /// The rows: fixed baselines first, then the methods chosen on the dev questions.
    pub rows: Vec<IntentRow>,
    /// The last row's method on the test split, calibrated on the dev questions.
    pub report: EvalReport,
}

/// Evaluates `dataset`, keeping indexes and the vector cache in `dir`.
/// Methods and thresholds are chosen on the validation split when the
/// dataset has one (its out-of-scope part included), else on a stratified
/// held-out slice of the training split; the test split is only measured.
/// `progress(stage, done, total)` reports long steps.
pub fn evaluate_intents(
    dataset: &IntentDataset,
    embedder: &Embedder,
    dir: &Path,
    target_precision: f64,
    misses: usize,
    mut progress: impl FnMut(&'static str, usize, usize),
) -> Result<IntentReport, IntentEvalError> {
    let mut cache = VectorCache::open(&dir.join("vectors.bin"), embedder);
    let all: Vec<usize> = (0..dataset.train.len()).collect();

    let full_corpus = IntentCorpus::build(dataset, &all, &dir.join("full"), embedder, &mut cache, &mut progress)?;
    let (dev_label, dev) = if dataset.val.is_empty() {
        let (fit, held_out) = stratified_split(&dataset.train, HELD_OUT, SEED);
        let fit_corpus = IntentCorpus::build(dataset, &fit, &dir.join("fit"), embedder, &mut cache, &mut progress)?;
        let questions = in_scope(held_out.iter().map(|&i| &dataset.train[i]));
        let label = format!(
            "a held-out {:.0}% of the training split ({} questions, the other {} as the corpus)",
            100.0 * HELD_OUT,
            held_out.len(),
            fit.len()
        );
        (
            label,
            fit_corpus.signals(&questions, embedder, &mut cache, &mut progress)?,
        )
    } else {
        let mut questions = in_scope(&dataset.val);
        questions.extend(out_of_scope(&dataset.out_of_scope_val));
        let label = format!(
            "the validation split ({} in scope + {} out of scope)",
            dataset.val.len(),
            dataset.out_of_scope_val.len()
        );
        (
            label,
            full_corpus.signals(&questions, embedder, &mut cache, &mut progress)?,
        )
    };
    let mut test_questions = in_scope(&dataset.test);
    test_questions.extend(out_of_scope(&dataset.out_of_scope_test));
    let test = full_corpus.signals(&test_questions, embedder, &mut cache, &mut progress)?;
    cache.save()?;

    let one_nn = Aggregation::MeanTop { k: 1 };
    let mut methods: Vec<(String, Method)> = vec![
        ("BM25".into(), Method::Bm25),
        ("embedding 1-NN".into(), Method::Embedding { aggregation: one_nn }),
        (
            "embedding mean of 3 nearest".into(),
            Method::Embedding {
                aggregation: Aggregation::MeanTop { k: 3 },
            },
        ),
        (
            "hybrid RRF k=60, 1-NN".into(),
            Method::Hybrid {
                aggregation: one_nn,
                fusion: Fusion::Reciprocal { k: 60.0 },
            },
        ),
        (
            "hybrid z-score 50/50, 1-NN (kefu's default)".into(),
            Method::Hybrid {
                aggregation: one_nn,
                fusion: Fusion::default(),
            },
        ),
    ];
    if let Some((m, _)) = choose(&embedding_methods(), &dev) {
        methods.push(("embedding, chosen on dev".into(), m));
    }
    // The report's ranking: the best hybrid on the dev questions, or kefu's
    // default when there is nothing to choose on.
    let chosen = choose(&hybrid_methods(), &dev).map_or(methods[methods.len() - 1].1, |(m, _)| m);

    let ids: Vec<ArticleId> = dataset.article_ids()?;
    let none = std::collections::HashSet::new();
    // Each ranking is judged and calibrated once; the chosen one's run also
    // becomes the full report.
    let measure = |method: &Method| {
        let (dev_j, test_j) = (method.judge(dataset, &ids, &dev), method.judge(dataset, &ids, &test));
        let (confidence, thresholds) = calibrate(&dev_j, target_precision, &none);
        (dev_j, test_j, confidence, thresholds)
    };
    let row = |label: String, method: Method, (_, test_j, confidence, thresholds): &Measured| {
        let decisions = evaluate_decisions(test_j, confidence, thresholds, &none);
        IntentRow {
            dev_top1: top1(&method, &dev),
            test_top1: retrieval(test_j).top1,
            test_precision: decisions.answered_precision,
            test_coverage: decisions.coverage,
            test_best_coverage: best_coverage(&sweep(test_j, confidence, &none), target_precision),
            test_auroc: out_of_scope_auroc(test_j, confidence),
            label,
            method,
        }
    };
    let mut rows = Vec::new();
    let mut rankings = Vec::new();
    for (label, method) in methods {
        let measured = measure(&method);
        rankings.push(RankingRow {
            name: label.clone(),
            retrieval: retrieval(&measured.1),
        });
        rows.push(row(label, method, &measured));
    }
    let chosen_run = measure(&chosen);
    rows.push(row("hybrid, chosen on dev".into(), chosen, &chosen_run));
    let (dev_j, test_j, confidence, thresholds) = chosen_run;
    let setup = DecisionSetup {
        confidence,
        thresholds,
        always_handoff: none.clone(),
    };
    let mut report = EvalReport::new(
        format!(
            "{} test split, {} intents as articles",
            dataset.name,
            dataset.intents.len()
        ),
        chosen.to_string(),
        &test_j,
        &setup,
        misses,
        |id| id.to_string(),
    );
    report.rankings = rankings;
    report.calibration = Some(Calibration {
        target_precision,
        fitted_on: dev_label.clone(),
        confidence,
        thresholds,
        on_fitted: evaluate_decisions(&dev_j, &confidence, &thresholds, &none),
        estimate: report.decisions.clone(),
        estimate_from: "on the test split".into(),
        config: Calibration::config_snippet(
            &confidence,
            &thresholds,
            &format!("kefu eval --dataset {} --calibrate", dataset.name),
        ),
    });
    Ok(IntentReport {
        dataset: dataset.name.clone(),
        intents: dataset.intents.len(),
        dev: dev_label,
        dev_questions: dev.len(),
        test_questions: test.len(),
        rows,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(expected: usize, bm25: &[f32], nearest: &[&[f32]]) -> Signals {
        Signals {
            query: String::new(),
            expected: Some(expected),
            bm25: bm25.to_vec(),
            nearest: nearest.iter().map(|n| n.to_vec()).collect(),
        }
    }

    #[test]
    fn aggregations_interpolate_between_nearest_and_many() {
        let near = [0.95, 0.70, 0.70];
        let many = [0.90, 0.89, 0.88];
        let score = |a: Aggregation, n: &[f32]| a.score(n);
        assert!(score(Aggregation::MeanTop { k: 1 }, &near) > score(Aggregation::MeanTop { k: 1 }, &many));
        assert!(score(Aggregation::MeanTop { k: 3 }, &near) < score(Aggregation::MeanTop { k: 3 }, &many));
        assert!((score(Aggregation::MeanTop { k: 10 }, &near) - 2.35 / 3.0).abs() < 1e-6);
        let sharp = Aggregation::SoftMax { tau: 0.001 };
        assert!(
            (score(sharp, &near) - 0.95).abs() < 1e-4,
            "a cold soft max is the maximum"
        );
        let soft = Aggregation::SoftMax { tau: 0.1 };
        assert!(score(soft, &near) < score(soft, &many));
        assert_eq!(score(soft, &[]), f32::NEG_INFINITY);
    }

    #[test]
    fn top1_and_choice_follow_the_scores() {
        let questions = [
            signals(0, &[5.0, 1.0], &[&[0.80], &[0.85]]),
            signals(1, &[0.0, 2.0], &[&[0.70], &[0.90]]),
        ];
        assert_eq!(top1(&Method::Bm25, &questions), 1.0);
        let nn = Method::Embedding {
            aggregation: Aggregation::MeanTop { k: 1 },
        };
        assert_eq!(top1(&nn, &questions), 0.5);
        let (best, acc) = choose(&[nn, Method::Bm25], &questions).unwrap();
        assert_eq!((best, acc), (Method::Bm25, 1.0));
        let tie = [signals(1, &[1.0, 1.0], &[&[0.5], &[0.5]])];
        assert_eq!(top1(&Method::Bm25, &tie), 0.0, "a tie is not a win");
    }
}
