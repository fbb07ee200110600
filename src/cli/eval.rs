//! `kefu eval`: ranking and decision quality of a corpus on labelled
//! questions, on its own similar questions (`--folds`), or on a public
//! intent dataset (`--dataset`), as a terminal table, JSON or an HTML page,
//! with a CI gate (`--min-top1`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::{open_engine, progress_bar};
use crate::config::Settings;
use crate::corpus::Lang;
use crate::domain::ArticleId;
use crate::embed::Embedder;
use crate::eval::addresses::{judge_recognition, load_labelled};
use crate::eval::conversations::{load_conversations, replay};
use crate::eval::dataset::DatasetKind;
use crate::eval::folds::{judge_folds, FoldSetup};
use crate::eval::intent::{evaluate_intents, IntentReport};
use crate::eval::metrics::{calibrate, cross_validate, evaluate_decisions, retrieval_reranked, Judgement};
use crate::eval::report::{configured_setup, Calibration, EvalReport, RankingRow};
use crate::eval::{html, judge, load_queries};
use crate::rank::{fuse, Fusion};

/// `kefu eval` flags.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSON Lines file of labelled questions.
    #[arg(long, default_value = "tests/eval/queries.jsonl")]
    queries: PathBuf,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the report as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// How many misses to list.
    #[arg(long, default_value_t = 15)]
    misses: usize,
    /// Also compare fusion methods and weights.
    #[arg(long)]
    sweep: bool,
    /// Fit the confidence model and thresholds to these questions and
    /// print the settings that use them (with a cross-validated estimate).
    #[arg(long)]
    calibrate: bool,
    /// Answered-question precision the calibrated thresholds must reach.
    #[arg(long, default_value_t = 0.95, value_parser = fraction)]
    target_precision: f64,
    /// Write the calibrated settings to this file (with --calibrate).
    #[arg(long, value_name = "FILE", requires = "calibrate")]
    write_config: Option<PathBuf>,
    /// Instead of a query file, hold out each K-th of every article's
    /// similar questions, rebuild without them and ask them.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..=20))]
    folds: Option<u32>,
    /// Fail (exit code 1) when top-1 accuracy is below this fraction.
    #[arg(long, value_name = "X", value_parser = fraction)]
    min_top1: Option<f64>,
    /// Evaluate on a public intent dataset instead (banking77 or
    /// clinc150): its training questions are the corpus, its test
    /// questions the queries.
    #[arg(long, conflicts_with_all = ["folds", "sweep", "write_config"])]
    dataset: Option<DatasetKind>,
    /// Where the dataset is (default: ../shared/datasets/NAME).
    #[arg(long, requires = "dataset")]
    dataset_dir: Option<PathBuf>,
    /// Instead, replay multi-turn conversations (JSON Lines, see
    /// tests/eval/conversations.jsonl) through the conversation policy and
    /// judge every turn.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["folds", "sweep", "calibrate", "dataset"])]
    conversations: Option<PathBuf>,
    /// Instead, judge how addresses and transaction ids are found in
    /// labelled messages (JSON Lines, see tests/eval/addresses.jsonl): no
    /// model or index is needed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["folds", "sweep", "calibrate", "dataset", "conversations"])]
    addresses: Option<PathBuf>,
    /// With --conversations: fail (exit code 1) when turn accuracy is below
    /// this fraction.
    #[arg(long, value_name = "X", value_parser = fraction, requires = "conversations")]
    min_turn_accuracy: Option<f64>,
}

/// `kefu eval --conversations FILE`.
fn conversations(settings: &Settings, path: &Path, args: &EvalArgs) -> anyhow::Result<()> {
    let engine = open_engine(settings)?;
    let conversations = load_conversations(path, engine.corpus())?;
    let report = replay(
        &engine,
        &conversations,
        &path.display().to_string(),
        progress_bar("replaying", "conversations"),
    )?;
    if let Some(html) = &args.html {
        std::fs::write(html, report.to_html()).with_context(|| format!("cannot write {}", html.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text(args.misses));
    }
    if let Some(min) = args.min_turn_accuracy {
        if report.overall.rate() < min {
            anyhow::bail!(
                "turn accuracy {:.1}% is below the floor of {:.1}%",
                100.0 * report.overall.rate(),
                100.0 * min
            );
        }
    }
    Ok(())
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a fraction between 0 and 1")),
    }
}

