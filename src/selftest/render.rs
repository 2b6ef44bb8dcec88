//! The confusion matrix, written out: console lines, `selftest.md`, `selftest.json` and a
//! self-contained `selftest.html` (inline CSS, no scripts, no external resources). Readers only:
//! nothing here judges.

use super::{CorrectRow, Detection, FaultRow, RowKind, SelftestOutcome, Status};
use crate::report::text::esc;
use crate::spec::Level;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Write `selftest.md`, `selftest.json` and `selftest.html` into `dir`.
pub fn write_all(outcome: &SelftestOutcome, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in [
        ("selftest.md", markdown(outcome)),
        ("selftest.json", json(outcome)),
        ("selftest.html", html(outcome)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

pub fn json(outcome: &SelftestOutcome) -> String {
    serde_json::to_string_pretty(outcome).unwrap_or_default() + "\n"
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Caught | Status::Warned | Status::Passed => "✓",
        Status::Awaiting => "…",
        _ => "✗",
    }
}

/// The three sections of the matrix: kind, heading, what each row must come to.
const SECTIONS: [(RowKind, &str, &str); 3] = [
    (
        RowKind::Fault,
        "Faults",
        "break a must rule: the default profile must fail them",
    ),
    (
        RowKind::Deviation,
        "Deviations",
        "take the other side where Sinch's documents disagree: warned by default, failed under --profile strict",
    ),
    (
        RowKind::Liberty,
        "Liberties",
        "choices the documents leave open: every profile of check and explore must pass them",
    ),
];

/// Rule ids (and other ids) a row's detectors found, `(should)` after a should rule, other
/// detectors named.
fn found_text(row: &FaultRow) -> String {
    let parts: Vec<String> = row
        .detections
        .iter()
        .filter(|d| d.caught() || !d.problems.is_empty() || d.error.is_some())
        .map(detection_text)
        .collect();
    parts.join("; ")
}

/// What became of a row, in one line.
pub fn caught_text(row: &FaultRow) -> String {
    let found = found_text(row);
    match row.status {
        Status::Caught => found,
        Status::Awaiting => format!(
            "awaiting {}: nothing else catches it; not counted as caught until {} is plugged in",
            row.awaiting.as_deref().unwrap_or("?"),
            row.awaiting.as_deref().unwrap_or("?")
        ),
        Status::Escaped if found.is_empty() => "ESCAPED: no detector caught it".to_owned(),
        Status::Escaped => format!("ESCAPED: only warned by default ({found})"),
        Status::Warned => format!("warned by default, failed under strict: {found}"),
        Status::Overstrict => format!("FAILED BY DEFAULT, a deviation must only warn: {found}"),
        Status::Missed => "MISSED: no rule warned about it".to_owned(),
        Status::Passed => "passed check (every profile) and explore".to_owned(),
        Status::FalselyFailed => format!("FALSELY FAILED, a liberty must pass: {found}"),
    }
}

fn detection_text(d: &Detection) -> String {
    let mut text = match d.detector.as_str() {
        "measurement" => format!(
            "caught by measurement: {} (a measurement, not a conformance rule)",
            d.caught_by
                .first()
                .map(|c| c.example.as_str())
                .unwrap_or("")
        ),
        name => {
            let ids: Vec<String> = d
                .caught_by
                .iter()
                .map(|c| match c.level {
                    Some(Level::Should) => format!("{} (should)", c.id),
                    _ => c.id.clone(),
                })
                .collect();
            if name == "check" {
                ids.join(", ")
            } else {
                format!("{name}: {}", ids.join(", "))
            }
        }
    };
    if let Some(e) = &d.error {
        let _ = write!(text, " {} could not run: {e}", d.detector);
    }
    for p in &d.problems {
        let _ = write!(text, " ({p})");
    }
    text.trim().to_owned()
}

fn correct_text(correct: &CorrectRow) -> String {
    let parts: Vec<String> = correct
        .detections
        .iter()
        .map(|d| {
            let mut text = format!("{}: {}", d.detector, d.summary);
            if d.caught() {
                let ids: Vec<&str> = d.caught_by.iter().map(|c| c.id.as_str()).collect();
                let _ = write!(text, " — FAILED {}", ids.join(", "));
            }
            for p in &d.problems {
                let _ = write!(text, " — {p}");
            }
            text
        })
        .collect();
    format!(
        "correct emulator: {} · {}",
        if correct.passed { "passed" } else { "FAILED" },
        parts.join(" · ")
    )
}

fn verdict_line(outcome: &SelftestOutcome) -> String {
    let s = &outcome.summary;
    format!(
        "{}: {} faults: {} caught, {} awaiting a detector, {} escaped · {} deviations: {} warned, {} misjudged · {} liberties: {} passed, {} falsely failed · correct emulator {} · {:.1} s",
        if outcome.exit_code() == 0 {
            "PASSED"
        } else {
            "FAILED"
        },
        s.faults,
        s.caught,
        s.awaiting,
        s.escaped,
        s.deviations,
        s.warned,
        s.deviations_wrong,
        s.liberties,
        s.passed,
        s.falsely_failed,
        if s.correct_passed {
            "clean"
        } else {
            "NOT clean"
        },
        outcome.duration_ms / 1000.0
    )
}

/// The matrix for the terminal: one line per row, by kind, then the correct emulator and the
/// verdict.
pub fn console(outcome: &SelftestOutcome) -> String {
    let width = outcome
        .faults
        .iter()
        .map(|f| f.fault.len())
        .max()
        .unwrap_or(10);
    let mut out = String::new();
    let detectors: Vec<String> = outcome
        .detectors
        .iter()
        .map(|d| format!("{} ({})", d.name, d.description))
        .collect();
    let _ = writeln!(out, "detectors: {}", detectors.join("; "));
    for (kind, heading, rule) in SECTIONS {
        if outcome.rows(kind).next().is_none() {
            continue;
        }
        let _ = writeln!(out, "{heading} ({rule}):");
        for row in outcome.rows(kind) {
            let _ = writeln!(
                out,
                "  {} {:width$}  {}",
                mark(row.status),
                row.fault,
                caught_text(row)
            );
        }
    }
    let _ = writeln!(out, "{}", correct_text(&outcome.correct));
    for d in &outcome.correct.detections {
        for c in &d.caught_by {
            let _ = writeln!(out, "  {} {}: {}", d.detector, c.id, c.example);
        }
    }
    let _ = writeln!(out, "{}", verdict_line(outcome));
    out
}

// ---- Markdown -------------------------------------------------------------------------------

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn markdown(outcome: &SelftestOutcome) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# groupcheck selftest · {}\n", md(&outcome.run_id));
    let _ = writeln!(m, "**{}**\n", md(&verdict_line(outcome)));
    let _ = writeln!(
        m,
        "Every behaviour is injected alone into an emulator; each detector runs against it without \
         knowing which. `check` runs under `--profile strict`: a `must` finding is what the default \
         profile fails, a *(should)* finding what only strict fails. A fault *awaiting* a detector \
         is caught by nothing yet and waits for a detector that is not plugged in.\n"
    );
    let _ = writeln!(m, "| detector | what it does |\n|---|---|");
    for d in &outcome.detectors {
        let _ = writeln!(m, "| {} | {} |", md(&d.name), md(&d.description));
    }
    let _ = writeln!(
        m,
        "\n## Correct emulator: {}\n",
        if outcome.correct.passed {
            "clean"
        } else {
            "NOT clean"
        }
    );
    let _ = writeln!(m, "| detector | result |\n|---|---|");
    for d in &outcome.correct.detections {
        let mut text = md(&d.summary);
        for c in &d.caught_by {
            let _ = write!(text, "<br>**{}**: {}", md(&c.id), md(&c.example));
        }
        for p in &d.problems {
            let _ = write!(text, "<br>{}", md(p));
        }
        let _ = writeln!(m, "| {} | {} |", md(&d.detector), text);
    }
    for (kind, heading, rule) in SECTIONS {
        if outcome.rows(kind).next().is_none() {
            continue;
        }
        let _ = writeln!(m, "\n## {heading}\n\n{}: {rule}.\n", heading);
        let third = if kind == RowKind::Liberty {
            "source"
        } else {
            "family"
        };
        let _ = writeln!(m, "| | name | {third} | verdict |\n|---|---|---|---|");
        for row in outcome.rows(kind) {
            let _ = writeln!(
                m,
                "| {} | `{}` | {} | {} |",
                mark(row.status),
                md(&row.fault),
                md(row.source.as_deref().unwrap_or(&row.family)),
                md(&caught_text(row))
            );
        }
    }
    let _ = writeln!(m, "\n## What each one does\n");
    for row in &outcome.faults {
        let _ = writeln!(m, "- `{}`: {}", md(&row.fault), md(&row.description));
    }
    m
}

// ---- HTML -----------------------------------------------------------------------------------

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1350px}\
h1{font-size:1.4em}.verdict{font-weight:bold;padding:.4em .8em;display:inline-block;border-radius:4px}\
.pass{background:#dcf5dc}.fail{background:#f8d7d7}\
table{border-collapse:collapse;margin:1em 0;width:100%;table-layout:fixed}\
td,th{border:1px solid #ccc;padding:.25em .4em;vertical-align:top;text-align:left;overflow-wrap:anywhere}\
th{background:#f4f4f4}col.m{width:2em}col.n{width:17em}col.f{width:22em}col.s{width:9em}\
.chip{display:inline-block;border-radius:3px;padding:0 .35em;margin:.1em .2em .1em 0;font:12px monospace}\
.must{background:#dcf5dc}.should{background:#fff3c4}.meas{background:#dbe8fb}.bad{background:#f8d7d7}\
tr.bad td.name{background:#f8d7d7}tr.awaiting td.name{background:#eee}\
code{font-size:12px}.small{font-size:12px;color:#555}";

pub fn html(outcome: &SelftestOutcome) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let ok = outcome.exit_code() == 0;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>groupcheck selftest · {run}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <h1>groupcheck selftest · {run}</h1>\n<p class=\"verdict {cls}\">{verdict}</p>\n",
        run = esc(&outcome.run_id),
        cls = if ok { "pass" } else { "fail" },
        verdict = esc(&verdict_line(outcome)),
    );
    let _ = write!(
        h,
        "<p>Each behaviour is injected alone into an emulator; the detectors run against it without knowing which. \
         <code>check</code> runs under <code>--profile strict</code>: a green chip is a <em>must</em> finding (the \
         default profile fails it), yellow a <em>should</em> finding (only strict fails it), blue a measurement (not \
         a conformance rule), red something that could not run.</p>\n<ul>\n"
    );
    for d in &outcome.detectors {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {}</li>",
            esc(&d.name),
            esc(&d.description)
        );
    }
    let _ = writeln!(h, "</ul>");
    let _ = writeln!(
        h,
        "<h2>Correct emulator: {}</h2>\n<ul>",
        if outcome.correct.passed {
            "clean"
        } else {
            "NOT clean"
        }
    );
    for d in &outcome.correct.detections {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {} {}</li>",
            esc(&d.detector),
            esc(&d.summary),
            chips(d)
        );
    }
    let _ = writeln!(h, "</ul>");
    let names: Vec<&str> = outcome.detectors.iter().map(|d| d.name.as_str()).collect();
    for (kind, heading, rule) in SECTIONS {
        if outcome.rows(kind).next().is_none() {
            continue;
        }
        let _ = write!(
            h,
            "<h2>{heading}</h2>\n<p class=\"small\">{heading}: {}.</p>\n<table>\n\
             <colgroup><col class=\"m\"><col class=\"n\"><col class=\"f\">",
            esc(rule)
        );
        for _ in &names {
            h.push_str("<col>");
        }
        let _ = write!(
            h,
            "<col class=\"s\"></colgroup>\n<thead><tr><th></th><th>name</th><th>{}</th>",
            if kind == RowKind::Liberty {
                "source in the documents"
            } else {
                "what it gets wrong"
            }
        );
        for name in &names {
            let _ = write!(h, "<th>{}</th>", esc(name));
        }
        let _ = writeln!(h, "<th>verdict</th></tr></thead>\n<tbody>");
        for row in outcome.rows(kind) {
            let class = match row.status {
                Status::Awaiting => "awaiting",
                s if s.ok() => "ok",
                _ => "bad",
            };
            let _ = write!(
                h,
                "<tr class=\"{class}\"><td>{}</td><td class=\"name\"><code>{}</code><br><span class=\"small\">{}</span></td><td class=\"small\">{}</td>",
                mark(row.status),
                esc(&row.fault),
                esc(&row.family),
                esc(match &row.source {
                    Some(source) => source,
                    None => &row.description,
                })
            );
            for name in &names {
                match row.detections.iter().find(|d| d.detector == *name) {
                    Some(d) => {
                        let _ = write!(h, "<td>{}</td>", chips(d));
                    }
                    None => h.push_str("<td class=\"small\">not run</td>"),
                }
            }
            let _ = writeln!(
                h,
                "<td title=\"{}\">{}</td></tr>",
                esc(&caught_text(row)),
                esc(&format!("{:?}", row.status).to_lowercase())
            );
        }
        let _ = writeln!(h, "</tbody>\n</table>");
    }
    let _ = writeln!(
        h,
        "<p class=\"small\">Written by {} at {}; every field is in <code>selftest.json</code> next to this file.</p>\n</body>\n</html>",
        esc(&outcome.tool),
        esc(&outcome.started_at)
    );
    h
}

/// A detection as chips: one per id found, coloured by level, with its first finding as a
/// tooltip; what could not run in red.
fn chips(d: &Detection) -> String {
    let mut out = String::new();
    for c in &d.caught_by {
        let class = match (d.detector.as_str(), c.level) {
            ("measurement", _) => "meas",
            (_, Some(Level::Should)) => "should",
            (_, Some(Level::Observe)) => "small",
            _ => "must",
        };
        let count = if c.count > 1 {
            format!(" ×{}", c.count)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<span class=\"chip {class}\" title=\"{}\">{}{count}</span>",
            esc(&c.example),
            esc(&c.id)
        );
    }
    for p in d.problems.iter().chain(&d.error) {
        let _ = write!(out, "<span class=\"chip bad\">{}</span>", esc(p));
    }
    out
}
