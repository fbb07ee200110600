//! The answer engine as one value: the corpus, its index, the model, the
//! article vectors and the decision rules, loaded together from
//! [`Settings`]. The command line and the server both start here.
//!
//! `Engine` is `Sync` and does CPU-bound work; async callers run it on a
//! blocking thread. An engine never changes once loaded: [`reload`] builds a
//! new one beside it for the server to swap in.

pub mod reload;

use std::sync::Arc;

use crate::answer::{AnswerCache, Answerer, Reply};
use crate::config::Settings;
use crate::corpus::{Article, Corpus, CorpusError, Intent, Lang};
use crate::embed::{EmbedError, Embedder, Role};
use crate::index::{ArticleIndex, IndexError, Snippet};
use crate::rank::{ArticleVectors, PhraseVectors, RankError, Ranker, VectorCache, VectorError};
use crate::text::{is_chinese, Lexicon};

/// Why the engine could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The corpus is invalid or unreadable.
    #[error("cannot load the corpus in {path}: {source}")]
    Corpus {
        /// The corpus folder.
        path: String,
        /// Every problem found.
        source: CorpusError,
    },
    /// The index could not be built or opened.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The model could not be loaded or run.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The article vectors could not be built.
    #[error(transparent)]
    Vectors(#[from] VectorError),
}

/// Progress callbacks while loading: `(done, total)` for indexing and
/// for embedding.
pub type Progress = Box<dyn FnMut(usize, usize) + Send>;

/// Everything answering needs, loaded.
pub struct Engine {
    corpus: Corpus,
    lexicon: Lexicon,
    answerer: Answerer,
    cache: AnswerCache,
    small_talk: PhraseVectors<Intent>,
}

/// An article as an answer shows it: title, a short excerpt, a link.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ArticleSummary {
    /// Article id.
    pub id: String,
    /// Title in the reader's language.
    pub title: String,
    /// The opening of the body, at most [`EXCERPT_CHARS`] characters.
    pub excerpt: String,
    /// Where the full article is.
    pub url: String,
}

/// A help-center search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// Article id.
    pub id: String,
    /// Title in the reader's language.
    pub title: String,
    /// The passage that matched, with its highlights.
    pub snippet: Snippet,
}

/// The longest excerpt an answer shows.
pub const EXCERPT_CHARS: usize = 280;

impl Engine {
    /// Loads the corpus, builds or opens the index and the vector cache under
    /// the data dir, and loads the model.
    pub fn open(
        settings: &Settings,
        index_progress: Progress,
        embed_progress: Progress,
    ) -> Result<Engine, EngineError> {
        let corpus = Corpus::load(&settings.corpus).map_err(|source| EngineError::Corpus {
            path: settings.corpus.display().to_string(),
            source,
        })?;
        let embedder = Arc::new(Embedder::load(&settings.model)?);
        Engine::with_model(settings, corpus, embedder, index_progress, embed_progress)
    }

    /// An engine for `corpus` that shares this engine's model, which is the
    /// largest part of memory and load time and does not change on reload.
    pub fn successor(&self, settings: &Settings, corpus: Corpus) -> Result<Engine, EngineError> {
        let embedder = Arc::clone(self.answerer.ranker().embedder());
        Engine::with_model(settings, corpus, embedder, no_progress(), no_progress())
    }

    fn with_model(
        settings: &Settings,
        corpus: Corpus,
        embedder: Arc<Embedder>,
        index_progress: Progress,
        embed_progress: Progress,
    ) -> Result<Engine, EngineError> {
        let today = time::OffsetDateTime::now_utc().date();
        for fact in corpus.facts.expired(today) {
            // Served anyway: a date passing must not take the help desk
            // down; `kefu check` fails on it.
            tracing::warn!(coin = %fact.coin, network = %fact.network, "a fact of facts.yaml is past its expiry date");
        }
        let (index, _) = ArticleIndex::open_or_build(&corpus, &settings.data_dir, index_progress)?;
        let mut cache = VectorCache::open(&settings.data_dir.join("vectors.bin"), &embedder);
        let vectors = ArticleVectors::from_cache(&corpus, &embedder, &mut cache, embed_progress)?;
        let phrases = corpus
            .small_talk
            .intents
            .iter()
            .flat_map(|i| i.phrases.iter().map(|p| (i.intent, p.as_str())));
        let small_talk = PhraseVectors::from_cache(phrases, &embedder, &mut cache)?;
        cache.save()?;
        let ranker = Ranker::new(&corpus, index, vectors, embedder, settings.fusion);
        let answerer = Answerer::new(&corpus, ranker, settings.confidence, settings.answer);
        Ok(Engine {
            lexicon: Lexicon::of(&corpus),
            corpus,
            answerer,
            cache: AnswerCache::new(settings.answer_cache),
            small_talk,
        })
    }

    /// The loaded corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The corpus version: the start of its fingerprint, enough to tell
    /// versions apart in a response or a metric label.
    pub fn version(&self) -> &str {
        version_of(&self.corpus)
    }

