//! Help-center content for the widget and the console: quick-reply chips,
//! whole articles, search as you type. Public, like the help center itself.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::corpus::Lang;
use crate::domain::ArticleId;
use crate::server::api::*;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::help::{markdown, snippet_html};
use crate::server::AppState;

/// Most results one search returns.
const MAX_RESULTS: usize = 20;
/// Longest query searched, in characters (as-you-type sends every prefix).
const MAX_QUERY_CHARS: usize = 200;

/// The chips a chat offers when it opens.
#[utoipa::path(get, path = "/v1/quick-replies", tag = "content", params(LangQuery),
    responses((status = 200, body = QuickReplies), (status = 400, body = ErrorBody)))]
pub async fn quick_replies(State(app): State<AppState>, ApiQuery(q): ApiQuery<LangQuery>) -> Json<QuickReplies> {
    let lang = q.lang.unwrap_or(Lang::Zh);
    let engine = app.desk.engine();
    let items = engine
        .corpus()
        .quick_replies
        .iter()
        .filter_map(|chip| Some((chip, engine.article(&chip.article)?)))
        .map(|(chip, a)| QuickReply {
            article_id: a.id.clone(),
            label: chip
                .label
                .get(lang)
                .cloned()
                .unwrap_or_else(|| short_title(a.title.text(lang))),
        })
        .collect();
    Json(QuickReplies { items })
}

/// A title as a chip's words: up to its parenthesised detail
/// ("如何撤销挂单（撤单、全部撤销与撤单失败）" is "如何撤销挂单").
fn short_title(title: &str) -> String {
    let short = title.split(['（', '(']).next().unwrap_or(title).trim();
    if short.is_empty() { title } else { short }.to_string()
}

/// One article, rendered.
#[utoipa::path(get, path = "/v1/articles/{id}", tag = "content",
    params(("id" = String, Path, description = "Article id"), LangQuery),
    responses((status = 200, body = ArticleDto), (status = 404, body = ErrorBody)))]
pub async fn article(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<ArticleId>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Json<ArticleDto>, ApiError> {
    let lang = q.lang.unwrap_or(Lang::Zh);
    let engine = app.desk.engine();
    let article = engine
        .article(&id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "article_not_found", format!("no article {id}")))?;
    Ok(Json(ArticleDto {
        id: article.id.clone(),
        title: article.title.text(lang).to_string(),
        category: article.category.clone(),
        html: markdown::to_html(article.body.text(lang)),
        url: format!("/help/articles/{id}?lang={}", lang.as_str()),
    }))
}

/// Search the help center (the answer engine's ranking, keeping articles
/// that share a term with the query).
#[utoipa::path(get, path = "/v1/search", tag = "content", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let query = q.q.trim();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "query_too_long",
            format!("a search is at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let lang = q.lang.unwrap_or_else(|| crate::engine::reply_lang(None, query));
    let limit = q.limit.unwrap_or(8).clamp(1, MAX_RESULTS);
    let hits = if query.is_empty() {
        Vec::new()
    } else {
        app.desk.search(query, lang, limit).await?
    };
    Ok(Json(SearchResults {
        results: hits
            .into_iter()
            .map(|h| SearchResult {
                url: format!("/help/articles/{}?lang={}", h.id, lang.as_str()),
                snippet_html: snippet_html(&h.snippet),
                id: h.id,
                title: h.title,
            })
            .collect(),
    }))
}
