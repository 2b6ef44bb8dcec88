//! The model oracle: replays what a scenario did on the [`crate::model`], with the target's ids
//! and timestamps, and judges every response against what the documented semantics predict from
//! everything before it, plus the invariants (created_at stable, modified_at monotonic, size equal
//! to the member count, deleted groups gone).
//!
//! It judges state, not validation: whether the target accepts a request is for the scenario's
//! explicit expectations. When the target accepts what the model would reject, or answers
//! differently from the model once, the group becomes *untracked*: later views are then only
//! compared with each other, so one defect is reported once, on the rule it breaks.
//!
//! * [`views`]: comparing a Group response with the model, and which rule a difference breaks.
//! * [`list`]: the list checks, written to hold when other groups exist on the account.
//! * [`inbound`]: learning from a simulated inbound SMS (an emulator step).

mod inbound;
mod list;
mod views;

use super::judge::Problem;
use crate::client::Auth;
use crate::client::Observation;
use crate::model::request::parse_body;
use crate::model::{
    CreateRequest, Millis, Msisdn, ReplaceRequest, Store, UpdateRequest, id::parse_timestamp,
};
use crate::scenario::Operation;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// What the last accepted (or rejected) change to a group was, to attribute later differences.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Create,
    Update(Box<UpdateRequest>, views::Features),
    Replace,
    Rejected,
}

/// What the oracle knows of one group of this scenario.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    /// The model still predicts this group exactly.
    tracked: bool,
    created_at: Option<String>,
    modified_at: Option<Millis>,
    /// The last Group view seen, and whether a change was made since.
    last_view: Option<Value>,
    changed_since_view: bool,
    last_change: Change,
    /// When the answer to the group's last successful change arrived (at the latest).
    changed_at: Option<Instant>,
}

/// One request and its answer, as the oracle sees it.
pub struct Exchange<'a> {
    pub op: Operation,
    pub group: Option<&'a str>,
    pub query: &'a [(String, String)],
    /// The request body as sent.
    pub body: Option<&'a [u8]>,
    pub auth: Auth,
    pub obs: &'a Observation,
}

/// The oracle of one scenario.
pub struct Oracle {
    store: Store,
    known: HashMap<String, Known>,
    deleted: HashSet<String>,
    /// Ids of this scenario's groups in creation order (live or not).
    created: Vec<String>,
    /// The scenario runs alone: list positions of its groups can be checked exactly.
    serial: bool,
    /// Rules reported once per scenario (format observations).
    reported_once: HashSet<&'static str>,
    /// When the request being judged was sent (at the earliest).
    sent_at: Option<Instant>,
}

impl Oracle {
    pub fn new(serial: bool) -> Oracle {
        Oracle {
            store: Store::new(),
            known: HashMap::new(),
            deleted: HashSet::new(),
            created: Vec::new(),
            serial,
            reported_once: HashSet::new(),
            sent_at: None,
        }
    }

    /// Ids this scenario created and has not deleted, oldest first.
    pub fn live_ids(&self) -> Vec<String> {
        self.created
            .iter()
            .filter(|id| !self.deleted.contains(*id))
            .cloned()
            .collect()
    }

    /// Judge one exchange and learn from it.
    pub fn observe(&mut self, ex: &Exchange) -> Vec<Problem> {
        if ex.auth != Auth::Token {
            return Vec::new();
        }
        self.sent_at = Instant::now().checked_sub(ex.obs.elapsed);
        let success = (200..300).contains(&ex.obs.status);
        let body = ex.obs.json();
        let mut problems = Vec::new();
        if let Some(id) = ex.group
            && self.deleted.contains(id)
            && success
        {
            problems.push(Problem::new(
                "delete.then-404",
                format!(
                    "{} of deleted group {id} answered {}, expected 404",
                    ex.op, ex.obs.status
                ),
            ));
            return problems;
        }
        match ex.op {
            Operation::Create if success => self.created(ex, body.as_ref(), &mut problems),
            Operation::Update | Operation::Replace => {
                self.changed(ex, body.as_ref(), success, &mut problems)
            }
            Operation::Retrieve if success => {
                if let (Some(id), Some(view)) = (ex.group, body.as_ref()) {
                    self.judge_view(id, view, Operation::Retrieve, &mut problems);
                }
            }
            Operation::Delete if success => {
                if let Some(id) = ex.group
                    && self.known.remove(id).is_some()
                {
                    let _ = self.store.delete(id);
                    self.deleted.insert(id.to_owned());
                    // Whether a parent keeps a deleted child's id is undocumented.
                    let parents: Vec<String> = self
                        .known
                        .keys()
                        .filter(|g| {
                            self.store
                                .get(g)
                                .is_some_and(|m| m.child_groups.iter().any(|c| c == id))
                        })
                        .cloned()
                        .collect();
                    for parent in parents {
                        self.untrack(&parent);
                    }
                }
            }
            Operation::Members if success => {
                if let (Some(id), Some(members)) = (ex.group, body.as_ref()) {
                    self.judge_members(id, members, &mut problems);
                }
            }
            Operation::List if success => {
                if let Some(body) = body.as_ref() {
                    self.judge_list(ex.query, body, &mut problems);
                }
            }
            _ => {}
        }
        problems
    }

