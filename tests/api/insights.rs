//! Analytics against a seeded scenario with known counts, on both databases,
//! through the real server: the JSON report, the CSV export and the charts.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{spawn_app, status_and_json, Db, TestApp, UserSession, ADMIN_TOKEN, AGENT_TOKEN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_counts_a_seeded_day_sqlite() {
    analytics_counts_a_seeded_day(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_counts_a_seeded_day_postgres() {
    analytics_counts_a_seeded_day(Db::Postgres).await
}

async fn ask(app: &TestApp, s: &UserSession, text: &str, decision: &str) -> Value {
    let (status, body) = app.say(s, text).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], decision, "{text}: {body}");
    body
}

async fn rate(app: &TestApp, s: &UserSession, message: &Value, helpful: bool) {
    let (status, body) = app.feedback(s, &message["bot_message_id"], helpful).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn admin_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
}

/// Four questions: two answers (one rated helpful, one not), an
/// out-of-scope handoff that Alice claims, answers and resolves, and a
/// request for a person. A tapped chip is a choice, not a question.
async fn analytics_counts_a_seeded_day(db: Db) {
    let app = spawn_app(db).await;
    let a = app.new_session().await;
    let first = ask(&app, &a, "怎么提币到外部钱包", "answer").await;
    rate(&app, &a, &first, true).await;
    let second = ask(&app, &a, "怎么提币到外部钱包", "answer").await;
    rate(&app, &a, &second, false).await;
    let r = app
        .client
        .post(app.url(&format!("/v1/sessions/{}/messages", a.id)))
        .bearer_auth(&a.secret)
        .json(&json!({ "text": "充值", "article_id": "deposit-crypto" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let b = app.new_session().await;
    let handed = ask(&app, &b, "明天比特币会涨到多少", "handoff").await;
    let ticket = handed["ticket"]["id"].as_i64().unwrap();
    for (method, path, body) in [
        (Method::POST, format!("/v1/agent/tickets/{ticket}/claim"), None),
        (
            Method::POST,
            format!("/v1/agent/tickets/{ticket}/messages"),
            Some(json!({ "text": "我们不提供价格预测。" })),
        ),
        (
            Method::POST,
            format!("/v1/agent/tickets/{ticket}/messages"),
            Some(json!({ "text": "先看看这篇，识别常见骗局。", "article_id": "recognize-scams" })),
        ),
        (
            Method::POST,
            format!("/v1/agent/tickets/{ticket}/status"),
            Some(json!({ "status": "resolved" })),
        ),
    ] {
        let (status, body) = app.agent(AGENT_TOKEN, method, &path, body).await;
        assert!(status.is_success(), "{path}: {body}");
    }
    // The article went with the reply as a card; an unknown one is refused.
    let (_, detail) = app
        .agent(AGENT_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    let sent = detail["messages"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .find(|m| m["author"] == "agent" && m["reply"]["article"].is_object())
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(sent["reply"]["article"]["id"], "recognize-scams", "{detail}");
    assert!(
        sent["reply"]["article"]["excerpt"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{sent}"
    );
    let (status, body) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/messages"),
            Some(json!({ "text": "x", "article_id": "no-such-article" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The user rates the agent's conversation: nothing to rate before it
    // is resolved (session c), a rating outside 1–5 is refused, the last
    // rating counts.
    let rate_agent = |s: &UserSession, body: Value| {
        let request = app
            .client
            .post(app.url(&format!("/v1/sessions/{}/rating", s.id)))
            .bearer_auth(&s.secret)
            .json(&body)
            .send();
        async move { status_and_json(request.await.unwrap()).await }
    };
    let (status, body) = rate_agent(&b, json!({ "rating": 6 })).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_rating"))
    );
    let (status, _) = rate_agent(&b, json!({ "rating": 2 })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = rate_agent(&b, json!({ "rating": 4, "comment": "很快，谢谢" })).await;
    assert_eq!((status, &body["ticket_id"]), (StatusCode::OK, &json!(ticket)), "{body}");
    let c = app.new_session().await;
    ask(&app, &c, "转人工", "handoff").await;
    let (status, body) = rate_agent(&c, json!({ "rating": 5 })).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::CONFLICT, &json!("nothing_to_rate"))
    );

    let (status, r) = status_and_json(admin_get(&app, "/admin/analytics?since=1d&lang=en").await).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let q = &r["questions"];
    assert_eq!(
        (&q["asked"], &q["answered"], &q["clarified"], &q["handed_off"]),
        (&json!(4), &json!(2), &json!(0), &json!(2)),
        "{r}"
    );
    assert_eq!(q["deflection_rate"], 0.5);
    assert_eq!(q["helpful_rate"], 0.5);
    let today: u64 = r["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["answered"].as_u64().unwrap() + d["handed_off"].as_u64().unwrap())
        .sum();
    assert_eq!(today, 4);
    let withdraw = r["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["article"] == "withdraw-crypto")
        .expect("withdrawals are a topic");
    assert_eq!(withdraw["asked"], 2);
    assert!(
        withdraw["title"].as_str().unwrap().is_ascii(),
        "English titles: {withdraw}"
    );

    // The out-of-scope question and the unhelpful answer are gaps; asking
    // for a person and the helpful answer are not.
    let mut unanswered: Vec<(&str, u64)> = r["unanswered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["question"].as_str().unwrap(), u["count"].as_u64().unwrap()))
        .collect();
    unanswered.sort();
    assert_eq!(unanswered, [("怎么提币到外部钱包", 1), ("明天比特币会涨到多少", 1)]);

    let article = &r["articles"][0];
    assert_eq!(
        (&article["article"], &article["helpful"], &article["not_helpful"]),
        (&json!("withdraw-crypto"), &json!(1), &json!(1))
    );
    assert_eq!(r["tickets"]["created"], 2);
    assert_eq!(r["tickets"]["first_reply"]["count"], 1);
    assert_eq!(r["tickets"]["resolution"]["count"], 1);
    let agents = r["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "{r}");
    assert_eq!(
        (&agents[0]["agent"], &agents[0]["tickets"], &agents[0]["resolved"]),
        (&json!("Alice"), &json!(1), &json!(1))
    );
    assert_eq!(
        (&agents[0]["satisfaction"]["rated"], &agents[0]["satisfaction"]["csat"]),
        (&json!(1), &json!(1.0)),
        "{r}"
    );
    let satisfaction = &r["satisfaction"]["ratings"];
    assert_eq!(
        (&satisfaction["rated"], &satisfaction["average"]),
        (&json!(1), &json!(4.0))
    );
    let csv = admin_get(&app, "/admin/analytics?since=1d&format=csv&table=cases").await;
    let text = csv.text().await.unwrap();
    assert!(
        text.lines().next().unwrap().ends_with(",rating,rating_comment"),
        "{text}"
    );
    assert!(
        text.contains(",4,\"很快，谢谢\"") || text.contains(",4,很快，谢谢"),
        "{text}"
    );
    let csv = admin_get(&app, "/admin/analytics?since=1d&format=csv&table=satisfaction").await;
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().next(), Some("date,rated,average_rating,csat"));
    assert!(text.lines().any(|l| l.ends_with(",1,4.000,1.000")), "{text}");

    // A range that ends before anything happened is empty, not an error.
    let (status, empty) =
        status_and_json(admin_get(&app, "/admin/analytics?from=2020-01-01&to=2020-01-07").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["questions"]["asked"], 0);
    assert_eq!(empty["daily"].as_array().unwrap().len(), 7);

    // CSV: one table, quoted, with a header.
    let csv = admin_get(&app, "/admin/analytics?since=1d&format=csv&table=unanswered").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("kefu-unanswered-"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "question,count,last_asked,nearest_article,confidence");
    assert_eq!(lines.len(), 3, "{text}");

    // Charts are SVG.
    for chart in ["daily", "topics"] {
        let svg = admin_get(&app, &format!("/admin/analytics/charts/{chart}?since=7d")).await;
        assert_eq!(svg.status(), StatusCode::OK);
        assert!(svg.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml"));
        let body = svg.text().await.unwrap();
        assert!(body.starts_with("<svg") && body.contains("<rect"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_is_for_admins_and_names_bad_ranges() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, body) = app.agent(AGENT_TOKEN, Method::GET, "/admin/analytics", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    for (query, words) in [
        ("since=7w", "7w"),
        ("since=7d&from=2026-01-01", "not both"),
        ("from=2026-02-30", "2026-02-30"),
        ("from=2026-03-02&to=2026-03-01", "empty"),
        ("since=500d", "366"),
        ("format=xml", "xml"),
        ("table=everything", "everything"),
    ] {
        let (status, body) = status_and_json(admin_get(&app, &format!("/admin/analytics?{query}")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{query}: {message}");
    }
    let missing = admin_get(&app, "/admin/analytics/charts/pie").await;
    assert!(missing.status().is_client_error());
}
