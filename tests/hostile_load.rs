//! `groupcheck load` against the hostile server of tests/hostile/mod.rs: it sends its requests
//! over connections of its own (src/client/lane.rs), so it must be as sturdy as `check`
//! (tests/hostile_target.rs). Each mode is met in the flow's setup and in its measured steps.

mod common;
mod hostile;

use common::{groupcheck_command, run_guarded, tmp_dir};
use hostile::{Creates, Hostile, PLAN, TOKEN, assert_no_token_in_files};
use std::time::Duration;

/// Generous hang guard for one groupcheck run.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// The modes a load run meets: one or more of each kind of misbehaviour.
const LOAD_MODES: &[&str] = &[
    "stall",
    "trickle-body",
    "endless-100-continue",
    "reset",
    "close-mid-body",
    "close-mid-chunk",
    "not-json",
    "echo-token",
    "endless-chunked",
    "endless-close-delimited",
    "huge-length",
    "huge-head",
    "garbage",
    "429-forever",
];

/// Where a load run meets the mode.
#[derive(Debug, Clone, Copy)]
enum Meets {
    /// The flow's setup: its create is answered as the mode misbehaves.
    Setup,
    /// The measured steps: the create is answered properly, every retrieve as the mode.
    Steps,
}

/// `groupcheck load` of scenarios/load/retrieve.yaml against a hostile server, for 2 s with 2
/// users and a 1 s timeout, the token from the environment: it ends within the hang guard, without
/// a panic, with the token in none of its output and files, and a summary.json (when written)
/// that parses. Met in the setup, the mode stops the run (exit 3, "setup failed"); met in the
/// steps, each answer counts as an error or a violation and the run passes (exit 0: no
/// threshold is set).
fn assert_load_survives(mode: &'static str, meets: Meets) {
    let what = format!("load, {mode} in the {meets:?}");
    let server = Hostile::start_with(
        None,
        match meets {
            Meets::Setup => Creates::AsMode(mode),
            Meets::Steps => Creates::GroupWithId(mode),
        },
    );
    let reports = tmp_dir(&format!("load-{mode}-{meets:?}")).join("reports");
    let run = run_guarded(
        groupcheck_command()
            .args(["load", "--target", &server.url(), "--service-plan-id", PLAN])
            .args(["--flow", "scenarios/load/retrieve.yaml"])
            .args([
                "--users",
                "2",
                "--duration",
                "2s",
                "--timeout",
                "1",
                "--quiet",
            ])
            .arg("--report-dir")
            .arg(&reports)
            .env("SINCH_API_TOKEN", TOKEN),
        HANG_GUARD,
    );
    let seen = server.requests();
    let met = seen.iter().any(|r| match meets {
        Meets::Setup => r.method == "POST",
        Meets::Steps => {
            r.method == "GET"
                && r.target
                    .starts_with(&format!("/xms/v1/{PLAN}/groups/{mode}~"))
        }
    });
    // Shown (and quoted by the assertions) with the token marked, should it be there.
    let printed = run.printed().replace(TOKEN, "<THE TOKEN>");
    println!(
        "{what}: exit {} after {:?}, peak memory {} KiB\n{printed}",
        run.code, run.elapsed, run.max_rss_kib
    );
    assert!(!printed.contains("panicked"), "{what}: a panic:\n{printed}");
    assert!(met, "{what}: the run never met the mode\n{printed}");
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        seen.iter()
            .all(|r| r.authorization.as_deref() == Some(bearer.as_str())),
        "{what}: every request carried the token (so an echo of it is a real one)"
    );
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "{what}: the token is in the console output"
    );
    if reports.exists() {
        assert_no_token_in_files(&what, &reports);
    }
    let summary_path = reports.join("summary.json");
    let summary: Option<serde_json::Value> = summary_path.exists().then(|| {
        let text = std::fs::read_to_string(&summary_path).unwrap();
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{what}: summary.json is not JSON ({e}):\n{text}"))
    });
    if let Some(summary) = &summary {
        assert_eq!(
            summary["exit_code"], run.code,
            "{what}: summary.json's exit code"
        );
    }
    match meets {
        Meets::Setup => {
            assert_eq!(run.code, 3, "{what}: exit code\n{printed}");
            assert!(
                printed.contains("setup failed"),
                "{what}: the reason is given\n{printed}"
            );
            if let Some(summary) = &summary {
                assert!(
                    summary["aborted"]
                        .as_str()
                        .is_some_and(|a| a.contains("setup failed")),
                    "{what}: summary.json says the setup failed: {}",
                    summary["aborted"]
                );
            }
        }
        Meets::Steps => {
            let summary = summary
                .unwrap_or_else(|| panic!("{what}: no summary.json in {}", reports.display()));
            let totals = &summary["totals"];
            let count = |key: &str| totals[key].as_u64().unwrap_or(0);
            let failed = count("transport_errors") + count("http_errors");
            assert!(
                failed + count("violations") > 0,
                "{what}: the hostile answers were counted as errors or violations: {totals}"
            );
            // No threshold is set: a run passes unless not one request succeeded, which ends
            // it as unreachable.
            if failed >= count("requests") {
                assert_eq!(run.code, 3, "{what}: exit code\n{printed}");
                assert!(
                    summary["aborted"]
                        .as_str()
                        .is_some_and(|a| a.contains("succeeded")),
                    "{what}: summary.json says why: {}",
                    summary["aborted"]
                );
            } else {
                assert_eq!(run.code, 0, "{what}: exit code\n{printed}");
            }
        }
    }
}

#[test]
fn load_survives_every_hostile_mode() {
    // `load` sends its requests over connections of its own: it must be as sturdy as `check`.
    let mut wrong = Vec::new();
    for &mode in LOAD_MODES {
        for meets in [Meets::Setup, Meets::Steps] {
            if std::panic::catch_unwind(|| assert_load_survives(mode, meets)).is_err() {
                wrong.push(format!("{mode} in the {meets:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "load did not survive {wrong:?} (why: above)"
    );
}
