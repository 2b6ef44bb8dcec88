//! Forwarding: every request to `--target` unchanged (the Authorization header passes through and
//! is never logged), with the client's transport rules (no redirects followed, a loopback target
//! never sent through a proxy), and the answer streamed back as it arrives while a copy capped at
//! [`JUDGE_CAP`] bytes is kept to judge. The request body is read whole (up to [`REQUEST_CAP`])
//! before it is forwarded: the API's bodies are small, and judging needs them.

use super::Shared;
use super::judge::Seen;
use crate::client::{Observation, REDACTED, TransportError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Response, StatusCode};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest answer copy kept to judge; a longer answer is forwarded whole and not judged.
pub const JUDGE_CAP: usize = 16 * 1024 * 1024;
/// The largest request body forwarded.
pub const REQUEST_CAP: usize = 64 * 1024 * 1024;
/// How long the target has to answer (headers) before the client gets a 504.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Headers that belong to one connection, not to the exchange.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// The reqwest client of the forwarding side: the rules of [`crate::client::Client`].
pub fn http_client(loopback: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none());
    if loopback {
        builder = builder.no_proxy();
    }
    builder.build()
}

pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let query: Vec<(String, String)> = raw_query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let token = bearer(&parts.headers);
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match axum::body::to_bytes(body, REQUEST_CAP).await {
        Ok(b) => b,
        Err(_) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "groupcheck proxy: request body over the cap",
            );
        }
    };
    if let Some(line) = shared.judge.lock().await.begin(&method, &path) {
        shared.say(&line);
    }
    let mut url = format!("{}{path}", shared.target);
    if let Some(q) = &raw_query {
        url = format!("{url}?{q}");
    }
    let mut builder = shared
        .http
        .request(parts.method.clone(), url)
        .timeout(ANSWER_TIMEOUT);
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) {
            builder = builder.header(name, value);
        }
    }
    let sent_body = (!body.is_empty()).then(|| scrub(body.to_vec(), token.as_deref()));
    let mut seen = Seen {
        method,
        path,
        query,
        content_type,
        body: sent_body,
        authorised: token.is_some(),
        answer: Err(TransportError::Other("no answer yet".into())),
    };
    let answer = match builder.body(body).send().await {
        Ok(a) => a,
        Err(e) => {
            seen.answer = Err(TransportError::Connect(root_cause(&e)));
            shared.judged(seen, started.elapsed()).await;
            return plain(
                StatusCode::BAD_GATEWAY,
                "groupcheck proxy: no answer from the target",
            );
        }
    };
    let status = answer.status();
    let mut response = Response::builder().status(status);
    let mut headers = Vec::new();
    for (name, value) in answer.headers() {
        if !hop_by_hop(name) || name == "content-length" {
            response = response.header(name, value);
        }
        let mut text = value.as_bytes().to_vec();
        text = scrub(text, token.as_deref());
        headers.push((
            name.as_str().to_owned(),
            String::from_utf8_lossy(&text).into_owned(),
        ));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    tokio::spawn(async move {
        let mut answer = answer;
        let mut copy = Vec::new();
        let mut over = false;
        let mut client_gone = false;
        let mut broken = None;
        loop {
            match answer.chunk().await {
                Ok(Some(chunk)) => {
                    if copy.len() + chunk.len() > JUDGE_CAP {
                        over = true;
                    } else {
                        copy.extend_from_slice(&chunk);
                    }
                    if !client_gone && tx.send(Ok(chunk)).await.is_err() {
                        client_gone = true;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    broken = Some(root_cause(&e));
                    let _ = tx
                        .send(Err(std::io::Error::other("target answer broke")))
                        .await;
                    break;
                }
            }
        }
        drop(tx);
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone());
        seen.answer = match (broken, over) {
            (Some(e), _) => Err(TransportError::Other(format!("the answer broke off: {e}"))),
            (None, true) => Err(TransportError::BodyTooLarge(JUDGE_CAP)),
            (None, false) => Ok(Observation {
                status: status.as_u16(),
                content_type,
                headers,
                body: scrub(copy, token.as_deref()),
                elapsed: started.elapsed(),
                retries: 0,
            }),
        };
        shared.judged(seen, started.elapsed()).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    response
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| {
            plain(
                StatusCode::BAD_GATEWAY,
                "groupcheck proxy: bad answer headers",
            )
        })
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
}

/// The Bearer token of a request, to scrub it from what is kept.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let token = value
        .split_once(' ')
        .map_or(value, |(_, t)| t)
        .trim()
        .to_owned();
    Some(token)
}

/// `bytes` with every occurrence of the token (8 bytes or more) replaced by `[redacted]`.
pub fn scrub(bytes: Vec<u8>, token: Option<&str>) -> Vec<u8> {
    let Some(needle) = token.map(str::as_bytes).filter(|t| t.len() >= 8) else {
        return bytes;
    };
    if memchr::memmem::find(&bytes, needle).is_none() {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(&bytes, needle) {
        if at < last {
            continue;
        }
        out.extend_from_slice(&bytes[last..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        last = at + needle.len();
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn scrub_replaces_the_token() {
        let out = super::scrub(b"a secret-token-1 b".to_vec(), Some("secret-token-1"));
        assert_eq!(out, b"a [redacted] b");
    }
}
