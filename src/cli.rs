//! The `kefu` command line: flags, subcommands and their terminal output.
//! Errors travel up as `anyhow` and `main` prints them; nothing here panics
//! on bad input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{new_token, token_hash, AgentAccount, Role, Settings};
use crate::conversation::{BotReply, Conversation, Policy, TicketChange, TicketState, UserMessage};
use crate::corpus::Corpus;
use crate::domain::HandoffReason;
use crate::engine::Engine;
use crate::index::{ArticleIndex, Freshness};
use crate::rank::Ranked;
use crate::server::{shutdown_signal, Application};

mod eval;
mod gaps;

/// kefu (客服): FAQ answer engine for help centers.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, about)]
pub struct Cli {
    /// The settings file (default: `kefu.yaml` if it exists). Settings can
    /// also be given as `KEFU_*` environment variables.
    #[arg(long, global = true, env = "KEFU_CONFIG")]
    pub config: Option<PathBuf>,
    /// The corpus folder (articles, categories, dictionary, synonyms).
    #[arg(long, global = true)]
    pub corpus: Option<PathBuf>,
    /// Where kefu keeps its index, vectors and SQLite database.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// The embedding model file (set up by scripts/setup-model).
    #[arg(long, global = true)]
    pub model: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the help desk: chat API, agent API, metrics.
    Serve {
        /// Listen here instead of the configured address.
        #[arg(long)]
        address: Option<std::net::SocketAddr>,
    },
    /// Make an agent token and print the settings entry for it.
    Token {
        /// The agent's name, as users and the audit log will see it.
        #[arg(long)]
        name: String,
        /// `agent` or `admin`.
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// Validate the corpus and build the search index.
    Index {
        /// Rebuild even if the corpus has not changed.
        #[arg(long)]
        force: bool,
    },
    /// Validate the corpus and list every problem with file and line.
    Check,
    /// Ask a question and see the bot's reply and the best matching
    /// articles; several questions are one conversation, turn by turn.
    Ask {
        /// The question, as a user would type it (more: the next turns).
        #[arg(required = true)]
        questions: Vec<String>,
        /// How many candidates to show.
        #[arg(short = 'k', long, default_value_t = 5)]
        top: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Measure ranking and decision quality: on a labelled query file, on
    /// the corpus's own similar questions (--folds) or on a public intent
    /// dataset (--dataset).
    Eval(eval::EvalArgs),
    /// Group the questions the bot could not answer by topic, with the
    /// nearest article: what to write next (--export writes drafts).
    Gaps(gaps::GapsArgs),
}

impl Cli {
    /// The settings: file, then environment, then these flags.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut settings = Settings::load(self.config.as_deref(), std::env::vars())?;
        if let Some(corpus) = &self.corpus {
            settings.corpus = corpus.clone();
        }
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(model) = &self.model {
            settings.model = model.clone();
        }
        Ok(settings)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    match cli.command {
        Command::Serve { address } => serve(settings, address)?,
        Command::Token { ref name, ref role } => {
            let role = match role.as_str() {
                "agent" => Role::Agent,
                "admin" => Role::Admin,
                other => anyhow::bail!("unknown role {other:?}: use agent or admin"),
            };
            let token = new_token(32).ok_or_else(|| anyhow::anyhow!("no randomness available for a token"))?;
            let entry = AgentAccount {
                name: name.clone(),
                role,
                token_sha256: token_hash(&token),
            };
            println!("token (give it to {name}; it is not stored anywhere): {token}");
            println!("add to the `agents:` list in kefu.yaml:");
            print!("{}", serde_yaml_ng::to_string(&vec![entry])?);
        }
        Command::Check => {
            let corpus = load(&settings.corpus)?;
            crate::text::Analyzer::from_corpus(&corpus)?;
            let today = time::OffsetDateTime::now_utc().date();
            let expired: Vec<String> = corpus
                .facts
                .expired(today)
                .map(|f| {
                    format!(
                        "{}:{}: {} on {} expired on {}: check the numbers and set a new `since` and `expires`",
                        settings.corpus.join("facts.yaml").display(),
                        f.line.unwrap_or(1),
                        f.coin,
                        f.network,
                        f.expires.map_or_else(String::new, |d| d.to_string())
                    )
                })
                .collect();
            if !expired.is_empty() {
                anyhow::bail!("{}", expired.join("\n"));
            }
            println!(
                "{}: {} articles in {} categories, no problems",
                settings.corpus.display(),
                corpus.articles.len(),
                corpus.categories.len()
            );
        }
        Command::Index { force } => {
            let corpus = load(&settings.corpus)?;
            let started = Instant::now();
            let freshness = if force {
                let analyzer = crate::text::Analyzer::from_corpus(&corpus)?;
                ArticleIndex::build(
                    &corpus,
                    analyzer,
                    &settings.data_dir,
                    progress_bar("indexing", "articles"),
                )?;
                Freshness::Built
            } else {
                ArticleIndex::open_or_build(&corpus, &settings.data_dir, progress_bar("indexing", "articles"))?.1
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
                settings.data_dir.join("index").display()
            );
        }
        Command::Ask {
            ref questions,
            top,
            json,
        } => {
            let started = Instant::now();
            let engine = open_engine(&settings)?;
            let loaded = started.elapsed();
            let searched = Instant::now();
            let public_url = settings.public_url.clone().unwrap_or_default();
            let policy = Policy::new(&engine, &public_url);
            let mut conversation = Conversation::default();
            let mut shown = Vec::new();
            for question in questions {
                let outcome = policy.turn(
                    &conversation,
                    UserMessage {
                        text: question,
                        locale: None,
                        picked: None,
                    },
                )?;
                // The ranking behind the reply, as the engine saw it (none for
                // small talk, picks and chips).
                let ranked_text = outcome.ranked.clone().unwrap_or_else(|| question.clone());
                let reply = engine.answerer().reply(&ranked_text, top)?;
                let ranked = match &outcome.ranked {
                    Some(text) => engine.answerer().ranker().details(text, reply.candidates.clone())?,
                    None => Vec::new(),
                };
                let bot = outcome.reply.clone();
                if json {
                    let mut turn = serde_json::to_value(&reply)?;
                    turn["candidates"] = serde_json::to_value(&ranked)?;
                    turn["reply"] = serde_json::to_value(&bot)?;
                    turn["text"] = serde_json::Value::String(outcome.text.clone());
                    if let Some(b) = &bot {
                        turn["decision"] = serde_json::to_value(b.decision)?;
                        turn["confidence"] = serde_json::to_value(b.confidence)?;
                    }
                    shown.push(turn);
                } else {
                    if questions.len() > 1 {
                        println!("> {question}");
                    }
                    print_turn(bot.as_ref(), &outcome.text, &ranked);
                }
                conversation.last = bot;
                if matches!(outcome.ticket, TicketChange::Open { .. }) {
                    conversation.ticket = TicketState::Waiting;
                } else if outcome.ticket == TicketChange::Cancel {
                    conversation.ticket = TicketState::None;
                }
            }
            if json {
                let out = if shown.len() == 1 {
                    shown.remove(0)
                } else {
                    serde_json::Value::Array(shown)
                };
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            eprintln!("(loaded in {loaded:.1?}, answered in {:.1?})", searched.elapsed());
        }
        Command::Eval(ref args) => eval::run(&settings, args)?,
        Command::Gaps(ref args) => gaps::run(&settings, args)?,
    }
    Ok(())
}

fn load(corpus: &Path) -> anyhow::Result<Corpus> {
    Corpus::load(corpus).with_context(|| format!("cannot load the corpus in {}", corpus.display()))
}

/// One turn of `kefu ask`: the decision, the reply and the ranking.
fn print_turn(bot: Option<&BotReply>, text: &str, ranked: &[Ranked]) {
    let Some(bot) = bot else {
        println!("decision: (an agent owns the conversation)");
        return;
    };
    let why = bot
        .handoff_reason
        .map(HandoffReason::as_str)
        .or(bot.small_talk.map(|i| i.as_str()))
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    println!(
        "decision: {}{why}, confidence {:.2}",
        bot.decision.as_str(),
        bot.confidence
    );
    if !ranked.is_empty() {
        println!(
            " #  {:>6} {:>6} {:>6}  {:<28} title",
            "fused", "bm25", "embed", "article"
        );
    }
    for (i, r) in ranked.iter().enumerate() {
        let s = &r.scores;
        println!(
            "{:>2}. {:>6.2} {:>6.2} {:>6.3}  {:<28} {}",
            i + 1,
            s.fused,
            s.bm25,
            s.similarity,
            s.article_id,
            r.candidate.title
        );
        println!(
            "             {}",
            r.candidate.snippet.marked("【", "】").replace('\n', " ")
        );
    }
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        println!("  │ {line}");
    }
}

/// Loads the corpus, index, model and vectors, with progress bars.
fn open_engine(settings: &Settings) -> anyhow::Result<Engine> {
    Ok(Engine::open(
        settings,
        Box::new(progress_bar("indexing", "articles")),
        Box::new(progress_bar("embedding", "texts")),
    )?)
}

fn serve(mut settings: Settings, address: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    init_logging(&settings.log);
    if let Some(address) = address {
        settings.address = address;
    }
    if settings.agents.is_empty() {
        let token = new_token(32).ok_or_else(|| anyhow::anyhow!("no randomness available for a token"))?;
        settings.agents.push(AgentAccount {
            name: "admin".into(),
            role: Role::Admin,
            token_sha256: token_hash(&token),
        });
        eprintln!("no agents configured: a temporary admin token for this run is {token}");
        eprintln!("(make lasting ones with `kefu token --name NAME --role agent` and list them in kefu.yaml)");
    }
    // The first start indexes and embeds the whole corpus (seconds to over a
    // minute): say so, on the terminal and in the log, so it is not taken
    // for a hang.
    tracing::info!(corpus = %settings.corpus.display(), "loading the help center");
    let started = std::time::Instant::now();
    let engine = Arc::new(Engine::open(
        &settings,
        Box::new(logged_progress("indexing", "articles")),
        Box::new(logged_progress("embedding", "texts")),
    )?);
    tracing::info!(
        articles = engine.corpus().articles.len(),
        seconds = format!("{:.1}", started.elapsed().as_secs_f32()),
        "help center ready"
    );
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let app = Application::build(settings, engine).await?;
        let address = app.address()?;
        eprintln!("kefu is serving on http://{address} (Ctrl-C to stop)");
        eprintln!("  chat demo      http://{address}/");
        eprintln!("  help center    http://{address}/help");
        eprintln!("  agent console  http://{address}/agent");
        app.run_until(shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// [`progress_bar`] on a terminal, and a log line when the work starts, at
/// each quarter and at its end, for logs that are not a terminal.
fn logged_progress(verb: &'static str, unit: &'static str) -> impl FnMut(usize, usize) {
    let mut bar = progress_bar(verb, unit);
    let mut logged = None;
    move |done, total| {
        bar(done, total);
        let quarter = (done * 4).checked_div(total).unwrap_or(4);
        if logged != Some(quarter) && (done == 1 || quarter > logged.unwrap_or(0)) {
            logged = Some(quarter);
            tracing::info!("{verb} {done} of {total} {unit}");
        }
    }
}

fn progress_bar(verb: &'static str, unit: &'static str) -> impl FnMut(usize, usize) {
    let bar = ProgressBar::hidden();
    move |done, total| {
        if bar.is_hidden() && done == 1 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template(&format!("{verb} {{bar:30}} {{pos}}/{{len}} {unit}"))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    }
}
