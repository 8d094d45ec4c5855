//! `gongfu compute`: SPEC §5.

use crate::config::Config;
use anyhow::{Result, anyhow, bail};
use clap::{Args, ValueEnum};
use gongfu_compute::{Columns, ComputeError, EquivalenceScale, KeyColumn, Report, Spec, Welfare};
use gongfu_io::{Column, ColumnRequest, Format, ReadOptions};
use gongfu_measures::{Measure, MeasureError, NonPositive, QuantileRule};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Table,
    Csv,
    Json,
}

/// Which engine computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Reads the columns into memory and sorts them once (the default).
    Direct,
    /// DataFusion through income ranges: the files are streamed and reduced
    /// to sums per range (sorts spill to disk under --memory-limit), for
    /// inputs larger than memory (needs the `datafusion` build feature).
    Datafusion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Args)]
pub struct ComputeArgs {
    /// Input file (.csv or .parquet), or a directory of such part files read
    /// as one table (in file-name order); may come from --config.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Input format when the extension does not tell.
    #[arg(long, value_enum)]
    input_format: Option<InFormat>,
    /// CSV field delimiter (one character; `\t` for tab).
    #[arg(long)]
    delimiter: Option<String>,
    /// Income column.
    #[arg(long)]
    income: Option<String>,
    /// Weight column (none: every row weight 1).
    #[arg(long)]
    weight: Option<String>,
    /// Stratum column (design-based standard errors).
    #[arg(long)]
    strata: Option<String>,
    /// PSU (first-stage cluster) column.
    #[arg(long)]
    psu: Option<String>,
    /// Finite-population correction column.
    #[arg(long)]
    fpc: Option<String>,
    /// Replicate-weight column prefix (implies --se).
    #[arg(long)]
    repweights: Option<String>,
    /// Replicate type: bootstrap, jk1, jkn, brr, fay, sdr.
    #[arg(long)]
    rep_type: Option<String>,
    /// Replicate scale factor.
    #[arg(long)]
    rep_scale: Option<f64>,
    /// Centre replicate variances at the full-sample estimate.
    #[arg(long)]
    rep_mse: bool,
    /// Per-replicate scales (rscales), comma-separated.
    #[arg(long)]
    rep_rscales: Option<String>,
    /// Generated replicate weights (implies --se): jkn (delete-one-PSU jackknife) or bootstrap:R (Rao–Wu, R replicates).
    #[arg(long)]
    replicates: Option<String>,
    /// Seed of generated bootstrap replicates.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Domain columns, cross-classified (comma-separated); the overall row comes first.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Measures, e.g. gini,arpr,"fgt(1,line=20000)","ge(2)" (see `gongfu measures`).
    #[arg(long)]
    measures: Option<String>,
    /// Design-based standard errors and confidence intervals.
    #[arg(long)]
    se: bool,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Confidence intervals from Student's t on the design degrees of freedom (t, default) or the normal.
    #[arg(long)]
    ci: Option<String>,
    /// Strata with a single PSU: fail (default), certainty, adjust or average (R survey's meanings).
    #[arg(long)]
    lonely_psu: Option<String>,
    /// Quantile rule: eurostat (default), inverse_cdf, hf7.
    #[arg(long)]
    quantile_rule: Option<String>,
    /// Non-positive incomes in measures that need positive ones: error (default) or exclude.
    #[arg(long)]
    nonpositive: Option<String>,
    /// Welfare concept: as_is (default), per_capita, equivalised.
    #[arg(long)]
    welfare: Option<String>,
    /// Household size column (per_capita, equivalised, unit=household).
    #[arg(long)]
    hh_size: Option<String>,
    /// Members aged 14 and over (modified OECD scale).
    #[arg(long)]
    adults: Option<String>,
    /// Members under 14 (modified OECD scale).
    #[arg(long)]
    children: Option<String>,
    /// Equivalence scale: oecd (modified OECD, default) or sqrt.
    #[arg(long)]
    scale: Option<String>,
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// A TOML file with any of these settings; flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Engine: direct (columns in memory) or datafusion (inputs larger than
    /// memory; the measures and standard errors listed in docs/sql.md).
    #[arg(long, value_enum, default_value = "direct")]
    engine: Engine,
    /// datafusion engine: about how many income ranges.
    #[arg(long, default_value_t = 256)]
    ranges: usize,
    /// datafusion engine: memory for its operators, e.g. 2G or 512M (sorts
    /// spill to the temporary directory beyond it; slower than no cap).
    #[arg(long)]
    memory_limit: Option<String>,
}

