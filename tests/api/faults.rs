//! Staying up: kefu killed with SIGKILL mid-traffic loses no acknowledged
//! write, and a PostgreSQL that goes away makes kefu unready and answer 503
//! (not hang, not panic) until it comes back, after which kefu recovers by
//! itself.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

use crate::app::{fresh_postgres_schema, spawn_app_with, status_and_json, Db, AGENT_TOKEN};
use crate::helpers::{bundled_corpus_dir, model_path, prepared_data_dir};

/// `kefu serve` as its own process, on a port of its choosing.
struct Server {
    child: Child,
    base: String,
}

const ADMIN: &str = "crash-admin-token";

fn start_server(dir: &std::path::Path, database_url: &str) -> Server {
    let config = dir.join("kefu.yaml");
    std::fs::write(
        &config,
        format!(
            "agents:\n  - name: Admin\n    role: admin\n    token_sha256: {}\n",
            kefu::config::token_hash(ADMIN)
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "serve",
            "--address",
            "127.0.0.1:0",
        ])
        .env("KEFU_CORPUS", bundled_corpus_dir())
        .env("KEFU_DATA_DIR", prepared_data_dir())
        .env("KEFU_MODEL", model_path())
        .env("KEFU_DATABASE_URL", database_url)
        .env("KEFU_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("kefu printed its address before exiting").unwrap();
        if let Some(rest) = line.strip_prefix("kefu is serving on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

/// What clients were told was stored.
#[derive(Default)]
struct Acknowledged {
    /// Session id, secret and the ids of its acknowledged messages.
    sessions: Vec<(String, String, Vec<i64>)>,
    tickets: Vec<i64>,
}

/// The JSON of a 2xx answer to `request`; `None` when it failed in any way
/// (the server is being killed).
async fn acknowledged(request: reqwest::RequestBuilder) -> Option<Value> {
    let r = request.send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

/// A client that keeps creating sessions, messages and tickets until
/// `stop`, recording every 2xx answer; failures (the server is being
/// killed) end it.
async fn write_until_killed(base: String, stop: Arc<AtomicBool>, acked: Arc<Mutex<Acknowledged>>, n: usize) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let Some(session) = acknowledged(client.post(format!("{base}/v1/sessions")).json(&json!({}))).await else {
            return;
        };
        let (id, secret) = (
            session["id"].as_str().unwrap().to_string(),
            session["secret"].as_str().unwrap().to_string(),
        );
        acked
            .lock()
            .unwrap()
            .sessions
            .push((id.clone(), secret.clone(), Vec::new()));
        for text in [
            format!("how do I reset my password {n} {i}"),
            "提币手续费是多少".to_string(),
        ] {
            let request = client
                .post(format!("{base}/v1/sessions/{id}/messages"))
                .bearer_auth(&secret)
                .json(&json!({ "text": text }));
            let Some(turn) = acknowledged(request).await else {
                return;
            };
            let ids = ["user_message_id", "bot_message_id"].map(|k| turn[k].as_i64());
            let mut acked = acked.lock().unwrap();
            let entry = acked.sessions.iter_mut().find(|s| s.0 == id).unwrap();
            entry.2.extend(ids.into_iter().flatten());
        }
        let request = client
            .post(format!("{base}/v1/sessions/{id}/handoff"))
            .bearer_auth(&secret);
        let Some(turn) = acknowledged(request).await else {
            return;
        };
        if let Some(ticket) = turn["ticket"]["id"].as_i64() {
            acked.lock().unwrap().tickets.push(ticket);
        }
        i += 1;
    }
}

async fn crash_and_check(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_server(dir.path(), &database_url);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let clients: Vec<_> = (0..4)
        .map(|n| {
            tokio::spawn(write_until_killed(
                server.base.clone(),
                Arc::clone(&stop),
                Arc::clone(&acked),
                n,
            ))
        })
        .collect();
    // Let traffic build up, then kill the process mid-write.
    let started = Instant::now();
    while acked.lock().unwrap().tickets.len() < 12 && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }

    let server = start_server(dir.path(), &database_url);
    let client = reqwest::Client::new();
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.tickets.len() >= 12, "enough traffic before the kill");
    let mut messages = 0;
    for (id, secret, ids) in &acked.sessions {
        let r = client
            .get(format!("{}/v1/sessions/{id}/messages", server.base))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(r).await;
        assert_eq!(status, StatusCode::OK, "acknowledged session {id} survives: {body}");
        let stored: Vec<i64> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        for m in ids {
            assert!(
                stored.contains(m),
                "acknowledged message {m} of {id} survives: {stored:?}"
            );
        }
        messages += ids.len();
    }
    for t in &acked.tickets {
        let r = client
            .get(format!("{}/v1/agent/tickets/{t}", server.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged ticket {t} survives");
    }
    assert!(messages >= 24, "{messages} messages checked");
    drop(server);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_write_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_check(format!("sqlite://{}?mode=rwc", dir.path().join("kefu.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_write_postgres() {
    crash_and_check(fresh_postgres_schema().await).await;
}

/// A TCP relay to the test PostgreSQL that can be cut: while cut it drops
/// every open connection and refuses new ones (by closing them at once), as
/// a restarting or unreachable database does.
struct Relay {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
}

impl Relay {
    async fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let (up2, cut2) = (Arc::clone(&up), Arc::clone(&cut));
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue;
                }
                let cut = Arc::clone(&cut2);
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Relay { address, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn postgres_outage_makes_kefu_unready_with_503s_and_it_recovers_by_itself() {
    let relay = Relay::start().await;
    let direct = fresh_postgres_schema().await;
    let through_relay = direct.replace("127.0.0.1:5432", &relay.address.to_string());
    assert_ne!(direct, through_relay, "the test URL names 127.0.0.1:5432");
    let app = spawn_app_with(Db::Postgres, move |s| {
        s.database_url = Some(kefu::config::Secret::new(through_relay));
    })
    .await;
    let readyz = || async {
        let r = app.client.get(app.url("/readyz")).send().await.unwrap();
        status_and_json(r).await
    };
    assert_eq!(readyz().await.0, StatusCode::OK);
    let session = app.new_session().await;
    assert_eq!(app.say(&session, "how do I reset my password").await.0, StatusCode::OK);

    relay.cut();
    let (status, body) = readyz().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], false, "{body}");
    let r = app
        .client
        .post(app.url("/v1/sessions"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(r).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    let (status, body) = app.say(&session, "提币手续费是多少").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, body) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    // The process itself stays up and says so.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    relay.restore();
    let deadline = Instant::now() + Duration::from_secs(60);
    while readyz().await.0 != StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "kefu is ready again once the database is back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = app.say(&session, "提币手续费是多少").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = app.new_session().await;
    assert_eq!(app.say(&again, "how do I reset my password").await.0, StatusCode::OK);
}
