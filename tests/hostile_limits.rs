//! `groupcheck check` against a hostile target, for its limits: a gigabyte Content-Length refused
//! before reading, endless chunked and close-delimited bodies stopped at the cap in bounded
//! memory, an answer with millions of violations judged in bounded time and memory, a target that
//! stalls everything or never accepts (request and connect timeouts), and absurd limits refused
//! as usage errors. The server is in tests/hostile/mod.rs, the runs in tests/hostile/check.rs.

mod common;
mod hostile;

use common::tmp_dir;
use hostile::check::{
    HANG_GUARD, Run, assert_failed_with, check_file, check_mode, groupcheck, scenario,
};
use hostile::{Hostile, PLAN, TOKEN};
use std::time::Duration;

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
