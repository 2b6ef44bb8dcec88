//! `groupcheck check` against a target that misbehaves on purpose: a raw TCP server on 127.0.0.1
//! that answers the reachability probe properly and then, per path, stalls, resets, closes
//! mid-body, sends non-JSON, the wrong Content-Type, truncated JSON, endless or gigabyte bodies,
//! HTML error pages, redirects, garbage, oversized heads, or echoes the token. Every case must end
//! as exit 1 with the rule named and a clear message, within a bounded time, in bounded memory,
//! with no panic and the token nowhere (docs/robustness.md lists them all). Cases of the same
//! shape are tables of [`Case`]s; those with more to check are tests of their own. The server
//! itself is in tests/hostile/mod.rs; `groupcheck load` meets it in tests/hostile_load.rs.

mod common;
mod hostile;

use common::{groupcheck_command, run_guarded, tmp_dir};
use hostile::{Creates, Hostile, PLAN, Seen, TOKEN, assert_no_token_in_files};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Generous hang guard for one groupcheck run.
const HANG_GUARD: Duration = Duration::from_secs(60);

// ---- running groupcheck -----------------------------------------------------------------------

/// A `groupcheck check` run of a mode and where it wrote its reports.
struct Run {
    /// The mode, named by every assertion on the run.
    mode: String,
    code: i32,
    /// stdout and stderr, labelled.
    out: String,
    elapsed: Duration,
    /// Peak resident memory of the groupcheck process, in KiB.
    max_rss_kib: i64,
    reports: PathBuf,
}

/// A scenario of one retrieve of `/groups/{mode}`.
fn scenario(dir: &Path, mode: &str) -> PathBuf {
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
fn groupcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, Duration, i64) {
    let run = run_guarded(
        groupcheck_command().args(args).envs(envs.iter().copied()),
        HANG_GUARD,
    );
    (run.code, run.printed(), run.elapsed, run.max_rss_kib)
}

