//! Reports of a load run, from its [`LoadSummary`] (they never judge): the console table
//! ([`console`]), `report.md` ([`markdown`]), `report.html` ([`html`], with its SVG charts: the
//! latency distribution on a nines axis from [`nines`], the run over time from [`over_time`],
//! both drawn with what [`chart`] shares) and `summary.json`. Every table gives, per operation and group-size bucket, the
//! requests, the three kinds of failure and p50, p90, p95, p99, p99.9 and max; the words and cells
//! they share are in [`table`].

pub mod chart;
pub mod console;
pub mod html;
pub mod markdown;
pub mod nines;
pub mod over_time;
pub mod table;

use crate::load::measure::summary::{LoadSummary, to_json};
use std::path::{Path, PathBuf};

/// Write summary.json, report.md and report.html into `dir`.
pub fn write_all(summary: &LoadSummary, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in [
        ("summary.json", to_json(summary)),
        ("report.md", markdown::render(summary)),
        ("report.html", html::render(summary)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}
