//! The analytics report: counts and times over a period, computed from the
//! desk's records in one pass each, so it is the same on SQLite and
//! PostgreSQL and testable without a database.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::{date, iso, percentile, Period, DAY};
use crate::answer::Decision;
use crate::domain::HandoffReason;
use crate::domain::{AskedQuestion, Millis, Rating, Ticket};
use crate::handoff::TicketStatus;
use crate::store::{ArticleVerdicts, QuestionStats};
use crate::text::normalize;

/// How many topics and unanswered questions a report lists.
pub const TOP: usize = 15;

/// An article's title and category, looked up in the live corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// Title in the reader's language.
    pub title: String,
    /// Its category.
    pub category: String,
}

/// Looks up an article id in the live corpus; `None` for articles since
/// removed.
pub type TopicTitles<'a> = dyn Fn(&str) -> Option<Topic> + 'a;

/// Analytics over one period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    /// Start of the period (RFC 3339).
    pub from: String,
    /// End of the period, excluded (RFC 3339).
    pub to: String,
    /// What users asked and what the bot did.
    pub questions: QuestionTotals,
    /// The same per UTC day, for trends.
    pub daily: Vec<DayCounts>,
    /// The most asked-about articles.
    pub topics: Vec<TopicCount>,
    /// The questions most often handed off for want of an answer, or
    /// answered unhelpfully: what the corpus is missing.
    pub unanswered: Vec<UnansweredQuestion>,
    /// Helpful and not-helpful verdicts per article, most rated first.
    pub articles: Vec<ArticleHelpfulness>,
    /// The human queue.
    pub tickets: TicketTotals,
    /// Per agent.
    pub agents: Vec<AgentStats>,
    /// How users rated their conversations with agents.
    pub satisfaction: Satisfaction,
    /// Every ticket of the period with the case's details (coin, network,
    /// address, TxID, amount), oldest first.
    pub cases: Vec<Case>,
}

/// One ticket and what the user said of the case.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Case {
    /// The ticket.
    pub ticket: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Its status now.
    pub status: String,
    /// Urgent or normal.
    pub priority: String,
    /// Why it was handed off.
    #[schema(value_type = String)]
    pub reason: HandoffReason,
    /// The article the bot thought it was about.
    pub topic: Option<String>,
    /// The agent who owns it.
    pub agent: Option<String>,
    /// Coin, network, address, TxID and amount.
    #[schema(value_type = Object)]
    pub details: crate::domain::Details,
    /// How the user rated the conversation with the agent (1–5).
    pub rating: Option<u8>,
    /// What they added to the rating.
    pub rating_comment: Option<String>,
}

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
    pub article: String,
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
    pub nearest_article: Option<String>,
    /// Its title, in the report's language.
    pub nearest_title: Option<String>,
    /// The bot's best confidence in it.
    pub confidence: f64,
}

/// Verdicts on one article.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleHelpfulness {
    /// Article id.
    pub article: String,
    /// Its title.
    pub title: String,
    /// "This helped".
    pub helpful: i64,
    /// "This did not help".
    pub not_helpful: i64,
    /// helpful / (helpful + not helpful).
    pub helpful_rate: f64,
}

/// Tickets created in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct TicketTotals {
    /// Tickets created.
    pub created: u64,
    /// By priority and current status.
    pub by_status: Vec<TicketCount>,
    /// From handoff to the first agent reply.
    pub first_reply: Durations,
    /// From handoff to resolution.
    pub resolution: Durations,
}

/// Tickets of one priority in one status.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TicketCount {
    /// `urgent` or `normal`.
    pub priority: &'static str,
    /// Current status.
    pub status: &'static str,
    /// How many.
    pub count: u64,
}

/// A distribution of waiting times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Durations {
    /// How many tickets got there.
    pub count: u64,
    /// Median, in seconds.
    pub median_seconds: Option<f64>,
    /// 90th percentile, in seconds.
    pub p90_seconds: Option<f64>,
}

/// Users' ratings (1–5) of conversations agents resolved, on tickets
/// created in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Satisfaction {
    /// The ratings.
    pub ratings: Ratings,
    /// The same per UTC day of rating.
    pub daily: Vec<DayRatings>,
}

/// A set of ratings summed up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Ratings {
    /// How many.
    pub rated: u64,
    /// Their mean, 1 to 5.
    pub average: Option<f64>,
    /// CSAT: the share rated 4 or 5.
    pub csat: Option<f64>,
}

