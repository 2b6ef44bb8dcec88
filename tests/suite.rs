//! The conformance suite of `scenarios/` as a whole: every rule of the catalogue is named by a
//! scenario, every operation and every documented status is exercised, and the suite passes
//! against the embedded emulator.

mod common;

use common::{groupcheck_command, run, tmp_dir};
use groupcheck::scenario::{self, Operation, Scenario, Step};
use groupcheck::spec::Catalogue;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The statuses the documentation gives the Groups API, each of which some step must expect.
const DOCUMENTED_STATUSES: [u16; 8] = [201, 200, 400, 401, 403, 404, 405, 415];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario of `scenarios/`, loaded as `groupcheck check` loads them.
fn suite() -> Vec<Scenario> {
    std::env::set_current_dir(manifest_dir()).unwrap();
    scenario::load_all(&[PathBuf::from("scenarios")]).unwrap_or_else(|e| panic!("{e}"))
}

/// Steps and teardown steps of a scenario.
fn all_steps(s: &Scenario) -> impl Iterator<Item = &Step> {
    s.steps.iter().chain(&s.teardown)
}

/// The operation a step performs: its shorthand, or its method and path when they are one of the
/// seven documented requests.
fn operation(step: &Step) -> Option<Operation> {
    step.request.or_else(|| match (&step.method, &step.path) {
        (Some(method), Some(path)) => Operation::classify(method, path).map(|(op, _)| op),
        _ => None,
    })
}

/// The scenario files under `scenarios/`.
fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scenario_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_rule_has_a_scenario() {
    let scenarios = suite();
    let listed: BTreeSet<&str> = scenarios
        .iter()
        .flat_map(|s| s.rules.iter().map(String::as_str))
        .collect();
    let missing: Vec<String> = Catalogue::get()
        .rules()
        .iter()
        .filter(|r| !listed.contains(r.id.as_str()))
        .map(|r| format!("  {} ({})", r.id, r.level))
        .collect();
    assert!(
        missing.is_empty(),
        "{} rule(s) of specs/rules.yaml are in no scenario's `rules:` list:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_operation_and_status_is_exercised() {
    let scenarios = suite();
    let mut operations: BTreeMap<&str, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for step in scenarios.iter().flat_map(all_steps) {
        if let Some(op) = operation(step) {
            *operations.entry(op.name()).or_default() += 1;
        }
        if let Some(expected) = &step.expect.status {
            for status in expected.to_vec() {
                *statuses.entry(*status).or_default() += 1;
            }
        }
    }
    let missing_ops: Vec<&str> = Operation::ALL
        .iter()
        .map(|op| op.name())
        .filter(|name| !operations.contains_key(name))
        .collect();
    let missing_statuses: Vec<u16> = DOCUMENTED_STATUSES
        .iter()
        .copied()
        .filter(|s| !statuses.contains_key(s))
        .collect();
    assert!(
        missing_ops.is_empty() && missing_statuses.is_empty(),
        "not exercised by any step: operations {missing_ops:?}, statuses {missing_statuses:?} \
         (seen: operations {operations:?}, statuses {statuses:?})"
    );
}

#[test]
fn suite_passes_against_the_emulator() {
    let report_dir = tmp_dir("suite");
    let (code, printed) = run(groupcheck_command()
        .arg("check")
        .arg("--quiet")
        .arg("--report-dir")
        .arg(&report_dir));
    assert_eq!(
        code, 0,
        "`groupcheck check` against the emulator did not pass:\n{printed}"
    );

    let summary_path = report_dir.join("summary.json");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&summary_path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{printed}", summary_path.display())),
    )
    .unwrap();
    let mut files = Vec::new();
    scenario_files(&manifest_dir().join("scenarios"), &mut files);
    let ran = summary["scenarios"].as_array().map_or(0, Vec::len);
    assert_eq!(
        ran,
        files.len(),
        "summary.json lists {ran} scenarios, scenarios/ holds {} files\n{printed}",
        files.len()
    );
    let _ = std::fs::remove_dir_all(&report_dir);
}
