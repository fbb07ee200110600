//! Reloading the corpus while serving: build a complete new [`Engine`] beside
//! the live one, check it, and hand it back for the caller to swap in. The
//! live engine is only read, so it keeps answering the whole time, and a
//! corpus that fails any step never goes live.
//!
//! The checks, in order: the corpus loads (every front-matter problem and
//! duplicate id listed), the index and vectors build, and the dev-set gate
//! ([`ReloadGate`]) holds. Swapping is the caller's business: the server
//! keeps the live engine behind an atomic pointer so requests in flight
//! finish on the engine they started with.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{version_of, Engine, EngineError};
use crate::answer::quality::{load_queries, top_one, QualityError};
use crate::config::{ReloadGate, Settings};
use crate::corpus::{Corpus, CorpusError};

/// Why a new corpus was not put live. The old engine keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The corpus is invalid; every problem is listed.
    #[error("the new corpus was rejected: {0}")]
    Corpus(CorpusError),
    /// The index or vectors could not be built, or the model failed.
    #[error("the new corpus could not be loaded: {0}")]
    Build(EngineError),
    /// The dev set no longer fits the corpus (it names an article the new
    /// corpus lacks) or could not be read.
    #[error("the dev-set gate could not run: {0}")]
    GateUnusable(QualityError),
    /// The new corpus answers the dev set worse than the gate allows.
    #[error(
        "the new corpus fails the dev-set gate: top-1 {:.1}% on {} questions in {} is below the required {:.1}%",
        .0.top1 * 100.0, .0.questions, .0.queries.display(), .0.min_top1 * 100.0
    )]
    GateFailed(GateResult),
}

impl ReloadError {
    /// The individual problems, one per line of the message, for clients
    /// that list them.
    pub fn problems(&self) -> Vec<String> {
        match self {
            ReloadError::Corpus(CorpusError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
            ReloadError::GateUnusable(QualityError::Invalid(problems)) => problems.clone(),
            ReloadError::GateFailed(gate) => gate.misses.clone(),
            _ => Vec::new(),
        }
    }
}

/// What the dev-set gate measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    /// The labelled query file.
    pub queries: PathBuf,
    /// In-scope questions asked.
    pub questions: usize,
    /// Share answered with the right article first.
    pub top1: f64,
    /// The share required.
    pub min_top1: f64,
    /// The first few questions whose right article did not come first
    /// (`question → got, expected`).
    pub misses: Vec<String>,
}

/// How many missed questions a failed gate lists.
const MISSES_LISTED: usize = 10;

/// A checked engine ready to go live, and what was checked.
pub struct Reloaded {
    /// The new engine; `None` when the corpus had not changed, so there is
    /// nothing to swap.
    pub engine: Option<Engine>,
    /// The version that will be live afterwards.
    pub version: String,
    /// Articles in that version.
    pub articles: usize,
    /// The gate's measurement; `None` when the corpus is unchanged or the
    /// gate's query file does not exist.
    pub gate: Option<GateResult>,
    /// How long loading and checking took.
    pub took: Duration,
}

/// Loads the corpus `settings` names and, if it differs from `live`'s,
/// builds and checks an engine for it. The model is shared with `live`;
/// the index and vector cache in the data folder are updated (a failed
/// build leaves them as they were).
pub fn prepare(live: &Engine, settings: &Settings) -> Result<Reloaded, ReloadError> {
    let started = Instant::now();
    let corpus = Corpus::load(&settings.corpus).map_err(ReloadError::Corpus)?;
    if corpus.fingerprint == live.corpus().fingerprint {
        return Ok(Reloaded {
            engine: None,
            version: live.version().to_string(),
            articles: live.corpus().articles.len(),
            gate: None,
            took: started.elapsed(),
        });
    }
    let version = version_of(&corpus).to_string();
    let articles = corpus.articles.len();
    let engine = live.successor(settings, corpus).map_err(ReloadError::Build)?;
    let gate = run_gate(&engine, &settings.reload_gate)?;
    Ok(Reloaded {
        engine: Some(engine),
        version,
        articles,
        gate,
        took: started.elapsed(),
    })
}

/// Asks the dev set through `engine`'s whole answer path; `None` when there
/// is no dev set to ask.
fn run_gate(engine: &Engine, gate: &ReloadGate) -> Result<Option<GateResult>, ReloadError> {
    if !gate.queries.exists() {
        tracing::warn!(queries = %gate.queries.display(), "no dev set: the reload gate is skipped");
        return Ok(None);
    }
    let queries = load_queries(&gate.queries, engine.corpus()).map_err(ReloadError::GateUnusable)?;
    let checked = top_one(engine.answerer(), &queries, MISSES_LISTED).map_err(ReloadError::GateUnusable)?;
    let result = GateResult {
        queries: gate.queries.clone(),
        questions: checked.questions,
        top1: checked.share(),
        min_top1: gate.min_top1,
        misses: checked.misses,
    };
    if result.top1 < gate.min_top1 {
        return Err(ReloadError::GateFailed(result));
    }
    Ok(Some(result))
}
