//! The agent API: the queue, claiming, transcripts, replies, status, notes
//! and (for admins) the audit log. Every call needs an agent bearer token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::desk::model::QueueFilter;
use crate::server::api::*;
use crate::server::auth::{Admin, AnyAgent};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::AppState;
use crate::store::Claim;

/// Who am I (checks a token).
#[utoipa::path(get, path = "/v1/agent/me", tag = "agent", security(("agent_token" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(AnyAgent(agent): AnyAgent) -> Json<Me> {
    Json(Me {
        name: agent.name,
        role: agent.role,
    })
}

/// The queue: urgent first, then oldest.
#[utoipa::path(get, path = "/v1/agent/tickets", tag = "agent", security(("agent_token" = [])),
    params(QueueQuery),
    responses((status = 200, body = QueueResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn queue(
    State(app): State<AppState>,
    AnyAgent(_): AnyAgent,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueueResponse>, ApiError> {
    let filter = QueueFilter {
        status: q.status,
        priority: q.priority,
        limit: q.limit.unwrap_or(100).clamp(1, 500),
    };
    let tickets = app.desk.queue(&filter).await?;
    Ok(Json(QueueResponse {
        tickets: tickets.iter().map(TicketDto::from).collect(),
    }))
}

/// Claim the next ticket in line.
#[utoipa::path(post, path = "/v1/agent/tickets/claim", tag = "agent", security(("agent_token" = [])),
    responses((status = 200, body = TicketDto), (status = 401, body = ErrorBody),
        (status = 404, description = "The queue is empty", body = ErrorBody)))]
pub async fn claim_next(State(app): State<AppState>, AnyAgent(agent): AnyAgent) -> Result<Json<TicketDto>, ApiError> {
    match app.desk.claim(&agent, None).await? {
        Claim::Claimed(t) => Ok(Json(TicketDto::from(t.as_ref()))),
        Claim::Unavailable => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "queue_empty",
            "no pending tickets",
        )),
    }
}

/// Claim one ticket. Of agents claiming at once, exactly one gets it; the
/// others get 409.
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/claim", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already claimed or not pending", body = ErrorBody)))]
pub async fn claim(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TicketDto>, ApiError> {
    match app.desk.claim(&agent, Some(id)).await? {
        Claim::Claimed(t) => Ok(Json(TicketDto::from(t.as_ref()))),
        Claim::Unavailable => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_claimable",
            format!("ticket {id} is not pending: someone else has it or it is resolved"),
        )),
    }
}

/// A ticket with its transcript (personal data masked unless you are an
/// admin), notes and history. The reading is audited.
#[utoipa::path(get, path = "/v1/agent/tickets/{id}", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ticket(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TicketDetail>, ApiError> {
    let view = app.desk.view(&agent, id).await?;
    Ok(Json(TicketDetail {
        ticket: TicketDto::from(&view.ticket),
        messages: view.messages.into_iter().map(MessageDto::from).collect(),
        notes: view.notes.into_iter().map(NoteDto::from).collect(),
        events: view.events.into_iter().map(EventDto::from).collect(),
    }))
}

/// Reply to the user (delivered to their live stream). You must own the ticket.
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/messages", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = AgentText,
    responses((status = 201, body = MessageDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentText>,
) -> Result<(StatusCode, Json<MessageDto>), ApiError> {
    let message = app.desk.agent_reply(&agent, id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(message.into())))
}

/// Set `waiting_on_user`, back to `assigned`, or `resolved`. You must own the ticket.
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/status", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = StatusRequest,
    responses((status = 200, body = TicketDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_status(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Json<TicketDto>, ApiError> {
    let ticket = app.desk.set_status(&agent, id, body.status).await?;
    Ok(Json(TicketDto::from(&ticket)))
}

/// Add an internal note (never shown to the user).
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/notes", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = AgentText,
    responses((status = 201, body = NoteDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentText>,
) -> Result<(StatusCode, Json<NoteDto>), ApiError> {
    let note = app.desk.add_note(&agent, id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// The audit log (admins only).
#[utoipa::path(get, path = "/v1/agent/audit", tag = "agent", security(("agent_token" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditLog), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(app): State<AppState>,
    _: Admin,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditLog>, ApiError> {
    let entries = app.desk.audit_log(q.limit.unwrap_or(200).clamp(1, 1000)).await?;
    Ok(Json(AuditLog {
        entries: entries.into_iter().map(AuditDto::from).collect(),
    }))
}
