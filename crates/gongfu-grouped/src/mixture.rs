//! A population-weighted mixture of fitted tables (urban and rural → province).
//!
//! The mixture's distribution function is F(x) = Σₖ πₖ Fₖ(x), πₖ the
//! population weights. Measures that are population averages (FGT, Watts,
//! prosperity gap, the middle share) are the πₖ-weighted averages of the
//! components' values, each from its own chosen fit. Quantiles solve
//! F(x) = p by bisection. Lorenz ordinates, shares and the Gini come from a
//! merged grid: each component's distribution is cut into [`GRID`]
//! equal-population cells whose incomes are the cells' exact means
//! μₖ N (Lₖ(j/N) − Lₖ((j−1)/N)); the cells of all components, sorted by
//! income and weighted πₖ/N, form the mixture's Lorenz curve (linear within a
//! cell).

use crate::curve::Curve;
use crate::error::{GroupedError, Result, bad, undefined};
use crate::fit::GroupedFit;
use crate::numeric::bisect;
use crate::stats;

/// Cells per component in the merged grid.
pub const GRID: usize = 20_000;

/// Tables combined with population weights.
#[derive(Debug, Clone)]
pub struct Mixture {
    components: Vec<(GroupedFit, f64)>,
    curves: Vec<Curve>,
    /// sorted cells: (income, weight), weights summing to 1
    cells: Vec<(f64, f64)>,
    /// cumulative weight and cumulative income share after each cell
    cum_w: Vec<f64>,
    cum_s: Vec<f64>,
    mean: f64,
}

impl Mixture {
    /// Combines fitted tables with population weights (any positive numbers:
    /// shares or counts).
    ///
    /// # Errors
    /// [`GroupedError::Table`] for no component or a weight that is not
    /// positive; [`GroupedError::NoValidFit`] when a component has no valid fit.
    pub fn new(components: Vec<(GroupedFit, f64)>) -> Result<Mixture> {
        if components.is_empty() {
            return Err(GroupedError::Table(
                "a mixture needs at least one table".into(),
            ));
        }
        for (i, (_, w)) in components.iter().enumerate() {
            if !(w.is_finite() && *w > 0.0) {
                return Err(GroupedError::Table(format!(
                    "table {}: the population weight must be a positive number, got {w}",
                    i + 1
                )));
            }
        }
        let total_w: f64 = components.iter().map(|(_, w)| w).sum();
        let mut curves = Vec::with_capacity(components.len());
        for (f, _) in &components {
            let ch = f.distribution_choice()?;
            let c = f.fit(ch.model).curve.ok_or_else(|| {
                GroupedError::Table("internal: chosen fit without a curve".into())
            })?;
            curves.push(c);
        }
        let mean = components
            .iter()
            .map(|(f, w)| w / total_w * f.mean())
            .sum::<f64>();
        let n = GRID;
        let mut cells = Vec::with_capacity(n * components.len());
        for ((f, w), c) in components.iter().zip(&curves) {
            let pi = w / total_w;
            let mut prev = 0.0;
            for j in 1..=n {
                let l = c.l_pq(j as f64 / n as f64, (n - j) as f64 / n as f64);
                cells.push((f.mean() * n as f64 * (l - prev), pi / n as f64));
                prev = l;
            }
        }
        if cells.iter().any(|(x, _)| !x.is_finite()) {
            return Err(undefined(
                "mixture",
                "a fitted curve is not finite on the grid",
            ));
        }
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = cells.iter().map(|(x, w)| x * w).sum();
        if !(total > 0.0) {
            return Err(undefined("mixture", "the combined income is not positive"));
        }
        let (mut cw, mut cs) = (0.0, 0.0);
        let mut cum_w = Vec::with_capacity(cells.len());
        let mut cum_s = Vec::with_capacity(cells.len());
        for (x, w) in &cells {
            cw += w;
            cs += x * w / total;
            cum_w.push(cw);
            cum_s.push(cs);
        }
        Ok(Mixture {
            components,
            curves,
            cells,
            cum_w,
            cum_s,
            mean,
        })
    }

    /// The components and their weights as given.
    pub fn components(&self) -> &[(GroupedFit, f64)] {
        &self.components
    }

    /// The population weights normalised to sum to 1.
    pub fn shares(&self) -> Vec<f64> {
        let total: f64 = self.components.iter().map(|(_, w)| w).sum();
        self.components.iter().map(|(_, w)| w / total).collect()
    }

    /// The combined mean Σ πₖ μₖ.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// F(x) = Σ πₖ Fₖ(x) with each component's distribution fit.
    pub fn cdf(&self, x: f64) -> Result<f64> {
        if !(x > 0.0) {
            return Ok(0.0);
        }
        let mut f = 0.0;
        for ((c, (fit, _)), pi) in self.curves.iter().zip(&self.components).zip(self.shares()) {
            f += pi * stats::headcount(c, fit.mean(), x, "mixture")?;
        }
        Ok(f)
    }

