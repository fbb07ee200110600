//! The HTTP service: the chat API for users, the agent API, operations
//! endpoints and the OpenAPI document, over the [`Desk`].
//!
//! [`Application::build`] binds (port 0 works, for tests) and wires
//! everything; [`router`] is the routes alone. Routes are registered
//! together with their OpenAPI descriptions, so `/openapi.json` cannot drift
//! from what is served.

pub mod api;
mod assets;
mod auth;
mod error;
mod headers;
mod help;
pub(crate) mod limits;
mod metrics;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, Method, StatusCode};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::{EmbeddingOrigin, Settings};
use crate::desk::{Desk, DeskOptions, Reload, ReloadRefused};
use crate::engine::Engine;
use crate::store::{Store, StoreError};

pub use error::ApiError;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    desk: Arc<Desk>,
    settings: Arc<Settings>,
    limiter: Arc<limits::Limiter>,
    metrics: Arc<metrics::Metrics>,
    shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// Reloads the corpus (from the admin API or SIGHUP) and counts the
    /// outcome.
    async fn reload(&self) -> Result<Reload, ReloadRefused> {
        let result = self.desk.reload(Arc::clone(&self.settings)).await;
        self.metrics.reload(match &result {
            Ok(r) if r.changed => "reloaded",
            Ok(_) => "unchanged",
            Err(ReloadRefused::Busy) => "busy",
            Err(_) => "rejected",
        });
        result
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kefu", description = "FAQ answer engine and help desk: chat API for users, agent API for the human queue."),
    tags(
        (name = "chat", description = "For users: sessions, messages, live stream, handoff, feedback"),
        (name = "agent", description = "For agents: the queue, claiming, replies, notes, audit"),
        (name = "content", description = "Help-center content: quick replies, articles, search"),
        (name = "admin", description = "For admins: reloading the corpus"),
        (name = "ops", description = "Health, readiness, metrics"),
    ),
    modifiers(&Security),
)]
struct ApiDoc;

/// Documents the errors any operation can answer with, which come from
/// shared extractors and layers rather than the handler: a malformed path
/// or query (400), a bad body (400, 413, 415, 422), rate limits (429) and
/// an unavailable database (503). API fuzzing checks every status against
/// this document.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (_, item) in openapi.paths.paths.iter_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                let tags = operation.tags.clone().unwrap_or_default();
                if tags.iter().any(|t| t == "ops") {
                    continue;
                }
                let mut add = |code: &str, what: &str| {
                    operation
                        .responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(what));
                };
                add("400", "A malformed path, query or body");
                add("429", "Too many requests; see Retry-After");
                if operation.request_body.is_some() {
                    add("413", "The body is too large");
                    add("415", "The body is not `Content-Type: application/json`");
                    add("422", "The body does not fit the request schema");
                }
                if !tags.iter().any(|t| t == "content") {
                    add("503", "The database is unavailable; try again shortly");
                }
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |what: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(what.to_string()))
                    .build(),
            )
        };
        components.add_security_scheme("session_secret", bearer("The session secret from POST /v1/sessions"));
        components.add_security_scheme("agent_token", bearer("An agent or admin token from the config file"));
    }
}

/// The routes and the OpenAPI document describing them.
pub fn router(app: AppState) -> Router {
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::chat::create_session))
        .routes(routes!(routes::chat::post_message, routes::chat::get_messages))
        .routes(routes!(routes::chat::events))
        .routes(routes!(routes::chat::request_person))
        .routes(routes!(routes::chat::queue))
        .routes(routes!(routes::chat::leave_contact))
        .routes(routes!(routes::chat::rate))
        .routes(routes!(routes::chat::feedback))
        .routes(routes!(routes::content::quick_replies))
        .routes(routes!(routes::content::article))
        .routes(routes!(routes::content::search))
        .routes(routes!(routes::agent::me))
        .routes(routes!(routes::agent::queue))
        .routes(routes!(routes::agent::claim_next))
        .routes(routes!(routes::agent::claim))
        .routes(routes!(routes::agent::ticket))
        .routes(routes!(routes::agent::reply))
        .routes(routes!(routes::agent::suggestions))
        .routes(routes!(routes::agent::set_status))
        .routes(routes!(routes::agent::add_note))
        .routes(routes!(routes::agent::audit))
        .routes(routes!(routes::agent::events))
        .routes(routes!(routes::agent::presence))
        .routes(routes!(routes::admin::reload))
        .routes(routes!(routes::admin::analytics))
        .routes(routes!(routes::admin::analytics_chart))
        .routes(routes!(routes::admin::gaps))
        .routes(routes!(routes::admin::gap_draft))
        .layer(middleware::from_fn_with_state(app.clone(), limits::per_ip))
        .routes(routes!(routes::ops::healthz))
        .routes(routes!(routes::ops::readyz))
        .routes(routes!(routes::ops::metrics))
        .split_for_parts();
    // After the routes, whose operations it completes.
    CommonErrors.modify(&mut openapi);
    let openapi = Arc::new(openapi);
    let request_id = HeaderName::from_static("x-request-id");
    let body_limit = app.settings.limits.body_bytes;
    let pages = Router::new()
        .route("/", get(assets::demo))
        .route("/agent", get(assets::console))
        .route("/help", get(help::home))
        .route("/help/search", get(help::search))
        .route("/help/categories/{id}", get(help::category))
        .route("/help/articles/{id}", get(help::article))
        .layer(middleware::from_fn_with_state(app.clone(), limits::per_ip));
    // Outside the per-IP limit: a page view loads some twenty script and
    // style modules, compiled in and mostly answered 304 by their ETag, and
    // the people behind one office address share that limit.
    let assets = Router::new()
        .route("/widget.js", get(assets::widget))
        .route("/static/{*file}", get(assets::asset));
    api.merge(pages)
        .merge(assets)
        .route(
            "/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()) }),
        )
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(app.clone(), metrics::track))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; it has been logged",
            ))
        }))
        .layer(middleware::from_fn(headers::security_headers))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(move |request: &axum::http::Request<_>| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Outermost, so preflight requests are answered before routing,
        // which knows no OPTIONS routes.
        .layer(embedding_cors(&app.settings.cors))
        .with_state(app)
}

