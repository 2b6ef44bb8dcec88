//! Reports of a capacity sweep: per operation, a table of latency percentiles against group
//! size with the knee marked (and, for the members listing, its cost per 1,000 members), each
//! threshold's answer (the largest size that meets it, the first that breaks it), and a log–log
//! chart (`chart.svg`, also inline in `report.html`).
//! Written as `summary.json` (`kind: "capacity"`), `report.md`, `report.html` and `chart.svg`.

use crate::load::capacity::{CapacitySummary, Point};
use crate::report::load::chart::{self, CapacitySeries};
use crate::report::load::html::head;
use crate::report::load::table::{COLUMNS, aborted_line};
use crate::report::text::{esc, escape_md as escape, fmt_ms};
use crate::units::thousands;
use console::Style;
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub fn write_all(summary: &CapacitySummary, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let svg = chart_svg(summary);
    let mut written = Vec::new();
    for (name, text) in [
        (
            "summary.json",
            serde_json::to_string_pretty(summary).unwrap_or_default() + "\n",
        ),
        ("report.md", markdown(summary)),
        ("report.html", html(summary, &svg)),
        ("chart.svg", svg.clone()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

pub fn chart_svg(summary: &CapacitySummary) -> String {
    let series: Vec<CapacitySeries> = summary
        .knees
        .iter()
        .map(|k| CapacitySeries {
            operation: k.operation.clone(),
            points: rows(summary, &k.operation)
                .iter()
                .filter(|p| p.count > 0)
                .map(|p| (p.size, p.p50_ms, p.p99_ms))
                .collect(),
            knee: k.knee.as_ref().map(|k| k.size),
        })
        .collect();
    let marks: Vec<chart::ThresholdMark> = summary
        .thresholds
        .iter()
        .map(|t| chart::ThresholdMark {
            text: t.threshold.clone(),
            bound_ms: t.bound_ms,
            breaking: t.first_breaking,
        })
        .collect();
    chart::capacity(&series, &marks)
}

fn rows<'a>(summary: &'a CapacitySummary, operation: &str) -> Vec<&'a Point> {
    let mut rows: Vec<&Point> = summary
        .points
        .iter()
        .filter(|p| p.operation == operation)
        .collect();
    rows.sort_by_key(|p| p.size);
    rows
}

/// Growth of p50 from the previous size, against the growth of the size: `×25.0 / ×10`.
fn growth(rows: &[&Point], i: usize) -> String {
    if i == 0 {
        return String::new();
    }
    let (a, b) = (rows[i - 1], rows[i]);
    format!(
        "×{:.1} / ×{:.0}",
        b.p50_ms.max(0.001) / a.p50_ms.max(0.001),
        b.size as f64 / a.size as f64
    )
}

/// The members listing's marginal cost: p50 growth per 1,000 more members since the previous
/// size (the fixed cost of a request cancels out).
fn per_thousand(rows: &[&Point], i: usize) -> String {
    if rows[i].operation != "members" || i == 0 {
        return String::new();
    }
    let (a, b) = (rows[i - 1], rows[i]);
    let ms = (b.p50_ms - a.p50_ms) * 1000.0 / (b.size - a.size).max(1) as f64;
    fmt_ms(ms.max(0.0))
}

const HEADERS: [&str; 13] = [
    "operation",
    "size",
    "requests",
    "errors",
    "violations",
    "p50",
    "p90",
    "p95",
    "p99",
    "p99.9",
    "max",
    "per 1,000 members",
    "p50 growth / size growth",
];

/// Each operation's rows as cells, with whether the row is its knee.
fn table(summary: &CapacitySummary) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    for k in &summary.knees {
        let rows = rows(summary, &k.operation);
        for (i, p) in rows.iter().enumerate() {
            let is_knee = k.knee.as_ref().is_some_and(|knee| knee.size == p.size);
            let mut cells = vec![
                k.operation.clone(),
                thousands(p.size),
                p.requests.to_string(),
                p.errors.to_string(),
                p.violations.to_string(),
            ];
            cells.extend(p.percentiles().iter().map(|ms| fmt_ms(*ms)));
            cells.push(per_thousand(&rows, i));
            cells.push(growth(&rows, i) + if is_knee { "  ← knee" } else { "" });
            out.push((cells, is_knee));
        }
    }
    out
}

