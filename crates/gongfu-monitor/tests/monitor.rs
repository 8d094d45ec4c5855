//! The monitoring run on a province small enough to compute by hand, its
//! configuration errors, and the release it writes.

use std::path::{Path, PathBuf};

use gongfu_index::targets::Progress;
use gongfu_monitor::{MonitorError, Release, config};

/// Province P; cities C1 (counties K1, K2) and C2 (county K3).
const REGIONS: &str = "code,name_zh,name_en,parent,level
P,省,Province,,province
C1,一市,City one,P,city
C2,二市,City two,P,city
K1,甲县,County A,C1,county
K2,乙县,County B,C1,county
K3,丙县,County C,C2,county
";

/// K2 joins `grp` in 2021; K3 is a member in 2021 only.
const GROUPS: &str = "group,county,from_year,to_year
grp,K2,2021,
grp,K3,2021,2021
";

/// Two households per county and year (a panel: ids recur), one stratum per
/// county, one PSU per household.
const HOUSEHOLDS: &str = "year,hh_id,county,urban,weight,income,size,stratum,psu,low
2021,1,K1,1,10,60000,2,K1,1,0
2021,2,K1,0,30,30000,3,K1,2,1
2021,3,K2,1,20,80000,2,K2,3,0
2021,4,K2,0,20,40000,4,K2,4,0
2021,5,K3,1,15,90000,3,K3,5,0
2021,6,K3,0,5,20000,1,K3,6,1
2022,1,K1,1,10,66000,2,K1,1,0
2022,2,K1,0,30,36000,3,K1,2,1
2022,3,K2,1,20,84000,2,K2,3,0
2022,4,K2,0,20,48000,4,K2,4,0
2022,5,K3,1,15,93000,3,K3,5,0
2022,6,K3,0,5,23000,1,K3,6,1
";

/// County K1 primary: two schools; K2 primary: one school.
const SCHOOLS: &str = "year,county,level,students,space,books
2022,K1,primary,100,500,2000
2022,K1,primary,300,900,9000
2022,K2,primary,200,800,4000
";

const ADMIN: &str = "region,year,value,se
P,2021,0.95,0.01
P,2022,0.97,0.01
K1,2022,0.9,
";

const TARGETS: &str = "indicator,scope,year,value,base_year,growth
income_pc,P,2025,20000,2021,compound
safety,P,2023,0.99,2021,linear
";

const CATALOGUE: &str = r#"
[[indicator]]
id = "income_pc"
name_zh = "人均收入"
name_en = "Per-capita income"
unit = "yuan"
direction = "higher"
source = { kind = "microdata", measure = "mean" }

[[indicator]]
id = "income_urban"
name_zh = "城镇"
name_en = "Urban"
unit = "yuan"
direction = "higher"
source = { kind = "microdata", measure = "mean", filter = { urban = 1 } }

[[indicator]]
id = "city_gap"
name_zh = "城市差"
name_en = "City gap"
unit = "ratio"
direction = "lower"
levels = ["province"]
source = { kind = "derived", formula = "max(income_pc, city) / min(income_pc, city)" }

[[indicator]]
id = "low_growth"
name_zh = "低收入增收"
name_en = "Low-income growth"
unit = "yuan"
direction = "higher"
source = { kind = "microdata", measure = "mean", filter = { low = "1" }, change = true }

[[indicator]]
id = "schools_primary"
name_zh = "小学"
name_en = "Primary"
unit = "coefficient"
direction = "lower"
source = { kind = "schools", level = "primary", regime = "basic" }

[[indicator]]
id = "safety"
name_zh = "安全感"
name_en = "Safety"
unit = "share"
direction = "higher"
levels = ["province", "county"]
source = { kind = "admin", file = "admin.csv" }
"#;

const MONITOR: &str = r#"
first_year = 2021
last_year = 2022
province = "P"
indicators = "indicators.toml"
targets = "targets.csv"

[regions]
file = "regions.csv"
groups = "groups.csv"

[microdata]
file = "households.csv"
year = "year"
id = "hh_id"
county = "county"
weight = "weight"
income = "income"
size = "size"
strata = "stratum"
psu = "psu"

[schools]
file = "schools.csv"
basic = ["space", "books"]
high_quality = ["space"]

[convergence]
indicator = "income_pc"
partitions = ["city", "grp"]
"#;

