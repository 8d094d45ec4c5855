//! Imputation and outlier treatment, one indicator (column) at a time.

use serde::Serialize;

use super::stats::{kurtosis, mean, median, skewness};
use super::{Imputation, Pipeline};
use crate::IndexError;

/// The COINr outlier rule: an indicator needs treatment when
/// `|skewness| ≥ skew_threshold` **and** `kurtosis ≥ kurtosis_threshold`
/// (COINr's `check_SkewKurt` passes a column when `|skew| < 2` or
/// `kurt < 3.5`). Skewness and kurtosis are [`skewness`] and [`kurtosis`].
///
/// Errors as [`kurtosis`]: fewer than 4 values, non-finite or constant values.
pub fn needs_treatment(
    x: &[f64],
    skew_threshold: f64,
    kurtosis_threshold: f64,
) -> Result<bool, IndexError> {
    let k = kurtosis(x)?;
    let s = skewness(x)?;
    Ok(s.abs() >= skew_threshold && k >= kurtosis_threshold)
}

/// What the outlier treatment did to one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TreatmentAction {
    /// Skewness and kurtosis were within the thresholds: nothing changed.
    WithinBounds,
    /// Points were winsorised and the indicator is now within the thresholds.
    Winsorised,
    /// Winsorising up to the maximum number of points did not bring the
    /// indicator within the thresholds, so the original values were log
    /// transformed instead (see [`Treatment`]).
    Log,
    /// Winsorising up to the maximum did not bring the indicator within the
    /// thresholds and the normalisation uses fixed reference values (goalposts,
    /// targets) in the indicator's own unit, where a log transform would be
    /// meaningless: the winsorised values are kept.
    WinsorisedNotWithinBounds,
    /// Fewer than 4 observed values or all values equal: skewness and kurtosis
    /// are undefined and nothing was changed.
    Skipped,
}

/// One winsorised value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinsorisedPoint {
    /// Unit (position in the data).
    pub unit: usize,
    /// Value before treatment.
    pub from: f64,
    /// Value after treatment.
    pub to: f64,
}

/// Outlier-treatment record for one indicator.
///
/// The log transform is COINr's default second-stage treatment `log_CT`,
/// applied to the untreated values: `ln(x − min + 0.01(max − min))` for a
/// positively skewed indicator. A negatively skewed indicator is mirrored
/// first, `−ln(max − x + 0.01(max − min))`, so that the long tail is compressed
/// and the order of the values is kept (COINr applies the same formula
/// whatever the sign of the skew).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Treatment {
    /// Indicator id.
    pub indicator: String,
    /// What was done.
    pub action: TreatmentAction,
    /// Skewness before treatment (`None` when undefined).
    pub skew_before: Option<f64>,
    /// Kurtosis before treatment (`None` when undefined).
    pub kurtosis_before: Option<f64>,
    /// Skewness after treatment.
    pub skew_after: Option<f64>,
    /// Kurtosis after treatment.
    pub kurtosis_after: Option<f64>,
    /// Winsorised points, in the order they were treated (empty after a log
    /// transform, which replaces every value).
    pub winsorised: Vec<WinsorisedPoint>,
}

/// Fills the missing values of one indicator with the mean or median of its
/// observed values (`none` leaves them missing).
pub(crate) fn impute(col: &[Option<f64>], how: Imputation) -> Vec<Option<f64>> {
    let observed: Vec<f64> = col.iter().flatten().copied().collect();
    let fill = match how {
        Imputation::None => return col.to_vec(),
        Imputation::Mean => mean(&observed),
        Imputation::Median => median(&observed),
    };
    col.iter().map(|v| Some(v.unwrap_or(fill))).collect()
}

fn moments(x: &[f64]) -> Option<(f64, f64)> {
    Some((skewness(x).ok()?, kurtosis(x).ok()?))
}

