//! Comparing Group views and member lists with the model, and naming the rule a difference breaks.

use super::{Change, Oracle};
use crate::check::diff::{json_diff, overlay};
use crate::check::judge::Problem;
use crate::model::id::{has_documented_precision, parse_timestamp};
use crate::model::limits::{CHILD_GROUPS_MAX, MEMBERS_PER_REQUEST, NAME_MAX_CHARS};
use crate::model::{GroupView, Msisdn, NameChange, UpdateRequest};
use crate::scenario::Operation;
use crate::scenario::matcher::normalise;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

/// How long after a change a later change must show a later `modified_at`: a second (the coarsest
/// precision of the documented examples) and a margin for the clocks of client and server.
const MODIFIED_AT_RESOLUTION: Duration = Duration::from_millis(1_200);

/// What an update did, as far as attributing a difference goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Features {
    /// A number in both add and remove.
    overlap: bool,
    /// add repeats a number, or adds one already a member.
    duplicate_add: bool,
    /// remove names a number that is not a member (and not added).
    unknown_remove: bool,
    from_add: bool,
    from_remove: bool,
}

impl Features {
    pub(crate) fn of(request: &UpdateRequest, before: Option<&HashSet<Msisdn>>) -> Features {
        let add: HashSet<Msisdn> = request.add.iter().copied().collect();
        let empty = HashSet::new();
        let before = before.unwrap_or(&empty);
        Features {
            overlap: request.remove.iter().any(|m| add.contains(m)),
            duplicate_add: add.len() < request.add.len() || add.iter().any(|m| before.contains(m)),
            unknown_remove: request
                .remove
                .iter()
                .any(|m| !before.contains(m) && !add.contains(m)),
            from_add: request.add_from_group.is_some(),
            from_remove: request.remove_from_group.is_some(),
        }
    }

    /// The rule a wrong size after this update most likely breaks.
    fn size_rule(self) -> &'static str {
        if self.overlap {
            "update.add-before-remove"
        } else if self.from_add {
            "update.add-from-group"
        } else if self.from_remove {
            "update.remove-from-group"
        } else if self.duplicate_add {
            "members.duplicates-ignored"
        } else if self.unknown_remove {
            "update.unknown-remove-accepted"
        } else {
            "update.add-remove"
        }
    }
}

/// The documented limit a request body breaks, if any (the oracle's only validation judgement:
/// these limits are documented without contradiction).
pub(crate) fn limit_breached(raw: &Map<String, Value>) -> Option<&'static str> {
    let len = |k: &str| raw.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    let name_len = raw
        .get("name")
        .and_then(Value::as_str)
        .map_or(0, |n| n.chars().count());
    if name_len > NAME_MAX_CHARS {
        Some("validation.name-too-long")
    } else if ["members", "add", "remove"]
        .iter()
        .any(|k| len(k) > MEMBERS_PER_REQUEST)
    {
        Some("validation.too-many-members")
    } else if len("child_groups") > CHILD_GROUPS_MAX {
        Some("validation.too-many-child-groups")
    } else {
        None
    }
}

