//! What each liberty does (`serve --liberty NAME`; the catalogue is [`super::liberty`]).
//! Liberties live on the emulator's side only, like faults: the model and the oracle never learn
//! them.
//!
//! * [`Liberties`]: the hooks the handlers call for the choices that need the store or the model
//!   (ids, a create's name, replace keeping child groups, `auto_update: null`, member order).
//! * [`Liberties::rate_limit`]: the 429s, inside authentication.
//! * [`Liberties::layer`]: a middleware for everything else, around the whole router: the request
//!   is bent on the way in (delays, a bodyless create, page_size over 100) and the answer on the way
//!   out (error bodies, extra fields, omitted `child_groups`, upper-cased keywords, JSON layout,
//!   Content-Type, chunked framing, `Connection: close`). With no liberty taken it passes every
//!   request straight through.

pub use super::liberty::{Liberty, UnknownLiberty};
use crate::model::error::{
    SYNTAX_CONSTRAINT_VIOLATION, SYNTAX_INVALID_JSON, SYNTAX_INVALID_PARAMETER_FORMAT,
};
use crate::model::{ApiError, Millis, Msisdn};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `rate-limited`: one request in this many is answered 429.
const RATE_LIMIT_EVERY: u64 = 5;
/// `slow-answers`: one answer in this many is delayed (so that a run of thousands of requests
/// still ends in seconds).
const SLOW_EVERY: u64 = 8;
/// The most a body is read to be bent (the emulator's own answers are never larger).
const BEND_LIMIT: usize = 512 * 1024 * 1024;
/// `chunked-bodies`: the size of each chunk.
const CHUNK: usize = 64;

/// The liberties of one emulator, and the request counter of `rate-limited`.
#[derive(Debug, Default)]
pub(crate) struct Liberties {
    active: BTreeSet<Liberty>,
    requests: AtomicU64,
    /// Authenticated requests, for `rate-limited`.
    limited: AtomicU64,
}

impl Liberties {
    pub fn new(liberties: &[Liberty]) -> Liberties {
        Liberties {
            active: liberties.iter().copied().collect(),
            requests: AtomicU64::new(0),
            limited: AtomicU64::new(0),
        }
    }

    pub fn has(&self, liberty: Liberty) -> bool {
        self.active.contains(&liberty)
    }

    // ---- hooks of the handlers ------------------------------------------------------------

    /// The id of a new group: a ULID, or the format a liberty chooses.
    pub fn new_id(&self, now: Millis, random: u128) -> String {
        if self.has(Liberty::UuidIds) {
            let hex = format!("{random:032x}");
            format!(
                "{}-{}-4{}-a{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[13..16],
                &hex[17..20],
                &hex[20..]
            )
        } else if self.has(Liberty::LegacyIds) {
            const ALPHABET: &[u8] =
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            let mut n = random;
            (0..12)
                .map(|_| {
                    let c = ALPHABET[(n % 62) as usize] as char;
                    n /= 62;
                    c
                })
                .collect()
        } else {
            crate::model::id::ulid(now, random)
        }
    }

    /// A create's body before the model reads it: `name-required`, `empty-name-accepted`.
    pub fn create_body(&self, body: &mut Map<String, Value>) -> Result<(), ApiError> {
        if self.has(Liberty::NameRequired) && body.get("name").is_none_or(Value::is_null) {
            return Err(ApiError::constraint(
                "A group must be created with a name: the field 'name' is required.",
            ));
        }
        self.empty_name(body);
        Ok(())
    }

    /// `empty-name-accepted`: an empty name counts as no name.
    pub fn empty_name(&self, body: &mut Map<String, Value>) {
        if self.has(Liberty::EmptyNameAccepted) && body.get("name") == Some(&json!("")) {
            body.remove("name");
        }
    }

