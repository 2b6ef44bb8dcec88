//! What each action sends: the operation, the group it addresses, the body as sent (group ids as
//! `{gN}` variables, members as `$msisdns` generators for large groups) and the body as the model
//! sees it (labels as ids, generators expanded), and the credentials, plan and headers.

use super::super::action::edges::{broken_text, valid_body};
use super::super::action::{Action, BadAuth, Invalid, NameOp, Operation, RefField};
use crate::model::Store;
use crate::scenario::template::{Vars, render_value};
use serde_json::{Map, Value, json};

/// A group id the plan never had.
pub const UNKNOWN_GROUP: &str = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

/// The request of one action.
#[derive(Debug, Default)]
pub struct Request {
    pub op: Option<Operation>,
    pub group: Option<u32>,
    pub body: Option<Value>,
    /// The body as the model sees it.
    pub sim_body: Option<Value>,
    pub raw_body: Option<String>,
    pub content_type: Option<&'static str>,
    /// `wrong` or `none`.
    pub auth: Option<&'static str>,
    pub second_plan: bool,
    pub query: Option<Value>,
}

/// The id a label stands for: the captured variable in the file, the label itself in the model.
pub fn var(label: u32) -> String {
    format!("{{g{label}}}")
}

pub fn sim_id(label: u32) -> String {
    format!("g{label}")
}

/// Builds a body given how to spell a group id.
type BodyOf<'a> = dyn Fn(&dyn Fn(u32) -> String) -> Value + 'a;

fn of(op: Operation, group: Option<u32>, f: &BodyOf) -> Request {
    let body = f(&var);
    let sim = f(&sim_id);
    // Generators expand the same way in the model as in the file; `{run}` stands for a tag of the
    // same length (names keep their length, which validation judges).
    let vars = Vars::from([("run".to_owned(), json!("gc0000"))]);
    let sim = render_value(&sim, &vars).unwrap_or(sim);
    Request {
        op: Some(op),
        group,
        body: Some(body),
        sim_body: Some(sim),
        ..Request::default()
    }
}

fn bare(op: Operation, group: u32) -> Request {
    Request {
        op: Some(op),
        group: op.takes_group().then_some(group),
        ..Request::default()
    }
}

fn generated(count: u32, start: u32) -> Value {
    json!({"$msisdns": {"count": count, "start": start, "format": "mixed"}})
}

/// The request of `action`; `sim` is the model before it (a replace without auto_update keeps
/// the group's, as whether an omitted one is cleared is undocumented).
pub fn request_of(action: &Action, sim: &Store) -> Request {
    use Operation::*;
    match action {
        Action::Create {
            name,
            members,
            child,
            auto,
            ..
        } => of(Create, None, &|id| {
            let mut b = json!({"members": members});
            if let Some(n) = name {
                b["name"] = json!(n);
            }
            if let Some(c) = child {
                b["child_groups"] = json!([id(*c)]);
            }
            if let Some(a) = auto {
                b["auto_update"] = json!(a);
            }
            b
        }),
        Action::Update {
            group,
            add,
            remove,
            name,
            add_from,
            remove_from,
            nulls,
            auto,
        } => of(Update, Some(*group), &|id| {
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
            put("auto_update", auto.as_ref().map(|a| json!(a)));
            put(
                "name",
                match name {
                    NameOp::Omit => None,
                    NameOp::Null => Some(Value::Null),
                    NameOp::Set(n) => Some(json!(n)),
                },
            );
            Value::Object(b)
        }),
        Action::Replace {
            group,
            name,
            members,
            auto,
        } => {
            let kept = sim.get(&sim_id(*group)).and_then(|g| g.auto_update.clone());
            let auto = auto.clone().or(kept);
            of(Replace, Some(*group), &|_| {
                let mut b = json!({"members": members});
                if let Some(n) = name {
                    b["name"] = json!(n);
                }
                if let Some(a) = &auto {
                    b["auto_update"] = json!(a);
                }
                b
            })
        }
        Action::Delete { group } => bare(Delete, *group),
        Action::Retrieve { group } => bare(Retrieve, *group),
        Action::Members { group } => bare(Members, *group),
        Action::List { page, page_size } => Request {
            query: Some(json!({"page": page, "page_size": page_size})),
            ..bare(List, 0)
        },
        Action::BadCreate { kind } => of(Create, None, &|_| invalid_body(*kind, "members")),
        Action::BadUpdate { group, kind } => {
            of(Update, Some(*group), &|_| invalid_body(*kind, "add"))
        }
        Action::Unauthorised { op, group, auth } => Request {
            body: matches!(op, Create | Update | Replace).then(|| valid_body(*op)),
            auth: Some(match auth {
                BadAuth::Wrong => "wrong",
                BadAuth::Missing => "none",
            }),
            ..bare(*op, *group)
        },
        Action::OtherPlan { op, group } => Request {
            body: matches!(op, Update | Replace).then(|| valid_body(*op)),
            second_plan: true,
            query: (*op == List).then(|| json!({"page_size": 100})),
            ..bare(*op, *group)
        },
        Action::Malformed { op, group, broken } => Request {
            raw_body: Some(broken_text(*broken)),
            ..bare(*op, *group)
        },
        Action::WrongMediaType { op, group } => Request {
            body: Some(valid_body(*op)),
            content_type: Some("text/plain"),
            ..bare(*op, *group)
        },
        Action::UnknownRef { group, field } => match field {
            RefField::ChildGroups => of(
                Create,
                None,
                &|_| json!({"name": "{run}-orphan", "members": ["46700000101"], "child_groups": [UNKNOWN_GROUP]}),
            ),
            RefField::AddFromGroup => of(
                Update,
                Some(*group),
                &|_| json!({"add_from_group": UNKNOWN_GROUP}),
            ),
            RefField::RemoveFromGroup => of(
                Update,
                Some(*group),
                &|_| json!({"remove_from_group": UNKNOWN_GROUP}),
            ),
        },
        Action::CreateLarge {
            label,
            count,
            start,
        } => of(
            Create,
            None,
            &|_| json!({"name": format!("{{run}}-large{label}"), "members": generated(*count, *start)}),
        ),
        Action::ManyChildren { children } => of(Create, None, &|id| {
            let ids: Vec<String> = children.iter().map(|c| id(*c)).collect();
            json!({"name": "{run}-eleven", "child_groups": ids})
        }),
        Action::AddMany {
            group,
            count,
            start,
        } => of(
            Update,
            Some(*group),
            &|_| json!({"add": generated(*count, *start)}),
        ),
    }
}

fn invalid_body(kind: Invalid, members_key: &str) -> Value {
    match kind {
        Invalid::LongName => json!({"name": "n".repeat(21)}),
        Invalid::BadMsisdn => json!({ members_key: ["46700000101", "12ab34"] }),
        Invalid::ManyChildren => {
            json!({"child_groups": (0..11).map(|i| format!("01FC66621VHDBN119Z8PMV1A{i:02}")).collect::<Vec<_>>()})
        }
        Invalid::ManyMembers => json!({ members_key: generated(10_001, 5_000) }),
        Invalid::BadKeyword => json!({
            "name": "{run}-keyword",
            "auto_update": {"to": "54321", "add": {"first_word": "join now"}},
        }),
    }
}
