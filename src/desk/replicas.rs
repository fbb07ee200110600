//! One help desk across replicas. On PostgreSQL several kefu processes may
//! serve the same desk, users on one and agents on another. Each tells the
//! others what it changed (a session's new messages, the queue) once the
//! change is committed, and hears what they changed, so a live stream shows
//! a write within milliseconds wherever it was made. While this replica
//! cannot hear the others, [`Desk::others_live`] is false and live streams
//! fall back to polling; when it hears them again every view looks again,
//! since what was said meanwhile is lost.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::{Change, Desk};
use crate::domain::SessionId;

/// The most changes told in one statement.
const BATCH: usize = 64;
/// How long to wait before listening again after the connection failed.
const RETRY: Duration = Duration::from_secs(1);

impl Desk {
    /// Whether other replicas' changes reach this replica's live views as
    /// they happen (always on SQLite, where there are none).
    pub fn others_live(&self) -> bool {
        self.others_live.load(Ordering::Relaxed)
    }

    /// Carries this replica's changes to the others and theirs to this
    /// replica's live views, for as long as the process serves. Returns at
    /// once on SQLite.
    pub async fn relay_changes(self: Arc<Self>) {
        if !self.store.has_replicas() {
            return;
        }
        let telling = tokio::spawn(Arc::clone(&self).tell_others());
        self.hear_others().await;
        telling.abort();
    }

    /// Sends what this replica changed, batching what piled up meanwhile.
    async fn tell_others(self: Arc<Self>) {
        let mut outbox = self.outbox.subscribe();
        loop {
            let mut batch = match outbox.recv().await {
                Ok(change) => vec![change],
                Err(RecvError::Lagged(_)) => vec![Change::Everything],
                Err(RecvError::Closed) => return,
            };
            while batch.len() < BATCH {
                let change = match outbox.try_recv() {
                    Ok(change) => change,
                    Err(TryRecvError::Lagged(_)) => Change::Everything,
                    Err(_) => break,
                };
                if !batch.contains(&change) {
                    batch.push(change);
                }
            }
            let payloads: Vec<String> = batch.iter().map(|c| encode(&self.replica, c)).collect();
            if let Err(e) = self.store.tell_replicas(&payloads).await {
                tracing::warn!(error = %e, "could not tell the other replicas of a change; their views show it with the next one");
            }
        }
    }

    /// Listens to the other replicas until the process ends, listening
    /// again after a lost connection.
    async fn hear_others(&self) {
        let mut warned = false;
        loop {
            match self.store.hear_replicas().await {
                Ok(Some(mut listener)) => {
                    warned = false;
                    self.set_others_live(true);
                    loop {
                        match listener.next().await {
                            Ok(Some(payload)) => {
                                if let Some(change) = decode(&self.replica, &payload) {
                                    let _ = self.changes.send(change);
                                }
                            }
                            Ok(None) => {
                                let _ = self.changes.send(Change::Everything);
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "lost the other replicas; live views poll until they are back");
                                break;
                            }
                        }
                    }
                    self.set_others_live(false);
                }
                Ok(None) => return,
                Err(e) if !warned => {
                    warned = true;
                    tracing::warn!(error = %e, "cannot hear the other replicas; live views poll until they can");
                }
                Err(_) => {}
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    fn set_others_live(&self, live: bool) {
        self.others_live.store(live, Ordering::Relaxed);
        // Either way every view looks again: what was said while nobody
        // listened is lost, and a view now waits for word or polls.
        let _ = self.changes.send(Change::Everything);
    }
}

/// `<replica> s <session id>`, `<replica> q` or `<replica> *`.
fn encode(replica: &str, change: &Change) -> String {
    match change {
        Change::Session(id) => format!("{replica} s {id}"),
        Change::Queue => format!("{replica} q"),
        Change::Everything => format!("{replica} *"),
    }
}

/// The change another replica told of; `None` for this replica's own word
/// (its views knew at once) or a payload it does not understand (a newer
/// kefu's, during a rolling upgrade).
fn decode(replica: &str, payload: &str) -> Option<Change> {
    let (from, change) = payload.split_once(' ')?;
    if from == replica {
        return None;
    }
    match change {
        "q" => Some(Change::Queue),
        "*" => Some(Change::Everything),
        _ => change
            .strip_prefix("s ")
            .filter(|id| !id.is_empty())
            .map(|id| Change::Session(SessionId::from(id))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_travel_between_replicas_and_not_back() {
        for change in [
            Change::Session(SessionId::from("s_1x")),
            Change::Queue,
            Change::Everything,
        ] {
            assert_eq!(decode("b", &encode("a", &change)), Some(change.clone()));
            assert_eq!(decode("a", &encode("a", &change)), None);
        }
        assert_eq!(decode("b", "a s "), None);
        assert_eq!(decode("b", "a ticket 7"), None);
        assert_eq!(decode("b", "garbage"), None);
    }
}
