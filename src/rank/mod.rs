//! Hybrid ranking: BM25 and embedding similarity fused into one score.
//!
//! BM25 is precise when the user shares words with an article; the embedding
//! model finds paraphrases, other languages and descriptions of a symptom that
//! share no word at all. Both are computed for every article (the corpus is
//! small: a brute-force pass over all question vectors takes microseconds),
//! each is z-normalized across articles for this question, and the fused score
//! is their weighted sum. Reciprocal-rank fusion is kept as an alternative for
//! comparison; it throws away how far ahead the leader is, and measured worse.

pub mod vectors;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::corpus::Corpus;
use crate::domain::ArticleId;
use crate::embed::{EmbedError, Embedder, Role};
use crate::index::{ArticleIndex, Candidate, IndexError};

pub use vectors::{ArticleVectors, CacheStats, PhraseVectors, VectorCache, VectorError, View};

/// Why ranking failed.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    /// BM25 retrieval failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The question could not be embedded.
    #[error(transparent)]
    Embed(#[from] EmbedError),
}

/// How BM25 and embedding scores are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Fusion {
    /// `w · z(similarity) + (1 − w) · z(bm25)`, z-scores across articles.
    Weighted {
        /// Weight of the embedding similarity, in [0, 1].
        embedding_weight: f32,
    },
    /// `1/(k + rank_bm25) + 1/(k + rank_embedding)`.
    Reciprocal {
        /// The usual constant is 60.
        k: f32,
    },
}

impl Default for Fusion {
    fn default() -> Fusion {
        Fusion::Weighted { embedding_weight: 0.5 }
    }
}

/// One article's scores for a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// Article id.
    pub article_id: ArticleId,
    /// BM25 score (0 when no term matched).
    pub bm25: f32,
    /// Cosine similarity of the closest view of the article.
    pub similarity: f32,
    /// The fused score that orders the ranking.
    pub fused: f32,
}

/// A ranked article with its details.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    /// Title, snippet and BM25 score.
    #[serde(flatten)]
    pub candidate: Candidate,
    /// The scores behind the rank.
    pub scores: Scores,
}

/// Ranks articles for questions. `Sync`: share one across threads.
pub struct Ranker {
    index: ArticleIndex,
    vectors: ArticleVectors,
    embedder: Arc<Embedder>,
    ids: Vec<ArticleId>,
    fusion: Fusion,
}

impl Ranker {
    /// A ranker over `corpus`, whose index and vectors must have been built from it.
    pub fn new(
        corpus: &Corpus,
        index: ArticleIndex,
        vectors: ArticleVectors,
        embedder: Arc<Embedder>,
        fusion: Fusion,
    ) -> Ranker {
        let ids = corpus.articles.iter().map(|a| a.id.clone()).collect();
        Ranker {
            index,
            vectors,
            embedder,
            ids,
            fusion,
        }
    }

    /// The BM25 index.
    pub fn index(&self) -> &ArticleIndex {
        &self.index
    }

    /// The article vectors it compares questions with.
    pub fn vectors(&self) -> &ArticleVectors {
        &self.vectors
    }

    /// The sentence model it embeds questions with.
    pub fn embedder(&self) -> &Arc<Embedder> {
        &self.embedder
    }

    /// The fusion in use.
    pub fn fusion(&self) -> Fusion {
        self.fusion
    }

    /// Uses another fusion (for evaluation sweeps).
    pub fn set_fusion(&mut self, fusion: Fusion) {
        self.fusion = fusion;
    }

    /// BM25 and embedding scores of every article, unfused, in corpus order.
    pub fn raw_scores(&self, question: &str) -> Result<(Vec<f32>, Vec<f32>), RankError> {
        self.measured_scores(question)
            .map(|(bm25, similarity, _)| (bm25, similarity))
    }

    /// [`Ranker::raw_scores`] and how long embedding the question took.
    fn measured_scores(&self, question: &str) -> Result<(Vec<f32>, Vec<f32>, Duration), RankError> {
        let mut bm25 = vec![0.0; self.ids.len()];
        // `ids` are in corpus order, which is sorted by id.
        for (id, score) in self.index.scores(question, self.ids.len())? {
            if let Ok(i) = self.ids.binary_search(&id) {
                bm25[i] = score;
            }
        }
        let started = Instant::now();
        let query = self.embedder.embed(question, Role::Query)?;
        let took = started.elapsed();
        Ok((bm25, self.vectors.similarities(&query), took))
    }

    /// Every article's scores under this ranker's fusion, best first.
    pub fn score_all(&self, question: &str) -> Result<Vec<Scores>, RankError> {
        Ok(self.score_all_timed(question)?.0)
    }

