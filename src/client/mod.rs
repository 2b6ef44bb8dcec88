//! The only code that talks HTTP to a target: auth, timeouts, a cap on body size, 429 back-off,
//! no redirects, secrets kept out of every printable form, and a curl reproducer per request.
//!
//! Hostile targets (docs/robustness.md): every way a target can misbehave ends as a
//! [`TransportError`] or an [`Observation`], never a panic, a hang or unbounded memory. A request
//! never leaves the addressed service plan's root (no dot-segment escapes), a loopback target is
//! never sent through a proxy, and a token a target echoes back is replaced by `[redacted]` before
//! anyone sees the answer.
//!
//! * [`ledger`]: the record of every group a run created, for teardown and `cleanup`.

pub mod lane;
pub mod ledger;

use serde::Deserialize;
use std::fmt;
use std::time::{Duration, Instant};

/// Which credentials a request presents (a scenario step names one: `auth: none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// The run's token.
    #[default]
    Token,
    /// No Authorization header.
    None,
    /// A token that cannot be right.
    Wrong,
}

crate::error::message_error!(
    /// The HTTP client cannot be built (a CA certificate that does not parse, a TLS back end).
    ClientError
);

/// A secret that never prints: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where requests go: `{base_url}/xms/v1/{service_plan_id}{path}`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Scheme, host and port, without a trailing slash (`https://us.sms.api.sinch.com`).
    pub base_url: String,
    pub service_plan_id: String,
    pub token: Secret,
    /// A second service plan, for isolation checks, and its token (`None`: the first one's).
    pub second_plan_id: String,
    pub second_token: Option<Secret>,
}

impl Target {
    pub fn plan_root(&self) -> String {
        format!("{}/xms/v1/{}", self.base_url, self.service_plan_id)
    }

    /// The root and token a request addresses: `/xms/v1/{plan}`, or for a request to the
    /// emulator's own extensions (`HttpRequest::emulator`) `/emulator/v1/{plan}`.
    fn route(&self, request: &HttpRequest) -> (String, &Secret) {
        let api = if request.emulator { "emulator" } else { "xms" };
        if request.second_plan {
            let root = format!("{}/{api}/v1/{}", self.base_url, self.second_plan_id);
            (root, self.second_token.as_ref().unwrap_or(&self.token))
        } else {
            let root = format!("{}/{api}/v1/{}", self.base_url, self.service_plan_id);
            (root, &self.token)
        }
    }
}

/// Transport limits.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Whole-request timeout, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest response body read; more is a transport error.
    pub body_cap: usize,
    /// How often a 429 is retried.
    pub retries_on_429: u32,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    /// Extra trusted root certificates (PEM), added to the system's (`--ca-cert FILE`).
    pub ca_certs: Vec<Vec<u8>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            body_cap: 64 * 1024 * 1024,
            retries_on_429: 5,
            max_retry_after: Duration::from_secs(30),
            ca_certs: Vec::new(),
        }
    }
}

/// One request, with its path below the plan root.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// Below `/xms/v1/{service_plan_id}`, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Extra headers; a `Content-Type` here replaces the default for a body.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: Auth,
    /// Address the second service plan.
    pub second_plan: bool,
    /// Below `/emulator/v1/{service_plan_id}` instead: groupcheck's emulator's own extensions
    /// (the simulated inbound SMS). Only `check` sends these, and only to the emulator.
    pub emulator: bool,
}

impl HttpRequest {
    /// Whether the request carries a body and no Content-Type of its own: it is then sent as
    /// `application/json`.
    pub fn needs_json_content_type(&self) -> bool {
        self.body.is_some()
            && !self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    }
}

/// The token sent by steps with `auth: wrong`.
pub const WRONG_TOKEN: &str = "groupcheck-wrong-token";

/// What came back.
#[derive(Debug, Clone)]
pub struct Observation {
    pub status: u16,
    pub content_type: Option<String>,
    /// Every response header, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// 429s retried before this answer.
    pub retries: u32,
}

impl Observation {
    /// A response header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect to the target: {0}")]
    Connect(String),
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    #[error("response body larger than the cap of {0} bytes")]
    BodyTooLarge(usize),
    #[error("{0}")]
    Other(String),
}

/// An HTTP client bound to one target.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    target: Target,
    config: ClientConfig,
}

