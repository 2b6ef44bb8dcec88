//! Expected vs actual as a unified diff of pretty-printed JSON (similar), and the overlay that
//! turns a subset expectation into a whole expected document so the diff shows only what differs.

use serde_json::Value;
use similar::TextDiff;
use std::time::Duration;

/// Pretty JSON with sorted keys (serde_json's map is ordered), so key order never shows.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()) + "\n"
}

/// Longest diff line kept; the rest of a longer one is elided.
const MAX_DIFF_LINE: usize = 1000;
/// Most diff lines kept.
const MAX_DIFF_LINES: usize = 400;
/// Longest a diff may compute: past it the diff is approximated (Myers is O(N·D), and a hostile
/// answer can make both large).
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// A unified diff, `-` expected and `+` actual, three lines of context; empty when equal.
/// Very large documents are cut to their first 400 diff lines, and lines to 1,000 characters.
pub fn unified(expected: &str, actual: &str) -> String {
    if expected == actual {
        return String::new();
    }
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(expected, actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    let total = text.lines().count();
    if total <= MAX_DIFF_LINES && text.lines().all(|l| l.len() <= MAX_DIFF_LINE) {
        return text;
    }
    let mut cut: Vec<String> = text
        .lines()
        .take(MAX_DIFF_LINES)
        .map(|line| match line.char_indices().nth(MAX_DIFF_LINE) {
            Some((at, _)) => format!("{}… ({} bytes elided)", &line[..at], line.len() - at),
            None => line.to_owned(),
        })
        .collect();
    if total > MAX_DIFF_LINES {
        cut.push(format!("… {} more diff lines", total - MAX_DIFF_LINES));
    }
    cut.join("\n")
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

    /// A hostile answer: a huge document unlike the expected one, with one enormous line. The
    /// diff stays bounded in time and size.
    #[test]
    fn huge_and_unlike_documents_diff_in_bounded_time_and_size() {
        let expected: String = (0..20_000)
            .map(|i| format!("expected line {i}\n"))
            .collect();
        let mut actual: String = (0..200_000).map(|i| format!("{i} actual\n")).collect();
        actual.push_str(&"x".repeat(5_000_000));
        actual.push('\n');
        let started = std::time::Instant::now();
        let diff = unified(&expected, &actual);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "took {:?}",
            started.elapsed()
        );
        assert!(diff.lines().count() <= MAX_DIFF_LINES + 1, "{}", diff.len());
        assert!(diff.lines().all(|l| l.len() < MAX_DIFF_LINE * 4 + 64));
        let long = unified("a\n", &format!("{}\n", "y".repeat(10_000)));
        assert!(long.contains("bytes elided"), "{long}");
    }
}
