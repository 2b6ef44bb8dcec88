//! Expected vs actual as a unified diff of pretty-printed JSON (similar), and the overlay that
//! turns a subset expectation into a whole expected document so the diff shows only what differs.

use serde_json::Value;
use similar::TextDiff;

/// Pretty JSON with sorted keys (serde_json's map is ordered), so key order never shows.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()) + "\n"
}

/// A unified diff, `-` expected and `+` actual, three lines of context; empty when equal.
/// Very large documents are cut to their first 400 diff lines.
pub fn unified(expected: &str, actual: &str) -> String {
    if expected == actual {
        return String::new();
    }
    let diff = TextDiff::from_lines(expected, actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > 400 {
        let mut cut = lines[..400].join("\n");
        cut.push_str(&format!("\n… {} more diff lines", lines.len() - 400));
        cut
    } else {
        text
    }
}

/// `actual` with every key of `expected` written over it, recursively: the document `actual`
/// should have been, as far as `expected` says.
pub fn overlay(actual: &Value, expected: &Value) -> Value {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut out = a.clone();
            for (k, ev) in e {
                let merged = match a.get(k) {
                    Some(av) => overlay(av, ev),
                    None => ev.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            Value::Array(a.iter().zip(e).map(|(av, ev)| overlay(av, ev)).collect())
        }
        (_, e) => e.clone(),
    }
}

/// A diff of two JSON values.
pub fn json_diff(expected: &Value, actual: &Value) -> String {
    unified(&pretty(expected), &pretty(actual))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlay_diff_shows_only_the_differing_key() {
        let actual = json!({"id": "X", "name": "a", "size": 3});
        let expected = overlay(&actual, &json!({"size": 2}));
        let diff = json_diff(&expected, &actual);
        assert!(diff.contains("-  \"size\": 2"), "{diff}");
        assert!(diff.contains("+  \"size\": 3"), "{diff}");
        assert!(!diff.contains("-  \"name\""), "{diff}");
        assert_eq!(json_diff(&actual, &actual), "");
    }
}
