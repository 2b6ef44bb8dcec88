//! The official Sinch Node SDK against `groupcheck serve`, run from `cargo test`:
//! `node_sdk_runs_all_seven_operations` starts `serve` on an ephemeral loopback port with a random
//! token and runs `node tests/node/groups.js` (`@sinch/sms@1.4.0` with `@sinch/sdk-core@1.4.0`,
//! pinned by `tests/node/package-lock.json`: the newest sdk-core pins sub-packages the registry
//! does not have), then asserts the `RESULT {json}` line it prints last: statuses, members without
//! `+`, the name cleared by `name: null`, 404 after delete as the SDK reports it.
//!
//! A missing `node`, or modules missing or not at the pinned versions, FAILS the test (it never
//! skips): run `scripts/test`, which runs `npm ci --prefix tests/node`.

mod common;

use common::{ServeProcess, run_guarded};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const INSTALL_HINT: &str =
    "run scripts/test (it runs `npm ci --prefix tests/node`; node and npm must be installed)";
/// Longest the script may run before it is killed and the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
/// The pinned versions (tests/node/package.json).
const PINS: &[(&str, &str)] = &[("@sinch/sms", "1.4.0"), ("@sinch/sdk-core", "1.4.0")];

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Fail (never skip) unless node runs and the pinned modules are installed at their versions.
fn require_node_modules() {
    let version = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}); {INSTALL_HINT}"));
    assert!(
        version.status.success(),
        "`node --version` failed; {INSTALL_HINT}"
    );
    let problems: Vec<String> = PINS
        .iter()
        .filter_map(|(name, want)| {
            let file = node_dir()
                .join("node_modules")
                .join(name)
                .join("package.json");
            let have = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v["version"].as_str().map(str::to_owned));
            match have {
                Some(h) if h == *want => None,
                Some(h) => Some(format!("{name} is {h}, expected {want}")),
                None => Some(format!("{name}@{want} is not installed in tests/node")),
            }
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{}; {INSTALL_HINT}",
        problems.join("; ")
    );
}

#[test]
fn node_sdk_runs_all_seven_operations() {
    require_node_modules();
    let token = format!("tok-{:032x}", rand::random::<u128>());
    let server = ServeProcess::start(&token, &[]);
    let run = run_guarded(
        Command::new("node")
            .arg(node_dir().join("groups.js"))
            .current_dir(node_dir())
            .env("GROUPCHECK_URL", &server.url)
            .env("GROUPCHECK_TOKEN", &token)
            .stdin(Stdio::null()),
        SCRIPT_TIMEOUT,
    );
    drop(server);
    assert_eq!(run.code, 0, "groups.js failed\n{}", run.printed());
    let result: Value = run
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| panic!("no RESULT line\n{}", run.printed()));
    assert_eq!(result["sdk"], json!({"sms": "1.4.0", "core": "1.4.0"}));
    // create and retrieve: the same group, 3 unique members of 4 spellings.
    assert_eq!(result["create"]["size"], 3, "{result}");
    assert_eq!(result["get"], result["create"], "{result}");
    // list: newest first.
    assert_eq!(
        result["list"]["ids"], result["list"]["expected"],
        "{result}"
    );
    // update: adds before removes; the name kept without `name`, cleared by `name: null`.
    assert_eq!(
        result["update"],
        json!({"size": 3, "name": "Node SDK group"})
    );
    assert_eq!(result["update_name_null"]["name"], Value::Null, "{result}");
    // members: normalised, without '+'.
    let members = result["members"].as_array().expect("members");
    assert_eq!(members.len(), 3, "{result}");
    assert!(
        members.iter().all(|m| m
            .as_str()
            .is_some_and(|m| !m.starts_with('+') && !m.starts_with("00"))),
        "{result}"
    );
    // replace, a wrong token, delete then 404.
    assert_eq!(result["replace"], json!({"name": "Replaced", "size": 2}));
    assert_eq!(result["wrong_token_status"], 401, "{result}");
    assert_eq!(result["get_after_delete_status"], 404, "{result}");
    assert!(!run.stdout.contains(&token), "the SDK's log shows no token");
}
