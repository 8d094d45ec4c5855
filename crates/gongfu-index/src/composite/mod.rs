//! Composite indices and the uncertainty of their ranks (SPEC §7), following
//! the JRC/OECD *Handbook on Constructing Composite Indicators* (2008) and the
//! conventions of the COINr R package; the rank uncertainty is the Monte Carlo
//! analysis of Saisana, Saltelli & Tarantola (2005).
//!
//! The data are units (counties, say) × indicators, with missing values
//! allowed ([`Data`]). Indicators can be grouped into pillars, one level of
//! grouping: indicator → pillar → index. [`build`] runs the pipeline in the
//! COINr order:
//!
//! 1. **imputation** of missing values within each indicator ([`Imputation`]);
//! 2. **outlier treatment** ([`Outliers`]): an indicator is treated when
//!    `|skewness| ≥ 2` and `kurtosis ≥ 3.5` (sample skewness and excess
//!    kurtosis of e1071 type 2, as COINr; see [`needs_treatment`]), by
//!    winsorising one value at a time up to `max_points`, then falling back to
//!    a log transform ([`Treatment`]);
//! 3. **normalisation** ([`Normalisation`]), which also applies each
//!    indicator's [`Direction`]: afterwards higher is better everywhere;
//! 4. **weights** ([`WeightScheme`]): equal, explicit, or from the first
//!    principal component;
//! 5. **aggregation** ([`Aggregation`]) within pillars, then across pillars
//!    (they can differ: the HDI is arithmetic within education and geometric
//!    across its three dimensions);
//! 6. **ranks**, 1 = best, ties sharing the lowest rank.
//!
//! [`rank_uncertainty`] repeats steps 1–6 under perturbed weights and
//! alternative methods and summarises each unit's rank distribution.
//!
//! Missing values: with imputation `none` a missing value is skipped and the
//! weights of the values that are present are renormalised, per unit, within
//! its pillar; a pillar with no value is skipped the same way across pillars.
//!
//! Geometric and harmonic means need positive values. Min-max to the default
//! `[0, 100]` gives 0 to the lowest unit of every indicator, so (as in COINr)
//! it cannot be combined with them: that is an error naming the unit and the
//! indicator. Normalise to `[1, 100]` instead; the uncertainty analysis does
//! so by itself in the draws that need it (see [`Uncertainty`]).
//!
//! Configuration reads from TOML (every field has a default; unknown keys are
//! errors):
//!
//! ```toml
//! [index]
//! imputation = "mean"              # none | mean | median
//! outliers = "winsorise"           # none | winsorise
//! max_points = 5
//! normalisation = "min_max"        # min_max | z_score | rank | goalposts | distance_to_target
//! min_max_range = [0, 100]
//! weights = "equal"                # equal | explicit | pca
//! aggregation = "arithmetic"       # across pillars: arithmetic | geometric | harmonic
//! pillar_aggregation = "arithmetic"
//! [index.uncertainty]
//! draws = 1000
//! seed = 20250101
//! weight_noise = 0.25
//! normalisations = ["min_max", "z_score", "rank"]
//! aggregations = ["arithmetic", "geometric"]
//! ```

mod aggregate;
mod normalise;
mod pca;
mod stats;
mod treat;
mod uncertainty;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{Direction, IndexError};
use aggregate::{Group, Inputs, Levels, Structure};
use normalise::NormParams;

pub use pca::{Eigen, pca_weights, symmetric_eigen};
pub use stats::{kurtosis, rank_descending, skewness};
pub use treat::{Treatment, TreatmentAction, WinsorisedPoint, needs_treatment};
pub use uncertainty::{RankBand, rank_uncertainty};

fn one() -> f64 {
    1.0
}

