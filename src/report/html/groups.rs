//! The page's "To fix" section: failures and warnings grouped and in the order a person fixes
//! them ([`crate::report::groups`], the console's and `report.md`'s order), each group with its
//! count, links to every place it spans, and its first occurrence in full.

use super::{MAX_DETAILS_TOTAL, MAX_TEXT, SUMMARY_MESSAGE, esc, esc_clip, finding_body, short};
use crate::check::outcome::{RunOutcome, Severity};
use crate::report::groups::groups;
use crate::report::tally::severity_word;
use std::fmt::Write;

/// Places linked from a group.
const MAX_PLACES: usize = 50;

pub(super) fn section(h: &mut String, outcome: &RunOutcome) {
    let groups: Vec<_> = groups(outcome)
        .into_iter()
        .filter(|g| g.severity != Severity::Note)
        .collect();
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"to-fix\">\n<h2>To fix ({} distinct, most widespread first)</h2>",
        groups.len()
    );
    h.push_str("<p class=\"hint\">Repeats of one finding (same rule, JSON pointer and message) are one entry with its count; the first occurrence is shown in full, every occurrence is in its scenario below.</p>\n");
    let mut budget = MAX_DETAILS_TOTAL / 4;
    for (n, g) in groups.iter().enumerate() {
        let first = g.first();
        let severity = severity_word(g.severity);
        let label = if g.severity == Severity::Failure {
            "fail"
        } else {
            "warn"
        };
        let open = if n == 0 { " open" } else { "" };
        let count = g.count_text();
        let _ = write!(
            h,
            "<details class=\"finding {severity}\" id=\"g{n}\"{open}>\n<summary><span class=\"badge {severity}\">{label}</span> <code class=\"rule\">{}</code>{} <span class=\"msg\">{}</span></summary>\n<div class=\"fbody\">\n",
            esc_clip(g.rule, MAX_TEXT),
            if count.is_empty() {
                String::new()
            } else {
                format!(" <strong>{}</strong>", esc(&count))
            },
            esc(&short(&first.finding.message, SUMMARY_MESSAGE))
        );
        let mut places = String::new();
        for o in g.occurrences.iter().take(MAX_PLACES) {
            let _ = write!(
                places,
                " <a href=\"#s{}-f{}\"><code>{}</code></a>",
                o.scenario_index,
                o.finding_index,
                esc_clip(&o.place(), MAX_TEXT)
            );
        }
        if g.count() > MAX_PLACES {
            let _ = write!(places, " and {} more", g.count() - MAX_PLACES);
        }
        let _ = writeln!(
            h,
            "<p class=\"hint\">{} at:{places}</p>",
            if g.count() == 1 {
                "Found once".to_owned()
            } else {
                format!("Seen {count}, the first in full below;")
            }
        );
        finding_body(h, first.scenario, first.finding, &mut budget);
        h.push_str("</div>\n</details>\n");
    }
    h.push_str("</section>\n");
}
