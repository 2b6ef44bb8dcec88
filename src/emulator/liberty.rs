//! The catalogue of liberties (`serve --liberty NAME`): choices the documents leave open, taken
//! the other way from the default emulator. A server that takes any of them still follows every
//! document, so no profile of `check` or `explore` may fail it (DESIGN.md §5); `selftest` holds
//! the gate to that. Each variant's doc comment says what the server does, and [`Liberty::source`]
//! cites the silence or disagreement in `groups-api.md` it comes from. What each one does is in
//! [`super::liberties`].

use clap::ValueEnum;

crate::error::message_error!(
    /// A `--liberty` value that names no liberty (the message lists them all).
    UnknownLiberty
);

/// A choice the documents leave open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Liberty {
    // ---- error bodies
    /// 401, 404, 405 and 415 answers carry no body at all.
    EmptyErrorBodies,
    /// 401, 404, 405 and 415 answers carry a text/plain body ("Not Found").
    PlainTextErrors,
    /// 400 and 403 bodies word their `text` differently.
    ErrorWording,
    /// A 400 names another of the three documented syntax codes than the emulator would.
    ErrorCodeChoice,
    // ---- fields and formats of answers
    /// Groups, list answers and error bodies carry extra, undocumented fields.
    ExtraFields,
    /// Group ids are 12 mixed-case letters and digits, as in the old documents (dxCJTlfb1UsF).
    LegacyIds,
    /// Group ids are lower-case UUIDs.
    UuidIds,
    /// GET .../members returns the numbers in descending instead of ascending order.
    MembersUnordered,
    /// A group without child groups has no `child_groups` field (not `[]`).
    ChildGroupsOmittedWhenEmpty,
    /// auto_update keywords come back upper-cased (keywords are not case sensitive).
    KeywordsUpperCased,
    // ---- readings of the request rules
    /// A create without `name` is rejected with 400 ("A new group must be created with a group
    /// name").
    NameRequired,
    /// An empty name is accepted (the old documents give only a maximum); the group has no name.
    EmptyNameAccepted,
    /// A create with no body and no Content-Type is read as `{}` and creates an empty group.
    BodylessCreateAccepted,
    /// A list with page_size over 100 answers a page of 100 instead of 400.
    PageSizeClamped,
    /// An update with `"auto_update": null` removes the group's auto_update (the legacy client's
    /// meaning) instead of leaving it.
    AutoUpdateNullUnsets,
    /// A replace without child_groups or auto_update keeps the group's (the mock fixture's
    /// reading) instead of clearing them.
    ReplaceKeepsOmittedChildGroups,
    // ---- HTTP framing and timing
    /// One answer in eight is delayed by 20 to 80 ms.
    SlowAnswers,
    /// Bodies are sent with Transfer-Encoding: chunked, without Content-Length.
    ChunkedBodies,
    /// Every answer carries `Connection: close`.
    ConnectionClose,
    /// JSON is pretty-printed, keys in alphabetical order.
    PrettyJson,
    /// JSON answers say `Content-Type: application/json; charset=utf-8`.
    JsonCharset,
    /// Every fifth authenticated request is answered 429 with `Retry-After: 0`, before it is
    /// processed.
    RateLimited,
}

