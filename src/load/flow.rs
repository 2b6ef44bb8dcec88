//! Flows: scenario files run under load. A flow is an ordinary scenario (same format, same
//! loader), read three ways:
//!
//! * **setup**: the first `load_setup` steps (a variable of the file, default 0). They run once
//!   per *group slot* before the clock starts, unmeasured: typically "create a group of
//!   `{group_size}` members". A create of more than 10,000 members (the documented limit of one
//!   request) is sent as a create and updates of at most 10,000 each ([`super::build`]).
//! * **steps**: the rest of `steps`, repeated by every session and measured: each step is a goose
//!   transaction in the closed model, each request one arrival in the open model.
//! * **teardown**: once per slot at the end, unmeasured; every group the run created and did not
//!   delete is deleted after it, from the run's ledger.
//!
//! `check` reads the same file as one pass of setup, steps and teardown, so a flow is also a
//! conformance scenario. Variables a load run adds: `{group_size}` (`--group-size`, or the file's
//! own default), `{uniq}` (unique per session and iteration, short enough for a group name),
//! `{run}`, `{session}`, `{iteration}`, `{slot}`.

use crate::load::LoadError;
use crate::scenario::suite::{self, Suite};
use crate::scenario::template::Vars;
use crate::scenario::{self, Operation, Scenario, Step};
use serde_json::Value;
use std::path::PathBuf;

/// The variable that says how many leading steps are setup.
pub const SETUP_VAR: &str = "load_setup";
/// The variable `--group-size` sets.
pub const GROUP_SIZE_VAR: &str = "group_size";

/// A scenario, split for load.
#[derive(Debug, Clone)]
pub struct Flow {
    pub name: String,
    pub file: PathBuf,
    pub setup: Vec<Step>,
    pub steps: Vec<Step>,
    pub teardown: Vec<Step>,
    pub vars: Vars,
    /// The scenario's first rule: expectations that name none are attributed to it.
    pub fallback_rule: String,
}

impl Flow {
    /// Split a scenario; `group_size` overrides the file's `group_size` variable.
    pub fn from_scenario(scenario: Scenario, group_size: Option<usize>) -> Result<Flow, LoadError> {
        let file = scenario.file.display().to_string();
        let setup_count = match scenario.vars.get(SETUP_VAR) {
            None => 0,
            Some(v) => v
                .as_u64()
                .map(|n| n as usize)
                .filter(|n| *n < scenario.steps.len())
                .ok_or_else(|| {
                    format!(
                        "{file}: `{SETUP_VAR}` must be a number of leading steps, fewer than the \
                         {} steps, so that at least one step repeats under load",
                        scenario.steps.len()
                    )
                })?,
        };
        let mut vars = scenario.vars.clone();
        vars.remove(SETUP_VAR);
        if let Some(size) = group_size {
            vars.insert(GROUP_SIZE_VAR.into(), Value::from(size));
        }
        let mut steps = scenario.steps;
        let loop_steps = steps.split_off(setup_count);
        Ok(Flow {
            name: scenario.name,
            file: scenario.file,
            setup: steps,
            steps: loop_steps,
            teardown: scenario.teardown,
            vars,
            fallback_rule: scenario
                .rules
                .first()
                .cloned()
                .unwrap_or_else(|| "http.answers".into()),
        })
    }

    /// The group size the flow runs with, when it has one.
    pub fn group_size(&self) -> Option<usize> {
        self.vars
            .get(GROUP_SIZE_VAR)
            .and_then(Value::as_u64)
            .map(|n| n as usize)
    }

    /// A short name for goose and reports: the file's stem.
    pub fn short_name(&self) -> String {
        self.file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.name.clone())
    }
}

pub use crate::scenario::render::{Rendered, render, render_expect};

/// The statuses a step accepts: its own, or the operation's documented success.
pub fn expected_statuses(step: &Step, op: Option<Operation>) -> Vec<u16> {
    match (&step.expect.status, op) {
        (Some(s), _) => s.to_vec().into_iter().copied().collect(),
        (None, Some(op)) => vec![crate::check::judge::success(op).0],
        (None, None) => Vec::new(),
    }
}

/// The flows `load` runs when none are named, and those `capacity` runs: files of the suite
/// (`scenario::suite`), local or embedded as `check` resolves it.
pub const LOAD_DEFAULTS: [&str; 2] = [
    "scenarios/load/lifecycle.yaml",
    "scenarios/load/large-group.yaml",
];
pub const CAPACITY_DEFAULTS: [&str; 1] = ["scenarios/load/capacity.yaml"];

/// Load the named flow files (files or directories), or the defaults from the suite
/// [`Suite::detect`] finds: `./scenarios` when it is a groupcheck suite, else the embedded one.
pub fn load(
    paths: &[PathBuf],
    defaults: &[&str],
) -> Result<Vec<Scenario>, scenario::ScenarioError> {
    if !paths.is_empty() {
        return suite::named(paths);
    }
    let suite = Suite::detect();
    defaults.iter().map(|path| suite.load_file(path)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn defaults_split_into_setup_and_steps() {
        for path in LOAD_DEFAULTS.iter().chain(&CAPACITY_DEFAULTS) {
            let scenario = Suite::Embedded.load_file(path).unwrap();
            let flow = Flow::from_scenario(scenario, Some(50)).unwrap();
            assert!(!flow.steps.is_empty(), "{path}");
            assert_eq!(flow.group_size(), Some(50));
            assert!(!flow.vars.contains_key(SETUP_VAR));
        }
    }

    #[test]
    fn setup_must_leave_a_step() {
        let text = "name: x\nvars: {load_setup: 1}\nsteps:\n  - request: list\n";
        let scenario = scenario::parse::parse(Path::new("x.yaml"), text).unwrap();
        let err = Flow::from_scenario(scenario, None).unwrap_err();
        assert!(err.0.contains("load_setup"), "{err}");
    }

    #[test]
    fn render_counts_members() {
        let text = "name: x\nsteps:\n  - request: create\n    body: {members: {$msisdns: {count: \"{group_size}\"}}}\n";
        let scenario = scenario::parse::parse(Path::new("x.yaml"), text).unwrap();
        let flow = Flow::from_scenario(scenario, Some(12)).unwrap();
        let rendered = render(&flow.steps[0], &flow.vars).unwrap();
        assert_eq!(rendered.members_sent(), Some(12));
        assert_eq!(rendered.op_name(), "create");
        assert_eq!(rendered.request.method, "POST");
    }
}
