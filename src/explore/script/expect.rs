//! What each step must get, and the rule that says so. Requests refused before the model is
//! asked (wrong token, other plan, malformed body, wrong Content-Type) have fixed documented
//! statuses; every other request is run on the model, whose answer is the prediction. Where the
//! documents leave an answer open, every documented answer is accepted.

use super::super::action::{Action, BadAuth, Invalid, Operation, RefField};
use super::request::{Request, sim_id, var};
use crate::model::request::parse_body;
use crate::model::{ApiError, CreateRequest, ReplaceRequest, Store, UpdateRequest};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// The expectation of one step.
#[derive(Debug)]
pub struct Expectation {
    /// Acceptable statuses (the first is the prediction).
    pub statuses: Vec<u16>,
    pub rule: &'static str,
    /// The `code` of a 403 body.
    pub code: Option<&'static str>,
    /// Matchers of the `expect.matches` list.
    pub matches: Vec<Value>,
}

impl Expectation {
    fn new(statuses: &[u16], rule: &'static str) -> Expectation {
        Expectation {
            statuses: statuses.to_vec(),
            rule,
            code: None,
            matches: Vec::new(),
        }
    }

    pub fn succeeds(&self) -> bool {
        self.statuses.len() == 1 && (200..300).contains(&self.statuses[0])
    }
}

/// The expectation of `action`, applying it to the model when it is predicted to succeed.
pub fn expect(
    action: &Action,
    req: &Request,
    sim: &mut Store,
    deleted: &HashSet<u32>,
) -> Expectation {
    if let Some(fixed) = fixed(action) {
        return fixed;
    }
    let Some(op) = req.op else {
        return Expectation::new(&[200], "status.ok-200");
    };
    match predict(action, op, req.group, sim, &req.sim_body) {
        Ok(()) => {
            let (status, rule) = success(action, op, req.group, sim, &req.sim_body);
            let mut e = Expectation::new(&[status], rule);
            e.matches = auto_update_matchers(op, &req.sim_body);
            e
        }
        Err(error) => {
            let mut e = Expectation::new(&[error.status], failure_rule(action, &error, deleted));
            // Eleven unknown child groups: too many (400) or unknown (403), whichever is checked
            // first.
            if let Action::BadCreate {
                kind: Invalid::ManyChildren,
            } = action
            {
                e.statuses = vec![400, 403];
            }
            if error.status == 403 {
                e.code = Some(crate::model::error::UNKNOWN_GROUP);
            }
            e
        }
    }
}

/// Requests a server refuses before it reads the group or the body.
fn fixed(action: &Action) -> Option<Expectation> {
    Some(match action {
        Action::Unauthorised { auth, .. } => Expectation::new(
            &[401],
            match auth {
                BadAuth::Wrong => "auth.invalid-token",
                BadAuth::Missing => "auth.missing-token",
            },
        ),
        // With the run's token on the second plan's path, 401 (not valid for that plan) and 403
        // are as right as 404; the list may be refused, and must not show the group.
        Action::OtherPlan {
            op: Operation::List,
            group,
        } => Expectation {
            matches: vec![json!({
                "path": "/groups",
                "rule": "plan.isolation",
                "excludes": {"id": var(*group)},
            })],
            ..Expectation::new(&[200, 401, 403], "plan.isolation")
        },
        Action::OtherPlan { .. } => Expectation::new(&[404, 401, 403], "plan.isolation"),
        // Any of the three syntax codes (checked on every 400 by error.400-code-known).
        Action::Malformed { .. } => Expectation::new(&[400], "error.malformed-body"),
        Action::WrongMediaType { .. } => Expectation::new(&[415], "http.unsupported-media-type"),
        _ => return None,
    })
}

/// Apply the request to the model; `Err` is the documented error answer.
fn predict(
    action: &Action,
    op: Operation,
    group: Option<u32>,
    sim: &mut Store,
    body: &Option<Value>,
) -> Result<(), ApiError> {
    let map = || -> Result<Map<String, Value>, ApiError> {
        let bytes = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        parse_body(bytes.as_bytes())
    };
    let id = sim_id(group.unwrap_or(u32::MAX));
    match op {
        Operation::Create => {
            let request = CreateRequest::from_json(&map()?)?;
            let new = action.creates().map_or("refused".into(), sim_id);
            sim.create(request, new, 0).map(|_| ())
        }
        Operation::Update => {
            let request = UpdateRequest::from_json(&map()?)?;
            sim.update(&id, request, 0).map(|_| ())
        }
        Operation::Replace => {
            let request = ReplaceRequest::from_json(&map()?)?;
            sim.replace(&id, request, 0).map(|_| ())
        }
        Operation::Delete => sim.delete(&id),
        Operation::Retrieve => sim.retrieve(&id).map(|_| ()),
        Operation::Members => sim.members(&id).map(|_| ()),
        Operation::List => Ok(()),
    }
}

