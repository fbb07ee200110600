//! Text normalization: the one function that makes a user's message and an
//! article comparable.
//!
//! Users type full-width letters on Chinese keyboards (`ＵＳＤＴ`), mix
//! traditional and simplified characters (`提幣` / `提币`) and write English in
//! any case. The index and every query go through the same steps, in order:
//! Unicode NFKC (full width → half width, compatibility forms), traditional →
//! simplified Chinese, lower case, and runs of white space folded to one space.
//!
//! Normalization works one grapheme cluster at a time so that each piece of
//! normalized text can point back at the original it came from: the tokenizer
//! needs that to highlight snippets in the text the author wrote.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Normalizes `text` for matching: NFKC, traditional → simplified, lower case,
/// white space folded and trimmed.
///
/// Idempotent, total (never panics) and never turns non-blank text blank.
pub fn normalize(text: &str) -> String {
    // One pass works grapheme by grapheme, but normalization can join what
    // were separate graphemes (half-width Hangul jamo ﾡ + ￒ become conjoining
    // jamo, which compose into 교 on the next pass); repeating to a fixpoint
    // keeps the result idempotent.
    let mut out = normalize_once(text);
    for _ in 0..3 {
        let next = normalize_once(&out);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

fn normalize_once(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut grapheme = String::new();
    for g in text.graphemes(true) {
        normalize_grapheme(g, &mut grapheme);
        for c in grapheme.chars() {
            if c.is_whitespace() {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    }
    out
}

/// Normalized text that remembers where each piece came from in the original.
#[derive(Debug, Clone, Default)]
pub struct MappedText {
    /// The normalized text (white space kept, not folded, so offsets stay simple).
    pub text: String,
    /// `(normalized byte offset, original byte offset)` at each grapheme start,
    /// in increasing order.
    starts: Vec<(usize, usize)>,
    original_len: usize,
}

impl MappedText {
    /// Normalizes `original` grapheme by grapheme, keeping the offset map.
    pub fn new(original: &str) -> MappedText {
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::new();
        let mut grapheme = String::new();
        for (offset, g) in original.grapheme_indices(true) {
            normalize_grapheme(g, &mut grapheme);
            starts.push((text.len(), offset));
            text.push_str(&grapheme);
        }
        MappedText {
            text,
            starts,
            original_len: original.len(),
        }
    }

    /// The original byte offset for a normalized byte offset.
    ///
    /// Offsets inside a grapheme that normalization expanded map to the start
    /// of the original grapheme; the end of the text maps to the original end.
    pub fn original_offset(&self, normalized: usize) -> usize {
        if normalized >= self.text.len() {
            return self.original_len;
        }
        let i = self.starts.partition_point(|&(n, _)| n <= normalized);
        self.starts.get(i.wrapping_sub(1)).map_or(0, |&(_, o)| o)
    }

    /// The original byte offset for the end of a token ending at `normalized`:
    /// the start of the next original grapheme, so a highlight covers whole
    /// graphemes.
    pub fn original_end(&self, normalized: usize) -> usize {
        let i = self.starts.partition_point(|&(n, _)| n < normalized);
        self.starts.get(i).map_or(self.original_len, |&(_, o)| o)
    }
}

/// Normalizes one grapheme into `out`, repeating until nothing changes: a
/// compatibility character can decompose into a traditional one, and a
/// lower-cased letter can have a compatibility form; the fixpoint is what makes
/// [`normalize`] idempotent.
fn normalize_grapheme(grapheme: &str, out: &mut String) {
    out.clear();
    out.push_str(grapheme);
    for _ in 0..4 {
        let next: String = fast2s::convert(&out.nfkc().collect::<String>()).to_lowercase();
        if next == *out {
            return;
        }
        *out = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_width_script_case_and_space() {
        assert_eq!(normalize("  ＵＳＤＴ　提幣 \t到 TRC20  "), "usdt 提币 到 trc20");
        assert_eq!(normalize("帳號被凍結了怎麼辦"), "帐号被冻结了怎么办");
        assert_eq!(normalize("２ＦＡ驗證碼"), "2fa验证码");
    }

    #[test]
    fn regression_half_width_hangul_jamo_stay_idempotent() {
        let once = normalize("ﾡￒ");
        assert_eq!(normalize(&once), once);
    }

    #[test]
    fn mapped_text_points_back_at_the_original() {
        let original = "ＵＳＤＴ提幣";
        let mapped = MappedText::new(original);
        assert_eq!(mapped.text, "usdt提币");
        let start = mapped.text.find("提币").unwrap();
        let from = mapped.original_offset(start);
        let to = mapped.original_end(mapped.text.len());
        assert_eq!(&original[from..to], "提幣");
        assert_eq!(&original[mapped.original_offset(0)..mapped.original_end(4)], "ＵＳＤＴ");
    }

    proptest! {
        #[test]
        fn is_idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn is_idempotent_on_cjk_and_fullwidth(s in "[\\u{3000}-\\u{303F}\\u{4E00}-\\u{9FFF}\\u{FF00}-\\u{FFEF}a-zA-Z0-9 ]{0,30}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn never_empties_non_blank_text(s in any::<String>()) {
            if !s.trim().is_empty() {
                prop_assert!(!normalize(&s).is_empty());
            }
        }

        #[test]
        fn offsets_are_char_boundaries_of_the_original(s in any::<String>()) {
            let mapped = MappedText::new(&s);
            for n in 0..=mapped.text.len() {
                prop_assert!(s.is_char_boundary(mapped.original_offset(n)));
                prop_assert!(s.is_char_boundary(mapped.original_end(n)));
                prop_assert!(mapped.original_offset(n) <= mapped.original_end(n));
            }
        }
    }
}
