//! The bundled corpus: every required topic is there, complete and bilingual.

use kefu::corpus::HandoffPolicy;
use kefu::domain::{ArticleId, Priority};

use crate::helpers::bundled_corpus;

const REQUIRED_IDS: &[&str] = &[
    "account-register",
    "login-problems",
    "reset-password",
    "change-phone",
    "change-email",
    "account-frozen-appeal",
    "delete-account",
    "sub-accounts",
    "kyc-steps",
    "kyc-documents",
    "kyc-failed",
    "kyc-review-time",
    "kyc-levels",
    "enable-google-authenticator",
    "lost-2fa-device",
    "sms-code-not-received",
    "email-code-not-received",
    "anti-phishing-code",
    "withdrawal-whitelist",
    "account-hacked",
    "recognize-scams",
    "deposit-crypto",
    "deposit-not-arrived",
    "deposit-wrong-network",
    "deposit-missing-memo",
    "deposit-unsupported-token",
    "buy-crypto-card",
    "p2p-trading",
    "p2p-dispute",
    "withdraw-crypto",
    "withdrawal-pending",
    "withdrawal-fees",
    "withdrawal-limits",
    "withdrawal-suspended",
    "cancel-withdrawal",
    "withdrawal-wrong-address",
    "spot-trading-guide",
    "order-types",
    "trading-fees",
    "fee-discount",
    "order-not-filled",
    "cancel-order",
    "trade-history",
    "margin-trading",
    "margin-liquidation",
    "futures-guide",
    "funding-rate",
    "futures-liquidation",
    "leverage-adjust",
    "copy-trading",
    "trading-bots",
    "earn-savings",
    "staking",
    "transfer-between-accounts",
    "asset-valuation",
    "convert-small-balances",
    "airdrops",
    "create-api-key",
    "api-rate-limits",
    "api-errors",
    "wallet-backup-mnemonic",
    "wallet-import",
    "wallet-lost-mnemonic",
    "gas-fees",
    "transaction-stuck",
    "token-not-showing",
    "dapp-authorization",
    "wallet-scam-authorization",
    "contact-support",
    "ticket-status",
    "feedback-suggestions",
    "platform-maintenance",
    "supported-countries",
];

const ALWAYS_HANDED_OFF: &[&str] = &[
    "account-hacked",
    "account-frozen-appeal",
    "p2p-dispute",
    "wallet-scam-authorization",
];

#[test]
fn every_required_topic_is_present() {
    let corpus = bundled_corpus();
    let missing: Vec<_> = REQUIRED_IDS
        .iter()
        .filter(|id| corpus.article(&ArticleId::parse(id).unwrap()).is_none())
        .collect();
    assert!(missing.is_empty(), "missing articles: {missing:?}");
}

#[test]
fn every_article_meets_the_content_bar() {
    let corpus = bundled_corpus();
    for a in &corpus.articles {
        let zh = a.body.zh.as_deref().unwrap_or_default();
        let zh_chars = zh.chars().filter(|c| !c.is_whitespace()).count();
        assert!(zh_chars >= 200, "{}: Chinese body has {zh_chars} characters", a.id);
        assert!(
            a.body.en.as_deref().is_some_and(|b| b.split_whitespace().count() >= 60),
            "{}: English body too short",
            a.id
        );
        assert!(
            a.title.zh.is_some() && a.title.en.is_some(),
            "{}: needs both titles",
            a.id
        );
        let zh_q = a.questions.zh.as_ref().map_or(0, Vec::len);
        let en_q = a.questions.en.as_ref().map_or(0, Vec::len);
        assert!(
            zh_q >= 6 && en_q >= 3,
            "{}: {zh_q} zh / {en_q} en similar questions",
            a.id
        );
        assert!(!a.tags.is_empty(), "{}: no tags", a.id);
    }
}

#[test]
fn urgent_topics_always_hand_off_and_only_they_do() {
    let corpus = bundled_corpus();
    for a in &corpus.articles {
        let urgent = ALWAYS_HANDED_OFF.contains(&a.id.as_str());
        assert_eq!(a.priority == Priority::Urgent, urgent, "{}", a.id);
        assert_eq!(a.handoff == HandoffPolicy::Always, urgent, "{}", a.id);
    }
}

#[test]
fn similar_questions_are_not_shared_between_articles() {
    let corpus = bundled_corpus();
    let mut owner = std::collections::HashMap::new();
    for a in &corpus.articles {
        for q in a.all_questions() {
            let key = kefu::text::normalize(q);
            if let Some(other) = owner.insert(key, a.id.as_str()) {
                assert_eq!(
                    other,
                    a.id.as_str(),
                    "`{q}` is a similar question of both {other} and {}",
                    a.id
                );
            }
        }
    }
}
