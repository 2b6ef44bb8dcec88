//! A session: one instance of a flow that runs its steps over and over, with its own variables.
//! A goose user holds one (closed model); the open model keeps a pool of them and gives each
//! arrival to an idle one. Both engines do the same thing around a request: [`Session::prepare`]
//! renders the step, the engine sends it and times it, [`Session::complete`] classifies the
//! answer, judges the sample, records it, notes created and deleted groups, and applies captures.

use crate::check::judge::{Problem, preview};
use crate::client::lane::Lane;
use crate::client::{Client, Observation, TransportError};
use crate::load::LoadError;
use crate::load::flow::{self, Flow, Rendered};
use crate::load::measure::bucket;
use crate::load::measure::record::{Example, Key, Kind, Outcome, Recorder, Sampler};
use crate::load::run::groups::GroupBook;
use crate::load::shard::base32_number;
use crate::load::validate::{self, Seen};
use crate::scenario::template::Vars;
use crate::scenario::{Operation, capture};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What every session of a run shares.
pub struct Shared {
    /// Sends the open model's requests (a 429 is an error to count, not retried); writes
    /// reproducers.
    pub client: Client,
    /// Sends setup, teardown and clean-up requests: honours 429 and `Retry-After`.
    pub careful: Client,
    pub recorder: Arc<Recorder>,
    pub sampler: Sampler,
    pub groups: Arc<GroupBook>,
    /// This run's (or shard's) six-character name space.
    pub run_tag: String,
    /// Set on Ctrl-C.
    pub cancel: Arc<AtomicBool>,
}

impl Shared {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// A step rendered and ready to send.
pub struct Pending {
    pub step: usize,
    pub rendered: Rendered,
    pub key: Key,
    pub expected: Vec<u16>,
}

/// A group slot: the variables its setup captured and the sizes of the groups it built.
#[derive(Debug, Clone, Default)]
pub struct Slot {
    pub vars: Vars,
    pub sizes: HashMap<String, usize>,
}

pub struct Session {
    pub flow: Arc<Flow>,
    id: u64,
    base: Vars,
    vars: Vars,
    iteration: u64,
    /// The current iteration cannot go on (a failure, a missing capture): its remaining steps
    /// are skipped and the next iteration starts afresh.
    aborted: bool,
    /// The open model's position: the next step and repetition.
    cursor: (usize, u32),
    /// A capture changed the variables during this iteration: the next one starts from `base`
    /// again (otherwise only the per-iteration variables are set, which costs no copy).
    dirty: bool,
    /// Request names by key, made once.
    sizes: HashMap<String, usize>,
    seen: Seen,
    /// The session's own connection to the target: it sends one request at a time.
    lane: Lane,
}

impl Session {
    pub fn new(flow: Arc<Flow>, id: u64, slot: &Slot, shared: &Shared) -> Session {
        let run_tag = shared.run_tag.as_str();
        let mut base = flow.vars.clone();
        base.extend(slot.vars.clone());
        base.insert("run".into(), Value::from(run_tag));
        base.insert("session".into(), Value::from(id));
        let steps = flow.steps.len();
        Session {
            flow,
            id,
            vars: base.clone(),
            base,
            iteration: 0,
            aborted: false,
            cursor: (steps, 0),
            dirty: false,
            sizes: slot.sizes.clone(),
            seen: Seen::default(),
            lane: shared.client.lane(),
        }
    }

    /// Start the next iteration: fresh variables, a new `{uniq}`.
    pub fn begin_iteration(&mut self) {
        self.iteration += 1;
        if self.dirty {
            self.vars.clone_from(&self.base);
            self.dirty = false;
        }
        let run = self.base.get("run").and_then(Value::as_str).unwrap_or("gc");
        let uniq = format!(
            "{run}{}{}",
            base32_number(self.id, 3),
            base32_number(self.iteration, 1)
        );
        self.vars.insert("uniq".into(), Value::String(uniq));
        self.vars
            .insert("iteration".into(), Value::from(self.iteration));
        self.aborted = false;
        self.cursor = (0, 0);
    }

