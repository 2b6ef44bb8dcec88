//! Request bodies and list queries, parsed from JSON and validated with the documented codes
//! (groups-api.md §2, §4.3, §6.10).
//!
//! * A body that is not JSON, not an object, or has a field of the wrong JSON type:
//!   400 `syntax_invalid_json` ("does not conform to the API specification").
//! * A malformed MSISDN: 400 `syntax_invalid_parameter_format`.
//! * A broken constraint (name longer than 20, more than 10,000 members, more than 10 child groups,
//!   a missing required field, a keyword that is not one word): 400 `syntax_constraint_violation`.
//!
//! Unknown fields are ignored (legacy clients send `tags`, `child_groups_add`, …). An explicit
//! `null` counts as absent for every field except update's `name`, where the documents give `null`
//! its own meaning: remove the name (see docs/decisions.md on the Python SDK's explicit nulls).

use super::error::ApiError;
use super::limits::*;
use super::msisdn::{Msisdn, is_valid_short_code_or_msisdn};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Keywords of `auto_update.add` / `auto_update.remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keywords {
    pub first_word: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub second_word: Option<String>,
}

/// The `auto_update` object, stored and returned as given once valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoUpdate {
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub add: Option<Keywords>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remove: Option<Keywords>,
}

/// `POST /groups`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateRequest {
    pub name: Option<String>,
    pub members: Vec<Msisdn>,
    pub child_groups: Vec<String>,
    pub auto_update: Option<AutoUpdate>,
}

/// `PUT /groups/{id}`: replaces every parameter; `members` is required.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplaceRequest {
    pub name: Option<String>,
    pub members: Vec<Msisdn>,
    pub child_groups: Vec<String>,
    pub auto_update: Option<AutoUpdate>,
}

/// What an update does to the name: omitted keeps it, `null` removes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NameChange {
    #[default]
    Keep,
    Clear,
    Set(String),
}

/// `POST /groups/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateRequest {
    pub add: Vec<Msisdn>,
    pub remove: Vec<Msisdn>,
    pub name: NameChange,
    pub add_from_group: Option<String>,
    pub remove_from_group: Option<String>,
    pub auto_update: Option<AutoUpdate>,
}

/// `GET /groups?page=&page_size=`.
///
/// `page` is "0 or larger" with no documented maximum, so any page a client can ask for is
/// accepted (a page past the end is empty); `u128` holds every value a client or a fuzzer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub page: u128,
    pub page_size: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 0,
            page_size: PAGE_SIZE_DEFAULT,
        }
    }
}

/// Parse bytes as a JSON object. An empty body counts as `{}` (the Python SDK's `create()` with no
/// arguments sends one); anything else must be JSON, so a body of only whitespace is 400 like any
/// other text that is not JSON.
pub fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::invalid_json(format!(
            "The request body must be a JSON object, not {}.",
            json_type(&other)
        ))),
        Err(e) => Err(ApiError::invalid_json(format!(
            "The JSON in the request is invalid: {e}."
        ))),
    }
}

impl CreateRequest {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ApiError> {
        Ok(CreateRequest {
            name: optional_name(body, "name")?,
            members: msisdn_list(body, "members")?,
            child_groups: child_groups(body)?,
            auto_update: auto_update(body)?,
        })
    }
}

impl ReplaceRequest {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ApiError> {
        if present(body, "members").is_none() {
            return Err(ApiError::constraint(
                "The field 'members' is required when replacing a group.",
            ));
        }
        Ok(ReplaceRequest {
            name: optional_name(body, "name")?,
            members: msisdn_list(body, "members")?,
            child_groups: child_groups(body)?,
            auto_update: auto_update(body)?,
        })
    }
}

impl UpdateRequest {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let name = match body.get("name") {
            None => NameChange::Keep,
            Some(Value::Null) => NameChange::Clear,
            Some(_) => NameChange::Set(optional_name(body, "name")?.unwrap_or_default()),
        };
        Ok(UpdateRequest {
            add: msisdn_list(body, "add")?,
            remove: msisdn_list(body, "remove")?,
            name,
            add_from_group: group_id(body, "add_from_group")?,
            remove_from_group: group_id(body, "remove_from_group")?,
            auto_update: auto_update(body)?,
        })
    }
}

