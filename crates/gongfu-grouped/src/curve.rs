//! The two parametric Lorenz curves, their least-squares fits to a grouped
//! table and their validity checks.
//!
//! * General Quadratic (Villasenor & Arnold 1989), in Datt's (1998)
//!   parameterisation: `L(1 − L) = a(p² − L) + bL(p − 1) + c(p − L)`, fitted by
//!   OLS without intercept on the points other than (1, 1);
//!   `L(p) = −½[bp + e + √(mp² + np + e²)]` with `e = −(a + b + c + 1)`,
//!   `m = b² − 4a`, `n = 2be − 4c`, `r = √(n² − 4me²)`.
//! * Beta (Kakwani 1980): `L(p) = p − θ p^γ (1 − p)^δ`, fitted by OLS of
//!   `ln(p − L)` on `1, ln p, ln(1 − p)`.

use crate::numeric::{least_squares, solve_increasing};
use crate::table::GroupedTable;
use std::fmt;

/// A number with 6 significant digits, for messages.
pub(crate) fn g6(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if (-4..9).contains(&mag) {
        let decimals = (5 - mag).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.5e}")
    }
}

/// Which functional form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// General Quadratic (Villasenor–Arnold).
    Gq,
    /// Beta (Kakwani).
    Beta,
}

impl Model {
    /// Short name: `gq` or `beta`.
    pub fn name(self) -> &'static str {
        match self {
            Model::Gq => "gq",
            Model::Beta => "beta",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// General Quadratic parameters and the derived constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gq {
    /// a.
    pub a: f64,
    /// b.
    pub b: f64,
    /// c.
    pub c: f64,
    /// e = −(a + b + c + 1).
    pub e: f64,
    /// m = b² − 4a.
    pub m: f64,
    /// n = 2be − 4c.
    pub n: f64,
    /// r² = n² − 4me² (r is its root when non-negative).
    pub r2: f64,
}

impl Gq {
    /// The curve with parameters a, b, c.
    pub fn new(a: f64, b: f64, c: f64) -> Gq {
        let e = -(a + b + c + 1.0);
        let m = b * b - 4.0 * a;
        let n = 2.0 * b * e - 4.0 * c;
        let r2 = n * n - 4.0 * m * e * e;
        Gq {
            a,
            b,
            c,
            e,
            m,
            n,
            r2,
        }
    }

    /// r = √(n² − 4me²) (NaN when negative).
    pub fn r(&self) -> f64 {
        self.r2.sqrt()
    }

    fn quad(&self, p: f64) -> f64 {
        (self.m * p * p + self.n * p + self.e * self.e).max(0.0)
    }

    /// L(p).
    pub fn l(&self, p: f64) -> f64 {
        -0.5 * (self.b * p + self.e + self.quad(p).sqrt())
    }

    /// L′(p).
    pub fn dl(&self, p: f64) -> f64 {
        -0.5 * self.b - (2.0 * self.m * p + self.n) / (4.0 * self.quad(p).sqrt())
    }

    /// L″(p) = r² / (8 (mp² + np + e²)^{3/2}).
    pub fn ddl(&self, p: f64) -> f64 {
        let q = self.quad(p);
        self.r2 / (8.0 * q * q.sqrt())
    }

    /// Datt's closed-form headcount at `ratio` = z/μ:
    /// `H = −[n + r(b + 2z/μ)((b + 2z/μ)² − m)^{−1/2}] / (2m)`.
    pub fn headcount_closed_form(&self, ratio: f64) -> f64 {
        let bu = self.b + 2.0 * ratio;
        -(self.n + self.r() * bu / (bu * bu - self.m).sqrt()) / (2.0 * self.m)
    }

    /// Datt's (1998) conditions for a valid Lorenz curve, in order.
    pub fn checks(&self) -> Vec<Check> {
        let (e, m, n) = (self.e, self.m, self.n);
        let bound = n * n / (4.0 * e * e);
        let convex =
            m < 0.0 || (m > 0.0 && m < bound && n >= 0.0) || (m > 0.0 && m < -n / 2.0 && m < bound);
        vec![
            Check::new("L(0) = 0: e < 0", e < 0.0, format!("e = {}", g6(e))),
            Check::new(
                "L(1) = 1: a + c ≥ 1",
                self.a + self.c >= 1.0 - 1e-12,
                format!("a + c = {}", g6(self.a + self.c)),
            ),
            Check::new(
                "L′(0+) ≥ 0: c ≥ 0",
                self.c >= 0.0,
                format!("c = {}", g6(self.c)),
            ),
            Check::new(
                "L″ ≥ 0 on (0, 1): m < 0, or 0 < m < n²/(4e²) with n ≥ 0, or 0 < m < −n/2 and m < n²/(4e²)",
                convex && self.r2 >= 0.0,
                format!("m = {}, n = {}, n²/(4e²) = {}", g6(m), g6(n), g6(bound)),
            ),
        ]
    }
}

/// Beta Lorenz curve parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beta {
    /// θ.
    pub theta: f64,
    /// γ.
    pub gamma: f64,
    /// δ.
    pub delta: f64,
}

