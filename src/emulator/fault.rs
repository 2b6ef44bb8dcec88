//! The catalogue of injectable defects (`serve --fault NAME`): one [`Fault`] variant per
//! realistic defect, its doc comment saying what a real implementation gets wrong, with its family,
//! its [`Kind`] and the detector meant to find it ([`FoundBy`]). What each one does is in
//! [`super::faults`].
//!
//! Two kinds (DESIGN.md §5): a *fault* breaks a `must` rule, and every profile fails it; a
//! *deviation* takes the other side where Sinch's own documents disagree, so it breaks only a
//! `should` rule: a warning by default, a failure under `--profile strict`. The third kind of
//! behaviour, a *liberty*, is not a defect at all and has a catalogue of its own
//! ([`super::liberty`]).

use clap::ValueEnum;
use serde::Serialize;

/// A realistic defect of a Groups implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Fault {
    // ---- set semantics of create and add
    /// Create counts duplicate members in size (size = entries sent, not distinct numbers).
    DuplicatesCounted,
    /// Update counts adds of numbers already in the group (or repeated in add) in size.
    DuplicateAddsCounted,
    // ---- update ordering and unknown removes
    /// Update applies removes before adds: a number in both ends up present.
    RemovesBeforeAdds,
    /// Update rejects with 400 a remove of a number that is not a member.
    UnknownRemoveRejected,
    // ---- name kept / cleared
    /// `"name": null` in an update is ignored instead of removing the name.
    NullNameIgnored,
    /// An update without a name field removes the name (treats omitted as null).
    NameOmittedClears,
    /// A group without a name is returned with `"name": null` instead of no name field.
    ClearedNameAsNull,
    // ---- add_from_group / remove_from_group
    /// Update ignores add_from_group: nothing is copied (and an unknown id is not noticed).
    AddFromGroupIgnored,
    /// Update with remove_from_group removes every member of the group, not only the shared ones.
    RemoveFromGroupRemovesAll,
    // ---- replace
    /// Replace merges the new members into the old ones instead of replacing them.
    ReplaceMergesMembers,
    /// Replace keeps the old name whatever name the request carries.
    ReplaceKeepsName,
    /// Replace keeps the old name, child_groups and auto_update when the request omits them.
    ReplaceKeepsOmittedFields,
    /// Replace without members is accepted and empties the group, as the JAVA and PY SDK models
    /// allow (a deviation: the other documents require members).
    ReplaceWithoutMembersAccepted,
    // ---- size bookkeeping
    /// The update response reports the size from before the update (the pre-image).
    SizeStaleInUpdateResponse,
    // ---- created_at / modified_at
    /// created_at is rewritten on every update and replace (a column set on every save).
    CreatedAtChangesOnUpdate,
    /// modified_at never moves: it stays at created_at after updates and replaces.
    ModifiedAtFrozen,
    /// modified_at is local time (UTC-5) labelled Z, so it lies before created_at.
    ModifiedAtLocalTime,
    /// Timestamps are returned without milliseconds (2019-08-24T14:15:22Z), as in the documents'
    /// own examples (a deviation).
    TimestampsWithoutMillis,
    // ---- listing and paging
    /// List returns the oldest groups first.
    ListOldestFirst,
    /// List echoes the requested page_size instead of the number of groups returned.
    PageSizeEchoesRequest,
    /// List reports count as the number of groups on the page, not the total.
    CountIsPageItems,
    /// Page p > 0 starts one group early (offset p*size-1): consecutive pages overlap.
    PageOffsetOffByOne,
    // ---- delete
    /// Delete only marks the group deleted: it leaves lists but retrieve, members, update, replace
    /// and delete still answer 200.
    SoftDelete,
    /// Delete answers 204 No Content instead of 200 (a deviation: 200 is documented only by the
    /// retired documents).
    #[value(name = "delete-returns-204")]
    DeleteReturns204,
    // ---- success statuses
    /// Create answers 200 instead of 201.
    #[value(name = "create-returns-200", alias = "create-returns200")]
    CreateReturns200,
    /// Replace answers 201 Created (an upsert) instead of 200.
    #[value(name = "replace-returns-201")]
    ReplaceReturns201,
    // ---- error bodies and statuses
    /// 400 bodies are a Google-style envelope {"error": {code, message, status}}, not {code, text}.
    ErrorBodyEnvelope,
    /// 400 bodies carry an undocumented code ("bad_request").
    ErrorCodeUndocumented,
    /// 403 bodies say `description` instead of `text`, as SPEC-2021's own 403 examples do (a
    /// deviation).
    ErrorDescriptionNotText,
    /// A body that is not JSON crashes the handler: 500 instead of 400.
    #[value(name = "malformed-json-500")]
    MalformedJson500,
    /// Content-Type is not checked: a body without application/json is accepted, not 415.
    ContentTypeIgnored,
    // ---- validation gaps
    /// A name longer than 20 characters is accepted (silently cut to 20).
    LongNameTruncated,
    /// Members that are not MSISDNs are silently dropped instead of rejected.
    BadMsisdnDropped,
    /// More than 10,000 members (or adds, or removes) in one request are accepted.
    MemberLimitUnchecked,
    /// More than 10 child groups are accepted.
    ChildGroupLimitUnchecked,
    // ---- unknown referenced groups
    /// Unknown child group ids in create and replace are dropped instead of rejected with 403.
    UnknownChildGroupIgnored,
    /// An unknown add_from_group / remove_from_group is ignored instead of rejected with 403.
    UnknownSourceGroupIgnored,
    // ---- round trip of child_groups and auto_update
    /// Group responses have no child_groups field, even when the group has child groups, as in the
    /// old documents' Group (a deviation).
    ChildGroupsNotReturned,
    /// auto_update is accepted but dropped: never stored, never returned.
    AutoUpdateDropped,
    // ---- auth and service plans
    /// The token is not checked: a wrong or missing token is accepted.
    AuthIgnored,
    /// One store for all service plans: a plan sees (and changes) another plan's groups.
    PlansShareStore,
    // ---- members
    /// GET .../members returns the numbers with a leading '+', as SPEC-NOW's 'E.164' wording and
    /// the SDK fixtures show (a deviation).
    MembersWithPlus,
    /// GET .../members returns at most 1,000 numbers, whatever the group's size.
    MembersTruncated,
    // ---- concurrency and cost
    /// Update is read-modify-write without holding the lock: concurrent updates of one group lose
    /// adds and removes.
    LostUpdates,
    /// Update costs O(n²) in the group's size (a naive duplicate check comparing every member with
    /// every other, as text; capped at 5,000 members).
    QuadraticUpdate,
    /// GET .../members costs 50 ms per 1,000 members (a lookup per member, as a server that
    /// fetches each number from another store would; at most 2 s a request).
    SlowMembers,
}

