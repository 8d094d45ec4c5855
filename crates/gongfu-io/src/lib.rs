//! Columnar readers and writers (CSV, Parquet) for gongfu.
//!
//! This crate is the file edge of gongfu: it reads only the columns a
//! computation asks for, as `f64` values ([`ColumnKind::Numeric`]) or as
//! integer codes into a list of distinct strings ([`ColumnKind::Key`]), and it
//! writes tables atomically (a temporary file renamed into place). It does no
//! statistics.
//!
//! Every error is an [`IoError`] whose one-line message names the file, the
//! column and the 1-based data row where they apply.
//!
//! # Formats
//!
//! - **CSV**: a header row is required; the delimiter is configurable; quoted
//!   fields, CRLF line ends and a UTF-8 byte-order mark are handled. The file
//!   is streamed; only the requested fields of each row are decoded. Numeric
//!   cells may have surrounding white space; empty, `NA`, `NaN`, infinite and
//!   other non-numeric cells are errors. Key labels are taken as written.
//! - **Parquet**: only the requested columns are decoded. Numeric columns may
//!   be any integer, float (16, 32, 64 bit) or decimal type; key columns may be
//!   strings, binary UTF-8, integers (shown in decimal) or booleans (`true`,
//!   `false`). Nulls and non-finite floats are errors. Types are taken from the
//!   Parquet schema (an embedded Arrow schema is ignored).
//!
//! A damaged Parquet file gives [`IoError::CorruptParquet`], never a panic.
//! Some malformed inputs still reach assertions inside the `parquet` crate;
//! the reader catches those (so the program must be built with the default
//! `panic = "unwind"`) and, through a panic hook it installs once and that
//! passes every other panic on to the previous hook, keeps them off stderr.
//!
//! # Example
//!
//! ```
//! use gongfu_io::{read_columns, Column, ColumnKind, ColumnRequest, ReadOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("households.csv");
//! std::fs::write(&path, "county,income,weight\nC01,1200.5,2\nC02,900,1.5\nC01,15e2,1\n")?;
//!
//! let requests = [
//!     ColumnRequest::numeric("income"),
//!     ColumnRequest::key("county"),
//! ];
//! let table = read_columns(&path, &requests, &ReadOptions::default())?;
//! assert_eq!(table.nrows, 3);
//! assert_eq!(table.columns[0], Column::Numeric(vec![1200.5, 900.0, 1500.0]));
//! assert_eq!(
//!     table.columns[1],
//!     Column::Key { codes: vec![0, 1, 0], levels: vec!["C01".into(), "C02".into()] }
//! );
//!
//! // A misspelt column is reported with the closest names.
//! let err = read_columns(&path, &[ColumnRequest::numeric("incme")], &ReadOptions::default())
//!     .unwrap_err();
//! assert!(err.to_string().ends_with(r#"no column "incme" (did you mean "income"?)"#));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod csv_read;
mod dir;
mod error;
mod parquet_read;
mod progress;
mod suggest;
mod write;

use std::path::Path;

pub use error::IoError;
pub use write::{AtomicFile, OutColumn, OutKind, TableWriter};

/// The file formats the crate reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma- (or otherwise-) separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format named by a file's extension: `.csv`, `.parquet` or `.pq`
    /// (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// The given format, or the one named by the extension, or an error.
    pub(crate) fn resolve(explicit: Option<Format>, path: &Path) -> Result<Format, IoError> {
        explicit
            .or_else(|| Format::from_path(path))
            .ok_or_else(|| IoError::UnknownFormat {
                file: display(path),
            })
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    /// Parses `csv`, `parquet` or `pq` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(format!("unknown format {s:?} (expected csv or parquet)")),
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; `None` tells it from the extension.
    pub format: Option<Format>,
    /// The CSV field delimiter (default `b','`).
    pub delimiter: u8,
    /// Show a progress bar on stderr for files over 50 MB (hidden anyway when
    /// stderr is not a terminal).
    pub progress: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            delimiter: b',',
            progress: false,
        }
    }
}

/// How a requested column is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// Finite `f64` values; empty, null, NaN, infinite or non-numeric cells are errors.
    Numeric,
    /// Category labels (region codes, strata, years), read as strings and coded.
    Key,
}

/// One column to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRequest {
    /// The column's name in the file (exact, case-sensitive).
    pub name: String,
    /// How to read it.
    pub kind: ColumnKind,
}

impl ColumnRequest {
    /// A request for a numeric column.
    pub fn numeric(name: impl Into<String>) -> Self {
        ColumnRequest {
            name: name.into(),
            kind: ColumnKind::Numeric,
        }
    }

    /// A request for a key column.
    pub fn key(name: impl Into<String>) -> Self {
        ColumnRequest {
            name: name.into(),
            kind: ColumnKind::Key,
        }
    }
}

