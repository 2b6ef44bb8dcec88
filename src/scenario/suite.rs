//! The scenario suite a run uses when it names no files, and its copy compiled into the binary.
//!
//! * [`EMBEDDED`]: every `scenarios/**/*.yaml` of the checkout at build time (`build.rs`), named
//!   `scenarios/<relative path>` as reports show them.
//! * [`Suite::detect`]: `./scenarios` when it is there and looks like a groupcheck suite (it holds
//!   at least one file of the embedded suite by the same relative path: an edited checkout or an
//!   exported copy), else the embedded suite. `check`, `selftest` and `load` all resolve it here.
//! * [`named`]: the files a user names; a path that is not on disk but names a file or folder of
//!   the embedded suite (`scenarios/load/large-group.yaml`, `load/large-group.yaml`, `create`)
//!   is read from the embedded copy, so the suite's names work with only the binary installed.
//! * [`export`]: the embedded suite written out to a directory, to edit.

use super::{Scenario, ScenarioError, load_all, parse::parse};
use std::path::{Path, PathBuf};

/// The suite compiled into the binary: `(path, text)`, sorted by path, every path starting with
/// `scenarios/`.
pub static EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/suite.rs"));

/// The directory a local suite is looked for in, relative to the current directory.
pub const LOCAL_DIR: &str = "scenarios";

/// Where the default suite comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suite {
    /// `./scenarios`, read from disk.
    Local,
    /// The copy compiled into the binary.
    Embedded,
}

impl Suite {
    /// `./scenarios` when it looks like a groupcheck suite, else the embedded one.
    pub fn detect() -> Suite {
        let local = Path::new(LOCAL_DIR);
        let looks_like_ours =
            local.is_dir() && EMBEDDED.iter().any(|(path, _)| Path::new(path).is_file());
        if looks_like_ours {
            Suite::Local
        } else {
            Suite::Embedded
        }
    }

    /// Every scenario of the suite (files under `prefix`, relative to `scenarios/`, when given).
    pub fn load(&self, prefix: Option<&str>) -> Result<Vec<Scenario>, ScenarioError> {
        match self {
            Suite::Local => {
                let dir = match prefix {
                    Some(p) => Path::new(LOCAL_DIR).join(p),
                    None => PathBuf::from(LOCAL_DIR),
                };
                load_all(&[dir])
            }
            Suite::Embedded => embedded_files(prefix)
                .map(|(path, text)| parse(Path::new(path), text))
                .collect(),
        }
    }

    /// One file of the suite by its path (`scenarios/load/lifecycle.yaml`): the local file when
    /// the suite is local and has it, else the embedded copy.
    pub fn load_file(&self, path: &str) -> Result<Scenario, ScenarioError> {
        let local = *self == Suite::Local && Path::new(path).is_file();
        match EMBEDDED.iter().find(|(p, _)| *p == path) {
            Some((path, text)) if !local => parse(Path::new(path), text),
            _ => super::load(Path::new(path)),
        }
    }

    /// The one console line that says which suite runs.
    pub fn describe(&self, scenarios: usize) -> String {
        match self {
            Suite::Local => format!("suite: ./{LOCAL_DIR} (local files)"),
            Suite::Embedded => format!("suite: embedded, {scenarios} scenarios"),
        }
    }
}

/// The embedded files below `scenarios/<prefix>/` (all of them without a prefix).
fn embedded_files(
    prefix: Option<&str>,
) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    let start = match prefix {
        Some(p) => format!("{LOCAL_DIR}/{}/", p.trim_matches('/')),
        None => format!("{LOCAL_DIR}/"),
    };
    EMBEDDED
        .iter()
        .filter(move |(path, _)| path.starts_with(&start))
}

