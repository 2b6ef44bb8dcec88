//! `groupcheck check` against a target that misbehaves on purpose: a raw TCP server on 127.0.0.1
//! that answers the reachability probe properly and then, per path, stalls, resets, closes
//! mid-body, sends non-JSON, the wrong Content-Type, truncated JSON, endless or gigabyte bodies,
//! HTML error pages, redirects, garbage, oversized heads, or echoes the token. Every case must end
//! as exit 1 with the rule named and a clear message, within a bounded time, in bounded memory,
//! with no panic and the token nowhere (docs/robustness.md lists them all).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "hostile-test-token-0123456789abcdef";
const PLAN: &str = "P1";
/// Generous hang guard for one groupcheck run.
const HANG_GUARD: Duration = Duration::from_secs(60);

// ---- the hostile server ---------------------------------------------------------------------

/// One request as the hostile server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
}

#[derive(Default)]
struct Log {
    requests: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
}

/// A raw TCP server that misbehaves by path: `GET /xms/v1/{plan}/groups/{mode}` answers in the
/// way `mode` names; the list `GET /xms/v1/{plan}/groups` (the probe) answers properly.
struct Hostile {
    addr: SocketAddr,
    log: Arc<Log>,
}

impl Hostile {
    fn start() -> Hostile {
        Self::start_with(None)
    }

    /// `redirect_to`: where the redirect modes point.
    fn start_with(redirect_to: Option<SocketAddr>) -> Hostile {
        let log = Arc::new(Log::default());
        let (tx, rx) = std::sync::mpsc::channel();
        let server_log = log.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    server_log.connections.fetch_add(1, Ordering::SeqCst);
                    let log = server_log.clone();
                    tokio::spawn(async move {
                        let _ = serve_connection(socket, log, redirect_to).await;
                    });
                }
            });
        });
        let addr = rx.recv().unwrap();
        Hostile { addr, log }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Seen> {
        self.log.requests.lock().unwrap().clone()
    }
}

struct Request {
    method: String,
    target: String,
    headers: HashMap<String, String>,
}

/// Read one request (head and a Content-Length body); `None` at EOF or on nonsense.
async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await.ok()? == 0 || head.len() > 1 << 20 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).await.ok()?;
    Some(Request {
        method,
        target,
        headers,
    })
}

fn group_json(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"hostile","size":0,"created_at":"2019-08-24T14:15:22.123Z","modified_at":"2019-08-24T14:15:22.123Z","child_groups":[]}}"#
    )
}

