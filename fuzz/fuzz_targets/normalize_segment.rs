//! Text normalization and segmentation on arbitrary user text: no panic,
//! normalization is idempotent, and every term's span lies on character
//! boundaries of the normalized text.
#![no_main]

use std::sync::OnceLock;

use kefu::text::{normalize, MappedText, Segmenter};
use libfuzzer_sys::fuzz_target;

fn segmenter() -> &'static Segmenter {
    static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
    SEGMENTER.get_or_init(|| {
        let dictionary: String = include_str!("../../corpus/dict.txt")
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| [l, "\n"])
            .collect();
        Segmenter::new(&mut dictionary.as_bytes()).expect("the bundled dictionary loads")
    })
}

fuzz_target!(|text: &str| {
    let normalized = normalize(text);
    assert_eq!(normalize(&normalized), normalized);
    let mapped = MappedText::new(text);
    for n in [0, mapped.text.len() / 2, mapped.text.len()] {
        assert!(text.is_char_boundary(mapped.original_offset(n)));
        assert!(text.is_char_boundary(mapped.original_end(n)));
    }
    let segmenter = segmenter();
    for term in segmenter
        .terms(&normalized)
        .into_iter()
        .chain(segmenter.grams(&normalized))
    {
        assert!(normalized.is_char_boundary(term.span.start) && normalized.is_char_boundary(term.span.end));
        assert!(term.span.end <= normalized.len());
    }
});
