//! Request bodies too long to sit in a reproducer's command line ([`crate::client::INLINE_BODY_MAX`]):
//! written to `bodies/` in the report directory, and the reproducer reads them back with
//! `--data-binary @FILE`, so every reproducer runs as written. Done once, before any writer
//! (console included) sees the run.

use crate::check::outcome::RunOutcome;
use crate::client::{body_file_arg, elided_body};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

/// Write the long bodies of `outcome`'s findings to `dir/bodies/<scenario>-step<N>.json` and point
/// their reproducers at them (the path as `dir` is given: relative to where groupcheck ran, when
/// `dir` is relative). Returns how many files were written.
pub fn externalise(outcome: &mut RunOutcome, dir: &Path) -> std::io::Result<usize> {
    let bodies = dir.join("bodies");
    let mut written: HashMap<String, Vec<u8>> = HashMap::new();
    for s in &mut outcome.scenarios {
        let stem = file_stem(&s.file);
        for f in &mut s.findings {
            let Some(body) = f.request_body.take() else {
                continue;
            };
            let Some(curl) = &mut f.reproducer else {
                continue;
            };
            let elided = elided_body(body.len());
            if !curl.contains(&elided) {
                continue;
            }
            // The same step's body is written once; another body under the same name gets a suffix.
            let base = format!("{stem}-step{}", f.step + 1);
            let mut name = format!("{base}.json");
            let mut n = 1;
            while written.get(&name).is_some_and(|b| *b != body) {
                n += 1;
                name = format!("{base}-{n}.json");
            }
            let path = bodies.join(&name);
            if let Entry::Vacant(slot) = written.entry(name) {
                std::fs::create_dir_all(&bodies)?;
                std::fs::write(&path, &body)?;
                slot.insert(body);
            }
            *curl = curl.replace(&elided, &body_file_arg(&path.display().to_string()));
        }
    }
    Ok(written.len())
}

/// `scenarios/create/edge-cases.yaml` → `create-edge-cases`: the file's directory and stem, in
/// characters safe in a file name.
fn file_stem(file: &str) -> String {
    let path = Path::new(file);
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned());
    let joined = match (parent, stem) {
        (Some(p), Some(s)) => format!("{p}-{s}"),
        (None, Some(s)) => s,
        _ => "scenario".to_owned(),
    };
    joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
