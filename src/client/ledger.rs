//! The ledger: one JSON line per group created and per group deleted, flushed as the run goes,
//! so an interrupted run (or `groupcheck cleanup --ledger FILE` later) deletes exactly what the
//! run created and nothing else.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    Created {
        base_url: String,
        service_plan_id: String,
        id: String,
        scenario: String,
    },
    Deleted {
        service_plan_id: String,
        id: String,
    },
}

/// An append-only ledger file shared by the scenarios of a run.
pub struct Ledger {
    path: PathBuf,
    file: Mutex<File>,
}

impl Ledger {
    /// Open for appending (creating it if needed). A file whose last line lacks its newline (a
    /// run killed mid-write, or one written by hand) gets one first, so entries never merge.
    pub fn create(path: &Path) -> std::io::Result<Ledger> {
        let unterminated = std::fs::read(path).is_ok_and(|b| b.last().is_some_and(|&c| c != b'\n'));
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        if unterminated {
            file.write_all(b"\n")?;
        }
        Ok(Ledger {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append and flush one entry. A ledger that cannot be written is reported, not fatal.
    pub fn record(&self, entry: &Entry) {
        let Ok(mut line) = serde_json::to_string(entry) else {
            return;
        };
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()).and_then(|_| file.flush()) {
            eprintln!(
                "warning: cannot write the ledger {}: {e}",
                self.path.display()
            );
        }
    }
}

/// A group the ledger says was created and not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    pub base_url: String,
    pub service_plan_id: String,
    pub id: String,
    pub scenario: String,
}

crate::error::message_error!(
    /// A ledger that cannot be read, or a line of it that is not an entry.
    LedgerError
);

/// Read a ledger and return the groups still outstanding, in creation order. Lines that do not
/// parse are reported with their line number.
pub fn outstanding(path: &Path) -> Result<Vec<Outstanding>, LedgerError> {
    let file = File::open(path).map_err(|e| LedgerError(format!("{}: {e}", path.display())))?;
    let mut open: BTreeMap<(String, String), (usize, Outstanding)> = BTreeMap::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| LedgerError(format!("{}:{}: {e}", path.display(), n + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_str(&line).map_err(|e| {
            LedgerError(format!(
                "{}:{}: not a ledger entry: {e}",
                path.display(),
                n + 1
            ))
        })?;
        match entry {
            Entry::Created {
                base_url,
                service_plan_id,
                id,
                scenario,
            } => {
                let key = (service_plan_id.clone(), id.clone());
                let group = Outstanding {
                    base_url,
                    service_plan_id,
                    id,
                    scenario,
                };
                open.insert(key, (n, group));
            }
            Entry::Deleted {
                service_plan_id,
                id,
            } => {
                open.remove(&(service_plan_id, id));
            }
        }
    }
    let mut groups: Vec<(usize, Outstanding)> = open.into_values().collect();
    groups.sort_by_key(|(n, _)| *n);
    Ok(groups.into_iter().map(|(_, g)| g).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outstanding_is_created_minus_deleted() {
        let dir = std::env::temp_dir().join(format!("gc-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.jsonl");
        let _ = std::fs::remove_file(&path);
        let ledger = Ledger::create(&path).unwrap();
        for id in ["A", "B", "C"] {
            ledger.record(&Entry::Created {
                base_url: "http://x".into(),
                service_plan_id: "P".into(),
                id: id.into(),
                scenario: "s".into(),
            });
        }
        ledger.record(&Entry::Deleted {
            service_plan_id: "P".into(),
            id: "B".into(),
        });
        let ids: Vec<String> = outstanding(&path)
            .unwrap()
            .into_iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(ids, vec!["A", "C"]);
        std::fs::write(&path, "{\"event\":\"created\"}\n").unwrap();
        assert!(outstanding(&path).unwrap_err().0.contains(":1:"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
