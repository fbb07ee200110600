//! Knowledge-gap mining with the real model: a fixture of paraphrases of
//! three topics the corpus does not cover (in Chinese and English), mixed
//! with one-off questions on unrelated subjects, comes out as groups of one
//! topic each, the three topics the biggest; and the same
//! through the admin API, the draft export and `kefu gaps`.

use kefu::domain::Decision;
use kefu::domain::HandoffReason;
use kefu::domain::{now_millis, ArticleId, AskedQuestion};
use kefu::insights::gaps::{find_gaps, GapOptions, Suggestion};
use kefu::insights::Period;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{spawn_app, Db, ADMIN_TOKEN};
use crate::helpers::engine;

fn fixture() -> Vec<(String, Option<String>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gaps.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["text"].as_str().unwrap().to_string(),
                v["topic"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn three_new_topics_come_out_of_the_noise() {
    let fixture = fixture();
    let now = now_millis();
    let engine = engine();
    // Recorded as the desk records a handoff: with the bot's best candidate
    // and its confidence.
    let questions: Vec<AskedQuestion> = fixture
        .iter()
        .enumerate()
        .map(|(i, (text, _))| {
            let reply = engine.reply(text, 3).unwrap();
            AskedQuestion {
                message_id: i as i64,
                question: text.clone(),
                decision: Decision::Handoff,
                reason: Some(HandoffReason::LowConfidence),
                topic: reply.candidates.first().map(|c| c.article_id.clone()),
                confidence: f64::from(reply.confidence),
                locale: "zh".into(),
                helpful: None,
                created_at: now - i as i64 * 60_000,
            }
        })
        .collect();
    let period = Period::last("1d", now).unwrap();
    let gaps = find_gaps(&engine, period, &questions, GapOptions::default()).unwrap();
    let topic_of = |text: &str| {
        fixture
            .iter()
            .find(|(t, _)| t == text)
            .and_then(|(_, topic)| topic.clone())
    };
    let groups: Vec<Vec<Option<String>>> = gaps
        .iter()
        .map(|g| g.members.iter().map(|m| topic_of(m)).collect())
        .collect();
    let shown: Vec<(&Vec<String>, Suggestion, Option<&ArticleId>, f64)> = gaps
        .iter()
        .map(|g| {
            (
                &g.members,
                g.suggestion,
                g.nearest_article.as_ref(),
                g.nearest_confidence,
            )
        })
        .collect();
    let mut found = Vec::new();
    for group in groups.iter().filter(|g| g.iter().any(Option::is_some)) {
        let topic = group.iter().flatten().next().cloned().unwrap_or_default();
        assert!(
            group.iter().all(|t| t.as_deref() == Some(topic.as_str())),
            "one topic per group, no noise in it: {shown:#?}"
        );
        found.push((topic, group.len()));
    }
    // The three topics are the three biggest groups (and so listed first);
    // one-off questions on unrelated subjects may pair up below them.
    let mut top: Vec<&str> = groups[..3].iter().map(|g| g[0].as_deref().unwrap_or("noise")).collect();
    top.sort_unstable();
    top.dedup();
    assert_eq!(
        top.len(),
        3,
        "the three biggest groups are the three topics: {shown:#?}"
    );
    assert!(top.iter().all(|t| *t != "noise"), "{shown:#?}");
    for topic in ["gift", "launchpad", "nft"] {
        let size = fixture.iter().filter(|(_, t)| t.as_deref() == Some(topic)).count();
        let largest = found
            .iter()
            .filter(|(t, _)| t == topic)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        assert!(
            2 * largest >= size,
            "{topic}: its largest group has {largest} of {size}: {shown:#?}"
        );
    }
    for g in &gaps {
        assert_eq!(
            g.suggestion,
            Suggestion::WriteArticle,
            "nothing in the corpus covers {:?}",
            g.members
        );
        assert_eq!(g.asked as usize, g.members.len());
    }
}

/// `SAME_TOPIC` is chosen on the corpus, not on the fixture above: the
/// similar questions of every third article, grouped by article, should be
/// grouped best (pair F0.5, precision weighted: a gap must be one topic)
/// at the chosen similarity. Prints the table; fails if another threshold
/// on the grid is clearly better, e.g. after a model change.
#[test]
fn same_topic_threshold_is_the_best_on_the_corpus() {
    use kefu::embed::{dot, Role};
    use kefu::insights::gaps::{cluster, SAME_TOPIC};
    let engine = engine();
    let ranker = engine.answerer().ranker();
    let means = [false, true].map(|zh| ranker.vectors().question_mean(zh));
    let mut vectors = Vec::new();
    let mut labels = Vec::new();
    for (i, a) in engine.corpus().articles.iter().enumerate().filter(|(i, _)| i % 3 == 1) {
        for q in a.all_questions() {
            let v = ranker.embedder().embed(q, Role::Query).unwrap();
            let mean = &means[usize::from(kefu::text::is_chinese(q))];
            let c: Vec<f32> = v.iter().zip(mean).map(|(x, m)| x - m).collect();
            let n = dot(&c, &c).sqrt();
            vectors.push(c.iter().map(|x| x / n).collect::<Vec<f32>>());
            labels.push(i);
        }
    }
    let f05 = |threshold: f32| {
        let mut group = vec![0; vectors.len()];
        for (g, members) in cluster(&vectors, threshold).iter().enumerate() {
            for &m in members {
                group[m] = g;
            }
        }
        let (mut tp, mut fp, mut missed) = (0f64, 0f64, 0f64);
        for i in 0..vectors.len() {
            for j in i + 1..vectors.len() {
                match (group[i] == group[j], labels[i] == labels[j]) {
                    (true, true) => tp += 1.0,
                    (true, false) => fp += 1.0,
                    (false, true) => missed += 1.0,
                    _ => {}
                }
            }
        }
        let (p, r) = (tp / (tp + fp).max(1.0), tp / (tp + missed).max(1.0));
        eprintln!("similarity {threshold:.2}: pair precision {p:.3}, recall {r:.3}");
        1.25 * p * r / (0.25 * p + r).max(1e-9)
    };
    let chosen = f05(SAME_TOPIC);
    let best = [0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40]
        .map(f05)
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        chosen + 0.02 >= best,
        "F0.5 {chosen:.3} at {SAME_TOPIC}, {best:.3} at best"
    );
}

#[test]
fn questions_the_bot_answers_confidently_point_at_their_article() {
    let engine = engine();
    let now = now_millis();
    let questions: Vec<AskedQuestion> = ["邀请好友返佣怎么算", "推荐返佣比例是多少", "邀请返佣什么时候发放"]
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let reply = engine.reply(text, 3).unwrap();
            AskedQuestion {
                message_id: i as i64,
                question: text.to_string(),
                decision: Decision::Answer,
                reason: None,
                topic: reply.candidates.first().map(|c| c.article_id.clone()),
                confidence: f64::from(reply.confidence),
                locale: "zh".into(),
                helpful: Some(false),
                created_at: now - i as i64,
            }
        })
        .collect();
    let gaps = find_gaps(
        &engine,
        Period::last("1d", now).unwrap(),
        &questions,
        GapOptions::default(),
    )
    .unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(
        gaps[0].nearest_article.as_ref().map(ArticleId::as_str),
        Some("fee-discount"),
        "{gaps:#?}"
    );
    assert_eq!(gaps[0].suggestion, Suggestion::AddQuestions);
}