fn province(dir: &Path, edit: &dyn Fn(&str, &str) -> String) -> PathBuf {
    for (name, text) in [
        ("regions.csv", REGIONS),
        ("groups.csv", GROUPS),
        ("households.csv", HOUSEHOLDS),
        ("schools.csv", SCHOOLS),
        ("admin.csv", ADMIN),
        ("targets.csv", TARGETS),
        ("indicators.toml", CATALOGUE),
        ("monitor.toml", MONITOR),
    ] {
        std::fs::write(dir.join(name), edit(name, text)).unwrap();
    }
    dir.join("monitor.toml")
}

fn same(_: &str, t: &str) -> String {
    t.to_string()
}

fn run(dir: &Path) -> Release {
    let cfg = config::load(&province(dir, &same)).unwrap();
    gongfu_monitor::run(&cfg).unwrap()
}

fn value(r: &Release, ind: &str, region: &str, year: u16) -> Option<(f64, Option<f64>)> {
    r.values
        .iter()
        .find(|v| v.indicator == ind && v.region == region && v.year == year)
        .map(|v| (v.value, v.se))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn microdata_figures_equal_hand_computation_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path());
    // per-capita mean = Σ w·income / Σ w·size
    // K1 2021: (10·60000 + 30·30000) / (10·2 + 30·3) = 1_500_000 / 110
    let k1 = value(&r, "income_pc", "K1", 2021).unwrap();
    assert!(close(k1.0, 1_500_000.0 / 110.0), "{k1:?}");
    assert!(k1.1.unwrap() > 0.0);
    // K2 2021: (20·80000 + 20·40000) / (40 + 80) = 2_400_000 / 120 = 20000
    assert!(close(
        value(&r, "income_pc", "K2", 2021).unwrap().0,
        20_000.0
    ));
    // city C1 2021 = (1_500_000 + 2_400_000) / (110 + 120)
    let c1 = value(&r, "income_pc", "C1", 2021).unwrap().0;
    assert!(close(c1, 3_900_000.0 / 230.0));
    // C2 = K3: (15·90000 + 5·20000) / (45 + 5) = 1_450_000 / 50 = 29000
    assert!(close(
        value(&r, "income_pc", "C2", 2021).unwrap().0,
        29_000.0
    ));
    // province: 5_350_000 / 280
    assert!(close(
        value(&r, "income_pc", "P", 2021).unwrap().0,
        5_350_000.0 / 280.0
    ));
    // group grp: K2 and K3 in 2021, K2 alone in 2022
    let g21 = value(&r, "income_pc", "grp", 2021).unwrap().0;
    assert!(close(g21, 3_850_000.0 / 170.0));
    let g22 = value(&r, "income_pc", "grp", 2022).unwrap().0;
    assert!(close(g22, (20.0 * 84_000.0 + 20.0 * 48_000.0) / 120.0));
    // the urban filter: K1 2022 urban household only: 66000 / 2
    assert!(close(
        value(&r, "income_urban", "K1", 2022).unwrap().0,
        33_000.0
    ));
    // the derived city ratio: max(C1, C2) / min(C1, C2)
    let gap = value(&r, "city_gap", "P", 2021).unwrap();
    assert!(close(gap.0, 29_000.0 / (3_900_000.0 / 230.0)));
    assert!(gap.1.unwrap() > 0.0);
    assert_eq!(value(&r, "city_gap", "C1", 2021), None, "province only");
    // the panel change of low-income households (2 in K1, 6 in K3), per capita:
    // hh2: 36000/3 − 30000/3 = 2000 (person weight 90); hh6: 23000 − 20000 = 3000 (5)
    let lg = value(&r, "low_growth", "P", 2022).unwrap().0;
    assert!(close(lg, (90.0 * 2000.0 + 5.0 * 3000.0) / 95.0), "{lg}");
    assert_eq!(value(&r, "low_growth", "P", 2021), None, "no previous year");
}

