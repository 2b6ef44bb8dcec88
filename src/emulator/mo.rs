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

use super::http::{json_object, json_response, now, plain_error_response};
use super::state::AppState;
use crate::model::keyword::Inbound;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
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
    let result = json_object(&headers, body, true)
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
        Ok(changed) => json_response(
            StatusCode::OK,
            serde_json::to_string(&changed).unwrap_or_default(),
        ),
        Err(e) => plain_error_response(&e),
    }
}
