//! The health canary: re-reads, during and after the scan, what proved the identities at the
//! start (each user's "me" operation and one object each owns). A scan whose user was logged
//! out or wiped, or whose target died, judged its later probes against a broken target: it
//! stops instead, and names the requests sent just before the change.

use url::Url;

use super::{Inventory, PreflightEntry};
use crate::exec::{Executor, Stage};
use crate::identity::Role;
use crate::model::Api;
use crate::probe::{ProbeRequest, join_url};

/// How many of the requests sent before a change a message names.
const NAMED: usize = 20;

/// One read that answered 2xx at the start and must keep doing so.
#[derive(Debug, Clone)]
struct Witness {
    role: Role,
    /// `GET /me`, `GET /members/1/workouts`.
    label: String,
    url: Url,
    /// The principal the "me" read named at the start (identity reads only).
    principal: Option<String>,
    identity: bool,
}

/// What the canary re-reads.
#[derive(Debug, Clone, Default)]
pub struct Health {
    witnesses: Vec<Witness>,
}

impl Health {
    /// The preflight's identity reads of user A and B, and one owned object of each.
    pub fn new(
        api: &Api,
        base: &Url,
        preflight: &[PreflightEntry],
        inventories: [&Inventory; 2],
    ) -> Health {
        let mut witnesses = Vec::new();
        for inv in inventories {
            if let Some(entry) = preflight.iter().find(|p| p.identity == inv.role)
                && let Some(op) = api
                    .operations
                    .iter()
                    .find(|o| o.display_name() == entry.operation)
            {
                witnesses.push(Witness {
                    role: inv.role,
                    label: op.display_name(),
                    url: join_url(base, &op.path, &[]),
                    principal: entry.principal.clone(),
                    identity: true,
                });
            }
            if let Some(url) = &inv.witness {
                witnesses.push(Witness {
                    role: inv.role,
                    label: format!("GET {}", url.path()),
                    url: url.clone(),
                    principal: None,
                    identity: false,
                });
            }
        }
        Health { witnesses }
    }

    /// Re-reads every witness; `Err` says what changed and what was sent before it. The
    /// executor forgets the requests sent before the check when all is well. Safe to run
    /// while other requests are being sent.
    pub async fn verify(&self, exec: &Executor, when: &str) -> Result<(), String> {
        if self.witnesses.is_empty() {
            return Ok(());
        }
        // Requests sent while the reads run (the probes go on beside them) are not cleared
        // by this check: they stay suspects for the next one.
        let checkpoint = exec.checkpoint();
        let exchanges = exec
            .send_all_in(
                Stage::Canary,
                self.witnesses
                    .iter()
                    .map(|w| ProbeRequest::get(w.role, w.url.clone()).uncached())
                    .collect(),
            )
            .await;
        for (w, ex) in self.witnesses.iter().zip(&exchanges) {
            let change = match ex.status {
                None if exec.halt().is_stopped() => return Ok(()),
                None => Some(format!(
                    "the target stopped answering: {}'s {} got no response ({})",
                    w.role,
                    w.label,
                    ex.error.as_deref().unwrap_or("no error text")
                )),
                Some(s) if !(200..300).contains(&s) && w.identity => Some(format!(
                    "{} stopped authenticating: {} answered {s} (it answered 2xx at the start)",
                    w.role, w.label
                )),
                Some(s) if !(200..300).contains(&s) => Some(format!(
                    "{}'s own object vanished: {} answered {s} (it answered 2xx at the start)",
                    w.role, w.label
                )),
                Some(_) => w.principal.as_ref().and_then(|was| {
                    let now = ex
                        .json
                        .as_ref()
                        .and_then(crate::values::records::me_record)
                        .and_then(|r| {
                            crate::values::records::Principal::from_record(&r)
                                .label()
                                .map(str::to_owned)
                        });
                    (now.as_ref() != Some(was)).then(|| {
                        format!(
                            "{} is no longer the same principal: {} now names `{}` (was `{was}`)",
                            w.role,
                            w.label,
                            now.as_deref().unwrap_or("nobody")
                        )
                    })
                }),
            };
            if let Some(change) = change {
                let (recent, total) = exec.sent_since_mark(NAMED);
                let sent = if recent.is_empty() {
                    "no request was sent since it was last verified".to_owned()
                } else {
                    format!(
                        "last requests sent before ({} distinct of {total} since it was last verified): {}",
                        recent.len(),
                        recent.join("; ")
                    )
                };
                return Err(format!("{when}, {change}; {sent}"));
            }
        }
        exec.forget_before(checkpoint);
        Ok(())
    }
}
