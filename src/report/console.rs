//! The console: live progress on stderr (a bar when it is a terminal), each finished scenario,
//! warnings and notes one line per rule, the failures grouped and in the order to fix them
//! ([`super::groups`]: the first of each group in full, with its rule, step, diff, received body
//! and reproducer), and the summary. Colour follows
//! `NO_COLOR` and the terminal.

use super::groups::{Group, groups};
use crate::check::Event;
use crate::check::outcome::{Finding, Profile, RunOutcome, ScenarioOutcome, Severity, Verdict};
use console::Style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Console {
    quiet: bool,
    bar: ProgressBar,
}

impl Console {
    pub fn new(quiet: bool) -> Console {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            console::set_colors_enabled(false);
            console::set_colors_enabled_stderr(false);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} scenarios {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Console { quiet, bar }
    }

    pub fn header(&self, target: &str, scenarios: usize, profile: Profile) {
        if !self.quiet {
            let profile = match profile {
                Profile::Default => "default",
                Profile::Strict => "strict",
            };
            eprintln!(
                "{} {} against {target} (profile {profile})",
                Style::new().bold().apply_to("groupcheck check:"),
                plural(scenarios, "scenario")
            );
        }
    }

    pub fn event(&self, event: Event) {
        match event {
            Event::Started { total } => {
                self.bar.set_length(total as u64);
                self.bar
                    .enable_steady_tick(std::time::Duration::from_millis(120));
            }
            Event::Finished(outcome) => {
                self.bar.inc(1);
                if !self.quiet || outcome.verdict >= Verdict::Failed {
                    if self.bar.is_hidden() {
                        eprintln!("{}", scenario_line(outcome));
                    } else {
                        self.bar.println(scenario_line(outcome));
                    }
                }
            }
        }
    }

    pub fn finish(&self, outcome: &RunOutcome) {
        self.bar.finish_and_clear();
        let all: Vec<(&ScenarioOutcome, &Finding)> = outcome
            .scenarios
            .iter()
            .flat_map(|s| s.findings.iter().map(move |f| (s, f)))
            .collect();
        // Warnings and notes, one line per rule; failures in full, last, next to the summary.
        if !self.quiet {
            let mut by_rule: BTreeMap<(Severity, &str), Vec<(&ScenarioOutcome, &Finding)>> =
                BTreeMap::new();
            for (s, f) in all.iter().filter(|(_, f)| f.severity != Severity::Failure) {
                by_rule
                    .entry((f.severity, f.rule.as_str()))
                    .or_default()
                    .push((s, f));
            }
            if !by_rule.is_empty() {
                eprintln!();
            }
            for ((severity, rule), found) in by_rule.iter().rev() {
                let (s, f) = found[0];
                let (word, style) = match severity {
                    Severity::Warning => ("WARN", Style::new().yellow().bold()),
                    _ => ("NOTE", Style::new().cyan().bold()),
                };
                eprintln!(
                    "{} {} [{}] {}× — e.g. {}:{} \"{}\": {}",
                    style.apply_to(word),
                    Style::new().bold().apply_to(rule),
                    f.level,
                    found.len(),
                    s.file,
                    f.line,
                    f.step_label,
                    f.message
                );
            }
        }
        for group in groups(outcome)
            .iter()
            .filter(|g| g.severity == Severity::Failure)
        {
            eprintln!("\n{}", render_group(group));
        }
        for s in outcome.scenarios.iter().filter(|s| s.error.is_some()) {
            eprintln!(
                "\n{} {} ({}): {}",
                Style::new().red().bold().apply_to("error:"),
                s.name,
                s.file,
                s.error.as_deref().unwrap_or("")
            );
        }
        for s in &outcome.scenarios {
            if let Some(reason) = &s.skipped {
                eprintln!(
                    "\n{} {} ({}): {reason}",
                    Style::new().yellow().bold().apply_to("skipped:"),
                    s.name,
                    s.file
                );
            }
        }
        let t = outcome.totals();
        let verdict = if outcome.exit_code() == 0 {
            Style::new().green().bold().apply_to("PASSED")
        } else {
            Style::new().red().bold().apply_to("FAILED")
        };
        eprintln!(
            "\n{verdict}: {}: {} passed, {} warned, {} failed, {} errors, {} skipped · {} failures, {} warnings, {} notes · {} requests in {:.2} s",
            plural(t.scenarios, "scenario"),
            t.passed,
            t.warned,
            t.failed,
            t.errors,
            t.skipped,
            t.failures,
            t.warnings,
            t.notes,
            t.requests,
            outcome.duration_ms / 1000.0
        );
        if let Some(reason) = &outcome.aborted {
            eprintln!(
                "{} {reason}",
                Style::new().yellow().bold().apply_to("aborted:")
            );
        }
    }

