//! The scenario file format (documented in `docs/scenarios.md`).
//!
//! A scenario is a YAML file: a name, the rule ids it exercises, and steps. A step is a request
//! (an operation shorthand such as `update`, or `method` + `path`), an optional body, expectations
//! and captures. Teardown steps always run. A step with `emulator: true` addresses the emulator's
//! own extensions; its scenario runs only against the emulator.
//!
//! * [`parse`]: loading a file, with file, line and column on every error.
//! * [`template`]: variables (`{group_id}`), captures and generators (`$msisdns`).
//! * [`matcher`]: the body matchers of `expect`.
//! * [`suite`]: the default suite, `./scenarios` or the copy compiled into the binary.

pub mod capture;
pub mod matcher;
pub mod parse;
pub mod render;
pub mod suite;
pub mod template;

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use crate::client::Auth;
pub use parse::{ScenarioError, load, load_all};

/// The seven operations of the Groups API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    List,
    Retrieve,
    Update,
    Replace,
    Delete,
    Members,
}

impl Operation {
    pub const ALL: [Operation; 7] = [
        Operation::Create,
        Operation::List,
        Operation::Retrieve,
        Operation::Update,
        Operation::Replace,
        Operation::Delete,
        Operation::Members,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::List => "list",
            Operation::Retrieve => "retrieve",
            Operation::Update => "update",
            Operation::Replace => "replace",
            Operation::Delete => "delete",
            Operation::Members => "members",
        }
    }

    pub fn method(self) -> &'static str {
        match self {
            Operation::Create | Operation::Update => "POST",
            Operation::List | Operation::Retrieve | Operation::Members => "GET",
            Operation::Replace => "PUT",
            Operation::Delete => "DELETE",
        }
    }

    /// Whether the path names a group id.
    pub fn takes_group(self) -> bool {
        !matches!(self, Operation::Create | Operation::List)
    }

    /// The path below `/xms/v1/{service_plan_id}` for a group id. The id is one path segment,
    /// percent-encoded: an id a target returned (`../other`, `x?y`) cannot address another path.
    pub fn path(self, group: &str) -> String {
        let group = crate::client::path_segment(group);
        match self {
            Operation::Create | Operation::List => "/groups".to_owned(),
            Operation::Members => format!("/groups/{group}/members"),
            _ => format!("/groups/{group}"),
        }
    }

    /// Recognise an operation from a method and a path below `/xms/v1/{service_plan_id}`,
    /// returning it with the group id in the path.
    pub fn classify(method: &str, path: &str) -> Option<(Operation, Option<String>)> {
        let path = path.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let method = method.to_ascii_uppercase();
        match (method.as_str(), parts.as_slice()) {
            ("POST", ["groups"]) => Some((Operation::Create, None)),
            ("GET", ["groups"]) => Some((Operation::List, None)),
            (m, ["groups", id]) if !id.is_empty() => {
                let op = match m {
                    "GET" => Operation::Retrieve,
                    "POST" => Operation::Update,
                    "PUT" => Operation::Replace,
                    "DELETE" => Operation::Delete,
                    _ => return None,
                };
                Some((op, Some((*id).to_owned())))
            }
            ("GET", ["groups", id, "members"]) if !id.is_empty() => {
                Some((Operation::Members, Some((*id).to_owned())))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which service plan a step addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// The run's service plan.
    #[default]
    Primary,
    /// A second plan (`--second-service-plan-id`, `--second-token`), for isolation checks.
    Second,
}

/// A whole scenario file, as loaded.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub rules: Vec<String>,
    /// Run alone, with no other scenario in flight (listing checks that count positions).
    pub serial: bool,
    pub vars: BTreeMap<String, Value>,
    pub steps: Vec<Step>,
    pub teardown: Vec<Step>,
}

/// One request with its expectations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A short description, shown in reports.
    #[serde(default)]
    pub name: Option<String>,
    /// An operation shorthand; or give `method` and `path`.
    #[serde(default)]
    pub request: Option<Operation>,
    #[serde(default)]
    pub method: Option<String>,
    /// A path below `/xms/v1/{service_plan_id}`, such as `/groups/{group_id}/members`.
    #[serde(default)]
    pub path: Option<String>,
    /// The group id for a shorthand that takes one; default `{group_id}`.
    #[serde(default)]
    pub group: Option<String>,
    /// Query parameters (`page`, `page_size`).
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    /// Extra request headers; `Content-Type` here replaces the default `application/json`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub auth: Auth,
    /// `second` addresses the second service plan (default `primary`).
    #[serde(default)]
    pub plan: Plan,
    /// A JSON body (templated; `$msisdns` generators expanded).
    #[serde(default)]
    pub body: Option<Value>,
    /// A body sent byte for byte (templated), for malformed JSON.
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Run this step N times with `{i}` = 0..N-1.
    #[serde(default)]
    pub repeat: Option<u32>,
    /// Wait this many milliseconds before sending (at most 10,000), e.g. so that a timestamp of
    /// any precision must move.
    #[serde(default)]
    pub pause_ms: Option<u64>,
    #[serde(default)]
    pub expect: Expect,
    /// Variables to set from the response: name → JSON pointer.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Variables to append to (as arrays) from the response: name → JSON pointer.
    #[serde(default)]
    pub collect: BTreeMap<String, String>,
    /// `path` is below `/emulator/v1/{service_plan_id}`: an extension of groupcheck's emulator
    /// (`POST /mo`, a simulated inbound SMS). A scenario with such a step runs only against the
    /// emulator and is reported skipped against any other target.
    #[serde(default)]
    pub emulator: bool,
    /// 1-based line of the step in its file (set by the loader).
    #[serde(skip)]
    pub line: u64,
    #[serde(skip)]
    pub column: u64,
}

