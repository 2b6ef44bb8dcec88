//! Judging answers under load: the invariants and the sampled checks, on fixed answers.

use super::*;
use crate::client::HttpRequest;
use serde_json::json;
use std::time::Duration;

fn obs(body: Value) -> Observation {
    Observation {
        status: 200,
        content_type: Some("application/json".into()),
        headers: vec![],
        body: serde_json::to_vec(&body).unwrap(),
        elapsed: Duration::ZERO,
        retries: 0,
    }
}

fn rendered(op: Operation, group: Option<&str>, query: &[(&str, &str)]) -> Rendered {
    Rendered {
        request: HttpRequest {
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..HttpRequest::default()
        },
        op: Some(op),
        group: group.map(str::to_owned),
        body: None,
    }
}

#[test]
fn group_invariants() {
    let mut seen = Seen::default();
    let view = |id: &str, created: &str, modified: &str| json!({"id": id, "size": 1, "created_at": created, "modified_at": modified, "child_groups": []});
    let ok = view("G1", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z");
    let r = rendered(Operation::Retrieve, Some("G1"), &[]);
    assert!(invariants(&r, &obs(ok), &mut seen).is_empty());
    let moved = view("G1", "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:01.000Z");
    let rules: Vec<String> = invariants(&r, &obs(moved), &mut seen)
        .into_iter()
        .map(|p| p.rule)
        .collect();
    assert_eq!(rules, ["time.modified-at", "time.created-at-stable"]);
    let other = view("G2", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
    let problems = invariants(&r, &obs(other), &mut seen);
    assert_eq!(problems[0].rule, "group.consistent-views");
}

/// The fast path says "fine" exactly when the judges of `check` find nothing.
#[test]
fn fast_path_agrees_with_the_judges() {
    let group = json!({"id": "G1", "name": "n", "size": 2, "created_at": "2026-01-01T00:00:00.000Z",
        "modified_at": "2026-01-01T00:00:00.000Z", "child_groups": []});
    let mut no_size = group.clone();
    no_size.as_object_mut().unwrap().remove("size");
    let mut bad_time = group.clone();
    bad_time["created_at"] = json!("yesterday");
    let expect = |text: &str| -> Expect { serde_saphyr::from_str(text).unwrap() };
    let cases: Vec<(Operation, Expect, Observation)> = vec![
        (Operation::Retrieve, Expect::default(), obs(group.clone())),
        (
            Operation::Retrieve,
            expect("body: {size: 2}"),
            obs(group.clone()),
        ),
        (
            Operation::Retrieve,
            expect("body: {size: 3}"),
            obs(group.clone()),
        ),
        (Operation::Retrieve, Expect::default(), obs(no_size)),
        (Operation::Retrieve, Expect::default(), obs(bad_time)),
        (Operation::Create, Expect::default(), obs(group.clone())),
        (
            Operation::Create,
            expect("status: [200, 201]"),
            obs(group.clone()),
        ),
        (
            Operation::Update,
            expect("absent: [/name]"),
            obs(group.clone()),
        ),
        (
            Operation::Update,
            expect("matches: [{path: /size, equals: 2}]"),
            obs(group.clone()),
        ),
        (
            Operation::Members,
            expect("members: ['+46700000001']"),
            obs(json!(["46700000001"])),
        ),
        (
            Operation::Members,
            expect("members: ['+46700000002']"),
            obs(json!(["46700000001"])),
        ),
        (Operation::Members, Expect::default(), obs(json!([1, 2]))),
        (
            Operation::List,
            expect("schema: list-response"),
            obs(json!({"page": 0, "page_size": 0, "count": 0, "groups": []})),
        ),
        (
            Operation::Retrieve,
            Expect::default(),
            Observation {
                content_type: Some("text/plain".into()),
                ..obs(group.clone())
            },
        ),
        (
            Operation::Retrieve,
            Expect::default(),
            Observation {
                status: 404,
                ..obs(json!({"code": "x", "text": "y"}))
            },
        ),
    ];
    for (i, (op, expect, answer)) in cases.iter().enumerate() {
        let mut judged = judge::automatic(Some(*op), answer);
        judged.extend(judge::expectations(
            expect,
            Some(*op),
            answer,
            "http.answers",
        ));
        assert_eq!(
            passes(Some(*op), expect, answer).is_some(),
            judged.is_empty(),
            "case {i}: the judges found {judged:?}"
        );
    }
}

/// A byte-identical answer to the same request passes again unparsed; anything else, or the
/// same answer once what the session knows of its group changed, is judged in full.
#[test]
fn remembered_passes_never_hide_a_problem() {
    let step = |line: u64| -> Step {
        let mut step: Step = serde_saphyr::from_str(
            "request: retrieve\nexpect: {schema: group, body: {id: '{group_id}'}}",
        )
        .unwrap();
        step.line = line;
        step
    };
    let (first, second) = (step(10), step(20));
    let view = |id: &str, created: &str| {
        obs(
            json!({"id": id, "size": 1, "created_at": created, "modified_at": "2026-12-01T00:00:00.000Z", "child_groups": []}),
        )
    };
    let mut vars = Vars::new();
    vars.insert("group_id".into(), json!("G1"));
    let mut seen = Seen::default();
    let r1 = rendered(Operation::Retrieve, Some("G1"), &[]);
    let old = view("G1", "2026-01-01T00:00:00.000Z");
    let rules =
        |problems: Vec<Problem>| -> Vec<String> { problems.into_iter().map(|p| p.rule).collect() };
    let mut judge_with = |step: &Step, r: &Rendered, vars: &Vars, answer: &Observation| {
        rules(judge(step, r, vars, answer, "http.answers", &mut seen))
    };
    assert!(judge_with(&first, &r1, &vars, &old).is_empty());
    assert!(
        judge_with(&first, &r1, &vars, &old).is_empty(),
        "remembered"
    );
    // The same bytes for another group's request: the expectations and the path differ.
    let mut other_vars = vars.clone();
    other_vars.insert("group_id".into(), json!("G2"));
    let r2 = rendered(Operation::Retrieve, Some("G2"), &[]);
    let found = judge_with(&first, &r2, &other_vars, &old);
    assert!(
        found.contains(&"group.consistent-views".to_owned()),
        "{found:?}"
    );
    // A changed answer to the remembered request is judged.
    let mut broken = old.clone();
    broken.body = br#"{"id":"G1"}"#.to_vec();
    assert!(!judge_with(&first, &r1, &vars, &broken).is_empty());
    // Remembered again, then the group is deleted and comes back with another created_at
    // (through another step): the old answer no longer passes.
    assert!(judge_with(&first, &r1, &vars, &old).is_empty());
    seen.forget("G1");
    let reborn = view("G1", "2026-03-01T00:00:00.000Z");
    let mut judge_with = |step: &Step, r: &Rendered, vars: &Vars, answer: &Observation| {
        rules(judge(step, r, vars, answer, "http.answers", &mut seen))
    };
    assert_eq!(
        judge_with(&second, &r1, &vars, &reborn),
        Vec::<String>::new()
    );
    assert_eq!(
        judge_with(&first, &r1, &vars, &old),
        ["time.created-at-stable"]
    );
}

#[test]
fn members_and_list_invariants() {
    let mut seen = Seen::default();
    let r = rendered(Operation::Members, Some("G1"), &[]);
    let twice = obs(json!(["+46700000001", "46700000001", "46700000002"]));
    assert_eq!(
        invariants(&r, &twice, &mut seen)[0].rule,
        "members.duplicates-ignored"
    );
    let r = rendered(Operation::List, None, &[("page_size", "1")]);
    let page = obs(json!({"page": 0, "page_size": 2, "count": 2, "groups": [{}, {}]}));
    let rules: Vec<String> = invariants(&r, &page, &mut seen)
        .into_iter()
        .map(|p| p.rule)
        .collect();
    assert_eq!(rules, ["list.page-size-honoured"]);
}
