//! The evaluation context: the domain, the population it belongs to, and options.

use crate::dist::{Distribution, View};
use crate::error::{MeasureError, Result};
use crate::params::{ParamValue, RelTo};
use crate::quantile::{QuantileRule, quantile};
use std::collections::HashMap;
use std::sync::Mutex;

/// What to do with non-positive incomes in a measure that needs positive ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonPositive {
    /// Refuse with [`MeasureError::NonPositive`] naming the count (the default).
    #[default]
    Error,
    /// Exclude them as a domain: weight and influence 0, design kept (convey's
    /// `subset` semantics); the result reports how many were excluded.
    Exclude,
}

/// Everything a measure reads: the (domain) distribution, the population it
/// belongs to (national thresholds), the quantile rule, the non-positive
/// policy and, for two-sample measures, the baseline distribution.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The distribution the measure describes (a domain or the whole population).
    pub dist: &'a Distribution,
    /// The population whose median or mean sets relative thresholds.
    pub whole: &'a Distribution,
    /// Quantile rule.
    pub rule: QuantileRule,
    /// Non-positive income policy.
    pub nonpositive: NonPositive,
    /// The earlier distribution for growth and poverty-change measures.
    pub baseline: Option<&'a Distribution>,
    /// The earlier population (national thresholds of the baseline).
    pub baseline_whole: Option<&'a Distribution>,
    /// Years between the baseline and now (annualisation); 1 by default.
    pub years: f64,
    cache: Mutex<HashMap<String, Vec<f64>>>,
}

impl<'a> Ctx<'a> {
    /// A context for the whole distribution with default options.
    pub fn new(dist: &'a Distribution) -> Self {
        Ctx {
            dist,
            whole: dist,
            rule: QuantileRule::default(),
            nonpositive: NonPositive::default(),
            baseline: None,
            baseline_whole: None,
            years: 1.0,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Sets the population whose thresholds domains use.
    pub fn with_whole(mut self, whole: &'a Distribution) -> Self {
        self.whole = whole;
        self
    }

    /// Sets the quantile rule.
    pub fn with_rule(mut self, rule: QuantileRule) -> Self {
        self.rule = rule;
        self
    }

    /// Sets the non-positive policy.
    pub fn with_nonpositive(mut self, p: NonPositive) -> Self {
        self.nonpositive = p;
        self
    }

    /// Sets the baseline (same domain, earlier year) and its population, and the years between.
    pub fn with_baseline(
        mut self,
        baseline: &'a Distribution,
        baseline_whole: &'a Distribution,
        years: f64,
    ) -> Self {
        self.baseline = Some(baseline);
        self.baseline_whole = Some(baseline_whole);
        self.years = years;
        self
    }

    /// The domain view, refusing an empty domain.
    pub fn view(&self, measure: &str) -> Result<View<'a>> {
        let v = self.dist.view();
        if v.is_empty() || v.total_weight() <= 0.0 {
            return Err(MeasureError::Empty(Some(format!(
                "{measure}: no observations"
            ))));
        }
        Ok(v)
    }

    /// The domain view restricted to incomes `> 0` (`strict`) or `>= 0`,
    /// applying the non-positive policy; returns the view and the excluded count.
    pub fn positive_view(&self, measure: &str, strict: bool) -> Result<(View<'a>, usize)> {
        let v = self.view(measure)?;
        let p = v.nonnegative_part(strict);
        let excluded = v.len() - p.len();
        if excluded > 0 && self.nonpositive == NonPositive::Error {
            return Err(MeasureError::NonPositive {
                measure: measure.to_string(),
                requirement: if strict { "> 0" } else { ">= 0" },
                count: excluded,
            });
        }
        if p.is_empty() || p.total_weight() <= 0.0 {
            return Err(MeasureError::Empty(Some(format!(
                "{measure}: no observations with income {}",
                if strict { "> 0" } else { ">= 0" }
            ))));
        }
        Ok((p, excluded))
    }

    /// Memoises sums shared by several measures of the same context (one fused pass each).
    pub(crate) fn memo<const K: usize>(
        &self,
        key: &str,
        f: impl FnOnce() -> Result<[f64; K]>,
    ) -> Result<[f64; K]> {
        if let Ok(c) = self.cache.lock()
            && let Some(v) = c.get(key)
            && let Ok(arr) = <[f64; K]>::try_from(v.as_slice())
        {
            return Ok(arr);
        }
        let v = f()?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key.to_string(), v.to_vec());
        }
        Ok(v)
    }

    /// The attached category named by the measure's `by` parameter, with its name.
    pub(crate) fn grouping(
        &self,
        a: &crate::registry::Args,
        measure: &str,
    ) -> Result<(String, &'a crate::Category)> {
        let by = a.text("by")?;
        let cat = self
            .dist
            .category(&by)
            .ok_or_else(|| MeasureError::MissingColumn {
                measure: measure.to_string(),
                column: by.clone(),
            })?;
        Ok((by, cat))
    }

    /// Resolves an absolute or relative (`0.6*median`, `0.5*mean`) line
    /// against the population (`national`) or the domain.
    pub fn line(&self, v: &ParamValue, national: bool, measure: &str) -> Result<f64> {
        resolve_line(
            v,
            if national { self.whole } else { self.dist },
            self.rule,
            measure,
        )
    }
}

/// Resolves a line against a given population (quantiles are O(log n) reads).
pub(crate) fn resolve_line(
    v: &ParamValue,
    d: &Distribution,
    rule: QuantileRule,
    measure: &str,
) -> Result<f64> {
    match v {
        ParamValue::Num(x) => Ok(*x),
        ParamValue::Rel { factor, of } => {
            let view = d.view();
            if view.is_empty() {
                return Err(MeasureError::Empty(Some(format!(
                    "{measure}: no observations for the line"
                ))));
            }
            let base = match of {
                RelTo::Median => quantile(&view, 0.5, rule)?,
                RelTo::Mean => view.mean(),
            };
            Ok(factor * base)
        }
        ParamValue::Text(t) if t == "median" || t == "mean" => {
            let of = if t == "median" {
                RelTo::Median
            } else {
                RelTo::Mean
            };
            resolve_line(&ParamValue::Rel { factor: 1.0, of }, d, rule, measure)
        }
        ParamValue::Text(t) => Err(MeasureError::BadParameter {
            measure: measure.to_string(),
            message: format!("a line is a number or a multiple of median/mean, not \"{t}\""),
        }),
    }
}
