//! Helpers shared by the integration tests.

use std::path::PathBuf;

use apileak::config::{Gate, ScanConfig, SpecSource};
use apileak::exec::ExecSettings;
use apileak::identity::{Apply, Credential, Identity, LoginFlow, Role, TokenSource};
use apileak_demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML};

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
        user_a: Credential::parse(Role::UserA, &bearer(server, DemoUser::Alice))
            .expect("cred")
            .into(),
        user_b: Credential::parse(Role::UserB, &bearer(server, DemoUser::Bob))
            .expect("cred")
            .into(),
        admin: None,
        gate: Gate::default(),
        exec: ExecSettings {
            concurrency: 4,
            timeout: std::time::Duration::from_secs(10),
            rate: apileak::exec::RateLimit::Fixed(1000),
            max_requests: None,
            max_duration: None,
            allow_writes: true,
            tls: Default::default(),
        },
        checks: Vec::new(),
        shard: None,
        exclude: Vec::new(),
        include: Vec::new(),
        me: None,
        public_fields: Vec::new(),
        objects: Default::default(),
        sarif_anchor: None,
    }
}

/// The demo spec as a file path for the binary.
pub(crate) fn demo_spec_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SPEC_PATH)
}

/// A login identity for `user` against the demo's `POST /auth/login` (JSON, bearer).
pub(crate) fn login_identity(user: DemoUser) -> Identity {
    Identity::Login(LoginFlow {
        method: apileak::model::HttpMethod::Post,
        path: "/auth/login".into(),
        url: None,
        url_explicit: false,
        body: vec![
            ("username".into(), user.username().into()),
            ("password".into(), user.password().into()),
        ],
        form: false,
        token: TokenSource::JsonPointer(vec!["/access_token".into(), "/token".into()]),
        apply: Apply::Header {
            name: reqwest::header::AUTHORIZATION,
            prefix: "Bearer ".into(),
        },
    })
}

/// The real binary, without credentials inherited from the environment.
pub(crate) fn apileak_cmd() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("apileak").expect("binary");
    cmd.env_remove("APILEAK_USER_A")
        .env_remove("APILEAK_USER_B")
        .env_remove("APILEAK_ADMIN")
        .env_remove("APILEAK_LOG");
    cmd
}

/// Runs the binary on a blocking thread so the in-process demo server keeps serving.
pub(crate) async fn run_cmd(mut cmd: assert_cmd::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run apileak"))
        .await
        .expect("join")
}

/// The (check, operation) pairs of a report's findings.
pub(crate) fn finding_set(
    report: &apileak::report::Report,
) -> std::collections::BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.check.clone(), f.operation()))
        .collect()
}
