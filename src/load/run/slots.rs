//! Group slots: what a flow's setup steps build once, before the clock starts, and its teardown
//! steps take down at the end. Sessions share slots (a million-member group per session would be
//! a million-member group too many), so a slot's variables (`{group_id}`) reach every session on
//! it.
//!
//! A create of more than [`MAX_MEMBERS_PER_REQUEST`] members, the documented limit of one request,
//! is built through the API as a create of the first 10,000 and updates adding 10,000 at a time;
//! it is judged as one create: the create's status, the last update's body (the group as built).

use crate::check::judge::preview;
use crate::client::{HttpRequest, Observation};
use crate::load::LoadError;
use crate::load::flow::{self, Flow, Rendered};
use crate::load::run::progress::Setup;
use crate::load::run::session::{Shared, Slot};
use crate::load::validate::{self, Seen};
use crate::scenario::{Operation, capture};
use serde_json::{Value, json};
use std::sync::Arc;

/// "Max 10,000 elements" per create, replace or update (groups-api.md).
pub const MAX_MEMBERS_PER_REQUEST: usize = 10_000;
/// Slots built at once.
const BUILD_CONCURRENCY: usize = 4;

/// Build `count` slots of a flow (none when it has no setup steps: one empty slot).
pub async fn build(
    flow: &Arc<Flow>,
    count: usize,
    shared: &Arc<Shared>,
    progress: Option<&Setup>,
) -> Result<Vec<Slot>, LoadError> {
    if flow.setup.is_empty() {
        return Ok(vec![Slot::default()]);
    }
    let semaphore = Arc::new(tokio::sync::Semaphore::new(BUILD_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..count.max(1) {
        let (flow, shared, semaphore) = (flow.clone(), shared.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (index, setup(&flow, index, &shared).await)
        });
    }
    let mut slots = Vec::new();
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((index, Ok(slot))) => {
                if let Some(p) = progress {
                    p.built();
                }
                slots.push((index, slot));
            }
            Ok((_, Err(e))) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(LoadError(format!("a setup task failed: {e}")));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    slots.sort_by_key(|(i, _)| *i);
    Ok(slots.into_iter().map(|(_, s)| s).collect())
}

/// Run the setup steps once, judged like any scenario step: a failure stops the run.
async fn setup(flow: &Flow, index: usize, shared: &Shared) -> Result<Slot, LoadError> {
    let mut slot = Slot {
        vars: flow.vars.clone(),
        ..Slot::default()
    };
    let vars = &mut slot.vars;
    vars.insert("run".into(), Value::from(shared.run_tag.as_str()));
    vars.insert("slot".into(), Value::from(index));
    vars.insert(
        "uniq".into(),
        Value::from(format!(
            "{}-{}",
            shared.run_tag,
            crate::load::shard::base32_number(index as u64, 2)
        )),
    );
    for step in &flow.setup {
        for i in 0..step.repeat.unwrap_or(1) {
            if shared.cancelled() {
                return Err("interrupted during setup".into());
            }
            let place = format!(
                "{}:{}: setup step '{}'",
                flow.file.display(),
                step.line,
                step.label()
            );
            slot.vars.insert("i".into(), Value::from(i));
            let rendered =
                flow::render(step, &slot.vars).map_err(|e| LoadError(format!("{place}: {e}")))?;
            let obs = send(shared, flow, &rendered)
                .await
                .map_err(|e| LoadError(format!("{place}: {e}")))?;
            let problems = validate::judge(
                step,
                &rendered,
                &slot.vars,
                &obs,
                &flow.fallback_rule,
                &mut Seen::default(),
            );
            let body = obs.json();
            if (200..300).contains(&obs.status) {
                note(shared, flow, &rendered, body.as_ref(), &mut slot.sizes);
            }
            if let Some(p) = problems.first() {
                return Err(LoadError(format!(
                    "{place} failed: {}: {}",
                    p.rule, p.message
                )));
            }
            capture::apply(step, body.as_ref(), &mut slot.vars)
                .map_err(|e| LoadError(format!("{place}: {e}")))?;
        }
    }
    Ok(slot)
}

/// Created and deleted groups of setup and teardown, and the sizes built.
fn note(
    shared: &Shared,
    flow: &Flow,
    rendered: &Rendered,
    body: Option<&Value>,
    sizes: &mut std::collections::HashMap<String, usize>,
) {
    match rendered.op {
        Some(Operation::Create) => {
            if let Some(id) = body.and_then(|b| b.get("id")).and_then(Value::as_str) {
                shared.groups.created(id, &flow.file.display().to_string());
                let size = body
                    .and_then(|b| b.get("size"))
                    .and_then(Value::as_u64)
                    .map_or(rendered.members_sent().unwrap_or(0), |n| n as usize);
                sizes.insert(id.to_owned(), size);
            }
        }
        Some(Operation::Delete) => {
            if let Some(id) = &rendered.group {
                shared.groups.deleted(id);
            }
        }
        _ => {}
    }
}

/// Send a setup or teardown request; a large create in chunks.
async fn send(shared: &Shared, flow: &Flow, rendered: &Rendered) -> Result<Observation, LoadError> {
    let members = rendered
        .body
        .as_ref()
        .and_then(|b| b.get("members"))
        .and_then(Value::as_array);
    match (rendered.op, members) {
        (Some(Operation::Create), Some(members)) if members.len() > MAX_MEMBERS_PER_REQUEST => {
            build_large(shared, flow, rendered, members).await
        }
        _ => shared
            .careful
            .send(&rendered.request)
            .await
            .map_err(|e| LoadError(e.to_string())),
    }
}

async fn build_large(
    shared: &Shared,
    flow: &Flow,
    rendered: &Rendered,
    members: &[Value],
) -> Result<Observation, LoadError> {
    let (first, rest) = members.split_at(MAX_MEMBERS_PER_REQUEST);
    let mut body = rendered.body.clone().unwrap_or_else(|| json!({}));
    body["members"] = Value::Array(first.to_vec());
    let create = HttpRequest {
        body: Some(serde_json::to_vec(&body).map_err(|e| e.to_string())?),
        ..rendered.request.clone()
    };
    let created = shared
        .careful
        .send(&create)
        .await
        .map_err(|e| e.to_string())?;
    if !(200..300).contains(&created.status) {
        return Ok(created);
    }
    let id = created
        .json()
        .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_owned))
        .ok_or("the create of the first 10,000 members answered without an id")?;
    // Recorded now: a failure while adding the rest must still leave nothing behind.
    shared.groups.created(&id, &flow.file.display().to_string());
    let mut last = created.clone();
    for (n, chunk) in rest.chunks(MAX_MEMBERS_PER_REQUEST).enumerate() {
        if shared.cancelled() {
            return Err("interrupted while building a large group".into());
        }
        let update = HttpRequest {
            method: "POST".into(),
            path: Operation::Update.path(&id),
            body: Some(serde_json::to_vec(&json!({"add": chunk})).map_err(|e| e.to_string())?),
            auth: rendered.request.auth,
            second_plan: rendered.request.second_plan,
            ..HttpRequest::default()
        };
        let answer = shared
            .careful
            .send(&update)
            .await
            .map_err(|e| e.to_string())?;
        if answer.status != 200 {
            let from = MAX_MEMBERS_PER_REQUEST * (n + 1);
            return Err(LoadError(format!(
                "building group {id}: adding members {from}..{} answered {}: {}",
                from + chunk.len(),
                answer.status,
                preview(&answer.text())
            )));
        }
        last = answer;
    }
    last.status = created.status;
    last.content_type = created.content_type.clone();
    Ok(last)
}

