//! Embeddings of every article's questions, titles and body, with an on-disk
//! cache so a restart with an unchanged corpus embeds nothing.
//!
//! Each article contributes several *views*: its titles and similar questions
//! (embedded as `query: `, since they are questions and users' questions are
//! matched against them query to query) and the opening of each body (as
//! `passage: `). An article's similarity to a question is that of its closest
//! view. The cache is keyed by SHA-256 of (role, text) and stamped with the
//! model's hash, so editing one article re-embeds only its changed texts.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::corpus::{Article, Corpus};
use crate::embed::{dot, EmbedError, Embedder, Role};
use crate::text::is_chinese;

const MAGIC: &[u8; 8] = b"KEFUVEC1";
/// Characters of each body language embedded as its passage view.
const PASSAGE_CHARS: usize = 400;

/// Why vectors could not be built.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// Embedding failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The cache could not be written.
    #[error("cannot write the embedding cache {path}: {source}")]
    Io {
        /// The cache file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// One embedded text of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A title.
    Title,
    /// A similar question.
    Question,
    /// The opening of a body.
    Body,
}

/// All article views' vectors, row-major.
pub struct ArticleVectors {
    dim: usize,
    vectors: Vec<f32>,
    owners: Vec<usize>,
    views: Vec<View>,
    /// Whether each view's text is Chinese.
    chinese: Vec<bool>,
    articles: usize,
}

/// How many texts were embedded now and how many came from the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Texts embedded by the model in this build.
    pub embedded: usize,
    /// Texts whose vectors were read from the cache.
    pub cached: usize,
}

fn views(article: &Article) -> Vec<(View, Role, String)> {
    let mut out = Vec::new();
    for t in article.title.zh.iter().chain(article.title.en.iter()) {
        out.push((View::Title, Role::Query, t.clone()));
    }
    for q in article.all_questions() {
        out.push((View::Question, Role::Query, q.clone()));
    }
    for (title, body) in [
        (&article.title.zh, &article.body.zh),
        (&article.title.en, &article.body.en),
    ] {
        if let (Some(title), Some(body)) = (title, body) {
            let plain: String = body
                .chars()
                .filter(|c| !matches!(c, '*' | '#' | '`' | '>'))
                .take(PASSAGE_CHARS)
                .collect();
            out.push((View::Body, Role::Passage, format!("{title}\n{plain}")));
        }
    }
    out
}

fn key(role: Role, text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([role as u8]);
    h.update(text.as_bytes());
    h.finalize().into()
}

/// Vectors by (role, text), kept on disk between runs and stamped with the
/// model's hash, so vectors from another model are never reused.
pub struct VectorCache {
    path: PathBuf,
    model_hash: String,
    dim: usize,
    stored: HashMap<[u8; 32], Vec<f32>>,
    used: Vec<([u8; 32], Vec<f32>)>,
    used_keys: HashSet<[u8; 32]>,
    stats: CacheStats,
}

impl VectorCache {
    /// Reads the cache at `path` (a missing, foreign or damaged file is an
    /// empty cache) for vectors of `embedder`'s model.
    pub fn open(path: &Path, embedder: &Embedder) -> VectorCache {
        VectorCache {
            path: path.to_path_buf(),
            model_hash: embedder.model_hash().to_string(),
            dim: embedder.dim(),
            stored: read_cache(path, embedder.model_hash(), embedder.dim()),
            used: Vec::new(),
            used_keys: HashSet::new(),
            stats: CacheStats::default(),
        }
    }

    /// The vector of `text` in `role`: from the cache, or embedded now.
    pub fn get(&mut self, embedder: &Embedder, role: Role, text: &str) -> Result<Vec<f32>, VectorError> {
        let k = key(role, text);
        let v = match self.stored.get(&k) {
            Some(v) => {
                self.stats.cached += 1;
                v.clone()
            }
            None => {
                self.stats.embedded += 1;
                let v = embedder.embed(text, role)?;
                self.stored.insert(k, v.clone());
                v
            }
        };
        if self.used_keys.insert(k) {
            self.used.push((k, v.clone()));
        }
        Ok(v)
    }

