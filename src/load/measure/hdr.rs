//! HDR histograms of latency, in microseconds, and their serialized form: hdrhistogram's V2
//! format (uncompressed), base64 in JSON. Histograms of shards add exactly, so a merge gives the
//! percentiles one big run would.

use crate::load::LoadError;
use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};

/// Latency histograms hold 1 µs to one hour at three significant digits.
pub const LOWEST_US: u64 = 1;
pub const HIGHEST_US: u64 = 3_600_000_000;
pub const SIGNIFICANT: u8 = 3;

/// The percentiles every report gives, with their names.
pub const PERCENTILES: [(&str, f64); 5] = [
    ("p50", 0.50),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// An empty latency histogram.
pub fn new() -> Histogram<u64> {
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT)
        .expect("constant histogram bounds are valid")
}

/// Record a latency, clamped into the histogram's range.
pub fn record(histogram: &mut Histogram<u64>, latency: std::time::Duration) {
    let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    histogram.saturating_record(us.clamp(LOWEST_US, HIGHEST_US));
}

/// V2, base64.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serializing into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The inverse of [`encode`].
pub fn decode(text: &str) -> Result<Histogram<u64>, LoadError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| LoadError(format!("histogram is not base64: {e}")))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| LoadError(format!("histogram is not in the HDR V2 format: {e:?}")))
}

/// Add `other` into `into` (exact: counts per bucket add).
pub fn add(into: &mut Histogram<u64>, other: &Histogram<u64>) -> Result<(), LoadError> {
    into.add(other)
        .map_err(|e| LoadError(format!("histograms do not add: {e:?}")))
}

/// A quantile in milliseconds (0 for an empty histogram).
pub fn quantile_ms(histogram: &Histogram<u64>, q: f64) -> f64 {
    if histogram.is_empty() {
        return 0.0;
    }
    histogram.value_at_quantile(q) as f64 / 1000.0
}

/// The one percentile helper: p50, p90, p95, p99, p99.9 (as [`PERCENTILES`]) and max, in
/// milliseconds, in report order (zeros for an empty histogram).
pub fn percentiles(histogram: &Histogram<u64>) -> [f64; 6] {
    let mut out = [0.0; 6];
    for (slot, (_, q)) in out.iter_mut().zip(PERCENTILES) {
        *slot = quantile_ms(histogram, q);
    }
    out[5] = max_ms(histogram);
    out
}

pub fn max_ms(histogram: &Histogram<u64>) -> f64 {
    if histogram.is_empty() {
        return 0.0;
    }
    histogram.max() as f64 / 1000.0
}

pub fn mean_ms(histogram: &Histogram<u64>) -> f64 {
    if histogram.is_empty() {
        return 0.0;
    }
    histogram.mean() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn round_trip_and_exact_merge() {
        let mut all = new();
        let mut parts = [new(), new(), new()];
        for i in 0..3000u64 {
            let latency = Duration::from_micros(50 + (i * 7919) % 90_000);
            record(&mut all, latency);
            record(&mut parts[(i % 3) as usize], latency);
        }
        let mut merged = new();
        for part in &parts {
            add(&mut merged, &decode(&encode(part)).unwrap()).unwrap();
        }
        assert_eq!(merged.len(), all.len());
        for (_, q) in PERCENTILES {
            assert_eq!(merged.value_at_quantile(q), all.value_at_quantile(q));
        }
        assert_eq!(merged.max(), all.max());
        assert!(decode("not base64!").is_err());
        assert!(decode("AAAA").is_err());
    }
}