/// Metadata of one indicator.
///
/// In TOML or JSON: `id` and `direction` are required; `weight` defaults to
/// 1; `pillar`, `goalposts = [lo, hi]` and `target` are optional; `log`
/// (default `false`) puts the goalposts on a log scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Identifier (unique within the data).
    pub id: String,
    /// Which way is better.
    pub direction: Direction,
    /// Explicit weight, `≥ 0` (used by [`WeightScheme::Explicit`]; relative
    /// to the other indicators of the same pillar).
    #[serde(default = "one")]
    pub weight: f64,
    /// Pillar the indicator belongs to. In data where some indicators have a
    /// pillar, an indicator without one forms a pillar of its own, named by
    /// its id (the HDI's health and income dimensions are such pillars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pillar: Option<String>,
    /// Goalposts `[lo, hi]`, `lo < hi`, for [`Normalisation::Goalposts`]: the
    /// worst and best values for a higher-is-better indicator (the other way
    /// round for lower-is-better).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goalposts: Option<[f64; 2]>,
    /// Whether goalposts apply on a log scale, `(ln x − ln lo)/(ln hi − ln lo)`
    /// (the HDI's income index). Needs goalposts with `lo > 0`.
    #[serde(default)]
    pub log: bool,
    /// Target value for [`Normalisation::DistanceToTarget`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

impl Indicator {
    /// An indicator with weight 1 and nothing else set.
    pub fn new(id: impl Into<String>, direction: Direction) -> Self {
        Self {
            id: id.into(),
            direction,
            weight: 1.0,
            pillar: None,
            goalposts: None,
            log: false,
            target: None,
        }
    }

    /// Sets the explicit weight.
    pub fn weight(mut self, w: f64) -> Self {
        self.weight = w;
        self
    }

    /// Puts the indicator in a pillar.
    pub fn pillar(mut self, p: impl Into<String>) -> Self {
        self.pillar = Some(p.into());
        self
    }

    /// Sets goalposts `[lo, hi]`.
    pub fn goalposts(mut self, lo: f64, hi: f64) -> Self {
        self.goalposts = Some([lo, hi]);
        self
    }

    /// Puts the goalposts on a log scale.
    pub fn log(mut self) -> Self {
        self.log = true;
        self
    }

    /// Sets the target.
    pub fn target(mut self, t: f64) -> Self {
        self.target = Some(t);
        self
    }
}

/// Validated input: units × indicators with missing values allowed, the
/// indicators' metadata and optional pillar weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    units: Vec<String>,
    indicators: Vec<Indicator>,
    /// By indicator: `columns[j][i]`.
    columns: Vec<Vec<Option<f64>>>,
    pillar_weights: Vec<(String, f64)>,
}