    /// The corpus's everyday words (small talk, entities, vocabulary),
    /// normalized.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The decision maker.
    pub fn answerer(&self) -> &Answerer {
        &self.answerer
    }

    /// Ranks and decides, returning up to `suggestions` candidates; a
    /// question asked before (after normalization) is answered from the
    /// cache.
    pub fn reply(&self, question: &str, suggestions: usize) -> Result<Reply, RankError> {
        let key = AnswerCache::key(question, suggestions);
        if let Some(reply) = self.cache.get(&key) {
            return Ok(reply);
        }
        let reply = self.answerer.reply(question, suggestions)?;
        self.cache.insert(key, reply.clone());
        Ok(reply)
    }

    /// The small-talk intent whose phrase is nearest to `text` in meaning,
    /// and how near (cosine similarity, comparable to an article's).
    pub fn nearest_small_talk(&self, text: &str) -> Result<Option<(Intent, f32)>, RankError> {
        let query = self.answerer.ranker().embedder().embed(text, Role::Query)?;
        Ok(self.small_talk.nearest(&query))
    }

    /// The cached reply to `question`, if it was asked before: cheap enough
    /// to try before waiting for an engine worker.
    pub fn cached_reply(&self, question: &str, suggestions: usize) -> Option<Reply> {
        self.cache.get(&AnswerCache::key(question, suggestions))
    }

    /// Help-center search: the same ranking as answering, keeping only
    /// articles that share at least one term with the query so a search
    /// for nonsense honestly finds nothing.
    pub fn search(&self, query: &str, lang: Lang, limit: usize) -> Result<Vec<SearchHit>, RankError> {
        let ranker = self.answerer.ranker();
        let scores = ranker
            .score_all(query)?
            .into_iter()
            .filter(|s| s.bm25 > 0.0)
            .take(limit)
            .collect();
        Ok(ranker
            .details(query, scores)?
            .into_iter()
            .map(|r| SearchHit {
                title: self
                    .corpus
                    .article(&r.candidate.article_id)
                    .and_then(|a| a.title.get(lang).cloned())
                    .unwrap_or(r.candidate.title),
                id: r.candidate.article_id,
                snippet: r.candidate.snippet,
            })
            .collect())
    }

    /// The article with `id`.
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.corpus.article(id)
    }

    /// How an answer shows article `id` to a reader of `lang`; links are
    /// relative to `base_url` (empty for same-site links).
    pub fn summary(&self, id: &str, lang: Lang, base_url: &str) -> Option<ArticleSummary> {
        let article = self.corpus.article(id)?;
        Some(ArticleSummary {
            id: id.to_string(),
            title: article.title.text(lang).to_string(),
            excerpt: excerpt(article.body.text(lang), EXCERPT_CHARS),
            url: format!("{}/help/articles/{id}", base_url.trim_end_matches('/')),
        })
    }
}

fn version_of(corpus: &Corpus) -> &str {
    corpus.fingerprint.get(..12).unwrap_or(&corpus.fingerprint)
}

/// The language to answer `text` in: the one asked for, else Chinese when
/// the text has Han characters, else English.
pub fn reply_lang(requested: Option<Lang>, text: &str) -> Lang {
    requested.unwrap_or(if is_chinese(text) { Lang::Zh } else { Lang::En })
}

/// The first paragraph of a Markdown body as plain text, cut at a sentence
/// end (or the limit) so a chat bubble stays short.
pub fn excerpt(markdown: &str, limit: usize) -> String {
    let paragraph = markdown
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .unwrap_or("");
    let plain: String = paragraph
        .replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if plain.chars().count() <= limit {
        return plain;
    }
    let cut: String = plain.chars().take(limit).collect();
    match cut.rfind(['。', '！', '？', '.', '!', '?']) {
        Some(end) if end > cut.len() / 2 => {
            let close = cut[end..].chars().next().map_or(1, char::len_utf8);
            cut[..end + close].to_string()
        }
        _ => format!("{cut}…"),
    }
}

/// A progress callback that does nothing.
pub fn no_progress() -> Progress {
    Box::new(|_, _| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_the_first_paragraph_cut_at_a_sentence() {
        let body = "## Heading\n\nFirst **bold** line.\nSame paragraph.\n\nSecond paragraph.";
        assert_eq!(excerpt(body, 280), "First bold line. Same paragraph.");
        let long = "这是第一句话。".repeat(60);
        let e = excerpt(&long, 40);
        assert!(e.ends_with('。') && e.chars().count() <= 40, "{e}");
        assert_eq!(excerpt("abcdefghij", 4), "abcd…");
    }

    #[test]
    fn reply_language_follows_the_text() {
        assert_eq!(reply_lang(None, "怎么提币"), Lang::Zh);
        assert_eq!(reply_lang(None, "how to withdraw"), Lang::En);
        assert_eq!(reply_lang(Some(Lang::En), "怎么提币"), Lang::En);
    }
}
