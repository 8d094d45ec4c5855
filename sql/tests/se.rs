//! Linearised standard errors in SQL (`gongfu_influence` and
//! `linearised_se`) against the library's design-based SEs: the conformance
//! households (stratified two-stage design), by county and overall.

use datafusion::arrow::array::{ArrayRef, Float64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use gongfu_compute::{Columns, KeyColumn, Spec, VarianceSpec};
use gongfu_sql::{SeColumns, column_values, linearised_se};
use std::sync::Arc;

mod common;

struct Households {
    county: Vec<String>,
    stratum: Vec<String>,
    psu: Vec<String>,
    income: Vec<f64>,
    weight: Vec<f64>,
}

fn households() -> Households {
    let [county, stratum, psu, income, weight]: [Vec<String>; 5] =
        common::columns(&["county", "stratum", "psu", "pc_income", "pweight"])
            .try_into()
            .expect("five columns");
    Households {
        county,
        stratum,
        psu,
        income: common::numbers(&income),
        weight: common::numbers(&weight),
    }
}

/// The households as a memory table of 3 partitions.
fn context(h: &Households) -> datafusion::execution::context::SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("county", DataType::Utf8, false),
        Field::new("stratum", DataType::Utf8, false),
        Field::new("psu", DataType::Utf8, false),
        Field::new("income", DataType::Float64, false),
        Field::new("weight", DataType::Float64, false),
    ]));
    let n = h.income.len();
    let parts: Vec<Vec<RecordBatch>> = (0..3)
        .map(|p| {
            let idx: Vec<usize> = (p..n).step_by(3).collect();
            let cols: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from_iter_values(
                    idx.iter().map(|&i| h.county[i].as_str()),
                )),
                Arc::new(StringArray::from_iter_values(
                    idx.iter().map(|&i| h.stratum[i].as_str()),
                )),
                Arc::new(StringArray::from_iter_values(
                    idx.iter().map(|&i| h.psu[i].as_str()),
                )),
                Arc::new(Float64Array::from_iter_values(
                    idx.iter().map(|&i| h.income[i]),
                )),
                Arc::new(Float64Array::from_iter_values(
                    idx.iter().map(|&i| h.weight[i]),
                )),
            ];
            vec![RecordBatch::try_new(schema.clone(), cols).expect("batch")]
        })
        .collect();
    let ctx = gongfu_sql::context();
    ctx.register_table(
        "hh",
        Arc::new(MemTable::try_new(schema, parts).expect("table")),
    )
    .expect("register");
    ctx
}

fn key(name: &str, labels: &[String]) -> KeyColumn {
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    KeyColumn::from_labels(name, &refs)
}

/// (county, estimate, SE) of every county, in label order, and (estimate,
/// SE) overall.
type Library = (Vec<(String, f64, f64)>, (f64, f64));

