//! The result of a load run as data: `summary.json` of a load run (`kind: "load"`, versioned,
//! documented in docs/load.md), also what `merge` reads back. Each operation and group-size bucket
//! carries its HDR histogram (hdrhistogram's V2 format, base64), so shards merge exactly: the
//! merged percentiles are those of one histogram of all the shards' samples.

use crate::load::LoadError;
use crate::load::measure::hdr;
use crate::load::measure::memory::Memory;
use crate::load::measure::record::{FailureGroup, Key, Kind, OpStats};
use crate::load::measure::timeline::Timeline;
use crate::load::shard::Shard;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Bumped when a field changes meaning or goes away (new fields do not bump it).
pub const LOAD_SUMMARY_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadSummary {
    pub kind: String,
    pub version: u32,
    pub tool: String,
    pub run_id: String,
    pub target: String,
    /// `open` (arrival rate, `--rate`) or `closed` (goose users, `--users`).
    pub mode: String,
    /// The whole run's users or rate (not this shard's share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    pub duration_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<usize>,
    pub validate_sample: f64,
    /// The shards this summary covers: one for a shard's own summary, all of them after a merge.
    pub shards: Vec<Shard>,
    pub flows: Vec<String>,
    pub started_at: String,
    /// From the first answer to the last, summed over nothing: the longest shard's window.
    pub elapsed_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    pub totals: Totals,
    pub operations: Vec<OperationSummary>,
    /// Every operation second by second (absent from summaries written before it existed).
    #[serde(default, skip_serializing_if = "Timeline::is_empty")]
    pub timeline: Timeline,
    pub failures: Vec<FailureGroup>,
    pub thresholds: Vec<Verdict>,
    pub cleanup: Cleanup,
    /// The peak memory of the process that ran the load (the largest shard's after a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    pub exit_code: u8,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    pub requests: u64,
    pub answered: u64,
    pub transport_errors: u64,
    pub http_errors: u64,
    pub violations: u64,
    pub validated: u64,
    /// Open model: arrivals that started more than the lateness bound after their time.
    pub late: u64,
    /// Open model: arrivals that found every session busy and were not sent.
    pub dropped: u64,
    /// Flow errors: steps that could not be rendered or captured.
    pub flow_errors: u64,
    /// Requests per second over the run's window.
    pub rps: f64,
}

impl Totals {
    pub fn errors(&self) -> u64 {
        self.transport_errors + self.http_errors
    }

