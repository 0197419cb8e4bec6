//! Stage 3, inventories: who each user is and what each owns, learned as that user; the
//! health canary that re-reads it; and (`--allow-writes`) the objects the scan creates.

use std::collections::HashSet;

use crate::config::ScanConfig;
use crate::exec::{HaltReason, Stage};
use crate::harvest::{self, Health, Inventory};

use super::Session;

pub struct Inventories {
    pub session: Session,
    pub user_a: Inventory,
    pub user_b: Inventory,
    /// Distinctive values of public-by-design objects: never evidence of a leak.
    pub public: HashSet<String>,
    pub health: Health,
}

/// Harvests both users, verifies the identities still hold, creates objects to write to
/// (unless `create` is false: a dry run writes nothing).
pub(super) async fn harvest(session: Session, config: &ScanConfig, create: bool) -> Inventories {
    let Session { targets, exec, .. } = &session;
    let (api, base) = (&targets.api, &targets.base_url);
    exec.enter(Stage::Harvest);
    let me = harvest::proven_identity_operation(api, &session.preflight);
    let (mut user_a, mut user_b, public) =
        harvest::harvest(api, exec, base, me, usize::from(config.harvest_requests)).await;
    let health = Health::new(api, base, &session.preflight, [&user_a, &user_b]);
    if let Err(change) = health.verify(exec, "after the harvest").await {
        exec.halt()
            .stop(HaltReason::TargetFailed { message: change });
    }
    // After the read-only harvest, so what other checks learn is the same with or without
    // writes; only checks that write to them make the scan create anything.
    if create
        && config.exec.allow_writes
        && !exec.halt().is_stopped()
        && targets.checks.iter().any(|c| c.writes_created_objects())
    {
        exec.enter(Stage::Create);
        harvest::create_objects(api, exec, base, &mut user_b).await;
    }
    add_explicit_objects(&mut user_a, &config.objects.user_a, false);
    add_explicit_objects(
        &mut user_b,
        &config.objects.user_b,
        config.exec.allow_writes,
    );
    if create && !user_b.listed.is_empty() && !exec.halt().is_stopped() {
        exec.enter(Stage::Create);
        harvest::read_listed(api, exec, base, &mut user_b).await;
    }
    Inventories {
        session,
        user_a,
        user_b,
        public,
        health,
    }
}

/// Adds the object IDs the user listed to a harvested inventory: owned, and with `writable`
/// (user B with writes allowed) also created, after the scan's own creations.
fn add_explicit_objects(inv: &mut Inventory, objects: &[(String, Vec<String>)], writable: bool) {
    for (param, ids) in objects {
        let key = inv.key_of_name(param);
        for id in ids {
            tracing::info!(identity = %inv.role, param, %key, id, "object listed in the config file");
            if writable {
                inv.listed.insert(id.clone(), (key.clone(), None));
                inv.add_created(&key, id.clone());
            } else {
                inv.add_owned(&key, id.clone());
            }
        }
    }
}
