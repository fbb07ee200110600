//! Measures the secret detector from both sides (`docs/privacy.md`).
//!
//! `secret_scan FILE…` reads messages, one per line (plain text, or JSON
//! Lines with a `query`, `text` or `turns[].text` field), prints each one in
//! which kefu would redact a seed phrase or private key, then how many of
//! how many: on text without secrets, the false positives.
//!
//! `secret_scan --phrases N` makes N random valid phrases of each length and
//! word list, glued to a question, set off by spaces and alone, and counts
//! those not hidden whole: the misses.
//!
//! ```sh
//! cargo run --release --example secret_scan -- tests/eval/queries.jsonl
//! cargo run --release --example secret_scan -- --phrases 20000
//! ```

use std::io::BufRead;

use bip39::{Language, Mnemonic};
use kefu::handoff::privacy::redact_secrets;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--phrases") {
        let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
        misses(n);
        return Ok(());
    }
    let mut messages = 0usize;
    let mut flagged = 0usize;
    for path in &args {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        for (n, line) in file.lines().enumerate() {
            let line = line?;
            for text in texts(&line) {
                messages += 1;
                let redacted = redact_secrets(&text);
                if !redacted.secrets.is_empty() {
                    flagged += 1;
                    println!("{path}:{}: {:?}\n    stored as {:?}", n + 1, text, redacted.text);
                }
            }
        }
    }
    println!("{flagged} of {messages} messages had a secret redacted");
    Ok(())
}

/// The messages of one input line.
fn texts(line: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
        return vec![line.to_string()];
    };
    let field = |v: &serde_json::Value| {
        ["query", "text", "question"]
            .iter()
            .find_map(|k| v.get(k).and_then(|t| t.as_str()).map(str::to_string))
    };
    if let Some(turns) = value.get("turns").and_then(|t| t.as_array()) {
        return turns.iter().filter_map(field).collect();
    }
    field(&value).into_iter().collect()
}

/// Random phrases in three settings; a miss leaves any of the phrase in clear.
fn misses(n: usize) {
    // xorshift: reproducible without a dependency.
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let settings = [
        ("glued to a question", "帮我看看这个钱包", "为什么导入不了"),
        ("between spaces", "帮我看看这个钱包 ", " 为什么导入不了"),
        ("alone", "", ""),
        ("after a cue", "我的助记词是", "是不是被盗了"),
        ("in traditional script", "這是我的錢包", "為什麼是空的"),
    ];
    for language in [
        Language::English,
        Language::SimplifiedChinese,
        Language::TraditionalChinese,
    ] {
        for bytes in [16usize, 20, 24, 28, 32] {
            for (setting, before, after) in settings {
                let mut missed = 0;
                for _ in 0..n {
                    let entropy: Vec<u8> = (0..bytes).map(|_| next() as u8).collect();
                    let Ok(mnemonic) = Mnemonic::from_entropy_in(language, &entropy) else {
                        continue;
                    };
                    let words: Vec<&str> = mnemonic.words().collect();
                    let phrase = if language == Language::English {
                        format!(" {} ", words.join(" "))
                    } else {
                        words.concat()
                    };
                    let text = format!("{before}{phrase}{after}");
                    let stored = redact_secrets(&text).text;
                    if !hidden(&stored, &words) {
                        if std::env::var_os("SHOW").is_some() {
                            eprintln!("{text}\n  -> {stored}");
                        }
                        missed += 1;
                    }
                }
                println!(
                    "{language:?}, {} words, {setting}: {missed} of {n} not hidden whole",
                    bytes * 3 / 4
                );
            }
        }
    }
}

/// Whether no two consecutive words of the phrase survive in `stored`.
fn hidden(stored: &str, words: &[&str]) -> bool {
    let stored = stored.replace("[redacted: seed phrase]", "");
    let english = words[0].is_ascii();
    !words.windows(2).any(|pair| {
        let joined = if english {
            format!("{} {}", pair[0], pair[1])
        } else {
            pair.concat()
        };
        stored.contains(&joined)
    })
}
