//! `groupcheck explore`: model-based random sequences, shrunk to a replayable scenario on failure.

use super::target::TargetArgs;
use crate::check::RunContext;
use crate::check::outcome::Profile;
use crate::client::ledger::Ledger;
use crate::exit;
use crate::explore::{ExploreConfig, explore};
use crate::report;
use console::Style;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

pub fn run(args: ExploreArgs) -> u8 {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(run_async(args)),
        Err(e) => {
            eprintln!("groupcheck explore: {e}");
            exit::UNREACHABLE
        }
    }
}

async fn run_async(args: ExploreArgs) -> u8 {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled_stderr(false);
    }
    let resolved = match args.target.resolve().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("groupcheck explore: {e}");
            return exit::USAGE;
        }
    };
    if let Err(e) = resolved
        .client
        .send(&crate::client::HttpRequest {
            method: "GET".into(),
            path: "/groups".into(),
            auth: crate::scenario::Auth::Token,
            ..Default::default()
        })
        .await
    {
        eprintln!(
            "groupcheck explore: target {} is unreachable: {e}",
            resolved.label
        );
        return exit::UNREACHABLE;
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(report::run_id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("groupcheck explore: cannot create {}: {e}", dir.display());
        return exit::USAGE;
    }
    let ledger = Ledger::create(&dir.join("ledger.jsonl")).ok().map(Arc::new);
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::SeqCst);
        }
    });
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
        return exit::FAILURES;
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
        return exit::FAILURES;
    }
    print_warnings(&outcome.warnings);
    if ctx.cancelled() {
        eprintln!("interrupted after {} sequences", outcome.runs);
        return exit::UNREACHABLE;
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
    exit::OK
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
