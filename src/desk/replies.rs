//! What the bot says, in the user's language, and how it reads a short
//! follow-up ("第二个", "the second one") to its own suggestions.

use crate::corpus::Lang;
use crate::engine::ArticleSummary;
use crate::text::normalize;

/// Text of an answer for channels without rich cards (e-mail, chat apps):
/// the excerpt, then the title and link.
pub fn answer(lang: Lang, article: &ArticleSummary) -> String {
    match lang {
        Lang::Zh => format!("{}\n\n详情见：《{}》{}", article.excerpt, article.title, article.url),
        Lang::En => format!("{}\n\nMore: \"{}\" {}", article.excerpt, article.title, article.url),
    }
}

/// Asking the user to pick one of the suggestions.
pub fn clarify(lang: Lang, suggestions: &[ArticleSummary]) -> String {
    let list: String = suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| format!("\n{}. {}", i + 1, s.title))
        .collect();
    match lang {
        Lang::Zh => format!("您想问的是以下哪个问题？回复序号或点击即可：{list}"),
        Lang::En => format!("Which of these do you mean? Reply with its number or tap it:{list}"),
    }
}

/// Passing the user to a person, optionally with an article to read while
/// they wait.
pub fn handoff(lang: Lang, meanwhile: Option<&ArticleSummary>) -> String {
    let base = match lang {
        Lang::Zh => "正在为您转接人工客服，请留在此页面，客服会在这里回复您。",
        Lang::En => "I'm passing you to a person. Please stay here: an agent will reply in this chat.",
    };
    match (meanwhile, lang) {
        (Some(a), Lang::Zh) => format!("{base}\n\n等待期间可以先看看：《{}》{}", a.title, a.url),
        (Some(a), Lang::En) => format!("{base}\n\nWhile you wait: \"{}\" {}", a.title, a.url),
        (None, _) => base.to_string(),
    }
}

/// The warning after a user pasted a seed phrase or private key.
pub fn secret_warning(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => {
            "⚠️ 请立即停止：助记词和私钥就等于您的资产，任何人（包括平台客服和工作人员）都不会向您索要。\
             您刚才发送的内容已被隐藏，不会保存，也不会转给任何人。如果已经告诉过别人，请马上把资产转到一个新钱包。"
        }
        Lang::En => {
            "⚠️ Stop: your seed phrase and private keys ARE your funds. Never share them with anyone, including our \
             support staff, who will never ask for them. What you just sent has been hidden: it is not stored and \
             no one will see it. If you have shared it with anyone, move your funds to a new wallet now."
        }
    }
}

/// The warning when someone posing as staff asked for funds or codes.
pub fn scam_warning(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => {
            "⚠️ 这是典型诈骗：平台工作人员绝不会让您转账到任何“安全账户”，也不会索要密码、验证码或助记词。\
             请不要转账，也不要提供任何验证码。已为您优先转接人工客服。"
        }
        Lang::En => {
            "⚠️ This is a scam: our staff will never ask you to move funds to a \"safe account\" or to share \
             passwords, verification codes or seed phrases. Do not send anything. A person from our team will \
             take over now, with priority."
        }
    }
}

/// After "not helpful": offering the next suggestion and a person.
pub fn not_helpful(lang: Lang, next: Option<&ArticleSummary>) -> String {
    match (lang, next) {
        (Lang::Zh, Some(a)) => format!(
            "抱歉没能帮到您。您是不是想问：《{}》？也可以点击“转人工”联系客服。",
            a.title
        ),
        (Lang::Zh, None) => "抱歉没能帮到您。点击“转人工”，客服会在这里为您处理。".to_string(),
        (Lang::En, Some(a)) => format!(
            "Sorry that didn't help. Did you mean \"{}\"? Or talk to a person.",
            a.title
        ),
        (Lang::En, None) => "Sorry that didn't help. Tap \"Talk to a person\" and an agent will help here.".to_string(),
    }
}

