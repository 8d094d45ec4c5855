//! Replicate-weight standard errors against R survey 4.5 / convey 1.0.1
//! (`testdata/conformance/`, README sections "Variance formulas" and
//! "Replicate designs"), and the replicate machinery itself.
//!
//! * JKn: the replicates are generated here from the stratum and PSU columns
//!   and must reproduce `jkn_replicates.csv` before their SEs are compared.
//! * Bootstrap: R's 50 replicate weights are read from
//!   `bootstrap50_weights.csv` (the analysis weights, i.e. pweight × the
//!   number of times the PSU was drawn) with R's scale
//!   n̄/((n̄ − 1)(R − 1)) = 0.024903369737217566 and rscales 1.
//!
//! Replicate SEs need no density estimate: 1e-12 relative. gongfu's poverty
//! rate counts x < t where convey counts x ≤ t; in one bootstrap replicate a
//! household sits exactly at the replicate's threshold, so the arpr test
//! checks the documented relation (convey = gongfu + the share at t).

// parallel columns (rows of the survey, replicates) are indexed side by side
#![allow(clippy::needless_range_loop)]

use gongfu_measures::{Ctx, Distribution, Measure, NonPositive, QuantileRule};
use gongfu_survey::{
    DomainSpec, RepType, ReplicateOptions, Replicates, SurveyError, replicate_estimates,
    replicate_estimates_many, replicate_variance,
};
use std::collections::HashMap;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance")
}

fn reader(file: &str) -> csv::Reader<std::fs::File> {
    csv::Reader::from_path(data_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn col(h: &csv::StringRecord, name: &str) -> usize {
    h.iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The 2021 households: the columns the replicate tests need.
struct Households {
    hh_id: Vec<String>,
    x: Vec<f64>,
    w: Vec<f64>,
    urban: Vec<u32>,
    strata: Vec<u32>,
    strata_labels: Vec<String>,
    psu: Vec<u32>,
}

fn households() -> Households {
    let mut rdr = reader("households.csv");
    let h = rdr.headers().unwrap().clone();
    let (iid, ix, iw, iu, is, ip) = (
        col(&h, "hh_id"),
        col(&h, "pc_income"),
        col(&h, "pweight"),
        col(&h, "urban"),
        col(&h, "stratum"),
        col(&h, "psu"),
    );
    let mut hh = Households {
        hh_id: vec![],
        x: vec![],
        w: vec![],
        urban: vec![],
        strata: vec![],
        strata_labels: vec![],
        psu: vec![],
    };
    let mut labels = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        hh.hh_id.push(r[iid].to_string());
        hh.x.push(r[ix].parse().unwrap());
        hh.w.push(r[iw].parse().unwrap());
        hh.urban.push(r[iu].parse().unwrap());
        labels.push(r[is].to_string());
        hh.psu.push(r[ip].parse().unwrap());
    }
    // codes in sorted label order (not the order of appearance): the
    // replicate order must not depend on how strata are coded
    let mut levels = labels.clone();
    levels.sort();
    levels.dedup();
    hh.strata = labels
        .iter()
        .map(|l| levels.binary_search(l).unwrap() as u32)
        .collect();
    hh.strata_labels = levels;
    hh
}

impl Households {
    fn whole(&self) -> Distribution {
        Distribution::builder(&self.x, Some(&self.w))
            .category("urban", self.urban.clone(), vec!["0".into(), "1".into()])
            .keep_rows()
            .build()
            .unwrap()
    }

    fn jkn(&self) -> Replicates<'static> {
        Replicates::jkn(&self.strata, &self.psu, &self.w).unwrap()
    }
}

/// R's 50 bootstrap replicate weights, joined to the households by hh_id.
fn bootstrap50(hh: &Households) -> Vec<Vec<f64>> {
    let mut rdr = reader("bootstrap50_weights.csv");
    let h = rdr.headers().unwrap().clone();
    let iid = col(&h, "hh_id");
    let reps: Vec<usize> = (0..h.len()).filter(|&i| h[i].starts_with("rep")).collect();
    assert_eq!(reps.len(), 50);
    let mut by_id: HashMap<String, Vec<f64>> = HashMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        by_id.insert(
            r[iid].to_string(),
            reps.iter().map(|&i| r[i].parse().unwrap()).collect(),
        );
    }
    let mut cols = vec![Vec::with_capacity(hh.x.len()); reps.len()];
    for id in &hh.hh_id {
        let row = &by_id[id];
        for (c, &v) in cols.iter_mut().zip(row) {
            c.push(v);
        }
    }
    cols
}