/// Sizes whose schedule was not kept: the open model's late and dropped starts.
pub fn schedule_lines(summary: &CapacitySummary) -> Vec<String> {
    summary
        .runs
        .iter()
        .filter(|r| r.totals.dropped + r.totals.late > 0)
        .map(|r| {
            format!(
                "at {} members: {} of {} arrivals dropped (every session busy), {} started late",
                thousands(r.size),
                r.totals.dropped,
                r.totals.scheduled(),
                r.totals.late
            )
        })
        .collect()
}

/// Each threshold's answer: the planner's sentence.
pub fn threshold_lines(summary: &CapacitySummary) -> Vec<String> {
    summary
        .thresholds
        .iter()
        .map(|t| {
            let meets = match t.largest_meeting {
                Some(size) => format!("holds up to {} members", thousands(size)),
                None => "holds at no size".to_owned(),
            };
            match t.first_breaking {
                Some(size) => format!(
                    "threshold \"{}\" {meets}; breached at {} members (observed {}, allowed {})",
                    t.threshold,
                    thousands(size),
                    t.observed_at_break.as_deref().unwrap_or("?"),
                    t.allowed
                ),
                None => format!("threshold \"{}\" {meets}: met at every size", t.threshold),
            }
        })
        .collect()
}

/// Operations and sizes with too few answers for their median to be judged.
pub fn thin_lines(summary: &CapacitySummary) -> Vec<String> {
    summary
        .thin()
        .iter()
        .map(|p| {
            format!(
                "{} at {} members: {} answers, fewer than the {} a knee needs: not judged (raise --duration or --rate)",
                p.operation,
                thousands(p.size),
                p.count,
                summary.min_samples
            )
        })
        .collect()
}

/// Every sentence of the report, before the table: thresholds, knees, thin samples, schedule.
pub fn lines(summary: &CapacitySummary) -> Vec<String> {
    threshold_lines(summary)
        .into_iter()
        .chain(knee_lines(summary))
        .chain(thin_lines(summary))
        .chain(schedule_lines(summary))
        .chain(phase_line(summary))
        .collect()
}

/// How the operations were measured: one at a time, or together and why.
fn phase_line(summary: &CapacitySummary) -> Option<String> {
    match (&summary.mixed, summary.phases.as_slice()) {
        (Some(why), _) => Some(why.clone()),
        (None, []) => None,
        (None, phases) => Some(format!(
            "measured one operation at a time at each size ({}), so one operation's cost does not show in another's latency (--mixed runs them together)",
            phases.join(", ")
        )),
    }
}

/// The knee sentence of each operation.
pub fn knee_lines(summary: &CapacitySummary) -> Vec<String> {
    summary
        .knees
        .iter()
        .map(|k| match &k.knee {
            Some(knee) => format!(
                "{}: knee at {} members: p50 grew ×{:.1} from {} members (at least ×{:.1} within the noise), where {} growth predicts ×{:.0}",
                k.operation,
                thousands(knee.size),
                knee.latency_ratio,
                thousands(knee.from),
                knee.lower_ratio,
                k.expected.word(),
                knee.expected_ratio
            ),
            None => format!(
                "{}: no knee: p50 never grew clearly beyond {} growth (×{:.2} from the smallest size to the largest)",
                k.operation,
                k.expected.word(),
                k.growth.unwrap_or(1.0)
            ),
        })
        .collect()
}

