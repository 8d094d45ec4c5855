//! Reading columns of CSV and Parquet files through `gongfu-io`: only the
//! columns a computation needs, numbers as float64, labels coded.

use crate::errors::{Failure, from_io, guarded};
use gongfu_io::{Column, ColumnRequest, Format, ReadOptions};
use numpy::IntoPyArray;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use std::path::PathBuf;

fn options(format: Option<&str>, delimiter: Option<&str>) -> Result<ReadOptions, Failure> {
    let format = match format {
        None => None,
        Some(f) => Some(f.parse::<Format>().map_err(Failure::option)?),
    };
    let delimiter = match delimiter {
        None => b',',
        Some("\\t" | "tab") => b'\t',
        Some(d) if d.len() == 1 => d.as_bytes()[0],
        Some(d) => {
            return Err(Failure::option(format!(
                "delimiter must be one character, got {d:?}"
            )));
        }
    };
    Ok(ReadOptions {
        format,
        delimiter,
        progress: false,
    })
}

/// The column names of a file.
#[pyfunction]
#[pyo3(signature = (path, format=None, delimiter=None))]
pub fn column_names(
    py: Python<'_>,
    path: PathBuf,
    format: Option<String>,
    delimiter: Option<String>,
) -> PyResult<Vec<String>> {
    guarded(py, move || {
        let opts = options(format.as_deref(), delimiter.as_deref())?;
        gongfu_io::column_names(&path, &opts).map_err(from_io)
    })
}

/// Reads the requested columns: `(name, "numeric" | "key")` each. A numeric
/// column comes back as a float64 array, a key column as `(codes, labels)`
/// with uint32 codes and the labels in order of first appearance.
#[pyfunction]
#[pyo3(signature = (path, requests, format=None, delimiter=None))]
pub fn read_columns(
    py: Python<'_>,
    path: PathBuf,
    requests: Vec<(String, String)>,
    format: Option<String>,
    delimiter: Option<String>,
) -> PyResult<Vec<Py<PyAny>>> {
    let table = guarded(py, move || {
        let opts = options(format.as_deref(), delimiter.as_deref())?;
        let req = requests
            .iter()
            .map(|(name, kind)| match kind.as_str() {
                "numeric" => Ok(ColumnRequest::numeric(name)),
                "key" => Ok(ColumnRequest::key(name)),
                k => Err(Failure::option(format!(
                    "column kind must be numeric or key, got {k:?}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        gongfu_io::read_columns(&path, &req, &opts).map_err(from_io)
    })?;
    table
        .columns
        .into_iter()
        .map(|c| match c {
            Column::Numeric(v) => v.into_pyarray(py).into_py_any(py),
            Column::Key { codes, levels } => (codes.into_pyarray(py), levels).into_py_any(py),
        })
        .collect()
}
