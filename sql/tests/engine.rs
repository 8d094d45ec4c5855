//! `gongfu compute --engine datafusion` against the direct engine: the
//! conformance households as CSV and as several Parquet part files, the
//! same report (rows, order, parameters, n, population, exclusions) with
//! values equal at 1e-12, by one domain variable and by two cross-classified;
//! and what the engine refuses.

use gongfu_compute::{Columns, KeyColumn, Report, Spec};
use gongfu_measures::NonPositive;
use gongfu_sql::{EngineOptions, FileColumns, InputFormat, SqlError, compute_files};
use std::path::PathBuf;

mod common;

const MEASURES: &str = "count,population,total,mean,median,quantile(0.9),gini,arpr,rmpg,poormed,\
qsr,palma,p90p10,ge(2),mld,theil,atkinson(1),cv,fgt(1),\"fgt(0,line=20000)\",watts,middle_share,\
prosperity_gap(50000),lorenz(0.5),top_share(f=0.1),wolfson";

const COLS: FileColumns<'static> = FileColumns {
    income: "pc_income",
    weight: Some("pweight"),
    strata: None,
    psu: None,
};

fn csv_path() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|p| p.join("testdata/conformance/households.csv"))
        .find(|p| p.exists())
        .expect("households.csv")
}

/// The direct engine on the same households.
fn direct(spec: &Spec) -> Result<Report, gongfu_compute::ComputeError> {
    let names = ["pc_income", "pweight", "urban", "county", "stratum", "psu"];
    let [income, weight, urban, county, stratum, psu]: [Vec<String>; 6] =
        common::columns(&names).try_into().expect("columns");
    let key = |name: &str, v: &[String]| {
        let labels: Vec<&str> = v.iter().map(String::as_str).collect();
        KeyColumn::from_labels(name, &labels)
    };
    let cols = Columns {
        income: common::numbers(&income),
        weight: Some(common::numbers(&weight)),
        keys: spec
            .by
            .iter()
            .map(|b| key(b, if b == "urban" { &urban } else { &county }))
            .collect(),
        strata: spec.variance.as_ref().map(|_| key("stratum", &stratum)),
        psu: spec.variance.as_ref().map(|_| key("psu", &psu)),
        ..Columns::default()
    };
    gongfu_compute::compute(cols, spec)
}

fn spec(by: &[&str], nonpositive: NonPositive) -> Spec {
    let mut s = Spec::parse(MEASURES, by).expect("spec");
    s.nonpositive = nonpositive;
    s
}

fn same(got: &Report, want: &Report) {
    assert_eq!(got.results.len(), want.results.len(), "rows");
    for (g, w) in got.results.iter().zip(&want.results) {
        let at = format!("{} {:?} {:?}", w.measure, w.params, w.by);
        assert_eq!(
            (&g.measure, &g.params, &g.by),
            (&w.measure, &w.params, &w.by),
            "{at}"
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-9);
        assert!(close(g.value, w.value), "{at}: {} vs {}", g.value, w.value);
        assert!(close(g.population, w.population), "{at}: population");
        assert_eq!((g.n, g.excluded), (w.n, w.excluded), "{at}");
    }
}

