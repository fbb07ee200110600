//! The chat API for users: sessions, messages, the live stream, asking for
//! a person, feedback.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use axum::Json;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::desk::{Change, Desk, QueueStatus, Turn};
use crate::domain::Session;
use crate::domain::SessionId;
use crate::domain::TicketStatus;
use crate::server::api::*;
use crate::server::auth::bearer;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::limits::{ClientIp, StreamPermit};
use crate::server::AppState;

/// How often a live stream looks at the database itself: while the desk
/// cannot hear the other replicas (their changes would otherwise not show),
/// and while the user waits in line (agents' presence and service hours
/// change with time alone). Otherwise every change wakes it at once.
const POLL: Duration = Duration::from_secs(2);
/// The most messages one transcript page returns.
const PAGE: i64 = 500;

/// Start a conversation.
#[utoipa::path(post, path = "/v1/sessions", tag = "chat",
    request_body(content = NewSessionRequest, description = "Optional; `{}` is fine"),
    responses(
        (status = 201, body = SessionCreated),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn create_session(
    State(app): State<AppState>,
    OptionalJson(request): OptionalJson<NewSessionRequest>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let channel = request.channel.as_deref().unwrap_or("api");
    if channel.is_empty() || channel.len() > 32 || !channel.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_channel",
            "channel must be 1-32 ASCII letters, digits or dashes",
        ));
    }
    let created = app.desk.open_session(request.locale, channel).await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            id: created.session.id,
            secret: created.secret,
        }),
    ))
}

/// Send a message; get the bot's decision, or, while a person owns the
/// conversation, hand it to them.
#[utoipa::path(post, path = "/v1/sessions/{id}/messages", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    request_body = UserMessageRequest,
    security(("session_secret" = [])),
    responses(
        (status = 200, body = TurnResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(session = %id))]
pub async fn post_message(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UserMessageRequest>,
) -> Result<Json<TurnResponse>, ApiError> {
    let session = session(&app, &id, &headers, None).await?;
    app.limiter.check_session(session.id.as_str())?;
    let turn = app
        .desk
        .user_message(&session, &body.text, body.locale, body.article_id.as_ref())
        .await?;
    if let Some(reply) = &turn.reply {
        app.metrics.decision(reply.decision);
    }
    if let Some(took) = turn.engine_time {
        app.metrics.engine(took.total, took.embedding, took.cached);
    }
    respond(&app, turn).await
}

/// The turn as answered, with the user's place in line when they wait for
/// a person.
async fn respond(app: &AppState, turn: Turn) -> Result<Json<TurnResponse>, ApiError> {
    let queue = match &turn.ticket {
        Some(t) if t.status != TicketStatus::Resolved => Some(app.desk.queue_status_of(t).await?),
        _ => None,
    };
    let mut response = TurnResponse::from(turn);
    response.queue = queue;
    Ok(Json(response))
}

/// The transcript (user, bot, agent and system messages), oldest first.
#[utoipa::path(get, path = "/v1/sessions/{id}/messages", tag = "chat",
    params(("id" = String, Path, description = "Session id"), TranscriptQuery),
    security(("session_secret" = [])),
    responses((status = 200, body = Transcript), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_messages(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    ApiQuery(query): ApiQuery<TranscriptQuery>,
    headers: HeaderMap,
) -> Result<Json<Transcript>, ApiError> {
    let session = session(&app, &id, &headers, query.secret.as_deref()).await?;
    let messages = app.desk.transcript(&session, query.after.unwrap_or(0), PAGE).await?;
    Ok(Json(Transcript {
        messages: messages.into_iter().map(MessageDto::from).collect(),
    }))
}

/// New messages as Server-Sent Events (`event: message`, `id` = message id;
/// reconnecting with `Last-Event-ID` or `after` resumes without gaps), and
/// `event: queue` with the [`QueueStatusResponse`] whenever the user's place
/// in line, wait estimate or the agents' presence changes.
#[utoipa::path(get, path = "/v1/sessions/{id}/events", tag = "chat",
    params(("id" = String, Path, description = "Session id"), TranscriptQuery),
    security(("session_secret" = [])),
    responses((status = 200, description = "text/event-stream of MessageDto"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, description = "Too many live streams for this session or address", body = ErrorBody)))]
