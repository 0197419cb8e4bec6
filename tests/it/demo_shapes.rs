//! The demo API's billing ("Ledgerly") and content ("Quill") shapes over real HTTP: each planted
//! flaw shows on `Vulnerable` and is gone on `Patched`, the decoys behave as designed on both,
//! and specs, ground truths and route tables match what the servers serve.
//!
//! These tests are about the test bed only; what the scanner makes of the shapes is tested with
//! the checks.

use std::collections::BTreeSet;
use std::path::Path;

use apileak_demo::{DemoOptions, DemoServer, DemoUser, Shape, Variant};
use serde_json::{Value, json};

use DemoUser::{Alice, Bob, Carol};
use Variant::{Patched, Vulnerable};

use crate::support::Resp;
use crate::support::apileak_cmd as apileak;

async fn start(shape: Shape, variant: Variant) -> DemoServer {
    let options = DemoOptions {
        shape,
        ..DemoOptions::default()
    };
    DemoServer::start_with(variant, options)
        .await
        .expect("demo server starts")
}

/// `method path` as `who` (anonymous when `None`), with an optional JSON body and extra
/// headers.
async fn call(
    server: &DemoServer,
    method: &str,
    path: &str,
    who: Option<DemoUser>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", server.base_url()));
    if let Some(user) = who {
        let line = server.credential(user);
        let (name, value) = line.split_once(": ").expect("a header line");
        req = req.header(name, value);
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request succeeds");
    Resp::read(res).await
}

async fn get(server: &DemoServer, path: &str, who: Option<DemoUser>) -> Resp {
    call(server, "GET", path, who, None, &[]).await
}

fn spec(shape: Shape) -> Value {
    yaml_serde::from_str(shape.spec_yaml()).expect("spec is valid YAML")
}

/// Property names the spec declares for `components.schemas.<name>`.
fn declared(shape: Shape, name: &str) -> BTreeSet<String> {
    let props = &spec(shape)["components"]["schemas"][name]["properties"];
    props
        .as_object()
        .unwrap_or_else(|| panic!("{name} has properties"))
        .keys()
        .cloned()
        .collect()
}

/// Every key of `v` is declared in schema `name`.
fn assert_declared(shape: Shape, name: &str, v: &Value) {
    let keys: BTreeSet<String> = v.as_object().expect("object").keys().cloned().collect();
    let known = declared(shape, name);
    let undeclared: Vec<_> = keys.difference(&known).collect();
    assert!(
        undeclared.is_empty(),
        "{name}: undeclared {undeclared:?} in {v}"
    );
}

// ---------------------------------------------------------------------------------------------
// Shape API

#[tokio::test]
async fn shapes_name_their_spec_and_ground_truth_and_credentials_fit_each() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shape in Shape::ALL {
        assert_eq!(shape.name().parse::<Shape>(), Ok(shape));
        let on_disk = std::fs::read_to_string(root.join(shape.spec_path())).expect("spec file");
        assert_eq!(on_disk, shape.spec_yaml(), "{shape}");
        assert!(root.join(shape.ground_truth_path()).is_file(), "{shape}");
        let server = start(shape, Patched).await;
        assert_eq!(server.shape(), shape);
        let (alice, bob) = (server.credential(Alice), server.credential(Bob));
        assert_ne!(alice, bob);
        let prefix = match shape {
            Shape::Fitness => "Authorization: Bearer ",
            Shape::Billing => "X-Api-Key: sk_test_",
            Shape::Content => "Authorization: Token ",
        };
        assert!(alice.starts_with(prefix), "{shape}: {alice}");
        let me = match shape {
            Shape::Fitness => "/me",
            Shape::Billing => "/v1/account",
            Shape::Content => "/user",
        };
        assert_eq!(get(&server, me, Some(Alice)).await.status, 200, "{shape}");
        assert_eq!(get(&server, me, None).await.status, 401, "{shape}");
        // Fresh per start.
        let again = start(shape, Patched).await;
        assert_ne!(again.credential(Alice), alice, "{shape}");
    }
    assert_eq!(DemoOptions::default().shape, Shape::Fitness);
    let fitness = start(Shape::Fitness, Vulnerable).await;
    assert_eq!(
        fitness.credential(Alice),
        format!("Authorization: Bearer {}", fitness.token(Alice))
    );
}

