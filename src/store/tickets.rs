//! Tickets through their life: opened or reopened by a turn, withdrawn,
//! claimed (one winner), moved from status to status with their events,
//! answered by an agent, noted; the queue in its order.

use sqlx::Connection;

use super::audit::audit;
use super::rows;
use super::rows::{ticket_from, EventRow, NoteRow, TICKET_COLUMNS};
use super::sessions::{insert_message, shared_a_secret};
use super::sqlite::Reach;
use super::{Backend, Claim, Conn, Result, Store};
use crate::domain::{
    now_millis, Author, Message, Millis, NewTicket, Note, Priority, QueueFilter, Session, SessionId, Ticket,
    TicketEvent, TicketId, TicketStatus,
};

impl Store {
    /// The session's open (not resolved) ticket.
    pub async fn open_ticket(&self, session: &SessionId) -> Result<Option<Ticket>> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = $1 AND status <> 'resolved'"
        ))
        .bind(session.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// The ticket with `id`.
    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>> {
        let row = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket_from).transpose()
    }

    /// Moves a ticket from one of `from` to `to`, stamping the transition,
    /// optionally with a message to the session in the same transaction.
    /// Returns `None` when the ticket was not in any of `from`.
    pub async fn transition(
        &self,
        id: TicketId,
        from: &[TicketStatus],
        to: TicketStatus,
        actor: &str,
        message: Option<(Author, Option<&str>, &str)>,
    ) -> Result<Option<(Ticket, Option<Message>)>> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let stamp = match to {
            TicketStatus::Resolved => ", resolved_at = $3",
            TicketStatus::Pending => ", reopened_at = $3, agent = NULL",
            _ => "",
        };
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "UPDATE tickets SET status = $1, updated_at = $3 {stamp} WHERE id = $2 AND status IN ({allowed})
             RETURNING {TICKET_COLUMNS}"
        ))
        .bind(to.as_str())
        .bind(id.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let ticket = ticket_from(&row)?;
        add_event(&mut tx, id, to, actor, now).await?;
        let message = match message {
            Some((author, agent, text)) => {
                let event = system_event(to.as_str());
                Some(insert_message(&mut tx, &ticket.session_id, author, agent, text, Some(&event), now).await?)
            }
            None => None,
        };
        tx.commit().await?;
        Ok(Some((ticket, message)))
    }

    /// Claims ticket `id` (when given) or the next in line: urgent first,
    /// then oldest. Atomic: of any number of agents claiming the same ticket
    /// at once, exactly one gets it. `joined` is the system message the user
    /// sees, written in the same transaction.
    pub async fn claim(&self, agent: &str, id: Option<TicketId>, joined: impl Fn(&Ticket) -> String) -> Result<Claim> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut conn = self.pool.acquire().await?;
        let mut tx = match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => conn.begin().await?,
        };
        let target = match (id, self.backend) {
            (Some(_), _) => "$4".to_string(),
            (None, Backend::Postgres) => "(SELECT id FROM tickets WHERE status = 'pending'
                 ORDER BY priority_rank, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                .to_string(),
            (None, Backend::Sqlite) => "(SELECT id FROM tickets WHERE status = 'pending'
                 ORDER BY priority_rank, created_at, id LIMIT 1)"
                .to_string(),
        };
        let row = sqlx::query(&format!(
            "UPDATE tickets SET status = 'assigned', agent = $1, assigned_at = $2, updated_at = $3
             WHERE id = {target} AND status = 'pending' RETURNING {TICKET_COLUMNS}"
        ))
        .bind(agent)
        .bind(now)
        .bind(now)
        .bind(id.map_or(0, |t| t.0))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(Claim::Unavailable);
        };
        let ticket = ticket_from(&row)?;
        add_event(&mut tx, ticket.id, TicketStatus::Assigned, agent, now).await?;
        audit(&mut tx, agent, "claim", Some(ticket.id), "", now).await?;
        insert_message(
            &mut tx,
            &ticket.session_id,
            Author::System,
            Some(agent),
            &joined(&ticket),
            Some(&system_event("agent_joined")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Claim::Claimed(Box::new(ticket)))
    }

    /// Stores an agent's reply to the ticket's user, stamping the first
    /// reply time, and audits it; all or nothing.
    pub async fn agent_reply(
        &self,
        ticket: &Ticket,
        agent: &str,
        text: &str,
        attached: Option<&serde_json::Value>,
    ) -> Result<Message> {
        let now = now_millis();
        let _turn = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let message = insert_message(
            &mut tx,
            &ticket.session_id,
            Author::Agent,
            Some(agent),
            text,
            attached,
            now,
        )
        .await?;
        sqlx::query("UPDATE tickets SET first_reply_at = COALESCE(first_reply_at, $1), updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(ticket.id.0)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            agent,
            "reply",
            Some(ticket.id),
            &format!("message {}", message.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(message)
    }

    /// Adds an internal note and audits it.
    pub async fn add_note(&self, ticket: TicketId, agent: &str, text: &str) -> Result<Note> {
        let now = now_millis();
        let _turn = self.writer(Reach::Elsewhere).await;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notes (ticket_id, agent, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(ticket.0)
        .bind(agent)
        .bind(text)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, agent, "note", Some(ticket), &format!("note {id}"), now).await?;
        tx.commit().await?;
        Ok(Note {
            id,
            agent: agent.to_string(),
            text: text.to_string(),
            created_at: now,
        })
    }

    /// The notes on a ticket, oldest first.
    pub async fn notes(&self, ticket: TicketId) -> Result<Vec<Note>> {
        let rows = sqlx::query_as::<_, NoteRow>(
            "SELECT id, agent, text, created_at FROM notes WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Note::from).collect())
    }

    /// The status history of a ticket.
    pub async fn ticket_events(&self, ticket: TicketId) -> Result<Vec<TicketEvent>> {
        let rows = sqlx::query_as::<_, EventRow>(
            "SELECT status, actor, at FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TicketEvent::try_from).collect()
    }

    /// Tickets in queue order (urgent first, then oldest).
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<Ticket>> {
        let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE ");
        sql.push_str(match (filter.status, &filter.txid) {
            (Some(_), _) => "status = $1",
            // A TxID finds its case whether it is open or long resolved.
            (None, Some(_)) => "$1 = $1",
            (None, None) => "status <> 'resolved' AND $1 = $1",
        });
        sql.push_str(match filter.priority {
            Some(_) => " AND priority = $2",
            None => " AND $2 = $2",
        });
        // The id as JSON writes it, quotes included: a whole id, not a part;
        // in any case on both databases (SQLite's LIKE ignores ASCII case,
        // PostgreSQL's does not), as explorers show hex ids either way.
        sql.push_str(match filter.txid {
            Some(_) => " AND LOWER(details) LIKE LOWER($4)",
            None => " AND $4 = $4",
        });
        sql.push_str(" ORDER BY priority_rank, created_at, id LIMIT $3");
        let txid = filter
            .txid
            .as_deref()
            .map_or_else(String::new, |t| format!("%\"txid\":{}%", serde_json::Value::from(t)));
        let rows = sqlx::query(&sql)
            .bind(filter.status.map_or("", TicketStatus::as_str))
            .bind(filter.priority.map_or("", Priority::as_str))
            .bind(filter.limit)
            .bind(txid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket_from).collect()
    }

    /// Open tickets per priority, for `/metrics`.
    pub async fn queue_depth(&self) -> Result<Vec<(Priority, TicketStatus, i64)>> {
        let rows = sqlx::query_as::<_, (String, String, i64)>(
            "SELECT priority, status, COUNT(*) AS n FROM tickets WHERE status <> 'resolved' GROUP BY priority, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(p, s, n)| Ok((rows::priority(&p)?, rows::status(&s)?, n)))
            .collect()
    }
}

/// What a system message announces, for clients that react to it (the
/// widget shows "a person has joined" from `agent_joined`): stored as the
/// message's `reply` so the text stays free to change and be translated.
fn system_event(event: &str) -> serde_json::Value {
    serde_json::json!({ "event": event })
}

async fn add_event(conn: &mut Conn, ticket: TicketId, status: TicketStatus, actor: &str, now: Millis) -> Result<()> {
    sqlx::query("INSERT INTO ticket_events (ticket_id, status, actor, at) VALUES ($1, $2, $3, $4)")
        .bind(ticket.0)
        .bind(status.as_str())
        .bind(actor)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The session's open ticket, else its resolved one reopened, else a new one;
/// the bot hands off, so a new or reopened ticket's history names it. A
/// ticket of a conversation where the user shared a secret (in this turn
/// or before) is flagged and urgent.
pub(super) async fn open_or_reopen(conn: &mut Conn, session: &Session, new: &NewTicket, now: Millis) -> Result<Ticket> {
    let open = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE session_id = $1 AND status <> 'resolved'"
    ))
    .bind(session.id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let secret = new.secret_shared || shared_a_secret(conn, &session.id).await?;
    let priority = if secret { Priority::Urgent } else { new.priority };
    if let Some(row) = open {
        let ticket = ticket_from(&row)?;
        let raise = priority == Priority::Urgent && ticket.priority != Priority::Urgent;
        if raise || (secret && !ticket.secret_shared) {
            let row = sqlx::query(&format!(
                "UPDATE tickets SET priority = CASE WHEN $3 = 1 THEN 'urgent' ELSE priority END,
                     priority_rank = CASE WHEN $3 = 1 THEN 0 ELSE priority_rank END,
                     secret_shared = CASE WHEN $4 = 1 THEN 1 ELSE secret_shared END, updated_at = $1
                 WHERE id = $2 RETURNING {TICKET_COLUMNS}"
            ))
            .bind(now)
            .bind(ticket.id.0)
            .bind(i64::from(raise))
            .bind(i64::from(secret))
            .fetch_one(&mut *conn)
            .await?;
            return ticket_from(&row);
        }
        return Ok(ticket);
    }
    let reopened = sqlx::query(&format!(
        "UPDATE tickets SET status = 'pending', agent = NULL, priority = $1, priority_rank = $2, reason = $3,
             topic = $4, confidence = $5, updated_at = $6, reopened_at = $6, locale = $8,
             secret_shared = CASE WHEN $9 = 1 THEN 1 ELSE secret_shared END
         WHERE id = (SELECT id FROM tickets WHERE session_id = $7 ORDER BY id DESC LIMIT 1)
         RETURNING {TICKET_COLUMNS}"
    ))
    .bind(priority.as_str())
    .bind(rows::priority_rank(priority))
    .bind(new.reason.as_str())
    .bind(new.topic.as_ref().map(|t| t.as_str().to_string()))
    .bind(new.confidence)
    .bind(now)
    .bind(session.id.as_str())
    .bind(new.locale)
    .bind(i64::from(secret))
    .fetch_optional(&mut *conn)
    .await?;
    let row = match reopened {
        Some(row) => row,
        None => {
            sqlx::query(&format!(
                "INSERT INTO tickets (session_id, status, priority, priority_rank, reason, topic, confidence, channel,
                     created_at, updated_at, locale, secret_shared)
                 VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING {TICKET_COLUMNS}"
            ))
            .bind(session.id.as_str())
            .bind(priority.as_str())
            .bind(rows::priority_rank(priority))
            .bind(new.reason.as_str())
            .bind(new.topic.as_ref().map(|t| t.as_str().to_string()))
            .bind(new.confidence)
            .bind(&session.channel)
            .bind(now)
            .bind(new.locale)
            .bind(i64::from(secret))
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let ticket = ticket_from(&row)?;
    add_event(conn, ticket.id, TicketStatus::Pending, "bot", now).await?;
    Ok(ticket)
}

/// The user withdrew their request for a person: the session's pending
/// ticket is resolved by them (a claimed one stays with its agent).
pub(super) async fn withdraw(conn: &mut Conn, session: &Session, now: Millis) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!(
        "UPDATE tickets SET status = 'resolved', resolved_at = $1, updated_at = $1
         WHERE session_id = $2 AND status = 'pending' RETURNING {TICKET_COLUMNS}"
    ))
    .bind(now)
    .bind(session.id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let ticket = ticket_from(&row)?;
    add_event(conn, ticket.id, TicketStatus::Resolved, "user", now).await?;
    Ok(Some(ticket))
}
