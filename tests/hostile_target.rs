//! `groupcheck check` against a target that misbehaves on purpose: a raw TCP server on 127.0.0.1
//! that answers the reachability probe properly and then, per path, stalls, resets, closes
//! mid-body, sends non-JSON, the wrong Content-Type, truncated JSON, HTML error pages, redirects,
//! garbage, oversized heads, or echoes the token. Every case must end as exit 1 with the rule
//! named and a clear message, within a bounded time, with no panic and the token nowhere
//! (docs/robustness.md lists them all). Cases of the same shape are tables of [`Case`]s; those
//! with more to check are tests of their own. The server is in tests/hostile/mod.rs, the runs and
//! the common verdict in tests/hostile/check.rs; sizes and time limits (gigabyte and endless
//! bodies, stalls, absurd limits) are in tests/hostile_limits.rs, and `groupcheck load` meets the
//! server in tests/hostile_load.rs.

mod common;
mod hostile;

use common::tmp_dir;
use hostile::check::{Case, assert_failed_with, check_cases, check_file, check_mode};
use hostile::{Creates, Hostile, PLAN, Seen, TOKEN};
use std::sync::atomic::Ordering;

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
