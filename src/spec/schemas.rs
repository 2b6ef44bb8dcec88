//! The JSON Schemas (draft 2020-12) of every request and response body, by name.

use super::SpecError;
use jsonschema::{Registry, Validator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const BASE_URI: &str = "https://groupcheck.dev/schemas/";

/// Shared definitions referenced by the others; not a body of its own.
const COMMON: (&str, &str) = ("common", include_str!("../../specs/schemas/common.json"));

/// Every body schema, by the name the CLI and scenario files use.
const BODIES: &[(&str, &str)] = &[
    ("group", include_str!("../../specs/schemas/group.json")),
    (
        "create-request",
        include_str!("../../specs/schemas/create-request.json"),
    ),
    (
        "replace-request",
        include_str!("../../specs/schemas/replace-request.json"),
    ),
    (
        "update-request",
        include_str!("../../specs/schemas/update-request.json"),
    ),
    (
        "list-response",
        include_str!("../../specs/schemas/list-response.json"),
    ),
    (
        "members-response",
        include_str!("../../specs/schemas/members-response.json"),
    ),
    ("error", include_str!("../../specs/schemas/error.json")),
];

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the instance ("" is the root).
    pub pointer: String,
    /// What is wrong, in jsonschema's words.
    pub message: String,
    /// The schema keyword that failed, as a pointer into the schema.
    pub keyword: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {} (schema {})", self.message, self.keyword)
    }
}

/// The compiled body schemas.
pub struct Schemas {
    validators: BTreeMap<&'static str, Validator>,
}

impl Schemas {
    /// The schemas compiled once per process.
    pub fn get() -> &'static Schemas {
        static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
        SCHEMAS.get_or_init(|| Schemas::compile().expect("the embedded schemas compile (tested)"))
    }

    /// Compile every embedded schema, with formats (`date-time`) asserted.
    pub fn compile() -> Result<Schemas, SpecError> {
        let parsed: Vec<(&str, Value)> = std::iter::once(&COMMON)
            .chain(BODIES)
            .map(|(name, text)| {
                serde_json::from_str(text)
                    .map(|v| (*name, v))
                    .map_err(|e| SpecError(format!("specs/schemas/{name}.json: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let mut registry = Registry::new();
        for (name, schema) in &parsed {
            registry = registry
                .add(format!("{BASE_URI}{name}.json"), schema.clone())
                .map_err(|e| SpecError(format!("specs/schemas/{name}.json: {e}")))?;
        }
        let registry = registry.prepare().map_err(|e| e.to_string())?;
        let mut validators = BTreeMap::new();
        for (name, schema) in parsed.iter().skip(1) {
            let validator = jsonschema::options()
                .with_registry(&registry)
                .with_base_uri(format!("{BASE_URI}{name}.json"))
                .should_validate_formats(true)
                // The schemas' patterns need no look-around or back-references: the regex
                // crate's engine matches them several times faster than fancy-regex (validation
                // under load runs them on every member of every group answer).
                .with_pattern_options(jsonschema::PatternOptions::regex())
                .build(schema)
                .map_err(|e| SpecError(format!("specs/schemas/{name}.json: {e}")))?;
            validators.insert(*name, validator);
        }
        Ok(Schemas { validators })
    }

    /// The names accepted by [`Schemas::validate`].
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.validators.keys().copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.validators.contains_key(name)
    }

    /// Every violation of schema `name` by `instance`; `None` when there is no such schema.
    pub fn validate(&self, name: &str, instance: &Value) -> Option<Vec<SchemaViolation>> {
        self.validate_first(name, instance, usize::MAX)
    }

    /// The first `limit` violations (or fewer). A target's answer can hold millions (a members
    /// list of ten million non-numbers), and collecting violations is eager in jsonschema (it took
    /// 11 s and 5 GB for that list): for a document of more than 100,000 values only the first
    /// violation is reported, which `validate` finds without looking further.
    pub fn validate_first(
        &self,
        name: &str,
        instance: &Value,
        limit: usize,
    ) -> Option<Vec<SchemaViolation>> {
        let validator = self.validators.get(name)?;
        let violation = |e: jsonschema::ValidationError| SchemaViolation {
            pointer: e.instance_path().to_string(),
            message: e.to_string(),
            keyword: e.schema_path().to_string(),
        };
        let first = match validator.validate(instance) {
            Ok(()) => return Some(Vec::new()),
            Err(e) => violation(e),
        };
        let mut budget = 100_000usize;
        if limit <= 1 || !within(instance, &mut budget) {
            return Some(vec![first]);
        }
        Some(
            validator
                .iter_errors(instance)
                .take(limit)
                .map(violation)
                .collect(),
        )
    }

    /// Whether `instance` is valid against `name` (false for an unknown name).
    pub fn is_valid(&self, name: &str, instance: &Value) -> bool {
        self.validators
            .get(name)
            .is_some_and(|v| v.is_valid(instance))
    }
}

/// Whether `value` has at most `budget` values in all (stops counting past it).
fn within(value: &Value, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match value {
        Value::Array(items) => items.iter().all(|v| within(v, budget)),
        Value::Object(map) => map.values().all(|v| within(v, budget)),
        _ => true,
    }
}
