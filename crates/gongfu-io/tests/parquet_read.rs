//! Reading Parquet files built with arrow: types, projection and errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::{ArrowPrimitiveType, Float16Type, Int8Type, Int32Type, UInt16Type};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float16Array,
    Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Int64Array, LargeStringArray,
    ListArray, RecordBatch, StringArray, StringViewArray, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use gongfu_io::{
    Column, ColumnRequest, Format, IoError, ReadOptions, Table, column_names, read_columns,
};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

type F16 = <Float16Type as ArrowPrimitiveType>::Native;

fn write_batches(path: &Path, batches: &[RecordBatch], row_group_rows: usize) {
    let file = std::fs::File::create(path).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let mut w = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

fn write_cols(dir: &Path, name: &str, cols: Vec<(&str, ArrayRef)>) -> PathBuf {
    let path = dir.join(name);
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    write_batches(&path, &[batch], 1 << 20);
    path
}

fn read(path: &Path, requests: &[ColumnRequest]) -> Result<Table, IoError> {
    read_columns(path, requests, &ReadOptions::default())
}

fn num(name: &str) -> ColumnRequest {
    ColumnRequest::numeric(name)
}

fn key(name: &str) -> ColumnRequest {
    ColumnRequest::key(name)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn assert_names(err: &IoError, path: &Path, column: Option<&str>, row: Option<u64>) {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(
        msg.starts_with(&format!("{}: ", path.display())),
        "names the file: {msg}"
    );
    if let Some(c) = column {
        assert!(
            msg.contains(&format!("column \"{c}\"")),
            "names the column: {msg}"
        );
    }
    if let Some(r) = row {
        assert!(msg.contains(&format!("row {r}")), "names the row: {msg}");
        assert_eq!(err.row(), Some(r));
    }
}

#[test]
fn integer_and_float_types_read_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_cols(
        dir.path(),
        "t.parquet",
        vec![
            (
                "i8",
                Arc::new(Int8Array::from(vec![-1, 2, 127])) as ArrayRef,
            ),
            ("i16", Arc::new(Int16Array::from(vec![-300, 0, 300]))),
            (
                "i32",
                Arc::new(Int32Array::from(vec![i32::MIN, 0, i32::MAX])),
            ),
            (
                "i64",
                Arc::new(Int64Array::from(vec![-(1 << 53), 5, 1 << 53])),
            ),
            ("u8", Arc::new(UInt8Array::from(vec![0, 1, 255]))),
            ("u16", Arc::new(UInt16Array::from(vec![0, 1, 65535]))),
            ("u32", Arc::new(UInt32Array::from(vec![0, 1, u32::MAX]))),
            ("u64", Arc::new(UInt64Array::from(vec![0, 1, 1 << 60]))),
            (
                "f16",
                Arc::new(Float16Array::from(vec![
                    F16::from_f64(1.5),
                    F16::from_f64(-2.0),
                    F16::from_f64(0.25),
                ])),
            ),
            ("f32", Arc::new(Float32Array::from(vec![0.1f32, -1.0, 3.5]))),
            ("f64", Arc::new(Float64Array::from(vec![0.1, -0.0, 1e300]))),
            (
                "dec",
                Arc::new(
                    Decimal128Array::from(vec![12345, -1, 10])
                        .with_precision_and_scale(10, 2)
                        .unwrap(),
                ),
            ),
        ],
    );
    let names = column_names(&p, &ReadOptions::default()).unwrap();
    assert_eq!(names.len(), 12);
    let requests: Vec<ColumnRequest> = names.iter().map(|n| num(n)).collect();
    let t = read(&p, &requests).unwrap();
    assert_eq!(t.nrows, 3);
    let col = |i: usize| t.columns[i].as_numeric().unwrap().to_vec();
    assert_eq!(col(0), [-1.0, 2.0, 127.0]);
    assert_eq!(col(1), [-300.0, 0.0, 300.0]);
    assert_eq!(col(2), [i32::MIN as f64, 0.0, i32::MAX as f64]);
    assert_eq!(col(3), [-(2f64.powi(53)), 5.0, 2f64.powi(53)]);
    assert_eq!(col(4), [0.0, 1.0, 255.0]);
    assert_eq!(col(5), [0.0, 1.0, 65535.0]);
    assert_eq!(col(6), [0.0, 1.0, u32::MAX as f64]);
    assert_eq!(col(7), [0.0, 1.0, 2f64.powi(60)]);
    assert_eq!(col(8), [1.5, -2.0, 0.25]);
    assert_eq!(col(9), [f64::from(0.1f32), -1.0, 3.5]);
    assert_eq!(col(10), [0.1, -0.0, 1e300]);
    assert_eq!(col(11), [123.45, -0.01, 0.1]);
}

#[test]
fn key_types_read_as_labels() {
    let dir = tempfile::tempdir().unwrap();
    let dict: DictionaryArray<Int32Type> = vec!["north", "south", "north", "east"]
        .into_iter()
        .collect();
    let dict8: DictionaryArray<Int8Type> = vec!["1", "2", "1", "1"].into_iter().collect();
    let int_dict = DictionaryArray::<UInt16Type>::new(
        UInt16Array::from(vec![1, 0, 1, 1]),
        Arc::new(Int64Array::from(vec![2021, 2022])),
    );
    let p = write_cols(
        dir.path(),
        "t.parquet",
        vec![
            (
                "utf8",
                Arc::new(StringArray::from(vec!["b", "a", "b", "c"])) as ArrayRef,
            ),
            (
                "large",
                Arc::new(LargeStringArray::from(vec!["x", "x", "y", "x"])),
            ),
            (
                "view",
                Arc::new(StringViewArray::from(vec![
                    "a long label beyond twelve bytes",
                    "s",
                    "s",
                    "a long label beyond twelve bytes",
                ])),
            ),
            (
                "year",
                Arc::new(Int32Array::from(vec![2021, 2022, 2021, -5])),
            ),
            ("u64", Arc::new(UInt64Array::from(vec![u64::MAX, 0, 0, 1]))),
            (
                "flag",
                Arc::new(BooleanArray::from(vec![true, false, false, true])),
            ),
            ("dict", Arc::new(dict)),
            ("dict8", Arc::new(dict8)),
            ("int_dict", Arc::new(int_dict)),
        ],
    );
    let names = column_names(&p, &ReadOptions::default()).unwrap();
    let requests: Vec<ColumnRequest> = names.iter().map(|n| key(n)).collect();
    let t = read(&p, &requests).unwrap();
    assert_eq!(t.nrows, 4);
    let expect = [
        (vec![0, 1, 0, 2], strings(&["b", "a", "c"])),
        (vec![0, 0, 1, 0], strings(&["x", "y"])),
        (
            vec![0, 1, 1, 0],
            strings(&["a long label beyond twelve bytes", "s"]),
        ),
        (vec![0, 1, 0, 2], strings(&["2021", "2022", "-5"])),
        (
            vec![0, 1, 1, 2],
            strings(&["18446744073709551615", "0", "1"]),
        ),
        (vec![0, 1, 1, 0], strings(&["true", "false"])),
        (vec![0, 1, 0, 2], strings(&["north", "south", "east"])),
        (vec![0, 1, 0, 0], strings(&["1", "2"])),
        (vec![0, 1, 0, 0], strings(&["2022", "2021"])),
    ];
    for (i, (codes, levels)) in expect.into_iter().enumerate() {
        assert_eq!(
            t.columns[i],
            Column::Key { codes, levels },
            "column {}",
            names[i]
        );
    }
    // Dictionary-encoded numbers read as numbers too.
    let t = read(&p, &[num("int_dict"), num("dict8")]);
    let err = t.unwrap_err();
    assert!(matches!(err, IoError::UnsupportedType { .. }), "{err}");
    let t = read(&p, &[num("int_dict")]).unwrap();
    assert_eq!(
        t.columns[0],
        Column::Numeric(vec![2022.0, 2021.0, 2022.0, 2022.0])
    );
}

#[test]
fn many_batches_and_row_groups_keep_row_order_and_level_order() {
    let dir = tempfile::tempdir().unwrap();
    let n = 50_000usize;
    let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
    let k: Vec<String> = (0..n).map(|i| format!("k{}", (i * 7) % 13)).collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("x", Arc::new(Float64Array::from(x.clone())) as ArrayRef),
        ("k", Arc::new(StringArray::from(k.clone())) as ArrayRef),
    ])
    .unwrap();
    let path = dir.path().join("big.pq");
    write_batches(
        &path,
        &[batch.slice(0, 20_000), batch.slice(20_000, n - 20_000)],
        7_000,
    );
    let opts = ReadOptions {
        progress: true,
        ..ReadOptions::default()
    };
    let t = read_columns(&path, &[key("k"), num("x")], &opts).unwrap();
    assert_eq!(t.nrows, n);
    assert_eq!(t.columns[1], Column::Numeric(x));
    let (codes, levels) = t.columns[0].as_key().unwrap();
    let back: Vec<&str> = codes.iter().map(|&c| levels[c as usize].as_str()).collect();
    assert_eq!(back, k);
    assert_eq!(levels[0], "k0");
    assert_eq!(levels[1], "k7");
}

