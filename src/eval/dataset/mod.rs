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

use sha2::{Digest, Sha256};

use crate::corpus::{Article, Category, Corpus, Localized};
use crate::domain::ArticleId;

mod files;

use files::malformed_json;
pub use files::{parse_clinc, parse_csv};

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