/// Settings after merging the configuration file and the flags.
struct Settings {
    input: PathBuf,
    /// Prefix of supplied replicate-weight columns.
    repweights: Option<String>,
    /// Design columns (read only with --se).
    strata: Option<String>,
    psu: Option<String>,
    fpc: Option<String>,
    read: ReadOptions,
    income: String,
    weight: Option<String>,
    hh_size: Option<String>,
    adults: Option<String>,
    children: Option<String>,
    spec: Spec,
    format: OutFormat,
    output: Option<PathBuf>,
    engine: Engine,
    // read only by the `datafusion` build
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    ranges: usize,
    /// Bytes (datafusion engine).
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    memory_limit: Option<usize>,
}

/// `2G`, `512M`, `64K` or a number of bytes.
fn bytes(text: &str) -> Result<usize> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let scale: f64 = match unit.trim_end_matches(['B', 'I']) {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => bail!("--memory-limit: {text:?} is not a size (e.g. 2G, 512M)"),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok((v * scale) as usize),
        _ => bail!("--memory-limit: {text:?} is not a size (e.g. 2G, 512M)"),
    }
}

fn pick<T>(flag: Option<T>, conf: Option<T>) -> Option<T> {
    flag.or(conf)
}

fn settings(a: ComputeArgs) -> Result<Settings> {
    let conf = match &a.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let input =
        pick(a.input, conf.input).ok_or_else(|| anyhow!("no input file: give --input FILE"))?;
    let income = pick(a.income, conf.income)
        .ok_or_else(|| anyhow!("no income column: give --income COL"))?;
    let delimiter = match pick(a.delimiter, conf.delimiter).as_deref() {
        None => b',',
        Some("\\t") | Some("tab") => b'\t',
        Some(d) if d.len() == 1 => d.as_bytes()[0],
        Some(d) => bail!("--delimiter must be one character, got {d:?}"),
    };
    let format_in = match (a.input_format, conf.input_format.as_deref()) {
        (Some(InFormat::Csv), _) | (None, Some("csv")) => Some(Format::Csv),
        (Some(InFormat::Parquet), _) | (None, Some("parquet")) => Some(Format::Parquet),
        (None, None) => None,
        (None, Some(other)) => bail!("input_format must be csv or parquet, got {other:?}"),
    };
    let rule: QuantileRule = match pick(a.quantile_rule, conf.quantile_rule) {
        Some(r) => r
            .parse()
            .map_err(|e: MeasureError| anyhow!("--quantile-rule: {e}"))?,
        None => QuantileRule::default(),
    };
    let nonpositive = match pick(a.nonpositive, conf.nonpositive).as_deref() {
        None | Some("error") => NonPositive::Error,
        Some("exclude") => NonPositive::Exclude,
        Some(o) => bail!("--nonpositive must be error or exclude, got {o:?}"),
    };
    let welfare = match (
        pick(a.welfare, conf.welfare).as_deref(),
        pick(a.scale, conf.scale).as_deref(),
    ) {
        (None | Some("as_is"), _) => Welfare::AsIs,
        (Some("per_capita"), _) => Welfare::PerCapita,
        (Some("equivalised" | "equivalized"), None | Some("oecd")) => {
            Welfare::Equivalised(EquivalenceScale::ModifiedOecd)
        }
        (Some("equivalised" | "equivalized"), Some("sqrt")) => {
            Welfare::Equivalised(EquivalenceScale::Sqrt)
        }
        (Some("equivalised" | "equivalized"), Some(s)) => {
            bail!("--scale must be oecd or sqrt, got {s:?}")
        }
        (Some(o), _) => bail!("--welfare must be as_is, per_capita or equivalised, got {o:?}"),
    };
    let list = pick(a.measures, conf.measures.map(|m| m.joined()))
        .ok_or_else(|| anyhow!("no measures: give --measures, e.g. --measures gini,arpr,median"))?;
    let measures = Measure::parse_list(&list).map_err(|e| anyhow!("--measures {list:?}: {e}"))?;
    // replicate weights imply standard errors
    let variance = if a.se
        || conf.se.unwrap_or(false)
        || a.repweights.is_some()
        || a.replicates.is_some()
    {
        let lonely = match pick(a.lonely_psu, conf.lonely_psu).as_deref() {
            None => gongfu_compute::LonelyPsu::Fail,
            Some(r) => r
                .parse()
                .map_err(|e: gongfu_survey::SurveyError| anyhow!("--lonely-psu: {e}"))?,
        };
        let normal = match pick(a.ci, conf.ci).as_deref() {
            None | Some("t") => false,
            Some("normal") => true,
            Some(o) => bail!("--ci must be t or normal, got {o:?}"),
        };
        let replicates = match (&a.repweights, a.replicates.as_deref()) {
            (Some(_), Some(_)) => {
                bail!("give either --repweights (supplied) or --replicates (generated), not both")
            }
            (Some(_), None) => {
                let kind: gongfu_compute::RepType = match a.rep_type.as_deref() {
                    Some(t) => t
                        .parse()
                        .map_err(|e: gongfu_survey::SurveyError| anyhow!("--rep-type: {e}"))?,
                    None => bail!(
                        "--repweights needs --rep-type (bootstrap, jk1, jkn, brr, fay(RHO), sdr)"
                    ),
                };
                let rscales = match &a.rep_rscales {
                    Some(list) => Some(
                        list.split(',')
                            .map(|v| {
                                v.trim()
                                    .parse::<f64>()
                                    .map_err(|_| anyhow!("--rep-rscales: {v:?} is not a number"))
                            })
                            .collect::<Result<Vec<f64>>>()?,
                    ),
                    None => None,
                };
                // the columns themselves are read with the data (see `run`)
                Some(gongfu_compute::ReplicateSpec::Supplied {
                    kind,
                    scale: a.rep_scale,
                    rscales,
                    mse: a.rep_mse,
                })
            }
            (None, Some("jkn")) => Some(gongfu_compute::ReplicateSpec::Jkn { mse: a.rep_mse }),
            (None, Some(b)) if b.starts_with("bootstrap") => {
                let r = match b.split_once(':') {
                    Some((_, r)) => r.parse().map_err(|_| {
                        anyhow!("--replicates bootstrap:R needs a number, got {b:?}")
                    })?,
                    None => 500,
                };
                Some(gongfu_compute::ReplicateSpec::Bootstrap {
                    replicates: r,
                    seed: a.seed,
                    mse: a.rep_mse,
                })
            }
            (None, Some(o)) => bail!("--replicates must be jkn or bootstrap:R, got {o:?}"),
            (None, None) => None,
        };
        Some(gongfu_compute::VarianceSpec {
            lonely,
            level: a.level,
            normal,
            replicates,
        })
    } else {
        None
    };
    if !(a.level > 0.0 && a.level < 1.0) {
        bail!("--level must be between 0 and 1, got {}", a.level);
    }
    let by = if a.by.is_empty() {
        conf.by.unwrap_or_default()
    } else {
        a.by
    };
    let by: Vec<String> = by
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let spec = Spec {
        measures,
        by,
        rule,
        nonpositive,
        welfare,
        variance,
        skip_undefined: false,
    };
    let format = match (a.format, conf.format.as_deref()) {
        (Some(f), _) => f,
        (None, None | Some("table")) => OutFormat::Table,
        (None, Some("csv")) => OutFormat::Csv,
        (None, Some("json")) => OutFormat::Json,
        (None, Some(o)) => bail!("format must be table, csv or json, got {o:?}"),
    };
    let (strata, psu, fpc) = (
        pick(a.strata, conf.strata),
        pick(a.psu, conf.psu),
        pick(a.fpc, conf.fpc),
    );
    Ok(Settings {
        input,
        repweights: a.repweights,
        strata,
        psu,
        fpc,
        read: ReadOptions {
            format: format_in,
            delimiter,
            progress: !a.quiet,
        },
        income,
        weight: pick(a.weight, conf.weight),
        hh_size: pick(a.hh_size, conf.hh_size),
        adults: pick(a.adults, conf.adults),
        children: pick(a.children, conf.children),
        spec,
        format,
        output: pick(a.output, conf.output),
        engine: a.engine,
        ranges: a.ranges.max(1),
        memory_limit: a.memory_limit.as_deref().map(bytes).transpose()?,
    })
}

