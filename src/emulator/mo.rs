//! `POST /emulator/v1/{service_plan_id}/mo`: a simulated inbound SMS, an emulator extension (the
//! real API receives MOs from the network, not from a client). Body
//! `{"from": MSISDN, "to": NUMBER, "body": TEXT}`; every group of the plan whose `auto_update`
//! keywords the message carries adds or removes `from` ([`crate::model::keyword`]). Answer 200
//! `{"changed": [group ids]}`: the groups whose members changed, oldest first.
//!
//! Behind the same layers as the documented routes (`routes.rs`): 401 on a bad token, 413 over
//! the body limit, `{code,text}` errors. Here: 415 without `Content-Type: application/json`, 400
//! for a body that is not a JSON object or a malformed field (codes of `model::keyword`). Runs
//! under the plan's store lock, like every other operation. Injected faults do not touch it.

use super::state::AppState;
use crate::model::keyword::Inbound;
use crate::model::request::parse_body;
use crate::model::{ApiError, Millis};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use std::sync::Arc;

/// The answer of a simulated inbound SMS.
#[derive(Debug, Serialize)]
struct Changed {
    changed: Vec<String>,
}

pub(super) async fn inbound(
    State(s): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = json_object(&headers, body)
        .and_then(|b| Inbound::from_json(&b))
        .map(|message| {
            // Only an existing plan can have groups to change: a message to any other plan is
            // answered without keeping a store for it.
            let store = s.existing_plan(&plan);
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            Changed {
                changed: store.inbound(&message, now()),
            }
        });
    match result {
        Ok(changed) => json(StatusCode::OK, serde_json::to_string(&changed)),
        Err(e) => json(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            serde_json::to_string(&e),
        ),
    }
}

/// The body as a JSON object: 415 without `Content-Type: application/json`, 413 when it could
/// not be read (over the limit), 400 when it is not a JSON object (as for the documented routes).
fn json_object(
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

fn json(status: StatusCode, body: serde_json::Result<String>) -> Response {
    let mut response = Response::new(Body::from(body.unwrap_or_default()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}
