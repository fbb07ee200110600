//! The one error type of the HTTP edge: every failure becomes a status code
//! and `{"error": {"code", "message"}}`. User mistakes get a 4xx naming the
//! problem; internal failures get a 5xx whose details go only to the log.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::desk::{DeskError, ReloadRefused};
use crate::engine::reload::ReloadError;
use crate::insights::PeriodError;
use crate::store::StoreError;

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    problems: Vec<String>,
    retry_after: Option<u64>,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (`session_not_found`, `message_too_long`, …).
    pub code: String,
    /// For people.
    pub message: String,
    /// Each problem on its own, when there are several (a rejected corpus
    /// lists every file and line at fault).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    /// The same error listing `problems` one by one.
    pub fn with_problems(self, problems: Vec<String>) -> ApiError {
        ApiError { problems, ..self }
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(what: &str, retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many requests from this {what}; retry in {} s",
                    retry_after_secs.max(1)
                ),
            )
        }
    }

    /// 429: the caller holds as many live streams as allowed; one frees
    /// when a stream ends (a tab closes).
    pub fn too_many_streams(holder: &str, cap: u32) -> ApiError {
        ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!("this {holder} already has {cap} live streams open; close one (or a tab) and retry"),
            )
        }
    }

    /// 401: no or unknown credentials.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: known caller, not allowed.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 500; the details are logged, the client gets a generic message.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                problems: self.problems,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        use DeskError::*;
        let message = e.to_string();
        match e {
            UnknownSession(_) => ApiError::new(StatusCode::NOT_FOUND, "session_not_found", message),
            WrongSecret => ApiError::new(StatusCode::FORBIDDEN, "wrong_session_secret", message),
            EmptyMessage => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "empty_message", message),
            MessageTooLong { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "message_too_long", message),
            UnknownMessage(_) => ApiError::new(StatusCode::NOT_FOUND, "message_not_found", message),
            NotAnAnswer(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_an_answer", message),
            UnknownArticle(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_article", message),
            UnknownTicket(_) => ApiError::new(StatusCode::NOT_FOUND, "ticket_not_found", message),
            NotYourTicket { .. } => ApiError::new(StatusCode::CONFLICT, "not_your_ticket", message),
            BadTransition { .. } => ApiError::new(StatusCode::CONFLICT, "invalid_transition", message),
            InvalidEmail(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", message),
            NoOpenTicket => ApiError::new(StatusCode::CONFLICT, "no_open_ticket", message),
            InvalidRating(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rating", message),
            NothingToRate => ApiError::new(StatusCode::CONFLICT, "nothing_to_rate", message),
            Store(e) => e.into(),
            Engine(e) => ApiError::internal(&e),
            Turn(e) => ApiError::internal(&e),
            NoRandomness | EngineStopped => ApiError::internal(&message),
        }
    }
}

impl From<ReloadRefused> for ApiError {
    fn from(e: ReloadRefused) -> ApiError {
        let message = e.to_string();
        match e {
            ReloadRefused::Busy => ApiError::new(StatusCode::CONFLICT, "reload_in_progress", message),
            ReloadRefused::Stopped => ApiError::internal(&message),
            ReloadRefused::Rejected(e) => {
                let code = match &e {
                    ReloadError::Corpus(_) => "corpus_invalid",
                    ReloadError::GateFailed(_) => "gate_failed",
                    ReloadError::GateUnusable(_) => "gate_unusable",
                    ReloadError::Build(_) => {
                        tracing::error!(error = %e, "reload failed");
                        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "reload_failed", message);
                    }
                };
                let problems = e.problems();
                let summary = message.lines().next().unwrap_or_default().to_string();
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, summary).with_problems(problems)
            }
        }
    }
}

impl From<PeriodError> for ApiError {
    fn from(e: PeriodError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_range", e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if e.is_unavailable() {
            tracing::error!(error = %e, "database unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unavailable; try again shortly",
            )
        } else {
            ApiError::internal(&e)
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let code = match &r {
            JsonRejection::JsonDataError(_) => "invalid_request",
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            JsonRejection::MissingJsonContentType(_) => "expected_json",
            JsonRejection::BytesRejection(_) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            _ => "invalid_body",
        };
        ApiError::new(r.status(), code, r.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> ApiError {
        let code = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            "invalid_body"
        };
        ApiError::new(r.status(), code, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())
    }
}