/// Reads exactly the columns the computation uses (and the supplied replicate weights).
fn read(s: &Settings) -> Result<Columns> {
    let mut req = vec![ColumnRequest::numeric(&s.income)];
    let opt_numeric = [&s.weight, &s.hh_size, &s.adults, &s.children];
    for c in opt_numeric.into_iter().flatten() {
        req.push(ColumnRequest::numeric(c));
    }
    let keys = s.spec.key_columns();
    for k in &keys {
        req.push(ColumnRequest::key(k));
    }
    let numerics = s.spec.referenced_numerics();
    for n in &numerics {
        req.push(ColumnRequest::numeric(n));
    }
    let se = s.spec.variance.is_some();
    let (strata, psu, fpc) = if se {
        (s.strata.clone(), s.psu.clone(), s.fpc.clone())
    } else {
        (None, None, None)
    };
    for k in [&strata, &psu].into_iter().flatten() {
        req.push(ColumnRequest::key(k));
    }
    if let Some(f) = &fpc {
        req.push(ColumnRequest::numeric(f));
    }
    let rep_names: Vec<String> = match (&s.repweights, se) {
        (Some(prefix), true) => {
            let names: Vec<String> = gongfu_io::column_names(&s.input, &s.read)?
                .into_iter()
                .filter(|c| c.starts_with(prefix.as_str()))
                .collect();
            if names.is_empty() {
                bail!(
                    "{}: no column starts with the replicate-weight prefix {prefix:?}",
                    s.input.display()
                );
            }
            names
        }
        _ => Vec::new(),
    };
    for r in &rep_names {
        req.push(ColumnRequest::numeric(r));
    }
    let table = gongfu_io::read_columns(&s.input, &req, &s.read)?;
    let mut cols = table.columns.into_iter();
    let mut numeric = || {
        cols.next().and_then(|c| {
            if let Column::Numeric(v) = c {
                Some(v)
            } else {
                None
            }
        })
    };
    let income = numeric().ok_or_else(|| anyhow!("internal: income column missing"))?;
    let weight = if s.weight.is_some() { numeric() } else { None };
    let hh_size = if s.hh_size.is_some() { numeric() } else { None };
    let adults = if s.adults.is_some() { numeric() } else { None };
    let children = if s.children.is_some() {
        numeric()
    } else {
        None
    };
    let mut key_cols = Vec::new();
    for k in &keys {
        match cols.next() {
            Some(Column::Key { codes, levels }) => {
                // a domain needs a label: an empty cell is an error, not a group
                if let Some(empty) = levels.iter().position(|l| l.trim().is_empty()) {
                    let row = codes
                        .iter()
                        .position(|&c| c as usize == empty)
                        .map_or(0, |r| r + 1);
                    bail!(
                        "{}: column {k:?}, row {row}: empty value (every row needs a domain label)",
                        s.input.display()
                    );
                }
                key_cols.push(KeyColumn {
                    name: k.clone(),
                    codes,
                    levels,
                })
            }
            _ => bail!("internal: key column {k} missing"),
        }
    }
    let mut num_cols = Vec::new();
    for n in &numerics {
        match cols.next() {
            Some(Column::Numeric(v)) => num_cols.push((n.clone(), v)),
            _ => bail!("internal: numeric column {n} missing"),
        }
    }
    let mut key = |name: &Option<String>| -> Result<Option<KeyColumn>> {
        Ok(match name {
            Some(n) => match cols.next() {
                Some(Column::Key { codes, levels }) => Some(KeyColumn {
                    name: n.clone(),
                    codes,
                    levels,
                }),
                _ => bail!("internal: design column {n} missing"),
            },
            None => None,
        })
    };
    let strata_col = key(&strata)?;
    let psu_col = key(&psu)?;
    let fpc_col = match &fpc {
        Some(_) => match cols.next() {
            Some(Column::Numeric(v)) => Some(v),
            _ => bail!("internal: fpc column missing"),
        },
        None => None,
    };
    let rep_cols: Vec<Vec<f64>> = rep_names
        .iter()
        .map(|r| match cols.next() {
            Some(Column::Numeric(v)) => Ok(v),
            _ => Err(anyhow!("internal: replicate column {r} missing")),
        })
        .collect::<Result<_>>()?;
    Ok(Columns {
        income,
        weight,
        size: hh_size,
        adults,
        children,
        keys: key_cols,
        numerics: num_cols,
        strata: strata_col,
        psu: psu_col,
        fpc: fpc_col,
        replicates: rep_cols,
    })
}

