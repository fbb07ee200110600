//! Two things a message says about what the user needs beyond its words:
//! the way the funds moved (into this platform or out of it), and whether it
//! tells of a problem or asks how to do something. Each moves the answer to
//! a near neighbour of the first article that fits it better.

use super::ranking::{stay_on, top};
use super::reading::Direction;
use super::Policy;
use crate::answer::Reply;
use crate::corpus::Lang;
use crate::domain::{ArticleId, Decision};

impl Policy<'_> {
    /// Answers with the article for what the user needs when the first is
    /// its neighbour of the other kind: a problem told ("google authenticator
    /// is empty, cant log in", "助记词也没抄") is the troubleshooting article
    /// of the category, not the how-to that shares its words; a plain "how
    /// do I" ("怎么deposit eth") is the how-to, not the problem article.
    /// Only within [`NEED_MARGIN`] of the first, in the same category.
    pub(super) fn follow_the_need(&self, reply: &mut Reply, normalized: &str) {
        let wanted = if tells_a_problem(normalized) {
            ArticleKind::Problem
        } else if asks_how(normalized) {
            ArticleKind::HowTo
        } else {
            return;
        };
        let Some(first) = top(reply).cloned() else {
            return;
        };
        if reply.decision != Decision::Answer || self.article_kind(&first) == Some(wanted) {
            return;
        }
        if let Some(id) = reply
            .candidates
            .iter()
            .skip(1)
            .find(|c| self.article_kind(&c.article_id) == Some(wanted) && self.same_category(&c.article_id, &first))
            .map(|c| c.article_id.clone())
        {
            stay_on(reply, &id, NEED_MARGIN);
        }
    }

    /// What kind of article `id` is, by its Chinese title: a how-to opens
    /// with 如何; a troubleshooting article names what went wrong.
    fn article_kind(&self, id: &ArticleId) -> Option<ArticleKind> {
        let title = self.engine.article(id)?.title.text(Lang::Zh);
        if title.starts_with("如何") {
            Some(ArticleKind::HowTo)
        } else if PROBLEM_TITLES.iter().any(|w| title.contains(w)) {
            Some(ArticleKind::Problem)
        } else {
            None
        }
    }

    /// Answers with the article of the way the funds moved when the words
    /// say it ("从欧易提了500u到你们这" is a deposit) and the first article
    /// is about the other way: the story's words ("提", "txid", "链上显示
    /// 成功") match both, the direction decides.
    pub(super) fn follow_the_direction(&self, reply: &mut Reply, direction: Direction) {
        let (wanted, other) = match direction {
            Direction::In => (DEPOSITS, WITHDRAWALS),
            Direction::Out => (WITHDRAWALS, DEPOSITS),
        };
        let category = |id: &ArticleId| self.engine.article(id).map(|a| a.category.as_str());
        if reply.decision != Decision::Answer || top(reply).and_then(category) != Some(other) {
            return;
        }
        if let Some(id) = reply
            .candidates
            .iter()
            .find(|c| category(&c.article_id) == Some(wanted))
            .map(|c| c.article_id.clone())
        {
            stay_on(reply, &id, DIRECTION_MARGIN);
        }
    }
}

/// The categories of funds coming in and going out.
const DEPOSITS: &str = "deposit";
const WITHDRAWALS: &str = "withdrawal";
/// How far below the first article, in fused score, an article of the
/// direction the message states may rank and still be the answer (the
/// story words of a transfer, "txid", "链上成功", "没到账", weigh about as
/// much for both ways). At 1.0 a pasted TxID ("从币安转了500U到 T… txid …
/// 还没到") kept the withdrawal article first; at 2.0 the held-out sets gain
/// turns and lose none.
const DIRECTION_MARGIN: f32 = 2.0;

/// A help article's kind, for [`Policy::follow_the_need`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArticleKind {
    /// How to do something.
    HowTo,
    /// What to do when something went wrong.
    Problem,
}

/// Words of a troubleshooting article's title.
const PROBLEM_TITLES: &[&str] = &[
    "怎么办",
    "丢失",
    "无法",
    "未到账",
    "未通过",
    "收不到",
    "卡住",
    "选错",
    "填错",
    "被盗",
    "被删除",
    "不显示",
];

/// How far below the first, in fused score, the article of the kind the
/// message needs may rank and still be the answer.
const NEED_MARGIN: f32 = 0.5;

/// Words that tell of something lost or missing: errors and delays are
/// covered by how-to articles too ("验证码一直提示错误" is binding the
/// authenticator right), a loss is not.
const PROBLEM_WORDS: &[&str] = &[
    "没到",
    "未到",
    "不到账",
    "没收到",
    "收不到",
    "丢",
    "掉了",
    "没了",
    "不见",
    "没抄",
    "没有备份",
    "没备份",
    "空的",
    "是空",
    "找不到",
    "lost",
    "missing",
    "empty",
    "gone",
    "cant find",
    "can't find",
    "cannot find",
    "never arrived",
    "not arrived",
    "hasnt arrived",
    "hasn't arrived",
];

/// Whether a message tells of a problem.
fn tells_a_problem(normalized: &str) -> bool {
    PROBLEM_WORDS.iter().any(|w| normalized.contains(w))
}

/// Whether a message asks how to do something ("怎么充值", "how do i deposit").
fn asks_how(normalized: &str) -> bool {
    ["怎么", "如何", "怎样", "how do i", "how to", "how can i", "how do you"]
        .iter()
        .any(|w| normalized.contains(w))
        && !["怎么办", "怎么回事", "怎么还", "该怎么做", "现在怎么做"]
            .iter()
            .any(|w| normalized.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loss_told_and_a_plain_how_to_are_told_apart() {
        for text in [
            "got a new phone and google authenticator is empty, cant log in anymore",
            "我手机掉了 web3钱包的助记词也没抄 还找得回来吗",
            "充了500u 现在还没到账 也找不到记录",
        ] {
            assert!(tells_a_problem(text), "{text}");
        }
        for text in ["谷歌验证码一直提示错误", "怎么充值", "how do i deposit eth"] {
            assert!(!tells_a_problem(text), "{text}");
        }
        assert!(asks_how("怎么deposit eth 从小狐狸转过来"));
        assert!(asks_how("how can i lower my fees"));
        for text in ["充值没到账怎么办", "那我现在该怎么做", "怎么还没到"] {
            assert!(!asks_how(text), "{text}");
        }
    }
}
