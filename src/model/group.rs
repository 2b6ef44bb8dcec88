//! One group's state, and the Group object the API returns for it (groups-api.md §2.4).

use super::Millis;
use super::id::format_timestamp;
use super::msisdn::Msisdn;
use super::request::AutoUpdate;
use serde::Serialize;
use std::collections::HashSet;

/// A group as the model holds it. Members are a set of normalised MSISDNs, so duplicates vanish
/// on the way in and an add or remove costs O(1) whatever the group's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: Option<String>,
    pub members: HashSet<Msisdn>,
    pub child_groups: Vec<String>,
    pub auto_update: Option<AutoUpdate>,
    pub created_at: Millis,
    pub modified_at: Millis,
    /// Creation order within its service plan: lists are newest first by this.
    pub(crate) seq: u64,
}

/// The Group object as the API returns it. `name` and `auto_update` are omitted when unset
/// ("Null values … will be omitted in responses").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub size: usize,
    pub created_at: String,
    pub modified_at: String,
    pub child_groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_update: Option<AutoUpdate>,
}

impl Group {
    pub fn view(&self) -> GroupView {
        GroupView {
            id: self.id.clone(),
            name: self.name.clone(),
            size: self.members.len(),
            created_at: format_timestamp(self.created_at),
            modified_at: format_timestamp(self.modified_at),
            child_groups: self.child_groups.clone(),
            auto_update: self.auto_update.clone(),
        }
    }

    /// Members sorted by value, for a stable answer to `GET …/members`.
    pub fn sorted_members(&self) -> Vec<Msisdn> {
        let mut members: Vec<Msisdn> = self.members.iter().copied().collect();
        members.sort_unstable();
        members
    }
}
