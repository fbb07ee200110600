//! Knowledge gaps: groups of questions the bot could not answer (handed off
//! for want of an article, or answered and rated unhelpful), with the
//! article that comes closest, so the team knows what to write next.
//!
//! Questions are embedded with the answering model and grouped by
//! average-linkage agglomerative clustering on cosine similarity, cut at a
//! fixed similarity: no training, no number of groups to guess, and the
//! same questions always give the same groups. The nearest-neighbour chain
//! algorithm keeps it O(n²) in time and memory; embedding the questions is
//! most of the cost.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::report::{distinct_gaps, DistinctQuestion};
use super::{iso, Period, DAY};
use crate::domain::{ArticleId, AskedQuestion, Millis};
use crate::embed::{dot, Role};
use crate::engine::Engine;
use crate::rank::RankError;
use crate::text::{is_chinese, normalize};

/// Questions in one group more alike than this are one topic: the average
/// cosine similarity of their e5 query embeddings after subtracting the mean
/// of the corpus's similar questions in the same language. Raw e5 scores of
/// any two help-desk questions are 0.8 or more and hardly separate topics
/// (best pair F1 0.32 grouping the corpus's own questions by article);
/// centred per language, Chinese and English paraphrases meet, and 0.25
/// groups best with precision weighted (F0.5; pair precision 0.65, recall
/// 0.27), as `tests/api/gaps.rs` checks.
pub const SAME_TOPIC: f32 = 0.25;

/// At most this many distinct questions are clustered, the most asked:
/// each is embedded (about 17 ms in a release build) and the clustering
/// holds n² similarities, so a call stays within seconds and 4 MB.
const MAX_QUESTIONS: usize = 1000;

/// The mean confidence at which the nearest article covers a gap: the
/// bot is sure of it, above the answer threshold, which lets middling
/// guesses through for users to judge.
const COVERED: f64 = 0.7;

/// How many example questions a gap shows.
const EXAMPLES: usize = 8;

/// A half-life of a week for ranking by recency.
const HALF_LIFE: f64 = 7.0 * DAY as f64;

/// What to do about a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Suggestion {
    /// No article is about this: write one.
    WriteArticle,
    /// The bot mostly answers these with one article, confidently: if it
    /// does answer them, add these as its similar questions (else improve
    /// it).
    AddQuestions,
}

/// A group of unanswered questions about one topic.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Gap {
    /// Stable id (from the most typical question), for exporting a draft.
    pub id: String,
    /// Times asked, all questions together.
    pub asked: u64,
    /// Distinct questions (after normalization).
    pub distinct: usize,
    /// When last asked (RFC 3339).
    pub last_asked: String,
    /// Rank weight: each asking counts half as much per week of age.
    pub weight: f64,
    /// The most typical question first, then the most asked.
    pub questions: Vec<GapQuestion>,
    /// The closest existing article.
    #[schema(value_type = Option<String>)]
    pub nearest_article: Option<ArticleId>,
    /// Its title.
    pub nearest_title: Option<String>,
    /// The bot's mean confidence in that article for these questions.
    pub nearest_confidence: f64,
    /// What to do.
    pub suggestion: Suggestion,
    /// Every question of the group, for a draft article.
    #[serde(skip)]
    pub members: Vec<String>,
}

/// One question of a gap.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapQuestion {
    /// As first asked.
    pub text: String,
    /// Times asked.
    pub count: u64,
}

/// Options for [`find_gaps`].
#[derive(Debug, Clone, Copy)]
pub struct GapOptions {
    /// The similarity that makes one topic.
    pub same_topic: f32,
    /// Groups asked fewer times are left out (1 keeps single questions).
    pub min_asked: u64,
}

impl Default for GapOptions {
    fn default() -> GapOptions {
        GapOptions {
            same_topic: SAME_TOPIC,
            min_asked: 2,
        }
    }
}

/// The gap `id` among `gaps` as a draft article file, named by its id.
pub fn draft(engine: &Engine, gaps: Vec<Gap>, id: &str) -> Option<(String, String)> {
    let gap = gaps.into_iter().find(|g| g.id == id)?;
    let category = draft_category(engine, &gap);
    Some((format!("draft-{}.md", gap.id), draft_article(&gap, &category)))
}

