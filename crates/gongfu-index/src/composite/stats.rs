//! Small statistics used by the pipeline: moments, the type-7 quantile,
//! sample skewness and kurtosis as COINr computes them, and ranks.

use crate::IndexError;

/// Scores that agree to this relative precision are ties when ranking.
pub(crate) const TIE_RELATIVE: f64 = 1e-9;

/// Arithmetic mean of a non-empty slice.
pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample standard deviation (divisor `n − 1`) of a slice with `n ≥ 2`.
pub(crate) fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (x.len() as f64 - 1.0)).sqrt()
}

/// Hyndman–Fan type-7 quantile (R's default) of an ascending, non-empty slice:
/// `h = (n − 1)p`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`.
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    quantile_of(sorted.len(), p, |k| sorted[k])
}

/// Type-7 quantile of `n ≥ 1` values given by their order statistics
/// `at(k)`, `k = 0..n` (0-based, ascending).
pub(crate) fn quantile_of(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    let h = (n as f64 - 1.0) * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (at(lo), at(hi));
    a + (h - lo as f64) * (b - a)
}

/// Median (type 7: the mean of the two middle values when `n` is even).
pub(crate) fn median(x: &[f64]) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    quantile_sorted(&s, 0.5)
}

fn check_moment_input(
    what: &'static str,
    x: &[f64],
    need: usize,
) -> Result<(f64, f64), IndexError> {
    if x.len() < need {
        return Err(IndexError::TooFew {
            what,
            need,
            got: x.len(),
        });
    }
    if let Some((index, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(IndexError::InvalidValue { what, index, value });
    }
    let m = mean(x);
    let m2: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    if !(m2 > 0.0) {
        return Err(IndexError::Invalid(format!(
            "{what}: all {} values are equal, the moment is undefined",
            x.len()
        )));
    }
    Ok((m, m2))
}

/// Sample skewness as COINr's `skew()` (e1071 `skewness(type = 2)`, Excel's
/// `SKEW`): with `d = x − x̄`, `g₁ = √n Σd³ / (Σd²)^{3/2}` and
/// `G₁ = g₁ √(n(n−1)) / (n−2)`.
///
/// Needs at least 3 values, all finite and not all equal.
pub fn skewness(x: &[f64]) -> Result<f64, IndexError> {
    let (m, m2) = check_moment_input("skewness", x, 3)?;
    let n = x.len() as f64;
    let m3: f64 = x.iter().map(|v| (v - m).powi(3)).sum();
    let g1 = n.sqrt() * m3 / m2.powf(1.5);
    Ok(g1 * (n * (n - 1.0)).sqrt() / (n - 2.0))
}

/// Sample excess kurtosis as COINr's `kurt()` (e1071 `kurtosis(type = 2)`,
/// Excel's `KURT`): with `r = n Σd⁴ / (Σd²)²`,
/// `G₂ = ((n+1)(r − 3) + 6)(n − 1) / ((n − 2)(n − 3))`.
///
/// Needs at least 4 values, all finite and not all equal.
pub fn kurtosis(x: &[f64]) -> Result<f64, IndexError> {
    let (m, m2) = check_moment_input("kurtosis", x, 4)?;
    let n = x.len() as f64;
    let m4: f64 = x.iter().map(|v| (v - m).powi(4)).sum();
    let r = n * m4 / (m2 * m2);
    Ok(((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0)))
}

/// Whether two scores are ties: equal to [`TIE_RELATIVE`] relative precision.
pub(crate) fn tie(a: f64, b: f64) -> bool {
    (a - b).abs() <= TIE_RELATIVE * a.abs().max(b.abs()).max(1.0)
}

/// Ranks of `scores`, 1 = highest. Ties share the lowest rank of their group
/// (competition ranking, "1, 2, 2, 4"); scores equal to 9 significant digits
/// are ties, so that ranks do not depend on rounding in the last bits.
pub fn rank_descending(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    rank_into(scores, &mut order, &mut vec![0; scores.len()]).to_vec()
}

/// [`rank_descending`] reusing buffers: `order` is scratch of length `n`,
/// `out` receives the ranks.
pub(crate) fn rank_into<'a>(
    scores: &[f64],
    order: &mut [usize],
    out: &'a mut [usize],
) -> &'a [usize] {
    for (k, o) in order.iter_mut().enumerate() {
        *o = k;
    }
    // Descending by score; the unit index breaks exact ties so the order is total.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut leader = 0;
    for pos in 0..order.len() {
        let i = order[pos];
        if pos > 0 && tie(scores[order[leader]], scores[i]) {
            out[i] = out[order[leader]];
        } else {
            leader = pos;
            out[i] = pos + 1;
        }
    }
    out
}
