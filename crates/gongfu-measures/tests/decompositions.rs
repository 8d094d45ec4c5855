//! Decompositions, dynamics, thresholds and error paths on hand-computed examples.

use gongfu_measures::{Ctx, Distribution, Measure, MeasureError, NonPositive, ParamValue};

fn m(s: &str) -> Measure {
    Measure::parse_list(s).unwrap().remove(0)
}

fn part(es: &[gongfu_measures::Estimate], key: &str, val: &str) -> f64 {
    es.iter()
        .find(|e| {
            e.params
                .iter()
                .any(|(k, v)| k == key && v.to_string() == val)
        })
        .unwrap_or_else(|| panic!("no {key}={val}"))
        .value
}

/// The sum of every part labelled `component=name`.
fn sum_of(es: &[gongfu_measures::Estimate], name: &str) -> f64 {
    es.iter()
        .filter(|e| {
            e.params
                .iter()
                .any(|(k, v)| k == "component" && v.to_string() == name)
        })
        .map(|e| e.value)
        .sum()
}

fn grouped(x: &[f64], w: &[f64], g: &[u32]) -> Distribution {
    Distribution::builder(x, Some(w))
        .category("g", g, vec!["a".into(), "b".into()])
        .build()
        .unwrap()
}

#[test]
fn ge_decomposition_by_hand() {
    // a = {1, 3}, b = {4, 12}, equal weights: μ = 5, μ_a = 2, μ_b = 8
    let d = grouped(&[1.0, 3.0, 4.0, 12.0], &[1.0; 4], &[0, 0, 1, 1]);
    let ctx = Ctx::new(&d);
    let e = m("ge_decomp(0,by=g)").evaluate(&ctx).unwrap();
    let mld = |v: &[f64]| {
        let mu = v.iter().sum::<f64>() / v.len() as f64;
        -v.iter().map(|x| (x / mu).ln()).sum::<f64>() / v.len() as f64
    };
    let within = 0.5 * mld(&[1.0, 3.0]) + 0.5 * mld(&[4.0, 12.0]);
    let between = -(0.5 * (2.0f64 / 5.0).ln() + 0.5 * (8.0f64 / 5.0).ln());
    assert!((part(&e, "component", "within") - within).abs() < 1e-15);
    assert!((part(&e, "component", "between") - between).abs() < 1e-15);
    assert!((part(&e, "component", "total") - mld(&[1.0, 3.0, 4.0, 12.0])).abs() < 1e-15);
    // GE(2): within weights (N_g/N)(μ_g/μ)²
    let e = m("ge_decomp(2,by=g)").evaluate(&ctx).unwrap();
    let half_cv2 = |v: &[f64]| {
        let mu = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / v.len() as f64 / (2.0 * mu * mu)
    };
    let within = 0.5 * (0.4f64).powi(2) * half_cv2(&[1.0, 3.0])
        + 0.5 * (1.6f64).powi(2) * half_cv2(&[4.0, 12.0]);
    assert!((part(&e, "component", "within") - within).abs() < 1e-15);
    // J-divergence = GE(0) + GE(1) in total, within and between
    let j = m("jdiv_decomp(by=g)").evaluate(&ctx).unwrap();
    let g0 = m("ge_decomp(0,by=g)").evaluate(&ctx).unwrap();
    let g1 = m("ge_decomp(1,by=g)").evaluate(&ctx).unwrap();
    for c in ["total", "within", "between"] {
        let sum = part(&g0, "component", c) + part(&g1, "component", c);
        assert!((part(&j, "component", c) - sum).abs() < 1e-14, "{c}");
    }
}

#[test]
fn fgt_contributions_add_to_one_and_use_the_national_line() {
    let x = [100.0, 200.0, 300.0, 50.0, 400.0, 900.0];
    let d = grouped(&x, &[1.0, 2.0, 1.0, 1.0, 3.0, 1.0], &[0, 0, 0, 1, 1, 1]);
    let ctx = Ctx::new(&d);
    let e = m("fgt_contrib(1,line=250,by=g)").evaluate(&ctx).unwrap();
    let total = part(&e, "component", "total");
    // by hand: poor are 100 (w1), 200 (w2), 50 (w1); N = 9
    let want = (1.0 * 150.0 / 250.0 + 2.0 * 50.0 / 250.0 + 1.0 * 200.0 / 250.0) / 9.0;
    assert!((total - want).abs() < 1e-15);
    let shares: f64 = sum_of(&e, "contribution");
    assert!((shares - 1.0).abs() < 1e-14);
}