/// R's bootstrap scale, n̄/((n̄ − 1)(R − 1)) with n̄ the harmonic mean of PSUs per stratum.
const BOOT_SCALE: f64 = 0.024903369737217566;

fn rel(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (a - b).abs() / b.abs() }
}

#[test]
fn jkn_reproduces_the_reference_replicates() {
    let hh = households();
    let reps = hh.jkn();
    assert_eq!(reps.len(), 143);
    assert_eq!(reps.kind, RepType::Jkn);
    assert_eq!(reps.scale, 1.0);
    assert!(!reps.mse);
    let mut rdr = reader("jkn_replicates.csv");
    let h = rdr.headers().unwrap().clone();
    let (ir, is, ip, inh, irs, ifac) = (
        col(&h, "replicate"),
        col(&h, "stratum"),
        col(&h, "psu_deleted"),
        col(&h, "n_h"),
        col(&h, "rscale"),
        col(&h, "factor_rest_of_stratum"),
    );
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let r: usize = rec[ir].parse::<usize>().unwrap() - 1;
        let stratum = hh
            .strata_labels
            .binary_search(&rec[is].to_string())
            .unwrap() as u32;
        let deleted: u32 = rec[ip].parse().unwrap();
        let nh: usize = rec[inh].parse().unwrap();
        let rscale: f64 = rec[irs].parse().unwrap();
        let factor: f64 = rec[ifac].parse().unwrap();
        assert!(
            rel(reps.rscales[r], rscale) <= 1e-15,
            "replicate {}: rscale {} vs {rscale}",
            r + 1,
            reps.rscales[r]
        );
        assert!(rel(reps.rscales[r], (nh as f64 - 1.0) / nh as f64) <= 1e-15);
        let w = reps.column(r).unwrap();
        for i in 0..hh.x.len() {
            let expected = if hh.psu[i] == deleted {
                assert_eq!(hh.strata[i], stratum);
                0.0
            } else if hh.strata[i] == stratum {
                hh.w[i] * factor
            } else {
                hh.w[i]
            };
            assert!(
                rel(w[i], expected) <= 1e-15,
                "replicate {}, row {}: {} vs {expected}",
                r + 1,
                i + 1,
                w[i]
            );
        }
        n += 1;
    }
    assert_eq!(n, 143);
    assert!(reps.column(143).is_none());
    // R survey: degf = qr rank − 1 = 143 − 24 + 1 − 1 (each stratum's replicates sum to n_h·w)
    assert_eq!(reps.degf(), 119.0);
}

/// One replicate-design row of reference_values.csv.
struct RefRow {
    function: String,
    design: String,
    value: f64,
    se: f64,
}

fn replicate_rows() -> Vec<RefRow> {
    let mut rdr = reader("reference_values.csv");
    let h = rdr.headers().unwrap().clone();
    let (ifn, ide, idv, iva, ise) = (
        col(&h, "function"),
        col(&h, "design"),
        col(&h, "domain_var"),
        col(&h, "value"),
        col(&h, "se"),
    );
    rdr.records()
        .map(Result::unwrap)
        .filter(|r| {
            (r[ide].starts_with("as.svrepdesign(")
                || r[ide].starts_with("same bootstrap replicate weights"))
                && r[idv].is_empty()
        })
        .map(|r| RefRow {
            function: r[ifn].to_string(),
            design: r[ide].to_string(),
            value: r[iva].parse().unwrap(),
            se: r[ise].parse().unwrap(),
        })
        .collect()
}

/// The weight share of the observations exactly at `t` (convey's poverty
/// rate counts x ≤ t, gongfu's x < t).
fn share_at(x: &[f64], w: &[f64], t: f64) -> f64 {
    let at: f64 = x
        .iter()
        .zip(w)
        .filter(|(xi, _)| **xi == t)
        .map(|(_, wi)| wi)
        .sum();
    at / w.iter().sum::<f64>()
}

