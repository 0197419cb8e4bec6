//! `apileak config schema | validate | init`: the config file's JSON Schema, a check of a
//! config file without sending anything, and a starter file written from a spec.

use std::fmt::Write as _;
use std::path::Path;

use clap::{Args as _, FromArgMatches as _};

use crate::cli::ScanArgs;
use crate::config::{ScanConfig, SpecSource};
use crate::error::AppError;
use crate::model::{Api, SecuritySchemeKind};
use crate::report;

use super::Done;

pub fn config_schema() -> Done {
    Done {
        stdout: format!("{}\n", crate::config::json_schema()),
        code: 0,
    }
}

/// Resolves the file exactly as `apileak scan --config FILE` would (environment variables
/// included), and loads a spec file it names; nothing is sent.
pub fn config_validate(file: Option<&Path>) -> Result<Done, AppError> {
    let path = file.unwrap_or(Path::new("apileak.yaml"));
    if !path.is_file() {
        return Err(AppError::Usage(format!(
            "config file `{}` not found (write one with `apileak config init SPEC`)",
            path.display()
        )));
    }
    // Parse as `scan` would, so the credential env vars (`APILEAK_USER_A`…) count too.
    let command = ScanArgs::augment_args(clap::Command::new("validate"));
    let matches = command
        .try_get_matches_from([
            std::ffi::OsStr::new("validate"),
            "--config".as_ref(),
            path.as_os_str(),
        ])
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let args = ScanArgs::from_arg_matches(&matches).map_err(|e| AppError::Usage(e.to_string()))?;
    let config = ScanConfig::from_args(args)?;
    let spec = match &config.spec {
        SpecSource::File(spec) => {
            let loaded = crate::spec::load_file(spec)?;
            format!(
                "spec {} ({} operations)",
                spec.display(),
                loaded.api.operations.len()
            )
        }
        SpecSource::Url { url, .. } => format!("spec {url} (fetched when scanning)"),
        SpecSource::Embedded { path, .. } => format!("spec {}", path.display()),
    };
    Ok(Done {
        stdout: format!("{}: valid; {spec}\n", path.display()),
        code: 0,
    })
}

/// Writes a commented starter config for `spec` to `output` (`-`: stdout).
pub fn config_init(spec: &Path, output: &Path) -> Result<Done, AppError> {
    let loaded = crate::spec::load_file(spec)?;
    let to_stdout = output.as_os_str() == "-";
    if !to_stdout && output.exists() {
        return Err(AppError::Usage(format!(
            "`{}` exists; not overwriting it (remove it or pass -o another path)",
            output.display()
        )));
    }
    // `spec` in the file is relative to the file: keep the path as given when the file sits in
    // the working directory, else make it absolute.
    let beside_cwd = to_stdout || output.parent().is_none_or(|d| d.as_os_str().is_empty());
    let spec_path = if beside_cwd || spec.is_absolute() {
        spec.to_owned()
    } else {
        std::fs::canonicalize(spec).unwrap_or_else(|_| spec.to_owned())
    };
    let text = starter(&loaded.api, &spec_path);
    if to_stdout {
        return Ok(Done {
            stdout: text,
            code: 0,
        });
    }
    report::write_file(output, &text)?;
    Ok(Done {
        stdout: format!(
            "wrote {}; check it with `apileak config validate {}`\n",
            output.display(),
            output.display()
        ),
        code: 0,
    })
}

