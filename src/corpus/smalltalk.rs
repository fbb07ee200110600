//! `smalltalk.yaml`: what users say that is not a question (greetings,
//! thanks, goodbyes, "are you a bot"), the phrases that make each intent and
//! the bot's reply in each language. Help-desk editors own the file; the
//! conversation module decides when a message is small talk.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Lang, Problem};

/// A kind of small talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// "你是机器人吗", "are you a bot".
    AreYouABot,
    /// "你能做什么", "what can you do".
    Capabilities,
    /// "答非所问", "useless bot": about the bot's answers, not a question.
    Complaint,
    /// "拜拜", "bye".
    Goodbye,
    /// "谢谢", "thanks".
    Thanks,
    /// "在吗", "anyone there".
    Presence,
    /// "你好", "hi".
    Greeting,
    /// "好的", "ok got it".
    Acknowledgement,
}

impl Intent {
    /// The name used in the file, the API and analytics.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::AreYouABot => "are_you_a_bot",
            Intent::Capabilities => "capabilities",
            Intent::Complaint => "complaint",
            Intent::Goodbye => "goodbye",
            Intent::Thanks => "thanks",
            Intent::Presence => "presence",
            Intent::Greeting => "greeting",
            Intent::Acknowledgement => "acknowledgement",
        }
    }
}

/// One intent: its phrases (as written; the engine's lexicon normalizes
/// them) and replies.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallTalkIntent {
    /// Which intent.
    pub intent: Intent,
    /// Phrases that make it, as written.
    pub phrases: Vec<String>,
    /// The reply in Chinese.
    pub zh: String,
    /// The reply in English.
    pub en: String,
}

impl SmallTalkIntent {
    /// The reply in `lang`.
    pub fn reply(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Every intent, in the order the file lists them (earlier ones win).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SmallTalk {
    /// The intents.
    pub intents: Vec<SmallTalkIntent>,
}

impl SmallTalk {
    /// The intent `intent`, if the file has it.
    pub fn get(&self, intent: Intent) -> Option<&SmallTalkIntent> {
        self.intents.iter().find(|i| i.intent == intent)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    intent: Intent,
    phrases: PhraseLists,
    reply: Replies,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseLists {
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Replies {
    zh: String,
    en: String,
}

/// Parses `smalltalk.yaml`, reporting problems with their line.
pub(super) fn parse(path: &Path, text: &str, problems: &mut Vec<Problem>) -> SmallTalk {
    let entries = match serde_yaml_ng::from_str::<Vec<Entry>>(text) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Problem::new(
                path,
                e.location().map(|l| l.line()),
                format!("bad small-talk file: {e}"),
            ));
            return SmallTalk::default();
        }
    };
    let mut intents: Vec<SmallTalkIntent> = Vec::new();
    for entry in entries {
        let line = text
            .lines()
            .position(|l| l.contains(&format!("intent: {}", entry.intent.as_str())))
            .map(|i| i + 1);
        if intents.iter().any(|i| i.intent == entry.intent) {
            problems.push(Problem::new(
                path,
                line,
                format!("intent `{}` twice", entry.intent.as_str()),
            ));
            continue;
        }
        if entry.reply.zh.trim().is_empty() || entry.reply.en.trim().is_empty() {
            problems.push(Problem::new(path, line, "a reply in each language (zh, en) is needed"));
        }
        let phrases: Vec<String> = entry
            .phrases
            .zh
            .iter()
            .chain(&entry.phrases.en)
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if phrases.is_empty() {
            problems.push(Problem::new(path, line, "no phrases"));
        }
        intents.push(SmallTalkIntent {
            intent: entry.intent,
            phrases,
            zh: entry.reply.zh.trim().to_string(),
            en: entry.reply.en.trim().to_string(),
        });
    }
    SmallTalk { intents }
}