// ---------------------------------------------------------------------------------------------
// Billing

/// Every object of `path`'s list as `who`, following `next_cursor` (bounded).
async fn all_pages(server: &DemoServer, path: &str, who: Option<DemoUser>) -> (Vec<Value>, usize) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut url = path.to_owned();
    for pages in 1..=20 {
        let res = get(server, &url, who).await;
        assert_eq!(res.status, 200, "{url}: {res:?}");
        let body = res.json();
        assert_eq!(body["object"], "list");
        items.extend(body["data"].as_array().expect("data").iter().cloned());
        if body["has_more"] == json!(false) {
            assert!(body["next_cursor"].is_null());
            return (items, pages);
        }
        let cursor = body["next_cursor"].as_str().expect("cursor");
        url = format!("{path}{sep}starting_after={cursor}");
    }
    panic!("{path} never ends");
}

async fn customer_ids(server: &DemoServer, who: DemoUser) -> Vec<String> {
    let (customers, _) = all_pages(server, "/v1/customers", Some(who)).await;
    customers
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

fn assert_missing(res: &Resp) {
    assert_eq!(res.status, 404, "{res:?}");
    let error = &res.json()["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert_eq!(error["code"], "resource_missing");
}

#[tokio::test]
async fn billing_lists_are_paginated_envelopes_of_prefixed_ids() {
    let server = start(Shape::Billing, Patched).await;
    let account = get(&server, "/v1/account", Some(Alice)).await.json();
    assert_eq!(account["object"], "account");
    assert!(account.get("id").is_none(), "{account}");
    assert!(
        account["data"]["id"]
            .as_str()
            .expect("id")
            .starts_with("acct_")
    );
    assert_declared(Shape::Billing, "Account", &account["data"]);

    for user in [Alice, Bob, Carol] {
        let (customers, pages) = all_pages(&server, "/v1/customers", Some(user)).await;
        assert!(customers.len() >= 3, "{user:?}");
        assert!(
            pages >= 2,
            "the default page size spreads a list over pages"
        );
        for c in &customers {
            assert!(c["id"].as_str().expect("id").starts_with("cus_"));
            assert!(c["email"].is_string() && c["phone"].is_string() && c["address"].is_object());
            assert_declared(Shape::Billing, "Customer", c);
            let path = format!("/v1/invoices?customer={}", c["id"].as_str().expect("id"));
            let (invoices, _) = all_pages(&server, &path, Some(user)).await;
            assert!(!invoices.is_empty(), "{c}");
            for inv in &invoices {
                assert_declared(Shape::Billing, "Invoice", inv);
                let id = inv["id"].as_str().expect("id");
                assert!(id.starts_with("inv_") && id[4..].chars().all(|d| d.is_ascii_digit()));
                let one = get(&server, &format!("/v1/invoices/{id}"), Some(user))
                    .await
                    .json();
                assert_eq!(one["object"], "invoice");
                assert_eq!(&one["data"], inv);
                if let Some(pay) = inv["payment"].as_str() {
                    let p = get(&server, &format!("/v1/payments/{pay}"), Some(user)).await;
                    assert_eq!(p.json()["data"]["invoice"], inv["id"]);
                    assert_declared(Shape::Billing, "Payment", &p.json()["data"]);
                }
            }
        }
    }
    // Alice's and bob's customers are disjoint.
    let (a, b) = (
        customer_ids(&server, Alice).await,
        customer_ids(&server, Bob).await,
    );
    assert!(a.iter().all(|id| !b.contains(id)));
    let page = get(&server, "/v1/customers?limit=100", Some(Alice))
        .await
        .json();
    assert_eq!(page["data"].as_array().expect("data").len(), a.len());
    assert_eq!(page["has_more"], false);
}

#[tokio::test]
async fn billing_customer_bola_only_when_vulnerable() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        for bobs in customer_ids(&server, Bob).await {
            let path = format!("/v1/customers/{bobs}");
            let own = get(&server, &path, Some(Bob)).await.json();
            let res = get(&server, &path, Some(Alice)).await;
            if variant == Vulnerable {
                assert_eq!(res.status, 200, "{res:?}");
                assert_eq!(res.json(), own, "alice sees bob's customer in full");
            } else {
                assert_missing(&res);
                assert!(
                    !res.body
                        .contains(own["data"]["email"].as_str().expect("email"))
                );
            }
        }
    }
}

