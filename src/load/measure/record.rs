//! What a load run records: per operation and group-size bucket, an HDR histogram of latency and
//! counts of the three kinds of failure kept apart: transport errors (no answer), HTTP errors (an
//! error status the step did not expect) and contract violations (an answer that breaks the
//! schema, an expectation or an invariant). Plus late and dropped starts of the open model,
//! examples of each failure for the report, and the run second by second ([`timeline`]).

use crate::load::measure::hdr;
use crate::load::measure::timeline::{self, Timeline};
use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Operation and group-size bucket: the unit reports and thresholds speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub operation: &'static str,
    pub bucket: &'static str,
}

/// Counts and latencies of one key.
#[derive(Debug, Clone)]
pub struct OpStats {
    /// Requests sent (answered or not).
    pub requests: u64,
    pub transport_errors: u64,
    pub http_errors: u64,
    /// Answers that broke the contract (each counted once, whatever it broke).
    pub violations: u64,
    /// Answers judged (the validation sample).
    pub validated: u64,
    /// Latency of every answered request, µs.
    pub histogram: Histogram<u64>,
}

impl Default for OpStats {
    fn default() -> Self {
        OpStats {
            requests: 0,
            transport_errors: 0,
            http_errors: 0,
            violations: 0,
            validated: 0,
            histogram: hdr::new(),
        }
    }
}

/// The kind of a failure.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Transport,
    Http,
    Violation,
    /// The flow could not go on (a capture missing, a variable unknown).
    Flow,
}

/// One example of a failure, as reports show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Example {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// A curl command that sends the same request (the token read from the environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproducer: Option<String>,
}

/// Failures of one kind, rule (or status) and operation, counted, with the first few examples.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FailureGroup {
    pub kind: Kind,
    /// The rule broken (violations), `status 500` (HTTP errors), or the error's kind.
    pub what: String,
    pub operation: String,
    pub count: u64,
    pub examples: Vec<Example>,
}

/// Examples kept per group, and groups kept per run.
pub const EXAMPLES_PER_GROUP: usize = 3;
pub const MAX_GROUPS: usize = 200;
/// Example fields are cut to this many bytes.
const MAX_FIELD: usize = 4_000;

/// Everything a run records; shared by all its tasks.
pub struct Recorder {
    stats: Mutex<Inner>,
    failures: Mutex<Vec<FailureGroup>>,
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub violations: AtomicU64,
    pub late: AtomicU64,
    pub dropped: AtomicU64,
    pub flow_errors: AtomicU64,
    /// The window of the run: from the earliest request start to the latest answer, in ns since
    /// `base`.
    base: Instant,
    /// The wall-clock time of `base`, ms since the Unix epoch.
    base_ms: u64,
    first_start: AtomicU64,
    last_end: AtomicU64,
}

struct Inner {
    by_key: HashMap<Key, OpStats>,
    /// The run interval by interval (also the live p95 of the progress bar).
    timeline: timeline::Live,
}

/// What happened to one request.
pub enum Outcome<'a> {
    /// Answered; `violated` when the (sampled) judging found a broken contract.
    Answered {
        latency: Duration,
        validated: bool,
        violated: bool,
    },
    /// Answered with an error status the step did not expect.
    HttpError { latency: Duration },
    /// No answer.
    Transport(&'a str),
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            stats: Mutex::new(Inner {
                by_key: HashMap::new(),
                timeline: timeline::Live::default(),
            }),
            failures: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            violations: AtomicU64::new(0),
            late: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            flow_errors: AtomicU64::new(0),
            base: Instant::now(),
            base_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            first_start: AtomicU64::new(u64::MAX),
            last_end: AtomicU64::new(0),
        }
    }
}

