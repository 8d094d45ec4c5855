//! Woodruff (1952) intervals for quantiles, as R survey's
//! `svyquantile(..., interval.type = "mean")`.

use crate::design::{Design, SurveyError, t_quantile, variance_fn};
use gongfu_measures::{Distribution, QuantileRule, quantile};

/// A quantile's standard error and confidence interval by Woodruff's method:
/// the share `m` of the domain at or below the estimated quantile gets its
/// linearised SE; the interval `m ± t·SE` is mapped back through the quantile
/// rule; SE = (upper − lower) / (2 t).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Woodruff {
    /// Standard error.
    pub se: f64,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Woodruff's SE and interval of the quantile of order `p` of `dist` (a
/// domain of `whole`, or `whole` itself), at confidence `level` with `df`
/// degrees of freedom (`f64::INFINITY` for normal intervals).
///
/// # Errors
/// [`SurveyError`] for a misaligned design; an empty domain gives `Invalid`.
pub fn woodruff(
    design: &Design,
    dist: &Distribution,
    _whole: &Distribution,
    p: f64,
    rule: QuantileRule,
    level: f64,
    df: f64,
) -> Result<Woodruff, SurveyError> {
    let v = dist.view();
    let q = quantile(&v, p, rule).map_err(|e| SurveyError::Invalid(e.to_string()))?;
    let n = v.total_weight();
    let k = v.count_at_most(q);
    let m = v.c_before(k) / n;
    // the influence of the estimated CDF at q: (1{x ≤ q} − m)/N; the values
    // are sorted, so x ≤ q exactly for the first k
    let (inside, outside) = ((1.0 - m) / n, -m / n);
    let se_m = variance_fn(design, dist, |i| if i < k { inside } else { outside })?.sqrt();
    let t = t_quantile(0.5 + level / 2.0, df);
    let at = |pp: f64| {
        quantile(&v, pp.clamp(0.0, 1.0), rule).map_err(|e| SurveyError::Invalid(e.to_string()))
    };
    let (lo, hi) = (at(m - t * se_m)?, at(m + t * se_m)?);
    Ok(Woodruff {
        se: (hi - lo) / (2.0 * t),
        lo,
        hi,
    })
}
