//! Both fits of one table, the World Bank PIP rules that choose between
//! them, and the statistics of the chosen fit.

use crate::curve::{Curve, Fit, Model, fit_beta, fit_gq};
use crate::error::{GroupedError, Result};
use crate::stats;
use crate::table::GroupedTable;

/// Which fit a statistic uses, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The form used.
    pub model: Model,
    /// Why: validity of each fit and the errors compared.
    pub reason: String,
}

/// The fit chosen for poverty at one line, with what it was chosen on.
#[derive(Debug, Clone, PartialEq)]
pub struct PovertyChoice {
    /// The form used, and why.
    pub choice: Choice,
    /// The line.
    pub line: f64,
    /// Headcount and SSE up to it, per valid fit (GQ first).
    pub candidates: Vec<(Model, f64, f64)>,
}

/// A value, the fit it comes from and why that fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// The form used (`None` for the mean, which needs no fit).
    pub model: Option<Model>,
    /// Why that form.
    pub reason: String,
}

/// A grouped table with both Lorenz curves fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedFit {
    table: GroupedTable,
    gq: Fit,
    beta: Fit,
}

fn sci(v: f64) -> String {
    format!("{v:.3e}")
}

impl GroupedFit {
    /// Fits both curves to the table.
    pub fn new(table: GroupedTable) -> GroupedFit {
        let gq = fit_gq(&table);
        let beta = fit_beta(&table);
        GroupedFit { table, gq, beta }
    }

    /// The table.
    pub fn table(&self) -> &GroupedTable {
        &self.table
    }

    /// The overall mean.
    pub fn mean(&self) -> f64 {
        self.table.mean()
    }

    /// The General Quadratic fit.
    pub fn gq(&self) -> &Fit {
        &self.gq
    }

    /// The Beta fit.
    pub fn beta(&self) -> &Fit {
        &self.beta
    }

    /// The fit of one form.
    pub fn fit(&self, model: Model) -> &Fit {
        match model {
            Model::Gq => &self.gq,
            Model::Beta => &self.beta,
        }
    }

    fn no_fit(&self, statistic: String) -> GroupedError {
        GroupedError::NoValidFit {
            statistic,
            reasons: format!(
                "gq: {}; beta: {}",
                self.gq.why_invalid(),
                self.beta.why_invalid()
            ),
        }
    }

    /// The fit for distributional statistics (Gini, quantiles, shares): the
    /// valid fit with the smaller SSE over the whole curve (GQ on a tie).
    ///
    /// # Errors
    /// [`GroupedError::NoValidFit`] when neither fit is valid.
    pub fn distribution_choice(&self) -> Result<Choice> {
        let (q, b) = (self.gq.valid(), self.beta.valid());
        let choice = match (q, b) {
            (true, true) => {
                let model = if self.gq.sse <= self.beta.sse {
                    Model::Gq
                } else {
                    Model::Beta
                };
                Choice {
                    model,
                    reason: format!(
                        "both fits valid; {model} has the smaller SSE over the whole curve (gq {}, beta {})",
                        sci(self.gq.sse),
                        sci(self.beta.sse)
                    ),
                }
            }
            (true, false) => Choice {
                model: Model::Gq,
                reason: format!("only gq is valid; beta: {}", self.beta.why_invalid()),
            },
            (false, true) => Choice {
                model: Model::Beta,
                reason: format!("only beta is valid; gq: {}", self.gq.why_invalid()),
            },
            (false, false) => return Err(self.no_fit("distributional statistics".into())),
        };
        Ok(choice)
    }