    /// Texts embedded and texts found in the cache so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Rewrites the file with exactly the vectors asked for since opening
    /// (so it never grows with texts no longer used), unless that is what it
    /// already holds.
    pub fn save(&self) -> Result<(), VectorError> {
        if self.stats.embedded == 0 && self.stored.len() == self.used.len() {
            return Ok(());
        }
        write_cache(&self.path, &self.model_hash, self.dim, &self.used).map_err(|source| VectorError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Embeddings of short labelled phrases (the small-talk phrases, by
/// intent). The phrase lists are matched word for word first; the nearest
/// phrase in meaning tells what a message no article fits is when its
/// wording is not on a list ("hello, how's your day", "謝謝您的耐心").
pub struct PhraseVectors<L> {
    dim: usize,
    vectors: Vec<f32>,
    labels: Vec<L>,
}

impl<L: Copy> PhraseVectors<L> {
    /// Embeds `phrases` as questions, through `cache`.
    pub fn from_cache<'p>(
        phrases: impl IntoIterator<Item = (L, &'p str)>,
        embedder: &Embedder,
        cache: &mut VectorCache,
    ) -> Result<PhraseVectors<L>, VectorError> {
        let mut vectors = Vec::new();
        let mut labels = Vec::new();
        for (label, phrase) in phrases {
            vectors.extend_from_slice(&cache.get(embedder, Role::Query, phrase)?);
            labels.push(label);
        }
        Ok(PhraseVectors {
            dim: embedder.dim(),
            vectors,
            labels,
        })
    }

    /// The label of the phrase closest to the unit vector `query`, and its
    /// similarity; `None` when there are no phrases.
    pub fn nearest(&self, query: &[f32]) -> Option<(L, f32)> {
        self.vectors
            .chunks_exact(self.dim)
            .zip(&self.labels)
            .map(|(row, label)| (*label, dot(row, query)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

impl ArticleVectors {
    /// Embeds every view of `corpus`'s articles, reusing `cache` entries made
    /// with the same model, and rewrites the cache with exactly this corpus's
    /// vectors. `progress(done, total)` reports texts processed.
    pub fn build(
        corpus: &Corpus,
        embedder: &Embedder,
        cache: &Path,
        progress: impl FnMut(usize, usize),
    ) -> Result<(ArticleVectors, CacheStats), VectorError> {
        let mut cache = VectorCache::open(cache, embedder);
        let vectors = ArticleVectors::from_cache(corpus, embedder, &mut cache, progress)?;
        cache.save()?;
        Ok((vectors, cache.stats()))
    }

    /// Like [`ArticleVectors::build`], with a cache the caller opens and
    /// saves, so that several corpora (and questions) can share one file.
    pub fn from_cache(
        corpus: &Corpus,
        embedder: &Embedder,
        cache: &mut VectorCache,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ArticleVectors, VectorError> {
        let dim = embedder.dim();
        let all: Vec<(usize, View, Role, String)> = corpus
            .articles
            .iter()
            .enumerate()
            .flat_map(|(i, a)| views(a).into_iter().map(move |(v, r, t)| (i, v, r, t)))
            .collect();
        let mut vectors = Vec::with_capacity(all.len() * dim);
        for (done, (_, _, role, text)) in all.iter().enumerate() {
            vectors.extend_from_slice(&cache.get(embedder, *role, text)?);
            progress(done + 1, all.len());
        }
        Ok(ArticleVectors {
            dim,
            vectors,
            owners: all.iter().map(|(i, ..)| *i).collect(),
            views: all.iter().map(|(_, v, ..)| *v).collect(),
            chinese: all.iter().map(|(.., text)| is_chinese(text)).collect(),
            articles: corpus.articles.len(),
        })
    }

    /// The similarity of every view to the unit vector `query`, in view
    /// order (see [`ArticleVectors::owners`]).
    pub fn view_similarities(&self, query: &[f32]) -> Vec<f32> {
        self.vectors.chunks_exact(self.dim).map(|row| dot(row, query)).collect()
    }

    /// The article (index in corpus order) each view belongs to.
    pub fn owners(&self) -> &[usize] {
        &self.owners
    }

    /// For each article (in corpus order), the similarity of its closest view
    /// to the unit vector `query`.
    pub fn similarities(&self, query: &[f32]) -> Vec<f32> {
        let mut best = vec![f32::NEG_INFINITY; self.articles];
        for (row, &owner) in self.vectors.chunks_exact(self.dim).zip(&self.owners) {
            let s = dot(row, query);
            if s > best[owner] {
                best[owner] = s;
            }
        }
        best
    }

    /// The mean vector of the corpus's similar questions in Chinese (or in
    /// English): what all help-desk questions in that language share.
    /// Subtracting it before comparing users' questions with one another
    /// leaves what sets their topics apart, across the two languages.
    pub fn question_mean(&self, chinese: bool) -> Vec<f32> {
        let mut mean = vec![0f32; self.dim];
        let mut n = 0usize;
        for ((row, view), &zh) in self.vectors.chunks_exact(self.dim).zip(&self.views).zip(&self.chinese) {
            if *view == View::Question && zh == chinese {
                n += 1;
                for (m, x) in mean.iter_mut().zip(row) {
                    *m += x;
                }
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
        mean
    }

    /// Number of embedded views.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// True when nothing is embedded.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// How many views of each kind there are.
    pub fn count(&self, view: View) -> usize {
        self.views.iter().filter(|&&v| v == view).count()
    }
}

fn read_cache(path: &Path, model_hash: &str, dim: usize) -> HashMap<[u8; 32], Vec<f32>> {
    let Ok(data) = std::fs::read(path) else {
        return HashMap::new();
    };
    let header = MAGIC.len() + 64 + 4;
    if data.len() < header || &data[..8] != MAGIC || &data[8..72] != model_hash.as_bytes() {
        return HashMap::new();
    }
    if u32::from_le_bytes([data[72], data[73], data[74], data[75]]) as usize != dim {
        return HashMap::new();
    }
    data[header..]
        .chunks_exact(32 + 4 * dim)
        .map(|entry| {
            let mut k = [0u8; 32];
            k.copy_from_slice(&entry[..32]);
            let v = entry[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (k, v)
        })
        .collect()
}

fn write_cache(path: &Path, model_hash: &str, dim: usize, entries: &[([u8; 32], Vec<f32>)]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    out.write_all(MAGIC)?;
    out.write_all(model_hash.as_bytes())?;
    out.write_all(&(dim as u32).to_le_bytes())?;
    for (k, v) in entries {
        out.write_all(k)?;
        for x in v {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trips_and_ignores_other_models() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        let hash = "a".repeat(64);
        let entries = vec![
            (key(Role::Query, "提币"), vec![0.5f32, -0.25]),
            (key(Role::Passage, "x"), vec![1.0, 0.0]),
        ];
        write_cache(&path, &hash, 2, &entries).unwrap();
        let back = read_cache(&path, &hash, 2);
        assert_eq!(back.len(), 2);
        assert_eq!(back[&key(Role::Query, "提币")], vec![0.5, -0.25]);
        assert!(read_cache(&path, &"b".repeat(64), 2).is_empty());
        assert!(read_cache(&path, &hash, 3).is_empty());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(read_cache(&path, &hash, 2).is_empty());
    }
}
