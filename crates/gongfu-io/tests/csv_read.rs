//! Reading CSV files: values, options and every error path.

use std::path::{Path, PathBuf};

use gongfu_io::{
    Column, ColumnRequest, Format, IoError, ReadOptions, Table, column_names, read_columns,
};

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
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

fn levels(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The message names the file, and the column and row when given.
fn assert_names(err: &IoError, path: &Path, column: Option<&str>, row: Option<u64>) {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(
        msg.starts_with(&format!("{}: ", path.display())),
        "names the file: {msg}"
    );
    assert_eq!(err.file(), path.display().to_string());
    if let Some(c) = column {
        assert!(
            msg.contains(&format!("column \"{c}\"")),
            "names the column: {msg}"
        );
        assert_eq!(err.column(), Some(c));
    }
    if let Some(r) = row {
        assert!(msg.contains(&format!("row {r}")), "names the row: {msg}");
        assert_eq!(err.row(), Some(r));
    }
}

#[test]
fn reads_requested_columns_in_request_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"id,region,income,w\n1,north,10.5,2\n2,south, 20 ,1\n3,north,-3e2,0.5\n",
    );
    let t = read(&p, &[num("w"), key("region"), num("income"), key("id")]).unwrap();
    assert_eq!(t.nrows, 3);
    assert_eq!(t.columns.len(), 4);
    assert_eq!(t.columns[0], Column::Numeric(vec![2.0, 1.0, 0.5]));
    assert_eq!(
        t.columns[1],
        Column::Key {
            codes: vec![0, 1, 0],
            levels: levels(&["north", "south"])
        }
    );
    assert_eq!(t.columns[2], Column::Numeric(vec![10.5, 20.0, -300.0]));
    assert_eq!(t.columns[3].as_key().unwrap().1, levels(&["1", "2", "3"]));
}

#[test]
fn same_column_twice_and_as_both_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"year,x\n2021,1\n2022,2\n2021,3\n");
    let t = read(&p, &[num("year"), key("year"), num("year")]).unwrap();
    assert_eq!(t.columns[0], Column::Numeric(vec![2021.0, 2022.0, 2021.0]));
    assert_eq!(t.columns[0], t.columns[2]);
    assert_eq!(
        t.columns[1],
        Column::Key {
            codes: vec![0, 1, 0],
            levels: levels(&["2021", "2022"])
        }
    );
}

#[test]
fn no_requests_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b\n1,2\n3,4\n");
    let t = read(&p, &[]).unwrap();
    assert_eq!(t.nrows, 2);
    assert!(t.columns.is_empty());
}

#[test]
fn header_only_gives_empty_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b\n");
    let t = read(&p, &[num("a"), key("b")]).unwrap();
    assert_eq!(t.nrows, 0);
    assert_eq!(t.columns[0], Column::Numeric(vec![]));
    assert_eq!(
        t.columns[1],
        Column::Key {
            codes: vec![],
            levels: vec![]
        }
    );
}

#[test]
fn number_forms() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"x\n0\n-0\n+7\n1.5\n.25\n5.\n1e3\n-2.5E-2\n  42\t\n1.7976931348623157e308\n",
    );
    let t = read(&p, &[num("x")]).unwrap();
    let v = t.columns[0].as_numeric().unwrap();
    assert_eq!(
        v,
        [
            0.0,
            -0.0,
            7.0,
            1.5,
            0.25,
            5.0,
            1000.0,
            -0.025,
            42.0,
            f64::MAX
        ]
    );
    assert!(v[1].is_sign_negative());
}

#[test]
fn utf8_bom_is_stripped_from_first_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "bom.csv",
        "\u{feff}hh_id,县\n1,杭州\n2,温州\n".as_bytes(),
    );
    assert_eq!(
        column_names(&p, &ReadOptions::default()).unwrap(),
        ["hh_id", "县"]
    );
    let t = read(&p, &[num("hh_id"), key("县")]).unwrap();
    assert_eq!(t.columns[0], Column::Numeric(vec![1.0, 2.0]));
    assert_eq!(t.columns[1].as_key().unwrap().1, levels(&["杭州", "温州"]));
}

