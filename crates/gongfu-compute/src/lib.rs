//! From columns to results: the welfare concept, domains (`--by`), the
//! measure list, and the result model that every front end (CLI, HTTP API,
//! Python) serialises. Pure computation: columns come in already read, results
//! go out as values; no I/O here.
//!
//! ```
//! use gongfu_compute::{Columns, KeyColumn, Spec, compute};
//!
//! let cols = Columns {
//!     income: vec![12_000.0, 30_500.0, 18_250.0, 64_000.0],
//!     weight: Some(vec![1.5, 2.0, 1.0, 0.5]),
//!     keys: vec![KeyColumn::from_labels("urban", &["0", "1", "0", "1"])],
//!     ..Columns::default()
//! };
//! let spec = Spec::parse("mean,gini", &["urban"])?;
//! let report = compute(cols, &spec)?;
//! assert_eq!(report.results.len(), 6); // overall, urban=0, urban=1 for each measure
//! assert_eq!(report.results[0].measure, "mean");
//! assert!(report.results[0].by.is_empty());
//! # Ok::<(), gongfu_compute::ComputeError>(())
//! ```
#![deny(missing_docs)]

mod domains;
mod render;
mod welfare;

pub use domains::natural_order;
pub use render::{render_csv, render_json, render_table};
pub use welfare::{EquivalenceScale, Welfare};

use gongfu_measures::{
    Ctx, Distribution, Measure, MeasureError, NonPositive, ParamValue, QuantileRule,
};
pub use gongfu_survey::LonelyPsu;
pub use gongfu_survey::RepType;
use gongfu_survey::{
    Design, DomainSpec, PSU_COLUMN, ReplicateOptions, Replicates, SurveyError, confidence_interval,
    replicate_estimates_many, replicate_variance, variance, woodruff,
};
use serde::Serialize;
use std::borrow::Cow;
use thiserror::Error;

/// A categorical column (domain variable, stratum, group for a contrast).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyColumn {
    /// Column name.
    pub name: String,
    /// Code of each row (an index into `levels`).
    pub codes: Vec<u32>,
    /// The labels, as written in the input.
    pub levels: Vec<String>,
}

impl KeyColumn {
    /// Codes a column of labels (levels in order of first appearance).
    pub fn from_labels(name: &str, labels: &[&str]) -> KeyColumn {
        let mut levels: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let codes = labels
            .iter()
            .map(|&l| {
                *index.entry(l).or_insert_with(|| {
                    levels.push(l.to_string());
                    (levels.len() - 1) as u32
                })
            })
            .collect();
        KeyColumn {
            name: name.to_string(),
            codes,
            levels,
        }
    }
}

/// The columns a computation reads, already parsed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Columns {
    /// Income of each row (household or person, per the welfare concept).
    pub income: Vec<f64>,
    /// Sampling weight of each row; `None` gives every row weight 1.
    pub weight: Option<Vec<f64>>,
    /// Household size (per-capita and equivalised welfare, household units).
    pub size: Option<Vec<f64>>,
    /// Members aged 14 and over (equivalence scales).
    pub adults: Option<Vec<f64>>,
    /// Members under 14 (equivalence scales).
    pub children: Option<Vec<f64>>,
    /// Categorical columns: the `--by` variables and those measures refer to.
    pub keys: Vec<KeyColumn>,
    /// Numeric columns measures refer to (income sources).
    pub numerics: Vec<(String, Vec<f64>)>,
    /// Stratum of each row (design-based standard errors).
    pub strata: Option<KeyColumn>,
    /// Primary sampling unit of each row (nested in strata).
    pub psu: Option<KeyColumn>,
    /// Finite-population correction of each row: PSUs in the stratum's population, or the sampling fraction.
    pub fpc: Option<Vec<f64>>,
    /// Supplied replicate weights ([`ReplicateSpec::Supplied`]): one vector
    /// per replicate, one weight per row, in the unit of the input weights.
    pub replicates: Vec<Vec<f64>>,
}