impl Data {
    /// Builds the data from unit names, indicator metadata and one row of
    /// values per unit (in the order of `indicators`; `None` = missing).
    ///
    /// Errors: fewer than 2 units or no indicator, rows of the wrong length,
    /// duplicate or empty ids, non-finite values, a unit or an indicator with
    /// no observed value, weights that are negative, non-finite or all zero,
    /// goalposts with `lo ≥ hi` (or `lo ≤ 0` on a log scale), `log` without
    /// goalposts, a non-finite target, or a pillar named like an indicator
    /// that has no pillar.
    pub fn new(
        units: Vec<String>,
        indicators: Vec<Indicator>,
        values: Vec<Vec<Option<f64>>>,
    ) -> Result<Self, IndexError> {
        if units.len() < 2 {
            return Err(IndexError::TooFew {
                what: "composite index (units)",
                need: 2,
                got: units.len(),
            });
        }
        if indicators.is_empty() {
            return Err(IndexError::TooFew {
                what: "composite index (indicators)",
                need: 1,
                got: 0,
            });
        }
        if values.len() != units.len() {
            return Err(IndexError::LengthMismatch {
                what: "composite index: rows of values vs units",
                left: values.len(),
                right: units.len(),
            });
        }
        unique("unit", units.iter())?;
        unique("indicator", indicators.iter().map(|i| &i.id))?;
        for ind in &indicators {
            check_indicator(ind)?;
        }
        let total: f64 = indicators.iter().map(|i| i.weight).sum();
        if !(total > 0.0) {
            return Err(IndexError::Invalid(
                "composite index: the explicit indicator weights are all zero".into(),
            ));
        }
        if indicators.iter().any(|i| i.pillar.is_some()) {
            let standalone: HashSet<&str> = indicators
                .iter()
                .filter(|i| i.pillar.is_none())
                .map(|i| i.id.as_str())
                .collect();
            if let Some(p) = indicators
                .iter()
                .filter_map(|i| i.pillar.as_deref())
                .find(|p| standalone.contains(p))
            {
                return Err(IndexError::Invalid(format!(
                    "composite index: pillar '{p}' has the name of an indicator that forms a pillar of its own"
                )));
            }
        }
        let m = indicators.len();
        let mut columns = vec![Vec::with_capacity(units.len()); m];
        for (i, row) in values.iter().enumerate() {
            if row.len() != m {
                return Err(IndexError::LengthMismatch {
                    what: "composite index: values in a unit's row vs indicators",
                    left: row.len(),
                    right: m,
                });
            }
            if row.iter().all(Option::is_none) {
                return Err(IndexError::Invalid(format!(
                    "composite index: unit '{}' has no observed value",
                    units[i]
                )));
            }
            for (j, v) in row.iter().enumerate() {
                if let Some(x) = v.filter(|x| !x.is_finite()) {
                    return Err(IndexError::Invalid(format!(
                        "composite index: unit '{}', indicator '{}': value {x} is not finite",
                        units[i], indicators[j].id
                    )));
                }
                columns[j].push(*v);
            }
        }
        for (j, col) in columns.iter().enumerate() {
            if col.iter().all(Option::is_none) {
                return Err(IndexError::Invalid(format!(
                    "composite index: indicator '{}' has no observed value",
                    indicators[j].id
                )));
            }
        }
        Ok(Self {
            units,
            indicators,
            columns,
            pillar_weights: Vec::new(),
        })
    }

    /// Sets explicit pillar weights (pillars not named keep weight 1), used
    /// by [`WeightScheme::Explicit`] and [`WeightScheme::Pca`] across
    /// pillars. Errors: an unknown pillar, a negative or non-finite weight, or
    /// all pillar weights zero.
    pub fn with_pillar_weights<S: Into<String>>(
        mut self,
        weights: impl IntoIterator<Item = (S, f64)>,
    ) -> Result<Self, IndexError> {
        let names = self.pillars();
        let mut set: Vec<(String, f64)> = Vec::new();
        for (name, w) in weights {
            let name = name.into();
            if !names.contains(&name) {
                return Err(IndexError::Invalid(format!(
                    "pillar weights: no pillar named '{name}' (pillars: {})",
                    names.join(", ")
                )));
            }
            if !(w.is_finite() && w >= 0.0) {
                return Err(IndexError::Invalid(format!(
                    "pillar weights: pillar '{name}' has weight {w}; weights must be finite and ≥ 0"
                )));
            }
            set.retain(|(n, _)| *n != name);
            set.push((name, w));
        }
        self.pillar_weights = set;
        if !(names.iter().map(|n| self.pillar_weight(n)).sum::<f64>() > 0.0) {
            return Err(IndexError::Invalid("pillar weights are all zero".into()));
        }
        Ok(self)
    }

    /// Unit names.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Indicator metadata.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The value of `indicator` for `unit` (positions), `None` when missing.
    pub fn value(&self, unit: usize, indicator: usize) -> Option<f64> {
        self.columns.get(indicator)?.get(unit).copied().flatten()
    }

    /// Pillar names in order of first appearance (standalone indicators count
    /// as pillars named by their id); empty when no indicator has a pillar.
    pub fn pillars(&self) -> Vec<String> {
        let st = self.structure();
        if st.flat {
            Vec::new()
        } else {
            st.groups.into_iter().map(|g| g.name).collect()
        }
    }

    /// Explicit weight of a pillar (1 unless set).
    pub fn pillar_weight(&self, name: &str) -> f64 {
        self.pillar_weights
            .iter()
            .find(|(n, _)| n == name)
            .map_or(1.0, |(_, w)| *w)
    }

