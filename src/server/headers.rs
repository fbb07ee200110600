//! Security headers on every response, and a content policy on pages.
//!
//! kefu's pages load only their own scripts, styles and images, so a
//! Content-Security-Policy of `'self'` costs nothing and turns an injected
//! script into a blocked one. The agent console holds personal data and
//! acts on tickets, so no other site may frame it (clickjacking); the demo
//! page and the help center may be framed by the site itself. The widget
//! script and its stylesheet are embedded by other origins: they carry no
//! framing or resource policy that would stop that.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// What a page may load: its own scripts, styles, fonts and connections;
/// images also as `data:` and `blob:` URLs (the console's charts).
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// Middleware: `X-Content-Type-Options: nosniff` everywhere; on HTML pages a
/// content policy, framing rules and a referrer policy.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let console = request.uri().path().starts_with("/agent");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        let (ancestors, frame_options, referrer) = if console {
            ("frame-ancestors 'none'", "DENY", "no-referrer")
        } else {
            (
                "frame-ancestors 'self'",
                "SAMEORIGIN",
                "strict-origin-when-cross-origin",
            )
        };
        if let Ok(policy) = HeaderValue::from_str(&format!("{PAGE_POLICY}; {ancestors}")) {
            h.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(frame_options));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    }
    response
}
