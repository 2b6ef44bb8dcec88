//! Running one scenario: render each step, send it, judge the answer, capture variables, and
//! always clean up: teardown steps run even after a failure, and every group the scenario created
//! and did not delete is deleted at the end (the ledger records both).

use super::RunContext;
use super::judge::{self, Problem};
use super::oracle::{Exchange, Oracle};
use super::outcome::{Finding, ScenarioOutcome, Severity, StepRecord};
use crate::client::ledger::Entry;
use crate::client::{HttpRequest, Observation};
use crate::scenario::capture;
use crate::scenario::template::{RenderError, Vars};
use crate::scenario::{Expect, Operation, Scenario, Step};
use crate::spec::{Catalogue, Level};
use serde_json::Value;
use std::time::Instant;

/// A step rendered into a request, with its expectations rendered too.
struct RenderedStep {
    request: HttpRequest,
    op: Option<Operation>,
    group: Option<String>,
    expect: Expect,
}

pub(super) async fn run(ctx: &RunContext, scenario: &Scenario, index: usize) -> ScenarioOutcome {
    let started = Instant::now();
    let mut vars: Vars = scenario.vars.clone();
    vars.insert("run".into(), Value::String(ctx.run_tag.clone()));
    vars.insert(
        "uniq".into(),
        Value::String(format!("{}{index:02}", ctx.run_tag)),
    );
    let fallback_rule = scenario
        .rules
        .first()
        .cloned()
        .unwrap_or_else(|| "http.answers".into());
    let mut oracle = Oracle::new(scenario.serial);
    let mut records = Vec::new();
    let mut findings = Vec::new();
    let mut error: Option<String> = None;
    // Set once a step leaves the scenario unable to go on (later steps would only fail again);
    // teardown steps still run.
    let mut stopped = false;
    let all_steps = scenario
        .steps
        .iter()
        .map(|s| (s, false))
        .chain(scenario.teardown.iter().map(|s| (s, true)));
    for (step_index, (step, teardown)) in all_steps.enumerate() {
        if !teardown && !stopped && ctx.cancelled() {
            error = Some("the run was interrupted".into());
            stopped = true;
        }
        if !teardown && stopped {
            continue;
        }
        for i in 0..step.repeat.unwrap_or(1) {
            if !teardown && ctx.cancelled() {
                error.get_or_insert_with(|| "the run was interrupted".into());
                stopped = true;
                break;
            }
            vars.insert("i".into(), Value::from(i));
            let rendered = match render(step, &vars) {
                Ok(r) => r,
                Err(message) => {
                    if !teardown {
                        error.get_or_insert(format!(
                            "step '{}' (line {}): {message}",
                            step.label(),
                            step.line
                        ));
                        stopped = true;
                    }
                    break;
                }
            };
            if let Some(pause) = step.pause_ms {
                tokio::time::sleep(std::time::Duration::from_millis(pause.min(10_000))).await;
            }
            let step_started = Instant::now();
            let answer = ctx.client.send(&rendered.request).await;
            records.push(StepRecord {
                index: step_index,
                label: step.label(),
                line: step.line,
                operation: rendered.op.map(|o| o.name().to_owned()),
                method: rendered.request.method.clone(),
                path: rendered.request.path.clone(),
                status: answer.as_ref().ok().map(|o| o.status),
                elapsed_ms: step_started.elapsed().as_secs_f64() * 1000.0,
                teardown,
            });
            let place = |problems: Vec<Problem>| -> Vec<Finding> {
                place(ctx, step, step_index, &rendered, problems)
            };
            let obs = match answer {
                Ok(obs) => obs,
                Err(e) => {
                    findings.extend(place(vec![Problem::new("http.answers", e.to_string())]));
                    stopped |= !teardown;
                    break;
                }
            };
            let mut problems = judge::automatic(rendered.op, &obs);
            problems.extend(judge::expectations(
                &rendered.expect,
                rendered.op,
                &obs,
                &fallback_rule,
            ));
            if let (Some(op), false) = (rendered.op, rendered.request.second_plan) {
                problems.extend(oracle.observe(&Exchange {
                    op,
                    group: rendered.group.as_deref(),
                    query: &rendered.request.query,
                    body: rendered.request.body.as_deref(),
                    auth: rendered.request.auth,
                    obs: &obs,
                }));
            }
            if rendered.request.emulator && !rendered.request.second_plan {
                oracle.inbound(rendered.request.body.as_deref(), &obs);
            }
            dedupe(&mut problems);
            let step_failed = !problems.is_empty();
            findings.extend(place(problems));
            record_in_ledger(ctx, scenario, &rendered, &obs);
            #[cfg(test)]
            if scenario.name == super::TEST_PANIC_SCENARIO {
                panic!("a deliberate panic after the first request");
            }
            if let Err(message) = capture::apply(step, obs.json().as_ref(), &mut vars) {
                // Later steps depend on what this one should have returned. When the step already
                // failed, that failure is the report; otherwise the scenario itself is wrong.
                if !teardown {
                    if !step_failed {
                        error.get_or_insert(format!(
                            "step '{}' (line {}): {message}",
                            step.label(),
                            step.line
                        ));
                    }
                    stopped = true;
                }
                break;
            }
        }
    }
    let leftovers = cleanup(ctx, scenario, &oracle).await;
    let verdict = ScenarioOutcome::verdict_of(&findings, &error);
    ScenarioOutcome {
        file: scenario.file.display().to_string(),
        name: scenario.name.clone(),
        rules: scenario.rules.clone(),
        verdict,
        steps: records,
        findings,
        error,
        leftovers,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        skipped: None,
    }
}

