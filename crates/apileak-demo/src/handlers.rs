//! Request handlers of the demo API.
//!
//! They only parse, look up and serialise; who may see what is decided in `policy.rs`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::{Member, NewWorkout};
use super::error::ApiError;
use super::policy;
use super::server::AppState;

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Json<Value>, ApiError>;

/// The workout kinds the spec's enum allows.
const WORKOUT_KINDS: &[&str] = &["cycling", "running", "rowing", "yoga", "strength"];

/// The header of the spec's `apiKeyAuth` scheme.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

/// The authenticated caller, from `Authorization: Bearer <token>`, `Authorization: Basic`
/// with a demo password, or `X-API-Key` (a snapshot of the record: the database lock is not
/// held past this call).
fn caller(state: &AppState, headers: &HeaderMap) -> Result<Member, ApiError> {
    if let Some(key) = headers.get(API_KEY_HEADER) {
        let user = key
            .to_str()
            .ok()
            .and_then(|k| state.user_for_api_key(k.trim()));
        return user
            .and_then(|user| state.db().member(user.id()).cloned())
            .ok_or(ApiError::Unauthorized);
    }
    let (scheme, value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .ok_or(ApiError::Unauthorized)?;
    let user = if scheme.eq_ignore_ascii_case("bearer") {
        state.user_for_token(value.trim())
    } else if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| {
                let (username, password) = pair.split_once(':')?;
                state.user_for_basic(username, password)
            })
    } else {
        None
    };
    user.and_then(|user| state.db().member(user.id()).cloned())
        .ok_or(ApiError::Unauthorized)
}

/// A numeric path ID; anything else is `None`.
fn parse_id(path: Result<Path<String>, PathRejection>) -> Option<u64> {
    path.ok()?.0.parse().ok()
}

/// Body of `POST /auth/login`.
#[derive(Deserialize)]
pub(crate) struct Login {
    username: String,
    password: String,
}

/// `POST /auth/login`: a JSON body, or a form (`grant_type=password&username=…&password=…`,
/// as OAuth2 password grants send).
pub(crate) async fn login(
    State(state): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult {
    state.check_login_limit()?;
    let login =
        parse_login(&headers, &body).ok_or(ApiError::BadRequest("invalid login request"))?;
    let known = state.users().find(|u| u.username() == login.username);
    let Some(user) = known.filter(|u| u.password() == login.password) else {
        state.record_failed_login();
        return Err(policy::login_failure(state.variant, known.is_some()));
    };
    Ok(Json(json!({
        "access_token": state.issue_token(user),
        "token_type": "Bearer",
    })))
}

/// `GET /openapi.yaml`: the demo's own spec.
pub(crate) async fn spec() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        super::server::SPEC_YAML,
    )
}

/// `GET /docs/openapi.yaml`: the same spec, only with `X-Spec-Token` (for `spec_auth`).
pub(crate) async fn private_spec(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<([(header::HeaderName, &'static str); 1], &'static str), ApiError> {
    let token = headers.get("x-spec-token").and_then(|v| v.to_str().ok());
    if token != Some(state.spec_token.as_str()) {
        return Err(ApiError::Unauthorized);
    }
    Ok(spec().await)
}

/// `POST /oauth/token`: an OAuth2 client-credentials grant (form-encoded) for a member's
/// API client.
pub(crate) async fn client_token(State(state): Shared, body: axum::body::Bytes) -> ApiResult {
    let mut grant = None;
    let mut id = None;
    let mut secret = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "grant_type" => grant = Some(v.into_owned()),
            "client_id" => id = Some(v.into_owned()),
            "client_secret" => secret = Some(v.into_owned()),
            _ => {}
        }
    }
    if grant.as_deref() != Some("client_credentials") {
        return Err(ApiError::BadRequest("unsupported grant_type"));
    }
    let user = id
        .zip(secret)
        .and_then(|(id, secret)| state.user_for_client(&id, &secret))
        .ok_or(ApiError::Unauthorized)?;
    Ok(Json(json!({
        "access_token": state.issue_token(user),
        "token_type": "Bearer",
        "expires_in": 3600,
    })))
}

/// The credentials of a login request, by its content type.
fn parse_login(headers: &HeaderMap, body: &[u8]) -> Option<Login> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut username = None;
        let mut password = None;
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "username" => username = Some(v.into_owned()),
                "password" => password = Some(v.into_owned()),
                _ => {}
            }
        }
        Some(Login {
            username: username?,
            password: password?,
        })
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice(body).ok()
    } else {
        None
    }
}

