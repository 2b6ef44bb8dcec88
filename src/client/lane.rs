//! A lane: one load worker's own connection to the target, for the request path of `load` and
//! `capacity`, where the client's own CPU time per request decides how hard it can push.
//!
//! A plain `http://` target that no proxy stands in front of is spoken to directly over one
//! HTTP/1.1 keep-alive connection of hyper's (the library reqwest itself runs on), opened on
//! first use and opened again after any error. That skips what a general client does per request
//! and a load worker does not need: a connection pool shared between threads, redirect and
//! decompression layers that parse the URL again, per-request timers of their own. Everything
//! else is the [`Client`]'s: the same root below the service plan (paths that leave it are
//! refused), the same headers, the same whole-request timeout and body cap, tokens scrubbed from
//! what comes back. `https://` targets and proxied ones go through the [`Client`]'s reqwest.
//!
//! Unlike [`Client::send`], a lane never retries a 429: under load a 429 is the target shedding
//! load, an answer to count, not to hide.

use super::{Client, HttpRequest, Observation, TransportError, WRONG_TOKEN, confine, is_loopback};
use crate::client::Auth;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The response headers a lane keeps: the ones the judges read ([`crate::check::judge`]).
pub const KEPT_HEADERS: [&str; 4] = ["content-type", "allow", "location", "retry-after"];

/// One worker's connection to the target. Not shared: a worker sends one request at a time.
pub struct Lane {
    client: Client,
    direct: Option<Direct>,
}

/// What a direct lane sends with every request, made once.
struct Direct {
    authority: String,
    host: HeaderValue,
    roots: [String; 2],
    bearer: [Option<HeaderValue>; 2],
    wrong: HeaderValue,
    user_agent: HeaderValue,
    addrs: Vec<SocketAddr>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    /// A lane to this client's target (see the module documentation).
    pub fn lane(&self) -> Lane {
        let mut client = self.clone();
        client.config.retries_on_429 = 0;
        let direct = Direct::new(&client, proxy_in_environment());
        Lane { client, direct }
    }
}

