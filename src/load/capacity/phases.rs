//! One operation at a time: at each size, `capacity` runs a phase per operation of the flows (the
//! flows' repeated steps of that operation alone, with their setup and teardown), so the cost of
//! one operation does not show up in another's latency. Measured on the correct emulator with the
//! default flow on two cores, a retrieve at 1,000,000 members took 0.5 ms alone and 11 ms beside
//! members listings of 16 MB: a knee of the machine, not of retrieve.
//!
//! A flow whose repeated steps capture or collect values for later steps cannot be split, so the
//! sweep then runs the flows' operations together and says why; `--mixed` asks for that.

use crate::load::flow::Flow;
use crate::load::measure::summary::{LoadSummary, add_operations};

/// The flows of one phase, and the operation it measures (`None`: the operations together).
pub struct Phase {
    pub operation: Option<&'static str>,
    pub flows: Vec<Flow>,
}

/// The phases of a size: one per operation of the repeated steps, in order of first appearance;
/// or one phase of everything, with the reason, when `mixed` or when a flow cannot be split.
pub fn split(flows: &[Flow], mixed: bool) -> (Vec<Phase>, Option<String>) {
    let together = |why: String| {
        (
            vec![Phase {
                operation: None,
                flows: flows.to_vec(),
            }],
            Some(why),
        )
    };
    if mixed {
        return together("--mixed: the operations ran together".into());
    }
    if let Some((flow, step)) = flows.iter().find_map(|f| {
        f.steps
            .iter()
            .find(|s| !s.capture.is_empty() || !s.collect.is_empty())
            .map(|s| (f, s))
    }) {
        return together(format!(
            "the operations ran together: step '{}' of {} captures a value for later steps, so \
             its operations cannot be measured apart",
            step.label(),
            flow.file.display()
        ));
    }
    let mut operations: Vec<&'static str> = Vec::new();
    for step in flows.iter().flat_map(|f| &f.steps) {
        let name = operation_of(step);
        if !operations.contains(&name) {
            operations.push(name);
        }
    }
    let phases = operations
        .into_iter()
        .map(|operation| Phase {
            operation: Some(operation),
            flows: flows
                .iter()
                .filter(|f| f.steps.iter().any(|s| operation_of(s) == operation))
                .map(|f| Flow {
                    steps: f
                        .steps
                        .iter()
                        .filter(|s| operation_of(s) == operation)
                        .cloned()
                        .collect(),
                    ..f.clone()
                })
                .collect(),
        })
        .collect();
    (phases, None)
}

fn operation_of(step: &crate::scenario::Step) -> &'static str {
    step.request
        .map_or("other", crate::scenario::Operation::name)
}

