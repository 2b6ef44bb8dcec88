//! Body matchers: subset, exact, absent, set equality of MSISDNs, type, regex, equals, one-of,
//! length. Each returns the first difference with its JSON pointer.

use super::Matcher;
use crate::model::Msisdn;
use serde_json::Value;
use std::collections::BTreeSet;

/// Where and how a body differs from what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON pointer of the first difference ("" is the root).
    pub pointer: String,
    pub message: String,
}

fn mismatch(pointer: &str, message: String) -> Mismatch {
    Mismatch {
        pointer: pointer.to_owned(),
        message,
    }
}

/// Every key of `expected` is in `actual` with a matching value (recursively); arrays must have
/// the same length and match element by element.
pub fn subset(expected: &Value, actual: &Value) -> Option<Mismatch> {
    subset_at(expected, actual, String::new())
}

fn subset_at(expected: &Value, actual: &Value, at: String) -> Option<Mismatch> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().find_map(|(k, ev)| {
            let here = format!("{at}/{}", escape(k));
            match a.get(k) {
                Some(av) => subset_at(ev, av, here),
                None => Some(mismatch(&here, format!("missing; expected {}", show(ev)))),
            }
        }),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .find_map(|(i, (ev, av))| subset_at(ev, av, format!("{at}/{i}"))),
        (Value::Array(e), Value::Array(a)) => Some(mismatch(
            &at,
            format!("expected {} elements, got {}", e.len(), a.len()),
        )),
        (e, a) if numbers_equal(e, a) || e == a => None,
        (e, a) => Some(mismatch(
            &at,
            format!("expected {}, got {}", show(e), show(a)),
        )),
    }
}

/// Whole-body equality.
pub fn exact(expected: &Value, actual: &Value) -> Option<Mismatch> {
    if expected == actual {
        return None;
    }
    subset(expected, actual)
        .or_else(|| extra_key(expected, actual, String::new()))
        .or_else(|| Some(mismatch("", "bodies differ".to_owned())))
}

fn extra_key(expected: &Value, actual: &Value, at: String) -> Option<Mismatch> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => a.iter().find_map(|(k, av)| {
            let here = format!("{at}/{}", escape(k));
            match e.get(k) {
                None => Some(mismatch(
                    &here,
                    format!("unexpected key with value {}", show(av)),
                )),
                Some(ev) => extra_key(ev, av, here),
            }
        }),
        _ => None,
    }
}

/// The pointer must not resolve.
pub fn absent(pointer: &str, actual: &Value) -> Option<Mismatch> {
    actual
        .pointer(pointer)
        .map(|v| mismatch(pointer, format!("expected absent, got {}", show(v))))
}

/// Normalise an MSISDN for comparison; a string that is not one compares as itself.
pub fn normalise(text: &str) -> String {
    Msisdn::parse(text).map_or_else(|| text.to_owned(), |m| m.to_string())
}

/// The array at `pointer` equals `expected` as a set of MSISDNs modulo normalisation.
pub fn members(expected: &Value, actual: &Value, pointer: &str) -> Option<Mismatch> {
    let Some(found) = actual.pointer(pointer) else {
        return Some(mismatch(
            pointer,
            "missing; expected an array of MSISDNs".to_owned(),
        ));
    };
    let as_set = |v: &Value| -> Option<BTreeSet<String>> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(normalise))
            .collect()
    };
    let Some(want) = as_set(expected) else {
        return Some(mismatch(
            pointer,
            "expected members must be an array of strings".into(),
        ));
    };
    let Some(got) = as_set(found) else {
        return Some(mismatch(
            pointer,
            format!("expected an array of strings, got {}", show(found)),
        ));
    };
    if want == got {
        return None;
    }
    let missing: Vec<&String> = want.difference(&got).take(5).collect();
    let extra: Vec<&String> = got.difference(&want).take(5).collect();
    Some(mismatch(
        pointer,
        format!(
            "member sets differ: {} expected, {} found; missing {:?}, unexpected {:?}",
            want.len(),
            got.len(),
            missing,
            extra
        ),
    ))
}