pub async fn events(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    ApiQuery(query): ApiQuery<TranscriptQuery>,
    headers: HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let session = session(&app, &id, &headers, query.secret.as_deref()).await?;
    let permit = app
        .limiter
        .session_stream(session.id.as_str(), ip.map_or(ClientIp(None), |e| e.0))?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let cursor = resume.or(query.after).unwrap_or(0);
    let live = Live {
        app: app.clone(),
        changes: app.desk.subscribe(),
        shutdown: app.shutdown.clone(),
        session,
        cursor,
        pending: Vec::new(),
        queue: None,
        check_queue: true,
        _permit: permit,
    };
    let stream = stream::unfold(live, |mut live| async move {
        let event = live.next().await?;
        Some((Ok(event), live))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One user's live stream: new messages and, while they wait for a person,
/// their queue status whenever it changes.
struct Live {
    app: AppState,
    changes: tokio::sync::broadcast::Receiver<Change>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    session: Session,
    cursor: i64,
    /// Read but not yet sent, newest first.
    pending: Vec<MessageDto>,
    /// The queue status last sent.
    queue: Option<QueueStatus>,
    /// Whether the queue status may have changed: at the start, after new
    /// messages (a handoff, an agent joining), and on every wake while the
    /// user waits in line.
    check_queue: bool,
    /// This stream's place under the session's and the address's caps.
    _permit: StreamPermit,
}

impl Live {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(message) = self.pending.pop() {
                return Some(
                    Event::default()
                        .event("message")
                        .id(message.id.to_string())
                        .json_data(&message)
                        .unwrap_or_else(|_| Event::default().comment("unencodable message")),
                );
            }
            if *self.shutdown.borrow() {
                return None;
            }
            match self.app.desk.transcript(&self.session, self.cursor, PAGE).await {
                Ok(messages) if !messages.is_empty() => {
                    self.cursor = messages.last().map_or(self.cursor, |m| m.id);
                    self.pending = messages.into_iter().rev().map(MessageDto::from).collect();
                    self.check_queue = true;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "live stream could not read the transcript"),
            }
            if self.check_queue {
                match self.app.desk.queue_status(&self.session).await {
                    Ok(status) if status != self.queue => {
                        self.check_queue = waits_in_line(status.as_ref());
                        self.queue = status.clone();
                        return Some(
                            Event::default()
                                .event("queue")
                                .json_data(QueueStatusResponse { queue: status })
                                .unwrap_or_else(|_| Event::default().comment("unencodable queue status")),
                        );
                    }
                    Ok(status) => self.check_queue = waits_in_line(status.as_ref()),
                    Err(e) => tracing::warn!(error = %e, "live stream could not read the queue"),
                }
            }
            let queue_too = self.check_queue;
            tokio::select! {
                _ = wait_for_session(&mut self.changes, &self.session.id, queue_too) => {}
                _ = poll(&self.app.desk, queue_too) => {}
                _ = self.shutdown.changed() => return None,
            }
        }
    }
}

/// Completes when a live stream should look for itself (see [`POLL`]).
async fn poll(desk: &Desk, waiting: bool) {
    if waiting || !desk.others_live() {
        tokio::time::sleep(POLL).await;
    } else {
        std::future::pending::<()>().await;
    }
}

fn waits_in_line(status: Option<&QueueStatus>) -> bool {
    status.is_some_and(|s| s.status == TicketStatus::Pending)
}

/// Until something changes in `session` (or, with `queue`, anywhere in the
/// queue).
async fn wait_for_session(changes: &mut tokio::sync::broadcast::Receiver<Change>, session: &SessionId, queue: bool) {
    loop {
        match changes.recv().await {
            Ok(Change::Session(s)) if &s == session => return,
            Ok(Change::Queue) if queue => return,
            Ok(Change::Everything) => return,
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => return,
            Err(RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

/// Ask for a person (the widget's button).
#[utoipa::path(post, path = "/v1/sessions/{id}/handoff", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = HandoffRequest, description = "Optional"),
    security(("session_secret" = [])),
    responses((status = 200, body = TurnResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn request_person(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
    OptionalJson(request): OptionalJson<HandoffRequest>,
) -> Result<Json<TurnResponse>, ApiError> {
    let session = session(&app, &id, &headers, None).await?;
    app.limiter.check_session(session.id.as_str())?;
    let locale = request.locale;
    let turn = app.desk.request_person(&session, locale).await?;
    respond(&app, turn).await
}

/// The user's place in the queue for a person and the estimated wait, and
/// whether anyone is online; `queue` is null when nobody is waiting. The
/// live stream sends the same as `event: queue` whenever it changes.
#[utoipa::path(get, path = "/v1/sessions/{id}/queue", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    security(("session_secret" = [])),
    responses((status = 200, body = QueueStatusResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
) -> Result<Json<QueueStatusResponse>, ApiError> {
    let session = session(&app, &id, &headers, None).await?;
    Ok(Json(QueueStatusResponse {
        queue: app.desk.queue_status(&session).await?,
    }))
}

/// Leave an e-mail address for a follow-up (when nobody is online, or
/// outside service hours). The ticket keeps it for the agent who takes it.
#[utoipa::path(post, path = "/v1/sessions/{id}/contact", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    request_body = ContactRequest,
    security(("session_secret" = [])),
    responses((status = 200, body = QueueStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The conversation is not waiting for a person", body = ErrorBody),
        (status = 422, description = "Not an e-mail address", body = ErrorBody)))]
pub async fn leave_contact(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ContactRequest>,
) -> Result<Json<QueueStatus>, ApiError> {
    let session = session(&app, &id, &headers, None).await?;
    app.limiter.check_session(session.id.as_str())?;
    Ok(Json(app.desk.leave_contact(&session, &body.email).await?))
}

/// Rate the conversation with the agent who resolved the latest ticket
/// (customer satisfaction): 1 (bad) to 5 (great), with an optional comment.
/// Rating again replaces the rating.
#[utoipa::path(post, path = "/v1/sessions/{id}/rating", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    request_body = RatingRequest,
    security(("session_secret" = [])),
    responses((status = 200, body = RatingResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No agent has resolved a ticket of this conversation", body = ErrorBody),
        (status = 422, description = "Not 1 to 5, or a comment too long", body = ErrorBody)))]
pub async fn rate(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RatingRequest>,
) -> Result<Json<RatingResponse>, ApiError> {
    let session = session(&app, &id, &headers, None).await?;
    app.limiter.check_session(session.id.as_str())?;
    let ticket = app.desk.rate(&session, body.rating, body.comment.as_deref()).await?;
    Ok(Json(RatingResponse {
        ticket_id: ticket.id,
        rating: body.rating,
    }))
}

/// Rate an answer. "Not helpful" gets a follow-up with the next suggestion
/// and the offer of a person.
#[utoipa::path(post, path = "/v1/sessions/{id}/feedback", tag = "chat",
    params(("id" = String, Path, description = "Session id")),
    request_body = FeedbackRequest,
    security(("session_secret" = [])),
    responses((status = 200, body = FeedbackResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<SessionId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<FeedbackRequest>,
) -> Result<Json<FeedbackResponse>, ApiError> {
    if let Some(comment) = &body.comment {
        if comment.chars().count() > app.settings.limits.message_chars {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "comment_too_long",
                format!(
                    "the comment is longer than {} characters",
                    app.settings.limits.message_chars
                ),
            ));
        }
    }
    let session = session(&app, &id, &headers, None).await?;
    app.limiter.check_session(session.id.as_str())?;
    let follow_up = app
        .desk
        .feedback(
            &session,
            body.message_id,
            body.helpful,
            body.comment.as_deref(),
            body.locale,
        )
        .await?;
    app.metrics.feedback(body.helpful);
    Ok(Json(FeedbackResponse {
        recorded: true,
        follow_up: follow_up.map(|(m, _)| MessageDto::from(m)),
    }))
}

/// The session `id`, authenticated by its secret in `Authorization: Bearer`
/// (or, for streams, the `secret` query parameter).
async fn session(
    app: &AppState,
    id: &SessionId,
    headers: &HeaderMap,
    query_secret: Option<&str>,
) -> Result<Session, ApiError> {
    let secret = bearer(headers)
        .or(query_secret)
        .ok_or_else(|| ApiError::unauthorized("this call needs the session secret: Authorization: Bearer <secret>"))?;
    Ok(app.desk.authenticate(id, secret).await?)
}
