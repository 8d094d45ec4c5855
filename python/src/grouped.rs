//! `grouped`: measures from published group tables (quintile or decile
//! means or shares) through the parametric Lorenz curves of `gongfu-grouped`,
//! one table or a population-weighted mixture of several, as `gongfu grouped`.

use crate::compute::report_to_py;
use crate::errors::{Failure, Kind, from_grouped, guarded};
use gongfu_compute::{Report, ResultRow, param_json};
use gongfu_grouped::{
    Curve, Fit, GroupedFit, GroupedMeasure, GroupedTable, Income, Mixture, Reference, Row,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value, json};

/// One table: its label, population shares, income (group means or income
/// shares), the overall mean if given, and its weight in a mixture.
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
pub struct TableArg {
    label: String,
    pop_share: Vec<f64>,
    income: Vec<f64>,
    income_kind: String,
    mean: Option<f64>,
    weight: f64,
}

struct Source {
    label: String,
    weight: f64,
    fit: GroupedFit,
}

fn fit_json(fit: &Fit) -> Value {
    let parameters = match fit.curve {
        Some(Curve::Gq(g)) => json!({"a": g.a, "b": g.b, "c": g.c}),
        Some(Curve::Beta(b)) => json!({"theta": b.theta, "gamma": b.gamma, "delta": b.delta}),
        None => Value::Null,
    };
    let checks: Vec<Value> = fit
        .checks
        .iter()
        .map(|c| json!({"condition": c.condition, "passed": c.passed, "detail": c.detail}))
        .collect();
    json!({
        "parameters": parameters,
        "sse": if fit.sse.is_finite() { json!(fit.sse) } else { Value::Null },
        "valid": fit.valid(),
        "checks": checks,
        "failure": fit.failure,
    })
}

fn table_meta(s: &Source) -> Value {
    let t = s.fit.table();
    let distribution = match s.fit.distribution_choice() {
        Ok(c) => json!({"model": c.model.name(), "reason": c.reason}),
        Err(e) => json!({"model": null, "reason": e.to_string()}),
    };
    json!({
        "label": s.label,
        "weight": s.weight,
        "mean": t.mean(),
        "groups": t.groups(),
        "fits": {"gq": fit_json(s.fit.gq()), "beta": fit_json(s.fit.beta())},
        "distribution": distribution,
        "notes": t.notes(),
    })
}

fn result_row(
    r: &Row,
    index: usize,
    by: Option<(&str, &str)>,
    n: usize,
    population: f64,
) -> ResultRow {
    let mut b = Map::new();
    if let Some((k, v)) = by {
        b.insert(k.into(), v.into());
    }
    ResultRow {
        measure: r.measure.to_string(),
        params: r
            .params
            .iter()
            .map(|(k, v)| (k.clone(), param_json(v)))
            .collect(),
        by: b,
        value: r.value,
        se: None,
        ci: None,
        n,
        population,
        excluded: 0,
        measure_index: index,
    }
}

/// Results, the fit behind each (model, reason) and the report.
type Grouped = (Report, Vec<String>, Vec<String>);

