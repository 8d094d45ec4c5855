//! The SQL functions against the library: every function by county on the
//! conformance households (split over several partitions, so partial states
//! are merged), nulls, constant parameters, errors, and Parquet files named
//! in `FROM`.

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::execution::disk_manager::{DiskManager, DiskManagerMode};
use datafusion::execution::session_state::SessionStateBuilder;
use gongfu_measures::{Ctx, Distribution, Measure};
use std::collections::BTreeMap;
use std::sync::Arc;

mod common;
use common::households;

fn batch(rows: &[(String, Option<f64>, f64)]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("county", DataType::Utf8, false),
        Field::new("income", DataType::Float64, true),
        Field::new("weight", DataType::Float64, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.0.as_str()),
        )),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.1))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
    ];
    RecordBatch::try_new(schema, cols).expect("batch")
}

/// The households, every income present.
fn with_incomes() -> Vec<(String, Option<f64>, f64)> {
    households()
        .into_iter()
        .map(|(c, x, w)| (c, Some(x), w))
        .collect()
}

/// The households as a table of `parts` partitions of several batches each
/// (rows dealt round-robin, so every county is spread over every partition).
fn context(rows: &[(String, Option<f64>, f64)], parts: usize) -> SessionContext {
    let ctx = gongfu_sql::context();
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts];
    for (p, part) in partitions.iter_mut().enumerate() {
        let mine: Vec<_> = rows.iter().skip(p).step_by(parts).cloned().collect();
        for chunk in mine.chunks(97) {
            part.push(batch(chunk));
        }
    }
    let schema = partitions[0][0].schema();
    let table = MemTable::try_new(schema, partitions).expect("table");
    ctx.register_table("hh", Arc::new(table)).expect("register");
    ctx
}

/// The range plan's columns of the table `hh` of [`context`], by county.
fn by_county() -> gongfu_sql::RangeColumns<'static> {
    gongfu_sql::RangeColumns {
        table: "hh",
        group: Some("county"),
        income: "income",
        weight: "weight",
        strata: None,
        psu: None,
    }
}

/// The library's value of `call` on each county's rows.
fn expected(rows: &[(String, Option<f64>, f64)], call: &str) -> BTreeMap<String, f64> {
    try_expected(rows, call).expect("value")
}

/// As [`expected`], or the library's refusal.
fn try_expected(
    rows: &[(String, Option<f64>, f64)],
    call: &str,
) -> Result<BTreeMap<String, f64>, String> {
    let mut by: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (c, x, w) in rows {
        if let Some(x) = x {
            let e = by.entry(c.clone()).or_default();
            e.0.push(*x);
            e.1.push(*w);
        }
    }
    let m = Measure::parse_list(call).expect("measure").remove(0);
    by.into_iter()
        .map(|(c, (x, w))| {
            let d = Distribution::new(&x, Some(&w)).expect("distribution");
            let v = m.value(&Ctx::new(&d)).map_err(|e| e.to_string())?;
            Ok((c, v))
        })
        .collect()
}

/// The query's (county, value) rows.
fn run(ctx: &SessionContext, sql: &str) -> Result<BTreeMap<String, Option<f64>>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let batches = rt
        .block_on(gongfu_sql::query(ctx, sql))
        .map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for b in &batches {
        // files give Utf8View strings, memory tables Utf8
        let c = cast(b.column(0), &DataType::Utf8).expect("county as text");
        let c = c.as_any().downcast_ref::<StringArray>().expect("county");
        let v = b
            .column(1)
            .as_any()
            .downcast_ref::<Float64Array>()
            .expect("value");
        for i in 0..b.num_rows() {
            out.insert(c.value(i).to_string(), (!v.is_null(i)).then(|| v.value(i)));
        }
    }
    Ok(out)
}

