//! The groups of one service plan and the seven documented operations on them.
//!
//! Requests arrive here already parsed and validated ([`super::request`]); this module applies the
//! semantics: members are a set, adds before removes, unknown removes accepted, name kept when
//! omitted and removed on `null`, `add_from_group` / `remove_from_group`, unknown referenced groups
//! are 403 `unknown_group`, replace replaces everything, delete makes the id unknown (404), and
//! listing is newest first with `page_size` counting the groups on the page. [`Store::inbound`]
//! applies a simulated inbound SMS's `auto_update` keywords (an emulator extension).
//!
//! The caller supplies the time and, on create, the new id: the emulator uses its clock and a
//! random ULID; the oracle uses what the target answered.

use super::Millis;
use super::error::ApiError;
use super::group::{Group, GroupView};
use super::keyword::Inbound;
use super::msisdn::Msisdn;
use super::request::{CreateRequest, ListQuery, NameChange, ReplaceRequest, UpdateRequest};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// All groups of one service plan.
#[derive(Debug, Clone, Default)]
pub struct Store {
    groups: HashMap<String, Group>,
    /// seq → id, so listing newest first is a reverse walk.
    order: BTreeMap<u64, String>,
    next_seq: u64,
}

/// The list response: `page_size` is the number of groups on this page, `count` the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListView {
    pub page: u128,
    pub page_size: usize,
    pub count: usize,
    pub groups: Vec<GroupView>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// `POST /groups`. Fails with 403 `unknown_group` when a child group is unknown.
    pub fn create(
        &mut self,
        request: CreateRequest,
        id: String,
        now: Millis,
    ) -> Result<GroupView, ApiError> {
        self.require_known(&request.child_groups)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let group = Group {
            id: id.clone(),
            name: request.name,
            members: request.members.into_iter().collect(),
            child_groups: request.child_groups,
            auto_update: request.auto_update,
            created_at: now,
            modified_at: now,
            seq,
        };
        let view = group.view();
        // An id that is already taken (only possible when an oracle replays a target that reuses
        // ids) replaces the older group, so listing stays consistent.
        if let Some(old) = self.groups.insert(id.clone(), group) {
            self.order.remove(&old.seq);
        }
        self.order.insert(seq, id);
        Ok(view)
    }

    /// `GET /groups/{id}`.
    pub fn retrieve(&self, id: &str) -> Result<GroupView, ApiError> {
        self.known(id).map(Group::view)
    }

    /// `GET /groups/{id}/members`, sorted.
    pub fn members(&self, id: &str) -> Result<Vec<Msisdn>, ApiError> {
        self.known(id).map(Group::sorted_members)
    }

    /// `POST /groups/{id}`: adds (`add`, `add_from_group`) before removes (`remove`,
    /// `remove_from_group`). Referenced groups are read as they were before this update. Costs
    /// O(size of the change), never O(size of the group).
    pub fn update(
        &mut self,
        id: &str,
        request: UpdateRequest,
        now: Millis,
    ) -> Result<GroupView, ApiError> {
        self.known(id)?;
        let referenced: Vec<String> = [&request.add_from_group, &request.remove_from_group]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        self.require_known(&referenced)?;
        let from_group = |store: &Store, other: &Option<String>| -> Vec<Msisdn> {
            match other {
                Some(other) if other != id => store.groups[other.as_str()]
                    .members
                    .iter()
                    .copied()
                    .collect(),
                _ => Vec::new(),
            }
        };
        let added_from = from_group(self, &request.add_from_group);
        let removed_from = match &request.remove_from_group {
            Some(other) if other == id => self.groups[id].members.iter().copied().collect(),
            _ => from_group(self, &request.remove_from_group),
        };

        let group = self.groups.get_mut(id).expect("checked above");
        group.members.extend(request.add);
        group.members.extend(added_from);
        for m in request.remove.iter().chain(&removed_from) {
            group.members.remove(m);
        }
        match request.name {
            NameChange::Keep => {}
            NameChange::Clear => group.name = None,
            NameChange::Set(name) => group.name = Some(name),
        }
        if request.auto_update.is_some() {
            group.auto_update = request.auto_update;
        }
        group.modified_at = later(group.modified_at, now);
        Ok(group.view())
    }

    /// `PUT /groups/{id}`: every parameter takes the request's value; an omitted `name`,
    /// `child_groups` or `auto_update` is cleared.
    pub fn replace(
        &mut self,
        id: &str,
        request: ReplaceRequest,
        now: Millis,
    ) -> Result<GroupView, ApiError> {
        self.known(id)?;
        self.require_known(&request.child_groups)?;
        let group = self.groups.get_mut(id).expect("checked above");
        group.name = request.name;
        group.members = request.members.into_iter().collect::<HashSet<_>>();
        group.child_groups = request.child_groups;
        group.auto_update = request.auto_update;
        group.modified_at = later(group.modified_at, now);
        Ok(group.view())
    }

    /// `DELETE /groups/{id}`: afterwards the id is unknown.
    pub fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        let group = self
            .groups
            .remove(id)
            .ok_or_else(|| ApiError::not_found(id))?;
        self.order.remove(&group.seq);
        Ok(())
    }

    /// `GET /groups`: newest first; `page_size` in the answer counts the groups returned.
    pub fn list(&self, query: ListQuery) -> ListView {
        // A page past the end (however large the number) skips everything.
        let skip = usize::try_from(query.page.saturating_mul(u128::from(query.page_size)))
            .unwrap_or(usize::MAX);
        let groups: Vec<GroupView> = self
            .order
            .values()
            .rev()
            .skip(skip)
            .take(query.page_size as usize)
            .map(|id| self.groups[id].view())
            .collect();
        ListView {
            page: query.page,
            page_size: groups.len(),
            count: self.groups.len(),
            groups,
        }
    }

    /// A simulated inbound SMS (the emulator's `POST /emulator/v1/{plan}/mo`): every group whose
    /// `auto_update.to` it reaches and whose add or remove keyword it carries adds or removes the
    /// sender (adds before removes, see [`super::keyword`]). Returns the ids of the groups whose
    /// members changed, oldest first; their `modified_at` moves like after an update, and a group
    /// the message leaves as it was (a member sending the add keyword again) is untouched.
    pub fn inbound(&mut self, message: &Inbound, now: Millis) -> Vec<String> {
        let mut changed = Vec::new();
        for id in self.order.values() {
            let Some(group) = self.groups.get_mut(id) else {
                continue;
            };
            let Some(auto_update) = &group.auto_update else {
                continue;
            };
            let effect = message.effect_on(auto_update);
            if effect.apply(&mut group.members, message.from) {
                group.modified_at = later(group.modified_at, now);
                changed.push(id.clone());
            }
        }
        changed
    }

    /// Ids newest first.
    pub fn ids_newest_first(&self) -> impl Iterator<Item = &str> {
        self.order.values().rev().map(String::as_str)
    }

    fn known(&self, id: &str) -> Result<&Group, ApiError> {
        self.groups.get(id).ok_or_else(|| ApiError::not_found(id))
    }

    fn require_known(&self, ids: &[String]) -> Result<(), ApiError> {
        match ids.iter().find(|id| !self.groups.contains_key(id.as_str())) {
            Some(unknown) => Err(ApiError::unknown_group(unknown)),
            None => Ok(()),
        }
    }
}

/// A modification time after `previous`: `now`, or one millisecond later than `previous` when the
/// clock has not moved on (several updates within a millisecond), so every change is visible.
fn later(previous: Millis, now: Millis) -> Millis {
    now.max(previous + 1)
}

#[cfg(test)]
mod tests;
