//! Stage 4, the plan: every check asked about every operation, with what it needs to know of
//! the session (settings derived once here, never by a check itself).

use crate::checks::{self, ApiFacts, CheckSettings, PlanCx};
use crate::config::ScanConfig;
use crate::identity::{Identity, Role};
use crate::model::HttpMethod;
use crate::plan::{self, Plan};

use super::Inventories;

pub struct ScanPlan {
    pub inventories: Inventories,
    pub settings: CheckSettings,
    pub facts: ApiFacts,
    pub plan: Plan,
}

impl ScanPlan {
    /// What checks plan and judge with.
    pub fn cx(&self) -> PlanCx<'_> {
        let targets = &self.inventories.session.targets;
        PlanCx {
            api: &targets.api,
            facts: &self.facts,
            base_url: &targets.base_url,
            user_a: &self.inventories.user_a,
            user_b: &self.inventories.user_b,
            public: &self.inventories.public,
            settings: &self.settings,
        }
    }
}

/// Plans every selected check on every operation (of this shard).
pub(super) fn build(inventories: Inventories, config: &ScanConfig) -> ScanPlan {
    let exec = &inventories.session.exec;
    // After login: a login identity's token is only known now.
    let user_a_credential = exec.credential(Role::UserA);
    let settings = CheckSettings {
        allow_writes: config.exec.allow_writes,
        user_a_jwt: user_a_credential.as_ref().is_some_and(|c| c.has_jwt()),
        user_a_weak_key: user_a_credential
            .as_ref()
            .and_then(|c| c.weak_signing_key()),
        public_fields: config
            .public_fields
            .iter()
            .map(|f| checks::judge::normalise_key(f))
            .collect(),
        admin: exec.has_admin(),
        login_operation: configured_login(config),
    };
    let api = &inventories.session.targets.api;
    let me = crate::harvest::proven_identity_operation(api, &inventories.session.preflight);
    let facts = ApiFacts::build(api, me, &settings);
    let mut scan_plan = ScanPlan {
        inventories,
        settings,
        facts,
        plan: Plan::default(),
    };
    let cx = scan_plan.cx();
    let plan = plan::build(
        &scan_plan.inventories.session.targets.checks,
        &cx,
        config.shard,
    );
    scan_plan.plan = plan;
    scan_plan
}

/// The operation user A's (else user B's) login identity calls, when it is on the target's
/// own API (a path, not an absolute token URL).
fn configured_login(config: &ScanConfig) -> Option<(HttpMethod, String)> {
    [&config.user_a, &config.user_b]
        .into_iter()
        .find_map(|identity| match identity {
            Identity::Login(flow) if flow.url.is_none() => Some((flow.method, flow.path.clone())),
            _ => None,
        })
}
