//! Running `groupcheck check` against the hostile server, and the common verdict on a run: used
//! by tests/hostile_target.rs and tests/hostile_limits.rs.

use super::{Hostile, PLAN, TOKEN, assert_no_token_in_files};
use crate::common::{groupcheck_command, run_guarded, tmp_dir};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Generous hang guard for one groupcheck run.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A `groupcheck check` run of a mode and where it wrote its reports.
pub struct Run {
    /// The mode, named by every assertion on the run.
    pub mode: String,
    pub code: i32,
    /// stdout and stderr, labelled.
    pub out: String,
    pub elapsed: Duration,
    /// Peak resident memory of the groupcheck process, in KiB.
    pub max_rss_kib: i64,
    pub reports: PathBuf,
}

/// A scenario of one retrieve of `/groups/{mode}`.
pub fn scenario(dir: &Path, mode: &str) -> PathBuf {
    let file = dir.join(format!("{mode}.yaml"));
    std::fs::write(
        &file,
        format!(
            "name: hostile {mode}\nrules: [http.answers]\nsteps:\n  - name: retrieve through a hostile answer\n    request: retrieve\n    group: \"{mode}\"\n"
        ),
    )
    .unwrap();
    file
}

/// Run groupcheck with `args` and `envs` under the hang guard; returns its exit code, output,
/// time and peak memory.
pub fn groupcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, Duration, i64) {
    let run = run_guarded(
        groupcheck_command().args(args).envs(envs.iter().copied()),
        HANG_GUARD,
    );
    (run.code, run.printed(), run.elapsed, run.max_rss_kib)
}

/// `groupcheck check FILE` against `url` with the test plan and token, its reports into
/// `reports`, `extra` arguments last.
pub fn check_file(
    url: &str,
    file: &Path,
    reports: &Path,
    extra: &[&str],
) -> (i32, String, Duration, i64) {
    let mut args = vec![
        "check",
        file.to_str().unwrap(),
        "--target",
        url,
        "--service-plan-id",
        PLAN,
        "--token",
        TOKEN,
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    groupcheck(&args, &[])
}

/// `groupcheck check` of the one-step scenario for `mode` against `server`.
pub fn check_mode(server: &Hostile, mode: &str, extra: &[&str]) -> Run {
    let dir = tmp_dir(mode);
    let file = scenario(&dir, mode);
    let reports = dir.join("reports");
    let mut args = Vec::new();
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "2"]);
    }
    args.extend_from_slice(extra);
    let (code, out, elapsed, max_rss_kib) = check_file(&server.url(), &file, &reports, &args);
    Run {
        mode: mode.to_owned(),
        code,
        out,
        elapsed,
        max_rss_kib,
        reports,
    }
}

/// Every artifact of a run: console output and every file of the report directory.
pub fn assert_no_token(run: &Run) {
    let mode = &run.mode;
    assert!(
        !run.out.contains(TOKEN),
        "{mode}: the token is in the console output"
    );
    assert_no_token_in_files(mode, &run.reports);
}

/// The common verdict on `mode`: exit 1, the rule named, the message shown, no panic, no token,
/// and the summary records the finding.
pub fn assert_failed_with(run: &Run, rule: &str, message: &[&str]) {
    let mode = &run.mode;
    println!(
        "{mode}: peak memory {} KiB, {:?}",
        run.max_rss_kib, run.elapsed
    );
    assert_eq!(run.code, 1, "{mode}: exit code; output:\n{}", run.out);
    assert!(
        !run.out.contains("panicked"),
        "{mode}: groupcheck panicked:\n{}",
        run.out
    );
    assert!(
        run.out.contains(rule),
        "{mode}: the rule {rule} is named:\n{}",
        run.out
    );
    assert!(
        message.iter().any(|m| run.out.contains(m)),
        "{mode}: one of {message:?} in the output:\n{}",
        run.out
    );
    assert!(run.elapsed < HANG_GUARD, "{mode}: took {:?}", run.elapsed);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.reports.join("summary.json")).unwrap()).unwrap();
    let rules: Vec<&str> = summary["scenarios"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&rule),
        "{mode}: summary.json records {rule}: {rules:?}"
    );
    for f in summary["scenarios"][0]["findings"].as_array().unwrap() {
        // Shown with --nocapture: the messages docs/robustness.md quotes.
        println!("{mode}: {}: {}", f["rule"], f["message"]);
    }
    for file in ["junit.xml", "report.md", "report.html", "ledger.jsonl"] {
        assert!(
            run.reports.join(file).exists(),
            "{mode}: {file} was written"
        );
    }
    assert_no_token(run);
}

/// A misbehaviour and the verdict `groupcheck check` must give on it: exit 1 naming `rule`, with
/// one of `messages` in the output (several where the wording depends on the moment the
/// connection broke); `flags` go beside the usual ones.
pub struct Case {
    pub mode: &'static str,
    pub rule: &'static str,
    pub messages: &'static [&'static str],
    pub flags: &'static [&'static str],
}

impl Case {
    pub const fn new(
        mode: &'static str,
        rule: &'static str,
        messages: &'static [&'static str],
    ) -> Case {
        Case {
            mode,
            rule,
            messages,
            flags: &[],
        }
    }

    pub const fn with(self, flags: &'static [&'static str]) -> Case {
        Case { flags, ..self }
    }
}

/// `groupcheck check` of every case against one hostile server, each held to the common verdict
/// ([`assert_failed_with`]). Every case runs; then the test fails naming each mode whose verdict
/// was wrong (each one's own failure is printed above).
pub fn check_cases(cases: &[Case]) {
    let server = Hostile::start();
    let wrong: Vec<&str> = cases
        .iter()
        .filter(|case| {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                let run = check_mode(&server, case.mode, case.flags);
                assert_failed_with(&run, case.rule, case.messages);
            }))
            .is_err()
        })
        .map(|case| case.mode)
        .collect();
    assert!(
        wrong.is_empty(),
        "wrong verdict on the hostile modes {wrong:?} (why: above)"
    );
}
