//! The command line: argument definitions and dispatch. Each command's work lives in its own
//! module; this file only parses and routes. Every command returns `Result<Outcome, Error>`
//! ([`error::Error`]); the error is printed once here and [`crate::exit::code`] turns either into
//! the documented exit code.

mod capacity;
mod check;
mod cleanup;
pub mod error;
mod explore;
mod load;
mod merge;
mod proxy;
mod scenarios;
mod selftest;
mod serve;
mod signal;
mod target;
mod validate;

use crate::exit;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The one description of the tool, in `groupcheck`, `-h` and `--help` alike.
const ABOUT: &str = "Checks whether a server implementing the Sinch SMS Groups API behaves as \
documented: a conformance suite (built in), random operation sequences, load tests, and an \
emulator of the API. Without --target, every command runs against the built-in emulator.";

#[derive(Debug, Parser)]
#[command(
    name = "groupcheck",
    version,
    about = ABOUT,
    after_help = exit::HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite (built in, or ./scenarios), or the scenario files named.
    Check(check::CheckArgs),
    /// Model-based random operation sequences, shrunk to a minimal reproducer on failure.
    Explore(explore::ExploreArgs),
    /// Run the emulator: a local, stateful Groups API.
    Serve(serve::ServeArgs),
    /// Every built-in emulator fault against check and explore: the detection matrix.
    Selftest(selftest::SelftestArgs),
    /// Run the flows under load.
    Load(load::LoadArgs),
    /// Sweep group sizes and rates; table, chart and knee.
    Capacity(capacity::CapacityArgs),
    /// Combine shard results into one report.
    Merge(merge::MergeArgs),
    /// Check a JSON document against a named schema of specs/schemas.
    Validate(validate::ValidateArgs),
    /// Delete what a run created, from its ledger.
    Cleanup(cleanup::CleanupArgs),
    /// The built-in scenario suite: export it to edit, or list it.
    Scenarios(scenarios::ScenariosArgs),
    /// Forward live traffic to a target and judge every exchange; reports on Ctrl-C or SIGTERM.
    Proxy(proxy::ProxyArgs),
}

/// Parse the command line, run the command, and return its documented exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return exit::exit_code(if e.use_stderr() {
                Err(exit::ErrorKind::Usage)
            } else {
                Ok(exit::Outcome::Passed)
            });
        }
    };
    let (name, result) = match cli.command {
        Command::Check(args) => ("check", check::run(args)),
        Command::Cleanup(args) => ("cleanup", cleanup::run(args)),
        Command::Explore(args) => ("explore", explore::run(args)),
        Command::Selftest(args) => ("selftest", selftest::run(args)),
        Command::Serve(args) => ("serve", serve::run(args)),
        Command::Validate(args) => ("validate", validate::run(args)),
        Command::Load(args) => ("load", load::run(args)),
        Command::Capacity(args) => ("capacity", capacity::run(args)),
        Command::Merge(args) => ("merge", merge::run(args)),
        Command::Scenarios(args) => ("scenarios", scenarios::run(args)),
        Command::Proxy(args) => ("proxy", proxy::run(args)),
    };
    if let Err(e) = &result {
        e.report(name);
    }
    exit::exit_code(result.map_err(|e| e.kind()))
}

/// A path given on the command line, shown as the user typed it.
pub(crate) fn show(path: &std::path::Path) -> String {
    path.display().to_string()
}
