//! Public intent-classification datasets (BANKING77, CLINC150) as kefu
//! corpora: every intent becomes one article whose similar questions are the
//! intent's training texts, and the test texts become labelled questions.
//!
//! Nothing is trained: the dataset measures how well retrieval finds the
//! right "article" for unseen wording. A held-out slice of the training split
//! ([`stratified_split`]) is where fusion weights are chosen, so the test
//! split is looked at once, for the final number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::corpus::{Article, ArticleId, Category, Corpus, Localized};

/// Why a dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A dataset file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A dataset file is malformed.
    #[error("{}:{line}: {message}", .path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line where the bad record starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The dataset is not usable as a corpus.
    #[error("dataset {name}: {message}")]
    Unusable {
        /// The dataset.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// The datasets kefu knows how to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// BANKING77: `train.csv` and `test.csv` with a `text,category` header.
    Banking77,
    /// CLINC150: `data_full.json` with `train`/`val`/`test` lists of
    /// `[text, intent]`; the out-of-scope lists are left out, since kefu has no
    /// article for them to be found in.
    Clinc150,
}

impl FromStr for DatasetKind {
    type Err = String;

    fn from_str(s: &str) -> Result<DatasetKind, String> {
        match s {
            "banking77" => Ok(DatasetKind::Banking77),
            "clinc150" => Ok(DatasetKind::Clinc150),
            other => Err(format!("unknown dataset `{other}` (known: banking77, clinc150)")),
        }
    }
}

impl DatasetKind {
    /// The dataset's name, which is also its folder name.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Banking77 => "banking77",
            DatasetKind::Clinc150 => "clinc150",
        }
    }

    /// Reads the dataset from its folder.
    pub fn load(self, dir: &Path) -> Result<IntentDataset, DatasetError> {
        match self {
            DatasetKind::Banking77 => {
                let read = |file: &str| {
                    let path = dir.join(file);
                    parse_csv(&path, &read_text(&path)?)
                };
                IntentDataset::new(self.name(), read("train.csv")?, read("test.csv")?)
            }
            DatasetKind::Clinc150 => {
                let path = dir.join("data_full.json");
                let mut splits = parse_clinc(&path, &read_text(&path)?)?;
                let mut take = |name: &str| splits.remove(name).unwrap_or_default();
                let texts = |pairs: Vec<(String, String)>| pairs.into_iter().map(|(text, _)| text).collect();
                let mut dataset = IntentDataset::new(self.name(), take("train"), take("test"))?;
                dataset.val = dataset.label(take("val"))?;
                dataset.out_of_scope_val = texts(take("oos_val"));
                dataset.out_of_scope_test = texts(take("oos_test"));
                let domains = dir.join("domains.json");
                if domains.exists() {
                    dataset.domains = parse_domains(&domains, &read_text(&domains)?, &dataset.intents)?;
                }
                Ok(dataset)
            }
        }
    }
}

/// Reads CLINC150's `domains.json` (`{"domain": ["intent", …], …}`) into
/// the domain of each intent; intents it does not list keep the dataset's
/// name.
fn parse_domains(path: &Path, text: &str, intents: &[String]) -> Result<Vec<String>, DatasetError> {
    let domains: HashMap<String, Vec<String>> = serde_json::from_str(text).map_err(|e| malformed_json(path, e))?;
    let by_intent: HashMap<&str, &str> = domains
        .iter()
        .flat_map(|(domain, intents)| intents.iter().map(move |i| (i.as_str(), domain.as_str())))
        .collect();
    Ok(intents
        .iter()
        .map(|i| by_intent.get(i.as_str()).map_or("clinc150", |d| d).to_string())
        .collect())
}

fn read_text(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// What the user wrote.
    pub text: String,
    /// Index into [`IntentDataset::intents`].
    pub intent: usize,
}

