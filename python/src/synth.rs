//! `synth`: the demo province's household survey, as `gongfu synth` writes it.

use crate::errors::{Failure, Kind, guarded};
use gongfu_synth::{Households, SampleConfig};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn ints<T: Copy + Into<i64>>(v: &[T]) -> Vec<i64> {
    v.iter().map(|&x| x.into()).collect()
}

/// The survey sample (households × years), column by column, in the order
/// and with the names of `gongfu synth --output FILE`.
#[pyfunction]
#[pyo3(signature = (households, first_year, last_year, seed))]
pub fn synth(
    py: Python<'_>,
    households: usize,
    first_year: u16,
    last_year: u16,
    seed: u64,
) -> PyResult<Bound<'_, PyDict>> {
    let h: Households = guarded(py, move || {
        if first_year > last_year {
            return Err(Failure::option(format!(
                "years {first_year}-{last_year} is an empty range"
            )));
        }
        gongfu_synth::sample(&SampleConfig {
            seed,
            households,
            years: first_year..=last_year,
        })
        .map_err(|e| Failure::new(Kind::Option, e.to_string()))
    })?;
    let out = PyDict::new(py);
    let hh_id: Vec<i64> = h.hh_id.iter().map(|&v| v as i64).collect();
    out.set_item("hh_id", hh_id.into_pyarray(py))?;
    out.set_item("year", ints(&h.year).into_pyarray(py))?;
    out.set_item("city", h.city)?;
    out.set_item("county", h.county)?;
    out.set_item("urban", ints(&h.urban).into_pyarray(py))?;
    out.set_item("mountain", ints(&h.mountain).into_pyarray(py))?;
    out.set_item("stratum", h.stratum)?;
    out.set_item("psu", ints(&h.psu).into_pyarray(py))?;
    out.set_item("hh_size", ints(&h.hh_size).into_pyarray(py))?;
    out.set_item("n_adults", ints(&h.n_adults).into_pyarray(py))?;
    out.set_item("n_children", ints(&h.n_children).into_pyarray(py))?;
    out.set_item("weight", h.weight.into_pyarray(py))?;
    out.set_item("wage", h.wage.into_pyarray(py))?;
    out.set_item("business", h.business.into_pyarray(py))?;
    out.set_item("property", h.property.into_pyarray(py))?;
    out.set_item("transfer", h.transfer.into_pyarray(py))?;
    out.set_item("disposable", h.disposable.into_pyarray(py))?;
    out.set_item("pc_income", h.pc_income.into_pyarray(py))?;
    out.set_item("pweight", h.pweight.into_pyarray(py))?;
    out.set_item("low_income", ints(&h.low_income).into_pyarray(py))?;
    out.set_item("workshop", ints(&h.workshop).into_pyarray(py))?;
    Ok(out)
}
