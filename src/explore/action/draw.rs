//! The roll table of [`generate`] and the well-formed, authorised draws: create, update, replace,
//! delete, retrieve, members, list, and the documented invalid requests. The draws at the edges of
//! the documents are in [`super::edges`].

use super::edges;
use super::{Action, Invalid, Labels, NameOp};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// A small pool of numbers, so duplicates, overlaps and unknown removes are common.
const POOL: u64 = 12;

/// One number of the pool in a random documented spelling.
pub(super) fn number(rng: &mut StdRng) -> String {
    let n = 46_700_000_100 + rng.random_range(0..POOL);
    crate::scenario::template::format_msisdn(n, "mixed", rng.random_range(0..6u64))
}

fn numbers(rng: &mut StdRng, max: usize) -> Vec<String> {
    let n = rng.random_range(0..=max);
    (0..n).map(|_| number(rng)).collect()
}

/// A name unique in practice (the run's tag and 6 to 12 random letters, at most 19 characters):
/// a server may refuse a name already in use (OLD-DOC `conflict_group_name`).
pub(super) fn name(rng: &mut StdRng) -> String {
    let len = rng.random_range(6..=12);
    let letters: String = (0..len)
        .map(|_| rng.random_range(b'a'..=b'z') as char)
        .collect();
    format!("{{run}}-{letters}")
}

/// Generate `steps` actions (same seed, same actions).
pub fn generate(rng: &mut StdRng, steps: usize) -> Vec<Action> {
    let mut actions = Vec::with_capacity(steps);
    let mut labels = Labels::default();
    while actions.len() < steps {
        let roll = rng.random_range(0..100);
        if labels.live.is_empty() || roll < 14 {
            actions.push(create(rng, &mut labels));
            continue;
        }
        let group = Labels::pick(rng, &labels.live).unwrap_or(0);
        let any = Labels::pick(rng, &labels.all).unwrap_or(group);
        let action = match roll {
            14..=39 => update(rng, &labels, group),
            40..=47 => Action::Replace {
                group,
                name: rng.random_bool(0.6).then(|| name(rng)),
                members: numbers(rng, 4),
                auto: edges::auto_update(rng, 0.15),
            },
            48..=53 => {
                labels.live.retain(|l| *l != group);
                Action::Delete { group }
            }
            54..=59 => Action::Retrieve { group: any },
            60..=67 => Action::Members { group: any },
            68..=73 => Action::List {
                page: rng.random_range(0..3),
                page_size: rng.random_range(1..6),
            },
            74..=78 => invalid(rng, group),
            _ => {
                // An edge draw may be two actions (a large group, then its members).
                let room = steps - actions.len();
                actions.extend(edges::draw(rng, &mut labels, group, roll, room, create));
                continue;
            }
        };
        actions.push(action);
    }
    actions.truncate(steps);
    actions
}

pub(super) fn create(rng: &mut StdRng, labels: &mut Labels) -> Action {
    // A child group may be a deleted one (403, like an unknown id).
    let child = match rng.random_range(0..20) {
        0 | 1 => Labels::pick(rng, &labels.live),
        2 => Labels::pick(rng, &labels.all),
        _ => None,
    };
    // Always named: a server may require a name (create.name-optional is open).
    let name = Some(name(rng));
    let members = numbers(rng, 5);
    let auto = edges::auto_update(rng, 0.12);
    Action::Create {
        label: labels.fresh(),
        name,
        members,
        child,
        auto,
    }
}

fn update(rng: &mut StdRng, labels: &Labels, group: u32) -> Action {
    let mut add = numbers(rng, 4);
    let mut remove = numbers(rng, 3);
    if rng.random_bool(0.3) && !add.is_empty() {
        remove.push(add[0].clone());
    }
    if rng.random_bool(0.15) && !add.is_empty() {
        add.push(add[0].clone());
    }
    let nulls = rng.random_bool(0.15);
    let name = match rng.random_range(0..10) {
        0..=4 => NameOp::Omit,
        5..=6 => NameOp::Null,
        _ => NameOp::Set(name(rng)),
    };
    let mut from = |p: f64| {
        if rng.random_bool(p) {
            Labels::pick(rng, &labels.all)
        } else {
            None
        }
    };
    let add_from = from(0.15);
    let remove_from = from(0.1);
    Action::Update {
        group,
        add,
        remove,
        name,
        add_from,
        remove_from,
        nulls,
        auto: edges::auto_update(rng, 0.12),
    }
}

fn invalid(rng: &mut StdRng, group: u32) -> Action {
    let kind = *[
        Invalid::LongName,
        Invalid::BadMsisdn,
        Invalid::ManyChildren,
        Invalid::ManyMembers,
        Invalid::BadKeyword,
    ]
    .choose(rng)
    .unwrap_or(&Invalid::LongName);
    if rng.random_bool(0.5) || matches!(kind, Invalid::ManyChildren | Invalid::BadKeyword) {
        Action::BadCreate { kind }
    } else {
        Action::BadUpdate { group, kind }
    }
}
