//! Turning actions into a scenario file: the model is run over the actions (with labels as ids) to
//! predict each step's status and the rule that status traces to. The file is what runs, and what
//! is written out as the reproducer, so `groupcheck check THAT-FILE` replays exactly what failed.

use super::action::{Action, Invalid, NameOp};
use crate::model::request::parse_body;
use crate::model::{ApiError, CreateRequest, ReplaceRequest, Store, UpdateRequest, error};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashSet};

/// The scenario file for `actions`, with its header comment.
pub fn render(actions: &[Action], title: &str, comment: &str) -> String {
    let mut sim = Store::new();
    let mut created: HashSet<u32> = HashSet::new();
    let mut deleted: HashSet<u32> = HashSet::new();
    let mut rules: BTreeSet<&'static str> = BTreeSet::new();
    let mut steps = Vec::new();
    for action in actions {
        // A step whose group was shrunk away has nothing to refer to.
        if action.references().iter().any(|l| !created.contains(l)) {
            continue;
        }
        let (step, rule) = step(action, &mut sim, &deleted);
        if let Action::Create { label, .. } = action
            && step.pointer("/expect/status") == Some(&json!(201))
        {
            created.insert(*label);
        }
        if let Action::Delete { group } = action
            && step.pointer("/expect/status") == Some(&json!(200))
        {
            deleted.insert(*group);
        }
        rules.insert(rule);
        steps.push(step);
    }
    let file = json!({
        "name": title,
        "description": comment,
        "serial": true,
        "rules": rules,
        "steps": steps,
    });
    let yaml = serde_saphyr::to_string(&file).unwrap_or_default();
    let header: String = comment.lines().map(|l| format!("# {l}\n")).collect();
    format!("{header}{yaml}")
}

/// The id a label stands for: the captured variable in the file, the label itself in the model.
fn var(label: u32) -> String {
    format!("{{g{label}}}")
}

fn sim_id(label: u32) -> String {
    format!("g{label}")
}

/// One step and the rule its expectation traces to.
fn step(action: &Action, sim: &mut Store, deleted: &HashSet<u32>) -> (Value, &'static str) {
    let (request, group, body, sim_body) = request_of(action);
    let predicted = predict(action, sim, &sim_body);
    let (status, rule) = match &predicted {
        Ok(()) => success(action, sim, &sim_body),
        Err(e) => (e.status, failure_rule(action, e, deleted)),
    };
    let mut step = Map::new();
    step.insert("name".into(), json!(describe(action)));
    step.insert("request".into(), json!(request));
    if let Some(g) = group {
        step.insert("group".into(), json!(var(g)));
    }
    if let Some(body) = body {
        step.insert("body".into(), body);
    }
    if let Action::List { page, page_size } = action {
        step.insert(
            "query".into(),
            json!({"page": page, "page_size": page_size}),
        );
    }
    step.insert("expect".into(), json!({"rule": rule, "status": status}));
    if let (Action::Create { label, .. }, Ok(())) = (action, &predicted) {
        step.insert("capture".into(), json!({ format!("g{label}"): "/id" }));
    }
    (Value::Object(step), rule)
}

/// Builds a body given how to spell a group id.
type BodyOf<'a> = dyn Fn(&dyn Fn(u32) -> String) -> Value + 'a;

/// The shorthand, the group it addresses, the body as sent (with `{gN}` variables) and the body
/// as the model sees it (with labels as ids).
fn request_of(action: &Action) -> (&'static str, Option<u32>, Option<Value>, Option<Value>) {
    let both = |f: &BodyOf| (Some(f(&var)), Some(f(&sim_id)));
    match action {
        Action::Create {
            name,
            members,
            child,
            ..
        } => {
            let (body, sim) = both(&|id| {
                let mut b = json!({"members": members});
                if let Some(n) = name {
                    b["name"] = json!(n);
                }
                if let Some(c) = child {
                    b["child_groups"] = json!([id(*c)]);
                }
                b
            });
            ("create", None, body, sim)
        }
        Action::Update {
            group,
            add,
            remove,
            name,
            add_from,
            remove_from,
            nulls,
        } => {
            let (body, sim) = both(&|id| {
                let mut b = Map::new();
                let mut put = |k: &str, v: Option<Value>| match v {
                    Some(v) => {
                        b.insert(k.into(), v);
                    }
                    None if *nulls => {
                        b.insert(k.into(), Value::Null);
                    }
                    None => {}
                };
                put("add", (!add.is_empty()).then(|| json!(add)));
                put("remove", (!remove.is_empty()).then(|| json!(remove)));
                put("add_from_group", add_from.map(|g| json!(id(g))));
                put("remove_from_group", remove_from.map(|g| json!(id(g))));
                match name {
                    NameOp::Omit => {}
                    NameOp::Null => {
                        b.insert("name".into(), Value::Null);
                    }
                    NameOp::Set(n) => {
                        b.insert("name".into(), json!(n));
                    }
                }
                Value::Object(b)
            });
            ("update", Some(*group), body, sim)
        }
        Action::Replace {
            group,
            name,
            members,
        } => {
            let mut b = json!({"members": members});
            if let Some(n) = name {
                b["name"] = json!(n);
            }
            ("replace", Some(*group), Some(b.clone()), Some(b))
        }
        Action::Delete { group } => ("delete", Some(*group), None, None),
        Action::Retrieve { group } => ("retrieve", Some(*group), None, None),
        Action::Members { group } => ("members", Some(*group), None, None),
        Action::List { .. } => ("list", None, None, None),
        Action::BadCreate { kind } => {
            let b = invalid_body(*kind, "members");
            ("create", None, Some(b.clone()), Some(b))
        }
        Action::BadUpdate { group, kind } => {
            let b = invalid_body(*kind, "add");
            ("update", Some(*group), Some(b.clone()), Some(b))
        }
    }
}

