//! Word between replicas. On PostgreSQL several kefu processes serve one
//! help desk; what one of them changes (a message, the queue) the others'
//! live streams must show at once. PostgreSQL carries that itself: `NOTIFY`
//! on a channel named after the schema, delivered to every connection that
//! `LISTEN`s on it, in commit order and only once the write is committed. No
//! broker to run, and nothing is kept: a replica that was not listening
//! missed what was said, which is why [`ReplicaListener::next`] reports a
//! lost connection instead of hiding it.
//!
//! The payloads are the desk's; the store only carries them.

use sqlx::postgres::PgListener;

use super::{Result, Store};

/// The channel every replica of one desk shares, on PostgreSQL.
#[derive(Debug, Clone)]
pub(super) struct Replicas {
    /// Where to open the listening connection (the pool's URL).
    url: String,
    /// `kefu_changes` and the schema, so desks in different schemas of one
    /// database (the test suite's, or a staging desk's) do not hear each
    /// other. A channel name is an identifier: at most 63 bytes.
    channel: String,
}

impl Replicas {
    pub(super) fn new(url: &str, schema: &str) -> Replicas {
        let mut channel = format!("kefu_changes.{schema}");
        while channel.len() > 63 {
            channel.pop();
        }
        Replicas {
            url: url.to_string(),
            channel,
        }
    }
}

/// Hears what the other replicas tell (see [`Store::hear_replicas`]).
pub struct ReplicaListener {
    listener: PgListener,
}

impl ReplicaListener {
    /// The next payload; `None` when the connection was lost and has been
    /// opened again, so anything said meanwhile was missed.
    pub async fn next(&mut self) -> Result<Option<String>> {
        Ok(self.listener.try_recv().await?.map(|n| n.payload().to_string()))
    }
}

impl Store {
    /// Whether other processes may serve this desk too (PostgreSQL), so
    /// changes have to be told to them.
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }

    /// Tells every replica listening (this one included) `payloads`, in one
    /// statement. Nothing on SQLite, which one process serves.
    pub async fn tell_replicas(&self, payloads: &[String]) -> Result<()> {
        let Some(replicas) = &self.replicas else {
            return Ok(());
        };
        if payloads.is_empty() {
            return Ok(());
        }
        let calls: Vec<String> = (0..payloads.len())
            .map(|i| format!("pg_notify($1, ${})", i + 2))
            .collect();
        let sql = format!("SELECT {}", calls.join(", "));
        let mut query = sqlx::query(&sql).bind(replicas.channel.clone());
        for payload in payloads {
            query = query.bind(payload.clone());
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// A connection listening to what the replicas tell; `None` on SQLite.
    pub async fn hear_replicas(&self) -> Result<Option<ReplicaListener>> {
        let Some(replicas) = &self.replicas else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(&replicas.url).await?;
        listener.listen(&replicas.channel).await?;
        Ok(Some(ReplicaListener { listener }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_is_named_after_the_schema_and_fits_an_identifier() {
        assert_eq!(Replicas::new("postgres://x", "public").channel, "kefu_changes.public");
        assert_eq!(Replicas::new("postgres://x", &"s".repeat(80)).channel.len(), 63);
    }
}
