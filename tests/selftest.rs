//! `groupcheck selftest`: the confusion matrix. Every emulator fault is caught by the default
//! profile (or explicitly awaits a detector that is not plugged in), every deviation is warned by
//! default and failed under strict, every liberty passes check and explore, the correct emulator
//! is clean, and the three reports are written. Plus the matrix logic itself, with stand-in
//! detectors.

mod common;

use common::{RUN_GUARD, groupcheck_command, run_guarded, tmp_dir};
use groupcheck::emulator::faults::Kind;
use groupcheck::emulator::{Fault, Liberty};
use groupcheck::selftest::detector::BoxFuture;
use groupcheck::selftest::{self, Catch, Detection, Detector, Options, Status, Subject};
use serde_json::Value;
use std::sync::Arc;

#[test]
fn selftest_catches_every_fault_and_passes_the_correct_emulator() {
    let dir = tmp_dir("full");
    let out = run_guarded(
        groupcheck_command().args(["selftest", "--report-dir", dir.to_str().unwrap()]),
        RUN_GUARD,
    );
    let (stdout, stderr, elapsed) = (&out.stdout, &out.stderr, out.elapsed);
    eprintln!(
        "selftest took {:.1} s\n{stdout}{stderr}",
        elapsed.as_secs_f64()
    );
    assert_eq!(out.code, 0, "selftest failed:\n{stdout}\n{stderr}");

    for file in ["selftest.md", "selftest.json", "selftest.html"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("selftest.json")).unwrap()).unwrap();
    assert_eq!(json["profile"], "strict");
    assert_eq!(json["correct"]["passed"], true, "{}", json["correct"]);
    let all_rows = json["faults"].as_array().unwrap();
    assert_eq!(
        all_rows.len(),
        Fault::all().len() + Liberty::all().len(),
        "one row per fault, deviation and liberty"
    );
    let of_kind =
        |kind: &str| -> Vec<&Value> { all_rows.iter().filter(|r| r["kind"] == kind).collect() };
    let (rows, deviations, liberties) =
        (of_kind("fault"), of_kind("deviation"), of_kind("liberty"));
    assert_eq!(rows.len(), Fault::of_kind(Kind::Fault).len());
    assert!(rows.len() >= 30);
    assert!(deviations.len() >= 6, "{deviations:?}");
    assert!(liberties.len() >= 15);
    // Deviations: warned by default (a should rule), never a must.
    for row in &deviations {
        assert_eq!(row["status"], "warned", "{row}");
        let levels: Vec<&str> = row["detections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["caught_by"].as_array().unwrap())
            .map(|c| c["level"].as_str().unwrap_or("measurement"))
            .collect();
        assert!(
            levels.iter().all(|l| *l == "should") && !levels.is_empty(),
            "{row}"
        );
    }
    // Liberties: nothing found by any detector, under any profile.
    for row in &liberties {
        assert_eq!(row["status"], "passed", "{row}");
        assert!(
            row["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{row}"
        );
        for d in row["detections"].as_array().unwrap() {
            assert!(d["caught_by"].as_array().unwrap().is_empty(), "{row}");
        }
    }
    let summary = &json["summary"];
    assert_eq!(summary["escaped"], 0);
    assert_eq!(summary["deviations_wrong"], 0);
    assert_eq!(summary["falsely_failed"], 0);
    let detectors: Vec<&str> = json["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for row in &rows {
        let name = row["fault"].as_str().unwrap();
        let wanted = row["found_by"].as_str().unwrap();
        if detectors.contains(&wanted) {
            assert_eq!(row["status"], "caught", "{name} escaped: {row}");
            let ids: Vec<&str> = row["detections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|d| d["caught_by"].as_array().unwrap())
                .map(|c| c["id"].as_str().unwrap())
                .collect();
            assert!(!ids.is_empty(), "{name}: caught by nothing named");
        } else {
            assert_eq!(row["status"], "awaiting", "{name}: {row}");
            assert_eq!(row["awaiting"], wanted);
        }
    }
    let row = |name: &str| *rows.iter().find(|r| r["fault"] == name).unwrap();
    // The measurement, not a rule, catches the O(n²) update, and says so.
    let quadratic = row("quadratic-update");
    let measured = quadratic["detections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["detector"] == "measurement")
        .expect("a measurement detection");
    assert_eq!(measured["caught_by"][0]["id"], "measurement");
    assert!(
        stdout.contains("caught by measurement: latency ×"),
        "{stdout}"
    );
    // Lost updates under concurrency are explore's to find.
    let lost = row("lost-updates");
    assert_eq!(lost["status"], "caught", "{lost}");
    let by_explore = lost["detections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["detector"] == "explore")
        .expect("an explore detection");
    assert!(
        !by_explore["caught_by"].as_array().unwrap().is_empty(),
        "{lost}"
    );
    // One line per fault, with the rules that caught it.
    let line = stdout
        .lines()
        .find(|l| l.contains(" removes-before-adds "))
        .expect("a line for removes-before-adds");
    assert!(line.trim_start().starts_with('✓'), "{line}");
    assert!(line.contains("update.add-before-remove"), "{line}");
    assert!(stdout.contains("correct emulator: passed"), "{stdout}");
    for heading in ["Faults (", "Deviations (", "Liberties ("] {
        assert!(stdout.contains(heading), "{heading}: {stdout}");
    }
    let line = stdout
        .lines()
        .find(|l| l.contains(" delete-returns-204 "))
        .expect("a line for delete-returns-204");
    assert!(
        line.contains("warned by default") && line.contains("delete.status-200"),
        "{line}"
    );

    let html = std::fs::read_to_string(dir.join("selftest.html")).unwrap();
    assert!(html.contains("<table>") && html.contains("removes-before-adds"));
    assert!(!html.contains("<script"), "self-contained, no scripts");
    let md = std::fs::read_to_string(dir.join("selftest.md")).unwrap();
    assert!(md.contains("| ✓ | `removes-before-adds` |"), "{md}");
    for heading in ["## Faults", "## Deviations", "## Liberties"] {
        assert!(
            md.contains(heading) && html.contains(&heading[3..]),
            "{heading}"
        );
    }
}

/// A detector that always answers the same thing.
struct Fixed {
    name: &'static str,
    catches: Vec<&'static str>,
}

impl Detector for Fixed {
    fn name(&self) -> &'static str {
        self.name
    }
    fn describe(&self) -> String {
        "a stand-in".into()
    }
    fn detect<'a>(&'a self, _subject: &'a Subject) -> BoxFuture<'a, Detection> {
        Box::pin(async move {
            Detection {
                caught_by: self
                    .catches
                    .iter()
                    .map(|id| Catch {
                        id: (*id).into(),
                        level: None,
                        count: 1,
                        example: "stand-in".into(),
                    })
                    .collect(),
                summary: "stand-in".into(),
                ..Detection::default()
            }
        })
    }
}

async fn matrix(detectors: Vec<Arc<dyn Detector>>) -> selftest::SelftestOutcome {
    selftest::run(
        detectors,
        Options {
            run_id: "test".into(),
            jobs: 2,
            faults: vec![Fault::LostUpdates, Fault::QuadraticUpdate],
            liberties: vec![],
        },
        &|_| {},
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_fault_awaits_its_detector_until_it_is_plugged_in() {
    let silent_check: Arc<dyn Detector> = Arc::new(Fixed {
        name: "check",
        catches: vec![],
    });
    // Neither explore nor the measurement is plugged in: both faults wait, the run passes.
    let outcome = matrix(vec![silent_check.clone()]).await;
    let statuses: Vec<Status> = outcome.faults.iter().map(|f| f.status).collect();
    assert_eq!(statuses, [Status::Awaiting, Status::Awaiting]);
    assert_eq!(outcome.faults[0].awaiting.as_deref(), Some("explore"));
    assert_eq!(outcome.exit_code(), 0);

    // Explore plugged in and silent: lost-updates now escapes, and the run fails.
    let silent_explore: Arc<dyn Detector> = Arc::new(Fixed {
        name: "explore",
        catches: vec![],
    });
    let outcome = matrix(vec![silent_check.clone(), silent_explore]).await;
    assert_eq!(outcome.faults[0].status, Status::Escaped);
    assert_eq!(outcome.faults[1].status, Status::Awaiting);
    assert_eq!(outcome.exit_code(), 1);
    assert_eq!(
        outcome.faults[0].detections.len(),
        2,
        "one detection per detector"
    );
}

#[tokio::test]
async fn a_correct_emulator_that_trips_a_detector_fails_the_run() {
    let noisy: Arc<dyn Detector> = Arc::new(Fixed {
        name: "explore",
        catches: vec!["update.add-remove"],
    });
    let outcome = matrix(vec![noisy]).await;
    assert_eq!(outcome.faults[0].status, Status::Caught);
    assert!(!outcome.correct.passed);
    assert_eq!(outcome.exit_code(), 1);
    let text = selftest::render::console(&outcome);
    assert!(text.contains("correct emulator: FAILED"), "{text}");
}

/// A stand-in `check` that finds the same rules, at their catalogue levels, whatever it faces.
struct Finds(Vec<&'static str>);

impl Detector for Finds {
    fn name(&self) -> &'static str {
        "check"
    }
    fn describe(&self) -> String {
        "a stand-in".into()
    }
    fn detect<'a>(&'a self, _subject: &'a Subject) -> BoxFuture<'a, Detection> {
        Box::pin(async move {
            let catalogue = groupcheck::spec::Catalogue::get();
            Detection {
                caught_by: self
                    .0
                    .iter()
                    .map(|id| Catch {
                        id: (*id).into(),
                        level: catalogue.find(id).map(|r| r.level),
                        count: 1,
                        example: "stand-in".into(),
                    })
                    .collect(),
                ..Detection::default()
            }
        })
    }
}

async fn three_way(finds: Vec<&'static str>) -> selftest::SelftestOutcome {
    selftest::run(
        vec![Arc::new(Finds(finds))],
        Options {
            run_id: "test".into(),
            jobs: 2,
            faults: vec![Fault::RemovesBeforeAdds, Fault::DeleteReturns204],
            liberties: vec![Liberty::NameRequired],
        },
        &|_| {},
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn each_kind_is_held_to_its_own_verdict() {
    // A should finding everywhere: the fault escapes (the default profile passes it), the
    // deviation is warned as it must be, the liberty is falsely failed (strict fails it).
    let outcome = three_way(vec!["delete.status-200"]).await;
    let statuses: Vec<Status> = outcome.faults.iter().map(|f| f.status).collect();
    assert_eq!(
        statuses,
        [Status::Escaped, Status::Warned, Status::FalselyFailed]
    );
    assert_eq!(outcome.exit_code(), 1);
    // A must finding everywhere: the fault is caught, the deviation over-strict, the liberty
    // falsely failed, and the correct emulator is not clean.
    let outcome = three_way(vec!["update.add-before-remove"]).await;
    let statuses: Vec<Status> = outcome.faults.iter().map(|f| f.status).collect();
    assert_eq!(
        statuses,
        [Status::Caught, Status::Overstrict, Status::FalselyFailed]
    );
    assert!(!outcome.correct.passed);
    // Nothing found: the fault escapes, the deviation is missed, the liberty passes.
    let outcome = three_way(vec![]).await;
    let statuses: Vec<Status> = outcome.faults.iter().map(|f| f.status).collect();
    assert_eq!(statuses, [Status::Escaped, Status::Missed, Status::Passed]);
    let text = selftest::render::console(&outcome);
    assert!(
        text.contains("MISSED") && text.contains("Liberties ("),
        "{text}"
    );
}
