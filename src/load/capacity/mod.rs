//! `groupcheck capacity`: latency against group size. For each size, the flows' setup builds
//! groups of that size through the API (10,000 members a request at most), the flows run at a
//! fixed arrival rate (the open model: latency from each request's intended start), the groups
//! are deleted (setup and teardown never overlap the measured phase: they run before and after
//! it); then per operation the percentiles are laid against the sizes and the knee is found
//! ([`crate::load::capacity::knee`]): the first size where the median grows clearly beyond what
//! the operation's nature predicts (flat, or linear for the members listing). `--threshold`s are
//! judged at every size ([`ThresholdAnswer`]: the largest size that meets each, the first that
//! breaks it).

use crate::load::LoadError;
pub mod knee;
pub mod phases;

use crate::client::Client;
use crate::client::ledger::Ledger;
use crate::load::flow::Flow;
use crate::load::measure::hdr;
use crate::load::measure::summary::Verdict;
use crate::load::measure::summary::{Cleanup, Totals};
use crate::load::run::{self, LoadSpec, Mode, RunInfo};
use crate::load::shard::Shard;
use crate::load::threshold::Threshold;
use crate::scenario::Scenario;
use knee::{Growth, Knee, Median};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const CAPACITY_SUMMARY_VERSION: u32 = 1;

pub struct CapacitySpec {
    pub sizes: Vec<usize>,
    pub rate: f64,
    pub duration: Duration,
    pub flows: Vec<Scenario>,
    /// Groups built per flow and size.
    pub groups: usize,
    pub sessions: Option<usize>,
    pub validate_sample: f64,
    pub timeout: Duration,
    pub body_cap: usize,
    pub progress: bool,
    /// Judged at every size.
    pub thresholds: Vec<Threshold>,
    /// A knee makes the sweep exit 4.
    pub fail_on_knee: bool,
    /// Run the flows' operations together at each size instead of one at a time.
    pub mixed: bool,
}

/// One operation at one size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    pub size: usize,
    pub operation: String,
    pub requests: u64,
    pub errors: u64,
    pub violations: u64,
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Latency µs, hdrhistogram V2, base64.
    pub histogram: String,
}

impl Point {
    pub fn percentiles(&self) -> [f64; 6] {
        [
            self.p50_ms,
            self.p90_ms,
            self.p95_ms,
            self.p99_ms,
            self.p999_ms,
            self.max_ms,
        ]
    }
}

/// Each operation's knee (on p50), and how much its p50 grew from the smallest size to the
/// largest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperationKnee {
    pub operation: String,
    /// What its nature predicts: flat or linear.
    #[serde(default = "flat")]
    pub expected: Growth,
    pub knee: Option<Knee>,
    pub growth: Option<f64>,
}

fn flat() -> Growth {
    Growth::Flat
}

/// One `--threshold` across the sweep: the planner's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThresholdAnswer {
    pub threshold: String,
    /// The largest size that meets it, every smaller size meeting it too.
    pub largest_meeting: Option<usize>,
    /// The first (smallest) size that breaks it, with what was observed there.
    pub first_breaking: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at_break: Option<String>,
    pub allowed: String,
    /// A latency threshold's bound (ms), for the chart's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_ms: Option<f64>,
}

/// What one size's run did, beside its latencies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeRun {
    pub size: usize,
    pub totals: Totals,
    pub elapsed_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    pub cleanup: Cleanup,
    /// Every threshold judged at this size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Verdict>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapacitySummary {
    pub kind: String,
    pub version: u32,
    pub tool: String,
    pub run_id: String,
    pub target: String,
    pub rate: f64,
    pub duration_s: f64,
    pub sizes: Vec<usize>,
    pub flows: Vec<String>,
    pub started_at: String,
    pub points: Vec<Point>,
    pub knees: Vec<OperationKnee>,
    pub runs: Vec<SizeRun>,
    #[serde(default)]
    pub thresholds: Vec<ThresholdAnswer>,
    #[serde(default)]
    pub fail_on_knee: bool,
    /// Answers an operation needs at a size for its median to be judged for a knee.
    #[serde(default)]
    pub min_samples: u64,
    /// The operations measured one at a time at each size, in order (empty: together).
    #[serde(default)]
    pub phases: Vec<String>,
    /// Why the operations ran together, when they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    pub exit_code: u8,
}

