//! `gongfu grouped` end to end: golden outputs in every format, the model
//! choice in the output, the combination of tables, and every error path's
//! exit code and message.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn gongfu() -> Command {
    Command::cargo_bin("gongfu").unwrap()
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/grouped")
        .join(name)
}

fn arg(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Compares with a golden file (paths to testdata reduced to file names);
/// `GONGFU_UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let dir = arg(&data("x"));
    let dir = dir.trim_end_matches('x');
    let actual = actual.replace(dir, "");
    if std::env::var_os("GONGFU_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

fn run_ok(args: &[&str]) -> String {
    let out = gongfu().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run_err(args: &[&str]) -> String {
    let out = gongfu().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "no output on error");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one message, got: {err}");
    err
}

/// Writes a table into a temporary directory.
fn table(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    arg(&p)
}

const DATT_MEASURES: &str = "mean,median,gini,\"fgt(0,line=89)\",\"fgt(1,line=89)\",\"fgt(2,line=89)\",watts(line=89),lorenz_curve(4)";

#[test]
fn datt_table_golden_with_model_column_and_fits() {
    let input = data("datt_rural_1983.csv");
    let out = run_ok(&[
        "grouped",
        "--input",
        &arg(&input),
        "--mean",
        "109.9",
        "--measures",
        DATT_MEASURES,
    ]);
    golden("grouped_datt.txt", &out);
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("measure") && header.trim_end().ends_with("model"));
    assert!(out.contains("fits (13 groups, mean 109.9):"));
    assert!(out.contains("poverty at 89: "));
    // Datt (1998): GQ headcount 45.06% at Rs 89 (the group means give the
    // same curve as the printed shares up to their rounding)
    let h = out
        .lines()
        .find(|l| l.starts_with("fgt(alpha=0, line=89)"))
        .unwrap();
    assert!(h.contains("0.4506"), "{h}");
}

#[test]
fn json_names_catalogue_params_and_the_model_of_every_result() {
    let input = data("urban_quintiles.csv");
    let out = run_ok(&[
        "grouped",
        "--input",
        &arg(&input),
        "--measures",
        "gini,quantile(0.2),\"fgt(1,line=0.6*median)\",middle_share(lo=20000,hi=60000),deciles",
        "--format",
        "json",
    ]);
    golden("grouped_urban.json", &out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 4 + 9);
    let q = &results[1];
    assert_eq!(q["measure"], "quantile");
    assert_eq!(q["params"], serde_json::json!({"p": 0.2}));
    assert_eq!(q["se"], serde_json::Value::Null);
    assert_eq!(q["n"], 5);
    let f = &results[2];
    assert_eq!(
        f["params"],
        serde_json::json!({"alpha": 1, "line": "0.6*median"})
    );
    assert_eq!(results[4]["params"], serde_json::json!({"p": 0.1}));
    let meta = &v["meta"];
    assert_eq!(meta["models"].as_array().unwrap().len(), results.len());
    // the Beta curve of this table decreases near 0: only the GQ is valid
    assert_eq!(meta["fits"]["beta"]["valid"], false);
    assert_eq!(meta["fits"]["gq"]["valid"], true);
    assert_eq!(meta["selection"]["distribution"]["model"], "gq");
    assert!(
        meta["selection"]["distribution"]["reason"]
            .as_str()
            .unwrap()
            .contains("only gq is valid")
    );
    // the relative line is 0.6 × the fitted median
    let median = meta["relative_to"]["median"].as_f64().unwrap();
    let line = meta["selection"]["poverty"][0]["line"].as_f64().unwrap();
    assert!((line - 0.6 * median).abs() < 1e-9 * line);
    // the table's mean is the mean of the group means
    let mean = meta["mean"].as_f64().unwrap();
    let want = (13174.03 + 24996.18 + 35882.69 + 50251.31 + 91666.17) / 5.0;
    assert!((mean - want).abs() < 1e-9 * want);
}

#[test]
fn combine_csv_golden_overall_then_each_table() {
    let spec = format!(
        "{}:1117599.14,{}:1827330.06",
        arg(&data("urban_quintiles.csv")),
        arg(&data("rural_quintiles.csv"))
    );
    let out = run_ok(&[
        "grouped",
        "--combine",
        &spec,
        "--measures",
        "mean,median,gini,\"fgt(0,line=20000)\",arpr",
        "--format",
        "csv",
    ]);
    golden("grouped_combine.csv", &out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "measure,params,table,value,se,ci_lower,ci_upper,n,population,model"
    );
    assert!(lines[1].starts_with("mean,,all,"));
    assert!(lines[2].starts_with("mean,,urban_quintiles,"));
    assert!(lines[3].starts_with("mean,,rural_quintiles,"));
    assert!(lines[4].ends_with(",mixture"));
    // the combined mean is the population-weighted mean of the tables' means
    let field = |l: &str, i: usize| l.split(',').nth(i).unwrap().parse::<f64>().unwrap();
    let (m, u, r) = (field(lines[1], 3), field(lines[2], 3), field(lines[3], 3));
    let (wu, wr) = (1117599.14, 1827330.06);
    assert!((m - (u * wu + r * wr) / (wu + wr)).abs() < 1e-8 * m);
    // so is the headcount at an absolute line
    let h: Vec<f64> = lines
        .iter()
        .filter(|l| l.starts_with("fgt,"))
        .map(|l| field(l, 3))
        .collect();
    assert!((h[0] - (h[1] * wu + h[2] * wr) / (wu + wr)).abs() < 1e-12);
    // the table format shows the table column and each table's fits
    let table = run_ok(&["grouped", "--combine", &spec, "--measures", "gini"]);
    assert!(table.contains("fits for urban_quintiles (5 groups"));
    assert!(table.contains("fits for rural_quintiles (5 groups"));
    assert!(table.contains("combined: population-weighted mixture of 2 tables"));
}

#[test]
fn output_file_is_written_atomically_and_not_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.json");
    let input = data("urban_quintiles.csv");
    run_ok(&[
        "grouped",
        "--input",
        &arg(&input),
        "--measures",
        "gini",
        "--format",
        "json",
        "--output",
        &arg(&out),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["results"][0]["measure"], "gini");
    let bad = dir.path().join("bad.json");
    run_err(&[
        "grouped",
        "--input",
        &arg(&input),
        "--measures",
        "prosperity_gap",
        "--output",
        &arg(&bad),
    ]);
    assert!(!bad.exists());
}

#[test]
fn bad_tables_exit_2_naming_file_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let m = "gini";
    let go = |file: &str| run_err(&["grouped", "--input", file, "--measures", m]);

    let f = table(
        &dir,
        "dec.csv",
        "pop_share,mean\n20,10\n20,30\n20,25\n20,40\n20,90\n",
    );
    let e = go(&f);
    assert!(
        e.contains("dec.csv") && e.contains("column \"mean\", row 3"),
        "{e}"
    );
    assert!(e.contains("poorest first"), "{e}");

    let f = table(
        &dir,
        "neg.csv",
        "pop_share,mean\n20,10\n-20,30\n20,35\n20,40\n20,90\n",
    );
    let e = go(&f);
    assert!(e.contains("column \"pop_share\", row 2"), "{e}");

    let f = table(
        &dir,
        "text.csv",
        "pop_share,mean\n20,10\n20,abc\n20,35\n20,40\n20,90\n",
    );
    let e = go(&f);
    assert!(
        e.contains("text.csv") && e.contains("\"mean\"") && e.contains("row 2"),
        "{e}"
    );

    let f = table(
        &dir,
        "sum.csv",
        "pop_share,income_share\n0.2,0.05\n0.2,0.1\n0.2,0.15\n0.2,0.2\n0.2,0.3\n",
    );
    let e = run_err(&["grouped", "--input", &f, "--mean", "100", "--measures", m]);
    assert!(
        e.contains("sum.csv") && e.contains("\"income_share\" sums to 0.8"),
        "{e}"
    );

    let f = table(&dir, "few.csv", "pop_share,mean\n0.3,10\n0.3,20\n0.4,30\n");
    let e = go(&f);
    assert!(
        e.contains("few.csv") && e.contains("at least 4 groups"),
        "{e}"
    );

    let f = table(
        &dir,
        "nocol.csv",
        "pop,mean\n0.25,10\n0.25,20\n0.25,30\n0.25,40\n",
    );
    let e = go(&f);
    assert!(e.contains("nocol.csv") && e.contains("pop_share"), "{e}");

    let f = table(
        &dir,
        "noinc.csv",
        "pop_share,median\n0.25,10\n0.25,20\n0.25,30\n0.25,40\n",
    );
    let e = go(&f);
    assert!(
        e.contains("\"income_share\"") && e.contains("\"mean\""),
        "{e}"
    );

    let f = table(
        &dir,
        "shares.csv",
        "pop_share,income_share\n0.25,0.1\n0.25,0.2\n0.25,0.3\n0.25,0.4\n",
    );
    let e = go(&f);
    assert!(
        e.contains("shares.csv") && e.contains("need the overall mean"),
        "{e}"
    );

    let e = go(&arg(&dir.path().join("missing.csv")));
    assert!(e.contains("missing.csv"), "{e}");
}

