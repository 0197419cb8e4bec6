//! SIGINT/SIGTERM during a scan: the first stops it (it then undoes its writes and writes its
//! reports marked incomplete); a second one exits at once, naming the writes not undone.

use crate::exec::{Halt, HaltReason};
use crate::exit;

/// A [`Halt`] that the next SIGINT/SIGTERM stops.
pub(crate) fn watch() -> Halt {
    let halt = Halt::new();
    let watched = halt.clone();
    tokio::spawn(async move {
        loop {
            let Some(signal) = next_signal().await else {
                return;
            };
            if watched.stop(HaltReason::Interrupted {
                signal: signal.to_owned(),
            }) {
                eprintln!(
                    "{signal}: stopping; undoing the scan's writes and writing the reports (send it again to exit at once)"
                );
                continue;
            }
            let pending = watched.journal().pending();
            if pending.is_empty() {
                eprintln!("second {signal}: exiting now; no write was left to undo");
            } else {
                eprintln!(
                    "second {signal}: exiting now; NOT undone ({}): {}",
                    pending.len(),
                    pending.join("; ")
                );
            }
            std::process::exit(if signal == "SIGTERM" {
                exit::SIGTERM
            } else {
                exit::SIGINT
            });
        }
    });
    halt
}

/// Waits for SIGINT or SIGTERM; `None` when signals cannot be watched.
async fn next_signal() -> Option<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok()?;
        let mut int = signal(SignalKind::interrupt()).ok()?;
        tokio::select! {
            _ = int.recv() => Some("SIGINT"),
            _ = term.recv() => Some("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok().map(|()| "SIGINT")
    }
}