    pub(crate) fn structure(&self) -> Structure {
        if self.indicators.iter().all(|i| i.pillar.is_none()) {
            return Structure {
                groups: vec![Group {
                    name: "index".into(),
                    members: (0..self.indicators.len()).collect(),
                }],
                flat: true,
            };
        }
        let mut groups: Vec<Group> = Vec::new();
        for (j, ind) in self.indicators.iter().enumerate() {
            let name = ind.pillar.clone().unwrap_or_else(|| ind.id.clone());
            match groups.iter_mut().find(|g| g.name == name) {
                Some(g) => g.members.push(j),
                None => groups.push(Group {
                    name,
                    members: vec![j],
                }),
            }
        }
        Structure {
            groups,
            flat: false,
        }
    }
}

fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a String>) -> Result<(), IndexError> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.is_empty() {
            return Err(IndexError::Invalid(format!(
                "composite index: an empty {what} id"
            )));
        }
        if !seen.insert(id.as_str()) {
            return Err(IndexError::Invalid(format!(
                "composite index: duplicate {what} '{id}'"
            )));
        }
    }
    Ok(())
}

fn check_indicator(ind: &Indicator) -> Result<(), IndexError> {
    let bad = |msg: String| {
        Err(IndexError::Invalid(format!(
            "indicator '{}': {msg}",
            ind.id
        )))
    };
    if !(ind.weight.is_finite() && ind.weight >= 0.0) {
        return bad(format!("weight {} must be finite and ≥ 0", ind.weight));
    }
    if let Some([lo, hi]) = ind.goalposts {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return bad(format!(
                "goalposts [{lo}, {hi}] must be finite with lo < hi"
            ));
        }
        if ind.log && !(lo > 0.0) {
            return bad(format!("goalposts on a log scale need lo > 0, got {lo}"));
        }
    } else if ind.log {
        return bad("a log scale needs goalposts".into());
    }
    if let Some(t) = ind.target.filter(|t| !t.is_finite()) {
        return bad(format!("target {t} is not finite"));
    }
    Ok(())
}

/// How missing values are handled (within each indicator, across units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Imputation {
    /// Missing values are skipped in the aggregation and the weights of the
    /// values present are renormalised, per unit.
    #[default]
    None,
    /// Replaced by the mean of the indicator's observed values.
    Mean,
    /// Replaced by the median of the indicator's observed values.
    Median,
}

impl Imputation {
    /// The configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Mean => "mean",
            Self::Median => "median",
        }
    }
}

/// Outlier treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outliers {
    /// No treatment.
    #[default]
    None,
    /// COINr's two-stage treatment (winsorise, then log transform), see
    /// [`Treatment`].
    Winsorise,
}

/// Normalisation of each indicator (direction applied: higher is better
/// afterwards). `x` is the value, `min`/`max` etc. are over units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// `a + (x − min)/(max − min)·(b − a)` to `min_max_range = [a, b]`
    /// (`(max − x)` for lower-is-better).
    #[default]
    MinMax,
    /// `μ ± (x − mean)/sd·σ` with the sample SD and `z_score = [μ, σ]`
    /// (`[0, 1]` by default; COINr's `[10, 1]` keeps scores positive).
    ZScore,
    /// Rank among the observed values, 1 = worst, ties sharing the lowest
    /// rank (COINr `n_rank`).
    Rank,
    /// `clamp((x − lo)/(hi − lo), 0, 1)·scale` with each indicator's goalposts
    /// (`(hi − x)` for lower-is-better; on logs when the indicator says so).
    Goalposts,
    /// COINr's `n_dist2targ` with each indicator's target `t`:
    /// `min(1, 1 − (t − x)/(t − min))·scale` on direction-adjusted values
    /// (`x → −x`, `t → −t` for lower-is-better), so the worst unit scores 0
    /// and units at or beyond the target score `scale`; when every unit meets
    /// the target all score `scale`.
    DistanceToTarget,
}

