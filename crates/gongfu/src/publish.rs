//! `gongfu publish`: a release (`release.json` or the directory written by
//! `gongfu monitor --output`) straight into the store.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use gongfu_store::{Outcome, Store};

use crate::serve::{DEFAULT_STORE, block_on};

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// A release directory (with release.json) or a release JSON file.
    release: PathBuf,
    /// The store: sqlite://PATH, a file path or postgres://… .
    #[arg(long, value_name = "URL", default_value = DEFAULT_STORE)]
    store: String,
    /// Who publishes (recorded with the release). Default: the user name.
    #[arg(long)]
    by: Option<String>,
}

pub fn run(a: PublishArgs) -> Result<()> {
    let file = if a.release.is_dir() {
        a.release.join("release.json")
    } else {
        a.release.clone()
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("{}: cannot read the release", file.display()))?;
    let by = a.by.clone().unwrap_or_else(|| {
        format!(
            "{} (command line)",
            std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
        )
    });
    block_on(async move {
        let store = Store::open(&a.store).await?;
        let published = store
            .publish(&text, &by)
            .await
            .with_context(|| file.display().to_string())?;
        store.close().await;
        let r = &published.release;
        match published.outcome {
            Outcome::Published => println!(
                "gongfu publish: release {} ({} {}–{}, {} values) published in {}{}",
                r.id,
                r.province,
                r.years[0],
                r.years[1],
                r.values,
                store.url(),
                r.supersedes
                    .as_deref()
                    .map(|s| format!("; it supersedes {s}"))
                    .unwrap_or_default()
            ),
            Outcome::AlreadyPublished => println!(
                "gongfu publish: release {} is already published in {} (at {}); nothing written",
                r.id,
                store.url(),
                r.published_at
            ),
        }
        Ok(())
    })
}
