//! The content shape ("Quill", a blogging API in the style of the RealWorld spec):
//! `Authorization: Token …`, slugs and usernames as keys, and mostly public-by-design data
//! (articles, profiles with bios, comments, a follow feed, a collection shared on purpose).
//!
//! Exactly one private leak is planted (`fixtures/demo/content/ground-truth.yaml`): the
//! `Variant::Vulnerable` branch of [`may_read_article`].

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::content_data::{Article, Library};
use crate::data::DemoUser;
use crate::policy::Variant;

/// Page size of article lists when the caller sends no `limit` (RealWorld's default).
const DEFAULT_LIMIT: usize = 20;

/// Everything the content handlers share (read-only: the shape has no write operations).
#[derive(Debug)]
pub(crate) struct Content {
    variant: Variant,
    /// One opaque token per user, indexed like `DemoUser::ALL`.
    tokens: [String; 5],
    library: Library,
}

impl Content {
    pub(crate) fn new(variant: Variant) -> Content {
        Content {
            variant,
            // Random per start, so a token seen in a report is useless afterwards.
            tokens: DemoUser::ALL.map(|_| uuid::Uuid::new_v4().simple().to_string()),
            library: Library::seed(),
        }
    }

    /// The header line that authenticates `user`.
    pub(crate) fn credential(&self, user: DemoUser) -> String {
        format!("Authorization: Token {}", self.tokens[user as usize])
    }

    /// `None` without an `Authorization` header; an error when one is sent but is not a
    /// valid token (a wrong credential is never silently treated as anonymous).
    fn viewer(&self, headers: &HeaderMap) -> Result<Option<DemoUser>, ContentError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("token"))
            .map(|(_, token)| token.trim())
            .ok_or(ContentError::Unauthorized)?;
        DemoUser::ALL
            .into_iter()
            .find(|u| self.tokens[*u as usize] == token)
            .map(Some)
            .ok_or(ContentError::Unauthorized)
    }

    /// The authenticated caller, for operations that need one.
    fn caller(&self, headers: &HeaderMap) -> Result<DemoUser, ContentError> {
        self.viewer(headers)?.ok_or(ContentError::Unauthorized)
    }
}

/// May `viewer` (anonymous when `None`) read `article` by its slug?
fn may_read_article(variant: Variant, viewer: Option<DemoUser>, article: &Article) -> bool {
    match variant {
        _ if article.published => true,
        // BOLA: the single-article handler forgot the draft check the lists have; whoever
        // knows (or guesses) a draft's slug reads it.
        Variant::Vulnerable => true,
        Variant::Patched => viewer == Some(article.author),
    }
}

/// Every way a content request fails, as RealWorld backends report it.
#[derive(Debug, thiserror::Error)]
enum ContentError {
    #[error("missing or invalid token")]
    Unauthorized,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A bad query parameter: its name and the rule it broke.
    #[error("{1}")]
    Invalid(&'static str, &'static str),
}

impl IntoResponse for ContentError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        match self {
            ContentError::Unauthorized => {
                let body = json!({"errors": {"body": [message]}});
                let mut res = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
                res
            }
            ContentError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                Json(json!({"errors": {"body": [message]}})),
            )
                .into_response(),
            ContentError::Invalid(param, _) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"errors": { param: [message] }})),
            )
                .into_response(),
        }
    }
}

type Shared = State<Arc<Content>>;
type ContentResult = Result<Json<Value>, ContentError>;

/// Every route of the content shape; `tests/it/demo_shapes.rs` checks it against the spec.
pub(crate) fn router(state: Arc<Content>) -> Router {
    Router::new()
        .route("/user", get(current_user))
        .route("/user/drafts", get(drafts))
        .route("/user/collections", get(own_collections))
        .route("/profiles/{username}", get(profile))
        .route("/articles", get(list_articles))
        .route("/articles/feed", get(feed))
        .route("/articles/{slug}", get(get_article))
        .route("/articles/{slug}/comments", get(comments))
        .route("/collections/shared-with-me", get(shared_with_me))
        .route("/collections/{collectionId}", get(get_collection))
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .with_state(state)
}

async fn no_route() -> ContentError {
    ContentError::NotFound("route")
}

/// A path key, or the 404 a malformed one gets (as an unknown key would).
fn path_key(
    path: Result<Path<String>, PathRejection>,
    kind: &'static str,
) -> Result<String, ContentError> {
    path.map(|Path(key)| key)
        .map_err(|_| ContentError::NotFound(kind))
}

/// `limit`, `offset` and `author` of an article list.
struct ListQuery {
    limit: usize,
    offset: usize,
    author: Option<String>,
}

impl ListQuery {
    fn parse(raw: Option<&str>) -> Result<ListQuery, ContentError> {
        let mut query = ListQuery {
            limit: DEFAULT_LIMIT,
            offset: 0,
            author: None,
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "limit" => {
                    query.limit = value.parse().ok().filter(|n| (1..=100).contains(n)).ok_or(
                        ContentError::Invalid("limit", "must be an integer between 1 and 100"),
                    )?;
                }
                "offset" => {
                    query.offset = value.parse().map_err(|_| {
                        ContentError::Invalid("offset", "must be a non-negative integer")
                    })?;
                }
                "author" => query.author = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(query)
    }
}

/// `{"articles": […], "articlesCount": n}`: one page, with the count of the whole list.
fn article_page<'a>(
    library: &Library,
    articles: impl Iterator<Item = &'a Article>,
    query: &ListQuery,
    viewer: Option<DemoUser>,
) -> Json<Value> {
    let all: Vec<_> = articles.collect();
    let page: Vec<_> = all
        .iter()
        .skip(query.offset)
        .take(query.limit)
        .map(|a| library.article_json(a, viewer))
        .collect();
    Json(json!({"articles": page, "articlesCount": all.len()}))
}

