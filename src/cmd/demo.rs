//! `apileak demo` (serve one shape of the bundled leaky API on loopback, scan it as alice and
//! bob, write every report) and `apileak demo-api` (serve it until interrupted).

use std::path::PathBuf;

use apileak_demo::{DemoOptions, DemoServer, DemoUser, Shape, Variant};

use crate::cli::{DemoApiArgs, DemoArgs};
use crate::config::{ConfigError, Gate, ScanConfig, SpecSource};
use crate::error::AppError;
use crate::exec::ProgressWatch;
use crate::identity::{Credential, Role};
use crate::report::{self, Format};

use super::{Done, Term};

pub async fn demo(args: &DemoArgs, term: Term) -> Result<Done, AppError> {
    let variant = if args.patched {
        Variant::Patched
    } else {
        Variant::Vulnerable
    };
    let options = DemoOptions {
        shape: args.shape,
        ..DemoOptions::default()
    };
    let server = DemoServer::start_with(variant, options)
        .await
        .map_err(AppError::Demo)?;
    tracing::info!(url = %server.base_url(), ?variant, shape = %args.shape, "demo API started");
    let header = |u: DemoUser| server.credential(u);
    let config = ScanConfig {
        spec: SpecSource::Embedded {
            text: args.shape.spec_yaml(),
            path: PathBuf::from(args.shape.spec_path()),
        },
        base_url: Some(crate::config::parse_base_url(&server.base_url())?),
        user_a: Credential::parse(Role::UserA, &header(DemoUser::Alice))
            .map_err(ConfigError::from)?
            .into(),
        user_b: Credential::parse(Role::UserB, &header(DemoUser::Bob))
            .map_err(ConfigError::from)?
            .into(),
        admin: None,
        gate: Gate {
            fail_on: args.fail_on,
            ..Default::default()
        },
        exec: crate::exec::ExecSettings {
            concurrency: 8,
            timeout: std::time::Duration::from_secs(10),
            rate: crate::exec::RateLimit::Fixed(200),
            max_requests: None,
            max_duration: None,
            // Our own throwaway server: the write-side checks run too.
            allow_writes: true,
            tls: crate::exec::TlsSettings::default(),
        },
        checks: Vec::new(),
        shard: None,
        exclude: Vec::new(),
        include: Vec::new(),
        me: None,
        harvest_requests: crate::config::DEFAULT_HARVEST_REQUESTS,
        public_fields: Vec::new(),
        objects: Default::default(),
        sarif_anchor: None,
    };
    let halt = super::signals::watch();
    let watch = ProgressWatch::new();
    let shown = super::progress::show(&watch, term.progress);
    let report = crate::scan::run_watched(&config, &halt, &watch).await;
    shown.finish().await;
    server.shutdown().await;
    let report = report?;
    let outputs: Vec<_> = Format::ALL
        .iter()
        .map(|f| (*f, args.out_dir.join(f.file_name())))
        .collect();
    // Every output is a file in the directory: nothing can be `-` here.
    let _none = super::scan::write(&report, &outputs)?;
    Ok(Done {
        stdout: format!(
            "{}reports written to {}/\n",
            report::render_human(&report, term.stdout),
            args.out_dir.display()
        ),
        code: report.exit_code(false),
    })
}

pub async fn demo_api(args: &DemoApiArgs) -> Result<Done, AppError> {
    let variant = if args.patched {
        Variant::Patched
    } else {
        Variant::Vulnerable
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let options = DemoOptions {
        shape: args.shape,
        ..DemoOptions::default()
    };
    let server = DemoServer::start_on_with(variant, options, addr)
        .await
        .map_err(AppError::Demo)?;
    // Printed on stderr: these are demo-only credentials, issued fresh at each start.
    tracing::info!(
        "demo API ({variant:?}, {} shape, spec {}) listening on {}",
        args.shape,
        args.shape.spec_path(),
        server.base_url()
    );
    let mut users = vec![DemoUser::Alice, DemoUser::Bob];
    if args.shape == Shape::Fitness {
        // Erin has the admin role there: the optional `--admin` identity.
        users.push(DemoUser::Erin);
    }
    for user in users {
        tracing::info!("{}: {}", user.username(), server.credential(user));
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(Done {
        stdout: String::new(),
        code: 0,
    })
}
