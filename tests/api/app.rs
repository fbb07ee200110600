//! `spawn_app()`: the real server on a random port, with the real engine and
//! a fresh database (a SQLite file, or a schema of its own in the PostgreSQL
//! at 127.0.0.1:5432, database `test`), plus a small client for the API.

use std::sync::Arc;
use std::time::Duration;

use kefu::config::{token_hash, AgentAccount, Role, Settings};
use kefu::engine::{no_progress, Engine};
use kefu::server::Application;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;

use crate::helpers::{engine, engine_settings};

/// Which database a test app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const AGENT_TOKEN: &str = "alice-token";
pub const AGENT2_TOKEN: &str = "bob-token";
pub const ADMIN_TOKEN: &str = "carol-token";

/// A running kefu.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// The PostgreSQL the tests use (override with `TEST_POSTGRES_URL`).
fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, empty schema in the test PostgreSQL and a URL that uses it.
pub async fn fresh_postgres_schema() -> String {
    sqlx::any::install_default_drivers();
    let base = postgres_url();
    let mut conn = sqlx::AnyConnection::connect(&base)
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 is up");
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    let schema = format!(
        "kefu_test_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Like [`spawn_app`], with settings changed by `tweak` first.
pub async fn spawn_app_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database_url = match db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("kefu.db").display()),
        Db::Postgres => fresh_postgres_schema().await,
    };
    let mut settings = engine_settings();
    settings.address = "127.0.0.1:0".parse().unwrap();
    settings.database_url = Some(kefu::config::Secret::new(database_url.clone()));
    settings.agents = vec![
        account("Alice", Role::Agent, AGENT_TOKEN),
        account("Bob", Role::Agent, AGENT2_TOKEN),
        account("Carol", Role::Admin, ADMIN_TOKEN),
    ];
    tweak(&mut settings);
    // A test that turns the answer cache on gets an engine (and cache) of its own.
    let engine = if settings.answer_cache == 0 {
        engine()
    } else {
        let s = settings.clone();
        tokio::task::spawn_blocking(move || Arc::new(Engine::open(&s, no_progress(), no_progress()).unwrap()))
            .await
            .unwrap()
    };
    let app = Application::build(settings, engine).await.expect("the app starts");
    let base = format!("http://{}", app.address().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        database_url,
        _dir: dir,
    }
}

fn account(name: &str, role: Role, token: &str) -> AgentAccount {
    AgentAccount {
        name: name.into(),
        role,
        token_sha256: token_hash(token),
    }
}

/// A user's session.
pub struct UserSession {
    pub id: String,
    pub secret: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn new_session(&self) -> UserSession {
        let r = self
            .client
            .post(self.url("/v1/sessions"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        UserSession {
            id: body["id"].as_str().unwrap().to_string(),
            secret: body["secret"].as_str().unwrap().to_string(),
        }
    }

    /// Sends `text` as the user; returns the status and body.
    pub async fn say(&self, s: &UserSession, text: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(&format!("/v1/sessions/{}/messages", s.id)))
            .bearer_auth(&s.secret)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        status_and_json(r).await
    }

    /// A GET on the session's own API (`/v1/sessions/{id}{path}`).
    pub async fn session_get(&self, s: &UserSession, path: &str) -> Value {
        let r = self
            .client
            .get(self.url(&format!("/v1/sessions/{}{path}", s.id)))
            .bearer_auth(&s.secret)
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(r).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn transcript(&self, s: &UserSession, after: i64) -> Vec<Value> {
        let body = self.session_get(s, &format!("/messages?after={after}")).await;
        body["messages"].as_array().unwrap().clone()
    }

    /// The user rates bot message `message_id`.
    pub async fn feedback(&self, s: &UserSession, message_id: &Value, helpful: bool) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(&format!("/v1/sessions/{}/feedback", s.id)))
            .bearer_auth(&s.secret)
            .json(&json!({ "message_id": message_id, "helpful": helpful }))
            .send()
            .await
            .unwrap();
        status_and_json(r).await
    }

    /// `/metrics` as text.
    pub async fn metrics(&self) -> String {
        let r = self.client.get(self.url("/metrics")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    }

    /// An agent API call.
    pub async fn agent(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        status_and_json(request.send().await.unwrap()).await
    }
}

pub async fn status_and_json(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}
