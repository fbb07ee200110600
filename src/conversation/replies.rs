//! What the bot says, in the user's language, and how it reads a short
//! follow-up ("第二个", "the second one") to its own suggestions. Small
//! talk's replies are the corpus's (`smalltalk.yaml`).

use crate::corpus::Lang;
use crate::domain::HandoffReason;
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

/// Passing the user to a person: why (`reason`, as in
/// [`crate::conversation::BotReply::handoff_reason`]), what happens next as
/// far as the desk knows (`staffed`: agents online within service hours;
/// `None` when unknown), and optionally an article to read meanwhile. The
/// first paragraph says it all; the widget shows only that and the article.
pub fn handoff(lang: Lang, reason: HandoffReason, staffed: Option<bool>, meanwhile: Option<&ArticleSummary>) -> String {
    let why = match (lang, reason) {
        (Lang::Zh, HandoffReason::OutOfScope) => "这个问题不在我能回答的范围内，我只能回答本平台账户、充提币、交易和安全方面的问题。",
        (Lang::En, HandoffReason::OutOfScope) => {
            "That's outside what I can answer: I can only help with this platform's accounts, deposits and withdrawals, trading and security. "
        }
        (Lang::Zh, HandoffReason::InvestmentAdvice) => "我们不提供价格预测或投资建议。",
        (Lang::En, HandoffReason::InvestmentAdvice) => "We don't give price predictions or investment advice. ",
        (Lang::Zh, HandoffReason::LowConfidence | HandoffReason::NoMatch) => "抱歉，我没能找到能回答这个问题的文章。",
        (Lang::En, HandoffReason::LowConfidence | HandoffReason::NoMatch) => "Sorry, I couldn't find an article that answers this. ",
        (Lang::Zh, HandoffReason::LostFunds) => "涉及资金安全的问题需要人工客服核实处理。",
        (Lang::En, HandoffReason::LostFunds) => "Anything involving the safety of your funds needs a person to check. ",
        (Lang::Zh, HandoffReason::AlwaysHandoff) => "这类问题需要人工客服为您处理。",
        (Lang::En, HandoffReason::AlwaysHandoff) => "This needs a person from our team. ",
        _ => "",
    };
    let next = match (lang, staffed) {
        (Lang::Zh, Some(true)) => "正在为您转接人工客服，客服会在这里回复您。",
        (Lang::En, Some(true)) => "I'm passing you to a person: an agent will reply in this chat.",
        (Lang::Zh, Some(false)) => {
            "已为您转人工，但现在暂时没有客服在线：客服上线后会第一时间在这里回复您，您也可以留下邮箱方便跟进。"
        }
        (Lang::En, Some(false)) => {
            "I've asked for a person, but no agent is online right now: they will reply here as soon as one is, and you can leave an e-mail address for a follow-up."
        }
        (Lang::Zh, None) => "已为您转接人工客服，客服接入后会在这里回复您。",
        (Lang::En, None) => "I've passed you to a person: an agent will reply in this chat when they join.",
    };
    let base = format!("{why}{next}");
    match (meanwhile, lang) {
        (Some(a), Lang::Zh) => format!("{base}\n\n等待期间可以先看看：《{}》{}", a.title, a.url),
        (Some(a), Lang::En) => format!("{base}\n\nWhile you wait: \"{}\" {}", a.title, a.url),
        (None, _) => base,
    }
}

/// Asking once for more detail when the bot is unsure, with its closest
/// guesses to pick from.
pub fn rephrase(lang: Lang, suggestions: &[ArticleSummary]) -> String {
    let list: String = suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| format!("\n{}. {}", i + 1, s.title))
        .collect();
    match (lang, suggestions.is_empty()) {
        (Lang::Zh, true) => "抱歉，我不太确定您想问什么。能再具体描述一下吗？例如发生了什么、在哪一步、看到什么提示。".to_string(),
        (Lang::En, true) => {
            "Sorry, I'm not sure what you're asking. Could you describe it in a bit more detail: what happened, at which step, what message you saw?".to_string()
        }
        (Lang::Zh, false) => format!("抱歉，我不太确定您想问什么。能再具体描述一下吗？或者看看是不是以下问题：{list}"),
        (Lang::En, false) => format!("Sorry, I'm not sure what you're asking. Could you say a bit more? Or is it one of these:{list}"),
    }
}

/// While the user waits for a person and the bot cannot answer: the message
/// is with the team.
pub fn forwarded(lang: Lang, staffed: Option<bool>) -> &'static str {
    match (lang, staffed) {
        (Lang::Zh, Some(false)) => "已把您的消息留给客服：现在暂时没有客服在线，客服上线后会一并处理。",
        (Lang::En, Some(false)) => {
            "I've left your message for the team: no agent is online right now, and they'll see it as soon as one is."
        }
        (Lang::Zh, _) => "已把您的消息转给客服，客服接入后会一并处理。",
        (Lang::En, _) => "I've passed your message on: the agent will see it when they join.",
    }
}

/// Asking for a person while already in the queue.
pub fn already_waiting(lang: Lang, staffed: Option<bool>) -> &'static str {
    match (lang, staffed) {
        (Lang::Zh, Some(false)) => "您已经在人工客服队列中了。现在暂时没有客服在线，客服上线后会第一时间在这里回复您。",
        (Lang::En, Some(false)) => "You're already in the queue for a person. No agent is online right now; one will reply here as soon as they are.",
        (Lang::Zh, _) => "您已经在人工客服队列中了，客服接入后会在这里回复您。",
        (Lang::En, _) => "You're already in the queue for a person: an agent will reply here when they join.",
    }
}

/// After an answer given while the user waits for a person.
pub fn still_waiting(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "您的人工客服请求仍在排队中；如果问题已经解决，回复“取消转人工”即可。",
        Lang::En => {
            "Your request for a person is still in the queue; if this solved it, reply \"cancel\" to withdraw it."
        }
    }
}

/// The user withdrew their request for a person.
pub fn handoff_cancelled(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "好的，已为您取消转人工。还有其他问题可以随时问我。",
        Lang::En => "Done: your request for a person is withdrawn. Ask me anything else any time.",
    }
}

/// Acknowledging an angry or worried user before the answer.
pub fn sympathy(lang: Lang, angry: bool) -> &'static str {
    match (lang, angry) {
        (Lang::Zh, true) => "非常抱歉给您带来了不好的体验，我们理解您的心情，我会尽快帮您处理。",
        (Lang::En, true) => "I'm really sorry about this, and I understand how frustrating it is. Let's get it sorted.",
        (Lang::Zh, false) => "理解您的着急，我们一起尽快看看。",
        (Lang::En, false) => "I understand this is worrying; let's look at it right away.",
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