    /// A replace's body before the model reads it: `replace-keeps-omitted-child-groups` fills in
    /// the group's current child_groups and auto_update.
    pub fn replace_body(&self, current: Option<&Value>, body: &mut Map<String, Value>) {
        self.empty_name(body);
        if !self.has(Liberty::ReplaceKeepsOmittedChildGroups) {
            return;
        }
        let Some(current) = current else { return };
        for key in ["child_groups", "auto_update"] {
            if body.get(key).is_none_or(Value::is_null)
                && let Some(value) = current.get(key)
            {
                body.insert(key.into(), value.clone());
            }
        }
    }

    /// `auto-update-null-unsets`: whether this update removes the group's auto_update.
    pub fn unsets_auto_update(&self, body: &Map<String, Value>) -> bool {
        self.has(Liberty::AutoUpdateNullUnsets) && body.get("auto_update") == Some(&Value::Null)
    }

    /// The numbers of GET .../members, in the order a liberty chooses.
    pub fn members(&self, numbers: &mut [Msisdn]) {
        if self.has(Liberty::MembersUnordered) {
            numbers.reverse();
        }
    }

    // ---- the middleware -------------------------------------------------------------------

    fn bends_answers(&self) -> bool {
        use Liberty::*;
        [
            EmptyErrorBodies,
            PlainTextErrors,
            ErrorWording,
            ErrorCodeChoice,
            ExtraFields,
            ChildGroupsOmittedWhenEmpty,
            KeywordsUpperCased,
            PrettyJson,
            JsonCharset,
            ChunkedBodies,
            ConnectionClose,
        ]
        .iter()
        .any(|l| self.has(*l))
    }

    /// A JSON answer, bent.
    fn bend_json(&self, status: StatusCode, value: &mut Value) {
        if status.is_client_error() {
            if let Some(error) = value.as_object_mut() {
                self.bend_error(status, error);
            }
            return;
        }
        match value {
            Value::Object(object) if object.contains_key("groups") => {
                if let Some(Value::Array(groups)) = object.get_mut("groups") {
                    groups.iter_mut().for_each(|g| self.bend_group(g));
                }
                if self.has(Liberty::ExtraFields) {
                    object.insert("kind".into(), json!("group_list"));
                }
            }
            Value::Object(object) if object.contains_key("id") => self.bend_group(value),
            _ => {}
        }
    }

    fn bend_group(&self, group: &mut Value) {
        let Some(group) = group.as_object_mut() else {
            return;
        };
        if self.has(Liberty::ChildGroupsOmittedWhenEmpty)
            && group
                .get("child_groups")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
        {
            group.remove("child_groups");
        }
        if self.has(Liberty::KeywordsUpperCased)
            && let Some(Value::Object(auto)) = group.get_mut("auto_update")
        {
            for key in ["add", "remove"] {
                if let Some(Value::Object(words)) = auto.get_mut(key) {
                    for word in words.values_mut() {
                        if let Value::String(text) = word {
                            *text = text.to_uppercase();
                        }
                    }
                }
            }
        }
        if self.has(Liberty::ExtraFields) {
            group.insert("kind".into(), json!("group"));
            group.insert("tags".into(), json!([]));
        }
    }

    fn bend_error(&self, status: StatusCode, error: &mut Map<String, Value>) {
        let documented = matches!(status.as_u16(), 400 | 403);
        if documented && self.has(Liberty::ErrorWording) && error.contains_key("text") {
            let text = if status == StatusCode::BAD_REQUEST {
                "Bad request: see the API documentation."
            } else {
                "Forbidden: the request cannot be performed."
            };
            error.insert("text".into(), json!(text));
        }
        if status == StatusCode::BAD_REQUEST && self.has(Liberty::ErrorCodeChoice) {
            let other = match error.get("code").and_then(Value::as_str) {
                Some(SYNTAX_INVALID_JSON) => Some(SYNTAX_CONSTRAINT_VIOLATION),
                Some(SYNTAX_INVALID_PARAMETER_FORMAT) => Some(SYNTAX_CONSTRAINT_VIOLATION),
                Some(SYNTAX_CONSTRAINT_VIOLATION) => Some(SYNTAX_INVALID_PARAMETER_FORMAT),
                _ => None,
            };
            if let Some(other) = other {
                error.insert("code".into(), json!(other));
            }
        }
        if self.has(Liberty::ExtraFields) {
            error.insert("reference".into(), json!("gc-emulator"));
        }
    }
}

