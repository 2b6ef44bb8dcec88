//! Judging an answer under load: the same automatic checks and explicit expectations as `check`
//! ([`crate::check::judge`]), plus invariants that hold whatever else runs at the same time and
//! cost no model. The model oracle is not used under load: it needs a scenario's exclusive view
//! of its groups, and it would hold a copy of every member of every large group.
//!
//! The invariants, each on its catalogue rule:
//! * a Group answer is for the group the path names (`group.consistent-views`);
//! * `modified_at` is not earlier than `created_at` (`time.modified-at`);
//! * a group's `created_at` never changes across the answers a session sees (`time.created-at-stable`);
//! * a members listing names no number twice (`members.duplicates-ignored`);
//! * a list page holds `page_size` groups, no more than asked for (`list.page-size-is-item-count`,
//!   `list.page-size-honoured`).

use crate::check::judge::{self, Problem};
use crate::client::Observation;
use crate::load::LoadError;
use crate::load::flow::Rendered;
use crate::model::id::parse_timestamp;
use crate::model::msisdn::Msisdn;
use crate::scenario::render::{expect_variables, render_expect};
use crate::scenario::template::Vars;
use crate::scenario::{Expect, Operation, Step, matcher};
use crate::spec::Schemas;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What a session remembers between answers: the `created_at` of its groups, for the invariants
/// across answers, and its steps' expectations as last rendered.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    created_at: HashMap<String, String>,
    expectations: Expectations,
}

impl Seen {
    pub fn forget(&mut self, id: &str) {
        self.created_at.remove(id);
        // A remembered pass relied on what was known of `id`.
        for cached in self.expectations.0.values_mut() {
            cached.passed = None;
        }
    }
}

/// Steps' expectations rendered with the values of the variables they name: while those keep
/// their values, rendering again would give the same (most requests of a flow re-render
/// `{group_id}` with the same id). Steps are told apart by their line: a session runs one file.
#[derive(Debug, Default, Clone)]
struct Expectations(HashMap<u64, RenderedExpect>);

#[derive(Debug, Clone)]
struct RenderedExpect {
    names: Vec<String>,
    values: Vec<Option<Value>>,
    expect: Expect,
    /// The last answer that passed these expectations, with the request it answered.
    passed: Option<Passed>,
}

