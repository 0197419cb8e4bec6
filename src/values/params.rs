//! Filling an operation's parameters from the spec: the pieces harvest, planning and checks
//! share, so none of them has to reach into another stage for them.

use serde_json::Value;

use crate::model::{Operation, ParamLocation};

/// A JSON scalar as the text we put in a URL.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A required non-path parameter we cannot fill (no example), as "query `q`".
pub(crate) fn unfillable_query(op: &Operation) -> Option<String> {
    op.parameters
        .iter()
        .find(|p| p.required && p.location != ParamLocation::Path && p.example.is_none())
        .map(|p| format!("{} `{}`", location_name(p.location), p.name))
}

/// Required query parameters filled from the spec's examples.
pub(crate) fn query_examples(op: &Operation) -> Vec<(String, String)> {
    op.parameters
        .iter()
        .filter(|p| p.required && p.location == ParamLocation::Query)
        .filter_map(|p| Some((p.name.clone(), scalar_text(p.example.as_ref()?)?)))
        .collect()
}

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// The spec's example for a path parameter, as text.
pub(crate) fn example_for(op: &Operation, name: &str) -> Option<String> {
    op.parameters
        .iter()
        .find(|p| p.location == ParamLocation::Path && p.name == name)
        .and_then(|p| p.example.as_ref())
        .and_then(scalar_text)
}
