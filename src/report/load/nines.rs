//! The latency distribution of a load run on a "nines" axis, as HdrHistogram's plots draw it:
//! x = −log10(1 − q), so p50, p90, p99, p99.9, p99.99 are evenly spaced and the tail gets the
//! room; y = latency, log scale with 1-2-5 ticks. One line per operation (its buckets merged),
//! many points stepping along the axis from the HDR histogram, ending on the maximum (drawn at
//! q = 1 − 1/n, where the largest of n answers sits). [`section`] gives the load report's
//! figures: every operation, then, only for operations measured in more than one group-size
//! bucket, one line per operation and bucket.

use super::chart::{
    CAPTION_SIZE, ChartError, Key, Root, color, err, fallback, frame, keys_below, keys_height,
    label, log_ticks, range, short, x_tick, y_tick,
};
use crate::load::measure::bucket;
use crate::load::measure::hdr;
use crate::load::measure::summary::LoadSummary;
use crate::units::fmt_ms;
use hdrhistogram::Histogram;
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 460;
/// Points every 0.05 nines: ~80 points up to p99.99.
const STEP: f64 = 0.05;
/// The axis starts at the median.
const START: f64 = std::f64::consts::LOG10_2;
/// At most this many lines on one chart.
const MAX_LINES: usize = 10;

/// The labelled positions of the axis.
pub const TICKS: [(&str, f64); 7] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p99", 0.99),
    ("p99.9", 0.999),
    ("p99.99", 0.9999),
    ("p99.999", 0.99999),
    ("p99.9999", 0.999999),
];

/// A quantile's position on the nines axis.
pub fn nines(q: f64) -> f64 {
    -(1.0 - q.min(1.0 - 1e-12)).log10()
}

/// One line: latency (ms) along the nines axis, ending on the maximum.
pub struct Curve {
    pub name: String,
    pub answers: u64,
    pub points: Vec<(f64, f64)>,
    pub max_ms: f64,
}

impl Curve {
    pub fn of(name: String, h: &Histogram<u64>) -> Curve {
        let answers = h.len();
        let end = (answers.max(1) as f64).log10().max(START);
        let mut points = Vec::new();
        let mut x = START;
        while x < end {
            points.push((x, hdr::quantile_ms(h, 1.0 - 10f64.powf(-x))));
            x += STEP;
        }
        let max_ms = hdr::max_ms(h);
        points.push((end, max_ms));
        Curve {
            name,
            answers,
            points,
            max_ms,
        }
    }
}

/// The figures of the load report (empty when nothing was answered).
pub fn section(summary: &LoadSummary) -> String {
    let mut operations: Vec<&str> = Vec::new();
    for o in summary.operations.iter().filter(|o| o.count > 0) {
        if !operations.contains(&o.operation.as_str()) {
            operations.push(&o.operation);
        }
    }
    let curves: Vec<Curve> = operations
        .iter()
        .filter_map(|op| {
            let h = summary.histogram_of(Some(op), None).ok()??;
            Some(Curve::of((*op).to_owned(), &h))
        })
        .collect();
    if curves.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<figure>{}</figure>\n",
        chart("Latency distribution by operation", &curves)
    );
    let by_bucket: Vec<Curve> = summary
        .operations
        .iter()
        .filter(|o| {
            o.count > 0
                && summary
                    .operations
                    .iter()
                    .filter(|p| p.operation == o.operation && p.count > 0)
                    .count()
                    > 1
        })
        .filter_map(|o| {
            let h = o.decode().ok()?;
            Some(Curve::of(
                format!("{} {}", o.operation, bucket::display(&o.bucket)),
                &h,
            ))
        })
        .collect();
    if !by_bucket.is_empty() && by_bucket.len() <= MAX_LINES {
        html.push_str(&format!(
            "<figure>{}</figure>\n",
            chart(
                "Latency distribution by group size (operations measured in several)",
                &by_bucket
            )
        ));
    }
    html
}

/// The chart of `curves`, one colour each.
pub fn chart(title: &str, curves: &[Curve]) -> String {
    let mut svg = String::new();
    match draw(&mut svg, title, curves) {
        Ok(()) => svg,
        Err(e) => fallback(&e),
    }
}

