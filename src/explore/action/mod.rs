//! Abstract operations and their random generation. Groups are named by labels (the create that
//! made them), so a shrunk sequence keeps its meaning: removing an action never renumbers others.
//!
//! * this file: the [`Action`]s and the groups each refers to.
//! * [`draw`]: [`generate`], the roll table, and the well-formed, authorised draws (create,
//!   update, replace, delete, retrieve, members, list, documented invalid requests).
//! * [`edges`]: the draws at the edges of the documents: wrong and missing tokens, the second
//!   service plan, malformed bodies, a wrong Content-Type, unknown group references, 11 child
//!   groups, groups larger than 1,000 members, and auto_update settings.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

mod draw;
pub mod edges;

pub use crate::model::request::{AutoUpdate, Keywords};
pub use crate::scenario::Operation;
pub use draw::generate;

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
    /// 10,001 members (create) or adds (update): over the 10,000 limit.
    ManyMembers,
    /// An auto_update keyword of two words (create only: auto_update in an update is a should).
    BadKeyword,
}

/// Credentials that cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAuth {
    Wrong,
    Missing,
}

/// A body that is not JSON (sent with `Content-Type: application/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    Truncated,
    TrailingComma,
    UnquotedKey,
    NotJson,
}

/// Where an unknown group id is referenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefField {
    /// `child_groups` of a create.
    ChildGroups,
    AddFromGroup,
    RemoveFromGroup,
}

/// One operation of a generated sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create {
        label: u32,
        name: Option<String>,
        members: Vec<String>,
        child: Option<u32>,
        auto: Option<AutoUpdate>,
    },
    Update {
        group: u32,
        add: Vec<String>,
        remove: Vec<String>,
        name: NameOp,
        add_from: Option<u32>,
        remove_from: Option<u32>,
        /// Send every unset field as an explicit null, as the Python SDK does (an omitted name
        /// then goes as `"name": null`, which clears it).
        nulls: bool,
        auto: Option<AutoUpdate>,
    },
    Replace {
        group: u32,
        name: Option<String>,
        members: Vec<String>,
        auto: Option<AutoUpdate>,
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
    /// One of the seven operations with a wrong or no token (401). `group` addresses the
    /// operations that take one.
    Unauthorised {
        op: Operation,
        group: u32,
        auth: BadAuth,
    },
    /// An operation on group `group` of the run's plan, sent under the second plan: it must not
    /// see it (a list must not show it).
    OtherPlan {
        op: Operation,
        group: u32,
    },
    /// Create, update or replace with a body that is not JSON (400).
    Malformed {
        op: Operation,
        group: u32,
        broken: Broken,
    },
    /// Create, update or replace with a JSON body labelled `text/plain` (415).
    WrongMediaType {
        op: Operation,
        group: u32,
    },
    /// A create or update referencing a group id the plan never had (403).
    UnknownRef {
        group: u32,
        field: RefField,
    },
    /// A create of `count` generated members (numbers `start`..), more than 1,000.
    CreateLarge {
        label: u32,
        count: u32,
        start: u32,
    },
    /// A create naming 11 existing groups as child groups (over the limit of 10: 400).
    ManyChildren {
        children: Vec<u32>,
    },
    /// An update adding `count` generated members (numbers `start`..).
    AddMany {
        group: u32,
        count: u32,
        start: u32,
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
            | Action::BadUpdate { group, .. }
            | Action::OtherPlan { group, .. }
            | Action::AddMany { group, .. } => vec![*group],
            Action::Unauthorised { op, group, .. }
            | Action::Malformed { op, group, .. }
            | Action::WrongMediaType { op, group } => {
                if op.takes_group() {
                    vec![*group]
                } else {
                    vec![]
                }
            }
            Action::UnknownRef { group, field } => {
                if *field == RefField::ChildGroups {
                    vec![]
                } else {
                    vec![*group]
                }
            }
            Action::ManyChildren { children } => children.clone(),
            Action::List { .. } | Action::BadCreate { .. } | Action::CreateLarge { .. } => vec![],
        }
    }

    /// The label of the group this action creates, if it is a create.
    pub fn creates(&self) -> Option<u32> {
        match self {
            Action::Create { label, .. } | Action::CreateLarge { label, .. } => Some(*label),
            _ => None,
        }
    }
}

/// The labels of a sequence as generation goes.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    /// Created and not deleted.
    pub live: Vec<u32>,
    /// Every label created.
    pub all: Vec<u32>,
    next: u32,
}

impl Labels {
    pub fn fresh(&mut self) -> u32 {
        let label = self.next;
        self.next += 1;
        self.live.push(label);
        self.all.push(label);
        label
    }

    pub fn pick(rng: &mut StdRng, from: &[u32]) -> Option<u32> {
        from.choose(rng).copied()
    }
}
