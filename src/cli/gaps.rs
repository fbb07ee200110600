//! `kefu gaps`: the knowledge gaps of a recent period, read from the desk's
//! database, printed for people or as JSON, optionally as draft articles.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Settings;
use crate::domain::{now_millis, ArticleId};
use crate::insights::gaps::{draft_article, draft_category, find_gaps, Gap, GapOptions, Suggestion};
use crate::insights::Period;
use crate::store::Store;

/// `kefu gaps` flags.
#[derive(Debug, clap::Args)]
pub struct GapsArgs {
    /// How far back: `7d`, `24h`, `30d`.
    #[arg(long, default_value = "7d")]
    pub since: String,
    /// Leave out groups asked fewer times (1 keeps single questions).
    #[arg(long, default_value_t = 2)]
    pub min_asked: u64,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
    /// Write one draft article per gap into this folder.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
}

/// Runs `kefu gaps`.
pub fn run(settings: &Settings, args: &GapsArgs) -> anyhow::Result<()> {
    let period = Period::last(&args.since, now_millis()).context("--since")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let questions = runtime.block_on(async {
        let store = Store::connect(&settings.database_url())
            .await
            .context("cannot open the database")?;
        anyhow::Ok(store.gap_questions(period.from, period.to).await?)
    })?;
    let engine = super::open_engine(settings)?;
    let options = GapOptions {
        min_asked: args.min_asked.max(1),
        ..GapOptions::default()
    };
    let gaps = find_gaps(&engine, period, &questions, options)?;
    if let Some(dir) = &args.export {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for gap in &gaps {
            let path = dir.join(format!("draft-{}.md", gap.id));
            std::fs::write(&path, draft_article(gap, &draft_category(&engine, gap)))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&gaps)?);
    } else {
        print_gaps(period, questions.len(), &gaps, args.export.as_deref());
    }
    Ok(())
}

fn print_gaps(period: Period, unanswered: usize, gaps: &[Gap], export: Option<&Path>) {
    println!(
        "{period}: {unanswered} handed-off or unhelpful answers, {} gaps",
        gaps.len()
    );
    for (i, g) in gaps.iter().enumerate() {
        let todo = match g.suggestion {
            Suggestion::WriteArticle => "write an article".to_string(),
            Suggestion::AddQuestions => format!(
                "add these questions to {}",
                g.nearest_article
                    .as_ref()
                    .map_or("the nearest article", ArticleId::as_str)
            ),
        };
        println!(
            "\n{:>2}. [{}] asked {} times ({} distinct), last {}: {todo}",
            i + 1,
            g.id,
            g.asked,
            g.distinct,
            g.last_asked
        );
        if let Some(a) = &g.nearest_article {
            println!(
                "    nearest: {a} \"{}\" (bot's confidence {:.2})",
                g.nearest_title.as_deref().unwrap_or(""),
                g.nearest_confidence
            );
        }
        for q in &g.questions {
            println!("    {:>3}× {}", q.count, q.text);
        }
    }
    if let Some(dir) = export {
        println!("\ndrafts written to {} (draft-<id>.md)", dir.display());
    }
}
