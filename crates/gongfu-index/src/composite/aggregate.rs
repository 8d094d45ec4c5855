//! Weighted aggregation within pillars and across pillars.

use super::Aggregation;
use crate::IndexError;

/// A pillar: its name and the indicators in it (positions in the data).
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub name: String,
    pub members: Vec<usize>,
}

/// The hierarchy: pillars, or (`flat`) one group holding every indicator that
/// is aggregated directly into the index.
#[derive(Debug, Clone)]
pub(crate) struct Structure {
    pub groups: Vec<Group>,
    pub flat: bool,
}

/// Aggregation at each level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Levels {
    pub pillar: Aggregation,
    pub index: Aggregation,
}

impl Levels {
    /// Whether an aggregation actually used needs positive values.
    pub fn need_positive(&self, flat: bool) -> bool {
        self.index.needs_positive() || (!flat && self.pillar.needs_positive())
    }
}

/// Weighted mean of `(value, weight, position)` items with positive weights;
/// `Ok(None)` when there are none, `Err((position, value))` for a value that
/// the geometric or harmonic mean cannot take.
fn combine(agg: Aggregation, items: &[(f64, f64, usize)]) -> Result<Option<f64>, (usize, f64)> {
    let wsum: f64 = items.iter().map(|t| t.1).sum();
    if !(wsum > 0.0) {
        return Ok(None);
    }
    let v = match agg {
        Aggregation::Arithmetic => items.iter().map(|&(x, w, _)| w * x).sum::<f64>() / wsum,
        Aggregation::Geometric => {
            let mut s = 0.0;
            for &(x, w, k) in items {
                if !(x > 0.0) {
                    return Err((k, x));
                }
                s += w * x.ln();
            }
            (s / wsum).exp()
        }
        Aggregation::Harmonic => {
            let mut s = 0.0;
            for &(x, w, k) in items {
                if !(x > 0.0) {
                    return Err((k, x));
                }
                s += w / x;
            }
            wsum / s
        }
    };
    Ok(Some(v))
}

fn non_positive(agg: Aggregation, unit: &str, what: &str, name: &str, x: f64) -> IndexError {
    IndexError::Invalid(format!(
        "{} aggregation needs positive values: unit '{unit}', {what} '{name}' is {x} after normalisation \
         (normalise to a positive range, e.g. min_max_range = [1, 100]; min-max from 0 gives 0 to the lowest unit)",
        agg.name()
    ))
}

/// Everything the aggregation reads.
#[derive(Debug)]
pub(crate) struct Inputs<'a> {
    /// Normalised values by indicator: `cols[j][i]`.
    pub cols: &'a [Vec<Option<f64>>],
    pub structure: &'a Structure,
    /// Indicator weights (renormalised per unit over the available values of
    /// each group).
    pub w_ind: &'a [f64],
    /// Pillar weights (renormalised per unit over its available pillars).
    pub w_grp: &'a [f64],
    pub levels: Levels,
    pub units: &'a [String],
    pub ids: &'a [String],
}

/// Scores per unit into `scores`; pillar scores `[unit][pillar]` into
/// `pillars` when given (not in the flat case).
pub(crate) fn aggregate(
    inp: &Inputs<'_>,
    scores: &mut [f64],
    mut pillars: Option<&mut Vec<Vec<Option<f64>>>>,
    items: &mut Vec<(f64, f64, usize)>,
    tops: &mut Vec<(f64, f64, usize)>,
) -> Result<(), IndexError> {
    let st = inp.structure;
    for (i, score) in scores.iter_mut().enumerate() {
        tops.clear();
        for (g, group) in st.groups.iter().enumerate() {
            items.clear();
            for &j in &group.members {
                let w = inp.w_ind[j];
                if let Some(x) = inp.cols[j][i].filter(|_| w > 0.0) {
                    items.push((x, w, j));
                }
            }
            let agg = if st.flat {
                inp.levels.index
            } else {
                inp.levels.pillar
            };
            let value = combine(agg, items)
                .map_err(|(j, x)| non_positive(agg, &inp.units[i], "indicator", &inp.ids[j], x))?;
            if let Some(p) = pillars.as_deref_mut() {
                p[i][g] = value;
            }
            if let Some(v) = value {
                if st.flat {
                    tops.push((v, 1.0, g));
                } else if inp.w_grp[g] > 0.0 {
                    tops.push((v, inp.w_grp[g], g));
                }
            }
        }
        let value = if st.flat {
            tops.first().map(|t| t.0)
        } else {
            combine(inp.levels.index, tops).map_err(|(g, x)| {
                non_positive(
                    inp.levels.index,
                    &inp.units[i],
                    "pillar",
                    &st.groups[g].name,
                    x,
                )
            })?
        };
        *score = value.ok_or_else(|| {
            IndexError::Invalid(format!(
                "unit '{}' has no observed value on an indicator or pillar with positive weight",
                inp.units[i]
            ))
        })?;
    }
    Ok(())
}
