//! The one place that decides how the two variants differ.
//!
//! Handlers are variant-agnostic glue; every planted flaw (and its fix) is a branch here, so
//! `fixtures/demo/ground-truth.yaml` can be checked against this file alone.

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::{Value, json};

use super::data::{Member, Workout};
use super::error::ApiError;

/// Which build of the demo API to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Every flaw in `fixtures/demo/ground-truth.yaml` is planted.
    Vulnerable,
    /// Every flaw is fixed the way a careful team would fix it.
    Patched,
}

/// `GET /members/{memberId}`: what `caller` sees of `target`, or `None` for 404.
pub(crate) fn member_view(variant: Variant, caller: &Member, target: &Member) -> Option<Value> {
    match variant {
        // BOLA + excessive data exposure: anyone's full record, plus undeclared secrets.
        Variant::Vulnerable => {
            let mut record = target.full();
            if let Some(obj) = record.as_object_mut() {
                obj.insert("password_hash".into(), json!(target.password_hash));
                obj.insert("last_login_ip".into(), json!(target.last_login_ip));
            }
            Some(record)
        }
        Variant::Patched if caller.id() == target.id() => Some(target.full()),
        // 404, not 403, so a private member's existence is not confirmed either.
        Variant::Patched if target.private => None,
        Variant::Patched => Some(target.public_view()),
    }
}

/// `GET /members/{memberId}/workouts`: may `caller` list `owner_id`'s workouts?
pub(crate) fn may_list_workouts(variant: Variant, caller: &Member, owner_id: u64) -> bool {
    match variant {
        Variant::Vulnerable => true,
        Variant::Patched => caller.id() == owner_id,
    }
}

/// `GET /workouts/{workoutId}`: is a bearer token demanded, as the spec says?
pub(crate) fn workout_needs_token(variant: Variant) -> bool {
    variant == Variant::Patched
}

/// `GET /workouts/{workoutId}`: may this (possibly anonymous) caller read `workout`?
pub(crate) fn may_read_workout(
    variant: Variant,
    caller: Option<&Member>,
    workout: &Workout,
) -> bool {
    match variant {
        Variant::Vulnerable => true,
        Variant::Patched => caller.is_some_and(|c| c.id() == workout.member_id),
    }
}

/// `GET /workouts/{workoutId}` with a non-integer ID.
pub(crate) fn invalid_workout_id(variant: Variant) -> ApiError {
    match variant {
        // The handler `unwrap`s the parse and the panic handler echoes the backtrace.
        Variant::Vulnerable => ApiError::Panicked,
        Variant::Patched => ApiError::BadRequest("invalid workout id"),
    }
}

/// `GET /members/search`: may `member` appear in `caller`'s results?
pub(crate) fn listed_in_search(variant: Variant, caller: &Member, member: &Member) -> bool {
    match variant {
        Variant::Vulnerable => true,
        Variant::Patched => !member.private || member.id() == caller.id(),
    }
}

/// `GET /classes/{classId}/leaderboard`: the `member` of a row (the endpoint is public).
pub(crate) fn leaderboard_member(variant: Variant, member: &Member) -> Value {
    match variant {
        Variant::Patched if member.private => Value::Null,
        _ => member.summary(),
    }
}

/// `GET /admin/members`: may `caller` list every member?
pub(crate) fn may_list_all_members(variant: Variant, caller: &Member) -> bool {
    match variant {
        Variant::Vulnerable => true,
        Variant::Patched => caller.admin,
    }
}

/// Headers added to every response.
pub(crate) fn decorate(variant: Variant, headers: &mut HeaderMap) {
    match variant {
        // A version banner, and nothing stops proxies or browsers caching personal data.
        Variant::Vulnerable => {
            headers.insert(
                header::SERVER,
                HeaderValue::from_static("cadence/1.4.2 (axum)"),
            );
        }
        // Nearly every response is personal or carries a token; the two public class endpoints
        // are cheap, so no-store everywhere beats a per-route list that can drift.
        Variant::Patched => {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}
