//! `junit.xml`, for CI servers: one test suite `groupcheck`, one test case per scenario
//! (classname = scenario file, name = scenario name). A scenario with failures gets one
//! `<failure>` (JUnit allows one per test case): its message names the first broken rule
//! (`rule-id: message`), its text lists every failure with statement, location, diff and curl
//! reproducer. A scenario that stopped early gets an `<error>`; one not run (it needs the
//! emulator) a `<skipped>` with the reason. Warnings and notes go to
//! `<system-out>`, with the steps, so a passing test case still shows them.

use super::tally::{profile_word, step_text};
use super::text::{fmt_ms, visible_controls};
use crate::check::outcome::{Finding, RunOutcome, ScenarioOutcome, Severity};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// Text for the XML: control characters as their Unicode pictures. (quick-junit would drop
/// them and strip ANSI sequences; a report about a misbehaving server should show them.)
fn x(s: &str) -> String {
    visible_controls(s).into_owned()
}

pub fn render(outcome: &RunOutcome) -> String {
    let mut suite = TestSuite::new("groupcheck");
    suite.add_properties(
        [
            ("tool", x(&outcome.tool)),
            ("run_id", x(&outcome.run_id)),
            ("target", x(&outcome.target)),
            ("service_plan_id", x(&outcome.service_plan_id)),
            ("profile", profile_word(outcome).to_owned()),
            ("started_at", x(&outcome.started_at)),
        ]
        .map(|(k, v)| Property::new(k, v)),
    );
    suite.set_time(duration(outcome.duration_ms));
    if let Some(reason) = &outcome.aborted {
        suite.add_property(("aborted".to_owned(), x(reason)));
        suite.set_system_err(format!("the run was aborted: {}\n", x(reason)));
    }
    suite.add_test_cases(outcome.scenarios.iter().map(test_case));
    let mut report = Report::new("groupcheck");
    report.set_time(duration(outcome.duration_ms));
    report.add_test_suite(suite);
    report.to_string().unwrap_or_else(|e| {
        // Serialising to a String cannot fail on I/O; keep the file well-formed all the same.
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"groupcheck\" tests=\"0\" failures=\"0\" errors=\"1\"><!-- {} --></testsuites>\n",
            e.to_string().replace("--", "- -")
        )
    })
}

fn duration(ms: f64) -> Duration {
    Duration::from_secs_f64((ms / 1000.0).max(0.0))
}

fn test_case(s: &ScenarioOutcome) -> TestCase {
    let failures: Vec<&Finding> = s
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure)
        .collect();
    let status = if let Some(reason) = &s.skipped {
        let mut status = TestCaseStatus::skipped();
        status.set_message(x(reason)).set_type("skipped");
        status
    } else if let Some(error) = &s.error {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(x(error)).set_type("error");
        let mut text = format!("{}\n", x(error));
        if !failures.is_empty() {
            text.push_str("\nFailures before it stopped:\n");
            for f in &failures {
                text.push('\n');
                text.push_str(&finding_text(s, f));
            }
        }
        status.set_description(x(&text));
        status
    } else if let Some(first) = failures.first() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let mut message = format!("{}: {}", first.rule, first.message);
        if failures.len() > 1 {
            message.push_str(&format!(" (and {} more failures)", failures.len() - 1));
        }
        let mut rules: Vec<&str> = Vec::new();
        for f in &failures {
            if !rules.contains(&f.rule.as_str()) {
                rules.push(&f.rule);
            }
        }
        status
            .set_message(x(&message))
            .set_type(x(&rules.join(" ")));
        let text: Vec<String> = failures.iter().map(|f| finding_text(s, f)).collect();
        status.set_description(x(&text.join("\n")));
        status
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(x(&s.name), status);
    case.set_classname(x(&s.file));
    case.set_time(duration(s.duration_ms));
    case.extra.insert("file".into(), x(&s.file).into());
    if let Some(first) = failures.first() {
        case.extra
            .insert("line".into(), first.line.to_string().into());
    }
    case.set_system_out(x(&system_out(s)));
    if !s.leftovers.is_empty() {
        case.set_system_err(format!(
            "groups created and not deleted (cleanup failed): {}\n",
            x(&s.leftovers.join(", "))
        ));
    }
    case
}

/// Warnings and notes first (they have no other place in JUnit), then the steps.
fn system_out(s: &ScenarioOutcome) -> String {
    let mut out = String::new();
    for f in s
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Failure)
    {
        out.push_str(&finding_text(s, f));
        out.push('\n');
    }
    out.push_str(&format!(
        "verdict: {} in {}\nsteps:\n",
        super::tally::verdict_word(s.verdict),
        fmt_ms(s.duration_ms)
    ));
    for step in &s.steps {
        out.push_str(&format!(
            "  {:>3} {} {} -> {} ({}){}{}\n",
            step.index + 1,
            step.method,
            step.path,
            step.status
                .map_or_else(|| "no answer".to_owned(), |c| c.to_string()),
            fmt_ms(step.elapsed_ms),
            if step.teardown { " [teardown]" } else { "" },
            if step.label.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", step.label)
            },
        ));
    }
    out
}

/// One finding as plain text, laid out like the console's.
pub fn finding_text(s: &ScenarioOutcome, f: &Finding) -> String {
    let word = match f.severity {
        Severity::Failure => "FAIL",
        Severity::Warning => "WARN",
        Severity::Note => "NOTE",
    };
    let mut out = format!(
        "{word} {} [{}] {}\n  at {}:{} {}{}\n  {}",
        f.rule,
        f.level,
        f.statement,
        s.file,
        f.line,
        step_text(f.step, &f.step_label),
        f.operation
            .as_deref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default(),
        f.message
    );
    if let Some(pointer) = &f.pointer {
        out.push_str(&format!(
            " [at {}]",
            if pointer.is_empty() { "/" } else { pointer }
        ));
    }
    out.push('\n');
    if let Some(diff) = &f.diff {
        for line in diff.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    if let Some(curl) = &f.reproducer {
        out.push_str(&format!(
            "  reproduce:\n    {}\n",
            curl.replace('\n', "\n    ")
        ));
    }
    out
}
