//! `summary.json`: the whole [`RunOutcome`] plus totals and per-rule counts, under a version
//! number (docs/summary-json.md documents every field).

use crate::check::outcome::RunOutcome;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn render(outcome: &RunOutcome) -> String {
    let mut by_rule: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for s in &outcome.scenarios {
        for f in &s.findings {
            let severity = match f.severity {
                crate::check::outcome::Severity::Failure => "failure",
                crate::check::outcome::Severity::Warning => "warning",
                crate::check::outcome::Severity::Note => "note",
            };
            by_rule.entry(&f.rule).or_insert((0, severity)).0 += 1;
        }
    }
    let mut value = serde_json::to_value(outcome).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("totals".into(), json!(outcome.totals()));
        map.insert(
            "rules".into(),
            json!(by_rule
                .iter()
                .map(|(rule, (n, severity))| json!({"rule": rule, "findings": n, "severity": severity}))
                .collect::<Vec<_>>()),
        );
        map.insert("exit_code".into(), json!(outcome.exit_code()));
    }
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
