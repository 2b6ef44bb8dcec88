//! `explore`: random operation sequences drawn from the model, every response judged like a
//! scenario's (status predicted by the model, the oracle, the schemas), and a failure shrunk to a
//! minimal sequence that still fails on the same rule, written out as a scenario file.
//!
//! Under the `default` profile a broken `should` rule is a warning: the run goes on, and the rules
//! warned about are counted in [`ExploreOutcome::warnings`]; under `strict` it is a failure.
//!
//! * [`action`]: the operations and their generation (same seed, same sequence), with the draws at
//!   the edges of the documents (tokens, the second plan, malformed bodies, unknown references,
//!   large groups, auto_update) in `action/edges.rs`.
//! * [`script`]: actions → a scenario file, with the model's predicted statuses.
//! * [`shrink`]: removing and simplifying actions while the failure persists.
//! * [`concurrency`]: concurrent updates of one group, checked against every serial order.

pub mod action;
pub mod concurrency;
pub mod script;
pub mod shrink;

use crate::check::RunContext;
use crate::check::outcome::{ScenarioOutcome, Severity};
use crate::scenario::parse::parse;
use action::Action;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to explore.
#[derive(Debug, Clone)]
pub struct ExploreConfig {
    pub seed: u64,
    pub runs: usize,
    pub steps: usize,
    /// Most replays spent on shrinking.
    pub shrink_budget: usize,
    /// Also send concurrent updates to one group.
    pub concurrency: bool,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig {
            seed: 0,
            runs: 100,
            steps: 20,
            shrink_budget: 400,
            concurrency: true,
        }
    }
}

/// A failing sequence, shrunk.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: String,
    pub run: usize,
    pub original_steps: usize,
    pub trials: usize,
    pub actions: Vec<Action>,
    /// The reproducer: a scenario file.
    pub file_text: String,
    /// The reproducer's own run, with its findings.
    pub replay: ScenarioOutcome,
}

/// What an exploration found.
#[derive(Debug, Clone, Default)]
pub struct ExploreOutcome {
    pub runs: usize,
    pub requests: usize,
    pub found: Option<Found>,
    pub concurrency: Option<concurrency::LostUpdate>,
    /// `should` rules broken under the `default` profile: rule → sequences that broke it.
    pub warnings: BTreeMap<String, usize>,
}

/// The seed of one run, derived from the exploration's seed.
fn run_seed(seed: u64, run: usize) -> u64 {
    seed ^ (run as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Run a sequence as a scenario and return its outcome.
async fn play(
    ctx: &RunContext,
    actions: &[Action],
    title: &str,
    file: &Path,
) -> (String, Option<ScenarioOutcome>) {
    let text = script::render(actions, title, "");
    match parse(file, &text) {
        Ok(scenario) => (
            text,
            Some(crate::check::run_scenario(ctx, &scenario, 0).await),
        ),
        Err(_) => (text, None),
    }
}

/// The first rule a run broke, under the run's profile.
fn failing_rule(outcome: &ScenarioOutcome) -> Option<String> {
    outcome
        .findings
        .iter()
        .find(|f| f.severity == Severity::Failure)
        .map(|f| f.rule.clone())
}

/// Explore: `runs` sequences of `steps` actions; stops at the first failure and shrinks it.
/// `reproducer_dir` is where the file will be written (used to name it in its own outcome).
pub async fn explore(
    ctx: &RunContext,
    config: &ExploreConfig,
    reproducer_dir: &Path,
    on_run: &(dyn Fn(usize) + Sync),
) -> ExploreOutcome {
    let mut outcome = ExploreOutcome::default();
    for run in 0..config.runs {
        if ctx.cancelled() {
            break;
        }
        on_run(run);
        outcome.runs += 1;
        let mut rng = StdRng::seed_from_u64(run_seed(config.seed, run));
        let actions = action::generate(&mut rng, config.steps);
        let scratch = PathBuf::from(format!("explore-{}-{run}.yaml", config.seed));
        let (_, result) = play(ctx, &actions, "explore", &scratch).await;
        let Some(result) = result else { continue };
        outcome.requests += result.steps.len();
        let warned: std::collections::BTreeSet<&String> = result
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| &f.rule)
            .collect();
        for rule in warned {
            *outcome.warnings.entry(rule.clone()).or_default() += 1;
        }
        let Some(rule) = failing_rule(&result) else {
            continue;
        };
        let (shrunk, trials) = shrink::shrink(actions.clone(), config.shrink_budget, |candidate| {
            let rule = rule.clone();
            let scratch = scratch.clone();
            async move {
                let (_, r) = play(ctx, &candidate, "explore", &scratch).await;
                r.as_ref().and_then(failing_rule).is_some_and(|r| r == rule)
                    || r.is_some_and(|r| {
                        r.findings
                            .iter()
                            .any(|f| f.severity == Severity::Failure && f.rule == rule)
                    })
            }
        })
        .await;
        let title = format!("explore: {rule} (seed {}, run {run})", config.seed);
        let comment = format!(
            "Found by `groupcheck explore --seed {} --runs {}` in run {run}: {} steps shrunk to {}.\nReplay with `groupcheck check <this file>`.",
            config.seed,
            run + 1,
            actions.len(),
            shrunk.len()
        );
        let file = reproducer_dir.join(format!("explore-{}-{run}.yaml", config.seed));
        let text = script::render(&shrunk, &title, &comment);
        let replay = match parse(&file, &text) {
            Ok(s) => crate::check::run_scenario(ctx, &s, 0).await,
            Err(_) => result.clone(),
        };
        outcome.found = Some(Found {
            rule,
            run,
            original_steps: actions.len(),
            trials,
            actions: shrunk,
            file_text: text,
            replay,
        });
        return outcome;
    }
    if config.concurrency && !ctx.cancelled() {
        let mut rng = StdRng::seed_from_u64(run_seed(config.seed, usize::MAX));
        outcome.concurrency = concurrency::check(ctx, &mut rng, 5).await;
    }
    outcome
}
