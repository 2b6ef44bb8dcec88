//! Injectable defects, for proving that the gate catches what it claims to (`serve --fault NAME`,
//! `selftest`). Faults live on the emulator's side only: they bend requests before the model sees
//! them or answers after it spoke; the model and the oracle never know.
//!
//! [`Fault`] is the catalogue (`fault.rs`): one variant per realistic defect, its doc comment
//! saying what a real implementation gets wrong. [`Faults`] is what the routes call: small
//! functions, each a no-op unless one of its faults is injected, so the handlers read as
//! "parse → model → answer".
//! The little state some faults keep (a soft-deleted id, a drifting size counter) lives here too,
//! never in the model.

mod answers;

pub use super::fault::{Fault, FoundBy, Kind};
use crate::model::error::ApiError;
use crate::model::limits::{CHILD_GROUPS_MAX, MEMBERS_PER_REQUEST, NAME_MAX_CHARS};
use crate::model::{
    CreateRequest, Group, GroupView, Millis, Msisdn, ReplaceRequest, Store, UpdateRequest,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How many members `members-truncated` returns at most.
const TRUNCATED_MEMBERS: usize = 1_000;
/// `quadratic-update` compares at most this many members pairwise, so a selftest at a few
/// thousand members shows the growth and a 20,000-member update still answers in well under a
/// second.
const QUADRATIC_CAP: usize = 5_000;
/// `lost-updates`: how long the read-modify-write leaves the lock released.
const RACE_WINDOW: Duration = Duration::from_millis(2);
/// `modified-at-local-time`: the offset of the local clock (UTC-5).
const LOCAL_OFFSET_MS: Millis = 5 * 3600 * 1000;

/// The faults of one emulator and the state a few of them keep.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    active: BTreeSet<Fault>,
    /// Size counted too high, per group id (`duplicates-counted`, `duplicate-adds-counted`).
    extra_size: Mutex<HashMap<String, usize>>,
    /// Ids deleted under `soft-delete`.
    soft_deleted: Mutex<HashSet<String>>,
}

/// Members or child groups cut off a request to get it past the model's limits, put back after.
#[derive(Default)]
struct Overflow {
    lists: Vec<(&'static str, Vec<Value>)>,
}

/// The list answer: `page` stays a `u128` (any page a client asks for is echoed).
#[derive(Debug, Serialize)]
pub(crate) struct ListAnswer {
    page: u128,
    page_size: usize,
    count: usize,
    groups: Vec<Value>,
}

impl Faults {
    pub fn new(faults: &[Fault]) -> Faults {
        Faults {
            active: faults.iter().copied().collect(),
            ..Faults::default()
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.active.contains(&fault)
    }

    fn any(&self, faults: &[Fault]) -> bool {
        faults.iter().any(|f| self.has(*f))
    }

    // ---- cross-cutting ----------------------------------------------------------------------

    /// The key of a plan's store: one shared store under `plans-share-store`.
    pub fn store_key<'a>(&self, plan: &'a str) -> &'a str {
        if self.has(Fault::PlansShareStore) {
            ""
        } else {
            plan
        }
    }

    /// `auth-ignored`: every request passes, with any token or none.
    pub fn accepts_any_token(&self) -> bool {
        self.has(Fault::AuthIgnored)
    }

    /// `content-type-ignored`: bodies are read whatever their Content-Type.
    pub fn checks_content_type(&self) -> bool {
        !self.has(Fault::ContentTypeIgnored)
    }

    /// The error for a body that is not a JSON object (`malformed-json-500`: a crash).
    pub fn unreadable_body(&self, error: ApiError) -> ApiError {
        if self.has(Fault::MalformedJson500) {
            ApiError::new(500, "internal_error", "Internal server error.")
        } else {
            error
        }
    }

    pub fn create_status(&self) -> u16 {
        if self.has(Fault::CreateReturns200) {
            200
        } else {
            201
        }
    }

    pub fn replace_status(&self) -> u16 {
        if self.has(Fault::ReplaceReturns201) {
            201
        } else {
            200
        }
    }

    pub fn delete_status(&self) -> u16 {
        if self.has(Fault::DeleteReturns204) {
            204
        } else {
            200
        }
    }

