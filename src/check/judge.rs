//! Judging one response by its status, its schema and the step's explicit expectations.
//! The model oracle judges the rest ([`super::oracle`]).

use super::diff::{json_diff, overlay, pretty, unified};
use crate::client::Observation;
use crate::scenario::{Expect, Operation, matcher};
use crate::spec::Schemas;
use serde_json::Value;

/// A broken expectation, before it is placed in its step.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub rule: String,
    pub message: String,
    pub pointer: Option<String>,
    pub diff: Option<String>,
    /// The received body around the pointer (schema findings).
    pub received: Option<String>,
}

impl Problem {
    pub fn new(rule: &str, message: impl Into<String>) -> Problem {
        Problem {
            rule: rule.to_owned(),
            message: message.into(),
            pointer: None,
            diff: None,
            received: None,
        }
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Problem {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn with_received(mut self, excerpt: String) -> Problem {
        self.received = (!excerpt.is_empty()).then_some(excerpt);
        self
    }

    pub fn with_diff(mut self, diff: String) -> Problem {
        self.diff = (!diff.is_empty()).then_some(diff);
        self
    }
}

/// The documented success status of an operation and the rule that says so.
pub fn success(op: Operation) -> (u16, &'static str) {
    match op {
        Operation::Create => (201, "create.status-201"),
        Operation::Delete => (200, "delete.status-200"),
        _ => (200, "status.ok-200"),
    }
}

/// The rule a status expectation traces to when the step names none.
fn status_rule(op: Option<Operation>, expected: u16, fallback: &str) -> String {
    match (expected, op) {
        (200..=299, Some(op)) => success(op).1,
        (401, _) => "auth.invalid-token",
        (404, _) => "notfound.unknown-id",
        (405, _) => "http.method-not-allowed",
        (415, _) => "http.unsupported-media-type",
        (400, _) => "error.malformed-body",
        _ => fallback,
    }
    .to_owned()
}

/// Judge the explicit expectations of a step (already rendered). `fallback_rule` is the scenario's
/// first rule, for expectations that name none.
pub fn expectations(
    expect: &Expect,
    op: Option<Operation>,
    obs: &Observation,
    fallback_rule: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let explicit_rule = expect.rule.as_deref();
    let body_rule = explicit_rule.unwrap_or(fallback_rule);

    // Status: explicit, or the operation's documented success.
    let statuses: Vec<u16> = match (&expect.status, op) {
        (Some(s), _) => s.to_vec().into_iter().copied().collect(),
        (None, Some(op)) => vec![success(op).0],
        (None, None) => vec![],
    };
    if !statuses.is_empty() && !statuses.contains(&obs.status) {
        let rule = explicit_rule
            .map(str::to_owned)
            .unwrap_or_else(|| status_rule(op, statuses[0], fallback_rule));
        let wanted: Vec<String> = statuses.iter().map(u16::to_string).collect();
        let mut message = format!(
            "expected status {}, got {}",
            wanted.join(" or "),
            obs.status
        );
        if (300..400).contains(&obs.status) {
            let to = obs.header("location").map_or("nowhere".to_owned(), preview);
            message.push_str(&format!(
                " (a redirect to {to}: groupcheck never follows one)"
            ));
        }
        if let Some(code) = obs
            .json()
            .as_ref()
            .and_then(|b| b.get("code"))
            .and_then(Value::as_str)
        {
            message.push_str(&format!(" (code {})", preview(code)));
        }
        problems.push(Problem::new(&rule, message).with_diff(unified(
            &format!("{}\n", wanted.join(" | ")),
            &format!("{}\n", obs.status),
        )));
        // The body expectations were written for the expected status: judging them against a
        // different answer only repeats the same failure.
        return problems;
    }

    let body = obs.json();
    let need_body = expect.schema.is_some()
        || expect.body.is_some()
        || expect.body_exact.is_some()
        || expect.members.is_some()
        || expect.code.is_some()
        // An `excludes` matcher holds when there is nothing to look in (a refused list).
        || expect.matches.iter().any(|m| m.excludes.is_none())
        || !expect.absent.is_empty();
    let Some(body) = body else {
        if need_body {
            problems.push(Problem::new(
                body_rule,
                format!(
                    "expected a JSON body, got {} bytes that are not JSON: {}",
                    obs.body.len(),
                    preview(&obs.text())
                ),
            ));
        }
        return problems;
    };

    if let Some(name) = &expect.schema {
        let rule = explicit_rule.map_or_else(|| format!("schema.{name}"), str::to_owned);
        problems.extend(schema_problem(&rule, name, &body));
    }
    if let Some(expected) = &expect.body
        && let Some(m) = matcher::subset(expected, &body)
    {
        problems.push(
            Problem::new(body_rule, m.message)
                .at(m.pointer)
                .with_diff(json_diff(&overlay(&body, expected), &body)),
        );
    }
    if let Some(expected) = &expect.body_exact
        && let Some(m) = matcher::exact(expected, &body)
    {
        problems.push(
            Problem::new(body_rule, m.message)
                .at(m.pointer)
                .with_diff(json_diff(expected, &body)),
        );
    }
    for pointer in &expect.absent {
        if let Some(m) = matcher::absent(pointer, &body) {
            let mut expected = body.clone();
            remove_pointer(&mut expected, pointer);
            problems.push(
                Problem::new(body_rule, m.message)
                    .at(m.pointer)
                    .with_diff(json_diff(&expected, &body)),
            );
        }
    }
    if let Some(expected) = &expect.members {
        let pointer = expect.members_at.as_deref().unwrap_or("");
        if let Some(m) = matcher::members(expected, &body, pointer) {
            let sorted = |v: Option<&Value>| -> String {
                let mut items: Vec<String> = v
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), matcher::normalise))
                            .collect()
                    })
                    .unwrap_or_default();
                items.sort();
                items.dedup();
                items.join("\n") + "\n"
            };
            problems.push(
                Problem::new(body_rule, m.message)
                    .at(m.pointer)
                    .with_diff(unified(
                        &sorted(Some(expected)),
                        &sorted(body.pointer(pointer)),
                    )),
            );
        }
    }
    if let Some(codes) = &expect.code {
        let got = body.get("code");
        let ok = got
            .and_then(Value::as_str)
            .is_some_and(|c| codes.contains(&c.to_owned()));
        if !ok {
            let wanted: Vec<&String> = codes.to_vec();
            problems.push(
                Problem::new(
                    body_rule,
                    format!(
                        "expected code {wanted:?}, got {}",
                        got.map_or("nothing".into(), matcher::show)
                    ),
                )
                .at("/code"),
            );
        }
    }
    for m in &expect.matches {
        if let Some(found) = matcher::matcher(m, &body) {
            let rule = m.rule.as_deref().unwrap_or(body_rule);
            problems.push(Problem::new(rule, found.message).at(found.pointer));
        }
    }
    problems
}