/// One `matches:` entry.
pub fn matcher(m: &Matcher, actual: &Value) -> Option<Mismatch> {
    if let Some(unwanted) = &m.excludes {
        let items = actual.pointer(&m.path).and_then(Value::as_array);
        if let Some(i) = items.and_then(|a| a.iter().position(|e| subset(unwanted, e).is_none())) {
            return Some(mismatch(
                &format!("{}/{i}", m.path),
                format!("expected no element matching {}", show(unwanted)),
            ));
        }
        if m.type_.is_none()
            && m.regex.is_none()
            && m.equals.is_none()
            && m.one_of.is_none()
            && m.length.is_none()
        {
            return None;
        }
    }
    let Some(value) = actual.pointer(&m.path) else {
        return Some(mismatch(&m.path, "missing".to_owned()));
    };
    if let Some(t) = &m.type_
        && !has_type(value, t)
    {
        return Some(mismatch(
            &m.path,
            format!("expected type {t}, got {}", show(value)),
        ));
    }
    if let Some(re) = &m.regex {
        let ok = value
            .as_str()
            .is_some_and(|s| regex::Regex::new(re).is_ok_and(|r| r.is_match(s)));
        if !ok {
            return Some(mismatch(
                &m.path,
                format!("expected a string matching /{re}/, got {}", show(value)),
            ));
        }
    }
    if let Some(e) = &m.equals
        && !(e == value || numbers_equal(e, value))
    {
        return Some(mismatch(
            &m.path,
            format!("expected {}, got {}", show(e), show(value)),
        ));
    }
    if let Some(options) = &m.one_of
        && !options
            .iter()
            .any(|o| o == value || numbers_equal(o, value))
    {
        return Some(mismatch(
            &m.path,
            format!(
                "expected one of {}, got {}",
                show(&Value::Array(options.clone())),
                show(value)
            ),
        ));
    }
    if let Some(n) = m.length {
        let len = value.as_array().map(Vec::len);
        if len != Some(n) {
            return Some(mismatch(
                &m.path,
                format!("expected an array of {n} elements, got {}", show(value)),
            ));
        }
    }
    None
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => false,
    }
}

/// 2 and 2.0 are the same number.
fn numbers_equal(a: &Value, b: &Value) -> bool {
    matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if x == y)
}

/// Longest value text in a message; a target's answer can be tens of megabytes.
const MAX_SHOWN: usize = 200;

/// A value as JSON text for a message, cut to [`MAX_SHOWN`] characters.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(MAX_SHOWN) {
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
        None => text,
    }
}

/// Escape a key for a JSON pointer (RFC 6901).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A hostile answer of millions of values: the message quotes a bounded part of it.
    #[test]
    fn messages_quote_at_most_a_bounded_part_of_a_huge_answer() {
        let huge = Value::Array((0..1_000_000).map(Value::from).collect());
        let m = subset(&json!({"size": 3}), &huge).unwrap();
        assert!(m.message.len() < 400, "{}", m.message.len());
        assert!(m.message.contains("bytes)"), "{}", m.message);
        let m = matcher(
            &Matcher {
                path: String::new(),
                type_: Some("string".into()),
                ..Matcher::default()
            },
            &huge,
        )
        .unwrap();
        assert!(m.message.len() < 400, "{}", m.message.len());
        assert!(show(&json!("é".repeat(300))).chars().count() < 230);
    }

    #[test]
    fn subset_finds_the_first_difference() {
        let actual = json!({"id": "X", "size": 2, "child_groups": ["a"]});
        assert_eq!(subset(&json!({"size": 2}), &actual), None);
        assert_eq!(subset(&json!({"size": 2.0}), &actual), None);
        assert_eq!(
            subset(&json!({"size": 3}), &actual).unwrap().pointer,
            "/size"
        );
        assert_eq!(
            subset(&json!({"name": "n"}), &actual).unwrap().pointer,
            "/name"
        );
        assert_eq!(
            subset(&json!({"child_groups": ["b"]}), &actual)
                .unwrap()
                .pointer,
            "/child_groups/0"
        );
        assert_eq!(
            exact(&json!({"id": "X", "size": 2}), &actual)
                .unwrap()
                .pointer,
            "/child_groups"
        );
    }

    #[test]
    fn members_compare_as_normalised_sets() {
        let actual = json!(["46701234567", "46701234568"]);
        assert_eq!(
            members(&json!(["+46 70 123 45 68", "0046701234567"]), &actual, ""),
            None
        );
        let m = members(&json!(["46701234567"]), &actual, "").unwrap();
        assert!(m.message.contains("46701234568"), "{}", m.message);
    }

    #[test]
    fn single_value_matchers() {
        let actual = json!({"id": "01FC66621VHDBN119Z8PMV1QPQ", "n": 3, "a": [1, 2]});
        let m = |path: &str| Matcher {
            path: path.into(),
            ..Default::default()
        };
        assert_eq!(
            matcher(
                &Matcher {
                    type_: Some("string".into()),
                    ..m("/id")
                },
                &actual
            ),
            None
        );
        assert!(
            matcher(
                &Matcher {
                    type_: Some("string".into()),
                    ..m("/n")
                },
                &actual
            )
            .is_some()
        );
        assert_eq!(
            matcher(
                &Matcher {
                    regex: Some("^[0-9A-Z]{26}$".into()),
                    ..m("/id")
                },
                &actual
            ),
            None
        );
        assert!(
            matcher(
                &Matcher {
                    one_of: Some(vec![json!(1), json!(2)]),
                    ..m("/n")
                },
                &actual
            )
            .is_some()
        );
        assert_eq!(
            matcher(
                &Matcher {
                    length: Some(2),
                    ..m("/a")
                },
                &actual
            ),
            None
        );
        assert!(absent("/id", &actual).is_some());
        assert!(absent("/name", &actual).is_none());
    }
}
