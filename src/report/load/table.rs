//! What every report of a load run shares: the percentile columns, the table's headers and cells,
//! the run as one word and as one sentence, the totals line, the busiest and slowest second, the
//! failure kinds' words.

use crate::load::measure::bucket;
use crate::load::measure::record::Kind;
use crate::load::measure::summary::{LoadSummary, OperationSummary};
use crate::report::text::fmt_ms;
use console::Style;
use std::fmt::Write;

/// The percentile columns, in order.
pub const COLUMNS: [&str; 6] = ["p50", "p90", "p95", "p99", "p99.9", "max"];

/// The run as one word.
pub fn verdict_word(summary: &LoadSummary) -> &'static str {
    if summary.aborted.is_some() {
        "ABORTED"
    } else if summary.thresholds.iter().any(|t| !t.passed) {
        "THRESHOLDS BREACHED"
    } else {
        "PASSED"
    }
}

/// What the run was: mode, users or rate, duration, shards.
pub fn describe(summary: &LoadSummary) -> String {
    let load = match (summary.users, summary.rate) {
        (Some(users), _) => format!("closed model (goose), {users} users"),
        (_, Some(rate)) => format!("open model, {rate} requests/s"),
        _ => summary.mode.clone(),
    };
    let shards = match summary.shards.as_slice() {
        [one] if one.count > 1 => format!(", shard {one}"),
        [] | [_] => String::new(),
        many => format!(", {} of {} shards merged", many.len(), many[0].count),
    };
    let size = summary
        .group_size
        .map(|s| format!(", group size {s}"))
        .unwrap_or_default();
    format!(
        "{load}, {}s{size}{shards}, validating {}% of answers",
        summary.duration_s,
        summary.validate_sample * 100.0
    )
}

/// One table row's cells: operation, bucket, requests, errors, violations, then percentiles.
pub(super) fn cells(o: &OperationSummary) -> Vec<String> {
    let mut row = vec![
        o.operation.clone(),
        bucket::display(&o.bucket),
        o.requests.to_string(),
        (o.transport_errors + o.http_errors).to_string(),
        o.violations.to_string(),
    ];
    row.extend(o.percentiles().iter().map(|ms| {
        if o.count == 0 {
            "-".to_owned()
        } else {
            fmt_ms(*ms)
        }
    }));
    row
}

pub(super) const HEADERS: [&str; 11] = [
    "operation",
    "group size",
    "requests",
    "errors",
    "violations",
    "p50",
    "p90",
    "p95",
    "p99",
    "p99.9",
    "max",
];

/// The console's last word on a run that stopped early (or measured nothing), when it did.
pub fn aborted_line(out: &mut String, aborted: Option<&str>) {
    if let Some(reason) = aborted {
        let _ = writeln!(
            out,
            "{} {reason}",
            Style::new().yellow().bold().apply_to("aborted:")
        );
    }
}

/// Requests, rate and the failure counts in one line.
pub fn totals_line(summary: &LoadSummary) -> String {
    let t = &summary.totals;
    let mut line = format!(
        "{} requests in {:.1} s ({:.1}/s); {} transport errors, {} HTTP errors, {} violations in {} validated answers",
        t.requests,
        summary.elapsed_s,
        t.rps,
        t.transport_errors,
        t.http_errors,
        t.violations,
        t.validated
    );
    if summary.mode == "open" {
        let _ = write!(line, "; {} late and {} dropped starts", t.late, t.dropped);
    }
    if t.flow_errors > 0 {
        let _ = write!(line, "; {} flow errors", t.flow_errors);
    }
    line
}

/// The run's peak memory as one line, when it was measured.
pub fn memory_line(summary: &LoadSummary) -> Option<String> {
    let memory = summary.memory?;
    let merged = if summary.shards.len() > 1 {
        " (the largest shard's)"
    } else {
        ""
    };
    Some(format!("{}{merged}", memory.describe()))
}

/// The busiest and the slowest (by p99) second of the timeline, in one line (`None` without a
/// timeline).
pub fn timeline_line(summary: &LoadSummary) -> Option<String> {
    let t = &summary.timeline;
    let shown = t.shown();
    let (busiest, covered) = shown
        .iter()
        .max_by(|a, b| (a.0.requests as f64 / a.1).total_cmp(&(b.0.requests as f64 / b.1)))?;
    let slowest = shown
        .iter()
        .map(|r| r.0)
        .max_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms))?;
    let unit = if t.interval_s <= 1 {
        "second".to_owned()
    } else {
        format!("{}-second interval", t.interval_s)
    };
    let worst = if t.worst_shard { ", worst shard" } else { "" };
    Some(format!(
        "Busiest {unit}: {} requests/s at +{}s; slowest: p99 {}{worst} at +{}s (seconds after the first answer).",
        crate::units::thousands((busiest.requests as f64 / covered.max(1e-3)).round() as usize),
        busiest.at_s,
        fmt_ms(slowest.p99_ms),
        slowest.at_s,
    ))
}

pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Transport => "transport error",
        Kind::Http => "HTTP error",
        Kind::Violation => "violation",
        Kind::Flow => "flow error",
    }
}
