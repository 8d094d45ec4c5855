//! `dynamics`: two-sample measures (growth incidence, mean growth, shared
//! prosperity, pro-poor growth, poverty-change decompositions) between a
//! baseline sample and the current one, for the population and each domain.
//!
//! `gongfu-compute` evaluates one sample; here the measures of the catalogue
//! are evaluated with `Ctx::with_baseline`, each domain of the current year
//! against the same domain of the baseline, with each year's whole sample as
//! the population for relative lines. Point estimates only: the two-sample
//! measures have no standard error yet (`docs/variance.md`).

use crate::compute::{common_options, finish_meta, report_to_py};
use crate::errors::{Failure, Kind, Names, from_measure, guarded, measure_spec_failure};
use crate::sample::{Sample, SampleArg};
use gongfu_compute::{
    Columns, EquivalenceScale, KeyColumn, Report, ResultRow, Spec, Welfare, natural_order,
};
use gongfu_measures::{Ctx, Distribution, Measure, NonPositive};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;

const DOMAIN: &str = "\u{1}domain";

/// Options of a two-sample computation, as a dict with every key present.
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
pub struct DynamicsOptions {
    rule: String,
    nonpositive: String,
    welfare: String,
    scale: Option<String>,
    years: f64,
    skip_undefined: bool,
    json: bool,
}

fn positive(column: &str, v: &[f64]) -> Result<(), Failure> {
    match v.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
        Some(i) => Err(Failure::input(
            column,
            Some(i + 1),
            format!(
                "column {column:?}, row {}: must be > 0, got {}",
                i + 1,
                v[i]
            ),
        )),
        None => Ok(()),
    }
}

/// Welfare values, person weights, household sizes and the divisor of the
/// income sources, as `gongfu-compute` derives them.
type Applied = (
    Vec<f64>,
    Option<Vec<f64>>,
    Option<Vec<f64>>,
    Option<Vec<f64>>,
);

fn apply_welfare(cols: &mut Columns, welfare: Welfare, names: &Names) -> Result<Applied, Failure> {
    if welfare == Welfare::AsIs {
        return Ok((
            std::mem::take(&mut cols.income),
            cols.weight.take(),
            cols.size.take(),
            None,
        ));
    }
    let size = match (&cols.size, &cols.adults, &cols.children) {
        (Some(s), _, _) => {
            positive(names.size.as_deref().unwrap_or("household size"), s)?;
            s.clone()
        }
        (None, Some(a), Some(c)) => {
            let s: Vec<f64> = a.iter().zip(c).map(|(a, c)| a + c).collect();
            positive("household size (adults + children)", &s)?;
            s
        }
        _ => {
            return Err(Failure::new(
                Kind::Input,
                "household size (hh_size=, or adults= and children=) is needed: name it with a keyword",
            ));
        }
    };
    let divisor: Vec<f64> = match welfare {
        Welfare::Equivalised(EquivalenceScale::ModifiedOecd) => {
            let (Some(a), Some(c)) = (&cols.adults, &cols.children) else {
                return Err(Failure::new(
                    Kind::Input,
                    "adults and children (adults=, children=) for the modified OECD scale is needed: name it with a keyword",
                ));
            };
            positive(names.adults.as_deref().unwrap_or("adults"), a)?;
            a.iter()
                .zip(c)
                .map(|(a, c)| 1.0 + 0.5 * (a - 1.0) + 0.3 * c)
                .collect()
        }
        Welfare::Equivalised(EquivalenceScale::Sqrt) => size.iter().map(|s| s.sqrt()).collect(),
        _ => size.clone(),
    };
    let x = cols
        .income
        .iter()
        .zip(&divisor)
        .map(|(y, d)| y / d)
        .collect();
    let w = match &cols.weight {
        Some(w) => w.iter().zip(&size).map(|(w, s)| w * s).collect(),
        None => size.clone(),
    };
    Ok((x, Some(w), Some(size), Some(divisor)))
}

/// One sample after the welfare concept, with its columns still in input order.
struct Prepared {
    x: Vec<f64>,
    w: Option<Vec<f64>>,
    size: Option<Vec<f64>>,
    divisor: Option<Vec<f64>>,
    cols: Columns,
    names: Names,
    /// Role prefix of messages (`"baseline: "` for the baseline sample).
    prefix: &'static str,
}

impl Prepared {
    fn new(
        mut sample: Sample,
        welfare: Welfare,
        prefix: &'static str,
    ) -> Result<Prepared, Failure> {
        let names = sample.names.clone();
        let (x, w, size, divisor) =
            apply_welfare(&mut sample.cols, welfare, &names).map_err(|f| prefixed(f, prefix))?;
        Ok(Prepared {
            x,
            w,
            size,
            divisor,
            cols: sample.cols,
            names,
            prefix,
        })
    }

    fn key(&self, name: &str) -> Result<&KeyColumn, Failure> {
        self.cols
            .keys
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| {
                Failure::new(
                    Kind::Input,
                    format!("{}column {name:?} is needed but was not given", self.prefix),
                )
            })
    }
}

