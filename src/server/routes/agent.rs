//! The agent API: the queue, claiming, transcripts, replies, status, notes
//! and (for admins) the audit log. Every call needs an agent bearer token.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use axum::Json;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::config::Role;
use crate::corpus::Lang;
use crate::desk::{Agent, Change, Desk};
use crate::domain::{QueueFilter, Ticket, TicketId};
use crate::handoff::privacy::mask_personal_data;
use crate::server::api::*;
use crate::server::auth::{Admin, AnyAgent};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::limits::ClientIp;
use crate::server::AppState;
use crate::store::Claim;

/// How often the console's stream nudges it to re-read the queue while the
/// desk cannot hear the other replicas (their changes would otherwise not
/// show; every change made anywhere arrives at once otherwise).
const OTHER_REPLICAS: Duration = Duration::from_secs(5);
/// How often it nudges it all the same: tickets pass their SLA and agents
/// go quiet with time alone.
const CLOCK: Duration = Duration::from_secs(30);

fn clock(desk: &Desk) -> Duration {
    if desk.others_live() {
        CLOCK
    } else {
        OTHER_REPLICAS
    }
}

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
    AnyAgent(agent): AnyAgent,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueueResponse>, ApiError> {
    let txid = q.txid.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if txid
        .as_deref()
        .is_some_and(|t| !t.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        // Letters and digits are every TxID there is; anything else would
        // be a pattern, not an id.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "txid: a transaction id has only letters and digits",
        ));
    }
    let filter = QueueFilter {
        status: q.status,
        priority: q.priority,
        limit: q.limit.unwrap_or(100).clamp(1, 500),
        txid,
    };
    let tickets = app.desk.queue(&filter).await?;
    Ok(Json(QueueResponse {
        tickets: tickets.iter().map(|t| dto(&app, &agent, t)).collect(),
    }))
}

/// Claim the next ticket in line.
#[utoipa::path(post, path = "/v1/agent/tickets/claim", tag = "agent", security(("agent_token" = [])),
    responses((status = 200, body = TicketDto), (status = 401, body = ErrorBody),
        (status = 404, description = "The queue is empty", body = ErrorBody)))]
