//! The JSON shapes of the HTTP API, and extractors whose rejections are
//! [`ApiError`]s. The desk's records are mapped here so the API can stay
//! stable while storage changes.

mod admin;
mod agent;
mod articles;
mod chat;

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use super::error::ApiError;
pub use admin::{AnalyticsQuery, GapsQuery, GapsResponse, ReportFormat};
pub use agent::{
    AgentReply, AgentText, AssistResponse, AuditDto, AuditLog, AuditQuery, EventDto, Me, NoteDto, PresenceRequest,
    QueueQuery, QueueResponse, StatusRequest, TicketDetail, TicketDto,
};
pub use articles::{ArticleDto, LangQuery, QuickReplies, QuickReply, SearchQuery, SearchResult, SearchResults};
pub use chat::{
    ContactRequest, FeedbackRequest, FeedbackResponse, HandoffRequest, MessageDto, NewSessionRequest,
    QueueStatusResponse, RatingRequest, RatingResponse, SessionCreated, TicketSummary, Transcript, TranscriptQuery,
    TurnResponse, UserMessageRequest,
};

/// `Json` whose rejection is an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A JSON body that may be left out (empty means all defaults), for calls
/// like `POST /v1/sessions` whose every field is optional. A body must say
/// `Content-Type: application/json`: a `text/plain` one would make the call
/// a "simple" cross-origin request that browsers send without asking first.
/// Every rejection (too large, wrong type, bad JSON) is an [`ApiError`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let declared = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .map(|v| v.to_str().map(is_json).unwrap_or(false));
        let body = axum::body::Bytes::from_request(request, state).await?;
        let empty = body.iter().all(u8::is_ascii_whitespace);
        match declared {
            Some(true) if empty => return Ok(OptionalJson(T::default())),
            Some(true) => {}
            None if empty => return Ok(OptionalJson(T::default())),
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "expected_json",
                    "send the body as JSON with Content-Type: application/json (or no body at all)",
                ))
            }
        }
        serde_json::from_slice(&body).map(OptionalJson).map_err(|e| {
            let (status, code) = if e.is_data() {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
            } else {
                (StatusCode::BAD_REQUEST, "invalid_json")
            };
            ApiError::new(status, code, format!("invalid request body: {e}"))
        })
    }
}

/// `application/json`, `application/json; charset=utf-8`, `application/…+json`.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `Path` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

pub use crate::domain::rfc3339 as timestamp;