fn answer(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serve one connection; requests go on while answers are well-formed.
async fn serve_connection(
    mut socket: TcpStream,
    log: Arc<Log>,
    redirect_to: Option<SocketAddr>,
) -> std::io::Result<()> {
    loop {
        let Some(request) = read_request(&mut socket).await else {
            return Ok(());
        };
        log.requests.lock().unwrap().push(Seen {
            method: request.method.clone(),
            target: request.target.clone(),
            authorization: request.headers.get("authorization").cloned(),
        });
        let path = request.target.split('?').next().unwrap_or("").to_owned();
        let rest = path
            .strip_prefix(&format!("/xms/v1/{PLAN}/groups"))
            .unwrap_or("");
        let mode = rest.trim_start_matches('/');
        let ok = |body: &str| answer("200 OK", "application/json", body.as_bytes());
        match (request.method.as_str(), mode) {
            ("GET", "") => {
                let list = r#"{"page":0,"page_size":0,"count":0,"groups":[]}"#;
                socket.write_all(&ok(list)).await?;
                continue;
            }
            ("POST", "") => {
                // A create whose id tries to climb out of /groups/ (for the cleanup test).
                let id = "../../OTHER/groups/VICTIM";
                let body = group_json(id).replace("\"size\":0", "\"size\":1");
                socket
                    .write_all(&answer("201 Created", "application/json", body.as_bytes()))
                    .await?;
                continue;
            }
            ("DELETE", _) => {
                socket
                    .write_all(&answer("200 OK", "text/plain", b""))
                    .await?;
                continue;
            }
            _ => {}
        }
        match mode {
            "ok" => socket.write_all(&ok(&group_json("ok"))).await?,
            "stall" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            "trickle-head" => {
                for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ".iter() {
                    socket.write_all(&[*b]).await?;
                }
                loop {
                    socket.write_all(b"a").await?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            "trickle-body" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                    .await?;
                loop {
                    socket.write_all(b" ").await?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            "reset" => {
                socket.set_zero_linger()?;
                return Ok(());
            }
            "close-early" => return Ok(()),
            "close-mid-body" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": \"01")
                    .await?;
                return Ok(());
            }
            "close-mid-chunk" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n{\"id\"")
                    .await?;
                return Ok(());
            }
            "not-json" => {
                socket
                    .write_all(&answer("200 OK", "application/json", b"hello, world"))
                    .await?
            }
            "truncated-json" => {
                socket
                    .write_all(&answer(
                        "200 OK",
                        "application/json",
                        br#"{"id":"01HOSTILE","size":0,"created_at":"2019-"#,
                    ))
                    .await?
            }
            "binary" => {
                socket
                    .write_all(&answer("200 OK", "application/json", &[0xff, 0xfe, 0, 1, 2]))
                    .await?
            }
            "deep-json" => {
                let body = "[".repeat(100_000) + &"]".repeat(100_000);
                socket.write_all(&ok(&body)).await?
            }
            "wrong-content-type" => {
                socket
                    .write_all(&answer(
                        "200 OK",
                        "text/plain",
                        group_json("wrong-content-type").as_bytes(),
                    ))
                    .await?
            }
            "no-content-type" => {
                let body = group_json("no-content-type");
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(body.as_bytes()).await?
            }
            "html-200" | "html-502" | "html-400" => {
                let status = match mode {
                    "html-200" => "200 OK",
                    "html-502" => "502 Bad Gateway",
                    _ => "400 Bad Request",
                };
                let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                            <body><h1>Bad Gateway</h1><script>alert(1)</script></body></html>";
                socket
                    .write_all(&answer(status, "text/html; charset=utf-8", page.as_bytes()))
                    .await?
            }
            "huge-length" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n")
                    .await?;
                let zeros = vec![b' '; 1 << 16];
                loop {
                    socket.write_all(&zeros).await?;
                }
            }
            "endless-chunked" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .await?;
                let mut chunk = b"10000\r\n".to_vec();
                chunk.extend(std::iter::repeat_n(b' ', 0x10000));
                chunk.extend_from_slice(b"\r\n");
                loop {
                    socket.write_all(&chunk).await?;
                }
            }
            "endless-close-delimited" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
                    .await?;
                let spaces = vec![b' '; 1 << 16];
                loop {
                    socket.write_all(&spaces).await?;
                }
            }
            "endless-100-continue" => loop {
                socket.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
                tokio::time::sleep(Duration::from_millis(10)).await;
            },
            "huge-head" => {
                let value = "v".repeat(4 << 20);
                let head = format!("HTTP/1.1 200 OK\r\nX-Huge: {value}\r\nContent-Length: 0\r\n\r\n");
                socket.write_all(head.as_bytes()).await?;
                return Ok(());
            }
            "many-headers" => {
                let mut head = "HTTP/1.1 200 OK\r\n".to_owned();
                for i in 0..20_000 {
                    head.push_str(&format!("X-H{i}: v\r\n"));
                }
                head.push_str("Content-Length: 0\r\n\r\n");
                socket.write_all(head.as_bytes()).await?;
                return Ok(());
            }
            "garbage" => {
                socket
                    .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n")
                    .await?;
                return Ok(());
            }
            "status-999" => {
                socket
                    .write_all(&answer("999 Whatever", "application/json", b"{}"))
                    .await?
            }
            "redirect-other-host" | "redirect-same-host" => {
                let location = match (mode, redirect_to) {
                    ("redirect-other-host", Some(other)) => {
                        format!("http://{other}/xms/v1/{PLAN}/groups/ok")
                    }
                    _ => format!("/xms/v1/{PLAN}/groups/ok"),
                };
                let head = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
                );
                socket.write_all(head.as_bytes()).await?
            }
            "huge-invalid-members/members" => {
                // 16 MiB of members that are not MSISDNs: four million schema violations.
                let mut body = Vec::with_capacity(16 << 20);
                body.push(b'[');
                while body.len() < (16 << 20) - 8 {
                    body.extend_from_slice(b"\"x\",");
                }
                body.extend_from_slice(b"\"x\"]");
                socket
                    .write_all(&answer("200 OK", "application/json", &body))
                    .await?
            }
            "429-forever" => {
                socket
                    .write_all(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                    .await?
            }
            "429-absurd-retry-after" => {
                socket
                    .write_all(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n")
                    .await?
            }
            "echo-token" => {
                // A debug page that reflects the request headers, in the body and a header.
                let auth = request.headers.get("authorization").cloned().unwrap_or_default();
                let body = format!("400 Bad Request. Your request headers: Authorization: {auth}");
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo: {auth}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(body.as_bytes()).await?
            }
            _ => {
                socket
                    .write_all(&answer("404 Not Found", "application/json", br#"{"code":"not_found","text":"no such mode"}"#))
                    .await?
            }
        }
    }
}

// ---- running groupcheck -----------------------------------------------------------------------

struct Run {
    code: i32,
    out: String,
    elapsed: Duration,
    /// Peak resident memory of the groupcheck process, in KiB.
    max_rss_kib: i64,
    reports: PathBuf,
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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

/// Run groupcheck with `args`, under the hang guard; returns its exit code, output, time and
/// peak memory (from wait4's rusage).
fn groupcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, Duration, i64) {
    let dir = tmp(&format!("out-{}", rand_suffix()));
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_groupcheck"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SINCH_API_TOKEN")
        .env_remove("SINCH_SERVICE_PLAN_ID")
        .env_remove("GROUPCHECK_TARGET")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in envs {
        command.env(k, v);
    }
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its peak memory (std's wait does not).
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let (status, rusage) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain old data; wait4 fills it when the child is reaped.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut rusage) };
        if reaped == pid {
            break (status, rusage);
        }
        if started.elapsed() > HANG_GUARD {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("groupcheck {args:?} hung for more than {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let out = std::fs::read_to_string(&out_path).unwrap_or_default()
        + &std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (code, out, elapsed, rusage.ru_maxrss)
}

fn rand_suffix() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{}", N.fetch_add(1, Ordering::SeqCst))
}

