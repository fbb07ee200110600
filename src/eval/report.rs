//! One evaluation's numbers, assembled from judgements, and the terminal
//! table a corpus author reads. The same [`EvalReport`] becomes JSON
//! (`--json`) and the HTML page (`--html`, [`super::html`]).

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::metrics::{
    breakdown, evaluate_decisions, latency, out_of_scope_auroc, pct, retrieval, sweep, DecisionReport, Group,
    Judgement, Latency, Retrieval, SweepPoint,
};
use super::Expected;
use crate::answer::{Confidence, Thresholds};
use crate::config::Settings;
use crate::domain::{ArticleId, Decision};

/// How questions are decided: the confidence model, its thresholds and the
/// topics that always go to a person.
#[derive(Debug, Clone)]
pub struct DecisionSetup {
    /// The confidence model.
    pub confidence: Confidence,
    /// Its thresholds.
    pub thresholds: Thresholds,
    /// Ids of `handoff: always` articles.
    pub always_handoff: HashSet<ArticleId>,
}

/// Recommended confidence model and thresholds for a target precision.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// The answered precision aimed for.
    pub target_precision: f64,
    /// Which questions they were fitted on.
    pub fitted_on: String,
    /// The fitted confidence model.
    pub confidence: Confidence,
    /// The chosen thresholds.
    pub thresholds: Thresholds,
    /// Decisions on the questions they were fitted on.
    pub on_fitted: DecisionReport,
    /// A fair estimate on questions they were not fitted on.
    pub estimate: DecisionReport,
    /// Where the estimate comes from (cross-validation, a test split).
    pub estimate_from: String,
    /// The settings file entries that use them.
    pub config: String,
}

impl Calibration {
    /// The `kefu.yaml` entries for `confidence` and `thresholds`.
    pub fn config_snippet(confidence: &Confidence, thresholds: &Thresholds, comment: &str) -> String {
        #[derive(Serialize)]
        struct Snippet<'a> {
            answer: &'a Thresholds,
            confidence: &'a Confidence,
        }
        let yaml = serde_yaml_ng::to_string(&Snippet {
            answer: thresholds,
            confidence,
        })
        .unwrap_or_default();
        let comment: String = comment.lines().map(|l| format!("# {l}\n")).collect();
        format!("{comment}{yaml}")
    }
}

/// A ranking's quality, for comparing rankings.
#[derive(Debug, Clone, Serialize)]
pub struct RankingRow {
    /// Which ranking.
    pub name: String,
    /// Its quality.
    pub retrieval: Retrieval,
}

/// An article offered for a missed question.
#[derive(Debug, Clone, Serialize)]
pub struct MissCandidate {
    /// The article.
    pub article_id: ArticleId,
    /// Its title.
    pub title: String,
    /// Its fused score.
    pub fused: f32,
    /// Its embedding similarity.
    pub similarity: f32,
}

/// A question the engine got wrong: an in-scope question whose right article
/// was not first, or an out-of-scope question the bot answered.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The question.
    pub query: String,
    /// The right outcome: an article id or `handoff`.
    pub expected: String,
    /// The right article's title (empty for handoffs).
    pub expected_title: String,
    /// Rank of the right article, if in the first few.
    pub rank: Option<usize>,
    /// The engine's confidence in its top article.
    pub confidence: f32,
    /// What the engine would have done.
    pub decision: Decision,
    /// The top three articles.
    pub candidates: Vec<MissCandidate>,
}

