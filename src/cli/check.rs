//! `groupcheck check`: the conformance gate.

use super::error::{Error, Result};
use super::target::TargetArgs;
use crate::check::outcome::Profile;
use crate::check::{self, RunContext, RunOptions};
use crate::client::ledger::Ledger;
use crate::exit::Outcome;
use crate::report;
use crate::scenario;
use crate::scenario::suite::{self, Suite};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files or directories (default: ./scenarios when it is a groupcheck suite, else
    /// the suite built into groupcheck; `groupcheck scenarios export DIR` writes that one out).
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

pub fn run(args: CheckArgs) -> Result<Outcome> {
    let (mut scenarios, suite) = if args.paths.is_empty() {
        let suite = Suite::detect();
        (suite.load(None)?, Some(suite))
    } else {
        (suite::named(&args.paths)?, None)
    };
    if let Some(filter) = &args.filter {
        scenarios.retain(|s| {
            s.name.contains(filter.as_str())
                || s.file.display().to_string().contains(filter.as_str())
                || s.rules.iter().any(|r| r.contains(filter.as_str()))
        });
    }
    if scenarios.is_empty() {
        return Err(Error::Usage(match (&args.filter, &suite) {
            (Some(filter), _) => format!("no scenario matches --filter {filter:?}"),
            (None, Some(Suite::Local)) => "no scenario to run in ./scenarios".to_owned(),
            (None, _) => format!("no scenario to run in {:?}", args.paths),
        }));
    }
    // Printed once the preflight passed: a refused token is one line.
    let suite_line = suite.map(|s| s.describe(scenarios.len()));
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(run_async(args, scenarios, suite_line))
}

async fn run_async(
    args: CheckArgs,
    scenarios: Vec<scenario::Scenario>,
    suite_line: Option<String>,
) -> Result<Outcome> {
    let resolved = args.target.resolve().await?;
    // One authenticated request first: a target that does not answer, or refuses the token, plan
    // or URL, is one line and exit 3, not 60 failures.
    super::target::preflight(&resolved.client, &resolved.label).await?;
    if let Some(line) = suite_line.filter(|_| !args.quiet) {
        eprintln!("{line}");
    }
    let run_id = report::run_id();
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let ledger = Ledger::create(&dir.join("ledger.jsonl"))
        .map_err(|e| Error::io(format!("cannot write the ledger in {}", dir.display()), e))?;
    let ledger = Arc::new(ledger);
    let cancel = super::signal::cancel_on_ctrl_c(Some(
        "interrupted: finishing in-flight requests and deleting this run's groups…",
    ));
    let ctx = Arc::new(RunContext {
        client: resolved.client.clone(),
        ledger: Some(ledger),
        profile: args.profile,
        run_tag: report::run_tag(),
        cancel,
    });
    let console = report::console::Console::new(args.quiet);
    console.header(&resolved.label, scenarios.len(), args.profile);
    let mut outcome = check::run(
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
    if let Err(e) = report::bodies::externalise(&mut outcome, &dir) {
        eprintln!(
            "groupcheck check: cannot write request bodies in {}: {e}",
            dir.display()
        );
    }
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
    Ok(outcome.outcome())
}
