//! One help-center article: parsing and validating its Markdown file.
//!
//! The format, documented in the README, is a YAML front matter block between
//! `---` lines followed by the body in one section per language, each opened by
//! a `<!-- lang: zh -->` or `<!-- lang: en -->` line (invisible when the
//! Markdown is rendered, easy to spot when editing).

use std::path::Path;

use serde::Deserialize;

use super::error::Problem;
use crate::domain::{ArticleId, Priority};

/// The two languages the help center is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese (simplified or traditional; normalization folds them).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The code used in front matter, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses a code written by [`Lang::as_str`].
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A value in each language; either may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized<T> {
    /// Chinese.
    pub zh: Option<T>,
    /// English.
    pub en: Option<T>,
}

impl<T> Localized<T> {
    /// The value in `lang`, falling back to the other language.
    pub fn get(&self, lang: Lang) -> Option<&T> {
        match lang {
            Lang::Zh => self.zh.as_ref().or(self.en.as_ref()),
            Lang::En => self.en.as_ref().or(self.zh.as_ref()),
        }
    }
}

impl Localized<String> {
    /// The text in `lang`, falling back to the other language, else empty.
    pub fn text(&self, lang: Lang) -> &str {
        self.get(lang).map_or("", String::as_str)
    }
}

/// Whether the bot may answer this topic by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandoffPolicy {
    /// The bot answers when confident.
    #[default]
    Auto,
    /// Always hand the user to a person (the article is still shown).
    Always,
}

/// A validated help-center article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Stable id, equal to the file name without `.md`.
    pub id: ArticleId,
    /// A category id from `categories.yaml`.
    pub category: String,
    /// Title per language.
    pub title: Localized<String>,
    /// Similar questions (相似问法) per language, as users would ask them.
    pub questions: Localized<Vec<String>>,
    /// Keywords users might type.
    pub tags: Vec<String>,
    /// Queue priority when handed off.
    pub priority: Priority,
    /// Whether a person must always take over.
    pub handoff: HandoffPolicy,
    /// Markdown body per language.
    pub body: Localized<String>,
}

impl Article {
    /// All similar questions, both languages.
    pub fn all_questions(&self) -> impl Iterator<Item = &String> {
        self.questions.zh.iter().chain(self.questions.en.iter()).flatten()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    category: String,
    #[serde(default)]
    title: Localized<String>,
    #[serde(default)]
    questions: Localized<Vec<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    priority: Priority,
    #[serde(default)]
    handoff: HandoffPolicy,
}

/// Parses and checks one article file. `categories` are the known category ids.
/// Every problem found is returned, not just the first.
pub fn parse_article(path: &Path, text: &str, categories: &[&str]) -> Result<Article, Vec<Problem>> {
    let problem = |line: Option<usize>, msg: String| Problem::new(path, line, msg);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(vec![problem(
            Some(1),
            "an article must start with a `---` line opening the front matter".into(),
        )]);
    }
    let Some(close) = lines.iter().skip(1).position(|l| l.trim_end() == "---").map(|i| i + 1) else {
        return Err(vec![problem(
            Some(1),
            "the front matter opened here is never closed by a `---` line".into(),
        )]);
    };
    let yaml = lines[1..close].join("\n");
    let fm: FrontMatter = match serde_yaml_ng::from_str(&yaml) {
        Ok(fm) => fm,
        Err(e) => {
            let line = e.location().map(|l| l.line() + 1);
            return Err(vec![problem(line, format!("bad front matter: {e}"))]);
        }
    };
    let key_line = |key: &str| {
        lines[1..close]
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map(|i| i + 2)
    };