#[test]
fn semicolon_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a;b;c\n1;x,y;3.5\n2;z;4\n");
    let opts = ReadOptions {
        delimiter: b';',
        ..ReadOptions::default()
    };
    assert_eq!(column_names(&p, &opts).unwrap(), ["a", "b", "c"]);
    let t = read_columns(&p, &[key("b"), num("c")], &opts).unwrap();
    assert_eq!(t.columns[0].as_key().unwrap().1, levels(&["x,y", "z"]));
    assert_eq!(t.columns[1], Column::Numeric(vec![3.5, 4.0]));
    // With the default comma the header is one column named "a;b;c".
    let err = read(&p, &[num("c")]).unwrap_err();
    assert!(matches!(err, IoError::MissingColumn { .. }), "{err}");
}

#[test]
fn quoted_fields_with_commas_quotes_and_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"name,\"in,come\"\n\"Smith, J.\",\"1,5\"\n\"say \"\"hi\"\"\",\"2\"\n\"two\nlines\",3\n",
    );
    assert_eq!(
        column_names(&p, &ReadOptions::default()).unwrap(),
        ["name", "in,come"]
    );
    let t = read(&p, &[key("name")]).unwrap();
    assert_eq!(
        t.columns[0].as_key().unwrap().1,
        levels(&["Smith, J.", "say \"hi\"", "two\nlines"])
    );
    // "1,5" is not a number (no decimal commas).
    let err = read(&p, &[num("in,come")]).unwrap_err();
    assert_names(&err, &p, Some("in,come"), Some(1));
    assert!(err.to_string().contains("\"1,5\" is not a number"), "{err}");
}

#[test]
fn crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b\r\n1,x\r\n2,y\r\n");
    let t = read(&p, &[num("a"), key("b")]).unwrap();
    assert_eq!(t.columns[0], Column::Numeric(vec![1.0, 2.0]));
    assert_eq!(t.columns[1].as_key().unwrap().1, levels(&["x", "y"]));
}

#[test]
fn explicit_format_overrides_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "data.txt", b"a\n1\n");
    let err = read(&p, &[num("a")]).unwrap_err();
    assert!(matches!(err, IoError::UnknownFormat { .. }));
    assert_names(&err, &p, None, None);
    let opts = ReadOptions {
        format: Some(Format::Csv),
        ..ReadOptions::default()
    };
    assert_eq!(read_columns(&p, &[num("a")], &opts).unwrap().nrows, 1);
    assert_eq!(Format::from_path(Path::new("x.PQ")), Some(Format::Parquet));
    assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
    assert!("xlsx".parse::<Format>().is_err());
}

#[test]
fn missing_column_suggests_close_names() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "households.csv", b"id,income,weight\n1,2,3\n");
    let err = read(&p, &[num("incme")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no column \"incme\" (did you mean \"income\"?)",
            p.display()
        )
    );
    assert_names(&err, &p, Some("incme"), None);
    match &err {
        IoError::MissingColumn { suggestions, .. } => assert_eq!(suggestions, &["income"]),
        other => panic!("{other}"),
    }
    let err = read(&p, &[num("WEIGHT")]).unwrap_err();
    assert!(
        err.to_string().contains("(did you mean \"weight\"?)"),
        "{err}"
    );
    let err = read(&p, &[num("zzzzzzzzzz")]).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "no column \"zzzzzzzzzz\" (the file has 3 columns: \"id\", \"income\", \"weight\")"
        ),
        "{err}"
    );
}

#[test]
fn missing_column_offers_at_most_three() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"inc1,inc2,inc3,inc4,other\n1,2,3,4,5\n",
    );
    let err = read(&p, &[num("inc")]).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("(did you mean \"inc1\", \"inc2\" or \"inc3\"?)"),
        "{err}"
    );
}

#[test]
fn duplicate_header_name_is_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b,a\n1,2,3\n");
    let err = read(&p, &[num("a")]).unwrap_err();
    assert!(matches!(err, IoError::DuplicateColumn { count: 2, .. }));
    assert_names(&err, &p, Some("a"), None);
    // The unambiguous column still reads.
    assert_eq!(read(&p, &[num("b")]).unwrap().nrows, 1);
}

