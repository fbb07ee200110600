//! Conversations as users have them, through the real server on SQLite and
//! PostgreSQL: small talk, follow-ups, a bot that keeps helping while the
//! user waits for a person and steps aside when one joins, honest waiting,
//! and small talk counted apart in analytics.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{spawn_app, Db, TestApp, UserSession, ADMIN_TOKEN, AGENT_TOKEN};

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
    small_talk_is_answered_without_a_ticket,
    follow_ups_stay_on_the_topic_until_it_changes,
    a_reaction_to_an_answer_is_not_the_question_again,
    the_way_funds_moved_and_written_cantonese_are_understood,
    a_pasted_address_is_checked_before_the_answer,
    a_transaction_id_and_a_fee_question_get_their_facts,
    the_ticket_carries_the_case_and_is_found_by_its_txid,
    the_bot_keeps_helping_while_the_user_waits,
    an_agent_who_joins_has_the_conversation_to_themselves,
);

async fn say(app: &TestApp, s: &UserSession, text: &str) -> Value {
    let (status, body) = app.say(s, text).await;
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    body
}

/// The reply to `text`, the first message of a new conversation.
async fn say_in_a_new_chat(app: &TestApp, text: &str) -> Value {
    let s = app.new_session().await;
    say(app, &s, text).await
}

