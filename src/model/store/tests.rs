//! Unit and property tests of the documented semantics.

use super::*;
use crate::model::error::{NOT_FOUND, UNKNOWN_GROUP};
use crate::model::request::AutoUpdate;
use proptest::prelude::*;

fn m(n: u64) -> Msisdn {
    Msisdn::from_value(46_700_000_000 + n).unwrap()
}

fn create(store: &mut Store, id: &str, members: &[u64], now: Millis) -> GroupView {
    let request = CreateRequest {
        name: Some(format!("g-{id}")),
        members: members.iter().map(|&n| m(n)).collect(),
        ..Default::default()
    };
    store.create(request, id.to_owned(), now).unwrap()
}

fn members(store: &Store, id: &str) -> Vec<u64> {
    let mut v: Vec<u64> = store
        .members(id)
        .unwrap()
        .iter()
        .map(|x| x.value() - 46_700_000_000)
        .collect();
    v.sort();
    v
}

#[test]
fn duplicates_are_ignored_on_create_and_add() {
    let mut s = Store::new();
    let g = create(&mut s, "A", &[1, 1, 2, 2, 2], 10);
    assert_eq!(g.size, 2);
    let update = UpdateRequest {
        add: vec![m(2), m(3), m(3)],
        ..Default::default()
    };
    assert_eq!(s.update("A", update, 11).unwrap().size, 3);
    assert_eq!(members(&s, "A"), vec![1, 2, 3]);
}

#[test]
fn adds_happen_before_removes_and_unknown_removes_are_accepted() {
    let mut s = Store::new();
    create(&mut s, "A", &[1], 10);
    let update = UpdateRequest {
        add: vec![m(2), m(3)],
        remove: vec![m(3), m(99)],
        ..Default::default()
    };
    let g = s.update("A", update, 11).unwrap();
    assert_eq!(members(&s, "A"), vec![1, 2]);
    assert_eq!(g.size, 2);
}

#[test]
fn name_omitted_keeps_and_null_clears() {
    let mut s = Store::new();
    create(&mut s, "A", &[], 10);
    let g = s.update("A", UpdateRequest::default(), 11).unwrap();
    assert_eq!(g.name.as_deref(), Some("g-A"));
    let clear = UpdateRequest {
        name: NameChange::Clear,
        ..Default::default()
    };
    let g = s.update("A", clear, 12).unwrap();
    assert_eq!(g.name, None);
    let json = serde_json::to_value(&g).unwrap();
    assert!(
        json.get("name").is_none(),
        "a cleared name is omitted: {json}"
    );
}

#[test]
fn add_and_remove_from_group() {
    let mut s = Store::new();
    create(&mut s, "A", &[1, 2], 10);
    create(&mut s, "B", &[2, 3], 10);
    create(&mut s, "C", &[1], 10);
    let update = UpdateRequest {
        add_from_group: Some("B".into()),
        remove_from_group: Some("C".into()),
        ..Default::default()
    };
    s.update("A", update, 11).unwrap();
    assert_eq!(members(&s, "A"), vec![2, 3]);
    assert_eq!(
        members(&s, "B"),
        vec![2, 3],
        "the source group is untouched"
    );
}

#[test]
fn unknown_referenced_groups_are_403_and_change_nothing() {
    let mut s = Store::new();
    create(&mut s, "A", &[1], 10);
    let update = UpdateRequest {
        add: vec![m(5)],
        add_from_group: Some("NOPE".into()),
        ..Default::default()
    };
    assert_eq!(s.update("A", update, 11).unwrap_err().code, UNKNOWN_GROUP);
    assert_eq!(members(&s, "A"), vec![1]);
    let request = CreateRequest {
        child_groups: vec!["NOPE".into()],
        ..Default::default()
    };
    let err = s.create(request, "B".into(), 12).unwrap_err();
    assert_eq!((err.status, err.code), (403, UNKNOWN_GROUP));
    assert!(s.get("B").is_none());
}

#[test]
fn replace_replaces_everything() {
    let mut s = Store::new();
    create(&mut s, "child", &[], 1);
    let request = CreateRequest {
        name: Some("old".into()),
        members: vec![m(1), m(2)],
        child_groups: vec!["child".into()],
        auto_update: Some(AutoUpdate {
            to: "54321".into(),
            add: None,
            remove: None,
        }),
    };
    s.create(request, "A".into(), 5).unwrap();
    let replace = ReplaceRequest {
        name: None,
        members: vec![m(3), m(3)],
        ..Default::default()
    };
    let g = s.replace("A", replace, 6).unwrap();
    assert_eq!(members(&s, "A"), vec![3]);
    assert_eq!((g.size, g.name, g.auto_update), (1, None, None));
    assert!(g.child_groups.is_empty());
    assert_eq!(g.created_at, crate::model::id::format_timestamp(5));
    assert_eq!(g.modified_at, crate::model::id::format_timestamp(6));
}

