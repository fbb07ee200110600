//! Hybrid ranking with the real model on the bundled corpus and dev set.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kefu::answer::{Answerer, Confidence, Thresholds, SUGGESTIONS};
use kefu::corpus::Corpus;
use kefu::domain::Decision;
use kefu::domain::HandoffReason;
use kefu::embed::Embedder;
use kefu::eval::folds::{judge_folds, FoldSetup};
use kefu::eval::metrics::{evaluate_decisions, retrieval, retrieval_reranked, Judgement, Retrieval};
use kefu::eval::{judge, load_queries};
use kefu::index::ArticleIndex;
use kefu::rank::{fuse, ArticleVectors, Fusion, Ranker};

use crate::helpers::{bundled_corpus, model_path, prepared_data_dir};

struct Shared {
    corpus: Corpus,
    answerer: Answerer,
    embedder: Arc<Embedder>,
    judgements: Vec<Judgement>,
}

impl Shared {
    fn ranker(&self) -> &Ranker {
        self.answerer.ranker()
    }

    /// The dev set's ranking quality when articles are ordered by `score`.
    fn quality(&self, score: impl Fn(&[f32], &[f32]) -> Vec<f32>) -> Retrieval {
        retrieval_reranked(&self.judgements, score)
    }
}

fn data_dir() -> PathBuf {
    prepared_data_dir().to_path_buf()
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let corpus = bundled_corpus();
        let (index, _) = ArticleIndex::open_or_build(&corpus, &data_dir(), |_, _| {}).unwrap();
        let embedder = Arc::new(Embedder::load(&model_path()).unwrap());
        let (vectors, _) =
            ArticleVectors::build(&corpus, &embedder, &data_dir().join("vectors.bin"), |_, _| {}).unwrap();
        let ranker = Ranker::new(&corpus, index, vectors, embedder.clone(), Fusion::default());
        let answerer = Answerer::new(&corpus, ranker, Confidence::default(), Thresholds::default());
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/queries.jsonl");
        let queries = load_queries(&path, &corpus).unwrap();
        let judgements = judge(&answerer, &corpus, &queries, |_, _| {}).unwrap();
        Shared {
            corpus,
            answerer,
            embedder,
            judgements,
        }
    })
}

/// The vector cache of the bundled corpus, built once per test run.
pub fn cached_vectors() -> PathBuf {
    shared();
    data_dir().join("vectors.bin")
}

#[test]
fn hybrid_beats_each_signal_alone_on_the_dev_set() {
    let s = shared();
    let bm25 = s.quality(|b, _| b.to_vec());
    let embedding = s.quality(|_, e| e.to_vec());
    let hybrid = s.quality(|b, e| fuse(b, e, s.ranker().fusion()));
    assert_eq!(
        hybrid,
        retrieval(&s.judgements),
        "reranking by the ranker's own fusion changes nothing"
    );
    assert!(
        hybrid.top1 > bm25.top1,
        "hybrid {:.3} vs bm25 {:.3}",
        hybrid.top1,
        bm25.top1
    );
    assert!(
        hybrid.top1 > embedding.top1,
        "hybrid {:.3} vs embedding {:.3}",
        hybrid.top1,
        embedding.top1
    );
    assert!(hybrid.mrr > bm25.mrr && hybrid.recall_at_5 >= bm25.recall_at_5);
}

#[test]
fn weighted_fusion_beats_reciprocal_rank_fusion() {
    let s = shared();
    let rrf = s.quality(|b, e| fuse(b, e, Fusion::Reciprocal { k: 60.0 }));
    let weighted = s.quality(|b, e| fuse(b, e, s.ranker().fusion()));
    assert!(
        weighted.mrr > rrf.mrr,
        "weighted {:.3} vs rrf {:.3}",
        weighted.mrr,
        rrf.mrr
    );
}

#[test]
fn the_embedding_finds_what_shares_no_word_with_the_article() {
    let s = shared();
    let ranked = s
        .ranker()
        .rank("my phone with the authenticator app fell in the river", 3)
        .unwrap();
    assert_eq!(ranked[0].scores.article_id, "lost-2fa-device", "{ranked:#?}");
    assert!(ranked[0].candidate.title.is_ascii());
    let scores = &ranked[0].scores;
    assert!(scores.similarity > 0.0 && scores.fused >= ranked[1].scores.fused);
}

