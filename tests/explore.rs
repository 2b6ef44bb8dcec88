//! `explore`: the same seed gives the same run; the correct emulator passes 500 sequences; every
//! semantic fault is found, shrunk to at most 6 steps, and the written scenario replays the failure
//! with `check`.

mod common;

use common::tmp_dir;
use groupcheck::check::outcome::{Profile, Severity};
use groupcheck::check::{RunContext, run_scenario};
use groupcheck::client::{Client, ClientConfig, Secret, Target};
use groupcheck::emulator::{Emulator, EmulatorConfig, Fault};
use groupcheck::explore::{ExploreConfig, explore, script};
use groupcheck::scenario::parse::parse;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

const SEED: u64 = 20_261_122;

async fn context(faults: Vec<Fault>) -> (Emulator, RunContext) {
    let emulator = Emulator::start_local(EmulatorConfig {
        token: Some("t".into()),
        faults,
        ..Default::default()
    })
    .await
    .unwrap();
    let target = Target {
        base_url: emulator.base_url(),
        service_plan_id: "explore".into(),
        token: Secret::new("t"),
        second_plan_id: "explore-second".into(),
        second_token: None,
    };
    let ctx = RunContext {
        client: Client::new(target, ClientConfig::default()).unwrap(),
        ledger: None,
        profile: Profile::Strict,
        run_tag: "gcTEST".into(),
        cancel: Arc::new(AtomicBool::new(false)),
    };
    (emulator, ctx)
}

#[test]
fn the_same_seed_gives_the_same_sequences() {
    let render = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        script::render(
            &groupcheck::explore::action::generate(&mut rng, 40),
            "t",
            "",
        )
    };
    assert_eq!(render(7), render(7));
    assert_ne!(render(7), render(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correct_emulator_passes_500_sequences() {
    let (_emulator, ctx) = context(vec![]).await;
    let config = ExploreConfig {
        seed: SEED,
        runs: 500,
        ..ExploreConfig::default()
    };
    let outcome = explore(&ctx, &config, &tmp_dir("correct"), &|_| {}).await;
    assert_eq!(outcome.runs, 500);
    if let Some(found) = &outcome.found {
        panic!(
            "found {} on the correct emulator:\n{}\n{:#?}",
            found.rule, found.file_text, found.replay.findings
        );
    }
    assert!(outcome.concurrency.is_none(), "{:?}", outcome.concurrency);
}

/// Faults of the documented semantics (not transport, auth or limits, which the suite covers).
const SEMANTIC: &[Fault] = &[
    Fault::DuplicatesCounted,
    Fault::DuplicateAddsCounted,
    Fault::RemovesBeforeAdds,
    Fault::UnknownRemoveRejected,
    Fault::NullNameIgnored,
    Fault::NameOmittedClears,
    Fault::ClearedNameAsNull,
    Fault::AddFromGroupIgnored,
    Fault::RemoveFromGroupRemovesAll,
    Fault::ReplaceMergesMembers,
    Fault::ReplaceKeepsName,
    Fault::SizeStaleInUpdateResponse,
    Fault::CreatedAtChangesOnUpdate,
    Fault::ModifiedAtFrozen,
    Fault::ListOldestFirst,
    Fault::PageSizeEchoesRequest,
    Fault::CountIsPageItems,
    Fault::PageOffsetOffByOne,
    Fault::SoftDelete,
    Fault::UnknownSourceGroupIgnored,
    Fault::LongNameTruncated,
    Fault::BadMsisdnDropped,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_semantic_fault_is_found_shrunk_and_replayed() {
    let dir = tmp_dir("semantic");
    for &fault in SEMANTIC {
        let (_emulator, ctx) = context(vec![fault]).await;
        let config = ExploreConfig {
            seed: SEED,
            concurrency: false,
            ..ExploreConfig::default()
        };
        let outcome = explore(&ctx, &config, &dir, &|_| {}).await;
        let found = outcome
            .found
            .unwrap_or_else(|| panic!("{fault:?} escaped explore"));
        assert!(
            found.actions.len() <= 6,
            "{fault:?}: shrunk to {} steps:\n{}",
            found.actions.len(),
            found.file_text
        );
        let file = dir.join(format!("{fault:?}.yaml"));
        std::fs::write(&file, &found.file_text).unwrap();
        let scenario =
            groupcheck::scenario::load(&file).unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        let replay = run_scenario(&ctx, &scenario, 0).await;
        assert!(
            replay
                .findings
                .iter()
                .any(|f| f.severity == Severity::Failure && f.rule == found.rule),
            "{fault:?}: replaying {} does not fail on {}: {:#?}",
            file.display(),
            found.rule,
            replay.findings
        );
        let _ = parse(&file, &found.file_text).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_updates_are_found_by_the_concurrency_check() {
    let (_emulator, ctx) = context(vec![Fault::LostUpdates]).await;
    let config = ExploreConfig {
        seed: SEED,
        runs: 0,
        ..ExploreConfig::default()
    };
    let outcome = explore(&ctx, &config, &tmp_dir("lost-updates"), &|_| {}).await;
    let lost = outcome.concurrency.expect("a lost update");
    assert_eq!(lost.rule, "update.add-remove");
}
