//! End-to-end tests through the binary: golden outputs, conformance through
//! the CLI, every error path's exit code and message, atomic outputs.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn gongfu() -> Command {
    Command::cargo_bin("gongfu").unwrap()
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/conformance")
        .join(name)
}

/// Compares with a golden file; `GONGFU_UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let actual = actual.replace(
        &data("households.csv").display().to_string(),
        "households.csv",
    );
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
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one message, got: {err}");
    err
}

const HEADLINE: &str =
    "mean,median,quantile(0.2),gini,arpr,rmpg,qsr,fgt(1,line=20000),ge(2),palma,middle_share";

#[test]
fn compute_json_golden_and_equal_to_reference() {
    let input = data("households.csv");
    let out = run_ok(&[
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "pc_income",
        "--weight",
        "pweight",
        "--measures",
        HEADLINE,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    let get = |m: &str| {
        results.iter().find(|r| r["measure"] == m).unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    // laeken reference values (percent converted) and survey's mean
    for (m, want) in [
        ("gini", 0.404_380_702_471_824),
        ("arpr", 0.263_310_673_139_442_5),
        ("rmpg", 0.3637426653423779),
        ("qsr", 8.998_540_462_452_588),
        ("median", 23660.5),
        ("mean", 30342.183920241612),
    ] {
        assert!(
            (get(m) / want - 1.0).abs() < 1e-12,
            "{m}: {} vs {want}",
            get(m)
        );
    }
    let q = results.iter().find(|r| r["measure"] == "quantile").unwrap();
    assert_eq!(q["params"], serde_json::json!({"p": 0.2}));
    assert_eq!(q["by"], serde_json::json!({}));
    assert_eq!(q["n"], 6000);
    let f = results.iter().find(|r| r["measure"] == "fgt").unwrap();
    assert_eq!(f["params"], serde_json::json!({"alpha": 1, "line": 20000}));
    assert_eq!(v["meta"]["quantile_rule"], "eurostat");
    golden("compute_headline.json", &out);
}

#[test]
fn a_directory_of_parts_reads_as_the_whole_file() {
    let input = data("households.csv");
    let text = std::fs::read_to_string(&input).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let dir = tempfile::tempdir().unwrap();
    for (k, part) in rows.chunks(rows.len() / 3 + 1).enumerate() {
        let body = format!("{header}\n{}\n", part.join("\n"));
        std::fs::write(dir.path().join(format!("part-{k}.csv")), body).unwrap();
    }
    let results = |path: &Path| {
        let out = run_ok(&[
            "compute",
            "--input",
            path.to_str().unwrap(),
            "--income",
            "pc_income",
            "--weight",
            "pweight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--se",
            "--by",
            "county",
            "--measures",
            HEADLINE,
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["results"].clone()
    };
    let whole = results(&input);
    assert!(whole.as_array().unwrap().len() > 100);
    assert_eq!(results(dir.path()), whole);
}

#[test]
fn compute_by_domain_csv_and_table_golden() {
    let input = data("households.csv");
    let args = |fmt: &'static str| {
        vec![
            "compute".to_string(),
            "--input".into(),
            input.to_str().unwrap().into(),
            "--income".into(),
            "pc_income".into(),
            "--weight".into(),
            "pweight".into(),
            "--measures".into(),
            "mean,gini,arpr,median".into(),
            "--by".into(),
            "urban".into(),
            "--format".into(),
            fmt.into(),
        ]
    };
    let csv = run_ok(&args("csv").iter().map(String::as_str).collect::<Vec<_>>());
    golden("compute_by_urban.csv", &csv);
    // the overall row first, then urban 0 and 1 (natural order)
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("measure,params,urban,value"));
    assert!(lines[1].starts_with("mean,,,30342.18392024161"));
    assert!(lines[2].starts_with("mean,,0,22481.93706362494"));
    let table = run_ok(&args("table").iter().map(String::as_str).collect::<Vec<_>>());
    golden("compute_by_urban.txt", &table);
    // two domain variables cross-classified
    let out = run_ok(&[
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "pc_income",
        "--weight",
        "pweight",
        "--measures",
        "mean",
        "--by",
        "mountain,urban",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(
        r[1]["by"],
        serde_json::json!({"mountain": "0", "urban": "0"})
    );
    assert_eq!(
        r[4]["by"],
        serde_json::json!({"mountain": "1", "urban": "1"})
    );
}

#[test]
fn welfare_concepts() {
    let input = data("households.csv");
    let input = input.to_str().unwrap();
    let mean_of = |args: &[&str]| {
        let mut a = vec![
            "compute",
            "--input",
            input,
            "--measures",
            "mean",
            "--format",
            "json",
        ];
        a.extend_from_slice(args);
        let v: serde_json::Value = serde_json::from_str(&run_ok(&a)).unwrap();
        v["results"][0]["value"].as_f64().unwrap()
    };
    let pc = mean_of(&["--income", "pc_income", "--weight", "pweight"]);
    let derived = mean_of(&[
        "--income",
        "disposable",
        "--weight",
        "weight",
        "--welfare",
        "per_capita",
        "--hh-size",
        "hh_size",
    ]);
    assert!((pc / derived - 1.0).abs() < 1e-12);
    // equivalised (modified OECD) = the data's eq_income weighted by person weights
    let eq = mean_of(&["--income", "eq_income", "--weight", "pweight"]);
    let derived = mean_of(&[
        "--income",
        "disposable",
        "--weight",
        "weight",
        "--welfare",
        "equivalised",
        "--hh-size",
        "hh_size",
        "--adults",
        "n_adults",
        "--children",
        "n_children",
    ]);
    assert!((eq / derived - 1.0).abs() < 1e-12, "{eq} vs {derived}");
}

#[test]
fn household_middle_share_from_per_capita_data() {
    let input = data("households.csv");
    let out = run_ok(&[
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "disposable",
        "--weight",
        "weight",
        "--welfare",
        "per_capita",
        "--hh-size",
        "hh_size",
        "--measures",
        "middle_share(lo=100000,hi=500000,unit=household)",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // by hand from the file: Σ weight·1{100000 ≤ disposable < 500000} / Σ weight
    let mut rdr = csv::Reader::from_path(&input).unwrap();
    let h = rdr.headers().unwrap().clone();
    let (id, iw) = (
        h.iter().position(|c| c == "disposable").unwrap(),
        h.iter().position(|c| c == "weight").unwrap(),
    );
    let (mut inside, mut all) = (0.0, 0.0);
    for r in rdr.records() {
        let r = r.unwrap();
        let (d, w): (f64, f64) = (r[id].parse().unwrap(), r[iw].parse().unwrap());
        all += w;
        if (100000.0..500000.0).contains(&d) {
            inside += w;
        }
    }
    let got = v["results"][0]["value"].as_f64().unwrap();
    assert!(
        (got - inside / all).abs() < 1e-12,
        "{got} vs {}",
        inside / all
    );
}

#[test]
fn config_file_and_flag_override() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("gongfu.toml");
    std::fs::write(
        &conf,
        format!(
            "input = {:?}\nincome = \"pc_income\"\nweight = \"pweight\"\nmeasures = [\"mean\", \"gini\"]\nformat = \"json\"\n",
            data("households.csv").to_str().unwrap()
        ),
    )
    .unwrap();
    let out = run_ok(&["compute", "--config", conf.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
    let out = run_ok(&[
        "compute",
        "--config",
        conf.to_str().unwrap(),
        "--measures",
        "median",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["results"][0]["value"], 23660.5);
    // a typo in the file is named with its line
    std::fs::write(&conf, "income = \"pc_income\"\nweigth = \"pweight\"\n").unwrap();
    let err = run_err(&["compute", "--config", conf.to_str().unwrap()]);
    assert!(
        err.contains("gongfu.toml: line 2") && err.contains("weigth"),
        "{err}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn error_paths_exit_2_with_file_column_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.csv", "inc,w,g\n10,1,a\n20,2,b\n30,1,a\n");
    let g = good.to_str().unwrap();
    // missing column, with the closest name suggested
    let err = run_err(&[
        "compute",
        "--input",
        g,
        "--income",
        "incme",
        "--measures",
        "mean",
    ]);
    assert!(
        err.contains("good.csv") && err.contains("incme") && err.contains("inc"),
        "{err}"
    );
    // non-numeric cell
    let f = write(d, "text.csv", "inc,w\n10,1\nabc,2\n");
    let err = run_err(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mean",
    ]);
    assert!(
        err.contains("text.csv") && err.contains("\"inc\"") && err.contains("row 2"),
        "{err}"
    );
    // NaN and inf
    for (name, cell) in [("nan.csv", "NaN"), ("inf.csv", "inf")] {
        let f = write(d, name, &format!("inc,w\n10,1\n{cell},2\n"));
        let err = run_err(&[
            "compute",
            "--input",
            f.to_str().unwrap(),
            "--income",
            "inc",
            "--measures",
            "mean",
        ]);
        assert!(err.contains(name) && err.contains("row 2"), "{err}");
    }
    // negative and zero weights
    for (name, w) in [("negw.csv", "-1"), ("zerow.csv", "0")] {
        let f = write(d, name, &format!("inc,w\n10,1\n20,{w}\n"));
        let err = run_err(&[
            "compute",
            "--input",
            f.to_str().unwrap(),
            "--income",
            "inc",
            "--weight",
            "w",
            "--measures",
            "mean",
        ]);
        assert!(
            err.contains(name)
                && err.contains("\"w\"")
                && err.contains("row 2")
                && err.contains("> 0"),
            "{err}"
        );
    }
    // a measure that needs positive incomes, with the count, and the explicit exclusion
    let f = write(d, "zero.csv", "inc\n0\n-5\n10\n20\n");
    let err = run_err(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mld",
    ]);
    assert!(
        err.contains("zero.csv") && err.contains("2 row(s)") && err.contains("\"inc\""),
        "{err}"
    );
    let out = run_ok(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mld",
        "--nonpositive",
        "exclude",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["results"][0]["excluded"], 2);
    // a domain left empty (every income excluded as non-positive) names the domain
    let f = write(d, "empty.csv", "inc,g\n-1,a\n0,a\n5,b\n7,b\n");
    let err = run_err(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mld",
        "--by",
        "g",
        "--nonpositive",
        "exclude",
    ]);
    assert!(
        err.contains("empty.csv") && err.contains("domain g=a") && err.contains("empty"),
        "{err}"
    );
    // an empty domain label
    let f = write(d, "nolabel.csv", "inc,g\n1,a\n2,\n3,a\n");
    let err = run_err(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mean",
        "--by",
        "g",
    ]);
    assert!(
        err.contains("nolabel.csv")
            && err.contains("\"g\"")
            && err.contains("row 2")
            && err.contains("empty"),
        "{err}"
    );
    // an undefined value inside a domain names the domain
    let f = write(d, "dom.csv", "inc,g\n1,a\n2,a\n3,a\n100,b\n200,b\n");
    let err = run_err(&[
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "rmpg",
        "--by",
        "g",
    ]);
    assert!(err.contains("domain g=b") && err.contains("rmpg"), "{err}");
    // unknown measure, with a suggestion; a bad parameter
    let err = run_err(&[
        "compute",
        "--input",
        g,
        "--income",
        "inc",
        "--measures",
        "gni",
    ]);
    assert!(err.contains("gini"), "{err}");
    let err = run_err(&[
        "compute",
        "--input",
        g,
        "--income",
        "inc",
        "--measures",
        "fgt(1,lin=3)",
    ]);
    assert!(err.contains("lin"), "{err}");
    // no such file
    let err = run_err(&[
        "compute",
        "--input",
        "/nonexistent/x.csv",
        "--income",
        "inc",
        "--measures",
        "mean",
    ]);
    assert!(err.contains("/nonexistent/x.csv"), "{err}");
    // a stratum with a single PSU is named, unless a rule is chosen
    let f = write(
        d,
        "lonely.csv",
        "inc,w,s,p\n10,1,A,1\n20,1,A,2\n30,1,B,3\n40,1,B,3\n",
    );
    let args = [
        "compute",
        "--input",
        f.to_str().unwrap(),
        "--income",
        "inc",
        "--strata",
        "s",
        "--psu",
        "p",
        "--measures",
        "mean",
        "--se",
    ];
    let err = run_err(&args);
    assert!(
        err.contains("lonely.csv") && err.contains("\"B\"") && err.contains("single PSU"),
        "{err}"
    );
    let mut ok = args.to_vec();
    ok.extend(["--lonely-psu", "certainty"]);
    run_ok(&ok);
}

#[test]
fn errors_leave_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = write(d, "bad.csv", "inc\n1\n2\nx\n");
    let out = d.join("out.json");
    run_err(&[
        "compute",
        "--input",
        bad.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mean",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(!out.exists());
    // an existing output is left untouched by a failing run
    std::fs::write(&out, "previous").unwrap();
    run_err(&[
        "compute",
        "--input",
        bad.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mean",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    // and a good run replaces it; no temporary files remain
    let good = write(d, "good.csv", "inc\n1\n2\n3\n");
    run_ok(&[
        "compute",
        "--input",
        good.to_str().unwrap(),
        "--income",
        "inc",
        "--measures",
        "mean",
        "--output",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(std::fs::read_to_string(&out).unwrap().contains("\"mean\""));
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn parquet_input_gives_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("sample.parquet");
    let csv = dir.path().join("sample.csv");
    for f in [&pq, &csv] {
        run_ok(&[
            "synth",
            "--households",
            "2000",
            "--years",
            "2022",
            "--output",
            f.to_str().unwrap(),
        ]);
    }
    let res = |f: &Path| {
        let out = run_ok(&[
            "compute",
            "--input",
            f.to_str().unwrap(),
            "--income",
            "pc_income",
            "--weight",
            "pweight",
            "--measures",
            "mean,gini,arpr",
            "--by",
            "county",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["results"].clone()
    };
    let (a, b) = (res(&pq), res(&csv));
    assert_eq!(a, b);
    assert!(a.as_array().unwrap().len() > 3 * 80);
}

#[test]
fn synth_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for f in [&a, &b] {
        run_ok(&[
            "synth",
            "--households",
            "1500",
            "--years",
            "2021-2022",
            "--output",
            f.to_str().unwrap(),
        ]);
    }
    let (ta, tb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ta, tb);
    let text = String::from_utf8(ta).unwrap();
    assert!(text.starts_with("hh_id,year,city,county,urban,mountain,stratum,psu,hh_size"));
    // population register: exactly the persons asked for
    let p = dir.path().join("pop.csv");
    run_ok(&[
        "synth",
        "--persons",
        "50000",
        "--output",
        p.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&p).unwrap().lines().count(), 50_001);

    // the same register as part files: the same figures through the directory
    let parts = dir.path().join("parts");
    let pq = dir.path().join("pop.parquet");
    for out in [&parts, &pq] {
        let mut args = vec![
            "synth",
            "--persons",
            "50000",
            "--output",
            out.to_str().unwrap(),
        ];
        if out == &parts {
            args.extend(["--parts", "7"]);
        }
        run_ok(&args);
    }
    let names: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.contains(&"part-00006.parquet".to_string()));
    let figures = |input: &Path| {
        run_ok(&[
            "compute",
            "--input",
            input.to_str().unwrap(),
            "--income",
            "pc_income",
            "--measures",
            "gini,median,arpr",
            "--by",
            "county",
            "--format",
            "csv",
            "--quiet",
        ])
    };
    assert_eq!(figures(&parts), figures(&pq));
    // refused: an existing directory, more parts than persons, no register
    let e = run_err(&[
        "synth",
        "--persons",
        "50",
        "--parts",
        "2",
        "--output",
        parts.to_str().unwrap(),
    ]);
    assert!(e.contains("already exists"), "{e}");
    let fresh = dir.path().join("fresh");
    let e = run_err(&[
        "synth",
        "--persons",
        "5",
        "--parts",
        "6",
        "--output",
        fresh.to_str().unwrap(),
    ]);
    assert!(
        e.contains("--parts must be between 1 and the number of persons (5)"),
        "{e}"
    );
    assert!(!fresh.exists());
    let out = gongfu()
        .args(["synth", "--parts", "2", "--output", fresh.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--population"));
}

#[test]
fn demo_shows_the_headline_figures() {
    let out = run_ok(&["demo"]);
    for needle in [
        "per-capita disposable income",
        "urban/rural income ratio",
        "Gini",
        "100k–500k",
        "mountainous counties",
    ] {
        assert!(out.contains(needle), "{needle} missing in\n{out}");
    }
    golden("demo.txt", &out);
    let json = run_ok(&["demo", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let r = v["results"].as_array().unwrap();
    let ratio = r
        .iter()
        .find(|x| {
            x["measure"] == "ratio" && x["by"]["year"] == "2022"
                || x["measure"] == "ratio"
                    && x["params"]["by"] == "urban"
                    && x["by"]["year"] == "2025"
        })
        .unwrap();
    assert!(ratio["value"].as_f64().unwrap() > 1.5);
    assert!(
        r.iter()
            .any(|x| x["measure"] == "mean" && x["by"]["urban"] == "0")
    );
}

#[test]
fn measures_lists_the_catalogue() {
    let out = run_ok(&["measures"]);
    for id in [
        "gini(",
        "fgt(alpha=0, line=0.6*median",
        "middle_share(",
        "zenga(",
        "gic(",
    ] {
        assert!(out.contains(id), "{id}");
    }
}

#[test]
fn help_is_available() {
    gongfu()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("compute"));
}

#[test]
fn standard_errors_through_the_cli_equal_survey_and_convey() {
    let input = data("households.csv");
    let out = run_ok(&[
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "pc_income",
        "--weight",
        "pweight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--se",
        "--measures",
        "mean,gini(form=convey),median,ratio(of=mean,by=urban,num=1,den=0),ge(0)",
        "--nonpositive",
        "exclude",
        "--format",
        "json",
        "--quantile-rule",
        "inverse_cdf",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = v["results"].as_array().unwrap();
    let se = |m: &str| {
        r.iter().find(|x| x["measure"] == m).unwrap()["se"]
            .as_f64()
            .unwrap()
    };
    // survey svymean, convey svygini, survey svyquantile (Woodruff), svycontrast, convey svygei on the positive subset
    for (m, want) in [
        ("mean", 645.135_393_537_868_7),
        ("gini", 0.006_957_716_862_906_684_5),
        ("median", 571.267_480_047_881_4),
        ("ratio", 0.085_181_977_623_696_68),
    ] {
        assert!(
            (se(m) / want - 1.0).abs() < 1e-9,
            "{m}: {} vs {want}",
            se(m)
        );
    }
    let med = r.iter().find(|x| x["measure"] == "median").unwrap();
    assert_eq!(med["ci"], serde_json::json!([22536.0, 24798.333333333332]));
    assert_eq!(v["meta"]["variance"]["df"], 119.0);
    assert_eq!(v["meta"]["variance"]["psu"], 143);
    // a t interval on 119 df
    let mean = &r[0];
    let (lo, hi) = (
        mean["ci"][0].as_f64().unwrap(),
        mean["ci"][1].as_f64().unwrap(),
    );
    let t = (hi - lo) / 2.0 / se("mean");
    assert!((t - 1.980_099_876_456_4).abs() < 1e-9, "{t}");
    let table = run_ok(&[
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "pc_income",
        "--weight",
        "pweight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--se",
        "--measures",
        "mean,gini,median",
        "--by",
        "urban",
    ]);
    golden("compute_se_by_urban.txt", &table);
}

#[test]
fn replicate_weight_standard_errors_equal_survey_and_convey() {
    let input = data("households.csv");
    let i = input.to_str().unwrap();
    let se_of = |args: &[&str]| -> Vec<f64> {
        let mut a = vec![
            "compute",
            "--input",
            i,
            "--income",
            "pc_income",
            "--weight",
            "pweight",
            "--se",
            "--format",
            "json",
        ];
        a.extend_from_slice(args);
        let v: serde_json::Value = serde_json::from_str(&run_ok(&a)).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["se"].as_f64().unwrap())
            .collect()
    };
    // generated delete-one-PSU jackknife, centred at the replicate mean and at the estimate
    let jkn = se_of(&[
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--replicates",
        "jkn",
        "--measures",
        "mean,gini(form=convey)",
    ]);
    assert!(
        (jkn[0] / 646.347_306_915_270_8 - 1.0).abs() < 1e-12,
        "{}",
        jkn[0]
    );
    assert!(
        (jkn[1] / 0.006_984_340_129_390_694 - 1.0).abs() < 1e-12,
        "{}",
        jkn[1]
    );
    let mse = se_of(&[
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--replicates",
        "jkn",
        "--rep-mse",
        "--measures",
        "mean",
    ]);
    assert!(
        (mse[0] / 646.347_313_087_148_8 - 1.0).abs() < 1e-12,
        "{}",
        mse[0]
    );
    // supplied bootstrap columns (R's 50 replicates joined to the households)
    let dir = tempfile::tempdir().unwrap();
    let joined = dir.path().join("with_reps.csv");
    let mut reps: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let mut r = csv::Reader::from_path(data("bootstrap50_weights.csv")).unwrap();
    let rep_header: Vec<String> = r
        .headers()
        .unwrap()
        .iter()
        .skip(1)
        .map(String::from)
        .collect();
    for rec in r.records() {
        let rec = rec.unwrap();
        reps.insert(
            rec[0].to_string(),
            rec.iter().skip(1).map(String::from).collect(),
        );
    }
    let mut h = csv::Reader::from_path(&input).unwrap();
    let mut w = csv::Writer::from_path(&joined).unwrap();
    let mut header: Vec<String> = h.headers().unwrap().iter().map(String::from).collect();
    header.extend(rep_header.iter().cloned());
    w.write_record(&header).unwrap();
    for rec in h.records() {
        let rec = rec.unwrap();
        let mut row: Vec<String> = rec.iter().map(String::from).collect();
        row.extend(reps[&rec[0].to_string()].iter().cloned());
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let out = run_ok(&[
        "compute",
        "--input",
        joined.to_str().unwrap(),
        "--income",
        "pc_income",
        "--weight",
        "pweight",
        "--se",
        "--repweights",
        "rep",
        "--rep-type",
        "bootstrap",
        "--rep-scale",
        "0.024903369737217566",
        "--measures",
        "mean,gini(form=convey)",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let se: Vec<f64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["se"].as_f64().unwrap())
        .collect();
    assert!(
        (se[0] / 630.448_127_242_895 - 1.0).abs() < 1e-12,
        "{}",
        se[0]
    );
    assert!(
        (se[1] / 0.006_248_725_426_699_833 - 1.0).abs() < 1e-12,
        "{}",
        se[1]
    );
    assert!(
        v["meta"]["variance"]["method"]
            .as_str()
            .unwrap()
            .contains("bootstrap, 50 replicates")
    );
    // generated Rao–Wu bootstrap: deterministic from the seed, close to the linearised SE
    let a = se_of(&[
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--replicates",
        "bootstrap:200",
        "--seed",
        "7",
        "--measures",
        "mean",
    ]);
    let b = se_of(&[
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--replicates",
        "bootstrap:200",
        "--seed",
        "7",
        "--measures",
        "mean",
    ]);
    assert_eq!(a, b);
    assert!((a[0] / 645.135 - 1.0).abs() < 0.2, "{}", a[0]);
}

/// Without the `datafusion` feature `gongfu sql` exists, refuses with exit
/// code 2 and says how to build it (the feature's own tests are in `sql/`).
#[cfg(not(feature = "datafusion"))]
#[test]
fn sql_without_the_datafusion_feature_says_how_to_get_it() {
    gongfu()
        .args(["sql", "SELECT 1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--features datafusion"));
}

/// `compute --engine datafusion` without the feature: exit code 2, how to
/// build it, no output file; a bad --memory-limit is refused first.
#[cfg(not(feature = "datafusion"))]
#[test]
fn the_datafusion_engine_without_the_feature_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let input = data("households.csv");
    let base = [
        "compute",
        "--input",
        input.to_str().unwrap(),
        "--income",
        "pc_income",
        "--measures",
        "gini",
        "--engine",
        "datafusion",
    ];
    gongfu()
        .args(base)
        .arg("--output")
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--features datafusion"));
    assert!(!out.exists());
    gongfu()
        .args(base)
        .args(["--memory-limit", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--memory-limit: \"lots\" is not a size",
        ));
}