/// Ticket `id` as the queue lists it (`null` when it is not there).
async fn listed_ticket(app: &TestApp, id: i64) -> Value {
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    queue["tickets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == id).cloned())
        .unwrap_or_default()
}

async fn queue_ids(app: &TestApp) -> Vec<i64> {
    let (_, queue) = app.agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets", None).await;
    queue["tickets"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn small_talk_is_answered_without_a_ticket(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    for (text, kind) in [
        ("你好", "greeting"),
        ("在吗？", "presence"),
        ("你是机器人吗", "are_you_a_bot"),
        ("hello there!", "greeting"),
        ("谢谢你的帮助", "thanks"),
        ("没事了 拜拜", "goodbye"),
        // Not on the lists word for word: near a phrase in meaning.
        ("hey, hope your day is going well", "greeting"),
        ("非常感谢您的耐心解答", "thanks"),
    ] {
        let body = say(&app, &s, text).await;
        assert_eq!(body["decision"], "small_talk", "{text}: {body}");
        assert!(body["ticket"].is_null(), "{text}: {body}");
        assert!(body["answer"].is_null(), "no article for {text}: {body}");
        let said = body["text"].as_str().unwrap_or_default();
        assert!(!said.is_empty(), "{text}: {body}");
        let transcript = app.transcript(&s, 0).await;
        let reply = &transcript.last().unwrap_or(&Value::Null)["reply"];
        assert_eq!(reply["small_talk"], kind, "{text}: {reply}");
    }
    assert!(queue_ids(&app).await.is_empty(), "nobody was handed off");
    // Near nothing: off-topic, not small talk.
    let body = say(&app, &app.new_session().await, "what's the capital of france").await;
    assert_eq!(body["decision"], "handoff", "{body}");

    // A greeting with a question answers the question, in its language.
    let body = say(&app, &s, "你好，请问怎么提币").await;
    assert_eq!(
        (body["decision"].as_str(), body["answer"]["id"].as_str()),
        (Some("answer"), Some("withdraw-crypto")),
        "{body}"
    );
    let body = say(&app, &s, "hi! how do I reset my password?").await;
    assert_eq!(body["answer"]["id"], "reset-password", "{body}");
    assert!(
        body["text"].as_str().unwrap_or_default().is_ascii(),
        "answered in English: {body}"
    );

    // An explicit request for a person still hands off at once.
    let body = say(&app, &s, "我要人工客服").await;
    assert_eq!(body["decision"], "handoff", "{body}");
    assert!(body["ticket"]["id"].is_i64());

    // Analytics count the small talk apart from the questions.
    let (status, report) = app
        .agent(ADMIN_TOKEN, Method::GET, "/admin/analytics?since=1d", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["questions"]["small_talk"], 8, "{report}");
    assert_eq!(
        report["questions"]["asked"], 4,
        "three questions and the request: {report}"
    );
}

async fn follow_ups_stay_on_the_topic_until_it_changes(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    for (text, article) in [
        ("资金费率是什么意思", "funding-rate"),
        ("多久收一次", "funding-rate"),
        ("怎么算的", "funding-rate"),
    ] {
        let body = say(&app, &s, text).await;
        assert_eq!(
            (body["decision"].as_str(), body["answer"]["id"].as_str()),
            (Some("answer"), Some(article)),
            "{text}: {body}"
        );
    }
    // Something to do, not an aspect of the topic: the topic changes.
    let s = app.new_session().await;
    say(&app, &s, "挂了一个限价单一直不成交").await;
    let body = say(&app, &s, "怎么撤单").await;
    assert_eq!(body["answer"]["id"], "cancel-order", "{body}");
}

async fn a_reaction_to_an_answer_is_not_the_question_again(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let body = say(&app, &s, "资金费率是什么意思").await;
    assert_eq!(body["answer"]["id"], "funding-rate", "{body}");
    // What the user learned, with thanks or an acknowledgement: small talk.
    for text in ["every 8 hrs got it", "哦哦 原来是每8小时收一次"] {
        let body = say(&app, &s, text).await;
        assert_eq!(body["decision"], "small_talk", "{text}: {body}");
    }
    // Thanks with a problem in it is still a question.
    let s = app.new_session().await;
    let body = say(&app, &s, "充值一直没到账").await;
    assert_eq!(body["answer"]["id"], "deposit-not-arrived", "{body}");
    let body = say(&app, &s, "好的谢谢 但是确认数早就够了").await;
    assert_eq!(body["decision"], "answer", "{body}");
    assert_eq!(body["answer"]["id"], "deposit-not-arrived", "{body}");
}

async fn the_way_funds_moved_and_written_cantonese_are_understood(db: Db) {
    let app = spawn_app(db).await;
    // "提了…到你们平台": withdrawn elsewhere, so a deposit here; the
    // follow-up keeps that direction.
    let s = app.new_session().await;
    for text in [
        "从币安提了200u到你们平台 三个小时了还没到账 币安那边显示成功",
        "erc20的 一般要几个确认",
    ] {
        let body = say(&app, &s, text).await;
        assert_eq!(body["answer"]["id"], "deposit-not-arrived", "{text}: {body}");
    }
    // Funds moved by someone else go to a person at once, however unsure
    // the ranking is: no asking to rephrase first.
    let body = say_in_a_new_chat(
        &app,
        "my bnb went out to some unknown address right after it arrived, i didnt do that",
    )
    .await;
    assert_eq!(body["decision"], "handoff", "{body}");
    // 收唔到 is 收不到 and 点算 is 怎么办, not 算了.
    let body = say_in_a_new_chat(&app, "收唔到驗證碼點算").await;
    assert_eq!(body["answer"]["id"], "sms-code-not-received", "{body}");
}

async fn a_pasted_address_is_checked_before_the_answer(db: Db) {
    let app = spawn_app(db).await;
    let text_of = |body: &Value| body["text"].as_str().unwrap_or_default().to_string();
    // An Ethereum-format address cannot receive BTC, in either language.
    let body = say_in_a_new_chat(&app, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed 这个地址能收BTC吗").await;
    assert!(
        text_of(&body).starts_with("注意：0x5aAe…eAed") && text_of(&body).contains("不能接收 BTC"),
        "{body}"
    );
    let body = say_in_a_new_chat(&app, "is 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed a bitcoin address?").await;
    assert!(text_of(&body).contains("cannot receive BTC"), "{body}");
    // One letter in the wrong case breaks EIP-55: a typo, never to be used.
    let body = say_in_a_new_chat(&app, "提币地址 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD 对吗").await;
    assert!(text_of(&body).contains("校验未通过"), "{body}");
    let body = say_in_a_new_chat(
        &app,
        "is 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD the right withdrawal address?",
    )
    .await;
    assert!(text_of(&body).contains("fails its checksum"), "{body}");
    // A TRON address with ERC20 named: the mismatch, then the article.
    let body = say_in_a_new_chat(
        &app,
        "用ERC20网络给TRC20地址TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t转了USDT 没到账",
    )
    .await;
    assert!(
        text_of(&body).contains("TRON") && text_of(&body).contains("ERC20"),
        "{body}"
    );
    assert_eq!(body["answer"]["id"], "deposit-wrong-network", "{body}");
    let body = say_in_a_new_chat(
        &app,
        "sent usdt over erc20 to my trc20 address TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t and it never arrived",
    )
    .await;
    assert!(
        text_of(&body).contains("cannot receive funds sent over ERC20"),
        "{body}"
    );
    assert_eq!(body["answer"]["id"], "deposit-wrong-network", "{body}");
    // No address, no note.
    let body = say_in_a_new_chat(&app, "提币要多久到账").await;
    assert!(!text_of(&body).starts_with("注意"), "{body}");
}

async fn a_transaction_id_and_a_fee_question_get_their_facts(db: Db) {
    let app = spawn_app(db).await;
    let text_of = |body: &Value| body["text"].as_str().unwrap_or_default().to_string();
    let tx = "7e467331322b30e6b270860e803d18fa7184915bc0930ae7dafbcd6289eeeec5";
    // A TxID with its network: that network's explorer, then the article.
    let body = say_in_a_new_chat(&app, &format!("TRC20充值 txid {tx} 一个小时了还没到账")).await;
    assert!(
        text_of(&body).contains(&format!("https://tronscan.org/#/transaction/{tx}")),
        "{body}"
    );
    assert!(!text_of(&body).contains("mempool.space"), "{body}");
    assert_eq!(body["answer"]["id"], "deposit-not-arrived", "{body}");
    // A TxID alone asks where the transaction stands.
    let body = say_in_a_new_chat(&app, &format!("txid: 0x{tx}")).await;
    assert_eq!(body["decision"], "answer", "{body}");
    let status = body["answer"]["id"].as_str().unwrap_or_default().to_string();
    assert!(
        ["deposit-not-arrived", "withdrawal-pending"].contains(&status.as_str()),
        "{body}"
    );
    assert!(
        text_of(&body).contains(&format!("https://etherscan.io/tx/0x{tx}")),
        "{body}"
    );
    // Fees quoted from facts.yaml for the coin and network asked, in both
    // languages with the same number; a network alone after it is asked
    // of the same article.
    let s = app.new_session().await;
    let body = say(&app, &s, "USDT走TRC20提币手续费多少").await;
    assert_eq!(body["answer"]["id"], "withdrawal-fees", "{body}");
    assert!(text_of(&body).starts_with("USDT（TRC20）：提币手续费 1 USDT"), "{body}");
    let body = say(&app, &s, "那bep20呢").await;
    assert!(text_of(&body).contains("USDT（BEP20）：提币手续费 0.3 USDT"), "{body}");
    let body = say_in_a_new_chat(&app, "what is the minimum ETH withdrawal on ERC20").await;
    assert!(
        text_of(&body).starts_with("ETH on ERC20: minimum withdrawal 0.01 ETH"),
        "{body}"
    );
    // The article itself shows the same numbers, written once.
    let page = app
        .client
        .get(app.url("/help/articles/withdrawal-fees?lang=en"))
        .send()
        .await;
    let page = page.expect("the help page").text().await.unwrap_or_default();
    assert!(page.contains("0.3 USDT") && !page.contains("{{"), "{page}");
}

async fn the_ticket_carries_the_case_and_is_found_by_its_txid(db: Db) {
    let app = spawn_app(db).await;
    let tx = "7e467331322b30e6b270860e803d18fa7184915bc0930ae7dafbcd6289eeeec5";
    let address = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
    let s = app.new_session().await;
    // Said before the hand-off: gathered when the ticket opens.
    say(&app, &s, &format!("从币安转了500U到 {address} 走trc20 还没到")).await;
    let body = say(&app, &s, "转人工").await;
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    // Said while waiting, and to the agent: added.
    say(&app, &s, &format!("txid {tx}")).await;
    let listed = listed_ticket(&app, ticket).await;
    // "转人工" says nothing of the case: the ticket carries the question before it.
    let question = listed["question"].as_str().unwrap_or_default();
    assert!(question.starts_with("从币安转了500U到"), "{listed}");
    assert!(listed["title"].is_string(), "{listed}");
    let details = &listed["details"];
    assert_eq!(
        (
            &details["coin"],
            &details["network"],
            &details["amount"],
            &details["txid"]
        ),
        (
            &Value::from("USDT"),
            &Value::from("TRC20"),
            &Value::from("500U"),
            &Value::from(tx)
        ),
        "{listed}"
    );
    // The address is personal data: its ends for agents, whole for admins.
    assert_eq!(details["address"], "TR7NHq…Lj6t", "{listed}");
    let (_, full) = app
        .agent(ADMIN_TOKEN, Method::GET, &format!("/v1/agent/tickets/{ticket}"), None)
        .await;
    assert_eq!(full["ticket"]["details"]["address"], address, "{full}");
    // Found by its TxID, also once resolved; another id finds nothing.
    let (status, _) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/claim"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = say(&app, &s, "还有 金额是500 USDT").await;
    assert_eq!(body["forwarded_to_agent"], true, "{body}");
    let (status, _) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/status"),
            Some(serde_json::json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let app_ref = &app;
    let found = |q: String| async move {
        let (_, r) = app_ref.agent(AGENT_TOKEN, Method::GET, &q, None).await;
        r["tickets"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["id"].as_i64()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(found(format!("/v1/agent/tickets?txid={tx}")).await, vec![ticket]);
    assert_eq!(
        found(format!("/v1/agent/tickets?txid={}", tx.to_uppercase())).await,
        vec![ticket],
        "a hex id in capitals is the same id, on both databases"
    );
    assert!(
        found(format!("/v1/agent/tickets?txid={}", &tx[..40])).await.is_empty(),
        "a part is not the id"
    );
    // A TxID is letters and digits: anything else is no id, and no pattern.
    let (status, body) = app
        .agent(AGENT_TOKEN, Method::GET, "/v1/agent/tickets?txid=%25", None)
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &Value::from("invalid_query")),
        "{body}"
    );
    // The queue names a ticket's topic by its article's title.
    let body = say_in_a_new_chat(&app, "我的账号被盗了，币全被转走了").await;
    let hacked = body["ticket"]["id"].as_i64().expect("a ticket");
    let listed = listed_ticket(&app, hacked).await;
    let title = listed["topic_title"].as_str().unwrap_or_default();
    assert!(
        listed["topic"].is_string() && title.contains("被盗") && title != listed["topic"],
        "{listed}"
    );
    // The per-ticket export has the case, whole.
    let csv = app
        .client
        .get(app.url("/admin/analytics?since=1d&format=csv&table=cases"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("the export");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap_or_default();
    assert!(
        text.starts_with("ticket,created_at,status,priority,reason,topic,agent,coin,network,address,txid,amount"),
        "{text}"
    );
    assert!(text.contains(&format!("USDT,TRC20,{address},{tx},500U")), "{text}");
}

async fn the_bot_keeps_helping_while_the_user_waits(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let body = say(&app, &s, "转人工").await;
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    let said = body["text"].as_str().unwrap_or_default();
    assert!(
        !said.contains("请留在此页面") && said.contains("没有客服在线"),
        "nobody is online, and the reply says so: {said}"
    );

    // A question the bot knows is answered; the ticket stays in the queue.
    let body = say(&app, &s, "怎么开启谷歌验证").await;
    assert_eq!(
        (body["decision"].as_str(), body["answer"]["id"].as_str()),
        (Some("answer"), Some("enable-google-authenticator")),
        "{body}"
    );
    assert_eq!(body["ticket"]["id"], ticket, "{body}");
    assert!(queue_ids(&app).await.contains(&ticket));

    // What it cannot answer is acknowledged as passed on, with no new ticket.
    let body = say(&app, &s, "还要等多久").await;
    assert_eq!(body["decision"], "handoff", "{body}");
    assert_eq!(body["ticket"]["id"], ticket, "{body}");

    // The user withdraws the request: the ticket leaves the queue.
    let body = say(&app, &s, "问题已解决，取消转人工").await;
    assert_eq!(body["decision"], "small_talk", "{body}");
    assert!(!queue_ids(&app).await.contains(&ticket), "withdrawn");
    // Asking again reopens it.
    let body = say(&app, &s, "人工").await;
    assert_eq!(body["ticket"]["id"], ticket, "the same ticket, reopened: {body}");
    assert!(queue_ids(&app).await.contains(&ticket));
    // A word that is a goodbye elsewhere withdraws the request here.
    let body = say(&app, &s, "不用了").await;
    assert_eq!(body["decision"], "small_talk", "{body}");
    assert!(!queue_ids(&app).await.contains(&ticket), "withdrawn by 不用了");
}

async fn an_agent_who_joins_has_the_conversation_to_themselves(db: Db) {
    let app = spawn_app(db).await;
    let s = app.new_session().await;
    let body = say(&app, &s, "talk to a human please").await;
    let ticket = body["ticket"]["id"].as_i64().expect("a ticket");
    let (status, _) = app
        .agent(
            AGENT_TOKEN,
            Method::POST,
            &format!("/v1/agent/tickets/{ticket}/claim"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for text in ["how do I reset my password", "hello?"] {
        let body = say(&app, &s, text).await;
        assert_eq!(body["forwarded_to_agent"], true, "{text}: {body}");
        assert!(body["bot_message_id"].is_null(), "the bot stays out: {body}");
    }
}