/// A dataset's intents and its two splits.
#[derive(Debug, Clone)]
pub struct IntentDataset {
    /// The dataset's name.
    pub name: String,
    /// Intent names, sorted.
    pub intents: Vec<String>,
    /// The training split: the corpus.
    pub train: Vec<Example>,
    /// The test split: the questions.
    pub test: Vec<Example>,
    /// A validation split, when the dataset has one: where methods and
    /// thresholds are chosen.
    pub val: Vec<Example>,
    /// Validation questions no intent covers (they should be handed off).
    pub out_of_scope_val: Vec<String>,
    /// Test questions no intent covers.
    pub out_of_scope_test: Vec<String>,
    /// Each intent's domain (its category in reports), or empty.
    pub domains: Vec<String>,
}

impl IntentDataset {
    /// Indexes intents by name; every test intent must occur in training, or
    /// no article could ever be right for it.
    fn new(name: &str, train: Vec<(String, String)>, test: Vec<(String, String)>) -> Result<Self, DatasetError> {
        let unusable = |message: String| DatasetError::Unusable {
            name: name.to_string(),
            message,
        };
        let mut intents: Vec<String> = train.iter().map(|(_, intent)| intent.clone()).collect();
        intents.sort();
        intents.dedup();
        if intents.is_empty() {
            return Err(unusable("no training examples".into()));
        }
        let mut dataset = IntentDataset {
            name: name.to_string(),
            intents,
            train: Vec::new(),
            test: Vec::new(),
            val: Vec::new(),
            out_of_scope_val: Vec::new(),
            out_of_scope_test: Vec::new(),
            domains: Vec::new(),
        };
        dataset.train = dataset.label(train)?;
        dataset.test = dataset.label(test)?;
        Ok(dataset)
    }

    /// Labels `(text, intent)` pairs with intent indices; an intent with no
    /// training example is an error, as no article could ever be right for it.
    fn label(&self, pairs: Vec<(String, String)>) -> Result<Vec<Example>, DatasetError> {
        let by_name: HashMap<&str, usize> = self.intents.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        pairs
            .into_iter()
            .map(|(text, intent)| match by_name.get(intent.as_str()) {
                Some(&intent) => Ok(Example { text, intent }),
                None => Err(DatasetError::Unusable {
                    name: self.name.clone(),
                    message: format!("intent `{intent}` has no training example"),
                }),
            })
            .collect()
    }

    /// The category of intent `i` in reports: its domain, else the dataset.
    pub fn category(&self, i: usize) -> &str {
        self.domains.get(i).map_or(self.name.as_str(), String::as_str)
    }

    /// The article id of each intent: the name in kefu's id alphabet
    /// (`card_arrival` → `card-arrival`).
    pub fn article_ids(&self) -> Result<Vec<ArticleId>, DatasetError> {
        let mut seen = HashMap::new();
        self.intents
            .iter()
            .map(|intent| {
                let slug = intent
                    .to_lowercase()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                let unusable = |message| DatasetError::Unusable {
                    name: self.name.clone(),
                    message,
                };
                let id = ArticleId::parse(&slug).map_err(unusable)?;
                if let Some(other) = seen.insert(id.clone(), intent) {
                    return Err(unusable(format!("intents `{other}` and `{intent}` both become `{id}`")));
                }
                Ok(id)
            })
            .collect()
    }

    /// An in-memory corpus with one article per intent whose similar
    /// questions are the texts of `examples` (indices into `train`) with
    /// that intent. Articles are in intent order, which is also id order.
    pub fn corpus(&self, examples: &[usize]) -> Result<Corpus, DatasetError> {
        let ids = self.article_ids()?;
        let mut questions: Vec<Vec<String>> = vec![Vec::new(); self.intents.len()];
        let mut hasher = Sha256::new();
        hasher.update(self.name.as_bytes());
        for &i in examples {
            let Some(e) = self.train.get(i) else {
                return Err(DatasetError::Unusable {
                    name: self.name.clone(),
                    message: format!("no training example {i}"),
                });
            };
            questions[e.intent].push(e.text.clone());
            hasher.update((e.intent as u64).to_le_bytes());
            hasher.update((e.text.len() as u64).to_le_bytes());
            hasher.update(e.text.as_bytes());
        }
        let articles = ids
            .into_iter()
            .zip(questions)
            .map(|(id, questions)| Article {
                id,
                category: self.name.clone(),
                title: Localized::default(),
                questions: Localized {
                    zh: None,
                    en: Some(questions),
                },
                tags: Vec::new(),
                priority: Default::default(),
                handoff: Default::default(),
                body: Localized::default(),
            })
            .collect();
        Ok(Corpus {
            root: PathBuf::from(&self.name),
            categories: vec![Category {
                id: self.name.clone(),
                zh: self.name.clone(),
                en: self.name.clone(),
            }],
            articles,
            dictionary: String::new(),
            synonyms: String::new(),
            quick_replies: Vec::new(),
            small_talk: Default::default(),
            entities: Default::default(),
            facts: Default::default(),
            fact_quotes: Default::default(),
            fingerprint: format!("{:x}", hasher.finalize()),
        })
    }
}