/// `GET /me`
pub(crate) async fn me(State(state): Shared, headers: HeaderMap) -> ApiResult {
    Ok(Json(caller(&state, &headers)?.full()))
}

/// `PATCH /me`: the body's fields pass `policy::profile_update` first.
pub(crate) async fn update_me(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let me = caller(&state, &headers)?;
    let Ok(Json(Value::Object(body))) = body else {
        return Err(ApiError::BadRequest("invalid profile update"));
    };
    let update = policy::profile_update(state.variant, &body)?;
    let mut db = state.db_mut();
    let member = db
        .member_mut(me.id())
        .ok_or(ApiError::NotFound("member not found"))?;
    if let Some(name) = update.display_name {
        member.display_name = name;
    }
    if let Some(city) = update.city {
        member.city = city;
    }
    if let Some(admin) = update.admin {
        member.admin = admin;
    }
    Ok(Json(member.full()))
}

/// `GET /members/{memberId}`
pub(crate) async fn get_member(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let me = caller(&state, &headers)?;
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid member id"))?;
    state
        .db()
        .member(id)
        .and_then(|target| policy::member_view(state.variant, &me, target))
        .map(Json)
        .ok_or(ApiError::NotFound("member not found"))
}

/// `GET /members/{memberId}/workouts`
pub(crate) async fn list_member_workouts(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let me = caller(&state, &headers)?;
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid member id"))?;
    let db = state.db();
    if db.member(id).is_none() || !policy::may_list_workouts(state.variant, &me, id) {
        return Err(ApiError::NotFound("member not found"));
    }
    let list = db.workouts.iter().filter(|w| w.member_id == id);
    Ok(Json(list.map(|w| db.workout_json(w)).collect()))
}

/// `GET /workouts/{workoutId}`
pub(crate) async fn get_workout(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let me = if policy::workout_needs_token(state.variant) {
        Some(caller(&state, &headers)?)
    } else {
        None
    };
    let id = parse_id(path).ok_or_else(|| policy::invalid_workout_id(state.variant))?;
    let db = state.db();
    db.workout(id)
        .filter(|w| policy::may_read_workout(state.variant, me.as_ref(), w))
        .map(|w| Json(db.workout_json(w)))
        .ok_or(ApiError::NotFound("workout not found"))
}

/// Body of `POST /workouts`.
#[derive(Deserialize)]
pub(crate) struct CreateWorkout {
    kind: String,
    duration_min: u32,
    calories: u32,
    note: Option<String>,
}

/// `POST /workouts`: a workout for the caller.
pub(crate) async fn create_workout(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Json<CreateWorkout>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = caller(&state, &headers)?;
    let Json(body) = body.map_err(|_| ApiError::BadRequest("invalid workout"))?;
    if !WORKOUT_KINDS.contains(&body.kind.as_str()) {
        return Err(ApiError::BadRequest("unknown workout kind"));
    }
    let mut db = state.db_mut();
    let new = NewWorkout {
        kind: body.kind,
        duration_min: body.duration_min,
        calories: body.calories,
        note: body.note,
    };
    let workout = db.add_workout(me.id(), new);
    Ok((StatusCode::CREATED, Json(db.workout_json(&workout))))
}