/// Every function, with parameters, against the library's call.
const CASES: &[(&str, &str)] = &[
    ("population(income, weight)", "population"),
    ("total(income, weight)", "total"),
    ("mean(income, weight)", "mean"),
    ("quantile(income, weight, 0.25)", "quantile(0.25)"),
    ("median(income, weight)", "median"),
    ("lorenz(income, weight, 0.4)", "lorenz(0.4)"),
    ("share(income, weight, 0.2, 0.8)", "share(0.2,0.8)"),
    ("top_share(income, weight, 0.1)", "top_share(f=0.1)"),
    ("bottom_share(income, weight, 0.4)", "bottom_share(f=0.4)"),
    ("bottom40_mean(income, weight)", "bottom40_mean"),
    ("gini(income, weight)", "gini"),
    ("ge(income, weight, 2)", "ge(2)"),
    ("ge(income, weight, -1)", "ge(-1)"),
    ("theil(income, weight)", "theil"),
    ("mld(income, weight)", "mld"),
    ("atkinson(income, weight, 0.5)", "atkinson(0.5)"),
    ("cv(income, weight)", "cv"),
    ("palma(income, weight)", "palma"),
    ("qsr(income, weight)", "qsr"),
    ("p90p10(income, weight)", "p90p10"),
    ("p80p20(income, weight)", "p80p20"),
    ("jdiv(income, weight)", "jdiv"),
    ("wolfson(income, weight)", "wolfson"),
    ("arpt(income, weight)", "arpt"),
    ("arpr(income, weight)", "arpr"),
    ("rmpg(income, weight)", "rmpg"),
    ("poormed(income, weight)", "poormed"),
    ("fgt(income, weight, 1, 20000)", "fgt(1,line=20000)"),
    ("fgt(income, weight, 2, 25000.5)", "fgt(2,line=25000.5)"),
    ("watts(income, weight, 20000)", "watts(line=20000)"),
    (
        "middle_share(income, weight, 20000, 60000)",
        "middle_share(lo=20000,hi=60000)",
    ),
    (
        "prosperity_gap(income, weight, 25000)",
        "prosperity_gap(25000)",
    ),
];

#[test]
fn every_function_by_county_equals_the_library() {
    let rows = with_incomes();
    let ctx = context(&rows, 4);
    // every catalogue function has a case
    let listed: Vec<String> = gongfu_sql::functions()
        .iter()
        .map(|f| f.split('(').next().unwrap_or_default().to_string())
        .collect();
    for name in &listed {
        assert!(
            CASES
                .iter()
                .any(|(sql, _)| sql.starts_with(&format!("{name}("))),
            "no test case for {name}"
        );
    }
    let mut worst = 0.0f64;
    let mut checked = 0;
    let positive: Vec<_> = rows.iter().filter(|r| r.1 > Some(0.0)).cloned().collect();
    let mut refused = 0;
    for (sql_call, call) in CASES {
        let query =
            |filter: &str| format!("SELECT county, {sql_call} FROM hh {filter} GROUP BY county");
        // measures that need incomes > 0 refuse the zero incomes in SQL as in
        // the library, and are then checked on the positive incomes
        let (got, want) = match try_expected(&rows, call) {
            Ok(want) => (run(&ctx, &query("")), want),
            Err(e) => {
                let sql_err = run(&ctx, &query("")).expect_err(sql_call);
                // the same refusal (counts differ: the library stops at its first county)
                let reason = e.split(':').next().unwrap_or_default();
                assert!(sql_err.contains(reason), "{sql_call}: {sql_err} vs {e}");
                refused += 1;
                (
                    run(&ctx, &query("WHERE income > 0")),
                    expected(&positive, call),
                )
            }
        };
        let got = got.unwrap_or_else(|e| panic!("{sql_call}: {e}"));
        assert_eq!(got.len(), want.len(), "{sql_call}: counties");
        for (county, w) in &want {
            let g = got[county].unwrap_or_else(|| panic!("{sql_call}, {county}: null"));
            let rel = (g - w).abs() / w.abs().max(1e-300);
            assert!(
                rel <= 1e-12 || (g - w).abs() <= 1e-15,
                "{sql_call}, {county}: {g} vs {w}"
            );
            worst = worst.max(if *w == 0.0 { 0.0 } else { rel });
            checked += 1;
        }
    }
    println!(
        "sql: {checked} values by county, worst relative difference {worst:.2e}; \
         {refused} functions refused zero incomes as the library does"
    );
    assert!(refused > 0, "the data should have zero incomes");
    assert!(checked >= CASES.len() * 10);
}

