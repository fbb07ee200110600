//! What browsers get: the help center pages, the content API the widget
//! and the console use, the embedded static files, CORS for embedding, and
//! the console's live stream. (The widget and the console themselves are
//! driven in a real browser by `tests/browser`.)

use std::time::Duration;

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{spawn_app, status_and_json, Db, TestApp, AGENT_TOKEN};

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    status_and_json(app.client.get(app.url(path)).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_center_pages() {
    let app = spawn_app(Db::Sqlite).await;

    let (status, home) = get(&app, "/help?lang=zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("<html lang=\"zh-CN\">"), "{home}");
    assert!(home.contains("<title>帮助中心</title>"), "the site's name once: {home}");
    let (_, article) = get(&app, "/help/articles/withdraw-crypto?lang=zh").await;
    assert!(article.contains(" · 帮助中心</title>"), "{article}");
    assert!(home.contains("提币"), "category names are listed");
    assert!(home.contains("/help/articles/withdraw-crypto?lang=zh"));
    assert!(
        home.contains("data-kefu-open"),
        "the chat call-to-action is on every page"
    );

    let (status, home) = get(&app, "/help?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Withdrawals"), "English category names");

    let r = app
        .client
        .get(app.url("/help"))
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(
        r.text().await.unwrap().contains("<html lang=\"en\">"),
        "language from Accept-Language"
    );

    let (status, page) = get(&app, "/help/articles/withdraw-crypto?lang=zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<article><h1>"), "{page}");
    assert!(page.contains("相关文章"), "related articles in the same category");
    assert!(
        page.contains("/help/articles/withdraw-crypto?lang=en"),
        "the language switch keeps the page"
    );

    let (status, page) = get(&app, "/help/categories/withdrawal?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Withdrawals</h1>"), "{page}");

    let (status, page) = get(&app, "/help/articles/no-such-article").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<!doctype html>"), "a help page, not JSON, for readers");

    let (status, page) = get(&app, "/help/search?lang=zh&q=提币地址").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<ol class=\"results\">"), "{page}");
    assert!(page.contains("<mark>"), "matches are highlighted");
    assert!(page.contains("<h1>“提币地址”的搜索结果</h1>"), "{page}");
    let snippets: Vec<&str> = page
        .split("<p>")
        .skip(1)
        .filter_map(|p| p.split("</p>").next())
        .collect();
    for snippet in &snippets {
        // Plain text from the articles' Markdown: no list markers, pipes or
        // bold markers, and no marks on single characters.
        assert!(
            !snippet.contains("**") && !snippet.contains(" | ") && !snippet.starts_with("- "),
            "{snippet}"
        );
        for mark in snippet
            .split("<mark>")
            .skip(1)
            .filter_map(|m| m.split("</mark>").next())
        {
            assert!(mark.chars().count() > 1, "a stray one-character mark in {snippet}");
        }
    }

    // Nonsense that shares a word with the articles (签证) finds nothing, and
    // the page says so and offers the chat.
    let (status, page) = get(&app, "/help/search?lang=zh&q=火星移民签证怎么办").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<ol class=\"results\">"), "{page}");
    assert!(page.contains("data-testid=\"no-results\""), "{page}");
    assert!(
        page.contains("<button type=\"button\" data-kefu-open>问客服</button>"),
        "{page}"
    );

    let (status, page) = get(&app, "/help/search?lang=zh&q=%3Cscript%3Exyzzy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>xyzzy"), "the query is escaped when echoed");
    assert!(page.contains("&lt;script&gt;xyzzy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_api_for_the_widget() {
    let app = spawn_app(Db::Sqlite).await;

    let (status, body) = get_json(&app, "/v1/quick-replies?lang=zh").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{body}");
    let chip = &items[0];
    assert_eq!(chip["article_id"], "deposit-not-arrived");
    // The team's own words for the chip, else the title up to its detail.
    assert_eq!(chip["label"], "充值没到账");
    let scams = items.iter().find(|c| c["article_id"] == "recognize-scams").unwrap();
    assert_eq!(scams["label"], "如何识别常见诈骗", "{body}");

    // Tapping a chip answers with exactly its article.
    let s = app.new_session().await;
    let r = app
        .client
        .post(app.url(&format!("/v1/sessions/{}/messages", s.id)))
        .bearer_auth(&s.secret)
        .json(&json!({ "text": chip["label"], "article_id": "deposit-not-arrived" }))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "answer", "{body}");
    assert_eq!(body["answer"]["id"], "deposit-not-arrived");

    let r = app
        .client
        .post(app.url(&format!("/v1/sessions/{}/messages", s.id)))
        .bearer_auth(&s.secret)
        .json(&json!({ "text": "x", "article_id": "no-such-article" }))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unknown_article");

    let (status, body) = get_json(&app, "/v1/articles/withdraw-crypto?lang=en").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["html"].as_str().unwrap().contains("<p>"), "{body}");
    assert_eq!(body["category"], "withdrawal");
    let (status, body) = get_json(&app, "/v1/articles/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "article_not_found");

    let (status, body) = get_json(&app, "/v1/search?q=谷歌验证器&lang=zh").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    assert!(
        results.iter().take(3).any(|r| r["id"] == "enable-google-authenticator"),
        "{body}"
    );
    assert!(
        results[0]["snippet_html"].as_str().unwrap().contains("<mark>"),
        "{body}"
    );

    let (_, body) = get_json(&app, "/v1/search?q=zzqqxxjj").await;
    assert_eq!(body["results"], json!([]), "nonsense finds nothing: {body}");
    let (_, body) = get_json(&app, "/v1/search?q=火星移民签证&lang=zh").await;
    assert_eq!(
        body["results"],
        json!([]),
        "what the bot would not answer finds nothing: {body}"
    );
    let long = "提".repeat(201);
    let (status, body) = get_json(&app, &format!("/v1/search?q={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "query_too_long");
    let (status, body) = get_json(&app, "/v1/search?lang=fr&q=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let r = app.client.get(app.url("/openapi.json")).send().await.unwrap();
    let doc: Value = r.json().await.unwrap();
    for path in [
        "/v1/quick-replies",
        "/v1/articles/{id}",
        "/v1/search",
        "/v1/agent/events",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_and_cors() {
    let app = spawn_app(Db::Sqlite).await;
    for (path, kind) in [
        ("/", "text/html"),
        ("/agent", "text/html"),
        ("/widget.js", "text/javascript"),
        ("/static/widget.css", "text/css"),
        ("/static/help.js", "text/javascript"),
        ("/static/tokens.css", "text/css"),
        ("/static/widget/main.js", "text/javascript"),
        ("/static/lib/dom.js", "text/javascript"),
        ("/static/agent/main.js", "text/javascript"),
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let content_type = r.headers()[header::CONTENT_TYPE].to_str().unwrap().to_string();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        let etag = r.headers()[header::ETAG].clone();
        let again = app
            .client
            .get(app.url(path))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let (status, body) = get_json(&app, "/static/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = get_json(&app, "/static/nope.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An encoded slash survives URL normalization and is decoded by the router.
    let (status, _) = get_json(&app, "/static/lib%2F..%2F..%2FCargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The widget's modules are imported by host pages on other origins.
    let r = app
        .client
        .get(app.url("/static/widget/main.js"))
        .header(header::ORIGIN, "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://shop.example");

    // A host site on another origin may embed the widget.
    let r = app
        .client
        .request(Method::OPTIONS, app.url("/v1/sessions/abc/messages"))
        .header(header::ORIGIN, "https://shop.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // The origin is echoed (with `Vary: Origin`), since only the public
    // API answers other origins.
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://shop.example");
    let r = app
        .client
        .post(app.url("/v1/sessions"))
        .header(header::ORIGIN, "https://shop.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://shop.example");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_stream_and_joined_language() {
    let app = spawn_app(Db::Sqlite).await;
    let unauthorized = app.client.get(app.url("/v1/agent/events")).send().await.unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);

    let mut stream = app
        .client
        .get(app.url("/v1/agent/events"))
        .bearer_auth(AGENT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    // An English-speaking user asks for a person without a session locale.
    let s = app.new_session().await;
    let (status, body) = app.say(&s, "I want to talk to a human").await;
    assert_eq!(body["decision"], "handoff", "{status} {body}");

    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(seen.contains("event: queue") && seen.contains(&s.id)) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the console hears of the handoff in time")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: session"), "{seen}");

    // Claiming the next ticket tells the user in their language only.
    let (status, claimed) = app
        .agent(AGENT_TOKEN, Method::POST, "/v1/agent/tickets/claim", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["locale"], "en");
    let joined = app
        .transcript(&s, 0)
        .await
        .into_iter()
        .find(|m| m["author"] == "system")
        .expect("a joined message");
    assert_eq!(joined["text"], "Alice has joined the chat", "{joined}");
}
