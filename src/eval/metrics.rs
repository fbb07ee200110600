//! Metrics over judged questions: where the right article ranked, what the
//! decision would have been, and how the confidence separates questions the
//! corpus answers from those it does not.
//!
//! Everything here works on [`Judgement`]s, whatever produced them (the real
//! answer path on a help-center corpus, held-out similar questions, or a
//! public intent dataset), so every evaluation reports the same numbers in
//! the same way.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde::Serialize;

use super::Expected;
use crate::answer::{decide, Confidence, Features, Thresholds, SUGGESTIONS};
use crate::corpus::Lang;
use crate::domain::{ArticleId, Decision};
use crate::rank::Scores;

/// How deep the ranking is searched for the expected article: below this the
/// article counts as not found (reciprocal rank 0).
pub const DEPTH: usize = 20;

/// One labelled question and what the engine did with it.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The question.
    pub query: String,
    /// Its language, when labelled.
    pub locale: Option<Lang>,
    /// The right outcome.
    pub expected: Expected,
    /// The expected article's category (`out-of-scope` for handoffs), for
    /// per-category breakdowns.
    pub category: String,
    /// Every article's scores, best first.
    pub ranking: Vec<Scores>,
    /// How long the whole answer path took, when it was timed.
    pub latency: Option<Duration>,
}

/// Category name given to questions the corpus should not answer.
pub const OUT_OF_SCOPE: &str = "out-of-scope";

impl Judgement {
    /// 1-based rank of the expected article, if within [`DEPTH`].
    pub fn rank(&self) -> Option<usize> {
        let Expected::Article(id) = &self.expected else {
            return None;
        };
        self.ranking
            .iter()
            .take(DEPTH)
            .position(|s| &s.article_id == id)
            .map(|p| p + 1)
    }

    /// Whether the question has an article that answers it.
    pub fn in_scope(&self) -> bool {
        matches!(self.expected, Expected::Article(_))
    }

    /// The top article's id.
    pub fn top(&self) -> Option<&str> {
        self.ranking.first().map(|s| s.article_id.as_str())
    }

    /// Whether the top article is the right one.
    pub fn top_is_right(&self) -> bool {
        matches!(&self.expected, Expected::Article(id) if Some(id.as_str()) == self.top())
    }

    /// The confidence features of the ranking.
    pub fn features(&self) -> Option<Features> {
        Features::of(&self.ranking)
    }

    /// `model`'s confidence in the top article (0 when nothing ranked).
    pub fn confidence(&self, model: &Confidence) -> f32 {
        self.features().map_or(0.0, |f| model.probability(&f))
    }

    /// The same question ranked by `score(bm25, similarity)` over all
    /// articles instead: how alternative rankings are compared without
    /// running the model again.
    pub fn reranked(&self, score: impl Fn(&[f32], &[f32]) -> Vec<f32>) -> Judgement {
        let bm25: Vec<f32> = self.ranking.iter().map(|s| s.bm25).collect();
        let similarity: Vec<f32> = self.ranking.iter().map(|s| s.similarity).collect();
        let fused = score(&bm25, &similarity);
        let mut ranking: Vec<Scores> = self
            .ranking
            .iter()
            .zip(fused)
            .map(|(s, fused)| Scores { fused, ..s.clone() })
            .collect();
        sort_best_first(&mut ranking);
        Judgement {
            ranking,
            ..self.clone()
        }
    }
}

/// Sorts scores best first; ties go to the smaller id, as the ranker does.
pub fn sort_best_first(ranking: &mut [Scores]) {
    ranking.sort_by(|a, b| {
        b.fused
            .total_cmp(&a.fused)
            .then_with(|| a.article_id.cmp(&b.article_id))
    });
}

/// Ranking quality over in-scope questions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Retrieval {
    /// In-scope questions measured.
    pub questions: usize,
    /// Share with the right article first (recall@1).
    pub top1: f64,
    /// Share with the right article among the first 3.
    pub recall_at_3: f64,
    /// Share with the right article among the first 5.
    pub recall_at_5: f64,
    /// Mean reciprocal rank (0 when not in the first [`DEPTH`]).
    pub mrr: f64,
}

