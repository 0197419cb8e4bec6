//! API2: the login operation answers "unknown user" differently from "wrong password", so
//! anyone can test which accounts exist.
//!
//! Three failed logins, sent anonymously: two usernames that do not exist (a control pair that
//! proves the answer is stable) and user A's real username with a wrong password. A finding
//! needs the two unknown-user answers to agree and the known-user answer to differ from them,
//! in status or in body once echoes of the submitted name and volatile values are masked.

use std::sync::Arc;

use super::login::{
    WRONG_PASSWORD, failed_login, is_the_login_operation, login_name, login_shape, nonexistent_like,
};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::model::Operation;
use crate::probe::Exchange;
use crate::vocab::VOLATILE_KEYS;

/// Statuses that say the request's shape was refused before any account was looked up.
const SHAPE_ERRORS: &[u16] = &[400, 415, 422];
/// Placeholder for the submitted login name in a normalised answer.
const ECHO: &str = "<submitted-name>";

pub(crate) struct AccountEnumeration {
    pub(crate) meta: CheckMeta,
}

impl Check for AccountEnumeration {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if !is_the_login_operation(op, cx) {
            return Planned::NotApplicable;
        }
        let shape = login_shape(op, cx.user_a);
        let Some(real) = login_name(&shape, cx.user_a) else {
            return Planned::Skipped(format!(
                "user A's login name is unknown: user A's own record has no {} field",
                if shape.name_field.to_ascii_lowercase().contains("email") {
                    "email"
                } else {
                    "username, login or email"
                }
            ));
        };
        Planned::Probes(vec![Probe {
            requests: vec![
                failed_login(op, cx, &shape, &nonexistent_like(Some(&real), 0)),
                failed_login(op, cx, &shape, &nonexistent_like(Some(&real), 1)),
                failed_login(op, cx, &shape, &real),
            ],
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [unknown, control, known] = exchanges else {
            return None;
        };
        let answers: Vec<Answer> = [unknown, control, known]
            .into_iter()
            .map(|ex| Answer::of(ex))
            .collect::<Option<_>>()?;
        let [unknown_answer, control_answer, known_answer] = answers.as_slice() else {
            return None;
        };
        // Every attempt must have been refused as a login (no success, limit or crash), and the
        // two unknown names answered alike, or a difference proves nothing.
        if answers
            .iter()
            .any(|a| !(400..500).contains(&a.status) || a.status == 429)
        {
            return None;
        }
        if unknown_answer != control_answer || unknown_answer == known_answer {
            return None;
        }
        let status_differs = unknown_answer.status != known_answer.status;
        // 400 vs 401 is a validation difference (one name failed a format rule), not an oracle.
        if status_differs
            && (SHAPE_ERRORS.contains(&unknown_answer.status)
                || SHAPE_ERRORS.contains(&known_answer.status))
        {
            return None;
        }
        let matches: Vec<Match> = known_answer
            .leaves
            .iter()
            .filter(|leaf| !unknown_answer.leaves.contains(leaf))
            .map(|(pointer, value)| Match {
                pointer: pointer.clone(),
                value: value.clone(),
            })
            .collect();
        let message = format!(
            "{} {} tells accounts apart: an unknown username gets {} {}, user-a's real username \
             with a wrong password gets {} {}; anyone can test which accounts exist",
            op.method,
            known.request.url,
            unknown_answer.status,
            excerpt(unknown),
            known_answer.status,
            excerpt(known),
        );
        let confidence = if status_differs {
            Confidence::High
        } else {
            Confidence::Medium
        };
        Some(super::finding(
            &self.meta, op, known, matches, None, confidence, message,
        ))
    }
}

/// A failed login's answer with what differs between any two responses masked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    /// JSON leaves (pointer, masked value), or one `("", masked body)` for non-JSON bodies.
    leaves: Vec<(String, String)>,
}

impl Answer {
    fn of(ex: &Exchange) -> Option<Answer> {
        let status = ex.status?;
        let submitted = submitted_name(ex);
        let mask = |text: &str| mask_volatile(&mask_echo(text, submitted.as_deref()));
        let leaves = match &ex.json {
            Some(json) => super::judge::leaves(json)
                .into_iter()
                .filter(|(pointer, _)| !is_volatile_pointer(pointer))
                .map(|(pointer, value)| (pointer, mask(&value)))
                .collect(),
            None => vec![(String::new(), mask(&ex.body))],
        };
        Some(Answer { status, leaves })
    }
}

/// The login name a failed-login request carried (the body's non-password string).
fn submitted_name(ex: &Exchange) -> Option<String> {
    let body: serde_json::Value = serde_json::from_str(ex.request.body.as_deref()?).ok()?;
    body.as_object()?
        .values()
        .filter_map(serde_json::Value::as_str)
        .find(|v| *v != WRONG_PASSWORD)
        .map(str::to_owned)
}

fn is_volatile_pointer(pointer: &str) -> bool {
    pointer
        .rsplit('/')
        .next()
        .is_some_and(|key| VOLATILE_KEYS.contains(&super::judge::normalise_key(key).as_str()))
}

/// Replaces echoes of the submitted name (whole, or an email's local part) with a placeholder.
fn mask_echo(text: &str, submitted: Option<&str>) -> String {
    let Some(name) = submitted.filter(|n| !n.is_empty()) else {
        return text.to_owned();
    };
    let out = text.replace(name, ECHO);
    match name.split_once('@') {
        Some((local, _)) if local.len() >= 3 => out.replace(local, ECHO),
        _ => out,
    }
}

/// Masks words that differ per response anyway: long digit runs (times, counters) and long hex
/// runs (request IDs, UUID parts).
fn mask_volatile(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        let hex = word.len() >= 16 && word.chars().all(|c| c.is_ascii_hexdigit());
        out.push_str(if digits >= 5 || hex { "#" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A short, single-line view of an answer's body for the message.
fn excerpt(ex: &Exchange) -> String {
    let body = ex.excerpt(120).replace(['\n', '\r'], " ");
    if body.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;
    use crate::model::HttpMethod;
    use crate::probe::ProbeRequest;
    use serde_json::json;

    fn answer(name: &str, status: u16, body: serde_json::Value) -> Exchange {
        let url = url::Url::parse("http://127.0.0.1:1/auth/login").expect("url");
        Exchange {
            request: ProbeRequest::new(Role::Anonymous, HttpMethod::Post, url)
                .json(&json!({"username": name, "password": "x"})),
            status: Some(status),
            headers: Vec::new(),
            body: body.to_string(),
            json: Some(body),
            error: None,
            elapsed_ms: 1,
        }
    }

    #[test]
    fn echoes_and_volatile_values_do_not_make_a_difference() {
        let a = answer(
            "ghost",
            401,
            json!({"error": "login failed for ghost", "requestId": "a1", "at": "1712345678"}),
        );
        let b = answer(
            "alice",
            401,
            json!({"error": "login failed for alice", "requestId": "b2", "at": "1712345999"}),
        );
        assert_eq!(Answer::of(&a), Answer::of(&b));
    }

    #[test]
    fn a_different_message_is_a_difference() {
        let a = answer("ghost", 401, json!({"error": "no such user"}));
        let b = answer("alice", 401, json!({"error": "wrong password"}));
        assert_ne!(Answer::of(&a), Answer::of(&b));
        assert_eq!(
            mask_echo("no user a.b@x.test (a.b)", Some("a.b@x.test")),
            format!("no user {ECHO} ({ECHO})"),
            "an email's local part is an echo too"
        );
    }
}
