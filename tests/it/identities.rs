//! Identity kinds against the demo API over real HTTP: header lines, HTTP basic, login flows
//! (JSON and form bodies), token refresh when tokens expire mid-scan, and what the preflight
//! reports about each credential.

use apileak::app::{self, AppError};
use apileak::config::ScanConfig;
use apileak::demo::{DemoOptions, DemoServer, DemoUser, Variant};
use apileak::identity::{Credential, Identity, LoginFlow, Role, TokenSource};

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
        let report = app::scan(&config).await.expect("scan");
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
        let bola = report.findings.iter().any(|f| f.check == "bola-read");
        assert_eq!(bola, variant == Variant::Vulnerable, "{variant:?}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn login_identities_scan_like_header_tokens() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let by_header = app::scan(&demo_config(&server)).await.expect("header scan");
    let config = with_identities(
        &server,
        login_identity(DemoUser::Alice),
        login_identity(DemoUser::Bob),
    );
    let by_login = app::scan(&config).await.expect("login scan");
    assert_eq!(finding_set(&by_login), finding_set(&by_header));
    assert_eq!(server.login_count(), 2, "one login per identity");
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
    let expected = finding_set(&app::scan(&demo_config(&plain)).await.expect("scan"));
    plain.shutdown().await;

    let options = DemoOptions {
        token_max_uses: Some(25),
    };
    let server = DemoServer::start_with(Variant::Vulnerable, options)
        .await
        .expect("demo");
    let config = with_identities(
        &server,
        login_identity(DemoUser::Alice),
        login_identity(DemoUser::Bob),
    );
    let report = app::scan(&config).await.expect("scan with expiring tokens");
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
    let err = app::scan(&with_identities(
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
    let err = app::scan(&with_identities(
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
    let report = app::scan(&config).await.expect("scan");
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
