//! Python clients against the emulator, run from `cargo test`:
//!
//! * `python_sdk_runs_all_seven_operations`: the official Sinch Python SDK (`sinch==2.3.0`) through
//!   all seven Groups operations (`tests/python/sdk_all_operations.py`).
//! * `schemathesis_finds_no_failure`: Schemathesis with `specs/openapi.yaml`
//!   (`tests/python/run_schemathesis.py`: `--checks all`, phases examples, coverage, fuzzing,
//!   stateful, fixed seed, 25 examples) finds nothing against each server of [`CLEAN_SERVERS`].
//! * `schemathesis_reports_schema_visible_faults`: the same run reports at least one finding
//!   against `serve --fault F` for each fault of [`SCHEMA_VISIBLE_FAULTS`].
//!
//! Each run starts `groupcheck serve` on an ephemeral loopback port with a random token, runs the
//! script with `python3` (or `$PYTHON`) and checks its exit code (and, for Schemathesis, the
//! `SUMMARY cases=.. findings=..` line it prints last). A missing interpreter or a
//! package that is missing or not at the version pinned in `tests/python/requirements.txt` FAILS
//! the test (it never skips): run `pip install -r tests/python/requirements.txt`.

mod common;

use common::{Finished, ServeProcess, run_guarded};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const INSTALL_HINT: &str = "run `pip install -r tests/python/requirements.txt`";
/// Longest a Python script may run before it is killed and the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn python() -> String {
    std::env::var("PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// `name==version` pins of tests/python/requirements.txt.
fn pinned_requirements() -> Vec<(String, String)> {
    let path = python_dir().join("requirements.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, version) = l
                .split_once("==")
                .unwrap_or_else(|| panic!("requirements.txt: {l:?} is not pinned with =="));
            (name.trim().to_owned(), version.trim().to_owned())
        })
        .collect()
}

/// Fail (never skip) unless the interpreter runs and has every pinned package at its version.
fn require_python_packages() {
    let pins = pinned_requirements();
    let names: Vec<&str> = pins.iter().map(|(n, _)| n.as_str()).collect();
    let probe = format!(
        "import importlib.metadata as m
for n in {names:?}:
    try:
        print(n, m.version(n))
    except m.PackageNotFoundError:
        print(n, '-')
"
    );
    let python = python();
    let output = Command::new(&python)
        .args(["-c", &probe])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the Python interpreter {python:?} ({e}); install Python 3 or set \
                 PYTHON, then {INSTALL_HINT}"
            )
        });
    assert!(
        output.status.success(),
        "{python:?} failed to list packages ({}):\n{}\n{INSTALL_HINT}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let installed: Vec<(&str, &str)> = stdout.lines().filter_map(|l| l.split_once(' ')).collect();
    let problems: Vec<String> = pins
        .iter()
        .filter_map(|(name, want)| {
            let have = installed
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .unwrap_or("-");
            match have {
                h if h == want => None,
                "-" => Some(format!("{name}=={want} is not installed")),
                h => Some(format!("{name} is {h}, expected {want}")),
            }
        })
        .collect();
    assert!(
        problems.is_empty(),
        "Python packages for this test are missing or at the wrong version for {python:?}: {}; \
         {INSTALL_HINT}",
        problems.join("; ")
    );
}

/// `serve` arguments of the servers Schemathesis must find nothing against: the emulator as it is,
/// and with every liberty (answers the documents leave open, docs/openapi.md).
const CLEAN_SERVERS: &[(&str, &[&str])] =
    &[("default", &[]), ("every liberty", &["--liberty", "all"])];

/// Faults whose answers contradict what specs/openapi.yaml declares (statuses, schemas, auth,
/// use after delete, rejected input, media type): Schemathesis must report each.
const SCHEMA_VISIBLE_FAULTS: &[&str] = &[
    "auth-ignored",
    "create-returns-200",
    "content-type-ignored",
    "soft-delete",
    "bad-msisdn-dropped",
    "long-name-truncated",
    "error-body-envelope",
];

/// Run a script of tests/python with the interpreter against `groupcheck serve` with a random
/// token and `serve_args` (the script gets two arguments: the base URL and the token), to its end
/// within [`SCRIPT_TIMEOUT`] (beyond it, it is killed and the test fails).
fn run_script(script: &str, serve_args: &[&str]) -> Finished {
    require_python_packages();
    let token = format!("tok-{:032x}", rand::random::<u128>());
    let emulator = ServeProcess::start_with_args(&token, serve_args);
    let python = python();
    let path = python_dir().join(script);
    let run = run_guarded(
        Command::new(&python)
            .arg(&path)
            .args([&emulator.url, &token])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null()),
        SCRIPT_TIMEOUT,
    );
    drop(emulator);
    run
}

/// [`run_script`] against the plain emulator; the script must exit 0.
fn run_against_emulator(script: &str) {
    let run = run_script(script, &[]);
    assert!(
        run.code == 0,
        "{script} failed (exit code {}) after {:.1?}\n{}",
        run.code,
        run.elapsed,
        run.printed()
    );
    println!("{script} passed in {:.1?}\n{}", run.elapsed, run.printed());
}

/// The `SUMMARY ...` line of run_schemathesis.py and its `findings=` count.
fn schemathesis_summary(run: &Finished) -> (String, Option<u64>) {
    let line = run
        .stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("SUMMARY "))
        .unwrap_or("SUMMARY (none printed)")
        .to_owned();
    let findings = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("findings="))
        .and_then(|n| n.parse().ok());
    (line, findings)
}

#[test]
fn python_sdk_runs_all_seven_operations() {
    run_against_emulator("sdk_all_operations.py");
}

#[test]
fn schemathesis_finds_no_failure() {
    let mut problems = Vec::new();
    for (name, args) in CLEAN_SERVERS {
        let run = run_script("run_schemathesis.py", args);
        let (summary, findings) = schemathesis_summary(&run);
        println!(
            "schemathesis vs serve {name} ({args:?}): exit {}, {summary}",
            run.code
        );
        if run.code != 0 || findings != Some(0) {
            problems.push(format!(
                "serve {name} {args:?}: exit code {}, {summary}\n{}",
                run.code,
                run.printed()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn schemathesis_reports_schema_visible_faults() {
    let mut missed = Vec::new();
    for fault in SCHEMA_VISIBLE_FAULTS {
        let run = run_script("run_schemathesis.py", &["--fault", fault]);
        let (summary, findings) = schemathesis_summary(&run);
        println!(
            "schemathesis vs serve --fault {fault}: exit {}, {summary}",
            run.code
        );
        // Exit code 1 is Schemathesis' "failures found"; anything else is an error of the run.
        if run.code != 1 || findings.unwrap_or(0) == 0 {
            missed.push(format!(
                "--fault {fault}: exit code {}, {summary}\n{}",
                run.code,
                run.printed()
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}
