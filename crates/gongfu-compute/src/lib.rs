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
//! let report = compute(&cols, &spec)?;
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
use serde::Serialize;
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
        let codes = labels
            .iter()
            .map(|l| match levels.iter().position(|x| x == l) {
                Some(i) => i as u32,
                None => {
                    levels.push(l.to_string());
                    (levels.len() - 1) as u32
                }
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
/// # Errors
/// [`ComputeError`] naming the column and row, or the domain and measure.
pub fn compute(cols: &Columns, spec: &Spec) -> Result<Report, ComputeError> {
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
    let (x, w, size) = welfare::apply(cols, &spec.welfare)?;
    let w = w.as_deref();
    // which key columns travel with the distribution
    let mut key_names: Vec<String> = spec.by.clone();
    for k in spec.referenced_keys() {
        if !key_names.contains(&k) {
            key_names.push(k);
        }
    }
    let find_key = |name: &str| {
        cols.keys
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| ComputeError::MissingColumn(name.to_string()))
    };
    let keys: Vec<&KeyColumn> = key_names
        .iter()
        .map(|k| find_key(k))
        .collect::<Result<_, _>>()?;
    let domain = domains::Domains::new(&keys[..spec.by.len()]);
    let mut b = Distribution::builder(&x, w);
    for k in &keys {
        b = b.category(&k.name, &k.codes, k.levels.clone());
    }
    if let Some(code) = &domain.codes {
        b = b.category(
            domains::DOMAIN,
            code,
            domain.labels.iter().map(|l| l.join(",")).collect(),
        );
    }
    let wanted = spec.referenced_numerics();
    for name in &wanted {
        let v = cols
            .numerics
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| ComputeError::MissingColumn(name.clone()))?;
        b = b.numeric(name, &v.1);
    }
    if spec.needs_household_size() {
        // household income = per-capita income × size; household weight = person weight / size
        match (&spec.welfare, &size) {
            (Welfare::PerCapita, Some(s)) => b = b.numeric("hh_size", s),
            _ => {
                return Err(ComputeError::MissingColumn(
                    "household size with per-capita welfare (--welfare per_capita --hh-size COL) for unit=household".into(),
                ));
            }
        }
    }
    let whole = b.build().map_err(|e| value_error(e, cols, spec))?;
    let parts = match &domain.codes {
        Some(_) => whole
            .split_by(domains::DOMAIN)
            .map_err(|e| ComputeError::Measure {
                domain: None,
                source: e,
            })?,
        None => Vec::new(),
    };
    let mut results = Vec::new();
    for m in &spec.measures {
        let run =
            |d: &Distribution, by: &[(String, String)]| -> Result<Vec<ResultRow>, ComputeError> {
                let ctx = Ctx::new(d)
                    .with_whole(&whole)
                    .with_rule(spec.rule)
                    .with_nonpositive(spec.nonpositive);
                let label = (!by.is_empty()).then(|| {
                    by.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                let est = m.evaluate(&ctx).map_err(|e| ComputeError::Measure {
                    domain: label,
                    source: e,
                })?;
                Ok(est
                    .into_iter()
                    .map(|e| ResultRow {
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
                    })
                    .collect())
            };
        results.extend(run(&whole, &[])?);
        for (k, d) in parts.iter().enumerate() {
            if d.is_empty() {
                continue;
            }
            let by: Vec<(String, String)> = spec
                .by
                .iter()
                .cloned()
                .zip(domain.labels[k].iter().cloned())
                .collect();
            results.extend(run(d, &by)?);
        }
    }
    let mut meta = serde_json::Map::new();
    meta.insert("quantile_rule".into(), spec.rule.name().into());
    meta.insert("welfare".into(), spec.welfare.name().into());
    meta.insert("rows".into(), n.into());
    meta.insert("weighted".into(), cols.weight.is_some().into());
    meta.insert(
        "nonpositive".into(),
        match spec.nonpositive {
            NonPositive::Error => "error",
            NonPositive::Exclude => "exclude",
        }
        .into(),
    );
    meta.insert("by".into(), spec.by.clone().into());
    meta.insert(
        "domains".into(),
        parts.iter().filter(|d| !d.is_empty()).count().into(),
    );
    Ok(Report { results, meta })
}

/// Maps a distribution error to the input column and 1-based row.
fn value_error(e: MeasureError, cols: &Columns, spec: &Spec) -> ComputeError {
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
            column: if cols.weight.is_some() {
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