/// The scenarios of the files and folders a user named. A path on disk is read from disk; one
/// that is not, but names an embedded file or folder (with or without the `scenarios/` prefix),
/// is read from the embedded suite; anything else is reported as the missing path it is.
pub fn named(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let mut out = Vec::new();
    for path in paths {
        if path.exists() {
            out.extend(load_all(std::slice::from_ref(path))?);
            continue;
        }
        let text = path.to_string_lossy().replace('\\', "/");
        let relative = text.trim_start_matches("./").trim_matches('/');
        let relative = relative
            .strip_prefix(&format!("{LOCAL_DIR}/"))
            .unwrap_or(relative);
        let file = format!("{LOCAL_DIR}/{relative}");
        let embedded: Vec<_> = match EMBEDDED.iter().find(|(p, _)| *p == file) {
            Some(one) => vec![one],
            None if !relative.is_empty() => embedded_files(Some(relative)).collect(),
            None => Vec::new(),
        };
        if embedded.is_empty() {
            out.extend(load_all(std::slice::from_ref(path)).map_err(|mut e| {
                e.message.push_str(
                    ", and the built-in suite has no file or folder of that name \
                     (`groupcheck scenarios list` names them)",
                );
                e
            })?);
        }
        for (path, text) in embedded {
            out.push(parse(Path::new(path), text)?);
        }
    }
    Ok(out)
}

/// A file [`export`] would overwrite.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{} already exists (pass --force to overwrite the suite's files)", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Write the embedded suite below `dir` (`dir/create/basic.yaml`, …); the files written, in
/// order. Without `force`, nothing is written when any of them exists.
pub fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>, ExportError> {
    let targets: Vec<(PathBuf, &str)> = embedded_files(None)
        .map(|(path, text)| {
            let relative = path.strip_prefix(&format!("{LOCAL_DIR}/")).unwrap_or(path);
            (dir.join(relative), *text)
        })
        .collect();
    if !force && let Some((existing, _)) = targets.iter().find(|(p, _)| p.exists()) {
        return Err(ExportError::Exists(existing.clone()));
    }
    for (path, text) in &targets {
        let io = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(path, text).map_err(io)?;
    }
    Ok(targets.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_suite_parses_and_has_the_load_flows() {
        assert!(EMBEDDED.len() > 40, "{} files", EMBEDDED.len());
        let all = Suite::Embedded.load(None).unwrap();
        assert_eq!(all.len(), EMBEDDED.len());
        let flows = Suite::Embedded.load(Some("load")).unwrap();
        assert!(flows.iter().all(|s| s.file.starts_with("scenarios/load")));
        assert!(!flows.is_empty());
        let one = Suite::Embedded
            .load_file("scenarios/load/lifecycle.yaml")
            .unwrap();
        assert_eq!(one.file, Path::new("scenarios/load/lifecycle.yaml"));
    }

    #[test]
    fn named_paths_fall_back_to_the_embedded_suite() {
        let dir = std::env::temp_dir().join(format!("groupcheck-named-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let own = dir.join("own.yaml");
        std::fs::write(&own, "name: own\nsteps:\n  - request: list\n").unwrap();
        let files = |paths: &[PathBuf]| -> Vec<String> {
            named(paths)
                .unwrap()
                .iter()
                .map(|s| s.file.display().to_string())
                .collect()
        };
        // Not on disk here (tests run in the checkout, which has ./scenarios but no ./load).
        assert_eq!(
            files(&["load/large-group.yaml".into()]),
            ["scenarios/load/large-group.yaml"]
        );
        let create = files(&["create/".into()]);
        assert!(!create.is_empty());
        assert!(create.iter().all(|f| f.starts_with("scenarios/create/")));
        // On disk: read from disk, whatever its name.
        assert_eq!(
            files(std::slice::from_ref(&own)),
            [own.display().to_string()]
        );
        // Neither: the error names the missing path.
        let err = named(&["no/such/flow.yaml".into()]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no/such/flow.yaml"), "{text}");
        assert!(
            text.contains("scenarios list") && !text.contains(":0:0"),
            "{text}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
