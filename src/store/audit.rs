//! The audit log: who did what to which ticket, written in the same
//! transaction as the action, and read back newest first.

use super::rows::AuditRow;
use super::sqlite::Reach;
use super::{Conn, Result, Store};
use crate::domain::{now_millis, AuditEntry, Millis, TicketId};

impl Store {
    /// Writes an audit entry on its own (for reads, which change nothing else).
    pub async fn audit(&self, actor: &str, action: &str, ticket: Option<TicketId>, detail: &str) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        let mut conn = self.pool.acquire().await?;
        audit(&mut conn, actor, action, ticket, detail, now_millis()).await
    }

    /// The newest audit entries, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query_as::<_, AuditRow>(
            "SELECT actor, action, ticket_id, detail, at FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

pub(super) async fn audit(
    conn: &mut Conn,
    actor: &str,
    action: &str,
    ticket: Option<TicketId>,
    detail: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (actor, action, ticket_id, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(actor)
        .bind(action)
        .bind(ticket.map(|t| t.0))
        .bind(detail)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
