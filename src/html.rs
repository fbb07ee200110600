//! Writing HTML, in one place: escaping what users and articles wrote, and
//! the page every HTML page kefu writes stands in (the help center, the
//! `kefu eval --html` report, the conversations report). Charts are SVG
//! written with the same escaping.
//!
//! Pages are small and their parts few, so they are assembled from strings
//! here rather than with a templating crate: what goes in as text is escaped
//! by the caller with [`escape`], what goes in as HTML is the caller's.

/// `s` safe inside HTML text and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The document's language (`zh-CN`, `en`).
    pub lang: &'a str,
    /// The title, as text.
    pub title: &'a str,
    /// What else the head holds (styles, scripts), as HTML.
    pub head: &'a str,
    /// The body, as HTML.
    pub body: &'a str,
}

impl Page<'_> {
    /// The page as HTML.
    pub fn render(&self) -> String {
        format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
             {head}\n</head>\n<body>\n{body}\n</body>\n</html>\n",
            lang = escape(self.lang),
            title = escape(self.title),
            head = self.head,
            body = self.body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_html_is_kept() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("提现多久到账"), "提现多久到账");
        let page = Page {
            lang: "en",
            title: "a < b",
            head: "<style>p{}</style>",
            body: "<p>hi</p>",
        }
        .render();
        assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"), "{page}");
        assert!(page.contains("<title>a &lt; b</title>"), "{page}");
        assert!(
            page.contains("<style>p{}</style>\n</head>\n<body>\n<p>hi</p>\n</body>"),
            "{page}"
        );
    }
}
