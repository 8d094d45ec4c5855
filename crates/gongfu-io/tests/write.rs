//! Writers: round trips through the readers, atomicity, schema checks.

use std::path::Path;

use gongfu_io::{
    AtomicFile, Column, ColumnRequest, Format, IoError, OutColumn, OutKind, ReadOptions,
    TableWriter, column_names, read_columns,
};
use proptest::prelude::*;

fn schema() -> Vec<(String, OutKind)> {
    vec![
        ("x".to_string(), OutKind::F64),
        ("n".to_string(), OutKind::I64),
        ("s".to_string(), OutKind::Str),
    ]
}

fn tricky_floats() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        0.1,
        1.0 / 3.0,
        -2.5e-300,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::MIN,
        123_456_789.123_456_79,
        1e21,
        1e-7,
        35284.333333333336,
    ]
}

fn tricky_strings(n: usize) -> Vec<String> {
    let base = [
        "plain",
        "with,comma",
        "with \"quotes\"",
        "new\nline",
        "",
        " leading space",
        "县,市",
        "semi;colon",
        "\r\n",
    ];
    (0..n).map(|i| base[i % base.len()].to_string()).collect()
}

fn assert_round_trip(path: &Path, format: Option<Format>) {
    let xs = tricky_floats();
    let n = xs.len();
    let ns: Vec<i64> = (0..n as i64).map(|i| (i - 6) * 1_000_000_007).collect();
    let ss = tricky_strings(n);
    let mut w = TableWriter::create(path, format, &schema()).unwrap();
    // Two batches, one empty in between.
    w.write_batch(vec![
        OutColumn::F64(xs[..5].to_vec()),
        OutColumn::I64(ns[..5].to_vec()),
        OutColumn::Str(ss[..5].to_vec()),
    ])
    .unwrap();
    w.write_batch(vec![
        OutColumn::F64(vec![]),
        OutColumn::I64(vec![]),
        OutColumn::Str(vec![]),
    ])
    .unwrap();
    w.write_batch(vec![
        OutColumn::F64(xs[5..].to_vec()),
        OutColumn::I64(ns[5..].to_vec()),
        OutColumn::Str(ss[5..].to_vec()),
    ])
    .unwrap();
    assert!(!path.exists(), "nothing at the destination before finish");
    w.finish().unwrap();

    let opts = ReadOptions {
        format,
        ..ReadOptions::default()
    };
    assert_eq!(column_names(path, &opts).unwrap(), ["x", "n", "s"]);
    let t = read_columns(
        path,
        &[
            ColumnRequest::numeric("x"),
            ColumnRequest::numeric("n"),
            ColumnRequest::key("s"),
            ColumnRequest::key("n"),
        ],
        &opts,
    )
    .unwrap();
    assert_eq!(t.nrows, n);
    let back = t.columns[0].as_numeric().unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(back), bits(&xs), "f64 round trip is bit for bit");
    let back_n = t.columns[1].as_numeric().unwrap();
    assert_eq!(back_n, ns.iter().map(|&v| v as f64).collect::<Vec<_>>());
    let (codes, levels) = t.columns[2].as_key().unwrap();
    let back_s: Vec<&str> = codes.iter().map(|&c| levels[c as usize].as_str()).collect();
    assert_eq!(back_s, ss);
    let (codes, levels) = t.columns[3].as_key().unwrap();
    let back_n: Vec<i64> = codes
        .iter()
        .map(|&c| levels[c as usize].parse().unwrap())
        .collect();
    assert_eq!(back_n, ns);
}

#[test]
fn csv_round_trip_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    assert_round_trip(&dir.path().join("out.csv"), None);
    assert_round_trip(&dir.path().join("out.data"), Some(Format::Csv));
}

#[test]
fn parquet_round_trip_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    assert_round_trip(&dir.path().join("out.parquet"), None);
    assert_round_trip(&dir.path().join("out.pq"), None);
    assert_round_trip(&dir.path().join("out.data"), Some(Format::Parquet));
}

