//! Standard errors of the density-based linearisations against convey.
//!
//! Every convey reference row of svyarpt, svyarpr, svyqsr, svyrmpg,
//! svypoormed, svyrmir, svyfgt, svywatts, svyrich and svyzenga (linearised
//! design, overall and by domain) is recomputed from the influence values with
//! the with-replacement PSU variance V = Σ_h n_h/(n_h−1) Σ_j (Z_hj − Z̄_h)²,
//! Z_hj = Σ_{i∈PSU j} w_i z_i, and compared at 1e-9 relative. A few structural
//! properties of the linearisations are checked on small data.

use gongfu_measures::{
    Ctx, Distribution, Influence, Measure, NonPositive, ParamValue, QuantileRule,
};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

const TOL: f64 = 1e-9;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance")
}

/// One survey year: incomes, weights, design and domain columns by input row.
struct Survey {
    x: Vec<f64>,
    w: Vec<f64>,
    psu: Vec<u32>,
    stratum: Vec<String>,
    cats: Vec<(&'static str, Vec<String>)>,
}

fn load(file: &str) -> Survey {
    let mut rdr = csv::Reader::from_path(data_dir().join(file)).expect("conformance data");
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ix, iw, ip, is) = (col("pc_income"), col("pweight"), col("psu"), col("stratum"));
    let names = ["urban", "county", "mountain"];
    let icats: Vec<usize> = names.iter().map(|n| col(n)).collect();
    let mut s = Survey {
        x: vec![],
        w: vec![],
        psu: vec![],
        stratum: vec![],
        cats: names.iter().map(|&n| (n, Vec::new())).collect(),
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        s.x.push(rec[ix].parse().unwrap());
        s.w.push(rec[iw].parse().unwrap());
        s.psu.push(rec[ip].parse().unwrap());
        s.stratum.push(rec[is].to_string());
        for (k, &i) in icats.iter().enumerate() {
            s.cats[k].1.push(rec[i].to_string());
        }
    }
    s
}

impl Survey {
    /// The distribution of the rows `keep` (input row order), categories
    /// attached, input rows kept; returns it and the original row of each build row.
    fn distribution(&self, keep: impl Fn(usize) -> bool) -> (Distribution, Vec<usize>) {
        let idx: Vec<usize> = (0..self.x.len()).filter(|&i| keep(i)).collect();
        let x: Vec<f64> = idx.iter().map(|&i| self.x[i]).collect();
        let w: Vec<f64> = idx.iter().map(|&i| self.w[i]).collect();
        let mut b = Distribution::builder(&x, Some(&w));
        for (name, values) in &self.cats {
            let sub: Vec<String> = idx.iter().map(|&i| values[i].clone()).collect();
            let mut levels = sub.clone();
            levels.sort();
            levels.dedup();
            let codes: Vec<u32> = sub
                .iter()
                .map(|v| levels.binary_search(v).unwrap() as u32)
                .collect();
            b = b.category(name, codes, levels);
        }
        (b.keep_rows().build().unwrap(), idx)
    }

    /// The linearised variance of an estimate: `infl.domain` on `dom`,
    /// `infl.whole` on `whole`; `orig` maps build rows to input rows.
    fn variance(
        &self,
        dom: &Distribution,
        whole: &Distribution,
        orig: &[usize],
        infl: &Influence,
    ) -> f64 {
        let mut z: HashMap<u32, f64> = self.psu.iter().map(|&p| (p, 0.0)).collect();
        let mut add = |d: &Distribution, values: &[f64]| {
            assert_eq!(values.len(), d.len());
            let rows = d.rows().unwrap();
            for ((&r, &w), &zi) in rows.iter().zip(d.weights()).zip(values) {
                *z.get_mut(&self.psu[orig[r as usize]]).unwrap() += w * zi;
            }
        };
        add(dom, &infl.domain);
        if let Some(wz) = &infl.whole {
            add(whole, wz);
        }
        let mut strata: BTreeMap<&str, BTreeMap<u32, f64>> = BTreeMap::new();
        for (i, &p) in self.psu.iter().enumerate() {
            strata.entry(&self.stratum[i]).or_default().insert(p, z[&p]);
        }
        strata
            .values()
            .map(|psus| {
                let n = psus.len() as f64;
                let mean = psus.values().sum::<f64>() / n;
                n / (n - 1.0) * psus.values().map(|v| (v - mean).powi(2)).sum::<f64>()
            })
            .sum()
    }
}

