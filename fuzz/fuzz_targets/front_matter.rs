//! The article parser (YAML front matter, language sections) on arbitrary
//! files: it returns an article or a list of problems, never panics, and
//! every problem names the file.
#![no_main]

use std::path::Path;

use kefu::corpus::parse_article;
use libfuzzer_sys::fuzz_target;

const CATEGORIES: [&str; 4] = ["account", "deposit", "withdrawal", "security"];

fuzz_target!(|text: &str| {
    let path = Path::new("articles/fuzzed.md");
    if let Err(problems) = parse_article(path, text, &CATEGORIES) {
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|p| p.path == path));
    }
});