/// `groupcheck check FILE` against `url` with the test plan and token, its reports into
/// `reports`, `extra` arguments last.
fn check_file(
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
fn check_mode(server: &Hostile, mode: &str, extra: &[&str]) -> Run {
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
fn assert_no_token(run: &Run) {
    let mode = &run.mode;
    assert!(
        !run.out.contains(TOKEN),
        "{mode}: the token is in the console output"
    );
    assert_no_token_in_files(mode, &run.reports);
}

/// The common verdict on `mode`: exit 1, the rule named, the message shown, no panic, no token,
/// and the summary records the finding.
fn assert_failed_with(run: &Run, rule: &str, message: &[&str]) {
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
struct Case {
    mode: &'static str,
    rule: &'static str,
    messages: &'static [&'static str],
    flags: &'static [&'static str],
}

impl Case {
    const fn new(
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

    const fn with(self, flags: &'static [&'static str]) -> Case {
        Case { flags, ..self }
    }
}

/// `groupcheck check` of every case against one hostile server, each held to the common verdict
/// ([`assert_failed_with`]). Every case runs; then the test fails naming each mode whose verdict
/// was wrong (each one's own failure is printed above).
fn check_cases(cases: &[Case]) {
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

// ---- the cases ------------------------------------------------------------------------------

#[test]
fn the_hostile_server_answers_its_ok_mode_correctly() {
    // The baseline: the same server and scenario pass when the answer is right, so every failure
    // below is the misbehaviour's doing.
    let server = Hostile::start();
    let run = check_mode(&server, "ok", &[]);
    assert_eq!(run.code, 0, "{}", run.out);
}

#[test]
fn answers_that_never_complete_are_timeouts() {
    const ONE_SECOND: &[&str] = &["--timeout", "1"];
    const TIMEOUT: &[&str] = &["no complete answer within 1s"];
    check_cases(&[
        Case::new("stall", "http.answers", TIMEOUT).with(ONE_SECOND),
        // A head, then a body, sent byte by byte forever.
        Case::new("trickle-head", "http.answers", TIMEOUT).with(ONE_SECOND),
        Case::new("trickle-body", "http.answers", TIMEOUT).with(ONE_SECOND),
        // Endless interim answers (100 Continue).
        Case::new("endless-100-continue", "http.answers", TIMEOUT).with(ONE_SECOND),
    ]);
}

#[test]
fn connections_that_break_are_failed_checks() {
    const BROKE_OFF: &[&str] = &["the answer broke off: end of file before message length reached"];
    check_cases(&[
        Case::new(
            "reset",
            "http.answers",
            &[
                "no complete HTTP answer: Connection reset by peer",
                "no complete HTTP answer: connection closed before message completed",
            ],
        ),
        // Closed before the answer.
        Case::new(
            "close-early",
            "http.answers",
            &[
                "no complete HTTP answer: connection closed before message completed",
                "no complete HTTP answer: Connection reset by peer",
            ],
        ),
        Case::new("close-mid-body", "http.answers", BROKE_OFF),
        Case::new("close-mid-chunk", "http.answers", BROKE_OFF),
    ]);
}

#[test]
fn bodies_that_are_not_the_json_promised_fail_the_schema_rule() {
    const NOT_JSON: &[&str] = &["expected a JSON body (group)"];
    check_cases(&[
        Case::new(
            "not-json",
            "schema.group",
            &["expected a JSON body (group), got 12 bytes of application/json: hello, world"],
        ),
        Case::new(
            "binary",
            "schema.group",
            &["expected a JSON body (group), got 5 bytes"],
        ),
        Case::new("truncated-json", "schema.group", NOT_JSON),
        // Nested beyond any reason: not JSON, and no stack overflow.
        Case::new("deep-json", "schema.group", NOT_JSON),
        Case::new(
            "wrong-content-type",
            "schema.group",
            &["expected Content-Type application/json, got text/plain"],
        ),
        Case::new(
            "no-content-type",
            "schema.group",
            &["expected Content-Type application/json, got none"],
        ),
        // An HTML error page with a 200.
        Case::new(
            "html-200",
            "schema.group",
            &["bytes of text/html; charset=utf-8: <!DOCTYPE html>"],
        ),
    ]);
}

#[test]
fn oversized_or_garbage_heads_and_wrong_statuses_are_failed_checks() {
    const HEAD_TOO_LARGE: &str = "no complete HTTP answer: message head is too large";
    check_cases(&[
        Case::new("huge-head", "http.answers", &[HEAD_TOO_LARGE]),
        Case::new(
            "many-headers",
            "http.answers",
            &[HEAD_TOO_LARGE, "no complete HTTP answer: too many headers"],
        ),
        Case::new(
            "garbage",
            "http.answers",
            &["no complete HTTP answer: invalid HTTP version parsed"],
        ),
        Case::new(
            "status-999",
            "status.ok-200",
            &["expected status 200, got 999"],
        ),
        // An HTML error page with a 502.
        Case::new(
            "html-502",
            "status.ok-200",
            &["expected status 200, got 502"],
        ),
        // Endless 429s with an unparsable Retry-After: the growing back-off is used instead
        // (0.25 + 0.5 + 1 + 2 + 4 s), then the 429 is the answer.
        Case::new(
            "429-absurd-retry-after",
            "status.ok-200",
            &["expected status 200, got 429"],
        ),
    ]);
}

#[test]
fn an_html_error_page_is_shown_escaped_in_the_report() {
    let server = Hostile::start();
    let run = check_mode(&server, "html-400", &[]);
    assert_failed_with(&run, "schema.error", &["expected a JSON body (error)"]);
    assert!(
        run.out.contains("expected status 200, got 400"),
        "{}",
        run.out
    );
    // The page's markup is escaped in the HTML report, never live.
    let html = std::fs::read_to_string(run.reports.join("report.html")).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[test]
fn a_gigabyte_content_length_is_refused_before_reading() {
    let server = Hostile::start();
    let run = check_mode(&server, "huge-length", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["response body larger than the cap of 67108864 bytes"],
    );
    assert!(
        run.max_rss_kib < 256 * 1024,
        "peak memory {} KiB",
        run.max_rss_kib
    );
}

#[test]
fn an_endless_chunked_body_stops_at_the_cap_in_bounded_memory() {
    let server = Hostile::start();
    let run = check_mode(&server, "endless-chunked", &["--body-cap-mib", "2"]);
    assert_failed_with(
        &run,
        "http.answers",
        &["response body larger than the cap of 2097152 bytes"],
    );
    assert!(
        run.max_rss_kib < 128 * 1024,
        "peak memory {} KiB",
        run.max_rss_kib
    );
    // The default cap bounds it too: 64 MiB of body, not the gigabytes on offer.
    let run = check_mode(&server, "endless-chunked", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["response body larger than the cap of 67108864 bytes"],
    );
    assert!(
        run.max_rss_kib < 320 * 1024,
        "peak memory {} KiB",
        run.max_rss_kib
    );
}

#[test]
fn an_endless_body_delimited_by_close_stops_at_the_cap() {
    let server = Hostile::start();
    let run = check_mode(&server, "endless-close-delimited", &["--body-cap-mib", "1"]);
    assert_failed_with(
        &run,
        "http.answers",
        &["response body larger than the cap of 1048576 bytes"],
    );
    assert!(
        run.max_rss_kib < 128 * 1024,
        "peak memory {} KiB",
        run.max_rss_kib
    );
}

#[test]
fn a_huge_answer_with_millions_of_violations_is_judged_in_bounded_time_and_memory() {
    let server = Hostile::start();
    let dir = tmp_dir("huge-invalid-members");
    let file = dir.join("members.yaml");
    std::fs::write(
        &file,
        "name: members\nsteps:\n  - request: members\n    group: huge-invalid-members\n    expect: {members: [\"46700000001\"]}\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let url = server.url();
    let (code, out, elapsed, max_rss_kib) = check_file(&url, &file, &reports, &[]);
    println!("peak memory {max_rss_kib} KiB, {elapsed:?}");
    let run = Run {
        mode: "huge-invalid-members".to_owned(),
        code,
        out,
        elapsed,
        max_rss_kib,
        reports,
    };
    assert_failed_with(
        &run,
        "schema.members-response",
        &["not a valid members-response"],
    );
    // A JSON value costs ~20 times its text here (one-character strings); before the schema
    // check stopped collecting, this answer took gigabytes (6.8 GB for 48 MiB).
    assert!(
        max_rss_kib < 1024 * 1024,
        "peak memory {max_rss_kib} KiB for a 16 MiB answer"
    );
    let report_size: u64 = std::fs::read_dir(&run.reports)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(report_size < 4 << 20, "reports of {report_size} bytes");
}

#[test]
fn redirects_are_never_followed_and_the_token_never_goes_elsewhere() {
    let elsewhere = Hostile::start();
    let server = Hostile::start_with(Some(elsewhere.addr), Creates::ClimbingId);
    let run = check_mode(&server, "redirect-other-host", &[]);
    assert_failed_with(
        &run,
        "status.ok-200",
        &["expected status 200, got 307 (a redirect to http://127.0.0.1:"],
    );
    assert!(
        run.out.contains("groupcheck never follows one"),
        "{}",
        run.out
    );
    assert_eq!(
        elsewhere.log.connections.load(Ordering::SeqCst),
        0,
        "the redirect's target was contacted"
    );
    let run = check_mode(&server, "redirect-same-host", &[]);
    assert_failed_with(
        &run,
        "status.ok-200",
        &["expected status 200, got 307 (a redirect to /xms/v1/P1/groups/ok"],
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.target.ends_with("/groups/ok")),
        "a same-host redirect was followed: {:?}",
        server.requests()
    );
}

#[test]
fn endless_429s_are_retried_a_bounded_number_of_times() {
    let server = Hostile::start();
    let run = check_mode(&server, "429-forever", &[]);
    assert_failed_with(&run, "status.ok-200", &["expected status 200, got 429"]);
    let asked = server
        .requests()
        .iter()
        .filter(|r| r.target.ends_with("/429-forever"))
        .count();
    assert_eq!(asked, 6, "one request and five retries");
}

#[test]
fn a_token_echoed_back_by_the_target_is_redacted_everywhere() {
    let server = Hostile::start();
    let run = check_mode(&server, "echo-token", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["Your request headers: Authorization: Bearer [redacted]"],
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "the token was sent, so it was there to echo"
    );
    let summary = std::fs::read_to_string(run.reports.join("summary.json")).unwrap();
    assert!(summary.contains("Bearer [redacted]"), "{summary}");
}

#[test]
fn a_target_that_stalls_everything_is_unreachable_not_a_hang() {
    // The probe itself never answers: exit 3 with the reason, after one timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dir = tmp_dir("stall-all");
    let file = scenario(&dir, "ok");
    let (code, out, elapsed, _) =
        check_file(&url, &file, &dir.join("reports"), &["--timeout", "1"]);
    drop(listener);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("unreachable") && out.contains("no complete answer within 1s"),
        "{out}"
    );
    assert!(elapsed < HANG_GUARD);
    assert!(!out.contains(TOKEN));
}

#[test]
fn the_connect_timeout_is_distinct_from_the_request_timeout() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs
    // until the connect timeout (no network needed, nothing leaves loopback).
    let socket = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            socket.listen(0).unwrap()
        });
    let addr = socket.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    let dir = tmp_dir("connect-timeout");
    let file = scenario(&dir, "ok");
    let url = format!("http://{addr}");
    let (code, out, elapsed, _) = check_file(
        &url,
        &file,
        &dir.join("reports"),
        &["--timeout", "120", "--connect-timeout", "1"],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("unreachable"), "{out}");
    // Bounded by the connect timeout, not the 120 s request timeout.
    assert!(elapsed < HANG_GUARD, "took {elapsed:?}");
    drop(fillers);
    drop(socket);
}

