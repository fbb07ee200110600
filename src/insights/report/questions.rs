//! What users asked: totals and deflection, questions per day, the top
//! topics, and the questions the bot could not answer.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::super::{date, iso, Period};
use super::{share, Tally, TopicTitles, TOP};
use crate::domain::{ArticleId, AskedQuestion, Decision, HandoffReason, Millis};
use crate::store::QuestionStats;
use crate::text::normalize;

/// Question counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct QuestionTotals {
    /// Questions asked.
    pub asked: u64,
    /// Answered by the bot.
    pub answered: u64,
    /// Answered with suggestions to choose from.
    pub clarified: u64,
    /// Handed to a person.
    pub handed_off: u64,
    /// Share not handed to a person (answered or clarified), 0–1.
    pub deflection_rate: f64,
    /// Of answers users rated, the share rated helpful, 0–1; absent when
    /// none was rated.
    pub helpful_rate: Option<f64>,
    /// Small talk the bot answered (greetings, thanks, goodbyes…): not
    /// questions, so counted apart from them.
    pub small_talk: u64,
    /// The same by kind (`greeting`, `thanks`, …), most first.
    pub small_talk_by_kind: Vec<SmallTalkCount>,
}

/// How often one kind of small talk came up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SmallTalkCount {
    /// `greeting`, `thanks`, `goodbye`, `presence`, `acknowledgement`,
    /// `are_you_a_bot`, `capabilities` or `complaint`.
    pub kind: String,
    /// How many.
    pub count: u64,
}

/// One day's question counts.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayCounts {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Answered by the bot.
    pub answered: u64,
    /// Clarified.
    pub clarified: u64,
    /// Handed off.
    pub handed_off: u64,
}

/// How often an article was what users asked about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TopicCount {
    /// Article id.
    #[schema(value_type = String)]
    pub article: ArticleId,
    /// Its title (the id when it has since been removed).
    pub title: String,
    /// Its category.
    pub category: String,
    /// Questions about it.
    pub asked: u64,
    /// Of those, handed to a person.
    pub handed_off: u64,
}

/// A question the corpus does not answer well, with how often it came.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnansweredQuestion {
    /// The question, as first asked.
    pub question: String,
    /// How many times (after normalization: case, width, script).
    pub count: u64,
    /// When last asked (RFC 3339).
    pub last_asked: String,
    /// The article the bot found closest.
    #[schema(value_type = Option<String>)]
    pub nearest_article: Option<ArticleId>,
    /// Its title, in the report's language.
    pub nearest_title: Option<String>,
    /// The bot's best confidence in it.
    pub confidence: f64,
}

/// Verdicts on one article.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleHelpfulness {
    /// Article id.
    #[schema(value_type = String)]
    pub article: ArticleId,
    /// Its title.
    pub title: String,
    /// "This helped".
    pub helpful: i64,
    /// "This did not help".
    pub not_helpful: i64,
    /// helpful / (helpful + not helpful).
    pub helpful_rate: f64,
}

/// Whether a question shows a gap in the corpus: handed off for want of an
/// answer, or answered and rated unhelpful.
pub fn is_gap(q: &AskedQuestion) -> bool {
    match q.decision {
        Decision::Handoff => q.reason.is_none_or(HandoffReason::may_show_a_gap),
        Decision::Answer | Decision::Clarify => q.helpful == Some(false),
        Decision::SmallTalk => false,
    }
}

pub(super) fn totals(stats: &QuestionStats) -> QuestionTotals {
    let mut t = Tally::default();
    for c in &stats.by_day {
        t.add(c.decision, c.count);
    }
    let asked = t.answered + t.clarified + t.handed_off;
    let (rated, helpful) = (stats.rated.max(0) as u64, stats.helpful.max(0) as u64);
    QuestionTotals {
        asked,
        answered: t.answered,
        clarified: t.clarified,
        handed_off: t.handed_off,
        deflection_rate: share(asked - t.handed_off, asked),
        helpful_rate: (rated > 0).then(|| share(helpful, rated)),
        small_talk: stats.small_talk.iter().map(|(_, n)| (*n).max(0) as u64).sum(),
        small_talk_by_kind: stats
            .small_talk
            .iter()
            .map(|(kind, n)| SmallTalkCount {
                kind: kind.clone(),
                count: (*n).max(0) as u64,
            })
            .collect(),
    }
}

