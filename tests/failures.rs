//! Failures as a person fixes them (issue 13, part 3), end to end against `groupcheck serve`:
//! with two faults the first failure shown (console and `report.md`) is the semantic one or a
//! grouped entry with its count, repeats are grouped, a schema finding shows the received body,
//! and every reproducer in the reports runs as written (`sh -c` with curl, which must be
//! installed: the test fails without it), including one whose body is written to `bodies/`.

mod common;

use common::{ServeProcess, groupcheck_command, run_guarded, tmp_dir};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "failures-token-5150";
const GUARD: Duration = Duration::from_secs(180);

fn check(server: &ServeProcess, paths: &[&str], reports: &Path) -> common::Finished {
    let mut command = groupcheck_command();
    command.arg("check").args(paths).args([
        "--target",
        &server.url,
        "--service-plan-id",
        "P1",
        "--token",
        TOKEN,
        "--jobs",
        "4",
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    run_guarded(&mut command, GUARD)
}

/// Run a reproducer as written; the HTTP status it got (0: none).
fn run_reproducer(curl: &str) -> u16 {
    let status = Command::new("curl").arg("--version").output();
    assert!(
        status.is_ok_and(|o| o.status.success()),
        "curl is needed to run the reproducers and is not installed"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{curl} -s -o /dev/null -w '%{{http_code}}' --max-time 20"
        ))
        .env("SINCH_API_TOKEN", TOKEN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the reproducer failed to run ({}): {}\n{curl}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// The ```sh blocks of report.md.
fn md_reproducers(md: &str) -> Vec<String> {
    md.split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split_once("\n```").map(|(c, _)| c.to_owned()))
        .collect()
}

/// Every `reproducer` of summary.json.
fn json_reproducers(summary: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(summary).unwrap();
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().iter())
        .filter_map(|f| f["reproducer"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn two_faults_the_first_failure_is_the_semantic_one_or_a_counted_group() {
    let server = ServeProcess::start(TOKEN, &["removes-before-adds", "error-body-envelope"]);
    let reports = tmp_dir("failures-two-faults");
    let finished = check(&server, &["scenarios"], &reports);
    assert_eq!(finished.code, 1, "{}", finished.printed());

    let lines: Vec<&str> = finished.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("FAIL "))
        .expect("a FAIL line");
    let first_ok =
        lines[at].contains("update.add-before-remove") || lines[at + 1].contains("× in ");
    assert!(first_ok, "first failure shown:\n{}", lines[at..].join("\n"));
    assert!(
        lines.len() < 250,
        "{} console lines:\n{}",
        lines.len(),
        finished.stderr
    );
    // Grouped: schema.error is shown at most twice (one message per entry), each in full once.
    let schema = lines
        .iter()
        .filter(|l| l.starts_with("FAIL schema.error"))
        .count();
    assert!((1..=3).contains(&schema), "{}", finished.stderr);
    assert!(
        finished.stderr.contains("received (around /)"),
        "{}",
        finished.stderr
    );

    let md = std::fs::read_to_string(reports.join("report.md")).unwrap();
    let summary = md
        .lines()
        .find(|l| l.starts_with("<summary>❌"))
        .expect("a failure in report.md");
    assert!(
        summary.contains("update.add-before-remove") || summary.contains("× in "),
        "{summary}"
    );
    assert!(
        md.contains("Received (around"),
        "no received body in report.md"
    );
    let html = std::fs::read_to_string(reports.join("report.html")).unwrap();
    assert!(html.contains("id=\"to-fix\""));

    // Every reproducer runs: report.md's, and every finding's in summary.json (some read a body
    // from bodies/).
    let json = std::fs::read_to_string(reports.join("summary.json")).unwrap();
    let mut all = md_reproducers(&md);
    assert!(!all.is_empty());
    all.extend(json_reproducers(&json));
    assert!(
        all.iter().any(|c| c.contains("--data-binary @")),
        "no body file used"
    );
    for curl in &all {
        assert!(!curl.contains("bytes elided"), "{curl}");
        let status = run_reproducer(curl);
        assert!((200..600).contains(&status), "got {status} from:\n{curl}");
    }
}

#[test]
fn a_reproducer_with_a_long_body_reads_it_from_a_file_and_runs() {
    let dir = tmp_dir("failures-long-body");
    let scenario = dir.join("long-create.yaml");
    std::fs::write(
        &scenario,
        "name: a long create\nrules: [members.duplicates-ignored]\nsteps:\n  - name: create with 400 numbers, two sent twice\n    request: create\n    body:\n      name: \"{uniq}-long\"\n      members: {$msisdns: {count: 400, duplicates: 2, start: 1}}\n    expect:\n      rule: members.duplicates-ignored\n      status: 201\n      body: {size: 400}\n",
    )
    .unwrap();
    let server = ServeProcess::start(TOKEN, &["duplicates-counted"]);
    let reports = dir.join("reports");
    let finished = check(&server, &[scenario.to_str().unwrap()], &reports);
    assert_eq!(finished.code, 1, "{}", finished.printed());
    let md = std::fs::read_to_string(reports.join("report.md")).unwrap();
    let curls = md_reproducers(&md);
    let curl = curls
        .iter()
        .find(|c| c.contains("--data-binary @"))
        .unwrap_or_else(|| panic!("no reproducer reading a body file in:\n{md}"));
    let file = reports.join("bodies");
    assert!(
        curl.contains(&file.display().to_string()),
        "{curl} does not read from {}",
        file.display()
    );
    assert!(
        std::fs::read_dir(&file).unwrap().count() == 1,
        "one body file expected"
    );
    assert_eq!(run_reproducer(curl), 201, "{curl}");
}
