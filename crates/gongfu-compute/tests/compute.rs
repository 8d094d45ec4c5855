//! The compute layer: welfare concepts, domains, errors, result shape.

use gongfu_compute::{
    Columns, ComputeError, EquivalenceScale, KeyColumn, Spec, Welfare, compute, natural_order,
};
use gongfu_measures::{Ctx, Distribution, Measure};

fn key(name: &str, labels: &[&str]) -> KeyColumn {
    KeyColumn::from_labels(name, labels)
}

#[test]
fn natural_order_sorts_numbers_numerically() {
    let l: Vec<String> = ["10", "9", "100", "2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let o: Vec<&str> = natural_order(&l).iter().map(|&i| l[i].as_str()).collect();
    assert_eq!(o, ["2", "9", "10", "100"]);
    let l: Vec<String> = ["C10", "C02", "b"].iter().map(|s| s.to_string()).collect();
    let o: Vec<&str> = natural_order(&l).iter().map(|&i| l[i].as_str()).collect();
    assert_eq!(o, ["C02", "C10", "b"]);
}

#[test]
fn domains_do_not_depend_on_row_order() {
    let inc = vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
    let g = ["b", "a", "b", "a", "c", "a"];
    let cols = Columns {
        income: inc.clone(),
        keys: vec![key("g", &g)],
        ..Columns::default()
    };
    let rev = Columns {
        income: inc.iter().rev().copied().collect(),
        keys: vec![key("g", &g.iter().rev().copied().collect::<Vec<_>>())],
        ..Columns::default()
    };
    let spec = Spec::parse("mean,gini,median", &["g"]).unwrap();
    let (a, b) = (compute(cols, &spec).unwrap(), compute(rev, &spec).unwrap());
    assert_eq!(a.results, b.results);
    let labels: Vec<String> = a.results[..4]
        .iter()
        .map(|r| {
            r.by.get("g")
                .map_or("all".into(), |v| v.as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(labels, ["all", "a", "b", "c"]);
    // domain a: 20, 40, 60
    assert_eq!(a.results[1].value, 40.0);
    assert_eq!(a.results[1].n, 3);
}

#[test]
fn many_domains_in_batches_equal_direct_computation() {
    // more rows than one batch holds (batches of max(n/2, 2^20) rows): 300 domains
    let n = 2_200_000usize;
    let income: Vec<f64> = (0..n)
        .map(|i| 1000.0 + ((i * 7919) % 100_003) as f64)
        .collect();
    let labels: Vec<String> = (0..n).map(|i| format!("d{}", (i * 31) % 300)).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let cols = Columns {
        income: income.clone(),
        keys: vec![key("d", &refs)],
        ..Columns::default()
    };
    let spec = Spec::parse("gini,arpr", &["d"]).unwrap();
    let report = compute(cols, &spec).unwrap();
    assert_eq!(report.results.len(), 2 * 301);
    // domain d7 computed directly
    let idx: Vec<usize> = (0..n).filter(|&i| labels[i] == "d7").collect();
    let x: Vec<f64> = idx.iter().map(|&i| income[i]).collect();
    let whole = Distribution::new(&income, None).unwrap();
    let d = Distribution::new(&x, None).unwrap();
    let ctx = Ctx::new(&d).with_whole(&whole);
    for (m, k) in [("gini", 0usize), ("arpr", 1)] {
        let want = Measure::parse_list(m).unwrap()[0].value(&ctx).unwrap();
        let got = report.results[k * 301..(k + 1) * 301]
            .iter()
            .find(|r| r.by.get("d").and_then(|v| v.as_str()) == Some("d7"))
            .unwrap()
            .value;
        assert_eq!(got.to_bits(), want.to_bits(), "{m}");
    }
}

#[test]
fn welfare_concepts_transform_income_and_weights() {
    let base = Columns {
        income: vec![30_000.0, 60_000.0],
        weight: Some(vec![10.0, 20.0]),
        size: Some(vec![3.0, 2.0]),
        adults: Some(vec![2.0, 2.0]),
        children: Some(vec![1.0, 0.0]),
        ..Columns::default()
    };
    let mean = |w: Welfare| {
        let mut spec = Spec::parse("mean,population", &[]).unwrap();
        spec.welfare = w;
        let r = compute(base.clone(), &spec).unwrap();
        (r.results[0].value, r.results[1].value)
    };
    // per capita: 10000 (30 persons), 30000 (40 persons)
    assert_eq!(
        mean(Welfare::PerCapita),
        ((10_000.0 * 30.0 + 30_000.0 * 40.0) / 70.0, 70.0)
    );
    // modified OECD: 30000/1.8, 60000/1.5
    let (m, p) = mean(Welfare::Equivalised(EquivalenceScale::ModifiedOecd));
    assert!((m - (30_000.0 / 1.8 * 30.0 + 40_000.0 * 40.0) / 70.0).abs() < 1e-9);
    assert_eq!(p, 70.0);
    let (m, _) = mean(Welfare::Equivalised(EquivalenceScale::Sqrt));
    assert!(
        (m - (30_000.0 / 3f64.sqrt() * 30.0 + 60_000.0 / 2f64.sqrt() * 40.0) / 70.0).abs() < 1e-9
    );
    assert_eq!(mean(Welfare::AsIs), (50_000.0, 30.0));
}

#[test]
fn errors_name_the_column_role_and_row() {
    let cols = Columns {
        income: vec![1.0, 2.0],
        weight: Some(vec![1.0, -3.0]),
        ..Columns::default()
    };
    match compute(cols, &Spec::parse("mean", &[]).unwrap()) {
        Err(ComputeError::Value { column, row: 2, .. }) => assert_eq!(column, "weight"),
        other => panic!("{other:?}"),
    }
    let cols = Columns {
        income: vec![1.0, 2.0],
        size: Some(vec![1.0, 0.0]),
        ..Columns::default()
    };
    let mut spec = Spec::parse("mean", &[]).unwrap();
    spec.welfare = Welfare::PerCapita;
    match compute(cols, &spec) {
        Err(ComputeError::Value { column, row: 2, .. }) => {
            assert!(column.contains("household size"))
        }
        other => panic!("{other:?}"),
    }
    let cols = Columns {
        income: vec![1.0, 2.0],
        ..Columns::default()
    };
    assert!(matches!(
        compute(cols, &Spec::parse("mean", &["region"]).unwrap()),
        Err(ComputeError::MissingColumn(_))
    ));
    let cols = Columns {
        income: vec![-1.0, 2.0],
        ..Columns::default()
    };
    match compute(cols, &Spec::parse("mld", &[]).unwrap()) {
        Err(ComputeError::Measure {
            domain: None,
            source,
        }) => assert!(source.to_string().contains("1 row(s)")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn contrasts_and_sources_travel_with_the_observations() {
    let cols = Columns {
        income: vec![10.0, 20.0, 30.0, 40.0],
        keys: vec![key("urban", &["0", "1", "0", "1"])],
        numerics: vec![
            ("wage".into(), vec![10.0, 15.0, 20.0, 40.0]),
            ("other".into(), vec![0.0, 5.0, 10.0, 0.0]),
        ],
        ..Columns::default()
    };
    let spec = Spec::parse(
        "ratio(of=mean,by=urban,num=1,den=0),gini_sources(sources=wage+other)",
        &[],
    )
    .unwrap();
    let r = compute(cols, &spec).unwrap();
    assert_eq!(r.results[0].value, 30.0 / 20.0);
    assert_eq!(r.results[0].params.get("by").unwrap(), "urban");
    assert!(r.results.iter().any(|x| x.measure == "gini_sources"));
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn every_measure_has_a_standard_error_under_both_methods() {
    use gongfu_compute::{ReplicateSpec, VarianceSpec};
    let n = 400;
    let wage: Vec<f64> = (0..n)
        .map(|i| 8_000.0 + 113.0 * ((i * 37) % n) as f64)
        .collect();
    let other: Vec<f64> = (0..n)
        .map(|i| 500.0 + 71.0 * ((i * 11) % 97) as f64)
        .collect();
    let income: Vec<f64> = wage.iter().zip(&other).map(|(a, b)| a + b).collect();
    let labels = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<String>>();
    let urban = labels(&|i| (i % 3 == 0).to_string());
    let strata = labels(&|i| format!("s{}", i % 4));
    let psu = labels(&|i| format!("p{}", i % 40));
    let cols = Columns {
        income,
        weight: Some((0..n).map(|i| 10.0 + (i % 7) as f64).collect()),
        size: Some((0..n).map(|i| 1.0 + (i % 4) as f64).collect()),
        keys: vec![key("urban", &refs(&urban))],
        numerics: vec![("wage".into(), wage), ("other".into(), other)],
        strata: Some(key("stratum", &refs(&strata))),
        psu: Some(key("psu", &refs(&psu))),
        ..Columns::default()
    };
    let list = "total,mean,median,deciles,quintile_means,gini,ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(1),watts,richness,\
                middle_share(lo=0.75*median,hi=2*median,unit=household),prosperity_gap(30000),zenga,wolfson,\
                ratio(of=mean,by=urban,num=true,den=false),ge_decomp(1,by=urban),fgt_contrib(by=urban),gini_sources(sources=wage+other)";
    for replicates in [
        None,
        Some(ReplicateSpec::Jkn { mse: false }),
        Some(ReplicateSpec::Bootstrap {
            replicates: 30,
            seed: 3,
            mse: true,
        }),
    ] {
        let mut spec = Spec::parse(list, &[]).unwrap();
        spec.welfare = Welfare::PerCapita;
        spec.variance = Some(VarianceSpec {
            replicates: replicates.clone(),
            ..VarianceSpec::default()
        });
        let r = compute(cols.clone(), &spec).unwrap_or_else(|e| panic!("{replicates:?}: {e}"));
        for row in &r.results {
            let se = row
                .se
                .unwrap_or_else(|| panic!("{} has no SE", row.measure));
            assert!(
                se.is_finite() && se >= 0.0,
                "{} {replicates:?}: se {se}",
                row.measure
            );
            let [lo, hi] = row.ci.unwrap();
            assert!(
                lo <= row.value && row.value <= hi,
                "{}: {lo} {} {hi}",
                row.measure,
                row.value
            );
        }
    }
}

#[test]
fn undefined_measures_in_a_domain_fail_or_are_skipped_and_listed() {
    // domain g=b has only urban rows: the urban/rural ratio is undefined there
    let cols = || Columns {
        income: vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        keys: vec![
            key("g", &["a", "a", "a", "b", "b", "b"]),
            key("urban", &["1", "0", "1", "1", "1", "1"]),
        ],
        ..Columns::default()
    };
    let mut spec = Spec::parse("mean,ratio(of=mean,by=urban,num=1,den=0)", &["g"]).unwrap();
    let err = compute(cols(), &spec).unwrap_err();
    assert!(err.to_string().contains("g=b"), "{err}");
    spec.skip_undefined = true;
    let r = compute(cols(), &spec).unwrap();
    let got: Vec<(String, String)> = r
        .results
        .iter()
        .map(|r| {
            let g = r.by.get("g").map_or("all", |v| v.as_str().unwrap());
            (r.measure.clone(), g.to_string())
        })
        .collect();
    let want = [
        ("mean", "all"),
        ("mean", "a"),
        ("mean", "b"),
        ("ratio", "all"),
        ("ratio", "a"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(m, g)| (m.to_string(), g.to_string()))
        .collect();
    assert_eq!(got, want);
    // a: urban mean (10+30)/2 = 20 over rural 20
    assert_eq!(r.results[4].value, 1.0);
    let skipped = r.meta["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["domain"], "g=b");
    assert_eq!(skipped[0]["measure"], "ratio(of=mean,by=urban,num=1,den=0)");
}

#[test]
fn supplied_replicate_columns_follow_the_welfare_concept_and_are_not_ignored() {
    use gongfu_compute::{ReplicateSpec, VarianceSpec};
    // per-capita welfare: supplied household replicate weights are turned into
    // person weights as the weight is, so supplying the columns of a generated
    // bootstrap gives that bootstrap's standard errors
    let n = 240;
    let strata: Vec<u32> = (0..n).map(|i| (i % 4) as u32).collect();
    let psu: Vec<u32> = (0..n).map(|i| (i % 24) as u32).collect();
    let weight: Vec<f64> = (0..n).map(|i| 10.0 + (i % 7) as f64).collect();
    let boot = gongfu_survey::Replicates::bootstrap(&strata, &psu, &weight, 20, 5).unwrap();
    let labels = |codes: &[u32]| -> Vec<String> {
        (0..=*codes.iter().max().unwrap())
            .map(|c| c.to_string())
            .collect()
    };
    let cols = Columns {
        income: (0..n)
            .map(|i| 1_000.0 + 37.0 * ((i * 13) % 101) as f64)
            .collect(),
        weight: Some(weight),
        size: Some((0..n).map(|i| 1.0 + (i % 4) as f64).collect()),
        strata: Some(KeyColumn {
            name: "stratum".into(),
            levels: labels(&strata),
            codes: strata,
        }),
        psu: Some(KeyColumn {
            name: "psu".into(),
            levels: labels(&psu),
            codes: psu,
        }),
        ..Columns::default()
    };
    let spec = |replicates| {
        let mut s = Spec::parse("mean,gini,arpr", &[]).unwrap();
        s.welfare = Welfare::PerCapita;
        s.variance = Some(VarianceSpec {
            replicates: Some(replicates),
            ..VarianceSpec::default()
        });
        s
    };
    let generated = compute(
        cols.clone(),
        &spec(ReplicateSpec::Bootstrap {
            replicates: 20,
            seed: 5,
            mse: false,
        }),
    )
    .unwrap();
    let supplied_cols = Columns {
        replicates: (0..20).map(|r| boot.column(r).unwrap()).collect(),
        ..cols.clone()
    };
    let supplied = compute(
        supplied_cols.clone(),
        &spec(ReplicateSpec::Supplied {
            kind: gongfu_survey::RepType::Bootstrap,
            scale: Some(1.0 / 19.0),
            rscales: None,
            mse: false,
        }),
    )
    .unwrap();
    for (g, s) in generated.results.iter().zip(&supplied.results) {
        let (g, s) = (g.se.unwrap(), s.se.unwrap());
        assert!(g > 0.0 && (g - s).abs() <= 1e-12 * g, "{g} vs {s}");
    }
    // replicate columns without a supplied-replicates variance are refused
    let err = compute(supplied_cols, &spec(ReplicateSpec::Jkn { mse: false })).unwrap_err();
    assert!(
        err.to_string()
            .contains("replicate weight columns were given"),
        "{err}"
    );
}