    let mut problems = Vec::new();
    let id = match ArticleId::parse(fm.id.trim()) {
        Ok(id) => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if stem != id.as_str() {
                problems.push(problem(
                    key_line("id"),
                    format!("id `{id}` must match the file name `{stem}.md`"),
                ));
            }
            Some(id)
        }
        Err(msg) => {
            problems.push(problem(key_line("id"), msg));
            None
        }
    };
    if !categories.contains(&fm.category.as_str()) {
        problems.push(problem(
            key_line("category"),
            format!("unknown category `{}` (known: {})", fm.category, categories.join(", ")),
        ));
    }

    let body_start = close + 2;
    let (body, body_problems) = split_body(&lines[close + 1..], body_start);
    problems.extend(body_problems.into_iter().map(|(line, msg)| problem(Some(line), msg)));

    let title = Localized {
        zh: non_blank(fm.title.zh),
        en: non_blank(fm.title.en),
    };
    if title.zh.is_none() && title.en.is_none() {
        problems.push(problem(
            key_line("title").or(Some(2)),
            "missing title: give `title.zh` and/or `title.en`".into(),
        ));
    }
    for (lang, t, b) in [("zh", &title.zh, &body.zh), ("en", &title.en, &body.en)] {
        if problems
            .iter()
            .any(|p| p.message.starts_with(&format!("the {lang} body section")))
        {
            continue;
        }
        match (t, b) {
            (Some(_), None) => problems.push(problem(
                Some(body_start),
                format!("the article has a {lang} title but no `<!-- lang: {lang} -->` body section (or it is empty)"),
            )),
            (None, Some(_)) => problems.push(problem(
                key_line("title").or(Some(2)),
                format!("missing title.{lang} for the {lang} body"),
            )),
            _ => {}
        }
    }
    if body.zh.is_none() && body.en.is_none() && !problems.iter().any(|p| p.message.contains("body")) {
        problems.push(problem(Some(body_start), "empty body".into()));
    }
    let questions = Localized {
        zh: fm.questions.zh.map(clean_list),
        en: fm.questions.en.map(clean_list),
    };
    if questions
        .zh
        .iter()
        .chain(questions.en.iter())
        .any(|q| q.iter().any(String::is_empty))
    {
        problems.push(problem(key_line("questions"), "a similar question is empty".into()));
    }
    let tags = clean_list(fm.tags);

    match id {
        Some(id) if problems.is_empty() => Ok(Article {
            id,
            category: fm.category,
            title,
            questions,
            tags: tags.into_iter().filter(|t| !t.is_empty()).collect(),
            priority: fm.priority,
            handoff: fm.handoff,
            body,
        }),
        _ => Err(problems),
    }
}

fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn clean_list(v: Vec<String>) -> Vec<String> {
    v.into_iter().map(|s| s.trim().to_string()).collect()
}

