//! Documented, stable exit codes (README "Exit codes", DESIGN.md §3).

use std::process::ExitCode;

/// Everything passed.
pub const OK: u8 = 0;
/// Conformance failures (or, in `selftest`, a fault that escaped).
pub const FAILURES: u8 = 1;
/// Usage, configuration or scenario-file error.
pub const USAGE: u8 = 2;
/// The target was unreachable or the run was aborted.
pub const UNREACHABLE: u8 = 3;
/// Load thresholds breached.
pub const THRESHOLDS: u8 = 4;

/// The text appended to `--help`.
pub const HELP: &str = "\
Exit codes:
  0  all passed
  1  conformance failures (selftest: a fault escaped detection)
  2  usage, configuration or scenario-file error
  3  target unreachable or run aborted
  4  load thresholds breached";

pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
