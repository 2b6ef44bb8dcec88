//! SVG charts for the load and capacity reports, drawn with plotters' SVG backend alone (no
//! fonts or system libraries: text stays `<text>` for the browser to render, and plotters escapes
//! it).
//!
//! * [`capacity`]: latency against group size, log–log with labelled 1-2-5 ticks, per operation
//!   (p50 solid, p99 dashed, both in the legend), each operation's knee ringed and labelled, each
//!   latency threshold a horizontal line and the size that breaks a threshold a vertical one.
//! * What every chart shares ([`super::nines`], [`super::over_time`] too): the palette, the
//!   frame and tick labels drawn by hand (plotters' mesh is not used: it adds tick marks and
//!   labels of its own), 1-2-5 ticks, the legend, number formatting.

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

crate::error::message_error!(
    /// plotters could not draw a chart (the report shows the reason instead).
    ChartError
);

const WIDTH: u32 = 860;
const HEIGHT: u32 = 460;

/// Tableau 10, red last (red marks thresholds and knees).
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0xba, 0xb0, 0xac),
    RGBColor(0xe1, 0x57, 0x59),
];

/// The colour of the `i`-th series.
pub(super) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Font sizes as plotters takes them: its SVG backend writes `size / 1.24` px, so 15 is 12 px.
pub(super) const TICK_SIZE: f64 = 15.0;
pub(super) const LEGEND_SIZE: f64 = 16.0;
pub(super) const CAPTION_SIZE: f64 = 21.0;

pub(super) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(super) type Chart<'a, X, Y> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>;

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
pub(super) fn ticks_125(lo: f64, hi: f64) -> Vec<f64> {
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
        let keys: Vec<Key> = series
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                [false, true].map(|dashed| Key {
                    text: format!(
                        "{} {}",
                        label(&s.operation),
                        if dashed { "p99 (dashed)" } else { "p50" }
                    ),
                    color: color(i),
                    dashed,
                })
            })
            .collect();
        let height = HEIGHT + keys_height(&keys, WIDTH);
        let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (area, _) = root.split_vertically(HEIGHT);
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
        let mut chart = ChartBuilder::on(&area)
            .caption(
                "Latency against group size (log–log)",
                ("sans-serif", CAPTION_SIZE),
            )
            .margin(12)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())
            .map_err(err)?;
        frame(&root, &chart, "members in the group", "latency (ms)")?;
        let grid = BLACK.mix(0.12);
        for x in ticks_125(x_lo, x_hi) {
            chart
                .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], grid))
                .map_err(err)?;
            x_tick(&root, chart.backend_coord(&(x, y_lo)), &short(x))?;
        }
        for y in log_ticks(y_lo, y_hi) {
            chart
                .draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], grid))
                .map_err(err)?;
            y_tick(&root, chart.backend_coord(&(x_lo, y)), &short(y))?;
        }
        let (left, top, _, _) = plot_box(&chart);
        let mut breaks_drawn: Vec<usize> = Vec::new();
        for m in marks {
            let style = ("sans-serif", TICK_SIZE).into_font().color(&RED);
            if let Some(ms) = m.bound_ms {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x_lo, ms), (x_hi, ms)],
                        3,
                        3,
                        RED.mix(0.7).stroke_width(1),
                    ))
                    .map_err(err)?;
                let (_, py) = chart.backend_coord(&(x_hi, ms));
                // At the left end: the breaking size's line and its label are usually at the right.
                root.draw(&Text::new(
                    label(&m.text),
                    (left + 6, py - 3),
                    style.clone().pos(Pos::new(HPos::Left, VPos::Bottom)),
                ))
                .map_err(err)?;
            }
            if let Some(size) = m.breaking {
                let x = size as f64;
                chart
                    .draw_series(LineSeries::new([(x, y_lo), (x, y_hi)], RED.stroke_width(2)))
                    .map_err(err)?;
                // Along the line, read upwards, ending at the top (p50 dots crowd the bottom);
                // beside any other threshold's.
                let (px, _) = chart.backend_coord(&(x, y_lo));
                let beside = breaks_drawn.iter().filter(|s| **s == size).count() as i32;
                breaks_drawn.push(size);
                root.draw(&Text::new(
                    format!("breaks {} @ {}", label(&m.text), short(x)),
                    (px + 4 + 16 * beside, top + 6),
                    style
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Right, VPos::Top)),
                ))
                .map_err(err)?;
            }
        }
        for (i, s) in series.iter().enumerate() {
            let color = color(i);
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
                .map_err(err)?;
            chart
                .draw_series(DashedLineSeries::new(p99, 6, 4, color.stroke_width(1)))
                .map_err(err)?;
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
                        ("sans-serif", TICK_SIZE).into_font().color(&RED),
                    )))
                    .map_err(err)?;
            }
        }
        keys_below(&root, &keys, HEIGHT as i32, WIDTH)?;
        root.present().map_err(err)?;
    }
    Ok(())
}

