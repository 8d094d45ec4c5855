//! Small numerical tools: least squares, quadrature on an interval with
//! endpoint singularities, and bracketed root finding. None of them panics;
//! failures are `None`.

/// Least squares `min ‖Xβ − y‖²` by Householder QR. `x` holds the rows of X.
///
/// `None` when X is rank deficient (a column is, to 1e-12 relative, a
/// combination of the others) or a value is not finite.
pub(crate) fn least_squares<const K: usize>(x: &[[f64; K]], y: &[f64]) -> Option<[f64; K]> {
    let n = x.len();
    if n < K || y.len() != n {
        return None;
    }
    if x.iter().flatten().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    // column-major copy of X and a copy of y, transformed in place
    let mut a: Vec<Vec<f64>> = (0..K).map(|j| x.iter().map(|r| r[j]).collect()).collect();
    let mut b = y.to_vec();
    let scale = a
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0_f64, f64::max);
    if !(scale > 0.0) {
        return None;
    }
    let mut diag = [0.0; K];
    for j in 0..K {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 1e-12 * scale) {
            return None;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        // v = x − alpha e1, stored in a[j][j..]
        a[j][j] -= alpha;
        let vnorm2: f64 = a[j][j..].iter().map(|v| v * v).sum();
        diag[j] = alpha;
        if vnorm2 == 0.0 {
            continue;
        }
        let (head, tail) = a.split_at_mut(j + 1);
        let v = &head[j][j..];
        for col in tail.iter_mut() {
            let dot: f64 = v.iter().zip(&col[j..]).map(|(p, q)| p * q).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in col[j..].iter_mut().zip(v) {
                *c -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&b[j..]).map(|(p, q)| p * q).sum();
        let f = 2.0 * dot / vnorm2;
        for (c, vi) in b[j..].iter_mut().zip(v) {
            *c -= f * vi;
        }
    }
    // back substitution on R (diag holds R_jj, a[k][j] for k > j holds R_jk)
    let mut beta = [0.0; K];
    for j in (0..K).rev() {
        let mut s = b[j];
        for k in j + 1..K {
            s -= a[k][j] * beta[k];
        }
        beta[j] = s / diag[j];
    }
    beta.iter().all(|v| v.is_finite()).then_some(beta)
}

/// ∫ₐᵇ f by double-exponential (tanh-sinh) quadrature, which tolerates
/// integrable singularities at the end points. The integrand gets the point
/// and its distances to `a` and to `b` (exact even where the point rounds to
/// an end). `None` when the integrand is not finite inside the interval or
/// the sum does not settle to a relative `tol` (a divergent integral).
pub(crate) fn integrate(f: impl Fn(f64, f64, f64) -> f64, a: f64, b: f64, tol: f64) -> Option<f64> {
    if !(a.is_finite() && b.is_finite()) || b < a {
        return None;
    }
    if b == a {
        return Some(0.0);
    }
    let half = 0.5 * (b - a);
    let mid = 0.5 * (a + b);
    let tmax = 4.0_f64;
    let pi2 = std::f64::consts::FRAC_PI_2;
    // one node: returns w·f, or None if f is not finite
    let node = |t: f64| -> Option<f64> {
        let u = pi2 * t.sinh();
        let e = (-2.0 * u.abs()).exp();
        // distance from the nearer end, relative to the half width: 2e/(1+e)
        let d = half * 2.0 * e / (1.0 + e);
        let cu = u.cosh();
        let w = half * pi2 * t.cosh() / (cu * cu);
        if !(d > 0.0) || w == 0.0 {
            return Some(0.0);
        }
        let (x, da, db) = if t < 0.0 {
            (a + d, d, (b - a) - d)
        } else if t > 0.0 {
            (b - d, (b - a) - d, d)
        } else {
            (mid, half, half)
        };
        let v = f(x, da, db);
        if !v.is_finite() {
            return None;
        }
        Some(w * v)
    };
    let mut h = 1.0_f64;
    let mut sum = node(0.0)?;
    let mut k = 1;
    loop {
        let t = k as f64 * h;
        if t > tmax {
            break;
        }
        sum += node(t)? + node(-t)?;
        k += 1;
    }
    let mut estimate = sum * h;
    for _level in 0..9 {
        h *= 0.5;
        // add the odd nodes of the finer level
        let mut add = 0.0;
        let mut k = 1;
        let mut tail = 0.0_f64;
        loop {
            let t = k as f64 * h;
            if t > tmax {
                break;
            }
            let (p, q) = (node(t)?, node(-t)?);
            add += p + q;
            tail = p.abs().max(q.abs());
            k += 2;
        }
        sum += add;
        let next = sum * h;
        let scale = next.abs().max(1e-300);
        let settled = (next - estimate).abs() <= tol * scale;
        estimate = next;
        // the outermost nodes must have died away, else the integral diverges
        if settled && tail * h <= 1e-3 * tol.max(1e-12) * scale.max(1.0) {
            return Some(estimate);
        }
    }
    None
}

