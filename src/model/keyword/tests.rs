//! Unit and property tests of keyword matching and of [`crate::model::Store::inbound`].

use super::*;
use crate::model::error::{
    SYNTAX_CONSTRAINT_VIOLATION, SYNTAX_INVALID_JSON, SYNTAX_INVALID_PARAMETER_FORMAT,
};
use crate::model::{CreateRequest, Store};
use proptest::prelude::*;
use serde_json::json;

fn kw(first: &str, second: Option<&str>) -> Keywords {
    Keywords {
        first_word: first.to_owned(),
        second_word: second.map(str::to_owned),
    }
}

fn auto(to: &str, add: Option<Keywords>, remove: Option<Keywords>) -> AutoUpdate {
    AutoUpdate {
        to: to.to_owned(),
        add,
        remove,
    }
}

fn mo(from: &str, to: &str, body: &str) -> Inbound {
    let body = json!({"from": from, "to": to, "body": body});
    Inbound::from_json(body.as_object().unwrap()).unwrap()
}

fn join_leave() -> AutoUpdate {
    auto("12345", Some(kw("JOIN", None)), Some(kw("LEAVE", None)))
}

#[test]
fn words_split_on_unicode_whitespace_and_lower_case() {
    assert_eq!(words("  Leave\tnow\n"), ["leave", "now"]);
    assert_eq!(words("JOIN\u{00a0}ÄNDRA\u{2003}x"), ["join", "ändra", "x"]);
    assert!(words("").is_empty());
    assert!(words(" \t\r\n").is_empty());
    assert_eq!(words("join!"), ["join!"], "punctuation is part of a word");
}

#[test]
fn first_word_matches_case_insensitively_and_ignores_the_rest() {
    let k = kw("Sinch", None);
    for text in ["sinch", "SINCH", "SInCh", "sinch join me", "  Sinch  "] {
        assert!(k.matches(&words(text)), "{text:?}");
    }
    for text in ["", "sinchx", "join sinch", "sinch!"] {
        assert!(!k.matches(&words(text)), "{text:?}");
    }
}

#[test]
fn second_word_is_required_when_the_keyword_has_one() {
    // The documented shared short code example (groups-api.md §5).
    let add = kw("Sinch", Some("Join"));
    let remove = kw("SINCH", Some("leave"));
    assert!(add.matches(&words("sinch join")));
    assert!(add.matches(&words("SINCH JOIN please")));
    assert!(!add.matches(&words("sinch")));
    assert!(!add.matches(&words("sinch leave")));
    assert!(remove.matches(&words("Sinch Leave")));
    assert!(!remove.matches(&words("join sinch")));
}

#[test]
fn the_to_number_is_normalised() {
    let a = auto("+1 (555) 123-1234", Some(kw("join", None)), None);
    assert!(mo("46700000009", "15551231234", "join").effect_on(&a).add);
    assert!(mo("46700000009", "0015551231234", "join").effect_on(&a).add);
    assert!(
        !mo("46700000009", "15551231235", "join")
            .effect_on(&a)
            .matched()
    );
    let short = join_leave();
    assert!(mo("46700000009", "12345", "join").effect_on(&short).add);
    assert!(
        !mo("46700000009", "123456", "join")
            .effect_on(&short)
            .matched()
    );
}

#[test]
fn body_validation_uses_the_documented_codes() {
    let err = |v: serde_json::Value| Inbound::from_json(v.as_object().unwrap()).unwrap_err();
    let missing = err(json!({"to": "12345", "body": "join"}));
    assert_eq!(
        (missing.status, missing.code),
        (400, SYNTAX_CONSTRAINT_VIOLATION)
    );
    let null = err(json!({"from": null, "to": "12345", "body": "join"}));
    assert_eq!(null.code, SYNTAX_CONSTRAINT_VIOLATION);
    let typed = err(json!({"from": 46700000009_u64, "to": "12345", "body": "join"}));
    assert_eq!(typed.code, SYNTAX_INVALID_JSON);
    let bad_from = err(json!({"from": "+1", "to": "12345", "body": "join"}));
    assert_eq!(bad_from.code, SYNTAX_INVALID_PARAMETER_FORMAT);
    assert!(bad_from.text.contains("'from'"), "{}", bad_from.text);
    let bad_to = err(json!({"from": "46700000009", "to": "12", "body": "join"}));
    assert_eq!(bad_to.code, SYNTAX_INVALID_PARAMETER_FORMAT);
    let m = mo("+46 70-000 00 09", "0046 12345", "Join");
    assert_eq!(m.from.to_string(), "46700000009");
    assert_eq!(m.to, "4612345");
}

