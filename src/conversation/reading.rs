//! A user's message read once per turn: normalized, its entities, which way
//! money moves, its clauses, its mood and whether it leans on what was said
//! before. Every later step (small talk, triage, ranking, follow-ups) reads
//! this instead of normalizing the text again.

use crate::chain::{sightings, Sighting};
use std::sync::LazyLock;

use regex::Regex;

use crate::corpus::{Entities, EntityKind, Lang};
use crate::handoff::Triage;
use crate::text::{contains_word, is_chinese, normalize, written_in};

/// Which way the user's money went, by the words they used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Into this platform: 充值, 转入, "从别的交易所转过来".
    In,
    /// Out of it: 提币, 转出, "提到钱包".
    Out,
}

/// An entity named in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The entity's id (`USDT`, `TRC20`, `withdraw`).
    pub id: String,
    /// Its kind.
    pub kind: EntityKind,
}

/// One message, read.
#[derive(Debug, Clone)]
pub struct Reading {
    /// As the user wrote it (secrets already taken out).
    pub text: String,
    /// Normalized: simplified Chinese, lower case, white space folded,
    /// written Cantonese in Mandarin words.
    pub normalized: String,
    /// The language to answer in, when the user did not choose one.
    pub lang: Lang,
    /// The language the message is plainly written in, if any
    /// ([`written_in`]): it wins over the browser's language.
    pub written_in: Option<Lang>,
    /// Coins, networks, wallets, exchanges and loose words named.
    pub mentions: Vec<Mention>,
    /// Which way funds moved, when the words say so one way only.
    pub direction: Option<Direction>,
    /// Requests for a person, scams, lost funds, anger, advice.
    pub triage: Triage,
    /// Worried or in a hurry ("急死了", "三天了还没到", "asap").
    pub anxious: bool,
    /// The addresses and transaction ids pasted in `text`.
    pub pasted: Vec<Sighting>,
}

/// Words that move funds into the platform; checked on normalized text.
const INTO: &[&str] = &[
    "转入",
    "转进来",
    "转过来",
    "打过来",
    "转到这边",
    "转到这里",
    "转到你们",
    "到你们这",
    "转到平台",
    "转到我的账户",
    "到我账户",
    "到我的账户",
    "存入",
    "入金",
    "从别的",
    "从其他",
    "从其它",
    "从币安",
    "从欧易",
    "从火币",
    "从钱包转",
    "从小狐狸",
    "sent to my account",
    "transferred to my account",
    "from binance",
    "from another exchange",
    "from my wallet",
    "send in",
    "send coins in",
    "send crypto in",
    "transfer in",
    "fund my account",
];
/// Words that move funds out of it.
const OUT_OF: &[&str] = &[
    "转出",
    "转到别的",
    "转到其他",
    "转去",
    "转给别人",
    "去另一个",
    "去别的",
    "去其他",
    "到另一个",
    "到别的",
    "打到钱包",
    "转到钱包",
    "转到我的钱包",
    "send out",
    "sent out",
    "to my wallet",
    "to another exchange",
    "take out",
];

/// Words saying something has not arrived.
const ARRIVAL: &[&str] = &[
    "没到",
    "不到",
    "未到",
    "没收到",
    "没有到",
    "还没到",
    "没有收到",
    "没入账",
    "不到账",
    "没到账",
    "not arrived",
    "hasn't arrived",
    "has not arrived",
    "didn't arrive",
    "not received",
    "haven't received",
    "not credited",
    "still not",
    "missing",
    "shows zero",
    "still zero",
];

/// Words of worry or hurry; anger is the triage's.
const ANXIOUS_ZH: &[&str] = &[
    "急",
    "着急",
    "急死",
    "快点",
    "赶紧",
    "怎么还没",
    "还没到",
    "还不到",
    "一直没",
    "好几天",
    "三天了",
    "两天了",
    "几个小时了",
    "担心",
    "害怕",
    "慌",
    "救命",
    "求求",
    "拜托",
];
const ANXIOUS_EN: &[&str] = &[
    "urgent",
    "asap",
    "hurry",
    "worried",
    "scared",
    "panic",
    "please help",
    "still not",
    "still hasn't",
    "days ago",
    "hours ago",
    "help me",
];

