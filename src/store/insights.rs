//! What analytics and knowledge-gap mining read: the recorded questions,
//! feedback per article and tickets over a time range.

use super::rows::{decision, ticket_from, QuestionRow, TICKET_COLUMNS};
use super::{placeholders, Conn, Result, Store};
use crate::domain::{ArticleId, AskedQuestion, Decision, HandoffReason, Millis, NewQuestion, Ticket};

/// The latest verdict (1 helpful, 0 not, NULL none) on question `q`'s reply.
const LATEST_VERDICT: &str =
    "(SELECT f.helpful FROM feedback f WHERE f.message_id = q.message_id ORDER BY f.id DESC LIMIT 1)";

/// What analytics counts of the questions of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionStats {
    /// Questions per UTC day and decision.
    pub by_day: Vec<DecisionCount>,
    /// The most asked-about articles, most first.
    pub topics: Vec<TopicTally>,
    /// Replies the users rated.
    pub rated: i64,
    /// Of those, rated helpful.
    pub helpful: i64,
    /// Small talk answered, by intent (greeting, thanks…), most first: not
    /// questions, so neither deflection nor a gap.
    pub small_talk: Vec<(String, i64)>,
}

/// Questions of one day with one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionCount {
    /// The day's first millisecond (UTC).
    pub day: Millis,
    /// What the bot did.
    pub decision: Decision,
    /// How many.
    pub count: i64,
}

/// How often an article was what users asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicTally {
    /// The article.
    pub article: ArticleId,
    /// Questions about it.
    pub asked: i64,
    /// Of those, handed off.
    pub handed_off: i64,
}

/// Helpful and not-helpful verdicts on one article's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVerdicts {
    /// The article.
    pub article: ArticleId,
    /// "This helped".
    pub helpful: i64,
    /// "This did not help".
    pub not_helpful: i64,
}

/// Records the `(session, bot reply, question)` triples in one statement.
pub(super) async fn insert_questions(
    conn: &mut Conn,
    questions: &[(&str, i64, &NewQuestion)],
    now: Millis,
) -> Result<()> {
    if questions.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO questions (session_id, message_id, question, decision, reason, topic, confidence, locale, created_at)
         VALUES {}",
        placeholders(conn, questions.len(), 9)
    );
    let mut insert = sqlx::query(&sql);
    for (session, reply, q) in questions {
        insert = insert
            .bind(*session)
            .bind(*reply)
            .bind(&q.question)
            .bind(q.decision.as_str())
            .bind(q.reason.map(HandoffReason::as_str))
            .bind(q.topic.as_ref().map(|t| t.as_str().to_string()))
            .bind(q.confidence)
            .bind(q.locale)
            .bind(now);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

/// Records answered small talk: `(session, intent, locale)`.
pub(super) async fn insert_small_talk(conn: &mut Conn, rows: &[(&str, &str, &str)], now: Millis) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO small_talk (session_id, intent, locale, created_at) VALUES {}",
        placeholders(conn, rows.len(), 4)
    );
    let mut insert = sqlx::query(&sql);
    for (session, intent, locale) in rows {
        insert = insert.bind(*session).bind(*intent).bind(*locale).bind(now);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Question counts over `[from, to)`, aggregated by the database so a
    /// long range of a busy desk is not read row by row: per UTC day and
    /// decision, the `top` most asked-about articles, and the verdicts.
    pub async fn question_stats(&self, from: Millis, to: Millis, top: i64) -> Result<QuestionStats> {
        let by_day = sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT created_at / 86400000 AS day, decision, COUNT(*) AS n FROM questions
             WHERE created_at >= $1 AND created_at < $2 GROUP BY created_at / 86400000, decision",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let topics = sqlx::query_as::<_, (String, i64, Option<i64>)>(
            "SELECT topic, COUNT(*) AS n, CAST(SUM(CASE WHEN decision = 'handoff' THEN 1 ELSE 0 END) AS BIGINT) AS h
             FROM questions WHERE created_at >= $1 AND created_at < $2 AND topic IS NOT NULL
             GROUP BY topic ORDER BY n DESC, topic LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(top)
        .fetch_all(&self.pool)
        .await?;
        // The latest verdict on each answer counts, as a user may change
        // their mind.
        let (rated, helpful) = sqlx::query_as::<_, (i64, Option<i64>)>(&format!(
            "SELECT COUNT(helpful) AS rated, CAST(SUM(helpful) AS BIGINT) AS helpful
             FROM (SELECT {LATEST_VERDICT} AS helpful FROM questions q WHERE q.created_at >= $1 AND q.created_at < $2) v"
        ))
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let small_talk = sqlx::query_as::<_, (String, i64)>(
            "SELECT intent, COUNT(*) AS n FROM small_talk WHERE created_at >= $1 AND created_at < $2
             GROUP BY intent ORDER BY n DESC, intent",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(QuestionStats {
            small_talk,
            by_day: by_day
                .into_iter()
                .map(|(day, d, count)| {
                    Ok(DecisionCount {
                        day: day * 86_400_000,
                        decision: decision(&d)?,
                        count,
                    })
                })
                .collect::<Result<_>>()?,
            topics: topics
                .into_iter()
                .map(|(article, asked, handed_off)| TopicTally {
                    article: ArticleId::known(&article),
                    asked,
                    handed_off: handed_off.unwrap_or(0),
                })
                .collect(),
            rated,
            helpful: helpful.unwrap_or(0),
        })
    }

    /// The questions of `[from, to)` that may show a gap in the corpus,
    /// oldest first: every handoff and every answer whose latest verdict is
    /// "not helpful" (the caller keeps those handoffs that are about the
    /// corpus).
    pub async fn gap_questions(&self, from: Millis, to: Millis) -> Result<Vec<AskedQuestion>> {
        let rows = sqlx::query_as::<_, QuestionRow>(&format!(
            "SELECT * FROM (
                 SELECT q.id, q.message_id, q.question, q.decision, q.reason, q.topic, q.confidence, q.locale,
                     q.created_at, {LATEST_VERDICT} AS helpful
                 FROM questions q WHERE q.created_at >= $1 AND q.created_at < $2) c
             WHERE decision = 'handoff' OR helpful = 0 ORDER BY id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AskedQuestion::try_from).collect()
    }

    /// Verdicts given in `[from, to)`, per article, most rated first.
    pub async fn verdicts_between(&self, from: Millis, to: Millis) -> Result<Vec<ArticleVerdicts>> {
        let rows = sqlx::query_as::<_, (String, Option<i64>, i64)>(
            "SELECT article, CAST(SUM(helpful) AS BIGINT) AS helpful, COUNT(*) AS n FROM feedback
             WHERE created_at >= $1 AND created_at < $2 AND article IS NOT NULL
             GROUP BY article ORDER BY n DESC, article",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        // PostgreSQL sums BIGINT to NUMERIC, which the Any driver cannot
        // read; hence the cast.
        Ok(rows
            .into_iter()
            .map(|(article, helpful, n)| {
                let helpful = helpful.unwrap_or(0);
                ArticleVerdicts {
                    article: ArticleId::known(&article),
                    helpful,
                    not_helpful: n - helpful,
                }
            })
            .collect())
    }

    /// Tickets created in `[from, to)`, oldest first.
    pub async fn tickets_between(&self, from: Millis, to: Millis) -> Result<Vec<Ticket>> {
        let rows = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE created_at >= $1 AND created_at < $2 ORDER BY id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket_from).collect()
    }
}
