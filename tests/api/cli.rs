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
fn missing_corpus_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = kefu(&["check"], std::path::Path::new("/no/such/corpus"), data.path());
    assert!(!ok);
    assert!(stderr.contains("/no/such/corpus"), "{stderr}");
}
