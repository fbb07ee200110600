//! Shared fixtures: the bundled corpus, a built index in a temporary data
//! folder, and a writable copy of the corpus for tests that break it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kefu::config::Settings;
use kefu::corpus::Corpus;
use kefu::embed::Embedder;
use kefu::engine::{no_progress, Engine};
use kefu::index::{ArticleIndex, Freshness};
use kefu::rank::ArticleVectors;

/// The corpus shipped in the repository.
pub fn bundled_corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The bundled corpus, loaded.
pub fn bundled_corpus() -> Corpus {
    Corpus::load(&bundled_corpus_dir()).expect("the bundled corpus is valid")
}

/// A freshly built index of the bundled corpus in its own data folder.
pub struct TestIndex {
    pub index: ArticleIndex,
    pub corpus: Corpus,
    pub freshness: Freshness,
    /// Kept so the folder lives as long as the index.
    pub _data_dir: tempfile::TempDir,
}

pub fn bundled_index() -> TestIndex {
    let corpus = bundled_corpus();
    let data_dir = tempfile::tempdir().unwrap();
    let (index, freshness) = ArticleIndex::open_or_build(&corpus, data_dir.path(), |_, _| {}).unwrap();
    TestIndex {
        index,
        corpus,
        freshness,
        _data_dir: data_dir,
    }
}

/// A writable copy of the bundled corpus.
pub fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&bundled_corpus_dir(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The embedding model set up by `scripts/setup-model` (the test script runs it).
pub fn model_path() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/e5-small-q4.bin");
    assert!(path.exists(), "{} is missing: run scripts/setup-model", path.display());
    path
}

/// Index and vectors of the bundled corpus, built once per test run under
/// cargo's per-target temporary folder (so local reruns embed nothing; CI
/// starts clean and embeds the corpus once). Every test that needs the
/// model goes through here, so two tests never build the same files at once.
pub fn prepared_data_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kefu-ranking");
        let corpus = bundled_corpus();
        ArticleIndex::open_or_build(&corpus, &dir, |_, _| {}).unwrap();
        let embedder = Embedder::load(&model_path()).unwrap();
        ArticleVectors::build(&corpus, &embedder, &dir.join("vectors.bin"), |_, _| {}).unwrap();
        dir
    })
}

/// Settings for the bundled corpus and the prepared data folder.
pub fn engine_settings() -> Settings {
    Settings {
        corpus: bundled_corpus_dir(),
        data_dir: prepared_data_dir().to_path_buf(),
        model: model_path(),
        // One engine serves every server test; a shared cache would make
        // their engine metrics depend on which test asked first.
        answer_cache: 0,
        ..Settings::default()
    }
}

/// The answer engine on the bundled corpus, loaded once and shared by every
/// server test.
pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Arc::new(Engine::open(&engine_settings(), no_progress(), no_progress()).unwrap()))
        .clone()
}
