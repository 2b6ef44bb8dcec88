//! Concurrent updates of one group: no add or remove may be lost, and the final members must be
//! what some serial order of the updates gives (updates overlap on a shared pool of numbers, so
//! orders differ). The model computes every order's result.

use crate::check::RunContext;
use crate::client::HttpRequest;
use crate::model::{CreateRequest, Msisdn, Store, UpdateRequest};
use crate::scenario::Auth;
use crate::scenario::matcher::normalise;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Concurrent updates at once.
const WRITERS: usize = 6;

/// A final state no serial order explains.
#[derive(Debug, Clone, PartialEq)]
pub struct LostUpdate {
    pub rule: &'static str,
    pub message: String,
    /// Diff of the closest serial result against what the target holds.
    pub diff: String,
}

fn number(i: u64) -> String {
    format!("{}", 46_700_500_000 + i)
}

/// `rounds` rounds of `WRITERS` concurrent updates; the first inconsistency found, if any.
pub async fn check(ctx: &RunContext, rng: &mut StdRng, rounds: usize) -> Option<LostUpdate> {
    for round in 0..rounds {
        let base: Vec<String> = (0..20).map(number).collect();
        let updates: Vec<(Vec<String>, Vec<String>)> = (0..WRITERS as u64)
            .map(|w| {
                let mut add: Vec<String> = (0..5).map(|k| number(1000 + w * 10 + k)).collect();
                let mut remove = vec![number(w)];
                for p in 0..3 {
                    match rng.random_range(0..3) {
                        0 => add.push(number(900 + p)),
                        1 => remove.push(number(900 + p)),
                        _ => {}
                    }
                }
                (add, remove)
            })
            .collect();
        let create = HttpRequest {
            method: "POST".into(),
            path: "/groups".into(),
            body: Some(
                json!({"name": format!("{}-cc{round}", ctx.run_tag), "members": base})
                    .to_string()
                    .into_bytes(),
            ),
            auth: Auth::Token,
            ..HttpRequest::default()
        };
        let id = ctx
            .client
            .send(&create)
            .await
            .ok()?
            .json()?
            .get("id")?
            .as_str()?
            .to_owned();
        let mut tasks = tokio::task::JoinSet::new();
        for (add, remove) in &updates {
            let client = ctx.client.clone();
            let request = HttpRequest {
                method: "POST".into(),
                path: format!("/groups/{id}"),
                body: Some(
                    json!({"add": add, "remove": remove})
                        .to_string()
                        .into_bytes(),
                ),
                auth: Auth::Token,
                ..HttpRequest::default()
            };
            tasks.spawn(async move { client.send(&request).await.map(|o| o.status) });
        }
        let mut all_ok = true;
        while let Some(done) = tasks.join_next().await {
            all_ok &= matches!(done, Ok(Ok(200..=299)));
        }
        let members = HttpRequest {
            method: "GET".into(),
            path: format!("/groups/{id}/members"),
            auth: Auth::Token,
            ..HttpRequest::default()
        };
        let got: Option<BTreeSet<String>> = ctx
            .client
            .send(&members)
            .await
            .ok()
            .and_then(|o| o.json())
            .and_then(|v| {
                v.as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).map(normalise).collect())
            });
        let _ = crate::check::delete_group(ctx, &id).await;
        let (Some(got), true) = (got, all_ok) else {
            continue;
        };
        let results = serial_results(&base, &updates);
        if results.contains(&got) {
            continue;
        }
        let closest = results
            .iter()
            .min_by_key(|r| r.symmetric_difference(&got).count())
            .cloned()
            .unwrap_or_default();
        let lines = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join("\n") + "\n";
        let missing: Vec<&String> = closest.difference(&got).collect();
        let extra: Vec<&String> = got.difference(&closest).collect();
        return Some(LostUpdate {
            rule: "update.add-remove",
            message: format!(
                "after {WRITERS} concurrent updates of one group, its members match no serial order of them: \
                 missing {missing:?}, unexpected {extra:?} compared with the closest order (a lost update)"
            ),
            diff: crate::check::diff::unified(&lines(&closest), &lines(&got)),
        });
    }
    None
}

/// The final members under every order of the updates.
fn serial_results(
    base: &[String],
    updates: &[(Vec<String>, Vec<String>)],
) -> Vec<BTreeSet<String>> {
    let parse =
        |v: &[String]| -> Vec<Msisdn> { v.iter().filter_map(|s| Msisdn::parse(s)).collect() };
    let mut order: Vec<usize> = (0..updates.len()).collect();
    let mut results = Vec::new();
    permutations(&mut order, 0, &mut |order| {
        let mut store = Store::new();
        let request = CreateRequest {
            members: parse(base),
            ..Default::default()
        };
        let _ = store.create(request, "g".into(), 0);
        for &i in order {
            let (add, remove) = &updates[i];
            let request = UpdateRequest {
                add: parse(add),
                remove: parse(remove),
                ..Default::default()
            };
            let _ = store.update("g", request, 0);
        }
        let set: BTreeSet<String> = store
            .members("g")
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        if !results.contains(&set) {
            results.push(set);
        }
    });
    results
}

fn permutations(items: &mut Vec<usize>, k: usize, visit: &mut dyn FnMut(&[usize])) {
    if k == items.len() {
        visit(items);
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permutations(items, k + 1, visit);
        items.swap(k, i);
    }
}