/// Checks every response gets, whatever the step says: the response schema of the operation,
/// the error body of 400 and 403, and the empty body of a delete.
pub fn automatic(op: Option<Operation>, obs: &Observation) -> Vec<Problem> {
    let mut problems = Vec::new();
    let success = (200..300).contains(&obs.status);
    let schema = match (op, obs.status) {
        (
            Some(Operation::Create | Operation::Retrieve | Operation::Update | Operation::Replace),
            _,
        ) if success => Some("group"),
        (Some(Operation::List), _) if success => Some("list-response"),
        (Some(Operation::Members), _) if success => Some("members-response"),
        (_, 400 | 403) => Some("error"),
        _ => None,
    };
    if let Some(name) = schema {
        let rule = format!("schema.{name}");
        let json_type = obs.content_type.as_deref().is_some_and(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
        match obs.json() {
            None => problems.push(Problem::new(
                &rule,
                format!(
                    "expected a JSON body ({name}), got {} bytes of {}: {}",
                    obs.body.len(),
                    obs.content_type.as_deref().unwrap_or("no Content-Type"),
                    preview(&obs.text())
                ),
            )),
            Some(body) => {
                if !json_type {
                    problems.push(Problem::new(
                        &rule,
                        format!(
                            "expected Content-Type application/json, got {}",
                            obs.content_type.as_deref().unwrap_or("none")
                        ),
                    ));
                }
                problems.extend(schema_problem(&rule, name, &body));
                if name == "error" && !body.get("text").is_some_and(Value::is_string) {
                    problems.push(
                        Problem::new("error.text-present", "the error body has no string 'text'")
                            .at("/text"),
                    );
                }
                if obs.status == 400
                    && let Some(code) = body.get("code").and_then(Value::as_str)
                    && !crate::model::error::SYNTAX_CODES.contains(&code)
                {
                    problems.push(
                        Problem::new(
                            "error.400-code-known",
                            format!(
                                "400 with code '{}', not one of the three documented syntax codes",
                                preview(code)
                            ),
                        )
                        .at("/code"),
                    );
                }
            }
        }
    }
    if obs.status == 405 && obs.header("allow").is_none_or(|a| a.trim().is_empty()) {
        problems.push(Problem::new(
            "http.405-allow-header",
            "405 without an Allow header listing the supported methods",
        ));
    }
    if op == Some(Operation::Delete) && success && !obs.body.iter().all(u8::is_ascii_whitespace) {
        problems.push(Problem::new(
            "delete.status-200",
            format!(
                "delete answered with a body of {} bytes; the documented answer has none: {}",
                obs.body.len(),
                preview(&obs.text())
            ),
        ));
    }
    problems
}

/// A body that breaks schema `name`: the first violation, with up to ten listed as the "diff".
fn schema_problem(rule: &str, name: &str, body: &Value) -> Option<Problem> {
    // Ten are shown; a hostile answer can hold millions, so no more are collected.
    let violations = Schemas::get()
        .validate_first(name, body, 10)
        .unwrap_or_default();
    let first = violations.first()?;
    let list: Vec<String> = violations
        .iter()
        .take(10)
        .map(|v| format!("  {}", preview(&v.to_string())))
        .collect();
    Some(
        Problem::new(
            rule,
            format!("not a valid {name}: {}", preview(&first.message)),
        )
        .at(first.pointer.clone())
        .with_diff(list.join("\n"))
        .with_received(super::excerpt::around(body, &first.pointer)),
    )
}

/// The first 200 characters of a body, on one line.
pub fn preview(text: &str) -> String {
    let flat: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > 200 {
        format!("{flat}…")
    } else {
        flat
    }
}

fn remove_pointer(value: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Pretty text of a body for messages: JSON pretty-printed, anything else as text.
pub fn body_text(obs: &Observation) -> String {
    obs.json().map_or_else(|| obs.text(), |v| pretty(&v))
}
