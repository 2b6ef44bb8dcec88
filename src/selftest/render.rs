//! The detection matrix, written out: console lines, `selftest.md`, `selftest.json` and a
//! self-contained `selftest.html` (inline CSS, no scripts, no external resources). Readers only:
//! nothing here judges.

use super::{CorrectRow, Detection, FaultRow, SelftestOutcome, Status};
use crate::report::text::esc;
use crate::spec::Level;
use std::collections::BTreeSet;
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
        Status::Caught => "✓",
        Status::Awaiting => "…",
        Status::Escaped => "✗",
    }
}

/// What caught a fault, in one line: rule ids of `check` as they are, `(should)` after a rule
/// that only fails under the strict profile, other detectors named.
pub fn caught_text(row: &FaultRow) -> String {
    match row.status {
        Status::Caught => {
            let parts: Vec<String> = row
                .detections
                .iter()
                .filter(|d| d.caught())
                .map(detection_text)
                .collect();
            parts.join("; ")
        }
        Status::Awaiting => format!(
            "awaiting {}: nothing else catches it; not counted as caught until {} is plugged in",
            row.awaiting.as_deref().unwrap_or("?"),
            row.awaiting.as_deref().unwrap_or("?")
        ),
        Status::Escaped => {
            let mut text = "ESCAPED: no detector caught it".to_owned();
            for d in &row.detections {
                if let Some(e) = &d.error {
                    let _ = write!(text, "; {} could not run: {e}", d.detector);
                }
            }
            text
        }
    }
}

fn detection_text(d: &Detection) -> String {
    match d.detector.as_str() {
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
    }
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
        "{}: {} faults: {} caught, {} awaiting a detector, {} escaped · correct emulator {} · {:.1} s",
        if outcome.exit_code() == 0 {
            "PASSED"
        } else {
            "FAILED"
        },
        s.faults,
        s.caught,
        s.awaiting,
        s.escaped,
        if s.correct_passed {
            "clean"
        } else {
            "NOT clean"
        },
        outcome.duration_ms / 1000.0
    )
}

/// The matrix for the terminal: one line per fault, then the correct emulator and the verdict.
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
    let _ = writeln!(out, "detection matrix (fault → what caught it):");
    for row in &outcome.faults {
        let _ = writeln!(
            out,
            "  {} {:width$}  {}",
            mark(row.status),
            row.fault,
            caught_text(row)
        );
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
        "Every fault is injected alone into an emulator; each detector runs against it without \
         knowing which. `check` runs under `--profile strict`, so `should` rules count (marked \
         *(should)*). A fault *awaiting* a detector is caught by nothing yet and waits for a \
         detector that is not plugged in; it does not fail the run.\n"
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
    let _ = writeln!(m, "\n## Detection matrix\n");
    let _ = writeln!(m, "| | fault | family | caught by |\n|---|---|---|---|");
    for row in &outcome.faults {
        let _ = writeln!(
            m,
            "| {} | `{}` | {} | {} |",
            mark(row.status),
            md(&row.fault),
            md(&row.family),
            md(&caught_text(row))
        );
    }
    let _ = writeln!(m, "\n## The faults\n");
    for row in &outcome.faults {
        let _ = writeln!(m, "- `{}`: {}", md(&row.fault), md(&row.description));
    }
    m
}

