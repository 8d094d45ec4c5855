//! Conformance with the R reference values (laeken, convey, survey, ineq).
//!
//! One data-driven [`check`] maps each row of `reference_values.csv` to a
//! gongfu computation and compares at 1e-12 relative. Standard errors belong
//! to the variance crate; here only point estimates are checked.

mod common;

use common::{Survey, load};
use gongfu_measures::{Ctx, Distribution, Measure, NonPositive, ParamValue, QuantileRule};
use std::collections::HashMap;

/// The number of point estimates this test checked when it was last extended.
/// The test fails if fewer are checked (nothing silently drops out).
const EXPECTED_CHECKED: usize = 1121;

const TOL: f64 = 1e-12;

struct Row {
    package: String,
    function: String,
    arguments: String,
    design: String,
    domain_var: String,
    domain: String,
    statistic: String,
    value: f64,
}

fn rows() -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(common::data_dir().join("reference_values.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            Row {
                package: r[0].into(),
                function: r[1].into(),
                arguments: r[2].into(),
                design: r[3].into(),
                domain_var: r[5].into(),
                domain: r[6].into(),
                statistic: r[7].into(),
                value: r[8].parse().unwrap(),
            }
        })
        .collect()
}

/// `name=value` from an R argument string.
fn arg<'a>(args: &'a str, name: &str) -> Option<&'a str> {
    args.split([',', ';'])
        .map(str::trim)
        .find_map(|a| a.strip_prefix(name)?.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
}

fn stat_p(stat: &str, prefix: &str) -> Option<f64> {
    stat.strip_prefix(prefix)?.strip_suffix(')')?.parse().ok()
}

struct Data {
    y2021: Survey,
    y2022: Survey,
    cache: HashMap<String, Distribution>,
}

impl Data {
    fn dist(&mut self, year: u16, subset: &str) -> &Distribution {
        let key = format!("{year}:{subset}");
        if !self.cache.contains_key(&key) {
            let s = if year == 2021 {
                &self.y2021
            } else {
                &self.y2022
            };
            let d = match subset {
                "all" => s.distribution(|_| true, true),
                "pos" => s.distribution(|i| s.pc_income[i] > 0.0, true),
                _ => s.distribution(|i| s.pc_income[i] > 0.0, false),
            };
            self.cache.insert(key.clone(), d);
        }
        &self.cache[&key]
    }
}

