//! `gongfu serve`: the HTTP API (and the dashboard) over a release store.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use gongfu_server::{AssetFn, ServerConfig};
use gongfu_store::{Outcome, Role, Store};

/// The store of `gongfu serve`, `gongfu token` and `gongfu publish` when none
/// is given.
pub const DEFAULT_STORE: &str = "sqlite://gongfu.sqlite";

/// The dashboard's assets, served at `/` and `/assets/…`.
const ASSETS: Option<AssetFn> = Some(gongfu_dashboard::asset);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Compute the demo province's release (as `gongfu monitor` without
    /// --config does), store it, create a viewer token and print the URL to
    /// open with that token.
    #[arg(long)]
    demo: bool,
    /// The store: sqlite://PATH, a file path (SQLite) or postgres://… .
    /// Default: sqlite://gongfu.sqlite; with --demo, a SQLite file in a
    /// temporary directory removed on exit.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Let web pages from this origin call the API (CORS), e.g.
    /// https://dashboard.example.org; may be repeated. None by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// The largest request body (uploads, releases), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    body_limit: usize,
    /// The longest a computation may run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    compute_timeout: u64,
    /// Households in the demo survey (with --demo).
    #[arg(long, default_value_t = 30_000)]
    households: usize,
    /// Random seed of the demo province (with --demo).
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (default: one per CPU).
    #[arg(long)]
    threads: Option<usize>,
}

/// The demo province's release as JSON.
fn demo_release(households: usize, seed: u64) -> Result<String> {
    let dir = tempfile::tempdir().context("a temporary directory for the demo")?;
    let config_path = gongfu_monitor::write_demo(dir.path(), households, seed)?;
    let config = gongfu_monitor::config::load(&config_path)?;
    Ok(gongfu_monitor::run(&config)?.to_json())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("gongfu serve: shutting down");
}

/// The address to show in the URL: loopback for a wildcard bind.
fn shown(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => "127.0.0.1".to_string(),
            SocketAddr::V6(_) => "[::1]".to_string(),
        }
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("http://{ip}:{}/", addr.port())
}

async fn serve(a: ServeArgs) -> Result<()> {
    let demo_dir = if a.demo && a.store.is_none() {
        Some(tempfile::tempdir().context("a temporary directory for the demo store")?)
    } else {
        None
    };
    let url = match (&a.store, &demo_dir) {
        (Some(u), _) => u.clone(),
        (None, Some(d)) => format!("sqlite://{}", d.path().join("gongfu-demo.sqlite").display()),
        (None, None) => DEFAULT_STORE.to_string(),
    };
    let store = Store::open(&url).await?;
    let mut token = None;
    if a.demo {
        eprintln!(
            "gongfu serve: computing the demo province's release ({} households)…",
            a.households
        );
        let (households, seed) = (a.households, a.seed);
        let doc = tokio::task::spawn_blocking(move || demo_release(households, seed))
            .await
            .context("the demo computation")??;
        let published = store.publish(&doc, "gongfu serve --demo").await?;
        eprintln!(
            "gongfu serve: release {} {} in {}",
            published.release.id,
            match published.outcome {
                Outcome::Published => "published",
                Outcome::AlreadyPublished => "already published",
            },
            store.url()
        );
        token = Some(
            store
                .create_token(Role::Viewer, "gongfu serve --demo")
                .await?,
        );
    }
    let config = ServerConfig {
        body_limit: a.body_limit.saturating_mul(1 << 20),
        compute_timeout: Duration::from_secs(a.compute_timeout),
        cors_origins: a.cors_origin.clone(),
        assets: ASSETS,
        ..ServerConfig::default()
    };
    let app = gongfu_server::router(store.clone(), config)?;
    let listener = tokio::net::TcpListener::bind(&a.bind)
        .await
        .with_context(|| format!("--bind {}: cannot listen", a.bind))?;
    let addr = listener.local_addr().context("the bound address")?;
    match &token {
        Some(t) => println!("{}#token={}", shown(addr), t.secret),
        None => println!(
            "gongfu serve: listening on {} (store {})",
            shown(addr),
            store.url()
        ),
    }
    gongfu_server::serve(listener, app, shutdown_signal()).await?;
    store.close().await;
    drop(demo_dir);
    Ok(())
}

pub fn run(a: ServeArgs) -> Result<()> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = a.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.enable_all().build().context("the async runtime")?;
    rt.block_on(serve(a))
}

/// A small runtime for the one-shot store commands (`token`, `publish`).
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("the async runtime")?
        .block_on(f)
}
