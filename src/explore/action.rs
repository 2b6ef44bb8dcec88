//! Abstract operations and their random generation. Groups are named by labels (the create that
//! made them), so a shrunk sequence keeps its meaning: removing an action never renumbers others.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// How an update treats the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameOp {
    Omit,
    Null,
    Set(String),
}

/// An invalid request, of a kind whose rejection is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    LongName,
    BadMsisdn,
    ManyChildren,
}

/// One operation of a generated sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create {
        label: u32,
        name: Option<String>,
        members: Vec<String>,
        child: Option<u32>,
    },
    Update {
        group: u32,
        add: Vec<String>,
        remove: Vec<String>,
        name: NameOp,
        add_from: Option<u32>,
        remove_from: Option<u32>,
        /// Send unset fields as explicit nulls, as the Python SDK does.
        nulls: bool,
    },
    Replace {
        group: u32,
        name: Option<String>,
        members: Vec<String>,
    },
    Delete {
        group: u32,
    },
    Retrieve {
        group: u32,
    },
    Members {
        group: u32,
    },
    List {
        page: u32,
        page_size: u32,
    },
    BadCreate {
        kind: Invalid,
    },
    BadUpdate {
        group: u32,
        kind: Invalid,
    },
}

impl Action {
    /// Labels of groups this action refers to (not the one it creates).
    pub fn references(&self) -> Vec<u32> {
        match self {
            Action::Create { child, .. } => child.iter().copied().collect(),
            Action::Update {
                group,
                add_from,
                remove_from,
                ..
            } => std::iter::once(*group)
                .chain(*add_from)
                .chain(*remove_from)
                .collect(),
            Action::Replace { group, .. }
            | Action::Delete { group }
            | Action::Retrieve { group }
            | Action::Members { group }
            | Action::BadUpdate { group, .. } => vec![*group],
            Action::List { .. } | Action::BadCreate { .. } => vec![],
        }
    }
}

/// A small pool of numbers, so duplicates, overlaps and unknown removes are common.
const POOL: u64 = 12;

/// One number of the pool in a random documented spelling.
fn number(rng: &mut StdRng) -> String {
    let n = 46_700_000_100 + rng.random_range(0..POOL);
    crate::scenario::template::format_msisdn(n, "mixed", rng.random_range(0..6u64))
}

fn numbers(rng: &mut StdRng, max: usize) -> Vec<String> {
    let n = rng.random_range(0..=max);
    (0..n).map(|_| number(rng)).collect()
}

fn name(rng: &mut StdRng) -> String {
    let len = rng.random_range(1..=12);
    (0..len)
        .map(|_| rng.random_range(b'a'..=b'z') as char)
        .collect()
}

/// Generate `steps` actions. `live` and `all` track labels as generation goes.
pub fn generate(rng: &mut StdRng, steps: usize) -> Vec<Action> {
    let mut actions = Vec::with_capacity(steps);
    let mut live: Vec<u32> = Vec::new();
    let mut all: Vec<u32> = Vec::new();
    let mut next = 0u32;
    for _ in 0..steps {
        let roll = rng.random_range(0..100);
        let pick = |rng: &mut StdRng, from: &[u32]| from.choose(rng).copied();
        let action = if live.is_empty() || roll < 18 {
            let label = next;
            next += 1;
            let child = if rng.random_bool(0.1) {
                pick(rng, &live)
            } else {
                None
            };
            let name = rng.random_bool(0.8).then(|| name(rng));
            let members = numbers(rng, 5);
            live.push(label);
            all.push(label);
            Action::Create {
                label,
                name,
                members,
                child,
            }
        } else {
            let group = pick(rng, &live).unwrap_or(0);
            match roll {
                18..=52 => {
                    let mut add = numbers(rng, 4);
                    let mut remove = numbers(rng, 3);
                    if rng.random_bool(0.3) && !add.is_empty() {
                        remove.push(add[0].clone());
                    }
                    if rng.random_bool(0.15) && !add.is_empty() {
                        add.push(add[0].clone());
                    }
                    let name = match rng.random_range(0..10) {
                        0..=4 => NameOp::Omit,
                        5..=6 => NameOp::Null,
                        _ => NameOp::Set(name(rng)),
                    };
                    let from = |rng: &mut StdRng, p: f64| {
                        if rng.random_bool(p) {
                            pick(rng, &all)
                        } else {
                            None
                        }
                    };
                    let add_from = from(rng, 0.15);
                    let remove_from = from(rng, 0.1);
                    Action::Update {
                        group,
                        add,
                        remove,
                        name,
                        add_from,
                        remove_from,
                        nulls: rng.random_bool(0.15),
                    }
                }
                53..=62 => Action::Replace {
                    group,
                    name: rng.random_bool(0.6).then(|| name(rng)),
                    members: numbers(rng, 4),
                },
                63..=69 => {
                    live.retain(|l| *l != group);
                    Action::Delete { group }
                }
                70..=76 => Action::Retrieve {
                    group: pick(rng, &all).unwrap_or(group),
                },
                77..=86 => Action::Members {
                    group: pick(rng, &all).unwrap_or(group),
                },
                87..=93 => Action::List {
                    page: rng.random_range(0..3),
                    page_size: rng.random_range(1..6),
                },
                _ => {
                    let kind = *[Invalid::LongName, Invalid::BadMsisdn, Invalid::ManyChildren]
                        .choose(rng)
                        .unwrap_or(&Invalid::LongName);
                    if rng.random_bool(0.5) || kind == Invalid::ManyChildren {
                        Action::BadCreate { kind }
                    } else {
                        Action::BadUpdate { group, kind }
                    }
                }
            }
        };
        actions.push(action);
    }
    actions
}
