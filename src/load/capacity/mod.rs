//! `groupcheck capacity`: latency against group size. For each size, the flows' setup builds
//! groups of that size through the API (10,000 members a request at most), the flows run at a
//! fixed arrival rate (the open model: latency from each request's intended start), the groups
//! are deleted; then per operation the percentiles are laid against the sizes and the knee is
//! found ([`crate::load::capacity::knee`]): the first size where the median latency grows faster than the size.

use crate::load::LoadError;
pub mod knee;

use crate::client::Client;
use crate::client::ledger::Ledger;
use crate::load::flow::Flow;
use crate::load::measure::hdr;
use crate::load::measure::summary::{Cleanup, Totals};
use crate::load::run::{self, LoadSpec, Mode, RunInfo};
use crate::load::shard::Shard;
use crate::scenario::Scenario;
use knee::Knee;
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
    pub knee: Option<Knee>,
    pub growth: Option<f64>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    pub exit_code: u8,
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
        let load = LoadSpec {
            flows,
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
            label: format!("size {size:>9}: "),
        };
        let size_info = RunInfo {
            run_id: format!("{}-{size}", info.run_id),
            target: info.target.clone(),
            group_size: Some(size),
        };
        let summary = run::run(
            &load,
            &size_info,
            client.clone(),
            ledger.clone(),
            cancel.clone(),
        )
        .await;
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
        runs.push(SizeRun {
            size,
            totals: summary.totals,
            elapsed_s: summary.elapsed_s,
            aborted: summary.aborted,
            cleanup: summary.cleanup,
        });
        if let Some(reason) = stop {
            aborted = Some(format!("at size {size}: {reason}"));
            break;
        }
    }
    let knees = knees(&points);
    let exit_code = crate::exit::code(Ok(if aborted.is_some() {
        crate::exit::Outcome::Aborted
    } else {
        crate::exit::Outcome::Passed
    }));
    CapacitySummary {
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
        aborted,
        exit_code,
    }
}

/// The knee of every operation, on its p50.
pub fn knees(points: &[Point]) -> Vec<OperationKnee> {
    let mut operations: Vec<&str> = points.iter().map(|p| p.operation.as_str()).collect();
    operations.sort_unstable();
    operations.dedup();
    operations
        .into_iter()
        .map(|op| {
            let curve: Vec<(usize, f64)> = points
                .iter()
                .filter(|p| p.operation == op && p.count > 0)
                .map(|p| (p.size, p.p50_ms))
                .collect();
            OperationKnee {
                operation: op.to_owned(),
                knee: knee::find(&curve),
                growth: knee::overall_ratio(&curve),
            }
        })
        .collect()
}
