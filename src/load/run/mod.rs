//! One load run, start to end: build the group slots (setup, unmeasured), run the sessions under
//! the closed model (goose) or the open model (arrival rate), tear down and delete every group the
//! run created, and summarise. Used by `load` and, once per size, by `capacity`.

mod goose_adapter;
pub mod groups;
pub mod open_model;
pub mod progress;
pub mod session;
pub mod slots;

use crate::client::ledger::Ledger;
use crate::client::{Client, ClientConfig};
use crate::load::flow::Flow;
use crate::load::measure::memory::Memory;
use crate::load::measure::record::{Kind, Recorder, Sampler};
use crate::load::measure::summary::{
    Cleanup, LOAD_SUMMARY_VERSION, LoadSummary, OperationSummary, Totals,
};
use crate::load::run::groups::GroupBook;
use crate::load::run::progress::{Progress, Setup};
use crate::load::run::session::{Session, Shared, Slot};
use crate::load::shard::Shard;
use goose_adapter::ClosedPlan;
use open_model::OpenPlan;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Members all the slots of one flow hold at most, when `--groups` is not given.
const MEMBER_BUDGET: usize = 2_000_000;
/// Slots of one flow at most, when `--groups` is not given.
const MAX_SLOTS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// goose users, each looping over its flow: `--users`.
    Closed { users: usize },
    /// Arrivals per second, each given to an idle session: `--rate`. `sessions` caps the
    /// requests in flight (default: a second's worth of arrivals, 16 to 1,024).
    Open { rate: f64, sessions: Option<usize> },
}

/// What to run.
pub struct LoadSpec {
    pub flows: Vec<Flow>,
    pub mode: Mode,
    pub duration: Duration,
    /// Slots per flow (`--groups`); default: one per session, at most 32 and 2,000,000 members.
    pub groups: Option<usize>,
    pub validate_sample: f64,
    pub shard: Shard,
    /// Request timeout and body cap (the target's settings).
    pub timeout: Duration,
    pub body_cap: usize,
    pub progress: bool,
    /// Shown before the progress bar.
    pub label: String,
}

/// Identification of the run in its summary.
pub struct RunInfo {
    pub run_id: String,
    pub target: String,
    /// The whole run's `--users`/`--rate` and `--group-size`, before the shard's share.
    pub group_size: Option<usize>,
    /// The target is the embedded emulator, in this process (for the memory figure).
    pub with_emulator: bool,
}

/// Run it. The summary's `aborted` says when it was interrupted, its setup failed or not one
/// request succeeded; the groups it created are deleted in every case.
pub async fn run(
    spec: &LoadSpec,
    info: &RunInfo,
    client: Client,
    ledger: Option<Arc<Ledger>>,
    cancel: Arc<AtomicBool>,
) -> LoadSummary {
    let started_at = crate::model::id::format_timestamp(crate::check::now_ms());
    let groups = Arc::new(GroupBook::new(ledger, &client));
    let careful = Client::new(
        client.target().clone(),
        ClientConfig {
            timeout: spec.timeout,
            body_cap: spec.body_cap,
            ..ClientConfig::default()
        },
    )
    .unwrap_or_else(|_| client.clone());
    let shared = Arc::new(Shared {
        client,
        careful,
        recorder: Arc::new(Recorder::default()),
        sampler: Sampler::new(spec.validate_sample),
        groups: groups.clone(),
        run_tag: spec.shard.run_tag(),
        cancel,
    });
    let flows: Vec<Arc<Flow>> = spec.flows.iter().cloned().map(Arc::new).collect();
    let sessions = match spec.mode {
        Mode::Closed { users } => spec.shard.users(users),
        Mode::Open { rate, sessions } => {
            sessions.unwrap_or_else(|| (spec.shard.rate(rate).ceil() as usize).clamp(16, 1024))
        }
    };
    let mut aborted = None;
    let mut built: Vec<(Arc<Flow>, Vec<Slot>)> = Vec::new();
    for (index, flow) in flows.iter().enumerate() {
        let per_flow = share(sessions, flows.len(), index);
        let count = spec.groups.unwrap_or_else(|| {
            let size = flow.group_size().unwrap_or(10).max(1);
            per_flow.min(MAX_SLOTS).min((MEMBER_BUDGET / size).max(1))
        });
        let setup = (!flow.setup.is_empty() && per_flow > 0).then(|| {
            let what = flow.group_size().map_or_else(String::new, |size| {
                format!(": {count} group(s) of {size} members")
            });
            Setup::start(
                count.max(1),
                format!("{}setting up {}{what}", spec.label, flow.short_name()),
                !spec.progress,
            )
        });
        let slots = if per_flow == 0 {
            Ok(vec![Slot::default()])
        } else {
            slots::build(flow, count, &shared, setup.as_ref()).await
        };
        if let Some(setup) = setup {
            setup.finish();
        }
        match slots {
            Ok(slots) => built.push((flow.clone(), slots)),
            Err(e) => {
                aborted = Some(if shared.cancelled() {
                    "interrupted (Ctrl-C) during setup".to_owned()
                } else {
                    format!("setup failed: {e}")
                });
                break;
            }
        }
    }
    if aborted.is_none() && !shared.cancelled() && sessions > 0 {
        let progress = Progress::start(
            shared.recorder.clone(),
            spec.duration,
            &spec.label,
            !spec.progress,
        );
        let result = match spec.mode {
            Mode::Closed { .. } => {
                goose_adapter::run(
                    &ClosedPlan {
                        users: sessions,
                        duration: spec.duration,
                        timeout: spec.timeout,
                    },
                    built.clone(),
                    shared.clone(),
                )
                .await
            }
            Mode::Open { rate, .. } => {
                let mut pools: Vec<Vec<Session>> = built.iter().map(|_| Vec::new()).collect();
                for id in 0..sessions {
                    let (flow, slots) = &built[id % built.len()];
                    let slot = &slots[(id / built.len()) % slots.len().max(1)];
                    let session = Session::new(flow.clone(), id as u64, slot, &shared);
                    pools[id % built.len()].push(session);
                }
                let plan = OpenPlan {
                    rate: spec.shard.rate(rate),
                    duration: spec.duration,
                    drain: spec.timeout,
                };
                open_model::run(&plan, pools, shared.clone()).await;
                Ok(())
            }
        };
        progress.finish();
        if let Err(e) = result {
            aborted = Some(e.to_string());
        }
    }
    if aborted.is_none() && shared.cancelled() {
        aborted = Some("interrupted (Ctrl-C)".into());
    }
    let mut teardown_problems = Vec::new();
    for (flow, slots) in &built {
        teardown_problems.extend(slots::teardown(flow, slots, &shared).await);
    }
    let leftovers = groups.delete_all(&shared.careful).await;
    let cleanup = Cleanup {
        created: groups.created.load(Ordering::Relaxed),
        deleted: groups.deleted.load(Ordering::Relaxed),
        leftovers,
        teardown_problems,
    };
    summarise(spec, info, &shared, started_at, aborted, cleanup)
}

