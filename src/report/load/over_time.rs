//! The load run over time, from the summary's timeline, as Gatling's and k6's reports draw it:
//! latency of every request per interval (p50, p95, p99; each interval's worst shard after a
//! merge) and the rate per interval (requests/s, and under it errors/s and violations/s on a
//! scale of their own, so a few failures stay visible beside thousands of requests).

use super::chart::{
    CAPTION_SIZE, ChartError, PALETTE, Root, err, fallback, frame, legend, linear_ticks, short,
    x_tick, y_tick,
};
use crate::load::measure::summary::LoadSummary;
use crate::load::measure::timeline::{Row, Timeline};
use crate::report::text::esc;
use crate::units::thousands;
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 360;
const FAILURES_HEIGHT: u32 = 280;
const ERRORS: RGBColor = PALETTE[9];
const VIOLATIONS: RGBColor = PALETTE[3];

/// The "Over time" section of report.html (empty without a timeline).
pub fn section(summary: &LoadSummary) -> String {
    let t = &summary.timeline;
    if t.is_empty() {
        return String::new();
    }
    let mut notes = vec![format!(
        "Every operation together, per {}, from the first answer.",
        interval_word(t)
    )];
    if t.worst_shard {
        notes.push("Shards merged: requests and failures add up; each interval's percentiles are those of its worst shard (percentiles of separate histograms do not add).".into());
    }
    if t.coarsened {
        notes.push("A long run: intervals were merged to keep the summary small; their percentiles are the worst of the intervals merged.".into());
    }
    format!(
        "<h2>Over time</h2>\n<p class=\"muted\">{}</p>\n<figure>{}</figure>\n<figure>{}</figure>\n",
        esc(&notes.join(" ")),
        latency(t),
        rate(t)
    )
}

/// `second`, or `4-second interval`.
pub fn interval_word(t: &Timeline) -> String {
    if t.interval_s <= 1 {
        "second".into()
    } else {
        format!("{}-second interval", t.interval_s)
    }
}

/// Latency per interval: p50, p95, p99.
pub fn latency(t: &Timeline) -> String {
    draw(HEIGHT, |root| {
        let worst = if t.worst_shard { " (worst shard)" } else { "" };
        let lines: [(String, Pick, RGBColor); 3] = [
            (format!("p50{worst}"), |r| r.p50_ms, PALETTE[0]),
            (format!("p95{worst}"), |r| r.p95_ms, PALETTE[1]),
            (format!("p99{worst}"), |r| r.p99_ms, ERRORS),
        ];
        let points = points(t);
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|(name, value, color)| {
                // Intervals without an answer break the line rather than drop it to zero.
                let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                for (x, row, _) in &points {
                    if row.max_ms > 0.0 {
                        if let Some(s) = segments.last_mut() {
                            s.push((*x, value(row)));
                        }
                    } else if segments.last().is_some_and(|s| !s.is_empty()) {
                        segments.push(Vec::new());
                    }
                }
                Line {
                    name,
                    color,
                    width: 2,
                    segments,
                }
            })
            .collect();
        let caption = format!("Latency per {} (all requests)", interval_word(t));
        panel(root, root, &caption, "latency (ms)", t, &lines)
    })
}

/// Requests per second per interval, and below, errors and violations per second on a scale of
/// their own.
pub fn rate(t: &Timeline) -> String {
    draw(HEIGHT + FAILURES_HEIGHT, |root| {
        let (upper, lower) = root.split_vertically(HEIGHT);
        let points = points(t);
        let line = |name: String, count: fn(&Row) -> u64, color: RGBColor| Line {
            name,
            color,
            width: 2,
            segments: vec![
                points
                    .iter()
                    .map(|(x, r, covered)| (*x, count(r) as f64 / covered.max(1e-3)))
                    .collect(),
            ],
        };
        let requests = [line("requests/s".into(), |r| r.requests, PALETTE[0])];
        panel(
            root,
            &upper,
            "Requests per second",
            "requests/s",
            t,
            &requests,
        )?;
        let total = |pick: fn(&Row) -> u64| t.rows.iter().map(pick).sum::<u64>() as usize;
        let failures = [
            line(
                format!("errors/s ({} in all)", thousands(total(|r| r.errors))),
                |r| r.errors,
                ERRORS,
            ),
            line(
                format!(
                    "violations/s ({} in all)",
                    thousands(total(|r| r.violations))
                ),
                |r| r.violations,
                VIOLATIONS,
            ),
        ];
        panel(
            root,
            &lower,
            "Errors (transport and HTTP) and contract violations per second",
            "failures/s",
            t,
            &failures,
        )
    })
}

