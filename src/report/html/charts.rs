//! The two charts of `report.html`, drawn by hand as inline SVG (no script, no font): scenario
//! verdicts and findings by rule.

use super::{CHART_RULES, esc_attr, plural};
use crate::check::outcome::Totals;
use crate::report::tally::RuleRow;
use std::fmt::Write;

const PASS: &str = "#1a7f37";
const WARN: &str = "#bf8700";
const FAIL: &str = "#cf222e";
const ERROR: &str = "#8250df";
const NOTE: &str = "#0969da";
const TRACK: &str = "#eef1f4";

pub(super) fn verdict_chart(t: &Totals) -> String {
    let rows = [
        ("passed", t.passed, PASS),
        ("warned", t.warned, WARN),
        ("failed", t.failed, FAIL),
        ("error", t.errors, ERROR),
    ];
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (64.0, 300.0, 28.0);
    let height = rows.len() as f64 * row_h + 8.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 420 {height}\" width=\"420\" height=\"{height}\" role=\"img\" aria-label=\"Scenario verdicts: {} passed, {} warned, {} failed, {} errors\">\n",
        t.passed, t.warned, t.failed, t.errors
    );
    for (i, (label, n, colour)) in rows.iter().enumerate() {
        let y = 6.0 + i as f64 * row_h;
        let w = bar(*n, max, bar_w);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" rx=\"3\" fill=\"{TRACK}\"/><rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" rx=\"3\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{}\" class=\"v\">{n}</text>",
            label_w - 8.0,
            y + 13.5,
            label_w + w.max(0.0) + 6.0,
            y + 13.5,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Width of a bar for `n` of `max` in `full` pixels; a non-zero count is always visible.
fn bar(n: usize, max: usize, full: f64) -> f64 {
    if n == 0 {
        0.0
    } else {
        (full * n as f64 / max as f64).max(3.0)
    }
}

pub(super) fn findings_chart(rules: &[RuleRow<'_>]) -> String {
    let mut rows: Vec<&RuleRow<'_>> = rules.iter().filter(|r| r.findings() > 0).collect();
    if rows.is_empty() {
        return "<p class=\"empty\">No findings: no rule was broken, and no observation was noted.</p>\n".into();
    }
    rows.sort_by(|a, b| {
        (b.failures, b.warnings, b.notes)
            .cmp(&(a.failures, a.warnings, a.notes))
            .then(a.rule.cmp(b.rule))
    });
    let more = rows.len().saturating_sub(CHART_RULES);
    rows.truncate(CHART_RULES);
    let max = rows.iter().map(|r| r.findings()).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h, top) = (230.0, 270.0, 24.0, 26.0);
    let height = top + rows.len() as f64 * row_h + if more > 0 { 22.0 } else { 4.0 };
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 560 {height}\" width=\"560\" height=\"{height}\" role=\"img\" aria-label=\"Findings by rule\">\n"
    );
    // Legend.
    for (i, (label, colour)) in [("failures", FAIL), ("warnings", WARN), ("notes", NOTE)]
        .iter()
        .enumerate()
    {
        let x = label_w + i as f64 * 90.0;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"4\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{colour}\"/><text x=\"{}\" y=\"14\" class=\"legend\">{label}</text>",
            x + 16.0
        );
    }
    svg.push('\n');
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as f64 * row_h;
        let label = if r.rule.chars().count() > 34 {
            format!("{}…", r.rule.chars().take(33).collect::<String>())
        } else {
            r.rule.to_owned()
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"rule\"><title>{}</title>{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"16\" rx=\"3\" fill=\"{TRACK}\"/>",
            label_w - 8.0,
            y + 12.5,
            esc_attr(r.rule),
            esc_attr(&label)
        );
        let mut x = label_w;
        for (n, colour) in [(r.failures, FAIL), (r.warnings, WARN), (r.notes, NOTE)] {
            let w = bar(n, max, bar_w);
            if w > 0.0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" fill=\"{colour}\"/>"
                );
                x += w;
            }
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" class=\"v\">{}</text>",
            x + 6.0,
            y + 12.5,
            r.findings()
        );
    }
    if more > 0 {
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"{}\" class=\"legend\">and {more} more rule{} with findings (see the table)</text>",
            height - 6.0,
            plural(more)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