#[test]
fn not_a_number_names_file_column_row_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "households.csv",
        b"id,weight\n1,2\n2,\"multi\nline\"\n3,abc\n",
    );
    let err = read(&p, &[key("id")]).unwrap();
    assert_eq!(err.nrows, 3);
    let err = read(&p, &[num("weight")]).unwrap_err();
    assert!(matches!(err, IoError::NotANumber { .. }));
    assert_names(&err, &p, Some("weight"), Some(2));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: column \"weight\", row 2 (line 3): \"multi\\nline\" is not a number",
            p.display()
        )
    );
    let p = write(dir.path(), "h2.csv", b"id,weight\n1,2\n2,3\n3,abc\n");
    let err = read(&p, &[num("weight")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: column \"weight\", row 3 (line 4): \"abc\" is not a number",
            p.display()
        )
    );
}

#[test]
fn missing_value_words_are_not_numbers() {
    let dir = tempfile::tempdir().unwrap();
    for word in [
        "NA",
        "null",
        ".",
        "-",
        "\"1,000\"",
        "12abc",
        "0x10",
        "1_000",
    ] {
        let p = write(dir.path(), "t.csv", format!("x\n1\n{word}\n").as_bytes());
        let err = read(&p, &[num("x")]).unwrap_err();
        assert!(matches!(err, IoError::NotANumber { .. }), "{word}: {err}");
        assert_names(&err, &p, Some("x"), Some(2));
    }
}

#[test]
fn empty_cells_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for cell in ["", "   ", "\"\""] {
        let p = write(
            dir.path(),
            "t.csv",
            format!("k,x\na,1\nb,{cell}\n").as_bytes(),
        );
        let err = read(&p, &[num("x")]).unwrap_err();
        assert!(matches!(err, IoError::EmptyValue { .. }), "{cell:?}: {err}");
        assert_names(&err, &p, Some("x"), Some(2));
        assert!(err.to_string().contains("empty value"), "{err}");
    }
    // An empty key is a label like any other.
    let p = write(dir.path(), "t.csv", b"k,x\n,1\nb,2\n");
    let t = read(&p, &[key("k")]).unwrap();
    assert_eq!(t.columns[0].as_key().unwrap().1, levels(&["", "b"]));
}

#[test]
fn non_finite_numbers_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for word in [
        "NaN", "nan", "inf", "-inf", "Infinity", "+inf", "1e400", "-1e999",
    ] {
        let p = write(dir.path(), "t.csv", format!("x\n1\n2\n{word}\n").as_bytes());
        let err = read(&p, &[num("x")]).unwrap_err();
        assert!(matches!(err, IoError::NonFinite { .. }), "{word}: {err}");
        assert_names(&err, &p, Some("x"), Some(3));
        assert!(
            err.to_string()
                .contains(&format!("\"{word}\" is not a finite number")),
            "{err}"
        );
    }
}

#[test]
fn unequal_field_count_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n");
    let err = read(&p, &[num("a")]).unwrap_err();
    assert!(matches!(
        err,
        IoError::FieldCount {
            row: 2,
            line: 3,
            found: 2,
            expected: 3,
            ..
        }
    ));
    assert_names(&err, &p, None, Some(2));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: row 2 (line 3) has 2 fields but the header has 3",
            p.display()
        )
    );
    let p = write(dir.path(), "t.csv", b"a,b\n1,2\n3,4,5\n");
    let err = read(&p, &[]).unwrap_err();
    assert!(matches!(
        err,
        IoError::FieldCount {
            row: 2,
            found: 3,
            ..
        }
    ));
}

#[test]
fn invalid_utf8_names_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"region,x\nnorth,1\nso\xffuth,2\n");
    let err = read(&p, &[key("region")]).unwrap_err();
    assert!(matches!(err, IoError::InvalidUtf8 { .. }));
    assert_names(&err, &p, Some("region"), Some(2));
    assert!(err.to_string().contains("invalid UTF-8"));
    // Columns not requested are not decoded.
    assert_eq!(read(&p, &[num("x")]).unwrap().nrows, 2);
    // An invalid header name is shown with a replacement character.
    let p = write(dir.path(), "t.csv", b"a\xff,x\n1,2\n");
    assert_eq!(
        column_names(&p, &ReadOptions::default()).unwrap(),
        ["a\u{fffd}", "x"]
    );
}