#[test]
fn no_requests_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_cols(
        dir.path(),
        "t.parquet",
        vec![("a", Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef)],
    );
    let t = read(&p, &[]).unwrap();
    assert_eq!(t.nrows, 3);
    assert!(t.columns.is_empty());
}

#[test]
fn nulls_are_errors_with_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut x: Vec<Option<f64>> = (0..10_000).map(|i| Some(i as f64)).collect();
    x[9_000] = None;
    let mut k: Vec<Option<&str>> = vec![Some("a"); 10_000];
    k[8_999] = None;
    let dict: DictionaryArray<Int32Type> = k.iter().copied().collect();
    let p = write_cols(
        dir.path(),
        "nulls.parquet",
        vec![
            ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
            ("k", Arc::new(StringArray::from(k.clone()))),
            ("d", Arc::new(dict)),
            ("i", Arc::new(Int32Array::from(vec![Some(1); 10_000]))),
        ],
    );
    let err = read(&p, &[num("i"), num("x")]).unwrap_err();
    assert!(matches!(err, IoError::NullValue { .. }), "{err}");
    assert_names(&err, &p, Some("x"), Some(9_001));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: column \"x\", row 9001: missing (null) value",
            p.display()
        )
    );
    let err = read(&p, &[key("k")]).unwrap_err();
    assert_names(&err, &p, Some("k"), Some(9_000));
    let err = read(&p, &[key("d")]).unwrap_err();
    assert_names(&err, &p, Some("d"), Some(9_000));
    assert_eq!(read(&p, &[num("i")]).unwrap().nrows, 10_000);
}

