//! The resource model: which kind of object each identifier parameter names, wherever it
//! travels (path or query), and which kind of object an operation answers with. Values are
//! keyed by kind and field, never by parameter name, so `/projects/{id}` and
//! `/projects/{project_id}/tasks/{id}` do not mix, and `{memberId}`, `{username}` and
//! `?author=` all name the same thing: a user.
//!
//! Pure functions of the spec: derived once, before anything is sent.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use super::{Api, HttpMethod, Operation, ParamLocation, SchemaKind, SecuritySchemeKind};
use crate::vocab::{FIELD_WORDS, GENERIC_ID_NAMES, IRREGULAR_PLURALS, PRINCIPAL_STEMS, words};

/// The kind every principal-like name (`user`, `member`, `owner`, `author`…) stands for.
pub const PRINCIPAL: &str = "user";

/// Which field of which kind of object a value is: `workout.id`, `article.slug`,
/// `user.username`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    pub resource: String,
    pub field: String,
}

impl ResourceKey {
    pub fn new(resource: &str, field: &str) -> ResourceKey {
        ResourceKey {
            resource: resource.to_owned(),
            field: field.to_owned(),
        }
    }

    /// Whether the object is a user (the caller or another one).
    pub fn is_principal(&self) -> bool {
        self.resource == PRINCIPAL
    }
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.resource, self.field)
    }
}

/// One parameter of an operation that carries an object's identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSlot {
    pub name: String,
    pub location: ParamLocation,
    pub key: ResourceKey,
    pub required: bool,
    /// The parameter's schema is a string (a numeric user ID cannot fill it).
    pub textual: bool,
}

/// What the spec says about the API's kinds of objects.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Kinds named by a path parameter or by the collection segment before one.
    known: BTreeSet<String>,
    /// Which fields of each kind parameters take (`article` → slug), beside `id`.
    fields: BTreeMap<String, BTreeSet<String>>,
    /// Each path parameter name's key where it first occurs.
    by_name: BTreeMap<String, ResourceKey>,
    /// Header names (lowercase) that carry credentials: never an ID slot.
    credential_headers: BTreeSet<String>,
    /// Every operation's slots, derived once (planning asks for them per check and per
    /// parameter).
    cached: HashMap<String, Vec<(HttpMethod, Vec<IdSlot>)>>,
    /// Keys the spec's `links` give parameters, by (operationId, parameter): the producer's
    /// kind and the field its pointer names. They win over names.
    linked: BTreeMap<(String, String), ResourceKey>,
}

impl Resources {
    pub fn build(api: &Api) -> Resources {
        let mut known = BTreeSet::new();
        let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut by_name = BTreeMap::new();
        known.insert(PRINCIPAL.to_owned());
        for op in &api.operations {
            let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
            for (i, segment) in segments.iter().enumerate() {
                if let Some(param) = param_name(segment) {
                    let key = path_key(&op.path, param);
                    by_name
                        .entry(param.to_owned())
                        .or_insert_with(|| key.clone());
                    fields
                        .entry(key.resource.clone())
                        .or_default()
                        .insert(key.field);
                    known.insert(key.resource);
                    if let Some(prev) = i.checked_sub(1).map(|j| segments[j]) {
                        if param_name(prev).is_none() {
                            known.insert(kind_of_word(prev));
                        }
                    }
                }
            }
        }
        let mut resources = Resources {
            known,
            fields,
            by_name,
            linked: BTreeMap::new(),
            credential_headers: ["authorization", "proxy-authorization", "cookie"]
                .into_iter()
                .map(str::to_owned)
                .chain(api.security_schemes.values().filter_map(|s| match &s.kind {
                    SecuritySchemeKind::ApiKey { name, .. } => Some(name.to_ascii_lowercase()),
                    _ => None,
                }))
                .collect(),
            cached: HashMap::new(),
        };
        for producer in &api.operations {
            for link in &producer.links {
                let kind = resources.answer_kind(producer);
                let field = pointer_field(&link.pointer);
                let key = ResourceKey::new(&kind, &field);
                resources.known.insert(kind.clone());
                resources.fields.entry(kind).or_default().insert(field);
                resources
                    .linked
                    .insert((link.operation.clone(), link.parameter.clone()), key);
            }
        }
        let mut cached: HashMap<String, Vec<(HttpMethod, Vec<IdSlot>)>> = HashMap::new();
        for op in &api.operations {
            let slots = resources.derive_slots(op);
            cached
                .entry(op.path.clone())
                .or_default()
                .push((op.method, slots));
        }
        resources.cached = cached;
        resources
    }

