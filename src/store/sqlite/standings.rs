//! Where conversations stand, remembered between messages on SQLite.
//!
//! Every chat message first reads its session's open ticket and the bot's
//! last reply ([`Store::standing`](super::Store::standing)). For a question
//! answered from the answer cache that read was a quarter of the request's
//! cost: a round trip to sqlx's SQLite thread and back, and a JSON parse of
//! the stored reply. On SQLite this process is the database's only writer
//! (several replicas need PostgreSQL), and every write goes through
//! [`Store::writer`](super::Store::writer), so the store can know when a
//! remembered standing goes stale:
//!
//! - a committed conversation turn updates its session's entry in place,
//!   since the turn is exactly the change (a new bot reply, a ticket opened);
//! - any other write that may touch tickets or messages forgets every entry
//!   (agent actions are rare next to chat messages);
//! - a read that missed fills its entry only if no write committed while it
//!   read ([`Standings::generation`] is unchanged), so a read from before a
//!   commit can never be remembered as current.
//!
//! PostgreSQL has no such cache: other replicas write the same rows.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;

use crate::domain::{Author, NewTurn, SessionId, Standing};
use crate::store::RecordedTurn;

/// How many sessions' standing is remembered: a bot reply is a few
/// kilobytes as parsed JSON, so about 30 MB when full.
const REMEMBERED: NonZeroUsize = NonZeroUsize::new(10_000).unwrap();

/// Remembered standings, shared by a store's clones.
#[derive(Clone)]
pub(in crate::store) struct Standings(Arc<Mutex<Known>>);

struct Known {
    /// Advances on every committed write, so a read that started before it
    /// can tell that what it read may be stale.
    generation: u64,
    standings: LruCache<SessionId, Standing>,
}

/// When a read of the database began, in writes committed.
#[derive(Clone, Copy)]
pub(in crate::store) struct Generation(u64);

/// Whether a write may change where conversations stand.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum Reach {
    /// It may change a ticket or add a bot message.
    Conversations,
    /// It changes neither (sessions, presence, feedback, audit entries).
    Elsewhere,
}

