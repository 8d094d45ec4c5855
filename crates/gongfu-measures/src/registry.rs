//! The measure registry: every measure is one named entry (definition,
//! parameters, evaluation) that the CLI, the SQL functions and the Python API
//! all enumerate.

use crate::ctx::Ctx;
use crate::error::{MeasureError, Result};
use crate::params::{Call, ParamValue, parse_list};

/// A parameter of a measure.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// Name (as in `fgt(alpha=1)`).
    pub name: &'static str,
    /// Default, in the measure-list syntax; `None` means required.
    pub default: Option<&'static str>,
    /// One-line description.
    pub doc: &'static str,
}

/// How a measure uses its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Levels, totals, quantiles.
    Level,
    /// Inequality.
    Inequality,
    /// Poverty and richness.
    Poverty,
    /// Middle class and polarisation.
    Middle,
    /// Ratios between domains.
    Contrast,
    /// Exact decompositions.
    Decomposition,
    /// Change between a baseline and now.
    Dynamics,
}

/// Signature of a measure's evaluation.
pub type EvalFn = fn(&Ctx<'_>, &Args) -> Result<Output>;

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct MeasureDef {
    /// The id used by every front end (`gini`, `fgt`, …).
    pub id: &'static str,
    /// One-line definition.
    pub summary: &'static str,
    /// Parameters, positional order first.
    pub params: &'static [ParamDef],
    /// The peer implementation it matches.
    pub peer: &'static str,
    /// Family.
    pub family: Family,
    /// Evaluation.
    pub eval: EvalFn,
}

/// Resolved arguments of one call: every parameter with its value (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    values: Vec<(&'static str, ParamValue)>,
    given: Vec<(String, ParamValue)>,
    id: &'static str,
}

impl Args {
    /// The value of parameter `name` (given or default), if any.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The parameter as a number.
    pub fn num(&self, name: &str) -> Result<f64> {
        match self.get(name) {
            Some(ParamValue::Num(v)) => Ok(*v),
            Some(other) => Err(self.bad(format!("{name} must be a number, got \"{other}\""))),
            None => Err(self.bad(format!("parameter {name} is required"))),
        }
    }

    /// The parameter as a line or bound (number or relative value).
    pub fn value(&self, name: &str) -> Result<&ParamValue> {
        self.get(name)
            .ok_or_else(|| self.bad(format!("parameter {name} is required")))
    }

    /// The parameter as a word (numbers are rendered as written).
    pub fn text(&self, name: &str) -> Result<String> {
        match self.get(name) {
            Some(ParamValue::Text(t)) => Ok(t.clone()),
            Some(ParamValue::Num(v)) => Ok(format!("{v}")),
            Some(other) => Err(self.bad(format!("{name} must be a word, got \"{other}\""))),
            None => Err(self.bad(format!("parameter {name} is required"))),
        }
    }

    /// True when the threshold scope is the domain rather than the population.
    pub fn domain_scope(&self) -> Result<bool> {
        match self.get("scope") {
            None => Ok(false),
            Some(ParamValue::Text(t)) if t == "national" => Ok(false),
            Some(ParamValue::Text(t)) if t == "domain" => Ok(true),
            Some(other) => Err(self.bad(format!("scope is national or domain, not \"{other}\""))),
        }
    }

    /// The parameters as the user gave them, under the catalogue's names.
    pub fn given(&self) -> &[(String, ParamValue)] {
        &self.given
    }

    /// A [`MeasureError::BadParameter`] for this measure.
    pub fn bad(&self, message: String) -> MeasureError {
        MeasureError::BadParameter {
            measure: self.id.to_string(),
            message,
        }
    }
}

/// One value of a measure's output (a measure may have several, e.g. deciles).
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// What distinguishes this value among the measure's outputs (`p`, `group`, `component`).
    pub label: Vec<(String, ParamValue)>,
    /// The value.
    pub value: f64,
}

/// What an evaluation returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The values.
    pub parts: Vec<Part>,
    /// Observations used.
    pub n: usize,
    /// Weight used.
    pub population: f64,
    /// Observations excluded as non-positive.
    pub excluded: usize,
}

impl Output {
    /// A single value computed on `v`.
    pub fn one(v: &crate::View<'_>, value: f64) -> Self {
        Output {
            parts: vec![Part {
                label: vec![],
                value,
            }],
            n: v.count_positive_weight(),
            population: v.total_weight(),
            excluded: 0,
        }
    }

    /// Several labelled values computed on `v`.
    pub fn many(v: &crate::View<'_>, parts: Vec<Part>) -> Self {
        Output {
            parts,
            n: v.count_positive_weight(),
            population: v.total_weight(),
            excluded: 0,
        }
    }

    /// Records excluded observations.
    pub fn excluding(mut self, excluded: usize) -> Self {
        self.excluded = excluded;
        self
    }
}

/// One result row: a measure, its parameters, a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Measure id.
    pub measure: &'static str,
    /// Parameters as given plus the part's label.
    pub params: Vec<(String, ParamValue)>,
    /// The value.
    pub value: f64,
    /// Observations used.
    pub n: usize,
    /// Weight used.
    pub population: f64,
    /// Observations excluded as non-positive.
    pub excluded: usize,
}

/// A measure with resolved parameters, ready to evaluate on any context.
#[derive(Debug, Clone)]
pub struct Measure {
    def: &'static MeasureDef,
    args: Args,
}