#[test]
fn gini_by_source_adds_up() {
    let wage = [0.0, 10.0, 20.0, 35.0, 60.0, 5.0];
    let business = [3.0, -2.0, 0.0, 10.0, 40.0, 0.0];
    let transfer = [12.0, 8.0, 5.0, 0.0, 0.0, 9.0];
    let x: Vec<f64> = (0..6)
        .map(|i| wage[i] + business[i] + transfer[i])
        .collect();
    let w = [1.0, 2.0, 1.5, 1.0, 0.5, 2.0];
    let d = Distribution::builder(&x, Some(&w))
        .numeric("wage", &wage)
        .numeric("business", &business)
        .numeric("transfer", &transfer)
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    let e = m("gini_sources(sources=wage+business+transfer)")
        .evaluate(&ctx)
        .unwrap();
    let g = m("gini").value(&ctx).unwrap();
    assert!((part(&e, "component", "total") - g).abs() < 1e-15);
    let contrib: f64 = sum_of(&e, "contribution");
    assert!((contrib - g).abs() < 1e-14, "{contrib} vs {g}");
    let shares: f64 = sum_of(&e, "share");
    assert!((shares - 1.0).abs() < 1e-14);
    // S × G × R = contribution for each source
    for s in ["wage", "business", "transfer"] {
        let get = |c: &str| {
            e.iter()
                .find(|e| {
                    e.params
                        .iter()
                        .any(|(k, v)| k == "source" && v.to_string() == s)
                        && e.params
                            .iter()
                            .any(|(k, v)| k == "component" && v.to_string() == c)
                })
                .unwrap()
                .value
        };
        assert!(
            (get("share") * get("gini") * get("correlation") - get("contribution")).abs() < 1e-14
        );
    }
    // sources that do not add up are refused
    let bad = Distribution::builder(&x, Some(&w))
        .numeric("wage", &wage)
        .build()
        .unwrap();
    assert!(matches!(
        m("gini_sources(sources=wage)").evaluate(&Ctx::new(&bad)),
        Err(MeasureError::Invalid(_))
    ));
}

#[test]
fn growth_incidence_and_friends() {
    let x0: Vec<f64> = (1..=100).map(|i| 1000.0 + 37.0 * i as f64).collect();
    let w: Vec<f64> = (1..=100).map(|i| 1.0 + (i % 3) as f64).collect();
    let d0 = Distribution::new(&x0, Some(&w)).unwrap();
    // everyone doubles over two years
    let x1: Vec<f64> = x0.iter().map(|v| 2.0 * v).collect();
    let d1 = Distribution::new(&x1, Some(&w)).unwrap();
    let ctx = Ctx::new(&d1).with_baseline(&d0, &d0, 2.0);
    let g = 2f64.sqrt() - 1.0;
    for e in m("gic(10)").evaluate(&ctx).unwrap() {
        assert!((e.value - g).abs() < 1e-14);
    }
    assert_eq!(m("gic(10)").evaluate(&ctx).unwrap().len(), 9);
    assert!((m("growth_mean").value(&ctx).unwrap() - g).abs() < 1e-14);
    let sp = m("shared_prosperity").evaluate(&ctx).unwrap();
    assert!((part(&sp, "component", "bottom40_growth") - g).abs() < 1e-14);
    assert!(part(&sp, "component", "premium").abs() < 1e-14);
    assert!((m("pro_poor_growth(line=2500)").value(&ctx).unwrap() - g).abs() < 1e-14);
    // pure growth: no redistribution, no residual
    let ctx1 = Ctx::new(&d1).with_baseline(&d0, &d0, 1.0);
    let pc = m("poverty_change(0,line=3000)").evaluate(&ctx1).unwrap();
    assert!(part(&pc, "component", "dr_redistribution").abs() < 1e-15);
    assert!(part(&pc, "component", "dr_residual").abs() < 1e-15);
    assert!(
        (part(&pc, "component", "change") - part(&pc, "component", "shapley_growth")).abs() < 1e-15
    );
    // without a baseline these refuse clearly
    assert!(matches!(
        m("gic").evaluate(&Ctx::new(&d1)),
        Err(MeasureError::Invalid(_))
    ));
}