#[tokio::test]
async fn billing_invoices_by_customer_query_bola_only_when_vulnerable() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        let bobs = &customer_ids(&server, Bob).await[0];
        let path = format!("/v1/invoices?customer={bobs}&limit=100");
        let own = get(&server, &path, Some(Bob)).await.json();
        assert!(!own["data"].as_array().expect("data").is_empty());
        let res = get(&server, &path, Some(Alice)).await;
        if variant == Vulnerable {
            assert_eq!(res.json(), own);
        } else {
            assert_missing(&res);
        }
        // Missing or foreign query IDs never crash: a clean 400 / 404 on both.
        let missing = get(&server, "/v1/invoices", Some(Alice)).await;
        assert_eq!(missing.status, 400);
        assert_eq!(missing.json()["error"]["param"], "customer");
        assert_missing(&get(&server, "/v1/invoices?customer=cus_nope", Some(Alice)).await);
    }
}

#[tokio::test]
async fn billing_invoice_for_a_foreign_customer_in_the_body_only_when_vulnerable() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        let bobs = customer_ids(&server, Bob).await[0].clone();
        let list = format!("/v1/invoices?customer={bobs}&limit=100");
        let before = get(&server, &list, Some(Bob)).await.json()["data"].clone();
        let body = json!({"customer": bobs, "amount": 4200, "currency": "usd"});
        let res = call(
            &server,
            "POST",
            "/v1/invoices",
            Some(Alice),
            Some(body),
            &[],
        )
        .await;
        let after = get(&server, &list, Some(Bob)).await.json()["data"].clone();
        assert_eq!(server.write_request_count(), 1);
        if variant == Vulnerable {
            assert_eq!(res.status, 200, "{res:?}");
            let created = &res.json()["data"];
            assert_eq!(created["customer"], json!(bobs));
            assert_eq!(created["status"], "draft");
            assert!(
                after.as_array().expect("list").contains(created),
                "bob sees it"
            );
        } else {
            assert_missing(&res);
            assert_eq!(before, after, "nothing created");
        }
    }
}

#[tokio::test]
async fn billing_own_invoices_can_be_created_and_deleted_and_others_are_404_on_both() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        let alices = customer_ids(&server, Alice).await[0].clone();
        let body = json!({"customer": alices, "amount": 990, "currency": "eur", "description": "Kiln hire"});
        let created = call(
            &server,
            "POST",
            "/v1/invoices",
            Some(Alice),
            Some(body),
            &[],
        )
        .await;
        assert_eq!(created.status, 200, "{created:?}");
        let id = created.json()["data"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let path = format!("/v1/invoices/{id}");
        // Bob can neither read nor delete alice's invoice (nor her payments), on both variants.
        assert_missing(&get(&server, &path, Some(Bob)).await);
        assert_missing(&call(&server, "DELETE", &path, Some(Bob), None, &[]).await);
        let (invoices, _) = all_pages(
            &server,
            &format!("/v1/invoices?customer={alices}"),
            Some(Alice),
        )
        .await;
        let paid = invoices
            .iter()
            .find(|i| i["status"] == "paid")
            .expect("a paid invoice");
        let pay = format!(
            "/v1/payments/{}",
            paid["payment"].as_str().expect("payment")
        );
        assert_missing(&get(&server, &pay, Some(Bob)).await);
        let paid_path = format!("/v1/invoices/{}", paid["id"].as_str().expect("id"));
        assert_missing(&get(&server, &paid_path, Some(Bob)).await);
        // Paid invoices stay; drafts go.
        let refused = call(&server, "DELETE", &paid_path, Some(Alice), None, &[]).await;
        assert_eq!(refused.status, 400);
        let deleted = call(&server, "DELETE", &path, Some(Alice), None, &[])
            .await
            .json();
        assert_eq!(
            deleted,
            json!({"object": "invoice", "data": {"id": id, "deleted": true}})
        );
        assert_missing(&get(&server, &path, Some(Alice)).await);
        // Unknown or malformed body parameters are refused, not bound.
        for bad in [
            json!({"customer": alices, "amount": 1, "currency": "usd", "status": "paid"}),
            json!({"customer": alices, "amount": -5, "currency": "usd"}),
            json!({"customer": alices, "amount": 5, "currency": "xyz"}),
            json!(["not", "an", "object"]),
        ] {
            let res = call(&server, "POST", "/v1/invoices", Some(Alice), Some(bad), &[]).await;
            assert_eq!(res.status, 400, "{res:?}");
            assert_eq!(res.json()["error"]["type"], "invalid_request_error");
        }
    }
}

