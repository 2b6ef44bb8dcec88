//! `check`: runs scenarios and judges every response by its status, its schema, the scenario's
//! explicit expectations and the model oracle. Produces [`outcome`] records carrying rule ids.
//!
//! * [`judge`]: status, schema and explicit expectations of one response.
//! * [`oracle`]: what the documented semantics predict from everything before.
//! * [`diff`]: expected vs actual as a unified diff.

pub mod diff;
pub mod excerpt;
pub mod judge;
pub mod oracle;
pub mod outcome;
mod scenario_run;

use crate::client::Auth;
use crate::client::ledger::{self, Entry, Ledger};
use crate::client::{Client, HttpRequest};
use crate::scenario::Scenario;
use outcome::{Profile, RunOutcome, SUMMARY_VERSION, ScenarioOutcome};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Run one scenario (also used by `explore` for its generated sequences).
pub async fn run_scenario(ctx: &RunContext, scenario: &Scenario, index: usize) -> ScenarioOutcome {
    scenario_run::run(ctx, scenario, index).await
}

/// What every scenario of a run shares.
pub struct RunContext {
    pub client: Client,
    pub ledger: Option<Arc<Ledger>>,
    pub profile: Profile,
    /// Six characters that make this run's group names unique (`{run}` in scenarios).
    pub run_tag: String,
    /// Set on Ctrl-C: scenarios stop sending new steps and clean up.
    pub cancel: Arc<AtomicBool>,
}

impl RunContext {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// Progress events for the console.
pub enum Event<'a> {
    Started { total: usize },
    Finished(&'a ScenarioOutcome),
}

/// Run options.
pub struct RunOptions {
    pub run_id: String,
    pub target_label: String,
    pub jobs: usize,
    /// The target is groupcheck's emulator (embedded, or declared with `--target-is-emulator`):
    /// scenarios with `emulator: true` steps run; otherwise they are reported skipped.
    pub emulator: bool,
}

/// Why a scenario is not run against this target, if it is not.
fn skip_reason(scenario: &Scenario, options: &RunOptions) -> Option<String> {
    (scenario.requires_emulator() && !options.emulator).then(|| {
        "needs groupcheck's emulator (a step sends a simulated inbound SMS to /emulator/v1/…), \
         and the target is not it: run without --target, or add --target-is-emulator for a \
         `groupcheck serve` target"
            .to_owned()
    })
}

/// Run scenarios: the parallel ones `jobs` at a time, each on its own groups, then the serial ones
/// alone. Every scenario cleans up after itself, also when interrupted.
pub async fn run(
    ctx: Arc<RunContext>,
    scenarios: Vec<Scenario>,
    options: RunOptions,
    on_event: &(dyn Fn(Event) + Sync),
) -> RunOutcome {
    let started = Instant::now();
    let started_at = crate::model::id::format_timestamp(now_ms());
    on_event(Event::Started {
        total: scenarios.len(),
    });
    let mut outcomes: Vec<(usize, ScenarioOutcome)> = Vec::new();
    let mut runnable = Vec::with_capacity(scenarios.len());
    for (index, scenario) in scenarios.into_iter().enumerate() {
        match skip_reason(&scenario, &options) {
            Some(reason) => {
                let about = About::of(&scenario, index);
                let outcome = ScenarioOutcome::skipped(about.file, about.name, about.rules, reason);
                on_event(Event::Finished(&outcome));
                outcomes.push((index, outcome));
            }
            None => runnable.push((index, scenario)),
        }
    }
    let (parallel, serial): (Vec<_>, Vec<_>) = runnable.into_iter().partition(|(_, s)| !s.serial);
    let semaphore = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // A scenario that panics (a bug, never a target's doing) is not lost: it is reported as an
    // error, and the groups the ledger says it created are deleted.
    let mut running = std::collections::HashMap::new();
    for (index, scenario) in parallel {
        let (ctx, semaphore) = (ctx.clone(), semaphore.clone());
        let about = About::of(&scenario, index);
        let handle = tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            scenario_run::run(&ctx, &scenario, index).await
        });
        running.insert(handle.id(), about);
    }
    while let Some(done) = tasks.join_next_with_id().await {
        let (index, outcome) = match done {
            Ok((id, outcome)) => (running.remove(&id).map_or(0, |a| a.index), outcome),
            Err(e) => match running.remove(&e.id()) {
                Some(about) => (about.index, crashed(&ctx, about, e).await),
                None => continue,
            },
        };
        on_event(Event::Finished(&outcome));
        outcomes.push((index, outcome));
    }
    for (index, scenario) in serial {
        let about = About::of(&scenario, index);
        let task_ctx = ctx.clone();
        let task =
            tokio::spawn(async move { scenario_run::run(&task_ctx, &scenario, index).await });
        let outcome = match task.await {
            Ok(outcome) => outcome,
            Err(e) => crashed(&ctx, about, e).await,
        };
        on_event(Event::Finished(&outcome));
        outcomes.push((index, outcome));
    }
    outcomes.sort_by_key(|(i, _)| *i);
    let target = ctx.client.target();
    RunOutcome {
        version: SUMMARY_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id: options.run_id,
        target: options.target_label,
        service_plan_id: target.service_plan_id.clone(),
        profile: ctx.profile,
        started_at,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        aborted: ctx.cancelled().then(|| "interrupted (Ctrl-C)".to_owned()),
        scenarios: outcomes.into_iter().map(|(_, o)| o).collect(),
    }
}

