//! Regional convergence (SPEC §7): σ-convergence (dispersion across regions),
//! β-convergence (do poorer regions grow faster?) and the Theil index split
//! between and within groups of regions.
//!
//! The inputs are one figure per region (county per-capita disposable income,
//! say), optionally with the region's population as weight. All values must
//! be finite and positive.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::IndexError;

/// Checks that `values` are finite and `> 0`, naming `what` on failure.
fn positive(what: &'static str, values: &[f64]) -> Result<(), IndexError> {
    match values
        .iter()
        .enumerate()
        .find(|&(_, &v)| !(v.is_finite() && v > 0.0))
    {
        Some((index, &value)) => Err(IndexError::InvalidValue { what, index, value }),
        None => Ok(()),
    }
}

/// Fails with [`IndexError::Invalid`] when `v` is not finite.
fn finite(what: &str, v: f64) -> Result<f64, IndexError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(IndexError::Invalid(format!(
            "{what} is not finite ({v}): the values are too extreme"
        )))
    }
}

/// Dispersion across regions (σ-convergence when it falls over time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sigma {
    /// Number of regions.
    pub n: usize,
    /// Standard deviation of `ln y` across regions (unweighted, divisor `n`).
    pub sd_log: f64,
    /// Unweighted coefficient of variation: SD / mean (divisor `n`).
    pub cv: f64,
    /// Williamson's population-weighted coefficient of variation (only when
    /// populations are given).
    pub williamson: Option<f64>,
}

/// σ-convergence measures of `values` (finite, `> 0`), one per region.
///
/// * `sd_log = sqrt(Σ (ln y_i − m)² / n)`, `m` the mean of `ln y_i`;
/// * `cv = sqrt(Σ (y_i − ȳ)² / n) / ȳ`, `ȳ` the unweighted mean;
/// * `williamson = sqrt(Σ (p_i/P)(y_i − ȳ_p)²) / ȳ_p` (Williamson 1965),
///   `ȳ_p = Σ p_i y_i / P`, `P = Σ p_i`, when `population` (finite, `> 0`,
///   one per region) is given.
///
/// The divisor is `n`, not `n − 1`: the regions are the whole population of
/// regions, not a sample from one, so the dispersion is a population moment
/// (as in Sala-i-Martin's σ and in Williamson's index, whose weights sum to 1;
/// with equal populations Williamson's index equals `cv`). A single region
/// has dispersion 0.
pub fn sigma(values: &[f64], population: Option<&[f64]>) -> Result<Sigma, IndexError> {
    let n = values.len();
    if n == 0 {
        return Err(IndexError::TooFew {
            what: "sigma",
            need: 1,
            got: 0,
        });
    }
    positive("values", values)?;
    let nf = n as f64;
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let m = logs.iter().sum::<f64>() / nf;
    let sd_log = (logs.iter().map(|l| (l - m) * (l - m)).sum::<f64>() / nf).sqrt();
    let mean = finite("mean", values.iter().sum::<f64>() / nf)?;
    let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf).sqrt();
    let cv = finite("coefficient of variation", sd / mean)?;
    let williamson = match population {
        None => None,
        Some(p) => {
            if p.len() != n {
                return Err(IndexError::LengthMismatch {
                    what: "values and population",
                    left: n,
                    right: p.len(),
                });
            }
            positive("population", p)?;
            Some(finite("Williamson coefficient", weighted_cv(values, p))?)
        }
    };
    Ok(Sigma {
        n,
        sd_log: finite("SD of log values", sd_log)?,
        cv,
        williamson,
    })
}

/// `sqrt(Σ (p_i/P)(y_i − ȳ)²) / ȳ` with `ȳ` the `p`-weighted mean.
fn weighted_cv(y: &[f64], p: &[f64]) -> f64 {
    let total: f64 = p.iter().sum();
    let mean = y.iter().zip(p).map(|(y, p)| p * y).sum::<f64>() / total;
    let var = y
        .iter()
        .zip(p)
        .map(|(y, p)| p / total * (y - mean) * (y - mean))
        .sum::<f64>();
    var.sqrt() / mean
}

/// β-convergence: the cross-region regression of annual growth on the
/// initial level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beta {
    /// Number of regions.
    pub n: usize,
    /// Length of the period `T`, in years.
    pub years: f64,
    /// Intercept `α`.
    pub alpha: f64,
    /// Slope `β` on `ln y_0`; negative means poorer regions grew faster
    /// (absolute β-convergence).
    pub beta: f64,
    /// Classical OLS standard error of `β`.
    pub se_beta: f64,
    /// `β / se_beta`; `±∞` for an exact fit with `β ≠ 0`, 0 when `β = 0` and
    /// the fit is exact.
    pub t: f64,
    /// Two-sided p-value of `t` under Student's t with `n − 2` degrees of
    /// freedom.
    pub p_value: f64,
    /// Coefficient of determination (1 for an exact fit).
    pub r_squared: f64,
    /// Implied speed of convergence `λ = −ln(1 + βT)/T`, when `1 + βT > 0`.
    pub speed: Option<f64>,
    /// Half-life `ln 2 / λ` in years, when `λ > 0`.
    pub half_life: Option<f64>,
}