/// Everything one evaluation measured.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// What was evaluated on what.
    pub title: String,
    /// The ranking that was measured.
    pub ranking: String,
    /// Questions.
    pub questions: usize,
    /// Questions an article answers.
    pub in_scope: usize,
    /// Questions that should go to a person.
    pub out_of_scope: usize,
    /// Ranking quality of the measured ranking.
    pub retrieval: Retrieval,
    /// Other rankings for comparison (BM25 alone, the embedding alone, …).
    pub rankings: Vec<RankingRow>,
    /// Per category of the expected article.
    pub by_category: Vec<Group>,
    /// Per labelled language.
    pub by_locale: Vec<Group>,
    /// The thresholds decisions were made with.
    pub thresholds: Thresholds,
    /// Decision confusion with them.
    pub decisions: DecisionReport,
    /// How well confidence separates in-scope from out-of-scope questions.
    pub out_of_scope_auroc: Option<f64>,
    /// Precision, coverage and out-of-scope handoff per answer threshold.
    pub sweep: Vec<SweepPoint>,
    /// Recommended model and thresholds, with `--calibrate`.
    pub calibration: Option<Calibration>,
    /// Time of the whole answer path per question, when timed.
    pub latency: Option<Latency>,
    /// The worst misses: confidently wrong first.
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// Measures `judgements` decided with `setup`. `title_of` names articles
    /// in the misses; at most `misses` are kept.
    pub fn new(
        title: String,
        ranking: String,
        judgements: &[Judgement],
        setup: &DecisionSetup,
        misses: usize,
        title_of: impl Fn(&ArticleId) -> String,
    ) -> EvalReport {
        let (c, t, always) = (&setup.confidence, &setup.thresholds, &setup.always_handoff);
        let in_scope = judgements.iter().filter(|j| j.in_scope()).count();
        EvalReport {
            title,
            ranking,
            questions: judgements.len(),
            in_scope,
            out_of_scope: judgements.len() - in_scope,
            retrieval: retrieval(judgements),
            rankings: Vec::new(),
            by_category: breakdown(judgements, |j| j.category.clone(), c, t, always),
            by_locale: breakdown(
                judgements,
                |j| j.locale.map_or("unlabelled", |l| l.as_str()).to_string(),
                c,
                t,
                always,
            ),
            thresholds: *t,
            decisions: evaluate_decisions(judgements, c, t, always),
            out_of_scope_auroc: out_of_scope_auroc(judgements, c),
            sweep: sweep(judgements, c, always),
            calibration: None,
            latency: latency(judgements),
            misses: worst_misses(judgements, setup, misses, title_of),
        }
    }

    /// Whether top-1 reaches `floor`; the message says by how much it fails.
    pub fn check_top1(&self, floor: f64) -> Result<(), String> {
        if self.retrieval.top1 >= floor {
            Ok(())
        } else {
            Err(format!(
                "top-1 {:.1}% is below the required {:.1}% ({} in-scope questions)",
                100.0 * self.retrieval.top1,
                100.0 * floor,
                self.retrieval.questions
            ))
        }
    }
}