impl Ratings {
    fn of(ratings: impl IntoIterator<Item = Rating>) -> Ratings {
        let (mut rated, mut sum, mut satisfied) = (0u64, 0u64, 0u64);
        for r in ratings {
            rated += 1;
            sum += u64::from(r.stars());
            satisfied += u64::from(r.satisfied());
        }
        Ratings {
            rated,
            average: (rated > 0).then(|| sum as f64 / rated as f64),
            csat: (rated > 0).then(|| share(satisfied, rated)),
        }
    }
}

/// One day's ratings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayRatings {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The ratings given that day.
    #[serde(flatten)]
    pub ratings: Ratings,
}

/// One agent's tickets created in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentStats {
    /// The agent.
    pub agent: String,
    /// Tickets they own or owned.
    pub tickets: u64,
    /// Of those, resolved.
    pub resolved: u64,
    /// Handoff to their first reply.
    pub first_reply: Durations,
    /// Handoff to resolution.
    pub resolution: Durations,
    /// How users rated their conversations.
    pub satisfaction: Ratings,
}

impl Report {
    /// Computes the report for `period` from the question counts, the
    /// questions that may show gaps, verdicts per article and the tickets.
    pub fn build(
        period: Period,
        stats: &QuestionStats,
        gap_questions: &[AskedQuestion],
        verdicts: &[ArticleVerdicts],
        tickets: &[Ticket],
        titles: &TopicTitles<'_>,
    ) -> Report {
        let title = |id: &str| titles(id).map_or_else(|| id.to_string(), |t| t.title);
        Report {
            from: iso(period.from),
            to: iso(period.to),
            questions: totals(stats),
            daily: daily(period, stats),
            topics: topics(stats, titles),
            unanswered: unanswered(gap_questions)
                .into_iter()
                .map(|u| UnansweredQuestion {
                    nearest_title: u.nearest_article.as_deref().map(title),
                    ..u
                })
                .collect(),
            articles: verdicts
                .iter()
                .map(|v| ArticleHelpfulness {
                    article: v.article.clone(),
                    title: title(&v.article),
                    helpful: v.helpful,
                    not_helpful: v.not_helpful,
                    helpful_rate: share(v.helpful as u64, (v.helpful + v.not_helpful) as u64),
                })
                .collect(),
            tickets: ticket_totals(tickets),
            agents: agents(tickets),
            satisfaction: satisfaction(period, tickets),
            cases: tickets
                .iter()
                .map(|t| Case {
                    ticket: t.id,
                    created_at: iso(t.created_at),
                    status: t.status.as_str().to_string(),
                    priority: t.priority.as_str().to_string(),
                    reason: t.reason,
                    topic: t.topic.clone(),
                    agent: t.agent.clone(),
                    details: t.details.clone(),
                    rating: t.rating.map(Rating::stars),
                    rating_comment: t.rating_comment.clone(),
                })
                .collect(),
        }
    }
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

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[derive(Default)]
struct Tally {
    answered: u64,
    clarified: u64,
    handed_off: u64,
}

impl Tally {
    fn add(&mut self, d: Decision, n: i64) {
        let n = n.max(0) as u64;
        match d {
            Decision::Answer => self.answered += n,
            Decision::Clarify => self.clarified += n,
            Decision::Handoff => self.handed_off += n,
            // Never recorded as a question.
            Decision::SmallTalk => {}
        }
    }
}

fn totals(stats: &QuestionStats) -> QuestionTotals {
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

fn daily(period: Period, stats: &QuestionStats) -> Vec<DayCounts> {
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

fn topics(stats: &QuestionStats, titles: &TopicTitles<'_>) -> Vec<TopicCount> {
    let mut topics: Vec<TopicCount> = stats
        .topics
        .iter()
        .map(|t| {
            let topic = titles(&t.article);
            TopicCount {
                article: t.article.clone(),
                title: topic.as_ref().map_or_else(|| t.article.clone(), |x| x.title.clone()),
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
    pub candidates: Vec<(Option<String>, f64)>,
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

fn unanswered(questions: &[AskedQuestion]) -> Vec<UnansweredQuestion> {
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

fn durations(mut waits: Vec<Millis>) -> Durations {
    waits.sort_unstable();
    let seconds = |p| percentile(&waits, p).map(|ms| ms as f64 / 1000.0);
    Durations {
        count: waits.len() as u64,
        median_seconds: seconds(50),
        p90_seconds: seconds(90),
    }
}

fn first_reply_waits<'a>(tickets: impl Iterator<Item = &'a Ticket>) -> (Vec<Millis>, Vec<Millis>) {
    let mut first = Vec::new();
    let mut resolved = Vec::new();
    for t in tickets {
        if let Some(at) = t.first_reply_at {
            first.push((at - t.created_at).max(0));
        }
        if let (Some(at), TicketStatus::Resolved) = (t.resolved_at, t.status) {
            resolved.push((at - t.created_at).max(0));
        }
    }
    (first, resolved)
}

fn ticket_totals(tickets: &[Ticket]) -> TicketTotals {
    let mut by: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
    for t in tickets {
        *by.entry((t.priority.as_str(), t.status.as_str())).or_default() += 1;
    }
    let (first, resolved) = first_reply_waits(tickets.iter());
    TicketTotals {
        created: tickets.len() as u64,
        by_status: by
            .into_iter()
            .map(|((priority, status), count)| TicketCount {
                priority,
                status,
                count,
            })
            .collect(),
        first_reply: durations(first),
        resolution: durations(resolved),
    }
}

fn satisfaction(period: Period, tickets: &[Ticket]) -> Satisfaction {
    let mut days: BTreeMap<Millis, Vec<Rating>> = period.days().map(|d| (d, Vec::new())).collect();
    for t in tickets {
        if let (Some(rating), Some(at)) = (t.rating, t.rated_at) {
            if let Some(day) = days.get_mut(&(at.div_euclid(DAY) * DAY)) {
                day.push(rating);
            }
        }
    }
    Satisfaction {
        ratings: Ratings::of(tickets.iter().filter_map(|t| t.rating)),
        daily: days
            .into_iter()
            .map(|(day, ratings)| DayRatings {
                date: date(day),
                ratings: Ratings::of(ratings),
            })
            .collect(),
    }
}

fn agents(tickets: &[Ticket]) -> Vec<AgentStats> {
    let mut by: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        if let Some(agent) = t.agent.as_deref() {
            by.entry(agent).or_default().push(t);
        }
    }
    by.into_iter()
        .map(|(agent, owned)| {
            let (first, resolved) = first_reply_waits(owned.iter().copied());
            AgentStats {
                agent: agent.to_string(),
                tickets: owned.len() as u64,
                resolved: resolved.len() as u64,
                first_reply: durations(first),
                resolution: durations(resolved),
                satisfaction: Ratings::of(owned.iter().filter_map(|t| t.rating)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::Priority;
    use crate::insights::DAY;

    const D0: Millis = 1_764_547_200_000; // 2025-12-01T00:00:00Z

    fn q(at: Millis, text: &str, decision: Decision, reason: Option<HandoffReason>, topic: &str) -> AskedQuestion {
        AskedQuestion {
            message_id: at,
            question: text.into(),
            decision,
            reason,
            topic: Some(topic.to_string()),
            confidence: 0.5,
            locale: "zh".into(),
            helpful: None,
            created_at: at,
        }
    }

    fn ticket(agent: Option<&str>, status: TicketStatus, first: Option<Millis>, resolved: Option<Millis>) -> Ticket {
        Ticket {
            id: 1,
            session_id: "s".into(),
            status,
            priority: Priority::Normal,
            reason: HandoffReason::LowConfidence,
            topic: None,
            confidence: 0.1,
            channel: "widget".into(),
            agent: agent.map(str::to_string),
            created_at: D0,
            updated_at: D0,
            assigned_at: None,
            first_reply_at: first.map(|s| D0 + s * 1000),
            resolved_at: resolved.map(|s| D0 + s * 1000),
            reopened_at: None,
            contact_email: None,
            locale: None,
            secret_shared: false,
            details: Default::default(),
            question: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
        }
    }

    /// What the database would count of `rows` (`Store::question_stats`).
    fn stats(rows: &[AskedQuestion]) -> QuestionStats {
        let mut by_day: BTreeMap<(Millis, &'static str), i64> = BTreeMap::new();
        let mut topics: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for q in rows {
            *by_day
                .entry((q.created_at / DAY * DAY, q.decision.as_str()))
                .or_default() += 1;
            if let Some(t) = q.topic.as_deref() {
                let e = topics.entry(t).or_default();
                e.0 += 1;
                e.1 += i64::from(q.decision == Decision::Handoff);
            }
        }
        QuestionStats {
            small_talk: Vec::new(),
            by_day: by_day
                .into_iter()
                .map(|((day, d), count)| crate::store::DecisionCount {
                    day,
                    decision: Decision::parse(d).unwrap(),
                    count,
                })
                .collect(),
            topics: topics
                .into_iter()
                .map(|(article, (asked, handed_off))| crate::store::TopicTally {
                    article: article.into(),
                    asked,
                    handed_off,
                })
                .collect(),
            rated: rows.iter().filter(|q| q.helpful.is_some()).count() as i64,
            helpful: rows.iter().filter(|q| q.helpful == Some(true)).count() as i64,
        }
    }

    fn titles(id: &str) -> Option<Topic> {
        (id == "withdraw").then(|| Topic {
            title: "提币".into(),
            category: "wallet".into(),
        })
    }

    #[test]
    fn counts_rates_and_days() {
        let period = Period {
            from: D0,
            to: D0 + 2 * DAY,
        };
        let mut qs = vec![
            q(D0 + 1, "怎么提币", Decision::Answer, None, "withdraw"),
            q(D0 + 2, "怎么提幣", Decision::Answer, None, "withdraw"),
            q(D0 + 3, "提现多久到账", Decision::Clarify, None, "withdraw"),
            q(
                D0 + DAY + 1,
                "NFT 能退款吗",
                Decision::Handoff,
                Some(HandoffReason::LowConfidence),
                "refund",
            ),
            q(
                D0 + DAY + 2,
                "nft 能退款吗",
                Decision::Handoff,
                Some(HandoffReason::NoMatch),
                "refund",
            ),
            q(
                D0 + DAY + 3,
                "转人工",
                Decision::Handoff,
                Some(HandoffReason::AskedForPerson),
                "refund",
            ),
        ];
        qs[0].helpful = Some(true);
        qs[1].helpful = Some(false);
        let verdicts = [ArticleVerdicts {
            article: "withdraw".into(),
            helpful: 3,
            not_helpful: 1,
        }];
        let gap_rows: Vec<AskedQuestion> = qs
            .iter()
            .filter(|q| q.decision == Decision::Handoff || q.helpful == Some(false))
            .cloned()
            .collect();
        let r = Report::build(period, &stats(&qs), &gap_rows, &verdicts, &[], &titles);
        assert_eq!(
            (
                r.questions.asked,
                r.questions.answered,
                r.questions.clarified,
                r.questions.handed_off
            ),
            (6, 2, 1, 3)
        );
        assert_eq!(r.questions.deflection_rate, 0.5);
        assert_eq!(r.questions.helpful_rate, Some(0.5));
        assert_eq!(r.daily.len(), 2);
        assert_eq!(
            (r.daily[0].answered, r.daily[0].clarified, r.daily[0].handed_off),
            (2, 1, 0)
        );
        assert_eq!(r.daily[1].handed_off, 3);
        assert_eq!(r.topics[0].article, "refund");
        assert_eq!((r.topics[0].asked, r.topics[0].handed_off), (3, 3));
        assert_eq!(
            (r.topics[1].title.as_str(), r.topics[1].category.as_str()),
            ("提币", "wallet")
        );
        assert_eq!(r.topics[0].title, "refund", "a removed article shows its id");
        // The two NFT questions normalize alike; asking for a person and a
        // helpful answer are not gaps, an unhelpful one is.
        let gaps: Vec<(&str, u64)> = r.unanswered.iter().map(|u| (u.question.as_str(), u.count)).collect();
        assert_eq!(gaps, [("NFT 能退款吗", 2), ("怎么提幣", 1)]);
        assert_eq!(r.articles[0].helpful_rate, 0.75);
    }

    #[test]
    fn ticket_times_per_agent() {
        let tickets = [
            ticket(Some("alice"), TicketStatus::Resolved, Some(60), Some(600)),
            ticket(Some("alice"), TicketStatus::Assigned, Some(120), None),
            ticket(Some("bob"), TicketStatus::Resolved, Some(30), Some(300)),
            ticket(None, TicketStatus::Pending, None, None),
        ];
        let period = Period { from: D0, to: D0 + DAY };
        let r = Report::build(period, &QuestionStats::default(), &[], &[], &tickets, &titles);
        assert_eq!(r.tickets.created, 4);
        assert_eq!(r.tickets.first_reply.count, 3);
        assert_eq!(r.tickets.first_reply.median_seconds, Some(60.0));
        assert_eq!(r.tickets.first_reply.p90_seconds, Some(120.0));
        assert_eq!(r.tickets.resolution.median_seconds, Some(300.0));
        let alice = &r.agents[0];
        assert_eq!((alice.agent.as_str(), alice.tickets, alice.resolved), ("alice", 2, 1));
        assert_eq!(alice.resolution.median_seconds, Some(600.0));
        assert_eq!(r.agents[1].first_reply.median_seconds, Some(30.0));
        let pending: u64 = r
            .tickets
            .by_status
            .iter()
            .filter(|c| c.status == "pending")
            .map(|c| c.count)
            .sum();
        assert_eq!(pending, 1);
        assert_eq!(
            r.questions.deflection_rate, 0.0,
            "no questions is no deflection, not NaN"
        );
    }
}
