//! The billing shape ("Ledgerly", in the style of payment APIs): `X-Api-Key` keys, `/v1`
//! paths, `{"object", "data"}` envelopes, prefixed string IDs that travel in paths, queries
//! and bodies, and cursor-paginated lists.
//!
//! Its planted flaws (`fixtures/demo/billing/ground-truth.yaml`) are the `Variant::Vulnerable`
//! branches of [`may_use_customer`]; everything else behaves the same on both variants.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::billing_data::{Customer, Ledger};
use crate::data::DemoUser;
use crate::policy::Variant;

/// The header of the spec's `apiKey` scheme.
const API_KEY_HEADER: &str = "x-api-key";

/// Page size when the caller sends no `limit`: small, so every merchant's lists span pages.
const DEFAULT_PAGE: usize = 2;

/// The currencies `POST /v1/invoices` accepts.
const CURRENCIES: &[&str] = &["usd", "eur", "gbp"];

/// Everything the billing handlers share.
#[derive(Debug)]
pub(crate) struct Billing {
    variant: Variant,
    /// One secret key per user, indexed like `DemoUser::ALL`.
    keys: [String; 5],
    ledger: RwLock<Ledger>,
}

impl Billing {
    pub(crate) fn new(variant: Variant) -> Billing {
        Billing {
            variant,
            // Random per start, so a key seen in a report is useless afterwards.
            keys: DemoUser::ALL.map(|_| format!("sk_test_{}", uuid::Uuid::new_v4().simple())),
            ledger: RwLock::new(Ledger::seed()),
        }
    }

    /// The header line that authenticates `user`.
    pub(crate) fn credential(&self, user: DemoUser) -> String {
        format!("X-Api-Key: {}", self.keys[user as usize])
    }

    /// Updates are single pushes or removals, so a lock poisoned by a panic is still usable.
    fn ledger(&self) -> RwLockReadGuard<'_, Ledger> {
        self.ledger.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn ledger_mut(&self) -> RwLockWriteGuard<'_, Ledger> {
        self.ledger.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The merchant whose key the request carries.
    fn caller(&self, headers: &HeaderMap) -> Result<DemoUser, BillingError> {
        let key = headers
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(BillingError::Unauthenticated)?;
        DemoUser::ALL
            .into_iter()
            .find(|u| self.keys[*u as usize] == key.trim())
            .ok_or(BillingError::Unauthenticated)
    }
}

/// May `caller` read `customer`, list its invoices or invoice it?
fn may_use_customer(variant: Variant, caller: DemoUser, customer: &Customer) -> bool {
    match variant {
        // BOLA: customers are looked up by ID alone, in the path, the `customer` query
        // parameter and the invoice body alike; the merchant is never compared.
        Variant::Vulnerable => true,
        Variant::Patched => customer.owner == caller,
    }
}

/// Every way a billing request fails, as payment APIs report it.
#[derive(Debug, thiserror::Error)]
enum BillingError {
    #[error("Invalid API key provided.")]
    Unauthenticated,
    /// No such object, or not one of the caller's (the same answer, so IDs are not confirmed).
    #[error("No such {0}.")]
    Missing(&'static str),
    #[error("Unrecognized request URL.")]
    NoRoute,
    /// A bad parameter: its name and what is wrong with it.
    #[error("{message}")]
    Invalid {
        param: Option<String>,
        message: String,
    },
}

impl BillingError {
    fn invalid(param: &str, message: impl Into<String>) -> BillingError {
        BillingError::Invalid {
            param: Some(param.to_owned()),
            message: message.into(),
        }
    }
}

impl IntoResponse for BillingError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, body) = match self {
            BillingError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                json!({"type": "authentication_error", "message": message}),
            ),
            BillingError::Missing(_) | BillingError::NoRoute => (
                StatusCode::NOT_FOUND,
                json!({
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": message,
                }),
            ),
            BillingError::Invalid { param, .. } => {
                let mut body = json!({
                    "type": "invalid_request_error",
                    "code": "parameter_invalid",
                    "message": message,
                });
                if let (Some(param), Some(obj)) = (param, body.as_object_mut()) {
                    obj.insert("param".into(), Value::String(param));
                }
                (StatusCode::BAD_REQUEST, body)
            }
        };
        (status, Json(json!({ "error": body }))).into_response()
    }
}

type Shared = State<Arc<Billing>>;
type BillingResult = Result<Json<Value>, BillingError>;