    /// The key a link gives `op`'s parameter `name`, if any.
    fn linked(&self, op: &Operation, name: &str) -> Option<ResourceKey> {
        if self.linked.is_empty() {
            return None;
        }
        self.linked.get(&(op.id.clone(), name.to_owned())).cloned()
    }

    /// The key a bare parameter name stands for (`objects:` in the config file names
    /// `workoutId` or `slug`): where the spec uses it as a path parameter, else by its words.
    pub fn key_of_name(&self, name: &str) -> ResourceKey {
        self.by_name
            .get(name)
            .cloned()
            .or_else(|| name_key(name))
            .unwrap_or_else(|| ResourceKey::new(&kind_of_word(name), "id"))
    }

    /// The fields of `kind` worth learning: `id`, and any other a parameter takes.
    pub fn fields(&self, kind: &str) -> Vec<&str> {
        // A slug or name stands in for a numeric ID in text parameters (`{repo}`).
        let mut out = vec!["id", "slug", "name"];
        for f in self.fields.get(kind).into_iter().flatten() {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// Whether `resource` is a kind of object this API addresses by ID.
    pub fn is_known(&self, resource: &str) -> bool {
        self.known.contains(resource)
    }

    /// The kinds, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.known.iter().map(String::as_str)
    }

    /// Every identifier slot of `op`: its path parameters, then query and header parameters
    /// whose name names a known kind (`?customer=`, `?project_id=`, `X-Org-Id:`).
    pub fn slots(&self, op: &Operation) -> Cow<'_, [IdSlot]> {
        let cached = self
            .cached
            .get(op.path.as_str())
            .and_then(|methods| methods.iter().find(|(m, _)| *m == op.method));
        match cached {
            Some((_, slots)) => Cow::Borrowed(slots),
            None => Cow::Owned(self.derive_slots(op)),
        }
    }

    fn derive_slots(&self, op: &Operation) -> Vec<IdSlot> {
        let mut out: Vec<IdSlot> = op
            .path_param_names()
            .into_iter()
            .map(|name| {
                let declared = op
                    .parameters
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == name);
                IdSlot {
                    name: name.to_owned(),
                    location: ParamLocation::Path,
                    key: self
                        .linked(op, name)
                        .unwrap_or_else(|| path_key(&op.path, name)),
                    required: true,
                    textual: declared.is_some_and(|p| p.schema.kind == SchemaKind::String),
                }
            })
            .collect();
        for p in &op.parameters {
            if !matches!(p.location, ParamLocation::Query | ParamLocation::Header) {
                continue;
            }
            // A credential is never swapped for an ID, nor sent twice.
            if p.location == ParamLocation::Header
                && self
                    .credential_headers
                    .contains(&p.name.to_ascii_lowercase())
            {
                continue;
            }
            // `X-Org-Id` names an org.
            let name = match p.location {
                ParamLocation::Header => strip_x(&p.name),
                _ => p.name.as_str(),
            };
            let Some(key) = self
                .linked(op, &p.name)
                .or_else(|| name_key(name).filter(|k| self.is_known(&k.resource)))
            else {
                continue;
            };
            if matches!(p.schema.kind, SchemaKind::Boolean | SchemaKind::Array(_)) {
                continue;
            }
            out.push(IdSlot {
                name: p.name.clone(),
                location: p.location,
                key,
                required: p.required,
                textual: p.schema.kind == SchemaKind::String,
            });
        }
        out
    }

    /// The kind of object `op` answers with: its trailing parameter's kind, else the last
    /// collection segment (`/members/search` → user, `/user/drafts` → draft).
    pub fn answer_kind(&self, op: &Operation) -> String {
        let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        let Some(last) = segments.last() else {
            return String::new();
        };
        if let Some(param) = param_name(last) {
            return path_key(&op.path, param).resource;
        }
        // A plural names its own collection (`/user/drafts`); a singular word after a
        // collection is an action on it (`/articles/feed`, `/members/search`).
        if singular(last) != last.to_ascii_lowercase() {
            return kind_of_word(last);
        }
        let mut i = segments.len() - 1;
        loop {
            let kind = kind_of_word(segments[i]);
            if self.is_known(&kind) {
                return kind;
            }
            match i.checked_sub(1).map(|j| segments[j]) {
                Some(prev) if param_name(prev).is_none() => i -= 1,
                _ => return kind_of_word(last),
            }
        }
    }

    /// The kind a record's envelope key or `object`/`type` field names, when it is a known
    /// one (`{"articles": […]}`, `"object": "customer"`).
    pub fn known_kind(&self, word: &str) -> Option<String> {
        let kind = kind_of_word(word);
        self.is_known(&kind).then_some(kind)
    }
}

