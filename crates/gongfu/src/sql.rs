//! `gongfu sql`: a SQL statement over Parquet or CSV files with the
//! catalogue's measures as aggregate functions (DataFusion, `gongfu-sql`).
//! Built only with the binary's `datafusion` feature: DataFusion takes tens
//! of minutes to compile, so the default build leaves it out and this
//! command then says how to get it.

use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `gongfu sql`.
#[derive(clap::Args, Debug)]
// read only by the `datafusion` build of `run`
#[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
pub struct SqlArgs {
    /// The statement, e.g. "SELECT county, gini(pc_income, pweight) FROM 'province/*.parquet' GROUP BY county".
    #[arg(required_unless_present = "functions")]
    query: Option<String>,
    /// Output: table (aligned text) or csv.
    #[arg(long, default_value = "table", value_parser = ["table", "csv"])]
    format: String,
    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// List the SQL functions with their arguments and exit.
    #[arg(long)]
    functions: bool,
}

#[cfg(feature = "datafusion")]
pub fn run(a: SqlArgs) -> Result<()> {
    if a.functions {
        let mut text = gongfu_sql::functions().join("\n");
        text.push('\n');
        return crate::compute::emit(&text, a.output.as_deref());
    }
    let format = match a.format.as_str() {
        "csv" => gongfu_sql::Format::Csv,
        _ => gongfu_sql::Format::Table,
    };
    let query = a.query.unwrap_or_default();
    // DataFusion's message once (its error chain repeats it)
    let mut text = gongfu_sql::run(&query, format).map_err(|e| anyhow::anyhow!("{e}"))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    crate::compute::emit(&text, a.output.as_deref())
}

#[cfg(not(feature = "datafusion"))]
pub fn run(_: SqlArgs) -> Result<()> {
    anyhow::bail!(
        "this gongfu was built without SQL support; build it with \
         `cargo build --release -p gongfu --features datafusion`"
    )
}