/// The knowledge gaps in `questions` (the period's recorded questions),
/// biggest and most recent first. Embeds each distinct gap question once.
pub fn find_gaps(
    engine: &Engine,
    period: Period,
    questions: &[AskedQuestion],
    options: GapOptions,
) -> Result<Vec<Gap>, RankError> {
    let mut distinct = distinct_gaps(questions);
    distinct.sort_by(|a, b| b.times.len().cmp(&a.times.len()).then_with(|| a.text.cmp(&b.text)));
    distinct.truncate(MAX_QUESTIONS);

    let ranker = engine.answerer().ranker();
    let vectors: Vec<Vec<f32>> = distinct
        .iter()
        .map(|d| ranker.embedder().embed(&d.text, Role::Query))
        .collect::<Result<_, _>>()?;
    let means = [false, true].map(|zh| ranker.vectors().question_mean(zh));
    let centred: Vec<Vec<f32>> = vectors
        .iter()
        .zip(&distinct)
        .map(|(v, d)| centre_on(v, &means[usize::from(is_chinese(&d.text))]))
        .collect();
    let mut gaps: Vec<Gap> = cluster(&centred, options.same_topic)
        .into_iter()
        .map(|members| describe(engine, period, &distinct, &vectors, &members))
        .filter(|g| g.asked >= options.min_asked)
        .collect();
    gaps.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| b.asked.cmp(&a.asked))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(gaps)
}

fn describe(
    engine: &Engine,
    period: Period,
    distinct: &[DistinctQuestion],
    vectors: &[Vec<f32>],
    members: &[usize],
) -> Gap {
    let dim = vectors[members[0]].len();
    let mut centre = vec![0f32; dim];
    for &m in members {
        for (c, v) in centre.iter_mut().zip(&vectors[m]) {
            *c += v;
        }
    }
    let norm = dot(&centre, &centre).sqrt().max(f32::MIN_POSITIVE);
    centre.iter_mut().for_each(|c| *c /= norm);
    // The most typical question is the one closest to the centre.
    let typical = members
        .iter()
        .copied()
        .max_by(|&a, &b| dot(&vectors[a], &centre).total_cmp(&dot(&vectors[b], &centre)))
        .unwrap_or(members[0]);
    let mut ordered: Vec<usize> = members.iter().copied().filter(|&m| m != typical).collect();
    ordered.sort_by(|&a, &b| distinct[b].times.len().cmp(&distinct[a].times.len()));
    ordered.insert(0, typical);

    // The nearest article is the one the bot ranked first most often for
    // these questions, and the score its mean (calibrated) confidence then.
    let mut votes: HashMap<&ArticleId, (usize, f64)> = HashMap::new();
    let mut askings = 0usize;
    for &m in members {
        for (topic, confidence) in &distinct[m].candidates {
            askings += 1;
            if let Some(t) = topic {
                let v = votes.entry(t).or_default();
                v.0 += 1;
                v.1 += confidence;
            }
        }
    }
    let nearest = votes
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)))
        .map(|(id, (n, sum))| (id, n, sum / n as f64));
    let article = nearest.and_then(|(id, ..)| engine.article(id));
    let score = nearest.map_or(0.0, |(.., mean)| mean);
    // An article covers the topic when the bot mostly ranked it first and
    // was, on average, sure of it. Less than that is a guess (a middling
    // confidence often comes from shared words, like "card" in "gift card"
    // and "buy crypto with a card"), so the safer suggestion is a new
    // article.
    let covered = nearest.is_some_and(|(_, n, mean)| 2 * n >= askings && mean >= COVERED);
    let times = members.iter().flat_map(|&m| distinct[m].times.iter().copied());
    let (asked, last, weight) = times.fold((0u64, Millis::MIN, 0f64), |(n, last, w), t| {
        (
            n + 1,
            last.max(t),
            w + 0.5f64.powf((period.to - t).max(0) as f64 / HALF_LIFE),
        )
    });
    Gap {
        id: gap_id(&distinct[typical].text),
        asked,
        distinct: members.len(),
        last_asked: iso(last),
        weight,
        questions: ordered
            .iter()
            .take(EXAMPLES)
            .map(|&m| GapQuestion {
                text: distinct[m].text.clone(),
                count: distinct[m].times.len() as u64,
            })
            .collect(),
        nearest_article: article.map(|a| a.id.clone()),
        nearest_title: article.map(|a| a.title.text(lang_of(&distinct[typical].text)).to_string()),
        nearest_confidence: score,
        suggestion: if covered {
            Suggestion::AddQuestions
        } else {
            Suggestion::WriteArticle
        },
        members: ordered.iter().map(|&m| distinct[m].text.clone()).collect(),
    }
}