/// The field a link's response pointer names: `/id`, `/data/uuid` → id, `/slug` → slug,
/// `/login` → username.
fn pointer_field(pointer: &str) -> String {
    let last = pointer
        .rsplit('/')
        .find(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("id");
    let word = words(last).concat();
    match field_word(&word) {
        Some(f) if f == "login" || f == "handle" => "username".to_owned(),
        Some(f) => f,
        None if word.ends_with("id") => "id".to_owned(),
        None => word,
    }
}

/// `X-Org-Id` → `Org-Id`.
fn strip_x(name: &str) -> &str {
    name.strip_prefix("X-")
        .or_else(|| name.strip_prefix("x-"))
        .unwrap_or(name)
}

/// `{name}` → `name`.
fn param_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// The key of path parameter `param` of `path`: the words before a field word name the kind
/// (`workoutId` → workout.id); a bare field word (`{id}`, `{slug}`, `{username}`) takes its
/// kind from the collection segment before it; any other name is the kind itself, by ID
/// (`{customer}` → customer.id).
pub fn path_key(path: &str, param: &str) -> ResourceKey {
    if let Some(key) = name_key(param) {
        return key;
    }
    let field = field_word(param).unwrap_or_else(|| "id".to_owned());
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let me = segments
        .iter()
        .position(|s| param_name(s) == Some(param))
        .unwrap_or(0);
    let collection = segments[..me]
        .iter()
        .rev()
        .find(|s| param_name(s).is_none())
        .map_or_else(|| "item".to_owned(), |s| kind_of_word(s));
    // `/users/{username}`: the field says which of the user's identifiers it takes.
    let field = if field == "name" && collection == PRINCIPAL {
        "username".to_owned()
    } else {
        field
    };
    ResourceKey {
        resource: collection,
        field,
    }
}

/// A name's key when the name says its kind (`workoutId`, `project_slug`, `customer`,
/// `author`); `None` for a bare field word (`id`, `slug`) or a generic one.
pub fn name_key(name: &str) -> Option<ResourceKey> {
    let words = words(name);
    let (last, before) = words.split_last()?;
    if before.is_empty() {
        if field_word(last).is_some() || GENERIC_ID_NAMES.contains(&last.as_str()) {
            return None;
        }
        return Some(ResourceKey {
            resource: canonical(&singular(last)),
            field: "id".to_owned(),
        });
    }
    let resource = canonical(&format!(
        "{}{}",
        before[..before.len() - 1].concat(),
        singular(&before[before.len() - 1])
    ));
    match field_word(last) {
        // `user_name` is the user's username, `book_title` a book's title.
        Some(field) if field == "name" && resource == PRINCIPAL => {
            Some(ResourceKey::new(&resource, "username"))
        }
        Some(field) => Some(ResourceKey { resource, field }),
        None => Some(ResourceKey {
            resource: canonical(&format!("{}{}", before.concat(), singular(last))),
            field: "id".to_owned(),
        }),
    }
}

fn field_word(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    match w.as_str() {
        "uuid" | "guid" | "uid" | "pk" | "identifier" => Some("id".to_owned()),
        _ => FIELD_WORDS.contains(&w.as_str()).then_some(w),
    }
}

/// The kind a collection segment or envelope key names: `reading-lists` → readinglist,
/// `members` → user.
pub fn kind_of_word(word: &str) -> String {
    let words = words(word);
    match words.split_last() {
        Some((last, before)) => canonical(&format!("{}{}", before.concat(), singular(last))),
        None => String::new(),
    }
}

/// Every principal-like kind is one: a user.
fn canonical(kind: &str) -> String {
    if PRINCIPAL_STEMS.contains(&kind) {
        PRINCIPAL.to_owned()
    } else {
        kind.to_owned()
    }
}

/// `categories` → category, `addresses` → address, `people` → person.
fn singular(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    if let Some((_, one)) = IRREGULAR_PLURALS.iter().find(|(many, _)| *many == w) {
        return (*one).to_owned();
    }
    for (suffix, replacement) in [
        ("ies", "y"),
        ("sses", "ss"),
        ("xes", "x"),
        ("ches", "ch"),
        ("shes", "sh"),
    ] {
        if let Some(stem) = w.strip_suffix(suffix) {
            if !stem.is_empty() {
                return format!("{stem}{replacement}");
            }
        }
    }
    match w.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !stem.ends_with(['s', 'u', 'i']) => stem.to_owned(),
        _ => w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpMethod, Parameter, Schema};

    fn key(path: &str, param: &str) -> String {
        path_key(path, param).to_string()
    }

    #[test]
    fn path_parameters_are_keyed_by_kind_not_name() {
        assert_eq!(key("/workouts/{workoutId}", "workoutId"), "workout.id");
        assert_eq!(key("/projects/{id}", "id"), "project.id");
        assert_eq!(key("/projects/{project_id}/tasks/{id}", "id"), "task.id");
        assert_eq!(
            key("/projects/{project_id}/tasks/{id}", "project_id"),
            "project.id"
        );
        assert_eq!(key("/articles/{slug}", "slug"), "article.slug");
        assert_eq!(key("/profiles/{username}", "username"), "user.username");
        assert_eq!(key("/users/{name}", "name"), "user.username");
        assert_eq!(key("/members/{memberId}", "memberId"), "user.id");
        assert_eq!(key("/v1/customers/{customer}", "customer"), "customer.id");
        assert_eq!(key("/books/{book_title}", "book_title"), "book.title");
        assert_eq!(key("/reading-lists/{listId}", "listId"), "list.id");
        assert_eq!(key("/categories/{categoryId}", "categoryId"), "category.id");
        assert_eq!(key("/repos/{owner}/{repo}", "owner"), "user.id");
        assert_eq!(key("/{id}", "id"), "item.id");
    }

    #[test]
    fn singulars() {
        for (many, one) in [
            ("workouts", "workout"),
            ("categories", "category"),
            ("addresses", "address"),
            ("boxes", "box"),
            ("people", "person"),
            ("status", "status"),
            ("news", "new"),
            ("analysis", "analysis"),
        ] {
            // `news` → `new` is wrong English but harmless: both sides singularise alike.
            assert_eq!(singular(many), one, "{many}");
        }
    }

    fn query(name: &str, kind: SchemaKind) -> Parameter {
        Parameter {
            name: name.into(),
            location: ParamLocation::Query,
            required: true,
            schema: Schema {
                kind,
                ..Schema::default()
            },
            example: None,
        }
    }

    fn api() -> Api {
        let mut invoices = Operation::bare(HttpMethod::Get, "/v1/invoices", "listInvoices");
        invoices.parameters = vec![
            query("customer", SchemaKind::String),
            query("limit", SchemaKind::Integer),
            query("starting_after", SchemaKind::String),
            query("expand", SchemaKind::Array(Default::default())),
            Parameter {
                location: ParamLocation::Header,
                ..query("X-Customer-Id", SchemaKind::String)
            },
            Parameter {
                location: ParamLocation::Header,
                ..query("X-Request-Id", SchemaKind::String)
            },
            // Named like a customer ID, but the spec's API key travels in it.
            Parameter {
                location: ParamLocation::Header,
                ..query("X-Customer-Key", SchemaKind::String)
            },
        ];
        Api {
            security_schemes: [(
                "key".to_owned(),
                crate::model::SecurityScheme {
                    kind: SecuritySchemeKind::ApiKey {
                        name: "X-Customer-Key".into(),
                        location: ParamLocation::Header,
                    },
                    description: None,
                    client_credentials_token_url: None,
                },
            )]
            .into(),
            operations: vec![
                Operation::bare(HttpMethod::Get, "/v1/customers/{customer}", "getCustomer"),
                Operation::bare(HttpMethod::Get, "/v1/invoices/{invoice}", "getInvoice"),
                invoices,
                Operation::bare(HttpMethod::Get, "/members/search", "search"),
                Operation::bare(HttpMethod::Get, "/members/{memberId}", "member"),
                Operation::bare(HttpMethod::Get, "/articles/feed", "feed"),
                Operation::bare(HttpMethod::Get, "/articles/{slug}", "article"),
                Operation::bare(HttpMethod::Get, "/user/drafts", "drafts"),
                Operation::bare(HttpMethod::Get, "/classes/{classId}/leaderboard", "board"),
            ],
            ..Api::default()
        }
    }

    #[test]
    fn query_parameters_naming_a_known_kind_are_id_slots() {
        let api = api();
        let resources = Resources::build(&api);
        let slots = resources.slots(&api.operations[2]);
        let names: Vec<String> = slots
            .iter()
            .map(|s| format!("{}={}", s.name, s.key))
            .collect();
        // `limit`, `starting_after` and `expand` name no kind of object the API has.
        assert_eq!(names, ["customer=customer.id", "X-Customer-Id=customer.id"]);
    }

    #[test]
    fn links_in_the_spec_win_over_names() {
        let mut list = Operation::bare(HttpMethod::Get, "/repositories", "listRepos");
        list.links = vec![crate::model::Link {
            operation: "getRepo".into(),
            parameter: "ref".into(),
            pointer: "/full_name".into(),
        }];
        let mut get = Operation::bare(HttpMethod::Get, "/r/{ref}", "getRepo");
        get.parameters = vec![Parameter {
            location: ParamLocation::Path,
            ..query("ref", SchemaKind::String)
        }];
        let api = Api {
            operations: vec![list, get],
            ..Api::default()
        };
        let resources = Resources::build(&api);
        let slots = resources.slots(&api.operations[1]);
        assert_eq!(slots[0].key.to_string(), "repository.fullname");
        assert!(resources.fields("repository").contains(&"fullname"));
        assert_eq!(pointer_field("/data/0/id"), "id");
        assert_eq!(pointer_field("/owner/login"), "username");
    }

    #[test]
    fn answer_kinds() {
        let api = api();
        let resources = Resources::build(&api);
        let kinds: Vec<String> = api
            .operations
            .iter()
            .map(|op| resources.answer_kind(op))
            .collect();
        assert_eq!(
            kinds,
            [
                "customer",
                "invoice",
                "invoice",
                "user",
                "user",
                "article",
                "article",
                "draft",
                "leaderboard"
            ]
        );
        assert_eq!(resources.known_kind("articles").as_deref(), Some("article"));
        assert_eq!(resources.known_kind("run"), None);
    }
}
