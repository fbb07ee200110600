//! The analytics report: counts and times over a period, computed from the
//! desk's records in one pass each, so it is the same on SQLite and
//! PostgreSQL and testable without a database.

mod questions;
mod tickets;

use serde::Serialize;
use utoipa::ToSchema;

use super::{iso, Period};
use crate::corpus::Lang;
use crate::domain::{ArticleId, AskedQuestion, Decision, Rating, Ticket};
use crate::engine::Engine;
use crate::store::{ArticleVerdicts, QuestionStats, Store, StoreError};
use questions::{daily, topics, totals, unanswered};
pub(crate) use questions::{distinct_gaps, DistinctQuestion};
pub use questions::{
    is_gap, ArticleHelpfulness, DayCounts, QuestionTotals, SmallTalkCount, TopicCount, UnansweredQuestion,
};
use tickets::{agents, satisfaction, ticket_totals};
pub use tickets::{AgentStats, Case, DayRatings, Durations, Ratings, Satisfaction, TicketCount, TicketTotals};

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
pub type TopicTitles<'a> = dyn Fn(&ArticleId) -> Option<Topic> + 'a;

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

impl Report {
    /// The report for `period` from what `store` recorded, article titles
    /// in `lang` from `engine`'s corpus.
    pub async fn load(store: &Store, engine: &Engine, period: Period, lang: Lang) -> Result<Report, StoreError> {
        let (stats, gap_questions, verdicts, tickets) = tokio::try_join!(
            store.question_stats(period.from, period.to, TOP as i64),
            store.gap_questions(period.from, period.to),
            store.verdicts_between(period.from, period.to),
            store.tickets_between(period.from, period.to),
        )?;
        let titles = |id: &ArticleId| {
            engine.article(id).map(|a| Topic {
                title: a.title.text(lang).to_string(),
                category: a.category.clone(),
            })
        };
        Ok(Report::build(
            period,
            &stats,
            &gap_questions,
            &verdicts,
            &tickets,
            &titles,
        ))
    }

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
        let title = |id: &ArticleId| titles(id).map_or_else(|| id.to_string(), |t| t.title);
        Report {
            from: iso(period.from),
            to: iso(period.to),
            questions: totals(stats),
            daily: daily(period, stats),
            topics: topics(stats, titles),
            unanswered: unanswered(gap_questions)
                .into_iter()
                .map(|u| UnansweredQuestion {
                    nearest_title: u.nearest_article.as_ref().map(title),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::{HandoffReason, Millis, Priority, TicketId, TicketStatus};
    use crate::insights::DAY;

    const D0: Millis = 1_764_547_200_000; // 2025-12-01T00:00:00Z

    fn q(at: Millis, text: &str, decision: Decision, reason: Option<HandoffReason>, topic: &str) -> AskedQuestion {
        AskedQuestion {
            message_id: at,
            question: text.into(),
            decision,
            reason,
            topic: Some(ArticleId::parse(topic).unwrap()),
            confidence: 0.5,
            locale: "zh".into(),
            helpful: None,
            created_at: at,
        }
    }

    fn ticket(agent: Option<&str>, status: TicketStatus, first: Option<Millis>, resolved: Option<Millis>) -> Ticket {
        Ticket {
            id: TicketId(1),
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
        let mut topics: BTreeMap<&ArticleId, (i64, i64)> = BTreeMap::new();
        for q in rows {
            *by_day
                .entry((q.created_at / DAY * DAY, q.decision.as_str()))
                .or_default() += 1;
            if let Some(t) = q.topic.as_ref() {
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
                    article: article.clone(),
                    asked,
                    handed_off,
                })
                .collect(),
            rated: rows.iter().filter(|q| q.helpful.is_some()).count() as i64,
            helpful: rows.iter().filter(|q| q.helpful == Some(true)).count() as i64,
        }
    }

    fn titles(id: &ArticleId) -> Option<Topic> {
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
            article: ArticleId::parse("withdraw").unwrap(),
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