/// The system line users see when an agent takes over; bilingual when the
/// session's language is unknown.
pub fn agent_joined(lang: Option<Lang>, agent: &str) -> String {
    match lang {
        Some(Lang::Zh) => format!("客服 {agent} 已接入"),
        Some(Lang::En) => format!("{agent} has joined the chat"),
        None => format!("客服 {agent} 已接入 · {agent} has joined the chat"),
    }
}

/// The system line when the agent resolves the conversation.
pub fn resolved(lang: Option<Lang>) -> &'static str {
    match lang {
        Some(Lang::Zh) => "本次人工服务已结束，还有问题可以继续提问。",
        Some(Lang::En) => "The agent has closed this conversation. Ask me anything else.",
        None => "本次人工服务已结束，还有问题可以继续提问。· The agent has closed this conversation.",
    }
}

/// Which of `titles` a short follow-up picks, if it is one: an ordinal
/// ("2", "第二个", "the second one", "last"), or a suggestion's title typed
/// or tapped.
pub fn pick(text: &str, titles: &[String]) -> Option<usize> {
    let norm = normalize(text);
    let bare: String = norm
        .trim_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if bare.is_empty() {
        return None;
    }
    if let Some(i) = titles.iter().position(|t| normalize(t) == norm.trim()) {
        return Some(i);
    }
    let ordinal = ordinal(&bare)?;
    let index = if ordinal == usize::MAX {
        titles.len().checked_sub(1)?
    } else {
        ordinal.checked_sub(1)?
    };
    (index < titles.len()).then_some(index)
}

/// 1-based ordinal named by a short reply; `usize::MAX` for "last".
fn ordinal(bare: &str) -> Option<usize> {
    const ZH: [&str; 5] = ["一", "二", "三", "四", "五"];
    const EN: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];
    const SHORT: [&str; 5] = ["1st", "2nd", "3rd", "4th", "5th"];
    const WORDS: [&str; 5] = ["one", "two", "three", "four", "five"];
    if [
        "最后一个",
        "最后一项",
        "最后那个",
        "last",
        "thelast",
        "thelastone",
        "lastone",
    ]
    .contains(&bare)
    {
        return Some(usize::MAX);
    }
    let mut s = bare;
    for prefix in ["第", "the", "option", "number", "no.", "#", "选"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    while let Some(rest) = ["个问题", "个", "项", "条", "号", "one", "option", "吧", "呢", "啊"]
        .iter()
        .find_map(|suffix| s.strip_suffix(suffix))
    {
        s = rest;
    }
    if let Ok(n) = s.parse::<usize>() {
        return (1..=9).contains(&n).then_some(n);
    }
    [ZH, EN, SHORT, WORDS]
        .iter()
        .find_map(|list| list.iter().position(|w| *w == s))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles() -> Vec<String> {
        ["如何提币", "提币手续费", "Withdrawal limits"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn ordinals_in_both_languages() {
        for (text, want) in [
            ("2", Some(1)),
            ("第二个", Some(1)),
            ("第2个", Some(1)),
            ("第三个吧", Some(2)),
            ("the second one", Some(1)),
            ("Second", Some(1)),
            ("3rd", Some(2)),
            ("#1", Some(0)),
            ("option 3", Some(2)),
            ("最后一个", Some(2)),
            ("the last one", Some(2)),
            ("第四个", None),
            ("0", None),
            ("提币手续费", Some(1)),
            ("提幣手續費", Some(1)),
            ("withdrawal limits", Some(2)),
        ] {
            assert_eq!(pick(text, &titles()), want, "{text}");
        }
    }

    #[test]
    fn real_questions_are_not_picks() {
        for text in [
            "提币要多久",
            "how do I withdraw",
            "我有2个问题",
            "one more question",
            "!!!",
        ] {
            assert_eq!(pick(text, &titles()), None, "{text}");
        }
    }
}