/// An answer that passed, kept to recognise the same answer to the same request: judging is a
/// function of the request, the expectations, the answer and what the session knows of the group,
/// so a byte-identical answer (a group read again, unchanged) passes again without being parsed.
/// Bodies over [`Passed::MAX_BODY`] are not kept.
#[derive(Debug, Clone)]
struct Passed {
    path: String,
    query: Vec<(String, String)>,
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Passed {
    const MAX_BODY: usize = 64 * 1024;

    fn is(&self, rendered: &Rendered, obs: &Observation) -> bool {
        self.status == obs.status
            && self.body == obs.body
            && self.content_type == obs.content_type
            && self.path == rendered.request.path
            && self.query == rendered.request.query
    }
}

impl RenderedExpect {
    fn remember(&mut self, rendered: &Rendered, obs: &Observation) {
        if obs.body.len() > Passed::MAX_BODY {
            self.passed = None;
            return;
        }
        let passed = self.passed.get_or_insert_with(|| Passed {
            path: String::new(),
            query: Vec::new(),
            status: 0,
            content_type: None,
            body: Vec::new(),
        });
        passed.status = obs.status;
        passed.body.clone_from(&obs.body);
        passed.content_type.clone_from(&obs.content_type);
        passed.path.clone_from(&rendered.request.path);
        passed.query.clone_from(&rendered.request.query);
    }
}

impl Expectations {
    fn get(&mut self, step: &Step, vars: &Vars) -> Result<&mut RenderedExpect, LoadError> {
        let fresh = self.0.get(&step.line).is_some_and(|cached| {
            cached
                .names
                .iter()
                .zip(&cached.values)
                .all(|(name, value)| vars.get(name) == value.as_ref())
        });
        if !fresh {
            let names = expect_variables(&step.expect);
            let rendered = RenderedExpect {
                expect: render_expect(&step.expect, vars)?,
                values: names.iter().map(|n| vars.get(n).cloned()).collect(),
                names,
                passed: None,
            };
            self.0.insert(step.line, rendered);
        }
        Ok(self.0.get_mut(&step.line).expect("inserted above"))
    }
}

/// Everything wrong with an answer whose status the step accepts (or a 2xx/3xx it did not).
///
/// Under load most answers are right, so they take a fast path first: the same answer to the
/// same request as the last that passed passes again ([`Passed`]); any other is parsed once and
/// every check asked as a yes/no ([`passes`]). Only an answer that fails that goes through the
/// judges of `check`, which say what is wrong and where.
pub fn judge(
    step: &Step,
    rendered: &Rendered,
    vars: &Vars,
    obs: &Observation,
    fallback_rule: &str,
    seen: &mut Seen,
) -> Vec<Problem> {
    let Seen {
        created_at,
        expectations,
    } = seen;
    let cached = match expectations.get(step, vars) {
        Ok(cached) => cached,
        Err(message) => {
            return vec![Problem::new(
                fallback_rule,
                format!("cannot render the step's expectations: {message}"),
            )];
        }
    };
    if cached.passed.as_ref().is_some_and(|p| p.is(rendered, obs)) {
        return Vec::new();
    }
    if let Some(body) = passes(rendered.op, &cached.expect, obs) {
        let problems = invariants_of(rendered, &body, created_at);
        if problems.is_empty() {
            cached.remember(rendered, obs);
        }
        return problems;
    }
    let mut problems = judge::automatic(rendered.op, obs);
    problems.extend(judge::expectations(
        &cached.expect,
        rendered.op,
        obs,
        fallback_rule,
    ));
    problems.extend(invariants_since(rendered, obs, created_at));
    let mut unique = HashSet::new();
    problems.retain(|p| unique.insert((p.rule.clone(), p.message.clone())));
    problems
}

/// The fast path: the parsed body when a success answer passes [`judge::automatic`] and the
/// expectations, `None` when it may not (then the judges look at it properly). It asks the same
/// questions for success answers: the status, a JSON Content-Type, the operation's schema, and
/// each expectation through the same matchers; anything else (errors, empty bodies, deletes)
/// takes the judges' way. A test keeps the two in agreement.
pub fn passes(op: Option<Operation>, expect: &Expect, obs: &Observation) -> Option<Value> {
    let wanted = match (&expect.status, op) {
        (Some(s), _) => s.contains(&obs.status),
        (None, Some(op)) => judge::success(op).0 == obs.status,
        (None, None) => true,
    };
    if !wanted || !(200..300).contains(&obs.status) {
        return None;
    }
    let json = obs.content_type.as_deref().is_some_and(|t| {
        t.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json {
        return None;
    }
    let schema = match op? {
        Operation::Create | Operation::Retrieve | Operation::Update | Operation::Replace => "group",
        Operation::List => "list-response",
        Operation::Members => "members-response",
        Operation::Delete => return None,
    };
    let body = obs.json()?;
    let schemas = Schemas::get();
    let ok = schemas.is_valid(schema, &body)
        && expect
            .schema
            .as_deref()
            .is_none_or(|s| s == schema || schemas.is_valid(s, &body))
        && expect
            .body
            .as_ref()
            .is_none_or(|e| matcher::subset(e, &body).is_none())
        && expect
            .body_exact
            .as_ref()
            .is_none_or(|e| matcher::exact(e, &body).is_none())
        && expect
            .absent
            .iter()
            .all(|p| matcher::absent(p, &body).is_none())
        && expect.members.as_ref().is_none_or(|e| {
            matcher::members(e, &body, expect.members_at.as_deref().unwrap_or("")).is_none()
        })
        && expect.code.as_ref().is_none_or(|codes| {
            body.get("code")
                .and_then(Value::as_str)
                .is_some_and(|c| codes.contains(&c.to_owned()))
        })
        && expect
            .matches
            .iter()
            .all(|m| matcher::matcher(m, &body).is_none());
    ok.then_some(body)
}

/// The status part of the expectations alone: what every answer gets, sampled or not.
pub fn status_only(
    step: &Step,
    rendered: &Rendered,
    obs: &Observation,
    fallback: &str,
) -> Vec<Problem> {
    let expect = Expect {
        rule: step.expect.rule.clone(),
        status: step.expect.status.clone(),
        ..Expect::default()
    };
    judge::expectations(&expect, rendered.op, obs, fallback)
}

/// The invariants of one answer.
pub fn invariants(rendered: &Rendered, obs: &Observation, seen: &mut Seen) -> Vec<Problem> {
    invariants_since(rendered, obs, &mut seen.created_at)
}

fn invariants_since(
    rendered: &Rendered,
    obs: &Observation,
    created_at: &mut HashMap<String, String>,
) -> Vec<Problem> {
    if !(200..300).contains(&obs.status) {
        return Vec::new();
    }
    match obs.json() {
        Some(body) => invariants_of(rendered, &body, created_at),
        None => Vec::new(),
    }
}

/// The invariants of a success answer's parsed body.
fn invariants_of(
    rendered: &Rendered,
    body: &Value,
    created_at: &mut HashMap<String, String>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(op) = rendered.op else {
        return problems;
    };
    if rendered.request.second_plan {
        return problems;
    }
    match op {
        Operation::Create | Operation::Retrieve | Operation::Update | Operation::Replace => {
            group_view(
                op,
                rendered.group.as_deref(),
                body,
                created_at,
                &mut problems,
            )
        }
        Operation::Members => {
            if let Some(items) = body.as_array() {
                // A number as its value, anything else as itself: no copy per member.
                let mut numbers: HashSet<Result<u64, &str>> = HashSet::with_capacity(items.len());
                let twice = items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|n| !numbers.insert(Msisdn::parse(n).map(Msisdn::value).ok_or(*n)))
                    .count();
                if twice > 0 {
                    problems.push(Problem::new(
                        "members.duplicates-ignored",
                        format!("the members listing names {twice} number(s) more than once"),
                    ));
                }
            }
        }
        Operation::List => list_page(rendered, body, &mut problems),
        Operation::Delete => {}
    }
    problems
}

fn group_view(
    op: Operation,
    path_id: Option<&str>,
    body: &Value,
    created_at: &mut HashMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let id = body.get("id").and_then(Value::as_str);
    if let (Some(id), Some(path_id)) = (id, path_id)
        && op != Operation::Create
        && id != path_id
    {
        problems.push(
            Problem::new(
                "group.consistent-views",
                format!("{op} of group {path_id} answered with group {id}"),
            )
            .at("/id"),
        );
    }
    let text = |field: &str| body.get(field).and_then(Value::as_str);
    if let (Some(created), Some(modified)) = (text("created_at"), text("modified_at"))
        && let (Some(c), Some(m)) = (parse_timestamp(created), parse_timestamp(modified))
        && m < c
    {
        problems.push(
            Problem::new(
                "time.modified-at",
                format!("modified_at {modified} is earlier than created_at {created}"),
            )
            .at("/modified_at"),
        );
    }
    if let (Some(id), Some(created)) = (id, text("created_at")) {
        match created_at.get(id) {
            Some(first) if first != created => problems.push(
                Problem::new(
                    "time.created-at-stable",
                    format!("created_at of {id} was {first}, now {created}"),
                )
                .at("/created_at"),
            ),
            Some(_) => {}
            None => {
                created_at.insert(id.to_owned(), created.to_owned());
            }
        }
    }
}

fn list_page(rendered: &Rendered, body: &Value, problems: &mut Vec<Problem>) {
    let Some(items) = body.get("groups").and_then(Value::as_array) else {
        return;
    };
    if let Some(page_size) = body.get("page_size").and_then(Value::as_u64)
        && page_size as usize != items.len()
    {
        problems.push(
            Problem::new(
                "list.page-size-is-item-count",
                format!(
                    "page_size is {page_size}, the page holds {} groups",
                    items.len()
                ),
            )
            .at("/page_size"),
        );
    }
    let asked = rendered
        .request
        .query
        .iter()
        .find(|(k, _)| k == "page_size")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(30);
    if asked > 0 && items.len() > asked {
        problems.push(
            Problem::new(
                "list.page-size-honoured",
                format!("asked for {asked} groups a page, got {}", items.len()),
            )
            .at("/groups"),
        );
    }
}

#[cfg(test)]
mod tests;
