//! `groupcheck proxy`: judging live traffic. Clients talk to the proxy as they would to the API;
//! every request and answer is forwarded unchanged and each exchange is judged as `check` judges
//! a step: the answer by status, schema and the model oracle (the shadow model, one per service
//! plan), the request by the request schemas. When the proxy stops (Ctrl-C, SIGTERM) the findings
//! become a [`RunOutcome`], one pseudo-scenario per group, which `report::write_all` writes.
//!
//! * [`forward`]: the forwarding server (streaming answers, a capped copy kept to judge).
//! * [`judge`]: classifying and judging exchanges, uncertainty, the pseudo-scenarios.

pub mod forward;
pub mod judge;

use crate::check::outcome::{Profile, RunOutcome, SUMMARY_VERSION};
use judge::{Judge, Seen};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// What the handlers share.
pub(crate) struct Shared {
    /// The target's origin, without a trailing slash.
    target: String,
    http: reqwest::Client,
    judge: Mutex<Judge>,
}

impl Shared {
    /// A live console line (a finding, an uncertain group).
    fn say(&self, line: &str) {
        println!("{line}");
    }

    async fn judged(&self, seen: Seen, elapsed: Duration) {
        let lines = self.judge.lock().await.exchange(seen, elapsed);
        for line in lines {
            self.say(&line);
        }
    }
}

/// How long in-flight exchanges get to finish after the stop signal.
const DRAIN: Duration = Duration::from_secs(5);

/// Forward everything `listener` accepts to `target` until `stop` resolves (then give in-flight
/// exchanges up to [`DRAIN`] to finish), and return what was judged.
pub async fn run(
    listener: TcpListener,
    target: &str,
    profile: Profile,
    run_id: String,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<RunOutcome> {
    let started = Instant::now();
    let started_at = crate::model::id::format_timestamp(crate::check::now_ms());
    let target = target.trim_end_matches('/').to_owned();
    let loopback = reqwest::Url::parse(&target)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| {
            h == "localhost"
                || h.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
    let http = forward::http_client(loopback).map_err(std::io::Error::other)?;
    let shared = Arc::new(Shared {
        target: target.clone(),
        http,
        judge: Mutex::new(Judge::new(target.clone(), profile)),
    });
    let app = axum::Router::new()
        .fallback(forward::handle)
        .with_state(shared.clone());
    let (stopped_tx, mut stopped_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = stopped_tx.send(true);
    });
    let mut graceful = stopped_rx.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = graceful.wait_for(|s| *s).await;
    });
    tokio::select! {
        result = server => result?,
        _ = async {
            let _ = stopped_rx.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN).await;
        } => {}
    }
    // Answers still streaming are judged when they end; give them a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let judge = std::mem::replace(
        &mut *shared.judge.lock().await,
        Judge::new(target.clone(), profile),
    );
    Ok(RunOutcome {
        version: SUMMARY_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id,
        target: format!("{target} (through groupcheck proxy)"),
        service_plan_id: String::new(),
        profile,
        started_at,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        aborted: None,
        scenarios: judge.outcomes(),
    })
}
