//! The rule catalogue (`specs/rules.yaml`): every expectation groupcheck checks, with a stable id,
//! a one-line statement, a level and its source in the documentation.

use super::SpecError;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const RULES_YAML: &str = include_str!("../../specs/rules.yaml");

/// How a broken rule counts (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Documented without contradiction: a violation fails the run.
    Must,
    /// Documented, but Sinch's documents disagree: a warning, a failure under `--profile strict`.
    Should,
    /// Undocumented behaviour worth reporting.
    Observe,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::Observe => "observe",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub level: Level,
    pub statement: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: u32,
    rules: Vec<Rule>,
}

/// All rules, in file order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    rules: Vec<Rule>,
}

impl Catalogue {
    /// The embedded catalogue, parsed once per process.
    pub fn get() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            Catalogue::parse(RULES_YAML).expect("the embedded rule catalogue parses (tested)")
        })
    }

    /// Parse and check a catalogue: version 1, unique ids, no empty statement or source.
    pub fn parse(yaml: &str) -> Result<Catalogue, SpecError> {
        let file: RulesFile = serde_saphyr::from_str(yaml)
            .map_err(|e| SpecError(format!("specs/rules.yaml: {e}")))?;
        if file.version != 1 {
            return Err(SpecError(format!(
                "specs/rules.yaml: unsupported version {}",
                file.version
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for rule in &file.rules {
            if !seen.insert(rule.id.as_str()) {
                return Err(SpecError(format!(
                    "specs/rules.yaml: duplicate rule id {}",
                    rule.id
                )));
            }
            if rule.statement.trim().is_empty() || rule.source.trim().is_empty() {
                return Err(SpecError(format!(
                    "specs/rules.yaml: rule {} needs a statement and a source",
                    rule.id
                )));
            }
        }
        Ok(Catalogue { rules: file.rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}
