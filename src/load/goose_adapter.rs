//! The closed model (`--users N`) through goose 0.19, the only file that knows goose's API (it
//! breaks often: keep it here). Each flow becomes a goose scenario and each of its steps a
//! transaction, in order; requests are named by operation and group-size bucket (`update ≤1k`).
//!
//! goose is configured in code (`GooseAttack::initialize_with_config`), never from the command
//! line; its telnet and WebSocket controllers are off, it prints no metrics, writes no report
//! and no run folder, and its log output is limited to errors on stderr. goose keeps
//! process-global state (its killswitch, Ctrl-C handler and logger): one attack at a time per
//! process. Latency, validation and failures are recorded by the session, as in the open model;
//! goose's own metrics only mirror them (a failed request is marked failed there too).

use super::flow::Flow;
use super::session::{Pending, Session, Shared, Slot};
use crate::client::{Observation, TransportError};
use crate::scenario::Auth;
use goose::config::GooseConfiguration;
use goose::goose::GooseResponse;
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ClosedPlan {
    pub users: usize,
    pub duration: Duration,
    pub timeout: Duration,
    pub body_cap: usize,
}

/// What every transaction of the attack shares.
struct Context {
    shared: Arc<Shared>,
    flows: Vec<(Arc<Flow>, Vec<Slot>)>,
    next_session: AtomicU64,
    body_cap: usize,
    timeout: Duration,
    /// `Bearer <token>` of the primary plan, made once.
    authorization: reqwest::header::HeaderValue,
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
) -> Result<(), String> {
    quiet_logger();
    let context = Arc::new(Context {
        shared: shared.clone(),
        flows,
        next_session: AtomicU64::new(0),
        body_cap: plan.body_cap,
        timeout: plan.timeout,
        authorization: bearer(shared.client.target().token.expose())?,
    });
    // One client, shared by every user (no cookies: the API has none).
    let mut attack = GooseAttack::initialize_with_config(configuration(plan, &shared))
        .map_err(|e| format!("goose: {e}"))?
        .set_client_builder_without_cookies(
            goose::client::GooseClientBuilder::new()
                .without_cookies()
                .timeout(plan.timeout)
                .gzip(false)
                .user_agent(concat!("groupcheck/", env!("CARGO_PKG_VERSION"))),
        )
        .map_err(|e| format!("goose: {e}"))?;
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
    result.map(|_| ()).map_err(|e| format!("goose: {e}"))
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
    c.no_error_summary = true;
    c.quiet = 1;
    c
}

fn scenario(context: &Arc<Context>, index: usize) -> Result<goose::goose::Scenario, String> {
    let (flow, _) = &context.flows[index];
    let name = format!("{} #{}", flow.short_name(), index + 1);
    let start_context = context.clone();
    let on_start: TransactionFunction = Arc::new(move |user| {
        let context = start_context.clone();
        Box::pin(async move {
            let (flow, slots) = &context.flows[index];
            let id = context.next_session.fetch_add(1, Ordering::Relaxed);
            let slot = &slots[id as usize % slots.len().max(1)];
            let session = Session::new(flow.clone(), id, slot, &context.shared.run_tag);
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
        let name = session.request_name(pending.key);
        let started = Instant::now();
        let (answer, metric) = send(user, context, &pending, name).await;
        let latency = started.elapsed();
        if let Err(reason) = session.complete(&context.shared, pending, answer, latency)
            && let Some(mut metric) = metric
            && metric.success
        {
            let _ = user.set_failure(&reason, &mut metric, None, None);
        }
    }
    Ok(())
}

/// Send a prepared request through goose's client, read the whole body.
async fn send(
    user: &mut GooseUser,
    context: &Context,
    pending: &Pending,
    name: &str,
) -> (
    Result<Observation, TransportError>,
    Option<GooseRequestMetric>,
) {
    let request = &pending.rendered.request;
    let target = context.shared.client.target();
    let (plan, token) = if request.second_plan {
        (
            &target.second_plan_id,
            target.second_token.as_ref().unwrap_or(&target.token),
        )
    } else {
        (&target.service_plan_id, &target.token)
    };
    // One parse of the base URL per user, not two of the whole URL per request (goose's
    // build_url and reqwest's own): the path and query are set on a copy.
    let mut url = user.base_url.clone();
    url.set_path(&format!("/xms/v1/{plan}{}", request.path));
    if !request.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&request.query);
    }
    let Ok(method) = reqwest::Method::from_bytes(request.method.as_bytes()) else {
        let message = format!("invalid method {}", request.method);
        return (Err(TransportError::Other(message)), None);
    };
    let mut builder = user.client.request(method, url);
    builder = match request.auth {
        Auth::Token if !request.second_plan => builder.header(
            reqwest::header::AUTHORIZATION,
            context.authorization.clone(),
        ),
        Auth::Token => builder.bearer_auth(token.expose()),
        Auth::Wrong => builder.bearer_auth("groupcheck-wrong-token"),
        Auth::None => builder,
    };
    if let Some(body) = &request.body {
        if !request
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            builder = builder.header("Content-Type", "application/json");
        }
        builder = builder.body(body.clone());
    }
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    let mut goose_request = GooseRequest::builder()
        .set_request_builder(builder)
        .name(name);
    if let [only] = pending.expected[..] {
        goose_request = goose_request.expect_status_code(only);
    }
    let started = Instant::now();
    let response = match user.request(goose_request.build()).await {
        Ok(r) => r,
        Err(e) => return (Err(TransportError::Other(e.to_string())), None),
    };
    let GooseResponse {
        request: metric,
        response,
    } = response;
    let answer = match response {
        Ok(response) => read(response, context, started).await,
        Err(e) => Err(classify(&e, context.timeout)),
    };
    (answer, Some(metric))
}

async fn read(
    mut response: reqwest::Response,
    context: &Context,
    started: Instant,
) -> Result<Observation, TransportError> {
    let cap = context.body_cap;
    let status = response.status().as_u16();
    // The headers the judges read; the others are not copied.
    let headers: Vec<(String, String)> = ["content-type", "allow"]
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(*name)?;
            Some((
                name.to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone());
    if response.content_length().is_some_and(|n| n as usize > cap) {
        return Err(TransportError::BodyTooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify(&e, context.timeout))?
    {
        if body.len() + chunk.len() > cap {
            return Err(TransportError::BodyTooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Observation {
        status,
        content_type,
        headers,
        body,
        elapsed: started.elapsed(),
        retries: 0,
    })
}

fn bearer(token: &str) -> Result<reqwest::header::HeaderValue, String> {
    let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "the token cannot be sent in an HTTP header".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
}

fn classify(error: &reqwest::Error, timeout: Duration) -> TransportError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message = s.to_string();
        source = s.source();
    }
    if error.is_timeout() {
        TransportError::Timeout(timeout)
    } else if error.is_connect() {
        TransportError::Connect(message)
    } else {
        TransportError::Other(message)
    }
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
