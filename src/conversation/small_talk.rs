//! Telling small talk from questions: a message made only of small-talk
//! phrases ("你好", "在吗", "好的谢谢 拜拜", "hi there!") is small talk; one
//! that starts or ends with them ("你好，请问怎么提币", "how do I reset 2FA?
//! thanks") is the question in between.
//!
//! Phrases come from `corpus/smalltalk.yaml`. Matching is on normalized text
//! without spaces, punctuation, emoji and the particles people tack on (啊,
//! 呀, 哦, 呢, 吧, 啦, 嘛, 哈, ~), so "你好呀～" and "Hi!!" match "你好" and
//! "hi". A message is consumed greedily from both ends, longest phrase
//! first; anything left over is the question.

use crate::corpus::Intent;
use crate::text::{contains_word, is_filler, squeeze, FINAL_PARTICLE};

/// What a message holds of small talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// The intent to answer (the first, in the file's order, of those found);
    /// `None` when the message has no small talk.
    pub intent: Option<Intent>,
    /// What is left when the small talk is taken off: the question, as
    /// normalized text. Empty when the message is only small talk.
    pub rest: String,
}

/// Words that only address or soften, between small-talk phrases: "谢谢你的
/// 帮助", "您好，客服", "thanks a lot guys". Squeezed (no spaces).
const SOFTENERS: &[&str] = &[
    "你们的帮助",
    "您的帮助",
    "你的帮助",
    "的帮助",
    "帮助",
    "客服",
    "你们",
    "你的",
    "您的",
    "大家",
    "亲",
    "一下",
    "你",
    "您",
    // What "谢谢你" leaves of "谢谢你们": the longest phrase is taken first.
    "们",
    "那",
    "这",
    "ai",
    "man",
    "foryourhelp",
    "forthehelp",
    "foryourtime",
    "soverymuch",
    "verymuch",
    "somuch",
    "alot",
    "guys",
    "everyone",
    "team",
    "again",
    "buddy",
    "mate",
    "sir",
    "bro",
    "dude",
    "兄弟",
    "小姐姐",
    "小哥哥",
    "美女",
    "老铁",
    "哥们",
    "大佬",
    // Cantonese: "多谢你哋", "唔该晒".
    "你哋",
    "晒",
    // "谢了哈": 哈 is no particle alone, since "哈哈" is a phrase.
    "哈",
    "really",
    "actually",
    "super",
    "folks",
    "all",
];

/// Words that make a short message a question about the bot itself
/// (Latin ones as whole words: "ai" is not in "wait").
const BOT_WORDS: &[&str] = &[
    "机器人",
    "真人",
    "人工智能",
    "ai",
    "bot",
    "robot",
    "human",
    "real person",
    "chatgpt",
    "computer",
];
const QUESTION_MARKS: &[&str] = &[
    "吗",
    "还是",
    "是不是",
    "是否",
    "?",
    "？",
    "are you",
    "is this",
    "am i",
    "is it",
    "are u",
    "r u",
    "系咪",
    "系唔系",
    "if you",
    "whether you",
    "you are",
    "you're",
    "youre",
];
/// Words that make it a request for a person instead ("我要真人").
const REQUESTS: &[&str] = &[
    "要", "找", "转", "接", "联系", "人工", "客服", "want", "need", "speak", "talk to", "connect", "give", "agent",
    "support",
];

/// Small-talk phrases by intent, as [`crate::text::small_talk_phrase`] makes them.
pub type Phrases = [(Intent, Vec<String>)];