/// The `index`-th of `parts` shares of `total`, the remainder to the first.
fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts.max(1) + usize::from(index < total % parts.max(1))
}

fn summarise(
    spec: &LoadSpec,
    info: &RunInfo,
    shared: &Shared,
    started_at: String,
    aborted: Option<String>,
    cleanup: Cleanup,
) -> LoadSummary {
    let recorder = &shared.recorder;
    let (stats, failures) = recorder.snapshot();
    let elapsed = recorder.window().as_secs_f64();
    let mut totals = Totals {
        late: recorder.late.load(Ordering::Relaxed),
        dropped: recorder.dropped.load(Ordering::Relaxed),
        flow_errors: recorder.flow_errors.load(Ordering::Relaxed),
        ..Totals::default()
    };
    for (_, s) in &stats {
        totals.requests += s.requests;
        totals.answered += s.histogram.len();
        totals.transport_errors += s.transport_errors;
        totals.http_errors += s.http_errors;
        totals.violations += s.violations;
        totals.validated += s.validated;
    }
    totals.rps = if elapsed > 0.0 {
        totals.requests as f64 / elapsed
    } else {
        0.0
    };
    let (mode, users, rate) = match spec.mode {
        Mode::Closed { users } => ("closed", Some(users), None),
        Mode::Open { rate, .. } => ("open", None, Some(rate)),
    };
    let flow_errors: u64 = failures
        .iter()
        .filter(|f| f.kind == Kind::Flow)
        .map(|f| f.count)
        .sum();
    totals.flow_errors = totals.flow_errors.max(flow_errors);
    let aborted = aborted.or_else(|| nothing_succeeded(&totals));
    LoadSummary {
        kind: "load".into(),
        version: LOAD_SUMMARY_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id: info.run_id.clone(),
        target: info.target.clone(),
        mode: mode.into(),
        users,
        rate,
        duration_s: spec.duration.as_secs_f64(),
        group_size: info.group_size,
        validate_sample: spec.validate_sample,
        shards: vec![spec.shard],
        flows: spec
            .flows
            .iter()
            .map(|f| f.file.display().to_string())
            .collect(),
        started_at,
        elapsed_s: elapsed,
        aborted,
        totals,
        operations: stats
            .iter()
            .map(|(k, s)| OperationSummary::from_stats(k, s))
            .collect(),
        timeline: recorder.timeline(),
        failures,
        thresholds: Vec::new(),
        cleanup,
        memory: Memory::now(info.with_emulator),
        exit_code: 0,
    }
}

/// Why a run that sent requests measured nothing of the target, when not one succeeded: every
/// request went unanswered (the target is unreachable) or was an error the flows did not expect
/// (a wrong token, a wrong plan, a server failing everything). Such a run ends as unreachable
/// (exit 3) whatever the thresholds say, and a capacity sweep stops there.
fn nothing_succeeded(totals: &Totals) -> Option<String> {
    let failed = totals.transport_errors + totals.http_errors;
    (totals.requests > 0 && failed >= totals.requests).then(|| {
        format!(
            "not one of {} requests succeeded ({} without an answer, {} HTTP errors): see the failures",
            totals.requests, totals.transport_errors, totals.http_errors
        )
    })
}
