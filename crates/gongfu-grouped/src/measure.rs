//! The measures grouped data can give, parsed from the same list syntax as
//! `gongfu compute` (`gini,median,"fgt(0,line=20000)"`), with the catalogue's
//! ids and parameter names.

use crate::error::{GroupedError, Result, bad};
use crate::fit::{Estimate, GroupedFit};
use crate::mixture::Mixture;
use gongfu_measures::{ParamValue, RelTo};

struct Def {
    id: &'static str,
    params: &'static [(&'static str, Option<&'static str>)],
    summary: &'static str,
}

const DEFS: &[Def] = &[
    Def {
        id: "mean",
        params: &[],
        summary: "the overall mean μ (from the table)",
    },
    Def {
        id: "median",
        params: &[],
        summary: "μ L′(0.5)",
    },
    Def {
        id: "quantile",
        params: &[("p", None)],
        summary: "the income at rank p: μ L′(p)",
    },
    Def {
        id: "deciles",
        params: &[],
        summary: "the nine deciles (labelled p)",
    },
    Def {
        id: "gini",
        params: &[],
        summary: "1 − 2∫L",
    },
    Def {
        id: "lorenz",
        params: &[("p", None)],
        summary: "the Lorenz ordinate L(p)",
    },
    Def {
        id: "lorenz_curve",
        params: &[("points", Some("20"))],
        summary: "L at p = 0, 1/points, …, 1 (labelled p), for plotting",
    },
    Def {
        id: "top_share",
        params: &[("f", Some("0.1"))],
        summary: "1 − L(1 − f)",
    },
    Def {
        id: "bottom_share",
        params: &[("f", Some("0.4"))],
        summary: "L(f)",
    },
    Def {
        id: "palma",
        params: &[],
        summary: "(1 − L(0.9)) / L(0.4)",
    },
    Def {
        id: "qsr",
        params: &[],
        summary: "S80/S20 = (1 − L(0.8)) / L(0.2)",
    },
    Def {
        id: "p90p10",
        params: &[],
        summary: "q(0.9)/q(0.1)",
    },
    Def {
        id: "p80p20",
        params: &[],
        summary: "q(0.8)/q(0.2)",
    },
    Def {
        id: "arpr",
        params: &[("pct", Some("0.6"))],
        summary: "H at pct × median",
    },
    Def {
        id: "fgt",
        params: &[("alpha", Some("0")), ("line", Some("0.6*median"))],
        summary: "∫₀ᴴ (1 − x(p)/z)^α dp",
    },
    Def {
        id: "watts",
        params: &[("line", Some("0.6*median"))],
        summary: "∫₀ᴴ ln(z/x(p)) dp",
    },
    Def {
        id: "middle_share",
        params: &[("lo", Some("0.75*median")), ("hi", Some("2*median"))],
        summary: "F(hi) − F(lo)",
    },
    Def {
        id: "prosperity_gap",
        params: &[("z", None)],
        summary: "∫₀¹ z/x(p) dp",
    },
];

/// The measures available for grouped data: (id, parameters with defaults, summary).
pub fn available() -> Vec<(&'static str, String, &'static str)> {
    DEFS.iter()
        .map(|d| {
            let ps: Vec<String> = d
                .params
                .iter()
                .map(|(n, def)| match def {
                    Some(v) => format!("{n}={v}"),
                    None => (*n).to_string(),
                })
                .collect();
            (d.id, ps.join(", "), d.summary)
        })
        .collect()
}

/// One requested measure with its parameters resolved (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedMeasure {
    id: &'static str,
    values: Vec<(&'static str, ParamValue)>,
    given: Vec<(String, ParamValue)>,
}

impl GroupedMeasure {
    /// Parses a measure list such as `gini,median,"fgt(0,line=20000)"`.
    ///
    /// # Errors
    /// [`GroupedError::Parse`] for bad syntax, [`GroupedError::UnknownMeasure`]
    /// for a measure grouped data cannot give, [`GroupedError::BadParameter`].
    pub fn parse_list(list: &str) -> Result<Vec<GroupedMeasure>> {
        let calls =
            gongfu_measures::parse_list(list).map_err(|e| GroupedError::Parse(e.to_string()))?;
        calls.iter().map(GroupedMeasure::from_call).collect()
    }

