//! The help-center corpus: articles in Markdown, their categories, the jieba
//! domain dictionary and the synonym list, loaded and validated as one unit.
//!
//! Layout of a corpus folder:
//!
//! ```text
//! categories.yaml      known categories (id, zh, en), in display order
//! dict.txt             jieba user dictionary: `word [freq] [tag]` per line
//! synonyms.txt         synonym groups, one per line, members separated by commas
//! quick-replies.yaml   optional: articles (and the chip's words) the chat offers on first open
//! smalltalk.yaml       optional: greetings, thanks, goodbyes… and the replies
//! entities.yaml        optional: coins, networks, wallets, exchanges, loose words
//! facts.yaml           optional: fees, minimums, confirmations per coin and network
//! articles/**/*.md     one article per file, file name = article id
//! ```
//!
//! Loading reports every problem with its file and line and never panics; a
//! corpus with any problem is rejected as a whole, so a half-valid corpus can
//! never replace a good index.

mod article;
pub mod entities;
mod error;
pub mod facts;
pub mod smalltalk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::domain::ArticleId;

pub use article::{parse_article, Article, HandoffPolicy, Lang, Localized};
pub use entities::{Entities, Entity, EntityKind};
pub use error::{CorpusError, Problem, Result};
pub use facts::{Fact, FactKind, Facts};
pub use smalltalk::{Intent, SmallTalk};

/// A help-center category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id referenced by articles.
    pub id: String,
    /// Chinese display name.
    pub zh: String,
    /// English display name.
    pub en: String,
}

/// A validated corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The folder it was loaded from.
    pub root: PathBuf,
    /// Categories in display order.
    pub categories: Vec<Category>,
    /// Articles sorted by id.
    pub articles: Vec<Article>,
    /// The jieba user dictionary text.
    pub dictionary: String,
    /// The synonym list text.
    pub synonyms: String,
    /// Articles offered as one-tap chips when a chat opens: the questions
    /// the team sees most.
    pub quick_replies: Vec<QuickReply>,
    /// Small talk and the bot's replies to it.
    pub small_talk: SmallTalk,
    /// Everyday names for coins, networks, wallets, exchanges and words.
    pub entities: Entities,
    /// Fees, minimums and confirmations per coin and network.
    pub facts: Facts,
    /// The kinds of fact each article quotes: answered with it, a question
    /// naming a coin or network gets the same kinds for that coin.
    pub fact_quotes: HashMap<ArticleId, Vec<FactKind>>,
    /// SHA-256 over every file that shapes the index: a changed fingerprint
    /// means the index must be rebuilt.
    pub fingerprint: String,
}

