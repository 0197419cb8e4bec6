//! The `Check` trait and what flows through it.

use std::sync::Arc;

use url::Url;

use super::CheckMeta;
use crate::exec::{Exchange, ProbeRequest};
use crate::findings::Finding;
use crate::harvest::Inventory;
use crate::model::{Api, Operation};

/// What planning needs: the model, the base URL and what harvesting learned.
pub struct PlanCx<'a> {
    pub api: &'a Api,
    pub base_url: &'a Url,
    pub user_a: &'a Inventory,
    pub user_b: &'a Inventory,
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
    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned;
    /// `exchanges` answer `probe.requests` in order.
    fn evaluate(
        &self,
        op: &Operation,
        probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding>;
}
