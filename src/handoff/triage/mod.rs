//! Reading a user's message for what the ranking cannot see: a request for a
//! person, a scam in progress, lost funds, anger.
//!
//! These are phrase lists over normalized text (simplified Chinese, lower
//! case), not a model: they must be predictable, cheap and easy for a help
//! desk to extend, and a false alarm only moves a ticket up the queue.

mod advice;
mod anger;
mod words;

use crate::text::normalize;
use anger::anger;
pub use anger::strip_abuse;
use words::{
    ASKED, FUNDS_OR_CODES, HYPOTHETICAL, LOST_EN, LOST_WEAK_ZH, LOST_ZH, PERSON_ALONE, PERSON_EN, PERSON_ZH, STAFF,
    UNRELATED_EN, UNRELATED_ZH,
};

/// Why a ticket goes to the front of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UrgentReason {
    /// The matched article is an urgent topic (hacked account, frozen funds…).
    UrgentTopic,
    /// Someone posing as staff asked the user for funds or codes.
    ScamByStaff,
    /// The user reports lost or stolen funds, or fraud.
    LostFunds,
    /// Strong negative emotion or profanity.
    Angry,
}

/// What a message says beyond its topic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Triage {
    /// The user asks for a person (转人工, "talk to a human").
    pub asks_for_person: bool,
    /// "客服让我转账", "support asked for my 2FA code".
    pub scam_by_staff: bool,
    /// Funds lost, stolen, missing; fraud.
    pub lost_funds: bool,
    /// Funds may be missing, in words that often mean something milder
    /// (a valuation that dropped): urgent only when nothing answers it.
    pub lost_funds_weak: bool,
    /// Angry or abusive.
    pub angry: bool,
    /// Asks for a price prediction or investment advice, which the help
    /// center never gives.
    pub investment_advice: bool,
    /// Of those, advice asked for outright ("should I buy", "开多还是开空"):
    /// the bot declines even when an article matches the words well.
    pub advice_asked: bool,
    /// Asks about something no help center of an exchange covers (the
    /// weather, homework, a joke): never a follow-up of the conversation.
    pub unrelated: bool,
}

impl Triage {
    /// Reads `text` as a user wrote it.
    pub fn of(text: &str) -> Triage {
        Triage::of_normalized(text, &normalize(text))
    }

    /// Reads `text`, whose normalized form the caller already has.
    pub fn of_normalized(text: &str, norm: &str) -> Triage {
        let norm = norm.to_string();
        let bare = norm.trim_matches(|c: char| !c.is_alphanumeric());
        let asks_for_person = PERSON_ALONE.contains(&bare)
            || PERSON_ZH.iter().any(|p| norm.contains(p))
            || PERSON_EN.iter().any(|p| contains_words(&norm, p));
        let scam_by_staff = [STAFF, ASKED, FUNDS_OR_CODES]
            .iter()
            .all(|list| list.iter().any(|p| contains_term(&norm, p)));
        let reported = |p: &&str| {
            norm.match_indices(*p).any(|(at, _)| {
                let before: String = norm[..at]
                    .chars()
                    .rev()
                    .take(8)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                !HYPOTHETICAL.iter().any(|h| before.contains(h))
            })
        };
        let lost_funds =
            LOST_ZH.iter().any(reported) || LOST_EN.iter().any(|p| contains_words(&norm, p) && reported(p));
        let lost_funds_weak = !lost_funds && LOST_WEAK_ZH.iter().any(reported);
        let advice = advice::read(&norm);
        Triage {
            asks_for_person,
            scam_by_staff,
            lost_funds,
            lost_funds_weak,
            angry: anger(text, &norm) >= 2,
            advice_asked: advice.asked,
            investment_advice: advice.any,
            unrelated: UNRELATED_ZH.iter().any(|p| norm.contains(p))
                || UNRELATED_EN.iter().any(|p| contains_words(&norm, p)),
        }
    }

    /// The reason to put a ticket first, strongest first.
    pub fn urgent_reason(&self) -> Option<UrgentReason> {
        if self.scam_by_staff {
            Some(UrgentReason::ScamByStaff)
        } else if self.lost_funds {
            Some(UrgentReason::LostFunds)
        } else if self.angry {
            Some(UrgentReason::Angry)
        } else {
            None
        }
    }
}

/// Han phrases match anywhere; Latin ones only as whole words.
fn contains_term(text: &str, term: &str) -> bool {
    if term.chars().any(|c| c.is_ascii_alphabetic()) {
        contains_words(text, term)
    } else {
        text.contains(term)
    }
}

