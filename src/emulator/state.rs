//! The emulator's shared state: its configuration and one model store per service plan.

use super::faults::{Fault, Faults};
use super::liberties::{Liberties, Liberty};
use crate::model::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The Bearer token to require; `None` accepts any non-empty token.
    pub token: Option<String>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Print one line per request to stderr (for `groupcheck serve`).
    pub log_requests: bool,
    /// Defects to inject (none for a faithful emulator).
    pub faults: Vec<Fault>,
    /// Choices the documents leave open, taken the other way (none for the default emulator).
    pub liberties: Vec<Liberty>,
}

impl EmulatorConfig {
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            token: None,
            body_limit: 8 * 1024 * 1024,
            log_requests: false,
            faults: Vec::new(),
            liberties: Vec::new(),
        }
    }
}

pub(crate) struct AppState {
    pub config: EmulatorConfig,
    /// The injected faults and their state (nothing when none are injected).
    pub faults: Faults,
    /// The liberties taken (nothing when none are).
    pub liberties: Liberties,
    plans: RwLock<HashMap<String, Arc<Mutex<Store>>>>,
}

impl AppState {
    pub fn new(config: EmulatorConfig) -> Self {
        AppState {
            faults: Faults::new(&config.faults),
            liberties: Liberties::new(&config.liberties),
            config,
            plans: RwLock::new(HashMap::new()),
        }
    }

    /// The store of a service plan, made on first use. Each plan has its own lock, so one plan's
    /// traffic never waits on another's; within a plan, operations are serialised, so concurrent
    /// updates of one group never lose an add or a remove.
    pub fn plan(&self, plan: &str) -> Arc<Mutex<Store>> {
        let plan = self.faults.store_key(plan);
        if let Some(store) = read(&self.plans).get(plan) {
            return store.clone();
        }
        let mut plans = self.plans.write().unwrap_or_else(|e| e.into_inner());
        plans.entry(plan.to_owned()).or_default().clone()
    }

    /// The store of a plan for an operation that only reads or changes existing groups: a plan
    /// never written to gets a fresh empty store that is not kept. Only create adds a plan, so a
    /// client sending requests to a million made-up plan ids does not grow the emulator.
    pub fn existing_plan(&self, plan: &str) -> Arc<Mutex<Store>> {
        let plan = self.faults.store_key(plan);
        read(&self.plans).get(plan).cloned().unwrap_or_default()
    }

    #[cfg(test)]
    fn plan_count(&self) -> usize {
        read(&self.plans).len()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_create_adds_a_plan() {
        let state = AppState::new(EmulatorConfig::default());
        for i in 0..10_000 {
            let _ = state.existing_plan(&format!("made-up-{i}"));
        }
        assert_eq!(state.plan_count(), 0, "reads of unknown plans keep nothing");
        let created = state.plan("P");
        assert_eq!(state.plan_count(), 1);
        assert!(Arc::ptr_eq(&created, &state.existing_plan("P")));
    }
}
