//! Reading a user's message for what the ranking cannot see: a request for a
//! person, a scam in progress, lost funds, anger.
//!
//! These are phrase lists over normalized text (simplified Chinese, lower
//! case), not a model: they must be predictable, cheap and easy for a help
//! desk to extend, and a false alarm only moves a ticket up the queue.

use crate::text::normalize;

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

const PERSON_ZH: &[&str] = &[
    "转人工",
    "人工客服",
    "人工服务",
    "找人工",
    "要人工",
    "接人工",
    "真人客服",
    "真人",
    "找客服",
    "联系客服",
    "人工坐席",
    "转个人工",
    "找个人工",
    "转个客服",
    "找个真人",
    "转接人工",
    "叫人工",
    "叫你们人工",
    "人工出来",
    "换人工",
    "让人工",
    "有没有人工",
    "有人工吗",
    "找个客服",
    "人工呢",
    "客服呢",
    "人工在哪",
    "人工能帮",
    "人工帮我",
    "人工能不能",
];
const PERSON_EN: &[&str] = &[
    "talk to a human",
    "speak to a human",
    "talk to a person",
    "speak to a person",
    "talk to someone",
    "speak to someone",
    "talk to an agent",
    "speak to an agent",
    "real person",
    "real human",
    "live agent",
    "human agent",
    "live person",
    "representative",
    "customer service agent",
    "connect me to",
    "need a human",
    "want a human",
    "need a person",
    "want a person",
    "need a real",
    "get me a human",
    "get me a person",
    "human please",
    "a human please",
    "transfer me to",
    "talk to support",
    "talk to customer service",
    "contact a human",
    "get me an agent",
    "get me someone",
    "need an agent",
    "want an agent",
    "agent please",
    "agent pls",
    "chat with a human",
    "chat with a person",
    "chat with an agent",
    "chat with someone",
    "talk with someone",
    "talk with a human",
];
/// Whole messages that are a request for a person by themselves.
const PERSON_ALONE: &[&str] = &[
    "人工",
    "客服",
    "human",
    "agent",
    "person",
    "operator",
    "support",
    "人工服务",
    "真人",
];

const STAFF: &[&str] = &[
    "客服",
    "工作人员",
    "官方",
    "管理员",
    "平台人员",
    "经理",
    "support",
    "staff",
    "admin",
    "employee",
    "customer service",
    "moderator",
    "official",
    "agent",
];
const ASKED: &[&str] = &[
    "让我",
    "叫我",
    "要我",
    "要求我",
    "跟我要",
    "问我要",
    "找我要",
    "向我要",
    "索要",
    "asked",
    "asking",
    "told me",
    "wants",
    "want me",
    "requested",
    "demanded",
    "ask me",
    "asks",
];
const FUNDS_OR_CODES: &[&str] = &[
    "转账",
    "转币",
    "转到",
    "转给",
    "打款",
    "汇款",
    "验证码",
    "谷歌验证",
    "2fa",
    "助记词",
    "私钥",
    "密码",
    "安全账户",
    "远程",
    "transfer",
    "send",
    "code",
    "password",
    "seed",
    "mnemonic",
    "private key",
    "safe account",
    "pay",
    "remote",
];

/// Words that make what follows a fear or a hypothesis, not a loss: "怕选错了
/// 钱没了", "会不会被盗", "what if it gets stolen".
const HYPOTHETICAL: &[&str] = &[
    "怕",
    "担心",
    "会不会",
    "万一",
    "如果",
    "是否会",
    "会被",
    "防止",
    "避免",
    "以免",
    "what if",
    "afraid",
    "worried",
    "could it",
    "will it",
    "to avoid",
    "prevent",
];

/// Losses the message may only seem to report: a valuation that dropped
/// ("少了很多") is usually prices moving. They count only when the bot has no
/// better reading ([`Triage::lost_funds_weak`]).
const LOST_WEAK_ZH: &[&str] = &["少了很多", "余额少了", "不见了", "资产少了"];

