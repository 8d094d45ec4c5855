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
    #[arg(long, value_name = "FILE|DIR")]
    input: Option<PathBuf>,
    /// The HTML file to write (replaced if it exists).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Households in the demo survey (without --input).
    #[arg(long, default_value_t = 30_000, conflicts_with = "input")]
    households: usize,
    /// Random seed of the demo province (without --input).
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED, conflicts_with = "input")]
    seed: u64,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let json = match &a.input {
        Some(path) => read_release(path)?,
        None => demo_release(a.households, a.seed)?,
    };
    let source = a.input.as_ref().map_or_else(
        || "the demo release".to_string(),
        |p| p.display().to_string(),
    );
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