#[test]
fn deleted_groups_are_unknown() {
    let mut s = Store::new();
    create(&mut s, "A", &[1], 1);
    s.delete("A").unwrap();
    assert_eq!(s.retrieve("A").unwrap_err().status, 404);
    assert_eq!(s.members("A").unwrap_err().code, NOT_FOUND);
    assert_eq!(s.delete("A").unwrap_err().status, 404);
    assert_eq!(s.list(ListQuery::default()).count, 0);
}

#[test]
fn listing_is_newest_first_with_page_size_counting_the_page() {
    let mut s = Store::new();
    for i in 0..5 {
        create(&mut s, &format!("G{i}"), &[], 100);
    }
    let page = |page, page_size| s.list(ListQuery { page, page_size });
    let ids = |l: ListView| l.groups.into_iter().map(|g| g.id).collect::<Vec<_>>();
    assert_eq!(ids(page(0, 2)), vec!["G4", "G3"]);
    assert_eq!(ids(page(1, 2)), vec!["G2", "G1"]);
    let last = page(2, 2);
    assert_eq!((last.page, last.page_size, last.count), (2, 1, 5));
    let beyond = page(3, 2);
    assert_eq!((beyond.page_size, beyond.count), (0, 5));
    assert!(beyond.groups.is_empty());
    assert_eq!(page(0, 0).page_size, 0);
    // "0 or larger" with no maximum: a page number beyond any list is an empty page, echoed.
    let far = page(u128::MAX, 100);
    assert_eq!((far.page, far.page_size, far.count), (u128::MAX, 0, 5));
    assert!(far.groups.is_empty());
}

#[test]
fn modified_at_never_goes_back() {
    let mut s = Store::new();
    create(&mut s, "A", &[], 100);
    let g = s.update("A", UpdateRequest::default(), 50).unwrap();
    assert_eq!(g.modified_at, crate::model::id::format_timestamp(101));
    let g = s.update("A", UpdateRequest::default(), 101).unwrap();
    assert_eq!(
        g.modified_at,
        crate::model::id::format_timestamp(102),
        "moves on within a millisecond"
    );
}

/// One random update, over a small universe of numbers so that overlaps are common.
fn update_strategy() -> impl Strategy<Value = UpdateRequest> {
    let numbers = || proptest::collection::vec(0u64..20, 0..8);
    (
        numbers(),
        numbers(),
        proptest::option::of(Just("B".to_owned())),
        any::<bool>(),
    )
        .prop_map(|(add, remove, from, from_is_add)| UpdateRequest {
            add: add.into_iter().map(m).collect(),
            remove: remove.into_iter().map(m).collect(),
            add_from_group: from.clone().filter(|_| from_is_add),
            remove_from_group: from.filter(|_| !from_is_add),
            ..Default::default()
        })
}

proptest! {
    /// size always equals the member count; a number in both add and remove ends absent; every
    /// other added number ends present; numbers neither added nor removed keep their state.
    #[test]
    fn update_is_set_algebra(
        initial in proptest::collection::vec(0u64..20, 0..10),
        other in proptest::collection::vec(0u64..20, 0..10),
        updates in proptest::collection::vec(update_strategy(), 1..6),
    ) {
        let mut s = Store::new();
        create(&mut s, "A", &initial, 1);
        create(&mut s, "B", &other, 1);
        let b: HashSet<Msisdn> = s.get("B").unwrap().members.clone();
        for (t, u) in updates.into_iter().enumerate() {
            let before = s.get("A").unwrap().members.clone();
            let mut added: HashSet<Msisdn> = u.add.iter().copied().collect();
            let mut removed: HashSet<Msisdn> = u.remove.iter().copied().collect();
            if u.add_from_group.is_some() { added.extend(&b); }
            if u.remove_from_group.is_some() { removed.extend(&b); }
            let view = s.update("A", u, 2 + t as Millis).unwrap();
            let after = &s.get("A").unwrap().members;
            prop_assert_eq!(view.size, after.len());
            prop_assert_eq!(s.members("A").unwrap().len(), view.size);
            for x in &removed { prop_assert!(!after.contains(x)); }
            for x in added.difference(&removed) { prop_assert!(after.contains(x)); }
            for x in before.iter().filter(|x| !added.contains(x) && !removed.contains(x)) {
                prop_assert!(after.contains(x));
            }
        }
    }

    /// Pages never overlap and together hold every group exactly once, newest first.
    #[test]
    fn pages_partition_the_list(n in 0usize..40, page_size in 1u32..12) {
        let mut s = Store::new();
        for i in 0..n { create(&mut s, &format!("G{i:03}"), &[], 1); }
        let mut seen = Vec::new();
        for page in 0.. {
            let l = s.list(ListQuery { page, page_size });
            prop_assert_eq!(l.count, n);
            prop_assert_eq!(l.page_size, l.groups.len());
            if l.groups.is_empty() { break; }
            seen.extend(l.groups.into_iter().map(|g| g.id));
        }
        let expected: Vec<String> = (0..n).rev().map(|i| format!("G{i:03}")).collect();
        prop_assert_eq!(seen, expected);
    }
}