/// Every route of the billing shape; `tests/it/demo_shapes.rs` checks it against the spec.
pub(crate) fn router(state: Arc<Billing>) -> Router {
    Router::new()
        .route("/v1/account", get(account))
        .route("/v1/customers", get(list_customers))
        .route("/v1/customers/{customer}", get(get_customer))
        .route("/v1/invoices", get(list_invoices).post(create_invoice))
        .route(
            "/v1/invoices/{invoice}",
            get(get_invoice).delete(delete_invoice),
        )
        .route("/v1/payments/{payment}", get(get_payment))
        .route("/v1/products", get(list_products))
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .with_state(state)
}

async fn no_route() -> BillingError {
    BillingError::NoRoute
}

/// `{"object": kind, "data": …}`
fn single(kind: &str, data: Value) -> Json<Value> {
    Json(json!({ "object": kind, "data": data }))
}

/// The query parameters, in order (a bad encoding cannot fail: it is decoded leniently).
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn query_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One page of `items` (ID, JSON), after `starting_after` and at most `limit` long.
fn page(items: Vec<(String, Value)>, pairs: &[(String, String)]) -> BillingResult {
    let limit = match query_param(pairs, "limit") {
        None => DEFAULT_PAGE,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                BillingError::invalid("limit", "limit must be an integer between 1 and 100.")
            })?,
    };
    let start = match query_param(pairs, "starting_after") {
        None => 0,
        Some(cursor) => {
            // Only IDs of this very list are cursors, so a cursor reveals nothing else.
            let at = items.iter().position(|(id, _)| id == cursor);
            at.map(|i| i + 1).ok_or_else(|| {
                BillingError::invalid("starting_after", "No such object for starting_after.")
            })?
        }
    };
    let rest: Vec<_> = items.into_iter().skip(start).collect();
    let has_more = rest.len() > limit;
    let data: Vec<_> = rest.into_iter().take(limit).collect();
    let next_cursor = match data.last() {
        Some((id, _)) if has_more => Value::String(id.clone()),
        _ => Value::Null,
    };
    Ok(Json(json!({
        "object": "list",
        "data": data.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "has_more": has_more,
        "next_cursor": next_cursor,
    })))
}

/// A path ID, or the 404 a malformed one gets (as an unknown ID would).
fn path_id(
    path: Result<Path<String>, PathRejection>,
    kind: &'static str,
) -> Result<String, BillingError> {
    path.map(|Path(id)| id)
        .map_err(|_| BillingError::Missing(kind))
}

/// `GET /v1/account`
async fn account(State(state): Shared, headers: HeaderMap) -> BillingResult {
    let me = state.caller(&headers)?;
    let ledger = state.ledger();
    let account = ledger.account(me).ok_or(BillingError::Missing("account"))?;
    Ok(single("account", account.to_json()))
}

/// `GET /v1/customers`: the caller's own customers.
async fn list_customers(
    State(state): Shared,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let ledger = state.ledger();
    let items = ledger
        .customers
        .iter()
        .filter(|c| c.owner == me)
        .map(|c| (c.id.to_owned(), c.to_json()))
        .collect();
    page(items, &query_pairs(q.as_deref()))
}

/// `GET /v1/customers/{customer}`
async fn get_customer(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let id = path_id(path, "customer")?;
    let ledger = state.ledger();
    let customer = ledger
        .customer(&id)
        .filter(|c| may_use_customer(state.variant, me, c))
        .ok_or(BillingError::Missing("customer"))?;
    Ok(single("customer", customer.to_json()))
}

/// `GET /v1/invoices?customer=cus_…`: one customer's invoices.
async fn list_invoices(
    State(state): Shared,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let pairs = query_pairs(q.as_deref());
    let id = query_param(&pairs, "customer")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| BillingError::invalid("customer", "Missing required param: customer."))?;
    let ledger = state.ledger();
    let customer = ledger
        .customer(id)
        .filter(|c| may_use_customer(state.variant, me, c))
        .ok_or(BillingError::Missing("customer"))?;
    let items = ledger
        .invoices
        .iter()
        .filter(|i| i.customer == customer.id)
        .map(|i| (i.id.clone(), i.to_json()))
        .collect();
    page(items, &pairs)
}

/// `GET /v1/invoices/{invoice}`: the caller's own invoices only, on both variants.
async fn get_invoice(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let id = path_id(path, "invoice")?;
    let ledger = state.ledger();
    let invoice = ledger
        .invoices
        .iter()
        .find(|i| i.id == id && ledger.invoice_owner(i) == Some(me))
        .ok_or(BillingError::Missing("invoice"))?;
    Ok(single("invoice", invoice.to_json()))
}