/// `v` minus the corpus mean, back to unit length.
fn centre_on(v: &[f32], mean: &[f32]) -> Vec<f32> {
    let mut c: Vec<f32> = v.iter().zip(mean).map(|(x, m)| x - m).collect();
    let norm = dot(&c, &c).sqrt().max(f32::MIN_POSITIVE);
    c.iter_mut().for_each(|x| *x /= norm);
    c
}

fn lang_of(text: &str) -> crate::corpus::Lang {
    if is_chinese(text) {
        crate::corpus::Lang::Zh
    } else {
        crate::corpus::Lang::En
    }
}

fn gap_id(typical: &str) -> String {
    let hash = Sha256::digest(normalize(typical).as_bytes());
    hash.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Groups unit vectors by average linkage, cut where the average
/// similarity between two groups falls below `threshold`. Each group lists
/// indices into `vectors`, ascending; groups come in order of their first
/// member.
pub fn cluster(vectors: &[Vec<f32>], threshold: f32) -> Vec<Vec<usize>> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    // Similarities between active groups; group i keeps index i of its
    // first merge partner.
    let mut sim = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = dot(&vectors[i], &vectors[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut parent: Vec<usize> = (0..n).collect();
    let mut remaining = n;
    let mut chain: Vec<usize> = Vec::new();
    while remaining > 1 {
        if chain.is_empty() {
            chain.extend((0..n).find(|&i| active[i]));
        }
        let a = *chain.last().unwrap_or(&0);
        let previous = chain.len().checked_sub(2).map(|i| chain[i]);
        // The most similar other group; the previous link wins ties, which
        // is what makes the chain end in a reciprocal pair.
        let mut best = previous;
        let mut best_sim = previous.map_or(f32::NEG_INFINITY, |p| sim[a * n + p]);
        for c in 0..n {
            if c != a && active[c] && sim[a * n + c] > best_sim {
                best = Some(c);
                best_sim = sim[a * n + c];
            }
        }
        let Some(b) = best else { break };
        if Some(b) != previous {
            chain.push(b);
            continue;
        }
        chain.truncate(chain.len() - 2);
        // Merge b into a; average linkage (Lance–Williams).
        if best_sim >= threshold {
            let root_b = find(&mut parent, b);
            let root_a = find(&mut parent, a);
            parent[root_b] = root_a;
        }
        let (sa, sb) = (size[a] as f32, size[b] as f32);
        for c in 0..n {
            if active[c] && c != a && c != b {
                let s = (sa * sim[a * n + c] + sb * sim[b * n + c]) / (sa + sb);
                sim[a * n + c] = s;
                sim[c * n + a] = s;
            }
        }
        size[a] += size[b];
        active[b] = false;
        remaining -= 1;
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// A draft article in the corpus format for a gap: the questions filled in
/// (Chinese and English apart), the title and body left for a writer, in
/// `category` (the nearest article's is a fair guess).
pub fn draft_article(gap: &Gap, category: &str) -> String {
    let (zh, en): (Vec<&String>, Vec<&String>) = gap.members.iter().partition(|q| is_chinese(q));
    let title = gap.questions.first().map_or("", |q| q.text.as_str());
    let mut out = String::new();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "id: draft-{}", gap.id);
    let _ = writeln!(out, "category: {category}");
    let _ = writeln!(out, "title:");
    for (lang, list) in [("zh", &zh), ("en", &en)] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {lang}: {}", yaml_string(&format!("TODO: {title}")));
        }
    }
    let _ = writeln!(out, "questions:");
    for (lang, list) in [("zh", &zh), ("en", &en)] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {lang}:");
            for q in list {
                let _ = writeln!(out, "    - {}", yaml_string(q));
            }
        }
    }
    let _ = writeln!(out, "---");
    let note = match (&gap.nearest_article, gap.suggestion) {
        (Some(a), Suggestion::AddQuestions) => format!(
            "The bot mostly ranked the article `{a}` first for these questions (confidence {:.2}): consider adding \
             them to its `questions` instead of publishing this draft.",
            gap.nearest_confidence
        ),
        (Some(a), Suggestion::WriteArticle) => format!(
            "The closest article is `{a}` (confidence {:.2}), which does not answer these questions.",
            gap.nearest_confidence
        ),
        (None, _) => "No article comes close to these questions.".to_string(),
    };
    let mut first = true;
    for (lang, list) in [("zh", &zh), ("en", &en)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<!-- lang: {lang} -->");
        if std::mem::take(&mut first) {
            let _ = writeln!(
                out,
                "<!-- Draft from kefu gaps: {}, asked {}, last {}. {note} Write the answer in \
                 each language, set the title and category, and rename the file to the article's id. -->",
                counted(gap.distinct as u64, "question", "questions"),
                counted(gap.asked, "time", "times"),
                gap.last_asked
            );
        }
        let _ = writeln!(out, "TODO\n");
    }
    out
}