/// How standard errors are computed.
#[derive(Debug, Clone, PartialEq)]
pub struct VarianceSpec {
    /// Rule for strata with one PSU.
    pub lonely: LonelyPsu,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Normal instead of t intervals.
    pub normal: bool,
    /// Replicate weights instead of linearisation.
    pub replicates: Option<ReplicateSpec>,
}

/// Where replicate weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplicateSpec {
    /// Columns of the input ([`Columns::replicates`]; R survey `svrepdesign`
    /// conventions).
    Supplied {
        /// Replicate type (sets the default scale).
        kind: RepType,
        /// Scale overriding the type's default.
        scale: Option<f64>,
        /// Per-replicate scales (`rscales`).
        rscales: Option<Vec<f64>>,
        /// Centre at the full-sample estimate.
        mse: bool,
    },
    /// Delete-one-PSU jackknife generated from the design.
    Jkn {
        /// Centre at the full-sample estimate.
        mse: bool,
    },
    /// Rao–Wu rescaling bootstrap generated from the design.
    Bootstrap {
        /// Number of replicates.
        replicates: usize,
        /// Seed.
        seed: u64,
        /// Centre at the full-sample estimate.
        mse: bool,
    },
}

impl Default for VarianceSpec {
    fn default() -> Self {
        VarianceSpec {
            lonely: LonelyPsu::Fail,
            level: 0.95,
            normal: false,
            replicates: None,
        }
    }
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The measures, in output order.
    pub measures: Vec<Measure>,
    /// Domain variables, cross-classified; the overall row always comes first.
    pub by: Vec<String>,
    /// Quantile rule.
    pub rule: QuantileRule,
    /// Policy for non-positive incomes in measures that need positive ones.
    pub nonpositive: NonPositive,
    /// Welfare concept.
    pub welfare: Welfare,
    /// Standard errors and intervals (`None`: point estimates only).
    pub variance: Option<VarianceSpec>,
    /// When a measure is undefined for the population or a domain (a ratio
    /// with an empty side, a measure needing positive incomes), leave that row
    /// out and list it in `meta.skipped` (domain `""` for the whole
    /// population) instead of failing.
    pub skip_undefined: bool,
}

impl Spec {
    /// A spec from a measure list and domain variables, with default options.
    ///
    /// # Errors
    /// [`ComputeError::Measure`] when the list does not parse.
    pub fn parse(measures: &str, by: &[&str]) -> Result<Spec, ComputeError> {
        Ok(Spec {
            measures: Measure::parse_list(measures).map_err(|e| ComputeError::Measure {
                domain: None,
                source: e,
            })?,
            by: by.iter().map(|s| s.to_string()).collect(),
            rule: QuantileRule::default(),
            nonpositive: NonPositive::default(),
            welfare: Welfare::AsIs,
            variance: None,
            skip_undefined: false,
        })
    }

    /// Categorical columns the measures refer to (`by=` of contrasts and decompositions).
    pub fn referenced_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.measures {
            if let Some(ParamValue::Text(t)) = m.args().get("by")
                && !out.contains(t)
            {
                out.push(t.clone());
            }
        }
        out
    }

    /// Every categorical column to read: the domain variables, then those the
    /// measures refer to.
    pub fn key_columns(&self) -> Vec<String> {
        let mut keys = self.by.clone();
        for k in self.referenced_keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }

    /// Numeric columns the measures refer to (`sources=` of the Gini source decomposition).
    pub fn referenced_numerics(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.measures {
            if let Some(ParamValue::Text(t)) = m.args().get("sources") {
                for s in t.split('+').map(str::trim).filter(|s| !s.is_empty()) {
                    if !out.iter().any(|o| o == s) {
                        out.push(s.to_string());
                    }
                }
            }
        }
        out
    }

    /// True when a measure needs household sizes (`middle_share(unit=household)`).
    pub fn needs_household_size(&self) -> bool {
        self.measures
            .iter()
            .any(|m| matches!(m.args().get("unit"), Some(ParamValue::Text(t)) if t == "household"))
    }
}

