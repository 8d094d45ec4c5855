//! The one error type of the crate.

use std::fmt;
use std::io;

/// Every failure of reading or writing a table.
///
/// Each message is one line, starts with the file name as the caller gave it,
/// and names the column and the 1-based data row where they apply (the first
/// row after a CSV header is row 1; the first row of a Parquet file is row 1).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened (missing, a permission problem, ...).
    #[error("{file}: cannot open: {}", io_reason(source))]
    Open {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// Reading the file failed part-way (a directory, a disk error, ...).
    #[error("{file}: cannot read{}: {}", at_row(*row), io_reason(source))]
    Read {
        /// The file.
        file: String,
        /// The data row being read, if known.
        row: Option<u64>,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The format could not be told from the file name.
    #[error(
        "{file}: cannot tell the format from the file name; use a .csv, .parquet or .pq \
         extension or give the format explicitly"
    )]
    UnknownFormat {
        /// The file.
        file: String,
    },

    /// A directory given as input holds no data file.
    #[error("{file}: a directory without .csv, .parquet or .pq files")]
    NoDataFiles {
        /// The directory.
        file: String,
    },

    /// A directory given as input holds files of both formats.
    #[error("{file}: a directory of mixed formats ({first}, {other}); give the format to read")]
    MixedFormats {
        /// The directory.
        file: String,
        /// Its first data file.
        first: String,
        /// A file of another format.
        other: String,
    },

    /// A CSV file has no header row (it is empty).
    #[error("{file}: empty file, no header row")]
    NoHeader {
        /// The file.
        file: String,
    },

    /// A requested column is not in the file.
    #[error("{file}: no column {column:?}{}", missing_hint(suggestions, available))]
    MissingColumn {
        /// The file.
        file: String,
        /// The requested column.
        column: String,
        /// Up to three existing names close to the requested one, closest first.
        suggestions: Vec<String>,
        /// All the column names of the file.
        available: Vec<String>,
    },

    /// A requested column name occurs more than once in the file.
    #[error("{file}: column {column:?} appears {count} times in the header; the name is ambiguous")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The ambiguous name.
        column: String,
        /// How often it occurs.
        count: usize,
    },

    /// A CSV row has a different number of fields than the header.
    #[error("{file}: row {row} (line {line}) has {found} fields but the header has {expected}")]
    FieldCount {
        /// The file.
        file: String,
        /// The 1-based data row.
        row: u64,
        /// The 1-based line of the file where the row starts.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },

    /// A CSV field is not valid UTF-8.
    #[error("{file}: column {column:?}, row {row}{}: invalid UTF-8", at_line(*line))]
    InvalidUtf8 {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
        /// The 1-based line where the row starts (CSV only).
        line: Option<u64>,
    },

    /// A numeric cell is empty.
    #[error("{file}: column {column:?}, row {row}{}: empty value where a number is required", at_line(*line))]
    EmptyValue {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
        /// The 1-based line where the row starts (CSV only).
        line: Option<u64>,
    },

    /// A numeric cell does not hold a number.
    #[error("{file}: column {column:?}, row {row}{}: {} is not a number", at_line(*line), Shown(value))]
    NotANumber {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
        /// The 1-based line where the row starts (CSV only).
        line: Option<u64>,
        /// The offending text.
        value: String,
    },

    /// A numeric cell holds NaN or an infinity (or a number too large for f64).
    #[error("{file}: column {column:?}, row {row}{}: {} is not a finite number", at_line(*line), Shown(value))]
    NonFinite {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
        /// The 1-based line where the row starts (CSV only).
        line: Option<u64>,
        /// The offending text (as written in the file, or as Rust prints the float).
        value: String,
    },

    /// A Parquet cell is null.
    #[error("{file}: column {column:?}, row {row}: missing (null) value")]
    NullValue {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
    },

    /// A Parquet column has a type that cannot be read as the requested kind.
    #[error("{file}: column {column:?} has type {data_type}, which cannot be read as {kind}")]
    UnsupportedType {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The Arrow type of the column.
        data_type: String,
        /// What was asked for: "a numeric column" or "a key column".
        kind: &'static str,
    },

    /// A Parquet file is damaged or not Parquet at all.
    #[error("{file}: not a valid Parquet file{}: {message}", after_row(*row))]
    CorruptParquet {
        /// The file.
        file: String,
        /// The number of rows decoded before the failure, if any were.
        row: Option<u64>,
        /// What the decoder reported.
        message: String,
    },

    /// A key column has more distinct values than codes can hold.
    #[error(
        "{file}: column {column:?}, row {row}: more than {} distinct values",
        u32::MAX
    )]
    TooManyLevels {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: u64,
    },

    /// Writing failed.
    #[error("{file}: cannot write: {}", io_reason(source))]
    Write {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The Parquet encoder failed.
    #[error("{file}: cannot write Parquet: {message}")]
    ParquetWrite {
        /// The file.
        file: String,
        /// What the encoder reported.
        message: String,
    },

    /// A batch given to a writer does not fit the writer's schema.
    #[error("{file}: {message}")]
    BadBatch {
        /// The file.
        file: String,
        /// What is wrong with the batch.
        message: String,
    },
}

/// Shows a cell value in a message: quoted, escaped, cut to a readable length.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 40;
        if self.0.chars().count() <= MAX {
            write!(f, "{:?}", self.0)
        } else {
            let cut: String = self.0.chars().take(MAX).collect();
            write!(f, "{cut:?}...")
        }
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "file not found".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => one_line(&e.to_string()),
    }
}

