//! Reporters: they read a [`RunOutcome`] and write it out; they never judge.
//!
//! * [`console`]: live progress, failures with coloured diffs, the summary.
//! * [`json`]: `summary.json`, versioned (docs/summary-json.md).
//! * [`junit`]: `junit.xml`, one test case per scenario, for CI servers.
//! * [`markdown`]: `report.md`, sized for a GitHub Actions step summary.
//! * [`html`]: `report.html`, one self-contained page with inline SVG charts.
//!
//! docs/reports.md describes how to read them.

pub mod console;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod tally;

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

/// A run id that sorts by time: `20261122-081530-4f2a`.
pub fn run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u16>()
    )
}

/// Six characters for this run's group names: `gc` and four random upper-case letters/digits.
pub fn run_tag() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let r: u32 = rand::random();
    let tail: String = (0..4)
        .map(|i| ALPHABET[((r >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("gc{tail}")
}
