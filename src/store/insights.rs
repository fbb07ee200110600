//! What analytics and knowledge-gap mining read: the recorded questions,
//! feedback per article and tickets over a time range.

use sqlx::Row;

use super::rows::{ticket_from, TICKET_COLUMNS};
use super::{Conn, Result, Store, StoreError};
use crate::answer::Decision;
use crate::desk::model::{AskedQuestion, Millis, NewQuestion, Ticket};

/// Helpful and not-helpful verdicts on one article's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVerdicts {
    /// The article.
    pub article: String,
    /// "This helped".
    pub helpful: i64,
    /// "This did not help".
    pub not_helpful: i64,
}

pub(super) async fn insert_question(
    conn: &mut Conn,
    session: &str,
    reply: i64,
    q: &NewQuestion<'_>,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO questions (session_id, message_id, question, decision, reason, topic, confidence, locale, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(session)
    .bind(reply)
    .bind(q.question)
    .bind(q.decision.as_str())
    .bind(q.reason.map(str::to_string))
    .bind(q.topic.map(str::to_string))
    .bind(q.confidence)
    .bind(q.locale)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Questions asked in `[from, to)`, oldest first, each with the latest
    /// verdict on its reply.
    pub async fn questions_between(&self, from: Millis, to: Millis) -> Result<Vec<AskedQuestion>> {
        let rows = sqlx::query(
            "SELECT q.message_id, q.question, q.decision, q.reason, q.topic, q.confidence, q.locale, q.created_at,
                 (SELECT f.helpful FROM feedback f WHERE f.message_id = q.message_id ORDER BY f.id DESC LIMIT 1)
                     AS helpful
             FROM questions q WHERE q.created_at >= $1 AND q.created_at < $2 ORDER BY q.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let decision: String = r.try_get("decision")?;
                let helpful: Option<i64> = r.try_get("helpful")?;
                Ok(AskedQuestion {
                    message_id: r.try_get("message_id")?,
                    question: r.try_get("question")?,
                    decision: Decision::parse(&decision).ok_or(StoreError::Corrupt {
                        column: "questions.decision",
                        value: decision,
                    })?,
                    reason: r.try_get("reason")?,
                    topic: r.try_get("topic")?,
                    confidence: r.try_get("confidence")?,
                    locale: r.try_get("locale")?,
                    helpful: helpful.map(|h| h != 0),
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Verdicts given in `[from, to)`, per article, most rated first.
    pub async fn verdicts_between(&self, from: Millis, to: Millis) -> Result<Vec<ArticleVerdicts>> {
        let rows = sqlx::query(
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
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                let helpful: i64 = r.try_get::<Option<i64>, _>("helpful")?.unwrap_or(0);
                Ok(ArticleVerdicts {
                    article: r.try_get("article")?,
                    helpful,
                    not_helpful: n - helpful,
                })
            })
            .collect()
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