/// The library's estimates and SEs of `call`.
fn library(h: &Households, call: &str) -> Library {
    let cols = Columns {
        income: h.income.clone(),
        weight: Some(h.weight.clone()),
        keys: vec![key("county", &h.county)],
        strata: Some(key("stratum", &h.stratum)),
        psu: Some(key("psu", &h.psu)),
        ..Columns::default()
    };
    let mut spec = Spec::parse(call, &["county"]).expect("spec");
    spec.variance = Some(VarianceSpec::default());
    let report = gongfu_compute::compute(cols, &spec).expect("compute");
    let mut by = Vec::new();
    let mut whole = (f64::NAN, f64::NAN);
    for row in &report.results {
        let se = row.se.expect("se");
        match row.by.get("county") {
            Some(c) => by.push((c.as_str().expect("label").to_string(), row.value, se)),
            None => whole = (row.value, se),
        }
    }
    by.sort_by(|a, b| a.0.cmp(&b.0));
    (by, whole)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

/// (SQL call, library call, needs positive incomes): the aggregate sees only
/// its group, so relative thresholds are the group's own (`scope=domain` in
/// the library). Measures of logarithms or ratios to incomes refuse the
/// survey's zero incomes, as the library does; they are checked on the
/// positive incomes (table `pos`).
const MEASURES: &[(&str, &str, bool)] = &[
    ("mean", "mean", false),
    ("gini", "gini", false),
    ("ge(2)", "ge(2)", false),
    ("ge(0)", "ge(0)", true),
    ("theil", "theil", true),
    ("atkinson(1)", "atkinson(1)", true),
    ("cv", "cv", false),
    ("qsr", "qsr", false),
    ("palma", "palma", false),
    ("arpr", "arpr(scope=domain)", false),
    ("rmpg", "rmpg(scope=domain)", false),
    ("fgt(0,line=20000)", "fgt(0,line=20000)", false),
    ("fgt(1,line=20000)", "fgt(1,line=20000)", false),
    (
        "middle_share(lo=20000,hi=60000)",
        "middle_share(lo=20000,hi=60000)",
        false,
    ),
];

/// The households with a positive income.
fn positive(h: &Households) -> Households {
    let keep: Vec<usize> = (0..h.income.len()).filter(|&i| h.income[i] > 0.0).collect();
    let pick = |v: &Vec<String>| keep.iter().map(|&i| v[i].clone()).collect();
    Households {
        county: pick(&h.county),
        stratum: pick(&h.stratum),
        psu: pick(&h.psu),
        income: keep.iter().map(|&i| h.income[i]).collect(),
        weight: keep.iter().map(|&i| h.weight[i]).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linearised_se_equals_the_library_by_county_and_overall() {
    let all = households();
    let pos = positive(&all);
    assert!(
        pos.income.len() < all.income.len(),
        "the survey has zero incomes"
    );
    let (ctx_all, ctx_pos) = (context(&all), context(&pos));
    let (mut compared, mut worst) = (0, 0.0f64);
    for &(sql_call, lib_call, needs_positive) in MEASURES {
        let (h, ctx) = if needs_positive {
            (&pos, &ctx_pos)
        } else {
            (&all, &ctx_all)
        };
        let (by, whole) = library(h, lib_call);
        let grouped = SeColumns {
            table: "hh",
            group: Some("county"),
            income: "income",
            weight: "weight",
            stratum: Some("stratum"),
            psu: Some("psu"),
        };
        let rows = linearised_se(ctx, &grouped, sql_call)
            .await
            .expect(sql_call);
        let (est, se) = (column_values(&rows, "estimate"), column_values(&rows, "se"));
        assert_eq!(se.len(), by.len(), "{sql_call}: one row per county");
        for (k, (county, v, s)) in by.iter().enumerate() {
            assert!(
                close(est[k], *v, 1e-12),
                "{sql_call} {county}: estimate {} vs {v}",
                est[k]
            );
            assert!(
                close(se[k], *s, 1e-12),
                "{sql_call} {county}: se {} vs {s}",
                se[k]
            );
            worst = worst.max((se[k] - s).abs() / s.abs());
            compared += 1;
        }
        let overall = SeColumns {
            group: None,
            ..grouped
        };
        let rows = linearised_se(ctx, &overall, sql_call)
            .await
            .expect(sql_call);
        let (est, se) = (column_values(&rows, "estimate"), column_values(&rows, "se"));
        assert!(
            close(est[0], whole.0, 1e-12),
            "{sql_call}: {} vs {}",
            est[0],
            whole.0
        );
        assert!(
            close(se[0], whole.1, 1e-12),
            "{sql_call}: se {} vs {}",
            se[0],
            whole.1
        );
        worst = worst.max((se[0] - whole.1).abs() / whole.1.abs());
        compared += 1;
        // the design's size comes back with the SE (degrees of freedom)
        let psus = column_values(&rows, "psus")[0];
        let strata = column_values(&rows, "strata")[0];
        assert!(
            psus > strata && strata > 1.0,
            "{psus} PSUs, {strata} strata"
        );
    }
    println!("{compared} SEs compared, worst relative difference {worst:.1e}");
    assert!(compared > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn influence_is_a_window_function_usable_directly() {
    let h = households();
    let ctx = context(&h);
    // Σ w z over a group is 0 for a linearised ratio such as the mean or the Gini
    let rows = gongfu_sql::query(
        &ctx,
        "SELECT county, SUM(weight * z) AS s, SUM(weight * ABS(z)) AS a FROM \
         (SELECT county, weight, gongfu_influence(income, weight, 'gini') OVER (PARTITION BY county) AS z FROM hh) \
         GROUP BY county",
    )
    .await
    .expect("query");
    let (s, a) = (column_values(&rows, "s"), column_values(&rows, "a"));
    assert!(!s.is_empty());
    for (s, a) in s.iter().zip(&a) {
        assert!(s.abs() <= 1e-9 * a, "Σwz = {s} (scale {a})");
        assert!(*a > 0.0);
    }
    // a measure without a linearisation, or not a constant, is refused
    for bad in [
        "SELECT gongfu_influence(income, weight, 'count') OVER () FROM hh",
        "SELECT gongfu_influence(income, weight, county) OVER () FROM hh",
        "SELECT gongfu_influence(income, weight, 'nosuch') OVER () FROM hh",
    ] {
        let err = gongfu_sql::query(&ctx, bad)
            .await
            .expect_err(bad)
            .to_string();
        assert!(err.contains("gongfu_influence"), "{bad}: {err}");
    }
}