/// The grid on which the Beta curve's convexity is checked: p = 0.001 … 0.999.
pub const BETA_GRID: usize = 999;

impl Beta {
    /// θ p^γ (1 − p)^δ, with q = 1 − p given separately for accuracy near 1.
    fn kernel(&self, p: f64, q: f64) -> f64 {
        self.theta * p.powf(self.gamma) * q.powf(self.delta)
    }

    /// L(p).
    pub fn l(&self, p: f64) -> f64 {
        self.l_pq(p, 1.0 - p)
    }

    /// L(p) with q = 1 − p given.
    pub fn l_pq(&self, p: f64, q: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        if q <= 0.0 {
            return 1.0;
        }
        p - self.kernel(p, q)
    }

    /// L′(p).
    pub fn dl(&self, p: f64) -> f64 {
        self.dl_pq(p, 1.0 - p)
    }

    /// L′(p) = 1 − θp^γ(1−p)^δ [γ/p − δ/(1−p)], with q = 1 − p given.
    pub fn dl_pq(&self, p: f64, q: f64) -> f64 {
        1.0 - self.kernel(p, q) * (self.gamma / p - self.delta / q)
    }

    /// L″(p).
    pub fn ddl(&self, p: f64) -> f64 {
        let q = 1.0 - p;
        let (g, d) = (self.gamma, self.delta);
        self.kernel(p, q)
            * (g * (1.0 - g) / (p * p) + 2.0 * g * d / (p * q) + d * (1.0 - d) / (q * q))
    }

    /// The conditions of Kakwani (1980) and Datt (1998) as the World Bank PIP
    /// applies them: L(0) = 0 and L(1) = 1 (γ, δ > 0), L′ ≥ 0 at p = 0.001,
    /// L″ ≥ 0 on the grid p = 0.001, 0.002, …, 0.999.
    pub fn checks(&self) -> Vec<Check> {
        let first_concave = (1..=BETA_GRID)
            .map(|i| i as f64 / (BETA_GRID + 1) as f64)
            .find(|&p| !(self.ddl(p) >= 0.0));
        let d0 = self.dl(0.001);
        vec![
            Check::new(
                "L(0) = 0: γ > 0",
                self.gamma > 0.0 && self.theta > 0.0,
                format!("γ = {}, θ = {}", g6(self.gamma), g6(self.theta)),
            ),
            Check::new(
                "L(1) = 1: δ > 0",
                self.delta > 0.0,
                format!("δ = {}", g6(self.delta)),
            ),
            Check::new(
                "L′(0+) ≥ 0 (at p = 0.001)",
                d0 >= 0.0,
                format!("L′(0.001) = {}", g6(d0)),
            ),
            Check::new(
                "L″ ≥ 0 on (0, 1) (grid p = 0.001 … 0.999)",
                first_concave.is_none(),
                match first_concave {
                    Some(p) => format!("L″({p}) = {} < 0", g6(self.ddl(p))),
                    None => "convex at every grid point".into(),
                },
            ),
        ]
    }
}

/// One validity condition and whether it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The condition.
    pub condition: &'static str,
    /// Whether it holds.
    pub passed: bool,
    /// The values it was decided on.
    pub detail: String,
}

impl Check {
    fn new(condition: &'static str, passed: bool, detail: String) -> Check {
        Check {
            condition,
            passed,
            detail,
        }
    }
}

/// A fitted curve of either form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Curve {
    /// General Quadratic.
    Gq(Gq),
    /// Beta.
    Beta(Beta),
}

impl Curve {
    /// The form.
    pub fn model(&self) -> Model {
        match self {
            Curve::Gq(_) => Model::Gq,
            Curve::Beta(_) => Model::Beta,
        }
    }

    /// L(p), for p in [0, 1].
    pub fn l(&self, p: f64) -> f64 {
        self.l_pq(p, 1.0 - p)
    }

    /// L(p) with q = 1 − p given (exact near p = 1).
    pub fn l_pq(&self, p: f64, q: f64) -> f64 {
        match self {
            Curve::Gq(g) => g.l(p),
            Curve::Beta(b) => b.l_pq(p, q),
        }
    }

    /// L′(p), for p in (0, 1).
    pub fn dl(&self, p: f64) -> f64 {
        self.dl_pq(p, 1.0 - p)
    }

