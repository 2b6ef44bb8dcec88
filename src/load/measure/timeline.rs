//! The run over time: per interval (a second, coarsened for long runs), the requests, errors
//! (transport and HTTP), contract violations and p50, p95, p99 and max latency of every
//! operation together. [`Live`] records it inside the recorder's lock in bounded memory: one
//! histogram for the current interval, collapsed into a [`Row`] when the interval rolls over;
//! past [`MAX_ROWS`] rows the interval doubles (rows merge pairwise). [`Timeline`] is the data in
//! `summary.json`; [`merge`] lays shards side by side on their wall-clock start.

use crate::load::measure::hdr;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// At most this many rows (20 minutes at one second; an even number, so rows merge in pairs).
pub const MAX_ROWS: usize = 1200;

/// Requests, failures and latency of every operation, interval by interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Wall-clock start of the first row, ms since the Unix epoch (the first answer's second).
    pub start_ms: u64,
    /// Seconds per row: 1, doubled each time a long run reached [`MAX_ROWS`] rows.
    pub interval_s: u64,
    /// From `start_ms` to the last answer, s (the last row may cover less than an interval).
    pub span_s: f64,
    /// Some rows merge finer rows: their percentiles are the worst of the rows merged.
    #[serde(default, skip_serializing_if = "is_false")]
    pub coarsened: bool,
    /// Merged shards: counts add, percentiles are the worst shard's (they do not merge exactly).
    #[serde(default, skip_serializing_if = "is_false")]
    pub worst_shard: bool,
    pub rows: Vec<Row>,
}

/// One interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Start of the row, seconds after `start_ms`.
    pub at_s: u64,
    /// Requests answered or failed in the interval (counted when they end).
    pub requests: u64,
    /// Transport errors and HTTP errors.
    pub errors: u64,
    pub violations: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Timeline {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Seconds a row covers: the interval, less for a last row cut short by the end of the run.
    pub fn covered_s(&self, row: &Row) -> f64 {
        let end = (row.at_s + self.interval_s) as f64;
        (end.min(self.span_s) - row.at_s as f64).max(0.0)
    }

    /// The rows worth showing, with the seconds each covers: all but a last row covering less
    /// than half an interval (its few answers would read as a collapse of the rate).
    pub fn shown(&self) -> Vec<(&Row, f64)> {
        let mut rows: Vec<(&Row, f64)> = self.rows.iter().map(|r| (r, self.covered_s(r))).collect();
        if rows.len() > 1
            && rows
                .last()
                .is_some_and(|(_, covered)| *covered < self.interval_s as f64 / 2.0)
        {
            rows.pop();
        }
        rows
    }
}

impl Row {
    /// Fold `other` into this row: counts add; percentiles cannot, so the worse is kept.
    fn absorb(&mut self, other: &Row) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.violations += other.violations;
        self.p50_ms = self.p50_ms.max(other.p50_ms);
        self.p95_ms = self.p95_ms.max(other.p95_ms);
        self.p99_ms = self.p99_ms.max(other.p99_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
    }
}

/// The timeline as it is recorded (inside the recorder's lock). O(1) per request, amortized:
/// a request lands in the current interval's histogram; a rollover collapses it into a row once
/// per interval. No allocation per request (the rows are reserved on the first request).
pub struct Live {
    /// Since the recorder's base instant: the start of row 0 (the first request's end).
    origin: Option<Duration>,
    interval_s: u64,
    /// Index of the current interval (in `interval_s` units).
    current: u64,
    now: Row,
    histogram: Histogram<u64>,
    rows: Vec<Row>,
    max_rows: usize,
    coarsened: bool,
    /// The latest request's end, since `origin`.
    last: Duration,
}

impl Default for Live {
    fn default() -> Live {
        Live::with_max_rows(MAX_ROWS)
    }
}

impl Live {
    /// A timeline of at most `max_rows` rows (rounded up to an even number, at least 2).
    pub fn with_max_rows(max_rows: usize) -> Live {
        Live {
            origin: None,
            interval_s: 1,
            current: 0,
            now: Row::default(),
            histogram: hdr::new(),
            rows: Vec::new(),
            max_rows: max_rows.max(2).div_ceil(2) * 2,
            coarsened: false,
            last: Duration::ZERO,
        }
    }

    /// A request that ended at `at` (since the recorder's base instant); `latency` when answered.
    pub fn record(
        &mut self,
        at: Duration,
        latency: Option<Duration>,
        error: bool,
        violation: bool,
    ) {
        let origin = *self.origin.get_or_insert_with(|| {
            self.rows.reserve_exact(self.max_rows);
            at
        });
        let since = at.saturating_sub(origin);
        self.last = self.last.max(since);
        let index = since.as_secs() / self.interval_s;
        if index > self.current {
            self.roll(since);
        }
        self.now.requests += 1;
        self.now.errors += u64::from(error);
        self.now.violations += u64::from(violation);
        if let Some(latency) = latency {
            hdr::record(&mut self.histogram, latency);
        }
    }