#[tokio::test]
async fn billing_products_are_public_and_the_same_for_everyone() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        let (anon, _) = all_pages(&server, "/v1/products", None).await;
        assert_eq!(anon.len(), 3);
        for p in &anon {
            assert_declared(Shape::Billing, "Product", p);
        }
        for user in [Alice, Bob] {
            assert_eq!(all_pages(&server, "/v1/products", Some(user)).await.0, anon);
        }
    }
    assert_eq!(
        spec(Shape::Billing)["paths"]["/v1/products"]["get"]["security"],
        json!([])
    );
}

#[tokio::test]
async fn billing_refuses_bad_keys_and_bad_input_cleanly() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Billing, variant).await;
        for headers in [&[][..], &[("x-api-key", "sk_test_wrong")][..]] {
            let res = call(&server, "GET", "/v1/customers", None, None, headers).await;
            assert_eq!(res.status, 401);
            assert_eq!(res.json()["error"]["type"], "authentication_error");
        }
        for path in [
            "/v1/customers?limit=abc",
            "/v1/customers?limit=0",
            "/v1/customers?starting_after=cus_unknown",
        ] {
            let res = get(&server, path, Some(Alice)).await;
            assert_eq!(res.status, 400, "{path}");
            assert_eq!(res.json()["error"]["code"], "parameter_invalid", "{path}");
        }
        // Another account's customer is no cursor for alice's list.
        let bobs = &customer_ids(&server, Bob).await[0];
        let res = get(
            &server,
            &format!("/v1/customers?starting_after={bobs}"),
            Some(Alice),
        )
        .await;
        assert_eq!(res.status, 400);
    }
}

// ---------------------------------------------------------------------------------------------
// Content

/// bob's draft's slug, from his own drafts.
async fn bobs_draft(server: &DemoServer) -> Value {
    let drafts = get(server, "/user/drafts", Some(Bob)).await.json();
    assert_eq!(drafts["articlesCount"], 1);
    let draft = drafts["articles"][0].clone();
    assert_eq!(draft["published"], false);
    assert_eq!(draft["author"]["username"], "bob");
    draft
}

#[tokio::test]
async fn content_draft_leaks_only_when_vulnerable() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Content, variant).await;
        let draft = bobs_draft(&server).await;
        let path = format!("/articles/{}", draft["slug"].as_str().expect("slug"));
        let own = get(&server, &path, Some(Bob)).await;
        assert_eq!(own.json()["article"], draft);
        let secret = draft["body"].as_str().expect("body");
        for who in [Some(Alice), Some(Carol), None] {
            let res = get(&server, &path, who).await;
            if variant == Vulnerable {
                assert_eq!(res.status, 200, "{who:?}");
                assert_eq!(res.json()["article"]["body"], json!(secret));
            } else {
                assert_eq!(res.status, 404, "{who:?}");
                assert_eq!(
                    res.json(),
                    json!({"errors": {"body": ["article not found"]}})
                );
            }
            // The draft is in no public list, and has no public comments, on either variant.
            let comments = get(&server, &format!("{path}/comments"), who).await;
            assert_eq!(comments.status, 404);
        }
        let (list, feed) = (
            get(&server, "/articles?limit=100", None).await.body,
            get(&server, "/articles/feed?limit=100", Some(Alice))
                .await
                .body,
        );
        assert!(!list.contains(secret) && !feed.contains(secret));
    }
}