const LOST_ZH: &[&str] = &[
    "钱没了",
    "币没了",
    "资产没了",
    "资金没了",
    "余额没了",
    "被盗",
    "盗走",
    "被偷",
    "被骗",
    "骗走",
    "被转走",
    "丢失资产",
    "资产丢失",
    "资金丢失",
    "不翼而飞",
    // Someone else moved them: the user says it was not them.
    "不是我操作",
    "不是我本人操作",
    "不是我转的",
    "不是我提的",
    "我没有操作",
    "被人转走",
    "被清空",
    "被扫走",
];
const LOST_EN: &[&str] = &[
    "stolen",
    "stole",
    "lost my funds",
    "lost my money",
    "lost all my",
    "funds missing",
    "missing funds",
    "money is gone",
    "funds are gone",
    "balance is gone",
    "drained",
    "unauthorized withdrawal",
    "unauthorised withdrawal",
    "hacked",
    "scammed",
    "i didn't do that",
    "i didnt do that",
    "i did not do that",
    "wasn't me",
    "wasnt me",
    "didn't authorize",
    "didnt authorize",
    "did not authorize",
    "without my permission",
    "someone logged into my account and",
    "someone withdrew",
    "withdrew all my",
    "the hacker",
];

const ADVICE_ZH: &[&str] = &[
    "会涨",
    "会跌",
    "涨吗",
    "跌吗",
    "能涨",
    "价格预测",
    "走势",
    "抄底",
    "能买吗",
    "该买",
    "值得买",
    "值得投资",
    "投资建议",
    "推荐买",
    "百倍币",
    "会不会涨",
    "会不会跌",
    "再跌",
    "还会跌",
    "还会涨",
    "梭哈",
    "现在可以买吗",
    "目标价",
    "能不能破",
    "能破",
    "会不会破",
    "会破",
    "会不会反弹",
    "会反弹",
    "能反弹",
    "会不会崩",
    "肯定跌",
    "肯定涨",
    "会跌吧",
    "会涨吧",
    "能赚吗",
    "能赚钱吗",
    "上车",
    "适合进场",
    "可以进场",
    "现在进场",
    "适合入场",
    "现在入场",
    "涨还是跌",
    "跌还是涨",
    "你建议",
    "建议买",
    "买哪个",
    "买什么币",
    "平仓还是补仓",
    "补仓还是",
    "要不要补仓",
    "年底能到",
    "明年能到",
    "下个月能到",
    "该不该囤",
    "多囤",
    "帮我分析",
    "内部消息",
    "推荐一个带单",
    "哪个带单员",
];
const ADVICE_EN: &[&str] = &[
    "price prediction",
    "predict the price",
    "go up",
    "go down",
    "to the moon",
    "should i buy",
    "should i sell",
    "worth buying",
    "good investment",
    "all in",
    "will it go up",
    "will it drop",
    "will it reach",
    "good time to buy",
    "should i long",
    "should i short",
    "which one should i buy",
    "price target",
    "will it bounce",
    "going to bounce",
    "going to crash",
    "going to pump",
    "going to dump",
    "who to follow",
    "which lead trader",
    "best lead trader",
    "best trader",
];

/// Advice asked for outright ("开多还是开空好", "is sol a good buy"), on
/// top of the words above: however sure the engine is of an article on the words (futures, grid
/// bots), the question is which way to bet, which no article answers.
const ADVICE_ASKED_ZH: &[&str] = &[
    "开多还是开空",
    "开空还是开多",
    "做多还是做空",
    "做空还是做多",
    "最赚钱的币",
    "推荐个币",
    "推荐一个币",
    "推荐几个币",
    "推荐什么币",
    "买哪个币",
    "该不该买",
    "值得投资吗",
];
const ADVICE_ASKED_EN: &[&str] = &[
    "good buy",
    "should i long",
    "should i short",
    "long or short",
    "buy or sell",
    "which coin should",
    "best coin to",
    "investment advice",
];

