//! Harvesting: call the API as one user and learn what that user owns.
//!
//! Ownership is what makes BOLA verdicts trustworthy, so it is strict and learned by
//! difference, the way Burp's Autorize is used by hand: user A, user B and an anonymous
//! caller each walk the API from their own entry points (reads without parameters, the "me"
//! operation) through the IDs their own answers hold. An object is the user's when it is the
//! user's own record, when it names the user as its owner (`member_id`, `author.username`), or
//! when the user reached it through its own calls and the other user did not; an object both
//! reach is shared, one an operation without security serves or that says it is public is
//! public by design. Everything else is only "seen".

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::Inventory;
use super::inventory::push_capped;
use crate::exec::Executor;
use crate::identity::Role;
use crate::model::{Api, HttpMethod, Operation, PRINCIPAL, ParamLocation, ResourceKey, Resources};
use crate::probe::fill_path;
use crate::probe::{ProbeRequest, join_url};
use crate::values::judge::{distinctive_values, leaves, normalise_key};
use crate::values::params::{query_examples, scalar_text, unfillable_query};
use crate::values::records::{
    KeyedRecord, Principal, keyed_records, me_record, record_id, record_owners, records,
    says_private, says_public,
};
use crate::vocab::{
    CURSOR_FIELDS, CURSOR_PARAMS, LINK_HOLDERS, ME_IDS, ME_SEGMENTS, NEXT_LINK_KEYS,
};

/// Rounds of following IDs into further requests (`/me` → `/members/2/workouts` → …).
const ROUNDS: usize = 3;

/// The operation that returns the caller's own record, if the spec has one.
pub fn find_me_operation(api: &Api) -> Option<&Operation> {
    if let Some(id) = &api.me_operation {
        return api.operations.iter().find(|op| &op.id == id);
    }
    let candidates = || {
        api.operations.iter().filter(|op| {
            op.method == HttpMethod::Get
                && op.path_param_names().is_empty()
                && unfillable_query(op).is_none()
        })
    };
    candidates()
        .find(|op| ME_IDS.contains(&normalise_key(&op.id).as_str()))
        .or_else(|| {
            candidates().find(|op| {
                last_literal(&op.path)
                    .is_some_and(|s| ME_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))
            })
        })
}

/// Walks the API as user A, user B and an anonymous caller (at once) and settles who owns
/// what: both users' inventories and the values public by design.
pub async fn harvest(
    api: &Api,
    exec: &Executor,
    base: &Url,
    me: Option<&Operation>,
    limit: usize,
) -> (Inventory, Inventory, HashSet<String>) {
    let resources = Arc::new(Resources::build(api));
    let walker = Walker {
        api,
        resources: &resources,
        exec,
        base,
        limit,
    };
    let (a, b, anonymous) = tokio::join!(
        walker.walk(Role::UserA, me),
        walker.walk(Role::UserB, me),
        walker.walk(Role::Anonymous, None)
    );
    settle(a, b, anonymous)
}

/// What one identity's walk found, before ownership is settled by difference.
struct Walk {
    inv: Inventory,
    /// Objects reached through the identity's own calls (entry points, own IDs).
    reached: BTreeMap<ResourceKey, Vec<String>>,
    /// Objects that name the identity as their owner, and its own identifiers.
    evidence: BTreeMap<ResourceKey, Vec<String>>,
    /// Objects public by design: answered by an operation without a security requirement,
    /// or saying so themselves (`published: true`, `visibility: "public"`).
    public: BTreeSet<(ResourceKey, String)>,
    /// Distinctive values of public objects.
    public_values: HashSet<String>,
    /// Objects reached that name someone else as their owner: never this identity's.
    foreign: BTreeSet<(ResourceKey, String)>,
    /// Objects reached that mention this identity (`sharedWith: ["alice"]`, `members`): what
    /// their owner shared with it.
    mention_me: BTreeSet<(ResourceKey, String)>,
    /// Records this identity reached through its own calls, by their keys, with their
    /// distinctive values: they become "own data" only for the keys that stay owned.
    own_records: Vec<OwnRecord>,
    /// The identity operation's path: its answer is the caller's own record.
    me_path: Option<String>,
}

/// Pages of one list followed at most.
const MAX_PAGES: usize = 3;

/// What every walk shares.
struct Walker<'a> {
    api: &'a Api,
    resources: &'a Arc<Resources>,
    exec: &'a Executor,
    base: &'a Url,
    /// Reads per identity, at most.
    limit: usize,
}

