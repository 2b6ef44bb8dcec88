//! Lanes against a raw HTTP/1.1 server on loopback that answers as each test tells it.

use super::*;
use crate::client::{ClientConfig, Secret, Target};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "lane-test-token-0123456789";

/// What the server does with one request: the bytes it writes back, and whether it then closes.
type Answer = Box<dyn Fn(&str) -> (Vec<u8>, bool) + Send + Sync>;

struct Server {
    url: String,
    /// The head of every request received, in order.
    heads: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<usize>>,
}

async fn server(answer: Answer) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(Mutex::new(0));
    let answer = Arc::new(answer);
    let (h, c) = (heads.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            *c.lock().unwrap() += 1;
            tokio::spawn(serve(stream, answer.clone(), h.clone()));
        }
    });
    Server {
        url,
        heads,
        connections,
    }
}

async fn serve(mut stream: TcpStream, answer: Arc<Answer>, heads: Arc<Mutex<Vec<String>>>) {
    let mut buffer = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            let n = stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        buffer.drain(..end + 4 + length);
        heads.lock().unwrap().push(head.clone());
        let (bytes, close) = answer(&head);
        if stream.write_all(&bytes).await.is_err() || close {
            return;
        }
    }
}

fn json(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn client(url: &str, config: ClientConfig) -> Client {
    let target = Target {
        base_url: url.to_owned(),
        service_plan_id: "plan".into(),
        token: Secret::new(TOKEN),
        second_plan_id: "other".into(),
        second_token: None,
    };
    Client::new(target, config).unwrap()
}

fn get(path: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        ..HttpRequest::default()
    }
}

