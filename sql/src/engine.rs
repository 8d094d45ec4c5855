//! `gongfu compute --engine datafusion`: the report of
//! [`gongfu_compute::compute`] computed from files by DataFusion through the
//! range plan ([`crate::measures_by_ranges_se`]): the files are read in a
//! stream and reduced to sums per income range (with spilling to disk under
//! a memory cap); only the ranges holding a quantile or a threshold are
//! read back.

use crate::pool::HeadroomPool;
use crate::{
    DesignSummary, RangeColumns, RangeEstimate, RangeOptions, RangeVariance, SqlError,
    measures_by_ranges_se, quote_ident,
};
use datafusion::execution::context::SessionContext;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig};
use gongfu_compute::{Report, ResultRow, Spec, Welfare, natural_order, skipped_entry};
use gongfu_measures::{Estimate, QuantileRule};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The input's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Parquet files.
    Parquet,
    /// CSV files with a header line and this field delimiter.
    Csv(u8),
}

/// How the DataFusion engine runs.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// About how many income ranges ([`RangeOptions::ranges`]).
    pub ranges: usize,
    /// At most this many bytes for DataFusion's operators (sorts spill to the
    /// system's temporary directory beyond it); `None`: no limit.
    pub memory_limit: Option<usize>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            ranges: RangeOptions::default().ranges,
            memory_limit: None,
        }
    }
}

/// A session with the functions registered, its operators' memory capped
/// at `memory_limit` bytes when given (sorts spill beyond it).
///
/// # Errors
/// [`SqlError::DataFusion`] when the runtime cannot be built.
pub fn session(memory_limit: Option<usize>) -> Result<SessionContext, SqlError> {
    // DataFusion's own settings from DATAFUSION_* variables
    // (DATAFUSION_EXECUTION_BATCH_SIZE=…), for tuning without a rebuild
    let mut config = SessionConfig::from_env()?;
    let mut rt = RuntimeEnvBuilder::new();
    if let Some(bytes) = memory_limit {
        // the sorts share the pool fairly, an eighth kept free for the
        // operators that cannot spill (crate::pool)
        rt = rt.with_memory_pool(Arc::new(HeadroomPool::new(bytes)));
        // every sorting partition holds a merge buffer from the start:
        // together they fit in that eighth, whatever the number of cores
        // (unless DATAFUSION_EXECUTION_SORT_SPILL_RESERVATION_BYTES says)
        if std::env::var_os("DATAFUSION_EXECUTION_SORT_SPILL_RESERVATION_BYTES").is_none() {
            let options = config.options_mut();
            let fits = bytes / 8 / options.execution.target_partitions.max(1);
            let merge = &mut options.execution.sort_spill_reservation_bytes;
            *merge = (*merge).min(fits);
        }
    }
    let ctx = SessionContext::new_with_config_rt(config, rt.build_arc()?);
    crate::register(&ctx);
    Ok(ctx)
}

/// The columns of the input files the engine reads.
#[derive(Debug, Clone, Copy)]
pub struct FileColumns<'a> {
    /// The income.
    pub income: &'a str,
    /// The weight (every row weight 1 without).
    pub weight: Option<&'a str>,
    /// The stratum (standard errors; one stratum without).
    pub strata: Option<&'a str>,
    /// The PSU (required for standard errors).
    pub psu: Option<&'a str>,
}

/// What the engine does not do (yet): said before any data is read (the
/// range plan itself refuses standard errors without a PSU column or of a
/// measure it does not linearise, also before any query).
fn refuse(spec: &Spec) -> Result<(), SqlError> {
    let no = |what: &str| Err(SqlError::Unsupported(what.to_string()));
    if spec
        .variance
        .as_ref()
        .is_some_and(|v| v.replicates.is_some())
    {
        return no("replicate-weight standard errors need the direct engine");
    }
    if spec.welfare != Welfare::AsIs {
        return no("--welfare other than as_is needs the direct engine");
    }
    if spec.rule != QuantileRule::Eurostat {
        return no("quantile rules other than eurostat need the direct engine");
    }
    Ok(())
}

