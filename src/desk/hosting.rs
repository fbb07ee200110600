//! Hosting the answer engine: the live engine (swapped whole by a corpus
//! reload, requests in flight keep theirs) and the workers that run its
//! CPU-bound calls off the async runtime, one per core.

use std::sync::Arc;

use serde::Serialize;

use super::{Desk, DeskError, Result};
use crate::config::Settings;
use crate::corpus::Lang;
use crate::engine::reload::{self, ReloadError};
use crate::engine::{Engine, SearchHit};

/// Why a corpus reload did not happen. The live engine keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum ReloadRefused {
    /// Another reload is running.
    #[error("a reload is already running; try again when it finishes")]
    Busy,
    /// The new corpus failed a check.
    #[error(transparent)]
    Rejected(#[from] ReloadError),
    /// The reload's worker thread died.
    #[error("the reload stopped unexpectedly")]
    Stopped,
}

/// What a reload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reload {
    /// The version that was live before.
    pub previous_version: String,
    /// The version live now.
    pub version: String,
    /// Whether the corpus had changed (an unchanged corpus is not rebuilt).
    pub changed: bool,
    /// Articles live now.
    pub articles: usize,
    /// What the dev-set gate measured; absent when nothing changed or there
    /// is no dev set.
    #[schema(value_type = Option<Object>)]
    pub gate: Option<reload::GateResult>,
    /// How long loading and checking took, in milliseconds.
    pub took_ms: u64,
}

impl Desk {
    /// The live answer engine. Callers keep this one for the whole of a
    /// request, so a reload never changes the engine under them.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Loads the corpus `settings` names and, if it changed and passes every
    /// check, makes it live; requests in flight finish on the engine they
    /// started with. One reload runs at a time.
    pub async fn reload(&self, settings: Arc<Settings>) -> std::result::Result<Reload, ReloadRefused> {
        let _one_at_a_time = self.reloading.try_lock().map_err(|_| ReloadRefused::Busy)?;
        let live = self.engine();
        let previous = live.version().to_string();
        let span = tracing::Span::current();
        let reloaded = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            reload::prepare(&live, &settings)
        })
        .await
        .map_err(|_| ReloadRefused::Stopped)??;
        let changed = reloaded.engine.is_some();
        if let Some(engine) = reloaded.engine {
            self.engine.store(Arc::new(engine));
            tracing::info!(from = %previous, to = %reloaded.version, articles = reloaded.articles, "corpus reloaded");
        }
        Ok(Reload {
            previous_version: previous,
            version: reloaded.version,
            changed,
            articles: reloaded.articles,
            gate: reloaded.gate,
            took_ms: reloaded.took.as_millis() as u64,
        })
    }

    /// Help-center search on the engine's workers.
    pub async fn search(&self, query: &str, lang: Lang, limit: usize) -> Result<Vec<SearchHit>> {
        let query = query.to_string();
        Ok(self
            .on_engine(self.engine(), move |engine| engine.search(&query, lang, limit))
            .await??)
    }

    /// Runs CPU-bound engine work on a blocking thread, at most one call per
    /// worker permit, so the async runtime never stalls and a burst of
    /// questions queues instead of oversubscribing the cores.
    pub async fn on_engine<T: Send + 'static>(
        &self,
        engine: Arc<Engine>,
        work: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self.workers.acquire().await.map_err(|_| DeskError::EngineStopped)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            work(&engine)
        })
        .await
        .map_err(|_| DeskError::EngineStopped)
    }
}
