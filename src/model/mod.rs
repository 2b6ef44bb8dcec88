//! The documented semantics of the Groups API as pure code: no I/O, no clock, no randomness.
//!
//! The emulator serves this model over HTTP, the `check` oracle predicts responses with it, and
//! `explore` generates operation sequences from it. Every rule here traces to
//! `specs/rules.yaml` (and, through it, to `reference/groups-api.md`).
//!
//! * [`msisdn`]: parsing and normalising phone numbers.
//! * [`error`]: the documented error statuses and codes.
//! * [`request`]: request bodies and list queries, parsed and validated.
//! * [`group`]: one group's state and its JSON view.
//! * [`store`]: the groups of one service plan and the seven operations on them.
//! * [`id`]: group ids and timestamps in the documented formats.
//! * [`keyword`]: `auto_update` keywords: what a simulated inbound SMS does (emulator only).

pub mod error;
pub mod group;
pub mod id;
pub mod keyword;
pub mod msisdn;
pub mod request;
pub mod store;

pub use error::ApiError;
pub use group::{Group, GroupView};
pub use msisdn::Msisdn;
pub use request::{CreateRequest, ListQuery, NameChange, ReplaceRequest, UpdateRequest};
pub use store::{ListView, Store};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// Documented limits (groups-api.md §2, §3).
pub mod limits {
    /// "Max 20 characters" for a group name.
    pub const NAME_MAX_CHARS: usize = 20;
    /// "Max 10,000 elements" for members, add and remove in one request.
    pub const MEMBERS_PER_REQUEST: usize = 10_000;
    /// "Max 10 elements" for child_groups.
    pub const CHILD_GROUPS_MAX: usize = 10;
    /// Auto-update keywords: "Must be one word. Max 15 characters".
    pub const KEYWORD_MAX_CHARS: usize = 15;
    /// List `page_size`: "Max 100", default 30.
    pub const PAGE_SIZE_MAX: u32 = 100;
    pub const PAGE_SIZE_DEFAULT: u32 = 30;
}