/// Handed off, or rated unhelpful when the bot answered anyway.
async fn ask_unanswered(app: &crate::app::TestApp, s: &crate::app::UserSession, text: &str) {
    let (status, body) = app.say(s, text).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    if body["decision"] != "handoff" {
        let (status, rated) = app.feedback(s, &body["bot_message_id"], false).await;
        assert_eq!(status, StatusCode::OK, "{rated}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gaps_through_the_api_the_draft_and_the_cli() {
    let app = spawn_app(Db::Sqlite).await;
    let nft = ["怎么在平台上卖我的NFT", "NFT怎么挂单出售", "买的NFT在哪里能看到"];
    for text in nft {
        // One session each: a handed-off session forwards later messages
        // to the agent instead of asking the bot.
        let s = app.new_session().await;
        ask_unanswered(&app, &s, text).await;
    }
    let (status, body) = app.agent(ADMIN_TOKEN, Method::GET, "/admin/gaps?since=1d", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gap = body["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["questions"].as_array().unwrap().iter().any(|q| q["text"] == nft[0]))
        .unwrap_or_else(|| panic!("the NFT questions form a gap: {body}"))
        .clone();
    assert_eq!(gap["asked"], 3, "{gap}");
    assert_eq!(gap["suggestion"], "write_article", "{gap}");
    let id = gap["id"].as_str().unwrap();

    let draft = app
        .client
        .get(app.url(&format!("/admin/gaps/{id}/draft?since=1d")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status(), StatusCode::OK);
    assert!(draft.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("draft-{id}.md")));
    let text = draft.text().await.unwrap();
    let corpus = crate::helpers::bundled_corpus();
    let categories: Vec<&str> = corpus.categories.iter().map(|c| c.id.as_str()).collect();
    let path = format!("draft-{id}.md");
    let article = kefu::corpus::parse_article(std::path::Path::new(&path), &text, &categories)
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let mut asked: Vec<&str> = article.questions.zh.iter().flatten().map(String::as_str).collect();
    asked.sort_unstable();
    let mut want = nft.to_vec();
    want.sort_unstable();
    assert_eq!(asked, want);
    let (status, body) = app
        .agent(ADMIN_TOKEN, Method::GET, "/admin/gaps/nope/draft", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("gap_not_found"))
    );
    let (status, _) = app
        .agent(crate::app::AGENT_TOKEN, Method::GET, "/admin/gaps", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The command line reads the same database and finds the same gap.
    let drafts = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["gaps", "--since", "1d", "--json", "--export"])
        .arg(drafts.path())
        .env("KEFU_CORPUS", crate::helpers::bundled_corpus_dir())
        .env("KEFU_DATA_DIR", crate::helpers::prepared_data_dir())
        .env("KEFU_DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(listed.as_array().unwrap().iter().any(|g| g["id"] == id), "{listed}");
    assert!(drafts.path().join(format!("draft-{id}.md")).exists());

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["gaps", "--since", "7w"])
        .env("KEFU_DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("7w"));
}