/// What went wrong, with enough context for a message naming column and row.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ComputeError {
    /// A measure (or the distribution under it) refused the data.
    #[error("{}{source}", domain.as_deref().map(|d| format!("domain {d}: ")).unwrap_or_default())]
    Measure {
        /// The domain (`county=C01, urban=1`), if not the whole population.
        domain: Option<String>,
        /// The measure error.
        source: MeasureError,
    },
    /// A value in an input column is unusable.
    #[error("column {column:?}, row {row}: {message}")]
    Value {
        /// Which column (its role: income, weight, size…).
        column: String,
        /// 1-based data row.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// The sampling design is unusable (a stratum with one PSU, a bad FPC…).
    #[error("{0}")]
    Design(String),
    /// A column needed by the computation was not supplied.
    #[error("column {0:?} is needed but was not read")]
    MissingColumn(String),
    /// Columns of different lengths.
    #[error("column {column:?} has {got} rows, expected {expected}")]
    Length {
        /// Column.
        column: String,
        /// Rows found.
        got: usize,
        /// Rows expected.
        expected: usize,
    },
}

/// One result row, the unit of every output format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    /// Catalogue id.
    pub measure: String,
    /// Parameters under the catalogue's names (positional ones included) plus
    /// the part label of multi-valued measures.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Domain: variable → label as in the input; empty for the whole population.
    pub by: serde_json::Map<String, serde_json::Value>,
    /// The estimate.
    pub value: f64,
    /// Standard error, when requested and available.
    pub se: Option<f64>,
    /// Confidence interval, when requested and available.
    pub ci: Option<[f64; 2]>,
    /// Observations used.
    pub n: usize,
    /// Weighted population used.
    pub population: f64,
    /// Observations excluded as non-positive (only when some were).
    #[serde(skip_serializing_if = "is_zero")]
    pub excluded: usize,
    /// Position of the measure in [`Spec::measures`] (not serialised).
    #[serde(skip)]
    pub measure_index: usize,
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

/// Results and the metadata that say how they were computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The results: for each measure the overall row, then each domain.
    pub results: Vec<ResultRow>,
    /// How: quantile rule, welfare concept, rows, weights…
    pub meta: serde_json::Map<String, serde_json::Value>,
}

impl ResultRow {
    /// The row of one part of an estimate in the domain `by` (variable,
    /// level pairs; empty for the whole population), without SE or interval.
    pub fn from_estimate(
        e: gongfu_measures::Estimate,
        by: &[(String, String)],
        measure_index: usize,
    ) -> ResultRow {
        ResultRow {
            measure: e.measure.to_string(),
            params: e
                .params
                .iter()
                .map(|(k, v)| (k.clone(), param_json(v)))
                .collect(),
            by: by
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::from(v.clone())))
                .collect(),
            value: e.value,
            se: None,
            ci: None,
            n: e.n,
            population: e.population,
            excluded: e.excluded,
            measure_index,
        }
    }
}

