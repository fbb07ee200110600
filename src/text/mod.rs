//! Text analysis shared by indexing and querying: [`normalize`], segmentation
//! into [`Term`]s, the tantivy [`KefuTokenizer`] and query-side [`Synonyms`].

mod cantonese;
mod lexicon;
mod normalize;
mod segment;
mod synonyms;

pub use cantonese::to_mandarin;
pub use lexicon::{
    begins_word, contains_word, is_filler, occurrences, small_talk_phrase, squeeze, Lexicon, FINAL_PARTICLE,
};
pub use normalize::{normalize, MappedText};
pub use segment::{is_han, Cut, KefuTokenizer, Segmenter, Term};
pub use synonyms::{SynonymProblem, Synonyms};

/// True when `text` contains a Han character, i.e. the user most likely writes
/// Chinese; used to pick the language of titles and snippets.
pub fn is_chinese(text: &str) -> bool {
    text.chars().any(is_han)
}

/// The characters that end a sentence, in Chinese and in English, for
/// cutting text where a reader expects a stop.
pub const SENTENCE_ENDS: [char; 8] = ['。', '！', '？', '；', '.', '!', '?', ';'];

/// The language a message is plainly written in, so the reply follows the
/// message rather than the browser: Chinese when it has a Han character,
/// English when it has an English word. Coin, network and wallet names
/// ("usdt", "metamask"), "ok" and "hi" are typed by Chinese users too, and
/// addresses and numbers are no language at all: a message of only those
/// is `None`, and the conversation's language applies.
pub fn written_in(text: &str, entities: &Entities) -> Option<Lang> {
    if is_chinese(text) {
        return Some(Lang::Zh);
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|w| w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
        .map(str::to_ascii_lowercase)
        .filter(|w| !matches!(w.as_str(), "ok" | "okay" | "okk" | "kk" | "hi" | "ha" | "haha" | "lol"))
        .filter(|w| !entities.names().any(|n| n == w))
        .collect();
    (words.len() >= 2 || words.iter().any(|w| w.len() >= 3)).then_some(Lang::En)
}

use crate::corpus::{Corpus, CorpusError, Entities, Lang, Problem};

/// Everything needed to turn text into search terms for one corpus: the
/// segmenter with the corpus's domain dictionary and its synonym list.
#[derive(Debug, Clone)]
pub struct Analyzer {
    /// Segmenter with the corpus's user dictionary.
    pub segmenter: Segmenter,
    /// The corpus's synonym groups.
    pub synonyms: Synonyms,
}

/// Weight of a term added by synonym expansion, relative to one the user typed.
pub const SYNONYM_WEIGHT: f32 = 0.6;

impl Analyzer {
    /// Builds the analyzer from the corpus's dictionary and synonym files.
    pub fn from_corpus(corpus: &Corpus) -> Result<Analyzer, CorpusError> {
        // jieba's loader knows no comments; the corpus file allows `#` lines.
        // Entity names written in Han characters are words of their own
        // (小狐狸, 狗狗币), whatever jieba's general dictionary would make of them.
        let mut dictionary: String = corpus
            .dictionary
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| [l, "\n"])
            .collect();
        for name in corpus.entities.names() {
            let name = normalize(name);
            if name.chars().all(|c| is_chinese(c.encode_utf8(&mut [0; 4]))) {
                dictionary.push_str(&format!("{name} 20000\n"));
            }
        }
        let segmenter = Segmenter::new(&mut dictionary.as_bytes())
            .map_err(|e| CorpusError::Invalid(vec![Problem::new(corpus.root.join("dict.txt"), None, e.to_string())]))?;
        let synonyms = Synonyms::parse(&corpus.synonyms, &segmenter).map_err(|problems| {
            let path = corpus.root.join("synonyms.txt");
            CorpusError::Invalid(
                problems
                    .into_iter()
                    .map(|p| Problem::new(&path, Some(p.line), p.message))
                    .collect(),
            )
        })?;
        Ok(Analyzer { segmenter, synonyms })
    }

    /// The character n-grams of a user's question, each once.
    pub fn query_grams(&self, question: &str) -> Vec<String> {
        let mut grams: Vec<String> = Vec::new();
        for g in self.segmenter.grams(&normalize(question)) {
            if !grams.contains(&g.text) {
                grams.push(g.text);
            }
        }
        grams
    }

    /// The weighted terms of a user's question: its own terms (weight 1, each
    /// once) followed by synonym expansions (weight [`SYNONYM_WEIGHT`]).
    pub fn query_terms(&self, question: &str) -> Vec<(String, f32)> {
        let mut own: Vec<String> = Vec::new();
        for term in self.segmenter.terms(&normalize(question)) {
            if !own.contains(&term.text) {
                own.push(term.text);
            }
        }
        let extra = self.synonyms.expand(&own);
        own.into_iter()
            .map(|t| (t, 1.0))
            .chain(extra.into_iter().map(|t| (t, SYNONYM_WEIGHT)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_written_in_the_language_of_its_words() {
        let entities = Entities::default();
        assert_eq!(written_in("怎么提币 usdt", &entities), Some(Lang::Zh));
        assert_eq!(written_in("how do I withdraw", &entities), Some(Lang::En));
        assert_eq!(written_in("thx", &entities), Some(Lang::En));
        for unsure in [
            "ok",
            "hi",
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "500",
            "👍",
            "",
        ] {
            assert_eq!(written_in(unsure, &entities), None, "{unsure}");
        }
    }
}