/// An SVG of `height` px drawn by `f`, or the reason it could not be.
fn draw(height: u32, f: impl FnOnce(&Root<'_>) -> Result<(), ChartError>) -> String {
    let mut svg = String::new();
    let drawn = {
        let root: Root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(err)
            .and_then(|()| f(&root))
            .and_then(|()| root.present().map_err(err))
    };
    match drawn {
        Ok(()) => svg,
        Err(e) => fallback(&e),
    }
}

/// A row's latency at one percentile.
type Pick = fn(&Row) -> f64;

/// One line of a panel, in pieces where it has no data.
struct Line {
    name: String,
    color: RGBColor,
    width: u32,
    segments: Vec<Vec<(f64, f64)>>,
}

/// Each shown row at the middle of the time it covers, with that time.
fn points(t: &Timeline) -> Vec<(f64, &Row, f64)> {
    t.shown()
        .into_iter()
        .map(|(row, covered)| (row.at_s as f64 + covered / 2.0, row, covered))
        .collect()
}

fn x_range(t: &Timeline) -> f64 {
    t.shown()
        .last()
        .map_or(1.0, |(row, covered)| row.at_s as f64 + covered)
        .max(1.0)
}

/// A time chart of `t` on `area` (texts drawn on `root`, whose pixels the chart's coordinates
/// are): seconds across, from 0 up, the legend upper left with room kept free for it.
fn panel(
    root: &Root<'_>,
    area: &Root<'_>,
    caption: &str,
    y_desc: &str,
    t: &Timeline,
    lines: &[Line],
) -> Result<(), ChartError> {
    let x_hi = x_range(t);
    let top = lines
        .iter()
        .flat_map(|l| l.segments.iter().flatten().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let plot = f64::from(area.dim_in_pixel().1.saturating_sub(110).max(80));
    let room = ((lines.len() as f64 * 22.0 + 24.0) / plot).min(0.6);
    let y_hi = if top > 0.0 {
        top * 1.1 / (1.0 - room)
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", CAPTION_SIZE))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_hi, 0f64..y_hi)
        .map_err(err)?;
    frame(root, &chart, "seconds from the first answer", y_desc)?;
    let grid = BLACK.mix(0.1);
    let mut x_ticks = linear_ticks(x_hi, 12);
    if x_ticks
        .get(1)
        .is_some_and(|step| *step < t.interval_s as f64)
    {
        // No tick between two rows' starts.
        let step = t.interval_s as f64;
        x_ticks = (0..)
            .map(|i| i as f64 * step)
            .take_while(|x| *x <= x_hi)
            .collect();
    }
    for x in x_ticks {
        chart
            .draw_series(LineSeries::new([(x, 0.0), (x, y_hi)], grid))
            .map_err(err)?;
        x_tick(
            root,
            chart.backend_coord(&(x, 0.0)),
            &format!("{}s", short(x)),
        )?;
    }
    let y_ticks = if top > 0.0 {
        linear_ticks(y_hi, 6)
    } else {
        vec![0.0]
    };
    for y in y_ticks {
        chart
            .draw_series(LineSeries::new([(0.0, y), (x_hi, y)], grid))
            .map_err(err)?;
        y_tick(root, chart.backend_coord(&(0.0, y)), &short(y))?;
    }
    for line in lines {
        let style = line.color.stroke_width(line.width);
        for (i, segment) in line.segments.iter().enumerate() {
            let dot = if segment.len() == 1 { 3 } else { 0 };
            let series = chart
                .draw_series(LineSeries::new(segment.clone(), style).point_size(dot))
                .map_err(err)?;
            if i == 0 {
                let color = line.color;
                series.label(line.name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
            }
        }
    }
    legend(&mut chart)
}

#[cfg(test)]
mod tests {
    use super::super::chart::tests::texts;
    use super::*;

    fn timeline(worst_shard: bool) -> Timeline {
        let row = |at_s, requests, errors, p99_ms| Row {
            at_s,
            requests,
            errors,
            violations: 0,
            p50_ms: p99_ms / 4.0,
            p95_ms: p99_ms / 2.0,
            p99_ms,
            max_ms: p99_ms * 2.0,
        };
        Timeline {
            start_ms: 0,
            interval_s: 1,
            span_s: 8.1,
            coarsened: false,
            worst_shard,
            rows: (0..9)
                .map(|s| row(s, 1000 + s * 10, s % 3, 2.0 + s as f64))
                .collect(),
        }
    }

    #[test]
    fn latency_and_rate_charts() {
        let t = timeline(false);
        assert_eq!(t.shown().len(), 8, "the 0.1 s last row is left out");
        let texts_l = texts(&latency(&t));
        assert!(!texts_l.iter().any(|x| x == "0.5s"), "{texts_l:?}");
        for expected in ["p50", "p95", "p99", "0s", "4s", "8s", "latency (ms)"] {
            assert!(
                texts_l.iter().any(|x| x == expected),
                "{expected}: {texts_l:?}"
            );
        }
        let texts_r = texts(&rate(&t));
        for expected in ["requests/s", "errors/s (9 in all)", "1k", "failures/s"] {
            assert!(
                texts_r.iter().any(|x| x == expected),
                "{expected}: {texts_r:?}"
            );
        }
        assert!(texts_r.iter().any(|x| x.starts_with("violations/s")));
        let merged = texts(&latency(&timeline(true)));
        assert!(
            merged.iter().any(|x| x == "p99 (worst shard)"),
            "{merged:?}"
        );
        let one = Timeline {
            span_s: 0.3,
            rows: vec![timeline(false).rows[0]],
            ..timeline(false)
        };
        assert!(latency(&one).starts_with("<svg") && rate(&one).starts_with("<svg"));
    }
}
