//! `POST /admin/reload`: a changed corpus goes live while questions keep
//! being answered; a broken one, or one that fails the dev-set gate, is
//! rejected with its problems listed and the old corpus keeps serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{spawn_app_with, Db, TestApp, ADMIN_TOKEN, AGENT_TOKEN};
use crate::helpers::{corpus_copy, prepared_data_dir};

/// The articles the gate's dev set asks about in these tests.
const GATED: [&str; 2] = ["withdrawal-fees", "login-problems"];

/// A server on a writable copy of the corpus, with its own data folder
/// (seeded with the prepared index and vectors, so only what a test changes
/// is rebuilt) and a dev set of the questions about [`GATED`].
struct ReloadApp {
    app: TestApp,
    corpus: tempfile::TempDir,
    _data: tempfile::TempDir,
}

async fn spawn_reload_app() -> ReloadApp {
    let corpus = corpus_copy();
    let data = tempfile::tempdir().unwrap();
    let prepared = prepared_data_dir();
    std::fs::copy(prepared.join("vectors.bin"), data.path().join("vectors.bin")).unwrap();
    let dev_set = data.path().join("dev.jsonl");
    let lines: Vec<String> =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/queries.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| GATED.iter().any(|id| l.contains(&format!("\"expected\": \"{id}\""))))
            .map(str::to_string)
            .collect();
    assert!(lines.len() >= 10, "the dev set has questions about {GATED:?}");
    std::fs::write(&dev_set, lines.join("\n")).unwrap();
    let (corpus_dir, data_dir): (PathBuf, PathBuf) = (corpus.path().into(), data.path().into());
    let app = spawn_app_with(Db::Sqlite, move |s| {
        s.corpus = corpus_dir;
        s.data_dir = data_dir;
        s.answer_cache = 1000;
        s.reload_gate.queries = dev_set;
        s.reload_gate.min_top1 = 0.8;
    })
    .await;
    ReloadApp {
        app,
        corpus,
        _data: data,
    }
}

impl ReloadApp {
    fn article(&self, name: &str) -> PathBuf {
        self.corpus.path().join("articles").join(name)
    }

    async fn reload(&self) -> (StatusCode, Value) {
        self.app.agent(ADMIN_TOKEN, Method::POST, "/admin/reload", None).await
    }

    async fn version(&self) -> String {
        let r = self.app.client.get(self.app.url("/readyz")).send().await.unwrap();
        let body: Value = r.json().await.unwrap();
        body["corpus_version"].as_str().unwrap().to_string()
    }

    async fn metrics(&self) -> String {
        let r = self.app.client.get(self.app.url("/metrics")).send().await.unwrap();
        r.text().await.unwrap()
    }

    /// The article the bot answers `question` with, if it answers.
    async fn answer_to(&self, question: &str) -> Option<String> {
        let session = self.app.new_session().await;
        let (status, body) = self.app.say(&session, question).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["answer"]["id"].as_str().map(str::to_string)
    }
}

const NEW_ARTICLE: &str = r#"---
id: hardware-wallet-stickers
category: account
title:
  zh: 如何申领硬件钱包贴纸礼包
  en: How to claim the hardware wallet sticker pack
questions:
  zh:
    - 硬件钱包贴纸礼包怎么领
    - 贴纸礼包在哪里申请
  en:
    - how do i claim the sticker pack
    - where can i get the hardware wallet stickers
tags: [贴纸礼包, sticker pack]
---
<!-- lang: zh -->
每位完成身份认证的用户都可以在 **活动中心 → 贴纸礼包** 免费申领一套硬件钱包贴纸，填写收货地址后七个工作日内寄出。

<!-- lang: en -->
Every verified user can claim one free set of hardware wallet stickers under **Events → Sticker pack**. Enter a postal address and the pack ships within seven working days.
"#;

const QUESTION: &str = "how do I claim the hardware wallet sticker pack";