fn prefixed(f: Failure, prefix: &str) -> Failure {
    f.prefixed(prefix)
}

/// The cross-classified domains of both samples: a combined code per row of
/// each sample, and the labels of each combination (one per `by` column).
struct Domains {
    codes: [Vec<u32>; 2],
    labels: Vec<Vec<String>>,
    /// Combination ids in natural order of their labels.
    order: Vec<usize>,
}

fn domains(samples: [&Prepared; 2], by: &[String]) -> Result<Domains, Failure> {
    let mut levels: Vec<Vec<String>> = vec![Vec::new(); by.len()];
    let mut index: Vec<HashMap<String, u32>> = vec![HashMap::new(); by.len()];
    let mut combos: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut list: Vec<Vec<u32>> = Vec::new();
    let mut codes: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    for (s, sample) in samples.iter().enumerate() {
        let keys: Vec<&KeyColumn> = by.iter().map(|b| sample.key(b)).collect::<Result<_, _>>()?;
        // each column's labels coded into the union of both samples' labels
        let maps: Vec<Vec<u32>> = keys
            .iter()
            .enumerate()
            .map(|(j, k)| {
                k.levels
                    .iter()
                    .map(|l| {
                        let next = levels[j].len() as u32;
                        *index[j].entry(l.clone()).or_insert_with(|| {
                            levels[j].push(l.clone());
                            next
                        })
                    })
                    .collect()
            })
            .collect();
        let n = sample.x.len();
        let mut out = Vec::with_capacity(n);
        let mut combo = vec![0u32; keys.len()];
        for i in 0..n {
            for (j, k) in keys.iter().enumerate() {
                combo[j] = maps[j][k.codes[i] as usize];
            }
            let next = list.len() as u32;
            let id = *combos.entry(combo.clone()).or_insert_with(|| {
                list.push(combo.clone());
                next
            });
            out.push(id);
        }
        codes[s] = out;
    }
    // natural order: by each column's rank in natural order, first column first
    let ranks: Vec<Vec<usize>> = levels
        .iter()
        .map(|l| {
            let mut r = vec![0usize; l.len()];
            for (pos, &lvl) in natural_order(l).iter().enumerate() {
                r[lvl] = pos;
            }
            r
        })
        .collect();
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by_key(|&c| {
        list[c]
            .iter()
            .enumerate()
            .map(|(j, &v)| ranks[j][v as usize])
            .collect::<Vec<_>>()
    });
    let labels = list
        .iter()
        .map(|c| {
            c.iter()
                .enumerate()
                .map(|(j, &v)| levels[j][v as usize].clone())
                .collect()
        })
        .collect();
    Ok(Domains {
        codes,
        labels,
        order,
    })
}

/// The sorted distribution of a prepared sample.
fn build(
    p: Prepared,
    spec: &Spec,
    domain: Option<(Vec<u32>, usize)>,
) -> Result<(Distribution, Names), Failure> {
    let referenced: Vec<KeyColumn> = spec
        .referenced_keys()
        .iter()
        .map(|k| p.key(k).cloned())
        .collect::<Result<_, _>>()?;
    let mut numerics = Vec::new();
    for name in spec.referenced_numerics() {
        let (_, v) = p
            .cols
            .numerics
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| {
                Failure::new(
                    Kind::Input,
                    format!("{}column {name:?} is needed but was not given", p.prefix),
                )
            })?;
        // income sources follow the welfare concept of the income
        let v: Vec<f64> = match &p.divisor {
            Some(d) => v.iter().zip(d).map(|(v, d)| v / d).collect(),
            None => v.clone(),
        };
        numerics.push((name, v));
    }
    let mut b = Distribution::builder_owned(p.x, p.w);
    for k in referenced {
        b = b.category(&k.name, k.codes, k.levels);
    }
    if let Some((codes, n)) = domain {
        b = b.category(DOMAIN, codes, (0..n).map(|k| k.to_string()).collect());
    }
    for (name, v) in numerics {
        b = b.numeric(&name, v);
    }
    if spec.needs_household_size() {
        match (spec.welfare, p.size) {
            (Welfare::PerCapita, Some(s)) => b = b.numeric("hh_size", s),
            _ => {
                return Err(Failure::new(
                    Kind::Input,
                    "household size with per-capita welfare (welfare=\"per_capita\", hh_size=COL) for unit=household is needed: name it with a keyword",
                ));
            }
        }
    }
    let names = p.names;
    let dist = b
        .build()
        .map_err(|e| prefixed(from_measure(e, None, &names), p.prefix))?;
    Ok((dist, names))
}