impl Walker<'_> {
    /// Walks the API as `role` from its entry points (reads without parameters, the "me"
    /// operation) through the IDs its own answers hold.
    async fn walk(&self, role: Role, me_op: Option<&Operation>) -> Walk {
        let Walker {
            api,
            resources,
            exec,
            base,
            limit,
        } = *self;
        let mut w = Walk::new(
            Inventory::new(role, Arc::clone(resources)),
            me_op.map(|op| op.path.clone()),
        );
        if role != Role::Anonymous {
            let mut principal = Principal::default();
            if let Some(me_op) = me_op {
                let ex = exec
                    .send(ProbeRequest::get(role, join_url(base, &me_op.path, &[])))
                    .await;
                if let (true, Some(me)) = (ex.is_success(), ex.json.as_ref().and_then(me_record)) {
                    principal = Principal::from_record(&me);
                    let me = Value::Object(me);
                    w.inv.absorb_own(&me);
                    w.inv.me = Some(me);
                }
            }
            // What the API's own record does not say, the configuration may: the token's
            // subject, the login name.
            let (subject, name) = exec.configured_principal(role);
            if principal.id.is_none() {
                principal.id = subject;
            }
            if let Some(name) = name {
                let slot = if name.contains('@') {
                    &mut principal.email
                } else {
                    &mut principal.username
                };
                slot.get_or_insert(name);
            }
            w.learn_principal(principal);
        }

        let mut called: HashSet<Url> = HashSet::new();
        let mut pages: Vec<Call<'_>> = Vec::new();
        for round in 0..ROUNDS + MAX_PAGES {
            let mut batch: Vec<Call<'_>> = std::mem::take(&mut pages);
            if round < ROUNDS {
                for op in api
                    .operations
                    .iter()
                    .filter(|op| op.method == HttpMethod::Get)
                {
                    if let Some(call) = w.call(op, base) {
                        batch.push(call);
                    }
                }
            }
            batch.retain(|c| called.len() < limit && called.insert(c.url.clone()));
            if batch.is_empty() {
                if round >= ROUNDS {
                    break;
                }
                continue;
            }
            tracing::debug!(%role, round, requests = batch.len(), "harvest round");
            let requests = batch
                .iter()
                .map(|c| ProbeRequest::get(role, c.url.clone()).with_headers(&c.headers))
                .collect();
            let exchanges = exec.send_all(requests).await;
            for (call, ex) in batch.into_iter().zip(exchanges) {
                let (true, Some(body)) = (ex.is_success(), ex.json.as_ref()) else {
                    continue;
                };
                // Anonymous answers from secured operations are a missing check, not public data;
                // an operation that merely allows anonymous callers may still answer a user with
                // what is theirs (a draft), so only what anonymous callers get there is public.
                let public_op = if role == Role::Anonymous {
                    !call.op.requires_auth()
                } else {
                    call.op.security.iter().all(Vec::is_empty)
                };
                if role == Role::Anonymous && !public_op {
                    continue;
                }
                let own = call.own && role != Role::Anonymous;
                w.absorb(call.op, body, own, own && call.filled, public_op);
                if own && call.filled && w.inv.witness.is_none() && call.op.path.contains('{') {
                    w.inv.witness = Some(call.url.clone());
                }
                if call.page + 1 < MAX_PAGES {
                    if let Some(next) = next_page(call.op, &call.url, body, base) {
                        pages.push(Call {
                            url: next,
                            page: call.page + 1,
                            ..call
                        });
                    }
                }
            }
        }
        tracing::debug!(
            %role,
            principal = w.inv.principal_id.as_deref().unwrap_or("unknown"),
            reached = ?w.reached,
            "walked"
        );
        w
    }
}

impl Walk {
    fn new(inv: Inventory, me_path: Option<String>) -> Walk {
        Walk {
            inv,
            reached: BTreeMap::new(),
            evidence: BTreeMap::new(),
            public: BTreeSet::new(),
            public_values: HashSet::new(),
            foreign: BTreeSet::new(),
            mention_me: BTreeSet::new(),
            own_records: Vec::new(),
            me_path,
        }
    }
}

/// A record reached through an identity's own calls: its keys and its distinctive values.
type OwnRecord = (Vec<(ResourceKey, String)>, HashSet<String>);

