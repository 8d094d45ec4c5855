//! `gongfu report`: one self-contained HTML file showing a release.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn gongfu() -> Command {
    Command::cargo_bin("gongfu").unwrap()
}

/// The release embedded in a report.
fn embedded(html: &str) -> Value {
    let open = r#"<script type="application/json" id="release">"#;
    assert_eq!(html.matches(open).count(), 1, "one embedded release");
    let start = html.find(open).unwrap() + open.len();
    let len = html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..start + len]).expect("the embedded release is JSON")
}

/// Every `src="…"` and `href="…"` of the page: none may reach a server.
fn assert_self_contained(html: &str) {
    for attr in ["src=", "href="] {
        for (at, _) in html.match_indices(attr) {
            let value = html[at + attr.len()..].trim_start_matches(['"', '\'']);
            for bad in ["http://", "https://", "//", "/assets/"] {
                assert!(
                    !value.starts_with(bad),
                    "{attr}{} refers outside the file",
                    &value[..value.len().min(60)]
                );
            }
        }
    }
    assert!(!html.contains("<script src"), "every script is inline");
    assert!(
        !html.contains(r#"<link rel="stylesheet""#),
        "the style is inline"
    );
    // The chart library and the app are there.
    assert!(html.contains("echarts"), "the chart library is inlined");
    assert!(html.contains("api/v1/releases"), "the app is inlined");
}

fn write_demo(dir: &Path) -> std::path::PathBuf {
    let demo = dir.join("demo");
    gongfu()
        .args(["monitor", "--write-demo"])
        .arg(&demo)
        .args(["--households", "3000", "--seed", "11"])
        .assert()
        .success();
    demo.join("monitor.toml")
}

#[test]
fn report_of_a_release_directory_and_its_json() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_demo(tmp.path());
    let release = tmp.path().join("release");
    gongfu()
        .args(["monitor", "--format", "table", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&release)
        .assert()
        .success();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(release.join("release.json")).unwrap())
            .unwrap();
    let id = json["meta"]["release_id"].as_str().unwrap().to_string();

    let from_dir = tmp.path().join("from-dir.html");
    let from_file = tmp.path().join("from-file.html");
    gongfu()
        .args(["report", "--input"])
        .arg(&release)
        .arg("--output")
        .arg(&from_dir)
        .assert()
        .success();
    gongfu()
        .args(["report", "--input"])
        .arg(release.join("release.json"))
        .arg("--output")
        .arg(&from_file)
        .assert()
        .success();
    let html = std::fs::read_to_string(&from_dir).unwrap();
    assert_eq!(html, std::fs::read_to_string(&from_file).unwrap());
    assert_self_contained(&html);
    assert!(html.contains(&format!("<title>gongfu — release {id}</title>")));
    // The whole release, unchanged.
    assert!(embedded(&html) == json, "the embedded release differs");
    // Nothing else is left beside the output.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn report_of_the_demo_is_the_monitors_release() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.html");
    gongfu()
        .args(["report", "--households", "3000", "--seed", "11", "--output"])
        .arg(&out)
        .assert()
        .success();
    let monitor = gongfu()
        .args([
            "monitor",
            "--format",
            "json",
            "--households",
            "3000",
            "--seed",
            "11",
        ])
        .output()
        .unwrap();
    assert!(monitor.status.success());
    let json: Value = serde_json::from_slice(&monitor.stdout).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html);
    let shown = embedded(&html);
    assert_eq!(shown["meta"]["release_id"], json["meta"]["release_id"]);
    assert!(shown["values"] == json["values"], "the values differ");
    let id = json["meta"]["release_id"].as_str().unwrap();
    assert!(html.contains(id));
}

/// Exit code 2 and one line naming what is wrong; the existing output is
/// left as it was.
fn fails(args: &[&str], input: Option<&Path>, out: &Path, expect: &str) {
    let mut cmd = gongfu();
    cmd.args(args);
    if let Some(p) = input {
        cmd.arg("--input").arg(p);
    }
    let o = cmd.arg("--output").arg(out).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{args:?} {input:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one message: {err}");
    assert!(err.contains(expect), "{err:?} should contain {expect:?}");
}

#[test]
fn bad_input_exits_2_with_one_message_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.html");
    std::fs::write(&out, "before").unwrap();

    let missing = tmp.path().join("missing.json");
    fails(&["report"], Some(&missing), &out, "missing.json");

    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"meta\": ").unwrap();
    fails(&["report"], Some(&broken), &out, "broken.json");
    fails(&["report"], Some(&broken), &out, "not valid JSON");

    let other = tmp.path().join("other.json");
    std::fs::write(&other, r#"{"results": [], "meta": {}}"#).unwrap();
    fails(&["report"], Some(&other), &out, "not a monitoring release");

    let empty_dir = tmp.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    fails(&["report"], Some(&empty_dir), &out, "no release.json");

    assert_eq!(std::fs::read_to_string(&out).unwrap(), "before");

    // An output directory that does not exist.
    let release = tmp.path().join("release.json");
    std::fs::write(
        &release,
        r#"{"meta": {"release_id": "abc"}, "regions": {}, "indicators": [], "values": []}"#,
    )
    .unwrap();
    let nowhere = tmp.path().join("no-such-dir").join("report.html");
    fails(&["report"], Some(&release), &nowhere, "no-such-dir");
    assert!(!nowhere.exists());

    // A good release replaces the old file whole.
    gongfu()
        .args(["report", "--input"])
        .arg(&release)
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("abc"));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn report_of_a_release_in_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_demo(tmp.path());
    let release = tmp.path().join("release");
    gongfu()
        .args(["monitor", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&release)
        .assert()
        .success();
    let store = format!("sqlite://{}", tmp.path().join("store.sqlite").display());
    // an empty store has no latest release
    let out = gongfu()
        .args(["report", "--store", &store, "--output"])
        .arg(tmp.path().join("none.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no release has been published"));
    gongfu()
        .args(["publish", "--store", &store])
        .arg(&release)
        .assert()
        .success();
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(release.join("release.json")).unwrap())
            .unwrap();
    let id = written["meta"]["release_id"].as_str().unwrap().to_string();
    for args in [vec![], vec!["--release", id.as_str()]] {
        let html_path = tmp.path().join("stored.html");
        gongfu()
            .args(["report", "--store", &store])
            .args(&args)
            .arg("--output")
            .arg(&html_path)
            .assert()
            .success();
        let html = std::fs::read_to_string(&html_path).unwrap();
        assert_self_contained(&html);
        let shown = embedded(&html);
        assert_eq!(shown["meta"]["release_id"], written["meta"]["release_id"]);
        assert_eq!(shown["values"], written["values"]);
    }
    let out = gongfu()
        .args([
            "report",
            "--store",
            &store,
            "--release",
            "0000000000000000",
            "--output",
        ])
        .arg(tmp.path().join("missing.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such release"));
    assert!(!tmp.path().join("missing.html").exists());
}
