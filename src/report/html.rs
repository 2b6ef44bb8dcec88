//! `report.html`: one self-contained page (inline CSS, hand-drawn inline SVG, no fonts, images or
//! scripts from anywhere; one small inline script adds filtering and the page reads fully
//! without it). Header with the verdict, totals, a chart of scenario verdicts and one of findings
//! by rule, results by rule and by operation, then every scenario in a `<details>` (open when it
//! failed or stopped) with its steps and findings: statement, location, message, JSON pointer,
//! the diff coloured by line and the curl reproducer.
//!
//! Every string from the outcomes is HTML-escaped (bodies come from servers we do not trust),
//! control characters are shown as their Unicode pictures, long fields are cut (summary.json
//! keeps them whole), and a Content-Security-Policy with a per-report nonce keeps anything that
//! slipped through from running or loading.

use super::tally::{
    OperationRow, RuleResult, RuleRow, by_operation, by_rule, caret, clip, fmt_ms,
    is_hidden_control, profile_word, run_word, severity_word, step_text, verdict_word,
    visible_controls,
};
use crate::check::outcome::{Finding, RunOutcome, ScenarioOutcome, Severity, Totals, Verdict};
use std::fmt::Write;

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

/// HTML-escape `s` for element content: control characters become a marked caret notation
/// (`^G`), which every font can show.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden_control(c) => {
                let _ = write!(
                    out,
                    "<span class=\"ctl\" title=\"control character U+{:04X}\">{}</span>",
                    c as u32,
                    caret(c)
                );
            }
            c => out.push(c),
        }
    }
    out
}

/// HTML-escape `s` for an attribute value (or SVG text): control characters as pictures.
pub fn esc_attr(s: &str) -> String {
    visible_controls(s)
        .chars()
        .fold(String::with_capacity(s.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            out
        })
}

/// `s` on one line, cut to about `max` bytes with an ellipsis.
fn short(s: &str, max: usize) -> String {
    let flat = s.replace(['\n', '\t'], " ");
    if flat.len() <= max {
        return flat;
    }
    let mut end = max;
    while !flat.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &flat[..end])
}

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
        "<nav class=\"toc\"><a href=\"#rules\">Results by rule</a> · <a href=\"#operations\">Results by operation</a> · <a href=\"#scenarios\">Scenarios ({})</a>",
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

const PASS: &str = "#1a7f37";
const WARN: &str = "#bf8700";
const FAIL: &str = "#cf222e";
const ERROR: &str = "#8250df";
const NOTE: &str = "#0969da";
const TRACK: &str = "#eef1f4";