/// `groupcheck check` of the one-step scenario for `mode` against `server`.
fn check_mode(server: &Hostile, mode: &str, extra: &[&str]) -> Run {
    let dir = tmp(mode);
    let file = scenario(&dir, mode);
    let reports = dir.join("reports");
    let url = server.url();
    let mut args = vec![
        "check",
        file.to_str().unwrap(),
        "--target",
        &url,
        "--service-plan-id",
        PLAN,
        "--token",
        TOKEN,
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "2"]);
    }
    args.extend_from_slice(extra);
    let (code, out, elapsed, max_rss_kib) = groupcheck(&args, &[]);
    Run {
        code,
        out,
        elapsed,
        max_rss_kib,
        reports,
    }
}

/// Every artifact of a run: console output and every file of the report directory.
fn assert_no_token(run: &Run) {
    assert!(
        !run.out.contains(TOKEN),
        "the token is in the console output"
    );
    let bare = TOKEN.trim_start_matches("Bearer ");
    for entry in std::fs::read_dir(&run.reports).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(bare), "the token is in {}", path.display());
    }
}

/// The common verdict: exit 1, the rule named, the message shown, no panic, no token, and the
/// summary records the finding.
fn assert_failed_with(run: &Run, rule: &str, message: &[&str]) {
    println!("peak memory {} KiB, {:?}", run.max_rss_kib, run.elapsed);
    assert_eq!(run.code, 1, "exit code; output:\n{}", run.out);
    assert!(
        !run.out.contains("panicked"),
        "groupcheck panicked:\n{}",
        run.out
    );
    assert!(
        run.out.contains(rule),
        "the rule {rule} is named:\n{}",
        run.out
    );
    assert!(
        message.iter().any(|m| run.out.contains(m)),
        "one of {message:?} in the output:\n{}",
        run.out
    );
    assert!(run.elapsed < HANG_GUARD);
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
        "summary.json records {rule}: {rules:?}"
    );
    for f in summary["scenarios"][0]["findings"].as_array().unwrap() {
        // Shown with --nocapture: the messages docs/robustness.md quotes.
        println!("{}: {}", f["rule"], f["message"]);
    }
    for file in ["junit.xml", "report.md", "report.html", "ledger.jsonl"] {
        assert!(run.reports.join(file).exists(), "{file} was written");
    }
    assert_no_token(run);
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
fn a_stalled_answer_is_a_timeout() {
    let server = Hostile::start();
    let run = check_mode(&server, "stall", &["--timeout", "1"]);
    assert_failed_with(&run, "http.answers", &["no complete answer within 1s"]);
}

