//! The memory a run used: the peak resident set of this process (`getrusage`), read once when the
//! run ends. When the target is the embedded emulator, its groups live in the same process and
//! are part of the figure; the summary says so.

use serde::{Deserialize, Serialize};

/// The peak memory of the process that ran the load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Peak resident set size of the process so far, MiB.
    pub peak_rss_mib: f64,
    /// The embedded emulator (and so the groups it holds) ran in the same process.
    pub with_emulator: bool,
}

impl Memory {
    /// The figure now, or `None` where the platform does not tell.
    pub fn now(with_emulator: bool) -> Option<Memory> {
        peak_rss_bytes().map(|bytes| Memory {
            peak_rss_mib: bytes as f64 / (1024.0 * 1024.0),
            with_emulator,
        })
    }

    /// The larger of two figures (runs of one report: the largest peak is the one to plan for).
    pub fn larger(self, other: Memory) -> Memory {
        if other.peak_rss_mib > self.peak_rss_mib {
            other
        } else {
            self
        }
    }

    /// The figure as reports print it.
    pub fn describe(&self) -> String {
        format!(
            "peak memory {:.0} MiB resident ({})",
            self.peak_rss_mib,
            if self.with_emulator {
                "this process, including the embedded emulator and its groups"
            } else {
                "this process"
            }
        )
    }
}

/// The peak resident set size of this process, in bytes.
#[cfg(unix)]
fn peak_rss_bytes() -> Option<u64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given, which points to
    // memory of that type; RUSAGE_SELF is always a valid `who`.
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if status != 0 {
        return None;
    }
    // SAFETY: getrusage returned 0, so it filled the struct (and it was zeroed before).
    let max = unsafe { usage.assume_init() }.ru_maxrss;
    let max = u64::try_from(max).ok()?;
    // Linux and the BSDs count KiB; macOS counts bytes.
    Some(if cfg!(target_os = "macos") {
        max
    } else {
        max * 1024
    })
}

#[cfg(not(unix))]
fn peak_rss_bytes() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn peak_grows_with_what_is_held() {
        let before = Memory::now(false).expect("getrusage answers on unix");
        // Touch 64 MiB so it is resident, then measure again: the peak covers it.
        let held = vec![1u8; 64 << 20];
        let after = Memory::now(true).expect("getrusage answers on unix");
        assert!(held.iter().step_by(4096).all(|b| *b == 1));
        assert!(
            after.peak_rss_mib >= before.peak_rss_mib.max(64.0),
            "{before:?} → {after:?}"
        );
        assert!(after.describe().contains("embedded emulator"));
        assert!(!before.describe().contains("emulator"));
    }
}