/// Absolute β-convergence (Barro & Sala-i-Martin 1992): OLS of
/// `g_i = ln(y_iT / y_i0) / T` on `ln y_i0`, `g = α + β ln y_0 + ε`.
///
/// `initial` and `final_values` hold one level per region (finite, `> 0`),
/// `years` the length `T > 0` of the period. Needs at least 3 regions (one
/// residual degree of freedom) and initial levels that are not all equal.
///
/// Since `ln(y_T/y_0)/T = −(1 − e^{−λT})/T · ln y_0 + …`, the slope implies
/// the speed `λ = −ln(1 + βT)/T` (defined when `1 + βT > 0`) and the
/// half-life `ln 2 / λ` (when `λ > 0`, i.e. `β < 0`): the time for half of a
/// region's log gap to the common steady state to close.
pub fn beta(initial: &[f64], final_values: &[f64], years: f64) -> Result<Beta, IndexError> {
    let n = initial.len();
    if final_values.len() != n {
        return Err(IndexError::LengthMismatch {
            what: "initial and final values",
            left: n,
            right: final_values.len(),
        });
    }
    if n < 3 {
        return Err(IndexError::TooFew {
            what: "beta convergence",
            need: 3,
            got: n,
        });
    }
    if !(years.is_finite() && years > 0.0) {
        return Err(IndexError::InvalidValue {
            what: "years",
            index: 0,
            value: years,
        });
    }
    positive("initial values", initial)?;
    positive("final values", final_values)?;

    let nf = n as f64;
    let x: Vec<f64> = initial.iter().map(|v| v.ln()).collect();
    let g: Vec<f64> = initial
        .iter()
        .zip(final_values)
        .map(|(a, b)| (b / a).ln() / years)
        .collect();
    let mx = x.iter().sum::<f64>() / nf;
    let mg = g.iter().sum::<f64>() / nf;
    let sxx: f64 = x.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = x.iter().zip(&g).map(|(x, g)| (x - mx) * (g - mg)).sum();
    let syy: f64 = g.iter().map(|g| (g - mg) * (g - mg)).sum();
    if !(sxx > 0.0) {
        return Err(IndexError::Invalid(
            "beta convergence: the initial values are all equal, so the slope is undefined".into(),
        ));
    }
    let b = finite("beta", sxy / sxx)?;
    let a = finite("alpha", mg - b * mx)?;
    let ssr: f64 = x
        .iter()
        .zip(&g)
        .map(|(x, g)| {
            let e = g - a - b * x;
            e * e
        })
        .sum();
    let df = nf - 2.0;
    let se = finite("standard error", (ssr / df / sxx).sqrt())?;
    let t = if se > 0.0 {
        b / se
    } else if b == 0.0 {
        0.0
    } else {
        f64::INFINITY.copysign(b)
    };
    let p_value = if t == 0.0 {
        1.0
    } else {
        // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2); t = ±∞ gives 0.
        let h = if t.is_infinite() {
            0.0
        } else {
            df / (df + t * t)
        };
        statrs::function::beta::checked_beta_reg(df / 2.0, 0.5, h)
            .map_err(|e| IndexError::Invalid(format!("beta convergence: p-value: {e}")))?
    };
    let r_squared = if ssr == 0.0 || syy == 0.0 {
        1.0
    } else {
        (1.0 - ssr / syy).max(0.0)
    };
    let speed = {
        let q = 1.0 + b * years;
        (q > 0.0).then(|| (0.0 - q.ln()) / years)
    };
    let half_life = speed
        .filter(|&l| l > 0.0)
        .map(|l| std::f64::consts::LN_2 / l);
    Ok(Beta {
        n,
        years,
        alpha: a,
        beta: b,
        se_beta: se,
        t,
        p_value,
        r_squared,
        speed,
        half_life,
    })
}

/// One group of regions in a Theil decomposition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheilGroup {
    /// The group id.
    pub group: usize,
    /// The group's share of the population, `P_g / P`.
    pub population_share: f64,
    /// The group's share of income, `S_g = Σ_{i∈g} p_i y_i / Σ p y`.
    pub income_share: f64,
    /// The group's population-weighted mean `ȳ_g`.
    pub mean: f64,
    /// The Theil T index within the group, `T_g`.
    pub theil: f64,
}