/// Says which input column a computation error is about, by its role.
fn describe(e: ComputeError, s: &Settings) -> anyhow::Error {
    let file = s.input.display();
    let role_column = |role: &str| -> String {
        if role.starts_with("income") {
            s.income.clone()
        } else if role.starts_with("weight") {
            s.weight.clone().unwrap_or_else(|| "(weight)".into())
        } else if role.starts_with("household size") {
            s.hh_size.clone().unwrap_or_else(|| role.to_string())
        } else if role == "adults" {
            s.adults.clone().unwrap_or_else(|| role.to_string())
        } else {
            role.to_string()
        }
    };
    match e {
        ComputeError::Value {
            column,
            row,
            message,
        } => {
            anyhow!(
                "{file}: column {:?}, row {row}: {message}",
                role_column(&column)
            )
        }
        ComputeError::Measure { domain, source } => measure_error(s, domain, &source),
        ComputeError::MissingColumn(c) => anyhow!("{file}: {c} is needed: name it with a flag"),
        ComputeError::Design(msg) => design_error(s, &msg),
        other => anyhow!("{file}: {other}"),
    }
}

/// A measure undefined on the population or a domain, naming the income
/// column and the domain.
fn measure_error(
    s: &Settings,
    domain: Option<String>,
    why: &dyn std::fmt::Display,
) -> anyhow::Error {
    let where_ = domain.map(|d| format!(", domain {d}")).unwrap_or_default();
    anyhow!(
        "{}: column {:?}{where_}: {why}",
        s.input.display(),
        s.income
    )
}

