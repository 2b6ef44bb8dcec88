//! `report.html`: one self-contained page (inline CSS, hand-drawn inline SVG, no fonts, images or
//! scripts from anywhere; one small inline script adds filtering and the page reads fully
//! without it). Header with the verdict, totals, a chart of scenario verdicts and one of findings
//! by rule, the failures and warnings grouped and in the order to fix them ([`groups`]), results
//! by rule and by operation, then every scenario in a `<details>` (open when it
//! failed or stopped) with its steps and findings: statement, location, message, JSON pointer,
//! the diff coloured by line and the curl reproducer.
//!
//! Every string from the outcomes is HTML-escaped (bodies come from servers we do not trust),
//! control characters are shown as their Unicode pictures, long fields are cut (summary.json
//! keeps them whole), and a Content-Security-Policy with a per-report nonce keeps anything that
//! slipped through from running or loading.

use super::tally::{
    OperationRow, RuleResult, RuleRow, by_operation, by_rule, profile_word, run_word,
    severity_word, step_text, verdict_word,
};
use super::text::{clip, esc, esc_attr, fmt_ms, short};
use crate::check::outcome::{Finding, RunOutcome, ScenarioOutcome, Severity, Totals, Verdict};
use assets::{CSS, FILTERS, SCRIPT};
use charts::{findings_chart, verdict_chart};
use std::fmt::Write;

mod assets;
mod charts;
mod groups;

/// Per finding, fields are cut beyond these many bytes.
const MAX_DIFF: usize = 64_000;
const MAX_REPRODUCER: usize = 16_000;
const MAX_TEXT: usize = 4_000;
/// A finding's message is cut to this in its summary line (whole, up to MAX_TEXT, below it).
const SUMMARY_MESSAGE: usize = 300;
/// Diffs and reproducers together stop being written beyond this many bytes (a run where every
/// step fails with a huge body would otherwise make a page no browser opens comfortably).
const MAX_DETAILS_TOTAL: usize = 8_000_000;
/// Rules drawn in the findings chart; the rest are counted under it.
const CHART_RULES: usize = 15;

/// [`esc`] after cutting to `max` bytes.
fn esc_clip(s: &str, max: usize) -> String {
    esc(&clip(s, max))
}

pub fn render(outcome: &RunOutcome) -> String {
    let nonce = format!("{:032x}", rand::random::<u128>());
    let totals = outcome.totals();
    let rules = by_rule(outcome);
    let operations = by_operation(outcome);
    let word = run_word(outcome);
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="{tool}">
<title>groupcheck {word} · {run_id}</title>
<style>{CSS}</style>
</head>
<body>
"#,
        tool = esc_attr(&outcome.tool),
        run_id = esc_attr(&outcome.run_id),
    );
    header(&mut h, outcome, &totals, word);
    nav(&mut h, outcome);
    totals_tiles(&mut h, &totals);
    let _ = write!(
        h,
        "<section class=\"charts\">\n<figure>\n<figcaption>Scenario verdicts</figcaption>\n{}</figure>\n<figure>\n<figcaption>Findings by rule</figcaption>\n{}</figure>\n</section>\n",
        verdict_chart(&totals),
        findings_chart(&rules)
    );
    groups::section(&mut h, outcome);
    rules_table(&mut h, outcome, &rules);
    operations_table(&mut h, &operations);
    scenarios(&mut h, outcome);
    let _ = write!(
        h,
        "<footer>Written by {} for run {}. Every field, uncut, is in <code>summary.json</code> next to this file.</footer>\n<script nonce=\"{nonce}\">{SCRIPT}</script>\n</body>\n</html>\n",
        esc(&outcome.tool),
        esc(&outcome.run_id)
    );
    h
}