// ---- HTML -----------------------------------------------------------------------------------

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.4em}.verdict{font-weight:bold;padding:.4em .8em;display:inline-block;border-radius:4px}\
.pass{background:#dcf5dc}.fail{background:#f8d7d7}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}\
th.rule{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;font-size:12px}\
td.hit{background:#dcf5dc;text-align:center}td.should{background:#fff3c4;text-align:center}\
td.meas{background:#dbe8fb;text-align:center}td.bad{background:#f8d7d7;text-align:center}\
tr.escaped td.name{background:#f8d7d7}tr.awaiting td.name{background:#eee}\
code{font-size:12px}.small{font-size:12px;color:#555}";

pub fn html(outcome: &SelftestOutcome) -> String {
    // Columns: every id that caught something (or fired on the correct emulator), rules first in
    // catalogue order, then the non-rule ids (measurement).
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for d in outcome
        .faults
        .iter()
        .flat_map(|f| &f.detections)
        .chain(&outcome.correct.detections)
    {
        ids.extend(d.caught_by.iter().map(|c| c.id.clone()));
    }
    let catalogue = crate::spec::Catalogue::get();
    let mut columns: Vec<String> = catalogue
        .rules()
        .iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    columns.extend(ids.iter().filter(|i| catalogue.find(i).is_none()).cloned());

    let mut h = String::with_capacity(64 * 1024);
    let ok = outcome.exit_code() == 0;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>groupcheck selftest · {run}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <h1>groupcheck selftest · {run}</h1>\n<p class=\"verdict {cls}\">{verdict}</p>\n",
        run = esc(&outcome.run_id),
        cls = if ok { "pass" } else { "fail" },
        verdict = esc(&verdict_line(outcome)),
    );
    let _ = write!(
        h,
        "<p>Each fault is injected alone into an emulator; the detectors run against it without knowing which. \
         <code>check</code> runs under <code>--profile strict</code>: a yellow cell is a <em>should</em> rule, \
         green a <em>must</em>, blue a measurement (not a conformance rule). A fault awaiting a detector is \
         caught by nothing yet and waits for a detector that is not plugged in.</p>\n<ul>\n"
    );
    for d in &outcome.detectors {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {}</li>",
            esc(&d.name),
            esc(&d.description)
        );
    }
    let _ = write!(
        h,
        "</ul>\n<table>\n<thead><tr><th></th><th>fault</th><th>family</th>"
    );
    for c in &columns {
        let title = catalogue
            .find(c)
            .map(|r| format!("[{}] {}", r.level, r.statement))
            .unwrap_or_else(|| "latency against group size".to_owned());
        let _ = write!(
            h,
            "<th class=\"rule\" title=\"{}\">{}</th>",
            esc(&title),
            esc(c)
        );
    }
    let _ = writeln!(h, "<th>status</th></tr></thead>\n<tbody>");
    // The correct emulator first: every cell must be empty.
    let _ = write!(
        h,
        "<tr><td>{}</td><td class=\"name\"><b>correct emulator</b></td><td></td>",
        if outcome.correct.passed { "✓" } else { "✗" }
    );
    for c in &columns {
        match find(&outcome.correct.detections, c) {
            Some((count, example)) => {
                let _ = write!(
                    h,
                    "<td class=\"bad\" title=\"{}\">✗ {count}</td>",
                    esc(example)
                );
            }
            None => h.push_str("<td></td>"),
        }
    }
    let _ = writeln!(
        h,
        "<td>{}</td></tr>",
        if outcome.correct.passed {
            "clean"
        } else {
            "NOT clean"
        }
    );
    for row in &outcome.faults {
        let class = match row.status {
            Status::Caught => "caught",
            Status::Awaiting => "awaiting",
            Status::Escaped => "escaped",
        };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td>{}</td><td class=\"name\" title=\"{}\"><code>{}</code></td><td class=\"small\">{}</td>",
            mark(row.status),
            esc(&row.description),
            esc(&row.fault),
            esc(&row.family)
        );
        for c in &columns {
            match find(&row.detections, c) {
                Some((count, example)) => {
                    let cell = if c == "measurement" {
                        "meas"
                    } else if catalogue.find(c).is_some_and(|r| r.level == Level::Should) {
                        "should"
                    } else {
                        "hit"
                    };
                    let _ = write!(
                        h,
                        "<td class=\"{cell}\" title=\"{}\">✓{}</td>",
                        esc(example),
                        if count > 1 {
                            format!(" {count}")
                        } else {
                            String::new()
                        }
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        let status = match row.status {
            Status::Awaiting => format!("awaiting {}", row.awaiting.as_deref().unwrap_or("?")),
            _ => class.to_owned(),
        };
        let _ = writeln!(h, "<td>{}</td></tr>", esc(&status));
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    let _ = writeln!(
        h,
        "<h2>Details</h2>\n<table>\n<thead><tr><th>fault</th><th>what it gets wrong</th><th>caught by</th><th>first finding</th></tr></thead>\n<tbody>"
    );
    for row in &outcome.faults {
        let first = row
            .detections
            .iter()
            .flat_map(|d| d.caught_by.first())
            .next()
            .map(|c| c.example.as_str())
            .unwrap_or("");
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
            esc(&row.fault),
            esc(&row.description),
            esc(&caught_text(row)),
            esc(first)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n<h2>Correct emulator</h2>\n<ul>");
    for d in &outcome.correct.detections {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {}</li>",
            esc(&d.detector),
            esc(&d.summary)
        );
    }
    let _ = writeln!(
        h,
        "</ul>\n<p class=\"small\">Written by {} at {}; every field is in <code>selftest.json</code> next to this file.</p>\n</body>\n</html>",
        esc(&outcome.tool),
        esc(&outcome.started_at)
    );
    h
}

/// The count and first example of `id` among some detections.
fn find<'a>(detections: &'a [Detection], id: &str) -> Option<(usize, &'a str)> {
    detections
        .iter()
        .flat_map(|d| &d.caught_by)
        .find(|c| c.id == id)
        .map(|c| (c.count, c.example.as_str()))
}