#[test]
fn a_head_sent_byte_by_byte_forever_is_a_timeout() {
    let server = Hostile::start();
    let run = check_mode(&server, "trickle-head", &["--timeout", "1"]);
    assert_failed_with(&run, "http.answers", &["no complete answer within 1s"]);
}

#[test]
fn a_body_sent_byte_by_byte_forever_is_a_timeout() {
    let server = Hostile::start();
    let run = check_mode(&server, "trickle-body", &["--timeout", "1"]);
    assert_failed_with(&run, "http.answers", &["no complete answer within 1s"]);
}

#[test]
fn a_reset_connection_is_a_failed_check() {
    let server = Hostile::start();
    let run = check_mode(&server, "reset", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &[
            "no complete HTTP answer: Connection reset by peer",
            "no complete HTTP answer: connection closed before message completed",
        ],
    );
}

#[test]
fn a_connection_closed_before_the_answer_is_a_failed_check() {
    let server = Hostile::start();
    let run = check_mode(&server, "close-early", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &[
            "no complete HTTP answer: connection closed before message completed",
            "no complete HTTP answer: Connection reset by peer",
        ],
    );
}

#[test]
fn a_connection_closed_mid_body_is_a_failed_check() {
    let server = Hostile::start();
    let run = check_mode(&server, "close-mid-body", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["the answer broke off: end of file before message length reached"],
    );
    let run = check_mode(&server, "close-mid-chunk", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["the answer broke off: end of file before message length reached"],
    );
}

#[test]
fn a_body_that_is_not_json_fails_the_schema_rule() {
    let server = Hostile::start();
    let run = check_mode(&server, "not-json", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["expected a JSON body (group), got 12 bytes of application/json: hello, world"],
    );
    let run = check_mode(&server, "binary", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["expected a JSON body (group), got 5 bytes"],
    );
}

#[test]
fn truncated_json_fails_the_schema_rule() {
    let server = Hostile::start();
    let run = check_mode(&server, "truncated-json", &[]);
    assert_failed_with(&run, "schema.group", &["expected a JSON body (group)"]);
}

#[test]
fn json_nested_beyond_any_reason_is_not_json_and_no_stack_overflow() {
    let server = Hostile::start();
    let run = check_mode(&server, "deep-json", &[]);
    assert_failed_with(&run, "schema.group", &["expected a JSON body (group)"]);
}