/// Whether `phrase` occurs in `text` with no letter or digit right before or
/// after it, so "agent" does not match "agents" nor "stole" "stolen".
fn contains_words(text: &str, phrase: &str) -> bool {
    crate::text::occurrences(text, phrase).any(|i| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_a_person() {
        for text in [
            "转人工",
            "我要人工客服！",
            "轉人工",
            "人工",
            "Talk to a human please",
            "can I speak to a real person?",
            "agent",
            "get me an agent",
            "能不能直接找个客服帮我弄",
            "冻好了 人工呢",
        ] {
            assert!(Triage::of(text).asks_for_person, "{text}");
        }
        for text in ["人工智能交易机器人怎么用", "how do I create an API key", "agents"] {
            assert!(!Triage::of(text).asks_for_person, "{text}");
        }
    }

    #[test]
    fn staff_asking_for_funds_or_codes_is_a_scam() {
        for text in [
            "客服让我转账到安全账户",
            "有个自称官方的人要我的谷歌验证码",
            "someone from support asked for my 2FA code",
            "the admin told me to transfer my USDT",
        ] {
            let t = Triage::of(text);
            assert!(t.scam_by_staff, "{text}");
            assert_eq!(t.urgent_reason(), Some(UrgentReason::ScamByStaff));
        }
        for text in [
            "客服让我等24小时",
            "how do I reset my 2FA code",
            "support told me to wait",
        ] {
            assert!(!Triage::of(text).scam_by_staff, "{text}");
        }
    }

    #[test]
    fn lost_funds_and_fraud() {
        for text in [
            "我的币被盗了",
            "账户里的钱没了",
            "my funds were stolen",
            "wallet drained overnight",
            "my bnb went out to an unknown address, i didnt do that",
            "提币记录里有一笔不是我操作的",
        ] {
            assert_eq!(
                Triage::of(text).urgent_reason(),
                Some(UrgentReason::LostFunds),
                "{text}"
            );
        }
        assert!(!Triage::of("how long does a withdrawal take").lost_funds);
    }

    #[test]
    fn everyday_subjects_are_unrelated() {
        for text in [
            "你知道今天上海天气怎么样不",
            "顺便帮我写个请假条",
            "whats the weather in singapore tomorrow",
            "tell me a joke",
            "顺便帮我写个网格策略的python代码呗",
            "can you write me a trading bot in python",
        ] {
            assert!(Triage::of(text).unrelated, "{text}");
        }
        for text in ["提币多久到账", "how do I export my trade history", "邮件在垃圾箱里"] {
            assert!(!Triage::of(text).unrelated, "{text}");
        }
    }

    #[test]
    fn price_predictions_and_investment_advice() {
        for text in [
            "明天比特币会涨到多少",
            "ETH 现在能买吗",
            "will bitcoin go up next week",
            "should I buy SOL now",
            "比特幣現在可以買嗎？會不會再跌",
            "要不要all in sol",
            "btc下周能不能破10万 给个准话",
            "現在ETH適合進場嗎",
            "现在买sol还是eth放理财收益高 你建议买哪个",
            "那你说我现在该平仓还是补仓",
            "你觉得大饼年底能到20万吗",
            "明天大饼涨还是跌",
            "long or short eth rn?",
            "你觉得现在开个合约网格做空姨太合适吗",
            "btw which coin do u think will 10x this year",
            "你帮我分析分析 现在trx该不该多囤点 感觉要涨",
            "你们内部应该有消息吧 eth下个月能到5000不",
            "你觉得哪个带单员最靠谱 推荐一个呗",
            "大饼今天会不会破十万？？",
            "大饼今年能到20万吗",
            "这周大饼肯定跌吧 我现在开空能赚吗",
            "which lead trader is the best? just tell me who to follow",
            "can you tell me if btc will bounce this week",
            "is btc gonna pump this week lol",
            "is BTC going to 100k this month?",
        ] {
            assert!(Triage::of(text).investment_advice, "{text}");
        }
        for text in [
            "止盈单怎么设置，价格涨到多少自动卖",
            "how do I buy bitcoin with a card",
            "行情K线在哪里看",
            "你觉得这个提币网络合适吗",
            "do you think my withdrawal is stuck",
            "怎么做空",
            "will my withdrawal arrive this week",
            "提币能到10个吗",
            "多久能到 3天了",
            "is my withdrawal going to arrive today",
            "im going to deposit 100k usdt",
        ] {
            assert!(!Triage::of(text).investment_advice, "{text}");
        }
        // Asked outright: declined whatever article the words match.
        for text in [
            "你觉得eth现在开多还是开空好",
            "is sol a good buy right now",
            "推荐个最赚钱的币跑网格呗",
            "你说现在姨太开网格能赚钱吗",
            "你觉得哪个带单员最靠谱 推荐一个呗",
            "should i put my savings into sol staking or just hold btc?",
        ] {
            assert!(Triage::of(text).advice_asked, "{text}");
        }
        for text in [
            "ETH 现在能买吗",
            "will bitcoin go up next week",
            "should I buy SOL with a card or p2p",
        ] {
            assert!(!Triage::of(text).advice_asked, "{text}");
        }
    }

    #[test]
    fn abuse_is_taken_out_of_what_is_asked() {
        assert_eq!(
            strip_abuse("你们这什么垃圾平台 提币三天了还不到"),
            "你们这 提币三天了还不到"
        );
        assert_eq!(
            strip_abuse("this is fucking ridiculous where is my deposit"),
            "this is where is my deposit"
        );
        assert_eq!(strip_abuse("怎么投诉"), "怎么投诉");
    }

    #[test]
    fn anger_needs_more_than_one_mild_word() {
        for text in [
            "你们这个垃圾平台，骗子！",
            "什么破平台 tmd 提币三天不到",
            "this is fucking ridiculous",
            "WHERE IS MY MONEY!!! USELESS",
        ] {
            assert!(Triage::of(text).angry, "{text}");
        }
        for text in [
            "提币一直没到账",
            "this is ridiculous",
            "What is the FEE for BTC",
            "投诉建议在哪里提",
        ] {
            assert!(!Triage::of(text).angry, "{text}");
        }
    }
}
