//! Variables, captures and generators.
//!
//! * `{name}` inside a string is replaced by the variable's value; a string that is exactly
//!   `"{name}"` becomes the variable's JSON value (a number stays a number, an array an array).
//!   A `{` not followed by a name and `}` is literal, so JSON text in `raw_body` needs no escaping.
//! * `{"$msisdns": {count: N, format: mixed, start: K, duplicates: D}}` expands to N distinct
//!   MSISDNs (plus D repeats) in the given format: `plain`, `plus`, `00`, or `mixed` (cycling
//!   `+`, `00`, spaces, dashes and brackets).
//! * Captures read a JSON pointer out of a response.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub type Vars = BTreeMap<String, Value>;

/// The first number of generated MSISDNs: Swedish mobile range, 11 digits.
const MSISDN_BASE: u64 = 46_700_000_000;
/// At most this many generated numbers per generator (a bound against hostile files).
const MAX_GENERATED: u64 = 1_000_000;

crate::error::message_error!(
    /// Why a step cannot be rendered with the variables it has: `{name}` names no variable, a
    /// generator is misused, a step names no request, a body is not JSON.
    RenderError
);

/// Replace `{name}` in a string.
pub fn render_str(text: &str, vars: &Vars) -> Result<String, RenderError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match variable_name(after) {
            Some(name) => {
                let value = vars
                    .get(name)
                    .ok_or_else(|| RenderError(format!("unknown variable '{{{name}}}'")))?;
                match value {
                    Value::String(s) => out.push_str(s),
                    other => out.push_str(&other.to_string()),
                }
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The variables `value` names, as [`render_value`] would look them up (each once, in order).
pub fn variables_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => variables_in_str(s, out),
        Value::Array(items) => items.iter().for_each(|v| variables_in(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                variables_in_str(k, out);
                variables_in(v, out);
            }
        }
        _ => {}
    }
}

fn variables_in_str(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(name) = variable_name(rest) {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
            rest = &rest[name.len() + 1..];
        }
    }
}

/// `name` if `text` starts with `name}` and `name` is an identifier.
fn variable_name(text: &str) -> Option<&str> {
    let end = text.find('}')?;
    let name = &text[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// Render every string in a JSON value and expand generators.
pub fn render_value(value: &Value, vars: &Vars) -> Result<Value, RenderError> {
    Ok(match value {
        Value::String(s) => {
            if let Some(name) = s
                .strip_prefix('{')
                .and_then(variable_name)
                .filter(|n| n.len() + 2 == s.len())
            {
                vars.get(name)
                    .cloned()
                    .ok_or_else(|| RenderError(format!("unknown variable '{{{name}}}'")))?
            } else {
                Value::String(render_str(s, vars)?)
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            if let (1, Some(spec)) = (map.len(), map.get("$msisdns")) {
                return msisdns(&render_value(spec, vars)?);
            }
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(render_str(k, vars)?, render_value(v, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Expand a `$msisdns` generator.
fn msisdns(spec: &Value) -> Result<Value, RenderError> {
    let field = |name: &str, default: u64| -> Result<u64, RenderError> {
        match spec.get(name) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("$msisdns.{name} must be a non-negative integer").into()),
        }
    };
    if !spec.is_object() {
        return Err("$msisdns needs an object: {count: N, format: mixed}".into());
    }
    let count = field("count", 1)?;
    let start = field("start", 0)?;
    let duplicates = field("duplicates", 0)?;
    if count.saturating_add(duplicates) > MAX_GENERATED || start > 1_000_000_000 {
        return Err(RenderError(format!(
            "$msisdns is limited to {MAX_GENERATED} numbers and start below 10^9"
        )));
    }
    let format = spec
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("plain");
    if !["plain", "plus", "00", "mixed"].contains(&format) {
        return Err(RenderError(format!(
            "$msisdns.format '{format}': expected plain, plus, 00 or mixed"
        )));
    }
    let numbers = (0..count)
        .chain((0..duplicates).map(|d| d % count.max(1)))
        .map(|i| Value::String(format_msisdn(MSISDN_BASE + start + i, format, i)))
        .collect();
    Ok(Value::Array(numbers))
}

/// One number in a format; `mixed` cycles through every documented decoration.
pub fn format_msisdn(number: u64, format: &str, i: u64) -> String {
    let digits = number.to_string();
    let style = match format {
        "plus" => 1,
        "00" => 2,
        "mixed" => i % 6,
        _ => 0,
    };
    let (cc, rest) = digits.split_at(2.min(digits.len()));
    match style {
        1 => format!("+{digits}"),
        2 => format!("00{digits}"),
        3 => format!("+{cc} {rest}"),
        4 => format!("+{cc}-{rest}"),
        5 => format!("({cc}) {rest}"),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Msisdn;
    use serde_json::json;

    fn vars() -> Vars {
        Vars::from([
            ("group_id".into(), json!("G1")),
            ("n".into(), json!(3)),
            ("ids".into(), json!(["a", "b"])),
        ])
    }

    #[test]
    fn substitution() {
        assert_eq!(
            render_str("/groups/{group_id}/members", &vars()).unwrap(),
            "/groups/G1/members"
        );
        assert_eq!(render_str("{\"a\": {n}}", &vars()).unwrap(), "{\"a\": 3}");
        assert_eq!(render_str("{oops", &vars()).unwrap(), "{oops");
        assert!(
            render_str("{missing}", &vars())
                .unwrap_err()
                .to_string()
                .contains("missing")
        );
        assert_eq!(
            render_value(&json!({"x": "{ids}", "y": "{n}"}), &vars()).unwrap(),
            json!({"x": ["a", "b"], "y": 3})
        );
    }

    #[test]
    fn generated_msisdns_are_valid_and_distinct() {
        let v = render_value(
            &json!({"$msisdns": {"count": 12, "format": "mixed", "duplicates": 3}}),
            &vars(),
        )
        .unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 15);
        let parsed: std::collections::HashSet<Msisdn> = items
            .iter()
            .map(|s| Msisdn::parse(s.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(parsed.len(), 12);
        assert!(render_value(&json!({"$msisdns": {"count": 2_000_000}}), &vars()).is_err());
        assert!(render_value(&json!({"$msisdns": {"format": "weird"}}), &vars()).is_err());
    }

    /// count + duplicates used to wrap around in a release build (u64::MAX + 1 = 0 passes the
    /// limit) and then generate without end; in a debug build it panicked.
    #[test]
    fn generator_limits_do_not_overflow() {
        for spec in [
            json!({"count": u64::MAX, "duplicates": 1}),
            json!({"count": 1, "duplicates": u64::MAX}),
            json!({"count": u64::MAX, "duplicates": u64::MAX}),
        ] {
            let err = render_value(&json!({ "$msisdns": spec }), &vars()).unwrap_err();
            assert!(err.to_string().contains("limited"), "{err}");
        }
    }
}