#[test]
fn csv_output_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.csv");
    let mut w = TableWriter::create(&p, None, &schema()).unwrap();
    w.write_batch(vec![
        OutColumn::F64(vec![0.1, 1e21, -0.0]),
        OutColumn::I64(vec![1, -2, 3]),
        OutColumn::Str(vec!["a,b".into(), "say \"x\"".into(), "".into()]),
    ])
    .unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "x,n,s\n0.1,1,\"a,b\"\n1000000000000000000000,-2,\"say \"\"x\"\"\"\n-0,3,\n"
    );
}

#[test]
fn single_empty_string_column_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.csv");
    let mut w = TableWriter::create(&p, None, &[("s".to_string(), OutKind::Str)]).unwrap();
    w.write_batch(vec![OutColumn::Str(vec!["".into(), "a".into(), "".into()])])
        .unwrap();
    w.finish().unwrap();
    let t = read_columns(&p, &[ColumnRequest::key("s")], &ReadOptions::default()).unwrap();
    assert_eq!(t.nrows, 3);
    assert_eq!(
        t.columns[0],
        Column::Key {
            codes: vec![0, 1, 0],
            levels: vec!["".into(), "a".into()]
        }
    );
}

#[test]
fn parquet_row_groups_of_about_a_million_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.parquet");
    let n = (1 << 20) + 1000;
    let mut w = TableWriter::create(&p, None, &[("x".to_string(), OutKind::F64)]).unwrap();
    for chunk in (0..n).collect::<Vec<usize>>().chunks(300_000) {
        w.write_batch(vec![OutColumn::F64(
            chunk.iter().map(|&i| i as f64).collect(),
        )])
        .unwrap();
    }
    w.finish().unwrap();
    let file = std::fs::File::open(&p).unwrap();
    let meta = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .unwrap();
    let groups: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, [1 << 20, 1000]);
    let compression = meta.row_group(0).column(0).compression();
    assert!(
        matches!(compression, parquet::basic::Compression::ZSTD(_)),
        "{compression:?}"
    );
    let t = read_columns(&p, &[ColumnRequest::numeric("x")], &ReadOptions::default()).unwrap();
    assert_eq!(t.nrows, n);
    let x = t.columns[0].as_numeric().unwrap();
    assert!(x.iter().enumerate().all(|(i, &v)| v == i as f64));
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn dropped_writer_leaves_nothing_behind() {
    for name in ["o.csv", "o.parquet"] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        let mut w = TableWriter::create(&p, None, &schema()).unwrap();
        w.write_batch(vec![
            OutColumn::F64(vec![1.0]),
            OutColumn::I64(vec![1]),
            OutColumn::Str(vec!["a".into()]),
        ])
        .unwrap();
        assert_eq!(
            dir_entries(dir.path()).len(),
            1,
            "a temporary file while writing"
        );
        drop(w);
        assert!(dir_entries(dir.path()).is_empty(), "{name}");
    }
}

#[test]
fn failed_batch_keeps_old_file_and_leaves_no_temp() {
    for name in ["o.csv", "o.parquet"] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, b"old contents").unwrap();
        let mut w = TableWriter::create(&p, None, &schema()).unwrap();
        let err = w
            .write_batch(vec![OutColumn::F64(vec![1.0]), OutColumn::I64(vec![1])])
            .unwrap_err();
        assert!(matches!(err, IoError::BadBatch { .. }));
        assert!(err.to_string().starts_with(&format!("{}: ", p.display())));
        assert!(
            err.to_string()
                .contains("a batch of 2 columns for a table of 3"),
            "{err}"
        );
        let err = w
            .write_batch(vec![
                OutColumn::F64(vec![1.0]),
                OutColumn::F64(vec![1.0]),
                OutColumn::Str(vec!["a".into()]),
            ])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("column \"n\" is i64 but the batch gives f64 values"),
            "{err}"
        );
        let err = w
            .write_batch(vec![
                OutColumn::F64(vec![1.0, 2.0]),
                OutColumn::I64(vec![1]),
                OutColumn::Str(vec!["a".into(), "b".into()]),
            ])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("column \"n\" has 1 values in a batch where column \"x\" has 2"),
            "{err}"
        );
        drop(w);
        assert_eq!(dir_entries(dir.path()), [name]);
        assert_eq!(std::fs::read(&p).unwrap(), b"old contents");
    }
}

