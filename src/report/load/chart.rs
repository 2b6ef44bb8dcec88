//! SVG charts for the load and capacity reports, drawn with plotters' SVG backend alone (no
//! fonts or system libraries: text stays `<text>` for the browser to render).
//!
//! * [`percentiles`]: latency at p50 … max, one line per operation and size bucket, log scale.
//! * [`capacity`]: latency against group size, log–log with labelled 1-2-5 ticks, per operation
//!   (p50 solid, p99 dashed, both in the legend), each operation's knee ringed and labelled, each
//!   latency threshold a horizontal line and the size that breaks a threshold a vertical one.

use plotters::prelude::*;

crate::error::message_error!(
    /// plotters could not draw a chart (the report shows the reason instead).
    ChartError
);

const WIDTH: u32 = 860;
const HEIGHT: u32 = 460;

/// The x labels of [`percentiles`].
const QUANTILES: [&str; 6] = ["p50", "p90", "p95", "p99", "p99.9", "max"];

/// One line per series: (name, latencies in ms at p50, p90, p95, p99, p99.9, max).
pub fn percentiles(series: &[(String, [f64; 6])]) -> String {
    let mut svg = String::new();
    match draw_percentiles(&mut svg, series) {
        Ok(()) => svg,
        Err(e) => fallback(&e),
    }
}

fn draw_percentiles(svg: &mut String, series: &[(String, [f64; 6])]) -> Result<(), ChartError> {
    {
        let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (lo, hi) = range(series.iter().flat_map(|(_, v)| v.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .caption("Latency by percentile (log scale)", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.2f64..5.2f64, (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 0.01 && (0.0..6.0).contains(&i) {
                    QUANTILES[i as usize].to_owned()
                } else {
                    String::new()
                }
            })
            .y_desc("ms")
            .y_label_formatter(&|y| short(*y))
            .draw()
            .map_err(err)?;
        for (i, (name, values)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(x, y)| (x as f64, y.max(lo)))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(label(name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        legend(&mut chart).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(())
}

/// A capacity line: an operation's (size, p50 ms, p99 ms) points.
pub struct CapacitySeries {
    pub operation: String,
    pub points: Vec<(usize, f64, f64)>,
    /// The knee's size, when there is one.
    pub knee: Option<usize>,
}

/// A threshold on the capacity chart: its bound (a latency threshold) and the size breaking it.
pub struct ThresholdMark {
    pub text: String,
    pub bound_ms: Option<f64>,
    pub breaking: Option<usize>,
}

/// The 1-2-5 values within [lo, hi].
fn ticks_125(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let v = decade * m;
            if v >= lo && v <= hi {
                out.push(v);
            }
        }
        decade *= 10.0;
    }
    out
}

/// Latency against group size, log–log.
pub fn capacity(series: &[CapacitySeries], marks: &[ThresholdMark]) -> String {
    let mut svg = String::new();
    match draw_capacity(&mut svg, series, marks) {
        Ok(()) => svg,
        Err(e) => fallback(&e),
    }
}

fn draw_capacity(
    svg: &mut String,
    series: &[CapacitySeries],
    marks: &[ThresholdMark],
) -> Result<(), ChartError> {
    {
        let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let sizes = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0 as f64));
        let (x_lo, x_hi) = range(sizes);
        let (y_lo, y_hi) = range(
            series
                .iter()
                .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2]))
                .chain(marks.iter().filter_map(|m| m.bound_ms)),
        );
        let mut chart = ChartBuilder::on(&root)
            .caption("Latency against group size (log–log)", ("sans-serif", 18))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .x_desc("members in the group")
            .y_desc("latency (ms)")
            .draw()
            .map_err(err)?;
        let grid = BLACK.mix(0.12);
        let font = ("sans-serif", 12).into_font().color(&BLACK.mix(0.75));
        for x in ticks_125(x_lo, x_hi) {
            chart
                .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], grid))
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(x, y_lo));
            root.draw(&Text::new(short(x), (px - 8, py + 6), font.clone()))
                .map_err(err)?;
        }
        for y in ticks_125(y_lo, y_hi) {
            chart
                .draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], grid))
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(x_lo, y));
            let text = short(y);
            let width = 7 * text.chars().count() as i32;
            root.draw(&Text::new(text, (px - width - 6, py - 6), font.clone()))
                .map_err(err)?;
        }
        for m in marks {
            let style = ("sans-serif", 12).into_font().color(&RED);
            if let Some(ms) = m.bound_ms {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x_lo, ms), (x_hi, ms)],
                        3,
                        3,
                        RED.mix(0.7).stroke_width(1),
                    ))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label(&m.text.replace('<', "‹")),
                        (x_hi / 4.0, ms * 1.08),
                        style.clone(),
                    )))
                    .map_err(err)?;
            }
            if let Some(size) = m.breaking {
                let x = size as f64;
                chart
                    .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], RED.stroke_width(2)))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("breaks {} @ {}", label(&m.text.replace('<', "‹")), short(x)),
                        (x * 0.5, y_hi / 1.25),
                        style,
                    )))
                    .map_err(err)?;
            }
        }
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let p50: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.0 as f64, p.1.max(y_lo)))
                .collect();
            let p99: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.0 as f64, p.2.max(y_lo)))
                .collect();
            chart
                .draw_series(LineSeries::new(p50.clone(), color.stroke_width(2)))
                .map_err(err)?
                .label(format!("{} p50", label(&s.operation)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(DashedLineSeries::new(p99, 6, 4, color.stroke_width(1)))
                .map_err(err)?
                .label(format!("{} p99 (dashed)", label(&s.operation)))
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (5, 0)], color.stroke_width(1))
                        + PathElement::new(vec![(9, 0), (14, 0)], color.stroke_width(1))
                        + PathElement::new(vec![(18, 0), (18, 0)], color.stroke_width(1))
                });
            chart
                .draw_series(p50.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(err)?;
            if let Some(knee) = s.knee
                && let Some(point) = p50.iter().find(|p| p.0 as usize == knee)
            {
                chart
                    .draw_series(std::iter::once(Circle::new(*point, 9, RED.stroke_width(2))))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("knee: {} @ {}", label(&s.operation), short(point.0)),
                        (point.0, point.1 * 1.35),
                        ("sans-serif", 13).into_font().color(&RED),
                    )))
                    .map_err(err)?;
            }
        }
        legend(&mut chart).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(())
}

