//! `report.md`, made for a GitHub Actions step summary (`cat report.md >> $GITHUB_STEP_SUMMARY`):
//! the verdict, totals, results by rule and by operation, the scenarios that stopped early or were
//! skipped, then
//! the failures (and warnings, and notes) grouped and in the order to fix them
//! ([`super::groups`]), each group in a `<details>` block with its count, the places it spans and
//! its first occurrence in full: statement, location, message, diff, received body, reproducer.
//!
//! Every string from the outcomes is escaped (HTML characters and Markdown punctuation as
//! character references; code fences longer than any backtick run inside), and the file stays
//! under [`MAX_BYTES`] (GitHub refuses step summaries over 1 MiB): findings that do not fit are
//! counted in a closing note that points at `report.html` and `summary.json`.

use super::groups::{Group, groups};
use super::tally::{
    OperationRow, RuleResult, RuleRow, by_operation, by_rule, profile_word, run_word, step_text,
};
use super::text::{clip, escape_md as escape, fmt_ms, visible_controls};
use crate::check::outcome::{Finding, RunOutcome, ScenarioOutcome, Severity};

/// The most `report.md` holds, in bytes.
pub const MAX_BYTES: usize = 1_000_000;
/// Room kept for the closing note.
const RESERVE: usize = 2_000;
/// Per finding: the diff and the reproducer are cut beyond these.
const MAX_DIFF: usize = 12_000;
const MAX_REPRODUCER: usize = 8_000;

pub fn render(outcome: &RunOutcome) -> String {
    render_with_cap(outcome, MAX_BYTES)
}

/// [`render`] with another size cap (tests use small ones).
pub fn render_with_cap(outcome: &RunOutcome, cap: usize) -> String {
    let mut doc = Doc {
        out: String::new(),
        cap: cap.saturating_sub(RESERVE),
        omitted: Vec::new(),
    };
    head(&mut doc, outcome);
    errors(&mut doc, outcome);
    skipped(&mut doc, outcome);
    rules_table(&mut doc, &by_rule(outcome));
    operations_table(&mut doc, &by_operation(outcome));
    let groups = groups(outcome);
    for (severity, title, mark) in [
        (Severity::Failure, "Failures", "❌"),
        (Severity::Warning, "Warnings", "⚠️"),
        (Severity::Note, "Notes", "ℹ️"),
    ] {
        findings(&mut doc, &groups, severity, title, mark);
    }
    doc.finish()
}

struct Doc {
    out: String,
    cap: usize,
    /// What did not fit: (count, what).
    omitted: Vec<(usize, &'static str)>,
}

impl Doc {
    /// Append `block` if it fits; once something has not fitted, nothing more is added.
    fn push(&mut self, block: &str) -> bool {
        if self.omitted.is_empty() && self.out.len() + block.len() <= self.cap {
            self.out.push_str(block);
            true
        } else {
            false
        }
    }

    fn omit(&mut self, n: usize, what: &'static str) {
        if n > 0 {
            self.omitted.push((n, what));
        }
    }

    fn finish(mut self) -> String {
        if !self.omitted.is_empty() {
            let what: Vec<String> = self
                .omitted
                .iter()
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            self.out.push_str(&format!(
                "\n> [!NOTE]\n> This summary was cut to stay under {} KB: {} not shown. \
                 `report.html` and `summary.json` in the run's report directory have everything.\n",
                MAX_BYTES / 1000,
                what.join(", ")
            ));
        }
        self.out
    }
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

/// A fenced code block that no content can close early.
fn fence(lang: &str, content: &str) -> String {
    let content = visible_controls(content);
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let ticks = "`".repeat((longest + 1).max(3));
    let body = content.trim_end_matches('\n');
    format!("{ticks}{lang}\n{body}\n{ticks}\n")
}

fn head(doc: &mut Doc, outcome: &RunOutcome) {
    let t = outcome.totals();
    let word = run_word(outcome);
    let mark = match word {
        "PASSED" if t.warnings > 0 => "✅ ⚠️",
        "PASSED" => "✅",
        "ABORTED" => "⛔",
        _ => "❌",
    };
    let mut s = format!("## {mark} groupcheck: {word}\n\n");
    s.push_str(&format!(
        "{} {} against {} · profile <code>{}</code> · run <code>{}</code> · started {} · took {}\n\n",
        t.scenarios,
        if t.scenarios == 1 {
            "scenario"
        } else {
            "scenarios"
        },
        code(&outcome.target),
        profile_word(outcome),
        escape(&outcome.run_id),
        escape(&outcome.started_at),
        fmt_ms(outcome.duration_ms),
    ));
    if let Some(reason) = &outcome.aborted {
        s.push_str(&format!(
            "> [!CAUTION]\n> The run was aborted: {}\n\n",
            escape(reason)
        ));
    }
    s.push_str("| scenarios | ✅ passed | ⚠️ warned | ❌ failed | 🛑 errors | ⏭️ skipped | failures | warnings | notes | requests |\n");
    s.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    s.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
        t.scenarios,
        t.passed,
        t.warned,
        t.failed,
        t.errors,
        t.skipped,
        t.failures,
        t.warnings,
        t.notes,
        t.requests
    ));
    doc.push(&s);
}