/// Body of `PATCH /workouts/{workoutId}`.
#[derive(Deserialize)]
pub(crate) struct UpdateWorkout {
    kind: Option<String>,
    duration_min: Option<u32>,
    note: Option<String>,
}

/// `PATCH /workouts/{workoutId}`
pub(crate) async fn update_workout(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<UpdateWorkout>, JsonRejection>,
) -> ApiResult {
    let me = caller(&state, &headers)?;
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid workout id"))?;
    let Json(body) = body.map_err(|_| ApiError::BadRequest("invalid workout update"))?;
    if body
        .kind
        .as_deref()
        .is_some_and(|k| !WORKOUT_KINDS.contains(&k))
    {
        return Err(ApiError::BadRequest("unknown workout kind"));
    }
    let mut db = state.db_mut();
    let workout = db
        .workout_mut(id)
        .filter(|w| policy::may_update_workout(state.variant, &me, w))
        .ok_or(ApiError::NotFound("workout not found"))?;
    if let Some(kind) = body.kind {
        workout.kind = kind;
    }
    if let Some(minutes) = body.duration_min {
        workout.duration_min = minutes;
    }
    if let Some(note) = body.note {
        workout.note = Some(note);
    }
    let updated = workout.clone();
    Ok(Json(db.workout_json(&updated)))
}

/// `DELETE /workouts/{workoutId}`
pub(crate) async fn delete_workout(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let me = caller(&state, &headers)?;
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid workout id"))?;
    let mut db = state.db_mut();
    let allowed = db
        .workout(id)
        .is_some_and(|w| policy::may_delete_workout(state.variant, &me, w));
    if !allowed {
        return Err(ApiError::NotFound("workout not found"));
    }
    db.workouts.retain(|w| w.id != id);
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /members/search`.
#[derive(Deserialize)]
pub(crate) struct Search {
    q: Option<String>,
}

/// `GET /members/search?q=…`
pub(crate) async fn search_members(
    State(state): Shared,
    headers: HeaderMap,
    query: Result<Query<Search>, QueryRejection>,
) -> ApiResult {
    let me = caller(&state, &headers)?;
    let needle = query
        .ok()
        .and_then(|Query(s)| s.q)
        .ok_or(ApiError::BadRequest("missing query parameter q"))?
        .to_lowercase();
    let db = state.db();
    let hits = db.members.iter().filter(|m| {
        (m.user.username().contains(&needle) || m.display_name.to_lowercase().contains(&needle))
            && policy::listed_in_search(state.variant, &me, m)
    });
    Ok(Json(hits.map(Member::summary).collect()))
}

/// `GET /classes`
pub(crate) async fn list_classes(State(state): Shared) -> Json<Value> {
    Json(state.db().classes.iter().map(|c| c.to_json()).collect())
}

/// `GET /classes/{classId}/leaderboard`
pub(crate) async fn leaderboard(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid class id"))?;
    let db = state.db();
    db.class(id).ok_or(ApiError::NotFound("class not found"))?;
    let rows = db.results.iter().filter(|r| r.class_id == id).map(|r| {
        let member = db.member(r.member_id);
        json!({
            "rank": r.rank,
            "member": member.map_or(Value::Null, |m| policy::leaderboard_member(state.variant, m)),
            "output_kj": r.output_kj,
        })
    });
    Ok(Json(rows.collect()))
}

/// `GET /admin/members`
pub(crate) async fn admin_list_members(State(state): Shared, headers: HeaderMap) -> ApiResult {
    let me = caller(&state, &headers)?;
    if !policy::may_list_all_members(state.variant, &me) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.db().members.iter().map(Member::full).collect()))
}

/// `GET /_debug/config`: not in the spec; no credentials asked.
pub(crate) async fn debug_config(State(state): Shared) -> ApiResult {
    policy::debug_config(state.variant, &state.db())
        .map(Json)
        .ok_or(ApiError::NotFound("not found"))
}

/// Any path or method the spec does not declare.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("not found")
}
