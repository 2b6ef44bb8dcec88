//! `groupcheck scenarios`: the suite built into the binary. `export DIR` writes it out to edit
//! (`check DIR` then runs the edited files); `list` names its files.

use super::error::{Error, Result};
use crate::exit::Outcome;
use crate::scenario::suite::{self, EMBEDDED, ExportError};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub command: ScenariosCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ScenariosCommand {
    /// Write the built-in suite into DIR (DIR/create/basic.yaml, …), to edit and run with
    /// `groupcheck check DIR`.
    Export {
        /// The directory to write into (created if missing).
        dir: PathBuf,
        /// Overwrite files of the suite that are already there.
        #[arg(long)]
        force: bool,
    },
    /// Name every file of the built-in suite.
    List,
}

pub fn run(args: ScenariosArgs) -> Result<Outcome> {
    match args.command {
        ScenariosCommand::Export { dir, force } => {
            let written = suite::export(&dir, force).map_err(|e| match e {
                ExportError::Exists(_) => Error::Usage(e.to_string()),
                ExportError::Io { path, source } => {
                    Error::io(format!("cannot write {}", path.display()), source)
                }
            })?;
            eprintln!(
                "wrote {} scenario files into {}/; run them with `groupcheck check {}`",
                written.len(),
                dir.display(),
                dir.display()
            );
        }
        ScenariosCommand::List => {
            for (path, _) in EMBEDDED {
                println!("{path}");
            }
        }
    }
    Ok(Outcome::Passed)
}
