//! The help center's articles, quick replies and search results.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::corpus::Lang;
use crate::domain::ArticleId;

/// `?lang=zh|en`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `zh` (default) or `en`.
    #[param(value_type = Option<String>, example = "en")]
    pub lang: Option<Lang>,
}

/// One-tap questions for a chat that just opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReplies {
    /// In display order.
    pub items: Vec<QuickReply>,
}

/// A chip: send `label` as the message with `article_id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReply {
    /// The article it answers with.
    #[schema(value_type = String)]
    pub article_id: ArticleId,
    /// What the chip says (a question as users ask it).
    pub label: String,
}

/// A whole article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDto {
    /// Article id.
    #[schema(value_type = String)]
    pub id: ArticleId,
    /// Title in the requested language.
    pub title: String,
    /// Category id.
    pub category: String,
    /// The body as HTML: raw HTML in the source is escaped and link targets
    /// are limited to web, mail and same-site addresses.
    pub html: String,
    /// The help-center page.
    pub url: String,
}

/// `GET /v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for (at most 200 characters).
    pub q: String,
    /// Result language; default: the query's.
    #[param(value_type = Option<String>, example = "zh")]
    pub lang: Option<Lang>,
    /// At most this many (1-20, default 8).
    pub limit: Option<usize>,
}

/// Search results, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The matches.
    pub results: Vec<SearchResult>,
}

/// One match.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Article id.
    #[schema(value_type = String)]
    pub id: ArticleId,
    /// Title.
    pub title: String,
    /// The help-center page.
    pub url: String,
    /// The passage that matched, HTML-escaped, with `<mark>` around matches.
    pub snippet_html: String,
}
