//! Welfare concepts: income as given, per capita, or equivalised.

use crate::{Columns, ComputeError};

/// Equivalence scale for [`Welfare::Equivalised`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EquivalenceScale {
    /// Modified OECD: 1 + 0.5 (adults − 1) + 0.3 children (adults: aged 14 and over).
    #[default]
    ModifiedOecd,
    /// Square root of household size.
    Sqrt,
}

/// How household income becomes individual welfare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Welfare {
    /// Income and weights as given.
    #[default]
    AsIs,
    /// Household income / size; person weight = household weight × size (NBS, World Bank).
    PerCapita,
    /// Household income / equivalence scale; person weight = household weight × size (Eurostat).
    Equivalised(EquivalenceScale),
}

impl Welfare {
    /// Name used in results.
    pub fn name(&self) -> &'static str {
        match self {
            Welfare::AsIs => "as_is",
            Welfare::PerCapita => "per_capita",
            Welfare::Equivalised(EquivalenceScale::ModifiedOecd) => "equivalised (modified OECD)",
            Welfare::Equivalised(EquivalenceScale::Sqrt) => "equivalised (square root)",
        }
    }
}

fn positive(name: &str, v: &[f64]) -> Result<(), ComputeError> {
    if let Some(i) = v.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(ComputeError::Value {
            column: name.to_string(),
            row: i + 1,
            message: format!("must be > 0, got {}", v[i]),
        });
    }
    Ok(())
}

/// Household sizes: the size column, or adults + children.
fn sizes(cols: &Columns) -> Result<Vec<f64>, ComputeError> {
    if let Some(s) = &cols.size {
        positive("household size", s)?;
        return Ok(s.clone());
    }
    match (&cols.adults, &cols.children) {
        (Some(a), Some(c)) => {
            let s: Vec<f64> = a.iter().zip(c).map(|(a, c)| a + c).collect();
            positive("household size (adults + children)", &s)?;
            Ok(s)
        }
        _ => Err(ComputeError::MissingColumn(
            "household size (--hh-size, or --adults and --children)".into(),
        )),
    }
}

/// The factor turning household weights into person weights (household
/// size) under per-capita and equivalised welfare; `None` as given.
pub(crate) fn person_factor(
    cols: &Columns,
    welfare: &Welfare,
) -> Result<Option<Vec<f64>>, ComputeError> {
    match welfare {
        Welfare::AsIs => Ok(None),
        _ => sizes(cols).map(Some),
    }
}

/// Welfare values, person weights (None: all 1) and household sizes if known.
/// The last element is what household incomes were divided by (size or
/// equivalence scale), to transform income sources alike.
pub(crate) type Applied = (
    Vec<f64>,
    Option<Vec<f64>>,
    Option<Vec<f64>>,
    Option<Vec<f64>>,
);

/// Applies the welfare concept to the columns.
/// The income and weight columns are moved out of `cols` (not copied).
pub(crate) fn apply(cols: &mut Columns, welfare: &Welfare) -> Result<Applied, ComputeError> {
    let n = cols.income.len();
    let size = match welfare {
        Welfare::AsIs if cols.size.is_none() => None,
        _ => Some(sizes(cols)?),
    };
    if let Some(s) = &size
        && s.len() != n
    {
        return Err(ComputeError::Length {
            column: "household size".into(),
            got: s.len(),
            expected: n,
        });
    }
    let person_weights = |s: &[f64]| -> Vec<f64> {
        match &cols.weight {
            Some(w) => w.iter().zip(s).map(|(w, s)| w * s).collect(),
            None => s.to_vec(),
        }
    };
    Ok(match welfare {
        Welfare::AsIs => (
            std::mem::take(&mut cols.income),
            cols.weight.take(),
            size,
            None,
        ),
        Welfare::PerCapita => {
            let s = size.unwrap_or_default();
            let x = cols.income.iter().zip(&s).map(|(y, s)| y / s).collect();
            (x, Some(person_weights(&s)), Some(s.clone()), Some(s))
        }
        Welfare::Equivalised(scale) => {
            let s = size.unwrap_or_default();
            let eq: Vec<f64> = match scale {
                EquivalenceScale::Sqrt => s.iter().map(|s| s.sqrt()).collect(),
                EquivalenceScale::ModifiedOecd => {
                    let (Some(a), Some(c)) = (&cols.adults, &cols.children) else {
                        return Err(ComputeError::MissingColumn(
                            "adults and children (--adults, --children) for the modified OECD scale".into(),
                        ));
                    };
                    positive("adults", a)?;
                    a.iter()
                        .zip(c)
                        .map(|(a, c)| 1.0 + 0.5 * (a - 1.0) + 0.3 * c)
                        .collect()
                }
            };
            let x = cols.income.iter().zip(&eq).map(|(y, e)| y / e).collect();
            (x, Some(person_weights(&s)), Some(s), Some(eq))
        }
    })
}