/// The label of a domain in messages and `meta.skipped`: `county=A, urban=1`;
/// `None` for the whole population.
pub fn domain_label(by: &[(String, String)]) -> Option<String> {
    (!by.is_empty()).then(|| {
        by.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// One entry of `meta.skipped` (with `skip_undefined`): the measure, the
/// domain's label (empty for the whole population) and why it was left out.
pub fn skipped_entry(measure: &Measure, domain: Option<&str>, reason: &str) -> serde_json::Value {
    let mut s = serde_json::Map::new();
    s.insert("measure".into(), measure.to_string().into());
    s.insert("domain".into(), domain.unwrap_or_default().into());
    s.insert("reason".into(), reason.into());
    s.into()
}

/// A parameter value as JSON: integral numbers as integers, relative lines as text.
pub fn param_json(v: &ParamValue) -> serde_json::Value {
    match v {
        ParamValue::Num(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            serde_json::Value::from(*x as i64)
        }
        ParamValue::Num(x) => serde_json::Value::from(*x),
        other => serde_json::Value::from(other.to_string()),
    }
}

fn check_len(name: &str, got: usize, expected: usize) -> Result<(), ComputeError> {
    if got != expected {
        return Err(ComputeError::Length {
            column: name.to_string(),
            got,
            expected,
        });
    }
    Ok(())
}

/// Computes every measure for the whole population and each domain.
///
/// Takes the columns by value: the input is released as soon as the sorted
/// distribution is built, and domains are materialised one at a time, so peak
/// memory is the sorted population plus one domain.
///
/// # Errors
/// [`ComputeError`] naming the column and row, or the domain and measure.
pub fn compute(cols: Columns, spec: &Spec) -> Result<Report, ComputeError> {
    compute_with_replicates(cols, Vec::new(), spec)
}

/// As [`compute`], with the supplied replicate weight columns borrowed
/// instead of owned in [`Columns::replicates`] (which must then be empty):
/// a caller holding them in its own memory (a NumPy array) lends them for
/// the computation instead of copying them. They are copied only when the
/// welfare concept turns household weights into person weights.
///
/// # Errors
/// As [`compute`].
pub fn compute_with_replicates(
    mut cols: Columns,
    borrowed: Vec<&[f64]>,
    spec: &Spec,
) -> Result<Report, ComputeError> {
    let n = cols.income.len();
    if let Some(w) = &cols.weight {
        check_len("weight", w.len(), n)?;
    }
    for k in &cols.keys {
        check_len(&k.name, k.codes.len(), n)?;
    }
    for (name, v) in &cols.numerics {
        check_len(name, v.len(), n)?;
    }
    if !cols.replicates.is_empty() && !borrowed.is_empty() {
        return Err(ComputeError::Design(
            "replicate weight columns were given both owned and borrowed".into(),
        ));
    }
    let mut supplied: Vec<Cow<'_, [f64]>> = match borrowed.is_empty() {
        true => std::mem::take(&mut cols.replicates)
            .into_iter()
            .map(Cow::Owned)
            .collect(),
        false => borrowed.into_iter().map(Cow::Borrowed).collect(),
    };
    for (r, v) in supplied.iter().enumerate() {
        check_len(&format!("replicate weight {}", r + 1), v.len(), n)?;
    }
    let by_supplied = matches!(
        spec.variance.as_ref().and_then(|v| v.replicates.as_ref()),
        Some(ReplicateSpec::Supplied { .. })
    );
    if !by_supplied && !supplied.is_empty() {
        return Err(ComputeError::Design(
            "replicate weight columns were given but the variance is not by supplied replicate weights".into(),
        ));
    }
    let weighted = cols.weight.is_some();
    let design = match &spec.variance {
        Some(v) => Some(
            Design::with_rows(
                n,
                cols.strata.as_ref().map(|k| k.codes.as_slice()),
                cols.psu.as_ref().map(|k| k.codes.as_slice()),
                cols.fpc.as_deref(),
                v.lonely,
                cols.strata.as_ref().map(|k| k.levels.clone()),
            )
            .map_err(|e| ComputeError::Design(e.to_string()))?,
        ),
        None => None,
    };
    let reps = match spec.variance.as_ref().and_then(|v| v.replicates.as_ref()) {
        Some(r) => Some(replicates(&cols, std::mem::take(&mut supplied), spec, r)?),
        None => None,
    };
    let whole = build(cols, spec, design.as_ref(), reps.is_some())?;
    let reps = reps.as_ref();
    let mut per_measure: Vec<Vec<ResultRow>> = vec![Vec::new(); spec.measures.len()];
    let mut skipped: Vec<serde_json::Value> = Vec::new();
    let design = design.as_ref();
    evaluate(
        &whole,
        &whole,
        &[],
        spec,
        VarianceCtx { design, reps },
        None,
        (&mut per_measure, &mut skipped),
    )?;
    let mut ndomains = 0usize;
    if !spec.by.is_empty() {
        let labels: Vec<Vec<String>> = match whole.category(domains::DOMAIN) {
            Some(c) => c
                .levels
                .iter()
                .map(|l| l.split('\u{1f}').map(String::from).collect())
                .collect(),
            None => Vec::new(),
        };
        let counts = whole
            .level_counts(domains::DOMAIN)
            .map_err(|e| ComputeError::Measure {
                domain: None,
                source: e,
            })?;
        // domains are materialised a batch at a time: memory stays near half the data
        let limit = (n / 2).max(1 << 20);
        let mut start = 0;
        while start < counts.len() {
            let (mut end, mut rows) = (start, 0usize);
            while end < counts.len() && (end == start || rows + counts[end] <= limit) {
                rows += counts[end];
                end += 1;
            }
            let parts = whole
                .split_levels(domains::DOMAIN, start..end)
                .map_err(|e| ComputeError::Measure {
                    domain: None,
                    source: e,
                })?;
            for (k, part) in (start..end).zip(parts) {
                if part.is_empty() {
                    continue;
                }
                ndomains += 1;
                let d = part.into_distribution();
                let by: Vec<(String, String)> = spec
                    .by
                    .iter()
                    .cloned()
                    .zip(labels[k].iter().cloned())
                    .collect();
                evaluate(
                    &d,
                    &whole,
                    &by,
                    spec,
                    VarianceCtx { design, reps },
                    Some(k),
                    (&mut per_measure, &mut skipped),
                )?;
            }
            start = end;
        }
    }
    let results = per_measure.into_iter().flatten().collect();
    let mut meta = serde_json::Map::new();
    meta.insert("quantile_rule".into(), spec.rule.name().into());
    meta.insert("welfare".into(), spec.welfare.name().into());
    meta.insert("rows".into(), n.into());
    meta.insert("weighted".into(), weighted.into());
    meta.insert(
        "nonpositive".into(),
        match spec.nonpositive {
            NonPositive::Error => "error",
            NonPositive::Exclude => "exclude",
        }
        .into(),
    );
    meta.insert("by".into(), spec.by.clone().into());
    meta.insert("domains".into(), ndomains.into());
    if spec.skip_undefined {
        meta.insert("skipped".into(), skipped.into());
    }
    if let (Some(d), Some(v)) = (design, &spec.variance) {
        let method = match reps {
            Some(r) => format!(
                "replicate weights ({}, {} replicates{})",
                r.kind.name(),
                r.len(),
                if r.mse { ", mse" } else { "" }
            ),
            None => "linearisation".to_string(),
        };
        let df = reps.map_or(d.df(), |r| r.degf());
        meta.insert(
            "variance".into(),
            variance_meta(&method, d.n_psu(), d.n_strata(), df, v).into(),
        );
    }
    Ok(Report { results, meta })
}

/// The report's `meta.variance`: how the standard errors were computed
/// (`method`), the design's PSUs, strata and degrees of freedom, and the
/// interval and lonely-PSU options — for any engine that fills a [`Report`].
pub fn variance_meta(
    method: &str,
    psu: usize,
    strata: usize,
    df: f64,
    v: &VarianceSpec,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("method".into(), method.into());
    m.insert("psu".into(), psu.into());
    m.insert("strata".into(), strata.into());
    m.insert("df".into(), df.into());
    m.insert("ci".into(), if v.normal { "normal" } else { "t" }.into());
    m.insert("level".into(), v.level.into());
    m.insert("lonely_psu".into(), v.lonely.name().into());
    m
}

/// The design and the replicate weights, when standard errors are asked for.
#[derive(Clone, Copy)]
struct VarianceCtx<'a> {
    design: Option<&'a Design>,
    reps: Option<&'a Replicates<'a>>,
}

/// Evaluates every measure on one domain (`d`) of the population `whole`.
fn evaluate(
    d: &Distribution,
    whole: &Distribution,
    by: &[(String, String)],
    spec: &Spec,
    vc: VarianceCtx<'_>,
    level_k: Option<usize>,
    (out, skipped): (&mut [Vec<ResultRow>], &mut Vec<serde_json::Value>),
) -> Result<(), ComputeError> {
    let VarianceCtx { design, reps } = vc;
    let ctx = Ctx::new(d)
        .with_whole(whole)
        .with_rule(spec.rule)
        .with_nonpositive(spec.nonpositive);
    let label = domain_label(by);
    let in_domain = |e: ComputeError| match e {
        ComputeError::Measure { source, .. } => ComputeError::Measure {
            domain: label.clone(),
            source,
        },
        other => other,
    };
    // replicate estimates of every measure at once (one reweighting per replicate)
    let rep_est = match (reps, &spec.variance) {
        (Some(r), Some(_)) => {
            let dom = level_k.map(|level| DomainSpec {
                category: domains::DOMAIN,
                level,
            });
            let opts = ReplicateOptions {
                rule: spec.rule,
                nonpositive: spec.nonpositive,
            };
            let est = replicate_estimates_many(whole, dom, &spec.measures, opts, r);
            match est {
                Ok(est) => Some(est),
                Err(SurveyError::Replicate { source, .. } | SurveyError::Measure(source))
                    if spec.skip_undefined =>
                {
                    for m in &spec.measures {
                        skipped.push(skipped_entry(m, label.as_deref(), &source.to_string()));
                    }
                    return Ok(());
                }
                Err(SurveyError::Replicate { source, .. } | SurveyError::Measure(source)) => {
                    return Err(ComputeError::Measure {
                        domain: label.clone(),
                        source,
                    });
                }
                Err(other) => return Err(ComputeError::Design(other.to_string())),
            }
        }
        _ => None,
    };
    for (mi, (m, rows)) in spec.measures.iter().zip(out.iter_mut()).enumerate() {
        let estimate = || -> Result<_, ComputeError> {
            let est = m.evaluate(&ctx).map_err(|e| ComputeError::Measure {
                domain: label.clone(),
                source: e,
            })?;
            let ses = match (design, &spec.variance, &rep_est, reps) {
                (_, Some(_), Some(re), Some(reps)) => est
                    .iter()
                    .zip(&re[mi])
                    .map(|(e, r)| Some(Se::Linear(replicate_variance(r, e.value, reps).sqrt())))
                    .collect(),
                (Some(design), Some(v), None, _) => {
                    standard_errors(m, &ctx, &est, design, v).map_err(in_domain)?
                }
                _ => vec![None; est.len()],
            };
            Ok((est, ses))
        };
        let (est, ses) = match estimate() {
            Ok(x) => x,
            Err(ComputeError::Measure { domain, source }) if spec.skip_undefined => {
                skipped.push(skipped_entry(m, domain.as_deref(), &source.to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let (df, level) = match (design, &spec.variance, reps) {
            (_, Some(v), Some(r)) if !v.normal => (r.degf(), v.level),
            (Some(d), Some(v), None) if !v.normal => (d.df(), v.level),
            (_, Some(v), _) => (f64::INFINITY, v.level),
            _ => (f64::INFINITY, 0.95),
        };
        rows.extend(est.into_iter().zip(ses).map(|(e, se)| {
            let mut row = ResultRow::from_estimate(e, by, mi);
            row.ci = se.map(|s| match s {
                Se::Linear(s) => {
                    let ci = confidence_interval(row.value, s, level, df);
                    [ci.lo, ci.hi]
                }
                Se::Interval { lo, hi, .. } => [lo, hi],
            });
            row.se = se.map(|s| match s {
                Se::Linear(s) | Se::Interval { se: s, .. } => s,
            });
            row
        }));
    }
    Ok(())
}

/// A standard error, and for quantiles Woodruff's own interval.
#[derive(Debug, Clone, Copy)]
enum Se {
    Linear(f64),
    Interval { se: f64, lo: f64, hi: f64 },
}

/// The standard error of each part of an estimate: Woodruff's method for
/// quantiles (R survey `svyquantile`), linearisation for everything else.
fn standard_errors(
    m: &Measure,
    ctx: &Ctx<'_>,
    est: &[gongfu_measures::Estimate],
    design: &Design,
    v: &VarianceSpec,
) -> Result<Vec<Option<Se>>, ComputeError> {
    let df = if v.normal { f64::INFINITY } else { design.df() };
    let survey = |e: gongfu_survey::SurveyError| ComputeError::Design(e.to_string());
    match m.id() {
        "count" => Ok(vec![None; est.len()]),
        "quantile" | "median" | "deciles" => est
            .iter()
            .map(|e| {
                let p = match e.params.iter().find(|(k, _)| k == "p") {
                    Some((_, ParamValue::Num(p))) => *p,
                    _ => 0.5,
                };
                let w = woodruff(design, ctx.dist, ctx.whole, p, ctx.rule, v.level, df)
                    .map_err(survey)?;
                Ok(Some(Se::Interval {
                    se: w.se,
                    lo: w.lo,
                    hi: w.hi,
                }))
            })
            .collect(),
        _ => {
            let infl = m.influence(ctx).map_err(|e| ComputeError::Measure {
                domain: None,
                source: e,
            })?;
            infl.iter()
                .map(|z| {
                    Ok(Some(Se::Linear(
                        variance(design, ctx.dist, ctx.whole, z)
                            .map_err(survey)?
                            .sqrt(),
                    )))
                })
                .collect()
        }
    }
}

/// The sorted population with the columns the measures and domains need;
/// consumes (and so releases) the input columns.
/// The replicate weights in the unit of the welfare concept's person weights
/// (`supplied`: the supplied columns, used as they are when the welfare
/// concept keeps the input weights).
fn replicates<'r>(
    cols: &Columns,
    supplied: Vec<Cow<'r, [f64]>>,
    spec: &Spec,
    r: &ReplicateSpec,
) -> Result<Replicates<'r>, ComputeError> {
    let n = cols.income.len();
    let factor = welfare::person_factor(cols, &spec.welfare)?;
    let design_err = |e: gongfu_survey::SurveyError| ComputeError::Design(e.to_string());
    // the design's strata, PSUs and person weights, for generated replicates
    let generated_from = || {
        let codes = |k: &Option<KeyColumn>, own: bool| -> Vec<u32> {
            match k {
                Some(k) => k.codes.clone(),
                None if own => (0..n as u32).collect(),
                None => vec![0; n],
            }
        };
        let weights: Vec<f64> = (0..n)
            .map(|i| {
                cols.weight.as_ref().map_or(1.0, |w| w[i]) * factor.as_ref().map_or(1.0, |f| f[i])
            })
            .collect();
        (codes(&cols.strata, false), codes(&cols.psu, true), weights)
    };
    match r {
        ReplicateSpec::Supplied {
            kind,
            scale,
            rscales,
            mse,
        } => {
            let columns: Vec<Cow<'r, [f64]>> = match &factor {
                Some(f) => supplied
                    .into_iter()
                    .map(|c| {
                        let mut c = c.into_owned();
                        c.iter_mut().zip(f).for_each(|(w, f)| *w *= f);
                        Cow::Owned(c)
                    })
                    .collect(),
                None => supplied,
            };
            Replicates::supplied(columns, *kind, *scale, rscales.clone(), *mse).map_err(design_err)
        }
        ReplicateSpec::Jkn { mse } => {
            let (strata, psu, weights) = generated_from();
            Ok(Replicates::jkn(&strata, &psu, &weights)
                .map_err(design_err)?
                .with_mse(*mse))
        }
        ReplicateSpec::Bootstrap {
            replicates,
            seed,
            mse,
        } => {
            let (strata, psu, weights) = generated_from();
            let r = Replicates::bootstrap(&strata, &psu, &weights, *replicates, *seed)
                .map_err(design_err)?;
            Ok(r.with_mse(*mse))
        }
    }
}

fn build(
    mut cols: Columns,
    spec: &Spec,
    design: Option<&Design>,
    keep_rows: bool,
) -> Result<Distribution, ComputeError> {
    let (x, w, size, divisor) = welfare::apply(&mut cols, &spec.welfare)?;
    let weighted = w.is_some();
    let mut keys = std::mem::take(&mut cols.keys);
    let mut take_key = |name: &str, keep: bool| -> Result<KeyColumn, ComputeError> {
        let i = keys
            .iter()
            .position(|k| k.name == name)
            .ok_or_else(|| ComputeError::MissingColumn(name.to_string()))?;
        Ok(if keep {
            keys[i].clone()
        } else {
            keys.swap_remove(i)
        })
    };
    // only the columns measures refer to travel with the observations; the
    // domains travel as one combined code
    let referenced: Vec<KeyColumn> = spec
        .referenced_keys()
        .iter()
        .map(|k| take_key(k, true))
        .collect::<Result<_, _>>()?;
    let by_keys: Vec<KeyColumn> = spec
        .by
        .iter()
        .map(|k| take_key(k, true))
        .collect::<Result<_, _>>()?;
    drop(keys);
    let domain = domains::Domains::new(&by_keys.iter().collect::<Vec<_>>());
    drop(by_keys);
    let numerics: Vec<(String, Vec<f64>)> = spec
        .referenced_numerics()
        .into_iter()
        .map(|name| {
            let i = cols
                .numerics
                .iter()
                .position(|(n, _)| *n == name)
                .ok_or_else(|| ComputeError::MissingColumn(name.clone()))?;
            let (name, mut v) = cols.numerics.swap_remove(i);
            // income sources follow the welfare concept of the income
            if let Some(d) = &divisor {
                v.iter_mut().zip(d).for_each(|(v, d)| *v /= d);
            }
            Ok((name, v))
        })
        .collect::<Result<_, ComputeError>>()?;
    drop(cols);
    // owned columns: the builder releases them once they are sorted in
    let mut b = Distribution::builder_owned(x, w);
    for key in referenced {
        b = b.category(&key.name, key.codes, key.levels);
    }
    if let Some(code) = domain.codes {
        b = b.category(
            domains::DOMAIN,
            code,
            domain.labels.iter().map(|l| l.join("\u{1f}")).collect(),
        );
    }
    for (name, v) in numerics {
        b = b.numeric(&name, v);
    }
    if let Some(d) = design {
        b = b.numeric(PSU_COLUMN, d.psu_of_rows());
    }
    if spec.needs_household_size() {
        // household income = per-capita income × size; household weight = person weight / size
        match (&spec.welfare, size) {
            (Welfare::PerCapita, Some(s)) => b = b.numeric("hh_size", s),
            _ => {
                return Err(ComputeError::MissingColumn(
                    "household size with per-capita welfare (--welfare per_capita --hh-size COL) for unit=household".into(),
                ));
            }
        }
    }
    if keep_rows {
        b = b.keep_rows();
    }
    b.build().map_err(|e| value_error(e, weighted, spec))
}

/// Maps a distribution error to the input column and 1-based row.
fn value_error(e: MeasureError, weighted: bool, spec: &Spec) -> ComputeError {
    let income_role = match spec.welfare {
        Welfare::AsIs => "income",
        _ => "income (after the welfare transformation)",
    };
    match e {
        MeasureError::NonFiniteValue { row, value } => ComputeError::Value {
            column: income_role.to_string(),
            row: row + 1,
            message: format!("{value} is not a finite number"),
        },
        MeasureError::BadWeight { row, value } => ComputeError::Value {
            column: if weighted {
                "weight"
            } else {
                "weight (implicit)"
            }
            .to_string(),
            row: row + 1,
            message: format!("weight must be a finite number > 0, got {value}"),
        },
        other => ComputeError::Measure {
            domain: None,
            source: other,
        },
    }
}
