//! Statistics of the distribution a Lorenz curve and a mean describe: the
//! income at rank p is x(p) = μ L′(p).

use crate::curve::Curve;
use crate::error::{Result, bad, undefined};
use crate::numeric::integrate;

/// Relative accuracy asked of the quadrature.
const TOL: f64 = 1e-11;

/// 1 − p for a quadrature node p on [·, upper] whose distance to `upper` is
/// `db`: exact when the interval ends at 1.
fn complement(p: f64, db: f64, upper: f64) -> f64 {
    if upper >= 1.0 { db } else { 1.0 - p }
}

/// Gini = 1 − 2 ∫₀¹ L(p) dp.
pub fn gini(c: &Curve) -> Result<f64> {
    let area = integrate(|p, _, q| c.l_pq(p, q), 0.0, 1.0, TOL)
        .ok_or_else(|| undefined("gini", "the area under the fitted curve does not converge"))?;
    Ok(1.0 - 2.0 * area)
}

/// The income at rank p: μ L′(p).
pub fn quantile(c: &Curve, mean: f64, p: f64, measure: &str) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(bad(
            measure,
            format!("the order p must be in (0, 1), got {p}"),
        ));
    }
    let v = mean * c.dl(p);
    if !v.is_finite() {
        return Err(undefined(
            measure,
            format!("the fitted slope at p = {p} is not finite"),
        ));
    }
    Ok(v)
}

/// The Lorenz ordinate L(p), p in [0, 1].
pub fn lorenz(c: &Curve, p: f64, measure: &str) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(bad(
            measure,
            format!("the population fraction must be in [0, 1], got {p}"),
        ));
    }
    // the end points exactly (a valid curve passes through them)
    if p == 0.0 {
        return Ok(0.0);
    }
    if p == 1.0 {
        return Ok(1.0);
    }
    Ok(c.l(p))
}

fn check_line(z: f64, measure: &str) -> Result<()> {
    if !(z.is_finite() && z > 0.0) {
        return Err(bad(
            measure,
            format!("the line must be a positive number, got {z}"),
        ));
    }
    Ok(())
}

/// The population share with income below z: H = F(z).
pub fn headcount(c: &Curve, mean: f64, z: f64, measure: &str) -> Result<f64> {
    check_line(z, measure)?;
    c.headcount(z / mean).ok_or_else(|| {
        undefined(
            measure,
            format!("the fitted curve's slope never crosses z/μ = {}", z / mean),
        )
    })
}

/// FGT(α) = ∫₀ᴴ (1 − x(p)/z)^α dp; FGT(1) = H − μL(H)/z exactly.
pub fn fgt(c: &Curve, mean: f64, alpha: f64, z: f64) -> Result<f64> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(bad(
            "fgt",
            format!("alpha must be a number ≥ 0, got {alpha}"),
        ));
    }
    let h = headcount(c, mean, z, "fgt")?;
    if alpha == 0.0 || h == 0.0 {
        return Ok(h);
    }
    let u = mean / z;
    if alpha == 1.0 {
        return Ok(h - u * c.l(h));
    }
    integrate(
        |p, _, db| {
            let gap = (1.0 - u * c.dl_pq(p, complement(p, db, h))).max(0.0);
            gap.powf(alpha)
        },
        0.0,
        h,
        TOL,
    )
    .ok_or_else(|| undefined("fgt", "the integral over the poor does not converge"))
}

/// The bottom end of the positive incomes: the smallest p with L′(p) > 0
/// (0 for a curve whose slope is positive from the start).
pub fn first_positive(c: &Curve) -> f64 {
    c.headcount(f64::MIN_POSITIVE).unwrap_or(0.0)
}

/// Watts = ∫ ln(z / x(p)) dp over the poor with positive income.
///
/// A Beta curve that passes the validity check at p = 0.001 may still dip
/// below zero slope closer to 0; that sliver (reported by
/// [`first_positive`]) has no logarithm and is left out, as PIP does.
pub fn watts(c: &Curve, mean: f64, z: f64) -> Result<f64> {
    let h = headcount(c, mean, z, "watts")?;
    let p0 = first_positive(c);
    if h <= p0 {
        return Ok(0.0);
    }
    let lz = (z / mean).ln();
    // next to p0 the slope rounds to 0; there it is L″(p0)·(p − p0)
    let curvature = c.ddl(p0.max(1e-12)).max(f64::MIN_POSITIVE);
    let slope = |p: f64, da: f64, db: f64| {
        let s = c.dl_pq(p, complement(p, db, h));
        if s > 0.0 { s } else { curvature * da }
    };
    integrate(|p, da, q| lz - slope(p, da, q).ln(), p0, h, TOL)
        .ok_or_else(|| undefined("watts", "ln(z/x) is not integrable over the poor"))
}