/// Reads `normalized` (from [`crate::text::normalize`]) for small talk.
pub fn read(small_talk: &Phrases, normalized: &str) -> Chat {
    // "👍", "🙏", "???": no words at all, yet a reply to the bot.
    if !normalized.is_empty() && !normalized.chars().any(char::is_alphanumeric) {
        let intent = if normalized.contains(['?', '？']) {
            Intent::Presence
        } else if normalized.contains('🙏') {
            Intent::Thanks
        } else {
            Intent::Acknowledgement
        };
        return Chat {
            intent: Some(intent),
            rest: String::new(),
        };
    }
    let softened = consume(small_talk, normalized, true);
    if softened.intent.is_some() && softened.rest.0 >= softened.rest.1 {
        return Chat {
            intent: softened.intent,
            rest: String::new(),
        };
    }
    if asks_about_the_bot(normalized) {
        return Chat {
            intent: Some(Intent::AreYouABot),
            rest: String::new(),
        };
    }
    // Around a question only the phrases come off: "你们的提币…" keeps 你们.
    let mut plain = consume(small_talk, normalized, false);
    // "it works now 👍": a closing emoji acknowledges as a phrase would.
    if plain.intent.is_none() {
        plain.intent = closing_emoji(normalized);
    }
    let (start, end) = plain.rest;
    Chat {
        intent: plain.intent,
        rest: if start >= end {
            String::new()
        } else {
            slice_with_spaces(normalized, start, end)
        },
    }
}

/// The intent of an emoji that closes a message ("搞定了🙏", "works now
/// 👍"), as the same emoji alone would have.
fn closing_emoji(normalized: &str) -> Option<Intent> {
    let last = normalized.trim_end().chars().last()?;
    match last {
        '🙏' => Some(Intent::Thanks),
        '👍' | '👌' | '🙌' | '👏' => Some(Intent::Acknowledgement),
        _ => None,
    }
}

/// What [`consume`] found: the intent to answer, and the characters left
/// (start and end, in the squeezed text).
struct Consumed {
    intent: Option<Intent>,
    rest: (usize, usize),
}

/// Takes small-talk phrases (and, with `soften`, softeners) off both ends
/// of `normalized`, compared without spaces; a cut between two Latin
/// letters or digits must fall where a space or a sign was ("ok got it"
/// splits after "ok"; "okx" does not).
fn consume(small_talk: &Phrases, normalized: &str, soften: bool) -> Consumed {
    let mut chars: Vec<char> = Vec::new();
    // `cut[i]`: whether a cut before `chars[i]` falls on a word boundary.
    let mut cut: Vec<bool> = Vec::new();
    let mut spaced = false;
    for c in normalized.chars() {
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        let glued = chars
            .last()
            .is_some_and(|p: &char| p.is_ascii_alphanumeric() && c.is_ascii_alphanumeric());
        cut.push(spaced || !glued);
        chars.push(c);
        spaced = false;
    }
    cut.push(true);
    let mut start = 0;
    let mut end = chars.len();
    let mut found: Vec<Intent> = Vec::new();
    let skip = |start: &mut usize, end: &mut usize| {
        while *start < *end && is_filler(chars[*start]) {
            *start += 1;
        }
        while *end > *start && is_filler(chars[*end - 1]) {
            *end -= 1;
        }
        // All that is left is the particle: the phrase before it had it.
        if *end == *start + 1 && chars[*start] == FINAL_PARTICLE {
            *start = *end;
        }
    };
    skip(&mut start, &mut end);
    for front in [true, false] {
        while start < end {
            let text = &chars[start..end];
            let boundary = |len: usize| if front { cut[start + len] } else { cut[end - len] };
            // Phrases are kept without a closing 了 ("懂了" is "懂"): at the
            // end of a message ("平台不收 懂了") it is read past, and so is a
            // closing 哈 ("刚到了 谢了哈"), a softener only after a phrase.
            let closed = !front && text.len() > 1 && matches!(text[text.len() - 1], FINAL_PARTICLE | '哈');
            let before_particle = || {
                let boundary = |len: usize| cut[end - 1 - len];
                longest(small_talk, &text[..text.len() - 1], false, &boundary).map(|(i, len)| (i, len + 1))
            };
            let phrase = longest(small_talk, text, front, &boundary).or_else(|| closed.then(before_particle).flatten());
            let taken = match phrase {
                Some((intent, len)) => {
                    found.push(intent);
                    len
                }
                None if soften && !found.is_empty() => match softener(text, front, &boundary) {
                    Some(len) => len,
                    None => break,
                },
                None => break,
            };
            if front {
                start += taken;
            } else {
                end -= taken;
            }
            skip(&mut start, &mut end);
        }
    }
    let intent = small_talk.iter().map(|(i, _)| *i).find(|i| found.contains(i));
    Consumed {
        intent,
        rest: (start, end),
    }
}

