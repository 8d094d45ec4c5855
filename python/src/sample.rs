//! The columns of one sample as the Python layer hands them over: a dict of
//! NumPy arrays (float64 values; uint32 codes with their labels).

use crate::errors::{Failure, Names};
use gongfu_compute::{Columns, KeyColumn};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use std::collections::HashMap;

/// A coded categorical column: name, one code per row, the labels.
type KeyArg<'py> = (String, PyReadonlyArray1<'py, u32>, Vec<String>);

/// One sample, as a dict with every key present (`None` where absent).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct SampleArg<'py> {
    income: PyReadonlyArray1<'py, f64>,
    weight: Option<PyReadonlyArray1<'py, f64>>,
    size: Option<PyReadonlyArray1<'py, f64>>,
    adults: Option<PyReadonlyArray1<'py, f64>>,
    children: Option<PyReadonlyArray1<'py, f64>>,
    keys: Vec<KeyArg<'py>>,
    numerics: Vec<(String, PyReadonlyArray1<'py, f64>)>,
    strata: Option<KeyArg<'py>>,
    psu: Option<KeyArg<'py>>,
    fpc: Option<PyReadonlyArray1<'py, f64>>,
    replicates: Vec<PyReadonlyArray1<'py, f64>>,
    names: HashMap<String, String>,
}

impl std::fmt::Debug for SampleArg<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleArg")
            .field("rows", &self.income.as_array().len())
            .finish_non_exhaustive()
    }
}

/// The owned columns of a sample, ready for `gongfu-compute`.
#[derive(Debug)]
pub struct Sample {
    /// The columns (supplied replicate weights included).
    pub cols: Columns,
    /// The user's names of the columns, for messages.
    pub names: Names,
}

fn copy(a: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    match a.as_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => a.as_array().to_vec(),
    }
}

fn key(k: &KeyArg<'_>) -> Result<KeyColumn, Failure> {
    let (name, codes, levels) = k;
    let codes = match codes.as_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => codes.as_array().to_vec(),
    };
    if let Some(i) = codes.iter().position(|&c| c as usize >= levels.len()) {
        return Err(Failure::input(
            name,
            Some(i + 1),
            format!(
                "column {name:?}, row {}: code {} has no label ({} labels)",
                i + 1,
                codes[i],
                levels.len()
            ),
        ));
    }
    Ok(KeyColumn {
        name: name.clone(),
        codes,
        levels: levels.clone(),
    })
}

impl<'py> SampleArg<'py> {
    /// Copies the columns out of Python (with the GIL held), checking that
    /// every column has one value per row; supplied replicate weights are
    /// copied into [`Columns::replicates`].
    pub fn into_sample(self) -> Result<Sample, Failure> {
        let (mut sample, replicates) = self.into_parts()?;
        sample.cols.replicates = replicates.iter().map(copy).collect();
        Ok(sample)
    }

    /// As [`SampleArg::into_sample`], handing back the supplied replicate
    /// weights as the (checked) NumPy arrays instead of copies: they can be
    /// lent to the computation (`compute_with_replicates`), which spares a
    /// copy of n × R weights.
    pub fn into_parts(self) -> Result<(Sample, Vec<PyReadonlyArray1<'py, f64>>), Failure> {
        let name = |role: &str| self.names.get(role).cloned();
        let names = Names {
            income: name("income").unwrap_or_else(|| "income".into()),
            weight: name("weight"),
            size: name("size"),
            adults: name("adults"),
            children: name("children"),
            design: ["strata", "psu"].iter().filter_map(|r| name(r)).collect(),
        };
        let n = self.income.as_array().len();
        let check = |column: String, got: usize| -> Result<(), Failure> {
            if got == n {
                Ok(())
            } else {
                Err(Failure::input(
                    &column,
                    None,
                    format!("column {column:?} has {got} rows, expected {n}"),
                ))
            }
        };
        let role = |role: &str| name(role).unwrap_or_else(|| role.to_string());
        let optional =
            |a: &Option<PyReadonlyArray1<'_, f64>>, r: &str| -> Result<Option<Vec<f64>>, Failure> {
                match a {
                    Some(a) => {
                        check(role(r), a.as_array().len())?;
                        Ok(Some(copy(a)))
                    }
                    None => Ok(None),
                }
            };
        let weight = optional(&self.weight, "weight")?;
        let size = optional(&self.size, "size")?;
        let adults = optional(&self.adults, "adults")?;
        let children = optional(&self.children, "children")?;
        let fpc = optional(&self.fpc, "fpc")?;
        let mut keys = Vec::with_capacity(self.keys.len());
        for k in &self.keys {
            check(k.0.clone(), k.1.as_array().len())?;
            keys.push(key(k)?);
        }
        let mut numerics = Vec::with_capacity(self.numerics.len());
        for (name, v) in &self.numerics {
            check(name.clone(), v.as_array().len())?;
            numerics.push((name.clone(), copy(v)));
        }
        let design_key = |k: &Option<KeyArg<'_>>| -> Result<Option<KeyColumn>, Failure> {
            match k {
                Some(k) => {
                    check(k.0.clone(), k.1.as_array().len())?;
                    Ok(Some(key(k)?))
                }
                None => Ok(None),
            }
        };
        let strata = design_key(&self.strata)?;
        // PSUs are told apart by their codes; labels are optional
        let psu = match &self.psu {
            Some((name, codes, levels)) if levels.is_empty() => {
                check(name.clone(), codes.as_array().len())?;
                Some(KeyColumn {
                    name: name.clone(),
                    codes: match codes.as_slice() {
                        Ok(s) => s.to_vec(),
                        Err(_) => codes.as_array().to_vec(),
                    },
                    levels: Vec::new(),
                })
            }
            _ => design_key(&self.psu)?,
        };
        for (r, v) in self.replicates.iter().enumerate() {
            let column = name(&format!("replicate:{r}"))
                .unwrap_or_else(|| format!("replicate weight {}", r + 1));
            check(column, v.as_array().len())?;
        }
        let sample = Sample {
            cols: Columns {
                income: copy(&self.income),
                weight,
                size,
                adults,
                children,
                keys,
                numerics,
                strata,
                psu,
                fpc,
                replicates: Vec::new(),
            },
            names,
        };
        Ok((sample, self.replicates))
    }
}
