//! Article bodies from Markdown to HTML that is safe to put in a page.
//!
//! Corpus authors are trusted less than the code: a pasted `<script>` or a
//! `javascript:` link in an article must not run in a reader's browser (or an
//! agent's, where the console shows articles). Raw HTML is therefore shown
//! as text, and links and images keep only web, mail and same-site targets.
//! That is the whole attack surface of CommonMark output, so no general HTML
//! sanitizer is needed.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

/// `markdown` as HTML with raw HTML escaped and unsafe link targets removed.
pub fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The URL if it is http(s), mailto, a fragment or a same-site path;
/// otherwise an empty target that goes nowhere.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    let relative = (lower.starts_with('/') && !lower.starts_with("//")) || lower.starts_with('#');
    let allowed = ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme));
    if relative || allowed {
        url
    } else {
        CowStr::Borrowed("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn renders_markdown() {
        let html = to_html("## 步骤\n\n1. 打开 **资产**\n2. 点击 [提币](/help/articles/withdraw-crypto)\n");
        assert!(html.contains("<h2>步骤</h2>"), "{html}");
        assert!(html.contains("<strong>资产</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="/help/articles/withdraw-crypto">提币</a>"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn unsafe_link_targets_are_dropped() {
        for target in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "vbscript:x",
        ] {
            let html = to_html(&format!("[click]({target}) ![i]({target})"));
            assert!(!html.to_ascii_lowercase().contains("script:"), "{target}: {html}");
            assert!(!html.contains("data:"), "{target}: {html}");
            assert!(!html.contains("evil.example"), "{target}: {html}");
        }
        assert!(to_html("[a](https://example.com/x)").contains(r#"href="https://example.com/x""#));
        assert!(to_html("[a](mailto:help@example.com)").contains("mailto:help@example.com"));
    }

    proptest! {
        #[test]
        fn never_emits_active_content(s in "\\PC{0,200}") {
            let html = to_html(&s).to_ascii_lowercase();
            for active in ["<script", "<iframe", "<object", "<embed", "<style", "href=\"javascript:"] {
                prop_assert!(!html.contains(active), "{} in {}", active, html);
            }
        }

        #[test]
        fn tags_typed_by_authors_stay_text(tag in "(script|iframe|style|svg|object)", body in "[a-z ]{0,20}") {
            let html = to_html(&format!("<{tag}>{body}</{tag}>"));
            let open = format!("<{}", tag);
            prop_assert!(!html.contains(&open));
        }
    }
}
