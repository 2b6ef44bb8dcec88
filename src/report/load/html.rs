//! `report.html` of a load run and of a capacity sweep: one self-contained page (inline CSS and
//! SVG, no script, nothing loaded from anywhere; a Content-Security-Policy forbids it), with every
//! string from the run HTML-escaped.

use crate::load::measure::bucket;
use crate::load::measure::summary::LoadSummary;
use crate::report::load::table::{
    COLUMNS, describe, kind_word, memory_line, totals_line, verdict_word,
};
use crate::report::load::{nines, over_time};
use crate::report::text::{clip, esc, esc_attr, fmt_ms};
use std::fmt::Write;

pub const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;padding:0 16px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}\
.ok{background:#1a7f37}.bad{background:#cf222e}.warn{background:#9a6700}\
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f6f8fa;white-space:normal;vertical-align:bottom}\
td:first-child,th:first-child,td.l,th.l{text-align:left}\
.knee{background:#ffebe9;font-weight:600}\
pre{background:#f6f8fa;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all}\
details{margin:6px 0}summary{cursor:pointer}.muted{color:#57606a}\
figure{margin:12px 0}svg{max-width:100%;height:auto}";

/// The head of a page, up to and including `<body>`.
pub fn head(title: &str, tool: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"{}\">\n\
<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc_attr(tool),
        esc(title)
    )
}

pub fn render(summary: &LoadSummary) -> String {
    let word = verdict_word(summary);
    let class = match word {
        "PASSED" => "ok",
        "ABORTED" => "warn",
        _ => "bad",
    };
    let mut h = head(
        &format!("groupcheck load {word} · {}", summary.run_id),
        &summary.tool,
    );
    let _ = write!(
        h,
        "<h1>groupcheck load <span class=\"verdict {class}\">{word}</span></h1>\n\
<p class=\"muted\">Run {} against {} · {} · started {}</p>\n<p>{}</p>\n",
        esc(&summary.run_id),
        esc(&summary.target),
        esc(&describe(summary)),
        esc(&summary.started_at),
        esc(&totals_line(summary))
    );
    if let Some(memory) = memory_line(summary) {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", esc(&memory));
    }
    if let Some(reason) = &summary.aborted {
        let _ = writeln!(h, "<p><strong>Aborted:</strong> {}</p>", esc(reason));
    }
    if !summary.thresholds.is_empty() {
        h.push_str("<h2>Thresholds</h2>\n<table><tr><th class=\"l\">result</th><th class=\"l\">threshold</th><th>observed</th><th>allowed</th></tr>\n");
        for t in &summary.thresholds {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"l\"><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                if t.passed {
                    "pass"
                } else {
                    "<strong>FAIL</strong>"
                },
                esc(&t.threshold),
                esc(&t.observed),
                esc(&t.allowed)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Latency by operation and group size</h2>\n<table><tr><th>operation</th><th class=\"l\">group size</th><th>requests</th><th>transport errors</th><th>HTTP errors</th><th>violations</th><th>validated</th>");
    for c in COLUMNS {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr>\n");
    for o in &summary.operations {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&o.operation),
            esc(&bucket::display(&o.bucket)),
            o.requests,
            o.transport_errors,
            o.http_errors,
            o.violations,
            o.validated
        );
        for ms in o.percentiles() {
            let _ = write!(
                h,
                "<td>{}</td>",
                if o.count == 0 { "-".into() } else { fmt_ms(ms) }
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h.push_str(&nines::section(summary));
    h.push_str(&over_time::section(summary));
    failures(&mut h, summary);
    let c = &summary.cleanup;
    let _ = writeln!(
        h,
        "<h2>Clean-up</h2>\n<p>{} groups created, {} deleted, {} left{}.</p>",
        c.created,
        c.deleted,
        c.leftovers.len(),
        if c.leftovers.is_empty() {
            String::new()
        } else {
            format!(": {}", esc(&c.leftovers.join(", ")))
        }
    );
    for p in &c.teardown_problems {
        let _ = writeln!(h, "<p>teardown: {}</p>", esc(p));
    }
    let _ = writeln!(
        h,
        "<footer class=\"muted\">Written by {}. The histograms, uncut, are in <code>summary.json</code> next to this file.</footer>\n</body>\n</html>",
        esc(&summary.tool)
    );
    h
}

fn failures(h: &mut String, summary: &LoadSummary) {
    if summary.failures.is_empty() {
        return;
    }
    h.push_str("<h2>Failures</h2>\n");
    for g in &summary.failures {
        let _ = writeln!(
            h,
            "<details open><summary><strong>{}</strong> <code>{}</code> ({}) ×{}</summary>",
            kind_word(g.kind),
            esc(&g.what),
            esc(&g.operation),
            g.count
        );
        for e in &g.examples {
            let _ = write!(h, "<p>{}", esc(&clip(&e.message, 2000)));
            if let Some(p) = &e.pointer {
                let _ = write!(h, " at <code>{}</code>", esc(p));
            }
            h.push_str("</p>\n");
            if let Some(diff) = &e.diff {
                let _ = writeln!(h, "<pre>{}</pre>", esc(&clip(diff, 8000)));
            }
            if let Some(curl) = &e.reproducer {
                let _ = writeln!(h, "<pre>{}</pre>", esc(&clip(curl, 4000)));
            }
        }
        h.push_str("</details>\n");
    }
}