#[test]
fn schools_admin_targets_and_convergence() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path());
    // K1 primary: x = (5, 3) space/student, N = 400, x̄ = 1400/400 = 3.5;
    // CV = sqrt(0.25·1.5² + 0.75·0.5²)/3.5 = sqrt(0.75)/3.5.
    // books: x = (20, 30), x̄ = 27.5: sqrt(0.25·7.5² + 0.75·2.5²)/27.5 = sqrt(18.75)/27.5
    let want = (0.75f64.sqrt() / 3.5 + 18.75f64.sqrt() / 27.5) / 2.0;
    let got = value(&r, "schools_primary", "K1", 2022).unwrap();
    assert!(close(got.0, want), "{got:?} vs {want}");
    assert_eq!(got.1, None);
    // one school: no dispersion
    assert_eq!(value(&r, "schools_primary", "K2", 2022).unwrap().0, 0.0);
    let row = r
        .schools
        .iter()
        .find(|s| s.county == "K1" && s.regime == gongfu_index::schools::Regime::Basic)
        .unwrap();
    assert_eq!(row.indicators, ["space", "books"]);
    assert!(row.pass, "{want} ≤ 0.65");
    // admin series pass through with their SE and a normal interval
    let v = r
        .values
        .iter()
        .find(|v| v.indicator == "safety" && v.region == "P" && v.year == 2022)
        .unwrap();
    assert_eq!((v.value, v.se), (0.97, Some(0.01)));
    let ci = v.ci.unwrap();
    assert!((ci[0] - (0.97 - 1.959_963_984_540_054 * 0.01)).abs() < 1e-12);
    assert_eq!(value(&r, "safety", "K1", 2022), Some((0.9, None)));
    // progress: safety 0.95 → 0.97 in one year, 0.02 a year needed: on track
    let p = r.progress.iter().find(|p| p.indicator == "safety").unwrap();
    let a = p.assessment.as_ref().unwrap();
    assert_eq!(a.class, Progress::OnTrack);
    assert!((a.ratio.unwrap() - 1.0).abs() < 1e-9);
    assert!((a.gap - 0.02).abs() < 1e-12);
    // income far above its target: achieved
    let p = r
        .progress
        .iter()
        .find(|p| p.indicator == "income_pc")
        .unwrap();
    assert_eq!(p.assessment.as_ref().unwrap().class, Progress::Achieved);
    // convergence: σ over the three counties each year; Theil by city adds up
    let c = r.convergence.as_ref().unwrap();
    assert_eq!(c.sigma.len(), 2);
    assert_eq!(c.sigma[0].counties, 3);
    let y: Vec<f64> = ["K1", "K2", "K3"]
        .iter()
        .map(|k| value(&r, "income_pc", k, 2021).unwrap().0.ln())
        .collect();
    let m = y.iter().sum::<f64>() / 3.0;
    let sd = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 3.0).sqrt();
    assert!((c.sigma[0].sigma.sd_log - sd).abs() < 1e-12);
    assert!(
        c.sigma[0].sigma.williamson.is_some(),
        "populations from the survey"
    );
    let t = c
        .theil
        .iter()
        .find(|t| t.year == 2021 && t.partition == "city")
        .unwrap();
    assert!((t.theil.between + t.theil.within - t.theil.total).abs() < 1e-12);
    assert_eq!(t.labels, ["C1", "C2"]);
    assert!(c.beta.is_some());
    // distributions: the province's Lorenz curve rises through (0.5, L) with
    // quintile means whose population-weighted average is the mean
    let d = r
        .distributions
        .iter()
        .find(|d| d.region == "P" && d.year == 2021)
        .unwrap();
    assert_eq!(d.lorenz.len(), 9);
    assert!(d.lorenz.windows(2).all(|w| w[0].value < w[1].value));
    assert_eq!(d.quintile_means.len(), 5);
    let avg = d.quintile_means.iter().map(|q| q.value).sum::<f64>() / 5.0;
    assert!(close(avg, 5_350_000.0 / 280.0), "{avg}");
    assert!(d.lorenz[4].value < 0.5);
    assert!(
        r.distributions
            .iter()
            .any(|d| d.region == "grp" && d.year == 2022)
    );
    // the group relative to the province, with a linearised SE
    let g = c.group_gaps.iter().find(|g| g.year == 2021).unwrap();
    assert!(close(
        g.ratio,
        (3_850_000.0 / 170.0) / (5_350_000.0 / 280.0)
    ));
    assert!(g.ratio_se.unwrap() > 0.0);
}