fn render(step: &Step, vars: &Vars) -> Result<RenderedStep, RenderError> {
    let r = crate::scenario::render::render(step, vars)?;
    Ok(RenderedStep {
        request: r.request,
        op: r.op,
        group: r.group,
        expect: crate::scenario::render::render_expect(&step.expect, vars)?,
    })
}

/// One report per rule and place in a step: the explicit expectation and the oracle often see the
/// same difference (the first, the step's own words, is kept).
fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| {
        let place = p.pointer.clone().unwrap_or_else(|| p.message.clone());
        seen.insert((p.rule.clone(), place))
    });
}

fn place(
    ctx: &RunContext,
    step: &Step,
    index: usize,
    rendered: &RenderedStep,
    problems: Vec<Problem>,
) -> Vec<Finding> {
    let catalogue = Catalogue::get();
    problems
        .into_iter()
        .map(|p| {
            let (level, statement) = catalogue.find(&p.rule).map_or(
                (
                    Level::Must,
                    format!("(rule {} is not in the catalogue)", p.rule),
                ),
                |r| (r.level, r.statement.clone()),
            );
            Finding {
                severity: Severity::of(level, ctx.profile),
                rule: p.rule,
                level,
                statement,
                step: index,
                step_label: step.label(),
                line: step.line,
                operation: rendered.op.map(|o| o.name().to_owned()),
                message: p.message,
                pointer: p.pointer,
                diff: p.diff,
                reproducer: Some(ctx.client.curl(&rendered.request)),
                received: p.received,
                request_body: rendered
                    .request
                    .body
                    .as_ref()
                    .filter(|b| b.len() > crate::client::INLINE_BODY_MAX)
                    .cloned(),
            }
        })
        .collect()
}

fn record_in_ledger(
    ctx: &RunContext,
    scenario: &Scenario,
    rendered: &RenderedStep,
    obs: &Observation,
) {
    let Some(ledger) = &ctx.ledger else { return };
    let success = (200..300).contains(&obs.status) && !rendered.request.second_plan;
    let target = ctx.client.target();
    match (rendered.op, success) {
        (Some(Operation::Create), true) => {
            if let Some(id) = obs
                .json()
                .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_owned))
            {
                ledger.record(&Entry::Created {
                    base_url: target.base_url.clone(),
                    service_plan_id: target.service_plan_id.clone(),
                    id,
                    scenario: scenario.file.display().to_string(),
                });
            }
        }
        (Some(Operation::Delete), true) => {
            if let Some(id) = &rendered.group {
                ledger.record(&Entry::Deleted {
                    service_plan_id: target.service_plan_id.clone(),
                    id: id.clone(),
                });
            }
        }
        _ => {}
    }
}

/// Delete every group the scenario created and did not delete. Returns the ids that could not be
/// deleted.
async fn cleanup(ctx: &RunContext, _scenario: &Scenario, oracle: &Oracle) -> Vec<String> {
    let mut leftovers = Vec::new();
    for id in oracle.live_ids() {
        if super::delete_group(ctx, &id).await.is_err() {
            leftovers.push(id);
        }
    }
    leftovers
}
