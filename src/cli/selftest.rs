//! `groupcheck selftest`: every built-in emulator fault against the detectors, the correct
//! emulator against them too, and the detection matrix (docs/selftest.md).

use super::error::{Error, Result};
use crate::emulator::Fault;
use crate::exit::Outcome;
use crate::report;
use crate::scenario::suite::{self, Suite};
use crate::selftest::detector::ExploreDetector;
use crate::selftest::{self, CheckDetector, Detector, Event, MeasurementDetector, Options};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct SelftestArgs {
    /// Scenario files or directories for the check detector (default: the suite `check` runs).
    pub paths: Vec<PathBuf>,
    /// Faults checked at once (each with its own emulator).
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Where selftest.md, selftest.json and selftest.html go (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Only this fault or deviation (repeatable). Without --fault and --liberty: every fault,
    /// deviation and liberty of the catalogue.
    #[arg(long = "fault", value_enum)]
    pub faults: Vec<Fault>,
    /// Only this liberty (repeatable, or `all`).
    #[arg(long = "liberty", value_name = "NAME", value_parser = crate::emulator::Liberty::parse_list)]
    pub liberties: Vec<Vec<crate::emulator::Liberty>>,
}

/// Scenarios of one check run at once (inside each fault's run).
const CHECK_JOBS: usize = 8;
/// The seed of the explore column: a selftest is reproducible.
const EXPLORE_SEED: u64 = 20_261_122;

pub fn run(args: SelftestArgs) -> Result<Outcome> {
    let scenarios = if args.paths.is_empty() {
        let suite = Suite::detect();
        let scenarios = suite.load(None)?;
        eprintln!("{}", suite.describe(scenarios.len()));
        scenarios
    } else {
        suite::named(&args.paths)?
    };
    if scenarios.is_empty() {
        return Err(Error::Usage(format!("no scenario in {:?}", args.paths)));
    }
    // The detectors, one column each.
    let explore = crate::explore::ExploreConfig {
        seed: EXPLORE_SEED,
        ..crate::explore::ExploreConfig::default()
    };
    let detectors: Vec<Arc<dyn Detector>> = vec![
        Arc::new(CheckDetector::new(scenarios, CHECK_JOBS)),
        Arc::new(ExploreDetector::new(explore)),
        Arc::new(MeasurementDetector::default()),
    ];
    let run_id = report::run_id();
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    let everything = args.faults.is_empty() && args.liberties.is_empty();
    let faults = if everything {
        Fault::all().to_vec()
    } else {
        args.faults.clone()
    };
    let liberties: Vec<crate::emulator::Liberty> = if everything {
        crate::emulator::Liberty::all().to_vec()
    } else {
        args.liberties.iter().flatten().copied().collect()
    };
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    let on_event = |event: Event| match event {
        Event::Started {
            subjects,
            detectors,
        } => eprintln!(
            "groupcheck selftest: {} faults, deviations and liberties and the correct emulator × {detectors} detectors, {} at a time…",
            subjects - 1,
            args.jobs.max(1)
        ),
        Event::Done { .. } => {}
    };
    let options = Options {
        run_id,
        jobs: args.jobs,
        faults,
        liberties,
    };
    let outcome = runtime
        .block_on(selftest::run(detectors, options, &on_event))
        .map_err(|e| Error::Environment(e.0))?;
    print!("{}", selftest::render::console(&outcome));
    match selftest::render::write_all(&outcome, &dir) {
        Ok(files) => {
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            println!("reports: {}/ ({})", dir.display(), names.join(", "));
        }
        Err(e) => eprintln!(
            "groupcheck selftest: cannot write the reports in {}: {e}",
            dir.display()
        ),
    }
    Ok(outcome.outcome())
}