    /// The fit for poverty at line `z` (PIP): of the valid fits, the one with
    /// the smaller SSE up to its own headcount (the points below it and the
    /// first at or above it; GQ on a tie).
    ///
    /// # Errors
    /// [`GroupedError::NoValidFit`] when neither fit is valid or gives a
    /// headcount; [`GroupedError::BadParameter`] for a non-positive line.
    pub fn poverty_choice(&self, z: f64) -> Result<PovertyChoice> {
        if !(z.is_finite() && z > 0.0) {
            return Err(crate::error::bad(
                "poverty line",
                format!("must be a positive number, got {z}"),
            ));
        }
        let p = self.table.cum_pop();
        let mut candidates = Vec::new();
        let mut rejected = Vec::new();
        for fit in [&self.gq, &self.beta] {
            match (&fit.curve, fit.valid()) {
                (Some(c), true) => match c.headcount(z / self.mean()) {
                    Some(h) => candidates.push((fit.model, h, fit.sse_to(p, h))),
                    None => rejected.push(format!("{}: no headcount at this line", fit.model)),
                },
                _ => rejected.push(format!("{}: {}", fit.model, fit.why_invalid())),
            }
        }
        let choice = match candidates.as_slice() {
            [] => {
                return Err(GroupedError::NoValidFit {
                    statistic: format!("poverty at line {}", crate::curve::g6(z)),
                    reasons: rejected.join("; "),
                });
            }
            [(m, _, _)] => Choice {
                model: *m,
                reason: format!("only {m} is valid; {}", rejected.join("; ")),
            },
            [(_, hq, sq), (_, hb, sb), ..] => {
                let model = if sq <= sb { Model::Gq } else { Model::Beta };
                Choice {
                    model,
                    reason: format!(
                        "both fits valid; {model} has the smaller SSE up to the headcount (gq {} to H = {hq:.4}, beta {} to H = {hb:.4})",
                        sci(*sq),
                        sci(*sb)
                    ),
                }
            }
        };
        Ok(PovertyChoice {
            choice,
            line: z,
            candidates,
        })
    }

    fn curve(&self, model: Model) -> Result<Curve> {
        self.fit(model)
            .curve
            .ok_or_else(|| self.no_fit(format!("{model}")))
    }

    fn dist<F: FnOnce(&Curve, f64) -> Result<f64>>(&self, f: F) -> Result<Estimate> {
        let ch = self.distribution_choice()?;
        let c = self.curve(ch.model)?;
        Ok(Estimate {
            value: f(&c, self.mean())?,
            model: Some(ch.model),
            reason: format!("distribution: {}", ch.reason),
        })
    }

    fn poverty<F: FnOnce(&Curve, f64) -> Result<f64>>(&self, z: f64, f: F) -> Result<Estimate> {
        let ch = self.poverty_choice(z)?;
        let c = self.curve(ch.choice.model)?;
        Ok(Estimate {
            value: f(&c, self.mean())?,
            model: Some(ch.choice.model),
            reason: format!("poverty at {}: {}", crate::curve::g6(z), ch.choice.reason),
        })
    }

    /// The mean (no fit involved).
    pub fn mean_estimate(&self) -> Estimate {
        Estimate {
            value: self.mean(),
            model: None,
            reason: "the table's mean".into(),
        }
    }

    /// Gini coefficient of the chosen fit.
    ///
    /// # Errors
    /// No valid fit; an integral that does not converge.
    pub fn gini(&self) -> Result<Estimate> {
        self.dist(|c, _| stats::gini(c))
    }

    /// The income at rank p (the median at 0.5).
    ///
    /// # Errors
    /// No valid fit; p outside (0, 1).
    pub fn quantile(&self, p: f64) -> Result<Estimate> {
        self.dist(|c, mu| stats::quantile(c, mu, p, "quantile"))
    }

    /// The Lorenz ordinate L(p).
    ///
    /// # Errors
    /// No valid fit; p outside [0, 1].
    pub fn lorenz(&self, p: f64) -> Result<Estimate> {
        self.dist(|c, _| stats::lorenz(c, p, "lorenz"))
    }