/// What a reference row asks gongfu to compute.
struct Plan {
    measure: Measure,
    rule: QuantileRule,
    nonpositive: NonPositive,
    subset: &'static str,
    scale: f64,
    /// Which part of a multi-valued measure: (label name, label value).
    part: Option<(&'static str, ParamValue)>,
    baseline: bool,
}

fn m(list: &str) -> Measure {
    Measure::parse_list(list)
        .unwrap_or_else(|e| panic!("{list}: {e}"))
        .remove(0)
}

/// Maps a reference row to a plan; `None` for rows that are not point
/// estimates of this crate (CI bounds of svyquantile belong to the variance tests).
fn plan(r: &Row) -> Option<Plan> {
    let convey_like = matches!(r.package.as_str(), "convey" | "survey");
    let mut p = Plan {
        measure: m("mean"),
        rule: if convey_like {
            QuantileRule::InverseCdf
        } else {
            QuantileRule::Eurostat
        },
        nonpositive: if r.design.contains("subset(design, pc_income>0)") {
            NonPositive::Exclude
        } else {
            NonPositive::Error
        },
        subset: if r.design.contains("rows with pc_income>0") {
            if r.design.starts_with("unweighted") {
                "pos_unweighted"
            } else {
                "pos"
            }
        } else {
            "all"
        },
        scale: 1.0,
        part: None,
        baseline: false,
    };
    let a = r.arguments.as_str();
    // convey used the positive subset also where the measure itself admits
    // zeros (Zenga) or any sign (GE(2)); use the same rows there.
    if p.nonpositive == NonPositive::Exclude
        && (r.function == "svyzenga" || arg(a, "epsilon") == Some("2"))
    {
        p.subset = "pos";
        p.nonpositive = NonPositive::Error;
    }
    let by_contrast = |of: &str| {
        let col = &r.domain_var;
        let (num, den) = if r.domain.contains('/') {
            r.domain.split_once('/')
        } else {
            r.domain.split_once('-')
        }
        .unwrap();
        let kind = if r.domain.contains('/') {
            "ratio"
        } else {
            "difference"
        };
        m(&format!("{kind}(of={of},by={col},num={num},den={den})"))
    };
    p.measure = match (r.package.as_str(), r.function.as_str()) {
        ("laeken", "weightedQuantile") => m(&format!("quantile({})", stat_p(&r.statistic, "q(")?)),
        ("laeken", "weightedMedian") => m("median"),
        ("laeken", "arpt") | ("convey", "svyarpt") => m("arpt"),
        ("laeken", "arpr" | "rmpg") if r.statistic == "threshold" => m("arpt"),
        ("laeken", "arpr") => {
            p.scale = 100.0;
            m("arpr")
        }
        ("laeken", "rmpg") => {
            p.scale = 100.0;
            m("rmpg")
        }
        ("laeken", "gini") => {
            p.scale = 100.0;
            m("gini")
        }
        ("laeken", "qsr") | ("convey", "svyqsr") => m("qsr"),
        ("convey", "svygini") => {
            if r.design.contains("pc_income>0") {
                p.subset = "pos";
                p.nonpositive = NonPositive::Error;
            }
            m("gini(form=convey)")
        }
        ("convey", "svygei") => m(&format!("ge({})", arg(a, "epsilon")?)),
        ("convey", "svyatk") => m(&format!("atkinson({})", arg(a, "epsilon")?)),
        ("convey", "svyarpr") => m("arpr"),
        ("convey", "svyrmpg") => m("rmpg"),
        ("convey", "svypoormed") => m("poormed"),
        ("convey", "svyrmir") => {
            let col = arg(a, "age")?.trim_start_matches('~');
            m(&format!("rmir(by={col},num=1,den=0)"))
        }
        ("convey", "svyfgt") => {
            let g = arg(a, "g")?;
            match arg(a, "type_thresh")? {
                "abs" => m(&format!("fgt({g},line={})", arg(a, "abs_thresh")?)),
                _ => m(&format!("fgt({g},line={}*median)", arg(a, "percent")?)),
            }
        }
        ("convey", "svywatts") => m(&format!("watts(line={})", arg(a, "abs_thresh")?)),
        ("convey", "svyrich") => m(&format!(
            "richness(type={},g={},line={}*median)",
            arg(a, "type_measure")?.to_ascii_lowercase(),
            arg(a, "g")?,
            arg(a, "percent")?
        )),
        ("convey", "svyzenga") => m("zenga(ties=input)"),
        ("convey", "svyjdiv") => m("jdiv"),
        ("convey", "svylorenz") => {
            // R's seq(0, 1, 0.1) is k * 0.1
            let k = (stat_p(&r.statistic, "L(")? * 10.0).round();
            m(&format!("lorenz({:?})", k * 0.1))
        }
        ("convey", "svygeidec") => {
            p.part = Some(("component", ParamValue::Text(r.statistic.clone())));
            let g = arg(a, "subgroup")?.trim_start_matches('~');
            m(&format!("ge_decomp({},by={g})", arg(a, "epsilon")?))
        }
        ("convey", "svyjdivdec") => {
            p.part = Some(("component", ParamValue::Text(r.statistic.clone())));
            m(&format!(
                "jdiv_decomp(by={})",
                arg(a, "subgroup")?.trim_start_matches('~')
            ))
        }
        ("survey", "svymean") if a.contains("0.75*median") => {
            p.rule = QuantileRule::Eurostat; // the median is laeken's, held fixed
            m("middle_share(lo=0.75*median,hi=2*median)")
        }
        ("survey", "svymean") if a.contains("100000/3") => Measure::new(
            "middle_share",
            &[
                ("lo", ParamValue::Num(100000.0 / 3.0)),
                ("hi", ParamValue::Num(500000.0 / 3.0)),
            ],
        )
        .unwrap(),
        ("survey", "svymean") => m("mean"),
        ("survey", "svytotal") => m("total"),
        ("survey", "svycontrast") | ("survey", "svyratio+svycontrast") => by_contrast("mean"),
        ("survey", "svyquantile") => {
            if r.statistic.contains(".ci_") {
                return None;
            }
            if arg(a, "qrule")? == "hf7" {
                p.rule = QuantileRule::Hf7;
            }
            m(&format!("quantile({})", stat_p(&r.statistic, "q(")?))
        }
        ("derived", "q22/q21-1") => {
            p.baseline = true;
            p.part = Some(("p", ParamValue::Num(stat_p(&r.statistic, "growth(")?)));
            m("gic(20)")
        }
        ("derived", "mean22/mean21-1") => {
            p.baseline = true;
            m("growth_mean")
        }
        ("ineq", "Gini") => m("gini"),
        ("ineq", "Theil") => m(if arg(a, "parameter")? == "0" {
            "theil"
        } else {
            "mld"
        }),
        ("ineq", "Atkinson") => m(&format!("atkinson({})", arg(a, "parameter")?)),
        _ => return None,
    };
    Some(p)
}

/// Computes the gongfu value for a row, or `None` when the row is not ours.
fn check(data: &mut Data, r: &Row) -> Option<f64> {
    let plan = plan(r)?;
    // 2022 rows carry "[households_2022.csv, 2022]" in the design; growth rows use both years
    let year = if plan.baseline || r.design.contains("households_2022") {
        2022
    } else {
        2021
    };
    let whole = data.dist(year, plan.subset).clone();
    let base_whole = if plan.baseline {
        Some(data.dist(2021, plan.subset).clone())
    } else {
        None
    };
    let contrast = r.domain.contains('/') || r.domain.contains('-');
    let domain = if r.domain_var.is_empty() || contrast {
        whole.clone()
    } else {
        let cat = whole.category(&r.domain_var).unwrap();
        let k = cat.levels.iter().position(|l| *l == r.domain).unwrap();
        whole.split_by(&r.domain_var).unwrap().swap_remove(k)
    };
    let mut ctx = Ctx::new(&domain)
        .with_whole(&whole)
        .with_rule(plan.rule)
        .with_nonpositive(plan.nonpositive);
    if let Some(b) = &base_whole {
        ctx = ctx.with_baseline(b, b, 1.0);
    }
    let est = plan
        .measure
        .evaluate(&ctx)
        .unwrap_or_else(|e| panic!("{} {} {}: {e}", r.function, r.arguments, r.statistic));
    let value = match &plan.part {
        None => {
            assert_eq!(est.len(), 1);
            est[0].value
        }
        Some((name, want)) => {
            est.iter()
                .find(|e| e.params.iter().any(|(k, v)| k == name && v == want))
                .unwrap_or_else(|| panic!("no part {name}={want} in {:?}", est))
                .value
        }
    };
    Some(value * plan.scale)
}

#[test]
fn conformance_point_estimates() {
    let mut data = Data {
        y2021: load("households.csv"),
        y2022: load("households_2022.csv"),
        cache: HashMap::new(),
    };
    let all = rows();
    let mut checked = 0usize;
    let mut failures = Vec::new();
    let mut worst = 0.0f64;
    for r in &all {
        let Some(got) = check(&mut data, r) else {
            continue;
        };
        checked += 1;
        let rel = if r.value == 0.0 {
            got.abs()
        } else {
            ((got - r.value) / r.value).abs()
        };
        worst = worst.max(rel);
        if rel > TOL {
            failures.push(format!(
                "{} {} [{}] {} {}={} {}: got {got:.17} want {:.17} (rel {rel:.2e})",
                r.package,
                r.function,
                r.arguments,
                r.design,
                r.domain_var,
                r.domain,
                r.statistic,
                r.value
            ));
        }
    }
    println!(
        "conformance: checked {checked} point estimates (worst relative difference {worst:.2e})"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 500, "only {checked} point estimates checked");
    assert!(
        checked >= EXPECTED_CHECKED,
        "checked {checked} < recorded {EXPECTED_CHECKED}: a mapping was lost"
    );
}

/// gongfu's default Gini is Eurostat's; convey's exceeds it by (Σw²x − Σwx)/(N·T).
/// Checks the documented relation on every convey Gini row of the reference.
#[test]
fn gini_forms_differ_by_the_documented_term() {
    let s = load("households.csv");
    let d = s.distribution(|_| true, true);
    let (x, w) = (d.values(), d.weights());
    let (n, t) = (d.total_weight(), d.total());
    let s2: f64 = x.iter().zip(w).map(|(x, w)| w * w * x).sum();
    let ctx = Ctx::new(&d);
    let euro = m("gini").value(&ctx).unwrap();
    let convey = m("gini(form=convey)").value(&ctx).unwrap();
    let term = (s2 - t) / (n * t);
    assert!(
        ((euro + term) - convey).abs() < 1e-13,
        "{euro} + {term} != {convey}"
    );
    assert!((term - 2.12e-4).abs() < 1e-5);
    let reference = rows()
        .into_iter()
        .find(|r| {
            r.function == "svygini"
                && r.domain_var.is_empty()
                && r.design.ends_with("Taylor linearisation")
        })
        .unwrap();
    assert!(((euro + term) / reference.value - 1.0).abs() < TOL);
}

/// gongfu's default Zenga merges tied incomes (row-order independent); convey
/// keeps them in input order. On these data (ties present) the two differ by
/// less than 1e-3 relative, and `ties=input` reproduces convey (checked above).
#[test]
fn zenga_tie_convention_is_documented() {
    let s = load("households.csv");
    let d = s.distribution(|i| s.pc_income[i] > 0.0, true);
    let ctx = Ctx::new(&d);
    let merged = m("zenga").value(&ctx).unwrap();
    let input = m("zenga(ties=input)").value(&ctx).unwrap();
    assert_ne!(
        merged, input,
        "the data have ties, so the conventions must differ"
    );
    assert!(
        ((merged - input) / input).abs() < 1e-3,
        "{merged} vs {input}"
    );
    // without ties the conventions coincide
    let x: Vec<f64> = (1..=500)
        .map(|i| i as f64 * 10.0 + (i % 7) as f64 * 0.01)
        .collect();
    let w: Vec<f64> = (1..=500).map(|i| 1.0 + (i % 5) as f64).collect();
    let d = Distribution::builder(&x, Some(&w))
        .keep_rows()
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    let a = m("zenga").value(&ctx).unwrap();
    let b = m("zenga(ties=input)").value(&ctx).unwrap();
    assert!((a - b).abs() < 1e-14);
}