fn at_row(row: Option<u64>) -> String {
    row.map(|r| format!(" at row {r}")).unwrap_or_default()
}

fn at_line(line: Option<u64>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

fn after_row(row: Option<u64>) -> String {
    match row {
        Some(0) => " (before row 1)".to_string(),
        Some(r) => format!(" (after row {r})"),
        None => String::new(),
    }
}

fn missing_hint(suggestions: &[String], available: &[String]) -> String {
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions.iter().map(|s| format!("{s:?}")).collect();
        let list = match list.len() {
            1 => list[0].clone(),
            n => format!("{} or {}", list[..n - 1].join(", "), list[n - 1]),
        };
        return format!(" (did you mean {list}?)");
    }
    if available.is_empty() {
        return " (the file has no columns)".to_string();
    }
    const SHOW: usize = 8;
    let shown: Vec<String> = available
        .iter()
        .take(SHOW)
        .map(|s| format!("{s:?}"))
        .collect();
    let more = if available.len() > SHOW { ", ..." } else { "" };
    let n = available.len();
    let cols = if n == 1 { "column" } else { "columns" };
    format!(" (the file has {n} {cols}: {}{more})", shown.join(", "))
}

/// Collapses a message onto one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl IoError {
    /// The file the error is about, as the caller named it.
    pub fn file(&self) -> &str {
        match self {
            IoError::Open { file, .. }
            | IoError::Read { file, .. }
            | IoError::UnknownFormat { file }
            | IoError::NoDataFiles { file }
            | IoError::MixedFormats { file, .. }
            | IoError::NoHeader { file }
            | IoError::MissingColumn { file, .. }
            | IoError::DuplicateColumn { file, .. }
            | IoError::FieldCount { file, .. }
            | IoError::InvalidUtf8 { file, .. }
            | IoError::EmptyValue { file, .. }
            | IoError::NotANumber { file, .. }
            | IoError::NonFinite { file, .. }
            | IoError::NullValue { file, .. }
            | IoError::UnsupportedType { file, .. }
            | IoError::CorruptParquet { file, .. }
            | IoError::TooManyLevels { file, .. }
            | IoError::Write { file, .. }
            | IoError::ParquetWrite { file, .. }
            | IoError::BadBatch { file, .. } => file,
        }
    }

    /// The column the error is about, where there is one.
    pub fn column(&self) -> Option<&str> {
        match self {
            IoError::MissingColumn { column, .. }
            | IoError::DuplicateColumn { column, .. }
            | IoError::InvalidUtf8 { column, .. }
            | IoError::EmptyValue { column, .. }
            | IoError::NotANumber { column, .. }
            | IoError::NonFinite { column, .. }
            | IoError::NullValue { column, .. }
            | IoError::UnsupportedType { column, .. }
            | IoError::TooManyLevels { column, .. } => Some(column),
            _ => None,
        }
    }

    /// The 1-based data row the error is about, where there is one.
    pub fn row(&self) -> Option<u64> {
        match self {
            IoError::FieldCount { row, .. }
            | IoError::InvalidUtf8 { row, .. }
            | IoError::EmptyValue { row, .. }
            | IoError::NotANumber { row, .. }
            | IoError::NonFinite { row, .. }
            | IoError::NullValue { row, .. }
            | IoError::TooManyLevels { row, .. } => Some(*row),
            IoError::Read { row, .. } => *row,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_are_quoted_escaped_and_cut() {
        assert_eq!(Shown("abc").to_string(), "\"abc\"");
        assert_eq!(Shown("a\"b\nc").to_string(), "\"a\\\"b\\nc\"");
        let long = "é".repeat(100);
        let s = Shown(&long).to_string();
        assert_eq!(s, format!("\"{}\"...", "é".repeat(40)));
    }

    #[test]
    fn hints() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(missing_hint(&v(&["a"]), &[]), " (did you mean \"a\"?)");
        assert_eq!(
            missing_hint(&v(&["a", "b"]), &[]),
            " (did you mean \"a\" or \"b\"?)"
        );
        assert_eq!(missing_hint(&[], &[]), " (the file has no columns)");
        assert_eq!(
            missing_hint(&[], &v(&["x"])),
            " (the file has 1 column: \"x\")"
        );
        let many: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
        assert!(missing_hint(&[], &many).ends_with("\"c7\", ...)"));
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + std::error::Error + 'static>() {}
        check::<IoError>();
    }

    #[test]
    fn accessors_and_one_line() {
        let e = IoError::NotANumber {
            file: "h.csv".into(),
            column: "weight".into(),
            row: 17,
            line: None,
            value: "abc".into(),
        };
        assert_eq!(
            e.to_string(),
            "h.csv: column \"weight\", row 17: \"abc\" is not a number"
        );
        assert_eq!(
            (e.file(), e.column(), e.row()),
            ("h.csv", Some("weight"), Some(17))
        );
        let e = IoError::CorruptParquet {
            file: "p.parquet".into(),
            row: Some(0),
            message: one_line("bad\n  footer"),
        };
        assert_eq!(
            e.to_string(),
            "p.parquet: not a valid Parquet file (before row 1): bad footer"
        );
        assert_eq!((e.column(), e.row()), (None, None));
    }
}