/// One harvest request.
struct Call<'a> {
    op: &'a Operation,
    url: Url,
    /// Built only from the identity's own values (or none: an entry point).
    own: bool,
    /// Built from at least one of the identity's own IDs: its answer is the identity's data
    /// even when its records carry no key.
    filled: bool,
    /// Which page of a list (0 = the first).
    page: usize,
    /// ID slots that travel in headers (`X-Org-Id`).
    headers: Vec<(String, String)>,
}

impl Walk {
    /// The request that reads `op` with what the identity has learned, if it can be built.
    fn call<'a>(&self, op: &'a Operation, base: &Url) -> Option<Call<'a>> {
        if self.inv.unfillable(op).is_some() {
            return None;
        }
        let (values, path_owned) = self.inv.fill_any(op)?;
        let (ids, query_owned) = self.inv.fill_query(op)?;
        let (headers, headers_owned) = self.inv.fill_headers(op)?;
        let filled = !values.is_empty() || !ids.is_empty() || !headers.is_empty();
        let mut query = query_examples(op);
        query.retain(|(n, _)| !ids.iter().any(|(m, _)| m == n));
        query.extend(ids);
        Some(Call {
            op,
            url: join_url(base, &fill_path(&op.path, &values), &query),
            own: path_owned && query_owned && headers_owned,
            headers,
            filled,
            page: 0,
        })
    }

    fn learn_principal(&mut self, principal: Principal) {
        for (field, value) in [
            ("id", &principal.id),
            ("username", &principal.username),
            ("email", &principal.email),
        ] {
            if let Some(v) = value {
                push_capped(
                    self.evidence
                        .entry(ResourceKey::new(PRINCIPAL, field))
                        .or_default(),
                    v.clone(),
                );
            }
        }
        self.inv.principal_id = principal.label().map(str::to_owned);
        self.inv.principal = principal;
    }

    fn absorb(&mut self, op: &Operation, body: &Value, own: bool, filled: bool, public_op: bool) {
        let resources = Arc::clone(&self.inv.resources);
        let answer_kind = if self.me_path.as_deref() == Some(op.path.as_str()) {
            PRINCIPAL.to_owned()
        } else {
            resources.answer_kind(op)
        };
        for KeyedRecord {
            record,
            kind,
            keys: found,
        } in keyed_records(&resources, &answer_kind, body)
        {
            let owners = record_owners(record);
            let names_me = owners.iter().any(|o| self.inv.principal.is(o));
            // A record that names someone else as its owner is theirs, wherever it showed up:
            // reached (so shared, when it is the other user's), never owned.
            let names_other = !owners.is_empty() && !names_me;
            // A record that says it is private stays so wherever it shows up (a private
            // member on a public leaderboard is the leak, not its excuse).
            let public = (public_op || says_public(record)) && !says_private(record);
            let whole = Value::Object(record.clone());
            let mentions_me = own && {
                let names = self.inv.principal.unambiguous();
                !names.is_empty()
                    && leaves(&whole)
                        .iter()
                        .any(|(_, v)| names.contains(&v.as_str()))
            };
            let mut keys = Vec::new();
            for (key, value) in found {
                if public {
                    self.public.insert((key.clone(), value.clone()));
                }
                if own {
                    push_capped(self.reached.entry(key.clone()).or_default(), value.clone());
                }
                if names_other {
                    self.foreign.insert((key.clone(), value.clone()));
                }
                if mentions_me {
                    self.mention_me.insert((key.clone(), value.clone()));
                }
                if names_me || (own && !names_other) {
                    if names_me {
                        push_capped(self.evidence.entry(key.clone()).or_default(), value.clone());
                    }
                    keys.push((key.clone(), value.clone()));
                    self.inv.add_owned(&key, value);
                } else {
                    self.inv.add_seen(&key, value);
                }
            }
            // Foreign keys (`class_id`, `customer`) are only "seen": pointing at a thing is not
            // owning it.
            for (k, v) in record {
                if let Some(key) = foreign_key(&resources, k, &kind) {
                    if let Some(v) = scalar_text(v) {
                        self.inv.add_seen(&key, v);
                    }
                }
            }
            let value = whole;
            if public {
                self.public_values.extend(distinctive_values(&value));
            }
            if names_me || (own && !names_other && keys.is_empty() && filled) {
                self.inv.absorb_own(&value);
            } else if !keys.is_empty() {
                // Own data only if the object stays this identity's once the others are known.
                self.own_records.push((keys, distinctive_values(&value)));
            }
        }
    }
}

