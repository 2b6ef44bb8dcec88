//! The only code that talks HTTP to a target: auth, timeouts, a cap on body size, 429 back-off,
//! no redirects, secrets kept out of every printable form, and a curl reproducer per request.
//!
//! * [`ledger`]: the record of every group a run created, for teardown and `cleanup`.

pub mod ledger;

use crate::scenario::Auth;
use std::fmt;
use std::time::{Duration, Instant};

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

    /// The root and token a request addresses.
    fn route(&self, second: bool) -> (String, &Secret) {
        if second {
            let root = format!("{}/xms/v1/{}", self.base_url, self.second_plan_id);
            (root, self.second_token.as_ref().unwrap_or(&self.token))
        } else {
            (self.plan_root(), &self.token)
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
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            body_cap: 64 * 1024 * 1024,
            retries_on_429: 5,
            max_retry_after: Duration::from_secs(30),
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
}

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
    pub fn new(target: Target, config: ClientConfig) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("groupcheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
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
        let (root, token) = self.target.route(request.second_plan);
        let url = format!("{root}{}", request.path);
        let mut builder = self
            .http
            .request(method, &url)
            .query(&request.query)
            .timeout(self.config.timeout);
        builder = match request.auth {
            Auth::Token => builder.bearer_auth(token.expose()),
            Auth::Wrong => builder.bearer_auth("groupcheck-wrong-token"),
            Auth::None => builder,
        };
        let has_content_type = request
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if let Some(body) = &request.body {
            if !has_content_type {
                builder = builder.header("Content-Type", "application/json");
            }
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
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
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
        Ok((status, retry_after, headers, body))
    }

    /// A curl command that reproduces the request; the token is read from `$SINCH_API_TOKEN`,
    /// never written out. Bodies over 2,000 bytes are elided.
    pub fn curl(&self, request: &HttpRequest) -> String {
        let (root, _) = self.target.route(request.second_plan);
        let mut url = format!("{root}{}", request.path);
        if !request.query.is_empty() {
            let pairs: Vec<String> = request
                .query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            url = format!("{url}?{}", pairs.join("&"));
        }
        let mut parts = vec![format!("curl -i -X {} {}", request.method, quote(&url))];
        match request.auth {
            Auth::Token if request.second_plan && self.target.second_token.is_some() => {
                parts.push("-H \"Authorization: Bearer $SINCH_SECOND_API_TOKEN\"".into())
            }
            Auth::Token => parts.push("-H \"Authorization: Bearer $SINCH_API_TOKEN\"".into()),
            Auth::Wrong => parts.push(quote_header("Authorization: Bearer groupcheck-wrong-token")),
            Auth::None => {}
        }
        let has_content_type = request
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if request.body.is_some() && !has_content_type {
            parts.push(quote_header("Content-Type: application/json"));
        }
        for (k, v) in &request.headers {
            parts.push(quote_header(&format!("{k}: {v}")));
        }
        if let Some(body) = &request.body {
            let text = String::from_utf8_lossy(body);
            if text.len() > 2000 {
                parts.push(format!("--data-binary '<{} bytes elided>'", text.len()));
            } else {
                parts.push(format!("--data-binary {}", quote(&text)));
            }
        }
        parts.join(" \\\n  ")
    }
}

fn classify(error: reqwest::Error, timeout: Duration) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout(timeout)
    } else if error.is_connect() {
        TransportError::Connect(root_cause(&error))
    } else {
        TransportError::Other(root_cause(&error))
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