/// An amount in U: "500u", "1000 U", "0.5u".
static AMOUNT_IN_U: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d(?:[\d.,]*)\s*u(?-u:\b)").expect("valid regex"));

/// The platform's own words for each way ("充值", "提币", "deposit",
/// "withdraw"): they name this platform's side of a transfer, so they
/// outweigh the relative words of the sender's side ("充XRP忘记填tag 币已经
/// 转出去了" is a deposit although the coins went out of the other wallet).
const INTO_HERE: &[&str] = &["充值", "充币", "充进", "充到", "充了", "deposit", "top up"];
const OUT_OF_HERE: &[&str] = &["提币", "提现", "提到", "提走", "withdraw", "withdrew", "cash out"];

/// This platform as the source of funds ("从你们这提到别的交易所").
const FROM_HERE: &[&str] = &[
    "从你们",
    "从这边",
    "从这里",
    "从平台",
    "from here",
    "from this exchange",
    "from this platform",
];

/// 充 or 提 right before a coin or an amount: "充xrp", "提了usdt", "提500u".
static VERB_BEFORE_COIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([充提])了?\s*[a-z0-9]").expect("valid regex"));

/// Which way funds moved in `normalized` text, when its words say one way
/// only. Where the other party stands decides first ("从欧易提了500u到你们
/// 这" is a deposit: 欧易 is the source), then the platform's own words,
/// then the sender's.
pub fn direction_of(normalized: &str, entities: &Entities) -> Option<Direction> {
    let any = |words: &[&str]| words.iter().any(|w| normalized.contains(w));
    let one_way = |into: bool, out: bool| match (into, out) {
        (true, false) => Some(Direction::In),
        (false, true) => Some(Direction::Out),
        _ => None,
    };
    let (mut from_there, mut to_there) = (false, any(FROM_HERE));
    let elsewhere = entities
        .entities
        .iter()
        .filter(|e| matches!(e.kind, EntityKind::Exchange | EntityKind::Wallet))
        .flat_map(|e| &e.names);
    for name in elsewhere.filter(|n| normalized.contains(n.as_str())) {
        let before = |marks: &[&str]| {
            marks
                .iter()
                .any(|m| normalized.contains(&format!("{m}{name}")) || normalized.contains(&format!("{m} {name}")))
        };
        from_there |= before(&["从", "from", "from my"]);
        to_there |= before(&["到", "去", "回", "to", "to my", "into", "into my"]);
    }
    if from_there || to_there {
        return one_way(from_there, to_there);
    }
    let (mut here_in, mut here_out) = (any(INTO_HERE), any(OUT_OF_HERE));
    for verb in VERB_BEFORE_COIN.captures_iter(normalized).filter_map(|c| c.get(1)) {
        match verb.as_str() {
            "充" => here_in = true,
            _ => here_out = true,
        }
    }
    if here_in || here_out {
        return one_way(here_in, here_out);
    }
    one_way(any(INTO), any(OUT_OF))
}

/// Words that weigh one choice against another.
const WEIGHING: &[&str] = &["还是", "哪个", " or ", " vs ", "which"];
/// Words of buying or holding.
const HOLDING: &[&str] = &["买", "囤", "拿", "入", "buy", "hold"];

/// Two coins weighed against each other to buy or hold ("现在买姨太还是sol
/// 好", "buy eth or sol?"): investment advice, which no article gives.
fn compares_coins_to_buy(normalized: &str, mentions: &[Mention]) -> bool {
    mentions.iter().filter(|m| m.kind == EntityKind::Coin).count() >= 2
        && WEIGHING.iter().any(|w| normalized.contains(w))
        && HOLDING.iter().any(|w| normalized.contains(w))
}

