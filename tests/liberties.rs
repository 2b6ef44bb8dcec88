//! A gate must never fail a server that follows the documents (DESIGN.md §5): against
//! `groupcheck serve --liberty X`, for every liberty of the catalogue one at a time and for all of
//! them at once, `check` and `explore` with default flags exit 0, from the installed binary and
//! its command line, as a user would run them. (`selftest` also holds every liberty to every
//! profile, in-process: tests/selftest.rs.)

mod common;

use common::{ServeProcess, groupcheck, tmp_dir};
use groupcheck::emulator::Liberty;

const TOKEN: &str = "liberty-token";

fn check(url: &str, dir: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "check",
        "--target",
        url,
        "--service-plan-id",
        "LIB",
        "--token",
        TOKEN,
        "--quiet",
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    groupcheck(&args, &[])
}

#[test]
fn check_passes_every_liberty_under_every_profile() {
    for liberty in Liberty::all() {
        let name = liberty.name();
        let serve = ServeProcess::start_with_args(TOKEN, &["--liberty", &name]);
        let dir = tmp_dir(&format!("lib-{name}"));
        let (code, out) = check(&serve.url, &dir, &[]);
        assert_eq!(code, 0, "check fails liberty {name}:\n{out}");
        let (code, out) = check(&serve.url, &dir, &["--profile", "strict"]);
        assert_eq!(
            code, 0,
            "check --profile strict fails liberty {name}:\n{out}"
        );
    }
}

#[test]
fn check_and_explore_pass_all_liberties_at_once_with_default_flags() {
    let serve = ServeProcess::start_with_args(TOKEN, &["--liberty", "all"]);
    let dir = tmp_dir("lib-all");
    let (code, out) = check(&serve.url, &dir, &[]);
    assert_eq!(code, 0, "check fails --liberty all:\n{out}");
    assert!(out.contains("0 failed"), "{out}");
    let (code, out) = groupcheck(
        &[
            "explore",
            "--target",
            &serve.url,
            "--service-plan-id",
            "LIB",
            "--token",
            TOKEN,
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "explore fails --liberty all:\n{out}");
}

#[test]
fn serve_names_what_it_takes_and_rejects_unknown_liberties() {
    let (code, out) = groupcheck(&["serve", "--liberty", "no-such-thing"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("one of: all, empty-error-bodies"), "{out}");
}