impl Lane {
    /// Whether this lane speaks to the target over its own connection (else through reqwest).
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Send one request and read the whole answer, within the client's timeout.
    pub async fn send(&mut self, request: &HttpRequest) -> Result<Observation, TransportError> {
        let Some(direct) = self.direct.as_mut() else {
            return self.client.send(request).await;
        };
        let config = &self.client.config;
        let started = Instant::now();
        let exchange = direct.exchange(request, config.connect_timeout, config.body_cap);
        let answer = match tokio::time::timeout(config.timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(TransportError::Timeout(config.timeout)),
        };
        match answer {
            Ok((status, headers, mut body)) => {
                self.client.scrub(&mut body);
                let content_type = headers
                    .iter()
                    .find(|(k, _)| k == "content-type")
                    .map(|(_, v)| v.clone());
                Ok(Observation {
                    status,
                    content_type,
                    headers,
                    body,
                    elapsed: started.elapsed(),
                    retries: 0,
                })
            }
            Err(error) => {
                // Whatever state the connection is in, it is not trusted with another request.
                direct.sender = None;
                Err(error)
            }
        }
    }
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

impl Direct {
    /// `None` when the target needs reqwest: TLS, or a proxy (`proxied`: the environment names
    /// one; a loopback target never goes through one, as with the Client).
    fn new(client: &Client, proxied: bool) -> Option<Direct> {
        let target = &client.target;
        let url = reqwest::Url::parse(&target.base_url).ok()?;
        if url.scheme() != "http" || (proxied && !is_loopback(&target.base_url)) {
            return None;
        }
        let authority = format!("{}:{}", url.host_str()?, url.port_or_known_default()?);
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str()?),
            None => url.host_str()?.to_owned(),
        };
        let base_path = url.path().trim_end_matches('/');
        let root = |plan: &str| format!("{base_path}/xms/v1/{plan}");
        let bearer = |token: &super::Secret| {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
            value.set_sensitive(true);
            Some(value)
        };
        let second_token = target.second_token.as_ref().unwrap_or(&target.token);
        Some(Direct {
            host: HeaderValue::from_str(&host).ok()?,
            authority,
            roots: [root(&target.service_plan_id), root(&target.second_plan_id)],
            bearer: [bearer(&target.token), bearer(second_token)],
            wrong: HeaderValue::from_str(&format!("Bearer {WRONG_TOKEN}")).ok()?,
            user_agent: HeaderValue::from_static(concat!("groupcheck/", env!("CARGO_PKG_VERSION"))),
            addrs: Vec::new(),
            sender: None,
        })
    }

    async fn exchange(
        &mut self,
        request: &HttpRequest,
        connect_timeout: Duration,
        cap: usize,
    ) -> Result<Answer, TransportError> {
        let second = usize::from(request.second_plan);
        let built = self.build(request, second)?;
        let sender = self.ready(connect_timeout).await?;
        let response = match sender.send_request(built).await {
            Ok(response) => response,
            // The connection closed before the request went out (an idle keep-alive connection
            // the target dropped): nothing reached the target, so try once on a new one.
            Err(e) if e.is_canceled() => {
                self.sender = None;
                let built = self.build(request, second)?;
                let sender = self.ready(connect_timeout).await?;
                sender.send_request(built).await.map_err(answer_error)?
            }
            Err(e) => return Err(answer_error(e)),
        };
        let status = response.status().as_u16();
        let headers = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?;
                Some((
                    (*name).to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                ))
            })
            .collect();
        let length = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if length.is_some_and(|n| n > cap as u64) {
            return Err(TransportError::BodyTooLarge(cap));
        }
        let mut body = Vec::with_capacity(length.map_or(0, |n| n as usize));
        let mut incoming = response.into_body();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| {
                TransportError::Other(format!("the answer broke off: {}", super::root_cause(&e)))
            })?;
            if let Ok(data) = frame.into_data() {
                if body.len() + data.len() > cap {
                    return Err(TransportError::BodyTooLarge(cap));
                }
                body.extend_from_slice(&data);
            }
        }
        Ok((status, headers, body))
    }

    /// The request as hyper sends it: origin-form path, Host, the plan's Authorization.
    fn build(
        &self,
        request: &HttpRequest,
        second: usize,
    ) -> Result<hyper::Request<Full<Bytes>>, TransportError> {
        let refuse =
            |what: String| TransportError::Other(format!("cannot make the request: {what}"));
        if request.emulator {
            return Err(refuse(
                "a step to the emulator's /emulator/ path cannot run under load".into(),
            ));
        }
        let root = &self.roots[second];
        // Dot segments (plain or percent-encoded) are resolved and confined as the Client does.
        let mut target = if request.path.contains('.') || request.path.contains('%') {
            let url = confine(&format!("http://{}{root}", self.authority), &request.path)?;
            url.path().to_owned()
        } else {
            format!("{root}{}", request.path)
        };
        if !request.query.is_empty() {
            target.push('?');
            let start = target.len();
            form_urlencoded::Serializer::for_suffix(&mut target, start)
                .extend_pairs(&request.query);
        }
        let method = hyper::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Other(format!("invalid method {}", request.method)))?;
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(target)
            .header(header::HOST, self.host.clone())
            .header(header::USER_AGENT, self.user_agent.clone());
        match request.auth {
            Auth::Token => {
                let value = self.bearer[second]
                    .clone()
                    .ok_or_else(|| refuse("the token cannot be sent in an HTTP header".into()))?;
                builder = builder.header(header::AUTHORIZATION, value);
            }
            Auth::Wrong => builder = builder.header(header::AUTHORIZATION, self.wrong.clone()),
            Auth::None => {}
        }
        if request.needs_json_content_type() {
            builder = builder.header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (k, v) in &request.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| refuse(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| refuse(format!("invalid value for header {k}")))?;
            builder = builder.header(name, value);
        }
        let body = request.body.clone().map(Bytes::from).unwrap_or_default();
        builder
            .body(Full::new(body))
            .map_err(|e| refuse(e.to_string()))
    }

    /// The open connection, ready for a request; a new one when there is none or it closed.
    async fn ready(
        &mut self,
        connect_timeout: Duration,
    ) -> Result<&mut SendRequest<Full<Bytes>>, TransportError> {
        if self.sender.as_ref().is_some_and(|s| s.is_closed()) {
            self.sender = None;
        }
        if self.sender.is_none() {
            let sender = tokio::time::timeout(connect_timeout, self.connect())
                .await
                .map_err(|_| {
                    TransportError::Connect(format!(
                        "no connection to {} within {connect_timeout:?}",
                        self.authority
                    ))
                })??;
            self.sender = Some(sender);
        }
        let ready = match self.sender.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !ready {
            self.sender = None;
            return Err(TransportError::Connect(format!(
                "the connection to {} closed",
                self.authority
            )));
        }
        Ok(self.sender.as_mut().expect("ready above"))
    }

    async fn connect(&mut self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        if self.addrs.is_empty() {
            self.addrs = tokio::net::lookup_host(&self.authority)
                .await
                .map_err(|e| TransportError::Connect(format!("{}: {e}", self.authority)))?
                .collect();
        }
        let stream = tokio::net::TcpStream::connect(&self.addrs[..])
            .await
            .map_err(|e| TransportError::Connect(format!("{}: {e}", self.authority)))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| TransportError::Connect(super::root_cause(&e)))?;
        // The connection's own task reads and writes the socket; it ends with the connection.
        tokio::spawn(connection);
        Ok(sender)
    }
}

/// What a failed exchange says, as the Client words it.
fn answer_error(error: hyper::Error) -> TransportError {
    TransportError::Other(format!(
        "no complete HTTP answer: {}",
        super::root_cause(&error)
    ))
}

/// Whether the environment names a proxy for plain-HTTP requests (reqwest would use it).
fn proxy_in_environment() -> bool {
    ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests;