/// Runs `kefu eval`.
pub fn run(settings: &Settings, args: &EvalArgs) -> anyhow::Result<()> {
    if let Some(kind) = args.dataset {
        return dataset(settings, kind, args);
    }
    if let Some(path) = &args.conversations {
        return conversations(settings, path, args);
    }
    if let Some(path) = &args.addresses {
        let report = judge_recognition(&load_labelled(path)?);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.to_text(args.misses));
        }
        return Ok(());
    }
    let started = Instant::now();
    let engine = open_engine(settings)?;
    let corpus = engine.corpus();
    let always = corpus.always_handoff();
    let judgements = match args.folds {
        Some(folds) => {
            let embedder = Arc::clone(engine.answerer().ranker().embedder());
            let work_dir = settings.data_dir.join("eval").join("folds");
            let setup = FoldSetup {
                corpus,
                embedder,
                cache: &settings.data_dir.join("vectors.bin"),
                work_dir: &work_dir,
                fusion: settings.fusion,
                confidence: settings.confidence,
                thresholds: settings.answer,
            };
            let mut bars: Vec<Box<dyn FnMut(usize, usize)>> = Vec::new();
            judge_folds(&setup, folds as usize, |fold, done, total| {
                if bars.len() <= fold {
                    bars.push(Box::new(progress_bar("asking held-out questions", "questions")));
                }
                bars[fold](done, total);
            })?
        }
        None => {
            let queries = load_queries(&args.queries, corpus)?;
            judge(
                engine.answerer(),
                corpus,
                &queries,
                progress_bar("answering", "questions"),
            )?
        }
    };
    let source = match args.folds {
        Some(k) => format!("{k}-fold held-out similar questions"),
        None => args.queries.display().to_string(),
    };
    let title = format!("{} on the corpus in {}", source, settings.corpus.display());
    let setup = configured_setup(settings, always.clone());
    let title_of = |id: &ArticleId| {
        corpus
            .article(id)
            .map_or_else(String::new, |a| a.title.text(Lang::En).to_string())
    };
    let mut report = EvalReport::new(
        title,
        describe(settings.fusion),
        &judgements,
        &setup,
        args.misses,
        title_of,
    );
    report.rankings = rankings(&judgements, args.sweep);
    if args.calibrate {
        let (confidence, thresholds) = calibrate(&judgements, args.target_precision, &always);
        let folds = args.folds.map_or(5, |k| k as usize);
        let fitted_on = format!("these {} questions", judgements.len());
        report.calibration = Some(Calibration {
            target_precision: args.target_precision,
            config: Calibration::config_snippet(
                &confidence,
                &thresholds,
                &format!(
                    "kefu eval --calibrate --target-precision {} ({source})",
                    args.target_precision
                ),
            ),
            on_fitted: evaluate_decisions(&judgements, &confidence, &thresholds, &always),
            estimate: cross_validate(&judgements, folds, args.target_precision, &always),
            estimate_from: format!("{folds}-fold cross-validated"),
            fitted_on,
            confidence,
            thresholds,
        });
    }
    if let (Some(path), Some(c)) = (&args.write_config, &report.calibration) {
        std::fs::write(path, &c.config).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("calibrated settings written to {}", path.display());
    }
    emit(&report, args, || serde_json::to_string_pretty(&report))?;
    eprintln!("({:.1?})", started.elapsed());
    gate(&report, args)
}

/// A ranking's name in reports.
fn describe(fusion: Fusion) -> String {
    match fusion {
        Fusion::Weighted { embedding_weight } => {
            format!("hybrid z-score fusion, embedding weight {embedding_weight:.2}")
        }
        Fusion::Reciprocal { k } => format!("hybrid reciprocal-rank fusion, k = {k}"),
    }
}