    /// The open model's next request: the next step of this iteration, or the first of a new
    /// one. `None` when the step could not be rendered (recorded as a flow error).
    pub fn next(&mut self, shared: &Shared) -> Option<Pending> {
        if self.aborted || self.cursor.0 >= self.flow.steps.len() {
            self.begin_iteration();
        }
        let (step, i) = self.cursor;
        let repeat = self.flow.steps[step].repeat.unwrap_or(1);
        self.cursor = if i + 1 < repeat {
            (step, i + 1)
        } else {
            (step + 1, 0)
        };
        self.prepare(step, i, shared)
    }

    /// Render step `step`, repetition `i`. `None` when this iteration was abandoned or the step
    /// cannot be rendered.
    pub fn prepare(&mut self, step: usize, i: u32, shared: &Shared) -> Option<Pending> {
        if self.aborted {
            return None;
        }
        let def = &self.flow.steps[step];
        if self.vars.get("i").and_then(Value::as_u64) != Some(u64::from(i)) {
            self.vars.insert("i".into(), Value::from(i));
        }
        match flow::render(def, &self.vars) {
            Ok(rendered) => {
                let size = match rendered.op {
                    Some(Operation::Create | Operation::Replace) => {
                        Some(rendered.members_sent().unwrap_or(0))
                    }
                    Some(Operation::List) | None => None,
                    Some(_) => rendered
                        .group
                        .as_ref()
                        .and_then(|g| self.sizes.get(g).copied()),
                };
                let key = Key {
                    operation: rendered.op_name(),
                    bucket: bucket::of(size),
                };
                let expected = flow::expected_statuses(def, rendered.op);
                Some(Pending {
                    step,
                    rendered,
                    key,
                    expected,
                })
            }
            Err(message) => {
                self.aborted = true;
                let what = def.label();
                shared.recorder.example(Kind::Flow, &what, "-", || Example {
                    message: format!(
                        "{}:{}: step '{what}' cannot be rendered: {message}",
                        self.flow.file.display(),
                        def.line
                    ),
                    status: None,
                    pointer: None,
                    diff: None,
                    reproducer: None,
                });
                None
            }
        }
    }

    /// Send a prepared request on the session's lane.
    pub async fn send(&mut self, pending: &Pending) -> Result<Observation, TransportError> {
        self.lane.send(&pending.rendered.request).await
    }

    /// Take the answer to a prepared request. `Err` carries a one-line reason when the request
    /// failed in any way.
    pub fn complete(
        &mut self,
        shared: &Shared,
        pending: Pending,
        answer: Result<Observation, TransportError>,
        latency: Duration,
    ) -> Result<(), LoadError> {
        let Pending {
            step,
            rendered,
            key,
            expected,
        } = pending;
        let recorder = &shared.recorder;
        let curl = || Some(shared.client.curl(&rendered.request));
        let obs = match answer {
            Ok(obs) => obs,
            Err(error) => {
                let message = error.to_string();
                recorder.record(key, &Outcome::Transport(&message));
                recorder.example(
                    Kind::Transport,
                    transport_kind(&error),
                    key.operation,
                    || Example {
                        message: message.clone(),
                        status: None,
                        pointer: None,
                        diff: None,
                        reproducer: curl(),
                    },
                );
                self.aborted = true;
                return Err(message.into());
            }
        };
        let status_ok = expected.is_empty() || expected.contains(&obs.status);
        if !status_ok && obs.status >= 400 {
            recorder.record(key, &Outcome::HttpError { latency });
            let message = format!(
                "expected status {}, got {}: {}",
                join(&expected),
                obs.status,
                preview(&obs.text())
            );
            recorder.example(
                Kind::Http,
                &format!("status {}", obs.status),
                key.operation,
                || Example {
                    message: message.clone(),
                    status: Some(obs.status),
                    pointer: None,
                    diff: None,
                    reproducer: curl(),
                },
            );
            self.aborted = true;
            return Err(message.into());
        }
        let def = &self.flow.steps[step];
        let validated = shared.sampler.pick();
        let problems: Vec<Problem> = if validated {
            let (vars, seen) = (&self.vars, &mut self.seen);
            off_the_workers(obs.body.len() > HEAVY_BODY, || {
                validate::judge(def, &rendered, vars, &obs, &self.flow.fallback_rule, seen)
            })
        } else if !status_ok {
            validate::status_only(def, &rendered, &obs, &self.flow.fallback_rule)
        } else {
            Vec::new()
        };
        recorder.record(
            key,
            &Outcome::Answered {
                latency,
                validated,
                violated: !problems.is_empty(),
            },
        );
        for p in &problems {
            recorder.example(Kind::Violation, &p.rule, key.operation, || Example {
                message: p.message.clone(),
                status: Some(obs.status),
                pointer: p.pointer.clone(),
                diff: p.diff.clone(),
                reproducer: curl(),
            });
        }
        let failure = problems
            .first()
            .map(|p| format!("{}: {}", p.rule, p.message));
        self.bookkeeping(shared, step, &rendered, &obs)?;
        failure.map_or(Ok(()), |f| Err(f.into()))
    }