impl Reading {
    /// Reads `text`; `entities` is the corpus's list, normalized
    /// ([`crate::text::Lexicon`]).
    pub fn of(text: &str, entities: &Entities) -> Reading {
        let normalized = crate::text::to_mandarin(&normalize(text));
        let triage = Triage::of_normalized(text, &normalized);
        let lang = if is_chinese(text) { Lang::Zh } else { Lang::En };
        let mut mentions: Vec<Mention> = Vec::new();
        for entity in &entities.entities {
            if entity.names.iter().any(|n| contains_word(&normalized, n)) {
                mentions.push(Mention {
                    id: entity.id.clone(),
                    kind: entity.kind,
                });
            }
        }
        if AMOUNT_IN_U.is_match(&normalized) && !mentions.iter().any(|m| m.id == "USDT") {
            mentions.push(Mention {
                id: "USDT".to_string(),
                kind: EntityKind::Coin,
            });
        }
        let mut triage = triage;
        triage.investment_advice |= compares_coins_to_buy(&normalized, &mentions);
        let direction = direction_of(&normalized, entities);
        let anxious = triage.angry
            || ANXIOUS_ZH.iter().any(|w| normalized.contains(w))
            || ANXIOUS_EN.iter().any(|w| normalized.contains(w));
        Reading {
            text: text.to_string(),
            normalized,
            lang,
            written_in: written_in(text, entities),
            mentions,
            direction,
            triage,
            anxious,
            pasted: sightings(text),
        }
    }

    /// Whether the message names an entity of `kind`.
    pub fn names(&self, kind: EntityKind) -> bool {
        self.mentions.iter().any(|m| m.kind == kind)
    }

