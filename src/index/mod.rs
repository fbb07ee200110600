//! The BM25 article index: built from a [`Corpus`] into the data folder,
//! reused while the corpus is unchanged, searched with weighted term queries.
//!
//! Queries are a `BooleanQuery` of `TermQuery`s, one per analyzed term and
//! field, never tantivy's `QueryParser`: the parser turns an unspaced Chinese
//! string into a phrase query (tantivy #718), which finds nothing unless the
//! user typed the article's exact wording.

mod schema;
mod snippet;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::corpus::{Article, Corpus, CorpusError, Lang};
use crate::domain::ArticleId;
use crate::text::{is_chinese, Analyzer, Cut, KefuTokenizer};

pub use schema::Fields;

/// Bump when analysis or schema change, so old indexes are rebuilt.
const FORMAT_VERSION: &str = "kefu-index-2";
const FINGERPRINT_FILE: &str = "kefu-fingerprint";
const SNIPPET_BYTES: usize = 240;

/// Why the index could not be built, opened or searched.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The corpus is invalid.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// tantivy failed.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The data folder could not be written.
    #[error("cannot write the index in {path}: {source}")]
    Io {
        /// The path being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result of index operations.
pub type Result<T> = std::result::Result<T, IndexError>;

/// Whether opening found a usable index or had to build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The stored index matched the corpus fingerprint.
    Reused,
    /// The index was (re)built from the corpus.
    Built,
}

/// A retrieved article with its BM25 score.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Article id.
    pub article_id: ArticleId,
    /// Category id.
    pub category: String,
    /// Title in the question's language (falling back to the other).
    pub title: String,
    /// BM25 score (sum over weighted terms and fields).
    pub score: f32,
    /// The most relevant passage of the body, in the question's language.
    pub snippet: Snippet,
}

/// A passage with the byte ranges that matched the question.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snippet {
    /// The passage.
    pub text: String,
    /// Matched byte ranges within `text`.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The passage with each highlight wrapped in `open` … `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for r in &self.highlights {
            out.push_str(&self.text[at..r.start]);
            out.push_str(open);
            out.push_str(&self.text[r.clone()]);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// The searchable article index.
pub struct ArticleIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzer: Analyzer,
    /// Article ids by segment and document: a question's BM25 hits are
    /// most of the corpus, and loading each stored document (all its text)
    /// only for its id was about a third of a question's time outside the
    /// model.
    ids: Vec<Vec<ArticleId>>,
}

impl ArticleIndex {
    /// Opens the index in `data_dir/index` if it was built from this exact
    /// corpus, otherwise builds it. `progress(done, total)` is called while
    /// building.
    pub fn open_or_build(
        corpus: &Corpus,
        data_dir: &Path,
        progress: impl FnMut(usize, usize),
    ) -> Result<(ArticleIndex, Freshness)> {
        let analyzer = Analyzer::from_corpus(corpus)?;
        let dir = data_dir.join("index");
        let expected = fingerprint(corpus);
        let stored = std::fs::read_to_string(dir.join(FINGERPRINT_FILE)).unwrap_or_default();
        if stored.trim() == expected {
            if let Ok(index) = Index::open_in_dir(&dir) {
                return Ok((ArticleIndex::from_index(index, analyzer)?, Freshness::Reused));
            }
        }
        Ok((
            ArticleIndex::build(corpus, analyzer, data_dir, progress)?,
            Freshness::Built,
        ))
    }

