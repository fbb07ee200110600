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
use crate::domain::ArticleId;
use crate::embed::{EmbedError, Embedder, Role};
use crate::index::{ArticleIndex, IndexError, Snippet};
use crate::rank::{ArticleVectors, PhraseVectors, RankError, Ranker, VectorCache, VectorError};
use crate::text::{is_chinese, Lexicon, SENTENCE_ENDS};

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
    pub id: ArticleId,
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
    pub id: ArticleId,
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
    /// articles that share at least one term with the query. A query the
    /// bot would hand off as matching nothing (confidence below the
    /// clarify threshold: "火星移民签证" shares 签证 with the KYC articles)
    /// finds nothing here either, so the reader is offered the chat rather
    /// than six unrelated articles.
    pub fn search(&self, query: &str, lang: Lang, limit: usize) -> Result<Vec<SearchHit>, RankError> {
        let ranker = self.answerer.ranker();
        let (reply, scores) = self.answerer.reply_with_scores(query, 0)?;
        if reply.confidence < self.answerer.thresholds().clarify {
            return Ok(Vec::new());
        }
        let scores = scores.into_iter().filter(|s| s.bm25 > 0.0).take(limit).collect();
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
    pub fn article(&self, id: &ArticleId) -> Option<&Article> {
        self.corpus.article(id)
    }

    /// How an answer shows article `id` to a reader of `lang`; links are
    /// relative to `base_url` (empty for same-site links).
    pub fn summary(&self, id: &ArticleId, lang: Lang, base_url: &str) -> Option<ArticleSummary> {
        let article = self.corpus.article(id)?;
        Some(ArticleSummary {
            id: article.id.clone(),
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

/// The opening of a Markdown body as plain text, short enough for a chat
/// bubble. An opening that leads into a list, steps or a table ("请按以下顺序
/// 排查：") is worthless alone, so its first items come with it: the excerpt
/// ends on content (a whole item or sentence), not on a colon. Items are
/// one per line ("1. …", "• …"; table rows as "cell: cell, cell").
pub fn excerpt(markdown: &str, limit: usize) -> String {
    let markdown: String = markdown
        .lines()
        .filter(|l| !l.trim_start().starts_with("<!--"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut blocks = markdown
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('#'));
    let Some(first) = blocks.next() else {
        return String::new();
    };
    let opening = plain(&first.lines().collect::<Vec<_>>().join(" "));
    let mut lines = vec![(opening, false)];
    if leads_on(&lines[0].0) {
        let mut length = lines[0].0.chars().count();
        'blocks: for block in blocks {
            for line in block.lines() {
                let Some(item) = item_of(line) else { continue };
                length += item.0.chars().count() + 1;
                lines.push(item);
                if length > limit {
                    break 'blocks;
                }
            }
        }
    }
    fit(&lines, limit)
}

/// Whether a paragraph introduces what follows it.
fn leads_on(paragraph: &str) -> bool {
    paragraph.ends_with([':', '：']) || paragraph.chars().count() < 16
}

/// One line of Markdown as an excerpt line: list markers kept as "1." or
/// "•", table rows as "cell: cell, cell", table rules and blank lines
/// dropped; and whether it is a heading (a line all in bold), which says
/// nothing without what follows it.
fn item_of(line: &str) -> Option<(String, bool)> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let heading = line.len() > 4 && line.starts_with("**") && line.ends_with("**");
    item_text(line).map(|text| (text, heading))
}

fn item_text(line: &str) -> Option<String> {
    if line.starts_with('|') {
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| plain(c.trim()))
            .filter(|c| !c.is_empty())
            .collect();
        if cells.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))) {
            return None;
        }
        let (head, rest) = cells.split_first()?;
        if rest.is_empty() {
            return Some(head.clone());
        }
        let (colon, comma) = if crate::text::is_chinese(line) {
            ("：", "，")
        } else {
            (": ", ", ")
        };
        return Some(format!("{head}{colon}{}", rest.join(comma)));
    }
    let bullet = ["- ", "* ", "+ "].iter().find_map(|m| line.strip_prefix(m));
    Some(match bullet {
        Some(rest) => format!("• {}", plain(rest.trim())),
        None => plain(line),
    })
}

