//! The hostile server of tests/hostile_target.rs and tests/hostile_load.rs: a raw TCP HTTP/1.1 server on 127.0.0.1 that
//! answers the reachability probe (the list) properly and misbehaves by path, one way per mode:
//! `stall`, `trickle-head`, `trickle-body`, `reset`, `close-early`, `close-mid-body`,
//! `close-mid-chunk`, `not-json`, `truncated-json`, `binary`, `deep-json`, `wrong-content-type`,
//! `no-content-type`, `html-200`/`-400`/`-502`, `huge-length`, `endless-chunked`,
//! `endless-close-delimited`, `endless-100-continue`, `huge-head`, `many-headers`, `garbage`,
//! `status-999`, `redirect-other-host`/`-same-host`, `huge-invalid-members/members`,
//! `429-forever`, `429-absurd-retry-after`, `echo-token`; `ok` answers a proper group.

// Shared by hostile_target.rs (check) and hostile_load.rs (load), each of which uses part of it:
// what one does not use would be reported as dead code there.
#![allow(dead_code)]

pub mod check;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The service plan the server serves.
pub const PLAN: &str = "P1";
/// The token the runs send; the server echoes it in `echo-token` mode.
pub const TOKEN: &str = "hostile-test-token-0123456789abcdef";

/// 64 KiB of spaces and of `v`s: what the endless bodies and the huge head are written from,
/// shared by every connection. The server runs inside the test process, so its memory counts in
/// the peak memory measured of every groupcheck the tests start (a child's `ru_maxrss` starts
/// from its parent's high-water mark): however many connections it feeds, it must stay small.
const SPACES: &[u8] = &[b' '; 1 << 16];
const VS: &[u8] = &[b'v'; 1 << 16];

/// One request as the hostile server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
}

/// What the server saw.
#[derive(Default)]
pub struct Log {
    requests: Mutex<Vec<Seen>>,
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Groups created ([`Creates::GroupWithId`]).
    created: AtomicUsize,
}

/// How the hostile server answers a create (`POST /xms/v1/{plan}/groups`).
#[derive(Debug, Clone, Copy)]
pub enum Creates {
    /// A group whose id tries to climb out of /groups/ (for the cleanup test).
    ClimbingId,
    /// A proper group of the members asked for, its id `{mode}~{n}`: a flow that creates a group
    /// and then retrieves it meets the mode on every retrieve.
    GroupWithId(&'static str),
    /// As the mode misbehaves: a flow's setup meets it.
    AsMode(&'static str),
}

/// A raw TCP server that misbehaves by path: `GET /xms/v1/{plan}/groups/{mode}` (or
/// `/{mode}~{anything}`) answers in the way `mode` names; the list `GET /xms/v1/{plan}/groups`
/// (the probe) answers properly; a create as [`Creates`] says; a delete with 200.
pub struct Hostile {
    pub addr: SocketAddr,
    pub log: Arc<Log>,
}

impl Hostile {
    /// A server whose creates answer the climbing id.
    pub fn start() -> Hostile {
        Self::start_with(None, Creates::ClimbingId)
    }

    /// `redirect_to`: where the redirect modes point.
    pub fn start_with(redirect_to: Option<SocketAddr>, creates: Creates) -> Hostile {
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
                        let _ = serve_connection(socket, log, redirect_to, creates).await;
                    });
                }
            });
        });
        let addr = rx.recv().unwrap();
        Hostile { addr, log }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.log.requests.lock().unwrap().clone()
    }
}

struct Request {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
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
        body,
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
    creates: Creates,
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
        let id = rest.trim_start_matches('/');
        let mut mode = id.split_once('~').map_or(id, |(mode, _)| mode);
        let ok = |body: &str| answer("200 OK", "application/json", body.as_bytes());
        match (request.method.as_str(), mode, creates) {
            ("GET", "", _) => {
                let list = r#"{"page":0,"page_size":0,"count":0,"groups":[]}"#;
                socket.write_all(&ok(list)).await?;
                continue;
            }
            ("POST", "", Creates::ClimbingId) => {
                // A create whose id tries to climb out of /groups/ (for the cleanup test).
                let id = "../../OTHER/groups/VICTIM";
                let body = group_json(id).replace("\"size\":0", "\"size\":1");
                socket
                    .write_all(&answer("201 Created", "application/json", body.as_bytes()))
                    .await?;
                continue;
            }
            ("POST", "", Creates::GroupWithId(prefix)) => {
                let asked: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let size = asked["members"].as_array().map_or(0, Vec::len);
                let id = format!("{prefix}~{}", log.created.fetch_add(1, Ordering::SeqCst));
                let body = group_json(&id).replace("\"size\":0", &format!("\"size\":{size}"));
                socket
                    .write_all(&answer("201 Created", "application/json", body.as_bytes()))
                    .await?;
                continue;
            }
            ("POST", "", Creates::AsMode(as_mode)) => mode = as_mode,
            ("DELETE", _, _) => {
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
                loop {
                    socket.write_all(SPACES).await?;
                }
            }
            "endless-chunked" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .await?;
                loop {
                    socket.write_all(b"10000\r\n").await?;
                    socket.write_all(SPACES).await?;
                    socket.write_all(b"\r\n").await?;
                }
            }
            "endless-close-delimited" => {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
                    .await?;
                loop {
                    socket.write_all(SPACES).await?;
                }
            }
            "endless-100-continue" => loop {
                socket.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
                tokio::time::sleep(Duration::from_millis(10)).await;
            },
            "huge-head" => {
                // A 4 MiB header value.
                socket.write_all(b"HTTP/1.1 200 OK\r\nX-Huge: ").await?;
                for _ in 0..64 {
                    socket.write_all(VS).await?;
                }
                socket.write_all(b"\r\nContent-Length: 0\r\n\r\n").await?;
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

/// The token is in no file below `reports` (the console output is the caller's to search).
pub fn assert_no_token_in_files(what: &str, reports: &Path) {
    for path in crate::common::files_under(reports) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(TOKEN),
            "{what}: the token is in {}",
            path.display()
        );
    }
}
