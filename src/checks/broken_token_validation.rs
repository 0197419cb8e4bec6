//! API2: the API accepts bearer tokens it should reject — garbage, a corrupted signature,
//! `alg: none`, or user A's claims re-signed with a guessable HMAC key.
//!
//! One anchor operation (the "me" operation, else the first secured GET without required
//! parameters) is read as user A with each forged token. The executor builds the forgeries
//! from A's token at send time, so no forged token ever reaches a check or a report. A forgery
//! is accepted when the answer carries A's own data, as A's genuine request does, and an
//! anonymous request does not get the same data (that would be unauthenticated access).

use std::collections::HashSet;
use std::sync::Arc;

use super::judge::{has_data, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding};
use crate::identity::{Forge, Role, WEAK_KEYS};
use crate::model::Operation;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Most keys derived from the API's title: its name is a classic choice of signing key.
const MAX_TITLE_KEYS: usize = 6;

pub(crate) struct BrokenTokenValidation {
    pub(crate) meta: CheckMeta,
}

impl Check for BrokenTokenValidation {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if !cx
            .me()
            .is_some_and(|a| a.method == op.method && a.path == op.path)
        {
            return Planned::NotApplicable;
        }
        let url = join_url(cx.base_url, &op.path, &super::query_examples(op));
        let probes = forgeries(cx)
            .into_iter()
            .map(|forge| Probe {
                requests: vec![
                    ProbeRequest::get(Role::UserA, url.clone()).forged(forge),
                    ProbeRequest::get(Role::UserA, url.clone()),
                    ProbeRequest::get(Role::Anonymous, url.clone()),
                ],
            })
            .collect();
        Planned::Probes(probes)
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [forged, genuine, anonymous] = exchanges else {
            return None;
        };
        let forge = forged.request.forge.as_ref()?;
        if !forged.is_success() || !genuine.is_success() {
            return None;
        }
        let (forged_json, genuine_json) = (forged.json.as_ref()?, genuine.json.as_ref()?);
        if !has_data(forged_json) {
            return None;
        }
        let matches = shared_values(forged_json, genuine_json, &HashSet::new());
        if matches.len() < 2 && forged_json != genuine_json {
            return None;
        }
        // The same data without any token: no token is checked here at all, which is
        // unauthenticated-access's finding, not a token-validation one.
        if anonymous.is_success()
            && anonymous.json.as_ref().is_some_and(|anon| {
                anon == genuine_json
                    || shared_values(anon, genuine_json, &HashSet::new()).len() >= 2
            })
        {
            return None;
        }
        let message = format!(
            "{} {} accepted a forged token ({}) as user-a and returned user-a's data ({} matching \
             values): {}",
            op.method,
            forged.request.url,
            forge.label(),
            matches.len(),
            consequence(forge, cx.settings.user_a_weak_key),
        );
        Some(super::finding(
            &self.meta,
            op,
            forged,
            matches,
            None,
            Confidence::High,
            message,
        ))
    }
}

/// What to forge: a garbage token always; the JWT forgeries only when A's token is a JWT.
fn forgeries(cx: &PlanCx<'_>) -> Vec<Forge> {
    let mut out = vec![Forge::Garbage];
    if cx.settings.user_a_jwt {
        out.extend([Forge::BadSignature, Forge::AlgNone]);
        out.extend(weak_keys(&cx.api.title).into_iter().map(Forge::WeakKey));
    }
    out
}

/// The built-in weak keys, then ones made from the API's title (`Cadence Fitness API` →
/// `cadence-fitness-api`, `cadencefitnessapi`, `cadence`, `fitness`…).
fn weak_keys(title: &str) -> Vec<String> {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut from_title = Vec::new();
    if words.len() > 1 {
        from_title.push(words.join("-"));
        from_title.push(words.join("_"));
        from_title.push(words.concat());
    }
    from_title.extend(words.iter().filter(|w| w.len() >= 3).cloned());
    let mut out: Vec<String> = WEAK_KEYS.iter().map(|k| (*k).to_owned()).collect();
    let mut added = 0;
    for key in from_title {
        if added < MAX_TITLE_KEYS && !out.contains(&key) {
            out.push(key);
            added += 1;
        }
    }
    out
}

/// What an accepted forgery lets an attacker do.
fn consequence(forge: &Forge, offline_key: Option<&str>) -> String {
    match forge {
        Forge::Garbage => "bearer tokens are not validated at all".into(),
        Forge::BadSignature => {
            "token signatures are not verified, so anyone can edit the claims (e.g. the user ID)"
                .into()
        }
        Forge::AlgNone => {
            "unsigned tokens are trusted, so anyone can impersonate any user by editing the claims"
                .into()
        }
        Forge::WeakKey(key) => {
            let offline = if offline_key == Some(key.as_str()) {
                "; user-a's own token verifies offline with this key, so it is the real signing key"
            } else {
                ""
            };
            format!(
                "the signing key `{key}` is guessable, so anyone can mint a token for any user{offline}"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_keys_follow_the_built_in_list() {
        let keys = weak_keys("Cadence Fitness API");
        assert_eq!(&keys[..WEAK_KEYS.len()], WEAK_KEYS);
        let extra = &keys[WEAK_KEYS.len()..];
        assert_eq!(
            extra,
            [
                "cadence-fitness-api",
                "cadence_fitness_api",
                "cadencefitnessapi",
                "cadence",
                "fitness",
                "api"
            ]
        );
        // One-word titles add the word once; empty titles add nothing.
        assert_eq!(weak_keys("Petstore").len(), WEAK_KEYS.len() + 1);
        assert_eq!(weak_keys("").len(), WEAK_KEYS.len());
        assert_eq!(weak_keys("Secret").len(), WEAK_KEYS.len());
    }

    #[test]
    fn offline_proof_is_mentioned_for_that_key_only() {
        let forge = Forge::WeakKey("secret".into());
        assert!(consequence(&forge, Some("secret")).contains("verifies offline"));
        assert!(!consequence(&forge, Some("changeme")).contains("verifies offline"));
        assert!(!consequence(&forge, None).contains("verifies offline"));
    }
}