/// Computes `spec` on the file or directory of part files `input` (income
/// column `income`, weight column `weight`, every row weight 1 without)
/// with DataFusion through the range plan: the same rows, in the same order,
/// as [`gongfu_compute::compute`] on the same data, values equal up to the
/// order of floating-point additions. Rows with an empty income, weight or
/// `--by` value are left out.
///
/// # Errors
/// [`SqlError::Unsupported`] for what only the direct engine does
/// (replicate weights, standard errors without a PSU column or outside
/// [`crate::SE_MEASURES`], welfare concepts, other quantile rules, measures
/// outside [`crate::RANGE_MEASURES`]); [`SqlError::Design`] for a stratum
/// with one PSU under the `fail` rule; [`SqlError::DataFusion`] for the
/// files and columns; [`SqlError::Measure`] for a measure undefined on the
/// population or a domain (unless `spec.skip_undefined`).
pub fn compute_files(
    input: &Path,
    format: InputFormat,
    columns: FileColumns<'_>,
    spec: &Spec,
    opts: EngineOptions,
) -> Result<Report, SqlError> {
    refuse(spec)?;
    for m in &spec.measures {
        if !crate::RANGE_MEASURES.contains(&m.id()) {
            return Err(SqlError::Unsupported(format!(
                "{m} needs the direct engine (the datafusion engine computes {})",
                crate::RANGE_MEASURES.join(", ")
            )));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| SqlError::Runtime(e.to_string()))?;
    let ctx = session(opts.memory_limit)?;
    let path = input.to_string_lossy().to_string();
    let results = rt.block_on(async {
        match format {
            InputFormat::Parquet => {
                ctx.register_parquet("input", &path, ParquetReadOptions::default())
                    .await?
            }
            InputFormat::Csv(delimiter) => {
                let ext = input
                    .extension()
                    .and_then(|e| e.to_str())
                    .map_or(".csv".to_string(), |e| format!(".{e}"));
                ctx.register_csv(
                    "input",
                    &path,
                    CsvReadOptions::new()
                        .delimiter(delimiter)
                        .has_header(true)
                        .file_extension(&ext),
                )
                .await?
            }
        }
        let group = match spec.by.as_slice() {
            [] => None,
            [one] => Some(quote_ident(one)),
            many => Some(
                many.iter()
                    .map(|c| format!("CAST({} AS VARCHAR)", quote_ident(c)))
                    .collect::<Vec<_>>()
                    .join(" || '\u{1f}' || "),
            ),
        };
        let (income, weight) = (
            quote_ident(columns.income),
            columns
                .weight
                .map_or_else(|| "1.0".to_string(), quote_ident),
        );
        let (strata, psu) = (
            columns.strata.map(quote_ident),
            columns.psu.map(quote_ident),
        );
        let cols = RangeColumns {
            table: "input",
            group: group.as_deref(),
            income: &income,
            weight: &weight,
            strata: strata.as_deref(),
            psu: psu.as_deref(),
        };
        let range_opts = RangeOptions {
            ranges: opts.ranges,
            nonpositive: spec.nonpositive,
            overall: true,
            variance: spec.variance.as_ref().map(|v| RangeVariance {
                lonely: v.lonely,
                level: v.level,
                normal: v.normal,
            }),
        };
        measures_by_ranges_se(&ctx, cols, &spec.measures, range_opts).await
    })?;
    report(spec, results.0, results.1, opts)
}

/// The rows of the report: per measure the whole population, then the
/// domains in the direct engine's order (each `--by` column's labels in
/// natural order, cross-classified).
fn report(
    spec: &Spec,
    results: crate::RangeResults,
    design: Option<DesignSummary>,
    opts: EngineOptions,
) -> Result<Report, SqlError> {
    let split = |label: &Option<String>| -> Vec<String> {
        label
            .as_deref()
            .map(|l| l.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default()
    };
    // rank of each label of each --by column in natural order
    let mut ranks: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); spec.by.len()];
    for (c, rank) in ranks.iter_mut().enumerate() {
        let labels: Vec<String> = results
            .iter()
            .filter(|(k, _)| k.is_some())
            .filter_map(|(k, _)| split(k).get(c).cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for (pos, i) in natural_order(&labels).into_iter().enumerate() {
            rank.insert(labels[i].clone(), pos);
        }
    }
    let mut order: Vec<(Vec<usize>, usize)> = results
        .iter()
        .enumerate()
        .map(|(i, (k, _))| {
            let key = split(k)
                .iter()
                .zip(&ranks)
                .map(|(l, r)| r.get(l).copied().unwrap_or(0))
                .collect();
            (key, i)
        })
        .collect();
    // the whole population (no labels) sorts first
    order.sort();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for (mi, m) in spec.measures.iter().enumerate() {
        for &(_, i) in &order {
            let (key, values) = &results[i];
            let labels = split(key);
            let by: Vec<(String, String)> = spec.by.iter().cloned().zip(labels).collect();
            let domain = gongfu_compute::domain_label(&by);
            match &values[mi] {
                Ok(RangeEstimate {
                    value,
                    n,
                    population,
                    excluded,
                    se,
                    ci,
                }) => {
                    let e = Estimate {
                        measure: m.id(),
                        params: m.args().given().to_vec(),
                        value: *value,
                        n: *n,
                        population: *population,
                        excluded: *excluded,
                    };
                    let mut row = ResultRow::from_estimate(e, &by, mi);
                    row.se = *se;
                    row.ci = *ci;
                    rows.push(row);
                }
                Err(why) if spec.skip_undefined => {
                    skipped.push(skipped_entry(m, domain.as_deref(), why));
                }
                Err(why) => {
                    return Err(SqlError::Measure {
                        domain,
                        message: why.clone(),
                    });
                }
            }
        }
    }
    let mut meta = serde_json::Map::new();
    meta.insert("engine".into(), "datafusion".into());
    meta.insert("ranges".into(), opts.ranges.into());
    meta.insert("quantile_rule".into(), spec.rule.name().into());
    meta.insert("welfare".into(), spec.welfare.name().into());
    meta.insert("by".into(), spec.by.clone().into());
    meta.insert("domains".into(), (results.len().saturating_sub(1)).into());
    if !skipped.is_empty() {
        meta.insert("skipped".into(), skipped.into());
    }
    if let (Some(d), Some(v)) = (design, &spec.variance) {
        let m = gongfu_compute::variance_meta("linearisation", d.psu, d.strata, d.df, v);
        meta.insert("variance".into(), m.into());
    }
    Ok(Report {
        results: rows,
        meta,
    })
}
