//! A newcomer anywhere: the binary run outside the checkout uses the suite built into it; a wrong
//! token, a missing setting or a wrong base URL is one clear message, not a list of failures.
//!
//! * `the_binary_passes_the_embedded_suite_from_an_empty_folder`
//! * `a_wrong_token_is_one_line_and_exit_3`
//! * `missing_plan_and_token_are_named_together`
//! * `a_base_url_with_the_api_path_gets_a_hint`
//! * `exported_scenarios_run_with_check_dir`

mod common;

use common::{ServeProcess, groupcheck_command, run, tmp_dir};
use std::path::Path;

const TOKEN: &str = "right-token-newcomer";

/// `groupcheck ARGS` run from `dir` (not the checkout).
fn groupcheck_in(dir: &Path, args: &[&str]) -> (i32, String) {
    run(groupcheck_command().current_dir(dir).args(args))
}

#[test]
fn the_binary_passes_the_embedded_suite_from_an_empty_folder() {
    let dir = tmp_dir("empty-folder");
    let (code, out) = groupcheck_in(&dir, &["check", "--report-dir", "reports"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("suite: embedded, "), "{out}");
    assert!(out.contains("PASSED"), "{out}");
    assert!(dir.join("reports/summary.json").exists());
    let summary = std::fs::read_to_string(dir.join("reports/summary.json")).unwrap();
    assert!(
        summary.contains("scenarios/create/basic.yaml"),
        "file names stay scenarios/...: {summary:.400}"
    );
}

#[test]
fn a_wrong_token_is_one_line_and_exit_3() {
    let server = ServeProcess::start(TOKEN, &[]);
    let dir = tmp_dir("wrong-token");
    let wrong = "WRONG-token-newcomer";
    let (code, out) = groupcheck_in(
        &dir,
        &[
            "check",
            "--target",
            &server.url,
            "--service-plan-id",
            "PLAN7",
            "--token",
            wrong,
        ],
    );
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("the target rejected the token for service plan PLAN7: 401"),
        "{out}"
    );
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("--- std"))
        .collect();
    assert_eq!(lines.len(), 1, "one line: {out}");
    assert!(!out.contains("FAIL") && !out.contains("scenarios"), "{out}");
    assert!(
        !out.contains(wrong) && !out.contains(TOKEN),
        "no token: {out}"
    );
    assert!(!dir.join("reports").exists(), "no run, no reports");
}

#[test]
fn missing_plan_and_token_are_named_together() {
    let dir = tmp_dir("missing");
    let (code, out) = groupcheck_in(&dir, &["check", "--target", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("--service-plan-id") && out.contains("SINCH_SERVICE_PLAN_ID"),
        "{out}"
    );
    assert!(
        out.contains("--token") && out.contains("SINCH_API_TOKEN"),
        "{out}"
    );
    assert_eq!(
        out.matches("groupcheck check:").count(),
        1,
        "one message: {out}"
    );
}

#[test]
fn a_base_url_with_the_api_path_gets_a_hint() {
    let server = ServeProcess::start(TOKEN, &[]);
    let dir = tmp_dir("hint");
    let url = format!("{}/xms/v1", server.url);
    let (code, out) = groupcheck_in(
        &dir,
        &[
            "check",
            "--target",
            &url,
            "--service-plan-id",
            "P",
            "--token",
            TOKEN,
        ],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("answered 404"), "{out}");
    assert!(
        out.contains("base URL") && out.contains("service plan id"),
        "{out}"
    );
    assert!(!out.contains(TOKEN), "{out}");
}

#[test]
fn exported_scenarios_run_with_check_dir() {
    let dir = tmp_dir("export");
    let (code, out) = groupcheck_in(&dir, &["scenarios", "export", "suite"]);
    assert_eq!(code, 0, "{out}");
    assert!(dir.join("suite/create/basic.yaml").is_file(), "{out}");
    let (code, out) = groupcheck_in(&dir, &["scenarios", "export", "suite"]);
    assert_eq!(code, 2, "refuses to overwrite without --force: {out}");
    assert!(out.contains("--force"), "{out}");
    // Edit one exported file: check DIR runs the edited copy.
    let file = dir.join("suite/create/basic.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("name: ", "name: EDITED ", 1);
    std::fs::write(&file, edited).unwrap();
    let (code, out) = groupcheck_in(
        &dir,
        &[
            "check",
            "suite",
            "--filter",
            "create/",
            "--report-dir",
            "r1",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("EDITED"), "the edited file ran: {out}");
    assert!(!out.contains("suite: embedded"), "{out}");
    // Exported as ./scenarios, it is the local suite `check` picks up without paths.
    std::fs::rename(dir.join("suite"), dir.join("scenarios")).unwrap();
    let (code, out) = groupcheck_in(
        &dir,
        &["check", "--filter", "create/", "--report-dir", "r2"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("suite: ./scenarios (local files)"), "{out}");
    assert!(out.contains("EDITED"), "{out}");
}