/// Expected outcome of a step. Every expectation is attributed to `rule` (or, without one, to the
/// operation's own rule for status checks and the scenario's first rule for the rest).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub rule: Option<String>,
    /// One status or a list of acceptable ones.
    #[serde(default)]
    pub status: Option<OneOrMany<u16>>,
    /// The response body must be valid against this schema of specs/schemas.
    #[serde(default)]
    pub schema: Option<String>,
    /// Subset match: every key given must be present with a matching value.
    #[serde(default)]
    pub body: Option<Value>,
    /// Exact match of the whole body.
    #[serde(default)]
    pub body_exact: Option<Value>,
    /// JSON pointers that must be absent.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Set equality of MSISDNs modulo normalisation: of a bare array body, or of `members_at`.
    #[serde(default)]
    pub members: Option<Value>,
    #[serde(default)]
    pub members_at: Option<String>,
    /// `code` of an error body: one value or a list of acceptable ones.
    #[serde(default)]
    pub code: Option<OneOrMany<String>>,
    /// Finer matchers on single values.
    #[serde(default)]
    pub matches: Vec<Matcher>,
}

/// A matcher on the value at `path` (a JSON pointer).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    pub path: String,
    #[serde(default)]
    pub rule: Option<String>,
    /// JSON type: string, number, integer, boolean, array, object, null.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// Array length.
    #[serde(default)]
    pub length: Option<usize>,
    /// The array at `path`, when there is one, has no element matching this (subset match).
    #[serde(default)]
    pub excludes: Option<Value>,
}

/// One value or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, expecting = "expected one value or a list of values")]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: PartialEq> OneOrMany<T> {
    pub fn contains(&self, value: &T) -> bool {
        match self {
            OneOrMany::One(v) => v == value,
            OneOrMany::Many(vs) => vs.contains(value),
        }
    }

    pub fn to_vec(&self) -> Vec<&T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(vs) => vs.iter().collect(),
        }
    }
}

impl Scenario {
    /// Whether a step needs groupcheck's emulator (`emulator: true`): the scenario then runs only
    /// against it.
    pub fn requires_emulator(&self) -> bool {
        self.steps.iter().chain(&self.teardown).any(|s| s.emulator)
    }
}

impl Step {
    /// A label for reports: its name, or the request it makes.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match (&self.request, &self.method, &self.path) {
            (Some(op), _, _) => op.name().to_owned(),
            (None, Some(m), Some(p)) => format!("{m} {p}"),
            _ => "step".to_owned(),
        }
    }
}