    /// The p95 of the last closed interval, or of the current one before any closed.
    pub fn recent_p95_ms(&self) -> f64 {
        match self.rows.last() {
            Some(row) => row.p95_ms,
            None => hdr::quantile_ms(&self.histogram, 0.95),
        }
    }

    /// Close the current interval and every empty one up to the interval holding `since`.
    fn roll(&mut self, since: Duration) {
        let row = self.collapse();
        self.push(row);
        self.histogram.reset();
        self.now = Row::default();
        while (self.rows.len() as u64) < since.as_secs() / self.interval_s {
            let at_s = self.rows.len() as u64 * self.interval_s;
            self.push(Row {
                at_s,
                ..Row::default()
            });
        }
        self.current = since.as_secs() / self.interval_s;
    }

    /// The current interval as a row (its percentiles from the interval's histogram).
    fn collapse(&self) -> Row {
        let h = &self.histogram;
        Row {
            at_s: self.rows.len() as u64 * self.interval_s,
            p50_ms: hdr::quantile_ms(h, 0.50),
            p95_ms: hdr::quantile_ms(h, 0.95),
            p99_ms: hdr::quantile_ms(h, 0.99),
            max_ms: hdr::max_ms(h),
            ..self.now
        }
    }

    fn push(&mut self, row: Row) {
        self.rows.push(row);
        if self.rows.len() >= self.max_rows {
            self.coarsen();
        }
    }

    /// Twice the interval: rows merge pairwise (in place, no allocation).
    fn coarsen(&mut self) {
        let pairs = self.rows.len() / 2;
        for i in 0..pairs {
            let mut row = self.rows[2 * i];
            row.absorb(&self.rows[2 * i + 1]);
            self.rows[i] = row;
        }
        self.rows.truncate(pairs);
        self.interval_s *= 2;
        self.coarsened = true;
    }

    /// The timeline so far, the current interval included; `base_ms`: the wall-clock time of the
    /// recorder's base instant, ms since the Unix epoch.
    pub fn snapshot(&self, base_ms: u64) -> Timeline {
        let Some(origin) = self.origin else {
            return Timeline::default();
        };
        let mut rows = self.rows.clone();
        rows.push(self.collapse());
        Timeline {
            start_ms: base_ms + origin.as_millis() as u64,
            interval_s: self.interval_s,
            span_s: self.last.as_secs_f64(),
            coarsened: self.coarsened,
            worst_shard: false,
            rows,
        }
    }
}

