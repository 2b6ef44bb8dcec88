//! Reporters: they read a [`RunOutcome`] and write it out; they never judge.
//!
//! * [`console`]: live progress, failures with coloured diffs, the summary.
//! * [`json`]: `summary.json`, versioned (docs/summary-json.md).
//! * [`junit`]: `junit.xml`, one test case per scenario, for CI servers.
//! * [`markdown`]: `report.md`, sized for a GitHub Actions step summary.
//! * [`html`]: `report.html`, one self-contained page with inline SVG charts.
//! * [`load`], [`capacity`]: the same formats for a load run's and a capacity sweep's summaries.
//! * [`groups`]: findings grouped and in the order a person fixes them (console, Markdown, HTML).
//! * [`bodies`]: long request bodies written next to the reports, for runnable reproducers.
//! * [`text`]: clipping, one-line fields, HTML and Markdown escaping, the latency format.
//!
//! docs/reports.md describes how to read them.

pub mod bodies;
pub mod capacity;
pub mod console;
pub mod groups;
pub mod html;
pub mod json;
pub mod junit;
pub mod load;
pub mod markdown;
pub mod tally;
pub mod text;

use crate::check::outcome::RunOutcome;
use std::path::{Path, PathBuf};

/// Write every report file of a run into `dir`; returns the files written.
pub fn write_all(outcome: &RunOutcome, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut write = |name: &str, text: String| -> std::io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
        Ok(())
    };
    write("summary.json", json::render(outcome))?;
    write("junit.xml", junit::render(outcome))?;
    write("report.md", markdown::render(outcome))?;
    write("report.html", html::render(outcome))?;
    Ok(written)
}

pub use crate::naming::{run_id, run_tag};