    /// The JSON body of an error answer.
    pub fn error_body(&self, error: &ApiError) -> String {
        let body = if error.status == 400 && self.has(Fault::ErrorBodyEnvelope) {
            json!({"error": {"code": 400, "message": error.text, "status": "INVALID_ARGUMENT", "details": []}})
        } else if error.status == 400 && self.has(Fault::ErrorCodeUndocumented) {
            json!({"code": "bad_request", "text": error.text})
        } else if error.status == 403 && self.has(Fault::ErrorDescriptionNotText) {
            json!({"code": error.code, "description": error.text})
        } else {
            return serde_json::to_string(error).unwrap_or_default();
        };
        body.to_string()
    }

    // ---- requests ---------------------------------------------------------------------------

    /// Parse a create body, bent by the active faults.
    pub fn create_request(
        &self,
        store: &Mutex<Store>,
        body: &Map<String, Value>,
    ) -> Result<CreateRequest, ApiError> {
        if self.active.is_empty() {
            return CreateRequest::from_json(body);
        }
        let mut body = body.clone();
        self.bend_fields(&mut body, &["members"]);
        if self.has(Fault::UnknownChildGroupIgnored) {
            keep_known_children(&lock(store), &mut body);
        }
        let overflow = self.lift_limits(&mut body, &["members"]);
        let mut request = CreateRequest::from_json(&body)?;
        overflow.restore(&mut request.members, &mut request.child_groups)?;
        Ok(request)
    }