/// Shards' timelines laid on one clock: each row goes to the interval of the merged timeline
/// (the coarsest of the shards', doubled while rows exceed [`MAX_ROWS`]) that holds its middle
/// on the wall clock; counts add, percentiles are the worst shard's. Empty timelines (summaries written
/// before timelines existed) are left out.
pub fn merge(parts: &[&Timeline]) -> Timeline {
    let parts: Vec<&Timeline> = parts.iter().copied().filter(|t| !t.is_empty()).collect();
    let Some(start_ms) = parts.iter().map(|t| t.start_ms).min() else {
        return Timeline::default();
    };
    let offset_s = |t: &Timeline| (t.start_ms - start_ms) as f64 / 1000.0;
    let span_s = parts
        .iter()
        .map(|t| offset_s(t) + t.span_s)
        .fold(0.0, f64::max);
    let mut interval_s = parts.iter().map(|t| t.interval_s.max(1)).max().unwrap_or(1);
    while span_s / interval_s as f64 >= MAX_ROWS as f64 {
        interval_s *= 2;
    }
    let slots = ((span_s / interval_s as f64).ceil() as usize).max(1);
    let mut rows: Vec<Row> = (0..slots)
        .map(|i| Row {
            at_s: i as u64 * interval_s,
            ..Row::default()
        })
        .collect();
    for t in &parts {
        for row in &t.rows {
            let middle = offset_s(t) + row.at_s as f64 + t.interval_s as f64 / 2.0;
            let slot = ((middle / interval_s as f64).floor() as usize).min(slots - 1);
            let at_s = rows[slot].at_s;
            rows[slot].absorb(row);
            rows[slot].at_s = at_s;
        }
    }
    Timeline {
        start_ms,
        interval_s,
        span_s,
        coarsened: parts
            .iter()
            .any(|t| t.coarsened || t.interval_s != interval_s),
        worst_shard: parts.len() > 1,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn rolls_over_each_second_with_empty_seconds_kept() {
        let mut live = Live::default();
        live.record(ms(5_300), Some(ms(2)), false, false);
        live.record(ms(5_900), Some(ms(4)), true, false);
        assert!(
            (live.recent_p95_ms() - 4.0).abs() < 0.01,
            "the current second first"
        );
        live.record(ms(6_400), None, true, false);
        assert!(
            (live.recent_p95_ms() - 4.0).abs() < 0.01,
            "then the last closed one"
        );
        live.record(ms(8_800), Some(ms(10)), false, true);
        let t = live.snapshot(1_000_000);
        assert_eq!(t.start_ms, 1_005_300, "row 0 starts on the first answer");
        assert_eq!(t.interval_s, 1);
        let at: Vec<u64> = t.rows.iter().map(|r| r.at_s).collect();
        assert_eq!(at, [0, 1, 2, 3]);
        let requests: Vec<u64> = t.rows.iter().map(|r| r.requests).collect();
        assert_eq!(requests, [2, 1, 0, 1]);
        assert_eq!((t.rows[0].errors, t.rows[1].errors), (1, 1));
        assert_eq!(t.rows[3].violations, 1);
        assert!((t.rows[0].max_ms - 4.0).abs() < 0.01 && t.rows[0].p50_ms > 1.9);
        assert_eq!(t.rows[1].max_ms, 0.0, "a transport error has no latency");
        assert!((t.span_s - 3.5).abs() < 1e-9);
        assert!((t.covered_s(&t.rows[3]) - 0.5).abs() < 1e-9);
        assert_eq!(t.shown().len(), 4, "half an interval is shown");
        let short = Timeline {
            span_s: 3.2,
            ..t.clone()
        };
        assert_eq!(short.shown().len(), 3, "a last row of 0.2 s is not");
        assert!(!t.coarsened);
        assert!(Live::default().snapshot(0).is_empty());
    }

    #[test]
    fn long_runs_coarsen_and_stay_bounded() {
        let mut live = Live::with_max_rows(4);
        for s in 0..20u64 {
            live.record(Duration::from_secs(s), Some(ms(1 + s)), false, false);
        }
        let t = live.snapshot(0);
        assert!(t.rows.len() <= 4, "{t:?}");
        assert_eq!(t.interval_s, 8);
        assert!(t.coarsened);
        let at: Vec<u64> = t.rows.iter().map(|r| r.at_s).collect();
        assert_eq!(at, [0, 8, 16]);
        let requests: Vec<u64> = t.rows.iter().map(|r| r.requests).collect();
        assert_eq!(requests, [8, 8, 4]);
        assert!((t.rows[0].max_ms - 8.0).abs() < 0.01, "{:?}", t.rows[0]);
        assert_eq!(
            live.rows.capacity(),
            4,
            "no allocation past the first request"
        );
    }

    #[test]
    fn shards_align_on_their_wall_clock_start() {
        let row = |at_s, requests, p99_ms| Row {
            at_s,
            requests,
            p99_ms,
            ..Row::default()
        };
        let a = Timeline {
            start_ms: 10_000,
            interval_s: 1,
            span_s: 3.0,
            rows: vec![row(0, 10, 5.0), row(1, 10, 5.0), row(2, 10, 5.0)],
            ..Timeline::default()
        };
        let b = Timeline {
            start_ms: 11_100,
            interval_s: 1,
            span_s: 2.0,
            rows: vec![row(0, 3, 9.0), row(1, 4, 1.0)],
            ..Timeline::default()
        };
        let m = merge(&[&a, &b, &Timeline::default()]);
        assert_eq!(m.start_ms, 10_000);
        assert!(m.worst_shard && !m.coarsened);
        let requests: Vec<u64> = m.rows.iter().map(|r| r.requests).collect();
        assert_eq!(requests, [10, 13, 14, 0]);
        let p99: Vec<f64> = m.rows.iter().map(|r| r.p99_ms).collect();
        assert_eq!(p99, [5.0, 9.0, 5.0, 0.0]);
        assert!((m.span_s - 3.1).abs() < 1e-9);
        let one = merge(&[&a]);
        assert!(!one.worst_shard && one.rows == a.rows);
        let coarse = Timeline {
            interval_s: 2,
            rows: vec![row(0, 1, 1.0)],
            ..a.clone()
        };
        let m = merge(&[&a, &coarse]);
        assert_eq!(m.interval_s, 2);
        assert!(m.coarsened);
        assert_eq!(m.rows[0].requests, 10 + 10 + 1, "{m:?}");
    }
}
