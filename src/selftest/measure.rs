//! The measurement detector: how latency grows with the group's size, each operation judged by
//! its nature. No conformance rule says an update must cost O(change) or a members listing
//! O(members) at a sane cost; a server that does worse is still a defect (DESIGN.md §1.3), found
//! by timing, not by judging an answer.
//!
//! Two groups are created through the API, one of `small` and one of `large` members; each gets
//! `repeats` updates adding `batch` new members and `repeats` GET .../members (each after one
//! warm-up), and the best (lowest) latency of each is kept: the best of a few is what the work
//! costs, without the noise of whatever else the machine does. Flagged:
//! * update (expected flat): its latency ratio exceeds the size ratio, growth faster than linear
//!   (a correct implementation, O(batch), shows a ratio near 1);
//! * members (expected linear): its marginal cost exceeds [`MEMBERS_BUDGET_MS`] per 1,000 members
//!   (a correct server formats 1,000 numbers in far less than a millisecond).

use super::SelftestError;
use super::detector::{BoxFuture, Catch, Detection, Detector, Subject};
use crate::client::{Client, HttpRequest};
use crate::scenario::Auth;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The most a members listing may cost per 1,000 more members (best of a few, loopback).
pub const MEMBERS_BUDGET_MS: f64 = 5.0;

/// First number of the generated members: the `$msisdns` range of the scenarios.
const FIRST_NUMBER: u64 = 46_700_000_000;

#[derive(Debug, Clone)]
pub struct MeasurementDetector {
    pub small: usize,
    pub large: usize,
    /// Members added by each timed update.
    pub batch: usize,
    /// Timed updates per group (after one warm-up).
    pub repeats: usize,
}

impl Default for MeasurementDetector {
    fn default() -> Self {
        MeasurementDetector {
            small: 200,
            large: 3_000,
            batch: 100,
            repeats: 5,
        }
    }
}

/// The outcome of one measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub small: Duration,
    pub large: Duration,
    /// GET .../members at each size.
    pub members_small: Duration,
    pub members_large: Duration,
}

/// The best update and the best members listing of one group.
struct Best {
    update: Duration,
    members: Duration,
}

impl Growth {
    pub fn latency_ratio(&self) -> f64 {
        self.large.as_secs_f64() / self.small.as_secs_f64().max(1e-9)
    }

    /// Milliseconds the members listing costs per 1,000 more members.
    pub fn members_per_thousand_ms(&self, small: usize, large: usize) -> f64 {
        let extra = self.members_large.as_secs_f64() - self.members_small.as_secs_f64();
        extra.max(0.0) * 1000.0 * 1000.0 / (large.saturating_sub(small).max(1)) as f64
    }
}

impl MeasurementDetector {
    pub fn size_ratio(&self) -> f64 {
        self.large as f64 / self.small.max(1) as f64
    }

    /// Update superlinear: its latency grew faster than the group.
    pub fn flags_update(&self, growth: &Growth) -> bool {
        growth.latency_ratio() > self.size_ratio()
    }

    /// Members beyond its linear budget.
    pub fn flags_members(&self, growth: &Growth) -> bool {
        growth.members_per_thousand_ms(self.small, self.large) > MEMBERS_BUDGET_MS
    }

    pub fn flags(&self, growth: &Growth) -> bool {
        self.flags_update(growth) || self.flags_members(growth)
    }

    pub async fn measure(&self, client: &Client) -> Result<Growth, SelftestError> {
        let small = self.best_of(client, self.small, 0).await?;
        let large = self.best_of(client, self.large, 1_000_000).await?;
        Ok(Growth {
            small: small.update,
            large: large.update,
            members_small: small.members,
            members_large: large.members,
        })
    }

