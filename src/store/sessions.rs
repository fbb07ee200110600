//! Sessions and their transcripts: a session and its secret's hash, the
//! messages, where a conversation stands, a chat turn written atomically
//! (its messages, questions, small talk and any ticket it opens or
//! withdraws), and feedback on an answer.

use std::sync::Arc;

use lru::LruCache;
use sqlx::FromRow;

use super::rows::{ticket_from, SessionRow, TICKET_COLUMNS};
use super::sqlite::{Reach, Sqlite};
use super::tickets::{open_or_reopen, withdraw};
use super::{insights, rows};
use super::{only, placeholders, Conn, RecordedTurn, Result, Store, StoreError};
use crate::domain::{now_millis, Author, Message, Millis, NewTurn, Session, SessionId, Standing};
use crate::handoff::privacy::Secret;

/// What a conversation's standing reads beside its open ticket's columns:
/// whether there is one, and the bot's last reply as stored (JSON).
#[derive(FromRow)]
struct StandingRow {
    id: Option<i64>,
    last_bot_reply: Option<String>,
}

impl Store {
    /// Stores a new session.
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        sqlx::query("INSERT INTO sessions (id, secret_hash, locale, channel, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.id.as_str())
            .bind(&s.secret_hash)
            .bind(s.locale.clone())
            .bind(&s.channel)
            .bind(s.created_at)
            .execute(&self.pool)
            .await?;
        self.remember(s.clone());
        Ok(())
    }

