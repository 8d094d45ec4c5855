//! Column-projected, streaming CSV reading.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::one_line;
use crate::{
    Column, ColumnKind, ColumnRequest, IoError, KeyBuilder, ReadOptions, Table, display, progress,
    resolve_requests,
};

pub(crate) fn open(path: &Path) -> Result<File, IoError> {
    File::open(path).map_err(|source| IoError::Open {
        file: display(path),
        source,
    })
}

fn reader<R: Read>(src: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(src)
}

/// Maps a csv error met while reading data row `row` (or the header when `None`).
fn csv_error(file: &str, e: csv::Error, row: Option<u64>) -> IoError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => io::Error::other(one_line(&format!("{other:?}"))),
    };
    IoError::Read {
        file: file.to_owned(),
        row,
        source,
    }
}

/// Reads the header row: names decoded lossily, a UTF-8 BOM stripped.
fn headers<R: Read>(rdr: &mut csv::Reader<R>, file: &str) -> Result<Vec<String>, IoError> {
    let header = rdr.byte_headers().map_err(|e| csv_error(file, e, None))?;
    if header.is_empty() {
        return Err(IoError::NoHeader {
            file: file.to_owned(),
        });
    }
    let mut names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let bom = names.first().and_then(|f| f.strip_prefix('\u{feff}'));
    if let Some(rest) = bom.map(str::to_owned) {
        names[0] = rest;
    }
    Ok(names)
}

pub(crate) fn column_names(path: &Path, opts: &ReadOptions) -> Result<Vec<String>, IoError> {
    let file = display(path);
    let mut rdr = reader(open(path)?, opts.delimiter);
    headers(&mut rdr, &file)
}

enum Builder {
    Numeric(Vec<f64>),
    Key(KeyBuilder),
}

/// Why a cell is not a usable number.
pub(crate) enum BadNumber {
    Empty,
    NotANumber,
    NonFinite,
}

/// Parses a numeric cell: surrounding white space ignored; integers, decimals
/// and exponents accepted; empty, non-numeric and non-finite values refused.
pub(crate) fn parse_number(s: &str) -> Result<f64, BadNumber> {
    let t = s.trim();
    if t.is_empty() {
        return Err(BadNumber::Empty);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(BadNumber::NonFinite),
        Err(_) => Err(BadNumber::NotANumber),
    }
}

pub(crate) fn read_columns(
    path: &Path,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    let file = display(path);
    let f = open(path)?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::bar(opts.progress, size, size, true);
    let src: Box<dyn Read> = match &bar {
        Some(pb) => Box::new(pb.wrap_read(f)),
        None => Box::new(f),
    };
    let mut rdr = reader(src, opts.delimiter);
    let names = headers(&mut rdr, &file)?;
    let indices = resolve_requests(&file, &names, requests)?;

    let mut builders: Vec<Builder> = requests
        .iter()
        .map(|r| match r.kind {
            ColumnKind::Numeric => Builder::Numeric(Vec::new()),
            ColumnKind::Key => Builder::Key(KeyBuilder::default()),
        })
        .collect();

    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&file, e, Some(row + 1))),
        }
        row += 1;
        let line = record.position().map(|p| p.line());
        if record.len() != names.len() {
            return Err(IoError::FieldCount {
                file,
                row,
                line: line.unwrap_or(0),
                found: record.len(),
                expected: names.len(),
            });
        }
        for ((builder, &index), req) in builders.iter_mut().zip(&indices).zip(requests) {
            let bytes = record.get(index).unwrap_or_default();
            let text = std::str::from_utf8(bytes).map_err(|_| IoError::InvalidUtf8 {
                file: file.clone(),
                column: req.name.clone(),
                row,
                line,
            })?;
            match builder {
                Builder::Numeric(values) => match parse_number(text) {
                    Ok(v) => values.push(v),
                    Err(bad) => {
                        let (file, column, value) =
                            (file.clone(), req.name.clone(), text.to_owned());
                        return Err(match bad {
                            BadNumber::Empty => IoError::EmptyValue {
                                file,
                                column,
                                row,
                                line,
                            },
                            BadNumber::NotANumber => IoError::NotANumber {
                                file,
                                column,
                                row,
                                line,
                                value,
                            },
                            BadNumber::NonFinite => IoError::NonFinite {
                                file,
                                column,
                                row,
                                line,
                                value,
                            },
                        });
                    }
                },
                Builder::Key(keys) => keys.push(text).map_err(|()| IoError::TooManyLevels {
                    file: file.clone(),
                    column: req.name.clone(),
                    row,
                })?,
            }
        }
    }
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let nrows = usize::try_from(row).map_err(|_| IoError::Read {
        file: file.clone(),
        row: None,
        source: io::Error::other("too many rows for this platform"),
    })?;
    let columns = builders
        .into_iter()
        .map(|b| match b {
            Builder::Numeric(v) => Column::Numeric(v),
            Builder::Key(k) => k.finish(),
        })
        .collect();
    Ok(Table { nrows, columns })
}

#[cfg(test)]
mod tests {
    use super::{BadNumber, parse_number};

    #[test]
    fn numbers() {
        for (s, v) in [
            ("0", 0.0),
            ("  12 ", 12.0),
            ("\t-3.5\t", -3.5),
            ("1e-3", 0.001),
            ("1E+3", 1000.0),
            ("+2", 2.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("00012", 12.0),
            ("4.9e-324", 4.9e-324),
        ] {
            assert_eq!(parse_number(s).ok(), Some(v), "{s:?}");
        }
        for s in ["", " ", "\t"] {
            assert!(matches!(parse_number(s), Err(BadNumber::Empty)), "{s:?}");
        }
        for s in [
            "NaN",
            "nan",
            "inf",
            "-inf",
            "infinity",
            "-Infinity",
            "1e309",
        ] {
            assert!(
                matches!(parse_number(s), Err(BadNumber::NonFinite)),
                "{s:?}"
            );
        }
        for s in [
            "NA", "abc", "1,5", "1 000", "0x1F", "1e", "e5", "--1", "1.2.3", "١٢",
        ] {
            assert!(
                matches!(parse_number(s), Err(BadNumber::NotANumber)),
                "{s:?}"
            );
        }
    }
}
