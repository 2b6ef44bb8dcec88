//! Turning actions into a scenario file: the model is run over the actions (with labels as ids) to
//! predict each step's status and the rule that status traces to. The file is what runs, and what
//! is written out as the reproducer, so `groupcheck check THAT-FILE` replays exactly what failed.
//!
//! * this file: the file and its steps.
//! * [`request`]: what each action sends (body, credentials, plan, headers).
//! * [`expect`]: what each step must get, from the model or fixed by the documents.

pub mod expect;
pub mod request;

use super::action::{Action, Broken, Invalid, NameOp};
use crate::model::Store;
use request::var;
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
        let (step, expectation) = step(action, &mut sim, &deleted);
        if let Some(label) = action.creates()
            && expectation.succeeds()
        {
            created.insert(label);
        }
        if let Action::Delete { group } = action
            && expectation.succeeds()
        {
            deleted.insert(*group);
        }
        rules.insert(expectation.rule);
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

/// One step and its expectation.
fn step(action: &Action, sim: &mut Store, deleted: &HashSet<u32>) -> (Value, expect::Expectation) {
    let req = request::request_of(action, sim);
    let expectation = expect::expect(action, &req, sim, deleted);
    let mut step = Map::new();
    step.insert("name".into(), json!(describe(action)));
    if let Some(op) = req.op {
        step.insert("request".into(), json!(op.name()));
    }
    if let Some(g) = req.group {
        step.insert("group".into(), json!(var(g)));
    }
    if let Some(body) = req.body {
        step.insert("body".into(), body);
    }
    if let Some(raw) = req.raw_body {
        step.insert("raw_body".into(), json!(raw));
    }
    if let Some(t) = req.content_type {
        step.insert("headers".into(), json!({"Content-Type": t}));
    }
    if let Some(auth) = req.auth {
        step.insert("auth".into(), json!(auth));
    }
    if req.second_plan {
        step.insert("plan".into(), json!("second"));
    }
    if let Some(query) = req.query {
        step.insert("query".into(), query);
    }
    let mut expect = Map::new();
    expect.insert("rule".into(), json!(expectation.rule));
    expect.insert(
        "status".into(),
        match expectation.statuses.as_slice() {
            [one] => json!(one),
            many => json!(many),
        },
    );
    if let Some(code) = expectation.code {
        expect.insert("code".into(), json!(code));
    }
    if !expectation.matches.is_empty() {
        expect.insert("matches".into(), json!(expectation.matches));
    }
    step.insert("expect".into(), Value::Object(expect));
    if let Some(label) = action.creates()
        && expectation.succeeds()
    {
        step.insert("capture".into(), json!({ format!("g{label}"): "/id" }));
    }
    (Value::Object(step), expectation)
}

fn describe(action: &Action) -> String {
    match action {
        Action::Create {
            label,
            members,
            auto,
            ..
        } => format!(
            "create g{label} with {} members{}",
            members.len(),
            if auto.is_some() {
                " and auto_update"
            } else {
                ""
            }
        ),
        Action::Update {
            group, nulls, name, ..
        } => {
            let how = match (nulls, name) {
                (true, _) => " with explicit nulls",
                (false, NameOp::Null) => " clearing the name",
                _ => "",
            };
            format!("update g{group}{how}")
        }
        Action::Replace { group, members, .. } => {
            format!("replace g{group} with {} members", members.len())
        }
        Action::Delete { group } => format!("delete g{group}"),
        Action::Retrieve { group } => format!("retrieve g{group}"),
        Action::Members { group } => format!("members of g{group}"),
        Action::List { page, page_size } => format!("list page {page} of {page_size}"),
        Action::BadCreate { kind } => format!("invalid create ({})", invalid(*kind)),
        Action::BadUpdate { group, kind } => {
            format!("invalid update of g{group} ({})", invalid(*kind))
        }
        Action::Unauthorised { op, group, auth } => {
            format!("{op} (g{group}) with a {auth:?} token").to_lowercase()
        }
        Action::OtherPlan { op, group } => format!("{op} g{group} under the second plan"),
        Action::Malformed { op, broken, .. } => format!("{op} with {}", broken_name(*broken)),
        Action::WrongMediaType { op, .. } => format!("{op} with a JSON body labelled text/plain"),
        Action::UnknownRef { group, field } => {
            format!("reference an unknown group ({field:?}, g{group})")
        }
        Action::CreateLarge { label, count, .. } => {
            format!("create g{label} with {count} generated members")
        }
        Action::ManyChildren { children } => {
            format!("create with {} child groups", children.len())
        }
        Action::AddMany { group, count, .. } => {
            format!("add {count} generated members to g{group}")
        }
    }
}

fn invalid(kind: Invalid) -> &'static str {
    match kind {
        Invalid::LongName => "a 21-character name",
        Invalid::BadMsisdn => "a member that is no MSISDN",
        Invalid::ManyChildren => "11 child groups",
        Invalid::ManyMembers => "10,001 members",
        Invalid::BadKeyword => "an auto_update keyword of two words",
    }
}

fn broken_name(broken: Broken) -> &'static str {
    match broken {
        Broken::Truncated => "truncated JSON",
        Broken::TrailingComma => "a trailing comma in the JSON",
        Broken::UnquotedKey => "an unquoted key in the JSON",
        Broken::NotJson => "a form body, not JSON",
    }
}
