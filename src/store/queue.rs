//! The queue as a waiting user and the team see it: place in line, how fast
//! agents have been claiming, who is online, follow-up addresses and
//! tickets past their SLA.

use super::rows::{self, ticket_from, TICKET_COLUMNS};
use super::sqlite::Reach;
use super::{Result, Store};
use crate::domain::{now_millis, Details, Millis, Rating, SessionId, Ticket, TicketId};

/// An agent's presence as they set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Taking tickets.
    Online,
    /// Signed in but not taking tickets (or signed out).
    Away,
}

impl Presence {
    fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
        }
    }
}

impl Store {
    /// How many pending tickets an agent will claim before `ticket`: those
    /// ahead of it in queue order (urgent first, then oldest).
    pub async fn queue_position(&self, ticket: &Ticket) -> Result<i64> {
        let rank = rows::priority_rank(ticket.priority);
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) AS n FROM tickets WHERE status = 'pending' AND id <> $3
             AND (priority_rank < $1 OR (priority_rank = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3))))",
        )
        .bind(rank)
        .bind(ticket.created_at)
        .bind(ticket.id.0)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Claims made since `since` (a claim rate for wait estimates).
    pub async fn claims_since(&self, since: Millis) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'claim' AND at >= $1")
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Records that `agent` is `presence` now (also the heartbeat of an
    /// open console).
    pub async fn set_presence(&self, agent: &str, presence: Presence) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        sqlx::query(
            "INSERT INTO agent_presence (agent, status, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (agent) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at",
        )
        .bind(agent)
        .bind(presence.as_str())
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Agents online who checked in since `since`.
    pub async fn agents_online(&self, since: Millis) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) AS n FROM agent_presence WHERE status = 'online' AND seen_at >= $1")
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Stores the e-mail address a user left on their open ticket; `None`
    /// when the session has no open ticket.
    pub async fn set_contact_email(&self, session: &SessionId, email: &str) -> Result<Option<Ticket>> {
        let _turn = self.writer(Reach::Conversations).await;
        let row = sqlx::query(&format!(
            "UPDATE tickets SET contact_email = $1, updated_at = $2 WHERE session_id = $3 AND status <> 'resolved'
             RETURNING {TICKET_COLUMNS}"
        ))
        .bind(email)
        .bind(now_millis())
        .bind(session.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// Replaces what ticket `id` knows of the case (coin, network, address,
    /// TxID, amount).
    pub async fn set_details(&self, id: TicketId, details: &Details) -> Result<()> {
        let _turn = self.writer(Reach::Conversations).await;
        let json = serde_json::to_string(details).unwrap_or_else(|_| "{}".into());
        sqlx::query("UPDATE tickets SET details = $1 WHERE id = $2")
            .bind(json)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the user's own words for what ticket `id` is about.
    pub async fn set_question(&self, id: TicketId, question: &str) -> Result<()> {
        let _turn = self.writer(Reach::Conversations).await;
        sqlx::query("UPDATE tickets SET question = $1 WHERE id = $2")
            .bind(question)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the user's `rating` of the latest ticket of `session` that
    /// an agent resolved; `None` when there is none. Rating again replaces
    /// the rating.
    pub async fn rate(&self, session: &SessionId, rating: Rating, comment: Option<&str>) -> Result<Option<Ticket>> {
        let _turn = self.writer(Reach::Conversations).await;
        let row = sqlx::query(&format!(
            "UPDATE tickets SET rating = $1, rating_comment = $2, rated_at = $3
             WHERE id = (SELECT id FROM tickets WHERE session_id = $4 AND status = 'resolved' AND agent IS NOT NULL
                         ORDER BY id DESC LIMIT 1)
             RETURNING {TICKET_COLUMNS}"
        ))
        .bind(i64::from(rating.stars()))
        .bind(comment)
        .bind(now_millis())
        .bind(session.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// Urgent tickets still pending that entered the queue before `since`.
    pub async fn urgent_waiting_since(&self, since: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) AS n FROM tickets WHERE status = 'pending' AND priority = 'urgent'
             AND COALESCE(reopened_at, created_at) < $1",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?)
    }
}