    /// Builds the index from `corpus` into `data_dir/index`. The new index is
    /// written beside the old one and swapped in only when complete, so a
    /// failed build leaves the previous index intact.
    pub fn build(
        corpus: &Corpus,
        analyzer: Analyzer,
        data_dir: &Path,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ArticleIndex> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| IndexError::Io { path, source }
        };
        let dir = data_dir.join("index");
        let staging = data_dir.join(format!("index.building-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;

        let (schema, fields) = Fields::schema();
        let index = Index::create_in_dir(&staging, schema)?;
        register(&index, &analyzer);
        let mut writer = index.writer::<TantivyDocument>(32 * 1024 * 1024)?;
        let total = corpus.articles.len();
        for (i, article) in corpus.articles.iter().enumerate() {
            writer.add_document(document(&fields, article))?;
            progress(i + 1, total);
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        std::fs::write(staging.join(FINGERPRINT_FILE), fingerprint(corpus)).map_err(io(&staging))?;

        let retired = data_dir.join(format!("index.old-{}", std::process::id()));
        if dir.exists() {
            std::fs::rename(&dir, &retired).map_err(io(&dir))?;
        }
        std::fs::rename(&staging, &dir).map_err(io(&dir))?;
        if retired.exists() {
            std::fs::remove_dir_all(&retired).map_err(io(&retired))?;
        }
        ArticleIndex::from_index(Index::open_in_dir(&dir)?, analyzer)
    }

    fn from_index(index: Index, analyzer: Analyzer) -> Result<ArticleIndex> {
        register(&index, &analyzer);
        let fields = field_handles(&index)?;
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        let mut ids = Vec::with_capacity(searcher.segment_readers().len());
        for (segment, reader) in (0u32..).zip(searcher.segment_readers()) {
            let mut in_segment = Vec::with_capacity(reader.max_doc() as usize);
            for doc in 0..reader.max_doc() {
                let stored: TantivyDocument = searcher.doc(DocAddress::new(segment, doc))?;
                in_segment.push(ArticleId::known(&stored_text(&stored, fields.id)));
            }
            ids.push(in_segment);
        }
        Ok(ArticleIndex {
            index,
            reader,
            fields,
            analyzer,
            ids,
        })
    }

    /// The analyzer the index was opened with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The `limit` best articles for `question`, best first. A question with
    /// no searchable term (only punctuation or filler words) finds nothing.
    pub fn search(&self, question: &str, limit: usize) -> Result<Vec<Candidate>> {
        let scored = self.scores(question, limit)?;
        self.describe(question, &scored)
    }

    /// BM25 scores of the `limit` best articles, best first, without the cost
    /// of loading documents and building snippets.
    pub fn scores(&self, question: &str, limit: usize) -> Result<Vec<(ArticleId, f32)>> {
        let Some(query) = self.question_query(question) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let hits = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut scored = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let known = self
                .ids
                .get(address.segment_ord as usize)
                .and_then(|s| s.get(address.doc_id as usize));
            let id = match known {
                Some(id) => id.clone(),
                // The reader never reloads, so every hit is in `ids`; were
                // that to change, the stored document still has the id.
                None => ArticleId::known(&stored_text(&searcher.doc::<TantivyDocument>(address)?, self.fields.id)),
            };
            scored.push((id, score));
        }
        Ok(scored)
    }

    /// Full candidates (title and snippet in the question's language) for
    /// `scored` articles, in the given order. Unknown ids are skipped.
    pub fn describe(&self, question: &str, scored: &[(ArticleId, f32)]) -> Result<Vec<Candidate>> {
        let searcher = self.reader.searcher();
        let lang = if is_chinese(question) { Lang::Zh } else { Lang::En };
        let (first, second) = match lang {
            Lang::Zh => (self.fields.body_zh, self.fields.body_en),
            Lang::En => (self.fields.body_en, self.fields.body_zh),
        };
        let query = self.question_query(question);
        let mut generators = Vec::new();
        if let Some(query) = &query {
            for field in [first, second] {
                let mut g = SnippetGenerator::create(&searcher, query, field)?;
                g.set_max_num_chars(SNIPPET_BYTES);
                generators.push(g);
            }
        }
        let mut candidates = Vec::with_capacity(scored.len());
        for (id, score) in scored {
            let by_id = TermQuery::new(
                Term::from_field_text(self.fields.id, id.as_str()),
                IndexRecordOption::Basic,
            );
            let Some((_, address)) = searcher.search(&by_id, &TopDocs::with_limit(1).order_by_score())?.pop() else {
                continue;
            };
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| stored_text(&doc, field);
            let (own, other) = match lang {
                Lang::Zh => (self.fields.title_zh, self.fields.title_en),
                Lang::En => (self.fields.title_en, self.fields.title_zh),
            };
            let title = Some(text(own)).filter(|t| !t.is_empty()).unwrap_or_else(|| text(other));
            let snippet = generators
                .iter()
                .zip([first, second])
                .map(|(g, field)| (g.snippet_from_doc(&doc), field))
                .find(|(s, _)| !s.highlighted().is_empty())
                .map(|(s, field)| snippet::tidy(&text(field), s.fragment(), &merge_overlapping(s.highlighted())))
                .unwrap_or_else(|| Snippet {
                    text: lead(&text(first).chars().take(80).collect::<String>()),
                    highlights: Vec::new(),
                });
            candidates.push(Candidate {
                article_id: id.clone(),
                category: text(self.fields.category),
                title,
                score: *score,
                snippet,
            });
        }
        Ok(candidates)
    }

    fn question_query(&self, question: &str) -> Option<BooleanQuery> {
        let terms = self.analyzer.query_terms(question);
        (!terms.is_empty()).then(|| self.query(&terms, &self.analyzer.query_grams(question)))
    }

    fn query(&self, terms: &[(String, f32)], grams: &[String]) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |field, text: &str, boost: f32| {
            let term = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(term), boost))));
        };
        for (text, weight) in terms {
            for (field, boost) in self.fields.weighted() {
                add(field, text, boost * weight);
            }
        }
        for gram in grams {
            add(self.fields.grams, gram, Fields::GRAMS_BOOST);
        }
        BooleanQuery::new(clauses)
    }

    /// Number of indexed articles.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the index holds no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The underlying tantivy index (for tools and tests).
    pub fn tantivy(&self) -> &Index {
        &self.index
    }
}

