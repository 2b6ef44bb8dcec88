//! The console table of a load run: per operation and group-size bucket, the requests, errors,
//! violations and percentiles; then the totals, the failures with an example each, the thresholds,
//! the clean-up and, when it stopped early, why.

use super::table::{HEADERS, aborted_line, cells, kind_word, memory_line, totals_line};
use crate::load::measure::summary::LoadSummary;
use crate::report::text::{clip, one_line};
use console::Style;
use std::fmt::Write;

/// The console table and totals.
pub fn render(summary: &LoadSummary) -> String {
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
    if let Some(memory) = memory_line(summary) {
        let _ = writeln!(out, "{memory}");
    }
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
            let curl = clip(curl, 1500);
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
