//! The received body around a JSON pointer, shown with a schema finding: the body pretty-printed,
//! a few lines either side of the pointed value (marked `>`), every line and the whole capped.

use serde_json::Value;

/// Lines kept either side of the pointed value.
const CONTEXT: usize = 4;
/// Lines of the pointed value itself kept (the root's: this plus both contexts).
const VALUE_LINES: usize = 8;
/// Longest line kept, in bytes.
const MAX_LINE: usize = 160;
/// Most bytes an excerpt holds.
pub const MAX_EXCERPT: usize = 2048;

/// Stands in for the pointed value while the body is printed, to find its line.
const MARK: &str = "groupcheck-excerpt-mark-5b8e0c";

/// The body around `pointer` (or around the deepest value on its path that exists: a violation
/// can point at a member that is missing).
pub fn around(body: &Value, pointer: &str) -> String {
    let mut at = pointer.to_owned();
    while !at.is_empty() && body.pointer(&at).is_none() {
        at = at
            .rsplit_once('/')
            .map_or(String::new(), |(p, _)| p.to_owned());
    }
    let mut marked = body.clone();
    let Some(slot) = marked.pointer_mut(&at) else {
        return String::new();
    };
    let value = std::mem::replace(slot, Value::String(MARK.into()));
    let text = serde_json::to_string_pretty(&marked).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let Some(mark_line) = lines.iter().position(|l| l.contains(MARK)) else {
        return String::new();
    };
    let quoted = format!("\"{MARK}\"");
    let (before, after) = lines[mark_line]
        .split_once(&quoted)
        .unwrap_or((lines[mark_line], ""));
    let indent: String = before.chars().take_while(|c| *c == ' ').collect();
    let value_text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let value_lines: Vec<&str> = value_text.lines().collect();
    let keep = if at.is_empty() {
        VALUE_LINES + 2 * CONTEXT
    } else {
        VALUE_LINES
    };
    let mut pointed: Vec<String> = Vec::new();
    for (i, line) in value_lines.iter().take(keep).enumerate() {
        let lead = if i == 0 { before } else { indent.as_str() };
        let tail = if i + 1 == value_lines.len() {
            after
        } else {
            ""
        };
        pointed.push(format!("{lead}{line}{tail}"));
    }
    if value_lines.len() > keep {
        pointed.push(format!(
            "{indent}  … {} more lines",
            value_lines.len() - keep
        ));
    }

    let first = mark_line.saturating_sub(CONTEXT);
    let last = (mark_line + CONTEXT).min(lines.len().saturating_sub(1));
    let mut out = String::new();
    let mut push = |marker: &str, line: &str| -> bool {
        let line = format!("{marker}{}\n", cut(line));
        if out.len() + line.len() > MAX_EXCERPT {
            return false;
        }
        out.push_str(&line);
        true
    };
    let mut whole = true;
    if first > 0 {
        push("  ", "…");
    }
    for line in &lines[first..mark_line] {
        whole &= push("  ", line);
    }
    for line in &pointed {
        whole = whole && push("> ", line);
    }
    for line in &lines[mark_line + 1..=last.max(mark_line)] {
        whole = whole && push("  ", line);
    }
    if !whole || last + 1 < lines.len() {
        push("  ", "…");
    }
    out
}

/// At most [`MAX_LINE`] bytes of a line, on a character boundary.
fn cut(line: &str) -> String {
    if line.len() <= MAX_LINE {
        return line.to_owned();
    }
    let mut end = MAX_LINE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks_the_pointed_value_with_context() {
        let body = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}, "e": true});
        let text = around(&body, "/b/c");
        let marked: Vec<&str> = text.lines().filter(|l| l.starts_with("> ")).collect();
        assert_eq!(marked.len(), 4, "{text}");
        assert_eq!(marked[0], ">     \"c\": [", "{text}");
        assert_eq!(marked[3], ">     ],", "{text}");
        assert!(text.contains("\"d\": \"x\""), "{text}");
    }

    #[test]
    fn a_missing_member_points_at_its_parent_and_the_whole_is_capped() {
        let body = json!({"text": "x".repeat(5000), "items": (0..2000).collect::<Vec<_>>()});
        let text = around(&body, "/code");
        assert!(text.starts_with("> {"), "{text}");
        assert!(text.len() <= MAX_EXCERPT, "{}", text.len());
        assert!(
            text.contains("more lines") || text.ends_with("…\n"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= MAX_LINE + 8));
    }
}