    /// Parse an update body, bent by the active faults.
    pub fn update_request(
        &self,
        store: &Mutex<Store>,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<UpdateRequest, ApiError> {
        if self.active.is_empty() {
            return UpdateRequest::from_json(body);
        }
        let mut body = body.clone();
        self.bend_fields(&mut body, &["add", "remove"]);
        if self.has(Fault::NullNameIgnored) && body.get("name") == Some(&Value::Null) {
            body.remove("name");
        }
        if self.has(Fault::NameOmittedClears) && !body.contains_key("name") {
            body.insert("name".into(), Value::Null);
        }
        if self.has(Fault::AddFromGroupIgnored) {
            body.remove("add_from_group");
        }
        if self.has(Fault::UnknownSourceGroupIgnored) {
            let store = lock(store);
            for key in ["add_from_group", "remove_from_group"] {
                if let Some(Value::String(other)) = body.get(key)
                    && store.get(other).is_none()
                {
                    body.remove(key);
                }
            }
        }
        let overflow = self.lift_limits(&mut body, &["add", "remove"]);
        let mut request = UpdateRequest::from_json(&body)?;
        let mut lists = std::mem::take(&mut request.add);
        let mut removes = std::mem::take(&mut request.remove);
        overflow.restore_named(&mut [("add", &mut lists), ("remove", &mut removes)])?;
        (request.add, request.remove) = (lists, removes);

        let store = lock(store);
        let Some(group) = store.get(id) else {
            return Ok(request); // the model answers 404
        };
        if self.has(Fault::RemoveFromGroupRemovesAll)
            && let Some(other) = &request.remove_from_group
            && store.get(other).is_some()
        {
            request.remove_from_group = None;
            request.remove.extend(group.members.iter().copied());
        }
        if self.has(Fault::UnknownRemoveRejected)
            && let Some(unknown) = request
                .remove
                .iter()
                .find(|m| !group.members.contains(m) && !request.add.contains(m))
        {
            return Err(ApiError::constraint(format!(
                "Cannot remove {unknown}: it is not a member of the group."
            )));
        }
        Ok(request)
    }

    /// Parse a replace body, bent by the active faults.
    pub fn replace_request(
        &self,
        store: &Mutex<Store>,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<ReplaceRequest, ApiError> {
        if self.active.is_empty() {
            return ReplaceRequest::from_json(body);
        }
        let mut body = body.clone();
        self.bend_fields(&mut body, &["members"]);
        if self.has(Fault::ReplaceWithoutMembersAccepted) && body.get("members").is_none() {
            body.insert("members".into(), json!([]));
        }
        let current = lock(store).retrieve(id).ok();
        if let Some(current) = &current {
            if self.has(Fault::ReplaceKeepsName) {
                match &current.name {
                    Some(name) => body.insert("name".into(), json!(name)),
                    None => body.remove("name"),
                };
            }
            if self.has(Fault::ReplaceKeepsOmittedFields) {
                let old = serde_json::to_value(current).unwrap_or_default();
                for key in ["name", "child_groups", "auto_update"] {
                    if body.get(key).is_none_or(Value::is_null)
                        && let Some(value) = old.get(key)
                    {
                        body.insert(key.into(), value.clone());
                    }
                }
            }
        }
        if self.has(Fault::UnknownChildGroupIgnored) {
            keep_known_children(&lock(store), &mut body);
        }
        let overflow = self.lift_limits(&mut body, &["members"]);
        let mut request = ReplaceRequest::from_json(&body)?;
        overflow.restore(&mut request.members, &mut request.child_groups)?;
        if self.has(Fault::ReplaceMergesMembers)
            && let Some(group) = lock(store).get(id)
        {
            request.members.extend(group.members.iter().copied());
        }
        Ok(request)
    }

    /// Bends shared by create, update and replace bodies.
    fn bend_fields(&self, body: &mut Map<String, Value>, lists: &[&str]) {
        if self.has(Fault::LongNameTruncated)
            && let Some(Value::String(name)) = body.get_mut("name")
            && name.chars().count() > NAME_MAX_CHARS
        {
            *name = name.chars().take(NAME_MAX_CHARS).collect();
        }
        if self.has(Fault::BadMsisdnDropped) {
            for key in lists {
                if let Some(Value::Array(items)) = body.get_mut(*key) {
                    items.retain(|v| v.as_str().is_none_or(|t| Msisdn::parse(t).is_some()));
                }
            }
        }
        if self.has(Fault::AutoUpdateDropped) {
            body.remove("auto_update");
        }
    }

    /// Cut the lists the model limits down to the limit (`member-limit-unchecked`,
    /// `child-group-limit-unchecked`); the rest is put back after parsing.
    fn lift_limits(
        &self,
        body: &mut Map<String, Value>,
        member_lists: &[&'static str],
    ) -> Overflow {
        let mut overflow = Overflow::default();
        let mut cut = |key: &'static str, limit: usize| {
            if let Some(Value::Array(items)) = body.get_mut(key)
                && items.len() > limit
            {
                overflow.lists.push((key, items.split_off(limit)));
            }
        };
        if self.has(Fault::MemberLimitUnchecked) {
            for key in member_lists {
                cut(key, MEMBERS_PER_REQUEST);
            }
        }
        if self.has(Fault::ChildGroupLimitUnchecked) {
            cut("child_groups", CHILD_GROUPS_MAX);
        }
        overflow
    }

    // ---- applying ---------------------------------------------------------------------------

    /// Apply an update to the model, with the faults of how it is applied.
    pub async fn update(
        &self,
        store: &Mutex<Store>,
        id: &str,
        request: UpdateRequest,
        now: Millis,
    ) -> Result<GroupView, ApiError> {
        if self.has(Fault::LostUpdates) {
            return update_without_lock(store, id, request, now).await;
        }
        let mut store = lock(store);
        let before = store.get(id).map(|g| {
            let duplicates = if self.has(Fault::DuplicateAddsCounted) {
                duplicate_adds(&request, g)
            } else {
                0
            };
            (g.members.len(), duplicates)
        });
        let mut view = if self.has(Fault::RemovesBeforeAdds) {
            let mut request = request;
            let removes = UpdateRequest {
                remove: std::mem::take(&mut request.remove),
                remove_from_group: request.remove_from_group.take(),
                ..UpdateRequest::default()
            };
            store.update(id, removes, now)?;
            store.update(id, request, now)?
        } else {
            store.update(id, request, now)?
        };
        if self.has(Fault::QuadraticUpdate)
            && let Some(group) = store.get(id)
        {
            naive_duplicate_check(group);
        }
        drop(store);
        if let Some((size_before, duplicates)) = before {
            if duplicates > 0 {
                *self.extra().entry(id.to_owned()).or_default() += duplicates;
            }
            if self.has(Fault::SizeStaleInUpdateResponse) {
                view.size = size_before;
            }
        }
        Ok(view)
    }

    /// Apply a delete (`soft-delete`: only mark it).
    pub fn delete(&self, store: &Mutex<Store>, id: &str) -> Result<(), ApiError> {
        let mut store = lock(store);
        if self.has(Fault::SoftDelete) {
            store.get(id).ok_or_else(|| ApiError::not_found(id))?;
            self.soft_deleted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.to_owned());
            return Ok(());
        }
        store.delete(id)
    }

    /// After a create: `duplicates-counted` keeps the entries sent as the size.
    pub fn created(&self, body: &Map<String, Value>, view: &GroupView) {
        if self.has(Fault::DuplicatesCounted) {
            let sent = body
                .get("members")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if sent > view.size {
                self.extra().insert(view.id.clone(), sent - view.size);
            }
        }
    }

    /// After a replace: a drifting size counter starts again from the members.
    pub fn replaced(&self, id: &str) {
        if !self.active.is_empty() {
            self.extra().remove(id);
        }
    }

    fn extra(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.extra_size.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Overflow {
    /// Put cut-off members (and child groups) back into a parsed create or replace.
    fn restore(
        self,
        members: &mut Vec<Msisdn>,
        children: &mut Vec<String>,
    ) -> Result<(), ApiError> {
        for (key, items) in self.lists {
            if key == "child_groups" {
                for item in items {
                    if let Some(id) = item.as_str().filter(|s| !s.is_empty())
                        && !children.iter().any(|c| c == id)
                    {
                        children.push(id.to_owned());
                    }
                }
            } else {
                members.extend(parse_numbers(key, &items)?);
            }
        }
        Ok(())
    }

    /// Put cut-off numbers back into the named lists of a parsed update.
    fn restore_named(self, lists: &mut [(&str, &mut Vec<Msisdn>)]) -> Result<(), ApiError> {
        for (key, items) in self.lists {
            if let Some((_, list)) = lists.iter_mut().find(|(name, _)| *name == key) {
                list.extend(parse_numbers(key, &items)?);
            }
        }
        Ok(())
    }
}

fn parse_numbers(key: &str, items: &[Value]) -> Result<Vec<Msisdn>, ApiError> {
    items
        .iter()
        .map(|item| {
            let text = item.as_str().unwrap_or_default();
            Msisdn::parse(text).ok_or_else(|| ApiError::invalid_format(key, text, "MSISDN"))
        })
        .collect()
}

/// `unknown-child-group-ignored`: drop the child ids the store does not know.
fn keep_known_children(store: &Store, body: &mut Map<String, Value>) {
    if let Some(Value::Array(children)) = body.get_mut("child_groups") {
        children.retain(|c| c.as_str().is_none_or(|id| store.get(id).is_some()));
    }
}

/// Adds that are already members, or repeat an earlier add.
fn duplicate_adds(request: &UpdateRequest, group: &Group) -> usize {
    let mut seen = HashSet::new();
    request
        .add
        .iter()
        .filter(|m| group.members.contains(m) || !seen.insert(**m))
        .count()
}

/// `quadratic-update`: the naive duplicate check, every member compared as text, digit by digit,
/// with every member kept before it.
fn naive_duplicate_check(group: &Group) -> usize {
    let texts: Vec<String> = group
        .members
        .iter()
        .take(QUADRATIC_CAP)
        .map(Msisdn::to_string)
        .collect();
    let mut kept: Vec<&str> = Vec::with_capacity(texts.len());
    for text in &texts {
        if !kept.iter().any(|k| same_digits(k, text)) {
            kept.push(text);
        }
    }
    std::hint::black_box(kept.len())
}

/// Two numbers compared digit by digit, a leading '+' ignored.
fn same_digits(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('+'), b.trim_start_matches('+'));
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| std::hint::black_box(x) == y)
}

/// `lost-updates`: read the state, let go of the lock, compute, write the whole group back. An
/// update of the same group landing in between is overwritten.
async fn update_without_lock(
    store: &Mutex<Store>,
    id: &str,
    request: UpdateRequest,
    now: Millis,
) -> Result<GroupView, ApiError> {
    let mut copy = lock(store).clone();
    let view = copy.update(id, request, now)?;
    tokio::time::sleep(RACE_WINDOW).await;
    let mut group = copy
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(id))?;
    let mut store = lock(store);
    // Written back as it was read: a child deleted meanwhile is no reason to reject.
    group.child_groups.retain(|c| store.get(c).is_some());
    store.replace(
        id,
        ReplaceRequest {
            name: group.name,
            members: group.members.into_iter().collect(),
            child_groups: group.child_groups,
            auto_update: group.auto_update,
        },
        now,
    )?;
    Ok(view)
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_fault_changes_nothing() {
        let faults = Faults::new(&[]);
        let store = Mutex::new(Store::new());
        let body = json!({"name": "x".repeat(25), "members": ["abc"]});
        let err = faults
            .create_request(&store, body.as_object().unwrap())
            .unwrap_err();
        assert_eq!(err.status, 400);
    }

    #[test]
    fn limits_lifted_keep_every_member() {
        let faults = Faults::new(&[Fault::MemberLimitUnchecked]);
        let store = Mutex::new(Store::new());
        let members: Vec<String> = (0..10_005).map(|i| format!("4670{i:07}")).collect();
        let body = json!({"members": members});
        let request = faults
            .create_request(&store, body.as_object().unwrap())
            .unwrap();
        assert_eq!(request.members.len(), 10_005);
    }
}
