//! Judging what the proxy saw: each exchange is classified into one of the seven operations
//! ([`Operation::classify`]), its answer judged by [`check::judge::automatic`] (status and schema)
//! and by the model oracle of its service plan ([`Oracle`], the shadow model), its request by the
//! request schemas. Findings are grouped into one pseudo-scenario per group (and one for traffic
//! that names no group), so the reports are those of `check`.
//!
//! The shadow model only predicts groups it saw created; a group first seen later, or one on
//! which two requests overlapped, is never predicted (it is *uncertain*, and the report says so).

use crate::check::judge::{self, Problem};
use crate::check::oracle::{Exchange, Oracle};
use crate::check::outcome::{Finding, Profile, ScenarioOutcome, Severity, StepRecord};
use crate::client::{
    Auth, Client, ClientConfig, HttpRequest, Observation, Secret, Target, TransportError,
};
use crate::scenario::Operation;
use crate::spec::{Catalogue, Level, Schemas};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The pseudo-scenario of traffic that names no group (lists, rejected creates, other paths).
const NO_GROUP: &str = "(no group)";

/// One request as the client sent it, and what the proxy kept of the answer.
pub struct Seen {
    pub method: String,
    /// The path as requested, `/xms/v1/{plan}/groups/...`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    pub authorised: bool,
    /// The answer; `Err` when none came whole, or it was larger than the judging cap.
    pub answer: Result<Observation, TransportError>,
}

/// A request of the API below a service plan.
pub struct Classified {
    pub plan: String,
    pub op: Operation,
    pub group: Option<String>,
    /// The path below the plan root.
    pub below: String,
}

/// Recognise `/xms/v1/{plan}/groups...`.
pub fn classify(method: &str, path: &str) -> Option<Classified> {
    let rest = path.strip_prefix("/xms/v1/")?;
    let (plan, below) = rest.split_once('/')?;
    let below = format!("/{below}");
    let (op, group) = Operation::classify(method, &below)?;
    Some(Classified {
        plan: plan.to_owned(),
        op,
        group,
        below,
    })
}

/// One pseudo-scenario in the making.
#[derive(Default)]
struct Log {
    steps: Vec<StepRecord>,
    findings: Vec<Finding>,
    uncertain: Option<String>,
}

/// Everything judged so far.
pub struct Judge {
    base_url: String,
    profile: Profile,
    oracles: HashMap<String, Oracle>,
    clients: HashMap<String, Client>,
    logs: BTreeMap<String, Log>,
    /// Requests in flight per group id.
    in_flight: HashMap<String, usize>,
    /// The last `modified_at` any answer showed for each group.
    modified: HashMap<String, String>,
}

impl Judge {
    pub fn new(base_url: String, profile: Profile) -> Judge {
        Judge {
            base_url,
            profile,
            oracles: HashMap::new(),
            clients: HashMap::new(),
            logs: BTreeMap::new(),
            in_flight: HashMap::new(),
            modified: HashMap::new(),
        }
    }

    /// A request on `group` is about to be forwarded: when another is still in flight, the two
    /// race and the group becomes uncertain. Returns a console line when it does.
    pub fn begin(&mut self, method: &str, path: &str) -> Option<String> {
        let c = classify(method, path)?;
        let id = c.group?;
        let n = self.in_flight.entry(id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            return self.uncertain(&c.plan, &id, "two requests on it overlapped");
        }
        None
    }

    fn uncertain(&mut self, plan: &str, id: &str, why: &str) -> Option<String> {
        if let Some(oracle) = self.oracles.get_mut(plan) {
            oracle.forget(id);
        }
        let log = self.logs.entry(id.to_owned()).or_default();
        if log.uncertain.is_some() {
            return None;
        }
        log.uncertain = Some(why.to_owned());
        Some(format!(
            "note   group {id} is uncertain from here on ({why}): the model no longer predicts it"
        ))
    }

