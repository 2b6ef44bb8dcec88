//! `explore`: the same seed gives the same run; with default flags (profile `default`) the correct
//! emulator passes, also over 500 sequences and from the command line with a random seed; every
//! fault that `check` catches on a `must` rule is found with default flags, shrunk, and the written
//! scenario replays the failure with `check` on the same rule; the faults that break only `should`
//! rules (deviations) are warned about, not failed.

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
    context_with(faults, Profile::Default).await
}

async fn context_with(faults: Vec<Fault>, profile: Profile) -> (Emulator, RunContext) {
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
        profile,
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
async fn the_correct_emulator_passes_with_default_flags_and_500_sequences() {
    let (_emulator, ctx) = context(vec![]).await;
    for config in [
        ExploreConfig::default(),
        ExploreConfig {
            seed: SEED,
            runs: 500,
            ..ExploreConfig::default()
        },
    ] {
        let outcome = explore(&ctx, &config, &tmp_dir("correct"), &|_| {}).await;
        assert_eq!(outcome.runs, config.runs);
        if let Some(found) = &outcome.found {
            panic!(
                "found {} on the correct emulator (seed {}):\n{}\n{:#?}",
                found.rule, config.seed, found.file_text, found.replay.findings
            );
        }
        assert!(outcome.concurrency.is_none(), "{:?}", outcome.concurrency);
        assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    }
}

#[test]
fn the_command_passes_the_correct_emulator_with_default_flags() {
    let dir = tmp_dir("explore-cli");
    let (code, printed) =
        common::groupcheck(&["explore", "--report-dir", dir.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("PASSED"), "{printed}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every fault of the catalogue that `check` catches on a `must` rule. The rest: the deviations
/// (see [`DEVIATIONS`]), `replace-keeps-omitted-fields` (only should rules), `lost-updates` (the
/// concurrency check, below) and `quadratic-update` and `slow-members` (measurements). `timestamps-without-millis`
/// is a deviation too, but is not listed there yet: explore fails it on `time.modified-at` (two
/// changes within one second leave a second-precision modified_at unchanged) until that rule is
/// judged only across changes more than a second apart.
const CAUGHT: &[Fault] = &[
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
    // modified-at-frozen is not here: a modified_at must move only when a change comes more than a
    // second after the previous one (fair to whole-second timestamps), and explore's sequences
    // have no pauses; check catches it (scenarios/time/timestamps.yaml), and explore catches the
    // timestamps family through modified-at-local-time and created-at-changes-on-update.
    Fault::ModifiedAtLocalTime,
    Fault::ReplaceKeepsOmittedFields,
    Fault::ListOldestFirst,
    Fault::PageSizeEchoesRequest,
    Fault::CountIsPageItems,
    Fault::PageOffsetOffByOne,
    Fault::SoftDelete,
    Fault::CreateReturns200,
    Fault::ReplaceReturns201,
    Fault::ErrorBodyEnvelope,
    Fault::ErrorCodeUndocumented,
    Fault::MalformedJson500,
    Fault::ContentTypeIgnored,
    Fault::LongNameTruncated,
    Fault::BadMsisdnDropped,
    Fault::MemberLimitUnchecked,
    Fault::ChildGroupLimitUnchecked,
    Fault::UnknownChildGroupIgnored,
    Fault::UnknownSourceGroupIgnored,
    Fault::AutoUpdateDropped,
    Fault::AuthIgnored,
    Fault::PlansShareStore,
    Fault::MembersTruncated,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_check_catches_is_found_with_default_flags_shrunk_and_replayed() {
    let dir = tmp_dir("faults");
    let started = std::time::Instant::now();
    let mut table = Vec::new();
    for &fault in CAUGHT {
        let (_emulator, ctx) = context(vec![fault]).await;
        let config = ExploreConfig::default();
        let outcome = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            explore(&ctx, &config, &dir, &|_| {}),
        )
        .await
        .unwrap_or_else(|_| panic!("{fault:?}: explore took more than 120 s"));
        let found = outcome
            .found
            .unwrap_or_else(|| panic!("{fault:?} escaped explore with default flags"));
        assert!(
            found.actions.len() <= 12,
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
        table.push(format!(
            "{fault:?} -> {} ({} steps)",
            found.rule,
            found.actions.len()
        ));
    }
    eprintln!(
        "{} faults in {:.1} s:\n{}",
        CAUGHT.len(),
        started.elapsed().as_secs_f64(),
        table.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Faults that break only `should` rules: warned about under the default profile (explore goes
/// on), failed under `--profile strict`.
const DEVIATIONS: &[(Fault, &str)] = &[
    (Fault::DeleteReturns204, "delete.status-200"),
    (Fault::MembersWithPlus, "msisdn.output-normalised"),
    // child-groups-not-returned is warned by check (scenarios/group/optional-fields.yaml):
    // explore's oracle treats an absent child_groups as "not shown", since an empty one may be
    // left out. replace-keeps-omitted-fields keeps the name too: a fault (in CAUGHT).
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deviations_are_warned_about_by_default_and_fail_under_strict() {
    let dir = tmp_dir("deviations");
    for &(fault, rule) in DEVIATIONS {
        let (_emulator, ctx) = context(vec![fault]).await;
        let outcome = explore(&ctx, &ExploreConfig::default(), &dir, &|_| {}).await;
        if let Some(found) = &outcome.found {
            panic!(
                "{fault:?}: a failure under the default profile: {}\n{}",
                found.rule, found.file_text
            );
        }
        assert!(
            outcome.warnings.contains_key(rule),
            "{fault:?}: no warning on {rule}: {:?}",
            outcome.warnings
        );
        let (_emulator, strict) = context_with(vec![fault], Profile::Strict).await;
        let outcome = explore(&strict, &ExploreConfig::default(), &dir, &|_| {}).await;
        let found = outcome
            .found
            .unwrap_or_else(|| panic!("{fault:?} escaped explore --profile strict"));
        assert_eq!(found.rule, rule, "{fault:?}:\n{}", found.file_text);
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