/// Splits the body into language sections. `first_line` is the 1-based line
/// number of `lines[0]`.
fn split_body(lines: &[&str], first_line: usize) -> (Localized<String>, Vec<(usize, String)>) {
    let mut body = Localized::default();
    let mut problems = Vec::new();
    let mut current: Option<(Lang, usize, Vec<&str>)> = None;
    let mut stray_reported = false;
    let finish = |section: Option<(Lang, usize, Vec<&str>)>,
                  body: &mut Localized<String>,
                  problems: &mut Vec<(usize, String)>| {
        if let Some((lang, line, text)) = section {
            let text = text.join("\n").trim().to_string();
            let slot = match lang {
                Lang::Zh => &mut body.zh,
                Lang::En => &mut body.en,
            };
            if text.is_empty() {
                problems.push((line, format!("the {} body section is empty", lang.as_str())));
            } else if slot.is_some() {
                problems.push((line, format!("a second {} body section", lang.as_str())));
            } else {
                *slot = Some(text);
            }
        }
    };
    for (i, line) in lines.iter().enumerate() {
        let number = first_line + i;
        if let Some(marker) = line.trim().strip_prefix("<!--").and_then(|l| l.strip_suffix("-->")) {
            if let Some(lang) = marker.trim().strip_prefix("lang:") {
                let lang = match lang.trim() {
                    "zh" => Lang::Zh,
                    "en" => Lang::En,
                    other => {
                        problems.push((number, format!("unknown body language `{other}` (use zh or en)")));
                        continue;
                    }
                };
                finish(current.take(), &mut body, &mut problems);
                current = Some((lang, number, Vec::new()));
                continue;
            }
        }
        match &mut current {
            Some((_, _, text)) => text.push(line),
            None if line.trim().is_empty() => {}
            None if !stray_reported => {
                problems.push((
                    number,
                    "body text before the first `<!-- lang: zh -->` or `<!-- lang: en -->` line".into(),
                ));
                stray_reported = true;
            }
            None => {}
        }
    }
    finish(current, &mut body, &mut problems);
    (body, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATS: &[&str] = &["withdrawal", "account"];

    fn parse(name: &str, text: &str) -> Result<Article, Vec<Problem>> {
        parse_article(Path::new(name), text, CATS)
    }

    const GOOD: &str = "---\nid: withdraw-crypto\ncategory: withdrawal\ntitle:\n  zh: 如何提币\n  en: How to withdraw\nquestions:\n  zh: [怎么提币]\n  en: [how to withdraw]\ntags: [提币]\n---\n<!-- lang: zh -->\n提币步骤……\n\n<!-- lang: en -->\nSteps…\n";

    #[test]
    fn parses_a_valid_article() {
        let a = parse("corpus/articles/withdraw-crypto.md", GOOD).unwrap();
        assert_eq!(a.id.as_str(), "withdraw-crypto");
        assert_eq!(a.body.zh.as_deref(), Some("提币步骤……"));
        assert_eq!(a.body.en.as_deref(), Some("Steps…"));
        assert_eq!(a.priority, Priority::Normal);
        assert_eq!(a.all_questions().count(), 2);
    }

    #[test]
    fn reports_each_problem_with_its_line() {
        let text = GOOD
            .replace("category: withdrawal", "category: nope")
            .replace("Steps…", "");
        let problems = parse("withdraw-crypto.md", &text).unwrap_err();
        let lines: Vec<_> = problems.iter().map(|p| (p.line, p.message.clone())).collect();
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == Some(3) && m.contains("unknown category `nope`")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == Some(15) && m.contains("en body section is empty")),
            "{lines:?}"
        );
        assert_eq!(lines.len(), 2, "{lines:?}");
    }

    #[test]
    fn bad_yaml_points_at_its_line() {
        let text = GOOD.replace("tags: [提币]", "tags: [提币\nbroken: :");
        let problems = parse("withdraw-crypto.md", &text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("bad front matter"), "{problems:?}");
        assert!(problems[0].line.is_some());
    }

    #[test]
    fn rejects_unknown_keys_missing_titles_and_wrong_file_names() {
        let p = parse("withdraw-crypto.md", &GOOD.replace("tags:", "colour: red\ntags:")).unwrap_err();
        assert!(p[0].message.contains("unknown field `colour`"), "{p:?}");
        let p = parse("other.md", GOOD).unwrap_err();
        assert!(p[0].message.contains("must match the file name"), "{p:?}");
        let p = parse(
            "withdraw-crypto.md",
            &GOOD.replace("  zh: 如何提币\n  en: How to withdraw\n", "  zh: \" \"\n"),
        )
        .unwrap_err();
        assert!(p.iter().any(|p| p.message.contains("missing title")), "{p:?}");
    }

    #[test]
    fn missing_front_matter_is_an_error_not_a_panic() {
        assert!(parse("x.md", "").is_err());
        assert!(parse("x.md", "---\nid: x\n").unwrap_err()[0]
            .message
            .contains("never closed"));
        assert!(parse("x.md", "hello").unwrap_err()[0].line == Some(1));
    }

    #[test]
    fn flags_and_ids() {
        let text = GOOD.replace("tags:", "priority: urgent\nhandoff: always\ntags:");
        let a = parse("withdraw-crypto.md", &text).unwrap();
        assert_eq!((a.priority, a.handoff), (Priority::Urgent, HandoffPolicy::Always));
        assert!(parse(
            "withdraw-crypto.md",
            &GOOD.replace("priority", "x").replace("tags:", "priority: high\ntags:")
        )
        .is_err());
        assert!(ArticleId::parse("Bad Id").is_err());
        assert!(ArticleId::parse("a--b").is_err());
        assert!(ArticleId::parse("kyc-2").is_ok());
    }

    proptest::proptest! {
        /// Any file gets an article or problems that name it, never a panic
        /// (fuzz/fuzz_targets/front_matter.rs explores this further).
        #[test]
        fn any_text_parses_or_lists_problems(text in proptest::prelude::any::<String>()) {
            if let Err(problems) = parse("any.md", &text) {
                proptest::prop_assert!(!problems.is_empty());
                proptest::prop_assert!(problems.iter().all(|p| p.path == Path::new("any.md")));
            }
        }

        /// A real article with a stretch replaced by arbitrary text: the
        /// edits an editor's typo or a bad merge make.
        #[test]
        fn damaged_articles_parse_or_list_problems(at in 0usize..GOOD.len(), len in 0usize..40, junk in "\\PC{0,20}") {
            let mut start = at.min(GOOD.len());
            while !GOOD.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(GOOD.len());
            while !GOOD.is_char_boundary(end) {
                end -= 1;
            }
            let text = format!("{}{}{}", &GOOD[..start], junk, &GOOD[end..]);
            if let Err(problems) = parse("damaged.md", &text) {
                proptest::prop_assert!(!problems.is_empty());
            }
        }
    }
}