fn errors(doc: &mut Doc, outcome: &RunOutcome) {
    let stopped: Vec<&ScenarioOutcome> = outcome
        .scenarios
        .iter()
        .filter(|s| s.error.is_some() || !s.leftovers.is_empty())
        .collect();
    if stopped.is_empty() {
        return;
    }
    doc.push("### 🛑 Errors and leftovers\n\n");
    for (i, s) in stopped.iter().enumerate() {
        let mut line = format!("- **{}** ({})", escape(&s.name), code(&s.file));
        if let Some(error) = &s.error {
            line.push_str(&format!(": {}", escape(error)));
        }
        if !s.leftovers.is_empty() {
            line.push_str(&format!(
                " · groups left behind (cleanup failed): {}",
                escape(&s.leftovers.join(", "))
            ));
        }
        line.push('\n');
        if !doc.push(&line) {
            doc.omit(stopped.len() - i, "scenario errors");
            return;
        }
    }
    doc.push("\n");
}

/// The scenarios not run, with the reason (never silently).
fn skipped(doc: &mut Doc, outcome: &RunOutcome) {
    let skipped: Vec<(&ScenarioOutcome, &String)> = outcome
        .scenarios
        .iter()
        .filter_map(|s| s.skipped.as_ref().map(|r| (s, r)))
        .collect();
    if skipped.is_empty() {
        return;
    }
    doc.push("### ⏭️ Skipped\n\n");
    for (i, (s, reason)) in skipped.iter().enumerate() {
        let line = format!(
            "- **{}** ({}): {}\n",
            escape(&s.name),
            code(&s.file),
            escape(reason)
        );
        if !doc.push(&line) {
            doc.omit(skipped.len() - i, "skipped scenarios");
            return;
        }
    }
    doc.push("\n");
}

/// Rules with findings (or not fully exercised) in a table; the rules that passed after it,
/// folded when there is anything else to look at.
fn rules_table(doc: &mut Doc, rows: &[RuleRow<'_>]) {
    if rows.is_empty() {
        return;
    }
    let (passed, other): (Vec<&RuleRow<'_>>, Vec<&RuleRow<'_>>) =
        rows.iter().partition(|r| r.result() == RuleResult::Passed);
    doc.push("### Results by rule\n\n");
    if !other.is_empty() {
        doc.push("| rule | level | scenarios | failures | warnings | notes | result |\n|---|---|---:|---:|---:|---:|---|\n");
        for (i, r) in other.iter().enumerate() {
            let result = match r.result() {
                RuleResult::Failed => "❌ failed",
                RuleResult::Warned => "⚠️ warned",
                RuleResult::Incomplete => "🛑 incomplete",
                RuleResult::Noted => "ℹ️ noted",
                RuleResult::Passed => "✅ passed",
            };
            let row = format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                code(r.rule),
                r.level.map_or_else(|| "–".to_owned(), |l| l.to_string()),
                r.scenarios,
                r.failures,
                r.warnings,
                r.notes,
                result
            );
            if !doc.push(&row) {
                doc.omit(rows.len() - i, "rule rows");
                return;
            }
        }
        doc.push("\n");
    }
    if passed.is_empty() {
        return;
    }
    if !other.is_empty() {
        doc.push(&format!(
            "<details>\n<summary>✅ {} rule{} passed</summary>\n\n",
            passed.len(),
            if passed.len() == 1 { "" } else { "s" }
        ));
    }
    doc.push("| rule | scenarios | result |\n|---|---:|---|\n");
    for (i, r) in passed.iter().enumerate() {
        let row = format!("| {} | {} | ✅ passed |\n", code(r.rule), r.scenarios);
        if !doc.push(&row) {
            doc.omit(passed.len() - i, "rule rows");
            return;
        }
    }
    doc.push(if other.is_empty() {
        "\n"
    } else {
        "\n</details>\n\n"
    });
}