/// A trade and a judgement of it in one message ("现在做空姨太合适吗",
/// "你觉得大饼会涨"): advice, where each word alone is not.
const TRADES_ZH: &[&str] = &[
    "做空", "做多", "开多", "开空", "买入", "卖出", "加仓", "减仓", "入手", "抄底",
];
const JUDGING_ZH: &[&str] = &["合适吗", "合适不", "划算吗", "值得吗", "你觉得", "你认为", "你看好"];
const TRADES_EN: &[&str] = &[
    "10x", "100x", "moon", "pump", "dump", "go up", "go down", "rise", "buy", "sell", "long", "short",
];
const JUDGING_EN: &[&str] = &[
    "do you think",
    "do u think",
    "you think",
    "which coin",
    "worth it",
    "good idea",
];

/// How prices move, in the words of a forecast asked for.
const MOVES_EN: &[&str] = &["bounce", "pump", "dump", "crash", "moon", "rally", "skyrocket", "tank"];

/// "will btc bounce this week", "will eth pump": a forecast of a move, with
/// the coin or anything else between `will` and the move.
/// "大饼今年能到20万吗", "eth年底能到五千刀吗": a price level asked of the
/// future, with the unit of a price ("多久能到 3天了" asks no price).
static REACHES_A_PRICE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?:能|会|可以)(?:涨|跌)?(?:到|破)\s*[0-9一二三四五六七八九十两百千.]+\s*(?:万|千|k|刀|美元|美金)",
    )
    .expect("valid regex")
});

fn asks_a_price_move(norm: &str) -> bool {
    if REACHES_A_PRICE.is_match(norm) {
        return true;
    }
    // "gonna" and "going to" forecast as "will" does.
    let forecast = format!(" {norm} ")
        .replace(" going to ", " will ")
        .replace(" gonna ", " will ");
    let words: Vec<&str> = forecast
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // A level right after the forecast ("going to 100k") or after a verb
    // of reaching it ("will btc hit 100k"); "going to deposit 100k" is a plan.
    let level_at =
        |j: usize| is_price_level(words[j]) && (words[j - 1] == "will" || REACHING_EN.contains(&words[j - 1]));
    words.iter().enumerate().any(|(i, w)| {
        *w == "will" && (i + 1..words.len().min(i + 4)).any(|j| MOVES_EN.contains(&words[j]) || level_at(j))
    })
}

const REACHING_EN: &[&str] = &["hit", "reach", "touch", "break", "be", "at"];

