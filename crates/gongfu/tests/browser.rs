//! The dashboard in a real browser: `web/tests/dashboard.mjs` (node,
//! playwright-core, headless Chromium) on the report of `gongfu report` and,
//! where `gongfu serve` exists, on the served dashboard.
//!
//! Needs node, `web/node_modules/playwright-core` (`npm ci` in `web/`) and
//! Chromium (`$CHROMIUM` or `/usr/bin/chromium`); `ci/install-browser.sh`
//! installs them. Without them the test says it did not run — and fails when
//! `GONGFU_REQUIRE_BROWSER=1`, as CI sets it. Screenshots go to
//! `$GONGFU_SCREENSHOTS`, by default `target/screenshots/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn screenshots() -> PathBuf {
    match std::env::var_os("GONGFU_SCREENSHOTS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots"),
    }
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser test, if anything.
fn missing() -> Vec<String> {
    let mut out = Vec::new();
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(s) if s.success()) {
        out.push("node".to_string());
    }
    if !web_dir().join("node_modules/playwright-core").is_dir() {
        out.push("web/node_modules/playwright-core (npm ci in web/)".to_string());
    }
    if !chromium().exists() {
        out.push(format!("Chromium at {}", chromium().display()));
    }
    out
}

/// True when the test can run; false (after saying so) when it cannot and
/// need not; a failure when `GONGFU_REQUIRE_BROWSER=1`.
fn browser_available(name: &str) -> bool {
    let lacking = missing();
    if lacking.is_empty() {
        return true;
    }
    let required = std::env::var("GONGFU_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{name}: GONGFU_REQUIRE_BROWSER=1 but missing: {} (run ci/install-browser.sh)",
        lacking.join(", ")
    );
    println!(
        "{name}: did not run, missing {} (run ci/install-browser.sh)",
        lacking.join(", ")
    );
    false
}

/// Runs the browser script; panics with its output unless every check passed.
fn run_script(args: &[&str]) {
    let script = web_dir().join("tests/dashboard.mjs");
    let shots = screenshots();
    let out = Command::new("node")
        .arg(&script)
        .args(args)
        .arg("--screenshots")
        .arg(&shots)
        .env("CHROMIUM", chromium())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "dashboard.mjs {args:?} failed ({:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed"))
        .unwrap_or_default();
    assert!(
        summary.ends_with(", 0 failed") && !summary.starts_with("0 passed"),
        "unexpected summary {summary:?}"
    );
    let pngs = std::fs::read_dir(&shots)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
                .count()
        })
        .unwrap_or(0);
    assert!(pngs > 0, "no screenshots in {}", shots.display());
}

fn gongfu() -> Command {
    Command::cargo_bin("gongfu").unwrap()
}

#[test]
fn report_in_the_browser() {
    if !browser_available("report_in_the_browser") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.html");
    let st = gongfu()
        .args(["report", "--households", "3000", "--seed", "11", "--output"])
        .arg(&report)
        .status()
        .unwrap();
    assert!(st.success(), "gongfu report failed");
    run_script(&["--report", report.to_str().unwrap()]);
}

/// A `gongfu serve` process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The status code of `GET path` on a local HTTP/1.1 server.
fn http_status(host: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[test]
fn served_dashboard_in_the_browser() {
    let help = gongfu().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    if !help.lines().any(|l| l.trim_start().starts_with("serve ")) {
        println!("served_dashboard_in_the_browser: did not run, gongfu has no serve subcommand");
        return;
    }
    if !browser_available("served_dashboard_in_the_browser") {
        return;
    }
    let mut child = gongfu()
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--households",
            "3000",
            "--seed",
            "11",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // The line with the address to open, token included.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("#token=") {
                let _ = tx.send(line.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(600))
        .expect("gongfu serve --demo prints the address to open with #token=");
    let start = url.find("http://").expect("an http:// address");
    let url = url[start..].split_whitespace().next().unwrap().to_string();
    let host = url["http://".len()..]
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        http_status(&host, "/"),
        Some(200),
        "gongfu serve must serve the dashboard at / (gongfu_dashboard::asset)"
    );
    assert_eq!(http_status(&host, "/assets/app.js"), Some(200));
    run_script(&["--url", &url]);
    drop(server);
}