#[test]
fn file_not_found_and_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope.csv");
    let err = read(&p, &[num("a")]).unwrap_err();
    assert!(matches!(err, IoError::Open { .. }));
    assert_eq!(
        err.to_string(),
        format!("{}: cannot open: file not found", p.display())
    );
    let err = column_names(&p, &ReadOptions::default()).unwrap_err();
    assert_names(&err, &p, None, None);
    // A directory named like a CSV file is read as a directory of parts
    // (tests/dir_read.rs): without any, the message says so.
    let d = dir.path().join("dir.csv");
    std::fs::create_dir(&d).unwrap();
    let err = read(&d, &[num("a")]).unwrap_err();
    assert_names(&err, &d, None, None);
    assert!(
        err.to_string()
            .contains("a directory without .csv, .parquet or .pq files"),
        "{err}"
    );
}

#[test]
fn empty_file_has_no_header() {
    let dir = tempfile::tempdir().unwrap();
    for content in [&b""[..], b"\n\n", b"\xef\xbb\xbf"] {
        let p = write(dir.path(), "empty.csv", content);
        let err = read(&p, &[num("a")]).unwrap_err();
        assert!(matches!(err, IoError::NoHeader { .. }), "{err}");
        assert_names(&err, &p, None, None);
        let err = column_names(&p, &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, IoError::NoHeader { .. }), "{err}");
    }
}

#[test]
fn long_bad_values_are_cut_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(500);
    let p = write(dir.path(), "t.csv", format!("a\n{long}\n").as_bytes());
    let err = read(&p, &[num("a")]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.len() < 200, "{msg}");
    assert!(
        msg.contains("...\" is not a number") || msg.contains("\"... is not a number"),
        "{msg}"
    );
}

#[test]
fn progress_option_is_harmless_on_small_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a\n1\n2\n");
    let opts = ReadOptions {
        progress: true,
        ..ReadOptions::default()
    };
    assert_eq!(read_columns(&p, &[num("a")], &opts).unwrap().nrows, 2);
}

#[test]
fn conformance_households() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance/households.csv");
    let names = column_names(&p, &ReadOptions::default()).unwrap();
    assert_eq!(names.len(), 19);
    assert_eq!(names[0], "hh_id");
    assert_eq!(names[18], "eq_income");
    let t = read(
        &p,
        &[
            num("pc_income"),
            num("pweight"),
            key("county"),
            key("stratum"),
        ],
    )
    .unwrap();
    assert_eq!(t.nrows, 6000);
    assert!(t.columns.iter().all(|c| c.len() == 6000));
    let pc = t.columns[0].as_numeric().unwrap();
    let pw = t.columns[1].as_numeric().unwrap();
    // Row 1: 1,2021,C01,0,1,C01-U,1,3,3,0,111.08,...,35284.333333333336,333.24,...
    assert_eq!(pc[0], 35284.333333333336);
    assert_eq!(pw[0], 333.24);
    // Row 2: pc_income 64164.0, pweight 100.26
    assert_eq!(pc[1], 64164.0);
    assert_eq!(pw[1], 100.26);
    assert!(pc.iter().chain(pw).all(|v| v.is_finite()));
    assert!(pw.iter().all(|&w| w > 0.0));
    let (codes, levels) = t.columns[2].as_key().unwrap();
    assert_eq!(levels[0], "C01");
    assert_eq!(codes[0], 0);
    assert!(codes.iter().all(|&c| (c as usize) < levels.len()));
    let (scodes, slevels) = t.columns[3].as_key().unwrap();
    assert_eq!(slevels[scodes[0] as usize], "C01-U");
    // Every stratum starts with its county code.
    for (c, s) in codes.iter().zip(scodes) {
        assert!(slevels[*s as usize].starts_with(&levels[*c as usize]));
    }
}