    fn from_call(call: &gongfu_measures::Call) -> Result<GroupedMeasure> {
        let def = DEFS.iter().find(|d| d.id == call.name).ok_or_else(|| {
            GroupedError::UnknownMeasure {
                name: call.name.clone(),
                available: DEFS.iter().map(|d| d.id).collect::<Vec<_>>().join(", "),
            }
        })?;
        if call.positional.len() > def.params.len() {
            return Err(bad(
                def.id,
                format!(
                    "takes at most {} argument(s), got {}",
                    def.params.len(),
                    call.positional.len()
                ),
            ));
        }
        let mut given: Vec<(String, ParamValue)> = def
            .params
            .iter()
            .zip(&call.positional)
            .map(|((n, _), v)| (n.to_string(), v.clone()))
            .collect();
        for (k, v) in &call.named {
            if !def.params.iter().any(|(n, _)| n == k) {
                let names: Vec<&str> = def.params.iter().map(|(n, _)| *n).collect();
                return Err(bad(
                    def.id,
                    format!(
                        "unknown parameter \"{k}\" for grouped data (parameters: {})",
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            }
            if given.iter().any(|(g, _)| g == k) {
                return Err(bad(def.id, format!("parameter \"{k}\" given twice")));
            }
            given.push((k.clone(), v.clone()));
        }
        given.sort_by_key(|(k, _)| def.params.iter().position(|(n, _)| n == k));
        let mut values = Vec::new();
        for (name, default) in def.params {
            if let Some((_, v)) = given.iter().find(|(k, _)| k == name) {
                values.push((*name, v.clone()));
            } else if let Some(d) = default {
                let parsed = gongfu_measures::parse_list(&format!("x({d})"))
                    .map_err(|e| GroupedError::Parse(e.to_string()))?;
                if let Some(v) = parsed.first().and_then(|c| c.positional.first()) {
                    values.push((*name, v.clone()));
                }
            } else {
                return Err(bad(def.id, format!("parameter {name} is required")));
            }
        }
        let m = GroupedMeasure {
            id: def.id,
            values,
            given,
        };
        m.validate()?;
        Ok(m)
    }

    fn validate(&self) -> Result<()> {
        for (name, v) in &self.values {
            match (name, v) {
                (_, ParamValue::Text(t)) => {
                    return Err(bad(
                        self.id,
                        format!("{name} must be a number, got \"{t}\""),
                    ));
                }
                (n, ParamValue::Rel { .. }) if !matches!(*n, "line" | "lo" | "hi" | "z") => {
                    return Err(bad(
                        self.id,
                        format!("{name} must be a number, not relative ({v})"),
                    ));
                }
                _ => {}
            }
        }
        if self.id == "lorenz_curve" {
            let n = self.num("points")?;
            if !(n.fract() == 0.0 && (1.0..=10_000.0).contains(&n)) {
                return Err(bad(
                    self.id,
                    format!("points must be a whole number from 1 to 10000, got {n}"),
                ));
            }
        }
        Ok(())
    }

    /// The catalogue id.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The parameters as given, under the catalogue's names.
    pub fn given(&self) -> &[(String, ParamValue)] {
        &self.given
    }

    /// Whether a parameter (given or default) is relative to the median or mean.
    pub fn is_relative(&self) -> bool {
        self.values
            .iter()
            .any(|(_, v)| matches!(v, ParamValue::Rel { .. }))
            || self.id == "arpr"
    }

    /// The poverty line of `fgt`, `watts` and `arpr`, resolved against `r`
    /// (`None` for other measures).
    pub fn poverty_line(&self, r: &Reference) -> Option<f64> {
        match self.id {
            "fgt" | "watts" => self.amount("line", r).ok(),
            "arpr" => self.num("pct").ok().map(|p| p * r.median),
            _ => None,
        }
    }

    /// How many rows the measure gives (9 for `deciles`, points + 1 for
    /// `lorenz_curve`, else 1).
    pub fn parts(&self) -> usize {
        match self.id {
            "deciles" => DECILES.len(),
            "lorenz_curve" => self.num("points").map_or(1, |n| n as usize + 1),
            _ => 1,
        }
    }

    fn num(&self, name: &str) -> Result<f64> {
        match self.values.iter().find(|(n, _)| *n == name) {
            Some((_, ParamValue::Num(v))) => Ok(*v),
            Some((_, other)) => Err(bad(
                self.id,
                format!("{name} must be a number, got \"{other}\""),
            )),
            None => Err(bad(self.id, format!("parameter {name} is required"))),
        }
    }

    fn amount(&self, name: &str, r: &Reference) -> Result<f64> {
        match self.values.iter().find(|(n, _)| *n == name) {
            Some((_, ParamValue::Num(v))) => Ok(*v),
            Some((_, ParamValue::Rel { factor, of })) => Ok(factor
                * match of {
                    RelTo::Median => r.median,
                    RelTo::Mean => r.mean,
                }),
            Some((_, other)) => Err(bad(
                self.id,
                format!("{name} must be a number, got \"{other}\""),
            )),
            None => Err(bad(self.id, format!("parameter {name} is required"))),
        }
    }
}

/// What relative lines and bounds (`0.6*median`, `0.5*mean`) refer to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    /// The median.
    pub median: f64,
    /// The mean.
    pub mean: f64,
}

/// One computed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The catalogue id.
    pub measure: &'static str,
    /// The parameters as given plus the part label (`p` of deciles).
    pub params: Vec<(String, ParamValue)>,
    /// The value.
    pub value: f64,
    /// The fit used: `gq`, `beta`, `mixture` or `none` (the mean).
    pub model: String,
    /// Why that fit.
    pub reason: String,
}

fn row(m: &GroupedMeasure, label: Option<(&str, f64)>, e: Estimate) -> Row {
    let mut params = m.given.clone();
    if let Some((k, v)) = label {
        params.push((k.to_string(), ParamValue::Num(v)));
    }
    Row {
        measure: m.id,
        params,
        value: e.value,
        model: e.model.map_or("none".into(), |m| m.name().into()),
        reason: e.reason,
    }
}

fn ratio(m: &str, num: f64, den: f64) -> Result<f64> {
    if !(den > 0.0) {
        return Err(crate::error::undefined(
            m,
            format!("the denominator is {den}"),
        ));
    }
    Ok(num / den)
}

fn grid(points: f64) -> Vec<f64> {
    let n = points as usize;
    (0..=n).map(|i| i as f64 / n as f64).collect()
}

const DECILES: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// The reference of a fitted table: its own median and mean.
///
/// # Errors
/// No valid fit for the median.
pub fn reference(fit: &GroupedFit) -> Result<Reference> {
    Ok(Reference {
        median: fit.quantile(0.5)?.value,
        mean: fit.mean(),
    })
}

/// Evaluates the measures on one fitted table. Relative lines refer to
/// `reference` (the table's own median and mean when `None`).
///
/// # Errors
/// The first measure that fails: no valid fit, a bad parameter, an undefined value.
pub fn evaluate(
    measures: &[GroupedMeasure],
    fit: &GroupedFit,
    reference: Option<Reference>,
) -> Result<Vec<Row>> {
    let r = match reference {
        Some(r) => Some(r),
        None if measures.iter().any(GroupedMeasure::is_relative) => Some(self::reference(fit)?),
        None => None,
    };
    let r = r.unwrap_or(Reference {
        median: f64::NAN,
        mean: fit.mean(),
    });
    let mut out = Vec::new();
    for m in measures {
        match m.id {
            "mean" => out.push(row(m, None, fit.mean_estimate())),
            "median" => out.push(row(m, None, fit.quantile(0.5)?)),
            "quantile" => out.push(row(m, None, fit.quantile(m.num("p")?)?)),
            "deciles" => {
                for p in DECILES {
                    out.push(row(m, Some(("p", p)), fit.quantile(p)?));
                }
            }
            "gini" => out.push(row(m, None, fit.gini()?)),
            "lorenz" => out.push(row(m, None, fit.lorenz(m.num("p")?)?)),
            "lorenz_curve" => {
                for p in grid(m.num("points")?) {
                    out.push(row(m, Some(("p", p)), fit.lorenz(p)?));
                }
            }
            "top_share" => {
                let f = m.num("f")?;
                check_fraction(m.id, f)?;
                let e = fit.lorenz(1.0 - f)?;
                out.push(row(
                    m,
                    None,
                    Estimate {
                        value: 1.0 - e.value,
                        ..e
                    },
                ));
            }
            "bottom_share" => {
                let f = m.num("f")?;
                check_fraction(m.id, f)?;
                out.push(row(m, None, fit.lorenz(f)?));
            }
            "palma" | "qsr" => {
                let (top, bottom) = if m.id == "palma" {
                    (0.9, 0.4)
                } else {
                    (0.8, 0.2)
                };
                let (t, b) = (fit.lorenz(top)?, fit.lorenz(bottom)?);
                let value = ratio(m.id, 1.0 - t.value, b.value)?;
                out.push(row(m, None, Estimate { value, ..t }));
            }
            "p90p10" | "p80p20" => {
                let (hi, lo) = if m.id == "p90p10" {
                    (0.9, 0.1)
                } else {
                    (0.8, 0.2)
                };
                let (h, l) = (fit.quantile(hi)?, fit.quantile(lo)?);
                let value = ratio(m.id, h.value, l.value)?;
                out.push(row(m, None, Estimate { value, ..h }));
            }
            "arpr" => {
                let z = m.num("pct")? * r.median;
                out.push(row(m, None, fit.fgt(0.0, z)?));
            }
            "fgt" => {
                let z = m.amount("line", &r)?;
                out.push(row(m, None, fit.fgt(m.num("alpha")?, z)?));
            }
            "watts" => out.push(row(m, None, fit.watts(m.amount("line", &r)?)?)),
            "middle_share" => {
                let (lo, hi) = (m.amount("lo", &r)?, m.amount("hi", &r)?);
                out.push(row(m, None, fit.middle_share(lo, hi)?));
            }
            "prosperity_gap" => out.push(row(m, None, fit.prosperity_gap(m.amount("z", &r)?)?)),
            other => {
                return Err(GroupedError::UnknownMeasure {
                    name: other.into(),
                    available: String::new(),
                });
            }
        }
    }
    Ok(out)
}

fn check_fraction(m: &str, f: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&f) {
        return Err(bad(m, format!("the fraction must be in [0, 1], got {f}")));
    }
    Ok(())
}

