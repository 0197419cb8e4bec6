//! The list of checks: every check is one line of `register_checks!` in `mod.rs` (its
//! `checks/<id>.yml`, its module and its type); the catalogue and the registry both come from
//! that one list.

use super::{Check, catalogue};

/// Declares the checks: `"id" => module::Type,` each. Expands to the modules, and to the
/// embedded `checks/<id>.yml` with a constructor for each.
macro_rules! register_checks {
    ($($id:literal => $module:ident :: $ty:ident),+ $(,)?) => {
        $(mod $module;)+

        /// Every check: its id, its embedded `checks/<id>.yml`, and how to build it.
        const REGISTERED: &[(&str, &str, fn(CheckMeta) -> Box<dyn Check>)] = &[
            $((
                $id,
                include_str!(concat!("../../checks/", $id, ".yml")),
                |meta| Box::new($module::$ty { meta }),
            )),+
        ];
    };
}
pub(super) use register_checks;

/// Builds every check with its metadata, in catalogue order.
pub fn registry() -> Result<Vec<Box<dyn Check>>, String> {
    catalogue()?
        .into_iter()
        .map(|meta| {
            let build = super::REGISTERED
                .iter()
                .find(|(id, _, _)| *id == meta.id)
                .map(|(_, _, build)| *build)
                .ok_or_else(|| format!("check `{}` has metadata but no implementation", meta.id))?;
            Ok(build(meta))
        })
        .collect()
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
