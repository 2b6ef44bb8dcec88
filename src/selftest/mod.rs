//! `selftest`: every built-in emulator fault against every detector, and the correct emulator
//! against all of them: the detection matrix (DESIGN.md §3, §5: "every emulator fault is caught by
//! at least one rule").
//!
//! For each fault, and once with none, an emulator is started in-process with that fault alone and
//! a random token; each [`Detector`] is run against it, on its own emulator, and says what caught
//! the fault. Detectors never learn which fault they face. Non-exclusive detectors run `jobs`
//! subjects at a time; exclusive (timing) detectors run afterwards, one subject at a time, with
//! nothing else in flight.
//!
//! * [`detector`]: the [`Detector`] trait, [`Subject`], [`Detection`], and the `check` detector.
//! * [`measure`]: the latency-growth detector (the O(n²) fault).
//! * [`render`]: console lines, `selftest.md`, `selftest.json`, `selftest.html`.
//!
//! A fault is *caught* when any detector caught it; *awaiting* when nothing caught it and the
//! detector meant to find it ([`FoundBy`]) is not plugged in (today: `explore`, for
//! `lost-updates`); *escaped* otherwise. The run passes when nothing escaped and the correct
//! emulator is clean under every detector. See docs/selftest.md.

pub mod detector;
pub mod measure;
pub mod render;

pub use detector::{Catch, CheckDetector, Detection, Detector, Subject};
pub use measure::MeasurementDetector;

use crate::client::{Secret, Target};
use crate::emulator::faults::FoundBy;
use crate::emulator::{Emulator, EmulatorConfig, Fault};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// The version of `selftest.json`'s layout.
pub const SELFTEST_VERSION: u32 = 1;

/// What the run checks.
pub struct Options {
    pub run_id: String,
    /// Subjects (faults, and the correct emulator) at once for non-exclusive detectors.
    pub jobs: usize,
    /// The faults to inject, one at a time (all of them by default).
    pub faults: Vec<Fault>,
}

/// A detector as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorInfo {
    pub name: String,
    pub description: String,
}

/// The verdict on one fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Caught,
    /// Nothing caught it, and the detector meant to find it is not plugged in.
    Awaiting,
    Escaped,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultRow {
    pub fault: String,
    pub family: String,
    pub description: String,
    /// The detector meant to find it.
    pub found_by: FoundBy,
    pub status: Status,
    /// When `status` is awaiting: the detector it waits for.
    pub awaiting: Option<String>,
    /// One per detector, in the order of `detectors`.
    pub detections: Vec<Detection>,
}

impl FaultRow {
    /// Every id that caught the fault, over all detectors.
    pub fn caught_ids(&self) -> Vec<&str> {
        self.detections
            .iter()
            .flat_map(|d| d.caught_by.iter().map(|c| c.id.as_str()))
            .collect()
    }
}

/// The correct emulator under every detector.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectRow {
    /// Clean under every detector: nothing caught, nothing went wrong.
    pub passed: bool,
    pub detections: Vec<Detection>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub faults: usize,
    pub caught: usize,
    pub awaiting: usize,
    pub escaped: usize,
    pub correct_passed: bool,
}

/// A whole selftest.
#[derive(Debug, Clone, Serialize)]
pub struct SelftestOutcome {
    pub version: u32,
    pub tool: String,
    pub run_id: String,
    /// The profile of the `check` detector: `strict`, so `should` rules count.
    pub profile: crate::check::outcome::Profile,
    pub started_at: String,
    pub duration_ms: f64,
    pub detectors: Vec<DetectorInfo>,
    pub correct: CorrectRow,
    pub faults: Vec<FaultRow>,
    pub summary: Summary,
}

impl SelftestOutcome {
    /// 0 when every fault was caught (or awaits an unplugged detector) and the correct emulator
    /// is clean; 1 otherwise (an escaped fault).
    pub fn exit_code(&self) -> u8 {
        crate::exit::code(Ok(self.outcome()))
    }

    /// Passed, or failed (a fault escaped, or the correct emulator failed something).
    pub fn outcome(&self) -> crate::exit::Outcome {
        if self.summary.escaped == 0 && self.summary.correct_passed {
            crate::exit::Outcome::Passed
        } else {
            crate::exit::Outcome::Failed
        }
    }
}

/// Progress, for the console.
pub enum Event<'a> {
    Started {
        subjects: usize,
        detectors: usize,
    },
    Done {
        fault: Option<Fault>,
        detection: &'a Detection,
    },
}