/// What a run knows of a scenario without the scenario itself, to report one that crashed.
struct About {
    index: usize,
    file: String,
    name: String,
    rules: Vec<String>,
    started: Instant,
}

impl About {
    fn of(scenario: &Scenario, index: usize) -> About {
        About {
            index,
            file: scenario.file.display().to_string(),
            name: scenario.name.clone(),
            rules: scenario.rules.clone(),
            started: Instant::now(),
        }
    }
}

/// The outcome of a scenario whose task panicked: an error naming the panic, after deleting the
/// groups the ledger records it created and did not delete.
async fn crashed(ctx: &RunContext, about: About, error: tokio::task::JoinError) -> ScenarioOutcome {
    let why = if error.is_panic() {
        let payload = error.into_panic();
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        format!("internal error: the scenario panicked ({text}); please report it")
    } else {
        "internal error: the scenario was cancelled".to_owned()
    };
    let mut leftovers = Vec::new();
    let mut note = String::new();
    if let Some(ledger) = &ctx.ledger {
        let target = ctx.client.target();
        match ledger::outstanding(ledger.path()) {
            Ok(groups) => {
                for g in groups.into_iter().filter(|g| {
                    g.scenario == about.file
                        && g.base_url == target.base_url
                        && g.service_plan_id == target.service_plan_id
                }) {
                    if delete_group(ctx, &g.id).await.is_err() {
                        leftovers.push(g.id);
                    }
                }
            }
            Err(e) => {
                note = format!(
                    "; its groups could not be looked up ({e}): run groupcheck cleanup --ledger {}",
                    ledger.path().display()
                );
            }
        }
    }
    let error = Some(format!("{why}{note}"));
    ScenarioOutcome {
        file: about.file,
        name: about.name,
        rules: about.rules,
        verdict: ScenarioOutcome::verdict_of(&[], &error),
        steps: Vec::new(),
        findings: Vec::new(),
        error,
        leftovers,
        duration_ms: about.started.elapsed().as_secs_f64() * 1000.0,
        skipped: None,
    }
}

/// Why a group could not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeleteError {
    #[error("refusing to delete '{0}': it is not an id that names one group")]
    NotAnId(String),
    #[error(transparent)]
    Transport(#[from] crate::client::TransportError),
    #[error("delete {id} answered {status}")]
    Status { id: String, status: u16 },
}

