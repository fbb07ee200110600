//! Group commit of conversation turns on SQLite.
//!
//! SQLite admits one writer at a time, and with `synchronous = FULL` every
//! commit waits for the disk to flush the write-ahead log (about a
//! millisecond on the development machine); sqlx runs each SQLite
//! connection on a thread of its own, so every statement is also a round
//! trip between threads. One transaction per turn would cap a busy desk at
//! about a thousand turns a second however fast the engine answers. So turns
//! queue here, and one task writes whatever has queued while the previous
//! commit was flushing in one transaction, with multi-row inserts: the
//! flushes and statements are shared, and each turn is still on disk before
//! its request is acknowledged. A lone turn pays only the hop to the task.

use tokio::sync::{mpsc, oneshot};

use crate::domain::NewTurn;
use crate::store::{only, RecordedTurn, Result, Store, StoreError};

/// The most turns one commit writes: bounds how long the writer holds
/// SQLite's lock, which claims and agent replies wait for.
const MOST_PER_COMMIT: usize = 64;

/// Turns waiting for a commit, beyond which senders wait too: requests
/// already wait for their own turn, so this only bounds a burst.
const QUEUE: usize = 1024;

/// Where [`Store::record_turn`] leaves a turn and waits for its commit.
#[derive(Clone)]
pub(in crate::store) struct Queue {
    sender: mpsc::Sender<Waiting>,
}

struct Waiting {
    turn: NewTurn,
    done: oneshot::Sender<Result<RecordedTurn>>,
}

impl Queue {
    /// Starts the committing task on `store`, which must write directly
    /// (have no queue of its own). The task ends when the last `Queue` is
    /// dropped.
    pub(in crate::store) fn start(store: Store) -> Queue {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(commit_all(store, receiver));
        Queue { sender }
    }

    /// Queues `turn` and waits until it is committed.
    pub(in crate::store) async fn record(&self, turn: NewTurn) -> Result<RecordedTurn> {
        let (done, committed) = oneshot::channel();
        self.sender
            .send(Waiting { turn, done })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        committed.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn commit_all(store: Store, mut receiver: mpsc::Receiver<Waiting>) {
    let mut waiting = Vec::with_capacity(MOST_PER_COMMIT);
    while receiver.recv_many(&mut waiting, MOST_PER_COMMIT).await > 0 {
        let (turns, done): (Vec<NewTurn>, Vec<_>) = waiting.drain(..).map(|w| (w.turn, w.done)).unzip();
        tracing::trace!(turns = turns.len(), "group commit");
        match store.write_turns(&turns).await {
            Ok(written) => {
                for (done, turn) in done.into_iter().zip(written) {
                    let _ = done.send(Ok(turn));
                }
            }
            Err(e) if turns.len() == 1 => {
                if let Some(done) = done.into_iter().next() {
                    let _ = done.send(Err(e));
                }
            }
            // One turn's failure must not fail the others: each again,
            // alone, to learn which.
            Err(_) => {
                for (turn, done) in turns.iter().zip(done) {
                    let alone = store.write_turns(std::slice::from_ref(turn)).await.and_then(only);
                    let _ = done.send(alone);
                }
            }
        }
    }
}