impl CapacitySummary {
    /// Aborted (3), a threshold breached or, under `--fail-on-knee`, a knee (4), else passed.
    pub fn outcome(&self) -> crate::exit::Outcome {
        use crate::exit::Outcome;
        if self.aborted.is_some() {
            Outcome::Aborted
        } else if self.thresholds.iter().any(|t| t.first_breaking.is_some())
            || (self.fail_on_knee && self.knees.iter().any(|k| k.knee.is_some()))
        {
            Outcome::ThresholdsBreached
        } else {
            Outcome::Passed
        }
    }

    /// Operations and sizes with fewer answers than a knee needs.
    pub fn thin(&self) -> Vec<&Point> {
        self.points
            .iter()
            .filter(|p| p.count < knee::MIN_SAMPLES)
            .collect()
    }
}

/// Run the sweep, smallest size first. Stops early (keeping what it measured) on Ctrl-C or a
/// failed setup.
pub async fn sweep(
    spec: &CapacitySpec,
    info: &RunInfo,
    client: Client,
    ledger: Option<Arc<Ledger>>,
    cancel: Arc<AtomicBool>,
) -> CapacitySummary {
    let started_at = crate::model::id::format_timestamp(crate::check::now_ms());
    let mut sizes = spec.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut points = Vec::new();
    let mut runs = Vec::new();
    let mut aborted = None;
    let (mut mixed, mut phase_names) = (None, Vec::new());
    for &size in &sizes {
        if cancel.load(Ordering::SeqCst) {
            aborted = Some("interrupted (Ctrl-C)".to_owned());
            break;
        }
        let flows: Result<Vec<Flow>, LoadError> = spec
            .flows
            .iter()
            .cloned()
            .map(|s| Flow::from_scenario(s, Some(size)))
            .collect();
        let flows = match flows {
            Ok(f) => f,
            Err(e) => {
                aborted = Some(e.to_string());
                break;
            }
        };
        let (phases, why_mixed) = phases::split(&flows, spec.mixed);
        mixed = why_mixed;
        phase_names = phases
            .iter()
            .filter_map(|p| p.operation.map(str::to_owned))
            .collect();
        let mut parts = Vec::new();
        for phase in phases {
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            let load = LoadSpec {
                flows: phase.flows,
                mode: Mode::Open {
                    rate: spec.rate,
                    sessions: spec.sessions,
                },
                duration: spec.duration,
                groups: Some(spec.groups),
                validate_sample: spec.validate_sample,
                shard: Shard::WHOLE,
                timeout: spec.timeout,
                body_cap: spec.body_cap,
                progress: spec.progress,
                label: match phase.operation {
                    Some(op) => format!("size {size:>9}, {op:<8}: "),
                    None => format!("size {size:>9}: "),
                },
            };
            let size_info = RunInfo {
                run_id: format!("{}-{size}", info.run_id),
                target: info.target.clone(),
                group_size: Some(size),
                with_emulator: info.with_emulator,
            };
            let part = run::run(
                &load,
                &size_info,
                client.clone(),
                ledger.clone(),
                cancel.clone(),
            )
            .await;
            let stop = part.aborted.is_some();
            parts.push(part);
            if stop {
                break;
            }
        }
        let Some(summary) = phases::combine(parts) else {
            aborted = Some("interrupted (Ctrl-C)".to_owned());
            break;
        };
        let mut operations: Vec<&str> = summary
            .operations
            .iter()
            .map(|o| o.operation.as_str())
            .collect();
        operations.sort_unstable();
        operations.dedup();
        for op in operations {
            let Ok(Some(h)) = summary.histogram_of(Some(op), None) else {
                continue;
            };
            let of = |pick: fn(&crate::load::measure::summary::OperationSummary) -> u64| -> u64 {
                summary
                    .operations
                    .iter()
                    .filter(|o| o.operation == op)
                    .map(pick)
                    .sum()
            };
            let [p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms] = hdr::percentiles(&h);
            points.push(Point {
                size,
                operation: op.to_owned(),
                requests: of(|o| o.requests),
                errors: of(|o| o.transport_errors + o.http_errors),
                violations: of(|o| o.violations),
                count: h.len(),
                p50_ms,
                p90_ms,
                p95_ms,
                p99_ms,
                p999_ms,
                max_ms,
                histogram: hdr::encode(&h),
            });
        }
        let stop = summary.aborted.clone();
        let verdicts = crate::load::threshold::evaluate_all(&spec.thresholds, &summary);
        runs.push(SizeRun {
            size,
            totals: summary.totals,
            elapsed_s: summary.elapsed_s,
            aborted: summary.aborted,
            cleanup: summary.cleanup,
            thresholds: verdicts,
        });
        if let Some(reason) = stop {
            aborted = Some(format!("at size {size}: {reason}"));
            break;
        }
    }
    let knees = knees(&points);
    let thresholds = answers(&spec.thresholds, &runs);
    let mut summary = CapacitySummary {
        kind: "capacity".into(),
        version: CAPACITY_SUMMARY_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id: info.run_id.clone(),
        target: info.target.clone(),
        rate: spec.rate,
        duration_s: spec.duration.as_secs_f64(),
        sizes,
        flows: spec
            .flows
            .iter()
            .map(|f| f.file.display().to_string())
            .collect(),
        started_at,
        points,
        knees,
        runs,
        thresholds,
        fail_on_knee: spec.fail_on_knee,
        min_samples: knee::MIN_SAMPLES,
        phases: phase_names,
        mixed,
        aborted,
        exit_code: 0,
    };
    summary.exit_code = crate::exit::code(Ok(summary.outcome()));
    summary
}