/// The key a field of a record points at: `class_id` → class.id, `customer` → customer.id,
/// when the API knows that kind; never the record's own kind's ID.
fn foreign_key(resources: &Resources, field: &str, own_kind: &str) -> Option<ResourceKey> {
    let key = crate::model::name_key(field)?;
    (resources.is_known(&key.resource) && key.resource != own_kind).then_some(key)
}

/// The next page of a list answer: a `next` link on the same origin, or a cursor the
/// operation takes (`has_more` + `starting_after=<last id>`, `next_cursor`).
fn next_page(op: &Operation, url: &Url, body: &Value, base: &Url) -> Option<Url> {
    let map = body.as_object()?;
    let link = map.iter().find_map(|(k, v)| {
        let k = normalise_key(k);
        if NEXT_LINK_KEYS.contains(&k.as_str()) {
            return v.as_str().map(str::to_owned);
        }
        let holder = v
            .as_object()
            .filter(|_| LINK_HOLDERS.contains(&k.trim_start_matches('_')))?;
        holder.iter().find_map(|(k, v)| {
            NEXT_LINK_KEYS
                .contains(&normalise_key(k).as_str())
                .then(|| {
                    v.as_str()
                        .or_else(|| v.get("href")?.as_str())
                        .map(str::to_owned)
                })
                .flatten()
        })
    });
    if let Some(link) = link.filter(|l| !l.is_empty()) {
        let next = url.join(&link).ok()?;
        // Only the same list again (another query): a link elsewhere could be anything,
        // including what the fence holds back. Credentials go only to the target.
        return (next.origin() == base.origin() && next.path() == url.path()).then_some(next);
    }
    if map
        .iter()
        .any(|(k, v)| normalise_key(k) == "hasmore" && v == &Value::Bool(false))
    {
        return None;
    }
    let param = op.parameters.iter().find(|p| {
        p.location == ParamLocation::Query
            && CURSOR_PARAMS.contains(&normalise_key(&p.name).as_str())
    })?;
    let cursor = map
        .iter()
        .find(|(k, _)| CURSOR_FIELDS.contains(&normalise_key(k).as_str()))
        .and_then(|(_, v)| scalar_text(v))
        .or_else(|| {
            // `starting_after` takes the last record's ID.
            let more = map
                .iter()
                .any(|(k, v)| normalise_key(k) == "hasmore" && v == &Value::Bool(true));
            more.then(|| {
                records(body)
                    .last()
                    .and_then(|r| record_id(&Value::Object((*r).clone())))
            })
            .flatten()
        })?;
    let mut next = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| *k != param.name.as_str())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(&param.name, &cursor);
    Some(next)
}

/// Ownership by difference: an object only one user reaches through their own calls is
/// theirs; one the other user also reaches is shared, and one that is public by design is
/// nobody's. Returns both inventories and the public values every identity may see.
fn settle(a: Walk, b: Walk, anonymous: Walk) -> (Inventory, Inventory, HashSet<String>) {
    let mut public = a.public.clone();
    public.extend(b.public.iter().cloned());
    public.extend(anonymous.public.iter().cloned());
    let mut public_values = a.public_values.clone();
    public_values.extend(b.public_values.iter().cloned());
    public_values.extend(anonymous.public_values);
    let own = |w: &Walk, other: &Walk| -> BTreeMap<ResourceKey, Vec<String>> {
        let mut out: BTreeMap<ResourceKey, Vec<String>> = BTreeMap::new();
        for (key, values) in w.evidence.iter().chain(&w.reached) {
            for v in values {
                let principal = key.is_principal() && w.inv.principal.is(v);
                let pair = (key.clone(), v.clone());
                // What names `w` as its owner is shared only when it mentions the other user
                // (`sharedWith`): an owned object in the other's plain list is a leak of it,
                // not a reason to stop testing it.
                let evidenced = w.evidence.get(key).is_some_and(|e| e.contains(v));
                let shared = other.reached.get(key).is_some_and(|o| o.contains(v))
                    && (!evidenced || other.mention_me.contains(&pair));
                if principal || !(shared || public.contains(&pair) || w.foreign.contains(&pair)) {
                    push_capped(out.entry(key.clone()).or_default(), v.clone());
                }
            }
        }
        out
    };
    let (owned_a, owned_b) = (own(&a, &b), own(&b, &a));
    let finish = |mut w: Walk, owned: BTreeMap<ResourceKey, Vec<String>>| {
        for (keys, values) in std::mem::take(&mut w.own_records) {
            if keys
                .iter()
                .any(|(k, v)| owned.get(k).is_some_and(|o| o.contains(v)))
            {
                w.inv.own_values.extend(values);
            }
        }
        w.inv.owned = owned;
        tracing::info!(
            role = %w.inv.role,
            principal = w.inv.principal_id.as_deref().unwrap_or("unknown"),
            owned = %describe(&w.inv.owned),
            "harvested"
        );
        w.inv
    };
    (finish(a, owned_a), finish(b, owned_b), public_values)
}

