//! `load`, `capacity` and `merge`: the flows (scenario files) under load, latency against group
//! size, and shards combined exactly. docs/load.md is the user's guide; this is the map.
//!
//! ```text
//! flow files ─flow─▶ Flow (setup | steps | teardown)
//!      │
//!      ├─slots: setup once per group slot (large groups built 10,000 members a request)
//!      │
//!      ├─ closed model: goose_adapter (goose users, one transaction per step)  ┐
//!      └─ open model: open_model (arrival schedule, latency from intended start)┘
//!                 │  both drive a session: prepare → send → complete
//!                 ▼
//!        record (HDR per operation × size bucket; transport / HTTP / violation counts)
//!                 │        ▲ validate (sampled: schema, expectations, invariants)
//!                 ▼
//!        summary (summary.json, histograms in V2/base64) ─threshold─▶ exit 4
//!                 │                       merge: add shard histograms exactly
//!                 ▼
//!        report (console, report.md, report.html), capacity (sweep, knee, chart)
//! ```
//!
//! goose is used only through [`goose_adapter`]; it keeps process-global state, so a process runs
//! one attack at a time.

pub mod bucket;
pub mod capacity;
pub mod capacity_report;
pub mod chart;
pub mod flow;
mod goose_adapter;
pub mod groups;
pub mod hdr;
pub mod knee;
pub mod merge;
pub mod open_model;
pub mod progress;
pub mod record;
pub mod report;
pub mod report_html;
pub mod run;
pub mod session;
pub mod shard;
pub mod slots;
pub mod summary;
pub mod threshold;
pub mod units;
pub mod validate;

pub use run::{LoadSpec, Mode, RunInfo};
pub use summary::LoadSummary;
