//! A question that asks for a prediction or advice ("明天比特币会涨吗",
//! "should I buy", "is btc going to 100k"): the bot declines it rather than
//! answer from an article that shares its words.

use super::contains_words;

/// What a message asks of the market.
pub(super) struct Advice {
    /// Advice asked for outright ("should I buy", "开多还是开空").
    pub(super) asked: bool,
    /// Advice or a prediction, outright or not.
    pub(super) any: bool,
}

/// Reads `norm` (normalized) for advice asked.
pub(super) fn read(norm: &str) -> Advice {
    let asked = ADVICE_ASKED_ZH.iter().any(|p| norm.contains(p))
        || ADVICE_ASKED_EN.iter().any(|p| contains_words(norm, p))
        || TRADES_ZH.iter().any(|p| norm.contains(p)) && JUDGING_ZH.iter().any(|p| norm.contains(p))
        || TRADES_EN.iter().any(|p| contains_words(norm, p)) && JUDGING_EN.iter().any(|p| contains_words(norm, p));
    let any = asked
        || asks_a_price_move(norm)
        || ADVICE_ZH.iter().any(|p| norm.contains(p))
        || ADVICE_EN.iter().any(|p| contains_words(norm, p));
    // The bot's own opinion asked of a bet ("你说现在姨太开网格能赚钱吗",
    // "你觉得哪个带单员最会赚"): asked outright, whatever article shares the
    // words.
    let opinion = OPINION_ZH.iter().any(|p| norm.contains(p)) || OPINION_EN.iter().any(|p| contains_words(norm, p));
    Advice {
        asked: asked || any && opinion,
        any,
    }
}

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
    "should i invest",
    "or just hold",
];

/// Words that ask for the bot's own opinion or choice.
const OPINION_ZH: &[&str] = &["你觉得", "你认为", "你说", "你看", "推荐", "建议"];
const OPINION_EN: &[&str] = &["do you think", "do u think", "you think", "recommend", "would you"];

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
