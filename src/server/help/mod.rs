//! The help center at `/help`: categories, articles and search, rendered on
//! the server so pages are fast, work without JavaScript and can be indexed
//! by search engines. Search as you type (`/static/help.js`) is an
//! enhancement over the plain search form.

pub mod markdown;

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::corpus::{Article, Category, Lang};
use crate::domain::ArticleId;
use crate::engine::{excerpt, Engine};
use crate::html::{escape, Page};
use crate::index::Snippet;
use crate::server::AppState;

/// `?lang=…&q=…` on help pages. Unknown parameters are ignored: links to
/// the help center come from anywhere and carry tracking junk.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
    q: Option<String>,
}

/// `GET /help`: every category with its articles.
pub async fn home(State(app): State<AppState>, Query(q): Query<PageQuery>, headers: HeaderMap) -> Response {
    let lang = page_lang(&q, &headers);
    let engine = app.desk.engine();
    let mut body = format!("<h1>{}</h1>", text(lang, "有什么可以帮您？", "How can we help?"));
    body.push_str(&search_form(lang, ""));
    body.push_str(r#"<div class="categories">"#);
    for category in &engine.corpus().categories {
        let articles = in_category(&engine, &category.id);
        if articles.is_empty() {
            continue;
        }
        let _ = write!(
            body,
            r#"<section class="category"><h2><a href="/help/categories/{id}?lang={l}">{name}</a></h2><ul>"#,
            id = escape(&category.id),
            l = lang.as_str(),
            name = escape(category_name(category, lang)),
        );
        for a in articles {
            let _ = write!(body, "<li>{}</li>", article_link(a, lang));
        }
        body.push_str("</ul></section>");
    }
    body.push_str("</div>");
    page(lang, text(lang, "帮助中心", "Help center"), "/help", &body)
}

/// `GET /help/categories/{id}`.
pub async fn category(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(&q, &headers);
    let engine = app.desk.engine();
    let Some(category) = engine.corpus().category(&id) else {
        return not_found(lang);
    };
    let name = category_name(category, lang);
    let mut body = breadcrumb(lang, None);
    let _ = write!(body, "<h1>{}</h1><ul class=\"articles\">", escape(name));
    for a in in_category(&engine, &category.id) {
        let summary = excerpt(a.body.text(lang), 140);
        let _ = write!(body, "<li>{}<p>{}</p></li>", article_link(a, lang), escape(&summary));
    }
    body.push_str("</ul>");
    page(lang, name, &format!("/help/categories/{}", escape(id.as_str())), &body)
}

/// `GET /help/articles/{id}`.
pub async fn article(
    State(app): State<AppState>,
    Path(id): Path<ArticleId>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(&q, &headers);
    let engine = app.desk.engine();
    let Some(article) = engine.article(&id) else {
        return not_found(lang);
    };
    let category = engine.corpus().category(&article.category);
    let title = article.title.text(lang);
    let mut body = breadcrumb(lang, category);
    let _ = write!(
        body,
        r#"<article><h1>{}</h1>{}</article>"#,
        escape(title),
        markdown::to_html(article.body.text(lang))
    );
    let related: Vec<&Article> = in_category(&engine, &article.category)
        .into_iter()
        .filter(|a| a.id != article.id)
        .take(5)
        .collect();
    if !related.is_empty() {
        let _ = write!(
            body,
            "<aside><h2>{}</h2><ul>",
            text(lang, "相关文章", "Related articles")
        );
        for a in related {
            let _ = write!(body, "<li>{}</li>", article_link(a, lang));
        }
        body.push_str("</ul></aside>");
    }
    page(lang, title, &format!("/help/articles/{}", escape(id.as_str())), &body)
}

/// `GET /help/search?q=…`: results without JavaScript.
pub async fn search(State(app): State<AppState>, Query(q): Query<PageQuery>, headers: HeaderMap) -> Response {
    let lang = page_lang(&q, &headers);
    let query: String = q.q.as_deref().unwrap_or("").trim().chars().take(200).collect();
    let heading = if query.is_empty() {
        text(lang, "搜索", "Search").to_string()
    } else {
        match lang {
            Lang::Zh => format!("“{}”的搜索结果", escape(&query)),
            Lang::En => format!("Results for “{}”", escape(&query)),
        }
    };
    let mut body = format!("<h1>{heading}</h1>");
    body.push_str(&search_form(lang, &query));
    if !query.is_empty() {
        match app.desk.search(&query, lang, 20).await {
            Ok(hits) if hits.is_empty() => body.push_str(&no_results(lang)),
            Ok(hits) => {
                body.push_str(r#"<ol class="results">"#);
                for h in hits {
                    let _ = write!(
                        body,
                        r#"<li><a href="/help/articles/{id}?lang={l}">{title}</a><p>{snippet}</p></li>"#,
                        id = escape(h.id.as_str()),
                        l = lang.as_str(),
                        title = escape(&h.title),
                        snippet = snippet_html(&h.snippet),
                    );
                }
                body.push_str("</ol>");
            }
            Err(e) => {
                tracing::error!(error = %e, "help-center search failed");
                let _ = write!(
                    body,
                    "<p class=\"empty\">{}</p>",
                    text(
                        lang,
                        "搜索暂时不可用，请稍后再试。",
                        "Search is unavailable; try again shortly."
                    )
                );
            }
        }
    }
    page(lang, text(lang, "搜索", "Search"), "/help/search", &body)
}

/// A snippet as HTML: the text escaped, matches in `<mark>`, and Markdown's
/// bold markers (the passage is cut from the article source) dropped.
pub fn snippet_html(snippet: &Snippet) -> String {
    let plain = |s: &str| escape(&s.replace("**", ""));
    let mut out = String::with_capacity(snippet.text.len() + 16 * snippet.highlights.len());
    let mut at = 0;
    for r in &snippet.highlights {
        let (Some(before), Some(marked)) = (snippet.text.get(at..r.start), snippet.text.get(r.clone())) else {
            continue;
        };
        out.push_str(&plain(before));
        let _ = write!(out, "<mark>{}</mark>", escape(marked));
        at = r.end;
    }
    out.push_str(&plain(snippet.text.get(at..).unwrap_or("")));
    out
}

fn page_lang(q: &PageQuery, headers: &HeaderMap) -> Lang {
    if let Some(lang) = q.lang.as_deref().and_then(Lang::parse) {
        return lang;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
    if first.starts_with("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

fn text(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn category_name(category: &Category, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &category.zh,
        Lang::En => &category.en,
    }
}

fn in_category<'a>(engine: &'a Engine, category: &str) -> Vec<&'a Article> {
    engine
        .corpus()
        .articles
        .iter()
        .filter(|a| a.category == category)
        .collect()
}

fn article_link(a: &Article, lang: Lang) -> String {
    format!(
        r#"<a href="/help/articles/{id}?lang={l}">{title}</a>"#,
        id = escape(a.id.as_str()),
        l = lang.as_str(),
        title = escape(a.title.text(lang)),
    )
}

fn breadcrumb(lang: Lang, category: Option<&Category>) -> String {
    let mut out = format!(
        r#"<nav class="crumbs"><a href="/help?lang={l}">{home}</a>"#,
        l = lang.as_str(),
        home = text(lang, "帮助中心", "Help center")
    );
    if let Some(c) = category {
        let _ = write!(
            out,
            r#" › <a href="/help/categories/{id}?lang={l}">{name}</a>"#,
            id = escape(&c.id),
            l = lang.as_str(),
            name = escape(category_name(c, lang))
        );
    }
    out.push_str("</nav>");
    out
}

fn search_form(lang: Lang, query: &str) -> String {
    format!(
        r#"<form class="search" action="/help/search" method="get" role="search">
<input type="hidden" name="lang" value="{l}">
<input type="search" name="q" value="{q}" placeholder="{ph}" aria-label="{ph}" autocomplete="off" data-live-search data-lang="{l}">
<button type="submit">{go}</button>
<ol class="live-results" aria-live="polite" hidden data-empty="{empty}" data-ask="{ask}"></ol>
</form>"#,
        empty = text(lang, NO_ARTICLES.0, NO_ARTICLES.1),
        ask = text(lang, ASK_US.0, ASK_US.1),
        l = lang.as_str(),
        q = escape(query),
        ph = text(
            lang,
            "搜索问题，例如：提币没到账",
            "Search, e.g. withdrawal not received"
        ),
        go = text(lang, "搜索", "Search"),
    )
}

/// What a search that matches nothing says, on the results page and (from
/// the form's data attributes) under the box as the reader types.
const NO_ARTICLES: (&str, &str) = ("没有找到相关文章", "No articles match");
/// The button that opens the chat instead.
const ASK_US: (&str, &str) = ("问客服", "Ask us in the chat");

/// What a search that matches nothing shows: that nothing matched, what
/// to try, and the chat, where a person (or the bot) reads the question.
fn no_results(lang: Lang) -> String {
    format!(
        r#"<section class="empty" data-testid="no-results"><h2>{}</h2><p>{}</p><button type="button" data-kefu-open>{}</button></section>"#,
        text(lang, NO_ARTICLES.0, NO_ARTICLES.1),
        text(
            lang,
            "换个说法或更短的关键词试试，例如“提币没到账”；也可以直接问客服。",
            "Try other or fewer words, e.g. \"withdrawal not received\", or ask us in the chat."
        ),
        text(lang, ASK_US.0, ASK_US.1),
    )
}

fn not_found(lang: Lang) -> Response {
    let body = format!(
        "{}<h1>{}</h1><p><a href=\"/help?lang={}\">{}</a></p>",
        breadcrumb(lang, None),
        text(lang, "找不到这篇文章", "Page not found"),
        lang.as_str(),
        text(lang, "返回帮助中心", "Back to the help center"),
    );
    let mut response = page(lang, text(lang, "找不到", "Not found"), "/help", &body);
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// The page around `body`: header with the language switch, the chat
/// call-to-action and the widget.
fn page(lang: Lang, title: &str, path: &str, body: &str) -> Response {
    let (other, other_label) = match lang {
        Lang::Zh => (Lang::En, "English"),
        Lang::En => (Lang::Zh, "中文"),
    };
    let site = text(lang, "帮助中心", "Help center");
    // The home page is the site itself: not "帮助中心 · 帮助中心".
    let title = if title == site {
        site.to_string()
    } else {
        format!("{title} · {site}")
    };
    let l = lang.as_str();
    let head = format!(
        "<link rel=\"stylesheet\" href=\"/static/help.css\">\n<script src=\"/static/help.js\" defer></script>\n\
         <script src=\"/widget.js\" data-lang=\"{l}\" defer></script>"
    );
    let body = format!(
        "<header class=\"top\"><a class=\"brand\" href=\"/help?lang={l}\">{site}</a>\n\
         <a class=\"switch\" href=\"{path}?lang={ol}\" hreflang=\"{ol}\">{other_label}</a></header>\n<main>\n{body}\n\
         <section class=\"cta\"><p>{still}</p><button type=\"button\" data-kefu-open>{chat}</button></section>\n</main>",
        ol = other.as_str(),
        still = text(lang, "还没解决？", "Still need help?"),
        chat = text(lang, "在线咨询", "Chat with us"),
    );
    Html(
        Page {
            lang: text(lang, "zh-CN", "en"),
            title: &title,
            head: &head,
            body: &body,
        }
        .render(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_escape_text_and_mark_matches() {
        let snippet = Snippet {
            text: "提币 <b>地址</b> & **网络**".to_string(),
            highlights: vec![0..6, 10..16],
        };
        assert_eq!(
            snippet_html(&snippet),
            "<mark>提币</mark> &lt;b&gt;<mark>地址</mark>&lt;/b&gt; &amp; 网络"
        );
    }

    #[test]
    fn snippets_survive_bad_ranges() {
        let snippet = Snippet {
            text: "提币".to_string(),
            highlights: vec![1..2, 0..99],
        };
        assert_eq!(snippet_html(&snippet), "提币");
    }

    #[test]
    fn escape_covers_attribute_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;"
        );
    }
}
