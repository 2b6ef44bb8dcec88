//! Detectors: the columns of the detection matrix. A detector is handed an implementation under
//! test (a [`Subject`]: where it is and how to authenticate, never which fault it has) and says
//! what it caught there, as ids: rule ids for `check` (and later `explore`), a measurement for the
//! latency detector.
//!
//! Plugging `explore` in is one impl of [`Detector`] named `"explore"` and one line in
//! `cli/selftest.rs` that adds it to the list: faults whose [`crate::emulator::faults::FoundBy`]
//! is `Explore` then count as escaped when it does not catch them (see `docs/selftest.md`).

use crate::check::outcome::{Profile, RunOutcome, Severity, Verdict};
use crate::check::{self, RunContext, RunOptions};
use crate::client::{Client, ClientConfig, Target};
use crate::scenario::Scenario;
use crate::spec::Level;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A boxed future, so that [`Detector`] stays object-safe without an extra crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The implementation under test, as a detector sees it.
#[derive(Debug, Clone)]
pub struct Subject {
    pub target: Target,
    /// How reports name it ("emulator at http://127.0.0.1:PORT").
    pub label: String,
}

impl Subject {
    /// An HTTP client for the subject, with the default limits.
    pub fn client(&self) -> Result<Client, super::SelftestError> {
        Client::new(self.target.clone(), ClientConfig::default()).map_err(|e| e.to_string().into())
    }
}

/// A way of finding defects: one column of the matrix.
pub trait Detector: Send + Sync {
    /// The column's name: `check`, `explore`, `measurement`.
    fn name(&self) -> &'static str;
    /// One line for the report header ("55 scenarios, profile strict").
    fn describe(&self) -> String;
    /// Timing-sensitive: run alone, after every other detector, with nothing else in flight.
    fn exclusive(&self) -> bool {
        false
    }
    /// Look for defects in the subject.
    fn detect<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Detection>;
}

/// What caught a fault: a rule id (or a measurement), how often, and the first instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catch {
    /// A rule id of specs/rules.yaml, or `measurement`.
    pub id: String,
    /// The rule's level (`None` for a measurement).
    pub level: Option<Level>,
    /// Findings under this id.
    pub count: usize,
    /// The first one: where and what (`scenarios/x.yaml:12 "step": message`).
    pub example: String,
}

/// What one detector found in one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Detection {
    pub detector: String,
    /// Empty: nothing caught.
    pub caught_by: Vec<Catch>,
    /// One line: what ran and what came of it.
    pub summary: String,
    /// Things that went wrong without naming a rule (a scenario that stopped with an error).
    pub problems: Vec<String>,
    /// The detector could not run at all.
    pub error: Option<String>,
    pub duration_ms: f64,
}

impl Detection {
    pub fn caught(&self) -> bool {
        !self.caught_by.is_empty()
    }

    /// Clean: nothing caught, nothing went wrong (what the correct emulator must get).
    pub fn clean(&self) -> bool {
        self.caught_by.is_empty() && self.problems.is_empty() && self.error.is_none()
    }

    pub fn failed_to_run(detector: &str, error: String) -> Detection {
        Detection {
            detector: detector.to_owned(),
            summary: format!("could not run: {error}"),
            error: Some(error),
            ..Detection::default()
        }
    }
}

/// The conformance suite through [`check::run`], under `--profile strict`: every `must` and
/// `should` rule with a failure caught the fault (`observe` rules never do).
pub struct CheckDetector {
    scenarios: Vec<Scenario>,
    /// Scenarios of one run at once.
    jobs: usize,
}

impl CheckDetector {
    pub fn new(scenarios: Vec<Scenario>, jobs: usize) -> CheckDetector {
        CheckDetector { scenarios, jobs }
    }

    /// The profile of every selftest check run (docs/selftest.md: why strict).
    pub const PROFILE: Profile = Profile::Strict;
}