/// Run every detector against every fault and the correct emulator. Fails only when an emulator
/// cannot be started.
pub async fn run(
    detectors: Vec<Arc<dyn Detector>>,
    options: Options,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<SelftestOutcome, String> {
    let started = Instant::now();
    let started_at = crate::model::id::format_timestamp(crate::check::now_ms());
    // Subject 0 is the correct emulator, then the faults in catalogue order.
    let subjects: Vec<Option<Fault>> = std::iter::once(None)
        .chain(options.faults.iter().copied().map(Some))
        .collect();
    on_event(Event::Started {
        subjects: subjects.len(),
        detectors: detectors.len(),
    });
    let mut results: Vec<Vec<Option<Detection>>> =
        vec![vec![None; detectors.len()]; subjects.len()];

    // Parallel phase: every non-exclusive detector, `jobs` subjects at a time.
    let semaphore = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut cells = std::collections::HashMap::new();
    for (s, fault) in subjects.iter().enumerate() {
        for (d, detector) in detectors.iter().enumerate() {
            if detector.exclusive() {
                continue;
            }
            let (detector, semaphore, fault) = (detector.clone(), semaphore.clone(), *fault);
            let task = tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                detect_on_emulator(detector.as_ref(), fault).await
            });
            cells.insert(task.id(), (s, d));
        }
    }
    while let Some(done) = tasks.join_next_with_id().await {
        let (id, detection) = match done {
            Ok((id, detection)) => (id, detection?),
            // A detector that panics is a detector that could not run, not an aborted selftest.
            Err(e) => {
                let (_, d) = cells[&e.id()];
                (
                    e.id(),
                    Detection::failed_to_run(detectors[d].name(), e.to_string()),
                )
            }
        };
        let (s, d) = cells[&id];
        on_event(Event::Done {
            fault: subjects[s],
            detection: &detection,
        });
        results[s][d] = Some(detection);
    }
    // Exclusive phase: timing detectors, one subject at a time.
    for (s, fault) in subjects.iter().enumerate() {
        for (d, detector) in detectors.iter().enumerate() {
            if detector.exclusive() {
                let detection = detect_on_emulator(detector.as_ref(), *fault).await?;
                on_event(Event::Done {
                    fault: *fault,
                    detection: &detection,
                });
                results[s][d] = Some(detection);
            }
        }
    }

    let plugged: Vec<&str> = detectors.iter().map(|d| d.name()).collect();
    let mut rows = results
        .into_iter()
        .map(|r| r.into_iter().flatten().collect::<Vec<_>>());
    let correct = rows.next().unwrap_or_default();
    let correct = CorrectRow {
        passed: correct.iter().all(Detection::clean),
        detections: correct,
    };
    let faults: Vec<FaultRow> = options
        .faults
        .iter()
        .zip(rows)
        .map(|(fault, detections)| row(*fault, detections, &plugged))
        .collect();
    let count = |status: Status| faults.iter().filter(|f| f.status == status).count();
    let summary = Summary {
        faults: faults.len(),
        caught: count(Status::Caught),
        awaiting: count(Status::Awaiting),
        escaped: count(Status::Escaped),
        correct_passed: correct.passed,
    };
    Ok(SelftestOutcome {
        version: SELFTEST_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id: options.run_id,
        profile: CheckDetector::PROFILE,
        started_at,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        detectors: detectors
            .iter()
            .map(|d| DetectorInfo {
                name: d.name().to_owned(),
                description: d.describe(),
            })
            .collect(),
        correct,
        faults,
        summary,
    })
}

fn row(fault: Fault, detections: Vec<Detection>, plugged: &[&str]) -> FaultRow {
    let wanted = fault.found_by().detector();
    let status = if detections.iter().any(Detection::caught) {
        Status::Caught
    } else if !plugged.contains(&wanted) {
        Status::Awaiting
    } else {
        Status::Escaped
    };
    FaultRow {
        fault: fault.name(),
        family: fault.family().to_owned(),
        description: fault.description(),
        found_by: fault.found_by(),
        status,
        awaiting: (status == Status::Awaiting).then(|| wanted.to_owned()),
        detections,
    }
}

/// Start an emulator with `fault` alone (or none) and a random token, run one detector on it,
/// stop it.
async fn detect_on_emulator(
    detector: &dyn Detector,
    fault: Option<Fault>,
) -> Result<Detection, String> {
    let token = format!("gc-selftest-{:032x}", rand::random::<u128>());
    let emulator = Emulator::start_local(EmulatorConfig {
        token: Some(token.clone()),
        faults: fault.into_iter().collect(),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start an emulator: {e}"))?;
    let subject = Subject {
        target: Target {
            base_url: emulator.base_url(),
            service_plan_id: "selftest".into(),
            token: Secret::new(token),
            second_plan_id: "selftest-second".into(),
            second_token: None,
        },
        label: format!("emulator at {}", emulator.base_url()),
    };
    let started = Instant::now();
    let mut detection = detector.detect(&subject).await;
    detection.detector = detector.name().to_owned();
    if detection.duration_ms == 0.0 {
        detection.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    }
    // A client that keeps a connection open must not hold the run up.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), emulator.stop()).await;
    Ok(detection)
}