/// Prosperity gap = ∫₀¹ z / x(p) dp (Kraay et al. 2023).
pub fn prosperity_gap(c: &Curve, mean: f64, z: f64) -> Result<f64> {
    check_line(z, "prosperity_gap")?;
    let p0 = first_positive(c);
    if p0 > 0.0 {
        return Err(undefined(
            "prosperity_gap",
            format!(
                "the fitted curve's incomes reach 0 at p = {p0:.3e}, so the mean of z/x is infinite"
            ),
        ));
    }
    integrate(|p, _, q| z / (mean * c.dl_pq(p, q)), 0.0, 1.0, TOL).ok_or_else(|| {
        undefined(
            "prosperity_gap",
            "the fitted incomes approach 0 at the bottom so fast that the mean of z/x diverges",
        )
    })
}

// reference values are written as published
#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::curve::{Beta, Gq};

    fn gq() -> Curve {
        Curve::Gq(Gq::new(
            0.795981535745657,
            -1.4445933880119242,
            0.14728191995919815,
        ))
    }

    #[test]
    fn fgt2_by_quadrature_equals_datts_closed_form() {
        let Curve::Gq(g) = gq() else { unreachable!() };
        let (mean, z) = (51.5660557757944, 57.791666666666664);
        let h = headcount(&gq(), mean, z, "fgt").unwrap();
        let pg = fgt(&gq(), mean, 1.0, z).unwrap();
        let u = mean / z;
        let r = g.r();
        let s1 = (r - g.n) / (2.0 * g.m);
        let s2 = -(r + g.n) / (2.0 * g.m);
        let closed = 2.0 * pg
            - h
            - u * u * (g.a * h + g.b * g.l(h) - r / 16.0 * ((1.0 - h / s1) / (1.0 - h / s2)).ln());
        let num = fgt(&gq(), mean, 2.0, z).unwrap();
        assert!((num - closed).abs() < 1e-11, "{num} vs {closed}");
        // FGT(1) by quadrature equals H − μL(H)/z
        let pg_num = fgt(&gq(), mean, 1.000_000_000_1, z).unwrap();
        assert!((pg_num - pg).abs() < 1e-9);
    }

    #[test]
    fn gini_matches_the_closed_form_for_the_uniform_and_a_power_curve() {
        // L(p) = p − θ p (1 − p): δ = γ = 1 is the uniform distribution on
        // [μ(1−θ), μ(1+θ)], Gini θ/3.
        let c = Curve::Beta(Beta {
            theta: 0.6,
            gamma: 1.0,
            delta: 1.0,
        });
        assert!((gini(&c).unwrap() - 0.2).abs() < 1e-13);
        let q = quantile(&c, 10.0, 0.25, "quantile").unwrap();
        assert!((q - 10.0 * (0.4 + 1.2 * 0.25)).abs() < 1e-12);
        // headcount of a uniform on [4, 16] at 7: 0.25; FGT1 = ∫(1 − x/7) over the poor
        let h = headcount(&c, 10.0, 7.0, "fgt").unwrap();
        assert!((h - 0.25).abs() < 1e-13, "{h}");
        let pg = fgt(&c, 10.0, 1.0, 7.0).unwrap();
        assert!((pg - 0.25 * (1.0 - 5.5 / 7.0)).abs() < 1e-13);
        // Watts: ∫ ln(7/x) dF for x uniform on [4, 7] with density 1/12
        let w = watts(&c, 10.0, 7.0).unwrap();
        let exact = (3.0 * 7f64.ln() - (7.0 * 7f64.ln() - 7.0 - 4.0 * 4f64.ln() + 4.0)) / 12.0;
        assert!((w - exact).abs() < 1e-12, "{w} vs {exact}");
        // prosperity gap: E[z/x] = z/12 · ln(16/4)
        let pgap = prosperity_gap(&c, 10.0, 7.0).unwrap();
        assert!((pgap - 7.0 / 12.0 * 4f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn lines_and_orders_out_of_range_are_refused() {
        assert!(quantile(&gq(), 1.0, 1.0, "quantile").is_err());
        assert!(quantile(&gq(), 1.0, f64::NAN, "quantile").is_err());
        assert!(fgt(&gq(), 1.0, 0.0, -3.0).is_err());
        assert!(fgt(&gq(), 1.0, -1.0, 3.0).is_err());
        assert!(prosperity_gap(&gq(), 1.0, 0.0).is_err());
        assert!(lorenz(&gq(), 1.5, "lorenz").is_err());
    }

    #[test]
    fn beta_curve_dipping_below_zero_slope_has_no_prosperity_gap() {
        let c = Curve::Beta(Beta {
            theta: 0.57803721740313529,
            gamma: 0.94205090386544987,
            delta: 0.52578600019473676,
        });
        let p0 = first_positive(&c);
        assert!(p0 > 0.0 && p0 < 0.001, "{p0}");
        assert!(c.dl(p0 * 0.5) < 0.0 && c.dl(p0 * 2.0) > 0.0);
        assert!(prosperity_gap(&c, 51.566, 57.79).is_err());
        assert!(watts(&c, 51.566, 57.79).unwrap() > 0.0);
    }
}