fn operations_table(doc: &mut Doc, rows: &[OperationRow<'_>]) {
    if rows.is_empty() {
        return;
    }
    doc.push("### Results by operation\n\n| operation | requests | statuses | p50 | max | failures | warnings |\n|---|---:|---|---:|---:|---:|---:|\n");
    for (i, r) in rows.iter().enumerate() {
        let row = format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            escape(r.name()),
            r.requests,
            escape(&r.statuses_text()),
            r.p50_ms().map_or_else(|| "–".to_owned(), fmt_ms),
            r.max_ms().map_or_else(|| "–".to_owned(), fmt_ms),
            r.failures,
            r.warnings
        );
        if !doc.push(&row) {
            doc.omit(rows.len() - i, "operation rows");
            return;
        }
    }
    doc.push("\n");
}

/// Places listed in a grouped finding.
const MAX_PLACES: usize = 20;

fn findings(doc: &mut Doc, all: &[Group<'_>], severity: Severity, title: &str, mark: &str) {
    let groups: Vec<&Group<'_>> = all.iter().filter(|g| g.severity == severity).collect();
    if groups.is_empty() {
        return;
    }
    let total: usize = groups.iter().map(|g| g.count()).sum();
    let what = match severity {
        Severity::Failure => "failures",
        Severity::Warning => "warnings",
        Severity::Note => "notes",
    };
    let heading = if groups.len() == total {
        format!("### {mark} {title} ({total})\n\n")
    } else {
        format!(
            "### {mark} {title} ({total}, {} distinct, most widespread first)\n\n",
            groups.len()
        )
    };
    if !doc.push(&heading) {
        doc.omit(total, what);
        return;
    }
    for (i, g) in groups.iter().enumerate() {
        if !doc.push(&group_block(g, mark)) {
            doc.omit(groups[i..].iter().map(|g| g.count()).sum(), what);
            return;
        }
    }
}

/// A group: its heading with the count, the places it spans, and the first occurrence in full.
fn group_block(g: &Group<'_>, mark: &str) -> String {
    let first = g.first();
    let (s, f) = (first.scenario, first.finding);
    let count = g.count_text();
    let mut b = format!(
        "<details>\n<summary>{mark} {}{} · {} · {}</summary>\n\n",
        code(&f.rule),
        if count.is_empty() {
            String::new()
        } else {
            format!(" · **{}**", escape(&count))
        },
        escape(&s.name),
        code(&first.place()),
    );
    b.push_str(&format!("> **{}** {}\n\n", f.level, escape(&f.statement)));
    if g.count() > 1 {
        let (places, more) = g.other_places(MAX_PLACES);
        b.push_str(&format!("**Seen {}**", escape(&count)));
        if !places.is_empty() {
            let list: Vec<String> = places.iter().map(|p| code(p)).collect();
            b.push_str(&format!(", also at {}", list.join(", ")));
            if more > 0 {
                b.push_str(&format!(" and {more} more"));
            }
        }
        b.push_str(". The first in full:\n\n");
    }
    b.push_str(&finding_block(s, f));
    b.push_str("</details>\n\n");
    b
}

/// One finding's where, what, diff, received body and reproducer.
fn finding_block(s: &ScenarioOutcome, f: &Finding) -> String {
    let mut b = String::new();
    b.push_str(&format!(
        "**Where:** {} {}{}<br>\n",
        code(&format!("{}:{}", s.file, f.line)),
        escape(&step_text(f.step, &f.step_label)),
        f.operation
            .as_deref()
            .map(|o| format!(" ({})", escape(o)))
            .unwrap_or_default()
    ));
    b.push_str(&format!("**What:** {}", escape(&f.message)));
    if let Some(pointer) = &f.pointer {
        b.push_str(&format!(
            " at {}",
            code(if pointer.is_empty() { "/" } else { pointer })
        ));
    }
    b.push_str("\n\n");
    if let Some(diff) = &f.diff {
        b.push_str(&fence("diff", &clip(diff, MAX_DIFF)));
        b.push('\n');
    }
    if let Some(received) = &f.received {
        b.push_str(&format!(
            "Received (around {}):\n\n",
            code(
                f.pointer
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .unwrap_or("/")
            )
        ));
        b.push_str(&fence("text", received));
        b.push('\n');
    }
    if let Some(curl) = &f.reproducer {
        b.push_str("Reproduce:\n\n");
        b.push_str(&fence("sh", &clip(curl, MAX_REPRODUCER)));
        b.push('\n');
    }
    b
}
