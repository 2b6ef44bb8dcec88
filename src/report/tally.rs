//! What several reporters show the same way: results by rule and by operation, the run's verdict
//! word, durations, and the text clean-up every writer needs (cutting, control characters).
//! Everything here counts what the outcomes say; nothing judges again.

use crate::check::outcome::{RunOutcome, Severity, Verdict};
use crate::spec::Level;
use std::collections::BTreeMap;

/// The run as one word, from [`RunOutcome::exit_code`] and `aborted`.
pub fn run_word(outcome: &RunOutcome) -> &'static str {
    if outcome.aborted.is_some() {
        "ABORTED"
    } else if outcome.exit_code() == 0 {
        "PASSED"
    } else {
        "FAILED"
    }
}

pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Warned => "warned",
        Verdict::Failed => "failed",
        Verdict::Error => "error",
        Verdict::Skipped => "skipped",
    }
}

pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Failure => "failure",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

pub fn profile_word(outcome: &RunOutcome) -> &'static str {
    match outcome.profile {
        crate::check::outcome::Profile::Default => "default",
        crate::check::outcome::Profile::Strict => "strict",
    }
}

/// How a rule fared over the run, from its findings and its scenarios' verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleResult {
    Failed,
    Warned,
    /// No failure or warning, but a scenario naming it stopped early: not fully exercised.
    Incomplete,
    /// Only notes (observe rules).
    Noted,
    Passed,
}

impl RuleResult {
    pub fn word(self) -> &'static str {
        match self {
            RuleResult::Failed => "failed",
            RuleResult::Warned => "warned",
            RuleResult::Incomplete => "incomplete",
            RuleResult::Noted => "noted",
            RuleResult::Passed => "passed",
        }
    }
}

/// One rule over the run: every rule a scenario names, and every rule with a finding.
#[derive(Debug, Clone)]
pub struct RuleRow<'a> {
    pub rule: &'a str,
    /// Known from findings only (outcomes do not carry the catalogue).
    pub level: Option<Level>,
    pub statement: Option<&'a str>,
    /// Scenarios that name the rule or have a finding for it.
    pub scenarios: usize,
    /// Of those, scenarios that stopped early.
    pub errored: usize,
    pub failures: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl RuleRow<'_> {
    pub fn result(&self) -> RuleResult {
        if self.failures > 0 {
            RuleResult::Failed
        } else if self.warnings > 0 {
            RuleResult::Warned
        } else if self.errored > 0 {
            RuleResult::Incomplete
        } else if self.notes > 0 {
            RuleResult::Noted
        } else {
            RuleResult::Passed
        }
    }

    pub fn findings(&self) -> usize {
        self.failures + self.warnings + self.notes
    }
}

/// Rules sorted by result (failed first), then id.
pub fn by_rule(outcome: &RunOutcome) -> Vec<RuleRow<'_>> {
    let mut rows: BTreeMap<&str, RuleRow<'_>> = BTreeMap::new();
    fn row<'a, 'm>(
        rows: &'m mut BTreeMap<&'a str, RuleRow<'a>>,
        rule: &'a str,
    ) -> &'m mut RuleRow<'a> {
        rows.entry(rule).or_insert_with(|| RuleRow {
            rule,
            level: None,
            statement: None,
            scenarios: 0,
            errored: 0,
            failures: 0,
            warnings: 0,
            notes: 0,
        })
    }
    for s in &outcome.scenarios {
        let mut named: Vec<&str> = s.rules.iter().map(String::as_str).collect();
        named.extend(s.findings.iter().map(|f| f.rule.as_str()));
        named.sort_unstable();
        named.dedup();
        for rule in named {
            let r = row(&mut rows, rule);
            r.scenarios += 1;
            // A skipped scenario did not exercise its rules either.
            if matches!(s.verdict, Verdict::Error | Verdict::Skipped) {
                r.errored += 1;
            }
        }
        for f in &s.findings {
            let r = row(&mut rows, &f.rule);
            r.level.get_or_insert(f.level);
            r.statement.get_or_insert(&f.statement);
            match f.severity {
                Severity::Failure => r.failures += 1,
                Severity::Warning => r.warnings += 1,
                Severity::Note => r.notes += 1,
            }
        }
    }
    let mut rows: Vec<RuleRow<'_>> = rows.into_values().collect();
    rows.sort_by(|a, b| a.result().cmp(&b.result()).then(a.rule.cmp(b.rule)));
    rows
}

/// One operation (create, update, …) over the run, from the step records.
#[derive(Debug, Clone)]
pub struct OperationRow<'a> {
    /// `None`: a request that is not one of the API's operations (a raw path).
    pub operation: Option<&'a str>,
    pub requests: usize,
    /// Status → count; `None` = no HTTP answer.
    pub statuses: BTreeMap<Option<u16>, usize>,
    /// Sorted.
    pub latencies_ms: Vec<f64>,
    pub failures: usize,
    pub warnings: usize,
}

impl OperationRow<'_> {
    pub fn name(&self) -> &str {
        self.operation.unwrap_or("(other)")
    }

    /// Median (nearest rank).
    pub fn p50_ms(&self) -> Option<f64> {
        if self.latencies_ms.is_empty() {
            return None;
        }
        let rank = self.latencies_ms.len().div_ceil(2);
        Some(self.latencies_ms[rank - 1])
    }

    pub fn max_ms(&self) -> Option<f64> {
        self.latencies_ms.last().copied()
    }

    /// `200×3, 404, no answer×2`.
    pub fn statuses_text(&self) -> String {
        self.statuses
            .iter()
            .map(|(status, n)| {
                let s = status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                if *n == 1 { s } else { format!("{s}×{n}") }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Operations in name order, the un-named last.
pub fn by_operation(outcome: &RunOutcome) -> Vec<OperationRow<'_>> {
    let mut rows: BTreeMap<(bool, Option<&str>), OperationRow<'_>> = BTreeMap::new();
    let empty = |operation| OperationRow {
        operation,
        requests: 0,
        statuses: BTreeMap::new(),
        latencies_ms: Vec::new(),
        failures: 0,
        warnings: 0,
    };
    for s in &outcome.scenarios {
        for step in &s.steps {
            let op = step.operation.as_deref();
            let r = rows.entry((op.is_none(), op)).or_insert_with(|| empty(op));
            r.requests += 1;
            *r.statuses.entry(step.status).or_insert(0) += 1;
            r.latencies_ms.push(step.elapsed_ms);
        }
        for f in &s.findings {
            let op = f.operation.as_deref();
            let r = rows.entry((op.is_none(), op)).or_insert_with(|| empty(op));
            match f.severity {
                Severity::Failure => r.failures += 1,
                Severity::Warning => r.warnings += 1,
                Severity::Note => {}
            }
        }
    }
    let mut rows: Vec<OperationRow<'_>> = rows.into_values().collect();
    for r in &mut rows {
        r.latencies_ms.sort_by(f64::total_cmp);
    }
    rows
}

/// `step 2 "label"`, 1-based as the console prints it.
pub fn step_text(step: usize, label: &str) -> String {
    format!("step {} \"{}\"", step + 1, label)
}
