//! What a check run found: outcome records that carry rule ids. Reporters read only these.

use crate::spec::Level;
use serde::Serialize;

/// The version of `summary.json`'s schema (docs/summary-json.md). Bump on any breaking change.
/// 2: verdict `"skipped"`, `skipped` (the reason) and `totals.skipped` (scenarios that need the
/// emulator, against another target).
pub const SUMMARY_VERSION: u32 = 2;

/// Strictness: `default` warns on `should` rules, `strict` fails on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Default,
    Strict,
}

/// How a finding counts under a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Failure,
    Warning,
    Note,
}

impl Severity {
    pub fn of(level: Level, profile: Profile) -> Severity {
        match (level, profile) {
            (Level::Must, _) | (Level::Should, Profile::Strict) => Severity::Failure,
            (Level::Should, Profile::Default) => Severity::Warning,
            (Level::Observe, _) => Severity::Note,
        }
    }
}

/// One broken (or, for `observe` rules, noteworthy) rule at one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub severity: Severity,
    /// The rule's one-line statement.
    pub statement: String,
    /// Index of the step in the scenario (teardown steps follow the steps).
    pub step: usize,
    pub step_label: String,
    /// Line of the step in its scenario file.
    pub line: u64,
    pub operation: Option<String>,
    /// What is wrong, in one line.
    pub message: String,
    /// JSON pointer of the first difference, when there is a body difference.
    pub pointer: Option<String>,
    /// Unified diff of expected vs actual (pretty JSON), without colour.
    pub diff: Option<String>,
    /// A curl command reproducing the request, token redacted.
    pub reproducer: Option<String>,
    /// Schema findings: the received body around `pointer`, pretty-printed and capped
    /// (`>` marks the pointed value's lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// The request body when it is too long to be inline in `reproducer` (which then says
    /// `client::elided_body`); the reports write it to `bodies/` and point the reproducer at it.
    #[serde(skip)]
    pub request_body: Option<Vec<u8>>,
}

/// One request made by a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub index: usize,
    pub label: String,
    pub line: u64,
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    /// `None` when no HTTP answer came.
    pub status: Option<u16>,
    pub elapsed_ms: f64,
    pub teardown: bool,
}

/// The verdict on a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Not run, for a reason given in `skipped` (it needs groupcheck's emulator and the target is
    /// not it). Counted and listed in every report; it neither passes nor fails the run.
    Skipped,
    Passed,
    Warned,
    Failed,
    /// The scenario could not run to its end (unknown variable, aborted run, unreachable target).
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOutcome {
    pub file: String,
    pub name: String,
    pub rules: Vec<String>,
    pub verdict: Verdict,
    pub steps: Vec<StepRecord>,
    pub findings: Vec<Finding>,
    /// Why the scenario stopped early, if it did.
    pub error: Option<String>,
    /// Groups created and not deleted by the end (cleanup failures).
    pub leftovers: Vec<String>,
    pub duration_ms: f64,
    /// Why the scenario was not run (verdict `skipped`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl ScenarioOutcome {
    /// A scenario not run, with the reason.
    pub fn skipped(file: String, name: String, rules: Vec<String>, reason: String) -> Self {
        ScenarioOutcome {
            file,
            name,
            rules,
            verdict: Verdict::Skipped,
            steps: Vec::new(),
            findings: Vec::new(),
            error: None,
            leftovers: Vec::new(),
            duration_ms: 0.0,
            skipped: Some(reason),
        }
    }

    pub fn verdict_of(findings: &[Finding], error: &Option<String>) -> Verdict {
        if error.is_some() {
            Verdict::Error
        } else if findings.iter().any(|f| f.severity == Severity::Failure) {
            Verdict::Failed
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            Verdict::Warned
        } else {
            Verdict::Passed
        }
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    pub version: u32,
    pub tool: String,
    pub run_id: String,
    /// Base URL of the target, or "embedded emulator (URL)".
    pub target: String,
    pub service_plan_id: String,
    pub profile: Profile,
    pub started_at: String,
    pub duration_ms: f64,
    /// The run was interrupted (Ctrl-C) or the target became unreachable.
    pub aborted: Option<String>,
    pub scenarios: Vec<ScenarioOutcome>,
}

/// Counts for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub scenarios: usize,
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub errors: usize,
    /// Scenarios not run (verdict `skipped`).
    pub skipped: usize,
    pub failures: usize,
    pub warnings: usize,
    pub notes: usize,
    pub requests: usize,
}

impl RunOutcome {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            scenarios: self.scenarios.len(),
            ..Totals::default()
        };
        for s in &self.scenarios {
            match s.verdict {
                Verdict::Passed => t.passed += 1,
                Verdict::Warned => t.warned += 1,
                Verdict::Failed => t.failed += 1,
                Verdict::Error => t.errors += 1,
                Verdict::Skipped => t.skipped += 1,
            }
            t.requests += s.steps.len();
            for f in &s.findings {
                match f.severity {
                    Severity::Failure => t.failures += 1,
                    Severity::Warning => t.warnings += 1,
                    Severity::Note => t.notes += 1,
                }
            }
        }
        t
    }

    /// How the run ended: aborted, failed (failures or scenarios that could not run), passed.
    pub fn outcome(&self) -> crate::exit::Outcome {
        use crate::exit::Outcome;
        let t = self.totals();
        if self.aborted.is_some() {
            Outcome::Aborted
        } else if t.failed + t.errors > 0 {
            Outcome::Failed
        } else {
            Outcome::Passed
        }
    }

    /// The documented exit code of [`Self::outcome`].
    pub fn exit_code(&self) -> u8 {
        crate::exit::code(Ok(self.outcome()))
    }
}
