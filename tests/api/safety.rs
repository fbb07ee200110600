//! Staying safe against careless users and hostile clients, through the
//! real server on SQLite and PostgreSQL: secrets in every form never stored
//! and flagged to agents, personal data masked however it is typed, and the
//! transport (headers, CORS, body types, limits) as documented.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::app::{spawn_app, spawn_app_with, status_and_json, Db, TestApp, UserSession, ADMIN_TOKEN, AGENT_TOKEN};

/// Valid BIP-39 phrases (checksums included), as a wallet shows them.
const ZH: &str = "拜 齐 士 触 援 轧 得 柴 寿 驾 爬 易";
const ZH_UNSPACED: &str = "你群潮呆瓜给彩巩鲁篇恰朗";
const EN: &str = "body catalog split update hockey evoke dash person ladder wasp noble roast";

macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$scenario(super::Db::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$scenario(super::Db::Postgres).await
                }
            }
        )*
    };
}

on_both_databases!(
    secrets_in_any_form_are_hidden_and_the_question_answered,
    tickets_of_conversations_with_a_secret_are_flagged_and_urgent,
    personal_data_is_masked_however_it_is_typed,
    invisible_and_control_characters_are_not_a_message,
);

/// Whether `stored` keeps three words of `phrase` in a row (Latin words, or
/// Han characters with or without spaces).
fn keeps_three_in_a_row(stored: &str, phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let words: Vec<String> = if words.len() == 1 {
        phrase.chars().map(String::from).collect()
    } else {
        words.iter().map(|w| w.to_string()).collect()
    };
    let squeezed: String = stored.chars().filter(|c| !c.is_whitespace()).collect();
    words.windows(3).any(|w| {
        let han = w[0].chars().all(|c| !c.is_ascii());
        if han {
            squeezed.contains(&w.concat())
        } else {
            stored.contains(&w.join(" "))
        }
    })
}

/// Every text the database holds that came from users: messages, the
/// analytics questions and feedback comments.
async fn stored_texts(app: &TestApp) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    let mut texts = Vec::new();
    for sql in [
        "SELECT text AS t FROM messages",
        "SELECT question AS t FROM questions",
        "SELECT COALESCE(comment, '') AS t FROM feedback",
    ] {
        for row in sqlx::query(sql).fetch_all(&mut conn).await.unwrap() {
            texts.push(row.get::<String, _>("t"));
        }
    }
    texts
}

async fn secrets_in_any_form_are_hidden_and_the_question_answered(db: Db) {
    let app = spawn_app(db).await;

    // The case: the phrase between a cue and a question. The
    // question is kept, and answered after the warning.
    let s = app.new_session().await;
    let (status, body) = app
        .say(&s, &format!("我的助记词是 {ZH} 帮我看看钱包为什么是空的"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["warning"], "secret_shared", "{body}");
    let text = body["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("助记词") && text.contains("\n\n"),
        "warning, then the reply: {text}"
    );
    let messages = app.transcript(&s, 0).await;
    let stored = messages[0]["text"].as_str().unwrap_or_default();
    assert!(
        stored.contains("[redacted: seed phrase]") && stored.ends_with("帮我看看钱包为什么是空的"),
        "{stored}"
    );

    // A Chinese phrase pasted without a cue word, inside a question.
    let s = app.new_session().await;
    let (_, body) = app
        .say(&s, &format!("帮我看看这个钱包 {ZH_UNSPACED} 为什么导入不了"))
        .await;
    assert_eq!(body["warning"], "secret_shared", "{body}");
    assert_ne!(
        body["answer"]["id"], "recognize-scams",
        "the question is answered: {body}"
    );

    // English glued to Chinese, numbered with circled digits, and a key in
    // groups of eight: each only warned about (nothing else was asked).
    let circled: String = EN.split(' ').zip('①'..).map(|(w, n)| format!("{n}{w}")).collect();
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let grouped: Vec<&str> = (0..8).map(|i| &key[i * 8..i * 8 + 8]).collect();
    for pasted in [
        format!("我的助记词是{}谢谢", EN),
        circled,
        format!("not a tx hash: {}", grouped.join(" ")),
    ] {
        let s = app.new_session().await;
        let (status, body) = app.say(&s, &pasted).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["warning"], "secret_shared", "{pasted}: {body}");
        assert_eq!(body["answer"]["id"], "recognize-scams", "{body}");
        assert!(body["ticket"].is_null(), "a warning alone opens no ticket: {body}");
    }

    // A pasted transaction id is not a secret.
    let s = app.new_session().await;
    let (_, body) = app.say(&s, &format!("充值没到账 TxID: {key}")).await;
    assert!(body["warning"].is_null(), "{body}");

    // Nothing stored anywhere keeps three words of any phrase, or the key.
    for stored in stored_texts(&app).await {
        for phrase in [ZH, ZH_UNSPACED, EN] {
            assert!(!keeps_three_in_a_row(&stored, phrase), "stored in clear: {stored}");
        }
        assert!(!stored.contains(&grouped[..2].join(" ")), "key stored: {stored}");
    }
}