    /// The population share with income in [lo, hi): F(hi) − F(lo), from the
    /// distribution fit (a share of the middle of the distribution, not a
    /// poverty measure).
    ///
    /// # Errors
    /// No valid fit; bounds not 0 ≤ lo < hi.
    pub fn middle_share(&self, lo: f64, hi: f64) -> Result<Estimate> {
        if !(lo >= 0.0 && hi > lo && hi.is_finite()) {
            return Err(crate::error::bad(
                "middle_share",
                format!("bounds must satisfy 0 ≤ lo < hi, got lo = {lo}, hi = {hi}"),
            ));
        }
        self.dist(|c, mu| {
            let f = |x: f64| {
                if x == 0.0 {
                    Ok(0.0)
                } else {
                    stats::headcount(c, mu, x, "middle_share")
                }
            };
            Ok(f(hi)? - f(lo)?)
        })
    }

    /// Prosperity gap: the mean of z/x, from the distribution fit.
    ///
    /// # Errors
    /// No valid fit; a divergent mean (incomes reaching 0).
    pub fn prosperity_gap(&self, z: f64) -> Result<Estimate> {
        self.dist(|c, mu| stats::prosperity_gap(c, mu, z))
    }

    /// FGT(α) at line z, from the poverty fit for z.
    ///
    /// # Errors
    /// No valid fit; a non-positive line; α < 0.
    pub fn fgt(&self, alpha: f64, z: f64) -> Result<Estimate> {
        self.poverty(z, |c, mu| stats::fgt(c, mu, alpha, z))
    }

    /// Watts index at line z, from the poverty fit for z.
    ///
    /// # Errors
    /// No valid fit; a non-positive line.
    pub fn watts(&self, z: f64) -> Result<Estimate> {
        self.poverty(z, |c, mu| stats::watts(c, mu, z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Income;

    fn table() -> GroupedTable {
        GroupedTable::new(
            &[0.1; 10],
            Income::Means(&[
                9000.0, 13000.0, 16500.0, 20000.0, 23600.0, 27800.0, 33000.0, 40000.0, 51000.0,
                80000.0,
            ]),
            None,
        )
        .unwrap()
    }

    #[test]
    fn choices_follow_validity_and_sse() {
        let f = GroupedFit::new(table());
        assert!(f.gq().valid() || f.beta().valid());
        let d = f.distribution_choice().unwrap();
        if f.gq().valid() && f.beta().valid() {
            let expect = if f.gq().sse <= f.beta().sse {
                Model::Gq
            } else {
                Model::Beta
            };
            assert_eq!(d.model, expect);
        }
        let pc = f.poverty_choice(15000.0).unwrap();
        for (m, h, s) in &pc.candidates {
            let fit = f.fit(*m);
            let c = fit.curve.unwrap();
            assert!((c.dl(*h) * f.mean() - 15000.0).abs() < 1e-6);
            assert!(*s <= fit.sse + 1e-18);
        }
        if pc.candidates.len() == 2 {
            let best = pc
                .candidates
                .iter()
                .min_by(|a, b| a.2.total_cmp(&b.2))
                .unwrap();
            assert!(pc.choice.model == best.0 || pc.candidates[0].2 == pc.candidates[1].2);
        }
        let g = f.gini().unwrap();
        assert!(g.value > 0.2 && g.value < 0.5, "{}", g.value);
        assert!(f.poverty_choice(-1.0).is_err());
    }

    #[test]
    fn sse_to_headcount_counts_points_below_and_the_next() {
        let f = GroupedFit::new(table());
        let fit = f.gq();
        let r2: Vec<f64> = fit.residuals.iter().map(|r| r * r).collect();
        let p = f.table().cum_pop();
        assert!((fit.sse_to(p, 0.0) - r2[0]).abs() < 1e-30);
        assert!((fit.sse_to(p, 0.25) - (r2[0] + r2[1] + r2[2])).abs() < 1e-30);
        assert!((fit.sse_to(p, 1.0) - fit.sse).abs() < 1e-30);
    }
}