/// Delete one group, recording it in the ledger; a 404 counts as already gone. The id came from
/// the target: it is sent as one percent-encoded path segment, and an id that cannot name one
/// group (empty, `.`, `..`) is refused rather than sent.
pub async fn delete_group(ctx: &RunContext, id: &str) -> Result<(), DeleteError> {
    if matches!(id, "" | "." | "..") {
        return Err(DeleteError::NotAnId(id.to_owned()));
    }
    let request = HttpRequest {
        method: "DELETE".into(),
        path: format!("/groups/{}", crate::client::path_segment(id)),
        auth: Auth::Token,
        ..HttpRequest::default()
    };
    let obs = ctx.client.send(&request).await?;
    if (200..300).contains(&obs.status) || obs.status == 404 {
        if let Some(ledger) = &ctx.ledger {
            ledger.record(&Entry::Deleted {
                service_plan_id: ctx.client.target().service_plan_id.clone(),
                id: id.to_owned(),
            });
        }
        Ok(())
    } else {
        Err(DeleteError::Status {
            id: id.to_owned(),
            status: obs.status,
        })
    }
}

/// Milliseconds since the epoch, for report timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A scenario of this name panics after its first request (unit tests of the runner only).
#[cfg(test)]
pub(crate) const TEST_PANIC_SCENARIO: &str = "groupcheck test: panic after the first request";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientConfig, Secret, Target};
    use crate::emulator::{Emulator, EmulatorConfig};
    use outcome::Verdict;

    /// A scenario that panics (a bug in groupcheck, not the target's doing) is reported as an
    /// error, its groups are deleted from the ledger's record, and the other scenarios run on.
    /// Before, the panic was swallowed: the scenario vanished from the reports (a run could pass)
    /// and its groups stayed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_scenario_is_reported_and_its_groups_deleted() {
        let token = "runner-test-token".to_owned();
        let emulator = Emulator::start_local(EmulatorConfig {
            token: Some(token.clone()),
            ..EmulatorConfig::default()
        })
        .await
        .unwrap();
        let target = Target {
            base_url: emulator.base_url(),
            service_plan_id: "P".into(),
            token: Secret::new(token.clone()),
            second_plan_id: "P2".into(),
            second_token: None,
        };
        let client = Client::new(target, ClientConfig::default()).unwrap();
        let dir = std::env::temp_dir().join(format!("gc-runner-panic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ledger = Arc::new(Ledger::create(&dir.join("ledger.jsonl")).unwrap());
        let ctx = Arc::new(RunContext {
            client,
            ledger: Some(ledger),
            profile: Profile::Default,
            run_tag: "TEST01".into(),
            cancel: Arc::new(AtomicBool::new(false)),
        });
        let scenario = |file: &str, name: &str, serial: bool| {
            let text = format!(
                "name: \"{name}\"\nserial: {serial}\nsteps:\n  - request: create\n    body: {{name: x}}\n  - request: list\n"
            );
            crate::scenario::parse::parse(std::path::Path::new(file), &text).unwrap()
        };
        let scenarios = vec![
            scenario("a.yaml", TEST_PANIC_SCENARIO, false),
            scenario("b.yaml", "fine", false),
            scenario("c.yaml", TEST_PANIC_SCENARIO, true),
        ];
        let outcome = run(
            ctx,
            scenarios,
            RunOptions {
                run_id: "r".into(),
                target_label: "t".into(),
                jobs: 2,
                emulator: true,
            },
            &|_| {},
        )
        .await;
        assert_eq!(outcome.scenarios.len(), 3, "no scenario is lost");
        for i in [0, 2] {
            let s = &outcome.scenarios[i];
            assert_eq!(s.verdict, Verdict::Error);
            let error = s.error.as_deref().unwrap();
            assert!(
                error.contains("panicked") && error.contains("deliberate"),
                "{error}"
            );
            assert!(s.leftovers.is_empty(), "{:?}", s.leftovers);
        }
        assert_eq!(outcome.scenarios[1].verdict, Verdict::Passed);
        assert_eq!(outcome.outcome(), crate::exit::Outcome::Failed);
        let list: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/xms/v1/P/groups", emulator.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["count"], 0, "every group was deleted: {list}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