impl Recorder {
    pub fn record(&self, key: Key, outcome: &Outcome) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let end = self.base.elapsed();
        let latency = match outcome {
            Outcome::Answered { latency, .. } | Outcome::HttpError { latency } => *latency,
            Outcome::Transport(_) => Duration::ZERO,
        };
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.first_start
            .fetch_min(nanos(end.saturating_sub(latency)), Ordering::Relaxed);
        self.last_end.fetch_max(nanos(end), Ordering::Relaxed);
        let mut inner = lock(&self.stats);
        let Inner { by_key, timeline } = &mut *inner;
        match outcome {
            Outcome::Answered {
                latency, violated, ..
            } => timeline.record(end, Some(*latency), false, *violated),
            Outcome::HttpError { latency } => timeline.record(end, Some(*latency), true, false),
            Outcome::Transport(_) => timeline.record(end, None, true, false),
        }
        let stats = by_key.entry(key).or_default();
        stats.requests += 1;
        match outcome {
            Outcome::Answered {
                latency,
                validated,
                violated,
            } => {
                hdr::record(&mut stats.histogram, *latency);
                stats.validated += u64::from(*validated);
                if *violated {
                    stats.violations += 1;
                    self.violations.fetch_add(1, Ordering::Relaxed);
                }
            }
            Outcome::HttpError { latency } => {
                hdr::record(&mut stats.histogram, *latency);
                stats.http_errors += 1;
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Transport(_) => {
                stats.transport_errors += 1;
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Keep an example of a failure (counted in its group even when the group is full).
    pub fn example(
        &self,
        kind: Kind,
        what: &str,
        operation: &str,
        example: impl FnOnce() -> Example,
    ) {
        if kind == Kind::Flow {
            self.flow_errors.fetch_add(1, Ordering::Relaxed);
        }
        let mut groups = lock(&self.failures);
        if let Some(group) = groups
            .iter_mut()
            .find(|g| g.kind == kind && g.what == what && g.operation == operation)
        {
            group.count += 1;
            if group.examples.len() < EXAMPLES_PER_GROUP {
                group.examples.push(clip_example(example()));
            }
            return;
        }
        if groups.len() < MAX_GROUPS {
            groups.push(FailureGroup {
                kind,
                what: what.to_owned(),
                operation: operation.to_owned(),
                count: 1,
                examples: vec![clip_example(example())],
            });
        }
    }

    /// From the earliest request start to the latest answer (zero before any).
    pub fn window(&self) -> Duration {
        let first = self.first_start.load(Ordering::Relaxed);
        let last = self.last_end.load(Ordering::Relaxed);
        Duration::from_nanos(last.saturating_sub(first))
    }

    /// The 95th percentile of the last whole second (interval), ms: what the progress bar shows.
    pub fn p95_ms(&self) -> f64 {
        lock(&self.stats).timeline.recent_p95_ms()
    }

    /// The run interval by interval, so far.
    pub fn timeline(&self) -> Timeline {
        lock(&self.stats).timeline.snapshot(self.base_ms)
    }

    /// A copy of everything recorded.
    pub fn snapshot(&self) -> (Vec<(Key, OpStats)>, Vec<FailureGroup>) {
        let mut stats: Vec<(Key, OpStats)> = lock(&self.stats)
            .by_key
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        stats.sort_by_key(|(k, _)| (k.operation, crate::load::measure::bucket::order(k.bucket)));
        (stats, lock(&self.failures).clone())
    }
}

fn clip_example(mut e: Example) -> Example {
    let clip = |s: &mut String| {
        if s.len() > MAX_FIELD {
            let mut end = MAX_FIELD;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push('…');
        }
    };
    clip(&mut e.message);
    for field in [&mut e.diff, &mut e.reproducer, &mut e.pointer]
        .into_iter()
        .flatten()
    {
        clip(field);
    }
    e
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Which answers are judged: exactly a fraction `rate` of them, spread evenly (the n-th answer is
/// judged when ⌊n·rate⌋ moves), so 1.0 judges all and 0 none.
pub struct Sampler {
    rate: f64,
    seen: AtomicU64,
}

impl Sampler {
    pub fn new(rate: f64) -> Sampler {
        Sampler {
            rate: rate.clamp(0.0, 1.0),
            seen: AtomicU64::new(0),
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn pick(&self) -> bool {
        if self.rate >= 1.0 {
            return true;
        }
        if self.rate <= 0.0 {
            return false;
        }
        let n = self.seen.fetch_add(1, Ordering::Relaxed) as f64;
        ((n + 1.0) * self.rate).floor() > (n * self.rate).floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_takes_its_fraction() {
        for (rate, expected) in [(0.0, 0), (1.0, 1000), (0.1, 100), (0.25, 250)] {
            let s = Sampler::new(rate);
            let picked = (0..1000).filter(|_| s.pick()).count();
            assert_eq!(picked, expected, "rate {rate}");
        }
    }

    #[test]
    fn the_timeline_counts_every_request() {
        let r = Recorder::default();
        let key = Key {
            operation: "update",
            bucket: "10",
        };
        let answered = Outcome::Answered {
            latency: Duration::from_millis(1),
            validated: true,
            violated: true,
        };
        r.record(key, &answered);
        r.record(
            key,
            &Outcome::HttpError {
                latency: Duration::from_millis(2),
            },
        );
        r.record(key, &Outcome::Transport("refused"));
        let t = r.timeline();
        let sum = |pick: fn(&timeline::Row) -> u64| t.rows.iter().map(pick).sum::<u64>();
        assert_eq!(sum(|r| r.requests), 3);
        assert_eq!(sum(|r| r.errors), 2);
        assert_eq!(sum(|r| r.violations), 1);
        assert!(t.start_ms > 1_600_000_000_000, "wall clock: {}", t.start_ms);
    }

    #[test]
    fn failures_grouped_and_capped() {
        let r = Recorder::default();
        for i in 0..5 {
            r.example(Kind::Violation, "schema.group", "update", || Example {
                message: format!("m{i}"),
                status: Some(200),
                pointer: None,
                diff: None,
                reproducer: None,
            });
        }
        let (_, failures) = r.snapshot();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].count, 5);
        assert_eq!(failures[0].examples.len(), EXAMPLES_PER_GROUP);
    }
}