/// Run the teardown steps of every slot (unmeasured). Returns what went wrong, for the report.
pub async fn teardown(flow: &Flow, slots: &[Slot], shared: &Shared) -> Vec<String> {
    let mut problems = Vec::new();
    if flow.teardown.is_empty() {
        return problems;
    }
    for slot in slots {
        let mut vars = slot.vars.clone();
        for step in &flow.teardown {
            let place = format!(
                "{}:{}: teardown step '{}'",
                flow.file.display(),
                step.line,
                step.label()
            );
            for i in 0..step.repeat.unwrap_or(1) {
                vars.insert("i".into(), Value::from(i));
                let rendered = match flow::render(step, &vars) {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(format!("{place}: {e}"));
                        break;
                    }
                };
                match shared.careful.send(&rendered.request).await {
                    Ok(obs) => {
                        let body = obs.json();
                        if (200..300).contains(&obs.status) {
                            note(
                                shared,
                                flow,
                                &rendered,
                                body.as_ref(),
                                &mut Default::default(),
                            );
                        }
                        let found = validate::judge(
                            step,
                            &rendered,
                            &vars,
                            &obs,
                            &flow.fallback_rule,
                            &mut Seen::default(),
                        );
                        problems.extend(
                            found
                                .iter()
                                .map(|p| format!("{place}: {}: {}", p.rule, p.message)),
                        );
                        let _ = capture::apply(step, body.as_ref(), &mut vars);
                    }
                    Err(e) => problems.push(format!("{place}: {e}")),
                }
            }
        }
    }
    problems
}
