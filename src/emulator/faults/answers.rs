//! The faults that bend answers after the model spoke: the Group object (timestamps, size,
//! fields), the list and its paging, the numbers of GET .../members.

use super::{Fault, Faults, LOCAL_OFFSET_MS, ListAnswer, TRUNCATED_MEMBERS};

use crate::model::id::{format_timestamp, parse_timestamp};
use crate::model::{GroupView, ListQuery, ListView, Millis, Msisdn, Store};
use serde_json::Value;

/// `slow-members`: 50 µs a member, 50 ms per 1,000.
const SLOW_MEMBER_US: u64 = 50;
/// `slow-members` waits at most this long a request.
const SLOW_MEMBERS_CAP: std::time::Duration = std::time::Duration::from_secs(2);

impl Faults {
    /// The Group object of an answer, bent by the active faults.
    pub fn group(&self, mut view: GroupView) -> Value {
        if self.active.is_empty() {
            return serde_json::to_value(&view).unwrap_or_default();
        }
        if let Some(extra) = self.extra().get(&view.id) {
            view.size += extra;
        }
        let timestamps = [
            Fault::CreatedAtChangesOnUpdate,
            Fault::ModifiedAtFrozen,
            Fault::ModifiedAtLocalTime,
            Fault::TimestampsWithoutMillis,
        ];
        if self.any(&timestamps)
            && let (Some(mut created), Some(mut modified)) = (
                parse_timestamp(&view.created_at),
                parse_timestamp(&view.modified_at),
            )
        {
            if self.has(Fault::CreatedAtChangesOnUpdate) {
                created = modified;
            }
            if self.has(Fault::ModifiedAtFrozen) {
                modified = created;
            }
            if self.has(Fault::ModifiedAtLocalTime) {
                modified -= LOCAL_OFFSET_MS;
            }
            let format = |ms: Millis| {
                let text = format_timestamp(ms);
                if self.has(Fault::TimestampsWithoutMillis) {
                    format!("{}Z", &text[..19])
                } else {
                    text
                }
            };
            (view.created_at, view.modified_at) = (format(created), format(modified));
        }
        let mut value = serde_json::to_value(&view).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            if self.has(Fault::ChildGroupsNotReturned) {
                object.remove("child_groups");
            }
            if self.has(Fault::ClearedNameAsNull) && !object.contains_key("name") {
                object.insert("name".into(), Value::Null);
            }
        }
        value
    }

    /// The list answer, with the paging faults.
    pub fn list(&self, store: &Store, query: ListQuery) -> ListAnswer {
        let paging = [
            Fault::ListOldestFirst,
            Fault::PageSizeEchoesRequest,
            Fault::CountIsPageItems,
            Fault::PageOffsetOffByOne,
            Fault::SoftDelete,
        ];
        let view = if self.any(&paging) {
            self.page(store, query)
        } else {
            store.list(query)
        };
        ListAnswer {
            page: view.page,
            page_size: view.page_size,
            count: view.count,
            groups: view.groups.into_iter().map(|g| self.group(g)).collect(),
        }
    }

    /// Page the whole list by hand, the way the paging faults get it wrong.
    fn page(&self, store: &Store, query: ListQuery) -> ListView {
        let every = ListQuery {
            page: 0,
            page_size: u32::MAX,
        };
        let mut all = store.list(every).groups;
        if self.has(Fault::SoftDelete) {
            let gone = self.soft_deleted.lock().unwrap_or_else(|e| e.into_inner());
            all.retain(|g| !gone.contains(&g.id));
        }
        if self.has(Fault::ListOldestFirst) {
            all.reverse();
        }
        let size = query.page_size as usize;
        let mut offset =
            usize::try_from(query.page.saturating_mul(size as u128)).unwrap_or(usize::MAX);
        if self.has(Fault::PageOffsetOffByOne) && query.page > 0 {
            offset = offset.saturating_sub(1);
        }
        let groups: Vec<GroupView> = all.iter().skip(offset).take(size).cloned().collect();
        ListView {
            page: query.page,
            page_size: if self.has(Fault::PageSizeEchoesRequest) {
                size
            } else {
                groups.len()
            },
            count: if self.has(Fault::CountIsPageItems) {
                groups.len()
            } else {
                all.len()
            },
            groups,
        }
    }

    /// The numbers GET .../members returns (`members-truncated`).
    pub fn members(&self, numbers: &mut Vec<Msisdn>) {
        if self.has(Fault::MembersTruncated) {
            numbers.truncate(TRUNCATED_MEMBERS);
        }
    }

    /// How long GET .../members waits before answering `members` numbers (`slow-members`).
    pub fn members_delay(&self, members: usize) -> Option<std::time::Duration> {
        self.has(Fault::SlowMembers).then(|| {
            std::time::Duration::from_micros(members as u64 * SLOW_MEMBER_US).min(SLOW_MEMBERS_CAP)
        })
    }

    /// What goes before each returned number (`members-with-plus`).
    pub fn member_prefix(&self) -> &'static str {
        if self.has(Fault::MembersWithPlus) {
            "+"
        } else {
            ""
        }
    }
}
