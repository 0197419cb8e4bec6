//! Request handlers of the demo API.
//!
//! They only parse, look up and serialise; who may see what is decided in `policy.rs`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::Member;
use super::error::ApiError;
use super::policy;
use super::server::AppState;

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Json<Value>, ApiError>;

/// The authenticated caller, from `Authorization: Bearer <token>`.
fn caller<'a>(state: &'a AppState, headers: &HeaderMap) -> Result<&'a Member, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(ApiError::Unauthorized)?;
    state
        .user_for_token(token)
        .and_then(|user| state.db.member(user.id()))
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

/// `POST /auth/login`
pub(crate) async fn login(
    State(state): Shared,
    body: Result<Json<Login>, JsonRejection>,
) -> ApiResult {
    let Json(login) = body.map_err(|_| ApiError::BadRequest("invalid login request"))?;
    let user = state
        .users()
        .find(|u| u.username() == login.username && u.password() == login.password)
        .ok_or(ApiError::BadCredentials)?;
    Ok(Json(json!({
        "access_token": state.token(user),
        "token_type": "Bearer",
    })))
}

/// `GET /me`
pub(crate) async fn me(State(state): Shared, headers: HeaderMap) -> ApiResult {
    Ok(Json(caller(&state, &headers)?.full()))
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
        .db
        .member(id)
        .and_then(|target| policy::member_view(state.variant, me, target))
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
    if state.db.member(id).is_none() || !policy::may_list_workouts(state.variant, me, id) {
        return Err(ApiError::NotFound("member not found"));
    }
    let db = &state.db;
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
    let db = &state.db;
    db.workout(id)
        .filter(|w| policy::may_read_workout(state.variant, me, w))
        .map(|w| Json(db.workout_json(w)))
        .ok_or(ApiError::NotFound("workout not found"))
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
    let hits = state.db.members.iter().filter(|m| {
        (m.user.username().contains(&needle) || m.display_name.to_lowercase().contains(&needle))
            && policy::listed_in_search(state.variant, me, m)
    });
    Ok(Json(hits.map(Member::summary).collect()))
}

/// `GET /classes`
pub(crate) async fn list_classes(State(state): Shared) -> Json<Value> {
    Json(state.db.classes.iter().map(|c| c.to_json()).collect())
}

/// `GET /classes/{classId}/leaderboard`
pub(crate) async fn leaderboard(
    State(state): Shared,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = parse_id(path).ok_or(ApiError::BadRequest("invalid class id"))?;
    let db = &state.db;
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
    if !policy::may_list_all_members(state.variant, me) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.db.members.iter().map(Member::full).collect()))
}

/// Any path or method the spec does not declare.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("not found")
}
