//! Reports of a load run, from its [`LoadSummary`] (they never judge): the console table,
//! `report.md` (fits a CI step summary), `report.html` ([`super::report_html`]) and
//! `summary.json`. Every table gives, per operation and group-size bucket, the requests, the
//! three kinds of failure and p50, p90, p95, p99, p99.9 and max.

use super::bucket;
use super::record::Kind;
use super::summary::{LoadSummary, OperationSummary, to_json};
use super::units::fmt_ms;
use crate::report::markdown::escape;
use crate::report::tally::one_line;
use console::Style;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The percentile columns, in order.
pub const COLUMNS: [&str; 6] = ["p50", "p90", "p95", "p99", "p99.9", "max"];

/// Write summary.json, report.md and report.html into `dir`.
pub fn write_all(summary: &LoadSummary, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in [
        ("summary.json", to_json(summary)),
        ("report.md", markdown(summary)),
        ("report.html", super::report_html::render(summary)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

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
fn cells(o: &OperationSummary) -> Vec<String> {
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

const HEADERS: [&str; 11] = [
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

/// The console table and totals.
pub fn console(summary: &LoadSummary) -> String {
    let rows: Vec<Vec<String>> = summary.operations.iter().map(cells).collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                if i < 2 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let bold = Style::new().bold();
    let mut out = String::new();
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", bold.apply_to(line(&header)));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    if rows.is_empty() {
        let _ = writeln!(out, "(no request was answered)");
    }
    out.push_str(&totals_line(summary));
    out.push('\n');
    for group in &summary.failures {
        let first = group.examples.first();
        let _ = writeln!(
            out,
            "{} {} ({}) ×{}: {}",
            Style::new().red().bold().apply_to(kind_word(group.kind)),
            group.what,
            group.operation,
            group.count,
            first.map(|e| one_line(&e.message, 300)).unwrap_or_default()
        );
        if let Some(pointer) = first.and_then(|e| e.pointer.as_deref()) {
            let _ = writeln!(out, "    at {pointer}");
        }
        if let Some(curl) = first.and_then(|e| e.reproducer.as_deref()) {
            let curl = crate::report::tally::clip(curl, 1500);
            let _ = writeln!(
                out,
                "    reproduce:\n      {}",
                curl.replace('\n', "\n      ")
            );
        }
    }
    for t in &summary.thresholds {
        let (word, style) = if t.passed {
            ("PASS", Style::new().green())
        } else {
            ("FAIL", Style::new().red().bold())
        };
        let _ = writeln!(
            out,
            "{} threshold \"{}\": observed {}, allowed {}",
            style.apply_to(word),
            t.threshold,
            t.observed,
            t.allowed
        );
    }
    let c = &summary.cleanup;
    let _ = writeln!(
        out,
        "groups: {} created, {} deleted{}",
        c.created,
        c.deleted,
        if c.leftovers.is_empty() {
            String::new()
        } else {
            format!(", {} left (see ledger.jsonl)", c.leftovers.len())
        }
    );
    for p in &c.teardown_problems {
        let _ = writeln!(out, "teardown: {p}");
    }
    aborted_line(&mut out, summary.aborted.as_deref());
    out
}

/// Requests, rate and the failure counts in one line.
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

pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Transport => "transport error",
        Kind::Http => "HTTP error",
        Kind::Violation => "violation",
        Kind::Flow => "flow error",
    }
}

/// `report.md`.
pub fn markdown(summary: &LoadSummary) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# groupcheck load: {}\n\n{} against {}.\n\n{}\n",
        verdict_word(summary),
        escape(&describe(summary)),
        escape(&summary.target),
        escape(&totals_line(summary))
    );
    if let Some(reason) = &summary.aborted {
        let _ = writeln!(md, "**Aborted:** {}\n", escape(reason));
    }
    if !summary.thresholds.is_empty() {
        md.push_str("## Thresholds\n\n| | threshold | observed | allowed |\n|---|---|---|---|\n");
        for t in &summary.thresholds {
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {} |",
                if t.passed { "✅" } else { "❌" },
                t.threshold.replace('`', "'").replace('|', "\\|"),
                escape(&t.observed),
                escape(&t.allowed)
            );
        }
        md.push('\n');
    }
    md.push_str("## Latency by operation and group size\n\n");
    let _ = writeln!(md, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(HEADERS.len()));
    for o in &summary.operations {
        let row: Vec<String> = cells(o).iter().map(|c| escape(c)).collect();
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
    if !summary.failures.is_empty() {
        md.push_str("\n## Failures\n\n");
        for g in &summary.failures {
            let _ = writeln!(
                md,
                "<details><summary>{} <code>{}</code> ({}) ×{}</summary>\n",
                kind_word(g.kind),
                escape(&g.what),
                escape(&g.operation),
                g.count
            );
            for e in &g.examples {
                let _ = writeln!(md, "- {}", escape(&one_line(&e.message, 600)));
                if let Some(p) = &e.pointer {
                    let _ = writeln!(md, "  at `{}`", p.replace('`', "'"));
                }
                if let Some(curl) = &e.reproducer {
                    let _ = writeln!(md, "\n  ````sh\n  {}\n  ````", one_line(curl, 2000));
                }
            }
            md.push_str("\n</details>\n\n");
        }
    }
    let c = &summary.cleanup;
    let _ = writeln!(
        md,
        "\nGroups: {} created, {} deleted, {} left.",
        c.created,
        c.deleted,
        c.leftovers.len()
    );
    md
}
