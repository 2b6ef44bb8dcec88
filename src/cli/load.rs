//! `groupcheck load`: flows (scenario files) under load, closed (`--users`, through goose) or
//! open (`--rate`), with sampled validation, HDR latency per operation and group-size bucket,
//! thresholds (exit 4), shards, a live progress bar and a clean-up of every group created.

use super::error::{Error, Result};
use super::target::{Resolved, TargetArgs};
use crate::client::ledger::Ledger;
use crate::client::{Client, ClientConfig};
use crate::exit::{self, Outcome};
use crate::load::flow::{self, Flow, LOAD_DEFAULTS};
use crate::load::shard::Shard;
use crate::load::threshold::{self, Threshold};
use crate::load::{LoadError, LoadSummary};
use crate::load::{LoadSpec, Mode, RunInfo, run};
use crate::report::load as report;
use crate::scenario::Scenario;
use crate::units::parse_duration;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Users when neither `--users` nor `--rate` is given.
const DEFAULT_USERS: usize = 10;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Flows are scenario files (docs/scenarios.md); see docs/load.md.\n\
Exit codes: 0 passed, 2 usage or flow-file error, 3 target unreachable or run aborted (the \
report is still written and the run's groups deleted), 4 a threshold breached."
)]
pub struct LoadArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Flow files or directories (default: load/lifecycle.yaml and load/large-group.yaml of the
    /// suite: ./scenarios when it is a groupcheck suite, else the copy built into groupcheck).
    #[arg(long = "flow", num_args = 1.., value_name = "SCENARIO")]
    pub flows: Vec<PathBuf>,
    /// Closed model: this many simulated clients, each sending its flow's requests one after
    /// another, over and over, the next as soon as the last is answered (default 10).
    #[arg(long, conflicts_with = "rate")]
    pub users: Option<usize>,
    /// Open model: requests started per second on a fixed schedule; latency is measured from
    /// each request's intended start.
    #[arg(long)]
    pub rate: Option<f64>,
    /// How long to run: 10s, 1m30s, 500ms.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Members of the groups the flows' setup builds (their `group_size`), up to 1,000,000.
    #[arg(long)]
    pub group_size: Option<usize>,
    /// Groups built per flow (default: one per session, at most 32 and 2,000,000 members).
    #[arg(long)]
    pub groups: Option<usize>,
    /// Open model: requests in flight at most; an arrival finding them all busy is dropped
    /// (default: a second's worth of arrivals, 16 to 1,024).
    #[arg(long)]
    pub max_in_flight: Option<usize>,
    /// Fraction of answers judged by schema, expectations and invariants (1.0: all, 0: none).
    #[arg(long, default_value_t = 1.0)]
    pub validate_sample: f64,
    /// A pass/fail threshold, repeatable: "update p99<200ms", "errors<0.1%", "violations==0".
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Run shard i of n (0-based, e.g. $JOB_COMPLETION_INDEX/4): its share of the users or rate,
    /// a name space of its own; combine the shards' report dirs with `groupcheck merge`.
    #[arg(long, env = "GROUPCHECK_SHARD")]
    pub shard: Option<Shard>,
    /// Where the reports go (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: LoadArgs) -> Result<Outcome> {
    let thresholds = threshold::parse_all(&args.thresholds)?;
    check_args(&args)?;
    let flows = load_flows(&args.flows, &LOAD_DEFAULTS, args.group_size)?;
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(run_async(args, flows, thresholds))
}

/// How a load run (or a merge of shards) ended: aborted, thresholds breached, or passed.
pub(super) fn outcome_of(summary: &LoadSummary) -> Outcome {
    if summary.aborted.is_some() {
        Outcome::Aborted
    } else if summary.thresholds.iter().any(|t| !t.passed) {
        Outcome::ThresholdsBreached
    } else {
        Outcome::Passed
    }
}

fn check_args(args: &LoadArgs) -> Result<()> {
    if args.users == Some(0) {
        return Err(Error::Usage("--users must be at least 1".into()));
    }
    if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err(Error::Usage(
            "--rate must be a positive number of requests per second".into(),
        ));
    }
    if args.duration.is_zero() {
        return Err(Error::Usage("--duration must be positive".into()));
    }
    check_common(args.group_size, args.validate_sample, args.groups)
}

/// Checks `load` and `capacity` share.
pub(super) fn check_common(
    group_size: Option<usize>,
    sample: f64,
    groups: Option<usize>,
) -> Result<()> {
    if group_size.is_some_and(|n| !(1..=1_000_000).contains(&n)) {
        return Err(Error::Usage("--group-size must be 1 to 1,000,000".into()));
    }
    if !(0.0..=1.0).contains(&sample) {
        return Err(Error::Usage(
            "--validate-sample must be between 0 and 1".into(),
        ));
    }
    if groups == Some(0) {
        return Err(Error::Usage("--groups must be at least 1".into()));
    }
    Ok(())
}

/// Load flow files (or the defaults) as flows.
pub(super) fn load_flows(
    paths: &[PathBuf],
    defaults: &[&str],
    group_size: Option<usize>,
) -> Result<Vec<Flow>> {
    let scenarios = load_scenarios(paths, defaults)?;
    let flows: std::result::Result<Vec<Flow>, LoadError> = scenarios
        .into_iter()
        .map(|s| Flow::from_scenario(s, group_size))
        .collect();
    Ok(flows?)
}

