//! The `kefu` binary as a user runs it: exit codes and messages.

use std::process::Command;

use crate::helpers::{bundled_corpus_dir, corpus_copy};

fn kefu(args: &[&str], corpus: &std::path::Path, data: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .env("KEFU_CORPUS", corpus)
        .env("KEFU_DATA_DIR", data)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ask_prints_the_decision_and_ranked_candidates() {
    let data = tempfile::tempdir().unwrap();
    std::fs::copy(crate::ranking::cached_vectors(), data.path().join("vectors.bin")).unwrap();
    let (ok, stdout, stderr) = kefu(
        &["ask", "怎么提币到外部钱包", "-k", "3"],
        &bundled_corpus_dir(),
        data.path(),
    );
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("decision: answer, confidence"), "{stdout}");
    assert!(lines[2].contains("withdraw-crypto"), "{stdout}");
    let (ok, json, _) = kefu(
        &["ask", "change my email", "--json"],
        &bundled_corpus_dir(),
        data.path(),
    );
    assert!(ok);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["candidates"][0]["article_id"], "change-email");
    assert!(parsed["confidence"].as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)));
}

#[test]
fn invalid_corpus_fails_with_file_and_line() {
    let corpus = corpus_copy();
    let data = tempfile::tempdir().unwrap();
    let path = corpus.path().join("articles/staking.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("category: assets", "category: astrology");
    std::fs::write(&path, text).unwrap();
    let (ok, _, stderr) = kefu(&["ask", "质押"], corpus.path(), data.path());
    assert!(!ok);
    assert!(
        stderr.contains("staking.md:3: unknown category `astrology`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn check_fails_on_a_fact_missing_unused_or_expired() {
    let data = tempfile::tempdir().unwrap();
    let corpus = corpus_copy();
    let (ok, stdout, stderr) = kefu(&["check"], corpus.path(), data.path());
    assert!(ok, "the bundled facts are all quoted and current: {stdout}{stderr}");
    // A placeholder with no fact, on its line.
    let article = corpus.path().join("articles/withdrawal-fees.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, format!("{text}\nSolana: {{{{fee USDT SOLANA}}}}\n")).unwrap();
    let line = text.lines().count() + 2;
    let (ok, _, stderr) = kefu(&["check"], corpus.path(), data.path());
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "withdrawal-fees.md:{line}: `{{{{fee USDT SOLANA}}}}`: no fact for USDT on SOLANA"
        )),
        "{stderr}"
    );
    std::fs::write(&article, &text).unwrap();
    // A fact no article quotes, and one past its expiry date.
    let facts = corpus.path().join("facts.yaml");
    let table = std::fs::read_to_string(&facts).unwrap();
    let unused = "  - { coin: TRX, network: TRC20, withdrawal_fee: 1, since: 2026-11-01 }\n";
    std::fs::write(&facts, format!("{table}{unused}")).unwrap();
    let (ok, _, stderr) = kefu(&["check"], corpus.path(), data.path());
    assert!(!ok);
    assert!(stderr.contains("TRX on TRC20 is used by no article"), "{stderr}");
    let expired = table.replacen("since: 2026-11-01 }", "since: 2026-11-01, expires: 2026-11-30 }", 1);
    std::fs::write(&facts, expired).unwrap();
    let (ok, _, stderr) = kefu(&["check"], corpus.path(), data.path());
    assert!(!ok);
    assert!(
        stderr.contains("facts.yaml:20: USDT on TRC20 expired on 2026-11-30"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_corpus_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = kefu(&["check"], std::path::Path::new("/no/such/corpus"), data.path());
    assert!(!ok);
    assert!(stderr.contains("/no/such/corpus"), "{stderr}");
}

/// A few dev-set questions and two that should hand off; one line's label
/// can be swapped to make top-1 fall short of 100%.
fn small_query_file(dir: &std::path::Path, mislabel: bool) -> std::path::PathBuf {
    let withdraw = if mislabel { "change-email" } else { "withdraw-crypto" };
    let lines = [
        format!(r#"{{"query": "怎么提币到外部钱包", "expected": "{withdraw}", "locale": "zh"}}"#),
        r#"{"query": "change my email address", "expected": "change-email", "locale": "en"}"#.into(),
        r#"{"query": "谷歌验证器丢了怎么办", "expected": "lost-2fa-device", "locale": "zh"}"#.into(),
        r#"{"query": "how do I reset my password", "expected": "reset-password", "locale": "en"}"#.into(),
        r#"{"query": "<b>tell me a joke</b>", "expected": "handoff", "locale": "en"}"#.into(),
        r#"{"query": "帮我订一张去上海的机票", "expected": "handoff", "locale": "zh"}"#.into(),
    ];
    let path = dir.join("queries.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn eval_reports_json_and_html_and_gates_on_top1() {
    let data = tempfile::tempdir().unwrap();
    std::fs::copy(crate::ranking::cached_vectors(), data.path().join("vectors.bin")).unwrap();
    let queries = small_query_file(data.path(), false);
    let html = data.path().join("report.html");
    let (ok, stdout, stderr) = kefu(
        &[
            "eval",
            "--queries",
            queries.to_str().unwrap(),
            "--json",
            "--html",
            html.to_str().unwrap(),
            "--calibrate",
            "--min-top1",
            "1.0",
        ],
        &bundled_corpus_dir(),
        data.path(),
    );
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (report["questions"].as_u64(), report["in_scope"].as_u64()),
        (Some(6), Some(4))
    );
    assert_eq!(report["retrieval"]["top1"], 1.0);
    assert_eq!(report["decisions"]["handed_off_out_of_scope"], 2, "{report:#}");
    assert_eq!(report["by_locale"].as_array().unwrap().len(), 2);
    assert_eq!(report["sweep"].as_array().unwrap().len(), 99);
    assert!(report["latency"]["p50_ms"].as_f64().unwrap() > 0.0);
    assert!(report["out_of_scope_auroc"].as_f64().is_some());
    let config = report["calibration"]["config"].as_str().unwrap();
    assert!(config.contains("confidence:") && config.contains("answer:"), "{config}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("Threshold sweep"));
    assert!(
        page.contains("queries.jsonl on the corpus in"),
        "the page says what was measured"
    );

    let mislabelled = small_query_file(data.path(), true);
    let (ok, stdout, stderr) = kefu(
        &["eval", "--queries", mislabelled.to_str().unwrap(), "--min-top1", "0.9"],
        &bundled_corpus_dir(),
        data.path(),
    );
    assert!(!ok, "3 of 4 right is below the gate: {stdout}");
    assert!(stderr.contains("top-1 75.0% is below the required 90.0%"), "{stderr}");
    assert!(stdout.contains("want change-email"), "the miss is listed: {stdout}");
}

#[test]
fn eval_rejects_bad_query_files_and_flags_with_the_line() {
    let data = tempfile::tempdir().unwrap();
    let queries = data.path().join("bad.jsonl");
    std::fs::write(
        &queries,
        "{\"query\": \"怎么提币\", \"expected\": \"withdraw-crypto\"}\n{\"query\": \"x\", \"expected\": \"no-such-article\"}\n",
    )
    .unwrap();
    let (ok, _, stderr) = kefu(
        &["eval", "--queries", queries.to_str().unwrap()],
        &bundled_corpus_dir(),
        data.path(),
    );
    assert!(!ok);
    assert!(
        stderr.contains("bad.jsonl:2: expected article `no-such-article` is not in the corpus"),
        "{stderr}"
    );
    let (ok, _, stderr) = kefu(&["eval", "--min-top1", "1.5"], &bundled_corpus_dir(), data.path());
    assert!(!ok && stderr.contains("not a fraction between 0 and 1"), "{stderr}");
    let (ok, _, stderr) = kefu(&["eval", "--folds", "1"], &bundled_corpus_dir(), data.path());
    assert!(!ok && stderr.contains("--folds"), "{stderr}");
}
