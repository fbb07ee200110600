//! Waiting for a person, end to end: place in line and the estimate from
//! the claim rate (also live on the user's stream), agent presence, service
//! hours and the e-mail follow-up, and urgent tickets past their SLA.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{spawn_app_with, status_and_json, Db, TestApp, UserSession, ADMIN_TOKEN, AGENT_TOKEN};
use crate::service::stream_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn place_in_line_and_estimate_sqlite() {
    place_in_line_and_estimate(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn place_in_line_and_estimate_postgres() {
    place_in_line_and_estimate(Db::Postgres).await
}

async fn presence(app: &TestApp, token: &str, status: &str) {
    let (code, body) = app
        .agent(
            token,
            Method::POST,
            "/v1/agent/presence",
            Some(json!({ "status": status })),
        )
        .await;
    assert_eq!(code, StatusCode::NO_CONTENT, "{body}");
}

async fn hand_off(app: &TestApp) -> (UserSession, Value) {
    let s = app.new_session().await;
    let (status, body) = app.say(&s, "转人工").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "handoff", "{body}");
    (s, body)
}

async fn queue_of(app: &TestApp, s: &UserSession) -> Value {
    app.session_get(s, "/queue").await["queue"].clone()
}

async fn claim_next(app: &TestApp) {
    let (status, body) = app
        .agent(AGENT_TOKEN, Method::POST, "/v1/agent/tickets/claim", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn place_in_line_and_estimate(db: Db) {
    let app = spawn_app_with(db, |s| s.queue.estimate_window_minutes = 60).await;
    presence(&app, AGENT_TOKEN, "online").await;
    for _ in 0..4 {
        hand_off(&app).await;
    }
    let (third, body) = hand_off(&app).await;
    let q = &body["queue"];
    assert_eq!(
        (&q["status"], &q["position"], &q["agents_online"], &q["open"]),
        (&json!("pending"), &json!(5), &json!(1), &json!(true)),
        "{body}"
    );
    assert!(q["estimated_wait_seconds"].is_null(), "no claims yet, no estimate: {q}");

    // One or two claims in the last hour say too little for a number.
    claim_next(&app).await;
    claim_next(&app).await;
    let q = queue_of(&app, &third).await;
    assert_eq!(
        (&q["position"], &q["estimated_wait_seconds"]),
        (&json!(3), &Value::Null),
        "{q}"
    );

    // Three: one ticket every 20 minutes, two to go before it (40 minutes).
    claim_next(&app).await;
    let q = queue_of(&app, &third).await;
    assert_eq!(
        (&q["position"], &q["estimated_wait_seconds"]),
        (&json!(2), &json!(2400)),
        "{q}"
    );

    // The stream says when the place changes, without the user doing anything.
    let stream = app.url(&format!("/v1/sessions/{}/events?secret={}", third.id, third.secret));
    let client = app.client.clone();
    let watcher = tokio::spawn(stream_until(client, stream, |v| v["queue"]["position"] == 1));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    claim_next(&app).await;
    let live = watcher.await.unwrap();
    assert_eq!(
        live["queue"]["estimated_wait_seconds"], 900,
        "four claims an hour: {live}"
    );

    // Nobody online: no estimate, and the user is told.
    presence(&app, AGENT_TOKEN, "away").await;
    let q = queue_of(&app, &third).await;
    assert_eq!(
        (&q["agents_online"], &q["estimated_wait_seconds"]),
        (&json!(0), &Value::Null),
        "{q}"
    );

    // Claimed: no longer in line.
    claim_next(&app).await;
    let q = queue_of(&app, &third).await;
    assert_eq!(
        (&q["status"], &q["position"]),
        (&json!("assigned"), &Value::Null),
        "{q}"
    );
    let s = app.new_session().await;
    assert!(queue_of(&app, &s).await.is_null(), "not waiting, no queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_hours_the_user_leaves_an_email() {
    // Service hours that are closed now: an hour-long window two hours ahead.
    let hour = (kefu::domain::now_millis() / 3_600_000) % 24;
    let hours: kefu::handoff::hours::ServiceHours = serde_yaml_ng::from_str(&format!(
        "{{utc_offset: Z, open: '{:02}:00', close: '{:02}:00'}}",
        (hour + 2) % 24,
        (hour + 3) % 24
    ))
    .unwrap();
    let app = spawn_app_with(Db::Sqlite, |s| s.queue.service_hours = Some(hours)).await;
    presence(&app, AGENT_TOKEN, "online").await;
    let (s, body) = hand_off(&app).await;
    let q = &body["queue"];
    assert_eq!(
        (&q["open"], &q["estimated_wait_seconds"]),
        (&json!(false), &Value::Null),
        "{q}"
    );
    assert!(q["service_hours"].as_str().unwrap().contains("(UTC+00:00)"), "{q}");

    let contact = |email: &'static str, who: &UserSession| {
        app.client
            .post(app.url(&format!("/v1/sessions/{}/contact", who.id)))
            .bearer_auth(&who.secret)
            .json(&json!({ "email": email }))
            .send()
    };
    let (status, body) = status_and_json(contact("not an address", &s).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_email")),
        "{body}"
    );
    let (status, body) = status_and_json(contact("li.wei@example.com", &s).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["contact_email"], "li.wei@example.com");
    assert_eq!(queue_of(&app, &s).await["contact_email"], "li.wei@example.com");

    // The agent who picks the ticket up sees where to follow up.
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    assert_eq!(queue["tickets"][0]["contact_email"], "li.wei@example.com", "{queue}");

    let idle = app.new_session().await;
    let (status, body) = status_and_json(contact("li.wei@example.com", &idle).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_open_ticket")),
        "{body}"
    );
    let (status, body) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            "/v1/agent/presence",
            Some(json!({ "status": "busy" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urgent_tickets_past_their_sla_are_flagged_and_counted() {
    let app = spawn_app_with(Db::Sqlite, |s| s.queue.urgent_sla_minutes = 0).await;
    let hacked = app.new_session().await;
    let (_, body) = app.say(&hacked, "我的账号被盗了，币全被转走了").await;
    assert_eq!(body["ticket"]["priority"], "urgent", "{body}");
    hand_off(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    let flags: Vec<(&str, bool)> = queue["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["priority"].as_str().unwrap(), t["sla_breached"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("urgent", true), ("normal", false)], "{queue}");

    presence(&app, ADMIN_TOKEN, "online").await;
    let metrics = app.metrics().await;
    assert!(metrics.contains("kefu_sla_breached_tickets 1"), "{metrics}");
    assert!(metrics.contains("kefu_agents_online 1"), "{metrics}");
}
