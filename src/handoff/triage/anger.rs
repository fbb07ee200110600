//! How angry a message reads, and the message without its abuse.

use super::contains_term;

const PROFANITY_ZH: &[&str] = &[
    "傻逼",
    "煞笔",
    "妈的",
    "他妈",
    "tmd",
    "操你",
    "草泥马",
    "cnm",
    "nmsl",
    "狗屎",
    "去死",
    "王八蛋",
    "混蛋",
];
const NEGATIVE_ZH: &[&str] = &[
    "垃圾",
    "骗子",
    "黑平台",
    "破平台",
    "坑人",
    "投诉",
    "报警",
    "曝光",
    "气死",
    "太差",
    "无语",
    "什么破",
    "吃相",
];
const PROFANITY_EN: &[&str] = &[
    "fuck", "fucking", "fucked", "shit", "bullshit", "wtf", "asshole", "bastard",
];
const NEGATIVE_EN: &[&str] = &[
    "useless",
    "ridiculous",
    "worst",
    "garbage",
    "pathetic",
    "furious",
    "angry",
    "unacceptable",
    "scammers",
    "lawyer",
    "sue you",
    "report you",
    "disgusting",
    "terrible",
];

/// `normalized` without its profanity and abuse ("你们这什么垃圾平台 提币三天了还不到"
/// → "你们这什么 提币三天了还不到"): the words say how the user feels, not
/// what they ask, and pull the ranking towards scam and complaint articles.
pub fn strip_abuse(normalized: &str) -> String {
    let mut out = normalized.to_string();
    let mut words: Vec<&str> = PROFANITY_ZH
        .iter()
        .chain(NEGATIVE_ZH)
        .chain(ABUSIVE_PHRASES)
        .copied()
        .collect();
    // Longest first, so "什么垃圾平台" goes whole rather than leaving "什么 平台".
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for word in words {
        if !matches!(word, "投诉" | "报警") {
            out = out.replace(word, " ");
        }
    }
    for word in PROFANITY_EN.iter().chain(NEGATIVE_EN) {
        out = out
            .split(' ')
            .filter(|w| w.trim_matches(|c: char| !c.is_alphanumeric()) != *word)
            .collect::<Vec<_>>()
            .join(" ");
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Longer abusive phrases whose words are only partly in the lists above.
const ABUSIVE_PHRASES: &[&str] = &[
    "什么垃圾平台",
    "垃圾平台",
    "什么破平台",
    "破平台",
    "黑平台",
    "骗子平台",
    "坑爹",
    "太坑了",
];

/// A score of how angry a message reads: profanity counts double, shouting
/// (runs of exclamation marks, several all-capital words) counts once.
pub(super) fn anger(raw: &str, norm: &str) -> usize {
    let count = |list: &[&str], weight: usize| list.iter().filter(|p| contains_term(norm, p)).count() * weight;
    let mut score = count(PROFANITY_ZH, 2) + count(PROFANITY_EN, 2) + count(NEGATIVE_ZH, 1) + count(NEGATIVE_EN, 1);
    if raw.contains("!!!") || raw.contains("！！") || raw.contains("!!") {
        score += 1;
    }
    let shouted = raw
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3 && w.chars().all(|c| c.is_ascii_uppercase()))
        .count();
    if shouted >= 2 {
        score += 1;
    }
    score
}