fn describe(owned: &BTreeMap<ResourceKey, Vec<String>>) -> String {
    let parts: Vec<String> = owned
        .iter()
        .map(|(k, v)| format!("{k}=[{}]", v.join(",")))
        .collect();
    format!("{{{}}}", parts.join(" "))
}

fn last_literal(path: &str) -> Option<&str> {
    path.split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::records::{field_value, record_kind};
    use serde_json::json;

    fn resources() -> Resources {
        Resources::build(&Api {
            operations: vec![
                Operation::bare(HttpMethod::Get, "/v1/customers/{customer}", "c"),
                Operation::bare(HttpMethod::Get, "/articles/{slug}", "a"),
                Operation::bare(HttpMethod::Get, "/classes/{classId}", "k"),
            ],
            ..Api::default()
        })
    }

    #[test]
    fn records_say_their_kind() {
        let r = resources();
        let rec = json!({"object": "customer", "id": "cus_1"});
        let rec = rec.as_object().expect("obj");
        assert_eq!(record_kind(&r, rec, None).as_deref(), Some("customer"));
        let rec = json!({"type": "run", "id": 1});
        let rec = rec.as_object().expect("obj");
        assert_eq!(
            record_kind(&r, rec, None),
            None,
            "`run` is no kind of this API"
        );
        assert_eq!(
            record_kind(&r, rec, Some("articles")).as_deref(),
            Some("article")
        );
    }

    #[test]
    fn foreign_keys_point_at_known_kinds_only() {
        let r = resources();
        assert_eq!(
            foreign_key(&r, "class_id", "workout").map(|k| k.to_string()),
            Some("class.id".into())
        );
        assert_eq!(
            foreign_key(&r, "customer", "invoice").map(|k| k.to_string()),
            Some("customer.id".into())
        );
        assert_eq!(foreign_key(&r, "amount", "invoice"), None);
        assert_eq!(foreign_key(&r, "customer", "customer"), None);
    }

    #[test]
    fn field_values_by_kind() {
        let rec = json!({"id": 7, "slug": "my-post", "book_title": "Dune", "login": "bob"});
        let rec = rec.as_object().expect("obj");
        assert_eq!(
            field_value(rec, "article", "slug").as_deref(),
            Some("my-post")
        );
        assert_eq!(field_value(rec, "book", "title").as_deref(), Some("Dune"));
        assert_eq!(field_value(rec, "user", "username").as_deref(), Some("bob"));
        assert_eq!(field_value(rec, "article", "id").as_deref(), Some("7"));
    }

    fn list_op() -> Operation {
        let mut op = Operation::bare(HttpMethod::Get, "/v1/customers", "list");
        op.parameters = vec![crate::model::Parameter {
            name: "starting_after".into(),
            location: ParamLocation::Query,
            required: false,
            schema: Default::default(),
            example: None,
        }];
        op
    }

    #[test]
    fn next_pages_by_link_and_by_cursor() {
        let base = Url::parse("http://127.0.0.1:1/").expect("url");
        let url = Url::parse("http://127.0.0.1:1/v1/customers?limit=2").expect("url");
        let op = list_op();
        let body = json!({"data": [{"id": "cus_a"}, {"id": "cus_b"}], "has_more": true});
        assert_eq!(
            next_page(&op, &url, &body, &base)
                .map(|u| u.to_string())
                .as_deref(),
            Some("http://127.0.0.1:1/v1/customers?limit=2&starting_after=cus_b")
        );
        let body = json!({"data": [{"id": "cus_a"}], "has_more": false});
        assert_eq!(next_page(&op, &url, &body, &base), None);
        let body = json!({"items": [], "links": {"next": "/v1/customers?page=2"}});
        assert_eq!(
            next_page(&op, &url, &body, &base)
                .map(|u| u.to_string())
                .as_deref(),
            Some("http://127.0.0.1:1/v1/customers?page=2")
        );
        // A link to another origin is never followed: credentials go only to the target; nor
        // one to another path, which the fence never saw.
        let body = json!({"next": "http://evil.test/steal"});
        assert_eq!(next_page(&op, &url, &body, &base), None);
        let body = json!({"links": {"next": "/admin/reset?page=2"}});
        assert_eq!(next_page(&op, &url, &body, &base), None);
    }

    fn walk_of(role: Role) -> Walk {
        Walk::new(Inventory::new(role, Arc::new(resources())), None)
    }

    /// An object that names B as its owner stays B's when A's plain list shows it too (that
    /// list leaks it); only one that mentions A (shared with A) is shared.
    #[test]
    fn an_owned_object_is_shared_only_when_it_mentions_the_other_user() {
        let key = ResourceKey::new("collection", "id");
        let (mut a, mut b) = (walk_of(Role::UserA), walk_of(Role::UserB));
        for id in ["rl_shared", "rl_listed"] {
            push_capped(b.evidence.entry(key.clone()).or_default(), id.into());
            reach(&mut a, "collection.id", id);
        }
        a.mention_me.insert((key.clone(), "rl_shared".into()));
        let (_, b, _) = settle(a, b, walk_of(Role::Anonymous));
        assert_eq!(owned(&b, "collection.id"), ["rl_listed"]);
    }

    fn reach(w: &mut Walk, key: &str, value: &str) {
        let (resource, field) = key.split_once('.').expect("kind.field");
        let key = ResourceKey::new(resource, field);
        push_capped(w.reached.entry(key.clone()).or_default(), value.to_owned());
        w.own_records.push((
            vec![(key, value.to_owned())],
            [format!("secret of {value}")].into(),
        ));
    }

    fn owned(inv: &Inventory, key: &str) -> Vec<String> {
        let (resource, field) = key.split_once('.').expect("kind.field");
        inv.owned
            .get(&ResourceKey::new(resource, field))
            .cloned()
            .unwrap_or_default()
    }

    /// A collection B shared with A is reached by both: nobody's, so never evidence that A
    /// read B's object; B's private one stays B's.
    #[test]
    fn what_both_users_reach_is_shared_not_owned() {
        let (mut a, mut b) = (walk_of(Role::UserA), walk_of(Role::UserB));
        reach(&mut a, "collection.id", "rl_a");
        reach(&mut a, "collection.id", "rl_shared");
        reach(&mut b, "collection.id", "rl_shared");
        reach(&mut b, "collection.id", "rl_private");
        let (a, b, _) = settle(a, b, walk_of(Role::Anonymous));
        assert_eq!(owned(&a, "collection.id"), ["rl_a"]);
        assert_eq!(owned(&b, "collection.id"), ["rl_private"]);
        // Own data is what stays owned: the shared collection's values are nobody's.
        assert!(b.own_values.contains("secret of rl_private"));
        assert!(!b.own_values.contains("secret of rl_shared"));
    }

    /// Public objects (an anonymous caller's walk found them) and objects naming another
    /// owner are never a user's, even when only that user reached them.
    #[test]
    fn public_and_foreign_objects_are_nobodys() {
        let (a, mut b, mut anonymous) = (
            walk_of(Role::UserA),
            walk_of(Role::UserB),
            walk_of(Role::Anonymous),
        );
        reach(&mut b, "article.slug", "published-post");
        reach(&mut b, "article.slug", "draft");
        reach(&mut b, "article.slug", "carols-post");
        anonymous
            .public
            .insert((ResourceKey::new("article", "slug"), "published-post".into()));
        anonymous.public_values.insert("Bob's bio".into());
        b.foreign
            .insert((ResourceKey::new("article", "slug"), "carols-post".into()));
        let (_, b, public) = settle(a, b, anonymous);
        assert_eq!(owned(&b, "article.slug"), ["draft"]);
        assert!(public.contains("Bob's bio"));
    }

    /// A user's own identifiers stay theirs even when the other user reaches them (a
    /// member list shows both users).
    #[test]
    fn the_principal_stays_owned() {
        let (mut a, mut b) = (walk_of(Role::UserA), walk_of(Role::UserB));
        b.learn_principal(Principal {
            id: Some("2".into()),
            username: Some("bob".into()),
            email: None,
        });
        reach(&mut a, "user.id", "2");
        let (_, b, _) = settle(a, b, walk_of(Role::Anonymous));
        assert_eq!(owned(&b, "user.id"), ["2"]);
        assert_eq!(owned(&b, "user.username"), ["bob"]);
    }
}
