//! Segmentation: normalized text → search terms.
//!
//! Chinese has no spaces, so runs of Han characters go to jieba in search mode,
//! which emits overlapping sub-words (`谷歌验证器` → `谷歌`, `验证`, `验证器`,
//! `谷歌验证器`): a user who types only `验证器` still matches. Everything else
//! is split into Unicode words (UAX #29), so `trc20`, `2fa` and `e-mail` come
//! out as users type them. English words are stemmed (`withdrawals` →
//! `withdraw`) and filler words of both languages are dropped.
//!
//! One [`Segmenter`] holds the jieba dictionary (about 30 MB) behind an `Arc`;
//! tantivy clones tokenizers on every use, so [`KefuTokenizer`] must stay a
//! pointer, never a copy of the dictionary.

use std::collections::HashSet;
use std::io::BufRead;
use std::ops::Range;
use std::sync::Arc;

use frostem::{Algorithm, Stemmer};
use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_segmentation::UnicodeSegmentation;

use super::normalize::MappedText;

/// Words too common in questions to tell articles apart.
const STOP_WORDS: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "嘛",
    "哦",
    "么",
    "我",
    "我的",
    "你",
    "你们",
    "是",
    "在",
    "有",
    "和",
    "与",
    "就",
    "都",
    "也",
    "还",
    "要",
    "能",
    "会",
    "可以",
    "怎么",
    "怎么办",
    "怎样",
    "如何",
    "什么",
    "请问",
    "一下",
    "这个",
    "那个",
    "为什么",
    "a",
    "an",
    "the",
    "i",
    "my",
    "me",
    "is",
    "are",
    "am",
    "be",
    "do",
    "does",
    "did",
    "to",
    "of",
    "in",
    "on",
    "for",
    "it",
    "and",
    "or",
    "how",
    "what",
    "can",
    "could",
    "please",
    "you",
    "your",
    "with",
    "at",
    "this",
    "that",
    "there",
    "why",
    "im",
    "i'm",
    "so",
    "just",
    "到",
    "把",
    "被",
    "给",
    "让",
    "从",
    "对",
    "个",
];

/// A term with its place in the normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The term as indexed: normalized, stemmed when Latin.
    pub text: String,
    /// Byte range in the normalized text.
    pub span: Range<usize>,
}

/// Turns normalized text into terms. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Segmenter {
    inner: Arc<Inner>,
}

struct Inner {
    jieba: Jieba,
    stop_words: HashSet<&'static str>,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Segmenter")
    }
}

impl Segmenter {
    /// A segmenter with jieba's built-in dictionary plus the domain words in
    /// `user_dict` (jieba's format: `word [freq] [tag]` per line).
    pub fn new(user_dict: &mut impl BufRead) -> Result<Segmenter, jieba_rs::Error> {
        let mut jieba = Jieba::new();
        jieba.load_dict(user_dict)?;
        Ok(Segmenter {
            inner: Arc::new(Inner {
                jieba,
                stop_words: STOP_WORDS.iter().copied().collect(),
                stemmer: Stemmer::new(Algorithm::English),
            }),
        })
    }

    /// The terms of already-normalized `text`, stop words removed.
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let mut terms = Vec::new();
        for (run, is_han) in script_runs(text) {
            let base = run.start;
            let run_text = &text[run];
            if is_han {
                for t in self.inner.jieba.cut_for_search(run_text, true) {
                    self.push(&mut terms, t.word.to_string(), base + t.byte_start..base + t.byte_end);
                }
            } else {
                self.push_words(&mut terms, run_text, base);
            }
        }
        terms
    }

    /// Character n-grams of already-normalized `text`: every Han character and
    /// pair of adjacent Han characters, plus the Latin words as [`terms`]
    /// gives them. They catch what word segmentation misses: variants
    /// (`丢了` / `丢失`), typos and words jieba splits differently in the
    /// question and in the article.
    ///
    /// [`terms`]: Segmenter::terms
    pub fn grams(&self, text: &str) -> Vec<Term> {
        let mut terms = Vec::new();
        for (run, is_han) in script_runs(text) {
            let base = run.start;
            let run_text = &text[run];
            if is_han {
                let chars: Vec<(usize, char)> = run_text.char_indices().collect();
                for (i, &(offset, c)) in chars.iter().enumerate() {
                    let end = offset + c.len_utf8();
                    self.push(&mut terms, c.to_string(), base + offset..base + end);
                    if let Some(&(next_offset, next)) = chars.get(i + 1) {
                        let pair_end = next_offset + next.len_utf8();
                        terms.push(Term {
                            text: run_text[offset..pair_end].to_string(),
                            span: base + offset..base + pair_end,
                        });
                    }
                }
            } else {
                self.push_words(&mut terms, run_text, base);
            }
        }
        terms
    }

    /// Pushes the stemmed Unicode words of a non-Han run starting at `base`.
    fn push_words(&self, terms: &mut Vec<Term>, run_text: &str, base: usize) {
        for (offset, word) in run_text.unicode_word_indices() {
            let stemmed = self.inner.stemmer.stem(word).into_owned();
            self.push(terms, stemmed, base + offset..base + offset + word.len());
        }
    }

    fn push(&self, terms: &mut Vec<Term>, text: String, span: Range<usize>) {
        if !self.inner.stop_words.contains(text.as_str()) {
            terms.push(Term { text, span });
        }
    }
}