/// A fault proper, or a deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Breaks a `must` rule: every profile fails it.
    Fault,
    /// Takes the other side where Sinch's documents disagree: warned by default, failed under
    /// `--profile strict`.
    Deviation,
}

/// Which detector is meant to find a fault (selftest's matrix says "awaiting" for a fault whose
/// detector is not plugged in yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FoundBy {
    /// A conformance rule of the scenario suite (`check`).
    Check,
    /// `explore` (its concurrency mode): no scenario runs two requests on one group at once.
    Explore,
    /// A measurement (latency against group size), not a conformance rule.
    Measurement,
}

impl FoundBy {
    /// The name of the selftest detector (column) meant to find it.
    pub fn detector(self) -> &'static str {
        match self {
            FoundBy::Check => "check",
            FoundBy::Explore => "explore",
            FoundBy::Measurement => "measurement",
        }
    }
}

impl Fault {
    /// The kebab-case name of `--fault NAME`.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// Every fault of the catalogue.
    pub fn all() -> &'static [Fault] {
        Fault::value_variants()
    }

    /// What a real implementation gets wrong (the variant's doc comment).
    pub fn description(self) -> String {
        self.to_possible_value()
            .and_then(|v| v.get_help().map(|h| h.to_string()))
            .unwrap_or_default()
    }

    /// Faults, then deviations, in catalogue order.
    pub fn of_kind(kind: Kind) -> Vec<Fault> {
        Fault::all()
            .iter()
            .copied()
            .filter(|f| f.kind() == kind)
            .collect()
    }

    /// A fault proper or a deviation (see the module's map).
    pub fn kind(self) -> Kind {
        use Fault::*;
        match self {
            DeleteReturns204
            | TimestampsWithoutMillis
            | ChildGroupsNotReturned
            | MembersWithPlus
            | ErrorDescriptionNotText
            | ReplaceWithoutMembersAccepted => Kind::Deviation,
            _ => Kind::Fault,
        }
    }

    pub fn found_by(self) -> FoundBy {
        match self {
            Fault::LostUpdates => FoundBy::Explore,
            Fault::QuadraticUpdate | Fault::SlowMembers => FoundBy::Measurement,
            _ => FoundBy::Check,
        }
    }

    /// The family of rules the defect belongs to (as the issue lists them).
    pub fn family(self) -> &'static str {
        use Fault::*;
        match self {
            DuplicatesCounted | DuplicateAddsCounted => "set semantics",
            RemovesBeforeAdds | UnknownRemoveRejected => "update",
            NullNameIgnored | NameOmittedClears | ClearedNameAsNull => "name",
            AddFromGroupIgnored | RemoveFromGroupRemovesAll => "from-group",
            ReplaceMergesMembers
            | ReplaceKeepsName
            | ReplaceKeepsOmittedFields
            | ReplaceWithoutMembersAccepted => "replace",
            SizeStaleInUpdateResponse => "size",
            CreatedAtChangesOnUpdate
            | ModifiedAtFrozen
            | ModifiedAtLocalTime
            | TimestampsWithoutMillis => "timestamps",
            ListOldestFirst | PageSizeEchoesRequest | CountIsPageItems | PageOffsetOffByOne => {
                "listing"
            }
            SoftDelete | DeleteReturns204 => "delete",
            CreateReturns200 | ReplaceReturns201 => "statuses",
            ErrorBodyEnvelope
            | ErrorCodeUndocumented
            | ErrorDescriptionNotText
            | MalformedJson500
            | ContentTypeIgnored => "errors",
            LongNameTruncated
            | BadMsisdnDropped
            | MemberLimitUnchecked
            | ChildGroupLimitUnchecked => "validation",
            UnknownChildGroupIgnored | UnknownSourceGroupIgnored => "references",
            ChildGroupsNotReturned | AutoUpdateDropped => "round trip",
            AuthIgnored | PlansShareStore => "auth and plans",
            MembersWithPlus | MembersTruncated => "members",
            LostUpdates => "concurrency",
            QuadraticUpdate | SlowMembers => "performance",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_fault_has_a_name_a_description_and_a_family() {
        let mut names = HashSet::new();
        for fault in Fault::all() {
            assert!(names.insert(fault.name()), "{fault:?}");
            assert!(!fault.description().is_empty(), "{fault:?}");
            assert!(!fault.family().is_empty());
        }
        assert!(Fault::all().len() >= 30);
        for kept in [
            "removes-before-adds",
            "null-name-ignored",
            "create-returns-200",
            "duplicates-counted",
        ] {
            assert!(names.contains(kept), "{kept}");
        }
    }

    #[test]
    fn names_with_a_status_keep_their_dash() {
        for (text, fault) in [
            ("create-returns-200", Fault::CreateReturns200),
            ("create-returns200", Fault::CreateReturns200),
            ("delete-returns-204", Fault::DeleteReturns204),
            ("malformed-json-500", Fault::MalformedJson500),
        ] {
            assert_eq!(Fault::from_str(text, false), Ok(fault), "{text}");
        }
        assert_eq!(Fault::CreateReturns200.name(), "create-returns-200");
    }
}
