use super::*;
use crate::load::measure::hdr;
use crate::load::measure::summary::{Cleanup, LoadSummary, OperationSummary, Totals};
use std::time::Duration;

fn summary() -> LoadSummary {
    let mut update = hdr::new();
    let mut retrieve = hdr::new();
    for ms in 1..=100u64 {
        hdr::record(&mut update, Duration::from_millis(ms));
        hdr::record(&mut retrieve, Duration::from_micros(500));
    }
    LoadSummary {
        kind: "load".into(),
        version: 1,
        tool: "t".into(),
        run_id: "r".into(),
        target: "x".into(),
        mode: "open".into(),
        users: None,
        rate: Some(100.0),
        duration_s: 2.0,
        group_size: None,
        validate_sample: 1.0,
        shards: vec![],
        flows: vec![],
        started_at: String::new(),
        elapsed_s: 2.0,
        aborted: None,
        totals: Totals {
            requests: 200,
            answered: 199,
            transport_errors: 1,
            http_errors: 0,
            violations: 2,
            validated: 199,
            late: 0,
            dropped: 0,
            flow_errors: 0,
            rps: 100.0,
        },
        operations: vec![
            OperationSummary::new("update", "1k", [100, 0, 0, 2, 100], &update),
            OperationSummary::new("retrieve", "1k", [100, 1, 0, 0, 99], &retrieve),
        ],
        timeline: Default::default(),
        failures: vec![],
        thresholds: vec![],
        cleanup: Cleanup::default(),
        memory: None,
        exit_code: 0,
    }
}

fn check(text: &str) -> Verdict {
    text.parse::<Threshold>().unwrap().evaluate(&summary())
}

#[test]
fn latency_thresholds() {
    let v = check("update p99<200ms");
    assert!(v.passed, "{v:?}");
    let v = check("update p99<50ms");
    assert!(!v.passed);
    assert!(
        v.observed.contains("ms") && v.allowed == "< 50.0 ms",
        "{v:?}"
    );
    assert!(check("retrieve:1k max<=1ms").passed);
    assert!(check("p50 < 60ms").passed);
    assert!(!check("p99.9<1us").passed);
    let none = check("members p99<1s");
    assert!(!none.passed && none.observed == "no samples");
}

#[test]
fn count_thresholds() {
    assert!(!check("violations==0").passed);
    assert!(check("violations<=2").passed);
    assert!(check("errors<1%").passed);
    assert!(!check("errors<0.1%").passed);
    assert!(check("retrieve errors==1").passed);
    assert!(check("update violations==2").passed);
    assert!(check("rps>=50").passed);
    assert!(check("dropped==0").passed);
}

#[test]
fn bad_thresholds_are_usage_errors() {
    for bad in [
        "p99",
        "p99<200",
        "updates p99<1s",
        "update:5k p99<1s",
        "latency<1s",
        "errors<x",
        "rps>5%",
        "a b c<1ms",
    ] {
        assert!(bad.parse::<Threshold>().is_err(), "{bad}");
    }
}