/// Parses a `text,category` CSV file (RFC 4180 quoting: fields may be
/// quoted, quotes doubled inside them, and quoted fields may span lines).
/// Errors name the line where the bad record starts.
pub fn parse_csv(path: &Path, text: &str) -> Result<Vec<(String, String)>, DatasetError> {
    let malformed = |line: usize, message: String| DatasetError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = csv_records(text).map_err(|(line, message)| malformed(line, message))?;
    let header: Vec<&str> = match records.first() {
        Some((_, fields)) => fields.iter().map(String::as_str).collect(),
        None => return Err(malformed(1, "empty file, expected a `text,category` header".into())),
    };
    if header != ["text", "category"] {
        return Err(malformed(
            1,
            format!("expected the header `text,category`, found `{}`", header.join(",")),
        ));
    }
    records
        .drain(1..)
        .map(|(line, mut fields)| {
            if fields.len() != 2 {
                return Err(malformed(
                    line,
                    format!("expected 2 fields (text,category), found {}", fields.len()),
                ));
            }
            let (category, text) = (fields.remove(1), fields.remove(0));
            if text.trim().is_empty() || category.trim().is_empty() {
                return Err(malformed(line, "empty text or category".into()));
            }
            Ok((text, category))
        })
        .collect()
}

/// A CSV record's fields and the line it starts on.
type Record = (usize, Vec<String>);

/// Splits CSV text into records. Blank lines between records are skipped.
/// An error is the line where it is and what is wrong.
fn csv_records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            match chars.next() {
                None => {
                    if quoted {
                        return Err((start, "quoted field is never closed".into()));
                    }
                    break;
                }
                Some('"') if quoted => {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                        if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                            return Err((line, "unexpected text after a closing quote".into()));
                        }
                    }
                }
                Some('"') if field.is_empty() => quoted = true,
                Some('"') => return Err((line, "quote inside an unquoted field".into())),
                Some('\n') if quoted => {
                    line += 1;
                    field.push('\n');
                }
                Some(c) if quoted => field.push(c),
                Some(',') => fields.push(std::mem::take(&mut field)),
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some(c) => field.push(c),
            }
        }
        if fields.is_empty() && field.is_empty() {
            continue;
        }
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

/// Parses CLINC150's `data_full.json`: an object of splits, each a list of
/// `[text, intent]` pairs. Errors name the line of the offending pair.
pub fn parse_clinc(path: &Path, text: &str) -> Result<HashMap<String, Vec<(String, String)>>, DatasetError> {
    let splits: HashMap<String, Vec<(NonEmpty, NonEmpty)>> =
        serde_json::from_str(text).map_err(|e| malformed_json(path, e))?;
    Ok(splits
        .into_iter()
        .map(|(name, pairs)| (name, pairs.into_iter().map(|(t, i)| (t.0, i.0)).collect()))
        .collect())
}

/// A JSON dataset file's error, at the line serde found it on.
fn malformed_json(path: &Path, e: serde_json::Error) -> DatasetError {
    DatasetError::Malformed {
        path: path.to_path_buf(),
        line: e.line().max(1),
        message: e.to_string(),
    }
}

/// A string with something besides white space in it; rejected while
/// parsing so that the JSON error carries the position.
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NonEmpty, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(serde::de::Error::custom("empty text or intent"));
        }
        Ok(NonEmpty(s))
    }
}