pub async fn claim_next(State(app): State<AppState>, AnyAgent(agent): AnyAgent) -> Result<Json<TicketDto>, ApiError> {
    match app.desk.claim(&agent, None).await? {
        Claim::Claimed(t) => Ok(Json(dto(&app, &agent, &t))),
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
    ApiPath(id): ApiPath<TicketId>,
) -> Result<Json<TicketDto>, ApiError> {
    match app.desk.claim(&agent, Some(id)).await? {
        Claim::Claimed(t) => Ok(Json(dto(&app, &agent, &t))),
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
    ApiPath(id): ApiPath<TicketId>,
) -> Result<Json<TicketDetail>, ApiError> {
    let view = app.desk.view(&agent, id).await?;
    Ok(Json(TicketDetail {
        ticket: dto(&app, &agent, &view.ticket),
        messages: view.messages.into_iter().map(MessageDto::from).collect(),
        notes: view.notes.into_iter().map(NoteDto::from).collect(),
        events: view.events.into_iter().map(EventDto::from).collect(),
    }))
}

/// Agent assist: for each of the conversation's latest user messages the
/// bot could read, the articles it would offer (best first, the first with
/// its confidence), to send with one click.
#[utoipa::path(get, path = "/v1/agent/tickets/{id}/suggestions", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = AssistResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(app): State<AppState>,
    AnyAgent(_agent): AnyAgent,
    ApiPath(id): ApiPath<TicketId>,
) -> Result<Json<AssistResponse>, ApiError> {
    Ok(Json(AssistResponse {
        messages: app.desk.assist(id).await?,
    }))
}

/// Reply to the user (delivered to their live stream). You must own the ticket.
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/messages", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = AgentReply,
    responses((status = 201, body = MessageDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<AgentReply>,
) -> Result<(StatusCode, Json<MessageDto>), ApiError> {
    let message = app
        .desk
        .agent_reply(&agent, id, &body.text, body.article_id.as_ref())
        .await?;
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
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Json<TicketDto>, ApiError> {
    let ticket = app.desk.set_status(&agent, id, body.status).await?;
    Ok(Json(dto(&app, &agent, &ticket)))
}

/// Add an internal note (never shown to the user).
#[utoipa::path(post, path = "/v1/agent/tickets/{id}/notes", tag = "agent", security(("agent_token" = [])),
    params(("id" = i64, Path, description = "Ticket id")), request_body = AgentText,
    responses((status = 201, body = NoteDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiPath(id): ApiPath<TicketId>,
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

/// Live changes for the console (`text/event-stream`): `queue` when the
/// queue may have changed, `session` (data `{"session_id"}`) when a
/// conversation has new messages, made through this replica or any other
/// (on PostgreSQL the replicas tell each other); a `queue` event also comes
/// every 30 seconds as tickets age, every 5 while the replicas cannot hear
/// each other.
#[utoipa::path(get, path = "/v1/agent/events", tag = "agent", security(("agent_token" = [])),
    responses((status = 200, description = "text/event-stream"), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many live streams for this agent or address", body = ErrorBody)))]
pub async fn events(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ip: Option<Extension<ClientIp>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let permit = app
        .limiter
        .agent_stream(&agent.name, ip.map_or(ClientIp(None), |e| e.0))?;
    let changes = app.desk.subscribe();
    let shutdown = app.shutdown.clone();
    let desk = Arc::clone(&app.desk);
    let stream = stream::unfold(
        (changes, shutdown, permit, desk),
        |(mut changes, mut shutdown, permit, desk)| async move {
            let event = tokio::select! {
                change = changes.recv() => match change {
                    Ok(Change::Session(id)) => Event::default()
                        .event("session")
                        .data(serde_json::json!({ "session_id": id }).to_string()),
                    Ok(Change::Queue | Change::Everything) | Err(RecvError::Lagged(_)) => {
                        Event::default().event("queue").data("{}")
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep(clock(&desk)) => Event::default().event("queue").data("{}"),
                _ = shutdown.changed() => return None,
            };
            Some((Ok(event), (changes, shutdown, permit, desk)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A ticket as agents see it, flagged when it is past its SLA.
/// The ticket as `agent` may see it: the address in full for admins only,
/// as other personal data.
fn dto(app: &AppState, agent: &Agent, ticket: &Ticket) -> TicketDto {
    let lang = ticket.locale.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
    let engine = app.desk.engine();
    let topic_title = ticket
        .topic
        .as_ref()
        .and_then(|id| engine.article(id))
        .map(|a| a.title.text(lang).to_string());
    let confident = ticket.confidence >= f64::from(engine.answerer().thresholds().answer);
    // The user's words, masked for agents as the transcript is.
    let question = match agent.role {
        Role::Admin => ticket.question.clone(),
        Role::Agent => ticket.question.as_deref().map(mask_personal_data),
    };
    let title = match (&topic_title, &question) {
        (Some(topic), _) if confident => Some(topic.clone()),
        (_, Some(question)) => Some(question.clone()),
        (topic, None) => topic.clone(),
    };
    TicketDto {
        sla_breached: app.desk.sla_breached(ticket),
        topic_title,
        title,
        question,
        details: match agent.role {
            Role::Admin => ticket.details.clone(),
            Role::Agent => ticket.details.masked(),
        },
        ..TicketDto::from(ticket)
    }
}

/// Set yourself online (taking tickets) or away. The console repeats this
/// every 30 s while open; users waiting in the queue are told honestly when
/// nobody is online.
#[utoipa::path(post, path = "/v1/agent/presence", tag = "agent", security(("agent_token" = [])),
    request_body = PresenceRequest,
    responses((status = 204, description = "Recorded"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn presence(
    State(app): State<AppState>,
    AnyAgent(agent): AnyAgent,
    ApiJson(body): ApiJson<PresenceRequest>,
) -> Result<StatusCode, ApiError> {
    app.desk.set_presence(&agent, body.status).await?;
    Ok(StatusCode::NO_CONTENT)
}
