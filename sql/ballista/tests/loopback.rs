//! A Ballista cluster on loopback: one scheduler and two executors, each a
//! process of the `gongfu-ballista` binary, run gongfu's functions by county
//! and over all rows on the conformance households (16 Parquet files), and
//! the results equal the single-node library's.

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::ParquetReadOptions;
use gongfu_measures::{Ctx, Distribution, Measure};
use std::collections::BTreeMap;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../../tests/common/mod.rs"]
mod common;
use common::households;

/// Parquet files the households are split into.
const FILES: usize = 16;
/// How long a process may take to listen, and a query to finish.
const READY: Duration = Duration::from_secs(30);
const QUERY: Duration = Duration::from_secs(40);

/// The rows dealt round-robin into `FILES` Parquet files (so that every
/// county is spread over every file) under `dir`.
fn write_parquet(rows: &[(String, f64, f64)], dir: &Path) {
    std::fs::create_dir_all(dir).expect("data dir");
    let schema = Arc::new(Schema::new(vec![
        Field::new("county", DataType::Utf8, false),
        Field::new("income", DataType::Float64, false),
        Field::new("weight", DataType::Float64, false),
    ]));
    for f in 0..FILES {
        let mine: Vec<_> = rows.iter().skip(f).step_by(FILES).collect();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                mine.iter().map(|r| r.0.as_str()),
            )),
            Arc::new(Float64Array::from_iter_values(mine.iter().map(|r| r.1))),
            Arc::new(Float64Array::from_iter_values(mine.iter().map(|r| r.2))),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).expect("batch");
        let file = File::create(dir.join(format!("part-{f:02}.parquet"))).expect("file");
        let mut w = ArrowWriter::try_new(file, schema.clone(), None).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
    }
}

/// Free loopback ports: each bound to port 0 by the system, all held until
/// every one is picked so that they differ, then released.
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("address").port())
        .collect()
}

/// The processes of a test cluster, killed (and reaped) when dropped, also
/// when the test panics; their output is in log files, shown on a panic.
/// Dropping it also removes its directory (data, logs, work dirs).
struct Cluster {
    dir: PathBuf,
    children: Vec<(String, Child)>,
}

impl Cluster {
    fn new(dir: PathBuf) -> Cluster {
        Cluster {
            dir,
            children: Vec::new(),
        }
    }

    fn log(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.log"))
    }

    /// Starts `gongfu-ballista ARGS` with its output in `name.log`.
    fn spawn(&mut self, name: &str, args: &[&str]) {
        let log = File::create(self.log(name)).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_gongfu-ballista"))
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        self.children.push((name.to_string(), child));
    }