/// The length of the longest softener `text` starts (or ends) with.
fn softener(text: &[char], front: bool, boundary: &dyn Fn(usize) -> bool) -> Option<usize> {
    SOFTENERS
        .iter()
        .filter_map(|w| affix_length(text, w, front))
        .filter(|&len| boundary(len))
        .max()
}

/// The length in chars of `phrase` when `text` starts (or ends) with it.
/// Compared char by char, without collecting: this runs for every phrase
/// of the small-talk file on every message.
fn affix_length(text: &[char], phrase: &str, front: bool) -> Option<usize> {
    let len = phrase.chars().count();
    if len > text.len() {
        return None;
    }
    let part = if front { &text[..len] } else { &text[text.len() - len..] };
    part.iter().copied().eq(phrase.chars()).then_some(len)
}

/// A short message about the chat itself, in words no list could hold:
/// "it was nice chatting with you", "what subjects are you familiar
/// with". The caller checks that it uses no word of the help center ("the
/// p2p chat is not good" is a question).
pub fn about_the_chat(normalized: &str) -> Option<Intent> {
    let short = normalized.split_whitespace().count() <= 12 && squeeze(normalized).chars().count() <= 60;
    let any = |words: &[&str]| words.iter().any(|w| contains_word(normalized, w));
    if !short || any(PERSON) || any(REQUESTS_EN) {
        return None;
    }
    if any(CHATTING) && any(PLEASANT) {
        return Some(Intent::Goodbye);
    }
    if any(YOU) && any(SUBJECTS) {
        return Some(Intent::Capabilities);
    }
    None
}

/// Words of talking together ("nice talking to you", "和你聊得很开心").
const CHATTING: &[&str] = &[
    "talk",
    "talking",
    "talked",
    "chat",
    "chatting",
    "chatted",
    "speak",
    "speaking",
    "conversation",
    "conversing",
    "converse",
    "聊天",
    "聊得",
    "跟你聊",
    "和你聊",
];
/// Words that make talking a pleasure or a parting.
const PLEASANT: &[&str] = &[
    "nice",
    "great",
    "good",
    "glad",
    "enjoy",
    "enjoyed",
    "enjoyable",
    "pleasant",
    "pleasure",
    "fun",
    "cool",
    "lovely",
    "later",
    "开心",
    "愉快",
    "高兴",
    "不错",
];
/// The bot, addressed.
const YOU: &[&str] = &["you", "your", "u", "你", "您"];
/// Words asking what the bot knows ("what topics are you versed in",
/// "你能回答哪些问题").
const SUBJECTS: &[&str] = &[
    "subjects",
    "subject areas",
    "topics",
    "kinds of things",
    "kind of things",
    "sort of things",
    "sorts of things",
    "types of questions",
    "type of questions",
    "kinds of questions",
    "list of commands",
    "哪些问题",
    "什么问题都",
    "什么类型的问题",
    "哪方面的问题",
    "哪些方面",
];
/// Someone else than the bot: "talk to a person" is a request, not a
/// parting.
const PERSON: &[&str] = &[
    "person",
    "human",
    "agent",
    "someone",
    "somebody",
    "representative",
    "staff",
    "manager",
    "人工",
    "真人",
    "客服",
];
/// Requests in English (the Chinese ones, "要", "找", are in [`REQUESTS`]).
const REQUESTS_EN: &[&str] = &["want to talk", "need to talk", "can i talk", "let me talk"];

