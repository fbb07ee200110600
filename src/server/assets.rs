//! The chat widget, the demo page and the agent console: static files from
//! `web/`, compiled into the binary so a deployment is one file with no web
//! server or CDN beside it. Debug builds read them from disk on each request,
//! so front-end work needs no rebuild. The pages are ES modules in folders
//! (`web/lib/`, `web/widget/`, `web/agent/`), served as `text/javascript`
//! under `/static/` with their paths; `/widget.js` is the classic-script
//! loader host pages embed.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::ApiError;
use crate::config::hex;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Web;

/// `GET /`: the demo page with the widget on it.
pub async fn demo(headers: HeaderMap) -> Response {
    file("index.html", &headers)
}

/// `GET /agent`: the agent console.
pub async fn console(headers: HeaderMap) -> Response {
    file("agent.html", &headers)
}

/// `GET /widget.js`: the one script a host page embeds.
pub async fn widget(headers: HeaderMap) -> Response {
    file("widget.js", &headers)
}

/// `GET /static/{*file}`: any file under `web/`, in its folders too. A path
/// that leads out of `web/` is not found (rust-embed knows only the files
/// it holds, and in debug builds checks the path it reads from disk).
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    file(&name, &headers)
}

fn file(name: &str, headers: &HeaderMap) -> Response {
    let Some(found) = Web::get(name) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no file {name}")).into_response();
    };
    let etag = format!("\"{}\"", hex(&found.metadata.sha256_hash()[..12]));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = found.data.into_owned().into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    response
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}