#[test]
fn conformance_replicate_standard_errors() {
    let hh = households();
    let whole = hh.whole();
    let jkn = hh.jkn();
    let boot = Replicates::supplied(
        bootstrap50(&hh),
        RepType::Bootstrap,
        Some(BOOT_SCALE),
        Some(vec![1.0]),
        false,
    )
    .unwrap();
    assert_eq!(boot.len(), 50);
    assert_eq!(boot.degf(), 49.0);
    let options = ReplicateOptions {
        rule: QuantileRule::InverseCdf,
        nonpositive: NonPositive::Error,
    };
    let ids = ["svymean", "svygini", "svyarpr", "svyqsr"];
    let (arpr, arpt) = (2, 4);
    let measures = Measure::parse_list("mean,gini(form=convey),arpr,qsr,arpt").unwrap();
    let ctx = Ctx::new(&whole).with_rule(QuantileRule::InverseCdf);
    let full: Vec<f64> = measures.iter().map(|m| m.value(&ctx).unwrap()).collect();
    // no household sits at the full-sample threshold
    assert_eq!(share_at(&hh.x, &hh.w, full[arpt]), 0.0);
    let estimates = |reps: &Replicates| -> (Vec<Vec<f64>>, Vec<f64>, usize) {
        let mut est: Vec<Vec<f64>> =
            replicate_estimates_many(&whole, None, &measures, options, reps)
                .unwrap()
                .into_iter()
                .map(|mut p| p.remove(0))
                .collect();
        // gongfu counts x < t (SPEC §3), convey x ≤ t: convey's replicate rate is
        // gongfu's plus the share exactly at the replicate's own threshold (arpt)
        let strict = est[arpr].clone();
        let mut tied = 0;
        for r in 0..reps.len() {
            let at = share_at(&hh.x, &reps.column(r).unwrap(), est[arpt][r]);
            if at > 0.0 {
                tied += 1;
            }
            est[arpr][r] += at;
        }
        (est, strict, tied)
    };
    let (est_jkn, strict_jkn, tied_jkn) = estimates(&jkn);
    let (est_boot, strict_boot, tied_boot) = estimates(&boot);
    // where it matters: one bootstrap replicate (12) has a household exactly at 0.6 × its median
    assert_eq!((tied_jkn, tied_boot), (0, 1));
    assert_eq!(strict_jkn, est_jkn[arpr]);

    let rows = replicate_rows();
    let (mut checked, mut worst) = (0usize, 0.0f64);
    for r in &rows {
        let k = ids
            .iter()
            .position(|&f| f == r.function)
            .unwrap_or_else(|| panic!("unexpected {}", r.function));
        assert!(
            rel(full[k], r.value) <= 1e-12,
            "{} value {} vs {}",
            r.function,
            full[k],
            r.value
        );
        let mse = r.design.contains("mse=TRUE");
        let (reps, est, strict) = if r.design.contains("JKn") {
            (&jkn, &est_jkn, &strict_jkn)
        } else {
            (&boot, &est_boot, &strict_boot)
        };
        let reps = reps.clone().with_mse(mse);
        let se = replicate_variance(&est[k], full[k], &reps).sqrt();
        let d = rel(se, r.se);
        println!(
            "{:8} {:55.55} se {:.17e} R {:.17e} rel {d:.2e}",
            r.function, r.design, se, r.se
        );
        assert!(
            d <= 1e-12,
            "{} [{}]: se {se} vs R {} (rel {d:e})",
            r.function,
            r.design,
            r.se
        );
        if k == arpr && reps.kind == RepType::Bootstrap {
            // gongfu's own (strict) replicate SE differs from convey's here
            let own = replicate_variance(strict, full[k], &reps).sqrt();
            println!(
                "         gongfu's strict-< arpr replicate SE {own:.17e} (rel {:.2e})",
                rel(own, r.se)
            );
            assert!(rel(own, r.se) > 1e-6);
        }
        worst = worst.max(d);
        checked += 1;
    }
    println!("{checked} replicate SEs, worst relative difference {worst:e}");
    assert_eq!(checked, 16);
}

#[test]
fn variance_formula_with_and_without_mse() {
    let cols = vec![vec![1.0, 2.0]; 4];
    let mut reps = Replicates::supplied(
        cols,
        RepType::Other,
        Some(0.5),
        Some(vec![1.0, 2.0, 1.0, 0.5]),
        false,
    )
    .unwrap();
    let est = [1.0, 2.0, 3.0, 6.0];
    // mean 3: deviations -2, -1, 0, 3 → 0.5·(4 + 2·1 + 0 + 0.5·9) = 5.25
    assert!((replicate_variance(&est, 2.0, &reps) - 5.25).abs() < 1e-15);
    reps.mse = true;
    // centre 2: -1, 0, 1, 4 → 0.5·(1 + 0 + 1 + 0.5·16) = 5
    assert!((replicate_variance(&est, 2.0, &reps) - 5.0).abs() < 1e-15);
    assert!(replicate_variance(&est[..3], 2.0, &reps).is_nan());
    assert!(replicate_variance(&[], 2.0, &reps).is_nan());
}

