//! A directory of data files read as one table: a register written as many
//! Parquet (or CSV) parts.

use crate::{Column, ColumnRequest, Format, IoError, KeyBuilder, ReadOptions, Table, display};
use std::path::{Path, PathBuf};

/// The data files of a directory, in name order: those whose extension names
/// a format (`.csv`, `.parquet`, `.pq`), only of the given format when there
/// is one. Hidden files (`.name`, `_name`: writers' markers) are left out.
pub(crate) fn files(dir: &Path, opts: &ReadOptions) -> Result<Vec<PathBuf>, IoError> {
    let file = display(dir);
    let entries = std::fs::read_dir(dir).map_err(|source| IoError::Open {
        file: file.clone(),
        source,
    })?;
    let mut found: Vec<(PathBuf, Format)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| IoError::Read {
            file: file.clone(),
            row: None,
            source,
        })?;
        let path = entry.path();
        let hidden = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
        if hidden || path.is_dir() {
            continue;
        }
        if let Some(f) = Format::from_path(&path)
            && opts.format.is_none_or(|want| want == f)
        {
            found.push((path, f));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    match found.first() {
        None => Err(IoError::NoDataFiles { file }),
        Some((first, f)) => {
            if let Some((other, _)) = found.iter().find(|(_, g)| g != f) {
                return Err(IoError::MixedFormats {
                    file,
                    first: display(first),
                    other: display(other),
                });
            }
            Ok(found.into_iter().map(|(p, _)| p).collect())
        }
    }
}

/// Reads the requested columns of every data file of `dir` and concatenates
/// them in file-name order. Key columns get one set of levels, in order of
/// first appearance across the files. Errors name the part file and its row.
pub(crate) fn read_columns(
    dir: &Path,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    let parts = files(dir, opts)?;
    let mut nrows = 0;
    let mut numeric: Vec<Vec<f64>> = vec![Vec::new(); requests.len()];
    let mut keys: Vec<KeyBuilder> = (0..requests.len()).map(|_| KeyBuilder::default()).collect();
    for part in &parts {
        let table = crate::read_file(part, requests, opts)?;
        nrows += table.nrows;
        for (j, col) in table.columns.into_iter().enumerate() {
            match col {
                Column::Numeric(v) => {
                    if numeric[j].is_empty() {
                        numeric[j] = v;
                    } else {
                        numeric[j].extend_from_slice(&v);
                    }
                }
                Column::Key { codes, levels } => {
                    let keys = &mut keys[j];
                    let mut global = Vec::with_capacity(levels.len());
                    for (code, label) in levels.iter().enumerate() {
                        let g = keys.code(label).map_err(|()| IoError::TooManyLevels {
                            file: display(part),
                            column: requests[j].name.clone(),
                            row: codes.iter().position(|&c| c as usize == code).unwrap_or(0) as u64
                                + 1,
                        })?;
                        global.push(g);
                    }
                    for c in codes {
                        keys.push_code(global[c as usize]);
                    }
                }
            }
        }
    }
    let columns = requests
        .iter()
        .zip(numeric.into_iter().zip(keys))
        .map(|(req, (num, key))| match req.kind {
            crate::ColumnKind::Numeric => Column::Numeric(num),
            crate::ColumnKind::Key => key.finish(),
        })
        .collect();
    Ok(Table { nrows, columns })
}