/// `GET /user`: the caller's own account, with the one private field (email).
async fn current_user(State(state): Shared, headers: HeaderMap) -> ContentResult {
    let me = state.caller(&headers)?;
    let writer = state
        .library
        .writer(me)
        .ok_or(ContentError::NotFound("user"))?;
    Ok(Json(json!({"user": {
        "username": me.username(),
        "email": writer.email,
        "bio": writer.bio,
        "image": writer.image,
    }})))
}

/// `GET /profiles/{username}`: public.
async fn profile(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ContentResult {
    let viewer = state.viewer(&headers)?;
    let name = path_key(path, "profile")?;
    let user = DemoUser::ALL
        .into_iter()
        .find(|u| u.username() == name)
        .ok_or(ContentError::NotFound("profile"))?;
    Ok(Json(
        json!({"profile": state.library.profile(user, viewer)}),
    ))
}

/// `GET /articles`: published articles, newest first, optionally by one author.
async fn list_articles(
    State(state): Shared,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ContentResult {
    let viewer = state.viewer(&headers)?;
    let query = ListQuery::parse(q.as_deref())?;
    let lib = &state.library;
    let articles = lib.articles.iter().rev().filter(|a| {
        a.published
            && query
                .author
                .as_deref()
                .is_none_or(|name| a.author.username() == name)
    });
    Ok(article_page(lib, articles, &query, viewer))
}

/// `GET /articles/feed`: published articles of the authors the caller follows.
async fn feed(State(state): Shared, headers: HeaderMap, RawQuery(q): RawQuery) -> ContentResult {
    let me = state.caller(&headers)?;
    let query = ListQuery::parse(q.as_deref())?;
    let lib = &state.library;
    let articles = lib
        .articles
        .iter()
        .rev()
        .filter(|a| a.published && lib.follows(me, a.author));
    Ok(article_page(lib, articles, &query, Some(me)))
}

/// `GET /user/drafts`: the caller's own unpublished articles.
async fn drafts(State(state): Shared, headers: HeaderMap, RawQuery(q): RawQuery) -> ContentResult {
    let me = state.caller(&headers)?;
    let query = ListQuery::parse(q.as_deref())?;
    let lib = &state.library;
    let articles = lib
        .articles
        .iter()
        .rev()
        .filter(|a| !a.published && a.author == me);
    Ok(article_page(lib, articles, &query, Some(me)))
}

/// `GET /articles/{slug}`
async fn get_article(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ContentResult {
    let viewer = state.viewer(&headers)?;
    let slug = path_key(path, "article")?;
    let lib = &state.library;
    let article = lib
        .articles
        .iter()
        .find(|a| a.slug == slug && may_read_article(state.variant, viewer, a))
        .ok_or(ContentError::NotFound("article"))?;
    Ok(Json(json!({"article": lib.article_json(article, viewer)})))
}

/// `GET /articles/{slug}/comments`: public for published articles; drafts have none to show.
async fn comments(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ContentResult {
    let viewer = state.viewer(&headers)?;
    let slug = path_key(path, "article")?;
    let lib = &state.library;
    lib.articles
        .iter()
        .find(|a| a.slug == slug && (a.published || viewer == Some(a.author)))
        .ok_or(ContentError::NotFound("article"))?;
    let list: Vec<_> = lib
        .comments
        .iter()
        .filter(|c| c.article == slug)
        .map(|c| lib.comment_json(c, viewer))
        .collect();
    Ok(Json(json!({ "comments": list })))
}

/// `GET /user/collections`: the caller's own reading lists.
async fn own_collections(State(state): Shared, headers: HeaderMap) -> ContentResult {
    let me = state.caller(&headers)?;
    let lib = &state.library;
    let list: Vec<_> = lib
        .collections
        .iter()
        .filter(|c| c.owner == me)
        .map(|c| lib.collection_json(c, Some(me)))
        .collect();
    Ok(Json(json!({ "collections": list })))
}

/// `GET /collections/shared-with-me`: other writers' reading lists shared with the caller.
async fn shared_with_me(State(state): Shared, headers: HeaderMap) -> ContentResult {
    let me = state.caller(&headers)?;
    let lib = &state.library;
    let list: Vec<_> = lib
        .collections
        .iter()
        .filter(|c| c.shared_with.contains(&me))
        .map(|c| lib.collection_json(c, Some(me)))
        .collect();
    Ok(Json(json!({ "collections": list })))
}

/// `GET /collections/{collectionId}`: its owner and whoever it is shared with, on both
/// variants (anyone else gets the same 404 as for an unknown ID).
async fn get_collection(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ContentResult {
    let me = state.caller(&headers)?;
    let id = path_key(path, "collection")?;
    let lib = &state.library;
    let collection = lib
        .collections
        .iter()
        .find(|c| c.id == id && (c.owner == me || c.shared_with.contains(&me)))
        .ok_or(ContentError::NotFound("collection"))?;
    Ok(Json(
        json!({"collection": lib.collection_json(collection, Some(me))}),
    ))
}
