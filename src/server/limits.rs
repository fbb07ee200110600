//! Per-IP and per-session rate limits (GCRA, from `governor`) and caps on
//! live streams: one client or one runaway session cannot starve everyone
//! else of the engine, or of connections.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use super::AppState;
use crate::config::{Limits, TrustedProxy};

/// The limiters of one kefu process.
pub struct Limiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_session: DefaultKeyedRateLimiter<String>,
    trust_forwarded_for: bool,
    trusted_proxies: Vec<TrustedProxy>,
    streams: Arc<Mutex<HashMap<StreamKey, u32>>>,
    streams_per_session: u32,
    streams_per_ip: u32,
}

/// The client address of a request, as the per-IP limit saw it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// Who holds live streams.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum StreamKey {
    Session(String),
    Agent(String),
    Ip(IpAddr),
}

/// Live streams held open; each is released when its stream ends.
pub struct StreamPermit {
    keys: Vec<StreamKey>,
    streams: Arc<Mutex<HashMap<StreamKey, u32>>>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        for key in &self.keys {
            if let Some(n) = streams.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    streams.remove(key);
                }
            }
        }
    }
}

impl Limiter {
    /// Limiters for `limits`.
    pub fn new(limits: &Limits) -> Limiter {
        let quota = |per_minute: u32| Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Limiter {
            per_ip: RateLimiter::keyed(quota(limits.per_ip_per_minute)),
            per_session: RateLimiter::keyed(quota(limits.per_session_per_minute)),
            trust_forwarded_for: limits.trust_forwarded_for,
            trusted_proxies: limits.trusted_proxies.clone(),
            streams: Arc::default(),
            streams_per_session: limits.streams_per_session,
            streams_per_ip: limits.streams_per_ip,
        }
    }

    /// Counts one request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.per_ip.check_key(&ip).map_err(|wait| {
            ApiError::rate_limited(
                "address",
                whole_seconds(wait.wait_time_from(DefaultClock::default().now())),
            )
        })
    }

    /// Counts one message in `session`.
    pub fn check_session(&self, session: &str) -> Result<(), ApiError> {
        self.per_session.check_key(&session.to_string()).map_err(|wait| {
            ApiError::rate_limited(
                "session",
                whole_seconds(wait.wait_time_from(DefaultClock::default().now())),
            )
        })
    }

    /// A live stream for `session` from `ip`, or 429 when either holds as
    /// many as allowed.
    pub fn session_stream(&self, session: &str, ip: ClientIp) -> Result<StreamPermit, ApiError> {
        let mut keys = vec![(StreamKey::Session(session.to_string()), self.streams_per_session)];
        keys.extend(ip.0.map(|ip| (StreamKey::Ip(ip), self.streams_per_ip)));
        self.open_stream(keys)
    }

    /// A live stream for agent `name` from `ip` (the console holds one per
    /// tab), or 429.
    pub fn agent_stream(&self, name: &str, ip: ClientIp) -> Result<StreamPermit, ApiError> {
        let mut keys = vec![(StreamKey::Agent(name.to_string()), self.streams_per_ip)];
        keys.extend(ip.0.map(|ip| (StreamKey::Ip(ip), self.streams_per_ip)));
        self.open_stream(keys)
    }

    fn open_stream(&self, keys: Vec<(StreamKey, u32)>) -> Result<StreamPermit, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((key, cap)) = keys
            .iter()
            .find(|(key, cap)| streams.get(key).copied().unwrap_or(0) >= *cap)
        {
            let holder = match key {
                StreamKey::Session(_) => "session",
                StreamKey::Agent(_) => "agent",
                StreamKey::Ip(_) => "address",
            };
            return Err(ApiError::too_many_streams(holder, *cap));
        }
        for (key, _) in &keys {
            *streams.entry(key.clone()).or_default() += 1;
        }
        Ok(StreamPermit {
            keys: keys.into_iter().map(|(k, _)| k).collect(),
            streams: Arc::clone(&self.streams),
        })
    }

    /// Forgets clients that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_session.retain_recent();
    }

    /// The client address: the peer, or, behind trusted proxies, the
    /// right-most address in `X-Forwarded-For` that no trusted proxy added.
    /// The left-most entries are whatever the client sent, so they are
    /// never believed.
    fn client(&self, request: &Request) -> Option<IpAddr> {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if !self.trust_forwarded_for {
            return peer;
        }
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        client_behind_proxies(peer, &forwarded, &self.trusted_proxies)
    }
}

/// Walks `X-Forwarded-For` from the right: the peer and each trusted proxy
/// vouch for the address to their left, until one that is not trusted.
fn client_behind_proxies(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[TrustedProxy]) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    // With no list, the proxy that connects is the one trusted hop.
    if !trusted.is_empty() && !peer.is_some_and(is_trusted) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            return client;
        };
        client = Some(ip);
        if trusted.is_empty() || !is_trusted(ip) {
            return client;
        }
    }
    client
}

/// Seconds to wait, rounded up: a client that waits `Retry-After` seconds
/// must succeed.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Middleware: the per-IP limit on every API call; the address it used is
/// left in the request for the handlers (stream caps).
pub async fn per_ip(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = app.limiter.client(&request);
    if let Some(ip) = ip {
        if let Err(e) = app.limiter.check_ip(ip) {
            return e.into_response();
        }
    }
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_added() {
        let none: Vec<TrustedProxy> = Vec::new();
        // One proxy (the peer): it appended the address it saw.
        assert_eq!(
            client_behind_proxies(ip("10.0.0.2"), &["6.6.6.6", "1.2.3.4"], &none),
            ip("1.2.3.4")
        );
        // Two proxies in a trusted range: the client is left of them.
        let trusted: Vec<TrustedProxy> = vec!["10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"))];
        assert_eq!(
            client_behind_proxies(ip("10.0.0.2"), &["6.6.6.6", "1.2.3.4", "10.1.1.1"], &trusted),
            ip("1.2.3.4")
        );
        // A peer that is not a trusted proxy is the client, whatever it says.
        assert_eq!(
            client_behind_proxies(ip("5.5.5.5"), &["1.2.3.4"], &trusted),
            ip("5.5.5.5")
        );
        // Garbage stops the walk at the last address vouched for.
        assert_eq!(
            client_behind_proxies(ip("10.0.0.2"), &["nonsense", "10.9.9.9"], &trusted),
            ip("10.9.9.9")
        );
        assert_eq!(client_behind_proxies(ip("10.0.0.2"), &[], &none), ip("10.0.0.2"));
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(1999)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
    }

    #[test]
    fn streams_are_capped_and_released() {
        let limiter = Limiter::new(&Limits {
            streams_per_session: 2,
            streams_per_ip: 3,
            ..Limits::default()
        });
        let from = ClientIp(ip("1.2.3.4"));
        let a = limiter.session_stream("s", from);
        let b = limiter.session_stream("s", from);
        assert!(a.is_ok() && b.is_ok());
        assert!(limiter.session_stream("s", from).is_err(), "a third for the session");
        let c = limiter.session_stream("t", from);
        assert!(c.is_ok());
        assert!(limiter.session_stream("u", from).is_err(), "a fourth from the address");
        drop(a);
        assert!(limiter.session_stream("s", from).is_ok(), "released when a stream ends");
    }
}