    /// Judge one exchange; returns a console line per finding.
    pub fn exchange(&mut self, seen: Seen, elapsed: Duration) -> Vec<String> {
        let classified = classify(&seen.method, &seen.path);
        if let Some(id) = classified.as_ref().and_then(|c| c.group.as_ref())
            && let Some(n) = self.in_flight.get_mut(id)
        {
            *n = n.saturating_sub(1);
        }
        let op = classified.as_ref().map(|c| c.op);
        let request = HttpRequest {
            method: seen.method.clone(),
            path: classified
                .as_ref()
                .map_or_else(|| seen.path.clone(), |c| c.below.clone()),
            query: seen.query.clone(),
            headers: seen
                .content_type
                .iter()
                .filter(|t| !t.trim().eq_ignore_ascii_case("application/json"))
                .map(|t| ("Content-Type".to_owned(), t.clone()))
                .collect(),
            body: seen.body.clone(),
            auth: if seen.authorised {
                Auth::Token
            } else {
                Auth::None
            },
            ..HttpRequest::default()
        };
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut lines = Vec::new();
        let mut key = classified
            .as_ref()
            .and_then(|c| c.group.clone())
            .unwrap_or_else(|| NO_GROUP.to_owned());
        match &seen.answer {
            // Forwarded whole, but too large to keep a copy of: not judged, and said so.
            Err(e @ TransportError::BodyTooLarge(_)) => notes.push(Problem::new(
                "http.answers",
                format!("not judged: {e} (the answer was forwarded whole)"),
            )),
            Err(e) => problems.push(Problem::new("http.answers", e.to_string())),
            Ok(obs) => {
                problems.extend(judge::automatic(op, obs));
                if let Some(op) = op {
                    let (documented, rule) = judge::success(op);
                    if (200..300).contains(&obs.status) && obs.status != documented {
                        problems.push(Problem::new(
                            rule,
                            format!("{op} answered {}, documented {documented}", obs.status),
                        ));
                    }
                    if obs.status >= 500 {
                        problems.push(Problem::new(
                            "http.answers",
                            format!("{op} answered {}", obs.status),
                        ));
                    }
                    if op == Operation::Create
                        && let Some(id) = obs
                            .json()
                            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
                    {
                        key = id;
                    }
                }
                if let Some(c) = &classified {
                    for (id, why) in self.unseen_changes(c, obs) {
                        if let Some(line) = self.uncertain(&c.plan, &id, why) {
                            lines.push(line);
                        }
                    }
                    notes.extend(request_notes(c.op, seen.body.as_deref()));
                    let oracle = self.oracles.entry(c.plan.clone()).or_insert_with(|| {
                        // Other clients may own groups on the plan: list checks hold with them.
                        Oracle::new(false)
                    });
                    problems.extend(oracle.observe(&Exchange {
                        op: c.op,
                        group: c.group.as_deref(),
                        query: &seen.query,
                        body: seen.body.as_deref(),
                        auth: request.auth,
                        obs,
                    }));
                }
            }
        }
        let plan = classified.as_ref().map_or("", |c| c.plan.as_str());
        let first_seen_later = key != NO_GROUP
            && op.is_some_and(|o| o != Operation::Create)
            && !self.logs.contains_key(&key)
            && !self.oracles.get(plan).is_some_and(|o| o.knows(&key));
        if first_seen_later {
            self.logs.entry(key.clone()).or_default().uncertain =
                Some("first seen after its creation".to_owned());
        }
        let reproducer = self.client(plan).map(|c| c.curl(&request));
        let log = self.logs.entry(key.clone()).or_default();
        let index = log.steps.len();
        let label = format!("{} {}", seen.method, request.path);
        log.steps.push(StepRecord {
            index,
            label: label.clone(),
            line: 0,
            operation: op.map(|o| o.name().to_owned()),
            method: seen.method.clone(),
            path: request.path.clone(),
            status: seen.answer.as_ref().ok().map(|o| o.status),
            elapsed_ms: elapsed.as_secs_f64() * 1000.0,
            teardown: false,
        });
        let catalogue = Catalogue::get();
        let tagged = problems
            .into_iter()
            .map(|p| (p, None))
            .chain(notes.into_iter().map(|p| (p, Some(Severity::Note))));
        for (p, forced) in tagged {
            let (level, statement) = catalogue.find(&p.rule).map_or(
                (
                    Level::Must,
                    format!("(rule {} is not in the catalogue)", p.rule),
                ),
                |r| (r.level, r.statement.clone()),
            );
            let severity = forced.unwrap_or_else(|| Severity::of(level, self.profile));
            let word = match severity {
                Severity::Failure => "FAIL ",
                Severity::Warning => "WARN ",
                Severity::Note => "note ",
            };
            lines.push(format!("{word}  {} {label}: {}", p.rule, p.message));
            log.findings.push(Finding {
                rule: p.rule,
                level,
                severity,
                statement,
                step: index,
                step_label: label.clone(),
                line: 0,
                operation: op.map(|o| o.name().to_owned()),
                message: p.message,
                pointer: p.pointer,
                diff: p.diff,
                reproducer: reproducer.clone(),
                received: p.received,
                request_body: None,
            });
        }
        lines
    }

    /// Groups a read shows changed by traffic the proxy did not see: their `modified_at` moved
    /// although no change was seen since the last answer about them. (A change's own answer
    /// cannot show this; the next read does.) Remembers every `modified_at` shown.
    fn unseen_changes(&mut self, c: &Classified, obs: &Observation) -> Vec<(String, &'static str)> {
        if !(200..300).contains(&obs.status) {
            return Vec::new();
        }
        let Some(body) = obs.json() else {
            return Vec::new();
        };
        let views: Vec<&Value> = match c.op {
            Operation::List => body
                .get("groups")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            Operation::Members | Operation::Delete => Vec::new(),
            _ => vec![&body],
        };
        let read = matches!(c.op, Operation::List | Operation::Retrieve);
        let mut changed = Vec::new();
        for view in views {
            let (Some(id), Some(at)) = (
                view.get("id").and_then(Value::as_str),
                view.get("modified_at").and_then(Value::as_str),
            ) else {
                continue;
            };
            let before = self.modified.insert(id.to_owned(), at.to_owned());
            if read && before.is_some_and(|b| b != at) {
                changed.push((id.to_owned(), "changed by traffic the proxy did not see"));
            }
        }
        changed
    }