    /// Created and deleted groups, sizes, captures.
    fn bookkeeping(
        &mut self,
        shared: &Shared,
        step: usize,
        rendered: &Rendered,
        obs: &Observation,
    ) -> Result<(), LoadError> {
        let def = &self.flow.steps[step];
        let success = (200..300).contains(&obs.status) && !rendered.request.second_plan;
        let needs_body = (success && rendered.op == Some(Operation::Create))
            || !def.capture.is_empty()
            || !def.collect.is_empty();
        let body = needs_body.then(|| obs.json()).flatten();
        match (rendered.op, success) {
            (Some(Operation::Create), true) => {
                if let Some(id) = body
                    .as_ref()
                    .and_then(|b| b.get("id"))
                    .and_then(Value::as_str)
                {
                    shared
                        .groups
                        .created(id, &self.flow.file.display().to_string());
                    self.sizes
                        .insert(id.to_owned(), rendered.members_sent().unwrap_or(0));
                }
            }
            (Some(Operation::Replace), true) => {
                if let (Some(id), Some(n)) = (&rendered.group, rendered.members_sent()) {
                    self.sizes.insert(id.clone(), n);
                }
            }
            (Some(Operation::Delete), true) => {
                if let Some(id) = &rendered.group {
                    shared.groups.deleted(id);
                    self.sizes.remove(id);
                    self.seen.forget(id);
                }
            }
            _ => {}
        }
        self.dirty |= !def.capture.is_empty() || !def.collect.is_empty();
        if let Err(message) = capture::apply(def, body.as_ref(), &mut self.vars) {
            self.aborted = true;
            let what = def.label();
            let message = format!(
                "{}:{}: step '{what}': {message}",
                self.flow.file.display(),
                def.line
            );
            shared
                .recorder
                .example(Kind::Flow, &what, rendered.op_name(), || Example {
                    message: message.clone(),
                    status: Some(obs.status),
                    pointer: None,
                    diff: None,
                    reproducer: None,
                });
            return Err(message.into());
        }
        Ok(())
    }
}

fn transport_kind(error: &TransportError) -> &'static str {
    match error {
        TransportError::Connect(_) => "connect",
        TransportError::Timeout(_) => "timeout",
        TransportError::BodyTooLarge(_) => "body too large",
        _ => "transport",
    }
}

fn join(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Answers longer than this (a members listing of some 15,000 numbers) are judged off the
/// runtime's workers.
const HEAVY_BODY: usize = 256 * 1024;

/// Run `judge` where it delays no other session: parsing and judging a large answer (a million
/// members is 16 MB of JSON, some 100 MB parsed) takes a worker for hundreds of milliseconds, and
/// every answer that worker should have read meanwhile would be measured that much slower. On the
/// multi-threaded runtime the worker hands its other tasks on first (`block_in_place`), and at
/// most one large answer per core is judged at a time, which bounds the memory parsed answers
/// hold (judging comes after the latency is taken, so waiting here is not measured).
fn off_the_workers<T>(heavy: bool, judge: impl FnOnce() -> T) -> T {
    static HEAVY: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    if !heavy {
        return judge();
    }
    let handle = tokio::runtime::Handle::try_current()
        .ok()
        .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    match handle {
        Some(handle) => tokio::task::block_in_place(|| {
            let permits = HEAVY.get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(2, usize::from);
                tokio::sync::Semaphore::new(cores)
            });
            let _permit = handle.block_on(permits.acquire());
            judge()
        }),
        None => judge(),
    }
}