/// Applies the COINr two-stage treatment to one indicator: winsorise one step
/// at a time (all points sharing the extreme value at once) on the side of the
/// skew until the indicator passes or `max_points` points have been changed;
/// if it still fails, log transform the original values (only when
/// `allow_log`).
pub(crate) fn treat(
    id: &str,
    col: &[Option<f64>],
    pipeline: &Pipeline,
    allow_log: bool,
) -> (Vec<Option<f64>>, Treatment) {
    let positions: Vec<usize> = (0..col.len()).filter(|&i| col[i].is_some()).collect();
    let original: Vec<f64> = positions.iter().map(|&i| col[i].unwrap_or(0.0)).collect();
    let fails =
        |s: f64, k: f64| s.abs() >= pipeline.skew_threshold && k >= pipeline.kurtosis_threshold;
    let mut record = Treatment {
        indicator: id.to_string(),
        action: TreatmentAction::Skipped,
        skew_before: None,
        kurtosis_before: None,
        skew_after: None,
        kurtosis_after: None,
        winsorised: Vec::new(),
    };
    let Some((s0, k0)) = moments(&original) else {
        return (col.to_vec(), record);
    };
    record.skew_before = Some(s0);
    record.kurtosis_before = Some(k0);
    record.skew_after = Some(s0);
    record.kurtosis_after = Some(k0);
    if !fails(s0, k0) {
        record.action = TreatmentAction::WithinBounds;
        return (col.to_vec(), record);
    }

    // Stage 1: winsorise.
    let mut x = original.clone();
    let mut changed = 0usize;
    let mut current = (s0, k0);
    let mut pass = false;
    while changed < pipeline.max_points {
        let high = current.0 >= 0.0;
        let extreme = if high {
            x.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        } else {
            x.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let rest = x.iter().copied().filter(|&v| v != extreme);
        let next = if high {
            rest.fold(f64::NEG_INFINITY, f64::max)
        } else {
            rest.fold(f64::INFINITY, f64::min)
        };
        if !next.is_finite() {
            break; // every value equal: nothing left to winsorise
        }
        for (k, v) in x.iter_mut().enumerate() {
            if *v == extreme {
                record.winsorised.push(WinsorisedPoint {
                    unit: positions[k],
                    from: original[k],
                    to: next,
                });
                *v = next;
                changed += 1;
            }
        }
        match moments(&x) {
            Some(m) => {
                current = m;
                if !fails(m.0, m.1) {
                    pass = true;
                    break;
                }
            }
            None => {
                current = (f64::NAN, f64::NAN);
                pass = true; // constant after winsorising: no outliers left
                break;
            }
        }
    }
    let finite = |v: f64| v.is_finite().then_some(v);
    if pass || !allow_log {
        // Several steps may have moved the same unit; keep its first `from`
        // and last `to`.
        let mut merged: Vec<WinsorisedPoint> = Vec::new();
        for p in record.winsorised.drain(..) {
            match merged.iter_mut().find(|q| q.unit == p.unit) {
                Some(q) => q.to = p.to,
                None => merged.push(p),
            }
        }
        record.winsorised = merged;
        record.action = if pass {
            TreatmentAction::Winsorised
        } else {
            TreatmentAction::WinsorisedNotWithinBounds
        };
        record.skew_after = finite(current.0);
        record.kurtosis_after = finite(current.1);
        return (scatter(col, &positions, &x), record);
    }

    // Stage 2: log transform of the original values (COINr `log_CT`).
    let lo = original.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = original.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let a = 0.01 * (hi - lo);
    let logged: Vec<f64> = if s0 >= 0.0 {
        original.iter().map(|&v| (v - lo + a).ln()).collect()
    } else {
        original.iter().map(|&v| -(hi - v + a).ln()).collect()
    };
    record.winsorised.clear();
    record.action = TreatmentAction::Log;
    let after = moments(&logged);
    record.skew_after = after.map(|m| m.0);
    record.kurtosis_after = after.map(|m| m.1);
    (scatter(col, &positions, &logged), record)
}

fn scatter(col: &[Option<f64>], positions: &[usize], x: &[f64]) -> Vec<Option<f64>> {
    let mut out = col.to_vec();
    for (k, &i) in positions.iter().enumerate() {
        out[i] = Some(x[k]);
    }
    out
}