#[test]
fn default_scales_follow_r_survey() {
    let cols = || vec![vec![1.0; 3]; 8];
    let scale = |k: RepType| {
        Replicates::supplied(cols(), k, None, None, false)
            .unwrap()
            .scale
    };
    assert_eq!(scale(RepType::Bootstrap), 1.0 / 7.0);
    assert_eq!(scale(RepType::Jk1), 7.0 / 8.0);
    assert_eq!(scale(RepType::Brr), 1.0 / 8.0);
    assert!((scale(RepType::Fay { rho: 0.5 }) - 0.5).abs() < 1e-15);
    assert_eq!(scale(RepType::Sdr), 0.5);
    assert_eq!(scale(RepType::Other), 1.0);
    let jkn = Replicates::supplied(cols(), RepType::Jkn, None, Some(vec![0.75; 8]), false).unwrap();
    assert_eq!((jkn.scale, jkn.rscales.len()), (1.0, 8));
    // user values win
    let r = Replicates::supplied(cols(), RepType::Brr, Some(0.3), Some(vec![2.0]), true).unwrap();
    assert_eq!(
        (r.scale, r.rscales.as_slice(), r.mse),
        (0.3, &[2.0; 8][..], true)
    );
    for (s, k) in [
        ("bootstrap", RepType::Bootstrap),
        ("JK1", RepType::Jk1),
        ("jkn", RepType::Jkn),
        ("brr", RepType::Brr),
        ("fay(0.3)", RepType::Fay { rho: 0.3 }),
        ("fay=0.5", RepType::Fay { rho: 0.5 }),
        ("successive-difference", RepType::Sdr),
        ("sdr", RepType::Sdr),
        ("other", RepType::Other),
    ] {
        assert_eq!(s.parse::<RepType>().unwrap(), k, "{s}");
    }
    assert!("fay".parse::<RepType>().is_err());
    assert!("fay(1)".parse::<RepType>().is_err());
    assert!("jk2".parse::<RepType>().is_err());
}

fn message(e: SurveyError) -> String {
    e.to_string()
}

#[test]
fn supplied_weights_are_validated() {
    let good = || vec![vec![1.0, 2.0, 3.0], vec![0.0, 2.0, 6.0]];
    let err = |cols: Vec<Vec<f64>>| {
        message(Replicates::supplied(cols, RepType::Bootstrap, None, None, false).unwrap_err())
    };
    let mut c = good();
    c[1][2] = -1.0;
    let m = err(c);
    assert!(
        m.contains("column 2") && m.contains("row 3") && m.contains("-1"),
        "{m}"
    );
    let mut c = good();
    c[0][1] = f64::NAN;
    let m = err(c);
    assert!(
        m.contains("column 1") && m.contains("row 2") && m.contains("NaN"),
        "{m}"
    );
    let mut c = good();
    c[1].push(1.0);
    let m = err(c);
    assert!(m.contains("column 2 has 4 rows"), "{m}");
    assert!(err(vec![]).contains("no replicate"));
    assert!(err(vec![vec![]]).contains("no rows"));
    // one bootstrap replicate has no default scale
    assert!(err(vec![vec![1.0]]).contains("at least 2"));
    let m = message(Replicates::supplied(good(), RepType::Jkn, None, None, false).unwrap_err());
    assert!(m.contains("rscales"), "{m}");
    let m = message(
        Replicates::supplied(good(), RepType::Other, None, Some(vec![1.0; 3]), false).unwrap_err(),
    );
    assert!(m.contains("3 rscales for 2"), "{m}");
    let m = message(
        Replicates::supplied(good(), RepType::Other, Some(f64::INFINITY), None, false).unwrap_err(),
    );
    assert!(m.contains("scale"), "{m}");
    let m = message(
        Replicates::supplied(good(), RepType::Fay { rho: 1.0 }, None, None, false).unwrap_err(),
    );
    assert!(m.contains("rho"), "{m}");
}

