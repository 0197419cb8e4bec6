//! Local `$ref` resolution: JSON pointers (`#/components/schemas/Pet`, with `~0`/`~1` and
//! percent escapes) into the same document. External refs are reported, never fetched.

use std::fmt;

use serde_json::Value;

/// How many `$ref` → `$ref` hops we follow before calling it a cycle.
const MAX_HOPS: usize = 32;

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefError {
    /// Points into another document (`other.yaml#/X`, `https://…`).
    External(String),
    /// A local pointer with nothing at its end.
    Missing(String),
    /// `$ref`s that lead back to themselves (or an absurdly long chain).
    Cycle(String),
    /// `$ref` whose value is not a string.
    NotAString,
}

impl RefError {
    /// The ref text, to de-duplicate warnings about it.
    pub(crate) fn key(&self) -> &str {
        match self {
            RefError::External(r) | RefError::Missing(r) | RefError::Cycle(r) => r,
            RefError::NotAString => "",
        }
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::External(r) => write!(f, "external $ref `{r}` not followed"),
            RefError::Missing(r) => write!(f, "$ref `{r}` points to nothing"),
            RefError::Cycle(r) => write!(f, "$ref `{r}` is cyclic"),
            RefError::NotAString => f.write_str("`$ref` is not a string"),
        }
    }
}

/// The `$ref` of `value`, if it is an object with one.
pub(crate) fn ref_of(value: &Value) -> Option<&Value> {
    value.as_object()?.get("$ref")
}

/// Follows one `$ref` string into `root`.
pub(crate) fn lookup<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External(reference.to_owned()));
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        // `#name`: a 3.1 `$anchor`; we do not index those.
        return Err(RefError::Missing(reference.to_owned()));
    }
    // `Value::pointer` handles `~0`/`~1`; URI fragments may also percent-encode (`%7B` for `{`).
    let pointer = percent_decode(fragment);
    root.pointer(&pointer)
        .ok_or_else(|| RefError::Missing(reference.to_owned()))
}

/// Follows `$ref`s from `value` until a non-ref value; returns `value` itself if it has none.
pub(crate) fn resolve<'a>(root: &'a Value, value: &'a Value) -> Result<&'a Value, RefError> {
    let mut current = value;
    let mut seen: Vec<&str> = Vec::new();
    while let Some(reference) = ref_of(current) {
        let reference = reference.as_str().ok_or(RefError::NotAString)?;
        if seen.contains(&reference) || seen.len() >= MAX_HOPS {
            return Err(RefError::Cycle(reference.to_owned()));
        }
        seen.push(reference);
        current = lookup(root, reference)?;
    }
    Ok(current)
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                // Two hex digits always fit a byte.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/A"},
                "B": {"$ref": "#/components/schemas/C"},
                "C": {"type": "string"},
                "a/b~c": {"type": "integer"},
                "Ext": {"$ref": "other.yaml#/Pet"}
            }},
            "paths": {"/users/{id}": {"get": {}}}
        })
    }

    #[test]
    fn pointers_with_escapes() {
        let d = doc();
        assert_eq!(
            lookup(&d, "#/components/schemas/a~1b~0c"),
            Ok(&json!({"type": "integer"}))
        );
        assert_eq!(lookup(&d, "#/paths/~1users~1%7Bid%7D/get"), Ok(&json!({})));
        assert_eq!(lookup(&d, "#"), Ok(&d));
    }

    #[test]
    fn chains_cycles_missing_and_external() {
        let d = doc();
        let b = &d["components"]["schemas"]["B"];
        assert_eq!(resolve(&d, b), Ok(&json!({"type": "string"})));
        let a = &d["components"]["schemas"]["A"];
        assert_eq!(
            resolve(&d, a),
            Err(RefError::Cycle("#/components/schemas/A".into()))
        );
        let ext = &d["components"]["schemas"]["Ext"];
        let err = resolve(&d, ext).expect_err("external");
        assert_eq!(
            err.to_string(),
            "external $ref `other.yaml#/Pet` not followed"
        );
        assert_eq!(
            lookup(&d, "#/components/schemas/Nope")
                .expect_err("missing")
                .to_string(),
            "$ref `#/components/schemas/Nope` points to nothing"
        );
        assert!(matches!(
            lookup(&d, "https://x/y.json"),
            Err(RefError::External(_))
        ));
        assert!(matches!(
            resolve(&d, &json!({"$ref": 1})),
            Err(RefError::NotAString)
        ));
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("/a%7Bb%7d%"), "/a{b}%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
