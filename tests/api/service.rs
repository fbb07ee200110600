//! The help desk over HTTP, end to end, on SQLite and on PostgreSQL: the
//! real server, engine, model and databases.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Row};

use kefu::server::Application;

use crate::app::{
    spawn_app, spawn_app_with, status_and_json, Db, TestApp, UserSession, ADMIN_TOKEN, AGENT2_TOKEN, AGENT_TOKEN,
};
use crate::helpers::{engine, engine_settings};

/// Each scenario runs once per database.
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
    user_bot_handoff_agent_flow,
    concurrent_claims_have_one_winner,
    sessions_are_isolated,
    agent_auth_and_roles,
    seed_phrases_are_never_stored_or_shown,
    scams_and_angry_users_are_urgent,
    feedback_offers_the_next_suggestion,
    personal_data_is_masked_for_agents,
    bad_input_gets_clear_errors,
    rate_limits_answer_429,
    concurrent_turns_are_stored_whole_and_in_order,
);

/// A session handed to the queue by asking for a person; returns the ticket id.
async fn handed_off(app: &TestApp, s: &UserSession) -> i64 {
    let (status, body) = app.say(s, "转人工").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "handoff", "{body}");
    body["ticket"]["id"].as_i64().unwrap()
}

/// A new session handed off and claimed by Alice.
async fn claimed_by_alice(app: &TestApp) -> (UserSession, i64) {
    let s = app.new_session().await;
    let ticket = handed_off(app, &s).await;
    let (status, body) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/claim"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (s, ticket)
}

/// Reads the session's live stream (from a URL with the session and secret)
/// until a message satisfies `want`.
pub async fn stream_until(client: reqwest::Client, url: String, want: impl Fn(&Value) -> bool) -> Value {
    let mut response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("the stream delivers in time")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        for line in buffer.lines() {
            if let Some(data) = line.strip_prefix("data: ") {
                if let Ok(message) = serde_json::from_str::<Value>(data) {
                    if want(&message) {
                        return message;
                    }
                }
            }
        }
    }
}

