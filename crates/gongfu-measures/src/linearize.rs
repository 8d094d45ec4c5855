//! Influence (linearised) values: the basis of design-based standard errors.
//!
//! For an estimate θ̂ of a measure, the influence values `z_i` are such that
//! θ̂ − θ ≈ Σ_i w_i z_i over the sample (Deville 1999; Osier 2009). The
//! variance layer aggregates `w_i z_i` by PSU within strata. A measure of a
//! domain puts its own terms on the domain's observations and, when it uses a
//! national threshold (a median of the whole population), adds the
//! threshold's influence on the whole population's observations.

use crate::ctx::Ctx;
use crate::dist::View;
use crate::error::{MeasureError, Result};
use crate::registry::Args;

/// The influence values of one estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Influence {
    /// `z` on the domain's observations, aligned with the sorted positions of
    /// `ctx.dist` (0 where an observation does not count, e.g. excluded as non-positive).
    pub domain: Vec<f64>,
    /// `z` on the whole population's observations, aligned with the sorted
    /// positions of `ctx.whole` (the influence of national thresholds); `None`
    /// when the estimate depends on the domain only.
    pub whole: Option<Vec<f64>>,
}

impl Influence {
    /// Influence on the domain only.
    pub fn domain(values: Vec<f64>) -> Influence {
        Influence {
            domain: values,
            whole: None,
        }
    }

    /// Adds `c × z_whole` to the whole-population part.
    pub fn add_whole(&mut self, c: f64, z: &[f64]) {
        match &mut self.whole {
            Some(v) => v.iter_mut().zip(z).for_each(|(a, b)| *a += c * b),
            None => self.whole = Some(z.iter().map(|b| c * b).collect()),
        }
    }
}

/// Signature of a measure's linearisation: one [`Influence`] per output part,
/// in the order of the evaluation's parts.
pub type InflFn = fn(&Ctx<'_>, &Args) -> Result<Vec<Influence>>;

/// Expands values computed on a sub-view (e.g. the positive incomes) to the
/// whole domain, with zeros elsewhere.
pub(crate) fn on_domain(ctx: &Ctx<'_>, v: &View<'_>, z: Vec<f64>) -> Vec<f64> {
    if v.offset == 0 && v.len() == ctx.dist.len() {
        return z;
    }
    let mut out = vec![0.0; ctx.dist.len()];
    out[v.offset..v.offset + v.len()].copy_from_slice(&z);
    out
}

/// Convey's Gaussian kernel density of a view at `t`:
/// `f̂(t) = Σ w φ((t − x)/h) / (N h)` with `h = sqrt(Σwx²/N − μ²) · N^(−1/5)`.
pub fn density(v: &View<'_>, t: f64) -> f64 {
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let mu = v.mean();
    let m2 = crate::sum::sum_range(0, v.len(), |i| w[i] * x[i] * x[i]) / n;
    let h = (m2 - mu * mu).sqrt() / n.powf(0.2);
    let c = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    // x is sorted: only observations within 10 bandwidths of t carry weight
    // (φ(10) < 8e-23 of the peak), so the sum runs over that window only.
    let (lo, hi) = if h > 0.0 && h.is_finite() {
        (
            x.partition_point(|&xi| xi < t - 10.0 * h),
            x.partition_point(|&xi| xi <= t + 10.0 * h),
        )
    } else {
        (0, v.len())
    };
    let s = crate::sum::sum_range(lo, hi, |i| {
        let u = (t - x[i]) / h;
        w[i] * c * (-0.5 * u * u).exp()
    });
    s / (n * h)
}

/// The influence of the quantile of order `p` of a view under convey's
/// linearisation: `−(1{x ≤ q} − p)/(N f̂(q))`, on the view's observations.
pub fn quantile_influence(v: &View<'_>, p: f64, q: f64) -> Vec<f64> {
    let f = density(v, q);
    let n = v.total_weight();
    v.x.iter()
        .map(|&x| -((if x <= q { 1.0 } else { 0.0 }) - p) / (n * f))
        .collect()
}

/// The coefficients `[d1, d2, d3, d4]` of the Gini's influence value
/// through its totals `N = Σ w`, `Y = Σ w x`, `T1 = Σ w x C` (`C` the
/// cumulative weight in income order, up to and including the row) and
/// `T4 = Σ w² x`, by the delta method:
/// `z_i = d1 (Y − G_i + x_i w_i + C_i x_i) + d2 x_i + d3 + 2 d4 w_i x_i`,
/// `G_i` the cumulative `Σ w x` up to and including row `i` — convey's
/// `CalcGini_IF` for the convey form (`d4 = 0`), the Eurostat form
/// otherwise. Shared by the library's linearisation and any engine that
/// computes the same totals another way.
pub fn gini_coefficients(n: f64, y: f64, t1: f64, t4: f64, eurostat: bool) -> [f64; 4] {
    let num = if eurostat {
        2.0 * t1 - t4
    } else {
        2.0 * t1 - y
    };
    let d1 = 2.0 / (y * n);
    let (d2, d3) = if eurostat {
        (-num / (y * y * n), -num / (y * n * n))
    } else {
        (-2.0 * t1 / (y * y * n), -num / (y * n * n))
    };
    let d4 = if eurostat { -1.0 / (y * n) } else { 0.0 };
    [d1, d2, d3, d4]
}

/// A [`MeasureError`] for measures without a linearisation.
pub(crate) fn unsupported(id: &str) -> MeasureError {
    MeasureError::NoLinearization(id.to_string())
}