/// "100k", "5k": how people write a price they expect.
fn is_price_level(word: &str) -> bool {
    word.strip_suffix('k')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Subjects of everyday life that users bring to any chat box.
const UNRELATED_ZH: &[&str] = &[
    "天气",
    "气温",
    "下雨",
    "作业",
    "请假条",
    "写首诗",
    "写一首",
    "讲个笑话",
    "笑话",
    "翻译一下",
    "菜谱",
    "做饭",
    "足球",
    "篮球",
    "电影",
    "外卖",
    "彩票",
    "股票",
    "女朋友",
    "男朋友",
    "招人",
    "招聘",
    "简历",
    "应聘",
    "帮我写",
    "写代码",
    "写个代码",
    "写段代码",
];
const UNRELATED_EN: &[&str] = &[
    "weather",
    "forecast",
    "homework",
    "tell me a joke",
    "a joke",
    "poem",
    "recipe",
    "movie",
    "football",
    "soccer",
    "lottery",
    "stock market",
    "girlfriend",
    "boyfriend",
    "essay",
    "hiring",
    "job opening",
    "my cv",
    "internship",
    "write code",
    "write me a",
    "write a script",
    "write a program",
];

const PROFANITY_ZH: &[&str] = &[
    "傻逼",
    "煞笔",
    "妈的",
    "他妈",
    "tmd",
    "操你",
    "草泥马",
    "cnm",
    "nmsl",
    "狗屎",
    "去死",
    "王八蛋",
    "混蛋",
];
const NEGATIVE_ZH: &[&str] = &[
    "垃圾",
    "骗子",
    "黑平台",
    "破平台",
    "坑人",
    "投诉",
    "报警",
    "曝光",
    "气死",
    "太差",
    "无语",
    "什么破",
    "吃相",
];
const PROFANITY_EN: &[&str] = &[
    "fuck", "fucking", "fucked", "shit", "bullshit", "wtf", "asshole", "bastard",
];
const NEGATIVE_EN: &[&str] = &[
    "useless",
    "ridiculous",
    "worst",
    "garbage",
    "pathetic",
    "furious",
    "angry",
    "unacceptable",
    "scammers",
    "lawyer",
    "sue you",
    "report you",
    "disgusting",
    "terrible",
];

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
        let advice_asked = ADVICE_ASKED_ZH.iter().any(|p| norm.contains(p))
            || ADVICE_ASKED_EN.iter().any(|p| contains_words(&norm, p))
            || TRADES_ZH.iter().any(|p| norm.contains(p)) && JUDGING_ZH.iter().any(|p| norm.contains(p))
            || TRADES_EN.iter().any(|p| contains_words(&norm, p))
                && JUDGING_EN.iter().any(|p| contains_words(&norm, p));
        Triage {
            asks_for_person,
            scam_by_staff,
            lost_funds,
            lost_funds_weak,
            angry: anger(text, &norm) >= 2,
            advice_asked,
            investment_advice: advice_asked
                || asks_a_price_move(&norm)
                || ADVICE_ZH.iter().any(|p| norm.contains(p))
                || ADVICE_EN.iter().any(|p| contains_words(&norm, p)),
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

/// A score of how angry a message reads: profanity counts double, shouting
/// (runs of exclamation marks, several all-capital words) counts once.
/// `normalized` without its profanity and abuse ("你们这什么垃圾平台 提币三天了还不到"
/// → "你们这什么 提币三天了还不到"): the words say how the user feels, not
/// what they ask, and pull the ranking towards scam and complaint articles.
pub fn strip_abuse(normalized: &str) -> String {
    let mut out = normalized.to_string();
    let mut words: Vec<&str> = PROFANITY_ZH
        .iter()
        .chain(NEGATIVE_ZH)
        .chain(ABUSIVE_PHRASES)
        .copied()
        .collect();
    // Longest first, so "什么垃圾平台" goes whole rather than leaving "什么 平台".
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for word in words {
        if !matches!(word, "投诉" | "报警") {
            out = out.replace(word, " ");
        }
    }
    for word in PROFANITY_EN.iter().chain(NEGATIVE_EN) {
        out = out
            .split(' ')
            .filter(|w| w.trim_matches(|c: char| !c.is_alphanumeric()) != *word)
            .collect::<Vec<_>>()
            .join(" ");
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Longer abusive phrases whose words are only partly in the lists above.
const ABUSIVE_PHRASES: &[&str] = &[
    "什么垃圾平台",
    "垃圾平台",
    "什么破平台",
    "破平台",
    "黑平台",
    "骗子平台",
    "坑爹",
    "太坑了",
];

fn anger(raw: &str, norm: &str) -> usize {
    let count = |list: &[&str], weight: usize| list.iter().filter(|p| contains_term(norm, p)).count() * weight;
    let mut score = count(PROFANITY_ZH, 2) + count(PROFANITY_EN, 2) + count(NEGATIVE_ZH, 1) + count(NEGATIVE_EN, 1);
    if raw.contains("!!!") || raw.contains("！！") || raw.contains("!!") {
        score += 1;
    }
    let shouted = raw
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3 && w.chars().all(|c| c.is_ascii_uppercase()))
        .count();
    if shouted >= 2 {
        score += 1;
    }
    score
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