    /// A client for the plan, only to render reproducers (it reads `$SINCH_API_TOKEN`).
    fn client(&mut self, plan: &str) -> Option<&Client> {
        if !self.clients.contains_key(plan) {
            let target = Target {
                base_url: self.base_url.clone(),
                service_plan_id: plan.to_owned(),
                token: Secret::default(),
                second_plan_id: String::new(),
                second_token: None,
            };
            let client = Client::new(target, ClientConfig::default()).ok()?;
            self.clients.insert(plan.to_owned(), client);
        }
        self.clients.get(plan)
    }

    /// The pseudo-scenarios, one per group (in id order) and the traffic without one.
    pub fn outcomes(self) -> Vec<ScenarioOutcome> {
        self.logs
            .into_iter()
            .map(|(key, log)| {
                let name = match (&log.uncertain, key == NO_GROUP) {
                    (_, true) => "traffic without a group".to_owned(),
                    (Some(why), false) => format!("group {key} (uncertain: {why})"),
                    (None, false) => format!("group {key}"),
                };
                let mut rules: Vec<String> = log.findings.iter().map(|f| f.rule.clone()).collect();
                rules.sort();
                rules.dedup();
                ScenarioOutcome {
                    file: "proxy".to_owned(),
                    name,
                    rules,
                    verdict: ScenarioOutcome::verdict_of(&log.findings, &None),
                    duration_ms: log.steps.iter().map(|s| s.elapsed_ms).sum(),
                    steps: log.steps,
                    findings: log.findings,
                    error: None,
                    leftovers: Vec::new(),
                    skipped: None,
                }
            })
            .collect()
    }
}

/// What a request says that the client may not mean: a body outside the request schema (an
/// undocumented field or value), and `"name": null` in an update, which removes the name.
fn request_notes(op: Operation, body: Option<&[u8]>) -> Vec<Problem> {
    let schema = match op {
        Operation::Create => "create-request",
        Operation::Update => "update-request",
        Operation::Replace => "replace-request",
        _ => return Vec::new(),
    };
    let Some(body) = body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return vec![Problem::new(
            "error.malformed-body",
            format!("the client sent a {op} body that is not JSON"),
        )];
    };
    let mut notes = Vec::new();
    let violations = Schemas::get()
        .validate_first(schema, &value, 3)
        .unwrap_or_default();
    if let Some(first) = violations.first() {
        notes.push(
            Problem::new(
                "error.malformed-body",
                format!(
                    "the client sent a {op} body outside the documented {schema}: {}",
                    judge::preview(&first.to_string())
                ),
            )
            .at(first.pointer.clone()),
        );
    }
    if op == Operation::Update && value.get("name").is_some_and(Value::is_null) {
        notes.push(
            Problem::new(
                "update.name-null-clears",
                "the client sends \"name\": null, which removes the group's name (documented); \
                 if it means to keep the name, it must omit the field",
            )
            .at("/name"),
        );
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_below_a_plan() {
        let c = classify("POST", "/xms/v1/plan1/groups/abc").unwrap();
        assert_eq!((c.plan.as_str(), c.op), ("plan1", Operation::Update));
        assert_eq!(c.group.as_deref(), Some("abc"));
        assert_eq!(c.below, "/groups/abc");
        assert!(classify("GET", "/other").is_none());
    }

    #[test]
    fn overlapping_requests_on_a_group_make_it_uncertain() {
        let mut judge = Judge::new("http://127.0.0.1:1".into(), Profile::Default);
        assert!(judge.begin("POST", "/xms/v1/p/groups/g1").is_none());
        assert!(judge.begin("GET", "/xms/v1/p/groups/g2").is_none());
        let line = judge
            .begin("PUT", "/xms/v1/p/groups/g1")
            .expect("a console line");
        assert!(line.contains("uncertain"), "{line}");
        let names: Vec<String> = judge.outcomes().into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["group g1 (uncertain: two requests on it overlapped)"]
        );
    }

    #[test]
    fn name_null_in_an_update_is_a_note() {
        let notes = request_notes(
            Operation::Update,
            Some(br#"{"add":["+15550001"],"name":null}"#),
        );
        assert!(notes.iter().any(|p| p.rule == "update.name-null-clears"));
        assert!(request_notes(Operation::Update, Some(br#"{"add":["+15550001"]}"#)).is_empty());
    }
}
