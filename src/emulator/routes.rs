//! HTTP routes of the emulator: authentication, content negotiation and the mapping of the seven
//! operations onto [`crate::model::Store`].
//!
//! Order of checks for a request: 401 (auth) → 404/405 (routing) → 413/415 (body) → 400 (parse and
//! validate) → 404 (unknown id) → 403 (unknown referenced group).

use super::http::{json_object, json_response, now, plain_error_response, status_code};
use super::state::{AppState, EmulatorConfig};
use crate::model::{ApiError, ListQuery, Store};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

type Shared = State<Arc<AppState>>;

pub(super) fn router(config: EmulatorConfig) -> Router {
    let body_limit = config.body_limit;
    let state = Arc::new(AppState::new(config));
    Router::new()
        .route("/xms/v1/{plan}/groups", get(list).post(create))
        .route(
            "/xms/v1/{plan}/groups/{id}",
            get(retrieve).put(replace).post(update).delete(delete),
        )
        .route("/xms/v1/{plan}/groups/{id}/members", get(members))
        .route(
            "/emulator/v1/{plan}/mo",
            axum::routing::post(super::mo::inbound),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), liberties))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

// ---- the seven operations -------------------------------------------------------------------
//
// Each handler reads as: body → request (`faults.*_request`: parsing, bent by any injected fault)
// → model → answer (`faults.group` / `faults.list`: the Group as the model says, bent by any
// injected fault). With no fault injected every `faults.*` call is the plain model.

async fn create(
    State(s): Shared,
    Path(plan): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_body(&s, &headers, body).and_then(|mut b| {
        s.liberties.create_body(&mut b)?;
        let store = s.plan(&plan);
        let request = s.faults.create_request(&store, &b)?;
        let now = now();
        let id = s.liberties.new_id(now, rand::random());
        let view = lock(&store).create(request, id, now)?;
        s.faults.created(&b, &view);
        Ok(s.faults.group(view))
    });
    respond(&s, s.faults.create_status(), result)
}