/// Each threshold across the sizes run, smallest first.
pub fn answers(thresholds: &[Threshold], runs: &[SizeRun]) -> Vec<ThresholdAnswer> {
    thresholds
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut answer = ThresholdAnswer {
                threshold: t.text.clone(),
                largest_meeting: None,
                first_breaking: None,
                observed_at_break: None,
                allowed: String::new(),
                bound_ms: t.latency_bound().map(|(_, ms)| ms),
            };
            for run in runs {
                let Some(v) = run.thresholds.get(i) else {
                    continue;
                };
                answer.allowed.clone_from(&v.allowed);
                if !v.passed {
                    answer.first_breaking = Some(run.size);
                    answer.observed_at_break = Some(v.observed.clone());
                    break;
                }
                answer.largest_meeting = Some(run.size);
            }
            answer
        })
        .collect()
}

/// The knee of every operation, on its p50 and the p50's interval, judged by its nature.
pub fn knees(points: &[Point]) -> Vec<OperationKnee> {
    let mut operations: Vec<&str> = points.iter().map(|p| p.operation.as_str()).collect();
    operations.sort_unstable();
    operations.dedup();
    operations
        .into_iter()
        .map(|op| {
            let curve: Vec<Median> = points
                .iter()
                .filter(|p| p.operation == op && p.count > 0)
                .map(|p| match hdr::decode(&p.histogram) {
                    Ok(h) => Median::of(p.size, &h),
                    Err(_) => Median::exact(p.size, p.p50_ms, 0.0, p.count),
                })
                .collect();
            let expected = Growth::of(op);
            OperationKnee {
                operation: op.to_owned(),
                expected,
                knee: knee::find(expected, &curve),
                growth: knee::overall_ratio(&curve),
            }
        })
        .collect()
}
