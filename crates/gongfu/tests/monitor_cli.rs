//! `gongfu monitor` end to end: the demo files, a release, its JSON, and the
//! errors of a bad configuration (exit 2, file, line and key, nothing written).

use assert_cmd::Command;
use std::path::PathBuf;

fn gongfu() -> Command {
    Command::cargo_bin("gongfu").unwrap()
}

/// Compares with a golden file; `GONGFU_UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("GONGFU_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// The summary without its timing line (the only part that varies).
fn without_timing(s: &str) -> String {
    s.lines()
        .filter(|l| !l.starts_with("computed in "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn demo_files_release_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = gongfu()
        .args(["monitor", "--write-demo"])
        .arg(&demo)
        .args(["--households", "3000", "--seed", "11"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "monitor.toml",
        "indicators.toml",
        "targets.csv",
        "regions.csv",
        "groups.csv",
        "pairings.csv",
        "households.parquet",
        "schools.csv",
        "admin.csv",
    ] {
        assert!(demo.join(f).is_file(), "{f}");
    }
    // the summary of the written demo, and the same release through --config
    let release = dir.path().join("release-1");
    let out = gongfu()
        .args(["monitor", "--config"])
        .arg(demo.join("monitor.toml"))
        .arg("--output")
        .arg(&release)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    golden("monitor_demo_3000.txt", &without_timing(&summary));
    assert!(release.join("release.json").is_file());
    assert!(release.join("index.parquet").is_file());
    // JSON on stdout: the same release id and values as the file
    let out = gongfu()
        .args(["monitor", "--format", "json", "--config"])
        .arg(demo.join("monitor.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(release.join("release.json")).unwrap())
            .unwrap();
    assert_eq!(printed["meta"]["release_id"], written["meta"]["release_id"]);
    assert_eq!(printed["values"], written["values"]);
    assert_eq!(printed["meta"]["program"], "gongfu");
    assert_eq!(
        printed["meta"]["version"],
        env!("CARGO_PKG_VERSION"),
        "provenance names the program version"
    );
    // a release is never overwritten
    let out = gongfu()
        .args(["monitor", "--config"])
        .arg(demo.join("monitor.toml"))
        .arg("--output")
        .arg(&release)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwritten"));
}

#[test]
fn a_bad_configuration_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    gongfu()
        .args(["monitor", "--write-demo"])
        .arg(&demo)
        .args(["--households", "1000"])
        .assert()
        .success();
    let cat = demo.join("indicators.toml");
    let text = std::fs::read_to_string(&cat).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("measure = \"gini\""))
        .unwrap()
        + 1;
    std::fs::write(
        &cat,
        text.replace("measure = \"gini\"", "measure = \"ginni\""),
    )
    .unwrap();
    let release = dir.path().join("release");
    let out = gongfu()
        .args(["monitor", "--config"])
        .arg(demo.join("monitor.toml"))
        .arg("--output")
        .arg(&release)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let want = format!(
        "{}:{line}: key `indicator.source.measure`: unknown measure \"ginni\" (did you mean \"gini\"?)",
        cat.display()
    );
    assert!(err.contains(&want), "{err}\nwant: {want}");
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert!(!release.exists(), "nothing written");
}