    /// L′(p) with q = 1 − p given.
    pub fn dl_pq(&self, p: f64, q: f64) -> f64 {
        match self {
            Curve::Gq(g) => g.dl(p),
            Curve::Beta(b) => b.dl_pq(p, q),
        }
    }

    /// L″(p), for p in (0, 1).
    pub fn ddl(&self, p: f64) -> f64 {
        match self {
            Curve::Gq(g) => g.ddl(p),
            Curve::Beta(b) => b.ddl(p),
        }
    }

    /// The validity conditions.
    pub fn checks(&self) -> Vec<Check> {
        match self {
            Curve::Gq(g) => g.checks(),
            Curve::Beta(b) => b.checks(),
        }
    }

    /// The population share below the line, `ratio` = z/μ: the smallest p with
    /// L′(p) ≥ z/μ (0 when the line is at or below the poorest income, 1 when
    /// above the richest). `None` when it cannot be found (a curve whose slope
    /// is not finite or never reaches the line).
    pub fn headcount(&self, ratio: f64) -> Option<f64> {
        if !(ratio.is_finite() && ratio > 0.0) {
            return None;
        }
        // the slope at the ends of (0, 1), approached closely
        let (lo, hi) = (1e-15_f64, 1.0 - 1e-15);
        let g = |p: f64| self.dl(p) - ratio;
        if let Curve::Gq(q) = self {
            let h = q.headcount_closed_form(ratio);
            if h.is_finite() && h > lo && h < hi {
                let scale = ratio.max(1.0);
                if (q.dl(h) - ratio).abs() <= 1e-9 * scale {
                    return Some(h);
                }
            }
        }
        let (glo, ghi) = (g(lo), g(hi));
        if glo.is_nan() || ghi.is_nan() {
            return None;
        }
        if glo >= 0.0 {
            return Some(0.0);
        }
        if ghi < 0.0 {
            return Some(1.0);
        }
        solve_increasing(g, |p| self.ddl(p), lo, hi)
    }
}

/// A least-squares fit of one form to a table: the curve (when the regression
/// could be run), its errors and its validity.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The form.
    pub model: Model,
    /// The fitted curve; `None` when the regression could not be run.
    pub curve: Option<Curve>,
    /// Why the regression could not be run.
    pub failure: Option<String>,
    /// Σ (Lᵢ − L̂(pᵢ))² over every point of the table, (1, 1) included.
    pub sse: f64,
    /// Residuals Lᵢ − L̂(pᵢ), one per group (cumulative point).
    pub residuals: Vec<f64>,
    /// The validity conditions.
    pub checks: Vec<Check>,
}

impl Fit {
    /// Whether every validity condition holds.
    pub fn valid(&self) -> bool {
        self.curve.is_some() && self.checks.iter().all(|c| c.passed)
    }

    /// The failed conditions (or the failure of the regression), for messages.
    pub fn why_invalid(&self) -> String {
        if let Some(f) = &self.failure {
            return f.clone();
        }
        let failed: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{} fails ({})", c.condition, c.detail))
            .collect();
        if failed.is_empty() {
            "valid".into()
        } else {
            failed.join("; ")
        }
    }

    /// Σ of squared residuals of the points below `h` and of the first point
    /// at or above it (the World Bank PIP's "SSE up to the headcount").
    pub fn sse_to(&self, cum_pop: &[f64], h: f64) -> f64 {
        let below = cum_pop.iter().filter(|&&p| p < h).count();
        let upto = (below + 1).min(self.residuals.len());
        self.residuals[..upto].iter().map(|r| r * r).sum()
    }

    fn failed(model: Model, why: String) -> Fit {
        Fit {
            model,
            curve: None,
            failure: Some(why),
            sse: f64::INFINITY,
            residuals: vec![],
            checks: vec![],
        }
    }

    fn from_curve(curve: Curve, table: &GroupedTable) -> Fit {
        let residuals: Vec<f64> = table
            .cum_pop()
            .iter()
            .zip(table.cum_income())
            .map(|(&p, &l)| l - curve.l(p))
            .collect();
        let sse = residuals.iter().map(|r| r * r).sum::<f64>();
        let checks = curve.checks();
        if !sse.is_finite() {
            return Fit::failed(
                curve.model(),
                "the fitted curve is not finite at the table's points".into(),
            );
        }
        Fit {
            model: curve.model(),
            curve: Some(curve),
            failure: None,
            sse,
            residuals,
            checks,
        }
    }
}