/// `POST /v1/invoices`: a draft invoice for a customer named in the body.
async fn create_invoice(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), BillingError> {
    let me = state.caller(&headers)?;
    let Ok(Json(Value::Object(body))) = body else {
        return Err(BillingError::Invalid {
            param: None,
            message: "The request body must be a JSON object.".into(),
        });
    };
    let new = NewInvoice::parse(&body)?;
    let mut ledger = state.ledger_mut();
    let customer = ledger
        .customer(&new.customer)
        .filter(|c| may_use_customer(state.variant, me, c))
        .map(|c| c.id)
        .ok_or(BillingError::Missing("customer"))?;
    let now = jiff::Timestamp::now().as_second();
    let invoice = ledger.new_invoice(customer, new.amount, &new.currency, new.description, now);
    let json = invoice.to_json();
    ledger.invoices.push(invoice);
    Ok((StatusCode::OK, single("invoice", json)))
}

/// A checked `POST /v1/invoices` body.
struct NewInvoice {
    customer: String,
    amount: u64,
    currency: String,
    description: Option<String>,
}

impl NewInvoice {
    /// Unknown parameters are refused, not ignored, so nothing unexpected is ever bound.
    fn parse(body: &Map<String, Value>) -> Result<NewInvoice, BillingError> {
        if let Some(unknown) = body
            .keys()
            .find(|k| !["customer", "amount", "currency", "description"].contains(&k.as_str()))
        {
            let name: String = unknown.chars().take(40).collect();
            return Err(BillingError::invalid(
                &name,
                format!("Received unknown parameter: {name}."),
            ));
        }
        let customer = body
            .get("customer")
            .and_then(Value::as_str)
            .ok_or_else(|| BillingError::invalid("customer", "customer must be a customer ID."))?;
        let amount = body
            .get("amount")
            .and_then(Value::as_u64)
            .filter(|a| (1..=99_999_999).contains(a))
            .ok_or_else(|| {
                BillingError::invalid(
                    "amount",
                    "amount must be an integer between 1 and 99999999.",
                )
            })?;
        let currency = body
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| CURRENCIES.contains(c))
            .ok_or_else(|| {
                BillingError::invalid("currency", "currency must be usd, eur or gbp.")
            })?;
        let description = match body.get("description") {
            None | Some(Value::Null) => None,
            Some(Value::String(d)) if d.chars().count() <= 500 => Some(d.clone()),
            Some(_) => {
                return Err(BillingError::invalid(
                    "description",
                    "description must be a string of at most 500 characters.",
                ));
            }
        };
        Ok(NewInvoice {
            customer: customer.to_owned(),
            amount,
            currency: currency.to_owned(),
            description,
        })
    }
}

/// `DELETE /v1/invoices/{invoice}`: the caller's own drafts only, on both variants.
async fn delete_invoice(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let id = path_id(path, "invoice")?;
    let mut ledger = state.ledger_mut();
    let invoice = ledger
        .invoices
        .iter()
        .find(|i| i.id == id && ledger.invoice_owner(i) == Some(me))
        .ok_or(BillingError::Missing("invoice"))?;
    if invoice.status != "draft" {
        return Err(BillingError::Invalid {
            param: None,
            message: "Only draft invoices can be deleted.".into(),
        });
    }
    ledger.invoices.retain(|i| i.id != id);
    Ok(single("invoice", json!({"id": id, "deleted": true})))
}

/// `GET /v1/payments/{payment}`: the caller's own payments only, on both variants.
async fn get_payment(
    State(state): Shared,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> BillingResult {
    let me = state.caller(&headers)?;
    let id = path_id(path, "payment")?;
    let ledger = state.ledger();
    let payment = ledger
        .payments
        .iter()
        .find(|p| {
            p.id == id
                && ledger
                    .invoices
                    .iter()
                    .find(|i| i.id == p.invoice)
                    .and_then(|i| ledger.invoice_owner(i))
                    == Some(me)
        })
        .ok_or(BillingError::Missing("payment"))?;
    Ok(single("payment", payment.to_json()))
}

/// `GET /v1/products`: the public catalogue, the same for everyone (no key needed).
async fn list_products(State(state): Shared, RawQuery(q): RawQuery) -> BillingResult {
    let ledger = state.ledger();
    let items = ledger
        .products
        .iter()
        .map(|p| (p.id.to_owned(), p.to_json()))
        .collect();
    page(items, &query_pairs(q.as_deref()))
}
