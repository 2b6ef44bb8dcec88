//! `report.md` of a load run: fits a CI step summary; every string from the run is escaped.

use super::table::{
    HEADERS, cells, describe, kind_word, memory_line, timeline_line, totals_line, verdict_word,
};
use crate::load::measure::summary::LoadSummary;
use crate::report::text::{escape_md as escape, one_line};
use std::fmt::Write;

/// `report.md`.
pub fn render(summary: &LoadSummary) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# groupcheck load: {}\n\n{} against {}.\n\n{}\n",
        verdict_word(summary),
        escape(&describe(summary)),
        escape(&summary.target),
        escape(&totals_line(summary))
    );
    if let Some(memory) = memory_line(summary) {
        let _ = writeln!(md, "{}\n", escape(&memory));
    }
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
    if let Some(line) = timeline_line(summary) {
        let _ = writeln!(md, "\n{}", escape(&line));
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
