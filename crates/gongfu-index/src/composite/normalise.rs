//! Normalisation of one indicator: the indicator's direction is applied here,
//! so that after normalisation a higher value is always better.

use super::stats::{mean, sd};
use super::{Indicator, Normalisation};
use crate::{Direction, IndexError};

/// Parameters of the normalisations (from the [`super::Pipeline`], or their
/// positive variants in the uncertainty draws).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NormParams {
    pub min_max: [f64; 2],
    pub z_score: [f64; 2],
    pub scale: f64,
}

/// Normalises one indicator column (missing values stay missing).
pub(crate) fn normalise(
    ind: &Indicator,
    col: &[Option<f64>],
    how: Normalisation,
    p: &NormParams,
) -> Result<Vec<Option<f64>>, IndexError> {
    let sign = match ind.direction {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
    };
    let observed: Vec<f64> = col.iter().flatten().copied().collect();
    let map = |f: &dyn Fn(f64) -> f64| col.iter().map(|v| v.map(f)).collect::<Vec<_>>();
    match how {
        Normalisation::MinMax => {
            let lo = observed.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = observed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !(hi > lo) {
                return Err(constant(ind, "min-max"));
            }
            let [a, b] = p.min_max;
            Ok(match ind.direction {
                Direction::Higher => map(&|x| a + (x - lo) / (hi - lo) * (b - a)),
                Direction::Lower => map(&|x| a + (hi - x) / (hi - lo) * (b - a)),
            })
        }
        Normalisation::ZScore => {
            if observed.len() < 2 {
                return Err(constant(ind, "z-score"));
            }
            let m = mean(&observed);
            let s = sd(&observed);
            if !(s > 0.0) {
                return Err(constant(ind, "z-score"));
            }
            let [mu, sigma] = p.z_score;
            Ok(map(&|x| mu + sign * (x - m) / s * sigma))
        }
        Normalisation::Rank => {
            // Rank among observed values with higher = better, 1 = worst,
            // ties share the lowest rank (COINr `n_rank`, ties "min").
            let mut adj: Vec<f64> = observed.iter().map(|x| sign * x).collect();
            adj.sort_by(f64::total_cmp);
            Ok(map(&|x| {
                let y = sign * x;
                (adj.partition_point(|&v| v < y) + 1) as f64
            }))
        }
        Normalisation::Goalposts => {
            let Some([lo, hi]) = ind.goalposts else {
                return Err(IndexError::Invalid(format!(
                    "goalposts normalisation: indicator '{}' has no goalposts",
                    ind.id
                )));
            };
            let (lo, hi) = if ind.log {
                (lo.ln(), hi.ln())
            } else {
                (lo, hi)
            };
            let non_positive = col
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.filter(|&x| ind.log && !(x > 0.0)).map(|x| (i, x)));
            if let Some((unit, x)) = non_positive {
                return Err(IndexError::Invalid(format!(
                    "goalposts on a log scale: indicator '{}' has the non-positive value {x} (unit {unit})",
                    ind.id
                )));
            }
            let s = p.scale;
            let log = ind.log;
            let f = move |x: f64| {
                let x = if log { x.ln() } else { x };
                let y = match ind.direction {
                    Direction::Higher => (x - lo) / (hi - lo),
                    Direction::Lower => (hi - x) / (hi - lo),
                };
                y.clamp(0.0, 1.0) * s
            };
            Ok(map(&f))
        }
        Normalisation::DistanceToTarget => {
            let Some(target) = ind.target else {
                return Err(IndexError::Invalid(format!(
                    "distance-to-target normalisation: indicator '{}' has no target",
                    ind.id
                )));
            };
            // COINr `n_dist2targ` on direction-adjusted values x' = ±x, t' = ±t:
            // 1 − (t' − x')/(t' − min x'), capped at 1.
            let t = sign * target;
            let lo = observed
                .iter()
                .map(|x| sign * x)
                .fold(f64::INFINITY, f64::min);
            let s = p.scale;
            if !(t > lo) {
                // Every unit meets the target.
                return Ok(map(&|_| s));
            }
            Ok(map(&|x| (1.0 - (t - sign * x) / (t - lo)).min(1.0) * s))
        }
    }
}

fn constant(ind: &Indicator, what: &str) -> IndexError {
    IndexError::Invalid(format!(
        "{what} normalisation: indicator '{}' takes a single value across units",
        ind.id
    ))
}