/// A design that cannot give standard errors, naming its columns.
fn design_error(s: &Settings, msg: &str) -> anyhow::Error {
    let cols: Vec<&str> = [&s.strata, &s.psu]
        .iter()
        .filter_map(|c| c.as_deref())
        .collect();
    anyhow!("{}: design ({}): {msg}", s.input.display(), cols.join(", "))
}

pub fn render(report: &Report, format: OutFormat) -> String {
    match format {
        OutFormat::Table => gongfu_compute::render_table(report),
        OutFormat::Csv => gongfu_compute::render_csv(report),
        OutFormat::Json => gongfu_compute::render_json(report),
    }
}

/// Writes `text` to the output file atomically, or to standard output.
pub fn emit(text: &str, output: Option<&Path>) -> Result<()> {
    match output {
        Some(path) => {
            let mut f = gongfu_io::AtomicFile::create(path)?;
            f.write_all(text.as_bytes())
                .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
            f.commit()?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            // a closed pipe (`| head`) is not an error worth a message
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        }
    }
    Ok(())
}

/// The report through DataFusion's range plan (`gongfu-sql`).
#[cfg(feature = "datafusion")]
fn datafusion_report(s: &Settings) -> Result<Report> {
    let file = s.input.display();
    let named = |p: &Path| gongfu_io::Format::from_path(p);
    let format = match s.read.format {
        Some(f) => Some(f),
        None if s.input.is_dir() => std::fs::read_dir(&s.input)
            .map_err(|e| anyhow!("{file}: cannot read the directory: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find_map(|p| named(&p)),
        None => named(&s.input),
    };
    let format = match format {
        Some(Format::Parquet) => gongfu_sql::InputFormat::Parquet,
        Some(Format::Csv) => gongfu_sql::InputFormat::Csv(s.read.delimiter),
        None => bail!("{file}: unknown input format: give --input-format csv or parquet"),
    };
    let opts = gongfu_sql::EngineOptions {
        ranges: s.ranges,
        memory_limit: s.memory_limit,
    };
    let se = s.spec.variance.is_some();
    if se && s.fpc.is_some() {
        bail!("--engine datafusion: --fpc needs the direct engine");
    }
    let columns = gongfu_sql::FileColumns {
        income: &s.income,
        weight: s.weight.as_deref(),
        strata: s.strata.as_deref().filter(|_| se),
        psu: s.psu.as_deref().filter(|_| se),
    };
    gongfu_sql::compute_files(&s.input, format, columns, &s.spec, opts).map_err(|e| match e {
        gongfu_sql::SqlError::Measure { domain, message } => measure_error(s, domain, &message),
        gongfu_sql::SqlError::Design(msg) => design_error(s, &msg),
        other => anyhow!("{file}: {other}"),
    })
}

#[cfg(not(feature = "datafusion"))]
fn datafusion_report(_: &Settings) -> Result<Report> {
    bail!(
        "--engine datafusion: this gongfu was built without DataFusion; build it with \
         `cargo build --release -p gongfu --features datafusion`"
    )
}

pub fn run(a: ComputeArgs) -> Result<()> {
    let s = settings(a)?;
    let mut report = match s.engine {
        Engine::Direct => {
            let cols = read(&s)?;
            gongfu_compute::compute(cols, &s.spec).map_err(|e| describe(e, &s))?
        }
        Engine::Datafusion => datafusion_report(&s)?,
    };
    report
        .meta
        .insert("input".into(), s.input.display().to_string().into());
    report.meta.insert("income".into(), s.income.clone().into());
    report.meta.insert(
        "weight".into(),
        s.weight.clone().map_or(serde_json::Value::Null, Into::into),
    );
    report.meta.insert(
        "program".into(),
        concat!("gongfu ", env!("CARGO_PKG_VERSION")).into(),
    );
    emit(&render(&report, s.format), s.output.as_deref())
}
