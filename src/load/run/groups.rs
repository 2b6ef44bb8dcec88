//! The groups a load run created: each recorded in the run's ledger as it is created (and again
//! when it is deleted), and held in memory, so the end of the run (also after Ctrl-C) deletes
//! exactly what the run created and nothing else. `groupcheck cleanup --ledger` reads the same
//! file after a run that was killed outright.

use crate::client::Auth;
use crate::client::ledger::{Entry, Ledger};
use crate::client::{Client, HttpRequest};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub struct GroupBook {
    ledger: Option<Arc<Ledger>>,
    base_url: String,
    plan: String,
    live: Mutex<HashSet<String>>,
    pub created: AtomicU64,
    pub deleted: AtomicU64,
}

/// Deletes run at once at the end of a run.
const DELETE_CONCURRENCY: usize = 8;

impl GroupBook {
    pub fn new(ledger: Option<Arc<Ledger>>, client: &Client) -> GroupBook {
        GroupBook {
            ledger,
            base_url: client.target().base_url.clone(),
            plan: client.target().service_plan_id.clone(),
            live: Mutex::new(HashSet::new()),
            created: AtomicU64::new(0),
            deleted: AtomicU64::new(0),
        }
    }

    /// Note a group the run created; noting the same live group again (a large group is noted
    /// when its first chunk is created and again when the setup step ends) counts it once.
    pub fn created(&self, id: &str, flow: &str) {
        if !lock(&self.live).insert(id.to_owned()) {
            return;
        }
        if let Some(ledger) = &self.ledger {
            ledger.record(&Entry::Created {
                base_url: self.base_url.clone(),
                service_plan_id: self.plan.clone(),
                id: id.to_owned(),
                scenario: flow.to_owned(),
            });
        }
        self.created.fetch_add(1, Ordering::Relaxed);
    }

    pub fn deleted(&self, id: &str) {
        if !lock(&self.live).remove(id) {
            return;
        }
        if let Some(ledger) = &self.ledger {
            ledger.record(&Entry::Deleted {
                service_plan_id: self.plan.clone(),
                id: id.to_owned(),
            });
        }
        self.deleted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn live(&self) -> usize {
        lock(&self.live).len()
    }

    /// Delete every group still live, a few at a time; a 404 counts as gone. Returns the ids that
    /// could not be deleted.
    pub async fn delete_all(self: &Arc<Self>, client: &Client) -> Vec<String> {
        let ids: Vec<String> = lock(&self.live).iter().cloned().collect();
        let semaphore = Arc::new(tokio::sync::Semaphore::new(DELETE_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let (book, client, semaphore) = (self.clone(), client.clone(), semaphore.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let request = HttpRequest {
                    method: "DELETE".into(),
                    path: format!("/groups/{id}"),
                    auth: Auth::Token,
                    ..HttpRequest::default()
                };
                match client.send(&request).await {
                    Ok(obs) if (200..300).contains(&obs.status) || obs.status == 404 => {
                        book.deleted(&id);
                        None
                    }
                    _ => Some(id),
                }
            });
        }
        let mut leftovers = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(Some(id)) = done {
                leftovers.push(id);
            }
        }
        leftovers.sort();
        leftovers
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