    /// The session with `id`.
    pub async fn session(&self, id: &SessionId) -> Result<Option<Session>> {
        if let Some(known) = self.sessions().get(id) {
            return Ok(Some(known.clone()));
        }
        let row = sqlx::query_as::<_, SessionRow>(
            "SELECT id, secret_hash, locale, channel, created_at FROM sessions WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = Session::from(row);
        self.remember(session.clone());
        Ok(Some(session))
    }

    fn remember(&self, session: Session) {
        self.sessions().put(session.id.clone(), session);
    }

    pub(super) fn sessions(&self) -> std::sync::MutexGuard<'_, LruCache<SessionId, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Messages of `session` with ids above `after`, oldest first.
    pub async fn messages(&self, session: &SessionId, after: i64, limit: i64) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT id, session_id, author, agent, text, reply, created_at FROM messages
             WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(session.as_str())
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::message_from).collect()
    }

    /// The message with `id` in `session`.
    pub async fn message(&self, session: &SessionId, id: i64) -> Result<Option<Message>> {
        let row = sqlx::query(
            "SELECT id, session_id, author, agent, text, reply, created_at FROM messages WHERE session_id = $1 AND id = $2",
        )
        .bind(session.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::message_from).transpose()
    }

    /// Where `session` stands before a new user message is answered: its
    /// open ticket and the bot's last reply, in one read since every chat
    /// message needs both; on SQLite usually remembered from the last one.
    pub async fn standing(&self, session: &SessionId) -> Result<Standing> {
        let read_from = match self.sqlite.as_ref().map(|s| s.standings().recall(session)) {
            Some(Ok(standing)) => return Ok(standing),
            Some(Err(generation)) => Some(generation),
            None => None,
        };
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS},
                 (SELECT m.reply FROM messages m WHERE m.session_id = $1 AND m.author = 'bot'
                  ORDER BY m.id DESC LIMIT 1) AS last_bot_reply
             FROM (SELECT 1 AS here) AS h
             LEFT JOIN tickets ON tickets.session_id = $1 AND tickets.status <> 'resolved'"
        ))
        .bind(session.as_str())
        .fetch_one(&self.pool)
        .await?;
        let StandingRow { id, last_bot_reply } = StandingRow::from_row(&row)?;
        let open_ticket = match id {
            Some(_) => Some(ticket_from(&row)?),
            None => None,
        };
        let standing = Standing {
            open_ticket,
            last_bot_reply: last_bot_reply.and_then(|j| serde_json::from_str(&j).ok()).map(Arc::new),
        };
        if let (Some(sqlite), Some(read_from)) = (&self.sqlite, read_from) {
            sqlite.standings().fill(session, read_from, &standing);
        }
        Ok(standing)
    }

    /// Writes one conversation turn atomically and returns its stored
    /// messages and ticket. On SQLite the turn waits for the next group
    /// commit (see [`commit`]); either way it is on disk when this returns.
    pub async fn record_turn(&self, turn: NewTurn) -> Result<RecordedTurn> {
        match self.sqlite.as_ref().and_then(Sqlite::turns) {
            Some(queue) => queue.record(turn).await,
            None => only(self.write_turns(std::slice::from_ref(&turn)).await?),
        }
    }

    /// Writes `turns` in one transaction, in order.
    pub(super) async fn write_turns(&self, turns: &[NewTurn]) -> Result<Vec<RecordedTurn>> {
        let now = now_millis();
        let mut writing = self.writer(Reach::Conversations).await;
        let mut tx = self.pool.begin().await?;
        let rows: Vec<MessageToInsert> = turns
            .iter()
            .flat_map(|turn| {
                turn.messages.iter().map(|m| MessageToInsert {
                    session: &turn.session.id,
                    author: m.author,
                    agent: None,
                    text: &m.text,
                    reply: m.reply.as_ref(),
                })
            })
            .collect();
        let mut stored = insert_messages(&mut tx, &rows, now).await?.into_iter();
        let mut written = Vec::with_capacity(turns.len());
        let mut questions = Vec::new();
        let mut small_talk = Vec::new();
        for turn in turns {
            let messages: Vec<Message> = stored.by_ref().take(turn.messages.len()).collect();
            if let (Some(q), Some(reply)) = (&turn.question, messages.last()) {
                questions.push((turn.session.id.as_str(), reply.id, q));
            }
            if let Some((intent, locale)) = turn.small_talk {
                small_talk.push((turn.session.id.as_str(), intent, locale));
            }
            let ticket = match (&turn.handoff, turn.cancel) {
                (Some(new), _) => Some(open_or_reopen(&mut tx, &turn.session, new, now).await?),
                (None, true) => withdraw(&mut tx, &turn.session, now).await?,
                (None, false) => None,
            };
            written.push((messages, ticket));
        }
        insights::insert_questions(&mut tx, &questions, now).await?;
        insights::insert_small_talk(&mut tx, &small_talk, now).await?;
        tx.commit().await?;
        if let Some(writing) = &mut writing {
            writing.committed_turns(turns, &written);
        }
        Ok(written)
    }

    /// Records a user's verdict on a bot answer that showed `article`.
    pub async fn add_feedback(
        &self,
        session: &SessionId,
        message: i64,
        article: Option<&str>,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<()> {
        let _turn = self.writer(Reach::Elsewhere).await;
        sqlx::query(
            "INSERT INTO feedback (session_id, message_id, article, helpful, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.as_str())
        .bind(message)
        .bind(article.map(str::to_string))
        .bind(i64::from(helpful))
        .bind(comment.map(str::to_string))
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A message to insert.
struct MessageToInsert<'a> {
    session: &'a SessionId,
    author: Author,
    agent: Option<&'a str>,
    text: &'a str,
    reply: Option<&'a serde_json::Value>,
}

pub(super) async fn insert_message(
    conn: &mut Conn,
    session: &SessionId,
    author: Author,
    agent: Option<&str>,
    text: &str,
    reply: Option<&serde_json::Value>,
    now: Millis,
) -> Result<Message> {
    let row = MessageToInsert {
        session,
        author,
        agent,
        text,
        reply,
    };
    only(insert_messages(conn, std::slice::from_ref(&row), now).await?)
}

/// Inserts `rows` in one statement (a group commit writes many turns) and
/// returns them stored, in order.
async fn insert_messages(conn: &mut Conn, rows: &[MessageToInsert<'_>], now: Millis) -> Result<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO messages (session_id, author, agent, text, reply, created_at) VALUES {} RETURNING id",
        placeholders(conn, rows.len(), 6)
    );
    let mut insert = sqlx::query_scalar::<_, i64>(&sql);
    for row in rows {
        insert = insert
            .bind(row.session.as_str())
            .bind(row.author.as_str())
            .bind(row.agent.map(str::to_string))
            .bind(row.text)
            .bind(row.reply.map(|r| r.to_string()))
            .bind(now);
    }
    // Neither database promises RETURNING's order, but both number the
    // rows of one insert in the order of its VALUES.
    let mut ids = insert.fetch_all(&mut *conn).await?;
    ids.sort_unstable();
    if ids.len() != rows.len() {
        return Err(StoreError::Corrupt {
            column: "messages.id",
            value: format!("{} ids returned for {} inserted rows", ids.len(), rows.len()),
        });
    }
    Ok(rows
        .iter()
        .zip(ids)
        .map(|(row, id)| Message {
            id,
            session_id: row.session.clone(),
            author: row.author,
            agent: row.agent.map(str::to_string),
            text: row.text.to_string(),
            reply: row.reply.cloned(),
            created_at: now,
        })
        .collect())
}

/// Whether a user message of `session` had a secret redacted from it. Only
/// asked when a turn opens or touches a ticket, and a session has few
/// messages.
pub(super) async fn shared_a_secret(conn: &mut Conn, session: &SessionId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) AS n FROM messages WHERE session_id = $1 AND author = 'user'
             AND (text LIKE $2 OR text LIKE $3)",
    )
    .bind(session.as_str())
    .bind(format!("%{}%", Secret::SeedPhrase.placeholder()))
    .bind(format!("%{}%", Secret::PrivateKey.placeholder()))
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}