#[test]
fn a_wrong_or_missing_content_type_fails_the_schema_rule() {
    let server = Hostile::start();
    let run = check_mode(&server, "wrong-content-type", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["expected Content-Type application/json, got text/plain"],
    );
    let run = check_mode(&server, "no-content-type", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["expected Content-Type application/json, got none"],
    );
}

#[test]
fn html_error_pages_fail_with_the_status_or_schema_rule() {
    let server = Hostile::start();
    let run = check_mode(&server, "html-200", &[]);
    assert_failed_with(
        &run,
        "schema.group",
        &["bytes of text/html; charset=utf-8: <!DOCTYPE html>"],
    );
    let run = check_mode(&server, "html-502", &[]);
    assert_failed_with(&run, "status.ok-200", &["expected status 200, got 502"]);
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
    let dir = tmp("huge-invalid-members");
    let file = dir.join("members.yaml");
    std::fs::write(
        &file,
        "name: members\nsteps:\n  - request: members\n    group: huge-invalid-members\n    expect: {members: [\"46700000001\"]}\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let url = server.url();
    let (code, out, elapsed, max_rss_kib) = groupcheck(
        &[
            "check",
            file.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
    println!("peak memory {max_rss_kib} KiB, {elapsed:?}");
    let run = Run {
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
fn endless_interim_answers_are_a_timeout() {
    let server = Hostile::start();
    let run = check_mode(&server, "endless-100-continue", &["--timeout", "1"]);
    assert_failed_with(&run, "http.answers", &["no complete answer within 1s"]);
}

#[test]
fn an_oversized_or_garbage_head_is_a_failed_check() {
    let server = Hostile::start();
    let run = check_mode(&server, "huge-head", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["no complete HTTP answer: message head is too large"],
    );
    let run = check_mode(&server, "many-headers", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &[
            "no complete HTTP answer: message head is too large",
            "no complete HTTP answer: too many headers",
        ],
    );
    let run = check_mode(&server, "garbage", &[]);
    assert_failed_with(
        &run,
        "http.answers",
        &["no complete HTTP answer: invalid HTTP version parsed"],
    );
    let run = check_mode(&server, "status-999", &[]);
    assert_failed_with(&run, "status.ok-200", &["expected status 200, got 999"]);
}

#[test]
fn redirects_are_never_followed_and_the_token_never_goes_elsewhere() {
    let elsewhere = Hostile::start();
    let server = Hostile::start_with(Some(elsewhere.addr));
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
    // An unparsable Retry-After falls back to the growing back-off (0.25 + 0.5 + 1 + 2 + 4 s).
    let run = check_mode(&server, "429-absurd-retry-after", &[]);
    assert_failed_with(&run, "status.ok-200", &["expected status 200, got 429"]);
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
    let dir = tmp("stall-all");
    let file = scenario(&dir, "ok");
    let (code, out, elapsed, _) = groupcheck(
        &[
            "check",
            file.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--timeout",
            "1",
            "--report-dir",
            dir.join("reports").to_str().unwrap(),
        ],
        &[],
    );
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
    let dir = tmp("connect-timeout");
    let file = scenario(&dir, "ok");
    let url = format!("http://{addr}");
    let (code, out, elapsed, _) = groupcheck(
        &[
            "check",
            file.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--timeout",
            "120",
            "--connect-timeout",
            "1",
            "--report-dir",
            dir.join("reports").to_str().unwrap(),
        ],
        &[],
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
    let dir = tmp("climbing-id");
    let file = dir.join("create.yaml");
    std::fs::write(
        &file,
        "name: create\nsteps:\n  - request: create\n    body: {name: x}\n    capture: {gid: /id}\n  - request: retrieve\n    group: \"{gid}\"\n    expect: {status: [200, 404]}\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let url = server.url();
    let (code, out, _, _) = groupcheck(
        &[
            "check",
            file.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
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
    let (code, out, _, _) = groupcheck(
        &[
            "check",
            climb.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--report-dir",
            reports.to_str().unwrap(),
        ],
        &[],
    );
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
    let dir = tmp("absurd-cap");
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
