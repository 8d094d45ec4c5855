//! A directory of part files read as one table.

use std::path::Path;

use gongfu_io::{
    Column, ColumnRequest, Format, IoError, OutColumn, OutKind, ReadOptions, TableWriter,
    column_names, read_columns,
};

fn parquet_part(path: &Path, regions: &[&str], incomes: &[f64]) {
    let schema = vec![
        ("region".to_string(), OutKind::Str),
        ("income".to_string(), OutKind::F64),
    ];
    let mut w = TableWriter::create(path, None, &schema).unwrap();
    w.write_batch(vec![
        OutColumn::Str(regions.iter().map(|s| s.to_string()).collect()),
        OutColumn::F64(incomes.to_vec()),
    ])
    .unwrap();
    w.finish().unwrap();
}

fn requests() -> Vec<ColumnRequest> {
    vec![
        ColumnRequest::key("region"),
        ColumnRequest::numeric("income"),
    ]
}

#[test]
fn parts_are_concatenated_in_name_order_with_one_set_of_levels() {
    let dir = tempfile::tempdir().unwrap();
    // written out of name order; levels differ from part to part
    parquet_part(&dir.path().join("part-2.parquet"), &["c", "a"], &[5.0, 6.0]);
    parquet_part(&dir.path().join("part-0.parquet"), &["a", "b"], &[1.0, 2.0]);
    parquet_part(
        &dir.path().join("part-1.parquet"),
        &["b", "b", "c"],
        &[3.0, 3.5, 4.0],
    );
    // markers and other files are left out
    std::fs::write(dir.path().join("_SUCCESS"), b"").unwrap();
    std::fs::write(dir.path().join("README.txt"), b"not data").unwrap();
    std::fs::create_dir(dir.path().join("nested.parquet")).unwrap();

    let t = read_columns(dir.path(), &requests(), &ReadOptions::default()).unwrap();
    assert_eq!(t.nrows, 7);
    let (codes, levels) = t.columns[0].as_key().unwrap();
    let labels: Vec<&str> = codes.iter().map(|&c| levels[c as usize].as_str()).collect();
    assert_eq!(labels, ["a", "b", "b", "b", "c", "c", "a"]);
    assert_eq!(levels, ["a", "b", "c"]);
    assert_eq!(
        t.columns[1],
        Column::Numeric(vec![1.0, 2.0, 3.0, 3.5, 4.0, 5.0, 6.0])
    );
    assert_eq!(
        column_names(dir.path(), &ReadOptions::default()).unwrap(),
        ["region", "income"]
    );
}

#[test]
fn csv_parts_read_like_one_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "region,income\nx,1\ny,2\n").unwrap();
    std::fs::write(dir.path().join("b.csv"), "region,income\ny,3\nz,4\n").unwrap();
    let opts = ReadOptions::default();
    let parts = read_columns(dir.path(), &requests(), &opts).unwrap();
    let single = tempfile::tempdir().unwrap();
    let file = single.path().join("all.csv");
    std::fs::write(&file, "region,income\nx,1\ny,2\ny,3\nz,4\n").unwrap();
    assert_eq!(parts, read_columns(&file, &requests(), &opts).unwrap());
}

#[test]
fn an_error_names_the_part_file_and_its_own_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "region,income\nx,1\ny,2\n").unwrap();
    let bad = dir.path().join("b.csv");
    std::fs::write(&bad, "region,income\ny,3\nz,oops\n").unwrap();
    let err = read_columns(dir.path(), &requests(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IoError::NotANumber { .. }), "{err}");
    assert_eq!(err.file(), bad.display().to_string());
    assert_eq!(err.column(), Some("income"));
    assert_eq!(err.row(), Some(2));
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}: ", bad.display())), "{msg}");
}

#[test]
fn empty_and_mixed_directories_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
    let err = read_columns(dir.path(), &requests(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IoError::NoDataFiles { .. }), "{err}");
    assert_eq!(err.file(), dir.path().display().to_string());
    assert!(column_names(dir.path(), &ReadOptions::default()).is_err());

    std::fs::write(dir.path().join("a.csv"), "region,income\nx,1\n").unwrap();
    parquet_part(&dir.path().join("b.parquet"), &["y"], &[2.0]);
    let err = read_columns(dir.path(), &requests(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IoError::MixedFormats { .. }), "{err}");
    assert!(err.to_string().contains("a.csv"), "{err}");
    // naming the format reads only the files of that format
    let only_csv = ReadOptions {
        format: Some(Format::Csv),
        ..ReadOptions::default()
    };
    let t = read_columns(dir.path(), &requests(), &only_csv).unwrap();
    assert_eq!(t.columns[1], Column::Numeric(vec![1.0]));
}

#[test]
fn a_missing_column_in_a_later_part_names_that_part() {
    let dir = tempfile::tempdir().unwrap();
    parquet_part(&dir.path().join("p0.parquet"), &["a"], &[1.0]);
    let later = dir.path().join("p1.parquet");
    let schema = vec![("region".to_string(), OutKind::Str)];
    let mut w = TableWriter::create(&later, None, &schema).unwrap();
    w.write_batch(vec![OutColumn::Str(vec!["b".into()])])
        .unwrap();
    w.finish().unwrap();
    let err = read_columns(dir.path(), &requests(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IoError::MissingColumn { .. }), "{err}");
    assert_eq!(err.file(), later.display().to_string());
}
