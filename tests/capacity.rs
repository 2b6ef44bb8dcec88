//! `groupcheck capacity` as the planner meets it: `--threshold` judged at every size (the largest
//! size that meets it, the first that breaks it, exit 4), `--fail-on-knee`, the members listing in
//! the default flow judged by its nature (linear, its cost per 1,000 members). Against
//! `groupcheck serve` on 127.0.0.1:0, a few seconds a size. The figures asserted are far apart
//! (50 ms per 1,000 members against a threshold of 300 ms at 100, 1,000 and 10,000 members;
//! an O(n²) update against a flat expectation), so a busy machine does not flip them. Also the
//! reports a sweep of the embedded emulator writes. benches/capacity.sh sweeps the correct
//! emulator to 1,000,000 members.

mod common;

use common::{ServeProcess, groupcheck_command, run, tmp_dir};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const TOKEN: &str = "capacity-test-token";

fn capacity(server: &ServeProcess, dir: &Path, args: &[&str]) -> (i32, String, Value) {
    let mut cmd: Command = groupcheck_command();
    cmd.args([
        "capacity",
        "--target",
        &server.url,
        "--service-plan-id",
        "P",
        "-q",
    ])
    .args(args)
    .arg("--report-dir")
    .arg(dir)
    .env("SINCH_API_TOKEN", TOKEN);
    let (code, out) = run(&mut cmd);
    let text = std::fs::read_to_string(dir.join("summary.json"))
        .unwrap_or_else(|e| panic!("no summary.json ({e}): {out}"));
    (code, out, serde_json::from_str(&text).unwrap())
}

#[test]
fn a_threshold_breached_at_a_size_exits_4_naming_it_and_the_largest_size_within() {
    let server = ServeProcess::start(TOKEN, &["slow-members"]);
    let dir = tmp_dir("capacity-slow-members");
    let (code, out, s) = capacity(
        &server,
        &dir,
        &[
            "--sizes",
            "100,1000,10000",
            "--duration",
            "2s",
            "--threshold",
            "members p99<300ms",
        ],
    );
    assert_eq!(code, 4, "{out}");
    let answer = &s["thresholds"][0];
    assert_eq!(answer["threshold"], "members p99<300ms", "{answer}");
    assert_eq!(answer["largest_meeting"], 1000, "{answer}");
    assert_eq!(answer["first_breaking"], 10000, "{answer}");
    assert_eq!(s["exit_code"], 4);
    assert!(
        out.contains("\"members p99<300ms\" holds up to 1,000 members; breached at 10,000 members"),
        "{out}"
    );
    // The members listing is in the default flow, its cost per 1,000 members a column: ~50 ms.
    assert!(out.contains("per 1,000 members"), "{out}");
    let members = s["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["operation"] == "members")
        .count();
    assert_eq!(members, 3, "{s}");
    // Linear by nature, even at 50 ms per 1,000: not a knee.
    let knee = s["knees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["operation"] == "members")
        .unwrap();
    assert_eq!(knee["expected"], "linear");
    assert!(knee["knee"].is_null(), "{knee}");
    for report in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(dir.join(report)).unwrap();
        assert!(text.contains("holds up to 1,000 members"), "{report}");
    }
}

#[test]
fn the_correct_emulator_meets_the_threshold_and_has_no_knee() {
    let server = ServeProcess::start(TOKEN, &[]);
    let dir = tmp_dir("capacity-correct");
    let (code, out, s) = capacity(
        &server,
        &dir,
        &[
            "--sizes",
            "100,1000,10000",
            "--duration",
            "3s",
            "--rate",
            "80",
            "--threshold",
            "members p99<300ms",
            "--threshold",
            "errors<1%",
            "--fail-on-knee",
        ],
    );
    assert_eq!(code, 0, "{out}");
    for answer in s["thresholds"].as_array().unwrap() {
        assert_eq!(answer["largest_meeting"], 10000, "{answer}");
        assert!(answer["first_breaking"].is_null(), "{answer}");
    }
    assert!(out.contains("met at every size"), "{out}");
    assert_eq!(
        s["phases"],
        serde_json::json!(["retrieve", "update", "members"]),
        "one operation at a time by default"
    );
    assert!(s["mixed"].is_null(), "{s}");
    assert!(out.contains("one operation at a time"), "{out}");
    assert!(
        s["knees"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["knee"].is_null()),
        "{s}"
    );
}

#[test]
fn fail_on_knee_exits_4_against_a_quadratic_update() {
    let server = ServeProcess::start(TOKEN, &["quadratic-update"]);
    let dir = tmp_dir("capacity-quadratic");
    let (code, out, s) = capacity(
        &server,
        &dir,
        &[
            "--sizes",
            "100,2000",
            "--duration",
            "3s",
            "--rate",
            "60",
            "--fail-on-knee",
        ],
    );
    assert_eq!(code, 4, "{out}");
    let update = s["knees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["operation"] == "update")
        .unwrap();
    assert_eq!(update["expected"], "flat");
    assert_eq!(update["knee"]["size"], 2000, "{update}");
    assert!(out.contains("update: knee at 2,000 members"), "{out}");
}

#[test]
fn too_few_samples_are_said_and_not_judged() {
    let server = ServeProcess::start(TOKEN, &["quadratic-update"]);
    let dir = tmp_dir("capacity-thin");
    let (code, out, s) = capacity(
        &server,
        &dir,
        &[
            "--sizes",
            "100,2000",
            "--duration",
            "1s",
            "--rate",
            "20",
            "--fail-on-knee",
            "--mixed",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("fewer than the 50 a knee needs"), "{out}");
    assert_eq!(s["phases"], serde_json::json!([]), "--mixed: together");
    assert!(s["mixed"].as_str().unwrap().contains("--mixed"), "{s}");
    assert!(
        s["knees"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["knee"].is_null()),
        "{s}"
    );
}

#[test]
fn a_bad_threshold_is_a_usage_error() {
    let server = ServeProcess::start(TOKEN, &[]);
    let (code, out) = run(groupcheck_command()
        .args([
            "capacity",
            "--target",
            &server.url,
            "--service-plan-id",
            "P",
        ])
        .args(["--threshold", "membres p99<1s"])
        .env("SINCH_API_TOKEN", TOKEN));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not an operation"), "{out}");
}

/// Against the embedded emulator (no `--target`): the table, chart.svg, summary.json with a point
/// per operation and size, and the HTML and Markdown reports.
#[test]
fn capacity_writes_a_table_a_chart_and_the_knees() {
    let dir = tmp_dir("capacity");
    let (code, out) = run(groupcheck_command()
        .args([
            "capacity",
            "--sizes",
            "10,100",
            "--rate",
            "30",
            "--duration",
            "1s",
            "-q",
        ])
        .arg("--report-dir")
        .arg(&dir));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("p99.9") && out.contains("update:"), "{out}");
    let svg = std::fs::read_to_string(dir.join("chart.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("members in the group"),
        "{svg}"
    );
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["kind"], "capacity");
    let points = s["points"].as_array().unwrap();
    for size in [10, 100] {
        for op in ["retrieve", "update", "members"] {
            assert!(
                points.iter().any(|p| p["size"] == size
                    && p["operation"] == op
                    && p["count"].as_u64() > Some(0)),
                "{op} at {size}: {points:?}"
            );
        }
    }
    assert_eq!(s["knees"].as_array().unwrap().len(), 3); // retrieve, update, members
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("knee"), "html");
    assert!(
        std::fs::read_to_string(dir.join("report.md"))
            .unwrap()
            .contains("| operation |")
    );
}