impl Normalisation {
    /// The configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Self::MinMax => "min_max",
            Self::ZScore => "z_score",
            Self::Rank => "rank",
            Self::Goalposts => "goalposts",
            Self::DistanceToTarget => "distance_to_target",
        }
    }

    /// Whether the normalisation is computed from the data (so that a log
    /// transform of an indicator makes sense before it), as opposed to fixed
    /// reference values in the indicator's own unit.
    fn data_driven(self) -> bool {
        matches!(self, Self::MinMax | Self::ZScore | Self::Rank)
    }
}

/// Weighting scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightScheme {
    /// Equal weights within each pillar and equal pillar weights.
    #[default]
    Equal,
    /// The indicators' `weight` (relative within each pillar) and the pillar
    /// weights of [`Data::with_pillar_weights`] (1 by default).
    Explicit,
    /// Within each pillar (or over all indicators when there are no pillars):
    /// the squared loadings of the first principal component of the
    /// correlation matrix of the normalised indicators, over the units where
    /// all of them are observed (COINr's `get_PCA` by groups, squared as in
    /// the OECD Handbook so the weights are positive and sum to 1). Pillar
    /// weights as in `explicit`.
    Pca,
}

/// Aggregation of weighted values `xₖ`, weights `wₖ` summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// `Σ wₖ xₖ`.
    #[default]
    Arithmetic,
    /// `Π xₖ^wₖ`; values must be positive.
    Geometric,
    /// `1 / Σ (wₖ / xₖ)`; values must be positive.
    Harmonic,
}

impl Aggregation {
    /// The configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Arithmetic => "arithmetic",
            Self::Geometric => "geometric",
            Self::Harmonic => "harmonic",
        }
    }

    /// Whether the mean needs positive values.
    pub fn needs_positive(self) -> bool {
        !matches!(self, Self::Arithmetic)
    }
}

/// The pipeline configuration (the `[index]` TOML table). Every field has a
/// default; see the module documentation for an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// `none` (default) | `mean` | `median`.
    pub imputation: Imputation,
    /// `none` (default) | `winsorise`.
    pub outliers: Outliers,
    /// Maximum number of winsorised points per indicator (default 5).
    pub max_points: usize,
    /// Absolute skewness threshold of the outlier rule (default 2).
    pub skew_threshold: f64,
    /// Kurtosis threshold of the outlier rule (default 3.5).
    pub kurtosis_threshold: f64,
    /// `min_max` (default) | `z_score` | `rank` | `goalposts` |
    /// `distance_to_target`.
    pub normalisation: Normalisation,
    /// Target range `[a, b]` of min-max, `a < b` (default `[0, 100]`).
    pub min_max_range: [f64; 2],
    /// Mean and SD `[μ, σ]` of z-scores, `σ > 0` (default `[0, 1]`).
    pub z_score: [f64; 2],
    /// Multiplier of goalposts and distance-to-target scores, `> 0`
    /// (default 1, the HDI's `[0, 1]`; 100 gives points).
    pub scale: f64,
    /// `equal` (default) | `explicit` | `pca`.
    pub weights: WeightScheme,
    /// Aggregation across pillars, or of the indicators when there are no
    /// pillars (default `arithmetic`).
    pub aggregation: Aggregation,
    /// Aggregation within pillars (default `arithmetic`).
    pub pillar_aggregation: Aggregation,
    /// The `[index.uncertainty]` table, for [`rank_uncertainty`]
    /// ([`build`] ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self {
            imputation: Imputation::None,
            outliers: Outliers::None,
            max_points: 5,
            skew_threshold: 2.0,
            kurtosis_threshold: 3.5,
            normalisation: Normalisation::MinMax,
            min_max_range: [0.0, 100.0],
            z_score: [0.0, 1.0],
            scale: 1.0,
            weights: WeightScheme::Equal,
            aggregation: Aggregation::Arithmetic,
            pillar_aggregation: Aggregation::Arithmetic,
            uncertainty: None,
        }
    }
}