/// Markdown inline markup taken out: emphasis, code ticks, links as their
/// text.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        match after.find("](").zip(after.find(')')) {
            Some((mid, close)) if mid < close => {
                out.push_str(&after[1..mid]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "")
        .replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines that fit in `limit` characters; when even the first does not,
/// it is cut at its last sentence end (or the limit, marked "…"); when a
/// later one does not, it is cut at a sentence end if that keeps half of it,
/// else left out.
/// A heading left last (its content did not fit) is dropped.
fn fit(lines: &[(String, bool)], limit: usize) -> String {
    let mut kept: Vec<(String, bool)> = Vec::new();
    let mut used = 0;
    for (line, heading) in lines {
        let room = limit.saturating_sub(used + usize::from(!kept.is_empty()));
        if line.chars().count() <= room {
            used += line.chars().count() + usize::from(!kept.is_empty());
            kept.push((line.clone(), *heading));
            continue;
        }
        if kept.is_empty() {
            return cut_at_sentence(line, limit)
                .unwrap_or_else(|| format!("{}…", line.chars().take(limit).collect::<String>()));
        }
        if let Some(cut) = cut_at_sentence(line, room) {
            kept.push((cut, false));
        }
        break;
    }
    while kept.len() > 1 && kept.last().is_some_and(|(_, heading)| *heading) {
        kept.pop();
    }
    kept.into_iter().map(|(line, _)| line).collect::<Vec<_>>().join("\n")
}

/// `text` up to its last sentence end within `limit` characters, when that
/// keeps more than half of them.
fn cut_at_sentence(text: &str, limit: usize) -> Option<String> {
    let cut: String = text.chars().take(limit).collect();
    let end = cut.rfind(SENTENCE_ENDS)?;
    (end > cut.len() / 2).then(|| {
        let close = cut[end..].chars().next().map_or(1, char::len_utf8);
        cut[..end + close].to_string()
    })
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
    fn an_excerpt_that_leads_into_a_list_ends_on_its_items() {
        let body = "<!-- lang: zh -->\n请按以下顺序排查：\n\n1. **确认转出方已经发出。** 找到 TxID。\n2. 查看[确认数](/help/x)。\n3. 联系客服。";
        assert_eq!(
            excerpt(body, 280),
            "请按以下顺序排查：\n1. 确认转出方已经发出。 找到 TxID。\n2. 查看确认数。\n3. 联系客服。"
        );
        let e = excerpt(body, 30);
        assert!(!e.ends_with('：') && e.chars().count() <= 30, "{e}");
        let table = "Typical review times:\n\n| Level | Review | Usual time |\n| --- | --- | --- |\n| Lv1 | automatic | 10 minutes |";
        assert_eq!(
            excerpt(table, 280),
            "Typical review times:\nLevel: Review, Usual time\nLv1: automatic, 10 minutes"
        );
        let headed = "Three ways:\n\n**1. Chat**\n- open it\n\n**2. Tickets**\n- file one, with a long explanation";
        assert_eq!(
            excerpt(headed, 40),
            "Three ways:\n1. Chat\n• open it",
            "no heading left last"
        );
        let bullets = "Two kinds:\n\n- **Flexible**: any time.\n- **Locked**: fixed term.";
        assert_eq!(
            excerpt(bullets, 280),
            "Two kinds:\n• Flexible: any time.\n• Locked: fixed term."
        );
    }

    #[test]
    fn reply_language_follows_the_text() {
        assert_eq!(reply_lang(None, "怎么提币"), Lang::Zh);
        assert_eq!(reply_lang(None, "how to withdraw"), Lang::En);
        assert_eq!(reply_lang(Some(Lang::En), "怎么提币"), Lang::En);
    }
}
