//! What only SQLite needs, in one place: one writer at a time (the writer's
//! turn, [`Store::writer`]), the file lock that keeps a second kefu process
//! off the database ([`Store::serve_alone`]), the group commit of
//! conversation turns ([`commit`]) and where recent conversations stand
//! ([`standings`]). PostgreSQL locks rows, serves several replicas and
//! needs none of it: its [`Store`] has no SQLite side.

mod commit;
pub(super) mod standings;

use std::path::PathBuf;
use std::sync::Arc;

use super::{Result, Store, StoreError};
pub(super) use standings::Reach;
use standings::{Standings, Writing};

/// The SQLite side of a [`Store`].
#[derive(Clone)]
pub(super) struct Sqlite {
    /// This process's writers take turns here (see [`Store::writer`]).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Where conversation turns wait to be committed together; `None` in the
    /// store the committing task itself writes with.
    turns: Option<commit::Queue>,
    /// Where recent conversations stand.
    standings: Standings,
    /// The database file, unless it is in memory.
    file: Option<PathBuf>,
    /// Held while this process serves the database ([`Store::serve_alone`]).
    serving: Option<Arc<std::fs::File>>,
}

impl Sqlite {
    /// The SQLite side of a store on `file` (`None`: in memory), before its
    /// group commit starts ([`Store::start_group_commit`]).
    pub(super) fn new(file: Option<PathBuf>) -> Sqlite {
        Sqlite {
            writer: Arc::default(),
            turns: None,
            standings: Standings::new(),
            file,
            serving: None,
        }
    }

    /// Where conversation turns are committed together.
    pub(super) fn turns(&self) -> Option<&commit::Queue> {
        self.turns.as_ref()
    }

    /// Where recent conversations stand.
    pub(super) fn standings(&self) -> &Standings {
        &self.standings
    }
}

impl Store {
    /// Starts committing this SQLite store's conversation turns in groups.
    /// The committing task writes with a copy of the store that has no
    /// queue of its own.
    pub(super) fn start_group_commit(&mut self) {
        let direct = self.clone();
        if let Some(sqlite) = self.sqlite.as_mut() {
            sqlite.turns = Some(commit::Queue::start(direct));
        }
    }

    /// Held for the length of a write, on SQLite. SQLite admits one writer
    /// at a time, and a connection that finds the file locked sleeps in its
    /// busy handler (1 ms, then 2, 5, 10 …) rather than being woken when
    /// the lock frees, so writers from this process's connections queue
    /// here instead. PostgreSQL locks rows and needs no turn. Every SQLite
    /// write takes this turn, which is what lets [`standings`] know when a
    /// remembered standing goes stale: say truthfully what the write `reach`es.
    pub(super) async fn writer(&self, reach: Reach) -> Option<Writing<'_>> {
        let sqlite = self.sqlite.as_ref()?;
        Some(Writing::new(sqlite.writer.lock().await, &sqlite.standings, reach))
    }

    /// Makes this process the server of a SQLite database file, or fails
    /// with [`StoreError::InUse`] while another kefu serves it. The lock is
    /// the kernel's on `<file>-kefu.lock`, so it ends with the process,
    /// however that ends. Readers (`kefu gaps`) need no lock; PostgreSQL and
    /// an in-memory SQLite need none either.
    pub fn serve_alone(&mut self) -> Result<()> {
        let Some(sqlite) = self.sqlite.as_mut() else {
            return Ok(());
        };
        let Some(file) = &sqlite.file else {
            return Ok(());
        };
        let mut path = file.clone().into_os_string();
        path.push("-kefu.lock");
        let lock_error = |source| StoreError::Lock {
            path: std::path::Path::new(&path).display().to_string(),
            source,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(lock_error)?;
        match lock.try_lock() {
            Ok(()) => {
                sqlite.serving = Some(Arc::new(lock));
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
                path: file.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(lock_error(e)),
        }
    }
}

/// The file of a `sqlite:` URL; `None` for an in-memory database.
pub(super) fn database_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory")).then(|| path.into())
}
