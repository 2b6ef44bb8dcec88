//! Shrinking a failing sequence to a minimal one that still fails on the same rule: remove chunks
//! of halving size, then single actions, then simplify member lists, until nothing more can go.

use super::action::{Action, Invalid};

/// Shrink `actions` while `still_fails` holds; at most `budget` trials.
pub async fn shrink<F, Fut>(
    mut actions: Vec<Action>,
    budget: usize,
    mut still_fails: F,
) -> (Vec<Action>, usize)
where
    F: FnMut(Vec<Action>) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut trials = 0;
    let mut changed = true;
    while changed && trials < budget {
        changed = false;
        let mut chunk = actions.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < actions.len() && trials < budget {
                let end = (start + chunk).min(actions.len());
                let mut candidate = actions.clone();
                candidate.drain(start..end);
                trials += 1;
                if !candidate.is_empty() && still_fails(candidate.clone()).await {
                    actions = candidate;
                    changed = true;
                } else {
                    start = end;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        for i in 0..actions.len() {
            for candidate in simpler(&actions[i]) {
                if trials >= budget {
                    break;
                }
                let mut trial = actions.clone();
                trial[i] = candidate;
                trials += 1;
                if still_fails(trial.clone()).await {
                    actions = trial;
                    changed = true;
                    break;
                }
            }
        }
    }
    (actions, trials)
}

/// Smaller versions of one action: shorter member lists, fewer optional parts, smaller generated
/// member counts.
fn simpler(action: &Action) -> Vec<Action> {
    let halves = |v: &Vec<String>| -> Vec<Vec<String>> {
        if v.is_empty() {
            return vec![];
        }
        let mut out = vec![v[..v.len() / 2].to_vec(), v[v.len() / 2..].to_vec()];
        out.retain(|h| h.len() < v.len());
        out
    };
    let mut out = Vec::new();
    match action {
        Action::Create {
            label,
            name,
            members,
            child,
            auto,
        } => {
            let base = |members: Vec<String>, child: Option<u32>, auto| Action::Create {
                label: *label,
                name: name.clone(),
                members,
                child,
                auto,
            };
            for m in halves(members) {
                out.push(base(m, *child, auto.clone()));
            }
            if child.is_some() {
                out.push(base(members.clone(), None, auto.clone()));
            }
            if auto.is_some() {
                out.push(base(members.clone(), *child, None));
            }
        }
        Action::Update {
            group,
            add,
            remove,
            name,
            add_from,
            remove_from,
            nulls,
            auto,
        } => {
            let base = |add: Vec<String>, remove: Vec<String>, auto| Action::Update {
                group: *group,
                add,
                remove,
                name: name.clone(),
                add_from: *add_from,
                remove_from: *remove_from,
                nulls: *nulls,
                auto,
            };
            for a in halves(add) {
                out.push(base(a, remove.clone(), auto.clone()));
            }
            for r in halves(remove) {
                out.push(base(add.clone(), r, auto.clone()));
            }
            if auto.is_some() {
                out.push(base(add.clone(), remove.clone(), None));
            }
        }
        Action::Replace {
            group,
            name,
            members,
            auto,
        } => {
            for m in halves(members) {
                out.push(Action::Replace {
                    group: *group,
                    name: name.clone(),
                    members: m,
                    auto: auto.clone(),
                });
            }
        }
        Action::CreateLarge {
            label,
            count,
            start,
        } if *count > 1 => out.push(Action::CreateLarge {
            label: *label,
            count: count / 2,
            start: *start,
        }),
        // Eleven unknown child groups instead of eleven created ones: one step, not twelve.
        Action::ManyChildren { .. } => out.push(Action::BadCreate {
            kind: Invalid::ManyChildren,
        }),
        Action::AddMany {
            group,
            count,
            start,
        } if *count > 1 => out.push(Action::AddMany {
            group: *group,
            count: count / 2,
            start: *start,
        }),
        _ => {}
    }
    out
}