/// Splits the training examples into a part kept as the corpus and a
/// held-out part used as questions, per intent: about `fraction` of each
/// intent's examples (at least one, and never all of them) are held out, the
/// same ones for the same `seed`. Returns (kept, held out) indices, ascending.
pub fn stratified_split(examples: &[Example], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_intent: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, e) in examples.iter().enumerate() {
        by_intent.entry(e.intent).or_default().push(i);
    }
    let mut intents: Vec<usize> = by_intent.keys().copied().collect();
    intents.sort_unstable();
    let mut rng = SplitMix64(seed);
    let (mut kept, mut held) = (Vec::new(), Vec::new());
    for intent in intents {
        let mut members = by_intent.remove(&intent).unwrap_or_default();
        for i in (1..members.len()).rev() {
            members.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let n = members.len();
        let out = ((n as f64 * fraction).round() as usize).clamp(1, n.saturating_sub(1));
        held.extend_from_slice(&members[..out.min(n)]);
        kept.extend_from_slice(&members[out.min(n)..]);
    }
    kept.sort_unstable();
    held.sort_unstable();
    (kept, held)
}

/// A small seeded generator: the split must be reproducible from the seed
/// alone, on every platform and across dependency upgrades.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Vec<(String, String)>, DatasetError> {
        parse_csv(Path::new("train.csv"), text)
    }

    #[test]
    fn reads_quoted_csv_fields() {
        let rows = csv("text,category\nI am still waiting on my card?,card_arrival\n\"Hi, my \"\"new\"\" card\nis late\",card_arrival\r\nwhat rate?,exchange_rate\n").unwrap();
        assert_eq!(
            rows,
            [
                ("I am still waiting on my card?".into(), "card_arrival".into()),
                ("Hi, my \"new\" card\nis late".into(), "card_arrival".into()),
                ("what rate?".into(), "exchange_rate".into()),
            ]
        );
    }

    #[test]
    fn malformed_csv_names_file_and_line() {
        let err = |text: &str| csv(text).unwrap_err().to_string();
        assert_eq!(
            err("text,category\nok,a\n\"two\nlines\",b\nno label\n"),
            "train.csv:5: expected 2 fields (text,category), found 1"
        );
        assert_eq!(
            err("text,category\nok,a\n\"never closed,b\nx,c\n"),
            "train.csv:3: quoted field is never closed"
        );
        assert_eq!(
            err("text,category\n\"quoted\" tail,a\n"),
            "train.csv:2: unexpected text after a closing quote"
        );
        assert_eq!(
            err("text,category\nsay \"hi\",a\n"),
            "train.csv:2: quote inside an unquoted field"
        );
        assert_eq!(err("text,category\n  ,a\n"), "train.csv:2: empty text or category");
        assert!(err("sentence,label\nx,y\n").starts_with("train.csv:1: expected the header"));
        assert!(err("").starts_with("train.csv:1: empty file"));
    }

    fn clinc(text: &str) -> Result<HashMap<String, Vec<(String, String)>>, DatasetError> {
        parse_clinc(Path::new("data_full.json"), text)
    }

    #[test]
    fn reads_clinc_json_splits() {
        let splits =
            clinc("{\"train\": [[\"how do i say hi in french\", \"translate\"]],\n \"oos_test\": [[\"tell a joke\", \"oos\"]]}")
                .unwrap();
        assert_eq!(
            splits["train"],
            [("how do i say hi in french".into(), "translate".into())]
        );
        assert_eq!(splits["oos_test"].len(), 1);
    }

    #[test]
    fn malformed_clinc_json_names_file_and_line() {
        let err = |text: &str| clinc(text).unwrap_err().to_string();
        let text = "{\n\"train\": [\n  [\"a\", \"x\"],\n  [\"b\"],\n  [\"c\", \"y\"]\n]}";
        assert!(
            err(text).starts_with("data_full.json:4: invalid length 1"),
            "{}",
            err(text)
        );
        let empty = "{\"train\": [\n[\"a\", \"x\"],\n[\" \", \"y\"]]}";
        assert!(
            err(empty).starts_with("data_full.json:3: empty text or intent"),
            "{}",
            err(empty)
        );
        assert!(err("{\"train\": [[\"a\", \"x\"]\n").starts_with("data_full.json:2: EOF"));
        assert!(err("{\"test\": 3}").starts_with("data_full.json:1: invalid type"));
    }

    fn examples(counts: &[usize]) -> Vec<Example> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(intent, &n)| {
                (0..n).map(move |j| Example {
                    text: format!("{intent}-{j}"),
                    intent,
                })
            })
            .collect()
    }

    #[test]
    fn split_is_stratified_and_deterministic() {
        let data = examples(&[10, 40, 3, 2, 25]);
        let (kept, held) = stratified_split(&data, 0.2, 7);
        assert_eq!((kept.clone(), held.clone()), stratified_split(&data, 0.2, 7));
        assert_ne!(
            held,
            stratified_split(&data, 0.2, 8).1,
            "the seed decides which examples"
        );
        let per_intent = |idx: &[usize]| {
            let mut n = [0usize; 5];
            idx.iter().for_each(|&i| n[data[i].intent] += 1);
            n
        };
        assert_eq!(per_intent(&held), [2, 8, 1, 1, 5]);
        assert_eq!(per_intent(&kept), [8, 32, 2, 1, 20]);
        let mut all: Vec<usize> = kept.iter().chain(&held).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..data.len()).collect::<Vec<_>>(), "a partition of the examples");
        assert!(held.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn corpus_has_one_article_per_intent() {
        let dataset = IntentDataset::new(
            "toy",
            vec![
                ("card late".into(), "card_arrival".into()),
                ("rate?".into(), "exchange_rate".into()),
                ("where is my card".into(), "card_arrival".into()),
            ],
            vec![("my card".into(), "card_arrival".into())],
        )
        .unwrap();
        let corpus = dataset.corpus(&[0, 1, 2]).unwrap();
        let ids: Vec<&str> = corpus.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["card-arrival", "exchange-rate"]);
        let questions: Vec<&String> = corpus.articles[0].all_questions().collect();
        assert_eq!(questions, ["card late", "where is my card"]);
        assert_ne!(corpus.fingerprint, dataset.corpus(&[0, 2]).unwrap().fingerprint);
        let unknown = IntentDataset::new("toy", vec![("a".into(), "x".into())], vec![("b".into(), "y".into())]);
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("intent `y` has no training example"));
    }

    #[test]
    fn clinc_folder_gives_validation_out_of_scope_and_domains() {
        let dir = tempfile::tempdir().unwrap();
        let data = r#"{
            "train": [["hi in french", "translate"], ["what's my balance", "balance"]],
            "val": [["say hi in german", "translate"]],
            "test": [["balance please", "balance"]],
            "oos_val": [["tell a joke", "oos"]],
            "oos_test": [["dow today", "oos"], ["primes below 100", "oos"]],
            "oos_train": [["ignored", "oos"]]
        }"#;
        std::fs::write(dir.path().join("data_full.json"), data).unwrap();
        std::fs::write(
            dir.path().join("domains.json"),
            r#"{"utility": ["translate"], "banking": ["balance"]}"#,
        )
        .unwrap();
        let d = DatasetKind::Clinc150.load(dir.path()).unwrap();
        assert_eq!(d.intents, ["balance", "translate"]);
        assert_eq!((d.train.len(), d.val.len(), d.test.len()), (2, 1, 1));
        assert_eq!(d.out_of_scope_val, ["tell a joke"]);
        assert_eq!(d.out_of_scope_test.len(), 2);
        assert_eq!((d.category(0), d.category(1)), ("banking", "utility"));

        let bad = r#"{"train": [["a", "x"]], "val": [["b", "unknown"]], "test": []}"#;
        std::fs::write(dir.path().join("data_full.json"), bad).unwrap();
        let err = DatasetKind::Clinc150.load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("intent `unknown` has no training example"), "{err}");
    }
}