#[test]
fn invalid_fits_and_bad_requests_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // the poorest three quarters hold 3% of the income: neither curve is valid
    let f = table(
        &dir,
        "odd.csv",
        "pop_share,income_share\n0.25,0.01\n0.25,0.01\n0.25,0.01\n0.25,0.97\n",
    );
    let e = run_err(&[
        "grouped",
        "--input",
        &f,
        "--mean",
        "100",
        "--measures",
        "gini",
    ]);
    assert!(
        e.contains("odd.csv") && e.contains("no valid Lorenz fit"),
        "{e}"
    );
    assert!(e.contains("gq:") && e.contains("beta:"), "{e}");

    let input = arg(&data("urban_quintiles.csv"));
    let e = run_err(&["grouped", "--input", &input, "--measures", "ge(2)"]);
    assert!(
        e.contains("--measures") && e.contains("unknown measure \"ge\""),
        "{e}"
    );
    let e = run_err(&["grouped", "--input", &input, "--measures", "quantile(1.5)"]);
    assert!(e.contains("quantile") && e.contains("(0, 1)"), "{e}");
    let e = run_err(&["grouped", "--input", &input, "--measures", "fgt(0,line=-5)"]);
    assert!(e.contains("positive"), "{e}");
    let e = run_err(&[
        "grouped",
        "--input",
        &input,
        "--mean=-3",
        "--measures",
        "gini",
    ]);
    assert!(e.contains("--mean"), "{e}");
    let e = run_err(&["grouped", "--combine", "urban.csv", "--measures", "gini"]);
    assert!(e.contains("--combine") && e.contains("FILE:WEIGHT"), "{e}");
    let spec = format!("{input}:1,{input}:1");
    let e = run_err(&[
        "grouped",
        "--combine",
        &spec,
        "--mean",
        "5",
        "--measures",
        "gini",
    ]);
    assert!(e.contains("FILE:WEIGHT:MEAN"), "{e}");
}