    fn created(&mut self, ex: &Exchange, body: Option<&Value>, problems: &mut Vec<Problem>) {
        let Some(view) = body else { return };
        let Some(id) = view.get("id").and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        if self.known.contains_key(&id) || self.deleted.contains(&id) {
            problems.push(
                Problem::new(
                    "create.returns-group",
                    format!("create returned id {id}, which this scenario already had"),
                )
                .at("/id"),
            );
        }
        self.created.push(id.clone());
        let request = ex
            .body
            .and_then(|b| parse_body(b).ok())
            .and_then(|m| CreateRequest::from_json(&m).ok().map(|r| (m, r)));
        let now = timestamp(view, "created_at").unwrap_or(0);
        let mut tracked = false;
        if let Some((raw, request)) = request {
            if let Some(deleted) = request
                .child_groups
                .iter()
                .find(|c| self.deleted.contains(*c))
            {
                problems.push(Problem::new(
                    "ref.unknown-child-group",
                    format!("create with deleted child group {deleted} was accepted"),
                ));
            }
            if let Some(rule) = views::limit_breached(&raw) {
                problems.push(Problem::new(
                    rule,
                    "a request breaking a documented limit was accepted",
                ));
            }
            // Whether a parent's size and members include its children's is undocumented
            // (members.child-groups-counted): the model predicts only groups without children.
            let no_children = request.child_groups.is_empty();
            if no_children && self.store.create(request, id.clone(), now).is_ok() {
                tracked = true;
            }
        }
        self.known.insert(
            id.clone(),
            Known {
                tracked,
                created_at: None,
                modified_at: None,
                last_view: None,
                changed_since_view: true,
                last_change: Change::Create,
                changed_at: Some(Instant::now()),
            },
        );
        let raw = ex.body.and_then(|b| parse_body(b).ok());
        self.judge_change_response(&id, view, Operation::Create, raw.as_ref(), problems);
    }

    fn changed(
        &mut self,
        ex: &Exchange,
        body: Option<&Value>,
        success: bool,
        problems: &mut Vec<Problem>,
    ) {
        let Some(id) = ex.group.map(str::to_owned) else {
            return;
        };
        if !self.known.contains_key(&id) {
            return;
        }
        let raw = ex.body.and_then(|b| parse_body(b).ok());
        if !success {
            if let Some(k) = self.known.get_mut(&id) {
                k.last_change = Change::Rejected;
            }
            return;
        }
        let now = body.and_then(|v| timestamp(v, "modified_at")).unwrap_or(0);
        if let Some(raw) = &raw
            && let Some(rule) = views::limit_breached(raw)
        {
            problems.push(Problem::new(
                rule,
                "a request breaking a documented limit was accepted",
            ));
        }
        let applied = match (ex.op, raw.as_ref()) {
            (Operation::Update, Some(raw)) => match UpdateRequest::from_json(raw) {
                Ok(request) => {
                    let refs = [&request.add_from_group, &request.remove_from_group];
                    for r in refs.into_iter().flatten() {
                        if self.deleted.contains(r) {
                            problems.push(Problem::new(
                                "ref.unknown-source-group",
                                format!("update referencing deleted group {r} was accepted"),
                            ));
                        }
                    }
                    let refs_tracked = refs.into_iter().flatten().all(|r| self.tracked(r));
                    let features = views::Features::of(&request, self.model_members(&id).as_ref());
                    self.set_change(&id, Change::Update(Box::new(request.clone()), features));
                    (self.tracked(&id) && refs_tracked)
                        && self.store.update(&id, request, now).is_ok()
                }
                Err(_) => false,
            },
            (Operation::Replace, Some(raw)) => match ReplaceRequest::from_json(raw) {
                Ok(request) => {
                    let no_children = request.child_groups.is_empty();
                    self.set_change(&id, Change::Replace);
                    (self.tracked(&id) && no_children)
                        && self.store.replace(&id, request, now).is_ok()
                }
                Err(_) => false,
            },
            _ => false,
        };
        if !applied {
            self.untrack(&id);
        }
        if let Some(k) = self.known.get_mut(&id) {
            k.changed_since_view = true;
        }
        if let Some(view) = body {
            self.judge_change_response(&id, view, ex.op, raw.as_ref(), problems);
        }
        if let Some(k) = self.known.get_mut(&id) {
            k.changed_at = Some(Instant::now());
        }
    }

    fn set_change(&mut self, id: &str, change: Change) {
        if let Some(k) = self.known.get_mut(id) {
            k.last_change = change;
        }
    }

    fn tracked(&self, id: &str) -> bool {
        self.known.get(id).is_some_and(|k| k.tracked)
    }

    /// Stop predicting group `id` (it may have changed in ways this oracle did not see: traffic
    /// it did not watch, or requests that raced): it is dropped, so nothing more is predicted or
    /// compared for it (only what holds for any group: status and schema).
    pub fn forget(&mut self, id: &str) {
        self.known.remove(id);
        let _ = self.store.delete(id);
    }

    /// Whether the oracle knows group `id` (it saw it created).
    pub fn knows(&self, id: &str) -> bool {
        self.known.contains_key(id)
    }

    fn untrack(&mut self, id: &str) {
        if let Some(k) = self.known.get_mut(id) {
            k.tracked = false;
        }
    }

    /// The model's members of a tracked group.
    fn model_members(&self, id: &str) -> Option<HashSet<Msisdn>> {
        self.tracked(id)
            .then(|| self.store.get(id).map(|g| g.members.clone()))
            .flatten()
    }

    fn once(&mut self, rule: &'static str) -> bool {
        self.reported_once.insert(rule)
    }
}

fn timestamp(view: &Value, field: &str) -> Option<Millis> {
    view.get(field)
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
}
