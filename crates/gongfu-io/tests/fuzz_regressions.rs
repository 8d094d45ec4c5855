//! Inputs found by the fuzz targets in `fuzz/`, replayed as the targets do.
//!
//! Files in `tests/fuzz_regressions/` named `csv_reader-*` are raw inputs of
//! the `csv_reader` target (first byte picks the delimiter); `parquet_reader-*`
//! are raw inputs of the `parquet_reader` target (the bytes of the file).

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use gongfu_io::{ColumnRequest, IoError, ReadOptions, Table, column_names, read_columns};

fn check(path: &Path, result: &Result<Table, IoError>, n: usize) {
    match result {
        Ok(t) => {
            assert_eq!(t.columns.len(), n);
            for c in &t.columns {
                assert_eq!(c.len(), t.nrows);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "{msg:?}");
            assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        }
    }
}

fn replay_csv(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    let (delimiter, body) = match data.split_first() {
        Some((&b, rest)) if b % 4 == 0 => (b';', rest),
        Some((&b, rest)) if b % 4 == 1 => (b'\t', rest),
        Some((_, rest)) => (b',', rest),
        None => (b',', data),
    };
    std::fs::write(&path, body).unwrap();
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
    check(
        &path,
        &read_columns(&path, &requests, &opts),
        requests.len(),
    );
    let _ = column_names(&path, &opts);
    check(&path, &read_columns(&path, &[], &opts), 0);
}

fn replay_parquet(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.parquet");
    std::fs::write(&path, data).unwrap();
    let opts = ReadOptions::default();
    let names = column_names(&path, &opts).unwrap_or_default();
    let mut requests = Vec::new();
    for name in names.iter().take(4) {
        requests.push(ColumnRequest::numeric(name.clone()));
        requests.push(ColumnRequest::key(name.clone()));
    }
    for req in &requests {
        check(
            &path,
            &read_columns(&path, std::slice::from_ref(req), &opts),
            1,
        );
    }
    check(
        &path,
        &read_columns(&path, &requests, &opts),
        requests.len(),
    );
    check(&path, &read_columns(&path, &[], &opts), 0);
}

/// Panics seen anywhere in this test binary, caught or not: the Parquet
/// reader turns a decoder panic into an error, which would hide a regression.
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Installs the counting hook before any file is read in this binary, so
/// that the reader's quiet hook wraps it rather than being replaced by it.
fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default_hook(info);
        }));
    });
}

#[test]
fn replay_stored_fuzz_inputs() {
    count_panics();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut replayed = 0;
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        if name.starts_with("csv_reader-") {
            replay_csv(&data);
        } else if name.starts_with("parquet_reader-") {
            replay_parquet(&data);
        } else {
            continue;
        }
        replayed += 1;
    }
    assert!(replayed > 0, "no stored inputs in {}", dir.display());
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a reader panicked (even if caught)"
    );
}

/// Damaged files that reach assertions inside the parquet crate (a
/// dictionary-encoded page without a dictionary page, a bit width too large,
/// an out-of-range offset, zero-size assertions, a division by zero) with
/// parquet 59: the reader
/// reports each as a damaged file ("the decoder failed: ..."), quietly
/// (nothing reaches the panic hook installed before the reader's).
#[test]
fn decoder_panics_become_quiet_errors() {
    count_panics();
    for stored in [
        "parquet_reader-dictionary-page-missing",
        "parquet_reader-bit-width-too-large",
        "parquet_reader-offset-out-of-bounds",
        "parquet_reader-decoder-assert-zero",
        "parquet_reader-delta-length-divide-by-zero",
        "parquet_reader-empty-slice-assert",
    ] {
        let input = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz_regressions")
            .join(stored);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.parquet");
        std::fs::copy(&input, &path).unwrap();
        let opts = ReadOptions::default();
        let names = column_names(&path, &opts).unwrap();
        let mut decoder_failures = 0;
        for name in &names {
            for req in [
                ColumnRequest::numeric(name.clone()),
                ColumnRequest::key(name.clone()),
            ] {
                if let Err(e) = read_columns(&path, &[req], &opts) {
                    let msg = e.to_string();
                    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
                    if matches!(e, IoError::CorruptParquet { .. }) {
                        decoder_failures += 1;
                    }
                }
            }
        }
        assert!(
            decoder_failures > 0,
            "{stored}: no request reported the damage"
        );
    }
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a decoder panic was not quiet"
    );
}