#[test]
fn an_unchanged_corpus_embeds_nothing_on_restart() {
    let s = shared();
    let (vectors, stats) =
        ArticleVectors::build(&s.corpus, &s.embedder, &data_dir().join("vectors.bin"), |_, _| {}).unwrap();
    assert_eq!(stats.embedded, 0, "{stats:?}");
    assert_eq!(stats.cached, vectors.len());
    let expected: usize = s
        .corpus
        .articles
        .iter()
        .map(|a| 2 + a.all_questions().count() + 2)
        .sum();
    assert_eq!(vectors.len(), expected);
}

#[test]
fn an_edited_article_re_embeds_only_its_changed_texts() {
    let s = shared();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("vectors.bin");
    std::fs::copy(data_dir().join("vectors.bin"), &cache).unwrap();
    let mut corpus = s.corpus.clone();
    corpus.articles[0]
        .questions
        .en
        .get_or_insert_with(Vec::new)
        .push("a brand new way to ask".into());
    let (_, stats) = ArticleVectors::build(&corpus, &s.embedder, &cache, |_, _| {}).unwrap();
    assert_eq!(stats.embedded, 1, "{stats:?}");
}

#[test]
fn out_of_scope_questions_hand_off_and_answers_are_precise() {
    let s = shared();
    let always = s.corpus.always_handoff();
    let report = evaluate_decisions(&s.judgements, &Confidence::default(), &Thresholds::default(), &always);
    assert!(report.out_of_scope_handoff_recall >= 0.85, "{report:#?}");
    assert!(report.answered_precision >= 0.95, "{report:#?}");
    assert!(report.coverage >= 0.85, "{report:#?}");
    assert!(report.clarified_right > 0, "the clarify band is used: {report:#?}");
}

#[test]
fn replies_decide_and_always_handoff_topics_reach_a_person() {
    let s = shared();
    let corpus = bundled_corpus();
    let (index, _) = ArticleIndex::open_or_build(&corpus, &data_dir(), |_, _| {}).unwrap();
    let (vectors, _) = ArticleVectors::build(&corpus, &s.embedder, &data_dir().join("vectors.bin"), |_, _| {}).unwrap();
    let ranker = Ranker::new(&corpus, index, vectors, s.embedder.clone(), Fusion::default());
    let answerer = Answerer::new(&corpus, ranker, Confidence::default(), Thresholds::default());

    let reply = answerer.reply("怎么提币到外部钱包", SUGGESTIONS).unwrap();
    assert_eq!(reply.decision, Decision::Answer);
    assert_eq!(reply.candidates[0].article_id, "withdraw-crypto");
    assert!(reply.confidence > 0.7 && reply.confidence <= 1.0);

    let hacked = answerer.reply("我的账号被盗了，币全被提走了", SUGGESTIONS).unwrap();
    assert_eq!(hacked.candidates[0].article_id, "account-hacked");
    assert_eq!(
        (hacked.decision, hacked.handoff_reason),
        (Decision::Handoff, Some(HandoffReason::AlwaysHandoff))
    );

    for chatter in ["BTC明天会涨吗", "tell me a joke", "帮我订一张去上海的机票"] {
        let r = answerer.reply(chatter, SUGGESTIONS).unwrap();
        assert_eq!(r.decision, Decision::Handoff, "{chatter}: {:.2}", r.confidence);
    }
    let nothing = answerer.reply("？？？", SUGGESTIONS).unwrap();
    assert_eq!(nothing.decision, Decision::Handoff);
}

#[test]
fn folds_ask_every_similar_question_of_an_engine_built_without_it() {
    let s = shared();
    let mut corpus = s.corpus.clone();
    corpus.articles.retain(|a| {
        [
            "withdraw-crypto",
            "change-email",
            "lost-2fa-device",
            "kyc-steps",
            "deposit-crypto",
        ]
        .contains(&a.id.as_str())
    });
    let questions: usize = corpus.articles.iter().map(|a| a.all_questions().count()).sum();
    let work = tempfile::tempdir().unwrap();
    let setup = FoldSetup {
        corpus: &corpus,
        embedder: s.embedder.clone(),
        cache: &cached_vectors(),
        work_dir: work.path(),
        fusion: Fusion::default(),
        confidence: Confidence::default(),
        thresholds: Thresholds::default(),
    };
    let mut asked = vec![0; 3];
    let judgements = judge_folds(&setup, 3, |fold, done, _| asked[fold] = done).unwrap();
    assert_eq!(judgements.len(), questions);
    assert_eq!(asked.iter().sum::<usize>(), questions, "{asked:?}");
    assert!(asked.iter().all(|&n| n > 0));
    let quality = retrieval(&judgements);
    assert!(quality.top1 >= 0.85, "{quality:?}");
    assert!(judgements.iter().all(|j| j.latency.is_some() && j.locale.is_some()));
}