#[test]
fn generated_designs_refuse_bad_input() {
    let strata = [0, 0, 1, 1, 2];
    let psu = [1, 2, 3, 4, 5];
    let w = [1.0; 5];
    let m = message(Replicates::jkn(&strata, &psu, &w).unwrap_err());
    assert!(m.contains("stratum 2 has a single PSU"), "{m}");
    let m = message(Replicates::bootstrap(&strata, &psu, &w, 10, 1).unwrap_err());
    assert!(m.contains("stratum 2 has a single PSU"), "{m}");
    let m = message(Replicates::bootstrap(&[0, 0], &[1, 2], &[1.0, 1.0], 1, 1).unwrap_err());
    assert!(m.contains("at least 2 replicates"), "{m}");
    let m = message(Replicates::jkn(&[0, 0], &[1, 2, 3], &[1.0, 1.0]).unwrap_err());
    assert!(m.contains("psu has 3 rows"), "{m}");
    let m = message(Replicates::jkn(&[0, 0], &[1, 2], &[1.0, f64::NAN]).unwrap_err());
    assert!(m.contains("row 2"), "{m}");
    assert!(Replicates::jkn(&[], &[], &[]).is_err());
}

#[test]
fn estimates_need_rows_and_an_existing_domain() {
    let hh = households();
    let jkn = hh.jkn();
    let mean = Measure::parse_list("mean").unwrap().remove(0);
    let no_rows = Distribution::new(&hh.x, Some(&hh.w)).unwrap();
    let e =
        replicate_estimates(&no_rows, None, &mean, ReplicateOptions::default(), &jkn).unwrap_err();
    assert_eq!(e, SurveyError::NoRows);
    let whole = hh.whole();
    let bad = DomainSpec {
        category: "urban",
        level: 2,
    };
    let e = replicate_estimates(&whole, Some(bad), &mean, ReplicateOptions::default(), &jkn)
        .unwrap_err();
    assert!(e.to_string().contains("level 2"), "{e}");
    let bad = DomainSpec {
        category: "county",
        level: 0,
    };
    assert!(
        replicate_estimates(&whole, Some(bad), &mean, ReplicateOptions::default(), &jkn).is_err()
    );
    // replicate weights for fewer rows than the distribution
    let short = Replicates::supplied(
        vec![vec![1.0; 10]; 3],
        RepType::Bootstrap,
        None,
        None,
        false,
    )
    .unwrap();
    let e =
        replicate_estimates(&whole, None, &mean, ReplicateOptions::default(), &short).unwrap_err();
    assert!(e.to_string().contains("10 rows"), "{e}");
    // a domain left without weight in a replicate: the replicate is named
    let x = [1.0, 2.0, 3.0, 4.0];
    let w = [1.0; 4];
    let d = Distribution::builder(&x, Some(&w))
        .category("g", vec![0, 0, 1, 1], vec!["a".into(), "b".into()])
        .keep_rows()
        .build()
        .unwrap();
    let reps = Replicates::supplied(
        vec![vec![1.0; 4], vec![1.0, 1.0, 0.0, 0.0]],
        RepType::Other,
        None,
        None,
        false,
    )
    .unwrap();
    let e = replicate_estimates(
        &d,
        Some(DomainSpec {
            category: "g",
            level: 1,
        }),
        &mean,
        ReplicateOptions::default(),
        &reps,
    )
    .unwrap_err();
    assert!(
        matches!(e, SurveyError::Replicate { replicate: 1, .. }),
        "{e}"
    );
    assert!(e.to_string().starts_with("replicate 2:"), "{e}");
}

/// Independent replicate arpr of a domain with the national threshold: sort
/// (x, w_r) of the whole sample, inverse-CDF median, share of the domain below.
fn naive_domain_arpr(x: &[f64], w: &[f64], in_domain: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let total: f64 = w.iter().sum();
    let mut c = 0.0;
    let mut med = f64::NAN;
    for &i in &idx {
        c += w[i];
        if c >= 0.5 * total {
            med = x[i];
            break;
        }
    }
    let t = 0.6 * med;
    let (mut poor, mut all) = (0.0, 0.0);
    for i in 0..x.len() {
        if in_domain[i] {
            all += w[i];
            if x[i] < t {
                poor += w[i];
            }
        }
    }
    poor / all
}

#[test]
fn domain_replicates_use_national_thresholds() {
    let hh = households();
    let whole = hh.whole();
    let jkn = hh.jkn();
    let options = ReplicateOptions {
        rule: QuantileRule::InverseCdf,
        nonpositive: NonPositive::Error,
    };
    let ms = Measure::parse_list("mean,arpr").unwrap();
    let urban = DomainSpec {
        category: "urban",
        level: 1,
    };
    let est = replicate_estimates_many(&whole, Some(urban), &ms, options, &jkn).unwrap();
    let in_domain: Vec<bool> = hh.urban.iter().map(|&u| u == 1).collect();
    for r in 0..jkn.len() {
        let w = jkn.column(r).unwrap();
        let (mut sw, mut swx) = (0.0, 0.0);
        for i in 0..w.len() {
            if in_domain[i] {
                sw += w[i];
                swx += w[i] * hh.x[i];
            }
        }
        assert!(
            rel(est[0][0][r], swx / sw) <= 1e-12,
            "replicate {}: mean",
            r + 1
        );
        let a = naive_domain_arpr(&hh.x, &w, &in_domain);
        assert!(
            rel(est[1][0][r], a) <= 1e-12,
            "replicate {}: arpr {} vs {a}",
            r + 1,
            est[1][0][r]
        );
    }
}