/// The population-weighted Theil T index across regions, split between and
/// within groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Theil {
    /// `T = Σ s_i ln(y_i / ȳ)`, computed directly.
    pub total: f64,
    /// `Σ_g S_g ln(ȳ_g / ȳ)`.
    pub between: f64,
    /// `Σ_g S_g T_g`.
    pub within: f64,
    /// The groups present, in ascending id order.
    pub groups: Vec<TheilGroup>,
}

/// Theil T across regions with populations, decomposed by groups of regions
/// (Theil 1967; Shorrocks 1980).
///
/// Each region `i` has a value `y_i` (finite, `> 0`), a population `p_i`
/// (finite, `> 0`) and a group id. With `ȳ = Σ p y / Σ p` and income shares
/// `s_i = p_i y_i / Σ p y`:
///
/// ```text
/// T       = Σ_i s_i ln(y_i / ȳ)
/// between = Σ_g S_g ln(ȳ_g / ȳ)
/// within  = Σ_g S_g T_g          T_g the same index within group g
/// ```
///
/// and `T = between + within` exactly in exact arithmetic (the total is
/// computed on its own, so the identity checks the arithmetic to rounding).
/// Every region counts as `p_i` people with income `y_i`, so the results are
/// invariant to scaling the values, to the order of regions and to splitting
/// a region into parts with the same value. Equal values give 0 (to
/// rounding, about 1e-16, which may have either sign).
pub fn theil_groups(
    values: &[f64],
    population: &[f64],
    group: &[usize],
) -> Result<Theil, IndexError> {
    let n = values.len();
    if population.len() != n {
        return Err(IndexError::LengthMismatch {
            what: "values and population",
            left: n,
            right: population.len(),
        });
    }
    if group.len() != n {
        return Err(IndexError::LengthMismatch {
            what: "values and groups",
            left: n,
            right: group.len(),
        });
    }
    if n == 0 {
        return Err(IndexError::TooFew {
            what: "theil",
            need: 1,
            got: 0,
        });
    }
    positive("values", values)?;
    positive("population", population)?;

    let p_total: f64 = population.iter().sum();
    let y_total: f64 = values.iter().zip(population).map(|(y, p)| y * p).sum();
    let mean = finite("mean", y_total / p_total)?;
    let total = finite("Theil index", theil_t(values, population, y_total, mean))?;

    // Per group: indices of its regions.
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &g) in group.iter().enumerate() {
        members.entry(g).or_default().push(i);
    }
    let mut groups = Vec::with_capacity(members.len());
    let (mut between, mut within) = (0.0, 0.0);
    for (g, idx) in members {
        let y: Vec<f64> = idx.iter().map(|&i| values[i]).collect();
        let p: Vec<f64> = idx.iter().map(|&i| population[i]).collect();
        let pg: f64 = p.iter().sum();
        let yg: f64 = y.iter().zip(&p).map(|(y, p)| y * p).sum();
        let mean_g = yg / pg;
        let share = yg / y_total;
        let tg = theil_t(&y, &p, yg, mean_g);
        between += share * (mean_g / mean).ln();
        within += share * tg;
        groups.push(TheilGroup {
            group: g,
            population_share: pg / p_total,
            income_share: share,
            mean: finite("group mean", mean_g)?,
            theil: finite("group Theil index", tg)?,
        });
    }
    Ok(Theil {
        total,
        between: finite("between-group Theil", between)?,
        within: finite("within-group Theil", within)?,
        groups,
    })
}

/// `Σ (p_i y_i / y_total) ln(y_i / mean)`.
fn theil_t(y: &[f64], p: &[f64], y_total: f64, mean: f64) -> f64 {
    y.iter()
        .zip(p)
        .map(|(y, p)| p * y / y_total * (y / mean).ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_populations_make_williamson_the_cv() {
        let y = [1.0, 2.0, 6.0];
        let s = sigma(&y, Some(&[5.0, 5.0, 5.0])).unwrap();
        assert!((s.williamson.unwrap() - s.cv).abs() < 1e-15);
    }

    #[test]
    fn one_region_has_no_dispersion() {
        let s = sigma(&[42.0], Some(&[7.0])).unwrap();
        assert_eq!((s.sd_log, s.cv, s.williamson), (0.0, 0.0, Some(0.0)));
    }

    #[test]
    fn exact_fit_with_zero_slope() {
        // Every region doubles: g = ln 2 for all (exactly, the mean of four
        // equal values is exact), so β = 0, the fit is exact, λ = 0.
        let b = beta(&[1.0, 2.0, 4.0, 8.0], &[2.0, 4.0, 8.0, 16.0], 1.0).unwrap();
        assert_eq!(b.beta, 0.0);
        assert_eq!(b.se_beta, 0.0);
        assert_eq!((b.t, b.p_value, b.r_squared), (0.0, 1.0, 1.0));
        assert!((b.alpha - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(b.speed.map(f64::to_bits), Some(0.0f64.to_bits()));
        assert_eq!(b.half_life, None);
    }
}