fn invalid_body(kind: Invalid, members_key: &str) -> Value {
    match kind {
        Invalid::LongName => json!({"name": "n".repeat(21)}),
        Invalid::BadMsisdn => json!({ members_key: ["46700000101", "12ab34"] }),
        Invalid::ManyChildren => {
            json!({"child_groups": (0..11).map(|i| format!("01FC66621VHDBN119Z8PMV1A{i:02}")).collect::<Vec<_>>()})
        }
    }
}

/// Apply the action to the model; `Err` is the documented error answer.
fn predict(action: &Action, sim: &mut Store, body: &Option<Value>) -> Result<(), ApiError> {
    let map = || -> Result<Map<String, Value>, ApiError> {
        let bytes = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        parse_body(bytes.as_bytes())
    };
    match action {
        Action::Create { label, .. } => {
            let request = CreateRequest::from_json(&map()?)?;
            sim.create(request, sim_id(*label), 0).map(|_| ())
        }
        Action::BadCreate { .. } => {
            let request = CreateRequest::from_json(&map()?)?;
            sim.create(request, "invalid".into(), 0).map(|_| ())
        }
        Action::Update { group, .. } | Action::BadUpdate { group, .. } => {
            let request = UpdateRequest::from_json(&map()?)?;
            sim.update(&sim_id(*group), request, 0).map(|_| ())
        }
        Action::Replace { group, .. } => {
            let request = ReplaceRequest::from_json(&map()?)?;
            sim.replace(&sim_id(*group), request, 0).map(|_| ())
        }
        Action::Delete { group } => sim.delete(&sim_id(*group)),
        Action::Retrieve { group } => sim.retrieve(&sim_id(*group)).map(|_| ()),
        Action::Members { group } => sim.members(&sim_id(*group)).map(|_| ()),
        Action::List { .. } => Ok(()),
    }
}

/// The success status and the most specific rule that says the request must succeed.
fn success(action: &Action, sim: &Store, body: &Option<Value>) -> (u16, &'static str) {
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
    match action {
        Action::Create { .. } if has_dupes(&strings("members")) => {
            (201, "members.duplicates-ignored")
        }
        Action::Create { .. } => (201, "create.status-201"),
        Action::Update { group, nulls, .. } => {
            let (add, remove) = (strings("add"), strings("remove"));
            let members: HashSet<String> = sim
                .members(&sim_id(*group))
                .map(|m| m.iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            if remove
                .iter()
                .any(|r| !add.contains(r) && !members.contains(r))
            {
                (200, "update.unknown-remove-accepted")
            } else if has_dupes(&add) {
                (200, "members.duplicates-ignored")
            } else if *nulls {
                (200, "update.explicit-nulls-accepted")
            } else {
                (200, "status.ok-200")
            }
        }
        Action::Delete { .. } => (200, "delete.status-200"),
        _ => (200, "status.ok-200"),
    }
}

/// The rule a documented error answer traces to.
fn failure_rule(action: &Action, e: &ApiError, deleted: &HashSet<u32>) -> &'static str {
    let refers_to_deleted = action.references().iter().any(|l| deleted.contains(l));
    match (e.status, action) {
        (404, _) if refers_to_deleted => "delete.then-404",
        (404, _) => "notfound.unknown-id",
        (403, Action::Create { .. }) => "ref.unknown-child-group",
        (403, _) => "ref.unknown-source-group",
        (_, Action::BadCreate { kind } | Action::BadUpdate { kind, .. }) => match kind {
            Invalid::LongName => "validation.name-too-long",
            Invalid::BadMsisdn => "validation.bad-msisdn",
            Invalid::ManyChildren => "validation.too-many-child-groups",
        },
        _ if e.code == error::SYNTAX_CONSTRAINT_VIOLATION => "error.malformed-body",
        _ => "error.malformed-body",
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::Create { label, members, .. } => {
            format!("create g{label} with {} members", members.len())
        }
        Action::Update { group, .. } => format!("update g{group}"),
        Action::Replace { group, members, .. } => {
            format!("replace g{group} with {} members", members.len())
        }
        Action::Delete { group } => format!("delete g{group}"),
        Action::Retrieve { group } => format!("retrieve g{group}"),
        Action::Members { group } => format!("members of g{group}"),
        Action::List { page, page_size } => format!("list page {page} of {page_size}"),
        Action::BadCreate { kind } => format!("invalid create ({kind:?})"),
        Action::BadUpdate { group, kind } => format!("invalid update of g{group} ({kind:?})"),
    }
}
