//! Tokens never reach an artifact (DESIGN.md §6): a check run that fails with many findings, each
//! with a curl reproducer, against `groupcheck serve --fault ...`, with known tokens given as flags
//! and as environment variables; then every artifact is searched for them: the console (stdout
//! and stderr), every file the run wrote (summary.json, junit.xml, report.md, report.html, the
//! ledger), the emulator's request log; the same for `explore` (its reproducer file), `cleanup`
//! and `selftest` (whose own random tokens must not show either).

mod common;

use common::{ServeProcess, files_under, groupcheck, tmp_dir};
use std::io::Read;
use std::path::Path;

const TOKEN: &str = "tok-SECRET-5f1d8c2a9e7b4c30";
const SECOND_TOKEN: &str = "tok-SECOND-a83b7e0d41c29f56";

/// Faults that make findings in many scenarios: wrong statuses, wrong bodies, wrong error bodies,
/// ignored auth, shared plans.
const FAULTS: &[&str] = &[
    "removes-before-adds",
    "error-body-envelope",
    "soft-delete",
    "create-returns-200",
    "auth-ignored",
    "plans-share-store",
    "members-with-plus",
    "list-oldest-first",
];

/// Neither token, nor a tell-tale part of one, appears in `text`.
fn assert_clean(what: &str, text: &str) {
    for secret in [TOKEN, SECOND_TOKEN] {
        assert!(!text.contains(secret), "a token is in {what}");
        // Also a recognisable half: a token cut, escaped or split would still leak.
        let half = &secret[secret.len() / 2..];
        assert!(!text.contains(half), "part of a token is in {what}");
    }
}

fn assert_dir_clean(dir: &Path) -> usize {
    let all = files_under(dir);
    for file in &all {
        let mut bytes = Vec::new();
        std::fs::File::open(file)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_clean(
            &file.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
    all.len()
}

/// The scenario directories of the conformance suite (not those of other commands).
fn suite() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "load"))
        .map(|p| p.display().to_string())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn a_failing_check_leaks_no_token_anywhere() {
    let server = ServeProcess::start_logging(TOKEN, FAULTS);
    let suite = suite();
    // Once with the tokens as flags, once from the environment.
    for (name, by_flag) in [("flags", true), ("env", false)] {
        let reports = tmp_dir(&format!("check-{name}"));
        let mut args: Vec<&str> = vec!["check"];
        args.extend(suite.iter().map(String::as_str));
        args.extend(["--target", &server.url, "--service-plan-id", "P1"]);
        args.extend(["--second-service-plan-id", "P2"]);
        args.extend(["--report-dir", reports.to_str().unwrap()]);
        let envs: Vec<(&str, &str)> = if by_flag {
            args.extend(["--token", TOKEN, "--second-token", SECOND_TOKEN]);
            vec![]
        } else {
            vec![
                ("SINCH_API_TOKEN", TOKEN),
                ("SINCH_SECOND_API_TOKEN", SECOND_TOKEN),
            ]
        };
        let (code, out) = groupcheck(&args, &envs);
        assert_eq!(code, 1, "the faults make findings: {out}");
        assert!(
            out.contains("curl -i -X") && out.contains("$SINCH_API_TOKEN"),
            "findings carry reproducers that name the variable, not the value"
        );
        assert_clean("the console output", &out);
        let summary = std::fs::read_to_string(reports.join("summary.json")).unwrap();
        assert!(
            summary.matches("\"reproducer\"").count() > 10,
            "many findings with reproducers were searched"
        );
        for file in [
            "summary.json",
            "junit.xml",
            "report.md",
            "report.html",
            "ledger.jsonl",
        ] {
            assert!(reports.join(file).exists(), "{file} was written");
        }
        assert_dir_clean(&reports);
    }
    // `--help` and a usage error with a token on the command line do not echo it either.
    let (code, out) = groupcheck(
        &["check", "--token", TOKEN, "--target", "http://127.0.0.1:9"],
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert_clean("a usage error", &out);
    let (_, out) = groupcheck(&["check", "--help"], &[("SINCH_API_TOKEN", TOKEN)]);
    assert_clean("--help with the token in the environment", &out);
    assert_clean("the emulator's request log", &server.log());
}

#[test]
fn explore_and_cleanup_leak_no_token() {
    let server = ServeProcess::start_logging(TOKEN, &["removes-before-adds"]);
    let reports = tmp_dir("explore");
    let (code, out) = groupcheck(
        &[
            "explore",
            "--target",
            &server.url,
            "--service-plan-id",
            "P3",
            "--seed",
            "7",
            "--runs",
            "40",
            "--no-concurrency",
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[("SINCH_API_TOKEN", TOKEN)],
    );
    assert_eq!(code, 1, "explore finds removes-before-adds: {out}");
    assert!(out.contains("reproducer:"), "{out}");
    assert_clean("explore's output", &out);
    let written = files_under(&reports);
    assert!(
        written
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "yaml")),
        "the reproducer file was written: {written:?}"
    );
    assert_dir_clean(&reports);
    // Cleanup from explore's ledger: prints ids, never the token.
    let ledger = reports.join("ledger.jsonl");
    if ledger.exists() {
        let (code, out) = groupcheck(
            &[
                "cleanup",
                "--ledger",
                ledger.to_str().unwrap(),
                "--target",
                &server.url,
                "--service-plan-id",
                "P3",
                "--token",
                TOKEN,
            ],
            &[],
        );
        assert_eq!(code, 0, "{out}");
        assert_clean("cleanup's output", &out);
        assert_dir_clean(&reports);
    }
    assert_clean("the emulator's request log", &server.log());
}

#[test]
fn the_embedded_emulator_and_selftest_tokens_stay_private() {
    // Their tokens are random (gc-<32 hex>, gc-selftest-<32 hex>): no output may show one.
    let token_like = regex::Regex::new(r"gc-(selftest-)?[0-9a-f]{32}").unwrap();
    let reports = tmp_dir("embedded");
    let (code, out) = groupcheck(
        &[
            "check",
            "scenarios/auth",
            "scenarios/update",
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!token_like.is_match(&out), "{out}");
    for file in files_under(&reports) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!token_like.is_match(&text), "{}", file.display());
    }
    let reports = tmp_dir("selftest");
    let (code, out) = groupcheck(
        &[
            "selftest",
            "scenarios/update/add-before-remove.yaml",
            "--fault",
            "removes-before-adds",
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
    assert!(code == 0 || code == 1, "{out}");
    assert!(!token_like.is_match(&out), "{out}");
    for file in files_under(&reports) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!token_like.is_match(&text), "{}", file.display());
    }
}