#[test]
fn one_partition_or_many_give_the_same_values() {
    let rows = with_incomes();
    let sql = "SELECT county, gini(income, weight) FROM hh GROUP BY county";
    let one = run(&context(&rows, 1), sql).expect("one");
    let many = run(&context(&rows, 7), sql).expect("many");
    assert_eq!(one, many);
}

#[test]
fn rows_with_a_null_income_are_left_out_and_an_empty_group_is_null() {
    let mut rows: Vec<(String, Option<f64>, f64)> = households()
        .into_iter()
        .enumerate()
        .map(|(i, (c, x, w))| (c, (i % 5 != 0).then_some(x), w))
        .collect();
    rows.push(("nobody".into(), None, 1.0));
    let ctx = context(&rows, 3);
    let got = run(
        &ctx,
        "SELECT county, median(income, weight) FROM hh GROUP BY county",
    )
    .unwrap();
    let want = expected(&rows, "median");
    assert_eq!(got["nobody"], None);
    for (c, w) in want {
        assert_eq!(got[&c], Some(w), "{c}");
    }
}

#[test]
fn parameters_must_be_constants_and_measures_refuse_bad_data_with_their_name() {
    let rows = vec![
        ("a".to_string(), Some(10.0), 1.0),
        ("a".to_string(), Some(0.0), 1.0),
        ("a".to_string(), Some(30.0), 2.0),
    ];
    let ctx = context(&rows, 1);
    let e = run(
        &ctx,
        "SELECT county, quantile(income, weight, weight) FROM hh GROUP BY county",
    )
    .unwrap_err();
    assert!(
        e.contains("quantile(income, weight, p)") && e.contains("constant"),
        "{e}"
    );
    let e = run(
        &ctx,
        "SELECT county, mld(income, weight) FROM hh GROUP BY county",
    )
    .unwrap_err();
    assert!(e.contains("mld"), "{e}");
    let e = run(&ctx, "SELECT county, gini(income) FROM hh GROUP BY county").unwrap_err();
    assert!(e.to_lowercase().contains("gini"), "{e}");
}