/// The smallest `x` in `[lo, hi]` with `g(x) ≥ 0`, for a nondecreasing `g`
/// with `g(lo) < 0 ≤ g(hi)`: bracketed Newton steps (with derivative `dg`)
/// falling back to bisection. `None` if the bracket is not a bracket or a
/// value is not finite.
pub(crate) fn solve_increasing(
    g: impl Fn(f64) -> f64,
    dg: impl Fn(f64) -> f64,
    mut lo: f64,
    mut hi: f64,
) -> Option<f64> {
    let (glo, ghi) = (g(lo), g(hi));
    if !(glo < 0.0 && ghi >= 0.0) {
        return None;
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..200 {
        if hi - lo <= 4.0 * f64::EPSILON * hi.abs().max(1e-300) {
            break;
        }
        let gx = g(x);
        if gx.is_nan() {
            return None;
        }
        if gx < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        // Newton step from x; accept it when it stays well inside the bracket
        let d = dg(x);
        let newton = x - gx / d;
        let width = hi - lo;
        x = if d.is_finite() && d > 0.0 && newton > lo + 1e-3 * width && newton < hi - 1e-3 * width
        {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if gx == 0.0 {
            // the smallest root: keep shrinking from above
            x = 0.5 * (lo + hi);
        }
    }
    Some(hi)
}

/// Bisection for a nondecreasing `g` with `g(lo) < 0 ≤ g(hi)` (no derivative).
pub(crate) fn bisect(g: impl Fn(f64) -> f64, lo: f64, hi: f64) -> Option<f64> {
    solve_increasing(g, |_| f64::NAN, lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_exact_coefficients_and_refuses_collinear_columns() {
        let rows: Vec<[f64; 3]> = (0..7)
            .map(|i| {
                let t = i as f64 * 0.3 + 0.1;
                [1.0, t, t * t]
            })
            .collect();
        let y: Vec<f64> = rows.iter().map(|r| 2.0 - 3.0 * r[1] + 0.5 * r[2]).collect();
        let b = least_squares(&rows, &y).unwrap();
        assert!((b[0] - 2.0).abs() < 1e-12 && (b[1] + 3.0).abs() < 1e-12);
        assert!((b[2] - 0.5).abs() < 1e-12);
        // residual orthogonal to the columns when y is not in the span
        let y2: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(i, v)| v + (i as f64).sin())
            .collect();
        let b2 = least_squares(&rows, &y2).unwrap();
        for j in 0..3 {
            let dot: f64 = rows
                .iter()
                .zip(&y2)
                .map(|(r, v)| r[j] * (v - (b2[0] * r[0] + b2[1] * r[1] + b2[2] * r[2])))
                .sum();
            assert!(dot.abs() < 1e-10, "{dot}");
        }
        let collinear: Vec<[f64; 3]> = rows.iter().map(|r| [r[0], r[1], 2.0 * r[1]]).collect();
        assert!(least_squares(&collinear, &y).is_none());
        assert!(least_squares(&rows[..2], &y[..2]).is_none());
    }

    #[test]
    fn quadrature_handles_end_point_singularities_and_detects_divergence() {
        let v = integrate(|x, _, _| x.sqrt(), 0.0, 1.0, 1e-12).unwrap();
        assert!((v - 2.0 / 3.0).abs() < 1e-12, "{v}");
        let v = integrate(|x, _, _| 1.0 / x.sqrt(), 0.0, 1.0, 1e-10).unwrap();
        assert!((v - 2.0).abs() < 1e-9, "{v}");
        let v = integrate(|_, _, db| db.ln(), 0.0, 1.0, 1e-12).unwrap();
        assert!((v + 1.0).abs() < 1e-11, "{v}");
        let v = integrate(|x, _, _| x.exp(), 0.5, 2.0, 1e-13).unwrap();
        assert!((v - (2f64.exp() - 0.5f64.exp())).abs() < 1e-12, "{v}");
        assert!(integrate(|x, _, _| 1.0 / x, 0.0, 1.0, 1e-8).is_none());
        assert!(integrate(|_, _, _| f64::NAN, 0.0, 1.0, 1e-8).is_none());
        assert_eq!(integrate(|x, _, _| x, 0.3, 0.3, 1e-8), Some(0.0));
    }

    #[test]
    fn roots_are_bracketed_and_the_smallest() {
        let r = solve_increasing(|x| x * x * x - 0.125, |x| 3.0 * x * x, 0.0, 1.0).unwrap();
        assert!((r - 0.5).abs() < 1e-14);
        // a step: the smallest x with g(x) >= 0 is the step itself
        let r = bisect(|x| if x < 0.3 { -1.0 } else { x - 0.3 }, 0.0, 1.0).unwrap();
        assert!((r - 0.3).abs() < 1e-14, "{r}");
        assert!(bisect(|x| x + 1.0, 0.0, 1.0).is_none());
        assert!(bisect(|_| f64::NAN, 0.0, 1.0).is_none());
    }
}
