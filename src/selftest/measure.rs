//! The measurement detector: how update latency grows with the group's size. No conformance rule
//! says an update must cost O(change); a server whose updates cost O(n²) in the group's size is
//! still a defect (DESIGN.md §1.3), found by timing, not by judging an answer.
//!
//! Two groups are created through the API, one of `small` and one of `large` members; each gets
//! `repeats` updates adding `batch` new members (plus one warm-up), and the best (lowest) latency
//! of each is kept: the best of a few is what the work costs, without the noise of whatever else
//! the machine does. The detector flags the subject when the latency ratio exceeds the size ratio:
//! growth faster than linear. A correct implementation (O(batch)) shows a ratio near 1.

use super::SelftestError;
use super::detector::{BoxFuture, Catch, Detection, Detector, Subject};
use crate::client::{Client, HttpRequest};
use crate::scenario::Auth;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

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
}

impl Growth {
    pub fn latency_ratio(&self) -> f64 {
        self.large.as_secs_f64() / self.small.as_secs_f64().max(1e-9)
    }
}

impl MeasurementDetector {
    pub fn size_ratio(&self) -> f64 {
        self.large as f64 / self.small.max(1) as f64
    }

    /// Superlinear: latency grew faster than the group.
    pub fn flags(&self, growth: &Growth) -> bool {
        growth.latency_ratio() > self.size_ratio()
    }

    pub async fn measure(&self, client: &Client) -> Result<Growth, SelftestError> {
        let small = self.best_update(client, self.small, 0).await?;
        let large = self.best_update(client, self.large, 1_000_000).await?;
        Ok(Growth { small, large })
    }

    /// Create a group of `size` members, time `repeats` updates adding `batch` new members each,
    /// delete the group; the best latency.
    async fn best_update(
        &self,
        client: &Client,
        size: usize,
        start: u64,
    ) -> Result<Duration, SelftestError> {
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
        let delete = HttpRequest {
            method: "DELETE".into(),
            path: format!("/groups/{id}"),
            auth: Auth::Token,
            ..HttpRequest::default()
        };
        let _ = client.send(&delete).await;
        result.map(|()| best)
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
            "best of {} {}-member updates at {} vs {} members; flags latency growing faster than size (×{:.0})",
            self.repeats,
            self.batch,
            self.small,
            self.large,
            self.size_ratio()
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
                    let line = format!(
                        "update latency ×{ratio:.1} for size ×{:.0} ({} at {} members, {} at {})",
                        self.size_ratio(),
                        ms(growth.small),
                        self.small,
                        ms(growth.large),
                        self.large
                    );
                    let caught_by = if self.flags(&growth) {
                        vec![Catch {
                            id: "measurement".into(),
                            level: None,
                            count: 1,
                            example: format!(
                                "latency ×{ratio:.0} for size ×{:.0}",
                                self.size_ratio()
                            ),
                        }]
                    } else {
                        Vec::new()
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