    /// The income at rank p: the x with F(x) = p.
    ///
    /// # Errors
    /// p outside (0, 1); a component whose distribution function cannot be evaluated.
    pub fn quantile(&self, p: f64) -> Result<f64> {
        if !(p > 0.0 && p < 1.0) {
            return Err(bad(
                "quantile",
                format!("the order p must be in (0, 1), got {p}"),
            ));
        }
        // bracket: F(lo) < p ≤ F(hi)
        let lo = f64::MIN_POSITIVE;
        let mut hi = self
            .components
            .iter()
            .map(|(f, _)| f.mean())
            .fold(0.0, f64::max);
        let mut steps = 0;
        while self.cdf(hi)? < p {
            hi *= 2.0;
            steps += 1;
            if steps > 1100 || !hi.is_finite() {
                return Err(undefined(
                    "quantile",
                    "the combined distribution never reaches p",
                ));
            }
        }
        if self.cdf(lo)? >= p {
            return Ok(0.0);
        }
        // F is nondecreasing; fail safe on evaluation errors (treated as reached)
        bisect(|x| self.cdf(x).map_or(1.0, |f| f - p), lo, hi)
            .ok_or_else(|| undefined("quantile", "no root of F(x) = p"))
    }

    /// The Lorenz ordinate of the merged grid at p, the cell straddling p
    /// counted fractionally.
    ///
    /// # Errors
    /// p outside [0, 1].
    pub fn lorenz(&self, p: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&p) {
            return Err(bad(
                "lorenz",
                format!("the population fraction must be in [0, 1], got {p}"),
            ));
        }
        if p == 0.0 {
            return Ok(0.0);
        }
        if p == 1.0 {
            return Ok(1.0);
        }
        let k = self
            .cum_w
            .partition_point(|&c| c < p)
            .min(self.cells.len() - 1);
        let (wb, sb) = if k == 0 {
            (0.0, 0.0)
        } else {
            (self.cum_w[k - 1], self.cum_s[k - 1])
        };
        let (w, s) = (self.cum_w[k] - wb, self.cum_s[k] - sb);
        let frac = if w > 0.0 {
            ((p - wb) / w).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Ok(sb + frac * s)
    }

    /// Gini = 1 − Σ wᵢ (Sᵢ₋₁ + Sᵢ) over the merged grid.
    pub fn gini(&self) -> f64 {
        let mut prev = 0.0;
        let mut area = 0.0;
        for ((_, w), s) in self.cells.iter().zip(&self.cum_s) {
            area += w * (prev + s);
            prev = *s;
        }
        1.0 - area
    }

    /// Σ πₖ · (a per-component value).
    pub fn average(&self, f: impl Fn(&GroupedFit) -> Result<f64>) -> Result<f64> {
        let mut total = 0.0;
        for ((fit, _), pi) in self.components.iter().zip(self.shares()) {
            total += pi * f(fit)?;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{GroupedTable, Income};

    fn fit(scale: f64) -> GroupedFit {
        let means: Vec<f64> = [
            9000.0, 13000.0, 16500.0, 20000.0, 23600.0, 27800.0, 33000.0, 40000.0, 51000.0, 80000.0,
        ]
        .iter()
        .map(|m| m * scale)
        .collect();
        GroupedFit::new(GroupedTable::new(&[0.1; 10], Income::Means(&means), None).unwrap())
    }

    #[test]
    fn a_mixture_of_copies_is_the_component() {
        let one = fit(1.0);
        let mix = Mixture::new(vec![(one.clone(), 3.0), (one.clone(), 1.0)]).unwrap();
        assert!((mix.mean() - one.mean()).abs() < 1e-9);
        assert!(
            (mix.gini() - one.gini().unwrap().value).abs() < 1e-7,
            "{}",
            mix.gini()
        );
        for p in [0.1, 0.5, 0.9] {
            let q = mix.quantile(p).unwrap();
            assert!((q / one.quantile(p).unwrap().value - 1.0).abs() < 1e-9);
            assert!((mix.lorenz(p).unwrap() - one.lorenz(p).unwrap().value).abs() < 1e-7);
        }
    }

    #[test]
    fn mixture_cdf_is_the_weighted_cdf_and_the_gini_rises_with_the_gap() {
        let (a, b) = (fit(1.0), fit(2.0));
        let mix = Mixture::new(vec![(a.clone(), 1.0), (b.clone(), 1.0)]).unwrap();
        assert!((mix.mean() - 1.5 * a.mean()).abs() < 1e-9);
        let q = mix.quantile(0.5).unwrap();
        let fa = a.middle_share(0.0 + 1e-300, q).unwrap().value;
        let fb = b.middle_share(0.0 + 1e-300, q).unwrap().value;
        assert!(((fa + fb) / 2.0 - 0.5).abs() < 1e-9);
        assert!(mix.gini() > a.gini().unwrap().value);
        assert!(mix.lorenz(2.0).is_err() && mix.quantile(0.0).is_err());
        assert!(Mixture::new(vec![(a, 0.0)]).is_err());
        assert!(Mixture::new(vec![]).is_err());
    }
}
