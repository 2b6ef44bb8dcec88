//! Findings in the order a person fixes them, with repeats grouped: the one list the console,
//! `report.md` and `report.html` show (`summary.json` and `junit.xml` keep every finding).
//!
//! * **Grouped**: findings of the same severity and rule, at the same JSON pointer, with the same
//!   message once the parts that vary from one request to the next are masked ([`normalise`]:
//!   ids, long numbers) are one [`Group`]: its count, the places it spans, and the first
//!   occurrence, shown in full.
//! * **Ordered** ([`groups`]): severity (failures first); the rule's level (must, should,
//!   observe); how many scenarios the rule breaks, most first (fixing it clears the most); a
//!   behaviour rule before a shape rule (`schema.*`, `http.*`) when those are equal; rule id.
//!   Within a rule: the larger group first, then the run's order.

use crate::check::outcome::{Finding, RunOutcome, ScenarioOutcome, Severity};
use crate::spec::Level;
use std::collections::{BTreeMap, BTreeSet};

/// One finding where it was found: indices into the run (for anchors) and the records.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub scenario_index: usize,
    pub finding_index: usize,
    pub scenario: &'a ScenarioOutcome,
    pub finding: &'a Finding,
}

impl Occurrence<'_> {
    /// `file:line` of the step.
    pub fn place(&self) -> String {
        format!("{}:{}", self.scenario.file, self.finding.line)
    }
}

/// Findings that are the same finding, repeated.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub severity: Severity,
    pub level: Level,
    pub rule: &'a str,
    /// Every occurrence in the run's order; the first is the one shown in full.
    pub occurrences: Vec<Occurrence<'a>>,
    /// Distinct scenarios this group spans.
    pub scenarios: usize,
    /// Distinct scenarios with a finding of this rule and severity (all its groups).
    pub rule_scenarios: usize,
}

impl<'a> Group<'a> {
    pub fn first(&self) -> Occurrence<'a> {
        self.occurrences[0]
    }

    pub fn count(&self) -> usize {
        self.occurrences.len()
    }

    /// The distinct places (`file:line`) after the first, at most `max`, and how many more.
    pub fn other_places(&self, max: usize) -> (Vec<String>, usize) {
        let first = self.first().place();
        let mut seen = BTreeSet::from([first]);
        let places: Vec<String> = self
            .occurrences
            .iter()
            .map(Occurrence::place)
            .filter(|p| seen.insert(p.clone()))
            .collect();
        let more = places.len().saturating_sub(max);
        (places.into_iter().take(max).collect(), more)
    }

    /// `54× in 20 scenarios`, or empty for a finding seen once.
    pub fn count_text(&self) -> String {
        if self.count() == 1 {
            return String::new();
        }
        format!(
            "{}× in {} scenario{}",
            self.count(),
            self.scenarios,
            if self.scenarios == 1 { "" } else { "s" }
        )
    }
}

/// A rule about the answer's shape (schema, HTTP mechanics) rather than the API's behaviour.
pub fn is_shape(rule: &str) -> bool {
    rule.starts_with("schema.") || rule.starts_with("http.")
}

/// A message with what varies between requests masked: every run of letters and digits that
/// holds a digit and is at least 6 long (ids, MSISDNs, timestamps) becomes `#`. Short numbers
/// (statuses, sizes) stay: "expected 3, got 4" and "expected 200, got 500" are not the same.
pub fn normalise(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 6 && word.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Every finding of the run, grouped and in the order to fix them (see the module's notes).
pub fn groups(outcome: &RunOutcome) -> Vec<Group<'_>> {
    type Key<'a> = (Severity, &'a str, Option<&'a str>, String);
    let mut order: Vec<Key<'_>> = Vec::new();
    let mut by_key: BTreeMap<Key<'_>, Vec<Occurrence<'_>>> = BTreeMap::new();
    let mut rule_scenarios: BTreeMap<(Severity, &str), BTreeSet<usize>> = BTreeMap::new();
    for (si, s) in outcome.scenarios.iter().enumerate() {
        for (fi, f) in s.findings.iter().enumerate() {
            let key = (
                f.severity,
                f.rule.as_str(),
                f.pointer.as_deref(),
                normalise(&f.message),
            );
            rule_scenarios
                .entry((f.severity, f.rule.as_str()))
                .or_default()
                .insert(si);
            let found = by_key.entry(key.clone()).or_default();
            if found.is_empty() {
                order.push(key);
            }
            found.push(Occurrence {
                scenario_index: si,
                finding_index: fi,
                scenario: s,
                finding: f,
            });
        }
    }
    let mut groups: Vec<Group<'_>> = order
        .into_iter()
        .filter_map(|key| {
            let occurrences = by_key.remove(&key)?;
            let first = occurrences.first()?.finding;
            let scenarios: BTreeSet<usize> = occurrences.iter().map(|o| o.scenario_index).collect();
            Some(Group {
                severity: key.0,
                level: first.level,
                rule: key.1,
                scenarios: scenarios.len(),
                rule_scenarios: rule_scenarios.get(&(key.0, key.1)).map_or(0, BTreeSet::len),
                occurrences,
            })
        })
        .collect();
    // Stable: equal keys keep the run's order.
    groups.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.level.cmp(&b.level))
            .then(b.rule_scenarios.cmp(&a.rule_scenarios))
            .then(is_shape(a.rule).cmp(&is_shape(b.rule)))
            .then(a.rule.cmp(b.rule))
            .then(b.count().cmp(&a.count()))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_masks_ids_and_keeps_small_numbers() {
        assert_eq!(
            normalise("group 01HZX3K9Q2 has 46700000003, expected 3, got 4"),
            "group # has #, expected 3, got 4"
        );
        assert_ne!(
            normalise("expected status 200, got 500"),
            normalise("expected status 200, got 404")
        );
    }
}
