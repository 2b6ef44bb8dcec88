//! Documented, stable exit codes (README "Exit codes", DESIGN.md §3), decided in one place:
//! [`code`]. A command ends with an [`Outcome`] (it ran to its end) or an error whose
//! [`ErrorKind`] says which of the two error codes it gets; nothing else in `src/` names a code.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | all passed (warnings allowed) |
//! | 1 | conformance failures (selftest: a fault escaped detection) |
//! | 2 | usage, configuration or scenario-file error |
//! | 3 | target unreachable or run aborted |
//! | 4 | load thresholds breached |

use std::process::ExitCode;

/// How a command that ran to its end ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed (warnings allowed).
    Passed,
    /// Conformance failures, or in `selftest` a fault that escaped.
    Failed,
    /// The run stopped early: Ctrl-C, the target went away, nothing succeeded.
    Aborted,
    /// Load thresholds breached.
    ThresholdsBreached,
}

/// The two kinds of error a command can end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Usage, configuration or scenario-file error: the user can fix the command.
    Usage,
    /// The target was unreachable, or the machine could not run the command.
    Unreachable,
}

/// The one function that decides an exit code.
pub fn code(result: Result<Outcome, ErrorKind>) -> u8 {
    const OK: u8 = 0;
    const FAILURES: u8 = 1;
    const USAGE: u8 = 2;
    const UNREACHABLE: u8 = 3;
    const THRESHOLDS: u8 = 4;
    match result {
        Ok(Outcome::Passed) => OK,
        Ok(Outcome::Failed) => FAILURES,
        Ok(Outcome::Aborted) | Err(ErrorKind::Unreachable) => UNREACHABLE,
        Ok(Outcome::ThresholdsBreached) => THRESHOLDS,
        Err(ErrorKind::Usage) => USAGE,
    }
}

/// [`code`] as the process's exit code.
pub fn exit_code(result: Result<Outcome, ErrorKind>) -> ExitCode {
    ExitCode::from(code(result))
}

/// The text appended to `--help`.
pub const HELP: &str = "\
Exit codes:
  0  all passed
  1  conformance failures (selftest: a fault escaped detection)
  2  usage, configuration or scenario-file error
  3  target unreachable or run aborted
  4  load thresholds breached";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_once() {
        let all = [
            code(Ok(Outcome::Passed)),
            code(Ok(Outcome::Failed)),
            code(Err(ErrorKind::Usage)),
            code(Ok(Outcome::Aborted)),
            code(Ok(Outcome::ThresholdsBreached)),
        ];
        assert_eq!(all, [0, 1, 2, 3, 4]);
        assert_eq!(code(Err(ErrorKind::Unreachable)), 3);
    }
}
