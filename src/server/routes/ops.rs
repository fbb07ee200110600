//! Operations: liveness, readiness, metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::server::AppState;

/// Liveness and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Articles in the live index.
    pub articles: usize,
    /// The live corpus version (its fingerprint).
    pub corpus_version: String,
    /// Whether the database answered.
    pub database: bool,
    /// Whether changes made through other replicas reach this one's live
    /// streams as they happen (always with SQLite; with PostgreSQL while
    /// this replica hears the others, else its streams poll).
    pub replicas_live: bool,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
pub async fn healthz(State(app): State<AppState>) -> Json<Health> {
    Json(health(&app, true))
}

/// Index, model and database are ready: 503 when the database is down.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn readyz(State(app): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = app.desk.store().ping().await.is_ok();
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health(&app, database)))
}

fn health(app: &AppState, database: bool) -> Health {
    let engine = app.desk.engine();
    let corpus = engine.corpus();
    Health {
        status: if database { "ok" } else { "unavailable" },
        articles: corpus.articles.len(),
        corpus_version: engine.version().to_string(),
        database,
        replicas_live: app.desk.others_live(),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text")))]
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let body = app.metrics.render(&app.desk).await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}
