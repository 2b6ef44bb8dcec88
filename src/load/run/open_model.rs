//! The open model (`--rate R`): requests start on an arrival schedule, the k-th at
//! `start + k/R`, whatever the target does; a slow answer does not delay the next start. Latency
//! is measured from each request's *intended* start, so a stalled server shows up in every
//! request that should have started during the stall (no coordinated omission, as in wrk2).
//!
//! Each arrival goes to an idle session, which sends its next step. When every session is busy
//! the arrival is *dropped* (counted, as k6's `dropped_iterations`); when the generator itself
//! wakes up more than [`LATE_AFTER`] after an arrival's time, the start is *late* (counted; its
//! latency still runs from the intended time). goose is not used here: it has no open model.

use crate::load::run::session::{Session, Shared};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

/// A start later than this after its intended time counts as late.
pub const LATE_AFTER: Duration = Duration::from_millis(5);

#[derive(Debug, Clone)]
pub struct OpenPlan {
    /// Arrivals per second.
    pub rate: f64,
    pub duration: Duration,
    /// How long in-flight requests may take to finish after the schedule ends.
    pub drain: Duration,
}

/// Run the schedule with these sessions, one pool per flow. Returns when the schedule is over (or
/// the run is interrupted) and the requests in flight have finished or the drain time is up.
///
/// Arrivals go to the flows in turn; within a flow, to the session that became idle last, so
/// a flow's steps advance in order and no more sessions are active than the load needs. When the
/// flow whose turn it is has no idle session, the next flow's takes the arrival; when none has,
/// the arrival is dropped.
pub async fn run(plan: &OpenPlan, pools: Vec<Vec<Session>>, shared: Arc<Shared>) {
    if pools.iter().all(Vec::is_empty) || plan.rate <= 0.0 {
        return;
    }
    let pools: Arc<Vec<Mutex<Vec<Session>>>> = Arc::new(
        pools
            .into_iter()
            .map(|p| Mutex::new(p.into_iter().rev().collect()))
            .collect(),
    );
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let arrivals = (plan.rate * plan.duration.as_secs_f64()).round() as u64;
    let handle = tokio::runtime::Handle::current();
    // The schedule keeps time on a thread of its own: tokio's timer ticks in whole milliseconds,
    // which would add up to a millisecond of the generator's own lateness to every latency.
    let scheduler = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || {
            let mut tasks = tokio::task::JoinSet::new();
            let start = Instant::now();
            for k in 0..arrivals {
                let intended = start + period.mul_f64(k as f64);
                if let Some(wait) = intended.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if shared.cancelled() {
                    break;
                }
                if intended.elapsed() > LATE_AFTER {
                    shared.recorder.late.fetch_add(1, Ordering::Relaxed);
                }
                let n = pools.len();
                let taken = (0..n).find_map(|i| {
                    let flow = (k as usize + i) % n;
                    lock(&pools[flow]).pop().map(|s| (flow, s))
                });
                let Some((flow, mut session)) = taken else {
                    shared.recorder.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let (shared, pools) = (shared.clone(), pools.clone());
                tasks.spawn_on(
                    async move {
                        if let Some(pending) = session.next(&shared) {
                            let answer = session.send(&pending).await;
                            let latency = intended.elapsed();
                            let _ = session.complete(&shared, pending, answer, latency);
                        }
                        lock(&pools[flow]).push(session);
                    },
                    &handle,
                );
                // Reap what finished, so the set does not grow with the run.
                while tasks.try_join_next().is_some() {}
            }
            tasks
        })
    };
    let Ok(mut tasks) = scheduler.await else {
        return;
    };
    let drained = tokio::time::timeout(plan.drain, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tasks.abort_all();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
