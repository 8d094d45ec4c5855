//! `gongfu._gongfu`: the native part of the Python package `gongfu`.
//!
//! A thin layer over the library crates: columns arrive as NumPy arrays
//! (float64 values, uint32 codes with their labels), are handed to
//! `gongfu-compute` (the same entry point as `gongfu compute`), and results
//! go back as NumPy arrays and lists that the pure-Python layer turns into
//! pandas or Polars DataFrames. Every entry point releases the GIL while it
//! computes, catches panics, and raises the exceptions of `gongfu._errors`.

mod compute;
mod dynamics;
mod errors;
mod grouped;
mod io;
mod sample;
mod synth;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Freed blocks are reused rather than unmapped, as in the `gongfu` binary:
/// the transient n-vectors of a computation then cost no fresh page faults.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every measure of the catalogue: id, summary, peer, family and parameters
/// (name, default in the measure-list syntax or `None` when required, doc).
#[pyfunction]
fn catalogue(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for d in gongfu_measures::catalogue() {
        let item = PyDict::new(py);
        item.set_item("id", d.id)?;
        item.set_item("summary", d.summary)?;
        item.set_item("peer", d.peer)?;
        item.set_item("family", format!("{:?}", d.family).to_lowercase())?;
        let params = PyList::empty(py);
        for p in d.params {
            params.append((p.name, p.default, p.doc))?;
        }
        item.set_item("params", params)?;
        out.append(item)?;
    }
    Ok(out)
}

/// The catalogue as `gongfu measures` prints it.
#[pyfunction]
fn catalogue_text() -> String {
    gongfu_measures::catalogue_text()
}

/// Parses a measure list and returns each call as the catalogue writes it
/// (`fgt(alpha=1,line=20000)`); raises `MeasureError` when it does not parse.
#[pyfunction]
fn parse_measures(list: &str) -> PyResult<Vec<String>> {
    let measures = gongfu_measures::Measure::parse_list(list)
        .map_err(|e| errors::measure_spec_error(&e, list))?;
    Ok(measures.iter().map(ToString::to_string).collect())
}

/// The columns a measure list refers to through its parameters: categorical
/// (`by=` of contrasts and decompositions) and numeric (`sources=`).
#[pyfunction]
fn references(list: &str) -> PyResult<(Vec<String>, Vec<String>)> {
    let spec = gongfu_compute::Spec::parse(list, &[]).map_err(|e| match e {
        gongfu_compute::ComputeError::Measure { source, .. } => {
            errors::measure_spec_error(&source, list)
        }
        other => pyo3::exceptions::PyValueError::new_err(other.to_string()),
    })?;
    Ok((spec.referenced_keys(), spec.referenced_numerics()))
}

/// Raises a panic inside the guarded boundary (tests: a panic must surface as
/// `gongfu.InternalError`, never abort the interpreter).
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<()> {
    errors::guarded(py, || -> Result<(), errors::Failure> {
        panic!("deliberate panic inside the extension")
    })
}

#[pymodule]
fn _gongfu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue_text, m)?)?;
    m.add_function(wrap_pyfunction!(parse_measures, m)?)?;
    m.add_function(wrap_pyfunction!(references, m)?)?;
    m.add("DEFAULT_SEED", gongfu_synth::DEFAULT_SEED)?;
    m.add_function(wrap_pyfunction!(compute::compute, m)?)?;
    m.add_function(wrap_pyfunction!(dynamics::dynamics, m)?)?;
    m.add_function(wrap_pyfunction!(grouped::grouped, m)?)?;
    m.add_function(wrap_pyfunction!(synth::synth, m)?)?;
    m.add_function(wrap_pyfunction!(io::read_columns, m)?)?;
    m.add_function(wrap_pyfunction!(io::column_names, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    Ok(())
}