/// The call as it would be written in a measure list: `fgt(alpha=1,line=20000)`.
impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.def.id)?;
        let given = self.args.given();
        if !given.is_empty() {
            f.write_str("(")?;
            for (i, (k, v)) in given.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}={v}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The definition with this id.
pub fn find(id: &str) -> Option<&'static MeasureDef> {
    crate::catalogue().iter().find(|d| d.id == id)
}

impl Measure {
    /// Resolves a parsed call against the catalogue.
    ///
    /// # Errors
    /// [`MeasureError::UnknownMeasure`] (with a suggestion) or [`MeasureError::BadParameter`].
    pub fn from_call(call: &Call) -> Result<Measure> {
        let def = find(&call.name).ok_or_else(|| {
            let best = crate::catalogue()
                .iter()
                .map(|d| (levenshtein(&call.name, d.id), d.id))
                .min();
            MeasureError::UnknownMeasure {
                name: call.name.clone(),
                suggestion: best.filter(|(d, _)| *d <= 3).map(|(_, id)| id.to_string()),
            }
        })?;
        let bad = |m: String| MeasureError::BadParameter {
            measure: def.id.to_string(),
            message: m,
        };
        if call.positional.len() > def.params.len() {
            return Err(bad(format!(
                "takes at most {} argument(s), got {}",
                def.params.len(),
                call.positional.len()
            )));
        }
        let mut given: Vec<(String, ParamValue)> = Vec::new();
        for (p, v) in def.params.iter().zip(&call.positional) {
            given.push((p.name.to_string(), v.clone()));
        }
        for (k, v) in &call.named {
            if !def.params.iter().any(|p| p.name == k) {
                let names: Vec<&str> = def.params.iter().map(|p| p.name).collect();
                return Err(bad(format!(
                    "unknown parameter \"{k}\" (parameters: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            }
            if given.iter().any(|(g, _)| g == k) {
                return Err(bad(format!("parameter \"{k}\" given twice")));
            }
            given.push((k.clone(), v.clone()));
        }
        // keep the catalogue's order
        given.sort_by_key(|(k, _)| def.params.iter().position(|p| p.name == k));
        let mut values = Vec::new();
        for p in def.params {
            if let Some((_, v)) = given.iter().find(|(k, _)| k == p.name) {
                values.push((p.name, v.clone()));
            } else if let Some(d) = p.default {
                let parsed = parse_list(&format!("x({d})"))?;
                if let Some(v) = parsed.first().and_then(|c| c.positional.first()) {
                    values.push((p.name, v.clone()));
                }
            }
        }
        Ok(Measure {
            def,
            args: Args {
                values,
                given,
                id: def.id,
            },
        })
    }

    /// Parses a measure list and resolves every item.
    ///
    /// # Errors
    /// As [`parse_list`] and [`Measure::from_call`].
    pub fn parse_list(list: &str) -> Result<Vec<Measure>> {
        parse_list(list)?.iter().map(Measure::from_call).collect()
    }

    /// Builds a measure from its id and named parameters.
    ///
    /// # Errors
    /// As [`Measure::from_call`].
    pub fn new(id: &str, params: &[(&str, ParamValue)]) -> Result<Measure> {
        Measure::from_call(&Call {
            name: id.to_string(),
            positional: vec![],
            named: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            position: 0,
        })
    }

    /// The measure's catalogue entry.
    pub fn def(&self) -> &'static MeasureDef {
        self.def
    }

    /// The measure's id.
    pub fn id(&self) -> &'static str {
        self.def.id
    }

    /// The resolved arguments.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// Evaluates on a context.
    ///
    /// # Errors
    /// Whatever the measure refuses: empty domains, non-positive incomes, undefined values.
    pub fn evaluate(&self, ctx: &Ctx<'_>) -> Result<Vec<Estimate>> {
        let out = (self.def.eval)(ctx, &self.args)?;
        for p in &out.parts {
            if !p.value.is_finite() {
                return Err(MeasureError::Undefined {
                    measure: self.def.id.to_string(),
                    reason: "the value is not finite for these data".into(),
                });
            }
        }
        Ok(out
            .parts
            .into_iter()
            .map(|p| {
                let mut params = self.args.given.clone();
                params.extend(p.label);
                Estimate {
                    measure: self.def.id,
                    params,
                    value: p.value,
                    n: out.n,
                    population: out.population,
                    excluded: out.excluded,
                }
            })
            .collect())
    }

    /// The influence values of each part of the estimate (same order as
    /// [`Measure::evaluate`]), for design-based standard errors.
    ///
    /// # Errors
    /// [`MeasureError::NoLinearization`] when the measure has none, and
    /// whatever the evaluation itself refuses.
    pub fn influence(&self, ctx: &Ctx<'_>) -> Result<Vec<crate::Influence>> {
        let f = crate::measures::infl::lookup(self.def.id)
            .ok_or_else(|| MeasureError::NoLinearization(self.def.id.to_string()))?;
        f(ctx, &self.args)
    }

    /// Evaluates a measure that yields one value.
    ///
    /// # Errors
    /// As [`Measure::evaluate`]; also when the measure yields several values.
    pub fn value(&self, ctx: &Ctx<'_>) -> Result<f64> {
        let e = self.evaluate(ctx)?;
        match e.as_slice() {
            [one] => Ok(one.value),
            _ => Err(MeasureError::Invalid(format!(
                "{} yields {} values",
                self.def.id,
                e.len()
            ))),
        }
    }
}
