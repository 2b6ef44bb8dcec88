//! The knee of a capacity curve, judged by each operation's nature. Every operation has an
//! expected growth with the group's size ([`Growth`]): retrieve, update and the rest are flat
//! (their work does not depend on the size), the members listing is linear (its answer grows with
//! the group). Between two consecutive sizes s₁ < s₂ the expected p50 ratio is (s₂/s₁)^e (e = 0
//! or 1); a knee is growth clearly beyond it, and beyond the noise:
//!
//! * each median is taken with its distribution-free 95 % interval (the order statistics at ranks
//!   n/2 ± 0.98·√n), and the ratio's lower bound is `lo(p50₂) / hi(p50₁)`;
//! * a knee needs that lower bound to exceed the expected ratio by [`MARGIN`] (run-to-run noise
//!   on a shared machine: the same size measured twice differs by well under ×2 at the median),
//!   and the excess to be worth [`FLOOR_MS`] of latency (a flat 0.2 ms becoming 0.5 ms is no
//!   capacity limit);
//! * both sizes need [`MIN_SAMPLES`] answers; a pair with fewer is not judged (the report says so).

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Answers an operation needs at a size for its median to be judged.
pub const MIN_SAMPLES: u64 = 50;
/// The lower bound of the p50 ratio must exceed the expected ratio by this factor.
pub const MARGIN: f64 = 2.0;
/// And the p50 must be this much (ms) above what the expected growth predicts.
pub const FLOOR_MS: f64 = 1.0;
/// Latencies below this (ms) are taken as this, so a ratio never divides by zero.
const TINY_MS: f64 = 0.001;

/// How an operation's latency is expected to grow with the group's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Growth {
    Flat,
    Linear,
}

impl Growth {
    /// The members listing is linear by nature; every other operation is flat.
    pub fn of(operation: &str) -> Growth {
        if operation == "members" {
            Growth::Linear
        } else {
            Growth::Flat
        }
    }

    fn exponent(self) -> f64 {
        match self {
            Growth::Flat => 0.0,
            Growth::Linear => 1.0,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Growth::Flat => "flat",
            Growth::Linear => "linear",
        }
    }
}

/// One size of an operation: its median with the median's 95 % interval, and the sample count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Median {
    pub size: usize,
    pub p50: f64,
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
}

impl Median {
    /// From a latency histogram (µs).
    pub fn of(size: usize, h: &Histogram<u64>) -> Median {
        let n = h.len();
        let half = if n == 0 {
            0.5
        } else {
            0.98 / (n as f64).sqrt()
        };
        let at = |q: f64| h.value_at_quantile(q.clamp(0.0, 1.0)) as f64 / 1000.0;
        Median {
            size,
            p50: at(0.5),
            lo: at(0.5 - half),
            hi: at(0.5 + half),
            count: n,
        }
    }