#[test]
fn ids_from_the_target_never_address_another_path() {
    // The target's create answers the id "../../OTHER/groups/VICTIM". Cleanup deletes that id as
    // one path segment below this plan's /groups/, never OTHER's VICTIM.
    let server = Hostile::start();
    let dir = tmp_dir("climbing-id");
    let file = dir.join("create.yaml");
    std::fs::write(
        &file,
        "name: create\nsteps:\n  - request: create\n    body: {name: x}\n    capture: {gid: /id}\n  - request: retrieve\n    group: \"{gid}\"\n    expect: {status: [200, 404]}\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let url = server.url();
    let (code, out, _, _) = check_file(&url, &file, &reports, &[]);
    assert!(code == 0 || code == 1, "{out}");
    let seen = server.requests();
    let deletes: Vec<&Seen> = seen.iter().filter(|r| r.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "{seen:?}");
    for r in seen
        .iter()
        .filter(|r| r.method != "POST" && !r.target.contains('?'))
    {
        assert!(
            r.target.starts_with(&format!(
                "/xms/v1/{PLAN}/groups/..%2F..%2FOTHER%2Fgroups%2FVICTIM"
            )),
            "{} {} left this plan's /groups/",
            r.method,
            r.target
        );
    }
    // A scenario path that climbs out of the plan root is refused, not sent.
    let climb = dir.join("climb.yaml");
    std::fs::write(
        &climb,
        "name: climb\nsteps:\n  - method: GET\n    path: /groups/../../OTHER/groups\n",
    )
    .unwrap();
    let before = server.requests().len();
    let (code, out, _, _) = check_file(&url, &climb, &reports, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("refusing to send"), "{out}");
    assert!(
        server.requests()[before..]
            .iter()
            .all(|r| r.target.starts_with(&format!("/xms/v1/{PLAN}/"))),
        "{:?}",
        server.requests()
    );
}

#[test]
fn absurd_limits_are_usage_errors_not_panics() {
    for (flag, value) in [
        ("--timeout", "1e300"),
        ("--timeout", "NaN"),
        ("--timeout", "-1"),
        ("--timeout", "0"),
        ("--connect-timeout", "1e30"),
        ("--connect-timeout", "inf"),
    ] {
        let (code, out, _, _) = groupcheck(
            &[
                "check",
                "scenarios/update/add-before-remove.yaml",
                "--target",
                "http://127.0.0.1:9",
                "--service-plan-id",
                PLAN,
                "--token",
                TOKEN,
                &format!("{flag}={value}"),
            ],
            &[],
        );
        assert_eq!(code, 2, "{flag} {value}: {out}");
        assert!(out.contains("positive number of seconds"), "{out}");
        assert!(!out.contains("panicked"), "{out}");
    }
    let dir = tmp_dir("absurd-cap");
    let file = dir.join("s.yaml");
    std::fs::write(&file, "name: x\nsteps:\n  - request: list\n").unwrap();
    let (code, out, _, _) = groupcheck(
        &[
            "check",
            file.to_str().unwrap(),
            "--body-cap-mib",
            "18446744073709551615",
            "--report-dir",
            dir.join("reports").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "a huge cap is clamped, not overflowed to 0: {out}");
}
