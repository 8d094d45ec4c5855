//! `gongfu report`: the dashboard as one self-contained HTML file — the app,
//! its style, the chart library and a release inlined — that opens from
//! `file://` with no server and no network.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use gongfu_io::AtomicFile;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The release to show: its release.json, or the release directory that
    /// `gongfu monitor --output` wrote. Without it: the demo province's
    /// release, computed as `gongfu monitor` without --config computes it.
    #[arg(long, value_name = "FILE|DIR", conflicts_with_all = ["store", "release"])]
    input: Option<PathBuf>,
    /// Read the release from this store (sqlite://PATH, a file path or
    /// postgres://…) instead of a file.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// The release id in the store (default: the latest published release).
    #[arg(long, value_name = "ID", requires = "store")]
    release: Option<String>,
    /// The HTML file to write (replaced if it exists).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Households in the demo survey (without --input).
    #[arg(long, default_value_t = 30_000, conflicts_with_all = ["input", "store"])]
    households: usize,
    /// Random seed of the demo province (without --input).
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED, conflicts_with_all = ["input", "store"])]
    seed: u64,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let (json, source) = match (&a.input, &a.store) {
        (Some(path), _) => (read_release(path)?, path.display().to_string()),
        (None, Some(url)) => stored_release(url, a.release.as_deref())?,
        (None, None) => (
            demo_release(a.households, a.seed)?,
            "the demo release".to_string(),
        ),
    };
    write_report(&json, &source, &a.output)?;
    eprintln!("gongfu report: {}", a.output.display());
    Ok(())
}

/// The text of a release: `path` itself, or `path/release.json` for a
/// release directory.
fn read_release(path: &Path) -> Result<String> {
    let file = if path.is_dir() {
        path.join("release.json")
    } else {
        path.to_path_buf()
    };
    if !file.exists() {
        if path.is_dir() {
            bail!(
                "{}: not a release directory (no release.json in it)",
                path.display()
            );
        }
        bail!("{}: no such file", file.display());
    }
    std::fs::read_to_string(&file).with_context(|| format!("{}: cannot read", file.display()))
}

/// A release from a store: `id`, or the latest published one.
fn stored_release(url: &str, id: Option<&str>) -> Result<(String, String)> {
    let url = url.to_string();
    let id = id.map(str::to_string);
    crate::serve::block_on(async move {
        let store = gongfu_store::Store::open(&url).await?;
        let id = match id {
            Some(id) => id,
            None => match store.latest(None).await? {
                Some(info) => info.id,
                None => bail!("{}: no release has been published", store.url()),
            },
        };
        let json = store.release_json(&id).await?;
        let source = format!("release {id} in {}", store.url());
        store.close().await;
        match json {
            Some(j) => Ok((j, source)),
            None => bail!("{source}: no such release"),
        }
    })
}

/// The demo province's release, as `gongfu monitor` computes it without
/// `--config`.
fn demo_release(households: usize, seed: u64) -> Result<String> {
    let dir = tempfile::tempdir().context("a temporary directory for the demo")?;
    let config_path = gongfu_monitor::write_demo(dir.path(), households, seed)?;
    let config = gongfu_monitor::config::load(&config_path)?;
    Ok(gongfu_monitor::run(&config)?.to_json())
}

/// Writes the report of the release `json` (read from `source`, named in
/// errors) to `output`, atomically: a failure leaves no partial file.
pub fn write_report(json: &str, source: &str, output: &Path) -> Result<()> {
    let html = gongfu_dashboard::report_html(json).with_context(|| source.to_string())?;
    let mut file = AtomicFile::create(output)?;
    file.write_all(html.as_bytes())
        .with_context(|| format!("{}: cannot write", output.display()))?;
    file.commit()?;
    Ok(())
}
