//! Reading rows back into the desk's records.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Result, StoreError};
use crate::domain::HandoffReason;
use crate::domain::{Author, Message, Rating, Ticket};
use crate::domain::{Priority, TicketStatus};

/// The ticket columns, in the order [`ticket_from`] reads them.
pub const TICKET_COLUMNS: &str = "id, session_id, status, priority, reason, topic, confidence, channel, agent, \
     created_at, updated_at, assigned_at, first_reply_at, resolved_at, reopened_at, locale, contact_email, secret_shared, details, question, rating, rating_comment, rated_at";

/// Queue order: urgent (0) before normal (1).
pub fn priority_rank(p: Priority) -> i64 {
    match p {
        Priority::Urgent => 0,
        Priority::Normal => 1,
    }
}

pub fn priority(s: &str) -> Result<Priority> {
    Priority::parse(s).ok_or_else(|| StoreError::Corrupt {
        column: "priority",
        value: s.to_string(),
    })
}

pub fn status(s: &str) -> Result<TicketStatus> {
    TicketStatus::parse(s).ok_or_else(|| StoreError::Corrupt {
        column: "status",
        value: s.to_string(),
    })
}

/// The hand-off reason in column `column` of `r`, if any.
pub fn reason(r: &AnyRow, column: &'static str) -> Result<Option<HandoffReason>> {
    let Some(name) = r.try_get::<Option<String>, _>(column)? else {
        return Ok(None);
    };
    HandoffReason::parse(&name)
        .map(Some)
        .ok_or(StoreError::Corrupt { column, value: name })
}

pub fn ticket_from(r: &AnyRow) -> Result<Ticket> {
    let s: String = r.try_get("status")?;
    let p: String = r.try_get("priority")?;
    Ok(Ticket {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        status: status(&s)?,
        priority: priority(&p)?,
        reason: reason(r, "reason")?.ok_or(StoreError::Corrupt {
            column: "reason",
            value: String::new(),
        })?,
        topic: r.try_get("topic")?,
        confidence: r.try_get("confidence")?,
        channel: r.try_get("channel")?,
        agent: r.try_get("agent")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        assigned_at: r.try_get("assigned_at")?,
        first_reply_at: r.try_get("first_reply_at")?,
        resolved_at: r.try_get("resolved_at")?,
        reopened_at: r.try_get("reopened_at")?,
        locale: r.try_get("locale")?,
        contact_email: r.try_get("contact_email")?,
        secret_shared: r.try_get::<i64, _>("secret_shared")? != 0,
        // Written only by this program as JSON: what cannot be read is
        // shown as nothing rather than failing the whole queue.
        details: serde_json::from_str(&r.try_get::<String, _>("details")?).unwrap_or_default(),
        question: r.try_get("question")?,
        rating: match r.try_get::<Option<i64>, _>("rating")? {
            Some(stars) => Some(Rating::new(stars).ok_or(StoreError::Corrupt {
                column: "tickets.rating",
                value: stars.to_string(),
            })?),
            None => None,
        },
        rating_comment: r.try_get("rating_comment")?,
        rated_at: r.try_get("rated_at")?,
    })
}

pub fn message_from(r: &AnyRow) -> Result<Message> {
    let author: String = r.try_get("author")?;
    let reply: Option<String> = r.try_get("reply")?;
    Ok(Message {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        author: Author::parse(&author).ok_or(StoreError::Corrupt {
            column: "messages.author",
            value: author,
        })?,
        agent: r.try_get("agent")?,
        text: r.try_get("text")?,
        reply: reply.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        created_at: r.try_get("created_at")?,
    })
}
