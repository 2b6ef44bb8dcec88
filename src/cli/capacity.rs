//! `groupcheck capacity`: latency against group size at a fixed arrival rate; a table and an
//! SVG chart per operation, with the knee marked; `--threshold`s judged at every size and
//! `--fail-on-knee` (exit 4).

use super::error::{Error, Result};
use super::load::{check_common, finish, load_scenarios, prepare};
use super::target::TargetArgs;
use crate::exit::Outcome;
use crate::load::RunInfo;
use crate::load::capacity::{self, CapacitySpec};
use crate::load::flow::CAPACITY_DEFAULTS;
use crate::load::threshold;
use crate::report::capacity as capacity_report;
use crate::units::{fmt_duration, parse_duration};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "See docs/load.md. Exit codes: 0 done, 2 usage or flow-file error, 3 \
target unreachable or run aborted (what was measured is still reported), 4 a threshold breached \
at some size, or a knee under --fail-on-knee."
)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Group sizes to sweep, comma-separated (each at most 1,000,000).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "100,1000,10000,100000,1000000"
    )]
    pub sizes: Vec<usize>,
    /// Flow files or directories (default: scenarios/load/capacity.yaml).
    #[arg(long = "flow", num_args = 1.., value_name = "SCENARIO")]
    pub flows: Vec<PathBuf>,
    /// Requests started per second at every size (open model).
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// How long to run at each size.
    #[arg(long, default_value = "6s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Groups built per flow at each size.
    #[arg(long, default_value_t = 1)]
    pub groups: usize,
    /// Requests in flight at most; an arrival finding them all busy is dropped.
    #[arg(long)]
    pub max_in_flight: Option<usize>,
    /// Fraction of answers judged by schema, expectations and invariants.
    #[arg(long, default_value_t = 1.0)]
    pub validate_sample: f64,
    /// A threshold judged at every size, repeatable, as `load`'s: "members p99<300ms",
    /// "update p99<100ms", "errors<1%". A breach exits 4; the report gives, for each, the
    /// largest size that meets it and the first that breaks it.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Exit 4 when an operation has a knee.
    #[arg(long)]
    pub fail_on_knee: bool,
    /// Run the flows' operations together at each size, as a client's mix would, instead of
    /// one operation at a time (then one operation's cost shows in the others' latency).
    #[arg(long)]
    pub mixed: bool,
    /// Where the reports go (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: CapacityArgs) -> Result<Outcome> {
    check_common(None, args.validate_sample, Some(args.groups))?;
    if args.sizes.is_empty() || args.sizes.iter().any(|s| !(1..=1_000_000).contains(s)) {
        return Err(Error::Usage(
            "--sizes must list sizes from 1 to 1,000,000".into(),
        ));
    }
    if !(args.rate.is_finite() && args.rate > 0.0) {
        return Err(Error::Usage(
            "--rate must be a positive number of requests per second".into(),
        ));
    }
    if args.duration.is_zero() {
        return Err(Error::Usage("--duration must be positive".into()));
    }
    let thresholds = threshold::parse_all(&args.thresholds)?;
    let flows = load_scenarios(&args.flows, &CAPACITY_DEFAULTS)?;
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(async move {
        let p = prepare(&args.target, &args.report_dir).await?;
        let spec = CapacitySpec {
            sizes: args.sizes.clone(),
            rate: args.rate,
            duration: args.duration,
            flows,
            groups: args.groups,
            sessions: args.max_in_flight,
            validate_sample: args.validate_sample,
            timeout: Duration::from_secs_f64(args.target.timeout.max(0.001)),
            body_cap: args.target.body_cap_mib.max(1) * 1024 * 1024,
            progress: !args.quiet,
            thresholds,
            fail_on_knee: args.fail_on_knee,
            mixed: args.mixed,
        };
        eprintln!(
            "groupcheck capacity: {} requests/s for {} at each of {} sizes against {}",
            args.rate,
            fmt_duration(args.duration),
            args.sizes.len(),
            p.resolved.label
        );
        let info = RunInfo {
            run_id: p.run_id.clone(),
            target: p.resolved.label.clone(),
            group_size: None,
            with_emulator: p.resolved.emulator.is_some(),
        };
        let summary = capacity::sweep(
            &spec,
            &info,
            p.client.clone(),
            Some(p.ledger.clone()),
            p.cancel.clone(),
        )
        .await;
        print!("{}", capacity_report::console(&summary));
        finish(
            "capacity",
            &p.dir,
            capacity_report::write_all(&summary, &p.dir),
            true,
        );
        if let Some(emulator) = p.resolved.emulator {
            let _ = emulator.stop().await;
        }
        Ok(summary.outcome())
    })
}
