//! List checks that hold when other groups already exist on the account: this scenario's groups
//! are the newest of the plan only while nothing else creates groups, so exact positions are
//! checked for serial scenarios only; everything else holds regardless.

use super::Oracle;
use crate::check::judge::Problem;
use crate::model::id::parse_timestamp;
use crate::model::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use crate::scenario::Operation;
use serde_json::Value;

impl Oracle {
    pub(super) fn judge_list(
        &mut self,
        query: &[(String, String)],
        body: &Value,
        problems: &mut Vec<Problem>,
    ) {
        let param = |name: &str| -> Option<i64> {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.trim().parse().ok())
        };
        let page = param("page").unwrap_or(0);
        let size = param("page_size").unwrap_or(i64::from(PAGE_SIZE_DEFAULT));
        // page_size=0 is allowed by the documented minimum, but what it returns is not
        // documented (list.page-size-zero); out-of-range values are for explicit expectations.
        if page < 0 || !(1..=i64::from(PAGE_SIZE_MAX)).contains(&size) {
            return;
        }
        let Some(groups) = body.get("groups").and_then(Value::as_array) else {
            return;
        };
        let field = |name: &str| body.get(name).and_then(Value::as_i64);

        if field("page_size").is_some_and(|n| n != groups.len() as i64) {
            problems.push(
                Problem::new(
                    "list.page-size-is-item-count",
                    format!(
                        "page_size is {}, but the page holds {} groups",
                        field("page_size").unwrap_or(0),
                        groups.len()
                    ),
                )
                .at("/page_size"),
            );
        }
        if field("page").is_some_and(|p| p != page) {
            problems.push(
                Problem::new(
                    "list.page-and-count",
                    format!(
                        "page is {}, the requested page was {page}",
                        field("page").unwrap_or(0)
                    ),
                )
                .at("/page"),
            );
        }
        if groups.len() as i64 > size {
            problems.push(Problem::new(
                "list.page-size-honoured",
                format!(
                    "the page holds {} groups, more than the page_size of {size}",
                    groups.len()
                ),
            ));
        }
        let live = self.live_ids();
        if let Some(count) = field("count")
            && count < live.len() as i64
        {
            problems.push(
                Problem::new(
                    "list.page-and-count",
                    format!(
                        "count is {count}, but this scenario alone has {} groups",
                        live.len()
                    ),
                )
                .at("/count"),
            );
        }
        let ids: Vec<Option<&str>> = groups
            .iter()
            .map(|g| g.get("id").and_then(Value::as_str))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for id in ids.iter().flatten() {
            if !seen.insert(*id) {
                problems.push(Problem::new(
                    "list.pages-disjoint",
                    format!("group {id} appears twice on one page"),
                ));
            }
            if self.deleted.contains(*id) {
                problems.push(Problem::new(
                    "delete.then-404",
                    format!("deleted group {id} is still listed"),
                ));
            }
        }
        // Newest first: this scenario's groups on the page appear in reverse creation order.
        let order: Vec<usize> = ids
            .iter()
            .flatten()
            .filter_map(|id| self.created.iter().position(|c| c == id))
            .collect();
        // Two groups whose reported created_at are equal (created within the server's timestamp
        // precision) may come in either order: both are "reverse chronological".
        if order
            .windows(2)
            .any(|w| w[0] < w[1] && !self.same_instant(&self.created[w[0]], &self.created[w[1]]))
        {
            problems.push(Problem::new(
                "list.newest-first",
                "of two groups created by this scenario, the older one is listed first",
            ));
        }
        for (g, id) in groups.iter().zip(&ids) {
            if let Some(id) = id {
                self.judge_view(id, g, Operation::List, problems);
            }
        }
        if self.serial {
            self.judge_positions(page, size, &ids, field("count"), problems);
        }
    }

    /// Whether the server reported the same whole-second created_at for two groups, so either
    /// order is newest first at the server's precision (the documents' examples have whole
    /// seconds). Millisecond timestamps keep the order exact.
    fn same_instant(&self, a: &str, b: &str) -> bool {
        let at = |id: &str| {
            self.known
                .get(id)
                .and_then(|k| k.created_at.as_deref())
                .filter(|text| !text.contains('.'))
                .and_then(parse_timestamp)
        };
        matches!((at(a), at(b)), (Some(x), Some(y)) if x == y)
    }

    /// In a serial scenario this scenario's live groups are the newest of the plan: the k-th
    /// newest must be at position k of the newest-first list.
    fn judge_positions(
        &self,
        page: i64,
        size: i64,
        ids: &[Option<&str>],
        count: Option<i64>,
        problems: &mut Vec<Problem>,
    ) {
        let newest_first: Vec<&String> = self.live_ids_ref().into_iter().rev().collect();
        // A scenario may ask for any page: saturate rather than overflow.
        let offset = page.saturating_mul(size);
        for (j, id) in ids.iter().enumerate() {
            let Ok(position) = usize::try_from(offset.saturating_add(j as i64)) else {
                break;
            };
            let Some(expected) = newest_first.get(position) else {
                break;
            };
            if *id != Some(expected.as_str()) && !id.is_some_and(|i| self.same_instant(i, expected))
            {
                let rule = match id.and_then(|i| newest_first.iter().position(|e| e.as_str() == i))
                {
                    Some(_) if page > 0 => "list.pages-disjoint",
                    Some(_) => "list.newest-first",
                    None => "list.contains-created",
                };
                problems.push(Problem::new(
                    rule,
                    format!(
                        "position {position} (page {page}, item {j}) holds {}, expected {expected}, the {}-th newest group",
                        id.unwrap_or("nothing"),
                        position + 1
                    ),
                ));
                return;
            }
        }
        let remaining = (newest_first.len() as i64).saturating_sub(offset).max(0);
        let due = remaining.min(size) as usize;
        if ids.len() < due {
            problems.push(Problem::new(
                "list.page-size-honoured",
                format!("page {page} holds {} groups, but at least {due} remain from its offset {offset}", ids.len()),
            ));
        }
        if let Some(count) = count
            && offset >= count
            && !ids.is_empty()
        {
            problems.push(Problem::new(
                "list.page-beyond-end-empty",
                format!(
                    "page {page} starts past count {count} but holds {} groups",
                    ids.len()
                ),
            ));
        }
    }

    fn live_ids_ref(&self) -> Vec<&String> {
        self.created
            .iter()
            .filter(|id| !self.deleted.contains(*id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `page * page_size` overflowed i64 for a scenario asking for page 2^63-1 (a panic in a
    /// debug build, a wrapped offset in a release one); it saturates now.
    #[test]
    fn a_page_far_beyond_the_end_does_not_overflow() {
        let mut oracle = Oracle::new(true);
        let mut problems = Vec::new();
        let query = [
            ("page".to_owned(), i64::MAX.to_string()),
            ("page_size".to_owned(), "100".to_owned()),
        ];
        let body = serde_json::json!({"page": i64::MAX, "page_size": 1, "count": 0, "groups": [{"id": "X"}]});
        oracle.judge_list(&query, &body, &mut problems);
        assert!(
            problems
                .iter()
                .any(|p| p.rule == "list.page-beyond-end-empty"),
            "{problems:?}"
        );
    }
}
