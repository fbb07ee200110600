//! Speed of the answer path on the bundled corpus: `cargo bench`.
//!
//! Needs the model (`scripts/setup-model`). Set `RAYON_NUM_THREADS=1` to
//! measure single-threaded embedding. Peak memory is not measured here: run
//! `/usr/bin/time -v target/release/kefu ask "…"` for the resident set.

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use kefu::answer::{Answerer, Confidence, Thresholds, SUGGESTIONS};
use kefu::corpus::Corpus;
use kefu::embed::{Embedder, Role};
use kefu::index::ArticleIndex;
use kefu::rank::{ArticleVectors, Fusion, Ranker};
use kefu::text::Analyzer;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn engine(c: &mut Criterion) {
    let corpus = Corpus::load(&root().join("corpus")).expect("bundled corpus");
    let data = root().join("target/bench-data");
    let embedder = Arc::new(Embedder::load(&root().join("models/e5-small-q4.bin")).expect("run scripts/setup-model"));

    c.bench_function("index build (73 articles)", |b| {
        let dir = tempfile::tempdir().unwrap();
        b.iter(|| {
            let analyzer = Analyzer::from_corpus(&corpus).unwrap();
            ArticleIndex::build(&corpus, analyzer, dir.path(), |_, _| {}).unwrap()
        })
    });

    let mut group = c.benchmark_group("query embedding");
    for (name, question) in [
        ("short zh", "谷歌验证器丢了"),
        (
            "long en",
            "i sent usdt on bsc but the deposit address was for erc20, is it lost forever or can you recover it",
        ),
    ] {
        group.bench_function(name, |b| b.iter(|| embedder.embed(question, Role::Query).unwrap()));
    }
    group.finish();

    let (index, _) = ArticleIndex::open_or_build(&corpus, &data, |_, _| {}).unwrap();
    let (vectors, _) = ArticleVectors::build(&corpus, &embedder, &data.join("vectors.bin"), |_, _| {}).unwrap();
    let ranker = Ranker::new(&corpus, index, vectors, embedder.clone(), Fusion::default());
    let answerer = Answerer::new(&corpus, ranker, Confidence::default(), Thresholds::default());
    let mut group = c.benchmark_group("ask end to end");
    for (name, question) in [
        ("zh", "USDT提到TRC20地址一直没到账"),
        ("en", "how do i reset my google authenticator"),
    ] {
        group.bench_function(name, |b| b.iter(|| answerer.reply(question, SUGGESTIONS).unwrap()));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = engine
}
criterion_main!(benches);
