//! The scan's configuration: CLI flags over `apileak.yaml` over defaults, `${VAR}` expanded,
//! validated once. CLI types stop here; every later stage sees `ScanConfig`.

mod error;
pub mod file;
mod scan;

pub use error::ConfigError;
pub use file::json_schema;
pub use scan::{
    DEFAULT_HARVEST_REQUESTS, ExplicitObjects, Gate, ScanConfig, SpecSource, parse_base_url,
    repo_relative,
};