    /// The words the articles would use for what the message names, in its
    /// language, that it does not already contain: what the engine gets to
    /// read besides the message ("怎么买狗狗币" → "币", "怎么withdraw到
    /// metamask" → "提币 钱包"), and the direction of funds spelled out.
    pub fn expansion(&self, entities: &Entities) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        let mut add = |w: &str| {
            if !w.is_empty() && !self.normalized.contains(w) && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        };
        let han = |w: &str| is_chinese(w);
        for mention in &self.mentions {
            for term in entities.terms_of(mention.kind) {
                if han(term) == (self.lang == Lang::Zh) {
                    add(term);
                }
            }
            if self.lang == Lang::Zh {
                if let Some(entity) = entities.entities.iter().find(|e| e.id == mention.id) {
                    for term in &entity.terms {
                        add(term);
                    }
                }
            }
        }
        for w in self.direction_words() {
            add(&w);
        }
        words
    }

    /// The direction of funds spelled out as the articles say it, and, when
    /// the message says something did not arrive, that too: "转了500U过来
    /// … 一直没到" reads "充值 未到账", "提币三天了还不到" "提币 处理中".
    pub fn direction_words(&self) -> Vec<String> {
        let arrived = ARRIVAL.iter().any(|w| self.normalized.contains(w));
        let words: &[&str] = match (self.direction, self.lang, arrived) {
            (Some(Direction::In), Lang::Zh, false) => &["充值"],
            (Some(Direction::In), Lang::Zh, true) => &["充值", "未到账"],
            (Some(Direction::In), Lang::En, false) => &["deposit"],
            (Some(Direction::In), Lang::En, true) => &["deposit", "not arrived"],
            (Some(Direction::Out), Lang::Zh, false) => &["提币"],
            (Some(Direction::Out), Lang::Zh, true) => &["提币", "处理中"],
            (Some(Direction::Out), Lang::En, false) => &["withdraw"],
            (Some(Direction::Out), Lang::En, true) => &["withdrawal", "pending"],
            (None, _, _) => &[],
        };
        words.iter().map(|w| w.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Entity;

    #[test]
    fn two_coins_weighed_to_buy_is_advice() {
        let coins = |ids: &[&str]| -> Vec<Mention> {
            ids.iter()
                .map(|id| Mention {
                    id: id.to_string(),
                    kind: EntityKind::Coin,
                })
                .collect()
        };
        assert!(compares_coins_to_buy("现在买姨太还是sol好", &coins(&["ETH", "SOL"])));
        assert!(!compares_coins_to_buy("用银行卡买还是p2p买好", &[]));
        assert!(!compares_coins_to_buy(
            "eth还是sol的提币手续费低",
            &coins(&["ETH", "SOL"])
        ));
    }

    fn entities() -> Entities {
        let e = |id: &str, kind, names: &[&str], terms: &[&str]| Entity {
            id: id.into(),
            kind,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: terms.iter().map(|n| n.to_string()).collect(),
            chain: None,
            explorer: None,
            networks: Vec::new(),
        };
        Entities {
            entities: vec![
                e("DOGE", EntityKind::Coin, &["狗狗币", "doge"], &[]),
                e("METAMASK", EntityKind::Wallet, &["metamask", "小狐狸"], &[]),
                e("withdraw", EntityKind::Word, &["withdraw"], &["提币"]),
                e("TRC20", EntityKind::Network, &["trc20", "波场"], &[]),
                e("OKX", EntityKind::Exchange, &["okx", "欧易"], &[]),
                e(
                    "OTHER-EXCHANGE",
                    EntityKind::Exchange,
                    &["别的交易所", "另一个交易所"],
                    &[],
                ),
            ],
            kind_terms: vec![
                (EntityKind::Coin, vec!["币".into(), "coin".into()]),
                (EntityKind::Wallet, vec!["钱包".into(), "wallet".into()]),
                (EntityKind::Network, vec!["网络".into(), "network".into()]),
            ],
        }
    }

    #[test]
    fn names_become_the_words_articles_use() {
        let r = Reading::of("怎么withdraw到MetaMask", &entities());
        assert_eq!(r.expansion(&entities()), ["钱包", "提币"]);
        let r = Reading::of("怎么买doge", &entities());
        assert_eq!(r.expansion(&entities()), ["币"]);
        let r = Reading::of("how do I buy doge", &entities());
        assert_eq!(r.expansion(&entities()), ["coin"]);
    }

    #[test]
    fn direction_and_amounts_in_u() {
        let r = Reading::of(
            "我昨天从别的交易所转了500U过来，用的是TRC20网络，一直没到账",
            &entities(),
        );
        assert_eq!(r.direction, Some(Direction::In));
        assert!(r.mentions.iter().any(|m| m.id == "USDT") && r.names(EntityKind::Network));
        assert!(r.anxious);
        assert_eq!(
            Reading::of("提币三天了还不到", &entities()).direction,
            Some(Direction::Out)
        );
        assert_eq!(Reading::of("can u help me", &entities()).mentions, []);
        // The platform's words outweigh the sender's ("转出去" from the
        // other wallet), and 充 / 提 before a coin say the way too.
        let way = |text: &str| Reading::of(text, &entities()).direction;
        assert_eq!(way("充XRP忘记填tag了 币已经转出去了 还能找回吗"), Some(Direction::In));
        assert_eq!(way("我提咗USDT去另一個交易所 揀錯咗網絡"), Some(Direction::Out));
        assert_eq!(way("提示地址无效"), None);
        assert_eq!(way("deposited but then withdrew it"), None);
        // Where the other party stands comes first.
        assert_eq!(way("我从欧易提了500u到你们这 还没到帐"), Some(Direction::In));
        assert_eq!(way("XRP从你们这提到别的交易所也要填tag吗"), Some(Direction::Out));
        assert_eq!(way("怎么withdraw到metamask"), Some(Direction::Out));
        assert_eq!(way("小狐狸里的以太怎么转到你们这边"), Some(Direction::In));
    }

    #[test]
    fn latin_names_are_whole_words() {
        assert!(contains_word("on trc20?", "trc20"));
        assert!(contains_word("用trc20网络", "trc20"));
        assert!(!contains_word("usdt", "u"));
        assert!(contains_word("500u", "u"));
        assert!(!contains_word("ethereum", "eth"));
    }
}