impl Pipeline {
    /// Checks the settings on their own and against `data` (goalposts or
    /// targets present for every indicator when the normalisation needs them).
    pub fn validate(&self, data: &Data) -> Result<(), IndexError> {
        let bad = |msg: String| Err(IndexError::Invalid(format!("index settings: {msg}")));
        let [a, b] = self.min_max_range;
        if !(a.is_finite() && b.is_finite() && a < b) {
            return bad(format!(
                "min_max_range [{a}, {b}] must be finite with a < b"
            ));
        }
        let [mu, sigma] = self.z_score;
        if !(mu.is_finite() && sigma.is_finite() && sigma > 0.0) {
            return bad(format!("z_score [{mu}, {sigma}] must be finite with σ > 0"));
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return bad(format!("scale {} must be finite and > 0", self.scale));
        }
        if self.max_points == 0 {
            return bad("max_points must be at least 1".into());
        }
        if !(self.skew_threshold.is_finite() && self.kurtosis_threshold.is_finite()) {
            return bad("outlier thresholds must be finite".into());
        }
        self.check_references(self.normalisation, data)
    }

    fn check_references(&self, how: Normalisation, data: &Data) -> Result<(), IndexError> {
        for ind in &data.indicators {
            let missing = match how {
                Normalisation::Goalposts => ind.goalposts.is_none().then_some("goalposts"),
                Normalisation::DistanceToTarget => ind.target.is_none().then_some("a target"),
                _ => None,
            };
            if let Some(what) = missing {
                return Err(IndexError::Invalid(format!(
                    "{} normalisation: indicator '{}' has no {what}",
                    how.name(),
                    ind.id
                )));
            }
        }
        Ok(())
    }

    fn params(&self) -> NormParams {
        NormParams {
            min_max: self.min_max_range,
            z_score: self.z_score,
            scale: self.scale,
        }
    }

    fn levels(&self) -> Levels {
        Levels {
            pillar: self.pillar_aggregation,
            index: self.aggregation,
        }
    }
}

/// Settings of [`rank_uncertainty`] (the `[index.uncertainty]` TOML table).
///
/// In each draw: every indicator weight and every pillar weight is multiplied
/// by an independent factor uniform on `[1 − weight_noise, 1 + weight_noise]`
/// (the weights are then renormalised within pillars and across pillars); the
/// imputation, the normalisation and the aggregation are drawn uniformly from
/// their lists (an empty list means the pipeline's own; a drawn aggregation
/// applies at both levels). The nominal weights perturbed are those of the
/// pipeline ([`Weights`]; PCA weights are not recomputed per draw).
///
/// A draw whose aggregation needs positive values and whose normalisation
/// gives a value `≤ 0` with the pipeline's parameters uses
/// `positive_min_max_range` (min-max) or `positive_z_score` (z-score) instead;
/// z-scores with mean 10 and SD 1 are positive unless a value lies more than
/// 10 SDs below the mean, impossible with fewer than 102 units. Other
/// normalisations are not changed, and such a draw is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Uncertainty {
    /// Number of Monte Carlo draws, 1 to 100,000 (default 1000).
    pub draws: usize,
    /// Seed of the random generator (`StdRng::seed_from_u64`; default 1).
    pub seed: u64,
    /// Relative weight noise, in `[0, 1)` (default 0.25).
    pub weight_noise: f64,
    /// Normalisations to draw from (default: the pipeline's).
    pub normalisations: Vec<Normalisation>,
    /// Aggregations to draw from (default: the pipeline's, per level).
    pub aggregations: Vec<Aggregation>,
    /// Imputations to draw from (default: the pipeline's).
    pub imputations: Vec<Imputation>,
    /// Min-max range for draws that need positive values (default `[1, 100]`).
    pub positive_min_max_range: [f64; 2],
    /// Z-score mean and SD for draws that need positive values (default
    /// `[10, 1]`).
    pub positive_z_score: [f64; 2],
}