fn legend<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> Result<(), ChartError>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// A log axis range around the values, padded, never empty or zero.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, 0.0f64);
    for v in values.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= 0.0 {
        return (0.01, 1.0);
    }
    (lo / 1.6, (hi * 1.6).max(lo * 2.0))
}

/// 1,000 → 1k, 0.25 → 0.25.
fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let text = if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Labels go into the SVG as text; plotters does not escape them, so anything but letters, digits
/// and a little punctuation is dropped (names come from summaries, which `merge` reads from disk).
fn label(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || " ≤>‹-_.:/@".contains(*c))
        .take(60)
        .collect()
}

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

fn fallback(error: &ChartError) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"40\"><text x=\"10\" y=\"25\">chart not drawn: {}</text></svg>",
        crate::report::text::esc(&error.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg() {
        let svg = percentiles(&[("update ≤1k".into(), [0.3, 0.5, 0.6, 1.0, 2.0, 5.0])]);
        assert!(svg.starts_with("<svg") && svg.contains("p99.9"), "{svg}");
        let svg = capacity(
            &[CapacitySeries {
                operation: "update".into(),
                points: vec![(100, 0.3, 0.5), (1_000, 5.0, 9.0), (10_000, 190.0, 250.0)],
                knee: Some(1_000),
            }],
            &[ThresholdMark {
                text: "update p99<100ms".into(),
                bound_ms: Some(100.0),
                breaking: Some(10_000),
            }],
        );
        assert!(
            svg.starts_with("<svg") && svg.contains("knee: update"),
            "{svg}"
        );
        assert!(svg.contains("update p99 (dashed)") && svg.contains("breaks update p99‹100ms"));
        assert!(svg.contains("200") && svg.contains("latency (ms)"), "{svg}");
        assert_eq!(ticks_125(0.3, 12.0), [0.5, 1.0, 2.0, 5.0, 10.0]);
        assert!(percentiles(&[]).starts_with("<svg"));
        assert_eq!(short(1_000_000.0), "1M");
        assert_eq!(short(0.25), "0.25");
        let svg = percentiles(&[("<script>x</script>".into(), [1.0; 6])]);
        assert!(!svg.contains("<script"), "{svg}");
    }
}
