//! Loading scenario files. Every error names the file, line and column and says what was
//! expected; nothing here panics on bad input.

use super::{Scenario, Step};
use crate::spec::{Catalogue, Schemas};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario file that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// A rendered excerpt of the file with a caret, when there is one.
    pub snippet: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The YAML parser renders its own message, location and caret.
        if let Some(snippet) = self.snippet.as_deref().filter(|s| s.starts_with("error:")) {
            return f.write_str(snippet);
        }
        writeln!(f, "error: {}", self.message)?;
        // Line 0: the error is about the file as a whole (it cannot be read), not a place in it.
        if self.line == 0 {
            write!(f, "  --> {}", self.file.display())?;
        } else {
            write!(
                f,
                "  --> {}:{}:{}",
                self.file.display(),
                self.line,
                self.column
            )?;
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    serial: bool,
    #[serde(default)]
    vars: BTreeMap<String, Value>,
    steps: Vec<Spanned<Step>>,
    #[serde(default)]
    teardown: Vec<Spanned<Step>>,
}

/// Every `*.yaml` / `*.yml` file under the given files and directories, sorted, loaded. Stops at
/// the first file that cannot be read or parsed.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, ScenarioError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    files.iter().map(|f| load(f)).collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    let io_error = |e: std::io::Error| ScenarioError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
        snippet: None,
    };
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io_error)? {
            let entry = entry.map_err(io_error)?.path();
            let is_yaml = entry.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if entry.is_dir() || is_yaml {
                collect(&entry, out)?;
            }
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

/// Load one scenario file.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|e| ScenarioError {
        file: file.to_owned(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
        snippet: None,
    })?;
    parse(file, &text)
}

/// Parse scenario text; `file` is only used in messages.
pub fn parse(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = serde_saphyr::from_str(text).map_err(|e| {
        let location = e.location();
        let shown = file.display().to_string();
        let rendered = e.render_with_options(serde_saphyr::render_options! {
            source_name: Some(shown.as_str()),
        });
        ScenarioError {
            file: file.to_owned(),
            line: location.map_or(0, |l| l.line()),
            column: location.map_or(0, |l| l.column()),
            message: first_line(&rendered),
            snippet: Some(rendered),
        }
    })?;
    let at = |line: u64, column: u64, message: String| ScenarioError {
        file: file.to_owned(),
        line,
        column,
        snippet: snippet(text, line, column),
        message,
    };
    let catalogue = Catalogue::get();
    for rule in &raw.rules {
        if catalogue.find(&rule.value).is_none() {
            let l = rule.referenced;
            return Err(at(
                l.line(),
                l.column(),
                format!(
                    "unknown rule id '{}': expected an id of specs/rules.yaml",
                    rule.value
                ),
            ));
        }
    }
    if raw.steps.is_empty() {
        return Err(at(1, 1, "a scenario needs at least one step".to_owned()));
    }
    let located = |spanned: Vec<Spanned<Step>>| -> Result<Vec<Step>, ScenarioError> {
        spanned
            .into_iter()
            .map(|s| {
                let mut step = s.value;
                step.line = s.referenced.line();
                step.column = s.referenced.column();
                check_step(&step, catalogue).map_err(|m| at(step.line, step.column, m.0))?;
                Ok(step)
            })
            .collect()
    };
    let steps = located(raw.steps)?;
    let teardown = located(raw.teardown)?;
    Ok(Scenario {
        file: file.to_owned(),
        name: raw.name,
        description: raw.description,
        rules: raw.rules.into_iter().map(|r| r.value).collect(),
        serial: raw.serial,
        vars: raw.vars,
        steps,
        teardown,
    })
}

crate::error::message_error!(
    /// What is wrong with one step (placed at its line by the caller).
    StepError
);

/// Checks serde cannot express: a request is named one way, names refer to real schemas and rules.
fn check_step(step: &Step, catalogue: &Catalogue) -> Result<(), StepError> {
    match (&step.request, &step.method, &step.path) {
        (Some(_), None, None) | (None, Some(_), Some(_)) => {}
        (Some(_), _, _) => {
            return Err(
                "a step has either `request: <operation>` or `method` + `path`, not both".into(),
            );
        }
        _ => {
            return Err(
                "a step needs `request: <operation>` (create, list, retrieve, update, replace, \
                 delete, members) or both `method` and `path`"
                    .into(),
            );
        }
    }
    if step.emulator && step.request.is_some() {
        return Err(
            "`emulator: true` takes `method` + `path` below /emulator/v1/{service_plan_id} \
             (such as `POST /mo`), not `request: <operation>`"
                .into(),
        );
    }
    if step.body.is_some() && step.raw_body.is_some() {
        return Err("a step has either `body` or `raw_body`, not both".into());
    }
    if step.repeat == Some(0) {
        return Err("`repeat` must be at least 1".into());
    }
    let schemas = Schemas::get();
    if let Some(schema) = &step.expect.schema
        && !schemas.contains(schema)
    {
        let names: Vec<&str> = schemas.names().collect();
        return Err(StepError(format!(
            "unknown schema '{schema}': expected one of {}",
            names.join(", ")
        )));
    }
    let rules = step
        .expect
        .rule
        .iter()
        .chain(step.expect.matches.iter().filter_map(|m| m.rule.as_ref()));
    for rule in rules {
        if catalogue.find(rule).is_none() {
            return Err(StepError(format!(
                "unknown rule id '{rule}': expected an id of specs/rules.yaml"
            )));
        }
    }
    let pointers = step
        .capture
        .values()
        .chain(step.collect.values())
        .chain(&step.expect.absent)
        .chain(step.expect.members_at.iter())
        .chain(step.expect.matches.iter().map(|m| &m.path));
    for pointer in pointers {
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return Err(StepError(format!(
                "'{pointer}' is not a JSON pointer: expected '' or a path starting with '/'"
            )));
        }
    }
    for m in &step.expect.matches {
        if let Some(re) = &m.regex
            && let Err(e) = regex::Regex::new(re)
        {
            return Err(StepError(format!("invalid regex for {}: {e}", m.path)));
        }
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid scenario")
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}

/// The line with a caret under the column, Hurl style.
pub(crate) fn snippet(text: &str, line: u64, column: u64) -> Option<String> {
    let source = text
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let caret = " ".repeat(column.saturating_sub(1) as usize);
    Some(format!("{pad} |\n{line} | {source}\n{pad} | {caret}^"))
}

#[cfg(test)]
mod tests;