    /// Create a group of `size` members, time `repeats` updates adding `batch` new members each
    /// and `repeats` members listings, delete the group; the best latencies.
    async fn best_of(
        &self,
        client: &Client,
        size: usize,
        start: u64,
    ) -> Result<Best, SelftestError> {
        let numbers = |from: u64, n: usize| -> Vec<String> {
            (0..n as u64)
                .map(|i| (FIRST_NUMBER + from + i).to_string())
                .collect()
        };
        let created = send(
            client,
            "POST",
            "/groups".into(),
            json!({"name": format!("gc-measure-{size}"), "members": numbers(start, size)}),
        )
        .await?;
        let id = created
            .get("id")
            .and_then(Value::as_str)
            .ok_or("the create answer has no id")?
            .to_owned();
        let mut best = Duration::MAX;
        let mut next = start + size as u64;
        let mut result = Ok(());
        for round in 0..=self.repeats {
            let body = json!({"add": numbers(next, self.batch)});
            next += self.batch as u64;
            let started = Instant::now();
            if let Err(e) = send(client, "POST", format!("/groups/{id}"), body).await {
                result = Err(e);
                break;
            }
            if round > 0 {
                best = best.min(started.elapsed());
            }
        }
        let mut members = Duration::MAX;
        let listing = HttpRequest {
            method: "GET".into(),
            path: format!("/groups/{id}/members"),
            auth: Auth::Token,
            ..HttpRequest::default()
        };
        for round in 0..=self.repeats {
            if result.is_err() {
                break;
            }
            let started = Instant::now();
            match client.send(&listing).await {
                Ok(obs) if (200..300).contains(&obs.status) => {}
                Ok(obs) => {
                    result = Err(format!("GET {} answered {}", listing.path, obs.status).into());
                }
                Err(e) => result = Err(SelftestError(e.to_string())),
            }
            if round > 0 {
                members = members.min(started.elapsed());
            }
        }
        let delete = HttpRequest {
            method: "DELETE".into(),
            path: format!("/groups/{id}"),
            auth: Auth::Token,
            ..HttpRequest::default()
        };
        let _ = client.send(&delete).await;
        result.map(|()| Best {
            update: best,
            members,
        })
    }
}

/// Send a JSON request; its JSON answer, or why there is none.
async fn send(
    client: &Client,
    method: &str,
    path: String,
    body: Value,
) -> Result<Value, SelftestError> {
    let request = HttpRequest {
        method: method.into(),
        path: path.clone(),
        body: Some(body.to_string().into_bytes()),
        auth: Auth::Token,
        ..HttpRequest::default()
    };
    let obs = client
        .send(&request)
        .await
        .map_err(|e| SelftestError(e.to_string()))?;
    if !(200..300).contains(&obs.status) {
        return Err(format!("{method} {path} answered {}", obs.status).into());
    }
    Ok(obs.json().unwrap_or(Value::Null))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Detector for MeasurementDetector {
    fn name(&self) -> &'static str {
        "measurement"
    }

    fn describe(&self) -> String {
        format!(
            "best of {} {}-member updates and members listings at {} vs {} members; flags update latency growing faster than size (×{:.0}), members costing over {} ms per 1,000 members",
            self.repeats,
            self.batch,
            self.small,
            self.large,
            self.size_ratio(),
            MEMBERS_BUDGET_MS
        )
    }

    fn exclusive(&self) -> bool {
        true
    }

    fn detect<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Detection> {
        Box::pin(async move {
            let started = Instant::now();
            let growth = match subject.client() {
                Ok(client) => self.measure(&client).await,
                Err(e) => Err(e),
            };
            let mut detection = match growth {
                Err(e) => Detection::failed_to_run(self.name(), e.0),
                Ok(growth) => {
                    let ratio = growth.latency_ratio();
                    let per_k = growth.members_per_thousand_ms(self.small, self.large);
                    let line = format!(
                        "update latency ×{ratio:.1} for size ×{:.0} ({} at {} members, {} at {}); members {per_k:.2} ms per 1,000 members ({} at {}, {} at {})",
                        self.size_ratio(),
                        ms(growth.small),
                        self.small,
                        ms(growth.large),
                        self.large,
                        ms(growth.members_small),
                        self.small,
                        ms(growth.members_large),
                        self.large
                    );
                    let mut examples = Vec::new();
                    if self.flags_update(&growth) {
                        examples.push(format!(
                            "latency ×{ratio:.0} for size ×{:.0} (update)",
                            self.size_ratio()
                        ));
                    }
                    if self.flags_members(&growth) {
                        examples.push(format!(
                            "members {per_k:.1} ms per 1,000 members (budget {MEMBERS_BUDGET_MS} ms)"
                        ));
                    }
                    let caught_by = if examples.is_empty() {
                        Vec::new()
                    } else {
                        vec![Catch {
                            id: "measurement".into(),
                            level: None,
                            count: examples.len(),
                            example: examples.join("; "),
                        }]
                    };
                    Detection {
                        detector: self.name().into(),
                        caught_by,
                        summary: line,
                        ..Detection::default()
                    }
                }
            };
            detection.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            detection
        })
    }
}