/// Whether an error of this status has no documented body (§4.1).
fn bodyless_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 404 | 405 | 415)
}

impl Liberties {
    /// `rate-limited`: one authenticated request in five is answered 429 before it is processed
    /// (routed from `routes.rs` inside authentication: a server counts an account's requests, so
    /// a request without a valid token still gets its 401).
    pub fn rate_limit(&self) -> Option<Response> {
        if !self.has(Liberty::RateLimited) {
            return None;
        }
        let n = self.limited.fetch_add(1, Ordering::Relaxed);
        if n % RATE_LIMIT_EVERY != RATE_LIMIT_EVERY - 1 {
            return None;
        }
        let mut response = Response::new(Body::from(
            json!({"code": "too_many_requests", "text": "Too many outstanding requests."})
                .to_string(),
        ));
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("0"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Some(response)
    }

    /// The middleware's work (routed from `routes.rs`): bend the request on the way in and the
    /// answer on the way out.
    pub async fn layer(&self, request: Request, next: Next) -> Response {
        let l = self;
        if l.active.is_empty() {
            return next.run(request).await;
        }
        let n = l.requests.fetch_add(1, Ordering::Relaxed);
        if l.has(Liberty::SlowAnswers) && n.is_multiple_of(SLOW_EVERY) {
            let delay = 20 + rand::random::<u64>() % 61;
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let request = bend_request(l, request);
        let response = next.run(request).await;
        if !l.bends_answers() {
            return response;
        }
        bend_response(l, response).await
    }
}

/// `bodyless-create-accepted` and `page-size-clamped`.
fn bend_request(l: &Liberties, mut request: Request) -> Request {
    let path = request.uri().path().trim_end_matches('/');
    let is_groups_root = path.ends_with("/groups") && path.starts_with("/xms/v1/");
    if !is_groups_root {
        return request;
    }
    if l.has(Liberty::BodylessCreateAccepted)
        && request.method() == Method::POST
        && !request.headers().contains_key(header::CONTENT_TYPE)
        && request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_none_or(|v| v.as_bytes() == b"0")
        && !request.headers().contains_key(header::TRANSFER_ENCODING)
    {
        let headers = request.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("2"));
        let (parts, _) = request.into_parts();
        return Request::from_parts(parts, Body::from("{}"));
    }
    if l.has(Liberty::PageSizeClamped)
        && request.method() == Method::GET
        && let Some(query) = request.uri().query()
    {
        let clamped: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| {
                let v = match (k.as_ref(), v.parse::<u128>()) {
                    ("page_size", Ok(size)) if size > 100 => "100".to_owned(),
                    _ => v.into_owned(),
                };
                (k.into_owned(), v)
            })
            .collect();
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(clamped)
            .finish();
        if let Ok(uri) = format!("{}?{query}", request.uri().path()).parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}

async fn bend_response(l: &Liberties, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    let Ok(bytes) = axum::body::to_bytes(body, BEND_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let mut bytes = bytes;
    if bodyless_status(status) && l.has(Liberty::EmptyErrorBodies) {
        parts.headers.remove(header::CONTENT_TYPE);
        bytes = Bytes::new();
    } else if bodyless_status(status) && l.has(Liberty::PlainTextErrors) {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        bytes = Bytes::from(status.canonical_reason().unwrap_or("Error").to_owned());
    } else if is_json && !bytes.is_empty() {
        if let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) {
            l.bend_json(status, &mut value);
            let text = if l.has(Liberty::PrettyJson) {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            bytes = Bytes::from(text.unwrap_or_default());
        }
        if l.has(Liberty::JsonCharset) {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
    }
    if l.has(Liberty::ConnectionClose) {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    if l.has(Liberty::ChunkedBodies) && !bytes.is_empty() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(CHUNK)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        return Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)));
    }
    Response::from_parts(parts, Body::from(bytes))
}