async fn list(State(s): Shared, Path(plan): Path<String>, RawQuery(q): RawQuery) -> Response {
    let query = q.unwrap_or_default();
    let result = ListQuery::from_pairs(
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect::<Vec<_>>()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
    .map(|query| s.faults.list(&lock(&s.existing_plan(&plan)), query));
    respond(&s, 200, result)
}

async fn retrieve(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    let result = lock(&s.existing_plan(&plan)).retrieve(&id);
    respond(&s, 200, result.map(|view| s.faults.group(view)))
}

async fn update(
    State(s): Shared,
    Path((plan, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let store = s.existing_plan(&plan);
    let result = async {
        let mut b = json_body(&s, &headers, body)?;
        s.liberties.empty_name(&mut b);
        let request = s.faults.update_request(&store, &id, &b)?;
        let mut view = s.faults.update(&store, &id, request, now()).await?;
        if s.liberties.unsets_auto_update(&b) {
            view = unset_auto_update(&mut lock(&store), &id)?;
        }
        Ok(s.faults.group(view))
    }
    .await;
    respond(&s, 200, result)
}

async fn replace(
    State(s): Shared,
    Path((plan, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_body(&s, &headers, body).and_then(|mut b| {
        let store = s.existing_plan(&plan);
        let current = {
            let store = lock(&store);
            store.retrieve(&id).ok().map(|mut g| {
                // A kept child group that is gone since is dropped, not a reason to reject.
                g.child_groups.retain(|c| store.get(c).is_some());
                serde_json::to_value(g).unwrap_or_default()
            })
        };
        s.liberties.replace_body(current.as_ref(), &mut b);
        let request = s.faults.replace_request(&store, &id, &b)?;
        let view = lock(&store).replace(&id, request, now())?;
        s.faults.replaced(&id);
        Ok(s.faults.group(view))
    });
    respond(&s, s.faults.replace_status(), result)
}

async fn delete(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    match s.faults.delete(&s.existing_plan(&plan), &id) {
        Ok(()) => status_code(s.faults.delete_status()).into_response(),
        Err(e) => error_response(&s, &e),
    }
}

async fn members(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    // Copy the numbers under the lock; format them after releasing it.
    let result = lock(&s.existing_plan(&plan)).members(&id);
    match result {
        Ok(mut numbers) => {
            s.faults.members(&mut numbers);
            s.liberties.members(&mut numbers);
            if let Some(delay) = s.faults.members_delay(numbers.len()) {
                tokio::time::sleep(delay).await;
            }
            let prefix = s.faults.member_prefix();
            let mut out = String::with_capacity(numbers.len() * 17 + 2);
            out.push('[');
            for (i, n) in numbers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(prefix);
                out.push_str(&n.to_string());
                out.push('"');
            }
            out.push(']');
            json_response(StatusCode::OK, out)
        }
        Err(e) => error_response(&s, &e),
    }
}

/// `auto-update-null-unsets`: the group as it is, without its auto_update.
fn unset_auto_update(store: &mut Store, id: &str) -> Result<crate::model::GroupView, ApiError> {
    let mut group = store
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(id))?;
    // A child deleted since is no reason to reject: it is dropped.
    group.child_groups.retain(|c| store.get(c).is_some());
    let request = crate::model::ReplaceRequest {
        name: group.name,
        members: group.members.into_iter().collect(),
        child_groups: group.child_groups,
        auto_update: None,
    };
    let modified = crate::model::id::parse_timestamp(&store.retrieve(id)?.modified_at);
    store.replace(id, request, modified.unwrap_or_else(now))
}

// ---- cross-cutting: liberties, auth, routing errors, bodies ----------------------------------

/// The liberties taken (a pass-through when none are): see `liberties.rs`.
async fn liberties(State(s): Shared, request: Request, next: Next) -> Response {
    s.liberties.layer(request, next).await
}

/// The `rate-limited` liberty's 429s (a pass-through otherwise), after authentication.
async fn rate_limit(State(s): Shared, request: Request, next: Next) -> Response {
    match s.liberties.rate_limit() {
        Some(too_many) => {
            read_unused_body(&s, request).await;
            too_many
        }
        None => next.run(request).await,
    }
}

/// Read (up to the body limit) the body of a request answered without it, before answering:
/// otherwise the server closes the connection under a client still sending a large body, and the
/// TCP reset can destroy the answer before the client reads it ("connection closed before
/// message completed"; seen with a 10,000-member create answered 429).
async fn read_unused_body(s: &AppState, request: Request) {
    let _ = axum::body::to_bytes(request.into_body(), s.config.body_limit).await;
}

async fn authenticate(State(s): Shared, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        })
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let ok = match (presented, &s.config.token) {
        (Some(given), Some(expected)) => constant_time_eq(given.as_bytes(), expected.as_bytes()),
        (Some(_), None) => true,
        (None, _) => false,
    } || s.faults.accepts_any_token();
    if ok {
        return next.run(request).await;
    }
    read_unused_body(&s, request).await;
    let error = ApiError::new(
        401,
        "unauthorized",
        "Authentication token is invalid for this service plan.",
    );
    let mut response = plain_error_response(&error);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn log_request(State(s): Shared, request: Request, next: Next) -> Response {
    if !s.config.log_requests {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "{method} {path} -> {} ({:.1} ms)",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let allow = match uri.path().trim_end_matches('/').rsplit('/').next() {
        Some("groups") => "GET, POST",
        Some("members") => "GET",
        _ => "GET, POST, PUT, DELETE",
    };
    let mut response = plain_error_response(&ApiError::new(
        405,
        "method_not_allowed",
        format!("The path is valid but not for the method {method}."),
    ));
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// Every error answer is `{"code", "text"}` JSON, also those axum makes itself: a path whose
/// percent-encoding does not decode to UTF-8 is a 404 like any other unknown path (axum's path
/// extractor would answer a text/plain 400), and any other error answered as text is wrapped.
async fn json_errors(request: Request, next: Next) -> Response {
    if !decodes_to_utf8(request.uri().path()) {
        return unknown_path().await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let text = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    };
    let code = match status.as_u16() {
        400 => crate::model::error::SYNTAX_INVALID_PARAMETER_FORMAT,
        404 => crate::model::error::NOT_FOUND,
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        _ if status.is_server_error() => "internal_error",
        _ => "error",
    };
    let mut out = plain_error_response(&ApiError::new(status.as_u16(), code, text));
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Whether a percent-encoded path decodes to UTF-8 text.
fn decodes_to_utf8(path: &str) -> bool {
    if !path.contains('%') {
        return true;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&out).is_ok()
}

async fn unknown_path() -> Response {
    plain_error_response(&ApiError::new(
        404,
        "not_found",
        "The path is invalid or no resource exists with the given ID.",
    ))
}

/// The body of a create, update or replace: [`json_object`], with the faults that bend it (a
/// Content-Type not checked, a crash on a body that is not JSON).
fn json_body(
    s: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    json_object(headers, body, s.faults.checks_content_type()).map_err(|e| {
        if e.status == 400 {
            s.faults.unreadable_body(e)
        } else {
            e
        }
    })
}

// ---- responses ------------------------------------------------------------------------------

fn respond<T: serde::Serialize>(
    s: &AppState,
    status: u16,
    result: Result<T, ApiError>,
) -> Response {
    match result {
        Ok(value) => match serde_json::to_string(&value) {
            Ok(text) => json_response(status_code(status), text),
            Err(e) => plain_error_response(&ApiError::new(500, "internal", e.to_string())),
        },
        Err(e) => error_response(s, &e),
    }
}

/// An error of an operation: `{"code", "text"}` (unless a fault bends the body).
fn error_response(s: &AppState, error: &ApiError) -> Response {
    json_response(status_code(error.status), s.faults.error_body(error))
}

fn lock(store: &std::sync::Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
