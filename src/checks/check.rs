//! The `Check` trait and what flows through it.

use std::sync::Arc;

use url::Url;

use super::ApiFacts;
use super::CheckMeta;
use crate::findings::Finding;
use crate::harvest::Inventory;
use crate::model::{Api, Operation};
use crate::probe::{Exchange, ProbeRequest};

/// What planning needs: the model, the base URL, what harvesting learned and the settings.
pub struct PlanCx<'a> {
    pub api: &'a Api,
    /// What is true of the API as a whole (the identity and login operations, the home of
    /// each ID kind), found once per scan.
    pub facts: &'a ApiFacts,
    pub base_url: &'a Url,
    pub user_a: &'a Inventory,
    pub user_b: &'a Inventory,
    /// Distinctive values of public-by-design objects (served without security, seen by
    /// anonymous callers, or saying they are public): never evidence of a leak.
    pub public: &'a std::collections::HashSet<String>,
    pub settings: &'a CheckSettings,
}

impl<'a> PlanCx<'a> {
    /// The operation that proves who the caller is (the "me" operation, else a secured read
    /// without parameters): the one the preflight used.
    pub fn me(&self) -> Option<&'a Operation> {
        self.facts.me(self.api)
    }
}

/// Knobs and non-secret facts about the credentials that checks plan with.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    /// `--allow-writes`: the write-side checks may run.
    pub allow_writes: bool,
    /// User A's bearer token is a JWT (so forged-token probes apply).
    pub user_a_jwt: bool,
    /// The weak HMAC key user A's token is signed with, found offline.
    pub user_a_weak_key: Option<&'static str>,
    /// Response fields public by design (`--public-field`), normalised (`display_name` →
    /// `displayname`): never canaries, never "excessive".
    pub public_fields: Vec<String>,
    /// An admin identity was given: the function-level check also asks as the admin and
    /// requires user A's answer to carry the admin's view.
    pub admin: bool,
    /// The configured login identity's operation (method, path template): the one operation
    /// failed-login checks aim at when the spec has it.
    pub login_operation: Option<(crate::model::HttpMethod, String)>,
}

impl CheckSettings {
    /// Whether a response field was declared public by design.
    pub fn is_public_field(&self, key: &str) -> bool {
        let key = super::judge::normalise_key(key);
        self.public_fields.contains(&key)
    }
}

/// A group of requests judged together (e.g. the attack and the victim's own view).
#[derive(Debug, Clone)]
pub struct Probe {
    pub requests: Vec<ProbeRequest>,
}

/// What a check makes of one operation.
#[derive(Debug, Clone)]
pub enum Planned {
    /// The check has nothing to say about this operation (no JUnit case).
    NotApplicable,
    /// It applies but could not run; the reason tells the user what to supply.
    Skipped(String),
    Probes(Vec<Probe>),
}

pub trait Check: Send + Sync {
    fn meta(&self) -> &CheckMeta;
    /// Probes for one operation; API-wide checks only implement `plan_api`.
    fn plan(&self, _op: &Operation, _cx: &PlanCx<'_>) -> Planned {
        Planned::NotApplicable
    }
    /// Probes about the API as a whole (undocumented paths, banners), planned once. Their
    /// exchanges are judged by `evaluate` with `Operation::api_wide`.
    fn plan_api(&self, _cx: &PlanCx<'_>) -> Planned {
        Planned::NotApplicable
    }
    /// Whether this check writes to objects the scan creates as user B, so that (with
    /// `--allow-writes`) the scan creates them before planning.
    fn writes_created_objects(&self) -> bool {
        false
    }
    /// `exchanges` answer `probe.requests` in order.
    fn evaluate(
        &self,
        op: &Operation,
        probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding>;
}