/// Search-mode segmentation yields overlapping terms (`助记`, `助记词`);
/// highlights must not overlap to be rendered.
fn merge_overlapping(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The body's first line of prose, without Markdown markers, as a fallback snippet.
fn lead(text: &str) -> String {
    text.trim_start_matches(['#', ' ', '*', '-'])
        .replace("**", "")
        .trim()
        .to_string()
}

fn stored_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn fingerprint(corpus: &Corpus) -> String {
    format!("{FORMAT_VERSION}:{}", corpus.fingerprint)
}

fn register(index: &Index, analyzer: &Analyzer) {
    for (name, cut) in [(KefuTokenizer::NAME, Cut::Words), (KefuTokenizer::GRAMS, Cut::Grams)] {
        let tokenizer = KefuTokenizer::new(analyzer.segmenter.clone(), cut);
        index.tokenizers().register(name, TextAnalyzer::from(tokenizer));
    }
}

fn field_handles(index: &Index) -> Result<Fields> {
    let (_, fields) = Fields::schema();
    let stored = index.schema();
    for name in [
        "id",
        "category",
        "title_zh",
        "title_en",
        "questions",
        "tags",
        "body_zh",
        "body_en",
        "grams",
    ] {
        stored.get_field(name)?;
    }
    Ok(fields)
}

fn document(fields: &Fields, article: &Article) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, article.id.as_str());
    doc.add_text(fields.category, &article.category);
    for (field, value) in [
        (fields.title_zh, &article.title.zh),
        (fields.title_en, &article.title.en),
        (fields.body_zh, &article.body.zh),
        (fields.body_en, &article.body.en),
    ] {
        if let Some(v) = value {
            doc.add_text(field, v);
        }
    }
    for q in article.all_questions() {
        doc.add_text(fields.questions, q);
    }
    for t in &article.tags {
        doc.add_text(fields.tags, t);
    }
    let titles = article.title.zh.iter().chain(article.title.en.iter());
    for text in titles.chain(article.all_questions()).chain(article.tags.iter()) {
        doc.add_text(fields.grams, text);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_highlights_merge() {
        assert_eq!(merge_overlapping(&[6..9, 0..6, 3..6, 12..15]), vec![0..9, 12..15]);
        let s = Snippet {
            text: "助记词备份".into(),
            highlights: merge_overlapping(&[0..6, 0..9]),
        };
        assert_eq!(s.marked("[", "]"), "[助记词]备份");
    }
}
