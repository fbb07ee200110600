//! kefu (客服): a self-hosted FAQ answer engine and help desk.
//!
//! The data path, one module per stage: [`corpus`] (articles on disk) →
//! [`text`] (normalization and segmentation) → [`index`] (tantivy BM25) →
//! [`embed`] (the sentence model) → [`rank`] (hybrid ranking) → [`answer`]
//! (confidence and decision) → [`handoff`] (triage, priority, privacy) →
//! [`conversation`] (the bot's turn: small talk, follow-ups, hand-offs) →
//! [`desk`] (conversations and the human queue, kept in [`store`]) →
//! [`server`] (HTTP). [`domain`] names what they all share (sessions,
//! messages, tickets, decisions, hand-off reasons), [`engine`] loads the
//! answering stages as one value, [`config`] holds the settings,
//! [`insights`] reports on the desk, [`eval`] measures quality offline and
//! [`cli`] is the command line. [`chain`] finds and checks the blockchain
//! addresses and transaction ids in a message.
//!
//! Imports run only downward, in the order of [`LAYERS`] (checked by a
//! test that reads every module's `crate::` paths); ARCHITECTURE.md says
//! what each room holds and where a new feature goes.
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod answer;
pub mod chain;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod corpus;
pub mod desk;
pub mod domain;
pub mod embed;
pub mod engine;
pub mod eval;
pub mod handoff;
pub mod html;
pub mod index;
pub mod insights;
pub mod rank;
pub mod server;
pub mod store;
pub mod text;

/// The modules bottom to top: each may use only those before it.
pub const LAYERS: [&str; 19] = [
    "domain",
    "html",
    "chain",
    "corpus",
    "text",
    "index",
    "embed",
    "rank",
    "answer",
    "handoff",
    "config",
    "engine",
    "conversation",
    "store",
    "insights",
    "desk",
    "server",
    "eval",
    "cli",
];

#[cfg(test)]
mod layers {
    use std::path::Path;

    use super::LAYERS;

    /// The `.rs` files of module `name`: its directory, or its one file.
    fn files(src: &Path, name: &str) -> Vec<std::path::PathBuf> {
        let dir = src.join(name);
        if !dir.is_dir() {
            return vec![src.join(format!("{name}.rs"))];
        }
        let mut found = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(path);
                }
            }
        }
        found
    }

    #[test]
    fn imports_run_only_downward() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut upward = Vec::new();
        for (level, module) in LAYERS.iter().enumerate() {
            for file in files(&src, module) {
                let text = std::fs::read_to_string(&file).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    for used in line.split("crate::").skip(1) {
                        let name: String = used
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if let Some(at) = LAYERS.iter().position(|m| *m == name) {
                            if at > level {
                                upward.push(format!("{}:{}: {module} uses {name}", file.display(), n + 1));
                            }
                        }
                    }
                }
            }
        }
        assert!(upward.is_empty(), "imports up the layers:\n{}", upward.join("\n"));
    }

    #[test]
    fn every_module_has_a_layer() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if name == "lib" || name == "main" {
                continue;
            }
            assert!(LAYERS.contains(&name.as_str()), "{name} has no place in LAYERS");
        }
    }
}