#[tokio::test]
async fn content_public_by_design_data_is_public_on_both() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Content, variant).await;
        let bobs = get(&server, "/articles?author=bob", None).await.json();
        let articles = bobs["articles"].as_array().expect("articles");
        assert_eq!(bobs["articlesCount"], json!(articles.len()));
        assert!(articles.len() >= 2);
        for article in articles {
            assert_declared(Shape::Content, "Article", article);
            assert_declared(Shape::Content, "Profile", &article["author"]);
            assert!(
                article["author"]["bio"]
                    .as_str()
                    .is_some_and(|b| !b.is_empty())
            );
            let slug = article["slug"].as_str().expect("slug");
            for who in [None, Some(Alice), Some(Bob)] {
                let one = get(&server, &format!("/articles/{slug}"), who).await;
                assert_eq!(one.status, 200, "{slug} as {who:?}");
                let c = get(&server, &format!("/articles/{slug}/comments"), who).await;
                assert_eq!(c.status, 200);
                for comment in c.json()["comments"].as_array().expect("comments") {
                    assert_declared(Shape::Content, "Comment", comment);
                }
            }
        }
        let profile = get(&server, "/profiles/bob", None).await.json();
        assert_declared(Shape::Content, "Profile", &profile["profile"]);
        assert_eq!(profile["profile"]["following"], false);
        let followed = get(&server, "/profiles/bob", Some(Alice)).await.json();
        assert_eq!(followed["profile"]["following"], true);
        assert_missing_content(&get(&server, "/profiles/nobody", None).await);

        // alice follows bob: his published articles are her feed.
        let feed = get(&server, "/articles/feed", Some(Alice)).await.json();
        let authors: BTreeSet<_> = feed["articles"]
            .as_array()
            .expect("articles")
            .iter()
            .map(|a| a["author"]["username"].as_str().expect("author").to_owned())
            .collect();
        assert_eq!(authors, BTreeSet::from(["bob".to_owned()]));
        assert_eq!(feed["articlesCount"], bobs["articlesCount"]);

        // Pagination: offset and limit cut the same list.
        let all = get(&server, "/articles?limit=100", None).await.json();
        let second = get(&server, "/articles?limit=1&offset=1", None)
            .await
            .json();
        assert_eq!(second["articles"][0], all["articles"][1]);
        assert_eq!(second["articlesCount"], all["articlesCount"]);
    }
}

fn assert_missing_content(res: &Resp) {
    assert_eq!(res.status, 404, "{res:?}");
    assert!(res.json()["errors"]["body"].is_array());
}

#[tokio::test]
async fn content_collections_shared_or_private_behave_the_same_on_both() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Content, variant).await;
        let bobs = get(&server, "/user/collections", Some(Bob)).await.json();
        let bobs = bobs["collections"].as_array().expect("collections").clone();
        let shared: Vec<_> = bobs
            .iter()
            .filter(|c| c["sharedWith"] == json!(["alice"]))
            .collect();
        let private: Vec<_> = bobs
            .iter()
            .filter(|c| c["sharedWith"] == json!([]))
            .collect();
        assert_eq!((shared.len(), private.len()), (1, 1));
        let with_alice = get(&server, "/collections/shared-with-me", Some(Alice))
            .await
            .json();
        // The same collection (`owner.following` is about the viewer, so it differs).
        let seen = with_alice["collections"].as_array().expect("collections");
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0]["id"], shared[0]["id"]);
        assert_eq!(seen[0]["note"], shared[0]["note"]);
        assert_eq!(seen[0]["owner"]["following"], true, "alice follows bob");
        for c in &bobs {
            assert_declared(Shape::Content, "Collection", c);
        }
        let id = |c: &Value| c["id"].as_str().expect("id").to_owned();
        let read = get(
            &server,
            &format!("/collections/{}", id(shared[0])),
            Some(Alice),
        )
        .await;
        assert_eq!(read.json()["collection"], seen[0]);
        let secret = get(
            &server,
            &format!("/collections/{}", id(private[0])),
            Some(Alice),
        )
        .await;
        assert_missing_content(&secret);
        // Carol is not among the shared collection's readers.
        let carol = get(
            &server,
            &format!("/collections/{}", id(shared[0])),
            Some(Carol),
        )
        .await;
        assert_missing_content(&carol);
        let anon = get(&server, &format!("/collections/{}", id(shared[0])), None).await;
        assert_eq!(anon.status, 401);
    }
}

