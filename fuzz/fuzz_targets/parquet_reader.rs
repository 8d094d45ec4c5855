//! Arbitrary bytes as a Parquet file: read_columns must return a table or an error.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use gongfu_io::{ColumnRequest, ReadOptions, column_names, read_columns};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static (tempfile::TempDir, PathBuf) {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("input.parquet");
        (dir, path)
    })
}

fuzz_target!(|data: &[u8]| {
    let (_, path) = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    let opts = ReadOptions::default();
    let names = column_names(path, &opts).unwrap_or_default();
    // The file's own columns (so the decoder is reached), as both kinds.
    let mut requests: Vec<ColumnRequest> = Vec::new();
    for name in names.iter().take(4) {
        requests.push(ColumnRequest::numeric(name.clone()));
        requests.push(ColumnRequest::key(name.clone()));
    }
    for req in &requests {
        if let Ok(t) = read_columns(path, std::slice::from_ref(req), &opts) {
            assert_eq!(t.columns.len(), 1);
            assert_eq!(t.columns[0].len(), t.nrows);
        }
    }
    let _ = read_columns(path, &requests, &opts);
    let _ = read_columns(path, &[ColumnRequest::numeric("x")], &opts);
    let _ = read_columns(path, &[], &opts);
});