#[tokio::test]
async fn sends_the_clients_request_and_reads_the_whole_answer_on_one_connection() {
    let s = server(Box::new(|_| (json("200 OK", r#"{"id":"G1"}"#), false))).await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    assert!(lane.is_direct());
    for _ in 0..3 {
        let obs = lane.send(&get("/groups/G1")).await.unwrap();
        assert_eq!(obs.status, 200);
        assert_eq!(obs.content_type.as_deref(), Some("application/json"));
        assert_eq!(obs.body, br#"{"id":"G1"}"#);
    }
    let mut post = get("/groups");
    post.method = "POST".into();
    post.body = Some(br#"{"name":"x"}"#.to_vec());
    post.query = vec![("page".into(), "2".into()), ("a b".into(), "c&d".into())];
    lane.send(&post).await.unwrap();
    assert_eq!(
        *s.connections.lock().unwrap(),
        1,
        "one keep-alive connection"
    );
    let heads = s.heads.lock().unwrap().clone();
    assert!(
        heads[0].starts_with("GET /xms/v1/plan/groups/G1 HTTP/1.1\r\n"),
        "{}",
        heads[0]
    );
    let lower = heads[0].to_ascii_lowercase();
    assert!(lower.contains(&format!(
        "authorization: bearer {}",
        TOKEN.to_ascii_lowercase()
    )));
    assert!(lower.contains(&format!("host: {}", s.url.trim_start_matches("http://"))));
    assert!(lower.contains("user-agent: groupcheck/"));
    assert!(
        heads[3].starts_with("POST /xms/v1/plan/groups?page=2&a+b=c%26d HTTP/1.1"),
        "{}",
        heads[3]
    );
    assert!(
        heads[3]
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
}

#[tokio::test]
async fn the_second_plan_wrong_and_no_authorization() {
    let s = server(Box::new(|_| (json("401 Unauthorized", "{}"), false))).await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    let mut request = get("/groups");
    request.second_plan = true;
    lane.send(&request).await.unwrap();
    request.auth = Auth::Wrong;
    lane.send(&request).await.unwrap();
    request.auth = Auth::None;
    lane.send(&request).await.unwrap();
    let heads = s.heads.lock().unwrap().clone();
    assert!(heads[0].starts_with("GET /xms/v1/other/groups "));
    assert!(
        heads[0].contains(TOKEN),
        "the second plan falls back to the first token"
    );
    assert!(heads[1].contains("Bearer groupcheck-wrong-token"));
    assert!(!heads[2].to_ascii_lowercase().contains("authorization"));
}

#[tokio::test]
async fn a_connection_the_target_closed_is_replaced() {
    // The first connection answers with `Connection: close`, then every answer is normal; a
    // connection the server drops while idle is replaced too.
    let s = server(Box::new(|head| {
        let close = head.contains("/close");
        let mut bytes = json("200 OK", "{}");
        if close {
            bytes = String::from_utf8(bytes)
                .unwrap()
                .replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
                .into_bytes();
        }
        (bytes, close || head.contains("/drop"))
    }))
    .await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    lane.send(&get("/close")).await.unwrap();
    lane.send(&get("/groups")).await.unwrap();
    lane.send(&get("/drop")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let obs = lane.send(&get("/groups")).await.unwrap();
    assert_eq!(obs.status, 200);
    assert_eq!(*s.connections.lock().unwrap(), 3);
}

#[tokio::test]
async fn a_429_is_an_answer_not_retried() {
    let s = server(Box::new(|_| {
        let mut bytes = json("429 Too Many Requests", r#"{"code":"x","text":"slow"}"#);
        bytes = String::from_utf8(bytes)
            .unwrap()
            .replacen("\r\n\r\n", "\r\nRetry-After: 1\r\n\r\n", 1)
            .into_bytes();
        (bytes, false)
    }))
    .await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    let obs = lane.send(&get("/groups")).await.unwrap();
    assert_eq!((obs.status, obs.retries), (429, 0));
    assert_eq!(obs.header("retry-after"), Some("1"));
    assert_eq!(s.heads.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_echoed_token_is_scrubbed() {
    let s = server(Box::new(|head| {
        let echoed = head
            .lines()
            .find(|l| l.starts_with("authorization"))
            .unwrap_or("")
            .to_owned();
        (json("200 OK", &format!("{{\"echo\":\"{echoed}\"}}")), false)
    }))
    .await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    let obs = lane.send(&get("/groups")).await.unwrap();
    let text = obs.text();
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains(crate::client::REDACTED), "{text}");
}

#[tokio::test]
async fn stalls_time_out_and_bodies_over_the_cap_are_refused() {
    let s = server(Box::new(|head| {
        if head.contains("/stall") {
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab".to_vec(),
                false,
            )
        } else if head.contains("/huge") {
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n".to_vec(),
                false,
            )
        } else {
            let body = "x".repeat(5000);
            let chunked = format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            );
            (chunked.into_bytes(), false)
        }
    }))
    .await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        body_cap: 1000,
        ..ClientConfig::default()
    };
    let mut lane = client(&s.url, config).lane();
    let started = Instant::now();
    assert_eq!(
        lane.send(&get("/stall")).await.unwrap_err(),
        TransportError::Timeout(Duration::from_millis(300))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        lane.send(&get("/huge")).await.unwrap_err(),
        TransportError::BodyTooLarge(1000)
    );
    assert_eq!(
        lane.send(&get("/chunked")).await.unwrap_err(),
        TransportError::BodyTooLarge(1000)
    );
    // Every error dropped its connection.
    assert_eq!(*s.connections.lock().unwrap(), 3);
}

#[tokio::test]
async fn garbage_and_refused_connections_are_transport_errors() {
    let s = server(Box::new(|_| (b"NOT HTTP AT ALL\r\n\r\n".to_vec(), true))).await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    let error = lane.send(&get("/groups")).await.unwrap_err();
    assert!(matches!(error, TransportError::Other(_)), "{error:?}");
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut lane = client(&url, ClientConfig::default()).lane();
    let error = lane.send(&get("/groups")).await.unwrap_err();
    assert!(matches!(error, TransportError::Connect(_)), "{error:?}");
}

#[tokio::test]
async fn paths_that_leave_the_plan_are_refused_and_dot_free_ids_pass() {
    let s = server(Box::new(|_| (json("200 OK", "{}"), false))).await;
    let mut lane = client(&s.url, ClientConfig::default()).lane();
    let error = lane
        .send(&get("/groups/../../victim/groups/X"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("refusing to send"), "{error}");
    let error = lane
        .send(&get("/groups/%2e%2e/%2e%2e/victim"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("refusing to send"), "{error}");
    lane.send(&get("/groups/a%2Fb")).await.unwrap();
    lane.send(&get("/groups/v1.2")).await.unwrap();
    let heads = s.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "nothing refused reached the target");
    assert!(
        heads[0].starts_with("GET /xms/v1/plan/groups/a%2Fb "),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].starts_with("GET /xms/v1/plan/groups/v1.2 "),
        "{}",
        heads[1]
    );
}

#[test]
fn tls_and_proxied_targets_go_through_reqwest() {
    let direct = |url: &str, proxied: bool| {
        Direct::new(&client(url, ClientConfig::default()), proxied).is_some()
    };
    assert!(
        direct("http://127.0.0.1:9", true),
        "loopback is never proxied"
    );
    assert!(direct("http://localhost:9", true));
    assert!(direct("http://groups.example:8080", false));
    assert!(!direct("http://groups.example:8080", true));
    assert!(!direct("https://127.0.0.1:9", false));
    assert!(!direct("https://us.sms.api.sinch.com", false));
}