#[test]
fn multi_part_measures_give_one_vector_per_part() {
    let hh = households();
    let whole = hh.whole();
    let reps = Replicates::bootstrap(&hh.strata, &hh.psu, &hh.w, 20, 3).unwrap();
    let deciles = Measure::parse_list("deciles").unwrap().remove(0);
    let est =
        replicate_estimates(&whole, None, &deciles, ReplicateOptions::default(), &reps).unwrap();
    assert_eq!(est.len(), 9);
    assert!(est.iter().all(|p| p.len() == 20));
    for r in 0..20 {
        assert!((1..9).all(|k| est[k - 1][r] <= est[k][r]));
    }
}

#[test]
fn rao_wu_bootstrap_is_deterministic_and_unbiased_enough() {
    let hh = households();
    let a = Replicates::bootstrap(&hh.strata, &hh.psu, &hh.w, 1000, 20_261_129).unwrap();
    let b = Replicates::bootstrap(&hh.strata, &hh.psu, &hh.w, 1000, 20_261_129).unwrap();
    let c = Replicates::bootstrap(&hh.strata, &hh.psu, &hh.w, 1000, 20_261_130).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.column(0), c.column(0));
    assert_eq!(
        (a.len(), a.scale, a.kind, a.mse),
        (1000, 1.0 / 999.0, RepType::Bootstrap, false)
    );
    assert!(a.rscales.iter().all(|&s| s == 1.0));
    // a prefix of the stream: fewer replicates are the first ones of more
    let short = Replicates::bootstrap(&hh.strata, &hh.psu, &hh.w, 5, 20_261_129).unwrap();
    for r in 0..5 {
        assert_eq!(short.column(r), a.column(r));
    }
    // in every replicate each stratum's multipliers sum to n_h (n_h − 1 draws × n_h/(n_h − 1))
    let mut psus_of: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&h, &p) in hh.strata.iter().zip(&hh.psu) {
        let v = psus_of.entry(h).or_default();
        if !v.contains(&p) {
            v.push(p);
        }
    }
    for r in [0, 1, 999] {
        let w = a.column(r).unwrap();
        let mut mult: HashMap<u32, f64> = HashMap::new();
        for i in 0..w.len() {
            let m = w[i] / hh.w[i];
            let prev = mult.insert(hh.psu[i], m);
            assert!(
                prev.is_none_or(|p| (p - m).abs() < 1e-12),
                "one multiplier per PSU"
            );
        }
        for (h, ps) in &psus_of {
            let nh = ps.len() as f64;
            let s: f64 = ps.iter().map(|p| mult[p]).sum();
            assert!(
                (s - nh).abs() < 1e-9,
                "replicate {r}, stratum {h}: {s} vs {nh}"
            );
            // every multiplier is k·n_h/(n_h − 1) for a whole k
            for p in ps {
                let k = mult[p] * (nh - 1.0) / nh;
                assert!((k - k.round()).abs() < 1e-9);
            }
        }
    }
    // the variance of the mean is close to the linearised one (R survey: SE 645.135…)
    let whole = hh.whole();
    let mean = Measure::parse_list("mean").unwrap().remove(0);
    let est = replicate_estimates(&whole, None, &mean, ReplicateOptions::default(), &a).unwrap();
    let full = mean.value(&Ctx::new(&whole)).unwrap();
    let v = replicate_variance(&est[0], full, &a);
    let lin: f64 = 645.135_393_537_868_7_f64.powi(2);
    println!(
        "Rao–Wu (R = 1000) variance of the mean / linearised = {}",
        v / lin
    );
    assert!(
        (v / lin - 1.0).abs() < 0.2,
        "bootstrap {v} vs linearised {lin}"
    );
    // the replicate weights span at most #PSU − #strata + 1 dimensions (each
    // stratum's multipliers sum to n_h): R survey's qr rank gives the same
    assert_eq!(a.degf(), 119.0);
}