async fn user_bot_handoff_agent_flow(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;

    // The bot answers an in-scope question with the right article.
    let (status, body) = app.say(&s, "怎么提币到外部钱包").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "answer", "{body}");
    assert_eq!(body["answer"]["id"], "withdraw-crypto");
    assert!(body["answer"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/help/articles/withdraw-crypto"));
    assert!(body["confidence"].as_f64().unwrap() >= 0.7);
    assert!(body["ticket"].is_null());

    // An out-of-scope question is handed off, not answered.
    let (_, body) = app.say(&s, "明天比特币会涨到多少").await;
    assert_eq!(body["decision"], "handoff", "{body}");
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    assert_eq!(body["ticket"]["status"], "pending");

    // The agent finds it in the queue and claims it.
    let (status, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue["tickets"].as_array().unwrap().iter().any(|t| t["id"] == ticket));
    let (status, claimed) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/claim"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["status"], "assigned");
    assert_eq!(claimed["agent"], "Alice");

    // The user sees the agent join, then the agent's reply arrive live.
    let last = app.transcript(&s, 0).await;
    assert!(last
        .iter()
        .any(|m| m["author"] == "system" && m["text"].as_str().unwrap().contains("Alice")));
    let cursor = last.last().unwrap()["id"].as_i64().unwrap();
    let stream = app.url(&format!(
        "/v1/sessions/{}/events?after={cursor}&secret={}",
        s.id, s.secret
    ));
    let watcher = tokio::spawn(stream_until(app.client.clone(), stream, |m| m["author"] == "agent"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, sent) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/messages"),
            Some(json!({"text": "您好，我是 Alice，价格预测我们无法提供。"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let live = watcher.await.unwrap();
    assert_eq!(live["id"], sent["id"]);
    assert_eq!(live["agent"], "Alice");

    // While the agent owns the chat, the bot is silent and forwards.
    let (_, body) = app.say(&s, "好的，那提币手续费是多少").await;
    assert_eq!(body["forwarded_to_agent"], true, "{body}");
    assert!(body["bot_message_id"].is_null());

    // waiting_on_user ⇄ assigned, then resolved.
    let status_to = |to: &str| json!({ "status": to });
    let path = format!("/v1/agent/tickets/{ticket}/status");
    let (status, t) = app
        .agent(AGENT_TOKEN, Method::POST, &path, Some(status_to("waiting_on_user")))
        .await;
    assert_eq!(
        (status, t["status"].as_str()),
        (StatusCode::OK, Some("waiting_on_user")),
        "{t}"
    );
    let (_, body) = app.say(&s, "还在吗").await;
    assert_eq!(
        body["ticket"]["status"], "assigned",
        "the user's answer brings it back: {body}"
    );
    let (status, note) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/notes"),
            Some(json!({"text": "用户问行情"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let (status, t) = app
        .agent(AGENT_TOKEN, Method::POST, &path, Some(status_to("resolved")))
        .await;
    assert_eq!(
        (status, t["status"].as_str()),
        (StatusCode::OK, Some("resolved")),
        "{t}"
    );
    assert!(t["first_reply_seconds"].as_f64().is_some());
    let (status, _) = app
        .agent(AGENT_TOKEN, Method::POST, &path, Some(status_to("assigned")))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a resolved ticket is not Alice's to move");

    // After resolving, the bot answers again.
    let (_, body) = app.say(&s, "怎么提币到外部钱包").await;
    assert_eq!(body["decision"], "answer", "{body}");

    // Asking for a person again reopens the same ticket.
    let reopened = handed_off(&app, &s).await;
    assert_eq!(reopened, ticket);

    // The ticket view has the whole story; the audit log has every action.
    let (status, view) = app
        .agent(AGENT_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "pending",
            "assigned",
            "waiting_on_user",
            "assigned",
            "resolved",
            "pending"
        ]
    );
    assert_eq!(view["notes"][0]["text"], "用户问行情");
    let (status, audit) = app.agent(ADMIN_TOKEN, Method::GET, "/v1/agent/audit", None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["claim", "reply", "status", "note", "view"] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
}

async fn concurrent_claims_have_one_winner(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let ticket = handed_off(&app, &s).await;
    let claims = (0..12).map(|i| {
        let client = app.client.clone();
        let url = app.url(&format!("/v1/agent/tickets/{ticket}/claim"));
        let token = if i % 2 == 0 { AGENT_TOKEN } else { AGENT2_TOKEN };
        tokio::spawn(async move { client.post(url).bearer_auth(token).send().await.unwrap().status() })
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(),
        11,
        "{statuses:?}"
    );

    // Claim-next: five tickets, ten agents at once → five distinct winners.
    let mut created = Vec::new();
    for _ in 0..5 {
        let s = app.new_session().await;
        created.push(handed_off(&app, &s).await);
    }
    let claims = (0..10).map(|i| {
        let client = app.client.clone();
        let url = app.url("/v1/agent/tickets/claim");
        let token = if i % 2 == 0 { AGENT_TOKEN } else { AGENT2_TOKEN };
        tokio::spawn(async move { status_and_json(client.post(url).bearer_auth(token).send().await.unwrap()).await })
    });
    let results: Vec<(StatusCode, Value)> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut won: Vec<i64> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, t)| t["id"].as_i64().unwrap())
        .collect();
    won.sort();
    assert_eq!(won, created, "{results:?}");
    assert!(results
        .iter()
        .filter(|(s, _)| *s != StatusCode::OK)
        .all(|(s, b)| *s == StatusCode::NOT_FOUND && b["error"]["code"] == "queue_empty"));
}

async fn sessions_are_isolated(db: Db) {
    let app = spawn_app(db).await;
    let a = app.new_session().await;
    let b = app.new_session().await;
    app.say(&a, "怎么充值").await;
    let with_secret = |id: &str, secret: &str| {
        app.client
            .get(app.url(&format!("/v1/sessions/{id}/messages")))
            .bearer_auth(secret.to_string())
            .send()
    };
    let (status, body) = status_and_json(with_secret(&a.id, &b.secret).await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "B's secret does not open A: {body}");
    assert_eq!(body["error"]["code"], "wrong_session_secret");
    let (status, body) = status_and_json(with_secret("nope", &a.secret).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("session_not_found"))
    );
    let r = app
        .client
        .get(app.url(&format!("/v1/sessions/{}/messages", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .client
        .post(app.url(&format!("/v1/sessions/{}/messages", a.id)))
        .bearer_auth(&b.secret)
        .json(&json!({"text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "B cannot write into A");
    assert_eq!(
        app.transcript(&b, 0).await.len(),
        0,
        "B's transcript has nothing of A's"
    );
    assert_eq!(app.transcript(&a, 0).await.len(), 2);
}

async fn agent_auth_and_roles(db: Db) {
    let app = spawn_app(db).await;
    let r = app.client.get(app.url("/v1/agent/tickets")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = app.agent("not-a-token", Method::GET, "/v1/agent/tickets", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/audit", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents cannot read the audit log");
    let (status, me) = app.agent(ADMIN_TOKEN, Method::GET, "/v1/agent/me", None).await;
    assert_eq!((status, me["role"].as_str()), (StatusCode::OK, Some("admin")));

    let s = app.new_session().await;
    let ticket = handed_off(&app, &s).await;
    let path = format!("/v1/agent/tickets/{ticket}/messages");
    let reply = |token| app.agent(token, Method::POST, &path, Some(json!({"text": "hi"})));
    let (status, body) = reply(AGENT_TOKEN).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_your_ticket")),
        "claim first"
    );
    app.agent(
        AGENT_TOKEN,
        Method::POST,
        &format!("/v1/agent/tickets/{ticket}/claim"),
        None,
    )
    .await;
    let (status, _) = reply(AGENT2_TOKEN).await;
    assert_eq!(status, StatusCode::CONFLICT, "Bob cannot answer Alice's ticket");
    let (status, _) = reply(AGENT_TOKEN).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets/999999", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ticket_not_found"))
    );
}

const SEED: &str = "abandon ability able about above absent absorb abstract absurd abuse access accident";

async fn seed_phrases_are_never_stored_or_shown(db: Db) {
    let app = spawn_app(db).await;
    let (s, ticket) = claimed_by_alice(&app).await;
    let (status, body) = app.say(&s, &format!("客服你好，我的助记词是 {SEED} 帮我看看")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["warning"], "secret_shared", "{body}");
    assert_eq!(body["answer"]["id"], "recognize-scams");
    assert!(body["text"].as_str().unwrap().contains("助记词"));

    let (_, view) = app
        .agent(ADMIN_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    let shown = view["messages"].to_string();
    assert!(shown.contains("[redacted: seed phrase]"), "{shown}");
    assert!(!shown.contains("abandon") && !shown.contains("accident"), "{shown}");

    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    let rows = sqlx::query("SELECT text FROM messages")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let text: String = row.get("text");
        assert!(!text.contains("absorb abstract"), "stored in clear: {text}");
    }
}

async fn scams_and_angry_users_are_urgent(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let (_, body) = app.say(&s, "客服让我把USDT转到安全账户，是真的吗").await;
    assert_eq!(body["decision"], "handoff", "{body}");
    assert_eq!(body["warning"], "scam");
    assert_eq!(body["ticket"]["priority"], "urgent");

    let calm = app.new_session().await;
    let (_, body) = app.say(&calm, "talk to a human please").await;
    assert_eq!(body["ticket"]["priority"], "normal", "{body}");

    let angry = app.new_session().await;
    let (_, body) = app.say(&angry, "你们这个垃圾平台！！转人工，骗子").await;
    assert_eq!(body["ticket"]["priority"], "urgent", "{body}");

    let hacked = app.new_session().await;
    let (_, body) = app.say(&hacked, "我的账号被盗了，币全被转走了").await;
    assert_eq!(
        (body["decision"].as_str(), body["ticket"]["priority"].as_str()),
        (Some("handoff"), Some("urgent")),
        "{body}"
    );

    // The queue serves urgent tickets first, then the oldest.
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    let priorities: Vec<&str> = queue["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["priority"].as_str().unwrap())
        .collect();
    assert_eq!(priorities, ["urgent", "urgent", "urgent", "normal"]);
    let (_, next) = app
        .agent(AGENT_TOKEN, Method::POST, "/v1/agent/tickets/claim", None)
        .await;
    assert_eq!(next["id"], queue["tickets"][0]["id"]);
    let (_, urgent) = app
        .agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets?priority=normal", None)
        .await;
    assert_eq!(urgent["tickets"].as_array().unwrap().len(), 1);
}

async fn feedback_offers_the_next_suggestion(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let (_, body) = app.say(&s, "怎么提币到外部钱包").await;
    let answer = body["bot_message_id"].as_i64().unwrap();
    let alternatives: Vec<&str> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(!alternatives.is_empty(), "{body}");
    let feedback = |message_id: i64, helpful: bool| {
        app.client
            .post(app.url(&format!("/v1/sessions/{}/feedback", s.id)))
            .bearer_auth(&s.secret)
            .json(&json!({ "message_id": message_id, "helpful": helpful, "comment": "不是我想问的" }))
            .send()
    };
    let (status, body) = status_and_json(feedback(answer, true).await.unwrap()).await;
    assert_eq!((status, body["follow_up"].is_null()), (StatusCode::OK, true), "{body}");
    let (status, body) = status_and_json(feedback(answer, false).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let follow_up = &body["follow_up"];
    assert_eq!(follow_up["reply"]["decision"], "clarify", "{body}");
    assert_eq!(follow_up["reply"]["suggestions"][0]["id"], alternatives[0]);

    // Picking the offered suggestion by its number answers with it.
    let (_, picked) = app.say(&s, "第一个").await;
    assert_eq!(picked["decision"], "answer", "{picked}");
    assert_eq!(picked["answer"]["id"], alternatives[0]);

    let user_message = picked["user_message_id"].as_i64().unwrap();
    let (status, body) = status_and_json(feedback(user_message, false).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_an_answer"))
    );
    let (status, _) = status_and_json(feedback(987_654, false).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn personal_data_is_masked_for_agents(db: Db) {
    let app = spawn_app(db).await;
    let (s, ticket) = claimed_by_alice(&app).await;
    app.say(&s, "我的手机号13812345678，邮箱 alice@example.com").await;
    let (_, view) = app
        .agent(AGENT_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    let masked = view["messages"].to_string();
    assert!(
        masked.contains("*******5678") && masked.contains("a***@example.com"),
        "{masked}"
    );
    assert!(!masked.contains("13812345678"), "{masked}");
    let (_, view) = app
        .agent(ADMIN_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    assert!(
        view["messages"].to_string().contains("13812345678"),
        "admins see personal data"
    );
}

async fn bad_input_gets_clear_errors(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let url = app.url(&format!("/v1/sessions/{}/messages", s.id));
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(url.clone())
            .bearer_auth(&s.secret)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: Vec<(Vec<u8>, &str, StatusCode, &str)> = vec![
        (
            br#"{"text": "   "}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_message",
        ),
        (
            serde_json::to_vec(&json!({ "text": "长".repeat(2001) })).unwrap(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "message_too_long",
        ),
        (
            br#"{"text": "hi""#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            br#"{"text": 42}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            br#"{"txt": "hi"}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            b"{\"text\": \"\xff\xfe\"}".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            br#"{"text": "hi"}"#.to_vec(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_json",
        ),
        (
            vec![b' '; 40 * 1024],
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (body, content_type, want_status, want_code) in cases {
        let (status, err) = status_and_json(post(body, content_type).await.unwrap()).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (want_status, Some(want_code)),
            "{err}"
        );
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, err) = status_and_json(app.client.get(app.url("/v1/nowhere")).send().await.unwrap()).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, err) = status_and_json(app.client.delete(app.url("/v1/sessions")).send().await.unwrap()).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    let (status, err) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets/abc", None).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path"))
    );
    let (status, err) = app
        .agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets?status=closed", None)
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );

    // Nothing stored was lost along the way: the transcript is still empty.
    assert!(app.transcript(&s, 0).await.is_empty());
}

async fn rate_limits_answer_429(db: Db) {
    let app = spawn_app_with(db, |s| s.limits.per_session_per_minute = 3).await;
    let s = app.new_session().await;
    for _ in 0..3 {
        assert_eq!(app.say(&s, "人工").await.0, StatusCode::OK);
    }
    let r = app
        .client
        .post(app.url(&format!("/v1/sessions/{}/messages", s.id)))
        .bearer_auth(&s.secret)
        .json(&json!({"text": "人工"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(status_and_json(r).await.1["error"]["code"], "rate_limited");

    let per_ip = spawn_app_with(db, |s| s.limits.per_ip_per_minute = 5).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            per_ip
                .client
                .post(per_ip.url("/v1/sessions"))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status(),
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(),
        2,
        "{statuses:?}"
    );
    // The address is spent, yet the static files a page loads still come:
    // they are not counted against it.
    for path in [
        "/widget.js",
        "/static/widget/main.js",
        "/static/lib/dom.js",
        "/static/tokens.css",
    ] {
        let r = per_ip.client.get(per_ip.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = per_ip
        .client
        .post(per_ip.url("/v1/sessions"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the API still is");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints() {
    let app = spawn_app(Db::Sqlite).await;
    let s = app.new_session().await;
    app.say(&s, "怎么提币到外部钱包").await;
    handed_off(&app, &app.new_session().await).await;

    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let metrics = r.text().await.unwrap();
    for needle in [
        "kefu_http_requests_total{method=\"POST\",route=\"/v1/sessions/{id}/messages\",status=\"200\"} 2",
        "kefu_decisions_total{decision=\"answer\"} 1",
        "kefu_queue_depth{priority=\"normal\",status=\"pending\"} 1",
        "kefu_engine_seconds_count 1",
        "kefu_embedding_seconds_count 1",
        "kefu_http_request_duration_seconds_bucket",
    ] {
        assert!(metrics.contains(needle), "{needle} not in\n{metrics}");
    }
    let r = app.client.get(app.url("/openapi.json")).send().await.unwrap();
    let doc: Value = r.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/sessions",
        "/v1/sessions/{id}/messages",
        "/v1/sessions/{id}/events",
        "/v1/sessions/{id}/handoff",
        "/v1/sessions/{id}/feedback",
        "/v1/agent/tickets",
        "/v1/agent/tickets/claim",
        "/v1/agent/tickets/{id}/claim",
        "/v1/agent/tickets/{id}",
        "/v1/agent/tickets/{id}/messages",
        "/v1/agent/tickets/{id}/status",
        "/v1/agent/tickets/{id}/notes",
        "/v1/agent/audit",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    let request_id = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(request_id.headers().contains_key("x-request-id"));
}

/// A SQLite database has one server at a time (it remembers where its
/// conversations stand, which only its one writer can know): a second kefu
/// on the same file is refused with an error naming it, the first keeps
/// serving, and readers such as `kefu gaps` still open the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_has_one_server() {
    let app = spawn_app(Db::Sqlite).await;
    let mut settings = engine_settings();
    settings.address = "127.0.0.1:0".parse().unwrap();
    settings.database_url = Some(kefu::config::Secret::new(app.database_url.clone()));
    match Application::build(settings, engine()).await {
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("kefu.db is served by another kefu process"),
                "{message}"
            );
        }
        Ok(_) => panic!("a second kefu served the same SQLite database"),
    }
    let (status, body) = app.say(&app.new_session().await, "怎么提币到外部钱包").await;
    assert_eq!(
        (status, body["decision"].as_str()),
        (StatusCode::OK, Some("answer")),
        "{body}"
    );
    let reader = kefu::store::Store::connect(&app.database_url).await.unwrap();
    let stats = reader.question_stats(0, i64::MAX, 5).await.unwrap();
    let asked: i64 = stats.by_day.iter().map(|d| d.count).sum();
    assert_eq!(asked, 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_questions_are_answered_from_the_cache() {
    let app = spawn_app_with(Db::Sqlite, |s| s.answer_cache = 100).await;
    let (_, first) = app.say(&app.new_session().await, "怎么提币到外部钱包").await;
    // The same question in traditional characters and other spacing, from another user.
    let (_, again) = app.say(&app.new_session().await, " 怎麼提幣到外部錢包 ").await;
    assert_eq!(first["decision"], "answer", "{first:#}");
    for field in ["decision", "confidence", "answer", "suggestions"] {
        assert_eq!(first[field], again[field], "a cached reply is the same reply: {field}");
    }
    app.say(&app.new_session().await, "how do I change my email").await;
    let metrics = app.metrics().await;
    for needle in [
        "kefu_answer_cache_total{result=\"hit\"} 1",
        "kefu_answer_cache_total{result=\"miss\"} 2",
        "kefu_engine_seconds_count 2",
        "kefu_decisions_total{decision=\"answer\"} 3",
    ] {
        assert!(metrics.contains(needle), "{needle} not in\n{metrics}");
    }
}

/// Turns from many sessions at once, which SQLite commits together: every
/// turn is stored whole, each session's transcript keeps its order, and the
/// ids a turn returns are its own messages' (a multi-row insert hands ids
/// back by position).
async fn concurrent_turns_are_stored_whole_and_in_order(db: Db) {
    let app = spawn_app(db).await;
    let questions = ["怎么充值", "how do I reset my google authenticator", "提币手续费是多少"];
    let mut sessions = Vec::new();
    for _ in 0..12 {
        sessions.push(app.new_session().await);
    }
    let conversations = sessions.iter().enumerate().map(|(n, s)| {
        let app = &app;
        async move {
            let mut turns = Vec::new();
            for i in 0..questions.len() {
                let asked = questions[(n + i) % questions.len()];
                let (status, body) = app.say(s, asked).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                turns.push((asked, body));
            }
            turns
        }
    });
    let all = futures_util::future::join_all(conversations).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    for (s, turns) in sessions.iter().zip(&all) {
        let transcript = app.transcript(s, 0).await;
        assert_eq!(transcript.len(), 2 * turns.len(), "{transcript:?}");
        for ((asked, turn), pair) in turns.iter().zip(transcript.chunks(2)) {
            assert_eq!(
                (&pair[0]["author"], &pair[0]["text"], &pair[0]["id"]),
                (&json!("user"), &json!(asked), &turn["user_message_id"])
            );
            assert_eq!(
                (&pair[1]["author"], &pair[1]["text"], &pair[1]["id"]),
                (&json!("bot"), &turn["text"], &turn["bot_message_id"])
            );
            let question: String = sqlx::query("SELECT question FROM questions WHERE message_id = $1")
                .bind(turn["bot_message_id"].as_i64().unwrap())
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .try_get("question")
                .unwrap();
            assert_eq!(&question, asked, "the question is recorded against its own reply");
        }
    }
}
