//! `groupcheck explore`: model-based random sequences, shrunk to a replayable scenario on failure.

use super::error::{Error, Result};
use super::target::TargetArgs;
use crate::check::RunContext;
use crate::check::outcome::Profile;
use crate::client::ledger::Ledger;
use crate::exit::Outcome;
use crate::explore::{ExploreConfig, explore};
use crate::report;
use console::Style;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the random sequences (default: random, printed). The same seed gives the same run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sequences to try.
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// Operations per sequence.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// default: only must rules fail, should rules warn; strict: should rules fail too.
    #[arg(long, value_enum, default_value_t = Profile::Default)]
    pub profile: Profile,
    /// Skip the concurrent-updates check.
    #[arg(long)]
    pub no_concurrency: bool,
    /// Where the reproducer and the ledger go (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
}

pub fn run(args: ExploreArgs) -> Result<Outcome> {
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: ExploreArgs) -> Result<Outcome> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled_stderr(false);
    }
    let resolved = args.target.resolve().await?;
    super::target::preflight(&resolved.client, &resolved.label).await?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(report::run_id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let ledger = Ledger::create(&dir.join("ledger.jsonl")).ok().map(Arc::new);
    let cancel = super::signal::cancel_on_ctrl_c(None);
    let ctx = RunContext {
        client: resolved.client.clone(),
        ledger,
        profile: args.profile,
        run_tag: report::run_tag(),
        cancel,
    };
    let config = ExploreConfig {
        seed,
        runs: args.runs,
        steps: args.steps,
        concurrency: !args.no_concurrency,
        ..ExploreConfig::default()
    };
    eprintln!(
        "{} {} sequences of {} operations against {}, seed {seed}",
        Style::new().bold().apply_to("groupcheck explore:"),
        config.runs,
        config.steps,
        resolved.label
    );
    let started = std::time::Instant::now();
    let outcome = explore(&ctx, &config, &dir, &|_| {}).await;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(emulator) = resolved.emulator {
        let _ = emulator.stop().await;
    }
    if let Some(found) = &outcome.found {
        print_warnings(&outcome.warnings);
        let file = dir.join(format!("explore-{seed}-{}.yaml", found.run));
        if let Err(e) = std::fs::write(&file, &found.file_text) {
            eprintln!("groupcheck explore: cannot write {}: {e}", file.display());
        }
        eprintln!(
            "\n{} {} in sequence {} of seed {seed}: {} operations shrunk to {} ({} replays)",
            Style::new().red().bold().apply_to("FOUND"),
            Style::new().bold().apply_to(&found.rule),
            found.run + 1,
            found.original_steps,
            found.actions.len(),
            found.trials
        );
        for f in &found.replay.findings {
            eprintln!("\n{}", report::console::render_finding(&found.replay, f));
        }
        eprintln!(
            "\nreproducer: {}\n  replay: groupcheck check {}",
            file.display(),
            file.display()
        );
        return Ok(Outcome::Failed);
    }
    if let Some(lost) = &outcome.concurrency {
        eprintln!(
            "\n{} {}: {}",
            Style::new().red().bold().apply_to("FOUND"),
            lost.rule,
            lost.message
        );
        for line in lost.diff.lines() {
            eprintln!("    {line}");
        }
        return Ok(Outcome::Failed);
    }
    print_warnings(&outcome.warnings);
    if ctx.cancelled() {
        eprintln!("interrupted after {} sequences", outcome.runs);
        return Ok(Outcome::Aborted);
    }
    eprintln!(
        "{}: {} sequences, {} requests, concurrency {} in {elapsed:.2} s; nothing found (seed {seed})",
        Style::new().green().bold().apply_to("PASSED"),
        outcome.runs,
        outcome.requests,
        if config.concurrency {
            "checked"
        } else {
            "skipped"
        }
    );
    Ok(Outcome::Passed)
}

/// The should rules broken along the way (warnings under the default profile).
fn print_warnings(warnings: &std::collections::BTreeMap<String, usize>) {
    if warnings.is_empty() {
        return;
    }
    eprintln!(
        "{} should rules broken (they fail under --profile strict):",
        Style::new().yellow().bold().apply_to("WARNING")
    );
    for (rule, runs) in warnings {
        eprintln!("  {rule}: in {runs} sequences");
    }
}