    /// [`Ranker::score_all`] and how long embedding the question took (the
    /// model is most of the cost of answering, so the service reports it).
    pub fn score_all_timed(&self, question: &str) -> Result<(Vec<Scores>, Duration), RankError> {
        let (bm25, similarity, took) = self.measured_scores(question)?;
        Ok((self.fuse_scores(&bm25, &similarity), took))
    }

    /// Fuses raw scores (from [`Ranker::raw_scores`]) and sorts best first.
    pub fn fuse_scores(&self, bm25: &[f32], similarity: &[f32]) -> Vec<Scores> {
        let fused = fuse(bm25, similarity, self.fusion);
        let mut all: Vec<Scores> = (0..self.ids.len())
            .map(|i| Scores {
                article_id: self.ids[i].clone(),
                bm25: bm25[i],
                similarity: similarity[i],
                fused: fused[i],
            })
            .collect();
        all.sort_by(|a, b| {
            b.fused
                .total_cmp(&a.fused)
                .then_with(|| a.article_id.cmp(&b.article_id))
        });
        all
    }

    /// The `limit` best articles with titles and snippets.
    pub fn rank(&self, question: &str, limit: usize) -> Result<Vec<Ranked>, RankError> {
        let scores: Vec<Scores> = self.score_all(question)?.into_iter().take(limit).collect();
        self.details(question, scores)
    }

    /// Titles and snippets for already-scored articles.
    pub fn details(&self, question: &str, scores: Vec<Scores>) -> Result<Vec<Ranked>, RankError> {
        let wanted: Vec<(ArticleId, f32)> = scores.iter().map(|s| (s.article_id.clone(), s.bm25)).collect();
        let candidates = self.index.describe(question, &wanted)?;
        Ok(candidates
            .into_iter()
            .zip(scores)
            .map(|(candidate, scores)| Ranked { candidate, scores })
            .collect())
    }
}

/// Fused score per article for `fusion`.
pub fn fuse(bm25: &[f32], similarity: &[f32], fusion: Fusion) -> Vec<f32> {
    match fusion {
        Fusion::Weighted { embedding_weight: w } => {
            let (zb, zs) = (z_scores(bm25), z_scores(similarity));
            zb.iter().zip(&zs).map(|(b, s)| w * s + (1.0 - w) * b).collect()
        }
        Fusion::Reciprocal { k } => {
            let (rb, rs) = (ranks(bm25), ranks(similarity));
            rb.iter()
                .zip(&rs)
                .map(|(b, s)| 1.0 / (k + *b as f32) + 1.0 / (k + *s as f32))
                .collect()
        }
    }
}

/// z-scores; all zeros when the values do not vary (e.g. no BM25 match).
fn z_scores(values: &[f32]) -> Vec<f32> {
    let n = values.len().max(1) as f32;
    let mean = values.iter().sum::<f32>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    if std < 1e-9 {
        return vec![0.0; values.len()];
    }
    values.iter().map(|v| (v - mean) / std).collect()
}

/// 1-based rank of each value, highest first.
fn ranks(values: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let mut rank = vec![0; values.len()];
    for (r, i) in order.into_iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_fusion_blends_z_scores() {
        let bm25 = [10.0, 0.0, 0.0, 2.0];
        let sim = [0.80, 0.90, 0.70, 0.75];
        let only_bm25 = fuse(&bm25, &sim, Fusion::Weighted { embedding_weight: 0.0 });
        let only_sim = fuse(&bm25, &sim, Fusion::Weighted { embedding_weight: 1.0 });
        let argmax = |v: &[f32]| v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(argmax(&only_bm25), 0);
        assert_eq!(argmax(&only_sim), 1);
        let half = fuse(&bm25, &sim, Fusion::Weighted { embedding_weight: 0.5 });
        assert_eq!(
            argmax(&half),
            0,
            "a strong BM25 lead survives a small similarity deficit"
        );
    }

    #[test]
    fn no_bm25_match_leaves_the_embedding_to_decide() {
        let fused = fuse(&[0.0; 3], &[0.7, 0.9, 0.8], Fusion::Weighted { embedding_weight: 0.3 });
        assert!(fused[1] > fused[2] && fused[2] > fused[0]);
        assert!(fused.iter().all(|f| f.is_finite()));
    }

    #[test]
    fn reciprocal_rank_fusion() {
        assert_eq!(ranks(&[0.1, 0.9, 0.5]), vec![3, 1, 2]);
        let fused = fuse(&[3.0, 2.0, 1.0], &[0.1, 0.9, 0.5], Fusion::Reciprocal { k: 60.0 });
        assert!(fused[1] > fused[0] && fused[1] > fused[2]);
    }
}
