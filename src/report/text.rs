//! The text helpers every report writer shares (check's, load's, capacity's, selftest's): cutting
//! long fields ([`clip`]), one-line fields ([`one_line`]), control characters made visible,
//! escaping for HTML ([`esc`], [`esc_attr`]) and Markdown ([`escape_md`]), and the one way a
//! latency is written ([`fmt_ms`], from [`crate::units`]).

use std::fmt::Write;

pub use crate::units::fmt_ms;

/// A one-line Markdown field is cut beyond this many bytes.
const MD_LINE: usize = 600;

/// A character no report writes as it is: a control character other than newline and tab, or a
/// Unicode line/paragraph separator.
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{2028}' || c == '\u{2029}'
}

/// Control characters (other than newline and tab) as their visible Unicode pictures
/// (U+2400…), so hostile bytes neither vanish nor break a format.
pub fn visible_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_hidden_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            c if !is_hidden_control(c) => c,
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
            '\u{7f}' => '␡',
            _ => '�',
        })
        .collect::<String>()
        .into()
}

/// A control character in caret notation (`^G`, `^[`, `^?`), or `U+0085` beyond ASCII: plain
/// ASCII, for places where no font may have the control pictures.
pub fn caret(c: char) -> String {
    match c as u32 {
        n @ 0..=0x1f => format!("^{}", char::from_u32(n + 0x40).unwrap_or('?')),
        0x7f => "^?".into(),
        n => format!("U+{n:04X}"),
    }
}

/// At most `max` bytes of `s` (on a character boundary), with a note saying how much was cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} more bytes; the full text is in summary.json]",
        &s[..end],
        s.len() - end
    )
    .into()
}

/// `s` on one line: newlines and tabs as spaces, cut to `max` bytes.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect();
    clip(&visible_controls(&flat), max).into_owned()
}

/// HTML-escape `s` for element content: control characters become a marked caret notation
/// (`^G`), which every font can show.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden_control(c) => {
                let _ = write!(
                    out,
                    "<span class=\"ctl\" title=\"control character U+{:04X}\">{}</span>",
                    c as u32,
                    caret(c)
                );
            }
            c => out.push(c),
        }
    }
    out
}

/// HTML-escape `s` for an attribute value (or SVG text): control characters as pictures.
pub fn esc_attr(s: &str) -> String {
    visible_controls(s)
        .chars()
        .fold(String::with_capacity(s.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            out
        })
}

/// `s` on one line, cut to about `max` bytes with an ellipsis.
pub fn short(s: &str, max: usize) -> String {
    let flat = s.replace(['\n', '\t'], " ");
    if flat.len() <= max {
        return flat;
    }
    let mut end = max;
    while !flat.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &flat[..end])
}

/// Text for Markdown, in a paragraph, a table cell or an HTML element: one line, with every
/// character Markdown or HTML could act on written as a character reference.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s, MD_LINE).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '!' | '#' | '$' => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_respects_char_boundaries() {
        let s = "ééé";
        assert_eq!(clip(s, 3).chars().next(), Some('é'));
        assert!(clip(s, 3).contains("4 more bytes"));
        assert_eq!(clip(s, 6), "ééé");
    }

    #[test]
    fn controls_become_pictures() {
        assert_eq!(visible_controls("a\u{0}b\u{1b}[31m\r\n"), "a␀b␛[31m␍\n");
    }
}
