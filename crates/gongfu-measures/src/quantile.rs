//! Weighted quantile rules.

use crate::dist::View;
use crate::error::{MeasureError, Result};
use std::fmt;
use std::str::FromStr;

/// How a weighted quantile is read off the sorted distribution.
///
/// With `C_i` the cumulative weight and `N` the total weight:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum QuantileRule {
    /// The smallest `x_i` with `C_i/N > p`, except that when `C_i/N == p`
    /// exactly the result is `(x_i + x_{i+1})/2` (Eurostat; R laeken
    /// `weightedQuantile`). The default.
    #[default]
    Eurostat,
    /// The smallest `x_i` with `C_i/N >= p` (R survey `qrule="math"`, convey).
    InverseCdf,
    /// Linear interpolation of `x` over `p_k = C_{k-1}/C_{n-1}`, `p_1 = 0`
    /// (R survey `qrule="hf7"`, the weighted analogue of Hyndman–Fan type 7).
    Hf7,
}

impl QuantileRule {
    /// The rule's name as used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            QuantileRule::Eurostat => "eurostat",
            QuantileRule::InverseCdf => "inverse_cdf",
            QuantileRule::Hf7 => "hf7",
        }
    }
}

impl fmt::Display for QuantileRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QuantileRule {
    type Err = MeasureError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "eurostat" => Ok(QuantileRule::Eurostat),
            "inverse_cdf" | "math" => Ok(QuantileRule::InverseCdf),
            "hf7" => Ok(QuantileRule::Hf7),
            _ => Err(MeasureError::BadParameter {
                measure: "quantile".into(),
                message: format!("unknown quantile rule \"{s}\" (eurostat, inverse_cdf, hf7)"),
            }),
        }
    }
}

/// Index of the first observation with `C_i/N >= p`.
fn first_reaching(v: &View<'_>, p: f64) -> usize {
    let n = v.total_weight();
    // binary search on the monotone C_i/N
    let (mut a, mut b) = (0usize, v.len());
    while a < b {
        let m = a + (b - a) / 2;
        if v.c(m) / n < p {
            a = m + 1;
        } else {
            b = m;
        }
    }
    a
}

/// The weighted quantile of order `p` (0 ≤ p ≤ 1) under `rule`.
///
/// # Errors
/// [`MeasureError::Empty`] when the view has no positive weight;
/// [`MeasureError::BadParameter`] when `p` is outside `[0, 1]`.
pub fn quantile(v: &View<'_>, p: f64, rule: QuantileRule) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(MeasureError::BadParameter {
            measure: "quantile".into(),
            message: format!("p must be in [0, 1], got {p}"),
        });
    }
    let first = v.next_positive(0).ok_or(MeasureError::Empty(None))?;
    let last = v.last_positive().unwrap_or(first);
    let x = v.values();
    match rule {
        QuantileRule::Eurostat => {
            if p == 0.0 {
                return Ok(x[first]);
            }
            if p == 1.0 {
                return Ok(x[last]);
            }
            let j = first_reaching(v, p).min(last);
            if v.c(j) / v.total_weight() == p {
                match v.next_positive(j + 1) {
                    Some(k) => Ok((x[j] + x[k]) / 2.0),
                    None => Ok(x[j]),
                }
            } else {
                Ok(x[j])
            }
        }
        QuantileRule::InverseCdf => {
            let j = first_reaching(v, p).max(first).min(last);
            Ok(x[v.next_positive(j).unwrap_or(last)])
        }
        QuantileRule::Hf7 => Ok(hf7(v, p)),
    }
}

/// survey's `qrule_hf7`: drop zero weights, p_k = C_{k-1}/C_{n-1}, linear
/// interpolation with R `approx(rule = 2)` semantics.
fn hf7(v: &View<'_>, p: f64) -> f64 {
    let idx: Vec<usize> = (0..v.len()).filter(|&i| v.w[i] > 0.0).collect();
    let n = idx.len();
    let x = |k: usize| v.x[idx[k]];
    if n == 1 {
        return x(0);
    }
    // cumulative weights of the positive-weight observations
    let mut cw = Vec::with_capacity(n);
    let mut acc = crate::sum::Acc::default();
    for &i in &idx {
        acc.add(v.w[i]);
        cw.push(acc.value());
    }
    let denom = cw[n - 2];
    let pk = |k: usize| if k == 0 { 0.0 } else { cw[k - 1] / denom };
    if p <= pk(0) {
        return x(0);
    }
    if p >= pk(n - 1) {
        return x(n - 1);
    }
    let (mut i, mut j) = (0usize, n - 1);
    while i + 1 < j {
        let m = (i + j) / 2;
        if p < pk(m) {
            j = m;
        } else {
            i = m;
        }
    }
    if p == pk(j) {
        return x(j);
    }
    if p == pk(i) {
        return x(i);
    }
    x(i) + (x(j) - x(i)) * ((p - pk(i)) / (pk(j) - pk(i)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Distribution;

    #[test]
    fn eurostat_averages_at_exact_cut() {
        let d = Distribution::new(&[1.0, 2.0, 3.0, 4.0], None).unwrap();
        let v = d.view();
        assert_eq!(quantile(&v, 0.5, QuantileRule::Eurostat).unwrap(), 2.5);
        assert_eq!(quantile(&v, 0.5, QuantileRule::InverseCdf).unwrap(), 2.0);
        assert_eq!(quantile(&v, 0.6, QuantileRule::Eurostat).unwrap(), 3.0);
        assert_eq!(quantile(&v, 0.0, QuantileRule::Eurostat).unwrap(), 1.0);
        assert_eq!(quantile(&v, 1.0, QuantileRule::Eurostat).unwrap(), 4.0);
        // hf7 on equal weights is R's type 7: p_k = (k-1)/(n-1)
        assert!((quantile(&v, 0.5, QuantileRule::Hf7).unwrap() - 2.5).abs() < 1e-15);
        assert!((quantile(&v, 0.25, QuantileRule::Hf7).unwrap() - 1.75).abs() < 1e-15);
        assert!(quantile(&v, 1.5, QuantileRule::Hf7).is_err());
    }
}