/// The done-when case, on the model.
#[test]
fn join_then_leave_now() {
    let mut store = Store::new();
    let request = CreateRequest {
        auto_update: Some(join_leave()),
        ..Default::default()
    };
    let view = store.create(request, "g1".into(), 1_000).unwrap();
    assert_eq!(view.size, 0);
    assert_eq!(
        store.inbound(&mo("+46700000009", "12345", "join"), 2_000),
        ["g1"]
    );
    assert_eq!(store.retrieve("g1").unwrap().size, 1);
    assert_eq!(store.get("g1").unwrap().modified_at, 2_000);
    assert!(
        store
            .inbound(&mo("+46700000009", "12345", "JOIN"), 3_000)
            .is_empty(),
        "a member joining again changes nothing"
    );
    assert_eq!(store.get("g1").unwrap().modified_at, 2_000);
    assert_eq!(
        store.inbound(&mo("46700000009", "12345", "Leave now"), 4_000),
        ["g1"]
    );
    assert_eq!(store.retrieve("g1").unwrap().size, 0);
}

#[test]
fn every_listening_group_of_the_plan_changes_oldest_first() {
    let mut store = Store::new();
    let mut create = |id: &str, a: Option<AutoUpdate>| {
        let request = CreateRequest {
            auto_update: a,
            ..Default::default()
        };
        store.create(request, id.into(), 1).unwrap();
    };
    create("a", Some(join_leave()));
    create("b", None);
    create("c", Some(auto("54321", Some(kw("join", None)), None)));
    create(
        "d",
        Some(auto("12345", Some(kw("JOIN", Some("now"))), None)),
    );
    create("e", Some(join_leave()));
    let changed = store.inbound(&mo("46700000009", "12345", "join now"), 2);
    assert_eq!(changed, ["a", "d", "e"]);
    assert_eq!(store.retrieve("b").unwrap().size, 0);
    assert_eq!(store.retrieve("c").unwrap().size, 0);
}

#[test]
fn add_and_remove_both_matching_leave_the_number_out() {
    // Adds before removes, as in an update with the number in both lists.
    let a = auto(
        "12345",
        Some(kw("stop", None)),
        Some(kw("STOP", Some("all"))),
    );
    let both = mo("46700000009", "12345", "stop all");
    assert_eq!(
        both.effect_on(&a),
        Effect {
            add: true,
            remove: true
        }
    );
    let mut members = HashSet::new();
    assert!(!both.effect_on(&a).apply(&mut members, both.from));
    assert!(members.is_empty());
    members.insert(both.from);
    assert!(both.effect_on(&a).apply(&mut members, both.from));
    assert!(members.is_empty());
}

/// A keyword as the API accepts it: one word of `[A-Za-z0-9_]`, at most 15 characters.
fn keyword() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]{1,15}"
}

/// The same text with each ASCII letter's case flipped where `flips` says so.
fn recase(text: &str, flips: &[bool]) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if flips.get(i).copied().unwrap_or(false) {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

fn whitespace() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(' '),
            Just('\t'),
            Just('\n'),
            Just('\u{a0}'),
            Just('\u{3000}')
        ],
        1..4,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    /// Any casing of a keyword, with any whitespace around and between the words and any further
    /// words, matches.
    #[test]
    fn any_casing_and_spacing_matches(
        first in keyword(),
        second in proptest::option::of(keyword()),
        flips in proptest::collection::vec(any::<bool>(), 32),
        (lead, gap, tail) in (whitespace(), whitespace(), whitespace()),
        rest in proptest::collection::vec("[a-z]{1,6}", 0..3),
    ) {
        let k = kw(&first, second.as_deref());
        let mut text = format!("{lead}{}", recase(&first, &flips));
        if let Some(second) = &second {
            text.push_str(&gap);
            text.push_str(&recase(second, &flips[16..]));
        }
        for word in &rest {
            text.push_str(&tail);
            text.push_str(word);
        }
        prop_assert!(k.matches(&words(&text)), "{:?} vs {:?}", k, text);
    }

    /// A message whose first word is not the keyword never matches, whatever follows.
    #[test]
    fn another_first_word_never_matches(first in keyword(), other in keyword(), second in keyword()) {
        prop_assume!(!first.eq_ignore_ascii_case(&other));
        let k = kw(&first, None);
        let text = format!("{other} {first}");
        prop_assert!(!k.matches(&words(&text)));
        let k2 = kw(&first, Some(&second));
        prop_assert!(!k2.matches(&words(&first)), "the second word is required");
    }

    /// Applying the same message twice leaves the members as once, and the second time reports
    /// no change; the outcome never depends on anything but add, remove and membership.
    #[test]
    fn applying_is_idempotent(add in any::<bool>(), remove in any::<bool>(), member in any::<bool>()) {
        let from = Msisdn::parse("46700000009").unwrap();
        let mut members = HashSet::new();
        if member {
            members.insert(from);
        }
        let effect = Effect { add, remove };
        let first = effect.apply(&mut members, from);
        let after_once = members.clone();
        prop_assert!(!effect.apply(&mut members, from));
        prop_assert_eq!(&members, &after_once);
        let expected = if remove { false } else { add || member };
        prop_assert_eq!(members.contains(&from), expected);
        prop_assert_eq!(first, expected != member);
    }
}
