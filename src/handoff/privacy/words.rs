//! A message's words as the seed-phrase detector sees them: Latin words and
//! single Han characters, with everything a user puts between the words of
//! a pasted phrase set aside.
//!
//! Users paste a mnemonic however their wallet showed it or however they
//! copied it down: `1. abandon 2. ability`, `①abandon②ability`,
//! `第1个abandon 第2个ability`, one word per line, glued to the Chinese
//! around it (`我的助记词是abandon…`). Splitting on anything that is not a
//! letter would make `是abandon` and `①abandon` single tokens (Han characters
//! and circled digits are alphanumeric), so each script gets its own tokens
//! and numbering is recognized as numbering before the letters are read.

use std::sync::LazyLock;

use regex::Regex;

/// What kind of word a [`Token`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// A run of Latin letters, folded to ASCII lower case.
    Latin(String),
    /// One Han character.
    Han(char),
    /// Letters of any other script (kana, Cyrillic, accented Latin…).
    Other,
}

/// A word of the message and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    /// Byte offset of its first character in the original text.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// What it is.
    pub kind: Kind,
    /// Whether anything (space, punctuation, numbering) separates it from
    /// the token before; true for the first token.
    pub gap: bool,
}

/// Numbering that contains letters or Han characters, which would otherwise
/// read as words: `第3个`, `第十二個`, `3rd`, `third`, `No.3`.
static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"第[0-9０-９]{1,2}\s*(?:[个個位号號]?\s*(?:单词|單詞|[词詞字]\s*[:：])|[个個位号號])?",
        // With Chinese numerals only when a counter follows: 第三 alone may
        // be two words of a phrase (both are on the list); 字 and 词 only
        // before a colon, since they are on the list too (第6个字).
        r"|第[一二三四五六七八九十两兩]{1,3}(?:[个個位号號]?\s*(?:单词|單詞|[词詞字]\s*[:：])|[个個位号號])",
        r"|(?i:\b[0-9]{1,2}(?:st|nd|rd|th)\b)",
        r"|(?i:\b(?:no|nr)\s*[.#]?\s*[0-9]{1,2}\b)",
        r"|(?i:\b(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth)\b)",
    ))
    .expect("valid regex")
});

/// Full-width forms (typed with a Chinese IME in full-width mode) as their
/// ASCII letters, digits and punctuation; the ideographic space as a space.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// Whether `c` is a CJK ideograph (the blocks BIP-39's Chinese lists use,
/// and their extensions).
pub(super) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The words of `text`, in order.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let numbering: Vec<(usize, usize)> = NUMBERING.find_iter(text).map(|m| (m.start(), m.end())).collect();
    let mut numbering = numbering.into_iter().peekable();
    let mut words = Words::default();
    for (at, c) in text.char_indices() {
        while numbering.next_if(|&(_, end)| end <= at).is_some() {}
        let numbered = numbering.peek().is_some_and(|&(start, _)| start <= at);
        let folded = fold_width(c);
        if numbered {
            words.separator(at);
        } else if folded.is_ascii_alphabetic() {
            words.close_other(at);
            words
                .latin
                .get_or_insert_with(|| (at, String::new()))
                .1
                .push(folded.to_ascii_lowercase());
        } else if is_han(c) {
            words.close(at);
            words.push(at, at + c.len_utf8(), Kind::Han(c));
        } else if c.is_alphabetic() {
            words.close_latin(at);
            words.other.get_or_insert(at);
        } else {
            // Digits of any kind (①, ⑴, ❶, full width), white space,
            // punctuation and symbols.
            words.separator(at);
        }
    }
    words.close(text.len());
    words.out
}

/// The tokens so far and the Latin or other-script word being read.
#[derive(Default)]
struct Words {
    out: Vec<Token>,
    latin: Option<(usize, String)>,
    other: Option<usize>,
    /// Whether a separator came since the last token.
    gap: bool,
}

impl Words {
    fn push(&mut self, start: usize, end: usize, kind: Kind) {
        let gap = self.gap || self.out.is_empty();
        self.gap = false;
        self.out.push(Token { start, end, kind, gap });
    }

    fn close_latin(&mut self, at: usize) {
        if let Some((start, word)) = self.latin.take() {
            self.push(start, at, Kind::Latin(word));
        }
    }

    fn close_other(&mut self, at: usize) {
        if let Some(start) = self.other.take() {
            self.push(start, at, Kind::Other);
        }
    }

    fn close(&mut self, at: usize) {
        self.close_latin(at);
        self.close_other(at);
    }

    fn separator(&mut self, at: usize) {
        self.close(at);
        self.gap = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|t| match t.kind {
                Kind::Latin(w) => w,
                Kind::Han(c) => c.to_string(),
                Kind::Other => format!("<{}>", &text[t.start..t.end]),
            })
            .collect()
    }

    #[test]
    fn scripts_split_and_numbering_is_set_aside() {
        assert_eq!(
            words("我的助记词是abandon ability谢谢"),
            ["我", "的", "助", "记", "词", "是", "abandon", "ability", "谢", "谢"]
        );
        assert_eq!(
            words("①abandon ②ability ⑶able ❹about"),
            ["abandon", "ability", "able", "about"]
        );
        assert_eq!(
            words("第1个abandon 第2个ability 第十二個able"),
            ["abandon", "ability", "able"]
        );
        assert_eq!(
            words("1st: Abandon 2nd: ABILITY, third: able; No.4 about #5 above 6) absent"),
            ["abandon", "ability", "able", "about", "above", "absent"]
        );
        assert_eq!(words("ＡＢＡＮＤＯＮ　ａｂｉｌｉｔｙ"), ["abandon", "ability"]);
        assert_eq!(words("café Привет abc"), ["caf", "<é>", "<Привет>", "abc"]);
    }

    #[test]
    fn gaps_say_what_is_glued() {
        let t = tokens("的一 是1.在");
        let gaps: Vec<bool> = t.iter().map(|t| t.gap).collect();
        assert_eq!(gaps, [true, false, true, true]);
        let spans: Vec<&str> = tokenize_spans("ab，cd");
        assert_eq!(spans, ["ab", "cd"]);
    }

    fn tokenize_spans(text: &str) -> Vec<&str> {
        tokens(text).into_iter().map(|t| &text[t.start..t.end]).collect()
    }
}
