//! Golden files for what users read, compared byte for byte (Hurl's `integration/*.err` and insta
//! snapshots are the models): the console of a known failure (`update.add-before-remove` against
//! the emulator with `--fault removes-before-adds`), that run's `report.md` and `junit.xml`, and a
//! scenario-file error with its caret. What changes from run to run is masked first: ports, run
//! ids, timestamps, generated ids and group names, durations, temporary paths.
//!
//! `GROUPCHECK_UPDATE_GOLDEN=1 cargo test --release --test golden` rewrites the files; review the
//! diff before committing it.

mod common;

use common::{ServeProcess, groupcheck_command, run_guarded, tmp_dir};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "golden-token";
const GUARD: Duration = Duration::from_secs(120);

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Mask what differs between runs of the same scenario against the same fault.
fn mask(text: &str, reports: &Path) -> String {
    let mut out = text.replace(&reports.display().to_string(), "<REPORTS>");
    let rules: [(&str, &str); 8] = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>"),
        (r"\b\d{8}-\d{6}-[0-9a-f]{4}\b", "<RUN-ID>"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "<TIMESTAMP>",
        ),
        (r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "<ID>"),
        (r"\bgc[0-9A-Z]{4}[0-9A-Za-z]*", "<NAME>"),
        (r#"(time|timestamp|hostname)="[^"]*""#, r#"$1="<T>""#),
        (r"\b\d+(\.\d+)?\s?(µs|ms|s)\b", "<DURATION>"),
        (
            r#""duration_ms":\s?[0-9.e+-]+"#,
            r#""duration_ms": <DURATION>"#,
        ),
    ];
    for (pattern, with) in rules {
        out = Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

/// Compare `actual` with the golden file `name`, or rewrite it under GROUPCHECK_UPDATE_GOLDEN.
fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("GROUPCHECK_UPDATE_GOLDEN").is_some_and(|v| !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with GROUPCHECK_UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from tests/golden/{name} at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             --- whole actual text ---\n{actual}\n(GROUPCHECK_UPDATE_GOLDEN=1 rewrites the file)",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

#[test]
fn a_known_failure_console_report_md_and_junit_xml() {
    let server = ServeProcess::start(TOKEN, &["removes-before-adds"]);
    let reports = tmp_dir("golden-failure");
    let finished = run_guarded(
        groupcheck_command().args([
            "check",
            "scenarios/update/add-before-remove.yaml",
            "--target",
            &server.url,
            "--service-plan-id",
            "P1",
            "--token",
            TOKEN,
            "--jobs",
            "1",
            "--report-dir",
            reports.to_str().unwrap(),
        ]),
        GUARD,
    );
    assert_eq!(finished.code, 1, "{}", finished.printed());
    let console = format!(
        "exit code {}\n--- stdout\n{}--- stderr\n{}",
        finished.code, finished.stdout, finished.stderr
    );
    assert_golden("check-failure.console", &mask(&console, &reports));
    for name in ["report.md", "junit.xml"] {
        let text = std::fs::read_to_string(reports.join(name)).unwrap();
        assert_golden(&format!("check-failure.{name}"), &mask(&text, &reports));
    }
}

#[test]
fn a_scenario_file_error_with_its_caret() {
    let finished = run_guarded(
        groupcheck_command().args(["check", "tests/golden/scenario-error/bad-step.yaml"]),
        GUARD,
    );
    assert_eq!(finished.code, 2, "{}", finished.printed());
    let text = format!(
        "exit code {}\n--- stdout\n{}--- stderr\n{}",
        finished.code, finished.stdout, finished.stderr
    );
    assert_golden("scenario-error.err", &text);
}

#[test]
fn the_masks_hide_what_changes_and_keep_the_rest() {
    let reports = Path::new("/tmp/x");
    let masked = mask(
        "http://127.0.0.1:39113/xms 20261128-091530-4f2a 2026-11-28T09:15:30.123Z \
         01M8ZJ1PS7Y0Q9XG7T1WQH6C3B gc02BS00-abr 12.3 ms 0.42 s /tmp/x/report.md size 3",
        reports,
    );
    assert_eq!(
        masked,
        "http://127.0.0.1:<PORT>/xms <RUN-ID> <TIMESTAMP> <ID> <NAME>-abr <DURATION> <DURATION> \
         <REPORTS>/report.md size 3"
    );
}