/// Which rule a wrong create size breaks: duplicates, spellings, or the create itself.
fn create_size_rule(raw: Option<&Map<String, Value>>) -> &'static str {
    let members: Vec<&str> = raw
        .and_then(|r| r.get("members"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let distinct_text: HashSet<&str> = members.iter().copied().collect();
    let distinct_numbers: HashSet<String> = members.iter().map(|m| normalise(m)).collect();
    if distinct_text.len() < members.len() {
        "members.duplicates-ignored"
    } else if distinct_numbers.len() < distinct_text.len() {
        let decorated = members
            .iter()
            .any(|m| m.starts_with("00") || m.contains([' ', '-', '(', ')']));
        if decorated {
            "msisdn.accept-00-and-separators"
        } else {
            "msisdn.accept-plus-or-digits"
        }
    } else {
        "create.returns-group"
    }
}

impl Oracle {
    /// A create, update or replace answered with a Group.
    pub(super) fn judge_change_response(
        &mut self,
        id: &str,
        view: &Value,
        op: Operation,
        raw: Option<&Map<String, Value>>,
        problems: &mut Vec<Problem>,
    ) {
        let previous = self.known.get(id).and_then(|k| k.modified_at);
        let modified = view.get("modified_at").and_then(Value::as_str);
        // "When the group was last updated" must move, at any timestamp precision, once the
        // change was sent more than a second after the previous change was answered.
        // An update that changes nothing (a remove of a non-member) need not count as one.
        let content = |v: &Value| -> Value {
            json!([
                v.get("name"),
                v.get("size"),
                v.get("child_groups"),
                v.get("auto_update")
            ])
        };
        let changed_content = self
            .known
            .get(id)
            .and_then(|k| k.last_view.as_ref())
            .is_none_or(|last| content(last) != content(view));
        let a_second_later = match (self.known.get(id).and_then(|k| k.changed_at), self.sent_at) {
            (Some(changed), Some(sent)) => sent > changed + MODIFIED_AT_RESOLUTION,
            _ => false,
        } && changed_content;
        if matches!(op, Operation::Update | Operation::Replace)
            && a_second_later
            && let (Some(before), Some(text)) = (previous, modified)
            && parse_timestamp(text).is_some_and(|now| now <= before)
        {
            problems.push(
                Problem::new(
                    "time.modified-at",
                    format!("a successful {op} left modified_at at {text}, not later than before"),
                )
                .at("/modified_at"),
            );
        }
        self.invariants(id, view, problems);
        if let Some(expected) = self.model_view(id) {
            let change = self.known.get(id).map(|k| k.last_change.clone());
            let sent =
                |field: &str| raw.is_some_and(|r| r.get(field).is_some_and(|v| !v.is_null()));
            let rule_for = |field: &str| -> &'static str {
                match (op, field, &change) {
                    (Operation::Create, "size", _) => create_size_rule(raw),
                    (Operation::Create, _, _) => "create.returns-group",
                    (Operation::Update, "size", Some(Change::Update(_, f))) => f.size_rule(),
                    (Operation::Update, "name", Some(Change::Update(r, _))) => match r.name {
                        NameChange::Keep => "update.name-omitted-keeps",
                        NameChange::Clear => "update.name-null-clears",
                        NameChange::Set(_) => "update.name-set",
                    },
                    (Operation::Update, "auto_update", _) => "update.accepts-auto-update",
                    (Operation::Replace, "size", _) => "replace.members-replaced",
                    (Operation::Replace, "name", _) if sent("name") => "replace.name-replaced",
                    (Operation::Replace, "auto_update" | "child_groups", _) if sent(field) => {
                        "replace.accepts-child-groups-auto-update"
                    }
                    (Operation::Replace, "name", _) => "replace.omitted-name-cleared",
                    (Operation::Replace, _, _) => "replace.omitted-fields-cleared",
                    _ => "group.consistent-views",
                }
            };
            if self.compare(id, &expected, view, rule_for, problems) {
                self.untrack(id);
            }
        }
        self.remember(id, view);
    }

    /// A retrieve or a list item.
    pub(super) fn judge_view(
        &mut self,
        id: &str,
        view: &Value,
        _op: Operation,
        problems: &mut Vec<Problem>,
    ) {
        let Some(known) = self.known.get(id).cloned() else {
            return;
        };
        self.invariants(id, view, problems);
        if let Some(expected) = self.model_view(id) {
            let rule_for = |_: &str| match known.last_change {
                Change::Rejected => "validation.rejected-no-effect",
                _ => "group.consistent-views",
            };
            if self.compare(id, &expected, view, rule_for, problems) {
                self.untrack(id);
            }
        } else if let (Some(last), false) = (&known.last_view, known.changed_since_view) {
            let fields = ["name", "size", "child_groups", "created_at", "modified_at"];
            let pick = |v: &Value| -> Value {
                json!(
                    fields
                        .iter()
                        .map(|f| (f.to_string(), v.get(f).cloned().unwrap_or(Value::Null)))
                        .collect::<Map<_, _>>()
                )
            };
            let (before, now) = (pick(last), pick(view));
            if before != now {
                problems.push(
                    Problem::new(
                        "group.consistent-views",
                        "the group changed between two views with no change in between",
                    )
                    .with_diff(json_diff(&before, &now)),
                );
            }
        }
        self.remember(id, view);
    }

    /// `GET …/members`.
    pub(super) fn judge_members(&mut self, id: &str, members: &Value, problems: &mut Vec<Problem>) {
        let Some(items) = members.as_array() else {
            return;
        };
        let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
        if let Some(raw) = texts.iter().find(|t| normalise(t) != **t)
            && self.once("msisdn.output-normalised")
        {
            problems.push(Problem::new(
                "msisdn.output-normalised",
                format!(
                    "members are returned as '{raw}', not normalised to '{}'",
                    normalise(raw)
                ),
            ));
        }
        let actual: BTreeSet<String> = texts.iter().map(|t| normalise(t)).collect();
        if actual.len() < texts.len() {
            problems.push(Problem::new(
                "members.duplicates-ignored",
                "GET …/members lists a number twice",
            ));
        }
        let Some(known) = self.known.get(id).cloned() else {
            return;
        };
        if let (Some(last), false) = (&known.last_view, known.changed_since_view) {
            let no_children = last
                .get("child_groups")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
            let size = last.get("size").and_then(Value::as_u64);
            if no_children && size.is_some_and(|s| s as usize != texts.len()) {
                problems.push(Problem::new(
                    "members.size-equals-count",
                    format!(
                        "the group's size is {}, but GET …/members lists {} numbers",
                        size.unwrap_or(0),
                        texts.len()
                    ),
                ));
            }
        }
        let Some(model) = self.model_members(id) else {
            return;
        };
        let expected: BTreeSet<String> = model.iter().map(Msisdn::to_string).collect();
        if expected == actual {
            return;
        }
        let missing: Vec<&String> = expected.difference(&actual).collect();
        let extra: Vec<&String> = actual.difference(&expected).collect();
        let rule = match &known.last_change {
            Change::Create => create_size_rule(None),
            Change::Replace => "replace.members-replaced",
            Change::Rejected => "validation.rejected-no-effect",
            Change::Update(request, features) => {
                let in_list =
                    |list: &[Msisdn], x: &String| list.iter().any(|m| &m.to_string() == x);
                if extra
                    .iter()
                    .any(|x| in_list(&request.add, x) && in_list(&request.remove, x))
                {
                    "update.add-before-remove"
                } else if !extra.is_empty() && features.from_remove {
                    "update.remove-from-group"
                } else if !missing.is_empty()
                    && features.from_add
                    && missing.iter().all(|x| !in_list(&request.add, x))
                {
                    "update.add-from-group"
                } else if missing.iter().any(|x| !in_list(&request.add, x))
                    && features.unknown_remove
                {
                    "update.unknown-remove-accepted"
                } else {
                    "update.add-remove"
                }
            }
        };
        let lines =
            |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join("\n") + "\n";
        problems.push(
            Problem::new(
                rule,
                format!(
                    "members differ from the documented result: {} missing {:?}, {} unexpected {:?}",
                    missing.len(),
                    missing.iter().take(5).collect::<Vec<_>>(),
                    extra.len(),
                    extra.iter().take(5).collect::<Vec<_>>()
                ),
            )
            .with_diff(crate::check::diff::unified(&lines(&expected), &lines(&actual))),
        );
        self.untrack(id);
    }

    fn model_view(&self, id: &str) -> Option<GroupView> {
        self.tracked(id)
            .then(|| self.store.retrieve(id).ok())
            .flatten()
    }

    /// Compare the fields the model predicts; true when something differs.
    fn compare(
        &mut self,
        _id: &str,
        expected: &GroupView,
        actual: &Value,
        rule_for: impl Fn(&str) -> &'static str,
        problems: &mut Vec<Problem>,
    ) -> bool {
        let mut wanted = Map::new();
        wanted.insert("size".into(), json!(expected.size));
        match &expected.name {
            Some(n) => {
                wanted.insert("name".into(), json!(n));
            }
            None if actual.get("name").is_some() => {
                wanted.insert("name".into(), Value::Null);
            }
            None => {}
        }
        let children: BTreeSet<&str> = expected.child_groups.iter().map(String::as_str).collect();
        let got_children: BTreeSet<&str> = actual
            .get("child_groups")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut differs = false;
        let mut report = |field: &str, message: String, expected_doc: Value| {
            let rule = if field == "name" && actual.get("name").is_some_and(Value::is_null) {
                "update.cleared-name-absent"
            } else {
                rule_for(field)
            };
            problems.push(
                Problem::new(rule, message)
                    .at(format!("/{field}"))
                    .with_diff(json_diff(&expected_doc, actual)),
            );
        };
        for (field, value) in &wanted {
            let got = actual.get(field).cloned().unwrap_or(Value::Null);
            let same = got == *value || (value.is_null() && actual.get(field).is_none());
            if !same {
                differs = true;
                let mut doc = overlay(actual, &json!({ field.clone(): value.clone() }));
                if value.is_null()
                    && let Some(m) = doc.as_object_mut()
                {
                    m.remove(field);
                }
                report(
                    field,
                    format!(
                        "{field} is {got}, the documented result is {}",
                        if value.is_null() {
                            "absent".to_owned()
                        } else {
                            value.to_string()
                        }
                    ),
                    doc,
                );
            }
        }
        // A Group without the child_groups field (the OLD-DOC shape) is a should-rule matter,
        // reported once by `invariants`.
        if children != got_children && actual.get("child_groups").is_some() {
            differs = true;
            let doc = overlay(actual, &json!({"child_groups": expected.child_groups}));
            report(
                "child_groups",
                format!("child_groups are {got_children:?}, the documented result is {children:?}"),
                doc,
            );
        }
        let expected_auto = expected
            .auto_update
            .as_ref()
            .map(|a| serde_json::to_value(a).unwrap_or_default());
        let got_auto = actual.get("auto_update").cloned();
        match (&expected_auto, &got_auto) {
            (Some(e), Some(g)) if fold_keywords(e) != fold_keywords(g) => {
                differs = true;
                report(
                    "auto_update",
                    "auto_update differs from the one set".to_owned(),
                    overlay(actual, &json!({"auto_update": e})),
                );
            }
            (None, Some(g)) if !g.is_null() => {
                differs = true;
                let mut doc = actual.clone();
                if let Some(m) = doc.as_object_mut() {
                    m.remove("auto_update");
                }
                report(
                    "auto_update",
                    "auto_update is set, but the documented result has none".to_owned(),
                    doc,
                );
            }
            _ => {}
        }
        differs
    }

    /// created_at stable, modified_at monotonic, formats.
    fn invariants(&mut self, id: &str, view: &Value, problems: &mut Vec<Problem>) {
        let created = view
            .get("created_at")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let modified = view.get("modified_at").and_then(Value::as_str);
        for text in [created.as_deref(), modified].into_iter().flatten() {
            if !has_documented_precision(text) && self.once("time.utc-millis") {
                problems.push(Problem::new(
                    "time.utc-millis",
                    format!(
                        "timestamp '{text}' is not UTC with milliseconds (YYYY-MM-DDThh:mm:ss.SSSZ)"
                    ),
                ));
            }
        }
        // A Group without child groups may leave `child_groups` out (empty optional fields may be
        // omitted); a Group that has some must show them, which scenarios check where they set
        // them (group.includes-child-groups-auto-update).
        if let Some(gid) = view.get("id").and_then(Value::as_str)
            && !(gid.len() == 26
                && gid
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
            && self.once("group.id-format")
        {
            problems.push(
                Problem::new(
                    "group.id-format",
                    format!("id '{gid}' is not 26 characters of 0-9 and A-Z"),
                )
                .at("/id"),
            );
        }
        let Some(known) = self.known.get_mut(id) else {
            return;
        };
        if let Some(created) = &created {
            match &known.created_at {
                Some(first)
                    if first != created && parse_timestamp(first) != parse_timestamp(created) =>
                {
                    problems.push(
                        Problem::new(
                            "time.created-at-stable",
                            format!("created_at moved from {first} to {created}"),
                        )
                        .at("/created_at")
                        .with_diff(json_diff(
                            &overlay(view, &json!({"created_at": first})),
                            view,
                        )),
                    );
                }
                Some(_) => {}
                None => known.created_at = Some(created.clone()),
            }
        }
        let modified_ms = modified.and_then(parse_timestamp);
        let created_ms = created.as_deref().and_then(parse_timestamp);
        if let Some(m) = modified_ms {
            let previous = known.modified_at;
            if previous.is_some_and(|p| m < p) || created_ms.is_some_and(|c| m < c) {
                problems.push(
                    Problem::new(
                        "time.modified-at",
                        format!(
                            "modified_at {} went back (previously {:?}, created {:?})",
                            modified.unwrap_or(""),
                            previous.map(crate::model::id::format_timestamp),
                            created
                        ),
                    )
                    .at("/modified_at"),
                );
            }
            known.modified_at = Some(previous.map_or(m, |p| p.max(m)));
        }
    }

    fn remember(&mut self, id: &str, view: &Value) {
        if let Some(k) = self.known.get_mut(id) {
            k.last_view = Some(view.clone());
            k.changed_since_view = false;
        }
    }
}

/// An auto_update with its keywords lower-cased: keywords "are not case sensitive", so a server
/// may return them in any case.
fn fold_keywords(auto_update: &Value) -> Value {
    let mut folded = auto_update.clone();
    for key in ["add", "remove"] {
        if let Some(Value::Object(words)) = folded.get_mut(key) {
            for word in words.values_mut() {
                if let Value::String(text) = word {
                    *text = text.to_lowercase();
                }
            }
        }
    }
    folded
}