#[test]
fn parquet_files_named_in_from_give_the_same_values() {
    let rows = with_incomes();
    let ctx = context(&rows, 4);
    let dir = std::env::temp_dir().join(format!("gongfu-sql-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let out = dir.to_string_lossy().to_string();
    rt.block_on(async {
        let df = ctx.table("hh").await.expect("table");
        df.write_parquet(&out, Default::default(), None)
            .await
            .expect("write");
    });
    let files = std::fs::read_dir(&dir).expect("read dir").count();
    assert!(files >= 2, "{files} files");
    let sql =
        |from: &str| format!("SELECT county, gini(income, weight) FROM {from} GROUP BY county");
    let from_files = run(&ctx, &sql(&format!("'{out}/'"))).expect("files");
    let from_memory = run(&ctx, &sql("hh")).expect("memory");
    assert_eq!(from_files, from_memory);
    let from_glob = run(&ctx, &sql(&format!("'{out}/*.parquet'"))).expect("glob");
    assert_eq!(from_glob, from_memory);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn results_render_as_a_table_or_csv_and_run_reads_files_named_in_from() {
    let rows = vec![
        ("a, \"quoted\"".to_string(), Some(10.0), 1.0),
        ("a, \"quoted\"".to_string(), Some(30.0), 3.0),
        ("b".to_string(), Some(5.0), 2.0),
    ];
    let ctx = context(&rows, 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let batches = rt
        .block_on(gongfu_sql::query(
            &ctx,
            "SELECT county, mean(income, weight) AS m FROM hh GROUP BY county ORDER BY county",
        ))
        .expect("query");
    let csv = gongfu_sql::render(&batches, gongfu_sql::Format::Csv).expect("csv");
    assert_eq!(csv, "county,m\n\"a, \"\"quoted\"\"\",25.0\nb,5.0\n");
    let table = gongfu_sql::render(&batches, gongfu_sql::Format::Table).expect("table");
    assert!(
        table.contains("| county ") && table.contains("| 25.0 |"),
        "{table}"
    );
    // run(): a fresh context that reads the files named in FROM
    let dir = std::env::temp_dir().join(format!("gongfu-sql-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.to_string_lossy().to_string();
    rt.block_on(async {
        let df = ctx.table("hh").await.expect("table");
        df.write_parquet(&out, Default::default(), None)
            .await
            .expect("write");
    });
    drop(rt);
    let text = gongfu_sql::run(
        &format!(
            "SELECT county, mean(income, weight) AS m FROM '{out}/' GROUP BY county ORDER BY county"
        ),
        gongfu_sql::Format::Csv,
    )
    .expect("run");
    assert_eq!(text, csv);
    let err =
        gongfu_sql::run("SELECT gini(x, w) FROM nowhere", gongfu_sql::Format::Csv).unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every measure of the range plan, with parameters that reach each branch
/// (national and domain lines, numbers and multiples of the median or mean).
const RANGE_CALLS: &[&str] = &[
    "count",
    "population",
    "total",
    "mean",
    "quantile(0)",
    "quantile(0.1)",
    "quantile(0.25)",
    "median",
    "quantile(0.9)",
    "quantile(1)",
    "p90p10",
    "p80p20",
    "gini",
    "gini(form=convey)",
    "lorenz(0.3)",
    "lorenz(0)",
    "lorenz(1)",
    "share(0.2,0.6)",
    "top_share(f=0.1)",
    "bottom_share(f=0.4)",
    "bottom40_mean",
    "palma",
    "qsr",
    "wolfson",
    "ge(2)",
    "ge(0.5)",
    "ge(-1)",
    "ge(3)",
    "ge(1.5)",
    "ge(0)",
    "theil",
    "mld",
    "jdiv",
    "cv",
    "atkinson(0.5)",
    "atkinson(1)",
    "atkinson(2)",
    "atkinson(0)",
    "arpt",
    "arpt(pct=0.5)",
    "arpr",
    "arpr(scope=domain)",
    "arpr(pct=0.5)",
    "rmpg",
    "rmpg(scope=domain)",
    "poormed",
    "fgt(0,line=20000)",
    "fgt(1)",
    "fgt(2,line=0.6*median,scope=domain)",
    "fgt(1,line=0.5*mean)",
    "fgt(0.5,line=20000)",
    "watts(line=20000)",
    "watts",
    "middle_share",
    "middle_share(lo=0.75*median,hi=2*median,scope=domain)",
    "middle_share(lo=10000,hi=50000)",
    "prosperity_gap(50000)",
];

/// Checks the range plan against the library on `rows`: every measure of
/// [`RANGE_CALLS`] on the whole table and each county (national lines from
/// the whole table), for each number of ranges and non-positive policy.
fn check_ranges(rows: &[(String, Option<f64>, f64)], ranges: &[usize]) {
    use gongfu_measures::NonPositive;
    let ctx = context(rows, 4);
    let measures: Vec<Measure> = RANGE_CALLS
        .iter()
        .map(|c| Measure::parse_list(c).expect(c).remove(0))
        .collect();
    let mut by: BTreeMap<Option<String>, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (c, x, w) in rows {
        if let Some(x) = x {
            for key in [None, Some(c.clone())] {
                let e = by.entry(key).or_default();
                e.0.push(*x);
                e.1.push(*w);
            }
        }
    }
    let dists: BTreeMap<Option<String>, Distribution> = by
        .into_iter()
        .map(|(k, (x, w))| (k, Distribution::new(&x, Some(&w)).expect("distribution")))
        .collect();
    let whole = &dists[&None];
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut compared = 0;
    for policy in [NonPositive::Error, NonPositive::Exclude] {
        for &k in ranges {
            let opts = gongfu_sql::RangeOptions {
                ranges: k,
                nonpositive: policy,
                overall: true,
                variance: None,
            };
            let cols = by_county();
            let got = rt
                .block_on(gongfu_sql::measures_by_ranges(&ctx, cols, &measures, opts))
                .expect("range plan");
            assert_eq!(got.len(), dists.len(), "groups");
            for (key, values) in &got {
                let lib = Ctx::new(&dists[key])
                    .with_whole(whole)
                    .with_nonpositive(policy);
                for ((m, call), got) in measures.iter().zip(RANGE_CALLS).zip(values) {
                    let want = m.evaluate(&lib).map(|mut e| e.remove(0));
                    let at = format!("{call}, {key:?}, {k} ranges, {policy:?}");
                    match (got, want) {
                        (Ok(g), Ok(w)) => {
                            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-9);
                            assert!(close(g.value, w.value), "{at}: {} vs {}", g.value, w.value);
                            assert!(close(g.population, w.population), "{at}: population");
                            assert_eq!((g.n, g.excluded), (w.n, w.excluded), "{at}: n, excluded");
                            compared += 1;
                        }
                        (Err(_), Err(_)) => {}
                        (g, w) => panic!("{at}: range plan {g:?}, library {w:?}"),
                    }
                }
            }
        }
    }
    assert!(
        compared > RANGE_CALLS.len() * ranges.len() * dists.len(),
        "{compared}"
    );
}

#[test]
fn the_range_plan_equals_the_library_for_every_measure() {
    // every eleventh income null; real-valued weights
    let rows: Vec<(String, Option<f64>, f64)> = households()
        .into_iter()
        .enumerate()
        .map(|(i, (c, x, w))| (c, (i % 11 != 0).then_some(x), w))
        .collect();
    // one range (the whole group), a few, and more than some counties have rows
    check_ranges(&rows, &[1, 7, 64, 2_000]);
}

#[test]
fn the_range_plan_equals_the_library_when_quantiles_fall_between_rows() {
    // integer weights: cumulative weights hit p·N exactly (the Eurostat
    // rule's averaging case), also at the last row of a range
    let rows: Vec<(String, Option<f64>, f64)> = households()
        .into_iter()
        .enumerate()
        .map(|(i, (c, x, _))| (c, Some(x), 1.0 + (i % 3) as f64))
        .collect();
    check_ranges(&rows, &[1, 5, 64]);
}

#[test]
fn the_range_plan_refuses_what_it_cannot_do_exactly() {
    let rows = vec![
        ("a".to_string(), Some(10.0), 1.0),
        ("a".to_string(), Some(20.0), -1.0),
    ];
    let ctx = context(&rows, 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let cols = by_county();
    let run = |calls: &str| {
        let ms = Measure::parse_list(calls).expect("measures");
        rt.block_on(gongfu_sql::measures_by_ranges(
            &ctx,
            cols,
            &ms,
            Default::default(),
        ))
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let e = run("deciles");
    assert!(
        e.contains("deciles is not available on the range plan"),
        "{e}"
    );
    let e = run("fgt(0.5)");
    assert!(e.contains("alpha 0, 1 or 2"), "{e}");
    let e = run("gini");
    assert!(e.contains("weight") && e.contains(">= 0"), "{e}");
}

/// Under a memory cap the range plan takes the Gini's cumulative weights
/// from a window over DataFusion's spilling sort instead of sorting each
/// range's pairs in memory (`gongfu_range_s`, which the other tests use):
/// under a cap far smaller than the rows the sort spills, and the values
/// stay the library's.
#[test]
fn the_range_plan_under_a_small_memory_cap_spills_and_equals_the_library() {
    // the households 120 times over, incomes spread a little: 720,000 rows,
    // about 30 MB of sort rows (county, range, income, weight) against a
    // 16 MiB cap, of which the session gives each sorting partition's
    // merge buffer 2 MiB / partitions; batches of 1,024 rows, so that
    // every sort and merge finds room for a batch under so small a cap
    // whatever the number of partitions (up to 8)
    let base = households();
    let rows: Vec<(String, Option<f64>, f64)> = (0..120)
        .flat_map(|j| {
            base.iter()
                .map(move |(c, x, w)| (c.clone(), Some(x * (1.0 + j as f64 * 1e-3)), *w))
        })
        .collect();
    let ctx = gongfu_sql::session(Some(16 << 20)).expect("session");
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); 2];
    for (p, part) in partitions.iter_mut().enumerate() {
        let mine: Vec<_> = rows.iter().skip(p).step_by(2).cloned().collect();
        for chunk in mine.chunks(1024) {
            part.push(batch(chunk));
        }
    }
    let table = MemTable::try_new(partitions[0][0].schema(), partitions).expect("table");
    ctx.register_table("hh", Arc::new(table)).expect("register");
    let calls = ["gini", "gini(form=convey)", "wolfson", "median"];
    let measures: Vec<Measure> = calls
        .iter()
        .map(|c| Measure::parse_list(c).expect(c).remove(0))
        .collect();
    let cols = by_county();
    let opts = gongfu_sql::RangeOptions {
        ranges: 8,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    rt.block_on(async {
        ctx.sql("SET datafusion.execution.batch_size = 1024")
            .await?
            .collect()
            .await
    })
    .expect("set");
    let got = rt
        .block_on(gongfu_sql::measures_by_ranges(&ctx, cols, &measures, opts))
        .expect("range plan under a 16 MiB cap");
    // and it did spill: the same plan, the same cap, no disk, fails
    let mut env = (*ctx.runtime_env()).clone();
    env.disk_manager = Arc::new(
        DiskManager::builder()
            .with_mode(DiskManagerMode::Disabled)
            .build()
            .expect("disk manager"),
    );
    let no_disk = SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(ctx.state())
            .with_runtime_env(Arc::new(env))
            .build(),
    );
    let e = rt
        .block_on(gongfu_sql::measures_by_ranges(
            &no_disk, cols, &measures, opts,
        ))
        .expect_err("the plan spills under a 16 MiB cap")
        .to_string();
    assert!(e.contains("DiskManager is disabled"), "{e}");
    let mut compared = 0;
    for (key, values) in &got {
        let (x, w): (Vec<f64>, Vec<f64>) = rows
            .iter()
            .filter(|r| key.as_ref().is_none_or(|k| &r.0 == k))
            .map(|r| (r.1.unwrap_or_default(), r.2))
            .unzip();
        let d = Distribution::new(&x, Some(&w)).expect("distribution");
        for (m, v) in measures.iter().zip(values) {
            let want = m.value(&Ctx::new(&d)).expect("library");
            let got = v.as_ref().expect("value").value;
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "{key:?} {m}: {got} vs {want}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 13 * calls.len());
}

/// The table `inner`, counting the scans of it that queries plan.
#[derive(Debug)]
struct Counted {
    inner: Arc<dyn datafusion::catalog::TableProvider>,
    scans: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait::async_trait]
impl datafusion::catalog::TableProvider for Counted {
    fn schema(&self) -> datafusion::arrow::datatypes::SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::prelude::Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        self.scans.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.scan(state, projection, filters, limit).await
    }
}

/// Runs `calls` by county through the range plan on `rows`, counting the
/// scans of the table; the values and the scans.
fn counted_run(
    rows: &[(String, Option<f64>, f64)],
    calls: &str,
) -> (gongfu_sql::RangeResults, usize) {
    let ctx = context(rows, 3);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let inner = rt.block_on(ctx.table_provider("hh")).expect("hh");
    ctx.deregister_table("hh").expect("deregister");
    let scans = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    ctx.register_table(
        "hh",
        Arc::new(Counted {
            inner,
            scans: scans.clone(),
        }),
    )
    .expect("register");
    let measures = Measure::parse_list(calls).expect("measures");
    let cols = by_county();
    let opts = gongfu_sql::RangeOptions {
        ranges: 40,
        ..Default::default()
    };
    let got = rt
        .block_on(gongfu_sql::measures_by_ranges(&ctx, cols, &measures, opts))
        .expect("range plan");
    (got, scans.load(std::sync::atomic::Ordering::SeqCst))
}

/// A poverty line relative to the median needs the median's range first:
/// the plan guesses the median at its range's bounds and reads the line's
/// candidate ranges back with the median's, so that the lines cost no
/// round of reading back (a scan of the table) beyond the median's — and
/// the values stay the library's.
#[test]
fn a_line_relative_to_the_median_is_read_back_with_the_median() {
    let calls = ["median", "arpr(scope=domain)", "arpr(pct=0.5,scope=domain)"];
    let rows = with_incomes();
    let (got, scans) = counted_run(&rows, &calls.join(","));
    for (i, call) in calls.into_iter().enumerate() {
        let want = expected(&rows, call);
        for (key, values) in &got {
            let Some(county) = key else { continue };
            let v = values[i].as_ref().expect("value").value;
            assert!(
                (v - want[county]).abs() <= 1e-12 * want[county].abs(),
                "{county} {call}: {v} vs {}",
                want[county]
            );
        }
    }
    let (_, median_alone) = counted_run(&rows, "median");
    assert_eq!(
        scans, median_alone,
        "scans with the lines, of the median alone"
    );
}