#[test]
fn datt_ravallion_by_hand() {
    // baseline: 4 people 10, 20, 30, 40 (μ 25); now: 16, 22, 30, 52 (μ 30). Line 21.
    let d0 = Distribution::new(&[10.0, 20.0, 30.0, 40.0], None).unwrap();
    let d1 = Distribution::new(&[16.0, 22.0, 30.0, 52.0], None).unwrap();
    let ctx = Ctx::new(&d1).with_baseline(&d0, &d0, 1.0);
    let pc = m("poverty_change(0,line=21)").evaluate(&ctx).unwrap();
    // P00 = 0.5; P11 = 0.25; P(μ1,L0): baseline ×1.2 = 12,24,36,48 → 0.25; P(μ0,L1): now ×(25/30) = 13.3,18.3,25,43.3 → 0.5
    assert_eq!(part(&pc, "component", "change"), -0.25);
    assert_eq!(part(&pc, "component", "dr_growth"), -0.25);
    assert_eq!(part(&pc, "component", "dr_redistribution"), 0.0);
    assert_eq!(part(&pc, "component", "dr_residual"), 0.0);
    let s =
        part(&pc, "component", "shapley_growth") + part(&pc, "component", "shapley_redistribution");
    assert_eq!(s, -0.25);
}

#[test]
fn national_and_domain_thresholds() {
    // two domains with different medians
    let x = [10.0, 20.0, 30.0, 40.0, 100.0, 200.0, 300.0, 400.0];
    let d = grouped(&x, &[1.0; 8], &[0, 0, 0, 0, 1, 1, 1, 1]);
    let parts = d.split_by("g").unwrap();
    // national median (eurostat): C/N = 0.5 exactly at 40 → (40 + 100)/2 = 70; line 42
    let ctx = Ctx::new(&parts[0]).with_whole(&d);
    assert_eq!(m("arpr").value(&ctx).unwrap(), 1.0); // 10..40 all below 42
    assert_eq!(m("arpr(scope=domain)").value(&ctx).unwrap(), 0.25); // domain median 25, line 15
    assert_eq!(m("arpt").value(&ctx).unwrap(), 0.6 * 25.0); // arpt is the domain's own
    assert_eq!(m("fgt(0,line=0.5*mean)").value(&ctx).unwrap(), 1.0); // national mean 137.5 → 68.75
    assert_eq!(m("poormed").value(&ctx).unwrap(), 25.0);
}

#[test]
fn non_positive_incomes_are_refused_or_excluded() {
    let x = [-5.0, 0.0, 10.0, 20.0, 40.0];
    let d = Distribution::new(&x, Some(&[1.0, 2.0, 1.0, 1.0, 1.0])).unwrap();
    let ctx = Ctx::new(&d);
    for id in [
        "ge(0)",
        "ge(1)",
        "ge(0.5)",
        "mld",
        "theil",
        "atkinson(0.5)",
        "atkinson(1)",
        "watts(line=15)",
        "prosperity_gap(30)",
        "jdiv",
    ] {
        match m(id).evaluate(&ctx) {
            Err(MeasureError::NonPositive { count: 2, .. }) => {}
            other => panic!("{id}: {other:?}"),
        }
    }
    let msg = m("mld").evaluate(&ctx).unwrap_err().to_string();
    assert!(
        msg.contains("2 row(s)") && msg.contains("--nonpositive exclude"),
        "{msg}"
    );
    // zenga needs x >= 0: one offending row
    assert!(matches!(
        m("zenga").evaluate(&ctx),
        Err(MeasureError::NonPositive { count: 1, .. })
    ));
    // exclusion: the rest, and the count is reported
    let ctx = Ctx::new(&d).with_nonpositive(NonPositive::Exclude);
    let e = m("mld").evaluate(&ctx).unwrap().remove(0);
    assert_eq!(e.excluded, 2);
    assert_eq!(e.n, 3);
    let pos = Distribution::new(&[10.0, 20.0, 40.0], None).unwrap();
    assert_eq!(e.value, m("mld").value(&Ctx::new(&pos)).unwrap());
    // measures that admit any income do not exclude
    let ctx = Ctx::new(&d);
    assert!(m("gini").value(&ctx).is_ok());
    assert!(m("ge(2)").value(&ctx).is_ok());
}