fn draw(svg: &mut String, title: &str, curves: &[Curve]) -> Result<(), ChartError> {
    {
        let keys: Vec<Key> = curves
            .iter()
            .enumerate()
            .map(|(i, c)| Key {
                text: format!(
                    "{} · {} answers · max {}",
                    label(&c.name),
                    crate::units::thousands(c.answers as usize),
                    fmt_ms(c.max_ms)
                ),
                color: color(i),
                dashed: false,
            })
            .collect();
        let height = HEIGHT + keys_height(&keys, WIDTH);
        let root: Root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (area, _) = root.split_vertically(HEIGHT);
        let (y_lo, y_hi) = range(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)));
        let x_end = curves
            .iter()
            .filter_map(|c| c.points.last().map(|p| p.0))
            .fold(nines(0.999), f64::max);
        let (x_lo, x_hi) = (START - 0.15, x_end + 0.25);
        let mut chart = ChartBuilder::on(&area)
            .caption(title, ("sans-serif", CAPTION_SIZE))
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(x_lo..x_hi, (y_lo..y_hi).log_scale())
            .map_err(err)?;
        frame(
            &root,
            &chart,
            "percentile (nines scale; ● the maximum, at 1 − 1/answers)",
            "latency (ms)",
        )?;
        let grid = BLACK.mix(0.12);
        for (name, q) in TICKS {
            let x = nines(q);
            if x > x_hi {
                break;
            }
            chart
                .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], grid))
                .map_err(err)?;
            x_tick(&root, chart.backend_coord(&(x, y_lo)), name)?;
        }
        for y in log_ticks(y_lo, y_hi) {
            chart
                .draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], grid))
                .map_err(err)?;
            y_tick(&root, chart.backend_coord(&(x_lo, y)), &short(y))?;
        }
        for (i, c) in curves.iter().enumerate() {
            let color = color(i);
            let points: Vec<(f64, f64)> = c.points.iter().map(|p| (p.0, p.1.max(y_lo))).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(err)?;
            if let Some(last) = points.last() {
                chart
                    .draw_series(std::iter::once(Circle::new(*last, 4, color.filled())))
                    .map_err(err)?;
            }
        }
        keys_below(&root, &keys, HEIGHT as i32, WIDTH)?;
        root.present().map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::chart::tests::texts;
    use super::*;
    use std::time::Duration;

    fn histogram(n: u64, tail_ms: u64) -> Histogram<u64> {
        let mut h = hdr::new();
        for i in 0..n {
            let us = if i % 1000 == 999 {
                tail_ms * 1000
            } else {
                400 + i % 300
            };
            hdr::record(&mut h, Duration::from_micros(us));
        }
        h
    }

    #[test]
    fn the_nines_axis() {
        for (q, x) in [
            (0.5, std::f64::consts::LOG10_2),
            (0.9, 1.0),
            (0.99, 2.0),
            (0.999, 3.0),
            (0.9999, 4.0),
        ] {
            assert!((nines(q) - x).abs() < 1e-4, "{q}");
        }
        assert!(nines(1.0).is_finite());
        let c = Curve::of("update".into(), &histogram(10_000, 40));
        assert_eq!(c.answers, 10_000);
        let last = *c.points.last().unwrap();
        assert!(
            (last.0 - 4.0).abs() < 1e-9 && (last.1 - 40.0).abs() < 0.1,
            "{last:?}"
        );
        assert!(c.points.len() > 60, "many points: {}", c.points.len());
        assert!(
            c.points
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1)
        );
        let tail = c.points.iter().find(|p| p.0 > 3.05).unwrap();
        assert!(tail.1 > 30.0, "the tail shows: {tail:?}");
        let one = Curve::of("one".into(), &histogram(1, 1));
        assert_eq!(one.points.len(), 1);
    }

    #[test]
    fn one_legend_entry_per_operation_and_labelled_ticks() {
        let curves = vec![
            Curve::of("update".into(), &histogram(20_000, 40)),
            Curve::of("retrieve".into(), &histogram(5_000, 9)),
            Curve::of("<script>".into(), &histogram(100, 9)),
        ];
        let svg = chart("Latency distribution by operation", &curves);
        let texts = texts(&svg);
        for tick in ["p50", "p90", "p99", "p99.9", "p99.99", "1", "10"] {
            assert!(texts.iter().any(|t| t == tick), "{tick}: {texts:?}");
        }
        assert!(
            !texts.iter().any(|t| t == "p99.999"),
            "beyond the data: {texts:?}"
        );
        for name in [
            "update · 20,000 answers",
            "retrieve · 5,000",
            "&lt;script&gt; · 100",
        ] {
            let n = texts.iter().filter(|t| t.starts_with(name)).count();
            assert_eq!(n, 1, "{name}: {texts:?}");
        }
        assert!(!svg.contains("<script"));
        assert!(chart("none", &[]).starts_with("<svg"));
    }
}
