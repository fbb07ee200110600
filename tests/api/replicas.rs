//! Several replicas on one PostgreSQL acting as one help desk: what is done
//! through one shows in the live streams of the others.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::app::{spawn_app, spawn_app_with, Db, TestApp, AGENT2_TOKEN, AGENT_TOKEN};

/// Until `app` hears the other replicas (`/readyz` says so).
async fn hears_the_others(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let health: Value = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if health["replicas_live"] == true {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never heard the others: {health}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads `stream` into `seen` until it holds every one of `wanted`.
async fn read_until(stream: &mut Response, seen: &mut String, wanted: &[&str]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !wanted.iter().all(|w| seen.contains(w)) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("{wanted:?} never arrived; the stream said: {seen}"))
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_postgres_show_each_others_changes_live() {
    let a = spawn_app(Db::Postgres).await;
    let url = a.database_url.clone();
    let b = spawn_app_with(Db::Postgres, move |s| {
        s.database_url = Some(kefu::config::Secret::new(url));
    })
    .await;
    hears_the_others(&a).await;
    hears_the_others(&b).await;

    // An agent's console on B; a user on A asks for a person.
    let mut console = b
        .client
        .get(b.url("/v1/agent/events"))
        .bearer_auth(AGENT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), StatusCode::OK);
    let s = a.new_session().await;
    let mut user = a
        .client
        .get(a.url(&format!("/v1/sessions/{}/events?secret={}", s.id, s.secret)))
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::OK);
    let (status, body) = a.say(&s, "I want to talk to a human").await;
    assert_eq!(body["decision"], "handoff", "{status} {body}");

    // B's console hears of that very conversation (polling only ever
    // nudged it to re-read the queue, without naming one).
    let mut seen = String::new();
    read_until(&mut console, &mut seen, &["event: session", &s.id]).await;

    // Two agents on B and A claim the ticket at once: one gets it.
    let (first, second) = tokio::join!(
        b.agent(AGENT_TOKEN, Method::POST, "/v1/agent/tickets/claim", None),
        a.agent(AGENT2_TOKEN, Method::POST, "/v1/agent/tickets/claim", None),
    );
    let winners: Vec<(&TestApp, &str, &Value)> = [(&b, AGENT_TOKEN, &first), (&a, AGENT2_TOKEN, &second)]
        .into_iter()
        .filter(|(_, _, (status, body))| *status == StatusCode::OK && body["session_id"] == s.id.as_str())
        .map(|(app, token, (_, body))| (app, token, body))
        .collect();
    assert_eq!(winners.len(), 1, "{first:?} {second:?}");
    let (agent, token, ticket) = winners[0];
    let ticket = &ticket["id"];

    // The agent's reply, written through one replica, reaches the user's
    // live stream on A.
    let (status, reply) = agent
        .agent(
            token,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/messages"),
            Some(json!({ "text": "Hello from the other replica" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let mut heard = String::new();
    read_until(&mut user, &mut heard, &["Hello from the other replica"]).await;
}
