//! The mapping from reference rows to gongfu computations, shared by the
//! point-estimate and the standard-error conformance tests.
#![allow(dead_code)]

use super::{Survey, load};
use gongfu_measures::{Ctx, Distribution, Measure, NonPositive, ParamValue, QuantileRule};
use std::collections::HashMap;

/// One reference value.
pub struct Row {
    pub package: String,
    pub function: String,
    pub arguments: String,
    pub design: String,
    pub domain_var: String,
    pub domain: String,
    pub statistic: String,
    pub value: f64,
    pub se: Option<f64>,
}

/// Every reference row.
pub fn rows() -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(super::data_dir().join("reference_values.csv")).unwrap();
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
                se: r[9].parse().ok(),
            }
        })
        .collect()
}

/// `name=value` from an R argument string.
pub fn arg<'a>(args: &'a str, name: &str) -> Option<&'a str> {
    args.split([',', ';'])
        .map(str::trim)
        .find_map(|a| a.strip_prefix(name)?.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
}

pub fn stat_p(stat: &str, prefix: &str) -> Option<f64> {
    stat.strip_prefix(prefix)?.strip_suffix(')')?.parse().ok()
}

/// The two survey years, and the distributions built from them.
pub struct Data {
    pub y2021: Survey,
    pub y2022: Survey,
    /// Extra numeric columns per input row attached to every distribution (e.g. PSU ids).
    pub extra: Vec<(String, Vec<f64>)>,
    cache: HashMap<String, Distribution>,
}

impl Data {
    pub fn new(extra: Vec<(String, Vec<f64>)>) -> Data {
        Data {
            y2021: load("households.csv"),
            y2022: load("households_2022.csv"),
            extra,
            cache: HashMap::new(),
        }
    }

    pub fn dist(&mut self, year: u16, subset: &str) -> &Distribution {
        let key = format!("{year}:{subset}");
        if !self.cache.contains_key(&key) {
            let s = if year == 2021 {
                &self.y2021
            } else {
                &self.y2022
            };
            let d = match subset {
                "all" => s.distribution(|_| true, true, &self.extra),
                "pos" => s.distribution(|i| s.pc_income[i] > 0.0, true, &self.extra),
                _ => s.distribution(|i| s.pc_income[i] > 0.0, false, &self.extra),
            };
            self.cache.insert(key.clone(), d);
        }
        &self.cache[&key]
    }
}

/// What a reference row asks gongfu to compute.
pub struct Plan {
    pub measure: Measure,
    pub rule: QuantileRule,
    pub nonpositive: NonPositive,
    pub subset: &'static str,
    pub scale: f64,
    /// Which part of a multi-valued measure: (label name, label value).
    pub part: Option<(&'static str, ParamValue)>,
    pub baseline: bool,
}

pub fn m(list: &str) -> Measure {
    Measure::parse_list(list)
        .unwrap_or_else(|e| panic!("{list}: {e}"))
        .remove(0)
}

/// Maps a reference row to a plan; `None` for rows that are not point
/// estimates of this crate (CI bounds of svyquantile belong to the variance tests).
pub fn plan(r: &Row) -> Option<Plan> {
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

/// The distributions a row is computed on: (plan, domain, whole, baseline).
pub fn resolve(
    data: &mut Data,
    r: &Row,
) -> Option<(Plan, Distribution, Distribution, Option<Distribution>)> {
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
    Some((plan, domain, whole, base_whole))
}

/// Which output part of a plan's measure a row refers to.
pub fn part_index(plan: &Plan, est: &[gongfu_measures::Estimate]) -> usize {
    match &plan.part {
        None => {
            assert_eq!(est.len(), 1);
            0
        }
        Some((name, want)) => est
            .iter()
            .position(|e| e.params.iter().any(|(k, v)| k == name && v == want))
            .unwrap_or_else(|| panic!("no part {name}={want} in {est:?}")),
    }
}

/// Computes the gongfu value for a row, or `None` when the row is not ours.
pub fn check(data: &mut Data, r: &Row) -> Option<f64> {
    let (plan, domain, whole, base_whole) = resolve(data, r)?;
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
    Some(est[part_index(&plan, &est)].value * plan.scale)
}
