//! `compute`: measures for the population and each domain, with standard
//! errors, through `gongfu_compute::compute` (what `gongfu compute` runs).

use crate::errors::{Failure, Kind, Names, from_compute, guarded, measure_spec_failure};
use crate::sample::SampleArg;
use gongfu_compute::{
    EquivalenceScale, LonelyPsu, RepType, ReplicateSpec, Report, Spec, VarianceSpec, Welfare,
};
use gongfu_measures::{Measure, NonPositive, QuantileRule};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The options of a computation, as a dict with every key present.
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
pub struct OptionsArg {
    rule: String,
    nonpositive: String,
    welfare: String,
    scale: Option<String>,
    se: bool,
    level: f64,
    ci: String,
    lonely_psu: String,
    skip_undefined: bool,
    rep_type: Option<String>,
    rep_scale: Option<f64>,
    rep_rscales: Option<Vec<f64>>,
    mse: bool,
    replicates: Option<String>,
    seed: u64,
    json: bool,
}

/// The quantile rule, non-positive policy and welfare concept.
pub fn common_options(
    rule: &str,
    nonpositive: &str,
    welfare: &str,
    scale: Option<&str>,
) -> Result<(QuantileRule, NonPositive, Welfare), Failure> {
    let rule: QuantileRule = rule.parse().map_err(|_| {
        Failure::option(format!(
            "quantile_rule must be eurostat, inverse_cdf or hf7, got {rule:?}"
        ))
    })?;
    let nonpositive = match nonpositive {
        "error" => NonPositive::Error,
        "exclude" => NonPositive::Exclude,
        o => {
            return Err(Failure::option(format!(
                "nonpositive must be error or exclude, got {o:?}"
            )));
        }
    };
    let welfare = match (welfare, scale) {
        ("as_is", _) => Welfare::AsIs,
        ("per_capita", _) => Welfare::PerCapita,
        ("equivalised" | "equivalized", None | Some("oecd")) => {
            Welfare::Equivalised(EquivalenceScale::ModifiedOecd)
        }
        ("equivalised" | "equivalized", Some("sqrt")) => {
            Welfare::Equivalised(EquivalenceScale::Sqrt)
        }
        ("equivalised" | "equivalized", Some(s)) => {
            return Err(Failure::option(format!(
                "scale must be oecd or sqrt, got {s:?}"
            )));
        }
        (o, _) => {
            return Err(Failure::option(format!(
                "welfare must be as_is, per_capita or equivalised, got {o:?}"
            )));
        }
    };
    Ok((rule, nonpositive, welfare))
}

/// Standard errors, when asked for (replicate weights imply them).
fn variance(o: &OptionsArg, supplied: bool) -> Result<Option<VarianceSpec>, Failure> {
    if !(o.level > 0.0 && o.level < 1.0) {
        return Err(Failure::option(format!(
            "level must be between 0 and 1, got {}",
            o.level
        )));
    }
    if !(o.se || supplied || o.replicates.is_some()) {
        return Ok(None);
    }
    let lonely: LonelyPsu = o
        .lonely_psu
        .parse()
        .map_err(|e: gongfu_survey::SurveyError| Failure::option(format!("lonely_psu: {e}")))?;
    let normal = match o.ci.as_str() {
        "t" => false,
        "normal" => true,
        c => {
            return Err(Failure::option(format!(
                "ci must be t or normal, got {c:?}"
            )));
        }
    };
    let replicates = match (supplied, o.replicates.as_deref()) {
        (true, Some(_)) => {
            return Err(Failure::option(
                "give either repweights (supplied) or replicates (generated), not both",
            ));
        }
        (true, None) => {
            let kind: RepType = match o.rep_type.as_deref() {
                Some(t) => t.parse().map_err(|e: gongfu_survey::SurveyError| {
                    Failure::option(format!("rep_type: {e}"))
                })?,
                None => {
                    return Err(Failure::option(
                        "repweights need rep_type (bootstrap, jk1, jkn, brr, fay(RHO), sdr)",
                    ));
                }
            };
            Some(ReplicateSpec::Supplied {
                kind,
                scale: o.rep_scale,
                rscales: o.rep_rscales.clone(),
                mse: o.mse,
            })
        }
        (false, Some("jkn")) => Some(ReplicateSpec::Jkn { mse: o.mse }),
        (false, Some(b)) if b.starts_with("bootstrap") => {
            let r = match b.split_once(':') {
                Some((_, r)) => r.trim().parse().map_err(|_| {
                    Failure::option(format!(
                        "replicates=\"bootstrap:R\" needs a number of replicates, got {b:?}"
                    ))
                })?,
                None => 500,
            };
            Some(ReplicateSpec::Bootstrap {
                replicates: r,
                seed: o.seed,
                mse: o.mse,
            })
        }
        (false, Some(o)) => {
            return Err(Failure::option(format!(
                "replicates must be \"jkn\" or \"bootstrap:R\", got {o:?}"
            )));
        }
        (false, None) => None,
    };
    Ok(Some(VarianceSpec {
        lonely,
        level: o.level,
        normal,
        replicates,
    }))
}

