//! The list of checks, in catalogue order.

use super::account_enumeration::AccountEnumeration;
use super::bola_read::BolaRead;
use super::bola_write::BolaWrite;
use super::broken_function_level_authorization::BrokenFunctionLevelAuthorization;
use super::broken_token_validation::BrokenTokenValidation;
use super::cors_misconfiguration::CorsMisconfiguration;
use super::excessive_data_exposure::ExcessiveDataExposure;
use super::mass_assignment::MassAssignment;
use super::missing_cache_control::MissingCacheControl;
use super::no_rate_limit::NoRateLimit;
use super::predictable_ids::PredictableIds;
use super::private_data_leakage::PrivateDataLeakage;
use super::server_banner::ServerBanner;
use super::unauthenticated_access::UnauthenticatedAccess;
use super::undocumented_endpoints::UndocumentedEndpoints;
use super::verbose_errors::VerboseErrors;
use super::{Check, catalogue};

/// Builds every check with its metadata.
pub fn registry() -> Result<Vec<Box<dyn Check>>, String> {
    let mut out: Vec<Box<dyn Check>> = Vec::new();
    for meta in catalogue()? {
        out.push(match meta.id.as_str() {
            "account-enumeration" => Box::new(AccountEnumeration { meta }),
            "bola-read" => Box::new(BolaRead { meta }),
            "bola-write" => Box::new(BolaWrite { meta }),
            "broken-function-level-authorization" => {
                Box::new(BrokenFunctionLevelAuthorization { meta })
            }
            "broken-token-validation" => Box::new(BrokenTokenValidation { meta }),
            "no-rate-limit" => Box::new(NoRateLimit { meta }),
            "cors-misconfiguration" => Box::new(CorsMisconfiguration { meta }),
            "mass-assignment" => Box::new(MassAssignment { meta }),
            "missing-cache-control" => Box::new(MissingCacheControl { meta }),
            "excessive-data-exposure" => Box::new(ExcessiveDataExposure { meta }),
            "predictable-ids" => Box::new(PredictableIds { meta }),
            "private-data-leakage" => Box::new(PrivateDataLeakage { meta }),
            "server-banner" => Box::new(ServerBanner { meta }),
            "unauthenticated-access" => Box::new(UnauthenticatedAccess { meta }),
            "undocumented-endpoints" => Box::new(UndocumentedEndpoints { meta }),
            "verbose-errors" => Box::new(VerboseErrors { meta }),
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