impl Retrieval {
    /// Top-1, recall@3 and MRR as a report shows them; dashes when there was
    /// nothing to rank (a slice of only out-of-scope questions).
    pub fn cells(&self) -> [String; 3] {
        if self.questions == 0 {
            return ["–".into(), "–".into(), "–".into()];
        }
        [pct(self.top1), pct(self.recall_at_3), format!("{:.3}", self.mrr)]
    }
}

/// A share as a report shows it: `97.1%`.
pub fn pct(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// Ranking quality of the in-scope questions among `judgements`.
pub fn retrieval(judgements: &[Judgement]) -> Retrieval {
    let ranks: Vec<Option<usize>> = judgements
        .iter()
        .filter(|j| j.in_scope())
        .map(Judgement::rank)
        .collect();
    from_ranks(&ranks)
}

/// Ranking quality if articles were ordered by `score(bm25, similarity)`
/// instead ([`Judgement::reranked`]).
pub fn retrieval_reranked(judgements: &[Judgement], score: impl Fn(&[f32], &[f32]) -> Vec<f32>) -> Retrieval {
    retrieval(&judgements.iter().map(|j| j.reranked(&score)).collect::<Vec<_>>())
}

fn from_ranks(ranks: &[Option<usize>]) -> Retrieval {
    let n = ranks.len().max(1) as f64;
    let within = |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / n;
    Retrieval {
        questions: ranks.len(),
        top1: within(1),
        recall_at_3: within(3),
        recall_at_5: within(5),
        // Folded from +0.0: a float sum of nothing is -0.0 and would print as such.
        mrr: ranks
            .iter()
            .map(|r| r.map_or(0.0, |r| 1.0 / r as f64))
            .fold(0.0, |a, b| a + b)
            / n,
    }
}

/// How decisions turned out against the labels: the confusion of answer /
/// clarify / handoff against in-scope / out-of-scope, and the rates a
/// help-desk team steers by.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    fn record(&mut self, j: &Judgement, decision: Decision, always_handoff: &HashSet<ArticleId>) {
        let required = matches!(&j.expected, Expected::Article(id) if always_handoff.contains(id));
        let in_top = || {
            j.ranking
                .iter()
                .take(SUGGESTIONS)
                .any(|s| matches!(&j.expected, Expected::Article(id) if *id == s.article_id))
        };
        let slot = match (decision, j.in_scope()) {
            (Decision::Handoff, true) if required => &mut self.handed_off_as_required,
            (Decision::Answer, true) if j.top_is_right() => &mut self.answered_right,
            (Decision::Answer, true) => &mut self.answered_wrong,
            (Decision::Answer, false) => &mut self.answered_out_of_scope,
            (Decision::Clarify, true) if in_top() => &mut self.clarified_right,
            (Decision::Clarify, true) => &mut self.clarified_wrong,
            (Decision::Clarify, false) => &mut self.clarified_out_of_scope,
            (Decision::Handoff, true) => &mut self.handed_off_in_scope,
            // Small talk is no answer: counted with the hand-offs.
            (Decision::Handoff | Decision::SmallTalk, false) => &mut self.handed_off_out_of_scope,
            (Decision::SmallTalk, true) => &mut self.handed_off_in_scope,
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
        self.answered_precision = ratio(self.answered_right, answered);
        self.coverage = ratio(self.answered_right + self.answered_wrong, in_scope);
        self.out_of_scope_handoff_recall = ratio(self.handed_off_out_of_scope, out_of_scope);
        self
    }

    /// Questions counted.
    pub fn total(&self) -> usize {
        self.answered_right
            + self.answered_wrong
            + self.answered_out_of_scope
            + self.clarified_right
            + self.clarified_wrong
            + self.clarified_out_of_scope
            + self.handed_off_as_required
            + self.handed_off_in_scope
            + self.handed_off_out_of_scope
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// What the engine decides for `j` with this confidence model and thresholds.
pub fn decision_for(j: &Judgement, c: &Confidence, t: &Thresholds, always_handoff: &HashSet<ArticleId>) -> Decision {
    decide(t, j.confidence(c), j.top().map(|id| always_handoff.contains(id))).0
}

/// Applies `confidence` and `thresholds` to `judgements`. Articles in
/// `always_handoff` hand off when matched.
pub fn evaluate_decisions(
    judgements: &[Judgement],
    confidence: &Confidence,
    thresholds: &Thresholds,
    always_handoff: &HashSet<ArticleId>,
) -> DecisionReport {
    let mut r = DecisionReport::default();
    for j in judgements {
        r.record(
            j,
            decision_for(j, confidence, thresholds, always_handoff),
            always_handoff,
        );
    }
    r.finish()
}

/// One step of the threshold sweep: answer at or above `threshold`, hand off
/// below it (no clarify band, so the trade-off is plain).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The answer threshold.
    pub threshold: f32,
    /// Answered questions that were answered right.
    pub answered_precision: f64,
    /// In-scope questions answered without a person.
    pub coverage: f64,
    /// Out-of-scope questions handed off.
    pub out_of_scope_handoff_recall: f64,
}

/// Answer thresholds the sweep and the calibration try: 0.01 … 0.99.
fn grid() -> impl Iterator<Item = f32> {
    (1..=99).map(|i| i as f32 / 100.0)
}

/// Precision, coverage and out-of-scope handoff at every answer threshold.
pub fn sweep(
    judgements: &[Judgement],
    confidence: &Confidence,
    always_handoff: &HashSet<ArticleId>,
) -> Vec<SweepPoint> {
    grid()
        .map(|threshold| {
            let t = Thresholds {
                answer: threshold,
                clarify: threshold,
            };
            let r = evaluate_decisions(judgements, confidence, &t, always_handoff);
            SweepPoint {
                threshold,
                answered_precision: r.answered_precision,
                coverage: r.coverage,
                out_of_scope_handoff_recall: r.out_of_scope_handoff_recall,
            }
        })
        .collect()
}

/// The most coverage any answer threshold of `sweep` gives while answered
/// precision stays at `target` or above (0 when none does).
pub fn best_coverage(sweep: &[SweepPoint], target: f64) -> f64 {
    sweep
        .iter()
        .filter(|p| p.answered_precision >= target)
        .map(|p| p.coverage)
        .fold(0.0, f64::max)
}

/// Fits confidence on `judgements` and picks thresholds: the lowest answer
/// threshold whose answered precision reaches `target_precision` (most
/// coverage), and the lowest clarify threshold that still hands off at least
/// 90% of out-of-scope questions (the answer threshold itself when there are
/// none to measure).
pub fn calibrate(
    judgements: &[Judgement],
    target_precision: f64,
    always_handoff: &HashSet<ArticleId>,
) -> (Confidence, Thresholds) {
    let fit: Vec<(Features, bool)> = judgements
        .iter()
        .filter_map(|j| Some((j.features()?, j.top_is_right())))
        .collect();
    let confidence = Confidence::fit(&fit);
    let answer = grid()
        .find(|&a| {
            let t = Thresholds { answer: a, clarify: a };
            evaluate_decisions(judgements, &confidence, &t, always_handoff).answered_precision >= target_precision
        })
        .unwrap_or(0.99);
    let has_out_of_scope = judgements.iter().any(|j| !j.in_scope());
    let clarify = grid()
        .filter(|&c| c <= answer && has_out_of_scope)
        .find(|&c| {
            let t = Thresholds { answer, clarify: c };
            evaluate_decisions(judgements, &confidence, &t, always_handoff).out_of_scope_handoff_recall >= 0.9
        })
        .unwrap_or(answer);
    (confidence, Thresholds { answer, clarify })
}

/// K-fold estimate of how calibrated decisions do on questions the
/// calibration did not see: each fold is decided by a model fitted on the
/// others.
pub fn cross_validate(
    judgements: &[Judgement],
    folds: usize,
    target_precision: f64,
    always_handoff: &HashSet<ArticleId>,
) -> DecisionReport {
    let folds = folds.max(2);
    let mut total = DecisionReport::default();
    for k in 0..folds {
        let train: Vec<Judgement> = judgements
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, j)| j.clone())
            .collect();
        let (confidence, thresholds) = calibrate(&train, target_precision, always_handoff);
        for (_, j) in judgements.iter().enumerate().filter(|(i, _)| i % folds == k) {
            total.record(
                j,
                decision_for(j, &confidence, &thresholds, always_handoff),
                always_handoff,
            );
        }
    }
    total.finish()
}

