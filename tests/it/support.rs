//! Helpers shared by the integration tests.

use std::path::PathBuf;

use apileak::config::{Gate, ScanConfig, SpecSource};
use apileak::exec::ExecSettings;
use apileak::identity::{Apply, Credential, Identity, LoginFlow, Role, TokenSource};
use apileak_demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML};

/// The vendored test data (`tests/data`): report schemas and compressed real-world specs.
/// Panics loudly when a file is missing: a test that needs it must never pass without it.
pub(crate) fn test_data(rel: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    assert!(
        path.is_file(),
        "test data {} not found (it is part of the repository: is the checkout complete?)",
        path.display()
    );
    path
}

/// A report schema from `tests/data/schemas`, parsed.
pub(crate) fn schema(name: &str) -> serde_json::Value {
    let path = test_data(&format!("schemas/{name}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The text of a real-world spec, from its gzip copy `tests/data/specs/<name>.gz` (kept
/// compressed so the repository stays small: ~1.5 MB instead of ~19 MB).
pub(crate) fn real_spec_text(name: &str) -> String {
    use std::io::Read as _;
    let path = test_data(&format!("specs/{name}.gz"));
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("failed to open {}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("failed to decompress {}: {e}", path.display()));
    text
}

/// A real-world spec loaded from its compressed copy; `name` (the uncompressed file name)
/// becomes its source. The loader tells JSON from YAML by the text, not the name.
pub(crate) fn load_real_spec(name: &str) -> apileak::spec::LoadedSpec {
    apileak::spec::load_str(&real_spec_text(name), std::path::Path::new(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
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
        harvest_requests: apileak::config::DEFAULT_HARVEST_REQUESTS,
        public_fields: Vec::new(),
        objects: Default::default(),
        sarif_anchor: None,
    }
}

/// `demo_config` for whatever shape `server` serves: its spec and its credentials for
/// alice (user A) and bob (user B); no `objects:` hints.
pub(crate) fn shape_config(server: &DemoServer) -> ScanConfig {
    let shape = server.shape();
    ScanConfig {
        spec: SpecSource::Embedded {
            text: shape.spec_yaml(),
            path: PathBuf::from(shape.spec_path()),
        },
        user_a: Credential::parse(Role::UserA, &server.credential(DemoUser::Alice))
            .expect("cred")
            .into(),
        user_b: Credential::parse(Role::UserB, &server.credential(DemoUser::Bob))
            .expect("cred")
            .into(),
        ..demo_config(server)
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

/// One response, fully read (the demo API tests).
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Resp {
    /// Reads a whole response.
    pub(crate) async fn read(res: reqwest::Response) -> Resp {
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        let body = res.text().await.expect("body");
        Resp {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        let ct = self.header("content-type");
        assert!(
            ct.starts_with("application/json"),
            "content-type {ct:?} for {self:?}"
        );
        serde_json::from_str(&self.body).expect("JSON body")
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().expect("ASCII header"))
    }
}
