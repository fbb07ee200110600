//! Offline evaluation on a labelled query file: how often the right article
//! comes first, and how far down it is when it does not.
//!
//! The query file format and the top-1 check the reload gate runs are the
//! answer stage's ([`crate::answer::quality`]); everything else is here.
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

use std::time::Instant;

use crate::answer::quality::QualityError;
pub use crate::answer::quality::{load_queries, Expected, LabeledQuery};
use crate::answer::{Answerer, SUGGESTIONS};
use crate::corpus::Corpus;
use crate::index::{ArticleIndex, IndexError};
use crate::rank::{RankError, Scores};
use metrics::{Judgement, OUT_OF_SCOPE};

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Retrieval failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Ranking failed.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// A conversation turn failed.
    #[error(transparent)]
    Turn(#[from] crate::conversation::TurnError),
    /// A labelled file (queries, conversations, addresses) could not be
    /// read, or lines of it are invalid.
    #[error(transparent)]
    Queries(#[from] QualityError),
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