impl Default for Uncertainty {
    fn default() -> Self {
        Self {
            draws: 1000,
            seed: 1,
            weight_noise: 0.25,
            normalisations: Vec::new(),
            aggregations: Vec::new(),
            imputations: Vec::new(),
            positive_min_max_range: [1.0, 100.0],
            positive_z_score: [10.0, 1.0],
        }
    }
}

impl Uncertainty {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), IndexError> {
        let bad = |msg: String| Err(IndexError::Invalid(format!("uncertainty settings: {msg}")));
        if !(1..=100_000).contains(&self.draws) {
            return bad(format!("draws {} must be between 1 and 100000", self.draws));
        }
        if !(self.weight_noise >= 0.0 && self.weight_noise < 1.0) {
            return bad(format!(
                "weight_noise {} must be in [0, 1)",
                self.weight_noise
            ));
        }
        let [a, b] = self.positive_min_max_range;
        if !(a.is_finite() && b.is_finite() && a > 0.0 && a < b) {
            return bad(format!(
                "positive_min_max_range [{a}, {b}] must be finite with 0 < a < b"
            ));
        }
        let [mu, sigma] = self.positive_z_score;
        if !(mu.is_finite() && sigma.is_finite() && sigma > 0.0) {
            return bad(format!(
                "positive_z_score [{mu}, {sigma}] must be finite with σ > 0"
            ));
        }
        Ok(())
    }
}

/// The weights actually used, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights {
    /// Per indicator (data order), summing to 1 within each pillar (over all
    /// indicators when there are no pillars).
    pub indicators: Vec<f64>,
    /// Per pillar ([`IndexResult::pillars`] order), summing to 1; empty when
    /// there are no pillars.
    pub pillars: Vec<f64>,
}

/// The result of [`build`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexResult {
    /// Unit names.
    pub units: Vec<String>,
    /// Indicator ids.
    pub indicators: Vec<String>,
    /// Pillar names (empty when there are no pillars).
    pub pillars: Vec<String>,
    /// Index score per unit.
    pub scores: Vec<f64>,
    /// Rank per unit, 1 = highest score; ties (scores equal to 9 significant
    /// digits) share the lowest rank of the group ("1, 2, 2, 4").
    pub ranks: Vec<usize>,
    /// `pillar_scores[unit][pillar]`, `None` when a unit has no value in the
    /// pillar; empty rows when there are no pillars.
    pub pillar_scores: Vec<Vec<Option<f64>>>,
    /// `normalised[unit][indicator]`: imputed, treated and normalised values.
    pub normalised: Vec<Vec<Option<f64>>>,
    /// The weights used.
    pub weights: Weights,
    /// Outlier treatment per indicator (empty without treatment).
    pub treatment: Vec<Treatment>,
}

/// Values by indicator: `columns[j][i]` for indicator `j`, unit `i`.
type Columns = Vec<Vec<Option<f64>>>;

/// Imputation, outlier treatment and normalisation: the normalised columns
/// `[indicator][unit]` and the treatment log.
fn prepare(
    data: &Data,
    pipeline: &Pipeline,
    imputation: Imputation,
    normalisation: Normalisation,
    params: &NormParams,
) -> Result<(Columns, Vec<Treatment>), IndexError> {
    let mut cols = Vec::with_capacity(data.indicators.len());
    let mut log = Vec::new();
    for (ind, raw) in data.indicators.iter().zip(&data.columns) {
        let mut col = treat::impute(raw, imputation);
        if pipeline.outliers == Outliers::Winsorise {
            let (treated, record) =
                treat::treat(&ind.id, &col, pipeline, normalisation.data_driven());
            col = treated;
            log.push(record);
        }
        cols.push(normalise::normalise(ind, &col, normalisation, params)?);
    }
    Ok((cols, log))
}