#[test]
fn middle_share_person_and_household() {
    // per-capita incomes with household sizes; household income = pc × size
    let pc = [20_000.0, 40_000.0, 60_000.0, 150_000.0];
    let size = [3.0, 3.0, 2.0, 4.0];
    let pw = [300.0, 600.0, 200.0, 400.0]; // person weights = household weight × size
    let d = Distribution::builder(&pc, Some(&pw))
        .numeric("hh_size", &size)
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    // households: 60k (w 100), 120k (w 200), 120k (w 100), 600k (w 100)
    let hh = m("middle_share(lo=100000,hi=500000,unit=household)")
        .value(&ctx)
        .unwrap();
    assert_eq!(hh, 300.0 / 500.0);
    // persons with pc income in [30k, 100k): 600 + 200 of 1500
    let p = m("middle_share(lo=30000,hi=100000)").value(&ctx).unwrap();
    assert_eq!(p, 800.0 / 1500.0);
    let e = m("middle_share(lo=100000,hi=500000,unit=household)")
        .evaluate(&ctx)
        .unwrap();
    assert_eq!(e[0].population, 500.0);
    // without a size column the household unit is refused
    let bare = Distribution::new(&pc, Some(&pw)).unwrap();
    assert!(matches!(
        m("middle_share(unit=household)").evaluate(&Ctx::new(&bare)),
        Err(MeasureError::MissingColumn { .. })
    ));
}

#[test]
fn richness_and_prosperity_gap_by_hand() {
    let d = Distribution::new(&[10.0, 20.0, 40.0, 80.0], None).unwrap();
    let ctx = Ctx::new(&d);
    // line 30: rich are 40 and 80
    let cha = m("richness(cha,1,line=30)").value(&ctx).unwrap();
    assert!((cha - ((1.0 - 30.0 / 40.0) + (1.0 - 30.0 / 80.0)) / 4.0).abs() < 1e-15);
    let f2 = m("richness(fgtt2,2,line=30)").value(&ctx).unwrap();
    assert!(
        (f2 - ((40.0f64 / 30.0 - 1.0).powi(2) + (80.0f64 / 30.0 - 1.0).powi(2)) / 4.0).abs()
            < 1e-15
    );
    let pg = m("prosperity_gap(40)").value(&ctx).unwrap();
    assert!((pg - (4.0 + 2.0 + 1.0 + 0.5) / 4.0).abs() < 1e-15);
    assert!(m("richness(fgtt2,0.5)").evaluate(&ctx).is_err());
}

#[test]
fn parameters_are_checked_and_reported() {
    assert!(matches!(
        Measure::parse_list("gni"),
        Err(MeasureError::UnknownMeasure { suggestion: Some(ref s), .. }) if s == "gini"
    ));
    assert!(matches!(
        Measure::parse_list("fgt(1,2,3,4)"),
        Err(MeasureError::BadParameter { .. })
    ));
    assert!(matches!(
        Measure::parse_list("fgt(beta=1)"),
        Err(MeasureError::BadParameter { .. })
    ));
    let q = m("quantile(0.2)");
    assert_eq!(q.args().given(), &[("p".to_string(), ParamValue::Num(0.2))]);
    let f = m("fgt(1,line=20000)");
    let names: Vec<&str> = f.args().given().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["alpha", "line"]);
    let d = Distribution::new(&[1.0, 2.0], None).unwrap();
    assert!(m("quantile(1.5)").evaluate(&Ctx::new(&d)).is_err());
    assert!(m("prosperity_gap").evaluate(&Ctx::new(&d)).is_err());
}
