//! `kefu eval --folds K`: k-fold cross-validation over the corpus's own
//! similar questions. Each fold removes a K-th of every article's similar
//! questions, rebuilds the index and vectors without them, and asks them as
//! users would. It needs no query file, so a corpus with many similar
//! questions can be measured before anyone has labelled real traffic, and
//! it shows which articles' wording only works because the exact question
//! is in the article.

use std::path::Path;
use std::sync::Arc;

use super::metrics::Judgement;
use super::{judge, EvalError, Expected, LabeledQuery};
use crate::answer::{Answerer, Confidence, Thresholds};
use crate::corpus::{Corpus, CorpusError, Lang};
use crate::embed::Embedder;
use crate::index::ArticleIndex;
use crate::rank::{ArticleVectors, Fusion, Ranker, VectorCache, VectorError};
use crate::text::Analyzer;

/// Why a fold could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// Fewer than two folds were asked for.
    #[error("--folds needs at least 2 folds, got {0}")]
    TooFewFolds(usize),
    /// The fold's corpus could not be analyzed.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// Building the fold's index failed.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// Embedding failed.
    #[error(transparent)]
    Vectors(#[from] VectorError),
    /// Asking the held-out questions failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

/// Splits `corpus` for fold `k` of `folds`: the corpus without the held-out
/// similar questions, and those questions labelled with their article.
/// Which questions a fold holds out rotates with the article's position, so
/// articles with few questions do not all lose their first one together.
pub fn split(corpus: &Corpus, k: usize, folds: usize) -> (Corpus, Vec<LabeledQuery>) {
    let mut kept = corpus.clone();
    let mut held_out = Vec::new();
    for (a, article) in kept.articles.iter_mut().enumerate() {
        for lang in [Lang::Zh, Lang::En] {
            let questions = match lang {
                Lang::Zh => &mut article.questions.zh,
                Lang::En => &mut article.questions.en,
            };
            let Some(list) = questions.take() else { continue };
            let (out, keep): (Vec<_>, Vec<_>) = list.into_iter().enumerate().partition(|(i, _)| (i + a) % folds == k);
            held_out.extend(out.into_iter().map(|(_, query)| LabeledQuery {
                query,
                expected: Expected::Article(article.id.clone()),
                locale: Some(lang),
            }));
            *questions = Some(keep.into_iter().map(|(_, q)| q).collect());
        }
    }
    (kept, held_out)
}

/// Everything a fold's engine is built from.
pub struct FoldSetup<'a> {
    /// The whole corpus.
    pub corpus: &'a Corpus,
    /// The model.
    pub embedder: Arc<Embedder>,
    /// The embedding cache of the whole corpus (read, never rewritten: a
    /// fold's texts are a subset of the corpus's).
    pub cache: &'a Path,
    /// Where fold indexes are built.
    pub work_dir: &'a Path,
    /// The ranking's fusion.
    pub fusion: Fusion,
    /// The confidence model.
    pub confidence: Confidence,
    /// Its thresholds.
    pub thresholds: Thresholds,
}

/// Judges every similar question of the corpus by an engine built without
/// it. `progress(fold, done, total)` reports questions asked per fold.
pub fn judge_folds(
    setup: &FoldSetup<'_>,
    folds: usize,
    mut progress: impl FnMut(usize, usize, usize),
) -> Result<Vec<Judgement>, FoldError> {
    if folds < 2 {
        return Err(FoldError::TooFewFolds(folds));
    }
    let mut cache = VectorCache::open(setup.cache, &setup.embedder);
    let mut all = Vec::new();
    for k in 0..folds {
        let (corpus, questions) = split(setup.corpus, k, folds);
        let dir = setup.work_dir.join(format!("fold-{k}"));
        let index = ArticleIndex::build(&corpus, Analyzer::from_corpus(&corpus)?, &dir, |_, _| {})?;
        let vectors = ArticleVectors::from_cache(&corpus, &setup.embedder, &mut cache, |_, _| {})?;
        let ranker = Ranker::new(&corpus, index, vectors, setup.embedder.clone(), setup.fusion);
        let answerer = Answerer::new(&corpus, ranker, setup.confidence, setup.thresholds);
        all.extend(judge(&answerer, &corpus, &questions, |done, total| {
            progress(k, done, total)
        })?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Article, Localized};
    use crate::domain::ArticleId;

    fn corpus() -> Corpus {
        let article = |id: &str, zh: usize, en: usize| Article {
            id: ArticleId::parse(id).unwrap(),
            category: "c".into(),
            title: Localized::default(),
            questions: Localized {
                zh: Some((0..zh).map(|i| format!("{id} 问题 {i}")).collect()),
                en: (en > 0).then(|| (0..en).map(|i| format!("{id} question {i}")).collect()),
            },
            tags: Vec::new(),
            priority: Default::default(),
            handoff: Default::default(),
            body: Localized::default(),
        };
        Corpus {
            root: "c".into(),
            categories: Vec::new(),
            articles: vec![article("a", 5, 3), article("b", 1, 0)],
            dictionary: String::new(),
            synonyms: String::new(),
            quick_replies: Vec::new(),
            small_talk: Default::default(),
            entities: Default::default(),
            facts: Default::default(),
            fact_quotes: Default::default(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn every_question_is_held_out_exactly_once_and_kept_otherwise() {
        let c = corpus();
        let folds = 3;
        let mut asked = Vec::new();
        for k in 0..folds {
            let (kept, held) = split(&c, k, folds);
            for q in &held {
                let Expected::Article(id) = &q.expected else { panic!() };
                let article = kept.article(id).unwrap();
                assert!(
                    !article.all_questions().any(|kept| *kept == q.query),
                    "{} is both held out and kept",
                    q.query
                );
                assert_eq!(q.locale == Some(Lang::En), q.query.contains("question"));
            }
            let total_kept: usize = kept.articles.iter().map(|a| a.all_questions().count()).sum();
            assert_eq!(total_kept + held.len(), 9);
            asked.extend(held.into_iter().map(|q| q.query));
        }
        asked.sort();
        let mut all: Vec<String> = c.articles.iter().flat_map(|a| a.all_questions().cloned()).collect();
        all.sort();
        assert_eq!(asked, all);
    }
}