/// "1 question", "2 questions".
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The category a draft for `gap` starts in: the nearest article's, else
/// the corpus's first.
pub fn draft_category(engine: &Engine, gap: &Gap) -> String {
    gap.nearest_article
        .as_ref()
        .and_then(|id| engine.article(id))
        .map(|a| a.category.clone())
        .or_else(|| engine.corpus().categories.first().map(|c| c.id.clone()))
        .unwrap_or_default()
}

/// A YAML double-quoted scalar.
fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn separates_tight_groups_and_leaves_outliers_alone() {
        let vectors = vec![
            unit(&[1.0, 0.05, 0.0, 0.0]),
            unit(&[0.0, 1.0, 0.02, 0.0]),
            unit(&[1.0, 0.0, 0.06, 0.0]),
            unit(&[0.0, 1.0, 0.0, 0.04]),
            unit(&[0.0, 0.0, 0.0, 1.0]),
            unit(&[1.0, 0.0, 0.0, 0.05]),
        ];
        assert_eq!(cluster(&vectors, 0.9), [vec![0, 2, 5], vec![1, 3], vec![4]]);
        assert_eq!(cluster(&vectors, 1.01).len(), 6, "nothing is that alike");
        assert_eq!(cluster(&vectors, -1.0).len(), 1, "everything is alike enough");
        assert!(cluster(&[], 0.9).is_empty());
        assert_eq!(cluster(&vectors[..1], 0.9), [vec![0]]);
    }

    #[test]
    fn average_linkage_does_not_chain() {
        // a–b and b–c are close, a–c is not: single linkage would chain all
        // three; average linkage keeps c apart at this threshold.
        let a = unit(&[1.0, 0.0]);
        let b = unit(&[0.95, 0.31]);
        let c = unit(&[0.81, 0.59]);
        assert!(dot(&a, &b) > 0.94 && dot(&b, &c) > 0.94 && dot(&a, &c) < 0.82);
        assert_eq!(cluster(&[a, b, c], 0.9).len(), 2);
    }

    #[test]
    fn drafts_are_articles_the_corpus_can_read() {
        let gap = Gap {
            id: "abc123".into(),
            asked: 3,
            distinct: 3,
            last_asked: "2026-11-29T10:00:00Z".into(),
            weight: 3.0,
            questions: vec![GapQuestion {
                text: "邀请返佣怎么算".into(),
                count: 1,
            }],
            nearest_article: Some(ArticleId::parse("fee-discount").unwrap()),
            nearest_title: None,
            nearest_confidence: 0.2,
            suggestion: Suggestion::WriteArticle,
            members: vec![
                "邀请返佣怎么算".to_string(),
                "how does the \"referral\" bonus work".to_string(),
            ],
        };
        let text = draft_article(&gap, "fees");
        let article = crate::corpus::parse_article(std::path::Path::new("draft-abc123.md"), &text, &["fees"])
            .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(article.id.to_string(), "draft-abc123");
        assert_eq!(
            article.questions.zh.as_deref(),
            Some(&["邀请返佣怎么算".to_string()][..])
        );
        assert_eq!(
            article.questions.en.as_deref(),
            Some(&["how does the \"referral\" bonus work".to_string()][..])
        );
    }
}
