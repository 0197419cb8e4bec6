//! The one place that decides how the two variants differ.
//!
//! Handlers are variant-agnostic glue; every planted flaw (and its fix) is a branch here, so
//! `fixtures/demo/ground-truth.yaml` can be checked against this file alone.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::{Value, json};

use super::data::{Db, Member, Workout};
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

/// `PATCH /workouts/{workoutId}`: may `caller` change `workout`? (`false` answers 404.)
pub(crate) fn may_update_workout(variant: Variant, caller: &Member, workout: &Workout) -> bool {
    match variant {
        // BOLA on writes: the handler was copied from the read one before ownership checks
        // existed anywhere; any member can rewrite anyone's workout.
        Variant::Vulnerable => true,
        Variant::Patched => caller.id() == workout.member_id,
    }
}

/// `DELETE /workouts/{workoutId}`: may `caller` delete `workout`? (`false` answers 404.)
pub(crate) fn may_delete_workout(variant: Variant, caller: &Member, workout: &Workout) -> bool {
    match variant {
        // BOLA on writes, in its own handler: any member can delete anyone's workout.
        Variant::Vulnerable => true,
        Variant::Patched => caller.id() == workout.member_id,
    }
}

/// What `PATCH /me` may change.
#[derive(Debug, Default)]
pub(crate) struct ProfileUpdate {
    pub(crate) display_name: Option<String>,
    pub(crate) city: Option<String>,
    /// Only ever set by the vulnerable variant.
    pub(crate) admin: Option<bool>,
}

/// `PATCH /me`: the update a body asks for, or why it is refused.
pub(crate) fn profile_update(
    variant: Variant,
    body: &serde_json::Map<String, Value>,
) -> Result<ProfileUpdate, ApiError> {
    let mut update = ProfileUpdate::default();
    for (key, value) in body {
        match (key.as_str(), value) {
            ("display_name", Value::String(v)) if !v.trim().is_empty() => {
                update.display_name = Some(v.clone());
            }
            ("city", Value::String(v)) => update.city = Some(v.clone()),
            ("display_name" | "city", _) => {
                return Err(ApiError::BadRequest("invalid profile update"));
            }
            // Mass assignment: the body is bound onto the whole member model, role included.
            ("role", Value::String(role)) if variant == Variant::Vulnerable => {
                update.admin = Some(role == "admin");
            }
            ("is_admin" | "admin", Value::Bool(flag)) if variant == Variant::Vulnerable => {
                update.admin = Some(*flag);
            }
            // Everything else (unknown or read-only, like `role`) is refused, not ignored, so
            // clients learn about it.
            _ if variant == Variant::Patched => {
                return Err(ApiError::BadRequest(
                    "unknown or read-only field in profile update",
                ));
            }
            _ => {}
        }
    }
    Ok(update)
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

/// The HMAC key bearer tokens are signed (and verified) with, chosen at start-up.
pub(crate) fn token_signing_key(variant: Variant) -> Vec<u8> {
    match variant {
        // Broken token validation: the tutorial key, so anyone can mint any member's token.
        Variant::Vulnerable => b"secret".to_vec(),
        // 32 random bytes per start, never leaving the process.
        Variant::Patched => [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
            .iter()
            .flat_map(|u| u.into_bytes())
            .collect(),
    }
}

/// Are `alg: none` tokens trusted (claims checked, no signature)?
pub(crate) fn accepts_unsigned_tokens(variant: Variant) -> bool {
    variant == Variant::Vulnerable
}

/// `POST /auth/login` with a wrong username or password: the error the caller gets.
pub(crate) fn login_failure(variant: Variant, user_exists: bool) -> ApiError {
    match variant {
        // Account enumeration: the answer says which half was wrong.
        Variant::Vulnerable if user_exists => ApiError::WrongPassword,
        Variant::Vulnerable => ApiError::NotFound("no such user"),
        Variant::Patched => ApiError::BadCredentials,
    }
}

/// `POST /auth/login`: failed logins allowed per window (per server instance) before 429.
pub(crate) fn failed_login_limit(variant: Variant) -> Option<LoginLimit> {
    match variant {
        // No rate limit: credentials can be guessed as fast as the network allows.
        Variant::Vulnerable => None,
        Variant::Patched => Some(LoginLimit {
            max_failures: 10,
            window: Duration::from_secs(60),
        }),
    }
}

/// At most `max_failures` failed logins within `window`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginLimit {
    pub(crate) max_failures: usize,
    pub(crate) window: Duration,
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

/// The one front end a careful deployment lets read responses cross-origin.
const ALLOWED_ORIGIN: &str = "https://app.cadence.example";

/// CORS response headers for a request that sent `origin`.
pub(crate) fn cors(variant: Variant, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
    let Some(origin) = origin else {
        return;
    };
    let allowed = match variant {
        // CORS misconfiguration: whatever site asks is trusted, cookies and all.
        Variant::Vulnerable => true,
        // An exact allow-list; every other origin gets no CORS headers at all.
        Variant::Patched => origin.as_bytes() == ALLOWED_ORIGIN.as_bytes(),
    };
    if allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    // The answer depends on Origin either way: caches must not mix them up.
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}

/// `GET /_debug/config` (not in the spec): the debug handler's body, or `None` for 404.
pub(crate) fn debug_config(variant: Variant, db: &Db) -> Option<Value> {
    match variant {
        // Improper inventory: a debug route left in the production router, open to anyone.
        Variant::Vulnerable => Some(json!({
            "service": "cadence-api",
            "build": {
                "version": "1.4.2",
                "commit": "9f3e2c1a7b5d",
                "profile": "debug",
                "built_at": "2021-04-28T22:14:09Z",
            },
            "database_url": "postgres://cadence_app:Tr0ub4dor-demo-pw@10.20.4.17:5432/cadence_prod",
            "mail_relay": "smtp://10.20.4.30:2525",
            "recent_signups": db.members.iter().map(|m| m.email).collect::<Vec<_>>(),
        })),
        // Debug routes are compiled out: the path is as unknown as any other.
        Variant::Patched => None,
    }
}