/// The starter file's text: YAML with comments.
fn starter(api: &Api, spec: &Path) -> String {
    let login = crate::checks::find_login_operation(api, None);
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# apileak.yaml for {} — written by `apileak config init`.\n\
         # Check it with `apileak config validate`; every key is described in apileak.example.yaml.\n\
         # `${{VAR}}` is read from the environment: keep secrets in CI variables, never in this file.\n",
        yaml_comment(&api.title)
    );
    let _ = writeln!(y, "spec: {}\n", yaml_str(&spec.display().to_string()));
    match api.servers.first() {
        Some(server) => {
            let _ = writeln!(
                y,
                "# Target base URL; default: the spec's first server ({}).\n# base_url: ${{APILEAK_BASE_URL}}\n",
                yaml_comment(server)
            );
        }
        None => {
            let _ = writeln!(
                y,
                "# The spec names no server: the target's base URL.\nbase_url: ${{APILEAK_BASE_URL}}\n"
            );
        }
    }
    y.push_str(
        "# Exit 1 when a finding is at or above: info, low, medium, high, critical.\nfail_on: low\n\n\
         # Exit 3 when less than this percent of the applicable cases was really tested.\n# min_coverage: 80\n\n\
         # Write-side checks change data: never against production.\nallow_writes: false\n\n",
    );
    if !api.security_schemes.is_empty() {
        y.push_str("# The spec's security schemes:\n");
        for (name, scheme) in &api.security_schemes {
            let _ = writeln!(y, "#   {}: {}", yaml_comment(name), describe(&scheme.kind));
        }
        y.push('\n');
    }
    y.push_str("# Two different ordinary users; each is one of header, basic, login, api_key, oauth2.\nidentities:\n");
    for (key, letter) in [("user_a", "A"), ("user_b", "B")] {
        let _ = writeln!(y, "  {key}:");
        y.push_str(&identity(api, login, letter));
    }
    y
}

/// One identity's YAML (indented under `identities.<key>`), from the spec's schemes.
fn identity(api: &Api, login: Option<&crate::model::Operation>, letter: &str) -> String {
    if let Some(op) = login {
        return format!(
            "    # The login operation apileak found in the spec; adjust the body to its fields.\n    \
             login:\n      operation: {}\n      body:\n        username: ${{APILEAK_{letter}_USERNAME}}\n        \
             password: ${{APILEAK_{letter}_PASSWORD}}\n",
            yaml_str(&format!("{} {}", op.method, op.path))
        );
    }
    let mut schemes = api.security_schemes.iter();
    let first = schemes.next();
    match first.map(|(n, s)| (n, &s.kind)) {
        Some((_, SecuritySchemeKind::Http { scheme })) if scheme.eq_ignore_ascii_case("basic") => {
            format!(
                "    basic: {{username: \"${{APILEAK_{letter}_USERNAME}}\", password: \"${{APILEAK_{letter}_PASSWORD}}\"}}\n"
            )
        }
        Some((name, SecuritySchemeKind::ApiKey { .. })) => format!(
            "    api_key: {{value: \"${{APILEAK_{letter}_API_KEY}}\", scheme: {}}}\n",
            yaml_str(name)
        ),
        Some((_, SecuritySchemeKind::OAuth2)) if has_client_credentials(api) => format!(
            "    oauth2:\n      client_id: ${{APILEAK_{letter}_CLIENT_ID}}\n      client_secret: ${{APILEAK_{letter}_CLIENT_SECRET}}\n"
        ),
        _ => format!("    header: \"Authorization: Bearer ${{APILEAK_{letter}_TOKEN}}\"\n"),
    }
}

fn has_client_credentials(api: &Api) -> bool {
    api.security_schemes
        .values()
        .any(|s| s.client_credentials_token_url.is_some())
}

fn describe(kind: &SecuritySchemeKind) -> String {
    match kind {
        SecuritySchemeKind::Http { scheme } => format!("http {}", yaml_comment(scheme)),
        SecuritySchemeKind::ApiKey { name, location } => {
            let place = format!("{location:?}").to_lowercase();
            format!("apiKey `{}` in the {place}", yaml_comment(name))
        }
        SecuritySchemeKind::OAuth2 => "oauth2".into(),
        SecuritySchemeKind::OpenIdConnect => {
            "openIdConnect (use a header identity with a token)".into()
        }
        SecuritySchemeKind::Other(t) => yaml_comment(t),
    }
}

/// A YAML scalar in double quotes (JSON strings are valid YAML).
fn yaml_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Text from the spec inside a comment: one line.
fn yaml_comment(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
