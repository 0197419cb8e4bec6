//! Identity kinds against the demo API over real HTTP: header lines, HTTP basic, login flows
//! (JSON and form bodies), token refresh when tokens expire mid-scan, and what the preflight
//! reports about each credential.

use apileak::config::ScanConfig;
use apileak::identity::{ApiKey, Credential, Identity, LoginFlow, OAuth2Client, Role, TokenSource};
use apileak::{AppError, scan};
use apileak_demo::{DemoOptions, DemoServer, DemoUser, Variant};

use crate::support::{demo_config, finding_set, login_identity};

fn with_identities(server: &DemoServer, a: Identity, b: Identity) -> ScanConfig {
    ScanConfig {
        user_a: a,
        user_b: b,
        ..demo_config(server)
    }
}

fn basic(role: Role, user: DemoUser) -> Identity {
    Identity::Basic(
        Credential::basic(role, user.username(), &user.password().into()).expect("basic"),
    )
}

#[tokio::test]
async fn basic_identities_authenticate_and_are_named_in_the_preflight() {
    for variant in [Variant::Vulnerable, Variant::Patched] {
        let server = DemoServer::start(variant).await.expect("demo");
        let config = ScanConfig {
            checks: vec!["bola-read".into()],
            ..with_identities(
                &server,
                basic(Role::UserA, DemoUser::Alice),
                basic(Role::UserB, DemoUser::Bob),
            )
        };
        let report = scan::run(&config).await.expect("scan");
        let kinds: Vec<(&str, &str, Option<&str>)> = report
            .preflight
            .iter()
            .map(|p| {
                (
                    p.identity.name(),
                    p.credential.as_str(),
                    p.principal.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("anonymous", "none", None),
                ("user-a", "basic", Some("1")),
                ("user-b", "basic", Some("2")),
            ],
            "{variant:?}"
        );
        let bola = report.findings.iter().find(|f| f.check == "bola-read");
        assert_eq!(
            bola.is_some(),
            variant == Variant::Vulnerable,
            "{variant:?}"
        );
        if let Some(f) = bola {
            assert!(
                f.evidence
                    .curl
                    .starts_with("curl -sS -i -u \"$APILEAK_USERNAME_A:$APILEAK_PASSWORD_A\" '"),
                "{}",
                f.evidence.curl
            );
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn login_identities_scan_like_header_tokens() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let by_header = scan::run(&demo_config(&server)).await.expect("header scan");
    let config = with_identities(
        &server,
        login_identity(DemoUser::Alice),
        login_identity(DemoUser::Bob),
    );
    let by_login = scan::run(&config).await.expect("login scan");
    assert_eq!(finding_set(&by_login), finding_set(&by_header));
    assert_eq!(server.login_count(), 2, "one login per identity");
    let bola = by_login
        .findings
        .iter()
        .find(|f| f.check == "bola-read")
        .expect("bola-read");
    assert!(
        bola.evidence
            .curl
            .starts_with("curl -sS -i -H \"Authorization: Bearer $APILEAK_TOKEN_A\" '")
            && bola
                .evidence
                .curl
                .ends_with("'  # $APILEAK_TOKEN_A: the token from POST /auth/login"),
        "{}",
        bola.evidence.curl
    );
    let kinds: Vec<&str> = by_login
        .preflight
        .iter()
        .map(|p| p.credential.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "none",
            "login POST /auth/login → bearer",
            "login POST /auth/login → bearer"
        ]
    );
    let header_kinds: Vec<&str> = by_header
        .preflight
        .iter()
        .map(|p| p.credential.as_str())
        .collect();
    assert_eq!(
        header_kinds,
        ["none", "header authorization", "header authorization"]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn expiring_tokens_are_refreshed_and_the_findings_stay_the_same() {
    let plain = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let expected = finding_set(&scan::run(&demo_config(&plain)).await.expect("scan"));
    plain.shutdown().await;

    let options = DemoOptions {
        token_max_uses: Some(25),
        ..DemoOptions::default()
    };
    let server = DemoServer::start_with(Variant::Vulnerable, options)
        .await
        .expect("demo");
    let config = with_identities(
        &server,
        login_identity(DemoUser::Alice),
        login_identity(DemoUser::Bob),
    );
    let report = scan::run(&config).await.expect("scan with expiring tokens");
    assert_eq!(finding_set(&report), expected);
    assert!(
        server.login_count() > 2,
        "tokens expired mid-scan, so the scan logged in again (logins: {})",
        server.login_count()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_failed_login_exits_3_and_says_what_it_saw_without_the_password() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let Identity::Login(flow) = login_identity(DemoUser::Alice) else {
        unreachable!("a login identity");
    };
    let wrong = Identity::Login(LoginFlow {
        body: vec![
            ("username".into(), "alice".into()),
            ("password".into(), "wrong-password-123".into()),
        ],
        ..flow.clone()
    });
    let err = scan::run(&with_identities(
        &server,
        wrong,
        login_identity(DemoUser::Bob),
    ))
    .await
    .expect_err("login fails");
    assert_eq!(err.exit_code(), 3);
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("user-a login failed: POST /auth/login answered 401"),
        "{shown}"
    );
    assert!(!shown.contains("wrong-password-123"), "{shown}");

    let no_token = Identity::Login(LoginFlow {
        token: TokenSource::JsonPointer(vec!["/id_token".into()]),
        ..flow
    });
    let err = scan::run(&with_identities(
        &server,
        no_token,
        login_identity(DemoUser::Bob),
    ))
    .await
    .expect_err("no token");
    assert!(matches!(err, AppError::Login(_)));
    assert_eq!(
        err.to_string(),
        "user-a login failed: POST /auth/login answered 200 without a token at JSON pointer `/id_token`"
    );
    for token in server.issued_tokens() {
        assert!(!format!("{err:?}").contains(&token));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn form_encoded_logins_work_like_oauth2_password_grants() {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let form = |user: DemoUser| {
        let Identity::Login(flow) = login_identity(user) else {
            unreachable!("a login identity");
        };
        Identity::Login(LoginFlow {
            body: [("grant_type".to_owned(), "password".into())]
                .into_iter()
                .chain(flow.body.clone())
                .collect(),
            form: true,
            ..flow
        })
    };
    let config = ScanConfig {
        checks: vec!["bola-read".into()],
        ..with_identities(&server, form(DemoUser::Alice), form(DemoUser::Bob))
    };
    let report = scan::run(&config).await.expect("scan");
    let principals: Vec<Option<&str>> = report
        .preflight
        .iter()
        .map(|p| p.principal.as_deref())
        .collect();
    assert_eq!(principals, [None, Some("1"), Some("2")]);
    assert_eq!(server.login_count(), 2);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    server.shutdown().await;
}

fn api_key(server: &DemoServer, user: DemoUser, scheme: Option<&str>) -> Identity {
    Identity::ApiKey(ApiKey::new(
        server.api_key(user).into(),
        scheme.map(str::to_owned),
    ))
}

/// Every rendered report of `report`, concatenated: what must never hold a key.
fn all_reports(report: &apileak::report::Report) -> String {
    let catalogue = apileak::checks::catalogue().expect("catalogue");
    apileak::report::Format::ALL
        .iter()
        .map(|f| f.render(report, &catalogue).expect("render"))
        .collect()
}

#[tokio::test]
async fn api_keys_in_a_header_follow_the_specs_only_api_key_scheme() {
    for variant in [Variant::Vulnerable, Variant::Patched] {
        let server = DemoServer::start(variant).await.expect("demo");
        let config = ScanConfig {
            checks: vec!["bola-read".into(), "unauthenticated-access".into()],
            ..with_identities(
                &server,
                api_key(&server, DemoUser::Alice, None),
                api_key(&server, DemoUser::Bob, Some("apiKeyAuth")),
            )
        };
        let report = scan::run(&config).await.expect("scan");
        let kinds: Vec<(&str, Option<&str>)> = report
            .preflight
            .iter()
            .map(|p| (p.credential.as_str(), p.principal.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("none", None),
                ("api key apiKeyAuth (header X-API-Key)", Some("1")),
                ("api key apiKeyAuth (header X-API-Key)", Some("2")),
            ],
            "{variant:?}"
        );
        let bola = report.findings.iter().find(|f| f.check == "bola-read");
        assert_eq!(
            bola.is_some(),
            variant == Variant::Vulnerable,
            "{variant:?}"
        );
        if let Some(f) = bola {
            assert!(
                f.evidence
                    .curl
                    .starts_with("curl -sS -i -H \"X-API-Key: $APILEAK_API_KEY_A\" '"),
                "{}",
                f.evidence.curl
            );
        }
        let text = all_reports(&report);
        for user in [DemoUser::Alice, DemoUser::Bob] {
            assert!(!text.contains(server.api_key(user)), "{variant:?}");
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn api_keys_in_the_query_are_added_at_send_time_and_never_reported() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    // The demo spec, with the key declared as a query parameter instead of a header.
    let spec = apileak_demo::SPEC_YAML.replace(
        "in: header\n      name: X-API-Key",
        "in: query\n      name: api_key",
    );
    assert_ne!(
        spec,
        apileak_demo::SPEC_YAML,
        "the fixture declares apiKeyAuth"
    );
    let path = dir.path().join("openapi.yaml");
    std::fs::write(&path, spec).expect("write spec");
    let config = ScanConfig {
        spec: apileak::config::SpecSource::File(path),
        checks: vec!["bola-read".into(), "private-data-leakage".into()],
        ..with_identities(
            &server,
            api_key(&server, DemoUser::Alice, None),
            api_key(&server, DemoUser::Bob, None),
        )
    };
    let report = scan::run(&config).await.expect("scan");
    let principals: Vec<Option<&str>> = report
        .preflight
        .iter()
        .map(|p| p.principal.as_deref())
        .collect();
    assert_eq!(principals, [None, Some("1"), Some("2")]);
    assert_eq!(
        report.preflight[1].credential,
        "api key apiKeyAuth (query api_key)"
    );
    let bola: Vec<&apileak::findings::Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == "bola-read")
        .collect();
    assert!(!bola.is_empty(), "{:#?}", report.findings);
    for f in &bola {
        // The evidence URL is the one planned, without the key; the reproduction names the
        // variable to fill in.
        assert!(!f.evidence.url.contains("api_key"), "{}", f.evidence.url);
        assert!(
            f.evidence.curl.ends_with("?api_key=$APILEAK_API_KEY_A\""),
            "{}",
            f.evidence.curl
        );
    }
    let text = all_reports(&report);
    for user in [DemoUser::Alice, DemoUser::Bob] {
        assert!(!text.contains(server.api_key(user)));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_api_key_the_spec_cannot_place_is_a_config_error() {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let config = with_identities(
        &server,
        api_key(&server, DemoUser::Alice, Some("queryKey")),
        api_key(&server, DemoUser::Bob, None),
    );
    let err = scan::run(&config).await.expect_err("unknown scheme");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        "user-a api_key: the spec has no apiKey scheme `queryKey` (apiKey schemes: `apiKeyAuth`)"
    );
    assert!(!format!("{err:?}").contains(server.api_key(DemoUser::Alice)));
    assert_eq!(
        server.request_count(),
        0,
        "nothing sent before the config is valid"
    );
    server.shutdown().await;
}

fn oauth2(server: &DemoServer, user: DemoUser, token_url: Option<String>) -> Identity {
    let (id, secret) = server.oauth_client(user);
    Identity::OAuth2(OAuth2Client::new(
        token_url,
        id.to_owned(),
        secret.into(),
        None,
    ))
}

#[tokio::test]
async fn oauth2_client_credentials_from_the_specs_token_url_scan_and_refresh() {
    let plain = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let expected = finding_set(&scan::run(&demo_config(&plain)).await.expect("scan"));
    plain.shutdown().await;

    // Tokens die after 25 uses, so the clients must fetch new ones mid-scan.
    let options = DemoOptions {
        token_max_uses: Some(25),
        ..DemoOptions::default()
    };
    let server = DemoServer::start_with(Variant::Vulnerable, options)
        .await
        .expect("demo");
    let config = with_identities(
        &server,
        oauth2(&server, DemoUser::Alice, None),
        oauth2(&server, DemoUser::Bob, None),
    );
    let report = scan::run(&config).await.expect("scan");
    assert_eq!(finding_set(&report), expected);
    assert!(
        server.login_count() > 2,
        "refreshed: {}",
        server.login_count()
    );
    let want = format!(
        "oauth2 client credentials POST {}/oauth/token → bearer",
        server.base_url()
    );
    let kinds: Vec<(&str, Option<&str>)> = report
        .preflight
        .iter()
        .map(|p| (p.credential.as_str(), p.principal.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("none", None),
            (want.as_str(), Some("1")),
            (want.as_str(), Some("2"))
        ]
    );
    let bola = report
        .findings
        .iter()
        .find(|f| f.check == "bola-read")
        .expect("bola-read");
    assert!(
        bola.evidence.curl.ends_with(&format!(
            "  # $APILEAK_TOKEN_A: an access token from POST {}/oauth/token (client credentials)",
            server.base_url()
        )),
        "{}",
        bola.evidence.curl
    );
    let text = all_reports(&report);
    for user in [DemoUser::Alice, DemoUser::Bob] {
        assert!(!text.contains(server.oauth_client(user).1));
    }
    for token in server.issued_tokens() {
        assert!(!text.contains(&token));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn oauth2_token_urls_on_another_origin_need_to_be_written_in_the_config() {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    // A second server is "another origin": the same host on another port.
    let idp = DemoServer::start(Variant::Patched).await.expect("idp");
    let foreign = format!("{}/oauth/token", idp.base_url());

    // From the spec: refused before anything is sent (exit 2).
    let spec =
        apileak_demo::SPEC_YAML.replace("tokenUrl: /oauth/token", &format!("tokenUrl: {foreign}"));
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("openapi.yaml");
    std::fs::write(&path, spec).expect("write spec");
    let config = ScanConfig {
        spec: apileak::config::SpecSource::File(path),
        ..with_identities(
            &server,
            oauth2(&server, DemoUser::Alice, None),
            oauth2(&server, DemoUser::Bob, None),
        )
    };
    let err = scan::run(&config)
        .await
        .expect_err("foreign spec token url");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("on another origin"), "{err}");
    assert_eq!(idp.request_count() + server.request_count(), 0);

    // Written in the config: allowed. The idp issues its own tokens, which the target does
    // not accept, so the preflight stops (exit 3) — after the token requests went to the idp.
    let config = ScanConfig {
        checks: vec!["bola-read".into()],
        ..with_identities(
            &server,
            oauth2(&idp, DemoUser::Alice, Some(foreign.clone())),
            oauth2(&idp, DemoUser::Bob, Some(foreign)),
        )
    };
    let err = scan::run(&config)
        .await
        .expect_err("tokens of another server");
    assert_eq!(err.exit_code(), 3);
    // Initial tokens plus one refresh each after the target's 401.
    assert!(
        idp.login_count() >= 2,
        "each client got tokens from the idp"
    );
    assert_eq!(server.login_count(), 0);
    server.shutdown().await;
    idp.shutdown().await;
}

const BFLA: &str = "broken-function-level-authorization";

/// Every scalar in `v`, as text (what evidence `matches` quote).
fn leaf_values(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|i| leaf_values(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| leaf_values(i, out)),
        serde_json::Value::String(s) => out.push(s.clone()),
        other => out.push(other.to_string()),
    }
}

/// With erin (role admin) as the admin, the function-level finding on the vulnerable demo
/// quotes values from erin's own view of the admin listing, never alice's; the patched demo
/// (alice gets 403) stays silent although the admin request was sent; the preflight shows
/// three identities with their credential kinds.
#[tokio::test]
async fn an_admin_identity_proves_function_level_findings_with_the_admins_view() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let admin_header = crate::support::bearer(&server, DemoUser::Erin);
    let config = ScanConfig {
        admin: Some(
            Credential::parse(Role::Admin, &admin_header)
                .expect("cred")
                .into(),
        ),
        checks: vec![BFLA.into()],
        ..demo_config(&server)
    };
    let report = scan::run(&config).await.expect("scan");
    let seen: Vec<(Role, &str, Option<&str>)> = report
        .preflight
        .iter()
        .map(|p| (p.identity, p.credential.as_str(), p.principal.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (Role::Anonymous, "none", None),
            (Role::UserA, "header authorization", Some("1")),
            (Role::UserB, "header authorization", Some("2")),
            (Role::Admin, "header authorization", Some("5")),
        ]
    );

    // What the admin herself sees at the listing.
    let (name, value) = admin_header.split_once(": ").expect("header line");
    let view: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/admin/members",
            server.base_url().trim_end_matches('/')
        ))
        .header(name, value)
        .send()
        .await
        .expect("admin request")
        .json()
        .await
        .expect("json");
    let mut admin_values = Vec::new();
    leaf_values(&view, &mut admin_values);

    let found: Vec<_> = report.findings.iter().filter(|f| f.check == BFLA).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(f.operation(), "GET /admin/members");
    assert_eq!(f.evidence.identity, "user-a");
    assert!(f.message.contains("with the admin's view"), "{}", f.message);
    assert!(f.evidence.matches.len() >= 2, "{:?}", f.evidence.matches);
    for m in &f.evidence.matches {
        assert!(
            admin_values.contains(&m.value),
            "{} not in the admin's view",
            m.value
        );
        assert!(
            !m.value.contains("alice"),
            "user-a's own value quoted: {}",
            m.value
        );
    }
    assert!(
        f.evidence
            .matches
            .iter()
            .any(|m| m.value == "bob.okonkwo@example.test"),
        "{:?}",
        f.evidence.matches
    );
    server.shutdown().await;

    // Patched: alice gets 403; the admin (here through a login) still gets the listing.
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let config = ScanConfig {
        admin: Some(login_identity(DemoUser::Erin)),
        checks: vec![BFLA.into()],
        ..demo_config(&server)
    };
    let report = scan::run(&config).await.expect("scan");
    assert_eq!(report.preflight.len(), 4);
    assert_eq!(
        report.preflight[3].credential,
        "login POST /auth/login → bearer"
    );
    assert_eq!(report.preflight[3].principal.as_deref(), Some("5"));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let case = report
        .cases
        .iter()
        .find(|c| c.check == BFLA && c.operation() == "GET /admin/members")
        .expect("bfla case");
    assert!(
        matches!(case.outcome, apileak::report::Outcome::Passed { probes } if probes > 0),
        "{:?}",
        case.outcome
    );
    server.shutdown().await;
}

/// An admin credential that is user A's is exit 3 naming the shared principal; a real admin's
/// token appears in no output: stdout, `-vv` stderr and every report format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_must_be_a_third_principal_and_its_token_never_leaks() {
    use crate::support::{apileak_cmd, bearer, demo_spec_file, run_cmd};
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let scan = |admin: String| {
        let mut cmd = apileak_cmd();
        cmd.arg("-vv")
            .arg("scan")
            .arg(demo_spec_file())
            .args(["--base-url", &server.base_url()])
            .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
            .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob))
            .env("APILEAK_ADMIN", admin);
        cmd
    };

    let out = run_cmd(scan(bearer(&server, DemoUser::Alice))).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("admin and user-a resolve to the same principal (id `1`"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let reports = [
        ("--sarif", "r.sarif"),
        ("--junit", "r.xml"),
        ("--json", "r.json"),
        ("--gitlab", "gl.json"),
        ("--codequality", "cq.json"),
        ("--markdown", "r.md"),
        ("--html", "r.html"),
    ];
    let mut cmd = scan(bearer(&server, DemoUser::Erin));
    for (flag, file) in reports {
        cmd.arg(flag).arg(dir.path().join(file));
    }
    let out = run_cmd(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "preflight admin     GET /me (header authorization): authenticated as principal `5`"
        ),
        "{stdout}"
    );
    // -vv really logged the requests sent as the admin.
    assert!(stderr.contains("role=admin"), "{stderr}");
    let mut everything = stdout + &stderr;
    for (_, file) in reports {
        everything.push_str(&std::fs::read_to_string(dir.path().join(file)).expect("report"));
    }
    let token = server.token(DemoUser::Erin);
    assert!(!everything.contains(token), "the admin token leaked");
    for part in token.split('.') {
        assert!(
            !everything.contains(part),
            "a part of the admin token leaked"
        );
    }
    server.shutdown().await;
}