struct Row {
    function: String,
    arguments: String,
    design: String,
    domain_var: String,
    domain: String,
    value: f64,
    se: f64,
}

fn reference_rows() -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(data_dir().join("reference_values.csv")).unwrap();
    rdr.records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "convey" && r[3].contains("Taylor linearisation") && !r[9].is_empty())
        .map(|r| Row {
            function: r[1].into(),
            arguments: r[2].into(),
            design: r[3].into(),
            domain_var: r[5].into(),
            domain: r[6].into(),
            value: r[8].parse().unwrap(),
            se: r[9].parse().unwrap(),
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

fn m(list: &str) -> Measure {
    Measure::parse_list(list)
        .unwrap_or_else(|e| panic!("{list}: {e}"))
        .remove(0)
}

/// The measure for a convey row of the functions linearised here, and whether
/// it runs on the positive rows (built without the others) or with the
/// non-positive ones excluded as a domain.
enum Rows {
    All,
    Positive,
    ExcludeNonPositive,
}

fn plan(r: &Row) -> Option<(Measure, Rows)> {
    let a = r.arguments.as_str();
    let measure = match r.function.as_str() {
        "svyarpt" => m("arpt"),
        "svyarpr" => m("arpr"),
        "svyqsr" => m("qsr"),
        "svyrmpg" => m("rmpg"),
        "svypoormed" => m("poormed"),
        "svyrmir" => m(&format!(
            "rmir(by={},num=1,den=0)",
            arg(a, "age")?.trim_start_matches('~')
        )),
        "svyfgt" => match arg(a, "type_thresh")? {
            "abs" => m(&format!(
                "fgt({},line={})",
                arg(a, "g")?,
                arg(a, "abs_thresh")?
            )),
            _ => m(&format!(
                "fgt({},line={}*median)",
                arg(a, "g")?,
                arg(a, "percent")?
            )),
        },
        "svywatts" => {
            return Some((
                m(&format!("watts(line={})", arg(a, "abs_thresh")?)),
                Rows::ExcludeNonPositive,
            ));
        }
        "svyrich" => m(&format!(
            "richness(type={},g={},line={}*median)",
            arg(a, "type_measure")?.to_ascii_lowercase(),
            arg(a, "g")?,
            arg(a, "percent")?
        )),
        "svyzenga" => return Some((m("zenga(ties=input)"), Rows::Positive)),
        _ => return None,
    };
    Some((measure, Rows::All))
}

#[test]
fn convey_standard_errors() {
    let years = [
        ("households.csv", load("households.csv")),
        ("households_2022.csv", load("households_2022.csv")),
    ];
    let mut cache: HashMap<(usize, bool), (Distribution, Vec<usize>)> = HashMap::new();
    let mut stats: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    let mut failures = Vec::new();
    for r in reference_rows() {
        let Some((measure, rows)) = plan(&r) else {
            continue;
        };
        let y = usize::from(r.design.contains("households_2022"));
        let survey = &years[y].1;
        let positive = matches!(rows, Rows::Positive);
        let (whole, orig) = cache
            .entry((y, positive))
            .or_insert_with(|| survey.distribution(|i| !positive || survey.x[i] > 0.0));
        let dom = if r.domain_var.is_empty() {
            whole.clone()
        } else {
            let cat = whole.category(&r.domain_var).unwrap();
            let k = cat.levels.iter().position(|l| *l == r.domain).unwrap();
            whole.split_by(&r.domain_var).unwrap().swap_remove(k)
        };
        let mut ctx = Ctx::new(&dom)
            .with_whole(whole)
            .with_rule(QuantileRule::InverseCdf);
        if matches!(rows, Rows::ExcludeNonPositive) {
            ctx = ctx.with_nonpositive(NonPositive::Exclude);
        }
        let what = format!(
            "{} [{}] {}={} ({})",
            r.function, r.arguments, r.domain_var, r.domain, years[y].0
        );
        let value = measure
            .value(&ctx)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            ((value - r.value) / r.value).abs() < 1e-10,
            "{what}: value {value} vs {}",
            r.value
        );
        let infl = measure
            .influence(&ctx)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(infl.len(), 1);
        let se = survey.variance(&dom, whole, orig, &infl[0]).sqrt();
        let rel = ((se - r.se) / r.se).abs();
        let e = stats.entry(r.function.clone()).or_default();
        e.0 += 1;
        e.1 = e.1.max(rel);
        if rel > TOL {
            failures.push(format!(
                "{what}: se {se:.17} want {:.17} (rel {rel:.2e})",
                r.se
            ));
        }
    }
    for (f, (n, worst)) in &stats {
        println!("{f}: {n} standard errors, worst relative difference {worst:.2e}");
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let total: usize = stats.values().map(|s| s.0).sum();
    assert_eq!(total, 286, "standard errors checked");
    assert_eq!(stats.len(), 10, "functions checked: {:?}", stats.keys());
}

/// The middle-income shares of the reference (survey `svymean` of the band
/// indicator) hold the band fixed — the laeken median for the relative band —
/// so they are `middle_share` with those numbers as absolute bounds.
#[test]
fn fixed_band_shares_match_svymean() {
    let survey = load("households.csv");
    let (whole, orig) = survey.distribution(|_| true);
    let median = m("median").value(&Ctx::new(&whole)).unwrap();
    let mut checked = 0;
    let mut rdr = csv::Reader::from_path(data_dir().join("reference_values.csv")).unwrap();
    for r in rdr.records().map(|r| r.unwrap()) {
        if &r[0] != "survey" || &r[1] != "svymean" || !r[2].starts_with("~I(") {
            continue;
        }
        let (lo, hi) = if r[2].contains("median") {
            (0.75 * median, 2.0 * median)
        } else {
            (100_000.0 / 3.0, 500_000.0 / 3.0)
        };
        let dom = if r[5].is_empty() {
            whole.clone()
        } else {
            let cat = whole.category(&r[5]).unwrap();
            let k = cat.levels.iter().position(|l| *l == r[6]).unwrap();
            whole.split_by(&r[5]).unwrap().swap_remove(k)
        };
        let ctx = Ctx::new(&dom).with_whole(&whole);
        let meas = Measure::new(
            "middle_share",
            &[("lo", ParamValue::Num(lo)), ("hi", ParamValue::Num(hi))],
        )
        .unwrap();
        let value = meas.value(&ctx).unwrap();
        let want: f64 = r[8].parse().unwrap();
        assert!(((value - want) / want).abs() < 1e-12, "{:?}", &r);
        let se = survey
            .variance(&dom, &whole, &orig, &meas.influence(&ctx).unwrap()[0])
            .sqrt();
        let want: f64 = r[9].parse().unwrap();
        assert!(((se - want) / want).abs() < TOL, "{:?}: se {se}", &r);
        checked += 1;
    }
    assert_eq!(checked, 30);
}

#[test]
fn relative_band_is_a_difference_of_headcounts() {
    // share(lo ≤ x < hi) = FGT0(hi) − FGT0(lo), lines and all
    let d = small();
    let parts = d.split_by("g").unwrap();
    let ctx = Ctx::new(&parts[0]).with_whole(&d);
    let band = &m("middle_share(lo=0.75*median,hi=2*median)")
        .influence(&ctx)
        .unwrap()[0];
    let hi = &m("fgt(0,line=2*median)").influence(&ctx).unwrap()[0];
    let lo = &m("fgt(0,line=0.75*median)").influence(&ctx).unwrap()[0];
    let close = |a: &[f64], b: &[f64], c: &[f64]| {
        a.iter()
            .zip(b.iter().zip(c))
            .all(|(a, (b, c))| (a - (b - c)).abs() <= 1e-12 * (b.abs() + c.abs() + 1e-9))
    };
    assert!(close(&band.domain, &hi.domain, &lo.domain));
    assert!(close(
        band.whole.as_ref().unwrap(),
        hi.whole.as_ref().unwrap(),
        lo.whole.as_ref().unwrap()
    ));
}

// ---------------------------------------------------------------------------
// Structural checks on small data
// ---------------------------------------------------------------------------

fn small() -> Distribution {
    let x: Vec<f64> = (0..400)
        .map(|i| {
            let u = (i as f64 * 0.618_033_988_75).fract();
            // ties every 7th value
            if i % 7 == 0 {
                20_000.0
            } else {
                2_000.0 + 60_000.0 * u * u
            }
        })
        .collect();
    let w: Vec<f64> = (0..400).map(|i| 1.0 + (i % 5) as f64 * 0.75).collect();
    let g: Vec<u32> = (0..400).map(|i| (i % 3 == 0) as u32).collect();
    Distribution::builder(&x, Some(&w))
        .category("g", g, vec!["0".into(), "1".into()])
        .keep_rows()
        .build()
        .unwrap()
}

/// (θ(w + ε e_k) − θ(w))/ε for a measure whose estimator is smooth in the weights.
fn numeric_derivative(d: &Distribution, m: &Measure, k: usize) -> f64 {
    let eps = 1e-6;
    let base = m.value(&Ctx::new(d)).unwrap();
    let mut w = d.weights().to_vec();
    w[k] += eps;
    let d2 = d.reweighted(w).unwrap();
    (m.value(&Ctx::new(&d2)).unwrap() - base) / eps
}

#[test]
fn smooth_measures_linearise_to_the_weight_derivative() {
    let d = small();
    let ctx = Ctx::new(&d);
    for list in [
        "zenga",
        "zenga(ties=input)",
        "prosperity_gap(30000)",
        "fgt(2,line=20000)",
        "watts(line=25000)",
        "richness(cha,1,line=40000)",
        "richness(fgtt2,2,line=40000)",
    ] {
        let meas = m(list);
        let z = &meas.influence(&ctx).unwrap()[0];
        assert!(z.whole.is_none(), "{list}: fixed line, no population term");
        for k in [0, 13, 57, 199, 250, 398] {
            let num = numeric_derivative(&d, &meas, k);
            let got = z.domain[k];
            assert!(
                (num - got).abs() <= 1e-5 * (got.abs() + 1e-4),
                "{list} at {k}: influence {got} vs derivative {num}"
            );
        }
    }
}

#[test]
fn merged_ties_give_tied_units_one_value() {
    let d = small();
    let z = &m("zenga").influence(&Ctx::new(&d)).unwrap()[0].domain;
    let x = d.values();
    for i in 1..x.len() {
        if x[i] == x[i - 1] {
            assert_eq!(z[i], z[i - 1]);
        }
    }
    // without ties, both conventions coincide
    let xs: Vec<f64> = (1..=300)
        .map(|i| i as f64 * 10.0 + 0.01 * (i % 7) as f64)
        .collect();
    let ws: Vec<f64> = (1..=300).map(|i| 1.0 + (i % 4) as f64).collect();
    let d = Distribution::builder(&xs, Some(&ws))
        .keep_rows()
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    let a = &m("zenga").influence(&ctx).unwrap()[0].domain;
    let b = &m("zenga(ties=input)").influence(&ctx).unwrap()[0].domain;
    for (a, b) in a.iter().zip(b) {
        assert!((a - b).abs() <= 1e-12 * a.abs().max(1e-12));
    }
}

#[test]
fn every_part_and_the_line_terms_are_present() {
    let d = small();
    let parts = d.split_by("g").unwrap();
    let dom = &parts[1];
    let ctx = Ctx::new(dom).with_whole(&d);
    let n = dom.len();
    let count = |list: &str| m(list).influence(&ctx).unwrap().len();
    assert_eq!(count("deciles"), 9);
    assert_eq!(count("quintile_means"), 5);
    for list in [
        "arpr",
        "rmpg",
        "poormed",
        "fgt(1)",
        "fgt(0,line=0.5*mean)",
        "watts",
        "richness",
        "middle_share",
    ] {
        let z = &m(list).influence(&ctx).unwrap()[0];
        assert_eq!(z.domain.len(), n, "{list}");
        assert_eq!(
            z.whole.as_ref().map(Vec::len),
            Some(d.len()),
            "{list}: a national line is linearised on the population"
        );
        let own = &m(&format!("{}scope=domain)", with_open(list)))
            .influence(&ctx)
            .unwrap()[0];
        assert!(
            own.whole.is_none(),
            "{list}: scope=domain stays in the domain"
        );
    }
    for list in [
        "arpt",
        "qsr",
        "p90p10",
        "p80p20",
        "palma",
        "bottom40_mean",
        "wolfson",
        "median",
        "quantile(0.3)",
        "fgt(0,line=20000)",
        "middle_share(lo=10000,hi=40000)",
    ] {
        let z = &m(list).influence(&ctx).unwrap()[0];
        assert_eq!(z.domain.len(), n, "{list}");
        assert!(z.whole.is_none(), "{list}: depends on the domain only");
    }
    // ratio of group medians on the distribution's positions
    let z = &m("rmir(by=g,num=1,den=0)")
        .influence(&Ctx::new(&d))
        .unwrap()[0];
    assert_eq!(z.domain.len(), d.len());
    let z = &m("rmir(by=g,num=1,den=all)")
        .influence(&Ctx::new(&d))
        .unwrap()[0];
    assert!(z.domain.iter().all(|v| v.is_finite()));
}

/// `arpr` → `arpr(`, `fgt(1)` → `fgt(1,`.
fn with_open(list: &str) -> String {
    match list.strip_suffix(')') {
        Some(head) => format!("{head},"),
        None => format!("{list}("),
    }
}

#[test]
fn mean_and_share_influences_sum_to_zero() {
    // Σ w z = 0 for a measure whose value does not move when all weights scale.
    // (The Lorenz-based measures follow convey's svylorenz linearisation, which
    // evaluates the straddling unit at the interpolated quantile: exact only
    // asymptotically, so they are left out here.)
    let d = small();
    let ctx = Ctx::new(&d);
    for list in [
        "fgt(1,line=20000)",
        "middle_share(lo=10000,hi=40000)",
        "zenga",
        "richness(fgtt1,0.5,line=40000)",
    ] {
        for part in m(list).influence(&ctx).unwrap() {
            let s: f64 = part
                .domain
                .iter()
                .zip(d.weights())
                .map(|(z, w)| z * w)
                .sum();
            let scale: f64 = part
                .domain
                .iter()
                .zip(d.weights())
                .map(|(z, w)| (z * w).abs())
                .sum();
            assert!(s.abs() <= 1e-9 * scale, "{list}: Σwz = {s}");
        }
    }
}

#[test]
fn household_middle_share_weighs_households() {
    let x = [8_000.0, 12_000.0, 25_000.0, 30_000.0, 50_000.0, 90_000.0];
    let w = [2.0, 3.0, 1.5, 4.0, 2.5, 1.0];
    let size = [3.0, 2.0, 4.0, 1.0, 2.0, 5.0];
    let d = Distribution::builder(&x, Some(&w))
        .numeric("hh_size", &size[..])
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    let meas = Measure::new(
        "middle_share",
        &[
            ("lo", ParamValue::Num(40_000.0)),
            ("hi", ParamValue::Num(150_000.0)),
            ("unit", ParamValue::Text("household".into())),
        ],
    )
    .unwrap();
    let z = &meas.influence(&ctx).unwrap()[0];
    assert!(z.whole.is_none());
    for k in 0..x.len() {
        let num = numeric_derivative(&d, &meas, k);
        assert!(
            (num - z.domain[k]).abs() < 1e-6,
            "{k}: {num} vs {}",
            z.domain[k]
        );
    }
    // relative bounds on the household incomes linearise too
    let rel = m("middle_share(unit=household)").influence(&ctx).unwrap();
    assert!(rel[0].domain.iter().all(|v| v.is_finite()));
}

#[test]
fn degenerate_data_are_refused() {
    let d = Distribution::new(&[5.0, 5.0, 5.0], None).unwrap();
    let ctx = Ctx::new(&d);
    for list in ["median", "arpt", "arpr", "qsr", "deciles", "p90p10"] {
        assert!(
            m(list).influence(&ctx).is_err(),
            "{list}: no dispersion, no kernel density"
        );
    }
    let d = Distribution::new(&[-5.0, 0.0, 3.0], None).unwrap();
    assert!(m("watts(line=10)").influence(&Ctx::new(&d)).is_err());
    assert!(m("prosperity_gap(10)").influence(&Ctx::new(&d)).is_err());
}
