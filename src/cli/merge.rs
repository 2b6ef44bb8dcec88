//! `groupcheck merge DIR...`: combine the report dirs of a sharded load run into one report,
//! exactly (HDR histograms add), and judge the thresholds on the whole.

use super::error::{Error, Result};
use crate::exit::{self, Outcome};
use crate::load::measure::summary::{LoadSummary, from_json};
use crate::load::merge::merge;
use crate::load::threshold;
use crate::report::load as report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 merged, 2 a directory without a load summary.json or \
a shard given twice, 3 a shard was aborted, 4 a threshold breached on the merged run."
)]
pub struct MergeArgs {
    /// Report directories of `load --shard i/n` runs (each holding summary.json).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Thresholds to judge on the merged run (default: those the shards were given).
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Where the merged reports go (default: reports/<run id>-merged/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
}

pub fn run(args: MergeArgs) -> Result<Outcome> {
    let mut summaries: Vec<LoadSummary> = Vec::new();
    for dir in &args.dirs {
        let path = if dir.is_dir() {
            dir.join("summary.json")
        } else {
            dir.clone()
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
        let summary =
            from_json(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        summaries.push(summary);
    }
    let texts = if args.thresholds.is_empty() {
        let mut all: Vec<String> = summaries
            .iter()
            .flat_map(|s| s.thresholds.iter().map(|t| t.threshold.clone()))
            .collect();
        all.sort();
        all.dedup();
        all
    } else {
        args.thresholds.clone()
    };
    let thresholds = threshold::parse_all(&texts)?;
    let run_id = format!("{}-merged", crate::report::run_id());
    let (mut merged, warnings) = merge(&summaries, run_id.clone())?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    merged.thresholds = threshold::evaluate_all(&thresholds, &merged);
    let breached: Vec<_> = merged.thresholds.iter().filter(|t| !t.passed).collect();
    let outcome = super::load::outcome_of(&merged);
    merged.exit_code = exit::code(Ok(outcome));
    eprintln!(
        "groupcheck merge: {} shard summaries, {}",
        summaries.len(),
        report::table::describe(&merged)
    );
    print!("{}", report::console::render(&merged));
    for t in &breached {
        eprintln!(
            "threshold breached: \"{}\": observed {}, allowed {}",
            t.threshold, t.observed, t.allowed
        );
    }
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    super::load::finish("merge", &dir, report::write_all(&merged, &dir), false);
    Ok(outcome)
}
