//! The closed model (`--users N`) through goose 0.19, the only file that knows goose's API (it
//! breaks often: keep it here). Each flow becomes a goose scenario and each of its steps a
//! transaction, in order, named after the step.
//!
//! goose is configured in code (`GooseAttack::initialize_with_config`), never from the command
//! line; its telnet and WebSocket controllers are off, it prints no metrics, writes no report
//! and no run folder, and its log output is limited to errors on stderr. goose keeps
//! process-global state (its killswitch, Ctrl-C handler and logger): one attack at a time per
//! process. goose schedules the users and their transactions; the requests go out on each
//! session's own lane ([`crate::client::lane`]) and the session records latency, validation and
//! failures, as in the open model. goose's own metrics are off: they would only repeat ours.

use crate::load::LoadError;
use crate::load::flow::Flow;
use crate::load::run::session::{Session, Shared, Slot};
use goose::config::GooseConfiguration;
use goose::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ClosedPlan {
    pub users: usize,
    pub duration: Duration,
    pub timeout: Duration,
}

/// What every transaction of the attack shares.
struct Context {
    shared: Arc<Shared>,
    flows: Vec<(Arc<Flow>, Vec<Slot>)>,
    next_session: AtomicU64,
}

/// The session a goose user runs, in its session data.
#[derive(Clone)]
struct Handle(Arc<tokio::sync::Mutex<Session>>);

/// Run the attack. Errors are goose's configuration errors, as text. A Ctrl-C that stopped goose
/// (through its own handler) sets the run's cancel flag.
pub async fn run(
    plan: &ClosedPlan,
    flows: Vec<(Arc<Flow>, Vec<Slot>)>,
    shared: Arc<Shared>,
) -> Result<(), LoadError> {
    quiet_logger();
    let context = Arc::new(Context {
        shared: shared.clone(),
        flows,
        next_session: AtomicU64::new(0),
    });
    // One client, shared by every user (no cookies: the API has none).
    let mut attack = GooseAttack::initialize_with_config(configuration(plan, &shared))
        .map_err(|e| LoadError(format!("goose: {e}")))?
        .set_client_builder_without_cookies(
            goose::client::GooseClientBuilder::new()
                .without_cookies()
                .timeout(plan.timeout)
                .gzip(false)
                .user_agent(concat!("groupcheck/", env!("CARGO_PKG_VERSION"))),
        )
        .map_err(|e| LoadError(format!("goose: {e}")))?;
    for index in 0..context.flows.len() {
        attack = attack.register_scenario(scenario(&context, index)?);
    }
    // Ctrl-C as seen by our own handler (before goose installs its own) stops goose too.
    let watcher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                if shared.cancelled() {
                    goose::trigger_killswitch("interrupted");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = attack.execute().await;
    watcher.abort();
    if goose::is_killswitch_triggered() {
        shared.cancel.store(true, Ordering::SeqCst);
    }
    result
        .map(|_| ())
        .map_err(|e| LoadError(format!("goose: {e}")))
}

fn configuration(plan: &ClosedPlan, shared: &Shared) -> GooseConfiguration {
    let mut c = GooseConfiguration::default();
    c.host = Some(shared.client.target().base_url.clone());
    c.users = Some(plan.users);
    // Every user within about 100 ms.
    c.increase_rate = Some((plan.users.max(1) * 10).to_string());
    c.run_time = Some(format!(
        "{}s",
        plan.duration.as_secs_f64().ceil().max(1.0) as u64
    ));
    c.timeout = Some(plan.timeout.as_secs_f64().ceil().max(1.0).to_string());
    c.no_telnet = true;
    c.websocket = false;
    c.no_print_metrics = true;
    // Our sessions record every request (latency, validation, failures): goose's own metrics
    // would only repeat them, at a cost of a copy of every request sent to its aggregator.
    c.no_metrics = true;
    c.no_error_summary = true;
    c.quiet = 1;
    c
}

fn scenario(context: &Arc<Context>, index: usize) -> Result<goose::goose::Scenario, LoadError> {
    let (flow, _) = &context.flows[index];
    let name = format!("{} #{}", flow.short_name(), index + 1);
    let start_context = context.clone();
    let on_start: TransactionFunction = Arc::new(move |user| {
        let context = start_context.clone();
        Box::pin(async move {
            let (flow, slots) = &context.flows[index];
            let id = context.next_session.fetch_add(1, Ordering::Relaxed);
            let slot = &slots[id as usize % slots.len().max(1)];
            let session = Session::new(flow.clone(), id, slot, &context.shared);
            user.set_session_data(Handle(Arc::new(tokio::sync::Mutex::new(session))));
            Ok(())
        })
    });
    let mut scenario = goose::goose::Scenario::new(&name).register_transaction(
        Transaction::new(on_start)
            .set_name("start session")
            .set_on_start(),
    );
    for (k, step) in flow.steps.iter().enumerate() {
        let context = context.clone();
        let function: TransactionFunction = Arc::new(move |user| {
            let context = context.clone();
            Box::pin(async move { run_step(user, &context, k).await })
        });
        scenario = scenario.register_transaction(
            Transaction::new(function)
                .set_name(&step.label())
                .set_sequence(k + 1),
        );
    }
    Ok(scenario)
}

/// One step (all its repetitions) of the user's session.
async fn run_step(user: &mut GooseUser, context: &Context, k: usize) -> TransactionResult {
    let Some(Handle(session)) = user.get_session_data::<Handle>().cloned() else {
        return Ok(());
    };
    let mut session = session.lock().await;
    if k == 0 {
        session.begin_iteration();
    }
    let repeat = session.flow.steps[k].repeat.unwrap_or(1);
    for i in 0..repeat {
        let Some(pending) = session.prepare(k, i, &context.shared) else {
            break;
        };
        let started = Instant::now();
        let answer = session.send(&pending).await;
        let latency = started.elapsed();
        let _ = session.complete(&context.shared, pending, answer, latency);
    }
    Ok(())
}

/// goose logs every failed request at warn level to stdout; we count failures ourselves. Install
/// a logger first (goose then keeps it) that lets only errors through, to stderr.
fn quiet_logger() {
    struct ErrorsOnly;
    impl log::Log for ErrorsOnly {
        fn enabled(&self, metadata: &log::Metadata) -> bool {
            metadata.level() <= log::Level::Error
        }
        fn log(&self, record: &log::Record) {
            if self.enabled(record.metadata()) {
                eprintln!("goose: {}", record.args());
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: ErrorsOnly = ErrorsOnly;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Error);
    }
}