/// The values of one column read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Finite numbers, one per row.
    Numeric(Vec<f64>),
    /// Coded labels: `levels[codes[i]]` is the label of row `i`; levels are in
    /// the order of their first appearance.
    Key {
        /// One code per row, an index into `levels`.
        codes: Vec<u32>,
        /// The distinct labels, in order of first appearance.
        levels: Vec<String>,
    },
}

impl Column {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Key { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, if this is a numeric column.
    pub fn as_numeric(&self) -> Option<&[f64]> {
        match self {
            Column::Numeric(v) => Some(v),
            Column::Key { .. } => None,
        }
    }

    /// The codes and levels, if this is a key column.
    pub fn as_key(&self) -> Option<(&[u32], &[String])> {
        match self {
            Column::Key { codes, levels } => Some((codes, levels)),
            Column::Numeric(_) => None,
        }
    }
}

/// The requested columns of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The number of data rows.
    pub nrows: usize,
    /// The columns, in the order of the requests.
    pub columns: Vec<Column>,
}

/// Reads the requested columns of a CSV or Parquet file, or of a directory
/// of them.
///
/// Only the requested columns are converted (and, for Parquet, decoded), so
/// memory is proportional to them. The result has one column per request, in
/// request order; a name may be requested more than once.
///
/// A directory is read as one table: its data files (`.csv`, `.parquet`,
/// `.pq`; only those of `opts.format` when given; names starting with `.` or
/// `_` left out) concatenated in file-name order, key columns with one set of
/// levels (first appearance across the files). The files must be of one
/// format; errors name the part file and its own row.
pub fn read_columns(
    path: &Path,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    if path.is_dir() {
        return dir::read_columns(path, requests, opts);
    }
    read_file(path, requests, opts)
}

/// [`read_columns`] of one file.
pub(crate) fn read_file(
    path: &Path,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    match Format::resolve(opts.format, path)? {
        Format::Csv => csv_read::read_columns(path, requests, opts),
        Format::Parquet => parquet_read::read_columns(path, requests, opts),
    }
}

/// The column names of a CSV or Parquet file, in file order (of a
/// directory: of its first data file, see [`read_columns`]).
pub fn column_names(path: &Path, opts: &ReadOptions) -> Result<Vec<String>, IoError> {
    if path.is_dir() {
        let first = dir::files(path, opts)?.remove(0);
        return column_names(&first, opts);
    }
    match Format::resolve(opts.format, path)? {
        Format::Csv => csv_read::column_names(path, opts),
        Format::Parquet => parquet_read::column_names(path),
    }
}

/// The file name as shown in messages: the path as the caller gave it.
pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Collects codes for a key column, interning labels in first-appearance order.
#[derive(Debug, Default)]
pub(crate) struct KeyBuilder {
    map: std::collections::HashMap<String, u32>,
    levels: Vec<String>,
    codes: Vec<u32>,
}

impl KeyBuilder {
    /// Appends a label; `Err(())` when there are more distinct labels than `u32` codes.
    pub(crate) fn push(&mut self, label: &str) -> Result<(), ()> {
        let code = self.code(label)?;
        self.codes.push(code);
        Ok(())
    }

    /// The code of a label, interning it if new.
    pub(crate) fn code(&mut self, label: &str) -> Result<u32, ()> {
        if let Some(&c) = self.map.get(label) {
            return Ok(c);
        }
        let c = u32::try_from(self.levels.len()).map_err(|_| ())?;
        self.map.insert(label.to_owned(), c);
        self.levels.push(label.to_owned());
        Ok(c)
    }

    /// Appends an already-interned code.
    pub(crate) fn push_code(&mut self, code: u32) {
        self.codes.push(code);
    }

    pub(crate) fn finish(self) -> Column {
        Column::Key {
            codes: self.codes,
            levels: self.levels,
        }
    }
}

/// Finds the index of each requested name among the file's names.
pub(crate) fn resolve_requests(
    file: &str,
    names: &[String],
    requests: &[ColumnRequest],
) -> Result<Vec<usize>, IoError> {
    requests
        .iter()
        .map(|req| {
            let mut hits = names.iter().enumerate().filter(|(_, n)| **n == req.name);
            match (hits.next(), hits.count()) {
                (Some((i, _)), 0) => Ok(i),
                (Some(_), more) => Err(IoError::DuplicateColumn {
                    file: file.to_owned(),
                    column: req.name.clone(),
                    count: more + 1,
                }),
                (None, _) => Err(IoError::MissingColumn {
                    file: file.to_owned(),
                    column: req.name.clone(),
                    suggestions: suggest::closest(&req.name, names, 3),
                    available: names.to_vec(),
                }),
            }
        })
        .collect()
}