#[test]
fn releases_are_written_whole_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path());
    let out = dir.path().join("release");
    r.write(&out).unwrap();
    for f in [
        "release.json",
        "values.parquet",
        "progress.parquet",
        "schools.parquet",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let t = gongfu_io::read_columns(
        &out.join("values.parquet"),
        &[
            gongfu_io::ColumnRequest::key("indicator"),
            gongfu_io::ColumnRequest::numeric("value"),
        ],
        &Default::default(),
    )
    .unwrap();
    assert_eq!(t.nrows, r.values.len());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("release.json")).unwrap()).unwrap();
    assert_eq!(json["values"].as_array().unwrap().len(), r.values.len());
    assert_eq!(json["meta"]["release_id"], r.meta.release_id.as_str());
    // a second write to the same place is refused and changes nothing
    let before = std::fs::read(out.join("release.json")).unwrap();
    let err = r.write(&out).unwrap_err();
    assert!(err.to_string().contains("never overwritten"), "{err}");
    assert_eq!(std::fs::read(out.join("release.json")).unwrap(), before);
    // no temporary directories are left next to it
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn provenance_hashes_every_input_and_identifies_the_inputs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ra, rb) = (run(a.path()), run(b.path()));
    let roles: Vec<&str> = ra.meta.inputs.iter().map(|i| i.role.as_str()).collect();
    for want in [
        "config",
        "catalogue",
        "regions",
        "groups",
        "microdata",
        "targets",
        "schools",
        "admin:safety",
    ] {
        assert!(roles.contains(&want), "{want} in {roles:?}");
    }
    for i in &ra.meta.inputs {
        assert_eq!(i.sha256.len(), 64);
        assert_eq!(i.bytes, std::fs::metadata(&i.path).unwrap().len());
    }
    // sha256("") is the well-known e3b0c442…; an empty file is hashed as such
    let c = tempfile::tempdir().unwrap();
    let cfg = province(c.path(), &|name, t| {
        if name == "monitor.toml" {
            t.replace("targets = \"targets.csv\"", "")
        } else {
            t.to_string()
        }
    });
    std::fs::write(c.path().join("targets.csv"), "").unwrap();
    let rc = gongfu_monitor::run(&config::load(&cfg).unwrap()).unwrap();
    assert_ne!(rc.meta.release_id, ra.meta.release_id);
    // same inputs in another place: the same id; one changed byte: another id
    assert_eq!(ra.meta.release_id, rb.meta.release_id);
    let d = tempfile::tempdir().unwrap();
    let cfg = province(d.path(), &|name, t| {
        if name == "admin.csv" {
            t.replace("0.97", "0.98")
        } else {
            t.to_string()
        }
    });
    let rd = gongfu_monitor::run(&config::load(&cfg).unwrap()).unwrap();
    assert_ne!(rd.meta.release_id, ra.meta.release_id);
    let h = |r: &Release| {
        r.meta
            .inputs
            .iter()
            .find(|i| i.role == "admin:safety")
            .unwrap()
            .sha256
            .clone()
    };
    assert_ne!(h(&rd), h(&ra));
    assert!(ra.meta.config.as_object().unwrap().len() == 2);
}

/// A file, an edit of it, and the message expected.
type Case = (&'static str, Box<dyn Fn(&str) -> String>, &'static str);

/// Applies `edit` to one file, loads and runs, and returns the error message.
fn error_after(file: &str, edit: &dyn Fn(&str) -> String) -> String {
    let dir = tempfile::tempdir().unwrap();
    let cfg = province(dir.path(), &|name, t| {
        if name == file { edit(t) } else { t.to_string() }
    });
    let res = config::load(&cfg).and_then(|c| gongfu_monitor::run(&c));
    match res {
        Ok(_) => panic!("{file}: no error"),
        Err(e) => {
            let msg = e.to_string();
            // paths are shown as configured: strip the temporary directory
            msg.replace(&format!("{}/", dir.path().display()), "")
        }
    }
}