/// Nominal weights (normalised within pillars and across pillars).
fn weights(
    data: &Data,
    st: &Structure,
    scheme: WeightScheme,
    cols: &[Vec<Option<f64>>],
) -> Result<Weights, IndexError> {
    let m = data.indicators.len();
    let mut w = vec![0.0; m];
    for g in &st.groups {
        let raw: Vec<f64> = match scheme {
            WeightScheme::Equal => vec![1.0; g.members.len()],
            WeightScheme::Explicit => g
                .members
                .iter()
                .map(|&j| data.indicators[j].weight)
                .collect(),
            WeightScheme::Pca if g.members.len() == 1 => vec![1.0],
            WeightScheme::Pca => {
                let rows: Vec<Vec<f64>> = (0..data.units.len())
                    .filter_map(|i| g.members.iter().map(|&j| cols[j][i]).collect())
                    .collect();
                let names: Vec<&str> = g
                    .members
                    .iter()
                    .map(|&j| data.indicators[j].id.as_str())
                    .collect();
                let r = pca::correlation(&rows, &names)?;
                pca_weights(&r).map_err(|e| {
                    if st.flat {
                        e
                    } else {
                        IndexError::Invalid(format!("pillar '{}': {e}", g.name))
                    }
                })?
            }
        };
        let total: f64 = raw.iter().sum();
        if !(total > 0.0) {
            return Err(IndexError::Invalid(format!(
                "pillar '{}': the weights of its indicators are all zero",
                g.name
            )));
        }
        for (&j, r) in g.members.iter().zip(raw) {
            w[j] = r / total;
        }
    }
    let pillars = if st.flat {
        Vec::new()
    } else {
        let raw: Vec<f64> = st
            .groups
            .iter()
            .map(|g| match scheme {
                WeightScheme::Equal => 1.0,
                _ => data.pillar_weight(&g.name),
            })
            .collect();
        let total: f64 = raw.iter().sum();
        if !(total > 0.0) {
            return Err(IndexError::Invalid("pillar weights are all zero".into()));
        }
        raw.into_iter().map(|r| r / total).collect()
    };
    Ok(Weights {
        indicators: w,
        pillars,
    })
}

/// Runs the pipeline: imputation, outlier treatment, normalisation, weights,
/// aggregation within and across pillars, ranks.
///
/// Errors: invalid settings ([`Pipeline::validate`]); a constant indicator
/// under min-max or z-score; a non-positive value under geometric or harmonic
/// aggregation; PCA weights that cannot be computed; a unit with no value on
/// an indicator of positive weight.
pub fn build(data: &Data, pipeline: &Pipeline) -> Result<IndexResult, IndexError> {
    pipeline.validate(data)?;
    let st = data.structure();
    let (cols, treatment) = prepare(
        data,
        pipeline,
        pipeline.imputation,
        pipeline.normalisation,
        &pipeline.params(),
    )?;
    let weights = weights(data, &st, pipeline.weights, &cols)?;
    let n = data.units.len();
    let mut scores = vec![0.0; n];
    let groups = if st.flat { 0 } else { st.groups.len() };
    let mut pillar_scores = vec![vec![None; groups]; n];
    let ids: Vec<String> = data.indicators.iter().map(|i| i.id.clone()).collect();
    let w_grp = if st.flat {
        vec![1.0]
    } else {
        weights.pillars.clone()
    };
    let inputs = Inputs {
        cols: &cols,
        structure: &st,
        w_ind: &weights.indicators,
        w_grp: &w_grp,
        levels: pipeline.levels(),
        units: &data.units,
        ids: &ids,
    };
    aggregate::aggregate(
        &inputs,
        &mut scores,
        (!st.flat).then_some(&mut pillar_scores),
        &mut Vec::new(),
        &mut Vec::new(),
    )?;
    let ranks = rank_descending(&scores);
    let normalised = (0..n)
        .map(|i| cols.iter().map(|c| c[i]).collect())
        .collect();
    Ok(IndexResult {
        units: data.units.clone(),
        indicators: ids,
        pillars: if st.flat {
            Vec::new()
        } else {
            st.groups.iter().map(|g| g.name.clone()).collect()
        },
        scores,
        ranks,
        pillar_scores,
        normalised,
        weights,
        treatment,
    })
}