/// Two-sample computation: see the module documentation.
#[pyfunction]
#[pyo3(signature = (current, baseline, measures, by, options))]
pub fn dynamics<'py>(
    py: Python<'py>,
    current: SampleArg<'py>,
    baseline: SampleArg<'py>,
    measures: &str,
    by: Vec<String>,
    options: DynamicsOptions,
) -> PyResult<Bound<'py, PyDict>> {
    let current = current.into_sample().map_err(|f| f.into_pyerr(py))?;
    let baseline = baseline.into_sample().map_err(|f| f.into_pyerr(py))?;
    let list = measures.to_string();
    let by_names = by.clone();
    let json = options.json;
    let report = guarded(py, move || run(current, baseline, &list, by, &options))?;
    report_to_py(py, &report, &by_names, json)
}

fn run(
    current: Sample,
    baseline: Sample,
    list: &str,
    by: Vec<String>,
    o: &DynamicsOptions,
) -> Result<Report, Failure> {
    let measures = Measure::parse_list(list).map_err(|e| measure_spec_failure(&e, list))?;
    if measures.is_empty() {
        return Err(Failure::new(Kind::Measure, "no measures given"));
    }
    let (rule, nonpositive, welfare) =
        common_options(&o.rule, &o.nonpositive, &o.welfare, o.scale.as_deref())?;
    if !(o.years.is_finite() && o.years > 0.0) {
        return Err(Failure::option(format!(
            "years must be a number > 0, got {}",
            o.years
        )));
    }
    let spec = Spec {
        measures,
        by,
        rule,
        nonpositive,
        welfare,
        variance: None,
        skip_undefined: o.skip_undefined,
    };
    let rows = [current.cols.income.len(), baseline.cols.income.len()];
    let cur = Prepared::new(current, welfare, "")?;
    let base = Prepared::new(baseline, welfare, "baseline: ")?;
    let doms = if spec.by.is_empty() {
        None
    } else {
        Some(domains([&cur, &base], &spec.by)?)
    };
    let (cur_codes, base_codes) = match &doms {
        Some(d) => (
            Some((d.codes[0].clone(), d.labels.len())),
            Some((d.codes[1].clone(), d.labels.len())),
        ),
        None => (None, None),
    };
    let (now, names) = build(cur, &spec, cur_codes)?;
    let (then, _) = build(base, &spec, base_codes)?;
    let mut per_measure: Vec<Vec<ResultRow>> = vec![Vec::new(); spec.measures.len()];
    let mut skipped: Vec<serde_json::Value> = Vec::new();
    let mut evaluated = 0usize;
    let mut eval =
        |d: &Distribution, b: &Distribution, by: &[(String, String)]| -> Result<(), Failure> {
            let ctx = Ctx::new(d)
                .with_whole(&now)
                .with_rule(spec.rule)
                .with_nonpositive(spec.nonpositive)
                .with_baseline(b, &then, o.years);
            let label = gongfu_compute::domain_label(by);
            for (mi, (m, rows)) in spec.measures.iter().zip(per_measure.iter_mut()).enumerate() {
                let est = match m.evaluate(&ctx) {
                    Ok(est) => est,
                    Err(e) if spec.skip_undefined => {
                        skipped.push(gongfu_compute::skipped_entry(
                            m,
                            label.as_deref(),
                            &e.to_string(),
                        ));
                        continue;
                    }
                    Err(e) => return Err(from_measure(e, label.clone(), &names)),
                };
                rows.extend(est.into_iter().map(|e| ResultRow::from_estimate(e, by, mi)));
            }
            evaluated += 1;
            Ok(())
        };
    eval(&now, &then, &[])?;
    if let Some(d) = &doms {
        let parts_now = now
            .split_by(DOMAIN)
            .map_err(|e| from_measure(e, None, &names))?;
        let parts_then = then
            .split_by(DOMAIN)
            .map_err(|e| from_measure(e, None, &names))?;
        let empty = then.gather(&[]);
        for &k in &d.order {
            let Some(part) = parts_now.get(k).filter(|p| !p.is_empty()) else {
                continue;
            };
            let by: Vec<(String, String)> = spec
                .by
                .iter()
                .cloned()
                .zip(d.labels[k].iter().cloned())
                .collect();
            eval(part, parts_then.get(k).unwrap_or(&empty), &by)?;
        }
    }
    let results = per_measure.into_iter().flatten().collect();
    let mut meta = serde_json::Map::new();
    meta.insert("quantile_rule".into(), spec.rule.name().into());
    meta.insert("welfare".into(), spec.welfare.name().into());
    meta.insert("rows".into(), rows[0].into());
    meta.insert("baseline_rows".into(), rows[1].into());
    meta.insert("years".into(), o.years.into());
    meta.insert(
        "nonpositive".into(),
        match spec.nonpositive {
            NonPositive::Error => "error",
            NonPositive::Exclude => "exclude",
        }
        .into(),
    );
    meta.insert("by".into(), spec.by.clone().into());
    meta.insert("domains".into(), (evaluated - 1).into());
    meta.insert(
        "variance".into(),
        "none: two-sample measures have no standard error yet".into(),
    );
    if spec.skip_undefined {
        meta.insert("skipped".into(), skipped.into());
    }
    let mut report = Report { results, meta };
    finish_meta(&mut report, &names);
    Ok(report)
}
