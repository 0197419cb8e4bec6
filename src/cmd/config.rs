//! `apileak config schema`: the config file's JSON Schema.

use super::Done;

pub fn config_schema() -> Done {
    Done {
        stdout: format!("{}\n", crate::config::json_schema()),
        code: 0,
    }
}
