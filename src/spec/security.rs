//! Security schemes (`components.securitySchemes`, Swagger's `securityDefinitions`) and
//! security requirements (`security:` lists) → model types.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{ParamLocation, SecurityRequirementItem, SecurityScheme, SecuritySchemeKind};

use super::normalize::Dialect;
use super::refs;
use super::schema::describe;
use super::warnings::Warnings;

/// Reads the declared security schemes; unreadable ones are skipped with a warning.
pub(crate) fn read_schemes(
    root: &Value,
    dialect: Dialect,
    warnings: &mut Warnings,
) -> BTreeMap<String, SecurityScheme> {
    let declared = match dialect {
        Dialect::Swagger2 => root.get("securityDefinitions"),
        Dialect::OpenApi3 => root
            .get("components")
            .and_then(|c| c.get("securitySchemes")),
    };
    let mut schemes = BTreeMap::new();
    let Some(declared) = declared else {
        return schemes;
    };
    let Some(declared) = declared.as_object() else {
        warnings.push(format!(
            "security schemes are {}, not a mapping; ignored",
            describe(declared)
        ));
        return schemes;
    };
    for (name, scheme) in declared {
        match read_scheme(root, scheme) {
            Ok(scheme) => {
                schemes.insert(name.clone(), scheme);
            }
            Err(why) => warnings.push(format!("skipped security scheme `{name}`: {why}")),
        }
    }
    schemes
}

