//! groupcheck: a conformance gate, model-based explorer and load tester for the Sinch SMS Groups
//! API, with an embedded emulator. See `ARCHITECTURE.md` for the map of modules.

pub mod check;
pub mod cli;
pub mod client;
pub mod emulator;
mod error;
pub mod exit;
pub mod explore;
pub mod load;
pub mod model;
pub mod naming;
pub mod proxy;
pub mod report;
pub mod scenario;
pub mod selftest;
pub mod spec;
pub mod units;