/// Scores articles from their (BM25, similarity) columns.
type Rescore<'a> = dyn Fn(&[f32], &[f32]) -> Vec<f32> + 'a;

/// BM25 alone, the embedding alone and, with `sweep`, other fusions, all
/// from the scores already computed.
fn rankings(judgements: &[Judgement], sweep: bool) -> Vec<RankingRow> {
    let row = |name: String, score: &Rescore<'_>| RankingRow {
        name,
        retrieval: retrieval_reranked(judgements, score),
    };
    let mut rows = vec![
        row("BM25 alone".into(), &|b, _| b.to_vec()),
        row("embedding alone".into(), &|_, s| s.to_vec()),
    ];
    if sweep {
        let rrf = Fusion::Reciprocal { k: 60.0 };
        rows.push(row(describe(rrf), &|b, s| fuse(b, s, rrf)));
        for w in 1..10 {
            let f = Fusion::Weighted {
                embedding_weight: w as f32 / 10.0,
            };
            rows.push(row(describe(f), &|b, s| fuse(b, s, f)));
        }
    }
    rows
}

/// Prints the report (table or JSON) and writes the HTML page if asked.
fn emit(report: &EvalReport, args: &EvalArgs, json: impl FnOnce() -> serde_json::Result<String>) -> anyhow::Result<()> {
    if args.json {
        println!("{}", json()?);
    } else {
        print!("{report}");
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html::render(report)).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

fn gate(report: &EvalReport, args: &EvalArgs) -> anyhow::Result<()> {
    match args.min_top1.map(|floor| report.check_top1(floor)) {
        Some(Err(message)) => anyhow::bail!("{message}"),
        _ => Ok(()),
    }
}

fn dataset(settings: &Settings, kind: DatasetKind, args: &EvalArgs) -> anyhow::Result<()> {
    let dir = args
        .dataset_dir
        .clone()
        .unwrap_or_else(|| Path::new("../shared/datasets").join(kind.name()));
    let dataset = kind.load(&dir)?;
    let embedder = Embedder::load(&settings.model)?;
    let started = Instant::now();
    let mut bar: Box<dyn FnMut(usize, usize)> = Box::new(|_, _| {});
    let data = settings.data_dir.join("eval").join(kind.name());
    let intents = evaluate_intents(
        &dataset,
        &embedder,
        &data,
        args.target_precision,
        args.misses,
        |stage, done, total| {
            if done == 1 {
                bar = Box::new(progress_bar(stage, "texts"));
            }
            bar(done, total);
        },
    )?;
    if !args.json {
        print_rows(&intents);
    }
    emit(&intents.report, args, || serde_json::to_string_pretty(&intents))?;
    eprintln!("({:.1?})", started.elapsed());
    gate(&intents.report, args)
}

fn print_rows(r: &IntentReport) {
    println!(
        "{}: {} intents; methods and thresholds chosen on {}; {} test questions against the whole training split",
        r.dataset, r.intents, r.dev, r.test_questions
    );
    println!(
        "{:<44} {:>7} {:>7} {:>10} {:>9} {:>9} {:>6}",
        "ranking", "dev", "test", "precision", "coverage", "best cov.", "AUROC"
    );
    for row in &r.rows {
        println!(
            "{:<44} {:>6.1}% {:>6.1}% {:>9.1}% {:>8.1}% {:>8.1}% {:>6}",
            row.label,
            100.0 * row.dev_top1,
            100.0 * row.test_top1,
            100.0 * row.test_precision,
            100.0 * row.test_coverage,
            100.0 * row.test_best_coverage,
            row.test_auroc.map_or("–".to_string(), |a| format!("{a:.3}"))
        );
    }
    println!(
        "(test precision and coverage with thresholds calibrated per ranking on the dev questions; best cov.: the \
         most coverage any threshold gives on test at precision ≥ {:.0}%, for comparison only)",
        100.0 * r.report.calibration.as_ref().map_or(0.0, |c| c.target_precision)
    );
    println!();
}