/// The phases of one size as one run: operations added exactly, counts added, the phases'
/// windows laid end to end (the rate over their sum), the first stop kept, the largest memory
/// peak. The timeline is left out: the phases ran one after another, and capacity reports none.
pub fn combine(parts: Vec<LoadSummary>) -> Option<LoadSummary> {
    let mut parts = parts.into_iter();
    let mut whole = parts.next()?;
    whole.timeline = Default::default();
    for part in parts {
        // The histograms were encoded by this process a moment ago, so they decode; should one
        // not, the part's rows are left out rather than the size lost.
        if let Ok(operations) = add_operations(whole.operations.iter().chain(&part.operations)) {
            whole.operations = operations;
        }
        whole.totals.absorb_counts(&part.totals);
        whole.elapsed_s += part.elapsed_s;
        whole.failures.extend(part.failures);
        whole.cleanup.absorb(&part.cleanup);
        whole.aborted = whole.aborted.or(part.aborted);
        whole.memory = match (whole.memory, part.memory) {
            (Some(a), Some(b)) => Some(a.larger(b)),
            (a, b) => a.or(b),
        };
    }
    whole.totals.rps = if whole.elapsed_s > 0.0 {
        whole.totals.requests as f64 / whole.elapsed_s
    } else {
        0.0
    };
    Some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::measure::hdr;
    use crate::load::measure::summary::OperationSummary;
    use crate::scenario::suite::Suite;

    fn capacity_flow() -> Flow {
        let scenario = Suite::Embedded
            .load_file("scenarios/load/capacity.yaml")
            .unwrap();
        Flow::from_scenario(scenario, Some(100)).unwrap()
    }

    #[test]
    fn the_capacity_flow_splits_into_one_phase_per_operation() {
        let flow = capacity_flow();
        let (phases, why) = split(std::slice::from_ref(&flow), false);
        assert!(why.is_none());
        let names: Vec<_> = phases.iter().map(|p| p.operation.unwrap()).collect();
        assert_eq!(names, ["retrieve", "update", "members"]);
        let update = &phases[1].flows[0];
        assert_eq!(update.steps.len(), 2, "add and remove stay together");
        assert_eq!(update.setup.len(), flow.setup.len(), "setup kept");
        assert_eq!(update.teardown.len(), flow.teardown.len(), "teardown kept");
        let (together, why) = split(std::slice::from_ref(&flow), true);
        assert_eq!((together.len(), together[0].operation), (1, None));
        assert!(why.unwrap().contains("--mixed"));
    }

    #[test]
    fn a_flow_whose_steps_feed_each_other_runs_together() {
        let scenario = Suite::Embedded
            .load_file("scenarios/load/lifecycle.yaml")
            .unwrap();
        let flow = Flow::from_scenario(scenario, Some(10)).unwrap();
        let (phases, why) = split(&[flow], false);
        assert_eq!(phases.len(), 1);
        assert!(
            why.unwrap().contains("captures"),
            "lifecycle creates and captures"
        );
    }

    #[test]
    fn phases_combine_into_one_run() {
        let op = |name: &str, us: u64, n: u64| {
            let mut h = hdr::new();
            for _ in 0..n {
                hdr::record(&mut h, std::time::Duration::from_micros(us));
            }
            OperationSummary::new(name, "1k", [n, 0, 0, 0, n], &h)
        };
        let part = |ops: Vec<OperationSummary>, elapsed_s: f64| {
            let mut s: LoadSummary = serde_json::from_value(serde_json::json!({
                "kind": "load", "version": 1, "tool": "t", "run_id": "r", "target": "x",
                "mode": "open", "rate": 10.0, "duration_s": 1.0, "validate_sample": 1.0,
                "shards": [], "flows": [], "started_at": "", "elapsed_s": elapsed_s,
                "totals": {"requests": 0, "answered": 0, "transport_errors": 0, "http_errors": 0,
                           "violations": 0, "validated": 0, "late": 0, "dropped": 0,
                           "flow_errors": 0, "rps": 0.0},
                "operations": [], "failures": [], "thresholds": [],
                "cleanup": {"created": 1, "deleted": 1, "leftovers": []}, "exit_code": 0
            }))
            .unwrap();
            s.totals.requests = ops.iter().map(|o| o.requests).sum();
            s.operations = ops;
            s
        };
        let whole = combine(vec![
            part(vec![op("retrieve", 500, 10)], 1.0),
            part(vec![op("update", 700, 20), op("retrieve", 900, 10)], 1.0),
        ])
        .unwrap();
        assert_eq!(whole.totals.requests, 40);
        assert_eq!((whole.elapsed_s, whole.totals.rps), (2.0, 20.0));
        assert_eq!((whole.cleanup.created, whole.cleanup.deleted), (2, 2));
        let retrieve = whole
            .operations
            .iter()
            .find(|o| o.operation == "retrieve")
            .unwrap();
        assert_eq!((retrieve.requests, retrieve.count), (20, 20));
        assert!(retrieve.max_ms > 0.8, "both parts' samples: {retrieve:?}");
        assert!(combine(Vec::new()).is_none());
    }
}