#[test]
fn configuration_errors_name_file_line_and_key() {
    let cases: Vec<Case> = vec![
        (
            "monitor.toml",
            Box::new(|t| t.replace("province = \"P\"", "province = \"P\"\nprovinse = 1")),
            "monitor.toml:5: unknown field `provinse`",
        ),
        (
            "monitor.toml",
            Box::new(|t| t.replace("last_year = 2022", "last_year = 2020")),
            "monitor.toml:3: key `last_year`: last_year 2020 is before first_year 2021",
        ),
        (
            "monitor.toml",
            Box::new(|t| t.replace("indicator = \"income_pc\"", "indicator = \"incme_pc\"")),
            "monitor.toml:29: key `convergence.indicator`: no indicator \"incme_pc\" in the catalogue",
        ),
        (
            "indicators.toml",
            Box::new(|t| t.replacen("measure = \"mean\"", "measure = \"maen\"", 1)),
            "indicators.toml:8: key `indicator.source.measure`: unknown measure \"maen\"",
        ),
        (
            "indicators.toml",
            Box::new(|t| t.replace("max(income_pc, city)", "max(income, city)")),
            "indicators.toml:25: key `indicator.source.formula`: city_gap: no indicator \"income\"",
        ),
        (
            "indicators.toml",
            Box::new(|t| t.replace("kind = \"schools\"", "kind = \"school\"")),
            "indicators.toml:41: key `indicator.source.kind`: \"school\": expected microdata, admin, schools or derived",
        ),
        (
            "indicators.toml",
            Box::new(|t| {
                t.replace(
                    "measure = \"mean\", filter = { urban = 1 }",
                    "measure = \"mean\", welfare = \"percapita\"",
                )
            }),
            "indicators.toml:16: key `indicator.source.welfare`: \"percapita\"",
        ),
        (
            "indicators.toml",
            Box::new(|t| t.replace("min(income_pc, city)", "min(city_gap, city)")),
            "indicators.toml:25: key `indicator.source.formula`: city_gap: the formula refers back to itself",
        ),
        (
            "indicators.toml",
            Box::new(|t| t.replace("unit = \"ratio\"", "unit = \"ratio\"\ncolour = \"red\"")),
            "indicators.toml:23: unknown field `colour`",
        ),
    ];
    for (file, edit, want) in cases {
        let got = error_after(file, &*edit);
        assert!(got.contains(want), "\n got: {got}\nwant: {want}");
    }
}

#[test]
fn data_errors_name_file_column_and_row() {
    let cases: Vec<Case> = vec![
        (
            "households.csv",
            Box::new(|t| t.replace("2022,4,K2,", "2022,4,K9,")),
            "households.csv: column \"county\", row 10: \"K9\" is not a county of the registry",
        ),
        (
            "households.csv",
            Box::new(|t| t.replace("2022,5,K3,1,15,93000", "2022,5,K3,1,15,lots")),
            "households.csv: column \"income\", row 11",
        ),
        (
            "regions.csv",
            Box::new(|t| t.replace("K3,丙县,County C,C2,county", "K3,丙县,County C,K1,county")),
            "regions.csv: column \"parent\", row 6: parent K1 of K3 is not a city",
        ),
        (
            "groups.csv",
            Box::new(|t| t.replace("grp,K3,2021,2021", "grp,C2,2021,2021")),
            "groups.csv: column \"county\", row 2: C2 is not a county of the registry",
        ),
        (
            "admin.csv",
            Box::new(|t| t.replace("K1,2022,0.9,", "K1,2022,0.9,-1")),
            "admin.csv: column \"se\", row 3",
        ),
        (
            "admin.csv",
            Box::new(|t| format!("{t}P,2021,0.5,\n")),
            "admin.csv: column \"region\", row 4: P 2021 already given in row 1",
        ),
        (
            "schools.csv",
            Box::new(|t| t.replace("2022,K2,primary,200", "2022,K2,primary,0")),
            "schools.csv: column \"students\", row 3",
        ),
        (
            "targets.csv",
            Box::new(|t| t.replace("safety,P,2023", "safety,Q,2023")),
            "targets.csv: column \"scope\", row 2: \"Q\" is neither a region nor a group",
        ),
        (
            "targets.csv",
            Box::new(|t| t.replace("2023,0.99,2021", "2023,0.99,2023")),
            "targets.csv: column \"base_year\", row 2",
        ),
    ];
    for (file, edit, want) in cases {
        let got = error_after(file, &*edit);
        assert!(got.contains(want), "\n got: {got}\nwant: {want}");
    }
}

#[test]
fn missing_files_are_named() {
    let got = error_after("monitor.toml", &|t| t.replace("schools.csv", "school.csv"));
    assert!(got.contains("school.csv"), "{got}");
    let e: MonitorError = config::load(Path::new("/nonexistent/monitor.toml")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/monitor.toml: cannot read"),
        "{e}"
    );
}
