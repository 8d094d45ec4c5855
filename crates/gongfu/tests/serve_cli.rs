//! `gongfu token`, `gongfu publish` and `gongfu serve` end to end: tokens in
//! a SQLite store, a release published from the command line and read back
//! over HTTP from a running server, the demo URL with its token, and a
//! graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn gongfu() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("gongfu").unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A minimal release document.
fn release(id: &str) -> String {
    serde_json::json!({
        "meta": {"program": "gongfu", "version": "0.1.0", "release_id": id,
                 "created": "2026-03-01T00:00:00Z", "years": [2020, 2025], "province": "330000"},
        "values": [
            {"indicator": "income_pc", "region": "330000", "scope": "province", "year": 2025,
             "value": 71000.0, "se": 350.0, "ci": [70300.0, 71700.0], "n": 5000, "population": 6.5e7}
        ]
    })
    .to_string()
}

/// `GET path` over HTTP/1.1: the status and the body.
fn http_get(base: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let hostport = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut s = TcpStream::connect(&hostport).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// Starts `gongfu serve` and returns it with its first line of output.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongfu"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    match rx.recv_timeout(Duration::from_secs(300)) {
        Ok(line) => (child, line),
        Err(_) => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "gongfu serve printed nothing: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Sends SIGTERM and expects a clean exit.
fn stop(child: Child) {
    // the shell's built-in kill: no package needed
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("shutting down"));
}

#[test]
fn tokens_publish_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("cli.sqlite").display());

    // tokens: the secret once on stdout, never in the list
    let out = gongfu()
        .args([
            "token", "create", "--role", "viewer", "--label", "screen", "--store", &store,
        ])
        .output()
        .unwrap();
    let secret = stdout(&out).trim().to_string();
    assert!(secret.starts_with("gf_") && secret.len() == 67, "{secret}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only now"));
    let list = stdout(
        &gongfu()
            .args(["token", "list", "--store", &store])
            .output()
            .unwrap(),
    );
    assert!(list.contains("viewer") && list.contains("screen"), "{list}");
    assert!(!list.contains(&secret));
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = gongfu()
        .args(["token", "create", "--role", "root", "--store", &store])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // publish from the command line: a file, then a release directory
    let file = dir.path().join("r1.json");
    std::fs::write(&file, release("c11000000000000a")).unwrap();
    let out = stdout(
        &gongfu()
            .args(["publish", "--store", &store])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert!(
        out.contains("release c11000000000000a (330000 2020–2025, 1 values) published"),
        "{out}"
    );
    let again = stdout(
        &gongfu()
            .args(["publish", "--store", &store])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert!(again.contains("already published"), "{again}");
    let rdir = dir.path().join("release-2");
    std::fs::create_dir(&rdir).unwrap();
    std::fs::write(rdir.join("release.json"), release("c11000000000000b")).unwrap();
    let out = stdout(
        &gongfu()
            .args(["publish", "--store", &store])
            .arg(&rdir)
            .output()
            .unwrap(),
    );
    assert!(out.contains("supersedes c11000000000000a"), "{out}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"meta\": {}}").unwrap();
    let out = gongfu()
        .args(["publish", "--store", &store])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("meta.release_id: missing"));

    // serve the store: the token works, nothing without it
    let (child, line) = start(&["--store", &store, "--bind", "127.0.0.1:0"]);
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let (status, body) = http_get(
        &base,
        "/api/v1/releases/latest/values?indicator=income_pc",
        Some(&secret),
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["release"], "c11000000000000b");
    assert_eq!(v["values"][0]["value"], 71000.0);
    let (status, body) = http_get(&base, "/api/v1/releases", None);
    assert_eq!(status, 401);
    assert!(!body.contains("c11000000000000"));

    // revoked on the command line: refused by the running server within
    // its cache lifetime
    stdout(
        &gongfu()
            .args(["token", "revoke", &id, "--store", &store])
            .output()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(2500));
    let (status, _) = http_get(&base, "/api/v1/releases", Some(&secret));
    assert_eq!(status, 401);
    stop(child);
    let out = gongfu()
        .args(["token", "revoke", "ffffffffffff", "--store", &store])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_demo_prints_a_url_with_a_working_viewer_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("demo.sqlite").display());
    let (child, line) = start(&[
        "--demo",
        "--households",
        "1000",
        "--store",
        &store,
        "--bind",
        "127.0.0.1:0",
    ]);
    let (base, token) = line
        .split_once("#token=")
        .unwrap_or_else(|| panic!("no token in {line:?}"));
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with('/'),
        "{line}"
    );
    let (status, body) = http_get(
        base,
        "/api/v1/releases/latest/regions?level=city",
        Some(token),
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["regions"].as_array().unwrap().len(), 11);
    // the dashboard's page, without a token
    let (status, body) = http_get(base, "/", None);
    assert_eq!(status, 200);
    assert!(body.contains("/assets/app.js"), "{body}");
    // a viewer cannot publish or manage tokens
    let (status, _) = http_get(base, "/api/v1/tokens", Some(token));
    assert_eq!(status, 403);
    stop(child);
    // the release stays in the store given
    let list = stdout(
        &gongfu()
            .args(["token", "list", "--store", &store])
            .output()
            .unwrap(),
    );
    assert!(list.contains("gongfu serve --demo"), "{list}");
}
