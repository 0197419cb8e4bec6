//! Helpers shared by the integration tests.

use std::path::PathBuf;

use apileak::config::{Gate, Outputs, ScanConfig, SpecSource};
use apileak::demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML};
use apileak::exec::ExecSettings;
use apileak::identity::{Credential, Role};

/// `../shared` (or `$APILEAK_SHARED_DIR`). Panics loudly when missing: a test that needs the
/// shared schemas must never pass without them.
pub(crate) fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("APILEAK_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("schemas").is_dir(),
        "shared test data not found at {} (set APILEAK_SHARED_DIR to the folder holding schemas/ and specs/)",
        dir.display()
    );
    dir
}

pub(crate) fn bearer(server: &DemoServer, user: DemoUser) -> String {
    format!("Authorization: Bearer {}", server.token(user))
}

/// A scan of the demo server as alice (A) and bob (B), in-process.
pub(crate) fn demo_config(server: &DemoServer) -> ScanConfig {
    ScanConfig {
        spec: SpecSource::Embedded {
            text: SPEC_YAML,
            path: PathBuf::from(SPEC_PATH),
        },
        base_url: Some(server.base_url().parse().expect("base url")),
        user_a: Credential::parse(Role::UserA, &bearer(server, DemoUser::Alice)).expect("cred"),
        user_b: Credential::parse(Role::UserB, &bearer(server, DemoUser::Bob)).expect("cred"),
        gate: Gate::default(),
        outputs: Outputs::default(),
        exec: ExecSettings {
            concurrency: 4,
            timeout: std::time::Duration::from_secs(10),
            rate: 1000,
            allow_writes: true,
        },
        checks: Vec::new(),
        shard: None,
        skip: Vec::new(),
        public_fields: Vec::new(),
    }
}

/// The demo spec as a file path for the binary.
pub(crate) fn demo_spec_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SPEC_PATH)
}