fn read_scheme(root: &Value, scheme: &Value) -> Result<SecurityScheme, String> {
    let scheme = refs::resolve(root, scheme).map_err(|e| e.to_string())?;
    let Some(object) = scheme.as_object() else {
        return Err(format!("it is {}, not a mapping", describe(scheme)));
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    let kind = match text("type") {
        None => return Err("no `type`".into()),
        Some("http") => {
            let scheme = text("scheme").ok_or("`type: http` without `scheme`")?;
            SecuritySchemeKind::Http {
                scheme: scheme.to_ascii_lowercase(),
            }
        }
        // Swagger 2.0.
        Some("basic") => SecuritySchemeKind::Http {
            scheme: "basic".into(),
        },
        Some("apiKey") => {
            let name = text("name").ok_or("`type: apiKey` without `name`")?;
            let location = match text("in") {
                Some("header") => ParamLocation::Header,
                Some("query") => ParamLocation::Query,
                Some("cookie") => ParamLocation::Cookie,
                Some(other) => return Err(format!("apiKey in unknown location `{other}`")),
                None => return Err("`type: apiKey` without `in`".into()),
            };
            SecuritySchemeKind::ApiKey {
                name: name.to_owned(),
                location,
            }
        }
        Some("oauth2") => SecuritySchemeKind::OAuth2,
        Some("openIdConnect") => SecuritySchemeKind::OpenIdConnect,
        Some(other) => SecuritySchemeKind::Other(other.to_owned()),
    };
    // OpenAPI 3: `flows.clientCredentials.tokenUrl`; Swagger 2.0: `flow: application`.
    let client_credentials_token_url = match kind {
        SecuritySchemeKind::OAuth2 => object
            .get("flows")
            .and_then(|f| f.get("clientCredentials"))
            .and_then(|f| f.get("tokenUrl"))
            .or_else(|| {
                (text("flow") == Some("application"))
                    .then(|| object.get("tokenUrl"))
                    .flatten()
            })
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    };
    Ok(SecurityScheme {
        kind,
        description: text("description").map(str::to_owned),
        client_credentials_token_url,
    })
}

/// Reads a `security` list. `None` (with a warning) when it is not a list at all; malformed
/// entries inside are skipped with a warning. `owner` names where it is, e.g. `GET /pets`.
pub(crate) fn read_requirements(
    value: &Value,
    owner: &str,
    warnings: &mut Warnings,
) -> Option<Vec<Vec<SecurityRequirementItem>>> {
    let Some(list) = value.as_array() else {
        warnings.push(format!(
            "{owner}: `security` is {}, not a list; ignored",
            describe(value)
        ));
        return None;
    };
    let mut alternatives = Vec::with_capacity(list.len());
    for (i, requirement) in list.iter().enumerate() {
        let Some(requirement) = requirement.as_object() else {
            warnings.push(format!(
                "{owner}: skipped security requirement #{}: it is {}, not a mapping",
                i + 1,
                describe(requirement)
            ));
            continue;
        };
        let mut items = Vec::with_capacity(requirement.len());
        for (name, scopes) in requirement {
            let scopes = match scopes.as_array() {
                Some(scopes) => scopes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                None => {
                    warnings.push(format!(
                        "{owner}: scopes of `{name}` are {}, not a list; ignored",
                        describe(scopes)
                    ));
                    Vec::new()
                }
            };
            items.push((name.clone(), scopes));
        }
        alternatives.push(items);
    }
    Some(alternatives)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn openapi3_schemes() {
        let doc = json!({"components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "Bearer", "description": "JWT"},
            "basic": {"type": "http", "scheme": "basic"},
            "key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
            "q": {"type": "apiKey", "name": "api_key", "in": "query"},
            "c": {"type": "apiKey", "name": "sid", "in": "cookie"},
            "o": {"type": "oauth2", "flows": {}},
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x"},
            "mtls": {"type": "mutualTLS"},
            "ref": {"$ref": "#/components/securitySchemes/key"},
            "bad": {"type": "apiKey", "name": "x", "in": "body"},
            "worse": "nope"
        }}});
        let mut warnings = Warnings::default();
        let schemes = read_schemes(&doc, Dialect::OpenApi3, &mut warnings);
        assert_eq!(
            schemes["bearer"].kind,
            SecuritySchemeKind::Http {
                scheme: "bearer".into()
            }
        );
        assert_eq!(schemes["bearer"].description.as_deref(), Some("JWT"));
        assert_eq!(
            schemes["basic"].kind,
            SecuritySchemeKind::Http {
                scheme: "basic".into()
            }
        );
        assert_eq!(
            schemes["key"].kind,
            SecuritySchemeKind::ApiKey {
                name: "X-API-Key".into(),
                location: ParamLocation::Header
            }
        );
        assert_eq!(
            schemes["q"].kind,
            SecuritySchemeKind::ApiKey {
                name: "api_key".into(),
                location: ParamLocation::Query
            }
        );
        assert_eq!(
            schemes["c"].kind,
            SecuritySchemeKind::ApiKey {
                name: "sid".into(),
                location: ParamLocation::Cookie
            }
        );
        assert_eq!(schemes["o"].kind, SecuritySchemeKind::OAuth2);
        assert_eq!(schemes["oidc"].kind, SecuritySchemeKind::OpenIdConnect);
        assert_eq!(
            schemes["mtls"].kind,
            SecuritySchemeKind::Other("mutualTLS".into())
        );
        assert_eq!(schemes["ref"], schemes["key"]);
        assert_eq!(
            warnings.into_vec(),
            [
                "skipped security scheme `bad`: apiKey in unknown location `body`",
                "skipped security scheme `worse`: it is a string, not a mapping"
            ]
        );
    }

    #[test]
    fn swagger2_definitions() {
        let doc = json!({"securityDefinitions": {
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "name": "api_key", "in": "header"},
            "oauth": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://x", "scopes": {}}
        }});
        let mut warnings = Warnings::default();
        let schemes = read_schemes(&doc, Dialect::Swagger2, &mut warnings);
        assert_eq!(
            schemes["basic"].kind,
            SecuritySchemeKind::Http {
                scheme: "basic".into()
            }
        );
        assert_eq!(schemes["oauth"].kind, SecuritySchemeKind::OAuth2);
        assert!(warnings.into_vec().is_empty());
    }

    #[test]
    fn requirements_keep_empty_alternatives() {
        let mut warnings = Warnings::default();
        let value = json!([{"a": [], "b": ["read", "write"]}, {}, 3, {"c": "x"}]);
        let reqs = read_requirements(&value, "GET /x", &mut warnings).expect("a list");
        assert_eq!(
            reqs,
            vec![
                vec![
                    ("a".to_owned(), vec![]),
                    ("b".to_owned(), vec!["read".to_owned(), "write".to_owned()])
                ],
                vec![],
                vec![("c".to_owned(), vec![])],
            ]
        );
        assert_eq!(
            warnings.into_vec(),
            [
                "GET /x: skipped security requirement #3: it is a number, not a mapping",
                "GET /x: scopes of `c` are a string, not a list; ignored"
            ]
        );
        let mut warnings = Warnings::default();
        assert_eq!(
            read_requirements(&json!({}), "document", &mut warnings),
            None
        );
    }
}
