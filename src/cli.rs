//! The `kefu` command line: flags, subcommands and their terminal output.
//! Errors travel up as `anyhow` and `main` prints them; nothing here panics
//! on bad input.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::corpus::Corpus;
use crate::eval::{evaluate_retrieval, load_queries};
use crate::index::{ArticleIndex, Freshness};

/// kefu (客服): FAQ answer engine for help centers.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, about)]
pub struct Cli {
    /// The corpus folder (articles, categories, dictionary, synonyms).
    #[arg(long, global = true, env = "KEFU_CORPUS", default_value = "corpus")]
    pub corpus: PathBuf,
    /// Where kefu keeps its index and other state.
    #[arg(long, global = true, env = "KEFU_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the corpus and build the search index.
    Index {
        /// Rebuild even if the corpus has not changed.
        #[arg(long)]
        force: bool,
    },
    /// Validate the corpus and list every problem with file and line.
    Check,
    /// Ask a question and see the best matching articles.
    Ask {
        /// The question, as a user would type it.
        question: String,
        /// How many candidates to show.
        #[arg(short = 'k', long, default_value_t = 5)]
        top: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Measure ranking quality on a labelled query file.
    Eval {
        /// JSON Lines file of labelled questions.
        #[arg(long, default_value = "tests/eval/queries.jsonl")]
        queries: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// How many misses to list.
        #[arg(long, default_value_t = 15)]
        misses: usize,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check => {
            let corpus = load(&cli.corpus)?;
            crate::text::Analyzer::from_corpus(&corpus)?;
            println!(
                "{}: {} articles in {} categories, no problems",
                cli.corpus.display(),
                corpus.articles.len(),
                corpus.categories.len()
            );
        }
        Command::Index { force } => {
            let corpus = load(&cli.corpus)?;
            let started = Instant::now();
            let freshness = if force {
                let analyzer = crate::text::Analyzer::from_corpus(&corpus)?;
                ArticleIndex::build(&corpus, analyzer, &cli.data_dir, progress_bar())?;
                Freshness::Built
            } else {
                ArticleIndex::open_or_build(&corpus, &cli.data_dir, progress_bar())?.1
            };
            let verb = if freshness == Freshness::Built {
                "indexed"
            } else {
                "index up to date:"
            };
            println!(
                "{verb} {} articles in {:.2?} → {}",
                corpus.articles.len(),
                started.elapsed(),
                cli.data_dir.join("index").display()
            );
        }
        Command::Ask { question, top, json } => {
            let started = Instant::now();
            let (index, freshness) = open(&cli.corpus, &cli.data_dir)?;
            let loaded = started.elapsed();
            let searched = Instant::now();
            let candidates = index.search(&question, top)?;
            let search_time = searched.elapsed();
            if json {
                println!("{}", serde_json::to_string_pretty(&candidates)?);
                return Ok(());
            }
            if candidates.is_empty() {
                println!("no matching article");
            }
            for (i, c) in candidates.iter().enumerate() {
                println!("{:>2}. {:>7.2}  {:<28} {}", i + 1, c.score, c.article_id, c.title);
                println!("             {}", c.snippet.marked("【", "】").replace('\n', " "));
            }
            let how = if freshness == Freshness::Built {
                "built"
            } else {
                "reused"
            };
            eprintln!("(index {how} in {loaded:.1?}, search {search_time:.1?})");
        }
        Command::Eval { queries, json, misses } => {
            let (index, _) = open(&cli.corpus, &cli.data_dir)?;
            let corpus = load(&cli.corpus)?;
            let queries = load_queries(&queries, &corpus)?;
            let report = evaluate_retrieval(&index, &queries)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(());
            }
            println!("BM25 retrieval on {} in-scope questions", report.questions);
            println!("  top-1      {:.1}%", 100.0 * report.top1);
            println!("  recall@3   {:.1}%", 100.0 * report.recall_at_3);
            println!("  recall@5   {:.1}%", 100.0 * report.recall_at_5);
            println!("  MRR        {:.3}", report.mrr);
            for m in report.misses.iter().take(misses) {
                let rank = m.rank.map_or("-".to_string(), |r| r.to_string());
                println!(
                    "  miss (rank {rank:>2}) {} → want {}, got {}",
                    m.query,
                    m.expected,
                    m.got.join(", ")
                );
            }
        }
    }
    Ok(())
}

fn load(corpus: &Path) -> anyhow::Result<Corpus> {
    Corpus::load(corpus).with_context(|| format!("cannot load the corpus in {}", corpus.display()))
}

fn open(corpus: &Path, data_dir: &Path) -> anyhow::Result<(ArticleIndex, Freshness)> {
    let corpus = load(corpus)?;
    Ok(ArticleIndex::open_or_build(&corpus, data_dir, progress_bar())?)
}

fn progress_bar() -> impl FnMut(usize, usize) {
    let bar = ProgressBar::hidden();
    move |done, total| {
        if bar.is_hidden() && done == 1 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template("indexing {bar:30} {pos}/{len} articles")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    }
}