/// `k=v;k=v`, as the `params` column of `gongfu compute --format csv`.
fn params_text(params: &serde_json::Map<String, serde_json::Value>) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Adds what the command line adds to `meta`: the income and weight columns
/// and the program.
pub fn finish_meta(report: &mut Report, names: &Names) {
    report
        .meta
        .insert("income".into(), names.income.clone().into());
    report.meta.insert(
        "weight".into(),
        names
            .weight
            .clone()
            .map_or(serde_json::Value::Null, Into::into),
    );
    report.meta.insert(
        "program".into(),
        concat!("gongfu ", env!("CARGO_PKG_VERSION"), " (Python)").into(),
    );
}

/// The report as columns: lists of labels and NumPy arrays of numbers
/// (NaN where a standard error or interval is absent), plus the JSON of
/// `gongfu compute --format json` when asked for.
pub fn report_to_py<'py>(
    py: Python<'py>,
    report: &Report,
    by: &[String],
    json: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let r = &report.results;
    let out = PyDict::new(py);
    out.set_item(
        "measure",
        r.iter().map(|x| x.measure.as_str()).collect::<Vec<_>>(),
    )?;
    out.set_item(
        "params",
        r.iter().map(|x| params_text(&x.params)).collect::<Vec<_>>(),
    )?;
    let by_cols = PyDict::new(py);
    let mut names: Vec<String> = by.to_vec();
    for row in r {
        for k in row.by.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    for name in &names {
        let labels: Vec<Option<String>> = r
            .iter()
            .map(|x| {
                x.by.get(name).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .collect();
        by_cols.set_item(name, labels)?;
    }
    out.set_item("by", by_cols)?;
    out.set_item("by_names", PyList::new(py, &names)?)?;
    let nan = f64::NAN;
    out.set_item(
        "value",
        r.iter()
            .map(|x| x.value)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "se",
        r.iter()
            .map(|x| x.se.unwrap_or(nan))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "ci_lo",
        r.iter()
            .map(|x| x.ci.map_or(nan, |c| c[0]))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "ci_hi",
        r.iter()
            .map(|x| x.ci.map_or(nan, |c| c[1]))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "n",
        r.iter()
            .map(|x| x.n as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "population",
        r.iter()
            .map(|x| x.population)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "excluded",
        r.iter()
            .map(|x| x.excluded as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    out.set_item(
        "meta",
        serde_json::Value::Object(report.meta.clone()).to_string(),
    )?;
    if json {
        out.set_item("json", gongfu_compute::render_json(report))?;
    }
    Ok(out)
}

/// Computes the measures (a list in the catalogue's syntax) for the whole
/// sample and each domain of `by`, as `gongfu compute` does.
#[pyfunction]
#[pyo3(signature = (sample, measures, by, options))]
pub fn compute<'py>(
    py: Python<'py>,
    sample: SampleArg<'py>,
    measures: &str,
    by: Vec<String>,
    options: OptionsArg,
) -> PyResult<Bound<'py, PyDict>> {
    let (mut sample, rep_arrays) = sample.into_parts().map_err(|f| f.into_pyerr(py))?;
    // supplied replicate weights are lent to the computation when NumPy holds
    // each as one contiguous block (no copy of n × R weights), else copied
    let lent: Option<Vec<&[f64]>> = rep_arrays.iter().map(|a| a.as_slice().ok()).collect();
    let lent = match lent {
        Some(slices) => slices,
        None => {
            sample.cols.replicates = rep_arrays.iter().map(|a| a.as_array().to_vec()).collect();
            Vec::new()
        }
    };
    let list = measures.to_string();
    let by_names = by.clone();
    let json = options.json;
    let report = guarded(py, move || {
        let measures = Measure::parse_list(&list).map_err(|e| measure_spec_failure(&e, &list))?;
        if measures.is_empty() {
            return Err(Failure::new(Kind::Measure, "no measures given"));
        }
        let (rule, nonpositive, welfare) = common_options(
            &options.rule,
            &options.nonpositive,
            &options.welfare,
            options.scale.as_deref(),
        )?;
        let variance = variance(
            &options,
            !(sample.cols.replicates.is_empty() && lent.is_empty()),
        )?;
        let spec = Spec {
            measures,
            by,
            rule,
            nonpositive,
            welfare,
            variance,
            skip_undefined: options.skip_undefined,
        };
        let names = sample.names;
        let mut report = gongfu_compute::compute_with_replicates(sample.cols, lent, &spec)
            .map_err(|e| from_compute(e, &names))?;
        finish_meta(&mut report, &names);
        Ok(report)
    })?;
    report_to_py(py, &report, &by_names, json)
}