/// Splits text into maximal runs of Han and of non-Han characters.
fn script_runs(text: &str) -> Vec<(Range<usize>, bool)> {
    let mut runs: Vec<(Range<usize>, bool)> = Vec::new();
    for (i, c) in text.char_indices() {
        let han = is_han(c);
        match runs.last_mut() {
            Some((range, h)) if *h == han => range.end = i + c.len_utf8(),
            _ => runs.push((i..i + c.len_utf8(), han)),
        }
    }
    runs
}

/// Whether `c` is a Han character (CJK ideographs and their extensions).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x30000..=0x323AF)
}

/// How a [`KefuTokenizer`] cuts text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Words, by [`Segmenter::terms`].
    Words,
    /// Character n-grams, by [`Segmenter::grams`].
    Grams,
}

/// The tantivy tokenizer: normalizes, segments, and reports offsets in the
/// original text so snippets highlight what the author wrote.
#[derive(Clone, Debug)]
pub struct KefuTokenizer {
    segmenter: Segmenter,
    cut: Cut,
}

impl KefuTokenizer {
    /// The name the index registers the word tokenizer under.
    pub const NAME: &'static str = "kefu";
    /// The name the index registers the n-gram tokenizer under.
    pub const GRAMS: &'static str = "kefu_grams";

    /// A tokenizer sharing `segmenter`'s dictionary.
    pub fn new(segmenter: Segmenter, cut: Cut) -> KefuTokenizer {
        KefuTokenizer { segmenter, cut }
    }
}

/// Tokens computed up front; a help-center text is short.
pub struct KefuTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for KefuTokenizer {
    type TokenStream<'a> = KefuTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KefuTokenStream {
        let mapped = MappedText::new(text);
        let mut terms = match self.cut {
            Cut::Words => self.segmenter.terms(&mapped.text),
            Cut::Grams => self.segmenter.grams(&mapped.text),
        };
        // jieba's search mode emits a word's sub-words before the word itself;
        // tantivy's snippet code needs tokens in offset order.
        terms.sort_by_key(|t| (t.span.start, t.span.end));
        let tokens = terms
            .into_iter()
            .enumerate()
            .map(|(position, term)| Token {
                offset_from: mapped.original_offset(term.span.start),
                offset_to: mapped.original_end(term.span.end),
                position,
                text: term.text,
                position_length: 1,
            })
            .collect();
        KefuTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for KefuTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn segmenter(dict: &str) -> Segmenter {
        Segmenter::new(&mut dict.as_bytes()).unwrap()
    }

    fn terms(s: &Segmenter, text: &str) -> Vec<String> {
        s.terms(&normalize(text)).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn user_dictionary_keeps_domain_words_whole() {
        let plain = segmenter("");
        assert!(!terms(&plain, "谷歌验证器").contains(&"谷歌验证器".to_string()));
        let domain = segmenter("谷歌验证器 20000 n\n");
        let t = terms(&domain, "谷歌验证器丢了");
        assert!(t.contains(&"谷歌验证器".to_string()), "{t:?}");
        assert!(t.contains(&"验证".to_string()), "search mode keeps sub-words: {t:?}");
    }

    #[test]
    fn mixed_text_splits_by_script_and_stems_english() {
        let s = segmenter("");
        assert_eq!(terms(&s, "USDT怎么提到TRC20"), ["usdt", "提到", "trc20"]);
        assert_eq!(
            terms(&s, "How do I reset my 2FA? Withdrawals pending"),
            ["reset", "2fa", "withdraw", "pend"]
        );
    }

    #[test]
    fn tokenizer_offsets_point_into_the_original_text() {
        let mut tokenizer = KefuTokenizer::new(segmenter(""), Cut::Words);
        let text = "ＵＳＤＴ提幣到帳";
        let mut stream = tokenizer.token_stream(text);
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push((token.text.clone(), text[token.offset_from..token.offset_to].to_string()));
        }
        assert_eq!(seen[0], ("usdt".to_string(), "ＵＳＤＴ".to_string()));
        assert!(seen.iter().any(|(t, o)| t == "提币" && o == "提幣"), "{seen:?}");
    }

    #[test]
    fn grams_are_han_unigrams_and_bigrams_plus_words() {
        let s = segmenter("");
        let grams: Vec<String> = s.grams(&normalize("丢了2FA")).into_iter().map(|t| t.text).collect();
        assert_eq!(grams, ["丢", "丢了", "2fa"]);
    }

    #[test]
    fn tokens_come_in_offset_order_for_snippets() {
        let mut tokenizer = KefuTokenizer::new(segmenter("谷歌验证器 20000 n\n"), Cut::Words);
        let mut stream = tokenizer.token_stream("请先绑定谷歌验证器再提币");
        let mut last = 0;
        while let Some(token) = stream.next() {
            assert!(token.offset_from >= last, "{} at {}", token.text, token.offset_from);
            last = token.offset_from;
        }
    }

    proptest::proptest! {
        /// Every term's span lies on character boundaries of the text it came
        /// from, whatever the user typed.
        #[test]
        fn term_spans_are_char_boundaries(text in proptest::prelude::any::<String>()) {
            static SEGMENTER: std::sync::OnceLock<Segmenter> = std::sync::OnceLock::new();
            let s = SEGMENTER.get_or_init(|| segmenter("提币 5 n\n"));
            let normalized = normalize(&text);
            for term in s.terms(&normalized).into_iter().chain(s.grams(&normalized)) {
                proptest::prop_assert!(term.span.end <= normalized.len());
                proptest::prop_assert!(normalized.is_char_boundary(term.span.start));
                proptest::prop_assert!(normalized.is_char_boundary(term.span.end));
            }
        }
    }
}