/// A short question about the bot itself ("你是真人还是机器人", "is this an
/// AI?"), not a request for a person ("我要真人").
fn asks_about_the_bot(normalized: &str) -> bool {
    let latin_words = normalized
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    squeeze(normalized).chars().filter(|c| !c.is_ascii()).count() <= 20
        && latin_words <= 10
        && BOT_WORDS.iter().any(|w| contains_word(normalized, w))
        && QUESTION_MARKS.iter().any(|w| normalized.contains(w))
        && !REQUESTS.iter().any(|w| contains_word(normalized, w))
        && !TRADING_BOT.iter().any(|w| contains_word(normalized, w))
}

/// Words that make a question about a bot one about the trading bots
/// ("机器人收费吗", "is the grid bot free", "price dropped below my range,
/// is the bot dead?").
const TRADING_BOT: &[&str] = &[
    "收费",
    "费",
    "网格",
    "交易",
    "策略",
    "定投",
    "跟单",
    "怎么用",
    "设置",
    "fee",
    "fees",
    "cost",
    "grid",
    "trading",
    "strategy",
    "dca",
    "set up",
    "setup",
    // A bot's run ("is the bot dead?" after the price left its range).
    "价格",
    "区间",
    "收益",
    "停了",
    "订单",
    "price",
    "range",
    "profit",
    "orders",
    "stopped",
    "dead",
    "running",
    "my bot",
    "the bot",
];

/// The longest phrase that `text` starts with (or ends with), as
/// `(intent, length in chars)`, ending (starting) on a word boundary.
fn longest(
    small_talk: &Phrases,
    text: &[char],
    front: bool,
    boundary: &dyn Fn(usize) -> bool,
) -> Option<(Intent, usize)> {
    let mut best: Option<(Intent, usize)> = None;
    for (intent, phrases) in small_talk {
        for phrase in phrases {
            if let Some(len) = affix_length(text, phrase, front) {
                if best.is_none_or(|(_, l)| l < len) && boundary(len) {
                    best = Some((*intent, len));
                }
            }
        }
    }
    best
}