/// The legend, upper left, in type a person can read.
pub(super) fn legend<X: Ranged, Y: Ranged>(chart: &mut Chart<'_, X, Y>) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", LEGEND_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// A legend entry drawn under a chart: a swatch (a solid or dashed line) and its text.
pub(super) struct Key {
    pub text: String,
    pub color: RGBColor,
    pub dashed: bool,
}

const KEY_ROW: i32 = 22;
/// Where the keys start: under the y axis.
const KEY_LEFT: i32 = 76;

/// Columns of keys across `width` px (text estimated at 7 px a character, plus the swatch).
fn key_columns(keys: &[Key], width: u32) -> usize {
    let widest = keys
        .iter()
        .map(|k| k.text.chars().count() as i32 * 7 + 52)
        .max()
        .unwrap_or(1);
    ((width as i32 - KEY_LEFT) / widest).max(1) as usize
}

/// The height the keys take under a chart `width` px wide.
pub(super) fn keys_height(keys: &[Key], width: u32) -> u32 {
    let rows = keys.len().div_ceil(key_columns(keys, width));
    rows as u32 * KEY_ROW as u32 + 10
}

/// The legend under a chart, from pixel row `top`: the keys in columns, so that it never hides
/// a line.
pub(super) fn keys_below(
    root: &Root<'_>,
    keys: &[Key],
    top: i32,
    width: u32,
) -> Result<(), ChartError> {
    let columns = key_columns(keys, width);
    let column = (width as i32 - KEY_LEFT) / columns as i32;
    let font = ("sans-serif", LEGEND_SIZE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, key) in keys.iter().enumerate() {
        let x = KEY_LEFT + (i % columns) as i32 * column;
        let y = top + (i / columns) as i32 * KEY_ROW + KEY_ROW / 2;
        let pieces: &[(i32, i32)] = if key.dashed {
            &[(0, 6), (10, 16), (20, 24)]
        } else {
            &[(0, 24)]
        };
        for (from, to) in pieces {
            root.draw(&PathElement::new(
                vec![(x + from, y), (x + to, y)],
                key.color.stroke_width(if key.dashed { 2 } else { 3 }),
            ))
            .map_err(err)?;
        }
        root.draw(&Text::new(key.text.clone(), (x + 32, y), font.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// The plotting area's box in pixels: left, top, right, bottom.
pub(super) fn plot_box<X: Ranged, Y: Ranged>(chart: &Chart<'_, X, Y>) -> (i32, i32, i32, i32) {
    let (x, y) = chart.plotting_area().get_pixel_range();
    (x.start, y.start, x.end - 1, y.end - 1)
}

/// The axes (left and bottom lines) and their descriptions, without plotters' mesh.
pub(super) fn frame<X: Ranged, Y: Ranged>(
    root: &Root<'_>,
    chart: &Chart<'_, X, Y>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), ChartError> {
    let (left, top, right, bottom) = plot_box(chart);
    let axis = BLACK.mix(0.8).stroke_width(1);
    root.draw(&PathElement::new(
        vec![(left, top), (left, bottom), (right, bottom)],
        axis,
    ))
    .map_err(err)?;
    let font = ("sans-serif", TICK_SIZE).into_font().color(&BLACK);
    root.draw(&Text::new(
        x_desc.to_owned(),
        ((left + right) / 2, bottom + 26),
        font.clone().pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        y_desc.to_owned(),
        (14, (top + bottom) / 2),
        font.transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)?;
    Ok(())
}

fn tick_font(pos: Pos) -> TextStyle<'static> {
    ("sans-serif", TICK_SIZE)
        .into_font()
        .color(&BLACK.mix(0.8))
        .pos(pos)
}

/// A label under the x axis at pixel `(x, y)` (the axis).
pub(super) fn x_tick(root: &Root<'_>, (x, y): (i32, i32), text: &str) -> Result<(), ChartError> {
    root.draw(&Text::new(
        text.to_owned(),
        (x, y + 6),
        tick_font(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)
}

/// A label left of the y axis at pixel `(x, y)` (the axis).
pub(super) fn y_tick(root: &Root<'_>, (x, y): (i32, i32), text: &str) -> Result<(), ChartError> {
    root.draw(&Text::new(
        text.to_owned(),
        (x - 6, y),
        tick_font(Pos::new(HPos::Right, VPos::Center)),
    ))
    .map_err(err)
}

/// The ticks of a log axis: 1-2-5 per decade, only the decades when that would crowd it.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let ticks = ticks_125(lo, hi);
    if ticks.len() <= 13 {
        return ticks;
    }
    ticks
        .into_iter()
        .filter(|v| {
            let m = v / 10f64.powf(v.log10().floor());
            (m - 1.0).abs() < 1e-6
        })
        .collect()
}

/// Ticks of a linear axis from 0 to at least `hi`: a 1-2-5 step giving at most `most` of them.
pub(super) fn linear_ticks(hi: f64, most: usize) -> Vec<f64> {
    if !(hi.is_finite() && hi > 0.0) {
        return vec![0.0];
    }
    let raw = hi / most.max(1) as f64;
    let decade = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * decade);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= hi * (1.0 + 1e-9))
        .collect()
}

/// A log axis range around the values, padded, never empty or zero.
pub(super) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
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
pub(super) fn short(v: f64) -> String {
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

/// A label from a summary (which `merge` reads from disk), cut to a length a chart holds;
/// plotters escapes `<>&"'` itself.
pub(super) fn label(text: &str) -> String {
    text.chars().take(60).collect()
}

pub(super) fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

pub(super) fn fallback(error: &ChartError) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"40\"><text x=\"10\" y=\"25\">chart not drawn: {}</text></svg>",
        crate::report::text::esc(&error.0)
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The texts of an SVG, in order (unescaped only as far as the tests need).
    pub fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').map_or(0, |i| i + 1)..];
                body[..body.find("</text>").unwrap_or(body.len())]
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    fn capacity_svg(name: &str, threshold: &str) -> String {
        capacity(
            &[CapacitySeries {
                operation: name.into(),
                points: vec![(100, 0.3, 0.5), (1_000, 5.0, 9.0), (10_000, 190.0, 250.0)],
                knee: Some(1_000),
            }],
            &[ThresholdMark {
                text: threshold.into(),
                bound_ms: Some(100.0),
                breaking: Some(10_000),
            }],
        )
    }

    #[test]
    fn capacity_chart() {
        let svg = capacity_svg("update", "update p99<100ms");
        assert!(svg.starts_with("<svg"), "{svg}");
        let texts = texts(&svg);
        for expected in [
            "knee: update @ 1k",
            "update p50",
            "update p99 (dashed)",
            "update p99&lt;100ms",
            "breaks update p99&lt;100ms @ 10k",
            "latency (ms)",
            "members in the group",
            "100",
            "1k",
            "10k",
            "0.2",
            "1",
            "200",
        ] {
            assert!(texts.iter().any(|t| t == expected), "{expected}: {texts:?}");
        }
        assert!(
            !texts.iter().any(|t| t.is_empty()),
            "no mesh labels: {texts:?}"
        );
        let ones = texts.iter().filter(|t| *t == "1").count();
        assert_eq!(
            ones, 1,
            "one 1 ms label, no label of plotters' mesh: {texts:?}"
        );
        let svg = capacity_svg("<script>x</script>", "update p99<100ms");
        assert!(
            !svg.contains("<script") && svg.contains("&lt;script&gt;x&lt;/script&gt;"),
            "{svg}"
        );
    }

    #[test]
    fn ticks_and_numbers() {
        assert_eq!(ticks_125(0.3, 12.0), [0.5, 1.0, 2.0, 5.0, 10.0]);
        assert_eq!(
            log_ticks(0.01, 9_000.0),
            [0.01, 0.1, 1.0, 10.0, 100.0, 1_000.0]
        );
        assert_eq!(linear_ticks(9.0, 6), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(
            linear_ticks(1_000.0, 5),
            [0.0, 200.0, 400.0, 600.0, 800.0, 1_000.0]
        );
        assert_eq!(linear_ticks(0.0, 5), [0.0]);
        assert_eq!(short(1_000_000.0), "1M");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(label(&"x".repeat(100)).len(), 60);
        assert_ne!(color(0), color(1));
    }
}
