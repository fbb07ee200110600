//! Administration: putting a changed corpus live without a restart.

use axum::extract::State;
use axum::Json;

use crate::desk::Reload;
use crate::server::auth::Admin;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::AppState;

/// Reloads the corpus from disk: builds the new index and vectors beside the
/// live ones, runs the dev-set gate and swaps atomically. Requests keep being
/// answered throughout; a corpus with problems, or one that fails the gate,
/// is rejected with every problem listed and the old one keeps serving.
#[utoipa::path(post, path = "/admin/reload", tag = "admin", security(("agent_token" = [])),
    responses(
        (status = 200, description = "The corpus now live (unchanged if nothing changed)", body = Reload),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Another reload is running", body = ErrorBody),
        (status = 422, description = "The new corpus was rejected; `problems` lists why", body = ErrorBody),
        (status = 500, body = ErrorBody)))]
pub async fn reload(State(app): State<AppState>, _admin: Admin) -> Result<Json<Reload>, ApiError> {
    Ok(Json(app.reload().await?))
}