/// The reference of a mixture: its median and mean.
///
/// # Errors
/// As [`Mixture::quantile`].
pub fn mixture_reference(mix: &Mixture) -> Result<Reference> {
    Ok(Reference {
        median: mix.quantile(0.5)?,
        mean: mix.mean(),
    })
}

/// Evaluates the measures on a mixture of tables (see [`Mixture`] for how
/// each kind of measure is combined). Relative lines refer to the mixture.
///
/// # Errors
/// The first measure that fails.
pub fn evaluate_mixture(measures: &[GroupedMeasure], mix: &Mixture) -> Result<Vec<Row>> {
    let r = if measures.iter().any(GroupedMeasure::is_relative) {
        mixture_reference(mix)?
    } else {
        Reference {
            median: f64::NAN,
            mean: mix.mean(),
        }
    };
    let k = mix.components().len();
    let dist_models = || -> Result<String> {
        let mut v = Vec::new();
        for (f, _) in mix.components() {
            v.push(f.distribution_choice()?.model.name());
        }
        Ok(v.join(", "))
    };
    let grid_reason = || -> Result<String> {
        Ok(format!(
            "merged grid of {k} tables' distribution fits ({})",
            dist_models()?
        ))
    };
    let quantile_reason = || -> Result<String> {
        Ok(format!(
            "solves F(x) = p, F the population-weighted mixture of {k} tables' distribution fits ({})",
            dist_models()?
        ))
    };
    let average_reason = |what: &str, models: Vec<String>| {
        format!(
            "population-weighted average of {k} tables' values ({what} fits: {})",
            models.join(", ")
        )
    };
    let poverty_models = |z: f64| -> Result<Vec<String>> {
        let mut v = Vec::new();
        for (f, _) in mix.components() {
            v.push(f.poverty_choice(z)?.choice.model.name().to_string());
        }
        Ok(v)
    };
    let mixed = |m: &GroupedMeasure, label: Option<(&str, f64)>, value: f64, reason: String| {
        let mut params = m.given.clone();
        if let Some((k, v)) = label {
            params.push((k.to_string(), ParamValue::Num(v)));
        }
        Row {
            measure: m.id,
            params,
            value,
            model: "mixture".into(),
            reason,
        }
    };
    let mut out = Vec::new();
    for m in measures {
        match m.id {
            "mean" => out.push(Row {
                model: "none".into(),
                ..mixed(
                    m,
                    None,
                    mix.mean(),
                    format!("population-weighted mean of {k} tables' means"),
                )
            }),
            "median" => out.push(mixed(m, None, mix.quantile(0.5)?, quantile_reason()?)),
            "quantile" => {
                let p = m.num("p")?;
                out.push(mixed(m, None, mix.quantile(p)?, quantile_reason()?));
            }
            "deciles" => {
                for p in DECILES {
                    out.push(mixed(
                        m,
                        Some(("p", p)),
                        mix.quantile(p)?,
                        quantile_reason()?,
                    ));
                }
            }
            "gini" => out.push(mixed(m, None, mix.gini(), grid_reason()?)),
            "lorenz" => out.push(mixed(m, None, mix.lorenz(m.num("p")?)?, grid_reason()?)),
            "lorenz_curve" => {
                for p in grid(m.num("points")?) {
                    out.push(mixed(m, Some(("p", p)), mix.lorenz(p)?, grid_reason()?));
                }
            }
            "top_share" => {
                let f = m.num("f")?;
                check_fraction(m.id, f)?;
                out.push(mixed(m, None, 1.0 - mix.lorenz(1.0 - f)?, grid_reason()?));
            }
            "bottom_share" => {
                let f = m.num("f")?;
                check_fraction(m.id, f)?;
                out.push(mixed(m, None, mix.lorenz(f)?, grid_reason()?));
            }
            "palma" | "qsr" => {
                let (top, bottom) = if m.id == "palma" {
                    (0.9, 0.4)
                } else {
                    (0.8, 0.2)
                };
                let value = ratio(m.id, 1.0 - mix.lorenz(top)?, mix.lorenz(bottom)?)?;
                out.push(mixed(m, None, value, grid_reason()?));
            }
            "p90p10" | "p80p20" => {
                let (hi, lo) = if m.id == "p90p10" {
                    (0.9, 0.1)
                } else {
                    (0.8, 0.2)
                };
                let value = ratio(m.id, mix.quantile(hi)?, mix.quantile(lo)?)?;
                out.push(mixed(m, None, value, quantile_reason()?));
            }
            "arpr" | "fgt" | "watts" => {
                let z = match m.id {
                    "arpr" => m.num("pct")? * r.median,
                    _ => m.amount("line", &r)?,
                };
                let value = match m.id {
                    "watts" => mix.average(|f| Ok(f.watts(z)?.value))?,
                    "fgt" => {
                        let a = m.num("alpha")?;
                        mix.average(|f| Ok(f.fgt(a, z)?.value))?
                    }
                    _ => mix.average(|f| Ok(f.fgt(0.0, z)?.value))?,
                };
                out.push(mixed(
                    m,
                    None,
                    value,
                    average_reason(
                        &format!("poverty at {}", crate::curve::g6(z)),
                        poverty_models(z)?,
                    ),
                ));
            }
            "middle_share" => {
                let (lo, hi) = (m.amount("lo", &r)?, m.amount("hi", &r)?);
                let value = mix.average(|f| Ok(f.middle_share(lo, hi)?.value))?;
                out.push(mixed(
                    m,
                    None,
                    value,
                    average_reason(
                        "distribution",
                        dist_models()?.split(", ").map(String::from).collect(),
                    ),
                ));
            }
            "prosperity_gap" => {
                let z = m.amount("z", &r)?;
                let value = mix.average(|f| Ok(f.prosperity_gap(z)?.value))?;
                out.push(mixed(
                    m,
                    None,
                    value,
                    average_reason(
                        "distribution",
                        dist_models()?.split(", ").map(String::from).collect(),
                    ),
                ));
            }
            other => {
                return Err(GroupedError::UnknownMeasure {
                    name: other.into(),
                    available: String::new(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_catalogue_names_positional_and_defaults() {
        let ms = GroupedMeasure::parse_list(
            "gini,median,\"fgt(1,line=20000)\",quantile(0.2),middle_share(lo=0.5*median)",
        )
        .unwrap();
        let ids: Vec<&str> = ms.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["gini", "median", "fgt", "quantile", "middle_share"]);
        assert_eq!(
            ms[2].given(),
            [
                ("alpha".to_string(), ParamValue::Num(1.0)),
                ("line".to_string(), ParamValue::Num(20000.0))
            ]
        );
        assert_eq!(ms[3].given(), [("p".to_string(), ParamValue::Num(0.2))]);
        assert!(ms[4].is_relative() && !ms[2].is_relative());
        // defaults are filled but not reported as given
        assert_eq!(ms[4].given().len(), 1);
        assert!(GroupedMeasure::parse_list("fgt").unwrap()[0].is_relative());
    }

    #[test]
    fn refuses_unknown_measures_and_parameters() {
        let e = GroupedMeasure::parse_list("ge(2)").unwrap_err();
        assert!(matches!(e, GroupedError::UnknownMeasure { .. }) && e.to_string().contains("gini"));
        let e = GroupedMeasure::parse_list("fgt(0,line=1,scope=domain)").unwrap_err();
        assert!(e.to_string().contains("unknown parameter \"scope\""), "{e}");
        assert!(
            GroupedMeasure::parse_list("quantile")
                .unwrap_err()
                .to_string()
                .contains("required")
        );
        assert!(GroupedMeasure::parse_list("quantile(0.1,0.2)").is_err());
        assert!(GroupedMeasure::parse_list("lorenz_curve(2.5)").is_err());
        assert!(GroupedMeasure::parse_list("quantile(p=0.5*median)").is_err());
        assert!(matches!(
            GroupedMeasure::parse_list("gini,(").unwrap_err(),
            GroupedError::Parse(_)
        ));
    }
}