fn worst_misses(
    judgements: &[Judgement],
    setup: &DecisionSetup,
    limit: usize,
    title_of: impl Fn(&ArticleId) -> String,
) -> Vec<Miss> {
    let mut misses: Vec<Miss> = judgements
        .iter()
        .filter_map(|j| {
            let confidence = j.confidence(&setup.confidence);
            let decision = super::metrics::decision_for(j, &setup.confidence, &setup.thresholds, &setup.always_handoff);
            let missed = match &j.expected {
                Expected::Article(_) => !j.top_is_right(),
                Expected::Handoff => decision == Decision::Answer,
            };
            missed.then(|| Miss {
                query: j.query.clone(),
                expected: j.expected.to_string(),
                expected_title: match &j.expected {
                    Expected::Article(id) => title_of(id),
                    Expected::Handoff => String::new(),
                },
                rank: j.rank(),
                confidence,
                decision,
                candidates: j
                    .ranking
                    .iter()
                    .take(3)
                    .map(|s| MissCandidate {
                        article_id: s.article_id.clone(),
                        title: title_of(&s.article_id),
                        fused: s.fused,
                        similarity: s.similarity,
                    })
                    .collect(),
            })
        })
        .collect();
    // A confident wrong answer reaches users; an unsure one is caught by the
    // clarify and handoff bands. Show the ones that reach users first.
    misses.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.query.cmp(&b.query))
    });
    misses.truncate(limit);
    misses
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.title)?;
        writeln!(
            f,
            "{} questions: {} in scope, {} out of scope; ranking: {}",
            self.questions, self.in_scope, self.out_of_scope, self.ranking
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<56} {:>7} {:>7} {:>7} {:>7}",
            "ranking", "top-1", "rec@3", "rec@5", "MRR"
        )?;
        let measured = RankingRow {
            name: format!("{} (measured)", self.ranking),
            retrieval: self.retrieval.clone(),
        };
        for row in self.rankings.iter().chain(std::iter::once(&measured)) {
            let r = &row.retrieval;
            writeln!(
                f,
                "{:<56} {:>7} {:>7} {:>7} {:>7.3}",
                truncate(&row.name, 56),
                pct(r.top1),
                pct(r.recall_at_3),
                pct(r.recall_at_5),
                r.mrr
            )?;
        }
        for (heading, groups) in [("category", &self.by_category), ("locale", &self.by_locale)] {
            writeln!(f)?;
            writeln!(
                f,
                "{heading:<24} {:>5} {:>7} {:>7} {:>7}  {:>8} {:>8} {:>8}",
                "qs", "top-1", "rec@3", "MRR", "answered", "clarify", "handoff"
            )?;
            for g in groups {
                let d = &g.decisions;
                let [top1, recall_at_3, mrr] = g.retrieval.cells();
                writeln!(
                    f,
                    "{:<24} {:>5} {:>7} {:>7} {:>7}  {:>8} {:>8} {:>8}",
                    truncate(&g.name, 24),
                    g.questions,
                    top1,
                    recall_at_3,
                    mrr,
                    d.answered_right + d.answered_wrong + d.answered_out_of_scope,
                    d.clarified_right + d.clarified_wrong + d.clarified_out_of_scope,
                    d.handed_off_as_required + d.handed_off_in_scope + d.handed_off_out_of_scope,
                )?;
            }
        }
        writeln!(f)?;
        write_decisions(
            f,
            &format!(
                "decisions (answer ≥ {:.2}, clarify ≥ {:.2})",
                self.thresholds.answer, self.thresholds.clarify
            ),
            &self.decisions,
        )?;
        if let Some(auroc) = self.out_of_scope_auroc {
            writeln!(f, "  out-of-scope detection AUROC {auroc:.3}")?;
        }
        if let Some(c) = &self.calibration {
            writeln!(f)?;
            writeln!(
                f,
                "calibrated for answered precision ≥ {} on {}: answer ≥ {:.2}, clarify ≥ {:.2}",
                pct(c.target_precision),
                c.fitted_on,
                c.thresholds.answer,
                c.thresholds.clarify
            )?;
            write_decisions(f, &format!("  on {}", c.fitted_on), &c.on_fitted)?;
            write_decisions(f, &format!("  {}", c.estimate_from), &c.estimate)?;
            writeln!(f, "  settings (kefu.yaml):")?;
            for line in c.config.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        if let Some(l) = &self.latency {
            writeln!(f)?;
            writeln!(
                f,
                "answer path latency over {} questions: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, mean {:.1} ms",
                l.questions, l.p50_ms, l.p95_ms, l.p99_ms, l.mean_ms
            )?;
        }
        if !self.misses.is_empty() {
            writeln!(f)?;
            writeln!(f, "worst misses (most confident first):")?;
        }
        for m in &self.misses {
            let rank = m.rank.map_or("-".to_string(), |r| r.to_string());
            writeln!(
                f,
                "  [{:.2} {:?}] {} → want {} (rank {rank}), got {}",
                m.confidence,
                m.decision,
                m.query,
                m.expected,
                m.candidates
                    .iter()
                    .map(|c| format!("{} {:.2}", c.article_id, c.fused))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        Ok(())
    }
}

fn write_decisions(f: &mut fmt::Formatter<'_>, title: &str, r: &DecisionReport) -> fmt::Result {
    writeln!(f, "{title}:")?;
    writeln!(
        f,
        "  answered {} right / {} wrong / {} out-of-scope; clarified {} right / {} wrong / {} out-of-scope; \
         handed off {} as required / {} other in-scope / {} out-of-scope",
        r.answered_right,
        r.answered_wrong,
        r.answered_out_of_scope,
        r.clarified_right,
        r.clarified_wrong,
        r.clarified_out_of_scope,
        r.handed_off_as_required,
        r.handed_off_in_scope,
        r.handed_off_out_of_scope
    )?;
    let out_of_scope = r.answered_out_of_scope + r.clarified_out_of_scope + r.handed_off_out_of_scope;
    let handoff = if out_of_scope == 0 {
        String::new()
    } else {
        format!(", out-of-scope handoff recall {}", pct(r.out_of_scope_handoff_recall))
    };
    writeln!(
        f,
        "  answered precision {}, coverage {}{handoff}",
        pct(r.answered_precision),
        pct(r.coverage),
    )
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// The decision setup a running kefu would use with `settings` on a corpus
/// whose `handoff: always` articles are `always_handoff`.
pub fn configured_setup(settings: &Settings, always_handoff: HashSet<ArticleId>) -> DecisionSetup {
    DecisionSetup {
        confidence: settings.confidence,
        thresholds: settings.answer,
        always_handoff,
    }
}
