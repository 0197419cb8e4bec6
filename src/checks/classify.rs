//! What kind of operation is this? Shared by checks so they agree on who owns a root cause
//! (an admin listing that leaks B's data is a function-level flaw, not a second leak).

use crate::model::Operation;
use crate::vocab::{ADMIN_SCOPES, ADMIN_WORDS};

/// True when the path, a tag, the operationId, a security scope or the description says the
/// operation is administrative.
pub(crate) fn is_admin_operation(op: &Operation) -> bool {
    let word_hit = |text: &str| {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ADMIN_WORDS.contains(&w.to_ascii_lowercase().as_str()))
    };
    word_hit(&op.path)
        || op.tags.iter().any(|t| word_hit(t))
        || word_hit(&split_camel(&op.id))
        || op.security.iter().flatten().any(|(_, scopes)| {
            scopes.iter().any(|s| {
                ADMIN_SCOPES
                    .iter()
                    .any(|a| s.to_ascii_lowercase().contains(a))
            })
        })
        || op.description.iter().chain(op.summary.iter()).any(|d| {
            let d = d.to_ascii_lowercase();
            d.contains("admin only")
                || d.contains("admin-only")
                || d.contains("administrators only")
                || d.contains("requires admin")
        })
}

/// `adminListMembers` → `admin List Members`.
fn split_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Search-like operations: their query parameters take free text (`q`, `query`, `search`…).
pub(crate) fn search_params(op: &Operation) -> Vec<&str> {
    const NAMES: &[&str] = &[
        "q", "query", "search", "term", "name", "filter", "keyword", "username", "email",
    ];
    op.parameters
        .iter()
        .filter(|p| p.location == crate::model::ParamLocation::Query)
        .filter(|p| NAMES.contains(&p.name.to_ascii_lowercase().as_str()))
        .map(|p| p.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpMethod, Operation};

    fn op(path: &str, id: &str) -> Operation {
        Operation::bare(HttpMethod::Get, path, id)
    }

    #[test]
    fn admin_by_path_and_operation_id() {
        assert!(is_admin_operation(&op("/admin/members", "x")));
        assert!(is_admin_operation(&op("/members", "adminListMembers")));
        assert!(!is_admin_operation(&op("/members/{memberId}", "getMember")));
        // A word inside another word is not a hit.
        assert!(!is_admin_operation(&op(
            "/administrative-regions",
            "listRegions"
        )));
    }
}
