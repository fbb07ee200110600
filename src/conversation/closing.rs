//! Messages that close a matter rather than ask: a problem solved, a plan
//! put off, the user's own next step, a request for a person withdrawn, and
//! a waiting user asking about the wait.

use super::asking::asks;

/// Words that withdraw a request for a person while waiting.
const CANCELLING: &[&str] = &[
    "取消转人工",
    "取消人工",
    "不用转人工",
    "不用人工",
    "不需要人工",
    "不要人工",
    "不找人工",
    "不用客服",
    "不用转真人",
    "不用找真人",
    "不用真人",
    "不需要真人",
    "不用找人工",
    "不用转了",
    "不用转接",
    "不需要转了",
    "不要转了",
    "问题已解决",
    "问题解决了",
    "已经解决",
    "已解决",
    "自己解决了",
    "自己找到了",
    "我找到了",
    "搞定了",
    "cancel the request",
    "cancel my request",
    "cancel request",
    "cancel the handoff",
    "cancel the agent",
    "cancel the human",
    "nvm",
    "don't need a human",
    "dont need a human",
    "no longer need",
    "never mind",
    "nevermind",
    "solved it",
    "figured it out",
    "all good now",
    "it's fine now",
    "its fine now",
    "no need for a human",
    "no need for an agent",
    "don't need an agent",
    "dont need an agent",
    "don't need the agent",
    "dont need the agent",
    "don't need the human",
    "dont need the human",
    "don't need a person",
    "dont need a person",
    "no need for the agent",
    "no need to transfer",
    "i'm fine now",
];
/// Whole messages that withdraw it ("不用了", "cancel"): as part of a
/// longer message these words mean other things ("cancel an order").
const CANCELLING_ALONE: &[&str] = &[
    "不用了",
    "没事了",
    "解决了",
    "算了",
    "那算了",
    "取消",
    "取消吧",
    "cancel",
    "solved",
    "no need",
    "resolved",
];
/// Words that say a problem went away ("it works now", "收到了").
const RESOLVED: &[&str] = &[
    "好了",
    "可以了",
    "解决了",
    "收到了",
    "到账了",
    "没事了",
    "明白了",
    "看到了",
    "找到了",
    "搞定了",
    "works now",
    "it works",
    "working now",
    "fixed",
    "found it",
    "got it",
    "arrived",
    "sorted",
    "figured it out",
    "resolved",
    "回来了",
    "刚到",
    "已经到了",
    "is back",
    "came back",
    "went through",
    "got it back",
    "拉黑",
    "屏蔽了",
    "举报了",
    "blocked him",
    "blocked them",
    "blocked it",
    "reported him",
    "reported them",
    "received it",
    "showed up",
    "came in",
];
/// Words that undo such a report ("还没好了", "not fixed").
pub(super) const NEGATING: &[&str] = &["没", "不", "未", "not", "n't", "no "];

/// Whether what is left beside thanks or an acknowledgement only tells that
/// the problem is solved ("ok closed the position and it works now.
/// thanks!"): small talk, not a question.
pub(super) fn reports_resolution(rest: &str) -> bool {
    RESOLVED.iter().any(|w| rest.contains(w)) && !NEGATING.iter().any(|w| rest.contains(w)) && !asks(rest)
}

/// Words that put a plan off ("先不注销了", "那我明天再提") or close the
/// matter with relief ("差点就转了").
const PUTTING_OFF: &[&str] = &[
    "先不",
    "就不",
    "暂时不",
    "不打算",
    "不弄了",
    "不搞了",
    "不折腾了",
    "明天再",
    "等会再",
    "等会儿再",
    "晚点再",
    "回头再",
    "以后再",
    "下次再",
    "差点",
    "幸好",
    "好险",
    "吓死",
    "not now",
    "maybe later",
    "later today",
    "tomorrow then",
    "close call",
];

/// Whether what is left beside an acknowledgement, thanks or a dismissal
/// only puts the user's plan off or closes the matter ("算了 先不注销了
/// 谢谢", "行吧 那我明天再提", "谢谢提醒 差点就转了"): small talk, not a
/// question.
pub(super) fn puts_off(rest: &str) -> bool {
    PUTTING_OFF.iter().any(|w| rest.contains(w)) && !asks(rest)
}

/// Words of the user's own next step ("我去提交", "换个网络试试", "i'll wait").
const NEXT_STEP: &[&str] = &[
    "我去",
    "我先",
    "我再",
    "我这就",
    "我马上",
    "我现在去",
    "试试",
    "先小额",
    "i'll",
    "ill",
    "i will",
    "let me",
];

/// Whether what is left beside an acknowledgement, thanks or a goodbye only
/// tells the user's next step ("好 我去提交 谢了", "ok ill wait then. bye"),
/// with no problem in it ("谢谢 我去提币了 但是没到账" is one).
pub(super) fn states_next_step(rest: &str) -> bool {
    NEXT_STEP.iter().any(|w| crate::text::contains_word(rest, w))
        && !NEGATING.iter().any(|w| rest.contains(w))
        && !asks(rest)
}

