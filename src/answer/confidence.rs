//! Confidence that the top-ranked article answers the question: a logistic
//! model over four signals of the ranking, fitted on labelled questions.
//!
//! The signals: the top article's embedding similarity (out-of-scope chatter
//! stays below in-domain questions), the margin of its fused score over the
//! runner-up (a near tie means the question is ambiguous), the fused score
//! itself, and log(1 + BM25) (how much vocabulary the question shares with
//! the article at all). The output is a probability in [0, 1], calibrated on
//! the data it was fitted on; `kefu eval --calibrate` refits it.

use serde::{Deserialize, Serialize};

use crate::rank::Scores;

/// The ranking signals confidence is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Features {
    /// Similarity of the top article.
    pub similarity: f32,
    /// Fused score of the top article minus the runner-up's.
    pub margin: f32,
    /// Fused score of the top article.
    pub fused: f32,
    /// ln(1 + BM25) of the top article.
    pub log_bm25: f32,
}

impl Features {
    /// Features of a ranking (best first); `None` when it is empty.
    pub fn of(ranking: &[Scores]) -> Option<Features> {
        let top = ranking.first()?;
        let second = ranking.get(1).map_or(top.fused, |s| s.fused);
        Some(Features {
            similarity: top.similarity,
            margin: top.fused - second,
            fused: top.fused,
            log_bm25: top.bm25.max(0.0).ln_1p(),
        })
    }

    fn values(&self) -> [f32; 4] {
        [self.similarity, self.margin, self.fused, self.log_bm25]
    }
}

/// A fitted logistic model: feature standardization and weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confidence {
    /// Feature means used for standardization.
    pub mean: [f32; 4],
    /// Feature standard deviations used for standardization.
    pub scale: [f32; 4],
    /// Weights of the standardized features.
    pub weights: [f32; 4],
    /// Intercept.
    pub bias: f32,
}

impl Default for Confidence {
    /// Fitted on `tests/eval/queries.jsonl` with the bundled corpus and the
    /// default ranking (`kefu eval --calibrate` prints these).
    fn default() -> Confidence {
        Confidence {
            mean: [0.936_889_5, 2.514_657_7, 4.934_442_5, 5.154_178_6],
            scale: [0.039_332_26, 1.532_956_2, 1.258_366_8, 1.093_183_9],
            weights: [1.421_647_4, -0.064_337_76, 1.001_502_3, 1.788_653_9],
            bias: 2.985_863,
        }
    }
}

impl Confidence {
    /// Probability that the top article is the right answer.
    pub fn probability(&self, features: &Features) -> f32 {
        let z: f32 = features
            .values()
            .iter()
            .enumerate()
            .map(|(i, v)| self.weights[i] * (v - self.mean[i]) / self.scale[i])
            .sum::<f32>()
            + self.bias;
        1.0 / (1.0 + (-z).exp())
    }

    /// Fits the model to `(features, top article was right)` samples by
    /// gradient descent on the L2-regularized log loss. Deterministic.
    pub fn fit(samples: &[(Features, bool)]) -> Confidence {
        let n = samples.len().max(1) as f32;
        let mut mean = [0f32; 4];
        let mut scale = [0f32; 4];
        for (f, _) in samples {
            for (m, v) in mean.iter_mut().zip(f.values()) {
                *m += v / n;
            }
        }
        for (f, _) in samples {
            for i in 0..4 {
                scale[i] += (f.values()[i] - mean[i]).powi(2) / n;
            }
        }
        let scale = scale.map(|v| v.sqrt().max(1e-6));
        let mut model = Confidence {
            mean,
            scale,
            weights: [0.0; 4],
            bias: 0.0,
        };
        let (rate, l2) = (0.5, 1e-3);
        for _ in 0..3000 {
            let mut grad = [0f32; 4];
            let mut grad_bias = 0.0;
            for (f, label) in samples {
                let error = model.probability(f) - if *label { 1.0 } else { 0.0 };
                for i in 0..4 {
                    grad[i] += error * (f.values()[i] - mean[i]) / model.scale[i] / n;
                }
                grad_bias += error / n;
            }
            for (w, g) in model.weights.iter_mut().zip(grad) {
                *w -= rate * (g + l2 * *w);
            }
            model.bias -= rate * grad_bias;
        }
        model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(similarity: f32, margin: f32) -> Features {
        Features {
            similarity,
            margin,
            fused: margin * 2.0,
            log_bm25: margin,
        }
    }

    #[test]
    fn fitting_separates_good_from_bad_answers() {
        let samples: Vec<(Features, bool)> = (0..40)
            .map(|i| {
                let good = i % 2 == 0;
                let jitter = (i as f32 * 0.37).sin() * 0.01;
                (
                    if good {
                        f(0.95 + jitter, 3.0 + jitter)
                    } else {
                        f(0.85 + jitter, 0.2 + jitter)
                    },
                    good,
                )
            })
            .collect();
        let model = Confidence::fit(&samples);
        assert!(model.probability(&f(0.95, 3.0)) > 0.9);
        assert!(model.probability(&f(0.85, 0.2)) < 0.1);
        let p = model.probability(&f(0.9, 1.5));
        assert!((0.0..=1.0).contains(&p));
    }

    #[test]
    fn features_of_an_empty_ranking_are_none() {
        assert!(Features::of(&[]).is_none());
    }
}