fn sent(body: &Option<Value>, key: &str) -> bool {
    body.as_ref()
        .and_then(|b| b.get(key))
        .is_some_and(|v| !v.is_null())
}

/// The success status and the most specific rule that says the request must succeed.
fn success(
    action: &Action,
    op: Operation,
    group: Option<u32>,
    sim: &Store,
    body: &Option<Value>,
) -> (u16, &'static str) {
    let strings = |k: &str| -> Vec<String> {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(crate::scenario::matcher::normalise)
                    .collect()
            })
            .unwrap_or_default()
    };
    let has_dupes = |v: &[String]| v.iter().collect::<HashSet<_>>().len() < v.len();
    let nulls = matches!(action, Action::Update { nulls: true, .. });
    match op {
        Operation::Create if has_dupes(&strings("members")) => (201, "members.duplicates-ignored"),
        Operation::Create => (201, "create.status-201"),
        Operation::Update => {
            let (add, remove) = (strings("add"), strings("remove"));
            let members: HashSet<String> = sim
                .members(&sim_id(group.unwrap_or(u32::MAX)))
                .map(|m| m.iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            if remove
                .iter()
                .any(|r| !add.contains(r) && !members.contains(r))
            {
                (200, "update.unknown-remove-accepted")
            } else if has_dupes(&add) {
                (200, "members.duplicates-ignored")
            } else if nulls {
                (200, "update.explicit-nulls-accepted")
            } else if sent(body, "auto_update") {
                (200, "update.accepts-auto-update")
            } else {
                (200, "status.ok-200")
            }
        }
        Operation::Replace if sent(body, "auto_update") => {
            (200, "replace.accepts-child-groups-auto-update")
        }
        Operation::Delete => (200, "delete.status-200"),
        _ => (200, "status.ok-200"),
    }
}

/// An auto_update that was set comes back as set (keywords are sent upper-case, so a server that
/// upper-cases them returns them unchanged).
fn auto_update_matchers(op: Operation, body: &Option<Value>) -> Vec<Value> {
    let Some(auto) = body
        .as_ref()
        .and_then(|b| b.get("auto_update"))
        .filter(|a| a.is_object())
    else {
        return Vec::new();
    };
    let rule = match op {
        Operation::Create => "group.includes-child-groups-auto-update",
        Operation::Update => "update.accepts-auto-update",
        _ => "replace.accepts-child-groups-auto-update",
    };
    let mut out = Vec::new();
    for pointer in [
        "/to",
        "/add/first_word",
        "/add/second_word",
        "/remove/first_word",
        "/remove/second_word",
    ] {
        if let Some(value) = auto.pointer(pointer) {
            out.push(
                json!({"path": format!("/auto_update{pointer}"), "rule": rule, "equals": value}),
            );
        }
    }
    out
}

/// The rule a documented error answer traces to.
fn failure_rule(action: &Action, e: &ApiError, deleted: &HashSet<u32>) -> &'static str {
    let refers_to_deleted = action.references().iter().any(|l| deleted.contains(l));
    match (e.status, action) {
        (404, _) if refers_to_deleted => "delete.then-404",
        (404, _) => "notfound.unknown-id",
        (
            403,
            Action::Create { .. }
            | Action::UnknownRef {
                field: RefField::ChildGroups,
                ..
            },
        ) => "ref.unknown-child-group",
        (403, _) => "ref.unknown-source-group",
        (_, Action::ManyChildren { .. }) => "validation.too-many-child-groups",
        (_, Action::BadCreate { kind } | Action::BadUpdate { kind, .. }) => match kind {
            Invalid::LongName => "validation.name-too-long",
            Invalid::BadMsisdn => "validation.bad-msisdn",
            Invalid::ManyChildren => "validation.too-many-child-groups",
            Invalid::ManyMembers => "validation.too-many-members",
            Invalid::BadKeyword => "validation.bad-keyword",
        },
        _ => "error.malformed-body",
    }
}
