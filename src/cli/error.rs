//! The errors a command ends with (cargo-nextest's `ExpectedError` is the model): one enum over
//! the typed errors of the layers below, printed once by [`Error::report`], and classed by
//! [`Error::kind`] for [`crate::exit::code`], the one function that decides the exit code.

use crate::client::ledger::LedgerError;
use crate::client::{ClientError, TransportError};
use crate::exit::ErrorKind;
use crate::load::LoadError;
use crate::scenario::ScenarioError;

/// Why a command could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments or configuration; the message says what to fix.
    #[error("{0}")]
    Usage(String),
    /// A scenario or flow file that does not load (file:line:column and a caret).
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// An input that names its own place (`FILE:LINE:COL: …`), printed as it is.
    #[error("{0}")]
    Located(String),
    /// A flow, threshold, shard or summary that the load layer refuses.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// The HTTP client cannot be built.
    #[error("{0}")]
    Client(#[from] ClientError),
    /// A ledger that cannot be read.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// A file or directory the command needs cannot be written or read.
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// The target does not answer at all.
    #[error("target {target} is unreachable: {source}")]
    Unreachable {
        target: String,
        source: TransportError,
    },
    /// The target answered the preflight request, but refused it: a token it rejects, or no such
    /// plan or path (`cli::target::preflight`).
    #[error("{0}")]
    Preflight(String),
    /// The machine cannot run the command (no runtime, the emulator stopped, a run that failed
    /// as a whole).
    #[error("{0}")]
    Environment(String),
}

impl Error {
    /// An I/O error with what was being done (`cannot create reports/x`).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// The tokio runtime did not start.
    pub fn runtime(source: std::io::Error) -> Self {
        Error::Environment(format!("cannot start the runtime: {source}"))
    }

    /// Which documented exit code this error gets (through [`crate::exit::code`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_)
            | Error::Scenario(_)
            | Error::Located(_)
            | Error::Load(_)
            | Error::Ledger(_)
            | Error::Client(_)
            | Error::Io { .. } => ErrorKind::Usage,
            Error::Unreachable { .. } | Error::Preflight(_) | Error::Environment(_) => {
                ErrorKind::Unreachable
            }
        }
    }

    /// Print the error on stderr, once: `groupcheck COMMAND: message`, or the message alone when
    /// it names its own place.
    pub fn report(&self, command: &str) {
        match self {
            Error::Scenario(_) | Error::Located(_) => eprintln!("{self}"),
            _ => eprintln!("groupcheck {command}: {self}"),
        }
    }
}

/// What every command returns.
pub type Result<T> = std::result::Result<T, Error>;