/// Cross-origin access for the public chat and content API (`/v1/sessions`,
/// quick replies, articles, search) and for the widget's ES modules
/// (`/static/widget/…` and the `/static/lib/…` they import, which a host
/// page loads as module scripts, fetched in CORS mode): the widget runs on the host
/// site's origin. The agent and admin API answers no other origin, so a page
/// elsewhere cannot drive an agent's browser. Sessions authenticate with
/// bearer secrets, never cookies, so credentials are not allowed.
fn embedding_cors(cors: &crate::config::Cors) -> CorsLayer {
    let any = cors.allowed_origins.contains(&EmbeddingOrigin::Any);
    let sites: Vec<String> = cors
        .allowed_origins
        .iter()
        .filter_map(|o| match o {
            EmbeddingOrigin::Site(site) => Some(site.clone()),
            EmbeddingOrigin::Any => None,
        })
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, request| {
            let path = request.uri.path();
            let public = [
                "/v1/sessions",
                "/v1/quick-replies",
                "/v1/articles",
                "/v1/search",
                "/static/widget",
                "/static/lib",
            ]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")));
            public
                && (any
                    || origin
                        .to_str()
                        .is_ok_and(|o| sites.iter().any(|s| s.eq_ignore_ascii_case(o))))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("last-event-id"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// A bound, ready-to-run kefu server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    shutdown: watch::Sender<bool>,
    limiter: Arc<limits::Limiter>,
}

impl Application {
    /// Opens the database (migrating it), builds the desk over `engine` and
    /// binds `settings.address`.
    pub async fn build(settings: Settings, engine: Arc<Engine>) -> Result<Application, ServerError> {
        let mut store = Store::connect(&settings.database_url()).await?;
        store.serve_alone()?;
        let desk = Desk::new(
            engine,
            store,
            DeskOptions {
                message_chars: settings.limits.message_chars,
                public_url: settings.public_url.clone().unwrap_or_default(),
                engine_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
                queue: settings.queue.clone(),
            },
        );
        let listener = TcpListener::bind(settings.address)
            .await
            .map_err(|source| ServerError::Bind {
                address: settings.address,
                source,
            })?;
        let (shutdown, watch) = watch::channel(false);
        let limiter = Arc::new(limits::Limiter::new(&settings.limits));
        let state = AppState {
            desk: Arc::new(desk),
            settings: Arc::new(settings),
            limiter: Arc::clone(&limiter),
            metrics: Arc::new(metrics::Metrics::new()),
            shutdown: watch,
        };
        Ok(Application {
            listener,
            router: router(state.clone()),
            state,
            shutdown,
            limiter,
        })
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn address(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `signal` completes, then stops accepting, ends live
    /// streams and finishes the requests in flight. SIGHUP reloads the
    /// corpus, as `POST /admin/reload` does.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let relay = tokio::spawn(Arc::clone(&self.state.desk).relay_changes());
        let reloader = tokio::spawn(reload_on_hangup(self.state));
        let limiter = self.limiter;
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.forget_idle();
            }
        });
        let shutdown = self.shutdown;
        let result = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            signal.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = shutdown.send(true);
        })
        .await;
        sweeper.abort();
        reloader.abort();
        relay.abort();
        result
    }
}

/// Reloads the corpus on every SIGHUP, the signal daemons conventionally
/// reload on.
async fn reload_on_hangup(state: AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the corpus");
            match state.reload().await {
                Ok(r) => tracing::info!(version = %r.version, changed = r.changed, took_ms = r.took_ms, "reload done"),
                Err(e) => tracing::error!(error = %e, "reload rejected; the previous corpus keeps serving"),
            }
        }
    }
    #[cfg(not(unix))]
    drop(state);
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