fn run(tables: Vec<TableArg>, list: &str, combined: bool) -> Result<Grouped, Failure> {
    let measures = GroupedMeasure::parse_list(list)
        .map_err(|e| from_grouped(e, None).prefixed(&format!("measures {list:?}: ")))?;
    if measures.is_empty() {
        return Err(Failure::new(Kind::Measure, "no measures given"));
    }
    let mut sources = Vec::with_capacity(tables.len());
    for t in &tables {
        let label = (combined || tables.len() > 1).then_some(t.label.as_str());
        if let Some(m) = t.mean
            && !(m.is_finite() && m > 0.0)
        {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "{}mean must be a positive number, got {m}",
                    label.map(|l| format!("table {l:?}: ")).unwrap_or_default()
                ),
            ));
        }
        if !(t.weight.is_finite() && t.weight > 0.0) {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "table {:?}: the weight must be a positive number, got {}",
                    t.label, t.weight
                ),
            ));
        }
        let income = match t.income_kind.as_str() {
            "mean" => Income::Means(&t.income),
            "income_share" => Income::Shares(&t.income),
            k => {
                return Err(Failure::option(format!(
                    "income_kind must be mean or income_share, got {k:?}"
                )));
            }
        };
        let table =
            GroupedTable::new(&t.pop_share, income, t.mean).map_err(|e| from_grouped(e, label))?;
        sources.push(Source {
            label: t.label.clone(),
            weight: t.weight,
            fit: GroupedFit::new(table),
        });
    }
    let mut results = Vec::new();
    let (mut models, mut reasons) = (Vec::new(), Vec::new());
    let mut meta = Map::new();
    if !combined {
        let [s] = sources.as_slice() else {
            return Err(Failure::option("one table, or combine several"));
        };
        let rows =
            gongfu_grouped::evaluate(&measures, &s.fit, None).map_err(|e| from_grouped(e, None))?;
        let mut index = Vec::new();
        for (i, m) in measures.iter().enumerate() {
            index.extend(std::iter::repeat_n(i, m.parts()));
        }
        let groups = s.fit.table().groups();
        for (j, r) in rows.iter().enumerate() {
            results.push(result_row(
                r,
                index.get(j).copied().unwrap_or(0),
                None,
                groups,
                1.0,
            ));
            models.push(r.model.clone());
            reasons.push(r.reason.clone());
        }
        if measures.iter().any(GroupedMeasure::is_relative)
            && let Ok(r) = gongfu_grouped::reference(&s.fit)
        {
            meta.insert(
                "relative_to".into(),
                json!({"median": r.median, "mean": r.mean}),
            );
        }
        meta.insert("tables".into(), Value::Array(vec![table_meta(s)]));
    } else {
        let mix = Mixture::new(sources.iter().map(|s| (s.fit.clone(), s.weight)).collect())
            .map_err(|e| from_grouped(e, None))?;
        let reference = if measures.iter().any(GroupedMeasure::is_relative) {
            Some(gongfu_grouped::mixture_reference(&mix).map_err(|e| from_grouped(e, None))?)
        } else {
            None
        };
        let mut per_table = Vec::new();
        for s in &sources {
            let r = reference.unwrap_or(Reference {
                median: f64::NAN,
                mean: s.fit.mean(),
            });
            per_table.push(
                gongfu_grouped::evaluate(&measures, &s.fit, Some(r))
                    .map_err(|e| from_grouped(e, Some(&s.label)))?,
            );
        }
        let mixed =
            gongfu_grouped::evaluate_mixture(&measures, &mix).map_err(|e| from_grouped(e, None))?;
        let total_groups: usize = sources.iter().map(|s| s.fit.table().groups()).sum();
        let total_weight: f64 = sources.iter().map(|s| s.weight).sum();
        let mut cursor = 0;
        for (mi, m) in measures.iter().enumerate() {
            let count = m.parts();
            for r in mixed.iter().skip(cursor).take(count) {
                results.push(result_row(
                    r,
                    mi,
                    Some(("table", "all")),
                    total_groups,
                    total_weight,
                ));
                models.push(r.model.clone());
                reasons.push(r.reason.clone());
            }
            for (s, rows) in sources.iter().zip(&per_table) {
                for r in rows.iter().skip(cursor).take(count) {
                    results.push(result_row(
                        r,
                        mi,
                        Some(("table", &s.label)),
                        s.fit.table().groups(),
                        s.weight,
                    ));
                    models.push(r.model.clone());
                    reasons.push(r.reason.clone());
                }
            }
            cursor += count;
        }
        let tables: Vec<Value> = sources
            .iter()
            .zip(mix.shares())
            .map(|(s, share)| {
                let mut t = table_meta(s);
                t["share"] = json!(share);
                t
            })
            .collect();
        meta.insert("tables".into(), Value::Array(tables));
        if let Some(r) = reference {
            meta.insert(
                "relative_to".into(),
                json!({"median": r.median, "mean": r.mean}),
            );
        }
        meta.insert("mean".into(), json!(mix.mean()));
        meta.insert(
            "combination".into(),
            json!(format!(
                "population-weighted mixture of {} tables: poverty, Watts, prosperity gap and middle share are the weighted averages of the tables' values; quantiles solve F(x) = p for F = Σ share × F_table; Lorenz ordinates, shares and the Gini come from a merged grid of {} equal-population cells per table",
                sources.len(),
                gongfu_grouped::GRID
            )),
        );
    }
    meta.insert(
        "models".into(),
        Value::Array(
            models
                .iter()
                .zip(&reasons)
                .map(|(m, r)| json!({"model": m, "reason": r}))
                .collect(),
        ),
    );
    meta.insert(
        "method".into(),
        "grouped data: General Quadratic and Beta Lorenz curves (Datt 1998), World Bank PIP validity and selection"
            .into(),
    );
    meta.insert(
        "program".into(),
        concat!("gongfu ", env!("CARGO_PKG_VERSION"), " (Python)").into(),
    );
    Ok((Report { results, meta }, models, reasons))
}

/// Measures from one grouped table, or from the population-weighted mixture
/// of several (`combined`: a `table` column, `all` for the mixture).
#[pyfunction]
#[pyo3(signature = (tables, measures, combined, json))]
pub fn grouped<'py>(
    py: Python<'py>,
    tables: Vec<TableArg>,
    measures: &str,
    combined: bool,
    json: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let list = measures.to_string();
    let (report, models, reasons) = guarded(py, move || run(tables, &list, combined))?;
    let by: Vec<String> = if combined {
        vec!["table".into()]
    } else {
        Vec::new()
    };
    let out = report_to_py(py, &report, &by, json)?;
    out.set_item("model", models)?;
    out.set_item("reason", reasons)?;
    Ok(out)
}