fn header(h: &mut String, outcome: &RunOutcome, t: &Totals, word: &str) {
    let class = match word {
        "PASSED" if t.warnings > 0 => "passed warned",
        "PASSED" => "passed",
        "ABORTED" => "aborted",
        _ => "failed",
    };
    let sub = if word == "PASSED" && t.warnings > 0 {
        format!(
            " <span class=\"sub\">with {} warning{}</span>",
            t.warnings,
            plural(t.warnings)
        )
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<header class=\"run {class}\">\n<div class=\"verdict\">{word}{sub}</div>\n<h1>groupcheck conformance report</h1>\n<dl class=\"meta\">\n"
    );
    for (k, v) in [
        ("target", outcome.target.as_str()),
        ("service plan", outcome.service_plan_id.as_str()),
        ("run id", outcome.run_id.as_str()),
        ("profile", profile_word(outcome)),
        ("started", outcome.started_at.as_str()),
        ("duration", &fmt_ms(outcome.duration_ms)),
        ("tool", outcome.tool.as_str()),
    ] {
        let _ = writeln!(
            h,
            "<div><dt>{k}</dt><dd>{}</dd></div>",
            esc_clip(v, MAX_TEXT)
        );
    }
    h.push_str("</dl>\n</header>\n");
    if let Some(reason) = &outcome.aborted {
        let _ = writeln!(
            h,
            "<p class=\"banner\"><strong>The run was aborted:</strong> {}. Scenarios that did not finish are marked <em>error</em>.</p>",
            esc_clip(reason, MAX_TEXT)
        );
    }
}