#[test]
fn finish_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.csv");
    std::fs::write(&p, b"old").unwrap();
    let mut w = TableWriter::create(&p, None, &[("a".to_string(), OutKind::I64)]).unwrap();
    w.write_batch(vec![OutColumn::I64(vec![1, 2])]).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"old");
    w.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\n1\n2\n");
    assert_eq!(dir_entries(dir.path()), ["o.csv"]);
}

#[test]
fn create_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.xlsx");
    let err = TableWriter::create(&p, None, &schema()).unwrap_err();
    assert!(matches!(err, IoError::UnknownFormat { .. }), "{err}");
    let p = dir.path().join("no_such_dir").join("o.csv");
    let err = TableWriter::create(&p, None, &schema()).unwrap_err();
    assert!(matches!(err, IoError::Write { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot write", p.display())),
        "{err}"
    );
    let p = dir.path().join("o.csv");
    let err = TableWriter::create(&p, None, &[]).unwrap_err();
    assert!(matches!(err, IoError::BadBatch { .. }), "{err}");
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn atomic_file_commit_and_drop() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("report.json");
    let mut f = AtomicFile::create(&p).unwrap();
    assert_eq!(f.path(), p);
    assert_eq!(f.temp_path().parent(), Some(dir.path()));
    f.write_all(b"{}").unwrap();
    assert!(!p.exists());
    f.commit().unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"{}");

    let mut f = AtomicFile::create(&p).unwrap();
    let tmp = f.temp_path().to_path_buf();
    f.write_all(b"half written").unwrap();
    assert!(tmp.exists());
    drop(f);
    assert!(!tmp.exists());
    assert_eq!(std::fs::read(&p).unwrap(), b"{}");
    assert_eq!(dir_entries(dir.path()), ["report.json"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_ne!(
            mode & 0o044,
            0,
            "readable by others as an ordinary file: {mode:o}"
        );
    }
}

#[test]
fn atomic_file_needs_a_file_name() {
    let err = AtomicFile::create(Path::new("/")).unwrap_err();
    assert!(matches!(err, IoError::Write { .. }), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_finite_f64_round_trips_through_csv(xs in prop::collection::vec(any::<f64>().prop_filter("finite", |v| v.is_finite()), 1..50)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.csv");
        let mut w = TableWriter::create(&p, None, &[("x".to_string(), OutKind::F64)]).unwrap();
        w.write_batch(vec![OutColumn::F64(xs.clone())]).unwrap();
        w.finish().unwrap();
        let t = read_columns(&p, &[ColumnRequest::numeric("x")], &ReadOptions::default()).unwrap();
        let back: Vec<u64> = t.columns[0].as_numeric().unwrap().iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = xs.iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(back, want);
    }

    #[test]
    fn any_strings_round_trip_through_csv_and_parquet(ss in prop::collection::vec(".*", 1..20)) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["p.csv", "p.parquet"] {
            let p = dir.path().join(name);
            let mut w = TableWriter::create(&p, None, &[("s".to_string(), OutKind::Str), ("i".to_string(), OutKind::I64)]).unwrap();
            w.write_batch(vec![OutColumn::Str(ss.clone()), OutColumn::I64(vec![0; ss.len()])]).unwrap();
            w.finish().unwrap();
            let t = read_columns(&p, &[ColumnRequest::key("s")], &ReadOptions::default()).unwrap();
            let (codes, levels) = t.columns[0].as_key().unwrap();
            let back: Vec<&str> = codes.iter().map(|&c| levels[c as usize].as_str()).collect();
            prop_assert_eq!(back, ss.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