#[test]
fn non_finite_floats_are_errors_with_row() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        let p = write_cols(
            dir.path(),
            "nan.parquet",
            vec![
                (
                    "w",
                    Arc::new(Float64Array::from(vec![1.0, bad])) as ArrayRef,
                ),
                ("v", Arc::new(Float32Array::from(vec![bad as f32, 1.0]))),
            ],
        );
        let err = read(&p, &[num("w")]).unwrap_err();
        assert!(matches!(err, IoError::NonFinite { .. }), "{err}");
        assert_names(&err, &p, Some("w"), Some(2));
        assert!(
            err.to_string()
                .contains(&format!("\"{shown}\" is not a finite number")),
            "{err}"
        );
        let err = read(&p, &[num("v")]).unwrap_err();
        assert_names(&err, &p, Some("v"), Some(1));
    }
}

#[test]
fn unsupported_types_name_file_column_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let list =
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)]), Some(vec![])]);
    let p = write_cols(
        dir.path(),
        "types.parquet",
        vec![
            ("date", Arc::new(Date32Array::from(vec![1, 2])) as ArrayRef),
            ("list", Arc::new(list)),
            ("name", Arc::new(StringArray::from(vec!["a", "b"]))),
            ("f", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        ],
    );
    let err = read(&p, &[num("date")]).unwrap_err();
    assert!(matches!(err, IoError::UnsupportedType { .. }), "{err}");
    assert_names(&err, &p, Some("date"), None);
    assert_eq!(
        err.to_string(),
        format!(
            "{}: column \"date\" has type Date32, which cannot be read as a numeric column",
            p.display()
        )
    );
    let err = read(&p, &[key("list")]).unwrap_err();
    assert_names(&err, &p, Some("list"), None);
    assert!(err.to_string().contains("cannot be read as a key column"));
    let err = read(&p, &[num("name")]).unwrap_err();
    assert!(err.to_string().contains("has type Utf8"), "{err}");
    let err = read(&p, &[key("f")]).unwrap_err();
    assert!(err.to_string().contains("has type Float64"), "{err}");
}