/// Characters `start..end` of `normalized` without its spaces, mapped back
/// to `normalized` with them (so "how do i reset 2fa" keeps its spaces).
fn slice_with_spaces(normalized: &str, start: usize, end: usize) -> String {
    let mut out = String::new();
    let mut seen = 0;
    for c in normalized.chars() {
        if c.is_whitespace() {
            if seen > start && seen < end {
                out.push(c);
            }
            continue;
        }
        if seen >= start && seen < end {
            out.push(c);
        }
        seen += 1;
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{normalize, small_talk_phrase};

    fn small_talk() -> Vec<(Intent, Vec<String>)> {
        let intent = |intent, phrases: &[&str]| (intent, phrases.iter().map(|p| small_talk_phrase(p)).collect());
        vec![
            intent(Intent::AreYouABot, &["你是机器人吗", "are you a bot"]),
            intent(Intent::Goodbye, &["拜拜", "没事了", "bye"]),
            intent(Intent::Thanks, &["谢谢", "thanks", "thank you"]),
            intent(Intent::Presence, &["在吗"]),
            intent(Intent::Greeting, &["你好", "hi", "hello", "good morning"]),
            intent(Intent::Acknowledgement, &["好的", "知道了", "ok", "got it"]),
        ]
    }

    fn read_text(text: &str) -> Chat {
        read(&small_talk(), &normalize(text))
    }

    #[test]
    fn messages_made_only_of_small_talk() {
        for (text, intent) in [
            ("你好", Intent::Greeting),
            ("你好呀～", Intent::Greeting),
            ("在吗？？", Intent::Presence),
            ("你好 在吗", Intent::Presence),
            ("Hi!!", Intent::Greeting),
            ("Good morning 😊", Intent::Greeting),
            ("好的谢谢", Intent::Thanks),
            ("ok got it, thanks!", Intent::Thanks),
            ("没事了 拜拜", Intent::Goodbye),
            ("你是机器人吗", Intent::AreYouABot),
            ("謝謝", Intent::Thanks),
            ("谢谢兄弟", Intent::Thanks),
            ("👍", Intent::Acknowledgement),
            ("🙏🙏", Intent::Thanks),
            ("???", Intent::Presence),
            ("好的谢谢你啊", Intent::Thanks),
            ("好的知道了", Intent::Acknowledgement),
            ("好的谢谢 你们", Intent::Thanks),
        ] {
            assert_eq!(
                read_text(text),
                Chat {
                    intent: Some(intent),
                    rest: String::new()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn small_talk_around_a_question_leaves_the_question() {
        assert_eq!(read_text("你好，请问怎么提币").rest, "请问怎么提币");
        assert_eq!(read_text("hi, how do i reset 2fa? thanks").rest, "how do i reset 2fa");
        assert_eq!(read_text("Hello there how do I deposit").intent, Some(Intent::Greeting));
    }

    #[test]
    fn softeners_and_questions_about_the_bot() {
        assert_eq!(read_text("谢谢你的帮助").intent, Some(Intent::Thanks));
        assert_eq!(read_text("thanks a lot guys!").rest, "");
        assert_eq!(read_text("你是真人还是机器人").intent, Some(Intent::AreYouABot));
        assert_eq!(read_text("is this an AI?").intent, Some(Intent::AreYouABot));
        assert_eq!(
            read_text("wait am i even talking to a real person rn").intent,
            Some(Intent::AreYouABot)
        );
        assert_eq!(read_text("how long do I have to wait?").intent, None);
        assert_ne!(read_text("我要真人").intent, Some(Intent::AreYouABot));
        assert_eq!(read_text("你们的提币多久到").rest, "你们的提币多久到");
        // A question about the trading bots, not about this one.
        assert_ne!(read_text("机器人收费吗").intent, Some(Intent::AreYouABot));
        assert_ne!(read_text("is the grid bot free?").intent, Some(Intent::AreYouABot));
    }

    #[test]
    fn a_closing_particle_is_read_past() {
        let chat = read_text("平台不收 知道了");
        assert_eq!(chat.intent, Some(Intent::Acknowledgement));
        assert_eq!(chat.rest, "平台不收");
    }

    #[test]
    fn a_closing_emoji_acknowledges() {
        let chat = read_text("turned on auto time and it works now 👍");
        assert_eq!(chat.intent, Some(Intent::Acknowledgement));
        assert_eq!(chat.rest, "turned on auto time and it works now");
        assert_eq!(read_text("搞定了🙏").intent, Some(Intent::Thanks));
        assert_eq!(read_text("提币要多久").intent, None);
    }

    #[test]
    fn talk_about_the_chat_itself() {
        for (text, intent) in [
            ("it was nice chatting with you", Some(Intent::Goodbye)),
            ("和你聊得很开心", Some(Intent::Goodbye)),
            ("what subjects are you familiar with", Some(Intent::Capabilities)),
            ("你能回答哪些问题", Some(Intent::Capabilities)),
            ("nice, can i talk to a person", None),
            ("i want to talk to someone", None),
        ] {
            assert_eq!(about_the_chat(&normalize(text)), intent, "{text}");
        }
    }

    #[test]
    fn questions_are_not_small_talk() {
        for text in [
            "history of my orders",
            "怎么提币",
            "okx提币到账多久",
            "你好慢啊到底什么时候到账",
        ] {
            let chat = read_text(text);
            assert!(!chat.rest.is_empty(), "{text}: {chat:?}");
        }
        assert_eq!(read_text("history of my orders").intent, None);
        assert_eq!(read_text("okx提币到账多久").intent, None);
    }
}