/// Words that open a message dismissing the request ("算了", "never mind").
const DISMISSING: &[&str] = &["算了", "不用了", "没事了", "那算了", "never mind", "nevermind"];
/// Sounds that open a message without meaning anything ("哦", "嗯").
pub(super) const INTERJECTIONS: &[char] = &['哦', '噢', '嗯', '啊', '唉', '哎', '呃'];
/// Words that may sit beside those without meaning more ("好了，不用了").
const SOFT_ALONE: &[&str] = &["好了", "好的", "ok", "okay", "thanks", "谢谢", "嗯"];

/// Whether the user withdraws their request for a person: a phrase that
/// says so, or a message made only of the short ones ("算了不用了").
pub(super) fn cancels_handoff(normalized: &str) -> bool {
    if CANCELLING.iter().any(|w| normalized.contains(w)) {
        return true;
    }
    let mut rest: String = normalized
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    // "算了不用了 信刚刚收到了 取消": a dismissal first, then only a statement.
    // "哦不用了 算了", "哦等等 刚收到回复了 不用了": a dismissal opening or
    // closing a message that asks nothing.
    let bare = rest.trim_matches(|c: char| c.is_whitespace() || INTERJECTIONS.contains(&c));
    if DISMISSING.iter().any(|w| bare.starts_with(w) || bare.ends_with(w)) && !asks(&rest) {
        return true;
    }
    let strong = CANCELLING_ALONE.iter().any(|w| rest.contains(w));
    let mut words: Vec<&str> = CANCELLING_ALONE.iter().chain(SOFT_ALONE).copied().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for w in words {
        rest = rest.replace(w, " ");
    }
    strong && rest.trim().is_empty()
}

/// Words of someone in the queue asking how long it will be.
const WAIT_QUESTIONS: &[&str] = &[
    "还要等多久",
    "要等多久",
    "等多久",
    "还要多久",
    "多久有人",
    "什么时候有人",
    "怎么还没人",
    "还没人",
    "排到我",
    "排队",
    "how long do i have to wait",
    "how long will it take for",
    "how long is the wait",
    "when will someone",
    "when will an agent",
    "still waiting",
    "anyone coming",
];

/// Whether a waiting user asks about the wait itself.
pub(super) fn asks_about_the_wait(normalized: &str) -> bool {
    normalized.chars().count() <= 20 && WAIT_QUESTIONS.iter().any(|w| normalized.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelling_a_request_for_a_person() {
        assert!(cancels_handoff("问题已解决,取消转人工"));
        assert!(cancels_handoff("never mind, i figured it out"));
        assert!(!cancels_handoff("提币要多久"));
        assert!(cancels_handoff("算了不用了"));
        assert!(
            !cancels_handoff("好的"),
            "an acknowledgement alone is not a cancellation"
        );
        assert!(!cancels_handoff("cancel an open order"));
        assert!(cancels_handoff("算了不用了 我自己找到了 取消吧"));
        assert!(!cancels_handoff("取消订单"));
        assert!(cancels_handoff("算了 我自己找到设定在哪了 不用转真人了"));
        assert!(!cancels_handoff("不用转账了吗"));
        assert!(cancels_handoff("算了不用了 信剛剛收到了 取消"));
        assert!(cancels_handoff(
            "actually nvm, it's unlocked now. cancel the agent request"
        ));
        assert!(!cancels_handoff("算了 那怎么提币"));
        assert!(cancels_handoff("哦不用了 算了"));
        assert!(cancels_handoff("哦等等 刚收到回复了 不用了"));
        assert!(!cancels_handoff("刚收到回复 说还要等 不用了吗"));
    }

    #[test]
    fn the_users_next_step_is_not_a_question() {
        for rest in ["我去提交", "那好吧 我换个网络试试", "ill wait then", "先小额试试"] {
            assert!(states_next_step(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in [
            "我去提币了 但是没到账",
            "let me know how to withdraw",
            "我再试试还是不行怎么办",
        ] {
            assert!(!states_next_step(&crate::text::normalize(rest)), "{rest}");
        }
    }

    #[test]
    fn putting_a_plan_off_is_not_a_question() {
        for rest in [
            "先不注销了",
            "那我就不提了",
            "not now, maybe later",
            "那我明天再提",
            "差点就转了",
        ] {
            assert!(puts_off(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in ["先不提币的话 资产安全吗", "why can't I withdraw now", "充值还是没到账"] {
            assert!(!puts_off(&crate::text::normalize(rest)), "{rest}");
        }
    }

    #[test]
    fn thanks_for_a_solved_problem_is_small_talk() {
        for rest in [
            "ok closed the position and it works now",
            "刚看到了",
            "已经收到了",
            "done, the money is back",
            "币退回来了",
            "刚到了",
        ] {
            assert!(reports_resolution(&crate::text::normalize(rest)), "{rest}");
        }
        for rest in [
            "我转到了错误地址",
            "还是没收到",
            "it still isn't fixed",
            "收到了但是少了 怎么回事",
            "提币到错误地址",
        ] {
            assert!(!reports_resolution(&crate::text::normalize(rest)), "{rest}");
        }
    }
}