    pub fn reports(&self, dir: &Path, files: &[PathBuf]) {
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        eprintln!(
            "reports: {}/ ({}, ledger.jsonl)",
            dir.display(),
            names.join(", ")
        );
    }
}

fn scenario_line(s: &ScenarioOutcome) -> String {
    let (mark, style) = match s.verdict {
        Verdict::Passed => ("✓", Style::new().green()),
        Verdict::Warned => ("!", Style::new().yellow()),
        Verdict::Failed => ("✗", Style::new().red()),
        Verdict::Error => ("E", Style::new().red().bold()),
        Verdict::Skipped => ("-", Style::new().yellow()),
    };
    let after = match &s.skipped {
        Some(_) => "skipped".to_owned(),
        None => format!("{:.0} ms", s.duration_ms),
    };
    format!(
        "  {} {} {} {}",
        style.apply_to(mark),
        s.name,
        Style::new().dim().apply_to(format!("({})", s.file)),
        Style::new().dim().apply_to(after)
    )
}

/// Places listed after a grouped finding's count.
const MAX_PLACES: usize = 8;

/// A group of findings: the first in full, with the count and the other places after its
/// heading.
pub fn render_group(group: &Group<'_>) -> String {
    let first = group.first();
    let full = render_finding(first.scenario, first.finding);
    if group.count() == 1 {
        return full;
    }
    let (places, more) = group.other_places(MAX_PLACES);
    let mut seen = format!("  {}, the first in full below", group.count_text());
    if !places.is_empty() {
        seen.push_str(&format!("; also at {}", places.join(", ")));
        if more > 0 {
            seen.push_str(&format!(" and {more} more"));
        }
    }
    let styled = Style::new().magenta().bold().apply_to(seen).to_string();
    match full.split_once('\n') {
        Some((head, rest)) => format!("{head}\n{styled}\n{rest}"),
        None => format!("{full}\n{styled}"),
    }
}

/// One finding, as a person acts on it: the rule and its statement, where, what, the diff, the
/// received body (schema findings), and how to reproduce it.
pub fn render_finding(scenario: &ScenarioOutcome, f: &Finding) -> String {
    let (word, style) = match f.severity {
        Severity::Failure => ("FAIL", Style::new().red().bold()),
        Severity::Warning => ("WARN", Style::new().yellow().bold()),
        Severity::Note => ("NOTE", Style::new().cyan().bold()),
    };
    let mut out = format!(
        "{} {} [{}] {}\n  at {}:{} step {} \"{}\"{}\n  {}",
        style.apply_to(word),
        Style::new().bold().apply_to(&f.rule),
        f.level,
        Style::new().dim().apply_to(&f.statement),
        scenario.file,
        f.line,
        f.step + 1,
        f.step_label,
        f.operation
            .as_deref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default(),
        f.message
    );
    if let Some(pointer) = &f.pointer {
        out.push_str(&format!(
            " {}",
            Style::new().dim().apply_to(format!(
                "[at {}]",
                if pointer.is_empty() { "/" } else { pointer }
            ))
        ));
    }
    if let Some(diff) = &f.diff {
        out.push('\n');
        for line in diff.lines() {
            let styled = if line.starts_with("---") || line.starts_with("+++") {
                Style::new().bold().apply_to(line)
            } else if line.starts_with('-') {
                Style::new().red().apply_to(line)
            } else if line.starts_with('+') {
                Style::new().green().apply_to(line)
            } else if line.starts_with("@@") {
                Style::new().cyan().apply_to(line)
            } else {
                Style::new().apply_to(line)
            };
            out.push_str(&format!("    {styled}\n"));
        }
        out.pop();
    }
    if let Some(received) = &f.received {
        out.push_str(&format!(
            "\n  received (around {}):",
            f.pointer
                .as_deref()
                .filter(|p| !p.is_empty())
                .unwrap_or("/")
        ));
        for line in received.lines() {
            out.push_str(&format!("\n    {}", Style::new().dim().apply_to(line)));
        }
    }
    if let Some(curl) = &f.reproducer {
        out.push_str(&format!(
            "\n  reproduce:\n    {}",
            curl.replace('\n', "\n    ")
        ));
    }
    out
}

/// "1 scenario", "2 scenarios".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