fn verdict_chart(t: &Totals) -> String {
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

fn findings_chart(rules: &[RuleRow<'_>]) -> String {
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
        if let Some(curl) = curl {
            let _ = writeln!(
                h,
                "<div class=\"repro\"><div class=\"rl\">reproduce (token from <code>$SINCH_API_TOKEN</code>)</div><pre class=\"curl\">{}</pre></div>",
                esc(&curl)
            );
        }
    }
    h.push_str("</div>\n</details>\n");
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

/// Shown by the script only: without it the page has no dead controls.
const FILTERS: &str = r#"<div id="filters" hidden>
<label>Show <select id="f-verdict">
<option value="all">all scenarios</option>
<option value="problems">not passed</option>
<option value="failed">failed</option>
<option value="error">error</option>
<option value="warned">warned</option>
<option value="passed">passed</option>
</select></label>
<label>Find <input id="f-text" type="search" placeholder="name, file or rule id"></label>
<span id="f-count"></span>
</div>
"#;

const SCRIPT: &str = r#"
(function () {
  var box = document.getElementById("filters");
  var verdict = document.getElementById("f-verdict");
  var text = document.getElementById("f-text");
  var count = document.getElementById("f-count");
  var items = document.querySelectorAll("details.scenario");
  if (!box || !items.length) return;
  box.hidden = false;
  function apply() {
    var want = verdict.value, q = text.value.trim().toLowerCase(), shown = 0;
    items.forEach(function (d) {
      var v = d.getAttribute("data-verdict");
      var ok = (want === "all" || (want === "problems" ? v !== "passed" : v === want)) &&
        (!q || d.getAttribute("data-text").indexOf(q) >= 0);
      d.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + " of " + items.length + " shown";
  }
  verdict.addEventListener("change", apply);
  text.addEventListener("input", apply);
  apply();
})();
"#;

const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --subtle: #f6f8fa;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --error: #8250df; --note: #0969da;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, pre, .file { font-family: var(--mono); font-size: 12.5px; }
.ctl { font-family: var(--mono); font-size: 0.85em; color: #fff; background: #6e7781; border-radius: 3px; padding: 0 2px; margin: 0 1px; }
code { overflow-wrap: anywhere; }
h1 { font-size: 20px; margin: 0 0 10px; font-weight: 600; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
header.run { border: 1px solid var(--line); border-left: 8px solid var(--muted); border-radius: 8px; padding: 16px 20px; }
header.run.passed { border-left-color: var(--pass); }
header.run.warned { border-left-color: var(--warn); }
header.run.failed { border-left-color: var(--fail); }
header.run.aborted { border-left-color: var(--error); }
.verdict { font-size: 28px; font-weight: 700; letter-spacing: .02em; }
.passed > .verdict { color: var(--pass); } .failed > .verdict { color: var(--fail); } .aborted > .verdict { color: var(--error); }
.verdict .sub { font-size: 16px; font-weight: 500; color: var(--warn); }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 6px 24px; margin: 0; }
dl.meta div { min-width: 0; }
dl.meta dt { color: var(--muted); font-size: 12px; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 12px 2px 0; color: var(--muted); }
.banner { background: #fbefff; border: 1px solid #d8b9ff; border-radius: 6px; padding: 10px 14px; }
.totals { display: flex; flex-wrap: wrap; gap: 10px; margin: 18px 0; }
.tile { flex: 1 1 100px; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; background: var(--subtle); }
.tile .n { display: block; font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .l { color: var(--muted); font-size: 12px; }
.tile.passed .n { color: var(--pass); } .tile.warned .n { color: var(--warn); } .tile.failed .n { color: var(--fail); }
.tile.error .n { color: var(--error); } .tile.note .n { color: var(--note); } .tile.zero .n { color: #8c959f; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; flex: 0 1 auto; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 8px; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; fill: var(--fg); }
svg.chart text.v { font-weight: 600; font-variant-numeric: tabular-nums; }
svg.chart text.rule { font-family: var(--mono); font-size: 11px; }
svg.chart text.legend { fill: var(--muted); }
.empty, .hint { color: var(--muted); }
.hint { font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td, table.steps th, table.steps td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
table th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--subtle); }
table.grid td.num, table.grid th.num, table.steps td.num, table.steps th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.grid td.bad { color: var(--fail); font-weight: 700; } table.grid td.meh { color: var(--warn); font-weight: 700; }
td .statement { color: var(--muted); font-size: 12px; max-width: 62em; }
.badge { display: inline-block; min-width: 4.6em; text-align: center; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.badge.passed { background: var(--pass); } .badge.warned, .badge.warning { background: var(--warn); }
.badge.failed, .badge.failure { background: var(--fail); } .badge.error { background: var(--error); } .badge.note { background: var(--note); }
details.passed-rules { margin-top: 10px; }
details.passed-rules > summary { cursor: pointer; color: var(--pass); font-weight: 600; padding: 4px 0; }
#filters { display: flex; gap: 16px; align-items: center; margin: 8px 0 12px; }
#filters[hidden] { display: none; }
#f-count { color: var(--muted); }
details.scenario { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; }
details.scenario.failed { border-color: #f5a3a8; } details.scenario.error { border-color: #c8a6f5; }
details.scenario > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
details > summary::-webkit-details-marker { display: none; }
details > summary { list-style: none; }
details > summary::before { content: "▸"; color: var(--muted); display: inline-block; width: 1em; }
details[open] > summary::before { content: "▾"; }
details.scenario[open] > summary { border-bottom: 1px solid var(--line); background: var(--subtle); border-radius: 8px 8px 0 0; }
summary .name { font-weight: 600; overflow-wrap: anywhere; }
summary .file { color: var(--muted); overflow-wrap: anywhere; }
summary .right { margin-left: auto; color: var(--muted); white-space: nowrap; }
summary .counts { margin-right: 8px; }
.body { padding: 8px 14px 14px; }
.rules code { background: var(--subtle); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
p.error { color: #6e2bbf; background: #fbefff; border-radius: 6px; padding: 8px 10px; overflow-wrap: anywhere; }
table.steps td.path { overflow-wrap: anywhere; }
table.steps tr.bad td { background: #ffebe9; } table.steps tr.meh td { background: #fff8c5; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.findings { margin-top: 12px; }
details.finding { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 6px; margin: 8px 0; }
details.finding.failure { border-left-color: var(--fail); } details.finding.warning { border-left-color: var(--warn); } details.finding.note { border-left-color: var(--note); }
details.finding > summary { cursor: pointer; padding: 6px 10px; overflow-wrap: anywhere; }
details.finding .msg { margin-left: 4px; }
.fbody { padding: 2px 12px 10px; }
.statement .level { font-size: 11px; font-weight: 700; text-transform: uppercase; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; margin-right: 4px; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.kv div { display: contents; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
dl.kv dd.long { white-space: pre-wrap; }
pre { margin: 8px 0; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--subtle);
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45; }
pre.diff { padding: 6px 0; }
pre.diff > span { display: block; padding: 0 10px; }
pre.diff .add { background: #dafbe1; color: #116329; }
pre.diff .del { background: #ffebe9; color: #a40e26; }
pre.diff .hunk { background: #ddf4ff; color: #0550ae; }
pre.diff .dh { font-weight: 700; color: var(--muted); }
.repro .rl { font-size: 12px; color: var(--muted); margin-top: 6px; }
pre.curl { user-select: all; -webkit-user-select: all; }
a { color: var(--note); text-decoration: none; } a:hover { text-decoration: underline; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  #filters, nav.toc { display: none; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary::before, details[open] > summary::before { content: none; }
  details.finding, figure, tr { break-inside: avoid; }
  pre.curl { user-select: auto; }
}
"#;