#[test]
fn missing_column_suggests() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_cols(
        dir.path(),
        "households.parquet",
        vec![
            (
                "income",
                Arc::new(Float64Array::from(vec![1.0])) as ArrayRef,
            ),
            ("weight", Arc::new(Float64Array::from(vec![1.0]))),
        ],
    );
    let err = read(&p, &[num("incme")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no column \"incme\" (did you mean \"income\"?)",
            p.display()
        )
    );
}

#[test]
fn not_parquet_and_truncated_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fake.parquet");
    std::fs::write(&p, b"id,income\n1,2\n").unwrap();
    let err = read(&p, &[num("income")]).unwrap_err();
    assert!(matches!(err, IoError::CorruptParquet { .. }), "{err}");
    assert_names(&err, &p, None, None);
    assert!(
        err.to_string()
            .starts_with(&format!("{}: not a valid Parquet file", p.display()))
    );
    let err = column_names(&p, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IoError::CorruptParquet { .. }), "{err}");

    std::fs::write(&p, b"").unwrap();
    assert!(matches!(
        read(&p, &[num("x")]).unwrap_err(),
        IoError::CorruptParquet { .. }
    ));

    // A real file cut short, and one with bytes flipped in the data pages.
    let good = write_cols(
        dir.path(),
        "good.parquet",
        vec![(
            "x",
            Arc::new(Float64Array::from(
                (0..5000).map(f64::from).collect::<Vec<_>>(),
            )) as ArrayRef,
        )],
    );
    let bytes = std::fs::read(&good).unwrap();
    for cut in [4, 8, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let err = read(&p, &[num("x")]).unwrap_err();
        assert_names(&err, &p, None, None);
    }
    for at in (4..bytes.len() - 8).step_by(97) {
        let mut b = bytes.clone();
        b[at] ^= 0x5a;
        std::fs::write(&p, &b).unwrap();
        // Either an error or (when the flip hit padding or a value) a table: never a panic.
        if let Err(e) = read(&p, &[num("x")]) {
            assert_names(&e, &p, None, None);
        }
    }
}

#[test]
fn explicit_format_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_cols(
        dir.path(),
        "data.bin",
        vec![("a", Arc::new(Int32Array::from(vec![7])) as ArrayRef)],
    );
    let opts = ReadOptions {
        format: Some(Format::Parquet),
        ..ReadOptions::default()
    };
    let t = read_columns(&p, &[num("a")], &opts).unwrap();
    assert_eq!(t.columns[0], Column::Numeric(vec![7.0]));
    let missing = dir.path().join("none.parquet");
    let err = read(&missing, &[num("a")]).unwrap_err();
    assert!(matches!(err, IoError::Open { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{}: cannot open: file not found", missing.display())
    );
}
