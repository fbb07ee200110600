//! Per-IP and per-session rate limits (GCRA, from `governor`): one client
//! or one runaway session cannot starve everyone else of the engine.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use super::AppState;
use crate::config::Limits;

/// The limiters of one kefu process.
pub struct Limiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_session: DefaultKeyedRateLimiter<String>,
    trust_forwarded_for: bool,
}

impl Limiter {
    /// Limiters for `limits`.
    pub fn new(limits: &Limits) -> Limiter {
        let quota = |per_minute: u32| Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Limiter {
            per_ip: RateLimiter::keyed(quota(limits.per_ip_per_minute)),
            per_session: RateLimiter::keyed(quota(limits.per_session_per_minute)),
            trust_forwarded_for: limits.trust_forwarded_for,
        }
    }

    /// Counts one request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.per_ip.check_key(&ip).map_err(|wait| {
            ApiError::rate_limited("address", wait.wait_time_from(DefaultClock::default().now()).as_secs())
        })
    }

    /// Counts one message in `session`.
    pub fn check_session(&self, session: &str) -> Result<(), ApiError> {
        self.per_session.check_key(&session.to_string()).map_err(|wait| {
            ApiError::rate_limited("session", wait.wait_time_from(DefaultClock::default().now()).as_secs())
        })
    }

    /// Forgets clients that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_session.retain_recent();
    }

    /// The client address: the peer, or, behind a trusted proxy, the first
    /// address in `X-Forwarded-For`.
    fn client(&self, request: &Request) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            let forwarded = request
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
    }
}

/// Middleware: the per-IP limit on every API call.
pub async fn per_ip(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(ip) = app.limiter.client(&request) {
        if let Err(e) = app.limiter.check_ip(ip) {
            return e.into_response();
        }
    }
    next.run(request).await
}
