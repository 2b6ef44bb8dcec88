//! The knee of a capacity curve: the first group size at which latency grows faster than the
//! size does. Between two consecutive sizes s₁ < s₂ with latencies l₁, l₂, that is
//! l₂ / l₁ > s₂ / s₁: worse than linear. An operation whose cost does not depend on the size
//! (an update adding 10 members) has ratios near 1 and no knee; one that is O(n²) in the size
//! crosses the line as soon as the quadratic part outweighs the fixed cost of a request.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// The size where latency first grew faster than the size.
    pub size: usize,
    /// The size before it.
    pub from: usize,
    /// l₂ / l₁ and s₂ / s₁.
    pub latency_ratio: f64,
    pub size_ratio: f64,
}

/// Latencies below this (ms) are taken as this, so a ratio never divides by zero.
const FLOOR_MS: f64 = 0.001;

/// `points`: (size, latency in ms), in any order; sizes of zero are ignored.
pub fn find(points: &[(usize, f64)]) -> Option<Knee> {
    let mut sorted: Vec<(usize, f64)> = points.iter().copied().filter(|(s, _)| *s > 0).collect();
    sorted.sort_by_key(|(s, _)| *s);
    sorted.dedup_by_key(|(s, _)| *s);
    sorted.windows(2).find_map(|pair| {
        let [(s1, l1), (s2, l2)] = [pair[0], pair[1]];
        let latency_ratio = l2.max(FLOOR_MS) / l1.max(FLOOR_MS);
        let size_ratio = s2 as f64 / s1 as f64;
        (latency_ratio > size_ratio).then_some(Knee {
            size: s2,
            from: s1,
            latency_ratio,
            size_ratio,
        })
    })
}

/// Growth between the smallest and the largest size: l_max / l_min, for "flat" claims.
pub fn overall_ratio(points: &[(usize, f64)]) -> Option<f64> {
    let lo = points
        .iter()
        .filter(|(s, _)| *s > 0)
        .min_by_key(|(s, _)| *s)?;
    let hi = points.iter().max_by_key(|(s, _)| *s)?;
    (hi.0 > lo.0).then(|| hi.1.max(FLOOR_MS) / lo.1.max(FLOOR_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_has_no_knee() {
        let flat = [
            (100, 0.30),
            (1_000, 0.31),
            (10_000, 0.33),
            (1_000_000, 0.35),
        ];
        assert_eq!(find(&flat), None);
        assert!((overall_ratio(&flat).unwrap() - 0.35 / 0.30).abs() < 1e-9);
    }

    #[test]
    fn linear_is_not_a_knee_but_quadratic_is() {
        let linear = [(100, 1.0), (1_000, 10.0), (10_000, 100.0)];
        assert_eq!(find(&linear), None);
        // A fixed cost of 0.3 ms plus 7.5 µs·(n/100)²: 100 → 0.31, 1,000 → 1.05, 10,000 → 75.3.
        let quadratic = [(100, 0.31), (1_000, 1.05), (10_000, 75.3), (100_000, 75.0)];
        let knee = find(&quadratic).unwrap();
        assert_eq!((knee.from, knee.size), (1_000, 10_000));
        assert!(knee.latency_ratio > knee.size_ratio);
    }

    #[test]
    fn order_and_zeros_do_not_matter() {
        let points = [(10_000, 50.0), (0, 1.0), (1_000, 0.2), (100, 0.1)];
        assert_eq!(find(&points).unwrap().size, 10_000);
        assert_eq!(find(&[(100, 0.0), (1_000, 0.0)]), None);
        assert_eq!(find(&[]), None);
    }
}