impl Detector for CheckDetector {
    fn name(&self) -> &'static str {
        "check"
    }

    fn describe(&self) -> String {
        format!("{} scenarios, profile strict", self.scenarios.len())
    }

    fn detect<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Detection> {
        Box::pin(async move {
            let client = match subject.client() {
                Ok(c) => c,
                Err(e) => return Detection::failed_to_run(self.name(), e.0),
            };
            let ctx = Arc::new(RunContext {
                client,
                ledger: None,
                profile: Self::PROFILE,
                run_tag: crate::report::run_tag(),
                cancel: Arc::new(AtomicBool::new(false)),
            });
            let outcome = check::run(
                ctx,
                self.scenarios.clone(),
                RunOptions {
                    run_id: crate::report::run_id(),
                    target_label: subject.label.clone(),
                    jobs: self.jobs,
                    emulator: true,
                },
                &|_| {},
            )
            .await;
            judge_run(&outcome)
        })
    }
}

/// The rules a check run caught, and the scenarios that stopped without naming one.
pub fn judge_run(outcome: &RunOutcome) -> Detection {
    let mut catches: BTreeMap<String, Catch> = BTreeMap::new();
    let mut problems = Vec::new();
    for scenario in &outcome.scenarios {
        for f in scenario
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
        {
            catches
                .entry(f.rule.clone())
                .or_insert_with(|| Catch {
                    id: f.rule.clone(),
                    level: Some(f.level),
                    count: 0,
                    example: format!(
                        "{}:{} \"{}\": {}",
                        scenario.file, f.line, f.step_label, f.message
                    ),
                })
                .count += 1;
        }
        if scenario.verdict == Verdict::Error {
            problems.push(format!(
                "{}: {}",
                scenario.file,
                scenario.error.as_deref().unwrap_or("stopped")
            ));
        }
    }
    let t = outcome.totals();
    Detection {
        detector: "check".into(),
        caught_by: catches.into_values().collect(),
        summary: format!(
            "{} scenarios: {} passed, {} failed, {} errors; {} failures",
            t.scenarios, t.passed, t.failed, t.errors, t.failures
        ),
        problems,
        error: outcome.aborted.clone(),
        duration_ms: outcome.duration_ms,
    }
}

/// Model-based exploration (`explore`) with a fixed seed, under the default profile (what a user
/// running `explore` with default flags gets), with its
/// concurrent-updates check: a shrunk failure names one rule; a lost update names
/// `update.add-remove`.
pub struct ExploreDetector {
    config: crate::explore::ExploreConfig,
}

impl ExploreDetector {
    pub fn new(config: crate::explore::ExploreConfig) -> ExploreDetector {
        ExploreDetector { config }
    }
}

impl Detector for ExploreDetector {
    fn name(&self) -> &'static str {
        "explore"
    }

    fn describe(&self) -> String {
        format!(
            "{} sequences of {} operations, seed {}, concurrency {}",
            self.config.runs,
            self.config.steps,
            self.config.seed,
            if self.config.concurrency { "on" } else { "off" }
        )
    }

    fn detect<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Detection> {
        Box::pin(async move {
            let client = match subject.client() {
                Ok(c) => c,
                Err(e) => return Detection::failed_to_run(self.name(), e.0),
            };
            let ctx = RunContext {
                client,
                ledger: None,
                profile: Profile::Default,
                run_tag: crate::report::run_tag(),
                cancel: Arc::new(AtomicBool::new(false)),
            };
            let started = std::time::Instant::now();
            let dir = std::env::temp_dir();
            let found = crate::explore::explore(&ctx, &self.config, &dir, &|_| {}).await;
            let mut caught_by = Vec::new();
            let mut summary = format!("{} sequences, {} requests", found.runs, found.requests);
            if let Some(f) = &found.found {
                let level = crate::spec::Catalogue::get().find(&f.rule).map(|r| r.level);
                caught_by.push(Catch {
                    id: f.rule.clone(),
                    level,
                    count: 1,
                    example: format!(
                        "sequence {}: {} operations shrunk to {}",
                        f.run + 1,
                        f.original_steps,
                        f.actions.len()
                    ),
                });
                summary = format!("{summary}; found {} ({} steps)", f.rule, f.actions.len());
            }
            if let Some(lost) = &found.concurrency {
                caught_by.push(Catch {
                    id: lost.rule.to_owned(),
                    level: Some(Level::Must),
                    count: 1,
                    example: lost.message.clone(),
                });
                summary = format!("{summary}; concurrent updates lost");
            }
            Detection {
                detector: "explore".into(),
                caught_by,
                summary,
                problems: Vec::new(),
                error: None,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            }
        })
    }
}
