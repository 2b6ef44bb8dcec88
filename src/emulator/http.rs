//! The HTTP pieces the emulator's routes share (`routes.rs` for the documented API, `mo.rs` for
//! the simulated inbound SMS): reading a JSON object body, JSON answers, the clock.

use crate::model::request::parse_body;
use crate::model::{ApiError, Millis};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// A request body as a JSON object: 415 without `Content-Type: application/json` (when
/// `check_type`), 413 when it could not be read (over the limit), 400 when it is not a JSON
/// object. Shared by the documented routes and the simulated inbound SMS (`mo.rs`).
pub(super) fn json_object(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    check_type: bool,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") && check_type {
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

/// An error answered before any operation runs (401, 404 path, 405, 500).
pub(super) fn plain_error_response(error: &ApiError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    json_response(status_code(error.status), body)
}

pub(super) fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(super) fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(super) fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}
