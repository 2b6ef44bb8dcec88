//! Draws at the edges of the documents, so that `explore` reaches what the scenario suite does:
//! wrong and missing tokens, the second service plan, bodies that are not JSON, a wrong
//! Content-Type, unknown group references, groups larger than 1,000 members (followed by a
//! members read), and auto_update settings (drawn into creates, updates and replaces).

use super::{Action, AutoUpdate, BadAuth, Broken, Keywords, Labels, Operation, RefField};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// Short codes and a plain MSISDN for `auto_update.to` (spelled as a server returns them).
const TO: [&str; 3] = ["54321", "70000", "46700000999"];
/// Keywords, upper-case: keywords are "not case sensitive" and a server may upper-case them.
const WORDS: [&str; 6] = ["JOIN", "LEAVE", "START", "STOP", "SINCH", "NOW"];
/// Where the generated numbers of a large group start (the first overlaps the small pool).
const STARTS: [u32; 5] = [100, 1_000, 1_500, 2_000, 2_500];

/// A valid auto_update with probability `p`.
pub fn auto_update(rng: &mut StdRng, p: f64) -> Option<AutoUpdate> {
    if !rng.random_bool(p) {
        return None;
    }
    let keywords = |rng: &mut StdRng| Keywords {
        first_word: pick(rng, &WORDS).to_owned(),
        second_word: rng.random_bool(0.5).then(|| pick(rng, &WORDS).to_owned()),
    };
    let add = rng.random_bool(0.8).then(|| keywords(rng));
    let remove = rng.random_bool(0.6).then(|| keywords(rng));
    Some(AutoUpdate {
        to: pick(rng, &TO).to_owned(),
        add,
        remove,
    })
}

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    *from.choose(rng).unwrap_or(&from[0])
}

/// One edge draw for `roll` in 79..100: one action, or a few (a large group, then its members;
/// 11 groups, then a create naming them all as child groups, when `room` allows). `group` is a
/// live label.
pub(super) fn draw(
    rng: &mut StdRng,
    labels: &mut Labels,
    group: u32,
    roll: u32,
    room: usize,
    create: fn(&mut StdRng, &mut Labels) -> Action,
) -> Vec<Action> {
    use Operation::*;
    let writes = [Create, Update, Replace];
    match roll {
        // A missing token is a should (auth.missing-token): only reads go without one, so that
        // a server accepting them changes nothing the model would not know of.
        0..=82 => {
            let auth = if rng.random_bool(0.75) {
                BadAuth::Wrong
            } else {
                BadAuth::Missing
            };
            let ops: &[Operation] = match auth {
                BadAuth::Wrong => &Operation::ALL,
                BadAuth::Missing => &[List, Retrieve, Members],
            };
            vec![Action::Unauthorised {
                op: pick(rng, ops),
                group,
                auth,
            }]
        }
        83..=86 => vec![Action::OtherPlan {
            op: pick(rng, &[Retrieve, Members, Update, Replace, Delete, List]),
            group,
        }],
        87..=89 => vec![Action::Malformed {
            op: pick(rng, &writes),
            group,
            broken: pick(
                rng,
                &[
                    Broken::Truncated,
                    Broken::TrailingComma,
                    Broken::UnquotedKey,
                    Broken::NotJson,
                ],
            ),
        }],
        90..=91 => vec![Action::WrongMediaType {
            op: pick(rng, &writes),
            group,
        }],
        92..=94 => vec![Action::UnknownRef {
            group,
            field: pick(
                rng,
                &[
                    RefField::ChildGroups,
                    RefField::AddFromGroup,
                    RefField::RemoveFromGroup,
                ],
            ),
        }],
        99 if room >= 12 => {
            let mut out: Vec<Action> = (0..11).map(|_| create(rng, labels)).collect();
            let children = out.iter().filter_map(Action::creates).collect();
            out.push(Action::ManyChildren { children });
            out
        }
        _ => {
            let start = pick(rng, &STARTS);
            if rng.random_bool(0.5) {
                let label = labels.fresh();
                vec![
                    Action::CreateLarge {
                        label,
                        count: rng.random_range(1_001..=3_000),
                        start,
                    },
                    Action::Members { group: label },
                ]
            } else {
                vec![
                    Action::AddMany {
                        group,
                        count: rng.random_range(990..=2_500),
                        start,
                    },
                    Action::Members { group },
                ]
            }
        }
    }
}

/// The body text of a malformed request (never a `{name}` template: rendered as is).
pub fn broken_text(broken: Broken) -> String {
    match broken {
        Broken::Truncated => r#"{"name": "x", "members": ["46700000101""#.to_owned(),
        Broken::TrailingComma => r#"{"members": ["46700000101"],}"#.to_owned(),
        Broken::UnquotedKey => r#"{members: ["46700000101"]}"#.to_owned(),
        Broken::NotJson => "members=46700000101".to_owned(),
    }
}

/// A small valid body for `op` (create, update or replace), for requests that must be refused
/// before their body matters (wrong token, other plan, wrong Content-Type).
pub fn valid_body(op: Operation) -> serde_json::Value {
    match op {
        Operation::Update => serde_json::json!({"add": ["46700000101"], "name": "intruder"}),
        _ => serde_json::json!({"name": "intruder", "members": ["46700000101"]}),
    }
}
