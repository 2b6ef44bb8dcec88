//! Injectable defects, for proving that the gate catches what it claims to (`serve --fault NAME`,
//! `selftest`). Faults live on the emulator's side only: they bend requests before the model sees
//! them or answers after it spoke; the model and the oracle never know.

use clap::ValueEnum;

/// A realistic defect of a Groups implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Fault {
    /// Update applies removes before adds: a number in both ends up present.
    RemovesBeforeAdds,
    /// `"name": null` in an update is ignored instead of removing the name.
    NullNameIgnored,
    /// Create answers 200 instead of 201.
    CreateReturns200,
    /// Create counts duplicate members in `size`.
    DuplicatesCounted,
}

impl Fault {
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }
}