#[tokio::test]
async fn a_changed_corpus_goes_live_while_questions_keep_being_answered() {
    let app = spawn_reload_app().await;
    let before = app.version().await;

    let (status, body) = app.reload().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], false, "nothing changed yet: {body}");
    assert_eq!(body["version"], before.as_str());

    assert_ne!(
        app.answer_to(QUESTION).await.as_deref(),
        Some("hardware-wallet-stickers")
    );
    std::fs::write(app.article("hardware-wallet-stickers.md"), NEW_ARTICLE).unwrap();

    // Users keep asking (distinct questions, so the engine really runs)
    // while the reload builds, checks and swaps.
    let stop = Arc::new(AtomicBool::new(false));
    let mut askers = Vec::new();
    for n in 0..2 {
        let (base, client, stop) = (app.app.base.clone(), app.app.client.clone(), Arc::clone(&stop));
        askers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(format!("{base}/v1/sessions"))
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .unwrap();
                let session: Value = r.json().await.unwrap();
                let r = client
                    .post(format!(
                        "{base}/v1/sessions/{}/messages",
                        session["id"].as_str().unwrap()
                    ))
                    .bearer_auth(session["secret"].as_str().unwrap())
                    .json(&serde_json::json!({ "text": format!("how do I reset my password {n} {i}") }))
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status());
                i += 1;
            }
            statuses
        }));
    }
    let (status, body) = app.reload().await;
    stop.store(true, Ordering::Relaxed);
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut asked = 0;
    for asker in askers {
        let statuses = asker.await.unwrap();
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
        asked += statuses.len();
    }
    assert!(asked > 0, "questions were asked during the reload");

    assert_eq!(body["changed"], true, "{body}");
    assert_eq!(body["previous_version"], before.as_str());
    let after = body["version"].as_str().unwrap().to_string();
    assert_ne!(after, before);
    assert!(body["gate"]["top1"].as_f64().unwrap() >= 0.8, "{body}");
    assert!(body["gate"]["questions"].as_u64().unwrap() >= 10, "{body}");
    assert_eq!(app.version().await, after);
    assert_eq!(
        app.answer_to(QUESTION).await.as_deref(),
        Some("hardware-wallet-stickers")
    );

    let metrics = app.metrics().await;
    for needle in [
        format!("kefu_corpus_info{{version=\"{after}\"}} 1"),
        "kefu_corpus_reloads_total{result=\"reloaded\"} 1".to_string(),
        "kefu_corpus_reloads_total{result=\"unchanged\"} 1".to_string(),
    ] {
        assert!(metrics.contains(&needle), "{needle} not in\n{metrics}");
    }
    assert!(!metrics.contains(&format!("version=\"{before}\"")), "{metrics}");
}

#[tokio::test]
async fn a_broken_corpus_is_rejected_and_the_old_one_keeps_serving() {
    let app = spawn_reload_app().await;
    let before = app.version().await;
    let answer = app.answer_to("how much is the fee to withdraw usdt").await;
    assert_eq!(answer.as_deref(), Some("withdrawal-fees"));

    let fees = std::fs::read_to_string(app.article("withdrawal-fees.md")).unwrap();
    std::fs::write(app.article("copy-of-fees.md"), &fees).unwrap();
    std::fs::write(app.article("bad-front-matter.md"), "---\nid: [unclosed\n---\nbody\n").unwrap();
    let (status, body) = app.reload().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "corpus_invalid", "{body}");
    let problems: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems.iter().any(|p| p.contains("bad-front-matter.md:")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("copy-of-fees.md") && p.contains("withdrawal-fees")),
        "{problems:?}"
    );
    assert_eq!(app.version().await, before);
    assert_eq!(
        app.answer_to("how much is the fee to withdraw usdt").await.as_deref(),
        Some("withdrawal-fees")
    );

    // An edit that loads fine but breaks answers: the fees article now talks
    // about something else, so the dev-set questions about fees miss.
    std::fs::remove_file(app.article("copy-of-fees.md")).unwrap();
    std::fs::remove_file(app.article("bad-front-matter.md")).unwrap();
    let header_end = fees.find("\n---\n").unwrap();
    let front = &fees[..header_end];
    let unrelated = front
        .lines()
        .filter(|l| l.starts_with("id:") || l.starts_with("category:") || l.starts_with("---"))
        .collect::<Vec<_>>()
        .join("\n");
    let broken = format!(
        "{unrelated}\ntitle:\n  zh: 办公室开放时间\n  en: Office opening hours\nquestions:\n  zh:\n    - 办公室几点开门\n  en:\n    - when does the office open\n---\n<!-- lang: zh -->\n我们的办公室周一至周五上午九点开门。\n\n<!-- lang: en -->\nOur office opens at nine on weekdays. Parking: {{{{fee USDT ERC20}}}}.\n"
    );
    // (The placeholder keeps a fact that only this article quoted in use:
    // the corpus must load, only its answers break.)
    std::fs::write(app.article("withdrawal-fees.md"), broken).unwrap();
    let (status, body) = app.reload().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "gate_failed", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("below the required 80.0%"),
        "{body}"
    );
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().contains("expected withdrawal-fees")),
        "{problems:?}"
    );
    assert_eq!(app.version().await, before);
    assert_eq!(
        app.answer_to("how much is the fee to withdraw usdt").await.as_deref(),
        Some("withdrawal-fees")
    );
    assert!(app
        .metrics()
        .await
        .contains("kefu_corpus_reloads_total{result=\"rejected\"} 2"));

    let (status, body) = app.app.agent(AGENT_TOKEN, Method::POST, "/admin/reload", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let r = app.app.client.post(app.app.url("/admin/reload")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
