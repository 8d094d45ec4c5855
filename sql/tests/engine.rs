//! `gongfu compute --engine datafusion` against the direct engine: the
//! conformance households as CSV and as several Parquet part files, the
//! same report (rows, order, parameters, n, population, exclusions) with
//! values equal at 1e-12, by one domain variable and by two cross-classified;
//! and what the engine refuses.

use gongfu_compute::{Columns, KeyColumn, Report, Spec};
use gongfu_measures::NonPositive;
use gongfu_sql::{EngineOptions, InputFormat, SqlError, compute_files};
use std::path::PathBuf;

mod common;

const MEASURES: &str = "count,population,total,mean,median,quantile(0.9),gini,arpr,rmpg,poormed,\
qsr,palma,p90p10,ge(2),mld,theil,atkinson(1),cv,fgt(1),\"fgt(0,line=20000)\",watts,middle_share,\
prosperity_gap(50000),lorenz(0.5),top_share(f=0.1),wolfson";

fn csv_path() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|p| p.join("testdata/conformance/households.csv"))
        .find(|p| p.exists())
        .expect("households.csv")
}

/// The direct engine on the same households.
fn direct(spec: &Spec) -> Result<Report, gongfu_compute::ComputeError> {
    let names = ["pc_income", "pweight", "urban", "county"];
    let [income, weight, urban, county]: [Vec<String>; 4] =
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
                let got = compute_files(path, *format, "pc_income", Some("pweight"), &s, opts)
                    .expect("datafusion engine");
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
        "pc_income",
        Some("pweight"),
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

#[test]
fn the_datafusion_engine_refuses_what_only_the_direct_engine_does() {
    let run = |s: &Spec, income: &str| {
        compute_files(
            &csv_path(),
            InputFormat::Csv(b','),
            income,
            Some("pweight"),
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
