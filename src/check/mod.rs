//! `check`: runs scenarios and judges every response by its status, its schema, the scenario's
//! explicit expectations and the model oracle. Produces [`outcome`] records carrying rule ids.
//!
//! * [`judge`]: status, schema and explicit expectations of one response.
//! * [`oracle`]: what the documented semantics predict from everything before.
//! * [`diff`]: expected vs actual as a unified diff.

pub mod diff;
pub mod judge;
pub mod oracle;
pub mod outcome;
mod scenario_run;

use crate::client::ledger::{Entry, Ledger};
use crate::client::{Client, HttpRequest};
use crate::scenario::{Auth, Scenario};
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
    let (parallel, serial): (Vec<_>, Vec<_>) = scenarios
        .into_iter()
        .enumerate()
        .partition(|(_, s)| !s.serial);
    let mut outcomes: Vec<(usize, ScenarioOutcome)> = Vec::new();
    let semaphore = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, scenario) in parallel {
        let (ctx, semaphore) = (ctx.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (index, scenario_run::run(&ctx, &scenario, index).await)
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok((index, outcome)) = done {
            on_event(Event::Finished(&outcome));
            outcomes.push((index, outcome));
        }
    }
    for (index, scenario) in serial {
        let outcome = scenario_run::run(&ctx, &scenario, index).await;
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

/// Delete one group, recording it in the ledger; a 404 counts as already gone.
pub async fn delete_group(ctx: &RunContext, id: &str) -> Result<(), String> {
    let request = HttpRequest {
        method: "DELETE".into(),
        path: format!("/groups/{id}"),
        auth: Auth::Token,
        ..HttpRequest::default()
    };
    let obs = ctx.client.send(&request).await.map_err(|e| e.to_string())?;
    if (200..300).contains(&obs.status) || obs.status == 404 {
        if let Some(ledger) = &ctx.ledger {
            ledger.record(&Entry::Deleted {
                service_plan_id: ctx.client.target().service_plan_id.clone(),
                id: id.to_owned(),
            });
        }
        Ok(())
    } else {
        Err(format!("delete {id} answered {}", obs.status))
    }
}

/// Milliseconds since the epoch, for report timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