pub fn console(summary: &CapacitySummary) -> String {
    let table = table(summary);
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for (cells, _) in &table {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w - c.chars().count());
                if i == 0 || i == cells.len() - 1 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = String::new();
    let headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", Style::new().bold().apply_to(line(&headers)));
    for (cells, knee) in &table {
        let text = line(cells);
        let _ = writeln!(
            out,
            "{}",
            if *knee {
                Style::new().red().bold().apply_to(text)
            } else {
                Style::new().apply_to(text)
            }
        );
    }
    for k in lines(summary) {
        let _ = writeln!(out, "{k}");
    }
    aborted_line(&mut out, summary.aborted.as_deref());
    out
}

fn describe(summary: &CapacitySummary) -> String {
    format!(
        "{} requests/s for {}s{} at each size ({}), against {}",
        summary.rate,
        summary.duration_s,
        if summary.phases.is_empty() {
            ""
        } else {
            " per operation"
        },
        summary
            .sizes
            .iter()
            .map(|s| thousands(*s))
            .collect::<Vec<_>>()
            .join(", "),
        summary.target
    )
}

pub fn markdown(summary: &CapacitySummary) -> String {
    let mut md = format!(
        "# groupcheck capacity\n\n{}.\n\n",
        escape(&describe(summary))
    );
    for k in lines(summary) {
        let _ = writeln!(md, "- {}", escape(&k));
    }
    if let Some(reason) = &summary.aborted {
        let _ = writeln!(md, "\n**Aborted:** {}", escape(reason));
    }
    let _ = writeln!(
        md,
        "\n| {} |\n|{}",
        HEADERS.join(" | "),
        "---|".repeat(HEADERS.len())
    );
    for (cells, knee) in table(summary) {
        let cells: Vec<String> = cells
            .iter()
            .map(|c| {
                if knee {
                    format!("**{}**", escape(c))
                } else {
                    escape(c)
                }
            })
            .collect();
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
    md.push_str("\nThe chart is `chart.svg` next to this file (and inline in `report.html`).\n");
    md
}

pub fn html(summary: &CapacitySummary, svg: &str) -> String {
    let mut h = head(
        &format!("groupcheck capacity · {}", summary.run_id),
        &summary.tool,
    );
    let _ = writeln!(
        h,
        "<h1>groupcheck capacity</h1>\n<p class=\"muted\">Run {} · {} · started {}</p>\n<ul>",
        esc(&summary.run_id),
        esc(&describe(summary)),
        esc(&summary.started_at)
    );
    for k in lines(summary) {
        let _ = writeln!(h, "<li>{}</li>", esc(&k));
    }
    h.push_str("</ul>\n");
    if let Some(reason) = &summary.aborted {
        let _ = writeln!(h, "<p><strong>Aborted:</strong> {}</p>", esc(reason));
    }
    let _ = writeln!(h, "<figure>{svg}</figure>");
    h.push_str("<h2>Latency against group size</h2>\n<table><tr>");
    for (i, c) in HEADERS.iter().enumerate() {
        let class = if i == 0 || i == HEADERS.len() - 1 {
            " class=\"l\""
        } else {
            ""
        };
        let _ = write!(h, "<th{class}>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for (cells, knee) in table(summary) {
        let _ = write!(h, "<tr{}>", if knee { " class=\"knee\"" } else { "" });
        for (i, c) in cells.iter().enumerate() {
            let class = if i == 0 || i == cells.len() - 1 {
                " class=\"l\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"muted\">Percentiles of latency from each request's intended start ({}), per size; the knee is the first size where p50 grows clearly beyond the operation's expected growth (flat; linear for members), beyond the 95 % interval of the medians and ×{} of margin.</p>\n<footer class=\"muted\">Written by {}.</footer>\n</body>\n</html>",
        COLUMNS.join(", "),
        crate::load::capacity::knee::MARGIN,
        esc(&summary.tool)
    );
    h
}
