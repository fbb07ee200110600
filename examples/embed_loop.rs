//! Embeds one question N times, for profilers that need a plain process
//! rather than criterion's harness:
//!
//! ```sh
//! cargo build --release --example embed_loop
//! RAYON_NUM_THREADS=1 valgrind --tool=callgrind --toggle-collect='*Encoder*embed*' \
//!     target/release/examples/embed_loop 5
//! RAYON_NUM_THREADS=1 perf stat -e task-clock target/release/examples/embed_loop 200
//! ```
//!
//! Arguments: the number of timed embeddings (default 20; 0 measures model
//! loading alone) and the question (default 谷歌验证器丢了). The model is
//! `models/e5-small-q4.bin` or `KEFU_MODEL`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use kefu::embed::{Embedder, Role};

fn main() -> anyhow::Result<()> {
    let model = std::env::var_os("KEFU_MODEL").map_or_else(|| PathBuf::from("models/e5-small-q4.bin"), PathBuf::from);
    let embedder = Embedder::load(&model)?;
    let mut args = std::env::args().skip(1);
    let n: usize = match args.next() {
        Some(n) => n.parse().context("the first argument is a number of embeddings")?,
        None => 20,
    };
    let question = args.next().unwrap_or_else(|| "谷歌验证器丢了".to_string());
    if n == 0 {
        return Ok(());
    }
    println!("{} tokens", embedder.token_ids(&question, Role::Query).len());
    // One untimed call: first use allocates the thread pool and scratch buffers.
    embedder.embed(&question, Role::Query)?;
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(embedder.embed(&question, Role::Query)?);
    }
    println!(
        "{:.2} ms per embedding",
        started.elapsed().as_secs_f64() * 1e3 / n as f64
    );
    Ok(())
}
