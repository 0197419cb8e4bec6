//! Our own API model: what the rest of apileak sees of an OpenAPI description.
//! Built by `spec/`; consumed by `plan/`, `harvest/` and `checks/`.

mod api;

pub use api::{
    Api, BodyHints, HttpMethod, Operation, ParamLocation, Parameter, Schema, SchemaKind,
    SecurityRequirementItem, SecurityScheme, SecuritySchemeKind, SourceLocation,
};