/// Area under the ROC curve of the confidence as a detector of in-scope
/// questions against out-of-scope ones: the chance that a random in-scope
/// question gets more confidence than a random out-of-scope one (ties count
/// half). `None` without both kinds.
pub fn out_of_scope_auroc(judgements: &[Judgement], confidence: &Confidence) -> Option<f64> {
    let mut scored: Vec<(f32, bool)> = judgements
        .iter()
        .map(|j| (j.confidence(confidence), j.in_scope()))
        .collect();
    let positives = scored.iter().filter(|(_, p)| *p).count();
    let negatives = scored.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Mann-Whitney U from average ranks, so ties count half and the cost is
    // a sort rather than a product of the two sets.
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < scored.len() {
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            j += 1;
        }
        let average_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += average_rank * scored[i..j].iter().filter(|(_, p)| *p).count() as f64;
        i = j;
    }
    let u = rank_sum - (positives * (positives + 1)) as f64 / 2.0;
    Some(u / (positives * negatives) as f64)
}

/// Latency percentiles of the timed judgements, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Questions timed.
    pub questions: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// Latency of the timed judgements; `None` when none were timed.
pub fn latency(judgements: &[Judgement]) -> Option<Latency> {
    let mut ms: Vec<f64> = judgements
        .iter()
        .filter_map(|j| j.latency)
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    // Nearest-rank percentile: the smallest value with at least p% at or below it.
    let at = |p: f64| ms[((p / 100.0 * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Some(Latency {
        questions: ms.len(),
        p50_ms: at(50.0),
        p95_ms: at(95.0),
        p99_ms: at(99.0),
        mean_ms: ms.iter().sum::<f64>() / ms.len() as f64,
    })
}

/// Retrieval and decisions of one slice of the questions.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// What the slice is (a category or a locale).
    pub name: String,
    /// Questions in it.
    pub questions: usize,
    /// Ranking quality of its in-scope questions.
    pub retrieval: Retrieval,
    /// Its decision confusion.
    pub decisions: DecisionReport,
}

/// Judgements grouped by `key`, each group measured; groups sorted by name.
pub fn breakdown(
    judgements: &[Judgement],
    key: impl Fn(&Judgement) -> String,
    confidence: &Confidence,
    thresholds: &Thresholds,
    always_handoff: &HashSet<ArticleId>,
) -> Vec<Group> {
    let mut groups: BTreeMap<String, Vec<Judgement>> = BTreeMap::new();
    for j in judgements {
        groups.entry(key(j)).or_default().push(j.clone());
    }
    groups
        .into_iter()
        .map(|(name, js)| Group {
            questions: js.len(),
            retrieval: retrieval(&js),
            decisions: evaluate_decisions(&js, confidence, thresholds, always_handoff),
            name,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(expected: Option<&str>, ranking: &[(&str, f32)]) -> Judgement {
        Judgement {
            query: "q".into(),
            locale: None,
            expected: expected.map_or(Expected::Handoff, |id| Expected::Article(ArticleId::parse(id).unwrap())),
            category: "c".into(),
            ranking: ranking
                .iter()
                .map(|&(id, fused)| Scores {
                    article_id: ArticleId::parse(id).unwrap(),
                    bm25: fused,
                    similarity: fused / 10.0,
                    fused,
                })
                .collect(),
            latency: None,
        }
    }

    #[test]
    fn retrieval_from_ranks() {
        let r = from_ranks(&[Some(1), Some(2), None, Some(5)]);
        assert_eq!(r.questions, 4);
        assert_eq!((r.top1, r.recall_at_3, r.recall_at_5), (0.25, 0.5, 0.75));
        assert!((r.mrr - (1.0 + 0.5 + 0.2) / 4.0).abs() < 1e-9);
        assert_eq!(from_ranks(&[]), Retrieval::default(), "an empty set is zero, not NaN");
    }

    #[test]
    fn rank_ignores_out_of_scope_and_looks_only_so_deep() {
        let deep: Vec<(String, f32)> = (0..30).map(|i| (format!("a{i}"), 30.0 - i as f32)).collect();
        let deep: Vec<(&str, f32)> = deep.iter().map(|(id, s)| (id.as_str(), *s)).collect();
        assert_eq!(judged(Some("a2"), &deep).rank(), Some(3));
        assert_eq!(judged(Some("a25"), &deep).rank(), None);
        assert_eq!(judged(None, &deep).rank(), None);
        let r = retrieval(&[judged(Some("a0"), &deep), judged(None, &deep)]);
        assert_eq!((r.questions, r.top1), (1, 1.0));
    }

    #[test]
    fn reranking_reorders_by_the_new_score() {
        let j = judged(Some("b"), &[("a", 2.0), ("b", 1.0)]);
        assert_eq!(j.rank(), Some(2));
        let flipped = j.reranked(|bm25, _| bm25.iter().map(|b| -b).collect());
        assert_eq!(flipped.rank(), Some(1));
        assert_eq!(flipped.ranking[0].fused, -1.0);
    }

    #[test]
    fn auroc_is_one_for_perfect_separation_and_half_for_none() {
        let c = Confidence::default();
        let strong = judged(Some("a"), &[("a", 9.0), ("b", 1.0)]);
        let weak = judged(None, &[("a", 0.5), ("b", 0.4)]);
        assert_eq!(out_of_scope_auroc(&[strong.clone(), weak.clone()], &c), Some(1.0));
        assert_eq!(out_of_scope_auroc(&[weak.clone(), strong.clone()], &c), Some(1.0));
        let same = judged(Some("a"), &[("a", 0.5), ("b", 0.4)]);
        assert_eq!(
            out_of_scope_auroc(&[same, weak.clone()], &c),
            Some(0.5),
            "ties count half"
        );
        assert_eq!(out_of_scope_auroc(&[strong], &c), None);
    }

    #[test]
    fn latency_percentiles_use_nearest_rank() {
        let js: Vec<Judgement> = (1..=100)
            .map(|ms| Judgement {
                latency: Some(Duration::from_millis(ms)),
                ..judged(None, &[("a", 1.0)])
            })
            .collect();
        let l = latency(&js).unwrap();
        assert_eq!((l.p50_ms, l.p95_ms, l.p99_ms), (50.0, 95.0, 99.0));
        assert!((l.mean_ms - 50.5).abs() < 1e-9);
        assert!(latency(&[judged(None, &[])]).is_none());
    }

    #[test]
    fn calibration_reaches_the_target_precision_on_what_it_saw() {
        let mut js = Vec::new();
        for i in 0..60 {
            let s = i as f32 / 10.0;
            // Confident rankings are right, unsure ones wrong.
            let right = i >= 20;
            let expected = if right { "a" } else { "b" };
            js.push(judged(Some(expected), &[("a", 1.0 + s), ("b", 0.9)]));
        }
        let none = HashSet::new();
        let (confidence, thresholds) = calibrate(&js, 0.95, &none);
        let r = evaluate_decisions(&js, &confidence, &thresholds, &none);
        assert!(r.answered_precision >= 0.95, "{r:?}");
        assert!(r.coverage > 0.5, "{r:?}");
        let points = sweep(&js, &confidence, &none);
        assert_eq!(points.len(), 99);
        assert!(
            points[0].coverage >= points[98].coverage,
            "coverage falls as the threshold rises"
        );
        assert_eq!(
            best_coverage(&points, 0.95),
            r.coverage,
            "the lowest threshold reaching the target covers the most"
        );
        assert_eq!(best_coverage(&points, 1.01), 0.0);
    }
}
