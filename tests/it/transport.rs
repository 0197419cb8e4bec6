//! TLS trust (`--ca-cert`, `--insecure`, system roots), proxies (`HTTP_PROXY`, `NO_PROXY`) and
//! the capped spec download, over real sockets on 127.0.0.1: a TLS front with a CA made at
//! test time, a tiny forward proxy, and a server that never stops sending.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apileak_demo::{DemoServer, DemoUser, Variant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

use crate::support::{apileak_cmd, bearer, demo_spec_file, run_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A TLS terminator on 127.0.0.1 in front of `backend`, with a certificate for `127.0.0.1`
/// issued by a CA generated now. Returns its address and the CA's PEM.
async fn tls_front(backend: SocketAddr) -> (SocketAddr, String) {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "apileak test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
    let leaf_key = rcgen::KeyPair::generate().expect("leaf key");
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (addr, ca.pem())
}

/// A plain-HTTP forward proxy on 127.0.0.1 that sends everything to `backend` and records each
/// connection's first request line (`GET http://host:port/path HTTP/1.1`).
async fn forward_proxy(backend: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                // Until the first line is complete (bounded: request lines are short).
                while !head.contains(&b'\n') && head.len() < 64 * 1024 {
                    match client.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = text(&head).lines().next().unwrap_or("").to_owned();
                log.lock().expect("log").push(line);
                let Ok(mut upstream) = TcpStream::connect(backend).await else {
                    return;
                };
                // The demo server (hyper) accepts the absolute-form target as it is.
                if upstream.write_all(&head).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

/// `apileak scan` of the demo spec with one cheap check, credentials from the environment and
/// no proxy settings inherited from the machine running the tests.
fn scan_cmd(server: &DemoServer, spec: &str, base_url: &str) -> assert_cmd::Command {
    let mut cmd = apileak_cmd();
    cmd.arg("scan")
        .arg(spec)
        .args([
            "--base-url",
            base_url,
            "--checks",
            "server-banner",
            "--fail-on",
            "info",
        ])
        .env("APILEAK_USER_A", bearer(server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(server, DemoUser::Bob));
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn demo_spec() -> String {
    demo_spec_file().display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_needs_the_ca_or_an_explicit_insecure() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let (front, ca_pem) = tls_front(server.addr()).await;
    let https = format!("https://127.0.0.1:{}", front.port());
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write ca");

    // Unknown issuer: the target is unusable, exit 3 with the TLS reason.
    let out = run_cmd(scan_cmd(&server, &demo_spec(), &https)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("UnknownIssuer") || stderr.contains("certificate"),
        "names the TLS problem: {stderr}"
    );

    // The spec URL goes through the same client: refused too (exit 2, a spec error).
    let spec_url = format!("{https}/openapi.yaml");
    let out = run_cmd(scan_cmd(&server, &spec_url, &https)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("failed to fetch spec") && stderr.contains("certificate"),
        "{stderr}"
    );

    // With the CA: both the spec download and the scan work.
    let json = dir.path().join("ca.json");
    let mut cmd = scan_cmd(&server, &spec_url, &https);
    cmd.arg("--ca-cert").arg(&ca_file).arg("--json").arg(&json);
    let out = run_cmd(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the banner is found: {stderr}");
    assert!(!stderr.contains("--insecure"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("report");
    assert!(report["stats"]["requests"].as_u64() > Some(0));

    // --insecure: works without the CA, and says so on stderr and in the report.
    let json = dir.path().join("insecure.json");
    let mut cmd = scan_cmd(&server, &demo_spec(), &https);
    cmd.arg("--insecure").arg("--json").arg(&json);
    let out = run_cmd(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains(apileak::exec::INSECURE_WARNING),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("report");
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    assert!(
        warnings.contains(&apileak::exec::INSECURE_WARNING),
        "{warnings:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_cert_from_the_config_file_is_relative_to_it_and_bad_files_exit_2() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let (front, ca_pem) = tls_front(server.addr()).await;
    let https = format!("https://127.0.0.1:{}", front.port());
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("certs")).expect("mkdir");
    std::fs::write(dir.path().join("certs/ca.pem"), &ca_pem).expect("write ca");
    let config = dir.path().join("apileak.yaml");
    std::fs::write(&config, "ca_cert: certs/ca.pem\n").expect("write config");
    let mut cmd = scan_cmd(&server, &demo_spec(), &https);
    cmd.arg("--config").arg(&config);
    let out = run_cmd(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    // A file that is not a certificate: a usage error naming it, before any request.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate\n").expect("write");
    let before = server.request_count();
    for file in [bad.as_path(), Path::new("/nonexistent/ca.pem")] {
        let mut cmd = scan_cmd(&server, &demo_spec(), &https);
        cmd.arg("--ca-cert").arg(file);
        let out = run_cmd(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("`{}`", file.display())),
            "names the file: {stderr}"
        );
    }
    assert_eq!(server.request_count(), before);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_is_used_for_loopback_unless_no_proxy_names_it() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let (proxy, seen) = forward_proxy(server.addr()).await;
    let base = server.base_url();

    let mut cmd = scan_cmd(&server, &demo_spec(), &base);
    cmd.env("HTTP_PROXY", format!("http://{proxy}"));
    let out = run_cmd(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = seen.lock().expect("seen").clone();
    assert!(!lines.is_empty(), "the proxy saw no request");
    let prefix = format!("http://{}/", server.addr());
    assert!(
        lines
            .iter()
            .all(|l| l.split(' ').nth(1).is_some_and(|t| t.starts_with(&prefix))),
        "absolute-form requests for the target only: {lines:?}"
    );

    // NO_PROXY: straight to the target, the proxy sees nothing.
    seen.lock().expect("seen").clear();
    let mut cmd = scan_cmd(&server, &demo_spec(), &base);
    cmd.env("HTTP_PROXY", format!("http://{proxy}"))
        .env("NO_PROXY", "127.0.0.1");
    let out = run_cmd(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(seen.lock().expect("seen").len(), 0);
    server.shutdown().await;
}

/// Serves `GET /endless.yaml` (a body that never ends) and `GET /declared.yaml` (a body that
/// announces 1 GiB), counting the bytes handed to the socket.
async fn huge_spec_server() -> (SocketAddr, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let body = |sent: Arc<AtomicU64>| {
        const CHUNK: &[u8] = &[b'#'; 64 * 1024];
        let stream = futures::stream::repeat_with(move || {
            sent.fetch_add(CHUNK.len() as u64, Ordering::Relaxed);
            Ok::<_, Infallible>(axum::body::Bytes::from_static(CHUNK))
        });
        axum::body::Body::from_stream(stream)
    };
    let (endless, declared) = (Arc::clone(&sent), Arc::clone(&sent));
    let app = axum::Router::new()
        .route(
            "/endless.yaml",
            axum::routing::get(move || {
                let sent = Arc::clone(&endless);
                async move { body(sent) }
            }),
        )
        .route(
            "/declared.yaml",
            axum::routing::get(move || {
                let sent = Arc::clone(&declared);
                async move {
                    (
                        [(axum::http::header::CONTENT_LENGTH, (1u64 << 30).to_string())],
                        body(sent),
                    )
                }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_download_stops_at_the_limit() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let (addr, sent) = huge_spec_server().await;
    let limit = apileak::exec::MAX_SPEC_BYTES as u64;

    let url = format!("http://{addr}/endless.yaml");
    let started = Instant::now();
    let mut cmd = scan_cmd(&server, &url, &server.base_url());
    cmd.args(["--timeout", "30"]);
    let out = run_cmd(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("failed to fetch spec `{url}`"))
            && stderr.contains(&format!("larger than the limit of {limit} bytes")),
        "{stderr}"
    );
    let sent_endless = sent.load(Ordering::Relaxed);
    // Loopback socket buffers and hyper hold up to ~10 MB more than was read; without the
    // cap the download runs until the timeout (gigabytes).
    assert!(
        sent_endless < 2 * limit,
        "sent {sent_endless} bytes for a limit of {limit}"
    );
    assert!(started.elapsed() < Duration::from_secs(20), "stopped early");

    // A declared length over the limit: refused before reading the body.
    sent.store(0, Ordering::Relaxed);
    let url = format!("http://{addr}/declared.yaml");
    let out = run_cmd(scan_cmd(&server, &url, &server.base_url())).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("larger than the limit of {limit} bytes")),
        "{stderr}"
    );
    let sent_declared = sent.load(Ordering::Relaxed);
    assert!(
        sent_declared < limit / 2,
        "read {sent_declared} bytes despite the declared length"
    );
    server.shutdown().await;
}

/// A child whose stdout reader has gone away, as in `apileak checks list | head -1`.
fn with_closed_stdout(mut cmd: std::process::Command) -> std::process::Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Closed before the child has set up its runtime, let alone written anything.
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn closed_stdout_ends_listings_quietly() {
    for args in [
        &["checks", "list"][..],
        &["checks", "explain", "bola-read"],
        &["config", "schema"],
    ] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("apileak"));
        cmd.args(args);
        let out = with_closed_stdout(cmd);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_stdout_keeps_the_scan_exit_code_and_reports() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("r.json");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("apileak"));
    cmd.arg("scan")
        .arg(demo_spec_file())
        .args([
            "--base-url",
            &server.base_url(),
            "--checks",
            "server-banner",
            "--fail-on",
            "info",
        ])
        .arg("--json")
        .arg(&json)
        .env_remove("APILEAK_LOG")
        .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
    let out = tokio::task::spawn_blocking(move || with_closed_stdout(cmd))
        .await
        .expect("join");
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the gate still decides: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(json.is_file(), "the reports are still written");
    server.shutdown().await;
}
