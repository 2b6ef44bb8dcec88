//! Pass/fail thresholds of a load run: `--threshold "update p99<200ms"`, `"errors<0.1%"`,
//! `"violations==0"`. A breach makes the run exit 4 and is reported with what was observed
//! against what was allowed.
//!
//! Grammar: `[OPERATION[:BUCKET]] METRIC CMP VALUE`, spaces optional around CMP.
//! * METRIC: a latency (`p50`, `p90`, `p95`, `p99`, `p99.9`, any `pN`, `max`, `mean`) with a unit
//!   (`us`, `ms`, `s`); a count (`errors` = transport + HTTP errors, `transport-errors`,
//!   `http-errors`, `violations`, `dropped`, `late`, `requests`), plain or as a share of the
//!   requests with `%`; or `rps`.
//! * CMP: `<`, `<=`, `>`, `>=`, `==`, `!=`.
//! * OPERATION: one of the seven (`update`…) or `other`; BUCKET: a size bucket (`1k`, `100k`…).
//!
//! A latency threshold on an operation that has no answer fails ("no samples"): a typo or a flow
//! that never ran must not pass silently.

use crate::load::LoadError;
use crate::load::measure::bucket;
use crate::load::measure::hdr;
use crate::load::measure::summary::LoadSummary;
pub use crate::load::measure::summary::Verdict;
use crate::units::{fmt_ms, parse_latency_ms};

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub text: String,
    operation: Option<String>,
    bucket: Option<String>,
    metric: Metric,
    cmp: Cmp,
    bound: f64,
    percent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Quantile(f64),
    Max,
    Mean,
    Count(Count),
    Rps,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Count {
    Errors,
    Transport,
    Http,
    Violations,
    Dropped,
    Late,
    Requests,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    fn holds(self, observed: f64, bound: f64) -> bool {
        match self {
            Cmp::Lt => observed < bound,
            Cmp::Le => observed <= bound,
            Cmp::Gt => observed > bound,
            Cmp::Ge => observed >= bound,
            Cmp::Eq => observed == bound,
            Cmp::Ne => observed != bound,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

const OPERATIONS: [&str; 8] = [
    "create", "list", "retrieve", "update", "replace", "delete", "members", "other",
];

impl std::str::FromStr for Threshold {
    type Err = LoadError;

    fn from_str(text: &str) -> Result<Threshold, LoadError> {
        let bad = |why: String| LoadError(format!("--threshold \"{text}\": {why}"));
        let (at, cmp, width) =
            find_cmp(text).ok_or_else(|| bad("no comparison (<, <=, >, >=, ==, !=)".into()))?;
        let left: Vec<&str> = text[..at].split_whitespace().collect();
        let right = text[at + width..].trim();
        let (selector, metric_word) = match left.as_slice() {
            [metric] => (None, *metric),
            [selector, metric] => (Some(*selector), *metric),
            _ => {
                return Err(bad(
                    "expected [OPERATION[:BUCKET]] METRIC CMP VALUE, e.g. \"update p99<200ms\""
                        .into(),
                ));
            }
        };
        let (operation, bucket) = match selector.map(|s| s.split_once(':').unwrap_or((s, ""))) {
            None => (None, None),
            Some((op, b)) => {
                if !OPERATIONS.contains(&op) {
                    return Err(bad(format!(
                        "'{op}' is not an operation ({})",
                        OPERATIONS.join(", ")
                    )));
                }
                if !b.is_empty() && !bucket::is_label(b) {
                    let labels: Vec<&str> = bucket::labels().collect();
                    return Err(bad(format!(
                        "'{b}' is not a size bucket ({})",
                        labels.join(", ")
                    )));
                }
                (Some(op.to_owned()), (!b.is_empty()).then(|| b.to_owned()))
            }
        };
        let metric = metric_of(metric_word).ok_or_else(|| {
            bad(format!(
                "'{metric_word}' is not a metric (p50, p90, p95, p99, p99.9, max, mean, errors, \
                 transport-errors, http-errors, violations, dropped, late, requests, rps)"
            ))
        })?;
        let (bound, percent) = match metric {
            Metric::Quantile(_) | Metric::Max | Metric::Mean => {
                (parse_latency_ms(right).map_err(|e| bad(e.0))?, false)
            }
            Metric::Count(_) | Metric::Rps => {
                let (number, percent) = match right.strip_suffix('%') {
                    Some(n) => (n.trim(), true),
                    None => (right, false),
                };
                if percent && metric == Metric::Rps {
                    return Err(bad("rps is a rate, not a share: no %".into()));
                }
                let value: f64 = number
                    .parse()
                    .map_err(|_| bad(format!("'{right}' is not a number")))?;
                (value, percent)
            }
        };
        if !bound.is_finite() || bound < 0.0 {
            return Err(bad(format!("'{right}' is not a bound")));
        }
        Ok(Threshold {
            text: text.trim().to_owned(),
            operation,
            bucket,
            metric,
            cmp,
            bound,
            percent,
        })
    }
}

fn find_cmp(text: &str) -> Option<(usize, Cmp, usize)> {
    let at = text.find(['<', '>', '=', '!'])?;
    let two = text.get(at..at + 2);
    Some(match (two, &text[at..at + 1]) {
        (Some("<="), _) => (at, Cmp::Le, 2),
        (Some(">="), _) => (at, Cmp::Ge, 2),
        (Some("=="), _) => (at, Cmp::Eq, 2),
        (Some("!="), _) => (at, Cmp::Ne, 2),
        (_, "<") => (at, Cmp::Lt, 1),
        (_, ">") => (at, Cmp::Gt, 1),
        _ => return None,
    })
}

fn metric_of(word: &str) -> Option<Metric> {
    Some(match word {
        "max" => Metric::Max,
        "mean" | "avg" => Metric::Mean,
        "p999" => Metric::Quantile(0.999),
        "errors" | "error-rate" | "error_rate" => Metric::Count(Count::Errors),
        "transport-errors" => Metric::Count(Count::Transport),
        "http-errors" => Metric::Count(Count::Http),
        "violations" => Metric::Count(Count::Violations),
        "dropped" => Metric::Count(Count::Dropped),
        "late" => Metric::Count(Count::Late),
        "requests" => Metric::Count(Count::Requests),
        "rps" => Metric::Rps,
        other => {
            let n: f64 = other.strip_prefix('p')?.parse().ok()?;
            if !(n > 0.0 && n <= 100.0) {
                return None;
            }
            Metric::Quantile(n / 100.0)
        }
    })
}

impl Threshold {
    /// A latency threshold's operation (if it names one) and bound in ms: a line on a chart.
    pub fn latency_bound(&self) -> Option<(Option<&str>, f64)> {
        matches!(
            self.metric,
            Metric::Quantile(_) | Metric::Max | Metric::Mean
        )
        .then_some((self.operation.as_deref(), self.bound))
    }

    /// Judge this threshold on a run's summary.
    pub fn evaluate(&self, summary: &LoadSummary) -> Verdict {
        let allowed_value = |v: String| format!("{} {v}", self.cmp.text());
        let verdict = |observed: f64, shown: String, allowed: String| Verdict {
            threshold: self.text.clone(),
            observed: shown,
            allowed,
            passed: self.cmp.holds(observed, self.bound),
        };
        match self.metric {
            Metric::Quantile(_) | Metric::Max | Metric::Mean => {
                let histogram =
                    summary.histogram_of(self.operation.as_deref(), self.bucket.as_deref());
                let allowed = allowed_value(fmt_ms(self.bound));
                match histogram {
                    Ok(Some(h)) if !h.is_empty() => {
                        let ms = match self.metric {
                            Metric::Quantile(q) => hdr::quantile_ms(&h, q),
                            Metric::Max => hdr::max_ms(&h),
                            _ => hdr::mean_ms(&h),
                        };
                        verdict(ms, fmt_ms(ms), allowed)
                    }
                    Ok(_) => Verdict {
                        threshold: self.text.clone(),
                        observed: "no samples".into(),
                        allowed,
                        passed: false,
                    },
                    Err(e) => Verdict {
                        threshold: self.text.clone(),
                        observed: format!("unreadable histogram: {e}"),
                        allowed,
                        passed: false,
                    },
                }
            }
            Metric::Rps => {
                let rps = match &self.operation {
                    None => summary.totals.rps,
                    Some(_) => self.sum(summary, |o| o[0]) as f64 / summary.elapsed_s.max(1e-9),
                };
                verdict(
                    rps,
                    format!("{rps:.1}/s"),
                    allowed_value(format!("{}/s", self.bound)),
                )
            }
            Metric::Count(count) => {
                let t = &summary.totals;
                let (observed, base) = match (count, &self.operation) {
                    (Count::Dropped, _) => (t.dropped, t.scheduled()),
                    (Count::Late, _) => (t.late, t.requests),
                    (Count::Errors, None) => (t.errors(), t.requests),
                    (Count::Transport, None) => (t.transport_errors, t.requests),
                    (Count::Http, None) => (t.http_errors, t.requests),
                    (Count::Violations, None) => (t.violations, t.requests),
                    (Count::Requests, None) => (t.requests, t.requests),
                    (c, Some(_)) => {
                        let pick = move |o: [u64; 5]| match c {
                            Count::Errors => o[1] + o[2],
                            Count::Transport => o[1],
                            Count::Http => o[2],
                            Count::Violations => o[3],
                            _ => o[0],
                        };
                        (self.sum(summary, pick), self.sum(summary, |o| o[0]))
                    }
                };
                if self.percent {
                    let share = if base == 0 {
                        0.0
                    } else {
                        observed as f64 * 100.0 / base as f64
                    };
                    verdict(
                        share,
                        format!("{share:.3}% ({observed} of {base})"),
                        allowed_value(format!("{}%", self.bound)),
                    )
                } else {
                    verdict(
                        observed as f64,
                        observed.to_string(),
                        allowed_value(self.bound.to_string()),
                    )
                }
            }
        }
    }

    /// A count summed over the operations (and bucket) this threshold selects.
    fn sum(&self, summary: &LoadSummary, pick: impl Fn([u64; 5]) -> u64) -> u64 {
        summary
            .operations
            .iter()
            .filter(|o| self.operation.as_deref().is_none_or(|op| op == o.operation))
            .filter(|o| self.bucket.as_deref().is_none_or(|b| b == o.bucket))
            .map(|o| pick(o.counts()))
            .sum()
    }
}

/// Parse every `--threshold`; the first bad one is a usage error.
pub fn parse_all(texts: &[String]) -> Result<Vec<Threshold>, LoadError> {
    texts.iter().map(|t| t.parse()).collect()
}

/// Judge them all.
pub fn evaluate_all(thresholds: &[Threshold], summary: &LoadSummary) -> Vec<Verdict> {
    thresholds.iter().map(|t| t.evaluate(summary)).collect()
}

#[cfg(test)]
mod tests;