impl ListQuery {
    /// From the raw query pairs; unknown parameters are ignored.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let mut query = ListQuery::default();
        for (key, value) in pairs {
            match key {
                "page" => query.page = query_int(key, value, u128::MAX)?,
                "page_size" => {
                    query.page_size = query_int(key, value, u128::from(PAGE_SIZE_MAX))? as u32
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

/// A decimal integer query parameter in `0..=max`: 400 `syntax_invalid_parameter_format` when it is
/// not an integer, 400 `syntax_constraint_violation` when it is out of range (whatever its size).
fn query_int(key: &str, value: &str, max: u128) -> Result<u128, ApiError> {
    let text = value.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_format(key, value, "integer"));
    }
    match digits.parse::<u128>() {
        Ok(0) => Ok(0),
        Ok(n) if !negative && n <= max => Ok(n),
        _ => Err(ApiError::constraint(format!(
            "The parameter '{key}' must be between 0 and {max}, not {text}."
        ))),
    }
}

/// A field's value unless it is absent or `null`.
fn present<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    body.get(key).filter(|v| !v.is_null())
}

fn wrong_type(field: &str, expected: &str, got: &Value) -> ApiError {
    ApiError::invalid_json(format!(
        "The field '{field}' must be {expected}, not {}.",
        json_type(got)
    ))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn optional_name(body: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = present(body, key) else {
        return Ok(None);
    };
    let name = value
        .as_str()
        .ok_or_else(|| wrong_type(key, "a string", value))?;
    let chars = name.chars().count();
    if chars == 0 || chars > NAME_MAX_CHARS {
        return Err(ApiError::constraint(format!(
            "The field '{key}' must have 1 to {NAME_MAX_CHARS} characters, not {chars}."
        )));
    }
    Ok(Some(name.to_owned()))
}

fn msisdn_list(body: &Map<String, Value>, key: &str) -> Result<Vec<Msisdn>, ApiError> {
    let Some(value) = present(body, key) else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .ok_or_else(|| wrong_type(key, "an array of MSISDNs", value))?;
    if items.len() > MEMBERS_PER_REQUEST {
        return Err(ApiError::constraint(format!(
            "The field '{key}' may have at most {MEMBERS_PER_REQUEST} elements, not {}.",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("{key}[{i}]");
            let text = item
                .as_str()
                .ok_or_else(|| wrong_type(&field, "a string", item))?;
            Msisdn::parse(text).ok_or_else(|| ApiError::invalid_format(&field, text, "MSISDN"))
        })
        .collect()
}

fn group_id(body: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = present(body, key) else {
        return Ok(None);
    };
    match value.as_str() {
        Some("") => Err(ApiError::invalid_format(key, "", "group ID")),
        Some(id) => Ok(Some(id.to_owned())),
        None => Err(wrong_type(key, "a group ID string", value)),
    }
}

fn child_groups(body: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let Some(value) = present(body, "child_groups") else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .ok_or_else(|| wrong_type("child_groups", "an array of group IDs", value))?;
    if items.len() > CHILD_GROUPS_MAX {
        return Err(ApiError::constraint(format!(
            "The field 'child_groups' may have at most {CHILD_GROUPS_MAX} elements, not {}.",
            items.len()
        )));
    }
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("child_groups[{i}]");
        let id = item
            .as_str()
            .ok_or_else(|| wrong_type(&field, "a group ID string", item))?;
        if id.is_empty() {
            return Err(ApiError::invalid_format(&field, id, "group ID"));
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

fn auto_update(body: &Map<String, Value>) -> Result<Option<AutoUpdate>, ApiError> {
    let Some(value) = present(body, "auto_update") else {
        return Ok(None);
    };
    let obj = value
        .as_object()
        .ok_or_else(|| wrong_type("auto_update", "an object", value))?;
    let to = match present(obj, "to") {
        None => {
            return Err(ApiError::constraint(
                "The field 'auto_update.to' is required.",
            ));
        }
        Some(Value::String(to)) if is_valid_short_code_or_msisdn(to) => to.clone(),
        Some(Value::String(to)) => {
            return Err(ApiError::invalid_format(
                "auto_update.to",
                to,
                "MSISDN or short code",
            ));
        }
        Some(other) => return Err(wrong_type("auto_update.to", "a string", other)),
    };
    Ok(Some(AutoUpdate {
        to,
        add: keywords(obj, "add")?,
        remove: keywords(obj, "remove")?,
    }))
}

fn keywords(obj: &Map<String, Value>, key: &str) -> Result<Option<Keywords>, ApiError> {
    let Some(value) = present(obj, key) else {
        return Ok(None);
    };
    let field = format!("auto_update.{key}");
    let kw = value
        .as_object()
        .ok_or_else(|| wrong_type(&field, "an object", value))?;
    let first_word = match present(kw, "first_word") {
        None => {
            return Err(ApiError::constraint(format!(
                "The field '{field}.first_word' is required."
            )));
        }
        Some(v) => keyword(&format!("{field}.first_word"), v)?,
    };
    let second_word = present(kw, "second_word")
        .map(|v| keyword(&format!("{field}.second_word"), v))
        .transpose()?;
    Ok(Some(Keywords {
        first_word,
        second_word,
    }))
}

/// "Must be one word. Max 15 characters" (SPEC-2021: `pattern: '^\w+$'`, `maxLength: 15`).
fn keyword(field: &str, value: &Value) -> Result<String, ApiError> {
    let word = value
        .as_str()
        .ok_or_else(|| wrong_type(field, "a string", value))?;
    let one_word = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !one_word || word.chars().count() > KEYWORD_MAX_CHARS {
        return Err(ApiError::constraint(format!(
            "The field '{field}' must be one word of at most {KEYWORD_MAX_CHARS} characters, not '{word}'."
        )));
    }
    Ok(word.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn documented_create_example_parses() {
        let r = CreateRequest::from_json(&obj(
            json!({"members": ["123456789", "987654321"], "name": "My group"}),
        ))
        .unwrap();
        assert_eq!(r.name.as_deref(), Some("My group"));
        assert_eq!(r.members.len(), 2);
    }

    #[test]
    fn codes_for_bad_requests() {
        let code = |v: Value| CreateRequest::from_json(&obj(v)).unwrap_err().code;
        assert_eq!(
            code(json!({"name": "x".repeat(21)})),
            SYNTAX_CONSTRAINT_VIOLATION
        );
        assert_eq!(code(json!({"name": ""})), SYNTAX_CONSTRAINT_VIOLATION);
        assert_eq!(code(json!({"name": 5})), SYNTAX_INVALID_JSON);
        assert_eq!(
            code(json!({"members": ["+1"]})),
            SYNTAX_INVALID_PARAMETER_FORMAT
        );
        assert_eq!(code(json!({"members": "123456789"})), SYNTAX_INVALID_JSON);
        let many: Vec<String> = (0..10_001).map(|i| format!("4670{i:07}")).collect();
        assert_eq!(code(json!({"members": many})), SYNTAX_CONSTRAINT_VIOLATION);
        let children: Vec<String> = (0..11).map(|i| format!("G{i}")).collect();
        assert_eq!(
            code(json!({"child_groups": children})),
            SYNTAX_CONSTRAINT_VIOLATION
        );
        assert_eq!(
            code(json!({"auto_update": {}})),
            SYNTAX_CONSTRAINT_VIOLATION
        );
        assert_eq!(
            code(json!({"auto_update": {"to": "54321", "add": {"first_word": "two words"}}})),
            SYNTAX_CONSTRAINT_VIOLATION
        );
        assert_eq!(parse_body(b"{oops").unwrap_err().code, SYNTAX_INVALID_JSON);
        assert_eq!(parse_body(b"[1]").unwrap_err().code, SYNTAX_INVALID_JSON);
        assert!(parse_body(b"").unwrap().is_empty());
        // Only the empty body stands for `{}`: Schemathesis sent bodies of " " and "\x0c" (not JSON
        // documents) and got 201 while the emulator took every ASCII-whitespace body as empty.
        for blank in [&b" "[..], b" \r\n\t", b"\x0c"] {
            assert_eq!(parse_body(blank).unwrap_err().code, SYNTAX_INVALID_JSON);
        }
    }

    #[test]
    fn replace_requires_members() {
        let err = ReplaceRequest::from_json(&obj(json!({"name": "x"}))).unwrap_err();
        assert_eq!(err.code, SYNTAX_CONSTRAINT_VIOLATION);
        assert!(ReplaceRequest::from_json(&obj(json!({"members": []}))).is_ok());
    }

    #[test]
    fn update_name_null_omitted_and_python_sdk_nulls() {
        let u = UpdateRequest::from_json(&obj(json!({"add": ["+46701234567"]}))).unwrap();
        assert_eq!(u.name, NameChange::Keep);
        let u = UpdateRequest::from_json(&obj(json!({
            "add": null, "remove": null, "name": null,
            "add_from_group": null, "remove_from_group": null, "auto_update": null
        })))
        .unwrap();
        assert_eq!(u.name, NameChange::Clear);
        assert!(u.add.is_empty() && u.add_from_group.is_none() && u.auto_update.is_none());
    }

    #[test]
    fn list_query_bounds() {
        let q = ListQuery::from_pairs([("page", "2"), ("page_size", "100")]).unwrap();
        assert_eq!((q.page, q.page_size), (2, 100));
        assert_eq!(ListQuery::from_pairs([]).unwrap(), ListQuery::default());
        let err = ListQuery::from_pairs([("page_size", "101")]).unwrap_err();
        assert_eq!(err.code, SYNTAX_CONSTRAINT_VIOLATION);
        let err = ListQuery::from_pairs([("page", "x")]).unwrap_err();
        assert_eq!(err.code, SYNTAX_INVALID_PARAMETER_FORMAT);
        assert!(ListQuery::from_pairs([("page", "-1")]).is_err());
        let err = ListQuery::from_pairs([("page_size", "-1")]).unwrap_err();
        assert_eq!(err.code, SYNTAX_CONSTRAINT_VIOLATION);
        let err = ListQuery::from_pairs([("page_size", "99999999999999999999999")]).unwrap_err();
        assert_eq!(err.code, SYNTAX_CONSTRAINT_VIOLATION);
        assert_eq!(ListQuery::from_pairs([("page", "-0")]).unwrap().page, 0);
    }

    /// "0 or larger", no maximum: pages far beyond 32 and 64 bits are accepted (Schemathesis
    /// found `page=12217033726152` rejected when the emulator capped it at `u32::MAX`).
    #[test]
    fn list_page_has_no_maximum() {
        for (text, page) in [
            ("12217033726152", 12_217_033_726_152_u128),
            ("18446744073709551616", 1 << 64),
            ("340282366920938463463374607431768211455", u128::MAX),
        ] {
            assert_eq!(ListQuery::from_pairs([("page", text)]).unwrap().page, page);
        }
    }
}