impl Corpus {
    /// Loads and validates the corpus in `root`.
    pub fn load(root: &Path) -> Result<Corpus> {
        if !root.is_dir() {
            return Err(CorpusError::Io {
                path: root.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no corpus folder here (set --corpus or KEFU_CORPUS)",
                ),
            });
        }
        let mut hasher = Sha256::new();
        let mut problems = Vec::new();
        let mut read = |rel: &Path, problems: &mut Vec<Problem>| -> Result<Option<String>> {
            let path = root.join(rel);
            let bytes = std::fs::read(&path).map_err(|source| CorpusError::Io {
                path: path.clone(),
                source,
            })?;
            hasher.update(rel.to_string_lossy().as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
            match String::from_utf8(bytes) {
                Ok(text) => Ok(Some(text)),
                Err(e) => {
                    let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    problems.push(Problem::new(&path, Some(line), "not valid UTF-8"));
                    Ok(None)
                }
            }
        };

        let categories = match read(Path::new("categories.yaml"), &mut problems)? {
            Some(text) => parse_categories(&root.join("categories.yaml"), &text, &mut problems),
            None => Vec::new(),
        };
        let dictionary = read(Path::new("dict.txt"), &mut problems)?.unwrap_or_default();
        check_dictionary(&root.join("dict.txt"), &dictionary, &mut problems);
        let synonyms = read(Path::new("synonyms.txt"), &mut problems)?.unwrap_or_default();

        let entities = match optional(root, ENTITIES) {
            Some(rel) => match read(&rel, &mut problems)? {
                Some(text) => entities::parse(&root.join(ENTITIES), &text, &mut problems),
                None => Entities::default(),
            },
            None => Entities::default(),
        };
        let facts = match optional(root, FACTS) {
            Some(rel) => match read(&rel, &mut problems)? {
                Some(text) => facts::parse(&root.join(FACTS), &text, &entities, &mut problems),
                None => Facts::default(),
            },
            None => Facts::default(),
        };
        let mut facts_used = std::collections::HashSet::new();
        let mut fact_quotes = HashMap::new();

        let category_ids: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
        let mut files = Vec::new();
        collect_markdown(&root.join("articles"), &mut files)?;
        files.sort();
        let mut articles: Vec<Article> = Vec::new();
        let mut seen: HashMap<ArticleId, PathBuf> = HashMap::new();
        for path in files {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            let Some(text) = read(&rel, &mut problems)? else {
                continue;
            };
            let mut quotes = Vec::new();
            for (i, line) in text.lines().enumerate() {
                for placeholder in facts::placeholders(line) {
                    if let Some(kind) = placeholder.kind.filter(|k| !quotes.contains(k)) {
                        quotes.push(kind);
                    }
                    match facts::check_placeholder(&placeholder, &facts) {
                        Some(message) => problems.push(Problem::new(&path, Some(i + 1), message)),
                        None => {
                            facts_used.insert((placeholder.coin, placeholder.network));
                        }
                    }
                }
            }
            match parse_article(&path, &text, &category_ids) {
                Ok(mut article) => {
                    for body in [&mut article.body.zh, &mut article.body.en].into_iter().flatten() {
                        *body = facts::render(body, &facts);
                    }
                    if !quotes.is_empty() {
                        fact_quotes.insert(article.id.clone(), quotes);
                    }
                    if let Some(first) = seen.get(&article.id) {
                        problems.push(Problem::new(
                            &path,
                            Some(2),
                            format!("duplicate id `{}`: already used by {}", article.id, first.display()),
                        ));
                    } else {
                        seen.insert(article.id.clone(), path.clone());
                        articles.push(article);
                    }
                }
                Err(p) => problems.extend(p),
            }
        }
        let quick_replies = if root.join(QUICK_REPLIES).is_file() {
            match read(Path::new(QUICK_REPLIES), &mut problems)? {
                Some(text) => parse_quick_replies(&root.join(QUICK_REPLIES), &text, &seen, &mut problems),
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let small_talk = match optional(root, SMALLTALK) {
            Some(rel) => match read(&rel, &mut problems)? {
                Some(text) => smalltalk::parse(&root.join(SMALLTALK), &text, &mut problems),
                None => SmallTalk::default(),
            },
            None => SmallTalk::default(),
        };
        for fact in &facts.facts {
            if !facts_used.contains(&(fact.coin.clone(), fact.network.clone())) {
                problems.push(Problem::new(
                    root.join(FACTS),
                    fact.line,
                    format!(
                        "{} on {} is used by no article: quote it with a placeholder such as {{{{fee {} {}}}}}",
                        fact.coin, fact.network, fact.coin, fact.network
                    ),
                ));
            }
        }
        if articles.is_empty() && problems.is_empty() {
            problems.push(Problem::new(root.join("articles"), None, "no articles (*.md) found"));
        }
        if !problems.is_empty() {
            return Err(CorpusError::Invalid(problems));
        }
        articles.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Corpus {
            root: root.to_path_buf(),
            categories,
            articles,
            dictionary,
            synonyms,
            quick_replies,
            small_talk,
            entities,
            facts,
            fact_quotes,
            fingerprint: format!("{:x}", hasher.finalize()),
        })
    }

    /// The article with `id`.
    pub fn article(&self, id: &ArticleId) -> Option<&Article> {
        self.articles.iter().find(|a| &a.id == id)
    }

    /// The id of the article a person wrote as `written` (in an eval file),
    /// if the corpus has it.
    pub fn id_of(&self, written: &str) -> Option<&ArticleId> {
        self.articles.iter().map(|a| &a.id).find(|id| id.as_str() == written)
    }

    /// The kinds of fact article `id` quotes.
    pub fn quotes(&self, id: &ArticleId) -> &[FactKind] {
        self.fact_quotes.get(id).map_or(&[], |kinds| kinds.as_slice())
    }

    /// The category with `id`.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Ids of the articles whose topics a person must always take.
    pub fn always_handoff(&self) -> std::collections::HashSet<ArticleId> {
        self.articles
            .iter()
            .filter(|a| a.handoff == HandoffPolicy::Always)
            .map(|a| a.id.clone())
            .collect()
    }
}

fn parse_categories(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Vec<Category> {
    match serde_yaml_ng::from_str::<Vec<Category>>(text) {
        Ok(categories) => {
            let mut ids = std::collections::HashSet::new();
            for c in &categories {
                if !ids.insert(c.id.as_str()) {
                    problems.push(Problem::new(
                        path,
                        line_of(text, &c.id),
                        format!("duplicate category `{}`", c.id),
                    ));
                }
            }
            categories
        }
        Err(e) => {
            problems.push(Problem::new(
                path,
                e.location().map(|l| l.line()),
                format!("bad categories file: {e}"),
            ));
            Vec::new()
        }
    }
}

const QUICK_REPLIES: &str = "quick-replies.yaml";
const SMALLTALK: &str = "smalltalk.yaml";
const ENTITIES: &str = "entities.yaml";
const FACTS: &str = "facts.yaml";

/// `name` relative to the corpus, when the corpus has that file.
fn optional(root: &Path, name: &str) -> Option<PathBuf> {
    root.join(name).is_file().then(|| PathBuf::from(name))
}

/// A one-tap chip: an article and what the chip says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickReply {
    /// The article the chip answers with.
    pub article: ArticleId,
    /// The chip's words per language, as the team wrote them; without them
    /// the chip shows the article's title up to its parenthesis.
    pub label: Localized<String>,
}

/// An entry of `quick-replies.yaml`: an article id, or one with labels.
#[derive(Deserialize)]
#[serde(untagged)]
enum QuickReplyEntry {
    Id(String),
    Labelled {
        article: String,
        #[serde(default)]
        zh: Option<String>,
        #[serde(default)]
        en: Option<String>,
    },
}

fn parse_quick_replies(
    path: &Path,
    text: &str,
    known: &HashMap<ArticleId, PathBuf>,
    problems: &mut Vec<Problem>,
) -> Vec<QuickReply> {
    let entries = match serde_yaml_ng::from_str::<Option<Vec<QuickReplyEntry>>>(text) {
        Ok(entries) => entries.unwrap_or_default(),
        Err(e) => {
            problems.push(Problem::new(
                path,
                e.location().map(|l| l.line()),
                format!("expected a list of article ids, or of `article:` with `zh:`/`en:` labels: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let (id, label) = match entry {
            QuickReplyEntry::Id(id) => (id, Localized::default()),
            QuickReplyEntry::Labelled { article, zh, en } => {
                let clean = |l: Option<String>| l.map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
                (
                    article,
                    Localized {
                        zh: clean(zh),
                        en: clean(en),
                    },
                )
            }
        };
        let line = text.lines().position(|l| l.contains(id.as_str())).map(|i| i + 1);
        match ArticleId::parse(&id) {
            Ok(article) if known.contains_key(&article) => out.push(QuickReply { article, label }),
            _ => problems.push(Problem::new(path, line, format!("no article `{id}`"))),
        }
    }
    out
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(1)
        .map(|(i, _)| i + 1)
}

/// jieba's own loader stops at the first bad line with no file name; check the
/// format here so an editor sees every bad line.
fn check_dictionary(path: &Path, text: &str, problems: &mut Vec<Problem>) {
    for (i, line) in text.lines().enumerate() {
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        if word.starts_with('#') {
            continue;
        }
        if let Some(freq) = parts.next() {
            if freq.parse::<usize>().is_err() {
                problems.push(Problem::new(
                    path,
                    Some(i + 1),
                    format!("frequency `{freq}` of `{word}` is not a whole number"),
                ));
            }
        }
        if parts.nth(1).is_some() {
            problems.push(Problem::new(path, Some(i + 1), "expected `word [frequency] [tag]`"));
        }
    }
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| CorpusError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn article(id: &str, category: &str) -> String {
        format!("---\nid: {id}\ncategory: {category}\ntitle:\n  en: T\n---\n<!-- lang: en -->\nBody\n")
    }

    fn tiny_corpus() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "categories.yaml",
            "- {id: account, zh: 账户, en: Account}\n",
        );
        write(dir.path(), "dict.txt", "谷歌验证器 2000 n\n");
        write(dir.path(), "synonyms.txt", "提币, 提现\n");
        write(dir.path(), "articles/a.md", &article("a", "account"));
        dir
    }

    #[test]
    fn loads_a_valid_corpus_with_a_stable_fingerprint() {
        let dir = tiny_corpus();
        let first = Corpus::load(dir.path()).unwrap();
        assert_eq!(first.articles.len(), 1);
        assert_eq!(Corpus::load(dir.path()).unwrap().fingerprint, first.fingerprint);
        write(dir.path(), "synonyms.txt", "提币, 提现, withdraw\n");
        assert_ne!(Corpus::load(dir.path()).unwrap().fingerprint, first.fingerprint);
    }

    #[test]
    fn quick_replies_are_ids_or_labelled_articles() {
        let dir = tiny_corpus();
        write(
            dir.path(),
            "quick-replies.yaml",
            "- a\n- article: a\n  zh: 充值没到账\n",
        );
        let corpus = Corpus::load(dir.path()).unwrap();
        let labels: Vec<Option<&str>> = corpus.quick_replies.iter().map(|q| q.label.zh.as_deref()).collect();
        assert_eq!(labels, [None, Some("充值没到账")]);
        write(dir.path(), "quick-replies.yaml", "- a\n- article: gone\n  en: Gone\n");
        let Err(CorpusError::Invalid(problems)) = Corpus::load(dir.path()) else {
            panic!("expected problems")
        };
        assert!(
            problems[0]
                .to_string()
                .contains("quick-replies.yaml:2: no article `gone`"),
            "{problems:?}"
        );
    }

    #[test]
    fn reports_every_problem_across_files() {
        let dir = tiny_corpus();
        write(dir.path(), "articles/sub/a.md", &article("a", "account"));
        write(dir.path(), "articles/b.md", &article("b", "nope"));
        write(dir.path(), "dict.txt", "谷歌验证器 lots n\n");
        let Err(CorpusError::Invalid(problems)) = Corpus::load(dir.path()) else {
            panic!("expected problems")
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{text:#?}");
        assert!(text.iter().any(|p| p.contains("duplicate id `a`")), "{text:#?}");
        assert!(
            text.iter().any(|p| p.contains("b.md:3: unknown category `nope`")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|p| p.contains("dict.txt:1: frequency `lots`")),
            "{text:#?}"
        );
    }

    #[test]
    fn missing_folder_and_invalid_utf8_are_errors() {
        assert!(matches!(
            Corpus::load(Path::new("/no/such/corpus")),
            Err(CorpusError::Io { .. })
        ));
        let dir = tiny_corpus();
        std::fs::write(dir.path().join("articles/c.md"), b"---\n\xff\n").unwrap();
        let Err(CorpusError::Invalid(p)) = Corpus::load(dir.path()) else {
            panic!()
        };
        assert_eq!(p[0].line, Some(2));
        assert_eq!(p[0].message, "not valid UTF-8");
    }
}