async fn tickets_of_conversations_with_a_secret_are_flagged_and_urgent(db: Db) {
    let app = spawn_app(db).await;

    // A secret first, then a person: the new ticket carries the flag.
    let s = app.new_session().await;
    app.say(&s, EN).await;
    let (_, body) = app.say(&s, "转人工").await;
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    assert_eq!(body["ticket"]["priority"], "urgent", "{body}");

    // A secret pasted while an agent owns the conversation flags that ticket.
    let calm = app.new_session().await;
    let (_, body) = app.say(&calm, "talk to a human please").await;
    let calm_ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    assert_eq!(body["ticket"]["priority"], "normal");
    let (status, _) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{calm_ticket}/claim"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app.say(&calm, &format!("my seed phrase: {EN}")).await;
    assert_eq!(body["warning"], "secret_shared", "the user is warned even now: {body}");

    // The queue shows both flagged and urgent; the agent sees placeholders.
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    let rows = queue["tickets"].as_array().cloned().unwrap_or_default();
    for id in [ticket, calm_ticket] {
        let row = rows
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {queue}"));
        assert_eq!(
            (row["secret_shared"].as_bool(), row["priority"].as_str()),
            (Some(true), Some("urgent")),
            "{row}"
        );
    }
    let (_, view) = app
        .agent(
            AGENT_TOKEN,
            Method::GET,
            &format!("/v1/agent/tickets/{calm_ticket}"),
            None,
        )
        .await;
    let shown = view["messages"].to_string();
    assert!(
        shown.contains("[redacted: seed phrase]") && !keeps_three_in_a_row(&shown, EN),
        "{shown}"
    );

    // A conversation without secrets is not flagged.
    let plain = app.new_session().await;
    let (_, body) = app.say(&plain, "人工").await;
    let plain_ticket = &body["ticket"]["id"];
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    let row = queue["tickets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| &t["id"] == plain_ticket).cloned());
    assert_eq!(
        row.map(|r| r["secret_shared"].clone()),
        Some(serde_json::Value::Bool(false))
    );
}

async fn personal_data_is_masked_however_it_is_typed(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let (_, body) = app.say(&s, "转人工").await;
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    app.say(
        &s,
        "我的手机１３８１２３４５６７８，备用 138.1234.5678，邮箱 alice＠example.com",
    )
    .await;
    let (_, view) = app
        .agent(AGENT_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    let masked = view["messages"].to_string();
    assert!(
        masked.contains("*******5678") && masked.contains("***.****.5678") && masked.contains("a***@example.com"),
        "{masked}"
    );
    assert!(
        !masked.contains("１３８１２３４") && !masked.contains("138.1234") && !masked.contains("alice"),
        "{masked}"
    );
    let (_, view) = app
        .agent(ADMIN_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    assert!(
        view["messages"].to_string().contains("138.1234.5678"),
        "admins see it all"
    );
}

async fn invisible_and_control_characters_are_not_a_message(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    for blank in [
        "\u{0}",
        "\u{200B}\u{200B}",
        " \u{FEFF}\u{200D} ",
        "\u{0}\u{0}\n\u{2060}",
    ] {
        let (status, body) = app.say(&s, blank).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_message")),
            "{blank:?}: {body}"
        );
    }
    // A NUL inside a real message is dropped (PostgreSQL cannot store one),
    // and the message is answered.
    let (status, body) = app.say(&s, "怎么提币\u{0}到外部钱包").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let messages = app.transcript(&s, 0).await;
    assert_eq!(messages[0]["text"], "怎么提币到外部钱包");
    assert_eq!(messages.len(), 2, "nothing stored for the blank ones: {messages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_send_security_headers_and_only_the_widget_api_is_cross_origin() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.cors.allowed_origins = vec!["https://shop.example".parse().unwrap_or_else(|e| panic!("{e}"))];
    })
    .await;
    for (page, ancestors) in [("/", "'self'"), ("/help", "'self'"), ("/agent", "'none'")] {
        let r = app.client.get(app.url(page)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && csp.contains(&format!("frame-ancestors {ancestors}")),
            "{page}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{page}");
        assert!(h.contains_key("x-frame-options"), "{page}");
    }
    let r = app.client.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        !r.headers().contains_key("x-frame-options"),
        "the widget script embeds anywhere"
    );

    let preflight = |path: &str, origin: &str| {
        app.client
            .request(Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let r = preflight("/v1/sessions", "https://shop.example").await.unwrap();
    assert_eq!(allowed(&r).as_deref(), Some("https://shop.example"));
    let r = preflight("/v1/sessions", "https://evil.example").await.unwrap();
    assert_eq!(allowed(&r), None, "an origin not on the list");
    for path in ["/v1/agent/tickets/claim", "/admin/reload"] {
        let r = preflight(path, "https://shop.example").await.unwrap();
        assert_eq!(allowed(&r), None, "{path} answers no other origin");
    }
    let r = app
        .client
        .get(app.url("/v1/agent/tickets"))
        .bearer_auth(AGENT_TOKEN)
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&r), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_must_be_json_and_every_error_is_json() {
    let app = spawn_app(Db::Sqlite).await;
    let post = |path: String, body: Vec<u8>, content_type: Option<&'static str>| {
        let mut r = app.client.post(app.url(&path)).body(body);
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        r.send()
    };
    let (status, body) = status_and_json(
        post("/v1/sessions".into(), b"{}".to_vec(), Some("text/plain"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("expected_json")),
        "{body}"
    );
    let (status, _) = status_and_json(post("/v1/sessions".into(), Vec::new(), None).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "no body at all is fine");
    let s = app.new_session().await;
    let huge = serde_json::to_vec(&json!({ "locale": "x".repeat(64 * 1024) })).unwrap_or_default();
    for path in ["/v1/sessions".to_string(), format!("/v1/sessions/{}/handoff", s.id)] {
        let r = app
            .client
            .post(app.url(&path))
            .bearer_auth(&s.secret)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await
            .unwrap();
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/json"));
        let (status, body) = status_and_json(r).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")),
            "{path}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_enough_and_forwarded_addresses_are_read_from_the_right() {
    // 20 a minute: one every 3 s once the burst is spent.
    let app = spawn_app_with(Db::Sqlite, |s| s.limits.per_session_per_minute = 20).await;
    let s = app.new_session().await;
    let mut retry = None;
    for _ in 0..25 {
        let r = send(&app, &s, "人工").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            retry = r.headers()["retry-after"]
                .to_str()
                .ok()
                .and_then(|v| v.parse::<u64>().ok());
            break;
        }
    }
    let retry = retry.expect("the limit is reached");
    assert!((1..=3).contains(&retry), "{retry}");
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(
        send(&app, &s, "人工").await.status(),
        StatusCode::OK,
        "waiting Retry-After is enough"
    );

    // Behind one proxy, the client is the address the proxy added (the
    // right-most); what the client wrote to the left changes nothing.
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.limits.trust_forwarded_for = true;
        s.limits.per_ip_per_minute = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = app
            .client
            .post(app.url("/v1/sessions"))
            .header("x-forwarded-for", format!("10.0.0.{i}, 203.0.113.7"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(),
        2,
        "{statuses:?}"
    );
    let r = app
        .client
        .post(app.url("/v1/sessions"))
        .header("x-forwarded-for", "203.0.113.7, 198.51.100.9")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "another client behind the proxy");
}

async fn send(app: &TestApp, s: &UserSession, text: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/v1/sessions/{}/messages", s.id)))
        .bearer_auth(&s.secret)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_streams_are_capped_per_session_and_per_address() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.limits.streams_per_session = 2;
        s.limits.streams_per_ip = 3;
    })
    .await;
    let open = |s: &UserSession| {
        app.client
            .get(app.url(&format!("/v1/sessions/{}/events?secret={}", s.id, s.secret)))
            .send()
    };
    let a = app.new_session().await;
    let first = open(&a).await.unwrap();
    let second = open(&a).await.unwrap();
    assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
    let (status, body) = status_and_json(open(&a).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_streams")),
        "{body}"
    );
    let b = app.new_session().await;
    let third = open(&b).await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    let (status, _) = status_and_json(open(&b).await.unwrap()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address holds three");
    let (status, _) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/events", None).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "agents' streams count for the address too"
    );

    // A closed stream frees its place.
    drop(first);
    let mut reopened = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        let r = open(&a).await.unwrap();
        reopened = r.status();
        if reopened == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reopened, StatusCode::OK);
    drop((second, third));
}