pub(super) fn daily(period: Period, stats: &QuestionStats) -> Vec<DayCounts> {
    let mut days: BTreeMap<Millis, Tally> = period.days().map(|d| (d, Tally::default())).collect();
    for c in &stats.by_day {
        if let Some(t) = days.get_mut(&c.day) {
            t.add(c.decision, c.count);
        }
    }
    days.into_iter()
        .map(|(day, t)| DayCounts {
            date: date(day),
            answered: t.answered,
            clarified: t.clarified,
            handed_off: t.handed_off,
        })
        .collect()
}

pub(super) fn topics(stats: &QuestionStats, titles: &TopicTitles<'_>) -> Vec<TopicCount> {
    let mut topics: Vec<TopicCount> = stats
        .topics
        .iter()
        .map(|t| {
            let topic = titles(&t.article);
            TopicCount {
                article: t.article.clone(),
                title: topic
                    .as_ref()
                    .map_or_else(|| t.article.to_string(), |x| x.title.clone()),
                category: topic.map(|x| x.category).unwrap_or_default(),
                asked: t.asked.max(0) as u64,
                handed_off: t.handed_off.max(0) as u64,
            }
        })
        .collect();
    topics.sort_by(|a, b| b.asked.cmp(&a.asked).then_with(|| a.article.cmp(&b.article)));
    topics.truncate(TOP);
    topics
}

/// One distinct gap question (after normalization): as first asked, when
/// it was asked, and the article the bot ranked first each time with its
/// confidence, oldest first.
pub(crate) struct DistinctQuestion {
    pub text: String,
    pub times: Vec<Millis>,
    pub candidates: Vec<(Option<ArticleId>, f64)>,
}

/// The questions among `questions` (oldest first) that show gaps, one per
/// normalized text: what both the unanswered list and gap mining group.
pub(crate) fn distinct_gaps(questions: &[AskedQuestion]) -> Vec<DistinctQuestion> {
    let mut by_text: HashMap<String, DistinctQuestion> = HashMap::new();
    for q in questions.iter().filter(|q| is_gap(q)) {
        let d = by_text
            .entry(normalize(&q.question))
            .or_insert_with(|| DistinctQuestion {
                text: q.question.clone(),
                times: Vec::new(),
                candidates: Vec::new(),
            });
        d.times.push(q.created_at);
        d.candidates.push((q.topic.clone(), q.confidence));
    }
    by_text.into_values().collect()
}

pub(super) fn unanswered(questions: &[AskedQuestion]) -> Vec<UnansweredQuestion> {
    let mut list: Vec<UnansweredQuestion> = distinct_gaps(questions)
        .into_iter()
        .map(|d| {
            // The most confident ranking names the nearest article (the
            // latest of equals; one without a candidate keeps the earlier).
            let (nearest_article, confidence) =
                d.candidates
                    .into_iter()
                    .fold((None, f64::MIN), |(article, best), (topic, confidence)| {
                        if confidence >= best {
                            (topic.or(article), confidence)
                        } else {
                            (article, best)
                        }
                    });
            UnansweredQuestion {
                question: d.text,
                count: d.times.len() as u64,
                last_asked: iso(d.times.iter().copied().max().unwrap_or_default()),
                nearest_article,
                nearest_title: None,
                confidence,
            }
        })
        .collect();
    list.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| b.last_asked.cmp(&a.last_asked))
            .then_with(|| a.question.cmp(&b.question))
    });
    list.truncate(TOP);
    list
}
