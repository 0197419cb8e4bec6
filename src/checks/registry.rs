//! The list of checks, in catalogue order.

use super::bola_read::BolaRead;
use super::unauthenticated_access::UnauthenticatedAccess;
use super::{Check, catalogue};

/// Builds every check with its metadata.
pub fn registry() -> Result<Vec<Box<dyn Check>>, String> {
    let mut out: Vec<Box<dyn Check>> = Vec::new();
    for meta in catalogue()? {
        out.push(match meta.id.as_str() {
            "bola-read" => Box::new(BolaRead { meta }),
            "unauthenticated-access" => Box::new(UnauthenticatedAccess { meta }),
            other => {
                return Err(format!(
                    "check `{other}` has metadata but no implementation"
                ));
            }
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckMeta;

    #[test]
    fn every_catalogue_entry_has_a_check() {
        let checks = registry().expect("registry");
        let ids: Vec<&str> = checks.iter().map(|c| c.meta().id.as_str()).collect();
        let meta: Vec<CheckMeta> = catalogue().expect("catalogue");
        assert_eq!(ids, meta.iter().map(|m| m.id.as_str()).collect::<Vec<_>>());
    }
}
