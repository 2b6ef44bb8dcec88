//! `selftest`: every built-in emulator behaviour against every detector, and the correct emulator
//! against all of them: the confusion matrix (DESIGN.md §5).
//!
//! Three kinds of behaviour, each injected alone into an emulator with a random token:
//! * a **fault** breaks a `must` rule: it must be *caught* (a `must` finding, an explore find, or
//!   a measurement);
//! * a **deviation** takes the other side where Sinch's documents disagree: it must be *warned*
//!   (a `should` finding, which fails only under `--profile strict`) and never caught by a `must`;
//! * a **liberty** is a choice the documents leave open: it must *pass*, under every profile.
//!
//! Each [`Detector`] is run against each subject on its own emulator and says what it found
//! there. Detectors never learn what they face. The `check` detector runs under
//! `--profile strict`, so one run shows both what the default profile fails (the `must` findings)
//! and what strict adds (the `should` ones). Non-exclusive detectors run `jobs` subjects at a
//! time; exclusive (timing) detectors run afterwards, one subject at a time, and only on the
//! correct emulator and the faults.
//!
//! * [`detector`]: the [`Detector`] trait, [`Subject`], [`Detection`], and the `check` detector.
//! * [`measure`]: the latency-growth detector (the O(n²) fault).
//! * [`render`]: console lines, `selftest.md`, `selftest.json`, `selftest.html`.
//!
//! The run passes when every fault is caught (or awaits a detector that is not plugged in), every
//! deviation is warned and not failed by default, every liberty passes, and the correct emulator
//! is clean under every detector. See docs/selftest.md.

pub mod detector;
pub mod measure;
pub mod render;

pub use detector::{Catch, CheckDetector, Detection, Detector, Subject};
pub use measure::MeasurementDetector;

crate::error::message_error!(
    /// Why a selftest could not run at all (an emulator could not be started), or why a detector
    /// could not (it then shows in the matrix, not as this error).
    SelftestError
);

use crate::client::{Secret, Target};
use crate::emulator::faults::{FoundBy, Kind};
use crate::emulator::{Emulator, EmulatorConfig, Fault, Liberty};
use crate::spec::Level;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// The version of `selftest.json`'s layout.
pub const SELFTEST_VERSION: u32 = 2;

/// What the run checks.
pub struct Options {
    pub run_id: String,
    /// Subjects (faults, and the correct emulator) at once for non-exclusive detectors.
    pub jobs: usize,
    /// The faults and deviations to inject, one at a time (all of them by default).
    pub faults: Vec<Fault>,
    /// The liberties to take, one at a time (all of them by default).
    pub liberties: Vec<Liberty>,
}

/// What one emulator of the run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Correct,
    /// A fault or a deviation ([`Fault::kind`]).
    Fault(Fault),
    Liberty(Liberty),
}

impl Behaviour {
    fn config(self, token: String) -> EmulatorConfig {
        let (faults, liberties) = match self {
            Behaviour::Correct => (vec![], vec![]),
            Behaviour::Fault(f) => (vec![f], vec![]),
            Behaviour::Liberty(l) => (vec![], vec![l]),
        };
        EmulatorConfig {
            token: Some(token),
            faults,
            liberties,
            ..EmulatorConfig::default()
        }
    }
}

/// The kind of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    Fault,
    Deviation,
    Liberty,
}

/// A detector as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorInfo {
    pub name: String,
    pub description: String,
}

/// The verdict on one row: what was expected of its kind, and whether it came true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A fault a detector caught (a `must` finding, an explore find or a measurement).
    Caught,
    /// A fault nothing caught, whose detector is not plugged in.
    Awaiting,
    /// A fault nothing caught by default (at most a `should` warned).
    Escaped,
    /// A deviation warned by default (a `should` finding) and failed under strict: as it must be.
    Warned,
    /// A deviation the default profile fails (a `must` finding): the gate is too strict.
    Overstrict,
    /// A deviation nothing even warned about.
    Missed,
    /// A liberty every profile passes: as it must be.
    Passed,
    /// A liberty some profile fails: a false verdict on a correct server.
    FalselyFailed,
}

