//! gongfu's income-distribution measures as SQL aggregate functions on
//! [Apache DataFusion](https://datafusion.apache.org): `gini`, `quantile`,
//! `median`, `arpr`, `qsr`, `rmpg`, `ge`, `atkinson`, `palma`, `fgt`,
//! `middle_share`, `prosperity_gap` and the rest of the catalogue's
//! single-valued measures, usable with `GROUP BY` over any table DataFusion
//! reads (Parquet and CSV files, in-memory tables), with the same values as
//! `gongfu-measures`.
//!
//! Every function takes the income and the weight, then its constant
//! parameters (see [`functions`] for the list). Rows with a null income or
//! weight are left out. Relative thresholds (`arpr`, `rmpg`, the default lines
//! of `fgt` and `watts`) are relative to the median of the group itself: an
//! aggregate sees only its group (the library's `scope=domain`).
//!
//! ```
//! use datafusion::arrow::array::{Float64Array, StringArray};
//! use datafusion::arrow::datatypes::{DataType, Field, Schema};
//! use datafusion::arrow::record_batch::RecordBatch;
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), gongfu_sql::SqlError> {
//! let ctx = gongfu_sql::context();
//! let schema = Arc::new(Schema::new(vec![
//!     Field::new("county", DataType::Utf8, false),
//!     Field::new("income", DataType::Float64, false),
//!     Field::new("weight", DataType::Float64, false),
//! ]));
//! let batch = RecordBatch::try_new(schema, vec![
//!     Arc::new(StringArray::from(vec!["a", "a", "a", "b", "b"])),
//!     Arc::new(Float64Array::from(vec![10.0, 20.0, 30.0, 5.0, 50.0])),
//!     Arc::new(Float64Array::from(vec![1.0, 1.0, 2.0, 1.0, 1.0])),
//! ]).map_err(datafusion::error::DataFusionError::from)?;
//! ctx.register_batch("hh", batch)?;
//! let rows = gongfu_sql::query(
//!     &ctx,
//!     "SELECT county, gini(income, weight) AS g FROM hh GROUP BY county ORDER BY county",
//! ).await?;
//! let g = rows[0].column(1).as_any().downcast_ref::<Float64Array>().unwrap();
//! let x = [10.0, 20.0, 30.0];
//! let w = [1.0, 1.0, 2.0];
//! let d = gongfu_measures::Distribution::new(&x, Some(&w)).unwrap();
//! let gini = gongfu_measures::Measure::parse_list("gini").unwrap().remove(0);
//! assert_eq!(g.value(0), gini.value(&gongfu_measures::Ctx::new(&d)).unwrap());
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod engine;
mod influence;
mod pool;
mod ranges;
mod udaf;

pub use engine::{EngineOptions, FileColumns, InputFormat, compute_files, session};
pub use influence::{
    INFLUENCE, InfluenceUdwf, SeColumns, column_values, influence, linearised_se, linearised_se_sql,
};
pub use ranges::{
    DesignSummary, RANGE_INDEX, RANGE_MEASURES, RANGE_S, RangeColumns, RangeEstimate, RangeIndex,
    RangeOptions, RangeResults, RangeS, RangeVariance, SE_MEASURES, measures_by_ranges,
    measures_by_ranges_se, range_index, range_s,
};
pub use udaf::{MeasureUdaf, functions, udafs};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;

/// What can go wrong running a query.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// DataFusion refused or failed the query (parse, plan or execution,
    /// including a measure refusing a group's data).
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    /// The async runtime could not start.
    #[error("cannot start the query runtime: {0}")]
    Runtime(String),
    /// The datafusion engine does not do this; the direct engine does.
    #[error("the datafusion engine: {0}")]
    Unsupported(String),
    /// The survey design cannot give standard errors (a stratum with one
    /// PSU under the `fail` rule).
    #[error("{0}")]
    Design(String),
    /// A measure is undefined on the population or a domain.
    #[error("{}{message}", domain.as_ref().map(|d| format!("domain {d}: ")).unwrap_or_default())]
    Measure {
        /// The domain (`county=C01`), `None` for the whole population.
        domain: Option<String>,
        /// Why.
        message: String,
    },
}

/// `name` as a quoted SQL identifier (`"pc income"`), for column and table
/// names written into queries.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as a quoted SQL string literal.
pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Registers every function of [`udafs`] on `ctx`, the range function of
/// [`measures_by_ranges`] ([`RANGE_INDEX`]) and the influence
/// window function of [`linearised_se`] ([`INFLUENCE`]).
pub fn register(ctx: &SessionContext) {
    for f in udafs() {
        ctx.register_udaf(f);
    }
    ctx.register_udf(range_index());
    ctx.register_udaf(range_s());
    ctx.register_udwf(influence());
}

/// A session with the functions registered that can also read files named
/// in `FROM` (`FROM 'province/*.parquet'`).
pub fn context() -> SessionContext {
    let ctx = SessionContext::new().enable_url_table();
    register(&ctx);
    ctx
}

/// Runs one SQL statement and collects its result.
///
/// # Errors
/// [`SqlError::DataFusion`] with DataFusion's message.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, SqlError> {
    Ok(ctx.sql(sql).await?.collect().await?)
}

/// How [`render`] writes a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table.
    Table,
    /// CSV with a header line (fields with a comma, quote or line break quoted).
    Csv,
}

/// Writes query results as text.
///
/// # Errors
/// [`SqlError::DataFusion`] when a value cannot be formatted.
pub fn render(batches: &[RecordBatch], format: Format) -> Result<String, SqlError> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    match format {
        Format::Table => Ok(
            datafusion::arrow::util::pretty::pretty_format_batches(batches)
                .map_err(DataFusionError::from)?
                .to_string(),
        ),
        Format::Csv => {
            let quote = |s: &str| -> String {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            let mut out = String::new();
            if let Some(first) = batches.first() {
                let names: Vec<String> = first
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| quote(f.name()))
                    .collect();
                out.push_str(&names.join(","));
                out.push('\n');
            }
            let options = FormatOptions::default().with_null("");
            for b in batches {
                let formatters = b
                    .columns()
                    .iter()
                    .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(DataFusionError::from)?;
                for row in 0..b.num_rows() {
                    let fields: Vec<String> = formatters
                        .iter()
                        .map(|f| quote(&f.value(row).to_string()))
                        .collect();
                    out.push_str(&fields.join(","));
                    out.push('\n');
                }
            }
            Ok(out)
        }
    }
}

/// Runs one statement in a fresh [`context`] on a multi-threaded runtime
/// and renders the result: what `gongfu sql` does.
///
/// # Errors
/// [`SqlError`] for the query; [`SqlError::Runtime`] when no runtime starts.
pub fn run(sql: &str, format: Format) -> Result<String, SqlError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| SqlError::Runtime(e.to_string()))?;
    rt.block_on(async {
        let ctx = context();
        let batches = query(&ctx, sql).await?;
        render(&batches, format)
    })
}