/// Links to the sections, and to the first failed or stopped scenario.
fn nav(h: &mut String, outcome: &RunOutcome) {
    let _ = write!(
        h,
        "<nav class=\"toc\"><a href=\"#to-fix\">To fix</a> · <a href=\"#rules\">Results by rule</a> · <a href=\"#operations\">Results by operation</a> · <a href=\"#scenarios\">Scenarios ({})</a>",
        outcome.scenarios.len()
    );
    if let Some(i) = outcome
        .scenarios
        .iter()
        .position(|s| s.verdict >= Verdict::Failed)
    {
        let _ = write!(h, " · <a href=\"#s{i}\">first failed scenario</a>");
    }
    h.push_str("</nav>\n");
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn totals_tiles(h: &mut String, t: &Totals) {
    h.push_str("<section class=\"totals\" aria-label=\"totals\">\n");
    for (label, n, class) in [
        ("scenarios", t.scenarios, ""),
        ("passed", t.passed, "passed"),
        ("warned", t.warned, "warned"),
        ("failed", t.failed, "failed"),
        ("errors", t.errors, "error"),
        ("skipped", t.skipped, "skipped"),
        ("failures", t.failures, "failed"),
        ("warnings", t.warnings, "warned"),
        ("notes", t.notes, "note"),
        ("requests", t.requests, ""),
    ] {
        let class = if n > 0 { class } else { "zero" };
        let _ = writeln!(
            h,
            "<div class=\"tile {class}\"><span class=\"n\">{n}</span><span class=\"l\">{label}</span></div>"
        );
    }
    h.push_str("</section>\n");
}

fn result_badge(r: RuleResult) -> String {
    let class = match r {
        RuleResult::Failed => "failed",
        RuleResult::Warned => "warned",
        RuleResult::Incomplete => "error",
        RuleResult::Noted => "note",
        RuleResult::Passed => "passed",
    };
    format!("<span class=\"badge {class}\">{}</span>", r.word())
}

fn rules_table(h: &mut String, outcome: &RunOutcome, rules: &[RuleRow<'_>]) {
    // Each rule's first finding, to link to.
    let mut first: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for (i, s) in outcome.scenarios.iter().enumerate() {
        for (j, f) in s.findings.iter().enumerate() {
            first
                .entry(f.rule.as_str())
                .or_insert_with(|| format!("s{i}-f{j}"));
        }
    }
    h.push_str("<section id=\"rules\">\n<h2>Results by rule</h2>\n");
    if rules.is_empty() {
        h.push_str("<p class=\"empty\">No rule was exercised.</p>\n</section>\n");
        return;
    }
    let (passed, other): (Vec<&RuleRow<'_>>, Vec<&RuleRow<'_>>) =
        rules.iter().partition(|r| r.result() == RuleResult::Passed);
    if !other.is_empty() {
        rule_rows(h, &other, &first);
    }
    if !passed.is_empty() {
        if other.is_empty() {
            rule_rows(h, &passed, &first);
        } else {
            let _ = writeln!(
                h,
                "<details class=\"passed-rules\">\n<summary>{} rule{} passed with no finding</summary>",
                passed.len(),
                plural(passed.len())
            );
            rule_rows(h, &passed, &first);
            h.push_str("</details>\n");
        }
    }
    h.push_str("<p class=\"hint\">A rule is exercised when a scenario lists it or has a finding for it. Levels are known for rules with findings; the rule catalogue (<code>specs/rules.yaml</code>) has the others.</p>\n</section>\n");
}

fn rule_rows(
    h: &mut String,
    rules: &[&RuleRow<'_>],
    first: &std::collections::HashMap<&str, String>,
) {
    // Levels come with findings only: no column when no row has one.
    let levels = rules.iter().any(|r| r.level.is_some());
    let _ = write!(
        h,
        "<table class=\"grid\">\n<thead><tr><th>rule</th>{}<th class=\"num\">scenarios</th>",
        if levels { "<th>level</th>" } else { "" }
    );
    h.push_str("<th class=\"num\">failures</th><th class=\"num\">warnings</th><th class=\"num\">notes</th><th>result</th></tr></thead>\n<tbody>\n");
    for r in rules {
        let statement = r
            .statement
            .map(|s| format!("<div class=\"statement\">{}</div>", esc_clip(s, MAX_TEXT)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}{statement}</td>{}<td class=\"num\">{}</td><td class=\"num{}\">{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            match first.get(r.rule) {
                Some(anchor) => format!(
                    "<a href=\"#{anchor}\" title=\"first finding\"><code>{}</code></a>",
                    esc(r.rule)
                ),
                None => format!("<code>{}</code>", esc(r.rule)),
            },
            if levels {
                format!(
                    "<td>{}</td>",
                    r.level.map_or_else(|| "–".to_owned(), |l| l.to_string())
                )
            } else {
                String::new()
            },
            r.scenarios,
            if r.failures > 0 { " bad" } else { "" },
            r.failures,
            if r.warnings > 0 { " meh" } else { "" },
            r.warnings,
            r.notes,
            result_badge(r.result())
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn operations_table(h: &mut String, rows: &[OperationRow<'_>]) {
    h.push_str("<section id=\"operations\">\n<h2>Results by operation</h2>\n");
    if rows.is_empty() {
        h.push_str("<p class=\"empty\">No request was made.</p>\n</section>\n");
        return;
    }
    h.push_str("<table class=\"grid\">\n<thead><tr><th>operation</th><th class=\"num\">requests</th><th>statuses seen</th><th class=\"num\">p50</th><th class=\"num\">max</th><th class=\"num\">failures</th><th class=\"num\">warnings</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td class=\"num{}\">{}</td></tr>",
            esc(r.name()),
            r.requests,
            esc(&r.statuses_text()),
            r.p50_ms().map_or_else(|| "–".to_owned(), fmt_ms),
            r.max_ms().map_or_else(|| "–".to_owned(), fmt_ms),
            if r.failures > 0 { " bad" } else { "" },
            r.failures,
            if r.warnings > 0 { " meh" } else { "" },
            r.warnings
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn scenarios(h: &mut String, outcome: &RunOutcome) {
    let _ = write!(
        h,
        "<section id=\"scenarios\">\n<h2>Scenarios ({})</h2>\n",
        outcome.scenarios.len()
    );
    h.push_str(FILTERS);
    if outcome.scenarios.is_empty() {
        h.push_str("<p class=\"empty\">No scenario ran.</p>\n");
    }
    let mut budget = MAX_DETAILS_TOTAL;
    for (i, s) in outcome.scenarios.iter().enumerate() {
        scenario(h, i, s, &mut budget);
    }
    h.push_str("</section>\n");
}

fn count_text(s: &ScenarioOutcome) -> String {
    let mut parts = Vec::new();
    for (severity, word) in [
        (Severity::Failure, "failure"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ] {
        let n = s.findings.iter().filter(|f| f.severity == severity).count();
        if n > 0 {
            parts.push(format!("{n} {word}{}", plural(n)));
        }
    }
    parts.join(" · ")
}

fn scenario(h: &mut String, i: usize, s: &ScenarioOutcome, budget: &mut usize) {
    let verdict = verdict_word(s.verdict);
    let open = if s.verdict >= Verdict::Failed {
        " open"
    } else {
        ""
    };
    let mut text = format!("{} {} {}", s.name, s.file, s.rules.join(" "));
    for f in &s.findings {
        if !s.rules.contains(&f.rule) {
            text.push(' ');
            text.push_str(&f.rule);
        }
    }
    let text = text.to_lowercase();
    let _ = write!(
        h,
        "<details class=\"scenario {verdict}\" id=\"s{i}\" data-verdict=\"{verdict}\" data-text=\"{}\"{open}>\n<summary><span class=\"badge {verdict}\">{verdict}</span> <span class=\"name\">{}</span> <span class=\"file\">{}</span><span class=\"right\"><span class=\"counts\">{}</span> <span class=\"ms\">{}</span></span></summary>\n<div class=\"body\">\n",
        esc_attr(&clip(&text, MAX_TEXT)),
        esc_clip(&s.name, MAX_TEXT),
        esc_clip(&s.file, MAX_TEXT),
        count_text(s),
        fmt_ms(s.duration_ms)
    );
    if let Some(reason) = &s.skipped {
        let _ = writeln!(
            h,
            "<p class=\"skipped\"><strong>Skipped (not run):</strong> {}</p>",
            esc_clip(reason, MAX_TEXT)
        );
    }
    if let Some(error) = &s.error {
        let _ = writeln!(
            h,
            "<p class=\"error\"><strong>Stopped early:</strong> {}</p>",
            esc_clip(error, MAX_TEXT)
        );
    }
    if !s.leftovers.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"error\"><strong>Groups left behind</strong> (cleanup failed; <code>groupcheck cleanup</code> can delete them from the ledger): {}</p>",
            esc_clip(&s.leftovers.join(", "), MAX_TEXT)
        );
    }
    if !s.rules.is_empty() {
        let rules: Vec<String> = s
            .rules
            .iter()
            .map(|r| format!("<code>{}</code>", esc_clip(r, MAX_TEXT)))
            .collect();
        let _ = writeln!(h, "<p class=\"rules\">Rules: {}</p>", rules.join(" "));
    }
    steps(h, s);
    if !s.findings.is_empty() {
        h.push_str("<div class=\"findings\">\n");
        for (j, f) in s.findings.iter().enumerate() {
            finding(h, i, j, s, f, budget);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n</details>\n");
}

fn steps(h: &mut String, s: &ScenarioOutcome) {
    if s.steps.is_empty() {
        h.push_str("<p class=\"empty\">No request was made.</p>\n");
        return;
    }
    h.push_str("<table class=\"steps\">\n<thead><tr><th class=\"num\">#</th><th>step</th><th>method</th><th>path</th><th class=\"num\">status</th><th class=\"num\">time</th></tr></thead>\n<tbody>\n");
    for step in &s.steps {
        let worst = s
            .findings
            .iter()
            .filter(|f| f.step == step.index)
            .map(|f| f.severity)
            .min();
        let class = match worst {
            Some(Severity::Failure) => " class=\"bad\"",
            Some(Severity::Warning) => " class=\"meh\"",
            _ => "",
        };
        let _ = writeln!(
            h,
            "<tr{class}><td class=\"num\">{}</td><td>{}{}</td><td><code>{}</code></td><td class=\"path\"><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            step.index + 1,
            esc_clip(&step.label, MAX_TEXT),
            if step.teardown {
                " <span class=\"tag\">teardown</span>"
            } else {
                ""
            },
            esc_clip(&step.method, 64),
            esc_clip(&step.path, MAX_TEXT),
            step.status
                .map_or_else(|| "no answer".to_owned(), |c| c.to_string()),
            fmt_ms(step.elapsed_ms)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn finding(
    h: &mut String,
    i: usize,
    j: usize,
    s: &ScenarioOutcome,
    f: &Finding,
    budget: &mut usize,
) {
    let severity = severity_word(f.severity);
    let open = if f.severity == Severity::Failure {
        " open"
    } else {
        ""
    };
    let label = match f.severity {
        Severity::Failure => "fail",
        Severity::Warning => "warn",
        Severity::Note => "note",
    };
    let _ = write!(
        h,
        "<details class=\"finding {severity}\" id=\"s{i}-f{j}\"{open}>\n<summary><span class=\"badge {severity}\">{label}</span> <code class=\"rule\">{}</code> <span class=\"msg\">{}</span></summary>\n<div class=\"fbody\">\n",
        esc_clip(&f.rule, MAX_TEXT),
        esc(&short(&f.message, SUMMARY_MESSAGE))
    );
    finding_body(h, s, f, budget);
    h.push_str("</div>\n</details>\n");
}

/// A finding's statement, place, message, pointer, diff, received body and reproducer.
fn finding_body(h: &mut String, s: &ScenarioOutcome, f: &Finding, budget: &mut usize) {
    let _ = writeln!(
        h,
        "<p class=\"statement\"><span class=\"level\">{}</span> {}</p>",
        f.level,
        esc_clip(&f.statement, MAX_TEXT)
    );
    h.push_str("<dl class=\"kv\">\n");
    let _ = writeln!(
        h,
        "<div><dt>where</dt><dd><code>{}:{}</code> {}{}</dd></div>",
        esc_clip(&s.file, MAX_TEXT),
        f.line,
        esc_clip(&step_text(f.step, &f.step_label), MAX_TEXT),
        f.operation
            .as_deref()
            .map(|o| format!(" ({})", esc_clip(o, 200)))
            .unwrap_or_default()
    );
    if f.message.len() > SUMMARY_MESSAGE || f.message.contains('\n') {
        let _ = writeln!(
            h,
            "<div><dt>message</dt><dd class=\"long\">{}</dd></div>",
            esc_clip(&f.message, MAX_TEXT)
        );
    }
    if let Some(pointer) = &f.pointer {
        let _ = writeln!(
            h,
            "<div><dt>JSON pointer</dt><dd><code>{}</code></dd></div>",
            esc_clip(if pointer.is_empty() { "/" } else { pointer }, MAX_TEXT)
        );
    }
    h.push_str("</dl>\n");
    let diff = f.diff.as_deref().map(|d| clip(d, MAX_DIFF));
    let curl = f.reproducer.as_deref().map(|c| clip(c, MAX_REPRODUCER));
    let size = diff.as_ref().map_or(0, |d| d.len()) + curl.as_ref().map_or(0, |c| c.len());
    if size > *budget {
        *budget = 0;
        h.push_str("<p class=\"hint\">Diff and reproducer left out: this page reached its size limit. <code>summary.json</code> has them.</p>\n");
    } else {
        *budget -= size;
        if let Some(diff) = diff {
            diff_block(h, &diff);
        }
        if let Some(received) = &f.received {
            let _ = writeln!(
                h,
                "<div class=\"repro\"><div class=\"rl\">received (around <code>{}</code>)</div><pre class=\"curl\">{}</pre></div>",
                esc_clip(
                    f.pointer
                        .as_deref()
                        .filter(|p| !p.is_empty())
                        .unwrap_or("/"),
                    MAX_TEXT
                ),
                esc(received)
            );
        }
        if let Some(curl) = curl {
            let _ = writeln!(
                h,
                "<div class=\"repro\"><div class=\"rl\">reproduce (token from <code>$SINCH_API_TOKEN</code>)</div><pre class=\"curl\">{}</pre></div>",
                esc(&curl)
            );
        }
    }
}

/// A unified diff, one `<span>` per line, coloured by its first character.
fn diff_block(h: &mut String, diff: &str) {
    h.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with("---") || line.starts_with("+++") {
            "dh"
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with("@@") {
            "hunk"
        } else {
            "ctx"
        };
        let _ = write!(h, "<span class=\"{class}\">{}\n</span>", esc(line));
    }
    h.push_str("</pre>\n");
}
