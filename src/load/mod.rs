//! `load`, `capacity` and `merge`: the flows (scenario files) under load, latency against group
//! size, and shards combined exactly. docs/load.md is the user's guide; this is the map.
//!
//! ```text
//! flow files ─flow─▶ Flow (setup | steps | teardown)
//!      │
//!      ├─run/slots: setup once per group slot (large groups built 10,000 members a request)
//!      │
//!      ├─ closed model: run/goose_adapter (goose users, one transaction per step)  ┐
//!      └─ open model: run/open_model (arrival schedule, latency from intended start)┘
//!                 │  both drive a run/session: prepare → send → complete
//!                 ▼
//!        measure/record (HDR per operation × size bucket; transport / HTTP / violation counts)
//!                 │        ▲ validate (sampled: schema, expectations, invariants)
//!                 ▼
//!        measure/summary (summary.json, histograms in V2/base64) ─threshold─▶ exit 4
//!                 │                       merge: add shard histograms exactly
//!                 ▼
//!        capacity/ (sweep, knee)      crate::report::{load, capacity} write them out
//! ```
//!
//! Rooms: [`run`] (one run: slots, sessions, the two engines, the groups it created, progress),
//! [`measure`] (what is recorded and summarised: histograms, buckets, counts), [`capacity`] (the
//! sweep and the knee); [`flow`], [`validate`], [`threshold`], [`shard`] and [`merge`] beside them.
//! Nothing here writes a report: `crate::report::load` and `crate::report::capacity` do.
//!
//! goose is used only through `run::goose_adapter`; it keeps process-global state, so a process
//! runs one attack at a time.

pub mod capacity;
mod error;
pub mod flow;
pub mod measure;
pub mod merge;
pub mod run;
pub mod shard;
pub mod threshold;
pub mod validate;

pub use error::LoadError;
pub use measure::summary::LoadSummary;
pub use run::{LoadSpec, Mode, RunInfo};
