//! HTTP routes of the emulator: authentication, content negotiation and the mapping of the seven
//! operations onto [`crate::model::Store`].
//!
//! Order of checks for a request: 401 (auth) → 404/405 (routing) → 413/415 (body) → 400 (parse and
//! validate) → 404 (unknown id) → 403 (unknown referenced group).

use super::faults::Fault;
use super::state::{AppState, EmulatorConfig};
use crate::model::request::parse_body;
use crate::model::{
    ApiError, CreateRequest, ListQuery, Millis, NameChange, ReplaceRequest, Store, UpdateRequest,
    id,
};
use axum::Router;
use axum::body::{Body, Bytes};
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
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

// ---- the seven operations -------------------------------------------------------------------

async fn create(
    State(s): Shared,
    Path(plan): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_body(&headers, body).and_then(|b| {
        let request = CreateRequest::from_json(&b)?;
        let sent = b
            .get("members")
            .and_then(|m| m.as_array())
            .map_or(0, Vec::len);
        let now = now();
        let id = id::ulid(now, rand::random());
        let mut view = lock(&s.plan(&plan)).create(request, id, now)?;
        if s.config.has(Fault::DuplicatesCounted) {
            view.size = sent;
        }
        Ok(view)
    });
    let status = if s.config.has(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    respond(status, result)
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
    .map(|query| lock(&s.plan(&plan)).list(query));
    respond(StatusCode::OK, result)
}

async fn retrieve(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    respond(StatusCode::OK, lock(&s.plan(&plan)).retrieve(&id))
}

async fn update(
    State(s): Shared,
    Path((plan, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_body(&headers, body).and_then(|b| {
        let mut request = UpdateRequest::from_json(&b)?;
        if s.config.has(Fault::NullNameIgnored) && request.name == NameChange::Clear {
            request.name = NameChange::Keep;
        }
        let store = s.plan(&plan);
        let mut store = lock(&store);
        if s.config.has(Fault::RemovesBeforeAdds) {
            let removes = UpdateRequest {
                remove: std::mem::take(&mut request.remove),
                remove_from_group: request.remove_from_group.take(),
                ..UpdateRequest::default()
            };
            store.update(&id, removes, now())?;
        }
        store.update(&id, request, now())
    });
    respond(StatusCode::OK, result)
}

async fn replace(
    State(s): Shared,
    Path((plan, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_body(&headers, body).and_then(|b| {
        let request = ReplaceRequest::from_json(&b)?;
        lock(&s.plan(&plan)).replace(&id, request, now())
    });
    respond(StatusCode::OK, result)
}

async fn delete(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    match lock(&s.plan(&plan)).delete(&id) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => error_response(&e),
    }
}

async fn members(State(s): Shared, Path((plan, id)): Path<(String, String)>) -> Response {
    // Copy the numbers under the lock; format them after releasing it.
    let result = lock(&s.plan(&plan)).members(&id);
    match result {
        Ok(numbers) => {
            let mut out = String::with_capacity(numbers.len() * 16 + 2);
            out.push('[');
            for (i, n) in numbers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(&n.to_string());
                out.push('"');
            }
            out.push(']');
            json_response(StatusCode::OK, out)
        }
        Err(e) => error_response(&e),
    }
}

// ---- cross-cutting: auth, routing errors, bodies --------------------------------------------

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
    };
    if ok {
        return next.run(request).await;
    }
    let error = ApiError::new(
        401,
        "unauthorized",
        "Authentication token is invalid for this service plan.",
    );
    let mut response = error_response(&error);
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
    let mut response = error_response(&ApiError::new(
        405,
        "method_not_allowed",
        format!("The path is valid but not for the method {method}."),
    ));
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

async fn unknown_path() -> Response {
    error_response(&ApiError::new(
        404,
        "not_found",
        "The path is invalid or no resource exists with the given ID.",
    ))
}

/// The body of a create, update or replace: 415 without `Content-Type: application/json`, 413 when
/// over the limit, 400 when not a JSON object.
fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            415,
            "unsupported_media_type",
            format!(
                "The Content-Type header must be application/json, not '{}'.",
                content_type.escape_default()
            ),
        ));
    }
    let bytes = body.map_err(|e| {
        ApiError::new(
            e.status().as_u16(),
            "payload_too_large",
            format!("The request body could not be read: {e}."),
        )
    })?;
    parse_body(&bytes)
}

// ---- responses ------------------------------------------------------------------------------

fn respond<T: serde::Serialize>(status: StatusCode, result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => match serde_json::to_string(&value) {
            Ok(text) => json_response(status, text),
            Err(e) => error_response(&ApiError::new(500, "internal", e.to_string())),
        },
        Err(e) => error_response(&e),
    }
}

fn error_response(error: &ApiError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(error).unwrap_or_default();
    json_response(status, body)
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn lock(store: &std::sync::Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