/// Fits the General Quadratic curve.
pub fn fit_gq(table: &GroupedTable) -> Fit {
    let (p, l) = (table.cum_pop(), table.cum_income());
    let k = p.len().saturating_sub(1);
    let rows: Vec<[f64; 3]> = (0..k)
        .map(|i| [p[i] * p[i] - l[i], l[i] * (p[i] - 1.0), p[i] - l[i]])
        .collect();
    let y: Vec<f64> = (0..k).map(|i| l[i] * (1.0 - l[i])).collect();
    match least_squares(&rows, &y) {
        Some([a, b, c]) => Fit::from_curve(Curve::Gq(Gq::new(a, b, c)), table),
        None => Fit::failed(
            Model::Gq,
            "the regression of L(1 − L) on (p² − L, L(p − 1), p − L) is singular for this table"
                .into(),
        ),
    }
}

/// Fits the Beta curve.
pub fn fit_beta(table: &GroupedTable) -> Fit {
    let (p, l) = (table.cum_pop(), table.cum_income());
    let k = p.len().saturating_sub(1);
    let mut rows = Vec::with_capacity(k);
    let mut y = Vec::with_capacity(k);
    for i in 0..k {
        let gap = p[i] - l[i];
        if !(gap > 0.0) {
            return Fit::failed(
                Model::Beta,
                format!(
                    "p − L = {gap} at group {} (the curve must lie below the diagonal for ln(p − L))",
                    i + 1
                ),
            );
        }
        rows.push([1.0, p[i].ln(), (1.0 - p[i]).ln()]);
        y.push(gap.ln());
    }
    match least_squares(&rows, &y) {
        Some([lt, gamma, delta]) => Fit::from_curve(
            Curve::Beta(Beta {
                theta: lt.exp(),
                gamma,
                delta,
            }),
            table,
        ),
        None => Fit::failed(
            Model::Beta,
            "the regression of ln(p − L) on (1, ln p, ln(1 − p)) is singular for this table".into(),
        ),
    }
}

// reference values are written as published
#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn gq() -> Gq {
        // wbpip's PovcalNet example (tests of gd_compute_pip_stats_lq)
        Gq::new(0.795981535745657, -1.4445933880119242, 0.14728191995919815)
    }

    #[test]
    fn gq_constants_match_the_published_key_values() {
        let g = gq();
        assert!((g.e - -0.498670067692931).abs() < 1e-14);
        assert!((g.m - -1.0970760862948583).abs() < 1e-14);
        assert!((g.n - 0.851623285340541).abs() < 1e-14);
        assert!((g.r() - 1.3477796260474386).abs() < 1e-13);
    }

    #[test]
    fn gq_closed_form_headcount_solves_the_slope_equation() {
        let g = gq();
        for ratio in [0.3, 0.8, 1.1207307654300092, 2.0] {
            let h = g.headcount_closed_form(ratio);
            assert!((g.dl(h) - ratio).abs() < 1e-12, "ratio {ratio}: h {h}");
            let generic = crate::numeric::bisect(|p| g.dl(p) - ratio, 1e-12, 1.0 - 1e-12).unwrap();
            assert!((generic - h).abs() < 1e-12);
        }
    }

    #[test]
    fn derivatives_agree_with_finite_differences() {
        let curves = [
            Curve::Gq(gq()),
            Curve::Beta(Beta {
                theta: 0.57803721740313529,
                gamma: 0.94205090386544987,
                delta: 0.52578600019473676,
            }),
        ];
        for c in curves {
            for p in [0.05, 0.3, 0.5, 0.77, 0.95] {
                let h = 1e-6;
                let d1 = (c.l(p + h) - c.l(p - h)) / (2.0 * h);
                let d2 = (c.dl(p + h) - c.dl(p - h)) / (2.0 * h);
                assert!((d1 - c.dl(p)).abs() < 1e-7, "{:?} L′({p})", c.model());
                assert!((d2 - c.ddl(p)).abs() < 1e-5 * c.ddl(p).abs().max(1.0));
            }
        }
    }

    #[test]
    fn checks_flag_each_failed_condition() {
        // a + c = 0.943 < 1: the curve ends at (1, 0.943)
        let g = gq();
        assert!((g.l(1.0) - (g.a + g.c)).abs() < 1e-14);
        let failed: Vec<&str> = g
            .checks()
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.condition)
            .collect();
        assert_eq!(failed, ["L(1) = 1: a + c ≥ 1"]);
        let c_negative = Gq::new(
            0.78554131924835879,
            -1.9856022109519547,
            -0.30597079435662672,
        );
        assert!(
            c_negative
                .checks()
                .iter()
                .any(|c| !c.passed && c.condition.starts_with("L′(0+)"))
        );
        let concave_beta = Beta {
            theta: 1.5059569306828811,
            gamma: 1.2068983362374488,
            delta: 0.60013901263412039,
        };
        assert!(concave_beta.checks().iter().any(|c| !c.passed));
    }
}
