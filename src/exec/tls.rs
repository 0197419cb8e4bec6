//! TLS and proxy settings, and the one place that builds an HTTP client from them: the scan
//! executor (logins and token requests included) and the spec-URL download share it.
//!
//! Trusted roots: the system's store (rustls-native-certs) plus the bundled webpki roots as a
//! fallback for minimal containers, plus any `--ca-cert` file for an internal CA. `--insecure`
//! turns verification off. Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and
//! `NO_PROXY` (reqwest reads them; loopback is not bypassed unless `NO_PROXY` says so).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the HTTP client trusts servers. The default trusts the system roots only.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// The `--ca-cert` file, for messages.
    ca_cert: Option<PathBuf>,
    /// Its certificates, parsed once when the settings are made.
    extra_roots: Vec<reqwest::Certificate>,
    /// Accept any certificate and host name (`--insecure`).
    pub insecure: bool,
}

/// The message warned on every `--insecure` run (and kept in the report).
pub const INSECURE_WARNING: &str = "--insecure: TLS certificates and host names are NOT verified; \
     anyone on the network path can read and change the traffic, credentials included";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("failed to read CA certificate `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid CA certificate `{}`: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl TlsSettings {
    /// Reads the PEM bundle at `ca_cert` (one or more `CERTIFICATE` blocks), so that a bad file
    /// is a usage error before anything is sent.
    pub fn new(ca_cert: Option<&Path>, insecure: bool) -> Result<TlsSettings, TlsError> {
        let Some(path) = ca_cert else {
            return Ok(TlsSettings {
                insecure,
                ..TlsSettings::default()
            });
        };
        let invalid = |reason: String| TlsError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
        let roots = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| invalid(format!("not a PEM file ({e})")))?;
        if roots.is_empty() {
            return Err(invalid(
                "no `-----BEGIN CERTIFICATE-----` block found (a PEM file is expected)".into(),
            ));
        }
        // PEM that wraps something other than a certificate only fails when a client is
        // built: try one now, without the system roots (they are not in question here).
        roots
            .iter()
            .fold(
                reqwest::Client::builder().tls_built_in_root_certs(false),
                |b, c| b.add_root_certificate(c.clone()),
            )
            .build()
            .map_err(|e| invalid(error_chain(&e)))?;
        Ok(TlsSettings {
            ca_cert: Some(path.to_owned()),
            extra_roots: roots,
            insecure,
        })
    }

    /// The `--ca-cert` file, if any.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }
}

/// The HTTP client every request goes through: never follows redirects (a credential must not
/// be carried to another host), per-request `timeout`, our user agent, `tls` trust.
pub(crate) fn build_client(
    tls: &TlsSettings,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("apileak/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(tls.insecure);
    tls.extra_roots
        .iter()
        .fold(builder, |b, c| b.add_root_certificate(c.clone()))
        .build()
}

/// An error and its sources, `: `-joined.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ca_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.pem");
        let err = TlsSettings::new(Some(&missing), false).expect_err("missing file");
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let text = dir.path().join("not-pem.pem");
        std::fs::write(&text, "hello\n").expect("write");
        let err = TlsSettings::new(Some(&text), false).expect_err("no certificate");
        assert_eq!(
            err.to_string(),
            format!(
                "invalid CA certificate `{}`: no `-----BEGIN CERTIFICATE-----` block found (a PEM file is expected)",
                text.display()
            )
        );

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let err = TlsSettings::new(Some(&garbage), false).expect_err("not a certificate");
        assert!(
            err.to_string()
                .starts_with(&format!("invalid CA certificate `{}`: ", garbage.display())),
            "{err}"
        );
    }

    #[test]
    fn no_ca_file_keeps_the_system_roots_only() {
        let tls = TlsSettings::new(None, true).expect("no file");
        assert!(tls.insecure && tls.ca_cert().is_none() && tls.extra_roots.is_empty());
        build_client(&tls, Duration::from_secs(1)).expect("client");
    }
}