impl Status {
    /// Whether the row came out as its kind requires.
    pub fn ok(self) -> bool {
        matches!(
            self,
            Status::Caught | Status::Awaiting | Status::Warned | Status::Passed
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultRow {
    /// The name of `--fault NAME` or `--liberty NAME`.
    pub fault: String,
    pub kind: RowKind,
    /// The family of a fault or deviation; `liberty` for a liberty.
    pub family: String,
    pub description: String,
    /// For a liberty: the silence or disagreement of the documents it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The detector meant to find a fault.
    pub found_by: Option<FoundBy>,
    pub status: Status,
    /// When `status` is awaiting: the detector it waits for.
    pub awaiting: Option<String>,
    /// One per detector that ran on it, in the order of `detectors`.
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
    pub deviations: usize,
    pub warned: usize,
    /// Deviations failed by default, or not warned at all.
    pub deviations_wrong: usize,
    pub liberties: usize,
    pub passed: usize,
    pub falsely_failed: usize,
    pub correct_passed: bool,
}

/// A whole selftest.
#[derive(Debug, Clone, Serialize)]
pub struct SelftestOutcome {
    pub version: u32,
    pub tool: String,
    pub run_id: String,
    /// The profile of the `check` detector: `strict`, so `should` findings show (a `must`
    /// finding is what the default profile fails).
    pub profile: crate::check::outcome::Profile,
    pub started_at: String,
    pub duration_ms: f64,
    pub detectors: Vec<DetectorInfo>,
    pub correct: CorrectRow,
    /// Faults, then deviations, then liberties.
    pub faults: Vec<FaultRow>,
    pub summary: Summary,
}

impl SelftestOutcome {
    /// The rows of one kind.
    pub fn rows(&self, kind: RowKind) -> impl Iterator<Item = &FaultRow> {
        self.faults.iter().filter(move |r| r.kind == kind)
    }

    /// Every row came out as its kind requires, and the correct emulator is clean.
    pub fn passed(&self) -> bool {
        self.faults.iter().all(|r| r.status.ok()) && self.summary.correct_passed
    }

    /// The documented exit code of [`Self::outcome`].
    pub fn exit_code(&self) -> u8 {
        crate::exit::code(Ok(self.outcome()))
    }

    /// Passed when [`Self::passed`]; failed otherwise (an escaped fault, a misjudged deviation
    /// or liberty, or a correct emulator failed).
    pub fn outcome(&self) -> crate::exit::Outcome {
        if self.passed() {
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
        behaviour: Behaviour,
        detection: &'a Detection,
    },
}

/// Run every detector against every fault and the correct emulator. Fails only when an emulator
/// cannot be started.
pub async fn run(
    detectors: Vec<Arc<dyn Detector>>,
    options: Options,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<SelftestOutcome, SelftestError> {
    let started = Instant::now();
    let started_at = crate::model::id::format_timestamp(crate::check::now_ms());
    // Subject 0 is the correct emulator, then faults, deviations and liberties.
    let mut faults = options.faults.clone();
    faults.sort_by_key(|f| f.kind() == Kind::Deviation);
    let subjects: Vec<Behaviour> = std::iter::once(Behaviour::Correct)
        .chain(faults.iter().copied().map(Behaviour::Fault))
        .chain(options.liberties.iter().copied().map(Behaviour::Liberty))
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
    for (s, behaviour) in subjects.iter().enumerate() {
        for (d, detector) in detectors.iter().enumerate() {
            if detector.exclusive() {
                continue;
            }
            let (detector, semaphore, behaviour) =
                (detector.clone(), semaphore.clone(), *behaviour);
            let task = tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                detect_on_emulator(detector.as_ref(), behaviour).await
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
            behaviour: subjects[s],
            detection: &detection,
        });
        results[s][d] = Some(detection);
    }
    // Exclusive phase: timing detectors, one subject at a time, on the correct emulator and the
    // faults proper (a measurement is not a conformance verdict a deviation or liberty could get).
    for (s, behaviour) in subjects.iter().enumerate() {
        let measured = match behaviour {
            Behaviour::Correct => true,
            Behaviour::Fault(f) => f.kind() == Kind::Fault,
            Behaviour::Liberty(_) => false,
        };
        for (d, detector) in detectors.iter().enumerate() {
            if detector.exclusive() && measured {
                let detection = detect_on_emulator(detector.as_ref(), *behaviour).await?;
                on_event(Event::Done {
                    behaviour: *behaviour,
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
    let rows: Vec<FaultRow> = subjects[1..]
        .iter()
        .zip(rows)
        .map(|(behaviour, detections)| row(*behaviour, detections, &plugged))
        .collect();
    let count = |status: Status| rows.iter().filter(|f| f.status == status).count();
    let kind = |kind: RowKind| rows.iter().filter(|f| f.kind == kind).count();
    let summary = Summary {
        faults: kind(RowKind::Fault),
        caught: count(Status::Caught),
        awaiting: count(Status::Awaiting),
        escaped: count(Status::Escaped),
        deviations: kind(RowKind::Deviation),
        warned: count(Status::Warned),
        deviations_wrong: count(Status::Overstrict) + count(Status::Missed),
        liberties: kind(RowKind::Liberty),
        passed: count(Status::Passed),
        falsely_failed: count(Status::FalselyFailed),
        correct_passed: correct.passed,
    };
    let faults = rows;
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

/// Whether the default profile fails a detection: a `must` finding, a measurement, a scenario
/// that could not run, or a detector that could not run.
fn fails_by_default(d: &Detection) -> bool {
    d.caught_by
        .iter()
        .any(|c| c.level.is_none_or(|l| l == Level::Must))
        || !d.problems.is_empty()
        || d.error.is_some()
}

/// Whether strict adds a failure: a `should` finding.
fn warns(d: &Detection) -> bool {
    d.caught_by.iter().any(|c| c.level == Some(Level::Should))
}

fn row(behaviour: Behaviour, detections: Vec<Detection>, plugged: &[&str]) -> FaultRow {
    let failed = detections.iter().any(fails_by_default);
    let warned = detections.iter().any(warns);
    match behaviour {
        Behaviour::Liberty(liberty) => FaultRow {
            fault: liberty.name(),
            kind: RowKind::Liberty,
            family: "liberty".into(),
            description: liberty.description(),
            source: Some(liberty.source().to_owned()),
            found_by: None,
            status: if failed || warned {
                Status::FalselyFailed
            } else {
                Status::Passed
            },
            awaiting: None,
            detections,
        },
        Behaviour::Fault(fault) if fault.kind() == Kind::Deviation => FaultRow {
            fault: fault.name(),
            kind: RowKind::Deviation,
            family: fault.family().to_owned(),
            description: fault.description(),
            source: None,
            found_by: None,
            status: match (failed, warned) {
                (true, _) => Status::Overstrict,
                (false, true) => Status::Warned,
                (false, false) => Status::Missed,
            },
            awaiting: None,
            detections,
        },
        Behaviour::Fault(fault) => {
            let wanted = fault.found_by().detector();
            let status = if failed {
                Status::Caught
            } else if !plugged.contains(&wanted) {
                Status::Awaiting
            } else {
                Status::Escaped
            };
            FaultRow {
                fault: fault.name(),
                kind: RowKind::Fault,
                family: fault.family().to_owned(),
                description: fault.description(),
                source: None,
                found_by: Some(fault.found_by()),
                status,
                awaiting: (status == Status::Awaiting).then(|| wanted.to_owned()),
                detections,
            }
        }
        Behaviour::Correct => unreachable!("the correct emulator has a row of its own"),
    }
}

/// Start an emulator with one behaviour (or none) and a random token, run one detector on it,
/// stop it.
async fn detect_on_emulator(
    detector: &dyn Detector,
    behaviour: Behaviour,
) -> Result<Detection, SelftestError> {
    let token = format!("gc-selftest-{:032x}", rand::random::<u128>());
    let emulator = Emulator::start_local(behaviour.config(token.clone()))
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
