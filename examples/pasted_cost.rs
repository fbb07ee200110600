//! What reading addresses, TxIDs and a case's details costs a chat turn
//! (`docs/benchmarks.md`): for each message of the given files (JSON Lines
//! with a `text` field or `turns[].text`), the time of the reading every
//! turn makes, and of what issue 25 added to it (the scan for addresses
//! and ids, which the reading now makes once for the address check, the
//! TxID note and the ticket, and the case's details), as medians and 99th
//! percentiles over the messages.
//!
//! ```sh
//! cargo run --example pasted_cost -- tests/eval/addresses.jsonl tests/eval/conversations.jsonl
//! ```

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use kefu::chain::sightings;
use kefu::conversation::reading::Reading;
use kefu::corpus::Corpus;
use kefu::domain::Details;
use kefu::text::Lexicon;

/// Each message is timed this many times; its time is the fastest.
const REPEATS: usize = 50;

fn main() -> anyhow::Result<()> {
    let corpus = Corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"))?;
    let lexicon = Lexicon::of(&corpus);
    let mut messages = Vec::new();
    for path in std::env::args().skip(1) {
        for line in std::io::BufReader::new(std::fs::File::open(&path)?).lines() {
            let value: serde_json::Value = serde_json::from_str(&line?)?;
            if let Some(text) = value["text"].as_str() {
                messages.push(text.to_string());
            }
            for turn in value["turns"].as_array().into_iter().flatten() {
                if let Some(text) = turn["text"].as_str() {
                    messages.push(text.to_string());
                }
            }
        }
    }
    let fastest = |f: &dyn Fn()| {
        (0..REPEATS)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let mut reading = Vec::new();
    let mut added = Vec::new();
    for text in &messages {
        reading.push(fastest(&|| {
            std::hint::black_box(Reading::of(text, &lexicon.entities));
        }));
        let read = Reading::of(text, &lexicon.entities);
        added.push(fastest(&|| {
            std::hint::black_box(sightings(&read.text));
            std::hint::black_box(Details::of(&read));
        }));
    }
    println!("{} messages", messages.len());
    for (name, times) in [
        ("reading (every turn)", &mut reading),
        ("of which added: scan, details", &mut added),
    ] {
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{name:<36} p50 {:>8.1} µs   p99 {:>8.1} µs",
            micros(at(0.5)),
            micros(at(0.99))
        );
    }
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