    /// Exact values (for tests): an interval of ±`spread` around `p50`.
    pub fn exact(size: usize, p50: f64, spread: f64, count: u64) -> Median {
        Median {
            size,
            p50,
            lo: p50 * (1.0 - spread),
            hi: p50 * (1.0 + spread),
            count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// The size where latency first grew clearly beyond the expected growth.
    pub size: usize,
    /// The size before it.
    pub from: usize,
    /// p50₂ / p50₁ and s₂ / s₁.
    pub latency_ratio: f64,
    pub size_ratio: f64,
    /// What the operation's nature predicts, (s₂/s₁)^e, and the ratio's lower bound.
    #[serde(default)]
    pub expected_ratio: f64,
    #[serde(default)]
    pub lower_ratio: f64,
}

/// The first knee of an operation of `growth`; `medians` in any order, sizes of zero ignored.
pub fn find(growth: Growth, medians: &[Median]) -> Option<Knee> {
    let mut sorted: Vec<Median> = medians.iter().copied().filter(|m| m.size > 0).collect();
    sorted.sort_by_key(|m| m.size);
    sorted.dedup_by_key(|m| m.size);
    sorted.windows(2).find_map(|pair| {
        let (a, b) = (pair[0], pair[1]);
        if a.count < MIN_SAMPLES || b.count < MIN_SAMPLES {
            return None;
        }
        let size_ratio = b.size as f64 / a.size as f64;
        let expected_ratio = size_ratio.powf(growth.exponent());
        let latency_ratio = b.p50.max(TINY_MS) / a.p50.max(TINY_MS);
        let lower_ratio = b.lo.max(TINY_MS) / a.hi.max(TINY_MS);
        let excess_ms = b.p50 - a.p50 * expected_ratio;
        (lower_ratio > expected_ratio * MARGIN && excess_ms > FLOOR_MS).then_some(Knee {
            size: b.size,
            from: a.size,
            latency_ratio,
            size_ratio,
            expected_ratio,
            lower_ratio,
        })
    })
}

/// Growth between the smallest and the largest size: p50_max / p50_min.
pub fn overall_ratio(medians: &[Median]) -> Option<f64> {
    let lo = medians
        .iter()
        .filter(|m| m.size > 0)
        .min_by_key(|m| m.size)?;
    let hi = medians.iter().max_by_key(|m| m.size)?;
    (hi.size > lo.size).then(|| hi.p50.max(TINY_MS) / lo.p50.max(TINY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(points: &[(usize, f64)]) -> Vec<Median> {
        points
            .iter()
            .map(|&(s, l)| Median::exact(s, l, 0.1, 200))
            .collect()
    }

    #[test]
    fn flat_has_no_knee_even_when_it_creeps() {
        let flat = curve(&[(100, 0.30), (1_000, 0.31), (10_000, 0.45), (1_000_000, 0.9)]);
        assert_eq!(find(Growth::Flat, &flat), None);
        assert!((overall_ratio(&flat).unwrap() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn quadratic_update_is_a_knee_at_the_size_it_bends() {
        // A fixed cost of 0.3 ms plus 7.5 µs·(n/100)²: 100 → 0.31, 1,000 → 1.05, 10,000 → 75.3.
        let quadratic = curve(&[(100, 0.31), (1_000, 1.05), (10_000, 75.3), (100_000, 75.0)]);
        let knee = find(Growth::Flat, &quadratic).unwrap();
        assert_eq!((knee.from, knee.size), (1_000, 10_000));
        assert!(knee.lower_ratio > knee.expected_ratio * MARGIN);
    }

    #[test]
    fn members_linear_is_its_nature_but_quadratic_members_is_a_knee() {
        let linear = curve(&[(100, 0.4), (1_000, 4.0), (10_000, 40.0), (100_000, 400.0)]);
        assert_eq!(find(Growth::Linear, &linear), None);
        assert!(find(Growth::Flat, &linear).is_some());
        let quadratic = curve(&[(100, 0.4), (1_000, 4.0), (10_000, 400.0)]);
        assert_eq!(find(Growth::Linear, &quadratic).unwrap().size, 10_000);
        assert_eq!(Growth::of("members"), Growth::Linear);
        assert_eq!(Growth::of("update"), Growth::Flat);
    }

    #[test]
    fn noise_and_thin_samples_are_not_knees() {
        // ×3 at the median, but the intervals overlap that much: within the noise.
        let wide = [
            Median::exact(1_000, 1.0, 0.9, 500),
            Median::exact(10_000, 3.0, 0.9, 500),
        ];
        assert_eq!(find(Growth::Flat, &wide), None);
        // ×100, but too few answers at one size.
        let thin = [
            Median::exact(1_000, 1.0, 0.1, 500),
            Median::exact(10_000, 100.0, 0.1, MIN_SAMPLES - 1),
        ];
        assert_eq!(find(Growth::Flat, &thin), None);
        // ×3 of tiny latencies: below the floor.
        let tiny = curve(&[(1_000, 0.1), (10_000, 0.3)]);
        assert_eq!(find(Growth::Flat, &tiny), None);
    }

    #[test]
    fn the_interval_of_a_median_narrows_with_samples() {
        let mut h = crate::load::measure::hdr::new();
        for us in 1..=10_000u64 {
            h.record(us).unwrap();
        }
        let m = Median::of(10_000, &h);
        assert!((m.p50 - 5.0).abs() < 0.05, "{m:?}");
        assert!(m.lo < m.p50 && m.hi > m.p50 && m.hi - m.lo < 0.3, "{m:?}");
    }

    #[test]
    fn order_and_zeros_do_not_matter() {
        let points = curve(&[(10_000, 50.0), (0, 1.0), (1_000, 0.2), (100, 0.1)]);
        assert_eq!(find(Growth::Flat, &points).unwrap().size, 10_000);
        assert_eq!(
            find(Growth::Flat, &curve(&[(100, 0.0), (1_000, 0.0)])),
            None
        );
        assert_eq!(find(Growth::Flat, &[]), None);
    }
}