#[test]
fn the_datafusion_engine_gives_the_direct_engines_report() {
    // Parquet part files written by DataFusion from the CSV
    let dir = std::env::temp_dir().join(format!("gongfu-engine-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let ctx = gongfu_sql::context();
        let csv = csv_path().to_string_lossy().to_string();
        for part in 0..4 {
            let out = dir.join(format!("part-{part}.parquet"));
            let copy = format!(
                "COPY (SELECT * FROM '{csv}' WHERE hh_id % 4 = {part}) TO '{}' STORED AS PARQUET",
                out.display()
            );
            ctx.sql(&copy)
                .await
                .expect("copy")
                .collect()
                .await
                .expect("write");
        }
    });
    drop(rt);
    let parts = std::fs::read_dir(&dir).expect("dir").count();
    assert!(parts >= 2, "{parts} part files");
    let inputs = [
        (csv_path(), InputFormat::Csv(b',')),
        (dir.clone(), InputFormat::Parquet),
    ];
    for by in [&[][..], &["urban"][..], &["county", "urban"][..]] {
        let s = spec(by, NonPositive::Exclude);
        let want = direct(&s).expect("direct");
        for (path, format) in &inputs {
            for ranges in [1, 16, 500] {
                let opts = EngineOptions {
                    ranges,
                    memory_limit: Some(64 << 20),
                };
                let got = compute_files(path, *format, COLS, &s, opts).expect("datafusion engine");
                same(&got, &want);
                assert_eq!(got.meta["engine"], "datafusion");
            }
        }
    }
    // a measure undefined on the data (non-positive incomes, the default
    // policy) fails both engines, the datafusion one naming the measure
    let s = spec(&["urban"], NonPositive::Error);
    assert!(direct(&s).is_err());
    let e = compute_files(
        &dir,
        InputFormat::Parquet,
        COLS,
        &s,
        EngineOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, SqlError::Measure { message, .. } if message.contains("mld")),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Standard errors and intervals agree with the direct engine's within
/// `tol` (relative); returns the worst relative difference.
fn same_se(got: &Report, want: &Report, tol: f64) -> f64 {
    same(got, want);
    let mut worst: f64 = 0.0;
    for (g, w) in got.results.iter().zip(&want.results) {
        let at = format!("{} {:?} {:?}", w.measure, w.params, w.by);
        let mut pairs = vec![];
        match (g.se, w.se) {
            (Some(a), Some(b)) => pairs.push((a, b)),
            (None, None) => {}
            other => panic!("{at}: se {other:?}"),
        }
        match (g.ci, w.ci) {
            (Some(a), Some(b)) => pairs.extend([(a[0], b[0]), (a[1], b[1])]),
            (None, None) => {}
            other => panic!("{at}: ci {other:?}"),
        }
        for (a, b) in pairs {
            let d = (a - b).abs() / b.abs().max(1e-300);
            assert!(d <= tol, "{at}: {a} vs {b} ({d:.1e})");
            worst = worst.max(d);
        }
    }
    worst
}

const SE_MEASURES: &str = "count,population,total,mean,median,quantile(0.1),quantile(0.9),gini,\
gini(form=eurostat),arpt,arpr,\"arpr(scope=domain)\",fgt(0),fgt(1),fgt(2),\"fgt(0,line=20000)\",\
\"fgt(1.5,line=20000)\",\"fgt(1,line=0.5*mean)\",\"fgt(2,line=0.6*median,scope=domain)\"";

#[test]
fn the_datafusion_engine_gives_the_direct_engines_standard_errors() {
    let cols = FileColumns {
        strata: Some("stratum"),
        psu: Some("psu"),
        ..COLS
    };
    let mut worst: f64 = 0.0;
    for by in [&[][..], &["county"][..], &["county", "urban"][..]] {
        for (lonely, level, normal) in [
            (gongfu_survey::LonelyPsu::Fail, 0.95, false),
            (gongfu_survey::LonelyPsu::Adjust, 0.9, true),
        ] {
            let mut s = Spec::parse(SE_MEASURES, by).expect("spec");
            s.variance = Some(gongfu_compute::VarianceSpec {
                lonely,
                level,
                normal,
                replicates: None,
            });
            let want = direct(&s).expect("direct");
            assert!(want.results.iter().any(|r| r.se.is_some()));
            for ranges in [1, 7, 300] {
                let opts = EngineOptions {
                    ranges,
                    memory_limit: None,
                };
                let got = compute_files(&csv_path(), InputFormat::Csv(b','), cols, &s, opts)
                    .expect("datafusion engine");
                worst = worst.max(same_se(&got, &want, 1e-11));
                assert_eq!(got.meta["variance"], want.meta["variance"]);
            }
        }
    }
    eprintln!("standard errors: worst relative difference {worst:.1e}");
    // standard errors need the PSUs, and a measure the plan linearises
    let mut s = Spec::parse("gini", &[]).expect("spec");
    s.variance = Some(gongfu_compute::VarianceSpec::default());
    let e = compute_files(
        &csv_path(),
        InputFormat::Csv(b','),
        COLS,
        &s,
        EngineOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("PSU"), "{e}");
    let mut s = Spec::parse("theil", &[]).expect("spec");
    s.variance = Some(gongfu_compute::VarianceSpec::default());
    let e = compute_files(
        &csv_path(),
        InputFormat::Csv(b','),
        cols,
        &s,
        EngineOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("standard errors of theil"), "{e}");
}

#[test]
fn the_datafusion_engine_refuses_what_only_the_direct_engine_does() {
    let run = |s: &Spec, income: &str| {
        compute_files(
            &csv_path(),
            InputFormat::Csv(b','),
            FileColumns { income, ..COLS },
            s,
            EngineOptions::default(),
        )
        .unwrap_err()
        .to_string()
    };
    let mut s = Spec::parse("gini", &[]).expect("spec");
    s.rule = gongfu_measures::QuantileRule::Hf7;
    assert!(run(&s, "pc_income").contains("quantile rules"));
    let s = Spec::parse("deciles", &[]).expect("spec");
    assert!(run(&s, "pc_income").contains("deciles needs the direct engine"));
    let s = Spec::parse("gini", &[]).expect("spec");
    let e = run(&s, "no_such_column");
    assert!(e.contains("no_such_column"), "{e}");
}
