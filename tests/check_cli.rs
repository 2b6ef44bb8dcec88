//! `groupcheck check` as a CI user meets it: exit codes 0/1/2/3, a failure that names the rule,
//! the step and the diff, the token never printed, and `cleanup` from a ledger.

mod common;

use common::{ServeProcess, groupcheck, groupcheck_command, tmp_dir};
use std::path::Path;
use std::process::{Command, Stdio};

const TOKEN: &str = "s3cret-token-for-tests";

fn scenario() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/update/add-before-remove.yaml")
        .display()
        .to_string()
}

/// `check` of the test scenario against `server`, its reports into `reports`.
fn check_scenario(server: &ServeProcess, reports: &std::path::Path) -> (i32, String) {
    groupcheck(
        &[
            "check",
            &scenario(),
            "--target",
            &server.url,
            "--service-plan-id",
            "P1",
            "--token",
            TOKEN,
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    )
}

#[test]
fn a_broken_must_rule_exits_1_naming_rule_step_and_diff() {
    let server = ServeProcess::start(TOKEN, &["removes-before-adds"]);
    let reports = tmp_dir("broken");
    let (code, out) = check_scenario(&server, &reports);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL update.add-before-remove [must]"),
        "{out}"
    );
    assert!(
        out.contains("add-before-remove.yaml:"),
        "names the file and line: {out}"
    );
    assert!(
        out.contains("\"add two, remove one of them\""),
        "names the step: {out}"
    );
    assert!(
        out.contains("--- expected") && out.contains("+++ actual"),
        "shows a diff: {out}"
    );
    assert!(
        out.contains("-  \"size\": 3") && out.contains("+  \"size\": 4"),
        "{out}"
    );
    assert!(out.contains("curl -i -X POST"), "gives a reproducer: {out}");
    assert!(!out.contains(TOKEN), "the token never prints");
    for file in std::fs::read_dir(&reports).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(!text.contains(TOKEN), "the token never reaches a report");
    }
}

#[test]
fn a_correct_target_passes_with_exit_0() {
    let server = ServeProcess::start(TOKEN, &[]);
    let reports = tmp_dir("ok");
    let (code, out) = check_scenario(&server, &reports);
    assert_eq!(code, 0, "{out}");
    assert!(reports.join("summary.json").exists());
    assert!(reports.join("ledger.jsonl").exists());
}

#[test]
fn an_unreachable_target_exits_3() {
    let reports = tmp_dir("unreachable");
    let (code, out) = groupcheck(
        &[
            "check",
            &scenario(),
            "--target",
            "http://127.0.0.1:1",
            "--service-plan-id",
            "P",
            "--token",
            "T",
            "--connect-timeout",
            "2",
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("unreachable"), "{out}");
}

#[test]
fn a_malformed_scenario_exits_2_with_file_line_and_column() {
    let dir = tmp_dir("malformed");
    let file = dir.join("bad.yaml");
    std::fs::write(
        &file,
        "name: bad\nsteps:\n  - request: create\n    expect:\n      status: [201, x]\n",
    )
    .unwrap();
    let (code, out) = groupcheck(&["check", file.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad.yaml:5:"), "{out}");
    let (code, out) = groupcheck(
        &[
            "check",
            "--target",
            "http://x",
            "scenarios/update/add-before-remove.yaml",
        ],
        &[],
    );
    assert_eq!(
        code, 2,
        "a remote target without plan and token is a usage error: {out}"
    );
}

#[test]
fn cleanup_deletes_exactly_what_the_ledger_left() {
    let server = ServeProcess::start(TOKEN, &[]);
    let client = reqwest::blocking::Client::new();
    let groups = format!("{}/xms/v1/P9/groups", server.url);
    let create = |name: &str| -> String {
        let r: serde_json::Value = client
            .post(&groups)
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"name": name}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        r["id"].as_str().unwrap().to_owned()
    };
    let (ours, deleted, foreign) = (create("ours"), create("gone"), create("not-ours"));
    let dir = tmp_dir("cleanup");
    let ledger = dir.join("ledger.jsonl");
    let line = |event: &str, id: &str| {
        format!(
            r#"{{"event":"{event}","base_url":"{}","service_plan_id":"P9","id":"{id}","scenario":"s"}}"#,
            server.url
        )
    };
    std::fs::write(
        &ledger,
        [
            line("created", &ours),
            line("created", &deleted),
            format!(r#"{{"event":"deleted","service_plan_id":"P9","id":"{deleted}"}}"#),
        ]
        .join("\n"),
    )
    .unwrap();
    let (code, out) = groupcheck(
        &[
            "cleanup",
            "--ledger",
            ledger.to_str().unwrap(),
            "--target",
            &server.url,
            "--service-plan-id",
            "P9",
            "--token",
            TOKEN,
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    let status = |id: &str| {
        client
            .get(format!("{groups}/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status(&ours), 404, "the outstanding group is deleted");
    assert_eq!(
        status(&foreign),
        200,
        "a group the ledger does not name is untouched"
    );
    let (code, out) = groupcheck(
        &[
            "cleanup",
            "--ledger",
            ledger.to_str().unwrap(),
            "--target",
            &server.url,
            "--service-plan-id",
            "P9",
            "--token",
            TOKEN,
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("nothing to delete"),
        "the ledger records the cleanup: {out}"
    );
}

#[test]
fn ctrl_c_deletes_every_group_in_the_ledger_and_nothing_else() {
    let server = ServeProcess::start(TOKEN, &[]);
    let client = reqwest::blocking::Client::new();
    let groups = format!("{}/xms/v1/P7/groups", server.url);
    let foreign: serde_json::Value = client
        .post(&groups)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"name": "not-ours"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let dir = tmp_dir("sigint");
    let scenario = dir.join("slow.yaml");
    std::fs::write(
        &scenario,
        "name: many creates\nsteps:\n  - request: create\n    repeat: 100000\n    body: {name: \"{uniq}-{i}\", members: [\"46700000001\"]}\n",
    )
    .unwrap();
    let child = groupcheck_command()
        .args([
            "check",
            scenario.to_str().unwrap(),
            "--target",
            &server.url,
            "--service-plan-id",
            "P7",
            "--token",
            TOKEN,
            "--quiet",
        ])
        .arg("--report-dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ledger = dir.join("ledger.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&ledger).map_or(0, |t| t.lines().count()) < 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never created groups"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an interrupted run exits 3: {stderr}"
    );
    let text = std::fs::read_to_string(&ledger).unwrap();
    let mut created = Vec::new();
    let mut deleted = std::collections::HashSet::new();
    for line in text.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = entry["id"].as_str().unwrap().to_owned();
        match entry["event"].as_str() {
            Some("created") => created.push(id),
            _ => {
                deleted.insert(id);
            }
        }
    }
    assert!(created.len() >= 20);
    for id in &created {
        assert!(deleted.contains(id), "{id} was created and not deleted");
        let status = client
            .get(format!("{groups}/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 404, "{id} still exists");
    }
    let list: serde_json::Value = client
        .get(&groups)
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        list["count"], 1,
        "only the group the run did not create is left: {list}"
    );
    assert_eq!(list["groups"][0]["id"], foreign["id"]);
}