impl Liberty {
    /// The kebab-case name of `--liberty NAME`.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// Every liberty of the catalogue.
    pub fn all() -> &'static [Liberty] {
        Liberty::value_variants()
    }

    /// Parse a `--liberty` value: a name, or `all`.
    pub fn parse_list(text: &str) -> Result<Vec<Liberty>, UnknownLiberty> {
        if text == "all" {
            return Ok(Liberty::all().to_vec());
        }
        Liberty::from_str(text, false)
            .map(|l| vec![l])
            .map_err(|_| {
                let names: Vec<String> = Liberty::all().iter().map(|l| l.name()).collect();
                UnknownLiberty(format!(
                    "unknown liberty '{text}'; one of: all, {}",
                    names.join(", ")
                ))
            })
    }

    /// What the server does (the variant's doc comment).
    pub fn description(self) -> String {
        self.to_possible_value()
            .and_then(|v| v.get_help().map(|h| h.to_string()))
            .unwrap_or_default()
    }

    /// The silence or disagreement of the documents it comes from (sections of
    /// `reference/groups-api.md`).
    pub fn source(self) -> &'static str {
        use Liberty::*;
        match self {
            EmptyErrorBodies | PlainTextErrors => {
                "§4.1: only 400 and 403 have a documented body; '404 / 401: no JSON body is documented' (XMS-JAVA stubs them text/plain, empty)"
            }
            ErrorWording => "§4.1: `text` is a 'human readable description … for debugging'",
            ErrorCodeChoice => {
                "§6.10: 'which code the real API picks for each case is not documented'"
            }
            ExtraFields => {
                "§2.4, §3, §4.1: no document closes the objects; §7.10 the list sample itself carries `members`"
            }
            LegacyIds => "§2.4, §7.13: ids of the old documents are 12 mixed-case characters",
            UuidIds => "§2.4: 'No format/pattern is documented' for ids",
            MembersUnordered => {
                "§1 op 7: 'a JSON array with MSISDNs'; no document gives an order (a group is a set)"
            }
            ChildGroupsOmittedWhenEmpty => {
                "§2.4: child_groups absent from OLD-DOC/SPEC-2021 responses; formats doc: null values omitted"
            }
            KeywordsUpperCased => {
                "§2.1: keywords 'are not case sensitive'; nothing says how they are returned"
            }
            NameRequired => {
                "§1 SPEC-NOW prose 'A new group must be created with a group name'; §7.2"
            }
            EmptyNameAccepted => {
                "§2.1, §7.2: OLD-DOC 'Max 20 characters' gives no minimum (SPEC-NOW [1..20])"
            }
            BodylessCreateAccepted => {
                "§4.2: 415 speaks of a request whose Content-Type is 'missing or unsupported'; no document covers a create without a body"
            }
            PageSizeClamped => "§3 'Max 100'; §4.3 'List: none documented' (no error for lists)",
            AutoUpdateNullUnsets => {
                "§2.3: XMS-JAVA `unsetAutoUpdate()` sends `\"auto_update\": null`; the current documents give null no meaning"
            }
            ReplaceKeepsOmittedChildGroups => {
                "§6.5: 'Whether omitted child_groups/auto_update are cleared on replace is not documented; the mock fixture keeps child_groups'"
            }
            SlowAnswers => "no document gives a latency",
            ChunkedBodies | ConnectionClose => {
                "no document constrains HTTP framing (RFC 9112 allows both)"
            }
            PrettyJson => "§4.1, §2.4: JSON objects; no document fixes whitespace or key order",
            JsonCharset => {
                "§4.2 'Most operations expect application/json'; a charset parameter is valid JSON media type syntax"
            }
            RateLimited => {
                "§4.2: 429 'too many outstanding requests' is a documented answer; groups-api §9.1 the SDKs retry it"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_liberty_has_a_name_a_description_and_a_source() {
        let mut names = HashSet::new();
        for liberty in Liberty::all() {
            assert!(names.insert(liberty.name()), "{liberty:?}");
            assert!(!liberty.description().is_empty(), "{liberty:?}");
            assert!(liberty.source().contains('§') || liberty.source().contains("no document"));
        }
        assert!(Liberty::all().len() >= 15);
    }

    #[test]
    fn all_and_names_parse() {
        assert_eq!(
            Liberty::parse_list("all").unwrap().len(),
            Liberty::all().len()
        );
        assert_eq!(
            Liberty::parse_list("name-required").unwrap(),
            vec![Liberty::NameRequired]
        );
        assert!(
            Liberty::parse_list("nope")
                .unwrap_err()
                .contains("one of: all,")
        );
    }
}