    /// Waits until `name` accepts connections on `port`, failing if it exits.
    fn wait_listening(&mut self, name: &str, port: u16) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let start = Instant::now();
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            let (_, child) = self
                .children
                .iter_mut()
                .find(|(n, _)| n == name)
                .expect("process");
            if let Some(status) = child.try_wait().expect("status") {
                panic!("{name} exited ({status}) before listening on {port}");
            }
            assert!(
                start.elapsed() < READY,
                "{name} not listening on {port} after {READY:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `gongfu-ballista ARGS` to its end (at most `QUERY`) and returns
    /// its standard output.
    fn run(&mut self, name: &str, args: &[&str]) -> String {
        let out = self.dir.join(format!("{name}.out"));
        let child = Command::new(env!("CARGO_BIN_EXE_gongfu-ballista"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(File::create(&out).expect("output file"))
            .stderr(File::create(self.log(name)).expect("log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        self.children.push((name.to_string(), child));
        let start = Instant::now();
        let status = loop {
            let (_, child) = self.children.last_mut().expect("process");
            if let Some(status) = child.try_wait().expect("status") {
                break status;
            }
            assert!(
                start.elapsed() < QUERY,
                "{name} still running after {QUERY:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = std::fs::read_to_string(self.log(name)).unwrap_or_default();
        assert!(status.success(), "{name}: {status}\n{log}");
        std::fs::read_to_string(&out).expect("output")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            for (name, _) in &self.children {
                let log = std::fs::read_to_string(self.log(name)).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("--- {name} (last lines of its log)");
                for line in tail.into_iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The measures of the queries: SQL call, the library's call, and whether
/// the value must be bit-identical to the library's (as in sql/tests/udaf.rs:
/// the median; the others to 1e-12 relative).
const MEASURES: &[(&str, &str, bool)] = &[
    ("gini(income, weight)", "gini", false),
    ("median(income, weight)", "median", true),
    ("arpr(income, weight)", "arpr", false),
    ("qsr(income, weight)", "qsr", false),
    ("ge(income, weight, 2)", "ge(2)", false),
    ("palma(income, weight)", "palma", false),
    ("fgt(income, weight, 0, 20000)", "fgt(0,line=20000)", false),
    (
        "middle_share(income, weight, 20000, 60000)",
        "middle_share(lo=20000,hi=60000)",
        false,
    ),
];

/// [`MEASURES`] for the range plan: thresholds relative to the group's own
/// median, as the SQL aggregates take them; the Gini's local sums
/// (`gongfu_range_s`) travel between the executors as partial states.
const RANGE_CALLS: &[&str] = &[
    "gini",
    "gini(form=convey)",
    "wolfson",
    "median",
    "arpr(scope=domain)",
    "qsr",
    "ge(2)",
    "palma",
    "fgt(0,line=20000)",
    "middle_share(lo=20000,hi=60000)",
];

fn range_measures() -> Vec<Measure> {
    RANGE_CALLS
        .iter()
        .map(|call| Measure::parse_list(call).expect("measure").remove(0))
        .collect()
}

/// The library's value of `call` on the rows.
fn library(rows: &[&(String, f64, f64)], call: &str) -> f64 {
    let x: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let d = Distribution::new(&x, Some(&w)).expect("distribution");
    let m = Measure::parse_list(call).expect("measure").remove(0);
    m.value(&Ctx::new(&d))
        .unwrap_or_else(|e| panic!("{call}: {e}"))
}

/// Compares one value, returning its relative difference.
fn compare(what: &str, got: f64, want: f64, exact: bool) -> f64 {
    if exact {
        assert_eq!(got.to_bits(), want.to_bits(), "{what}: {got} vs {want}");
        return 0.0;
    }
    let diff = (got - want).abs();
    let rel = if want == 0.0 { diff } else { diff / want.abs() };
    assert!(
        rel <= 1e-12 || diff <= 1e-15,
        "{what}: {got} vs {want} ({rel:e} relative)"
    );
    rel
}

/// The result's rows: the first column as text (None for a query without
/// one), then each value column.
fn rows_of(batches: &[RecordBatch], keyed: bool) -> BTreeMap<Option<String>, Vec<f64>> {
    let mut out = BTreeMap::new();
    for b in batches {
        let first = usize::from(keyed);
        let keys = keyed.then(|| cast(b.column(0), &DataType::Utf8).expect("county as text"));
        for i in 0..b.num_rows() {
            let key = keys.as_ref().map(|k| {
                k.as_any()
                    .downcast_ref::<StringArray>()
                    .expect("county")
                    .value(i)
                    .to_string()
            });
            let values = (first..b.num_columns())
                .map(|c| {
                    let v = b
                        .column(c)
                        .as_any()
                        .downcast_ref::<Float64Array>()
                        .expect("a Float64 column");
                    assert!(!v.is_null(i), "{key:?}, column {c}: null");
                    v.value(i)
                })
                .collect();
            out.insert(key, values);
        }
    }
    out
}

/// Whether `dir` holds a job's shuffle directory (named by the job id;
/// DataFusion's spill directories are named `datafusion-…`), which an
/// executor creates only when it runs one of the job's tasks.
fn has_job_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|d| {
        d.flatten().any(|e| {
            e.path().is_dir() && !e.file_name().to_string_lossy().starts_with("datafusion-")
        })
    })
}

#[test]
fn a_cluster_of_processes_gives_the_library_values() {
    let started = Instant::now();
    let rows = households();
    let dir = std::env::temp_dir().join(format!("gongfu-ballista-loopback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("households");
    write_parquet(&rows, &data);
    let work: Vec<PathBuf> = (1..=2).map(|i| dir.join(format!("work-{i}"))).collect();
    for w in &work {
        std::fs::create_dir_all(w).expect("work dir");
    }
    let mut cluster = Cluster::new(dir.clone());

    // the scheduler, then two executors of two task slots each
    let ports = free_ports(5);
    let scheduler_port = ports[0].to_string();
    cluster.spawn(
        "scheduler",
        &[
            "scheduler",
            "--bind-host",
            "127.0.0.1",
            "--port",
            &scheduler_port,
        ],
    );
    cluster.wait_listening("scheduler", ports[0]);
    for (i, w) in work.iter().enumerate() {
        let (flight, grpc) = (ports[1 + 2 * i].to_string(), ports[2 + 2 * i].to_string());
        let name = format!("executor-{}", i + 1);
        cluster.spawn(
            &name,
            &[
                "executor",
                "--scheduler-host",
                "127.0.0.1",
                "--scheduler-port",
                &scheduler_port,
                "--bind-host",
                "127.0.0.1",
                "--external-host",
                "127.0.0.1",
                "--port",
                &flight,
                "--grpc-port",
                &grpc,
                "--concurrent-tasks",
                "2",
                "--work-dir",
                w.to_str().expect("work dir"),
            ],
        );
    }
    // an executor's Flight port opens once it has registered with the scheduler
    for i in 0..2 {
        cluster.wait_listening(&format!("executor-{}", i + 1), ports[1 + 2 * i]);
    }
    assert!(
        !work.iter().any(|w| has_job_dir(w)),
        "work dirs not empty before any query"
    );
    let cluster_ready = started.elapsed();

    let calls: Vec<&str> = MEASURES.iter().map(|m| m.0).collect();
    let by_county = format!(
        "SELECT county, {} FROM hh GROUP BY county",
        calls.join(", ")
    );
    let overall = format!("SELECT {} FROM hh", calls.join(", "));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("df://127.0.0.1:{scheduler_port}");
    let (got_by_county, got_overall, ranged) = rt.block_on(async {
        let ctx = gongfu_ballista::connect(&url).await.expect("connect");
        ctx.register_parquet(
            "hh",
            data.to_str().expect("data dir"),
            ParquetReadOptions::default(),
        )
        .await
        .expect("register the Parquet directory");
        let mut results = Vec::new();
        for sql in [&by_county, &overall] {
            let batches = tokio::time::timeout(QUERY, gongfu_sql::query(&ctx, sql))
                .await
                .unwrap_or_else(|_| panic!("no result after {QUERY:?}: {sql}"))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            results.push(batches);
        }
        // the range plan through the cluster: sums per (county, income
        // range) reduced on the executors, cut ranges read back
        let cols = gongfu_sql::RangeColumns {
            table: "hh",
            group: Some("county"),
            income: "income",
            weight: "weight",
            strata: None,
            psu: None,
        };
        let opts = gongfu_sql::RangeOptions {
            ranges: 16,
            ..Default::default()
        };
        let ranged = tokio::time::timeout(
            QUERY,
            gongfu_sql::measures_by_ranges(&ctx, cols, &range_measures(), opts),
        )
        .await
        .expect("the range plan in time")
        .expect("the range plan");
        (
            rows_of(&results[0], true),
            rows_of(&results[1], false),
            ranged,
        )
    });
    let queries_done = started.elapsed();

    // the library on each county's rows and on all rows
    let mut groups: BTreeMap<Option<String>, Vec<&(String, f64, f64)>> = BTreeMap::new();
    for r in &rows {
        groups.entry(Some(r.0.clone())).or_default().push(r);
    }
    assert_eq!(
        got_by_county.keys().collect::<Vec<_>>(),
        groups.keys().collect::<Vec<_>>(),
        "counties"
    );
    let all: Vec<&(String, f64, f64)> = rows.iter().collect();
    groups.insert(None, all);
    let mut worst = 0.0f64;
    let (mut compared, mut identical) = (0, 0);
    for (key, group) in &groups {
        let got = match key {
            Some(_) => &got_by_county[key],
            None => &got_overall[&None],
        };
        assert_eq!(got.len(), MEASURES.len());
        for ((sql, call, exact), g) in MEASURES.iter().zip(got) {
            let want = library(group, call);
            let what = format!("{}: {sql}", key.as_deref().unwrap_or("all rows"));
            worst = worst.max(compare(&what, *g, want, *exact));
            compared += 1;
            identical += usize::from(g.to_bits() == want.to_bits());
        }
    }

    // the range plan's values: the library's on the same rows
    assert_eq!(ranged.len(), groups.len(), "range plan groups");
    for (key, values) in &ranged {
        for (call, got) in RANGE_CALLS.iter().zip(values) {
            let got = got.as_ref().unwrap_or_else(|e| panic!("{call}: {e}"));
            let what = format!(
                "range plan, {}: {call}",
                key.as_deref().unwrap_or("all rows")
            );
            let plain = call.replace("(scope=domain)", "");
            worst = worst.max(compare(
                &what,
                got.value,
                library(&groups[key], &plain),
                false,
            ));
            compared += 1;
        }
    }

    // the binary's query command, reading the files named in FROM
    let csv = cluster.run(
        "query",
        &[
            "query",
            "--scheduler",
            &url,
            "--format",
            "csv",
            &format!(
                "SELECT county, median(income, weight) AS m FROM '{}/' \
                 GROUP BY county ORDER BY county",
                data.display()
            ),
        ],
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("county,m"), "{csv}");
    let mut printed = 0;
    for line in lines {
        let (county, m) = line.split_once(',').expect("county,m");
        let want = got_by_county[&Some(county.to_string())][1];
        assert_eq!(m.parse::<f64>().expect("a number"), want, "{county}");
        printed += 1;
    }
    assert_eq!(printed, groups.len() - 1);

    // both executors ran tasks: each wrote a job's shuffle directory (kept
    // until the scheduler removes a finished job's data, 300 s later)
    let ran: Vec<bool> = work.iter().map(|w| has_job_dir(w)).collect();
    assert_eq!(ran, [true, true], "executors that ran tasks");

    println!(
        "ballista: {compared} values ({} counties and all rows × {} measures as \
         aggregates, and {} through the range plan), \
         {identical} bit-identical, worst relative difference {worst:.2e}; \
         cluster up in {:.1} s, queries in {:.1} s, total {:.1} s",
        groups.len() - 1,
        MEASURES.len(),
        RANGE_CALLS.len(),
        cluster_ready.as_secs_f64(),
        (queries_done - cluster_ready).as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(cluster);
}
