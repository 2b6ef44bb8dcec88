//! `groupcheck merge`: the summaries of the shards of one load run combined into one. Histograms
//! of the same operation and bucket are added (exact: the percentiles of the merge are those of
//! one histogram of every shard's samples), counts are summed, the request rate is the sum of the
//! shards' rates (they ran at the same time), failures are grouped again; the timelines are laid
//! on one wall clock (counts add, each interval's percentiles are the worst shard's).

use crate::load::LoadError;
use crate::load::measure::memory::Memory;
use crate::load::measure::record::{EXAMPLES_PER_GROUP, FailureGroup, MAX_GROUPS};
use crate::load::measure::summary::{
    Cleanup, LOAD_SUMMARY_VERSION, LoadSummary, Totals, add_operations,
};
use crate::load::measure::timeline;
use crate::load::shard::Shard;

/// Merge shard summaries. Errors: nothing to merge, a shard given twice, a histogram that does
/// not decode. Warnings (returned beside the merge): shards missing, runs that differ.
pub fn merge(
    summaries: &[LoadSummary],
    run_id: String,
) -> Result<(LoadSummary, Vec<String>), LoadError> {
    let first = summaries.first().ok_or("nothing to merge")?;
    let mut warnings = Vec::new();
    let mut shards: Vec<Shard> = summaries.iter().flat_map(|s| s.shards.clone()).collect();
    shards.sort_by_key(|s| (s.count, s.index));
    if let Some(pair) = shards.windows(2).find(|p| p[0] == p[1]) {
        return Err(LoadError(format!("shard {} appears twice", pair[0])));
    }
    let counts: Vec<usize> = shards.iter().map(|s| s.count).collect();
    if counts.windows(2).any(|w| w[0] != w[1]) {
        warnings.push("the summaries come from runs split into different numbers of shards".into());
    } else if let Some(n) = counts.first() {
        let missing: Vec<String> = (0..*n)
            .filter(|i| !shards.iter().any(|s| s.index == *i))
            .map(|i| format!("{i}/{n}"))
            .collect();
        if !missing.is_empty() {
            warnings.push(format!("shards missing: {}", missing.join(", ")));
        }
    }
    for s in &summaries[1..] {
        if s.mode != first.mode
            || s.flows != first.flows
            || s.users != first.users
            || s.rate != first.rate
        {
            warnings.push(format!(
                "run {} differs from run {} in mode, flows, users or rate",
                s.run_id, first.run_id
            ));
        }
    }

    let without: Vec<String> = summaries
        .iter()
        .filter(|s| s.timeline.is_empty() && s.totals.requests > 0)
        .map(|s| s.run_id.clone())
        .collect();
    if !without.is_empty() && without.len() < summaries.len() {
        warnings.push(format!(
            "no timeline in {} (an older summary): the merged timeline leaves it out",
            without.join(", ")
        ));
    }

    let operations = add_operations(summaries.iter().flat_map(|s| &s.operations))?;
    let mut totals = Totals::default();
    let mut cleanup = Cleanup::default();
    for s in summaries {
        totals.absorb_counts(&s.totals);
        // The shards ran at the same time: their rates add.
        totals.rps += s.totals.rps;
        cleanup.absorb(&s.cleanup);
    }
    let aborted: Vec<String> = summaries
        .iter()
        .filter_map(|s| {
            s.aborted.as_ref().map(|a| {
                let shard = s
                    .shards
                    .iter()
                    .map(Shard::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                format!("shard {shard}: {a}")
            })
        })
        .collect();
    let mut flows: Vec<String> = summaries.iter().flat_map(|s| s.flows.clone()).collect();
    flows.sort();
    flows.dedup();

    let merged = LoadSummary {
        kind: "load".into(),
        version: LOAD_SUMMARY_VERSION,
        tool: format!("groupcheck {}", env!("CARGO_PKG_VERSION")),
        run_id,
        target: first.target.clone(),
        mode: first.mode.clone(),
        users: first.users,
        rate: first.rate,
        duration_s: summaries.iter().map(|s| s.duration_s).fold(0.0, f64::max),
        group_size: first.group_size,
        validate_sample: first.validate_sample,
        shards,
        flows,
        started_at: summaries
            .iter()
            .map(|s| s.started_at.clone())
            .min()
            .unwrap_or_default(),
        elapsed_s: summaries.iter().map(|s| s.elapsed_s).fold(0.0, f64::max),
        aborted: (!aborted.is_empty()).then(|| aborted.join("; ")),
        totals,
        operations,
        timeline: timeline::merge(&summaries.iter().map(|s| &s.timeline).collect::<Vec<_>>()),
        failures: merge_failures(summaries),
        thresholds: Vec::new(),
        cleanup,
        memory: summaries
            .iter()
            .filter_map(|s| s.memory)
            .reduce(Memory::larger),
        exit_code: 0,
    };
    Ok((merged, warnings))
}

fn merge_failures(summaries: &[LoadSummary]) -> Vec<FailureGroup> {
    let mut groups: Vec<FailureGroup> = Vec::new();
    for g in summaries.iter().flat_map(|s| &s.failures) {
        let full = groups.len() >= MAX_GROUPS;
        match groups
            .iter_mut()
            .find(|m| m.kind == g.kind && m.what == g.what && m.operation == g.operation)
        {
            Some(m) => {
                m.count += g.count;
                let room = EXAMPLES_PER_GROUP.saturating_sub(m.examples.len());
                m.examples.extend(g.examples.iter().take(room).cloned());
            }
            None if !full => groups.push(g.clone()),
            None => {}
        }
    }
    groups
}
