//! Our own API model: what the rest of apileak sees of an OpenAPI description.
//! Built by `spec/`; consumed by `plan/`, `harvest/` and `checks/`.

mod api;
mod collections;
mod fence;
mod resources;

pub use api::{
    Api, BodyHints, HttpMethod, Link, Operation, ParamLocation, Parameter, Schema, SchemaKind,
    SecurityRequirementItem, SecurityScheme, SecuritySchemeKind, SourceLocation,
};
pub(crate) use collections::{MAX_OBJECTS, collections, created_slot};
pub use fence::{Fence, FenceError, NotSent, NotSentReason, classify, needs_allow_writes};
pub use resources::{IdSlot, PRINCIPAL, ResourceKey, Resources, kind_of_word, name_key, path_key};