#[tokio::test]
async fn content_user_is_an_envelope_without_id_and_bad_tokens_are_refused() {
    for variant in [Vulnerable, Patched] {
        let server = start(Shape::Content, variant).await;
        let me = get(&server, "/user", Some(Alice)).await.json();
        let user = &me["user"];
        assert_eq!(user["username"], "alice");
        assert!(user["email"].is_string());
        assert!(user.get("id").is_none() && me.get("id").is_none());
        assert_declared(Shape::Content, "User", user);
        // A wrong token is refused even where anonymous access is allowed.
        for value in ["Token not-a-token", "Bearer x", "Token"] {
            let res = call(
                &server,
                "GET",
                "/articles",
                None,
                None,
                &[("authorization", value)],
            )
            .await;
            assert_eq!(res.status, 401, "{value}");
            assert_eq!(res.header("www-authenticate"), "Token");
            assert_eq!(
                res.json(),
                json!({"errors": {"body": ["missing or invalid token"]}})
            );
        }
        for path in [
            "/articles?limit=abc",
            "/articles?offset=-1",
            "/articles/feed?limit=1000",
        ] {
            let res = get(&server, path, Some(Alice)).await;
            assert_eq!(res.status, 422, "{path}");
            assert!(res.json()["errors"].is_object());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Both shapes

#[tokio::test]
async fn new_shapes_are_clean_on_both_variants_headers_and_unknown_routes() {
    let probes = [
        (Shape::Billing, "/v1/customers"),
        (Shape::Billing, "/v1/products"),
        (Shape::Content, "/user"),
        (Shape::Content, "/articles"),
    ];
    for variant in [Vulnerable, Patched] {
        for (shape, path) in probes {
            let server = start(shape, variant).await;
            let origin = [("origin", "https://evil.example")];
            let res = call(&server, "GET", path, Some(Alice), None, &origin).await;
            assert_eq!(res.status, 200, "{shape} {path}");
            assert_eq!(res.header("cache-control"), "no-store", "{shape} {path}");
            assert_eq!(res.header("server"), "", "{shape} {path}");
            assert_eq!(
                res.header("access-control-allow-origin"),
                "",
                "{shape} {path}"
            );
            assert_eq!(res.header("access-control-allow-credentials"), "");
            let unknown = get(&server, "/no-such-route", Some(Alice)).await;
            assert_eq!(unknown.status, 404);
            assert_eq!(unknown.header("cache-control"), "no-store");
            unknown.json();
        }
    }
}

/// Every route each shape serves: method, spec path, a concrete path to request.
const BILLING_SERVED: &[(&str, &str, &str)] = &[
    ("get", "/v1/account", "/v1/account"),
    ("get", "/v1/customers", "/v1/customers"),
    ("get", "/v1/customers/{customer}", "/v1/customers/cus_x"),
    ("get", "/v1/invoices", "/v1/invoices?customer=cus_x"),
    ("post", "/v1/invoices", "/v1/invoices"),
    ("get", "/v1/invoices/{invoice}", "/v1/invoices/inv_0001"),
    ("delete", "/v1/invoices/{invoice}", "/v1/invoices/inv_0001"),
    ("get", "/v1/payments/{payment}", "/v1/payments/pay_x"),
    ("get", "/v1/products", "/v1/products"),
];

const CONTENT_SERVED: &[(&str, &str, &str)] = &[
    ("get", "/user", "/user"),
    ("get", "/user/drafts", "/user/drafts"),
    ("get", "/user/collections", "/user/collections"),
    ("get", "/profiles/{username}", "/profiles/alice"),
    ("get", "/articles", "/articles"),
    ("get", "/articles/feed", "/articles/feed"),
    ("get", "/articles/{slug}", "/articles/grids-that-breathe"),
    (
        "get",
        "/articles/{slug}/comments",
        "/articles/grids-that-breathe/comments",
    ),
    (
        "get",
        "/collections/shared-with-me",
        "/collections/shared-with-me",
    ),
    ("get", "/collections/{collectionId}", "/collections/rl_x"),
];

/// Paths and methods a scanner might try that neither shape documents (nor serves).
const UNDOCUMENTED: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/openapi.yaml"),
    ("GET", "/_debug/config"),
    ("GET", "/admin"),
    ("GET", "/v1/admin/accounts"),
    ("POST", "/v1/customers"),
    ("PUT", "/v1/invoices/inv_0001"),
    ("GET", "/v1/invoices/inv_0001/payments"),
    ("POST", "/articles"),
    ("DELETE", "/articles/grids-that-breathe"),
    ("GET", "/users"),
    ("PUT", "/user"),
];

#[tokio::test]
async fn new_shapes_serve_exactly_their_spec_operations() {
    for (shape, served) in [
        (Shape::Billing, BILLING_SERVED),
        (Shape::Content, CONTENT_SERVED),
    ] {
        let spec = spec(shape);
        assert_eq!(spec["openapi"], "3.0.3");
        let mut in_spec = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if method != "parameters" {
                    assert!(op["operationId"].is_string(), "{method} {path}");
                    assert!(op["summary"].is_string(), "{method} {path}");
                    in_spec.insert((method.clone(), path.clone()));
                }
            }
        }
        let listed: BTreeSet<_> = served
            .iter()
            .map(|(m, p, _)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(listed, in_spec, "{shape}");
        for variant in [Vulnerable, Patched] {
            let server = start(shape, variant).await;
            let fallback = get(&server, "/no-such-route", Some(Alice)).await.body;
            for (method, _, concrete) in served {
                let res = call(
                    &server,
                    &method.to_uppercase(),
                    concrete,
                    Some(Alice),
                    None,
                    &[],
                )
                .await;
                assert_ne!(res.body, fallback, "{shape} {method} {concrete}");
                res.json();
            }
            for (method, path) in UNDOCUMENTED {
                let res = call(&server, method, path, Some(Alice), None, &[]).await;
                assert_eq!(
                    (res.status, &res.body),
                    (404, &fallback),
                    "{shape} {method} {path}"
                );
            }
        }
    }
}

#[test]
fn new_shapes_ground_truths_match_their_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shape, expected) in [
        (
            Shape::Billing,
            &["bola-read", "bola-read", "bola-write"][..],
        ),
        (Shape::Content, &["bola-read"][..]),
    ] {
        let text = std::fs::read_to_string(root.join(shape.ground_truth_path())).expect("read");
        let truth: Value = yaml_serde::from_str(&text).expect("ground truth is valid YAML");
        let spec = spec(shape);
        let flaws = truth["flaws"].as_array().expect("flaws");
        let checks: Vec<_> = flaws.iter().filter_map(|f| f["check"].as_str()).collect();
        assert_eq!(checks, expected, "{shape}");
        for flaw in flaws {
            for field in [
                "id",
                "owasp",
                "check",
                "method",
                "path",
                "identity",
                "description",
                "patched",
            ] {
                assert!(flaw[field].is_string(), "{field} in {flaw}");
            }
            let method = flaw["method"].as_str().expect("method").to_lowercase();
            let path = flaw["path"].as_str().expect("path");
            assert!(spec["paths"][path][&method].is_object(), "{flaw}");
        }
        for decoy in truth["decoys"].as_array().expect("decoys") {
            let method = decoy["method"].as_str().expect("method").to_lowercase();
            let path = decoy["path"].as_str().expect("path");
            assert!(
                path == "*" || spec["paths"][path][&method].is_object(),
                "{shape}: {decoy}"
            );
        }
    }
}

#[test]
fn demo_scans_the_billing_shape_end_to_end() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = apileak()
        .args(["demo", "--shape", "billing", "--patched", "--out-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stdout}");
    assert!(stdout.contains("Ledgerly Billing API"), "{stdout}");
    for file in [
        "report.json",
        "report.sarif",
        "report.junit.xml",
        "report.html",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json"),
    )
    .expect("report json");
    assert!(report.is_object());
    // The keys are secrets: never printed.
    assert!(!stdout.contains("sk_test_"), "{stdout}");
}

#[test]
fn demo_refuses_an_unknown_shape() {
    let out = apileak()
        .args(["demo", "--shape", "ledger"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown demo shape `ledger`"), "{stderr}");
}
