//! A search result's passage made readable. tantivy cuts its fragment by
//! bytes from the article's Markdown source, so it starts mid-sentence,
//! carries list markers, table pipes and bold markers, and marks every
//! matched token, down to single characters of a Chinese word. A reader of
//! the help center wants plain text from a sentence's start to a sentence's
//! end, with whole words marked.

use std::ops::Range;

use super::{merge_overlapping, Snippet};
use crate::text::{is_han, SENTENCE_ENDS};

/// How far a passage may reach back for its sentence's start, and forward
/// for its end, in bytes (about 30 Chinese or 100 Latin characters).
const REACH: usize = 100;

/// `fragment` (a slice of `body` with `highlights` relative to it) as a
/// plain-text passage from sentence start to sentence end, with its marks.
pub(crate) fn tidy(body: &str, fragment: &str, highlights: &[Range<usize>]) -> Snippet {
    let Some(at) = body.find(fragment) else {
        return Snippet {
            text: fragment.to_string(),
            highlights: highlights.to_vec(),
        };
    };
    let start = sentence_start(body, at);
    let end = sentence_end(body, at + fragment.len(), highlights.last().map_or(at, |h| at + h.end));
    let marks: Vec<Range<usize>> = highlights
        .iter()
        .map(|h| h.start + at - start..h.end + at - start)
        .collect();
    let (mut text, mut marks) = plain(&body[start..end], &marks);
    marks.retain(|m| !stray(&text[m.clone()]));
    if end < body.len() && !text.ends_with(SENTENCE_ENDS) {
        text.push('…');
    }
    if start > 0 && !after_boundary(body, start) {
        marks = marks
            .into_iter()
            .map(|m| m.start + '…'.len_utf8()..m.end + '…'.len_utf8())
            .collect();
        text.insert(0, '…');
    }
    Snippet {
        text,
        highlights: merge_overlapping(&marks),
    }
}

fn is_boundary(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';')
}

fn after_boundary(body: &str, at: usize) -> bool {
    body[..at]
        .chars()
        .next_back()
        .is_none_or(|c| is_boundary(c) || c == '.')
}

/// The start of the sentence holding `at`, if it is within reach.
fn sentence_start(body: &str, at: usize) -> usize {
    let floor = floor_char(body, at.saturating_sub(REACH));
    body[floor..at]
        .char_indices()
        .rev()
        .find(|&(i, c)| is_boundary(c) || (c == '.' && body[floor + i + 1..].starts_with(' ')))
        .map_or(if floor == 0 { 0 } else { at }, |(i, c)| floor + i + c.len_utf8())
}

/// The end of the sentence holding the last mark: the fragment's own last
/// sentence end after it, else the next one within reach.
fn sentence_end(body: &str, fragment_end: usize, last_mark: usize) -> usize {
    let ends = |from: usize, to: usize| {
        body[from..to]
            .char_indices()
            .filter(move |&(i, c)| is_boundary(c) || (c == '.' && body[from + i + 1..].starts_with([' ', '\n'])))
            .map(move |(i, c)| from + i + c.len_utf8())
    };
    let last_mark = last_mark.min(fragment_end);
    if let Some(end) = ends(last_mark, fragment_end).next_back() {
        return end;
    }
    let ceiling = ceil_char(body, (fragment_end + REACH).min(body.len()));
    ends(fragment_end, ceiling).next().unwrap_or(fragment_end)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Markdown taken out of `source`, line by line: list markers, table pipes
/// and rules, bold and code markers; lines joined by a space. `marks` are
/// carried over to the new text.
fn plain(source: &str, marks: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(source.len());
    // `to[i]`: where source byte `i` lands in `out`.
    let mut to = vec![0; source.len() + 1];
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let skip = markup_prefix(content);
        let rule = content.trim().starts_with('|') && content.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
        let mut chars = content.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            to[line_start + i] = out.len();
            if rule || i < skip || c == '`' {
                continue;
            }
            if c == '*' && chars.peek().is_some_and(|&(_, n)| n == '*') {
                if let Some((j, _)) = chars.next() {
                    to[line_start + j] = out.len();
                }
                continue;
            }
            if c == '|' {
                push_space(&mut out);
                continue;
            }
            out.push(c);
        }
        for i in content.len()..=line.len() {
            to[line_start + i] = out.len();
        }
        if line.ends_with('\n') && !rule {
            push_space(&mut out);
        }
        line_start += line.len();
    }
    to[source.len()] = out.len();
    let trimmed_start = out.len() - out.trim_start().len();
    let text = out.trim().to_string();
    let marks = marks
        .iter()
        .filter_map(|m| {
            let start = to.get(m.start)?.saturating_sub(trimmed_start);
            let end = to.get(m.end)?.saturating_sub(trimmed_start).min(text.len());
            (start < end && text.is_char_boundary(start) && text.is_char_boundary(end)).then_some(start..end)
        })
        .collect();
    (text, marks)
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Bytes of a line's list marker ("- ", "* ", "12. ") with its indentation.
fn markup_prefix(line: &str) -> usize {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let marker = if rest.starts_with(['-', '*', '+']) && rest[1..].starts_with(' ') {
        2
    } else if digits > 0 && rest[digits..].starts_with(". ") {
        digits + 2
    } else {
        0
    };
    indent + marker
}

/// A mark on one Chinese character or one letter: a piece of a word, not
/// a word the reader searched for.
fn stray(marked: &str) -> bool {
    let mut chars = marked.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_han(c) || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &Snippet) -> String {
        s.marked("[", "]")
    }

    #[test]
    fn a_passage_runs_from_sentence_to_sentence_without_markdown() {
        let body = "提币前请确认网络。\n\n- **提币手续费**按网络收取，TRC20 最便宜。\n- 到账时间视区块确认而定。";
        let fragment = "手续费**按网络收取，TRC20 最便宜。\n- 到账";
        let at = fragment.find("手续费").unwrap();
        let marks = [Range {
            start: at,
            end: at + "手续费".len(),
        }];
        let s = tidy(body, fragment, &marks);
        assert_eq!(marked(&s), "提币[手续费]按网络收取，TRC20 最便宜。");
    }

    #[test]
    fn table_rules_and_pipes_go_and_single_characters_are_not_marked() {
        let body = "| 等级 | 时间 |\n| --- | --- |\n| Lv1 | 10 分钟 |\n\n转账说明。";
        let word = body.find("等级").unwrap();
        let single = body.find("转").unwrap();
        let s = tidy(body, body, &[word..word + "等级".len(), single..single + "转".len()]);
        assert!(!s.text.contains('|') && !s.text.contains("---"), "{}", s.text);
        assert!(
            s.highlights.iter().all(|h| s.text[h.clone()].chars().count() > 1),
            "{}",
            marked(&s)
        );
        assert!(marked(&s).contains("[等级]"), "{}", marked(&s));
    }

    #[test]
    fn a_long_sentence_is_cut_with_an_ellipsis() {
        let long = "a".repeat(300);
        let body = format!("{long} withdraw {long}");
        let at = body.find("withdraw").unwrap();
        let fragment = &body[at - 20..at + 30];
        let marks = [Range { start: 20, end: 28 }];
        let s = tidy(&body, fragment, &marks);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{}", s.text);
        assert_eq!(&s.text[s.highlights[0].clone()], "withdraw");
    }
}
