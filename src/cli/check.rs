//! `groupcheck check`: the conformance gate.

use super::target::TargetArgs;
use crate::check::outcome::Profile;
use crate::check::{self, RunContext, RunOptions};
use crate::client::HttpRequest;
use crate::client::ledger::Ledger;
use crate::exit;
use crate::report;
use crate::scenario::{self, Auth};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files or directories (default: scenarios/).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Only scenarios whose name, file or rule ids contain this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// default: `should` rules warn; strict: they fail.
    #[arg(long, value_enum, default_value_t = Profile::Default)]
    pub profile: Profile,
    /// Where the reports go (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 8)]
    pub jobs: usize,
    /// Print only failures and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// The --target is groupcheck's emulator (`groupcheck serve`): run the scenarios that need it
    /// (simulated inbound SMS). Without it they run only against the embedded emulator and are
    /// reported skipped against a --target.
    #[arg(long)]
    pub target_is_emulator: bool,
}

pub fn run(args: CheckArgs) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let mut scenarios = match scenario::load_all(&paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    if let Some(filter) = &args.filter {
        scenarios.retain(|s| {
            s.name.contains(filter.as_str())
                || s.file.display().to_string().contains(filter.as_str())
                || s.rules.iter().any(|r| r.contains(filter.as_str()))
        });
    }
    if scenarios.is_empty() {
        eprintln!("groupcheck check: no scenario to run in {paths:?}");
        return exit::USAGE;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("groupcheck check: cannot start the runtime: {e}");
            return exit::UNREACHABLE;
        }
    };
    runtime.block_on(run_async(args, scenarios))
}

async fn run_async(args: CheckArgs, scenarios: Vec<scenario::Scenario>) -> u8 {
    let resolved = match args.target.resolve().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("groupcheck check: {e}");
            return exit::USAGE;
        }
    };
    // Reachability first: a target that does not answer at all is exit 3, not 40 failures.
    let probe = HttpRequest {
        method: "GET".into(),
        path: "/groups".into(),
        query: vec![("page_size".into(), "1".into())],
        auth: Auth::Token,
        ..HttpRequest::default()
    };
    if let Err(e) = resolved.client.send(&probe).await {
        eprintln!(
            "groupcheck check: target {} is unreachable: {e}",
            resolved.label
        );
        return exit::UNREACHABLE;
    }
    let run_id = report::run_id();
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("groupcheck check: cannot create {}: {e}", dir.display());
        return exit::USAGE;
    }
    let ledger = match Ledger::create(&dir.join("ledger.jsonl")) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!(
                "groupcheck check: cannot write the ledger in {}: {e}",
                dir.display()
            );
            return exit::USAGE;
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::SeqCst);
            eprintln!(
                "\ninterrupted: finishing in-flight requests and deleting this run's groups…"
            );
        }
    });
    let ctx = Arc::new(RunContext {
        client: resolved.client.clone(),
        ledger: Some(ledger),
        profile: args.profile,
        run_tag: report::run_tag(),
        cancel,
    });
    let console = report::console::Console::new(args.quiet);
    console.header(&resolved.label, scenarios.len(), args.profile);
    let outcome = check::run(
        ctx,
        scenarios,
        RunOptions {
            run_id,
            target_label: resolved.label.clone(),
            jobs: args.jobs,
            emulator: resolved.emulator.is_some() || args.target_is_emulator,
        },
        &|event| console.event(event),
    )
    .await;
    console.finish(&outcome);
    match report::write_all(&outcome, &dir) {
        Ok(files) => console.reports(&dir, &files),
        Err(e) => eprintln!(
            "groupcheck check: cannot write the reports in {}: {e}",
            dir.display()
        ),
    }
    if let Some(emulator) = resolved.emulator {
        let _ = emulator.stop().await;
    }
    outcome.exit_code()
}