pub(super) fn load_scenarios(paths: &[PathBuf], defaults: &[&str]) -> Result<Vec<Scenario>> {
    // Printed after "groupcheck load:", as before: a flow file is the command's input.
    let scenarios = flow::load(paths, defaults).map_err(|e| Error::Usage(e.to_string()))?;
    if scenarios.is_empty() {
        return Err(Error::Usage(format!("no flow file in {paths:?}")));
    }
    Ok(scenarios)
}

/// What `load` and `capacity` set up before running: the target, reachable; a client that does
/// not retry 429s (under load they are errors to count); the report dir and its ledger; Ctrl-C.
pub(super) struct Prepared {
    pub resolved: Resolved,
    pub client: Client,
    pub dir: PathBuf,
    pub run_id: String,
    pub ledger: Arc<Ledger>,
    pub cancel: Arc<AtomicBool>,
}

pub(super) async fn prepare(target: &TargetArgs, report_dir: &Option<PathBuf>) -> Result<Prepared> {
    let resolved = target.resolve().await?;
    let config = ClientConfig {
        timeout: Duration::from_secs_f64(target.timeout.max(0.001)),
        connect_timeout: Duration::from_secs_f64(target.connect_timeout.max(0.001)),
        body_cap: target.body_cap_mib.max(1) * 1024 * 1024,
        retries_on_429: 0,
        ..ClientConfig::default()
    };
    let client = Client::new(resolved.client.target().clone(), config)?;
    super::target::probe(&client, &resolved.label).await?;
    let run_id = crate::report::run_id();
    let dir = report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let ledger = Ledger::create(&dir.join("ledger.jsonl"))
        .map_err(|e| Error::io(format!("cannot write the ledger in {}", dir.display()), e))?;
    let cancel = super::signal::cancel_on_ctrl_c(Some(
        "interrupted: stopping, writing the report and deleting this run's groups…",
    ));
    Ok(Prepared {
        resolved,
        client,
        dir,
        run_id,
        ledger: Arc::new(ledger),
        cancel,
    })
}

async fn run_async(
    args: LoadArgs,
    flows: Vec<Flow>,
    thresholds: Vec<Threshold>,
) -> Result<Outcome> {
    let p = prepare(&args.target, &args.report_dir).await?;
    let mode = match (args.users, args.rate) {
        (_, Some(rate)) => Mode::Open {
            rate,
            sessions: args.max_in_flight,
        },
        (users, None) => Mode::Closed {
            users: users.unwrap_or(DEFAULT_USERS),
        },
    };
    let spec = LoadSpec {
        flows,
        mode,
        duration: args.duration,
        groups: args.groups,
        validate_sample: args.validate_sample,
        shard: args.shard.unwrap_or(Shard::WHOLE),
        timeout: Duration::from_secs_f64(args.target.timeout.max(0.001)),
        body_cap: args.target.body_cap_mib.max(1) * 1024 * 1024,
        progress: !args.quiet,
        label: String::new(),
    };
    let info = RunInfo {
        run_id: p.run_id.clone(),
        target: p.resolved.label.clone(),
        group_size: args.group_size,
        with_emulator: p.resolved.emulator.is_some(),
    };
    let names: Vec<String> = spec.flows.iter().map(Flow::short_name).collect();
    eprintln!(
        "groupcheck load: {} against {} for {}; flows: {}",
        match mode {
            Mode::Closed { users } => format!("{users} users (closed model, goose)"),
            Mode::Open { rate, .. } => format!("{rate} requests/s (open model)"),
        },
        p.resolved.label,
        crate::units::fmt_duration(args.duration),
        names.join(", ")
    );
    let mut summary = run::run(
        &spec,
        &info,
        p.client.clone(),
        Some(p.ledger.clone()),
        p.cancel.clone(),
    )
    .await;
    summary.thresholds = threshold::evaluate_all(&thresholds, &summary);
    let breached: Vec<_> = summary.thresholds.iter().filter(|t| !t.passed).collect();
    let outcome = outcome_of(&summary);
    summary.exit_code = exit::code(Ok(outcome));
    print!("{}", report::console::render(&summary));
    for t in &breached {
        eprintln!(
            "threshold breached: \"{}\": observed {}, allowed {}",
            t.threshold, t.observed, t.allowed
        );
    }
    finish("load", &p.dir, report::write_all(&summary, &p.dir), true);
    if let Some(emulator) = p.resolved.emulator {
        let _ = emulator.stop().await;
    }
    Ok(outcome)
}

/// Say where the reports went (or why they did not).
pub(super) fn finish(
    command: &str,
    dir: &std::path::Path,
    written: std::io::Result<Vec<PathBuf>>,
    ledger: bool,
) {
    match written {
        Ok(files) => {
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let ledger = if ledger { ", ledger.jsonl" } else { "" };
            eprintln!("reports: {}/ ({}{ledger})", dir.display(), names.join(", "));
        }
        Err(e) => eprintln!(
            "groupcheck {command}: cannot write the reports in {}: {e}",
            dir.display()
        ),
    }
}
