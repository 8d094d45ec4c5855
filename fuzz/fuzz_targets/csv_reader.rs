//! Arbitrary bytes as a CSV file: read_columns must return a table or an error.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use gongfu_io::{ColumnRequest, ReadOptions, column_names, read_columns};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static (tempfile::TempDir, PathBuf) {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("input.csv");
        (dir, path)
    })
}

fuzz_target!(|data: &[u8]| {
    let (_, path) = scratch();
    // The first byte picks the delimiter; the rest is the file.
    let (delimiter, body) = match data.split_first() {
        Some((&b, rest)) if b % 4 == 0 => (b';', rest),
        Some((&b, rest)) if b % 4 == 1 => (b'\t', rest),
        Some((_, rest)) => (b',', rest),
        None => (b',', data),
    };
    if std::fs::write(path, body).is_err() {
        return;
    }
    let opts = ReadOptions {
        delimiter,
        ..ReadOptions::default()
    };
    let requests = [
        ColumnRequest::numeric("a"),
        ColumnRequest::key("b"),
        ColumnRequest::numeric("x"),
        ColumnRequest::key("a"),
    ];
    match read_columns(path, &requests, &opts) {
        Ok(t) => {
            assert_eq!(t.columns.len(), requests.len());
            for c in &t.columns {
                assert_eq!(c.len(), t.nrows);
                if let Some((codes, levels)) = c.as_key() {
                    assert!(codes.iter().all(|&k| (k as usize) < levels.len()));
                }
                if let Some(v) = c.as_numeric() {
                    assert!(v.iter().all(|x| x.is_finite()));
                }
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "one-line message: {msg:?}");
        }
    }
    let _ = column_names(path, &opts);
    let _ = read_columns(path, &[], &opts);
});
