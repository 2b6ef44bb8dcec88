//! The one Ctrl-C handler of the commands that run against a target (`check`, `explore`, `load`,
//! `capacity`): the first Ctrl-C sets a flag the run polls, so in-flight requests finish, the
//! reports are written and the run's groups are deleted; the process then exits 3.
//! [`terminated`]: Ctrl-C or SIGTERM, the normal end of `proxy`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A cancellation flag set by the first Ctrl-C, which also prints `message` (when there is one).
/// Call inside a tokio runtime.
pub(crate) fn cancel_on_ctrl_c(message: Option<&'static str>) -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::SeqCst);
            if let Some(message) = message {
                eprintln!("\n{message}");
            }
        }
    });
    cancel
}

/// Resolves on the first Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub(crate) async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