impl Standings {
    pub(in crate::store) fn new() -> Standings {
        Standings(Arc::new(Mutex::new(Known {
            generation: 0,
            standings: LruCache::new(REMEMBERED),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Known> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session's standing, current; or, when it is not remembered,
    /// the generation to read it from the database at and
    /// [`fill`](Standings::fill) it with.
    pub(in crate::store) fn recall(&self, session: &SessionId) -> Result<Standing, Generation> {
        let mut known = self.lock();
        match known.standings.get(session) {
            Some(standing) => Ok(standing.clone()),
            None => Err(Generation(known.generation)),
        }
    }

    /// Remembers `standing`, read from the database since `read_from`,
    /// unless a write has committed meanwhile.
    pub(in crate::store) fn fill(&self, session: &SessionId, read_from: Generation, standing: &Standing) {
        let mut known = self.lock();
        if known.generation == read_from.0 {
            known.standings.put(session.clone(), standing.clone());
        }
    }

    /// A write that may have changed any conversation has committed (or
    /// failed, and may have).
    fn forget_all(&self) {
        let mut known = self.lock();
        known.generation += 1;
        known.standings.clear();
    }

    /// `turns` have committed as `written`: each remembered session among
    /// them now has its turn's bot reply as the last, and its turn's ticket
    /// (a handoff's) as the open one.
    fn record(&self, turns: &[NewTurn], written: &[RecordedTurn]) {
        let mut known = self.lock();
        known.generation += 1;
        for (turn, (messages, ticket)) in turns.iter().zip(written) {
            let Some(standing) = known.standings.get_mut(&turn.session.id) else {
                continue;
            };
            if let Some(bot) = messages.iter().rev().find(|m| m.author == Author::Bot) {
                standing.last_bot_reply = bot.reply.clone().map(Arc::new);
            }
            if let Some(ticket) = ticket {
                // A withdrawn request resolves the ticket the turn touched.
                standing.open_ticket = ticket.status.is_open().then(|| ticket.clone());
            }
        }
    }
}

/// This process's turn to write to SQLite (see
/// [`Store::writer`](super::Store::writer)); when it ends, remembered
/// standings are brought up to date with what it wrote.
pub(in crate::store) struct Writing<'a> {
    _turn: tokio::sync::MutexGuard<'a, ()>,
    standings: &'a Standings,
    reach: Reach,
    /// Set once the write's turns were applied to the standings exactly.
    recorded: bool,
}

impl<'a> Writing<'a> {
    pub(in crate::store) fn new(
        turn: tokio::sync::MutexGuard<'a, ()>,
        standings: &'a Standings,
        reach: Reach,
    ) -> Writing<'a> {
        Writing {
            _turn: turn,
            standings,
            reach,
            recorded: false,
        }
    }

    /// The write committed `turns` as `written` and nothing else.
    pub(in crate::store) fn committed_turns(&mut self, turns: &[NewTurn], written: &[RecordedTurn]) {
        self.standings.record(turns, written);
        self.recorded = true;
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        // A write of conversations that did not record its turns failed
        // somewhere, possibly after its commit: forgetting is always safe.
        if self.reach == Reach::Conversations && !self.recorded {
            self.standings.forget_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Message, NewMessage, Session};

    fn session(id: &str) -> Session {
        Session {
            id: id.into(),
            secret_hash: String::new(),
            locale: None,
            channel: "api".to_string(),
            created_at: 0,
        }
    }

    fn bot_message(session: &str, reply: serde_json::Value) -> Message {
        Message {
            id: 1,
            session_id: session.into(),
            author: Author::Bot,
            agent: None,
            text: String::new(),
            reply: Some(reply),
            created_at: 0,
        }
    }

    fn empty() -> Standing {
        Standing {
            open_ticket: None,
            last_bot_reply: None,
        }
    }

    fn generation(standings: &Standings, session: &str) -> Generation {
        match standings.recall(&session.into()) {
            Err(generation) => generation,
            Ok(_) => panic!("{session} should not be remembered"),
        }
    }

    #[test]
    fn a_read_that_overlapped_a_commit_is_not_remembered() {
        let standings = Standings::new();
        let turn = tokio::sync::Mutex::new(());
        let read_from = generation(&standings, "s");
        drop(Writing::new(turn.try_lock().unwrap(), &standings, Reach::Conversations));
        standings.fill(&"s".into(), read_from, &empty());
        assert!(standings.recall(&"s".into()).is_err());

        let read_from = generation(&standings, "s");
        standings.fill(&"s".into(), read_from, &empty());
        assert!(standings.recall(&"s".into()).is_ok());
    }

    #[test]
    fn writes_elsewhere_keep_and_other_writes_forget() {
        let standings = Standings::new();
        let turn = tokio::sync::Mutex::new(());
        standings.fill(&"s".into(), generation(&standings, "s"), &empty());
        drop(Writing::new(turn.try_lock().unwrap(), &standings, Reach::Elsewhere));
        assert!(standings.recall(&"s".into()).is_ok());
        drop(Writing::new(turn.try_lock().unwrap(), &standings, Reach::Conversations));
        assert!(standings.recall(&"s".into()).is_err());
    }

    #[test]
    fn committed_turns_update_remembered_sessions_only() {
        let standings = Standings::new();
        let turn = tokio::sync::Mutex::new(());
        standings.fill(&"a".into(), generation(&standings, "a"), &empty());
        let reply = serde_json::json!({ "decision": "clarify" });
        let turns: Vec<NewTurn> = ["a", "b"]
            .iter()
            .map(|id| NewTurn::of(&session(id), vec![NewMessage::user("hi")]))
            .collect();
        let written: Vec<RecordedTurn> = ["a", "b"]
            .iter()
            .map(|id| (vec![bot_message(id, reply.clone())], None))
            .collect();
        let read_from_b = generation(&standings, "b");
        let mut writing = Writing::new(turn.try_lock().unwrap(), &standings, Reach::Conversations);
        writing.committed_turns(&turns, &written);
        drop(writing);
        match standings.recall(&"a".into()) {
            Ok(a) => assert_eq!(a.last_bot_reply.as_deref(), Some(&reply)),
            Err(_) => panic!("a's standing was forgotten"),
        }
        standings.fill(&"b".into(), read_from_b, &empty());
        assert!(standings.recall(&"b".into()).is_err());
    }
}
