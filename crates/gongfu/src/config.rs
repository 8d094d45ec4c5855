//! `gongfu.toml`: every column mapping and option of `gongfu compute`; flags override it.

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The configuration file. Unknown keys are errors (a typo must not be ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub input: Option<PathBuf>,
    pub input_format: Option<String>,
    pub delimiter: Option<String>,
    pub income: Option<String>,
    pub weight: Option<String>,
    pub strata: Option<String>,
    pub psu: Option<String>,
    pub fpc: Option<String>,
    pub se: Option<bool>,
    pub lonely_psu: Option<String>,
    pub ci: Option<String>,
    pub by: Option<Vec<String>>,
    pub measures: Option<MeasureList>,
    pub quantile_rule: Option<String>,
    pub nonpositive: Option<String>,
    pub welfare: Option<String>,
    pub hh_size: Option<String>,
    pub adults: Option<String>,
    pub children: Option<String>,
    pub scale: Option<String>,
    pub format: Option<String>,
    pub output: Option<PathBuf>,
}

/// `measures = "gini,arpr"` or `measures = ["gini", "fgt(1,line=20000)"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MeasureList {
    One(String),
    Many(Vec<String>),
}

impl MeasureList {
    pub fn joined(&self) -> String {
        match self {
            MeasureList::One(s) => s.clone(),
            MeasureList::Many(v) => v.join(","),
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the configuration", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    anyhow!("{}: line {line}: {msg}", path.display())
                }
                None => anyhow!("{}: {msg}", path.display()),
            }
        })
    }
}