    /// A count as a share of the requests, in percent.
    pub fn percent(&self, count: u64) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            count as f64 * 100.0 / self.requests as f64
        }
    }

    pub fn scheduled(&self) -> u64 {
        self.requests + self.dropped
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperationSummary {
    pub operation: String,
    pub bucket: String,
    pub requests: u64,
    pub transport_errors: u64,
    pub http_errors: u64,
    pub violations: u64,
    pub validated: u64,
    /// Answered requests in the histogram.
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// Latency in µs, hdrhistogram V2, base64.
    pub histogram: String,
}

impl OperationSummary {
    pub fn from_stats(key: &Key, stats: &OpStats) -> OperationSummary {
        OperationSummary::new(
            key.operation,
            key.bucket,
            [
                stats.requests,
                stats.transport_errors,
                stats.http_errors,
                stats.violations,
                stats.validated,
            ],
            &stats.histogram,
        )
    }

    /// `counts`: requests, transport errors, HTTP errors, violations, validated.
    pub fn new(
        operation: &str,
        bucket: &str,
        counts: [u64; 5],
        h: &Histogram<u64>,
    ) -> OperationSummary {
        let [p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms] = hdr::percentiles(h);
        OperationSummary {
            operation: operation.to_owned(),
            bucket: bucket.to_owned(),
            requests: counts[0],
            transport_errors: counts[1],
            http_errors: counts[2],
            violations: counts[3],
            validated: counts[4],
            count: h.len(),
            p50_ms,
            p90_ms,
            p95_ms,
            p99_ms,
            p999_ms,
            max_ms,
            mean_ms: hdr::mean_ms(h),
            histogram: hdr::encode(h),
        }
    }

    pub fn counts(&self) -> [u64; 5] {
        [
            self.requests,
            self.transport_errors,
            self.http_errors,
            self.violations,
            self.validated,
        ]
    }

    pub fn decode(&self) -> Result<Histogram<u64>, LoadError> {
        hdr::decode(&self.histogram)
            .map_err(|e| LoadError(format!("{} {}: {e}", self.operation, self.bucket)))
    }

    /// The percentiles in report order: p50, p90, p95, p99, p99.9, max.
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cleanup {
    /// Groups the run created (setup, steps and large-group builds).
    pub created: u64,
    pub deleted: u64,
    /// Ids that could not be deleted (also in ledger.jsonl, for `groupcheck cleanup`).
    pub leftovers: Vec<String>,
    /// Teardown steps that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teardown_problems: Vec<String>,
}

impl Cleanup {
    /// Add another run's clean-up to this one.
    pub fn absorb(&mut self, other: &Cleanup) {
        self.created += other.created;
        self.deleted += other.deleted;
        self.leftovers.extend(other.leftovers.iter().cloned());
        self.teardown_problems
            .extend(other.teardown_problems.iter().cloned());
    }
}

impl Totals {
    /// Add another run's counts to these (`rps` is left to the caller: shards running at once
    /// add their rates, runs one after another do not).
    pub fn absorb_counts(&mut self, other: &Totals) {
        self.requests += other.requests;
        self.answered += other.answered;
        self.transport_errors += other.transport_errors;
        self.http_errors += other.http_errors;
        self.violations += other.violations;
        self.validated += other.validated;
        self.late += other.late;
        self.dropped += other.dropped;
        self.flow_errors += other.flow_errors;
    }
}

/// The operations of several runs as one: the same operation and bucket added exactly (counts
/// summed, histograms added), in report order.
pub fn add_operations<'a>(
    operations: impl IntoIterator<Item = &'a OperationSummary>,
) -> Result<Vec<OperationSummary>, LoadError> {
    let mut by_key: std::collections::BTreeMap<(String, String), ([u64; 5], Histogram<u64>)> =
        std::collections::BTreeMap::new();
    for o in operations {
        let entry = by_key
            .entry((o.operation.clone(), o.bucket.clone()))
            .or_insert_with(|| ([0; 5], hdr::new()));
        for (sum, n) in entry.0.iter_mut().zip(o.counts()) {
            *sum += n;
        }
        hdr::add(&mut entry.1, &o.decode()?)?;
    }
    let mut out: Vec<OperationSummary> = by_key
        .iter()
        .map(|((op, bucket), (counts, h))| OperationSummary::new(op, bucket, *counts, h))
        .collect();
    out.sort_by_key(|o| {
        (
            o.operation.clone(),
            crate::load::measure::bucket::order(&o.bucket),
        )
    });
    Ok(out)
}

impl LoadSummary {
    /// One histogram per operation, over every bucket (for `update p99<…` thresholds), or over
    /// everything (`operation = None`), or one bucket.
    pub fn histogram_of(
        &self,
        operation: Option<&str>,
        bucket: Option<&str>,
    ) -> Result<Option<Histogram<u64>>, LoadError> {
        let mut merged: Option<Histogram<u64>> = None;
        for op in &self.operations {
            if operation.is_some_and(|o| o != op.operation)
                || bucket.is_some_and(|b| b != op.bucket)
            {
                continue;
            }
            let h = op.decode()?;
            match &mut merged {
                Some(m) => hdr::add(m, &h)?,
                None => merged = Some(h),
            }
        }
        Ok(merged)
    }

    /// Failures of one kind, summed.
    pub fn failures_of(&self, kind: Kind) -> u64 {
        self.failures
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.count)
            .sum()
    }
}

pub fn to_json(summary: &LoadSummary) -> String {
    serde_json::to_string_pretty(summary).unwrap_or_default() + "\n"
}

/// Read a load `summary.json`.
pub fn from_json(text: &str) -> Result<LoadSummary, LoadError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| LoadError(format!("not JSON: {e}")))?;
    match value.get("kind").and_then(|k| k.as_str()) {
        Some("load") => {}
        Some(other) => {
            return Err(LoadError(format!(
                "a summary of kind '{other}', not of a load run"
            )));
        }
        None => return Err("not the summary of a load run (no \"kind\": \"load\")".into()),
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(LOAD_SUMMARY_VERSION) {
        return Err(LoadError(format!(
            "summary version {version}; this groupcheck reads version {LOAD_SUMMARY_VERSION}"
        )));
    }
    serde_json::from_value(value).map_err(|e| LoadError(format!("not a load summary: {e}")))
}

/// The result of one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub threshold: String,
    pub observed: String,
    pub allowed: String,
    pub passed: bool,
}
