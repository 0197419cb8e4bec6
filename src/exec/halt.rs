//! Stopping a scan early, and undoing what it wrote.
//!
//! A scan stops sending when it is interrupted (SIGINT/SIGTERM, as a CI job cancellation sends)
//! or when the target fails (an identity stops authenticating, an owned object vanishes, the
//! target stops answering). Whatever the cause, every write the scan made is undone before it
//! exits: each write registers its undo in the [`UndoJournal`] *before* it is sent, the planned
//! restore or cleanup request strikes it off, and whatever is left is sent at the end.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::model::HttpMethod;
use crate::probe::ProbeRequest;

/// Why a scan stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum HaltReason {
    /// A signal: `SIGINT` (Ctrl-C) or `SIGTERM` (CI cancellation).
    Interrupted { signal: String },
    /// The target or an identity failed; the message says what was seen.
    TargetFailed { message: String },
    /// `--max-requests` or `--max-duration` ran out; the message says which.
    Budget { message: String },
}

impl HaltReason {
    pub fn message(&self) -> String {
        match self {
            HaltReason::Interrupted { signal } => format!("interrupted by {signal}"),
            HaltReason::TargetFailed { message } | HaltReason::Budget { message } => {
                message.clone()
            }
        }
    }
}

/// A shared "stop sending" switch. The first reason set wins; later ones are ignored.
#[derive(Debug, Clone, Default)]
pub struct Halt {
    inner: Arc<HaltInner>,
}

#[derive(Debug, Default)]
struct HaltInner {
    reason: OnceLock<HaltReason>,
    journal: UndoJournal,
}

impl Halt {
    pub fn new() -> Halt {
        Halt::default()
    }

    /// Stops the scan for `reason`; `false` when it was already stopped.
    pub fn stop(&self, reason: HaltReason) -> bool {
        let first = self.inner.reason.set(reason.clone()).is_ok();
        if first {
            tracing::warn!("stopping the scan: {}", reason.message());
        }
        first
    }

    pub fn reason(&self) -> Option<&HaltReason> {
        self.inner.reason.get()
    }

    pub fn is_stopped(&self) -> bool {
        self.inner.reason.get().is_some()
    }

    /// The writes not undone yet (shared with whoever holds this handle).
    pub fn journal(&self) -> &UndoJournal {
        &self.inner.journal
    }
}

/// One write to undo: the request that undoes it, and what it was for.
#[derive(Debug, Clone)]
pub struct UndoEntry {
    pub undo: ProbeRequest,
    /// `PATCH /me (restore user-a's original values)`.
    pub what: String,
}

/// The writes the scan made and has not undone yet, oldest first.
#[derive(Debug, Default)]
pub struct UndoJournal {
    entries: Mutex<Vec<UndoEntry>>,
    /// Writes that cannot be undone (a create whose answer named no ID): reported as left
    /// behind, never silently.
    lost: Mutex<Vec<String>>,
}

impl UndoJournal {
    /// Records `undo` before the write it undoes is sent. An identical pending entry is kept
    /// once.
    pub fn register(&self, undo: ProbeRequest, what: String) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if !entries.iter().any(|e| same_request(&e.undo, &undo)) {
            entries.push(UndoEntry { undo, what });
        }
    }

    /// Strikes off the entry `sent` is the undo of, when its answer shows it done (2xx, or a
    /// DELETE of something already gone).
    pub fn settle(&self, sent: &ProbeRequest, status: Option<u16>) {
        let Some(status) = status else { return };
        if !is_done(sent.method, status) {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|e| !same_request(&e.undo, sent));
    }

    /// Forgets `undo`: the write it undoes was refused (4xx), so there is nothing to undo.
    pub fn withdraw(&self, undo: &ProbeRequest) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|e| !same_request(&e.undo, undo));
    }

    /// Takes every pending entry, newest first (undo in reverse order).
    pub fn drain(&self) -> Vec<UndoEntry> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<UndoEntry> = entries.drain(..).collect();
        out.reverse();
        out
    }

    /// Records a write that cannot be undone.
    pub fn lost(&self, what: String) {
        self.lost
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(what);
    }

    /// Takes the writes that cannot be undone.
    pub fn take_lost(&self) -> Vec<String> {
        std::mem::take(&mut *self.lost.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// What is pending now, for a message.
    pub fn pending(&self) -> Vec<String> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .map(|e| format!("{} {} ({})", e.undo.method, e.undo.url, e.what))
            .collect()
    }
}

/// Whether `status` answers an undo as done.
pub(crate) fn is_done(method: HttpMethod, status: u16) -> bool {
    (200..300).contains(&status) || (method == HttpMethod::Delete && matches!(status, 404 | 410))
}

/// Same target, same identity, same body: the credential and curl decoration do not matter.
fn same_request(a: &ProbeRequest, b: &ProbeRequest) -> bool {
    a.role == b.role && a.method == b.method && a.url == b.url && a.body == b.body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_that_cannot_be_undone_are_kept_to_report() {
        let journal = UndoJournal::default();
        journal.lost("POST /invoices: no ID".into());
        assert_eq!(journal.take_lost(), ["POST /invoices: no ID"]);
        assert!(journal.take_lost().is_empty());
    }
    use crate::identity::Role;

    fn req(method: HttpMethod, path: &str) -> ProbeRequest {
        let url = url::Url::parse(&format!("http://127.0.0.1:1{path}")).expect("url");
        ProbeRequest::new(Role::UserB, method, url)
    }

    #[test]
    fn settled_entries_leave_and_the_rest_drain_newest_first() {
        let j = UndoJournal::default();
        j.register(req(HttpMethod::Delete, "/w/1"), "created".into());
        j.register(req(HttpMethod::Delete, "/w/2"), "created".into());
        j.register(req(HttpMethod::Delete, "/w/2"), "again".into());
        j.settle(&req(HttpMethod::Delete, "/w/1"), Some(500));
        assert_eq!(j.pending().len(), 2, "a failed undo stays pending");
        j.settle(&req(HttpMethod::Delete, "/w/1"), Some(404));
        let left: Vec<String> = j.drain().iter().map(|e| e.undo.url.path().into()).collect();
        assert_eq!(left, ["/w/2"]);
        assert!(j.pending().is_empty());
    }

    #[test]
    fn the_first_reason_wins() {
        let h = Halt::new();
        assert!(!h.is_stopped());
        assert!(h.stop(HaltReason::Interrupted {
            signal: "SIGINT".into()
        }));
        assert!(!h.stop(HaltReason::TargetFailed {
            message: "x".into()
        }));
        assert_eq!(
            h.reason().map(HaltReason::message).as_deref(),
            Some("interrupted by SIGINT")
        );
    }
}