impl Client {
    pub fn new(target: Target, config: ClientConfig) -> Result<Client, ClientError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("groupcheck/", env!("CARGO_PKG_VERSION")));
        // HTTP_PROXY / HTTPS_PROXY apply to remote targets (reqwest reads them, with NO_PROXY);
        // a loopback target, such as the embedded emulator, is never sent to a proxy, which could
        // not reach this machine's loopback anyway.
        if is_loopback(&target.base_url) {
            builder = builder.no_proxy();
        }
        let mut roots = Vec::new();
        for pem in &config.ca_certs {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ClientError(format!("cannot read a --ca-cert file: {}", root_cause(&e)))
            })?;
            if certs.is_empty() {
                return Err("a --ca-cert file holds no PEM certificate".into());
            }
            roots.extend(certs);
        }
        let extra_roots = !roots.is_empty();
        if extra_roots {
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder.build().map_err(|e| {
            let hint = if extra_roots {
                " (is every --ca-cert file a PEM certificate?)"
            } else {
                ""
            };
            format!("cannot build the HTTP client: {}{hint}", root_cause(&e))
        })?;
        Ok(Client {
            http,
            target,
            config,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Send a request; retry 429s after `Retry-After` (or a growing back-off).
    pub async fn send(&self, request: &HttpRequest) -> Result<Observation, TransportError> {
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let (status, retry_after, headers, body) = self.send_once(request).await?;
            let content_type = headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.clone());
            if status == 429 && retries < self.config.retries_on_429 {
                let wait = retry_after
                    .unwrap_or(Duration::from_millis(250 << retries))
                    .min(self.config.max_retry_after);
                tokio::time::sleep(wait).await;
                retries += 1;
                continue;
            }
            return Ok(Observation {
                status,
                content_type,
                headers,
                body,
                elapsed: started.elapsed(),
                retries,
            });
        }
    }

    async fn send_once(
        &self,
        request: &HttpRequest,
    ) -> Result<(u16, Option<Duration>, Vec<(String, String)>, Vec<u8>), TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Other(format!("invalid method {}", request.method)))?;
        let (root, token) = self.target.route(request);
        let url = confine(&root, &request.path)?;
        let mut builder = self
            .http
            .request(method, url)
            .query(&request.query)
            .timeout(self.config.timeout);
        builder = match request.auth {
            Auth::Token => builder.bearer_auth(token.expose()),
            Auth::Wrong => builder.bearer_auth(WRONG_TOKEN),
            Auth::None => builder,
        };
        if request.needs_json_content_type() {
            builder = builder.header("Content-Type", "application/json");
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let timeout = self.config.timeout;
        let mut response = builder.send().await.map_err(|e| classify(e, timeout))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                let mut value = v.as_bytes().to_vec();
                self.scrub(&mut value);
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(&value).into_owned(),
                )
            })
            .collect();
        let cap = self.config.body_cap;
        if response.content_length().is_some_and(|n| n as usize > cap) {
            return Err(TransportError::BodyTooLarge(cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(e, timeout))? {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::BodyTooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        self.scrub(&mut body);
        Ok((status, retry_after, headers, body))
    }

    /// Replace every occurrence of the run's tokens in `bytes` by `[redacted]`: a target that
    /// echoes the Authorization header back (debug pages, some error bodies) must not carry the
    /// token into a finding, a report or a log. Tokens shorter than [`MIN_SCRUBBED_TOKEN`] bytes
    /// are left alone: replacing every `T` of a timestamp would break the judging instead.
    pub fn scrub(&self, bytes: &mut Vec<u8>) {
        for secret in std::iter::once(&self.target.token).chain(self.target.second_token.iter()) {
            let needle = secret.expose().as_bytes();
            if needle.len() < MIN_SCRUBBED_TOKEN {
                continue;
            }
            if memchr::memmem::find(bytes, needle).is_none() {
                continue;
            }
            let finder = memchr::memmem::Finder::new(needle);
            let mut out = Vec::with_capacity(bytes.len());
            let mut last = 0;
            for at in finder.find_iter(bytes) {
                out.extend_from_slice(&bytes[last..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                last = at + needle.len();
            }
            out.extend_from_slice(&bytes[last..]);
            *bytes = out;
        }
    }

    /// A curl command that reproduces the request; the token is read from `$SINCH_API_TOKEN`,
    /// never written out. Bodies over [`INLINE_BODY_MAX`] bytes are elided as [`elided_body`]:
    /// the check reports write them to a file and put `--data-binary @FILE` in its place.
    pub fn curl(&self, request: &HttpRequest) -> String {
        let (root, _) = self.target.route(request);
        let mut url = format!("{root}{}", request.path);
        if !request.query.is_empty() {
            let pairs = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&request.query)
                .finish();
            url = format!("{url}?{pairs}");
        }
        let method = if !request.method.is_empty()
            && request.method.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            request.method.clone()
        } else {
            quote(&request.method)
        };
        let mut parts = vec![format!("curl -i -X {method} {}", quote(&url))];
        match request.auth {
            Auth::Token if request.second_plan && self.target.second_token.is_some() => {
                parts.push("-H \"Authorization: Bearer $SINCH_SECOND_API_TOKEN\"".into())
            }
            Auth::Token => parts.push("-H \"Authorization: Bearer $SINCH_API_TOKEN\"".into()),
            Auth::Wrong => parts.push(quote_header(&format!(
                "Authorization: Bearer {WRONG_TOKEN}"
            ))),
            Auth::None => {}
        }
        if request.needs_json_content_type() {
            parts.push(quote_header("Content-Type: application/json"));
        }
        for (k, v) in &request.headers {
            parts.push(quote_header(&format!("{k}: {v}")));
        }
        if let Some(body) = &request.body {
            let text = String::from_utf8_lossy(body);
            if body.len() > INLINE_BODY_MAX {
                parts.push(elided_body(body.len()));
            } else {
                parts.push(format!("--data-binary {}", quote(&text)));
            }
        }
        parts.join(" \\\n  ")
    }
}

/// A reproducer carries a request body inline up to this many bytes.
pub const INLINE_BODY_MAX: usize = 4096;

/// The `--data-binary` argument of a reproducer whose body of `len` bytes is not inline.
pub fn elided_body(len: usize) -> String {
    format!("--data-binary '<{len} bytes elided>'")
}

/// The `--data-binary` argument reading a body from `path`.
pub fn body_file_arg(path: &str) -> String {
    format!("--data-binary @{}", quote(path))
}

/// What a scrubbed token is replaced with.
pub const REDACTED: &str = "[redacted]";
/// Tokens shorter than this are not scrubbed from answers (see [`Client::scrub`]).
pub const MIN_SCRUBBED_TOKEN: usize = 8;

/// `id` as one path segment: every byte but the unreserved ones (RFC 3986) percent-encoded, so
/// an id a target returned (`a/../../b`, `x?y`, `x#y`) names one resource below `/groups/` and no
/// other path.
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL of `path` below `root`, refused when it would leave `root` once dot segments are
/// resolved (`/groups/../../other-plan/groups/X`) or change scheme, host or port.
fn confine(root: &str, path: &str) -> Result<reqwest::Url, TransportError> {
    let refuse = |why: String| TransportError::Other(format!("refusing to send: {why}"));
    let base =
        reqwest::Url::parse(root).map_err(|e| refuse(format!("{root} is not a URL: {e}")))?;
    let url = reqwest::Url::parse(&format!("{root}{path}"))
        .map_err(|e| refuse(format!("'{path}' does not make a URL: {e}")))?;
    let base_path = base.path().trim_end_matches('/');
    let inside = url.path() == base_path
        || url
            .path()
            .strip_prefix(base_path)
            .is_some_and(|rest| rest.starts_with('/'));
    if !inside || url.origin() != base.origin() {
        return Err(refuse(format!(
            "'{path}' resolves to {}, outside the service plan's root {}",
            url.path(),
            base_path
        )));
    }
    Ok(url)
}

/// Whether a base URL names this machine: 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(base_url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

fn classify(error: reqwest::Error, timeout: Duration) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout(timeout)
    } else if error.is_connect() {
        TransportError::Connect(root_cause(&error))
    } else if error.is_builder() {
        TransportError::Other(format!("cannot make the request: {}", root_cause(&error)))
    } else if error.is_body() || error.is_decode() {
        TransportError::Other(format!("the answer broke off: {}", root_cause(&error)))
    } else {
        TransportError::Other(format!("no complete HTTP answer: {}", root_cause(&error)))
    }
}

/// The innermost cause, which is the useful one (reqwest wraps hyper wraps io).
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message = s.to_string();
        source = s.source();
    }
    message
}

/// Single-quote for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn quote_header(text: &str) -> String {
    format!("-H {}", quote(text))
}
