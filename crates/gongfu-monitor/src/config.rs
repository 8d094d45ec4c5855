//! The monitoring configuration (`monitor.toml`) and the indicator catalogue
//! (`indicators.toml`): parsed, checked, and resolved into typed settings.
//! Every error names the file, the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gongfu_compute::{EquivalenceScale, Welfare};
use gongfu_index::Direction;
use gongfu_index::composite::{Pipeline, Uncertainty};
use gongfu_index::schools::{Regime, SchoolLevel};
use gongfu_measures::Measure;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::MonitorError;
use crate::formula::Formula;

/// The levels a figure can be computed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The whole province.
    Province,
    /// Each prefecture-level city.
    City,
    /// Each county-level unit.
    County,
    /// Each county group (e.g. `mountain26`), with its membership of the year.
    Group,
}

impl Scope {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Province => "province",
            Scope::City => "city",
            Scope::County => "county",
            Scope::Group => "group",
        }
    }

    fn parse(s: &str) -> Option<Scope> {
        match s {
            "province" => Some(Scope::Province),
            "city" => Some(Scope::City),
            "county" => Some(Scope::County),
            "group" => Some(Scope::Group),
            _ => None,
        }
    }
}

/// Where an indicator's values come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A measure computed from the household microdata.
    Microdata {
        /// The measure (one number per domain).
        measure: Measure,
        /// The welfare concept.
        welfare: Welfare,
        /// Only households with these values of these columns (a domain:
        /// the design keeps every household).
        filter: Vec<(String, String)>,
        /// The change of income from the previous year of the same
        /// household (a panel), instead of the income itself.
        change: bool,
    },
    /// An administrative series read from a table `region, year, value[, se]`.
    Admin {
        /// The table.
        file: PathBuf,
        /// Only rows whose `series` column has this value.
        series: Option<String>,
    },
    /// The inter-school difference coefficient of a school level.
    Schools {
        /// Primary or junior secondary.
        level: SchoolLevel,
        /// Which indicator set and thresholds.
        regime: Regime,
    },
    /// A formula of other indicators.
    Derived {
        /// The parsed formula.
        formula: Formula,
    },
}

/// One indicator of the catalogue.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// Identifier, e.g. `income_pc`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit (`yuan`, `share`, `ratio`, …).
    pub unit: String,
    /// Which way is better.
    pub direction: Direction,
    /// The levels it is computed at.
    pub scopes: Vec<Scope>,
    /// Where its values come from.
    pub source: Source,
    /// A one-line description of the source, as written (`mean`, the formula, the file).
    pub source_text: String,
    /// The line of its `source` in the catalogue.
    pub line: usize,
}

/// The microdata file and its columns.
#[derive(Debug, Clone)]
pub struct Microdata {
    /// The file (CSV or Parquet).
    pub file: PathBuf,
    /// Survey year column.
    pub year: String,
    /// Household id column (needed for income changes).
    pub id: Option<String>,
    /// County code column.
    pub county: String,
    /// Household weight column.
    pub weight: Option<String>,
    /// Household disposable income column.
    pub income: String,
    /// Household size column.
    pub size: Option<String>,
    /// Members aged 14+ column (equivalised incomes).
    pub adults: Option<String>,
    /// Members under 14 column (equivalised incomes).
    pub children: Option<String>,
    /// Stratum column.
    pub strata: Option<String>,
    /// PSU column.
    pub psu: Option<String>,
    /// Finite-population-correction column.
    pub fpc: Option<String>,
    /// Single-PSU strata policy.
    pub lonely: gongfu_compute::LonelyPsu,
    /// Confidence level.
    pub level: f64,
}

/// The school table and its columns.
#[derive(Debug, Clone)]
pub struct Schools {
    /// The file.
    pub file: PathBuf,
    /// Year column.
    pub year: String,
    /// County code column.
    pub county: String,
    /// School level column (`primary` or `junior`).
    pub level: String,
    /// Enrolled students column.
    pub students: String,
    /// Resource columns of the 2012 basic-balance indicator set.
    pub basic: Vec<String>,
    /// Resource columns of the 2017 high-quality-balance indicator set.
    pub high_quality: Vec<String>,
}

/// The composite index settings.
#[derive(Debug, Clone)]
pub struct IndexSettings {
    /// The year of the index (default: the last year).
    pub year: u16,
    /// Indicators entering the index (county level), in order.
    pub indicators: Vec<String>,
    /// Optional pillar per indicator (same order).
    pub pillars: Vec<Option<String>>,
    /// Explicit weight per indicator (same order; default 1).
    pub weights: Vec<f64>,
    /// The pipeline.
    pub method: Pipeline,
    /// The rank-uncertainty analysis.
    pub uncertainty: Option<Uncertainty>,
}

/// The convergence settings.
#[derive(Debug, Clone)]
pub struct ConvergenceSettings {
    /// The income indicator (county level, microdata or admin).
    pub indicator: String,
    /// Partitions of the counties for Theil between/within: `city` or a group id.
    pub partitions: Vec<String>,
}

/// The whole configuration, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The configuration file as given.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// The catalogue file.
    pub catalogue_file: PathBuf,
    /// The catalogue's text.
    pub catalogue_text: String,
    /// First year monitored.
    pub first_year: u16,
    /// Last year monitored.
    pub last_year: u16,
    /// Code of the province (the root of the registry).
    pub province: String,
    /// The region registry table.
    pub regions_file: PathBuf,
    /// The county-group table.
    pub groups_file: Option<PathBuf>,
    /// The pairing table.
    pub pairings_file: Option<PathBuf>,
    /// The household microdata.
    pub microdata: Option<Microdata>,
    /// The targets table.
    pub targets_file: Option<PathBuf>,
    /// The school table.
    pub schools: Option<Schools>,
    /// The composite index.
    pub index: Option<IndexSettings>,
    /// Convergence.
    pub convergence: Option<ConvergenceSettings>,
    /// The indicators, in catalogue order.
    pub indicators: Vec<Indicator>,
}

impl Config {
    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The years monitored.
    pub fn years(&self) -> std::ops::RangeInclusive<u16> {
        self.first_year..=self.last_year
    }
}

// ---------------------------------------------------------------------------
// raw TOML shapes

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    first_year: Spanned<u16>,
    last_year: Spanned<u16>,
    province: String,
    indicators: Spanned<String>,
    targets: Option<Spanned<String>>,
    regions: RawRegions,
    microdata: Option<RawMicrodata>,
    schools: Option<RawSchools>,
    index: Option<RawIndex>,
    convergence: Option<RawConvergence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegions {
    file: Spanned<String>,
    groups: Option<Spanned<String>>,
    pairings: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMicrodata {
    file: Spanned<String>,
    year: String,
    id: Option<String>,
    county: String,
    weight: Option<String>,
    income: String,
    size: Option<String>,
    adults: Option<String>,
    children: Option<String>,
    strata: Option<String>,
    psu: Option<String>,
    fpc: Option<String>,
    lonely_psu: Option<Spanned<String>>,
    level: Option<Spanned<f64>>,
}

fn d_year() -> String {
    "year".into()
}
fn d_county() -> String {
    "county".into()
}
fn d_level() -> String {
    "level".into()
}
fn d_students() -> String {
    "students".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchools {
    file: Spanned<String>,
    #[serde(default = "d_year")]
    year: String,
    #[serde(default = "d_county")]
    county: String,
    #[serde(default = "d_level")]
    level: String,
    #[serde(default = "d_students")]
    students: String,
    basic: Spanned<Vec<String>>,
    high_quality: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndexIndicator {
    id: Spanned<String>,
    pillar: Option<String>,
    weight: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    year: Option<Spanned<u16>>,
    indicators: Vec<RawIndexIndicator>,
    method: Option<Pipeline>,
    uncertainty: Option<Uncertainty>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConvergence {
    indicator: Spanned<String>,
    #[serde(default)]
    partitions: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    indicator: Vec<Spanned<RawIndicator>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    unit: String,
    direction: Direction,
    levels: Option<Vec<Spanned<String>>>,
    source: Spanned<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: Spanned<String>,
    measure: Option<Spanned<String>>,
    welfare: Option<Spanned<String>>,
    filter: Option<Spanned<BTreeMap<String, toml::Value>>>,
    change: Option<Spanned<bool>>,
    file: Option<Spanned<String>>,
    series: Option<String>,
    level: Option<Spanned<String>>,
    regime: Option<Spanned<String>>,
    formula: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

struct Ctx<'a> {
    file: String,
    text: &'a str,
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        msg: impl Into<String>,
    ) -> Result<T, MonitorError> {
        Err(MonitorError::config(
            &self.file,
            Some(line_of(self.text, span.start)),
            Some(key),
            msg,
        ))
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, MonitorError> {
        toml::from_str(self.text).map_err(|e| {
            let line = e.span().map(|s| line_of(self.text, s.start));
            MonitorError::config(&self.file, line, None, e.message().trim().to_string())
        })
    }

    fn path(&self, dir: &Path, s: &Spanned<String>, key: &str) -> Result<PathBuf, MonitorError> {
        if s.get_ref().trim().is_empty() {
            return self.err(s.span(), key, "empty path");
        }
        Ok(dir.join(s.get_ref()))
    }
}

fn read_text(path: &Path) -> Result<String, MonitorError> {
    std::fs::read_to_string(path).map_err(|e| MonitorError::File {
        file: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })
}

/// Reads and checks a monitoring configuration and its catalogue.
///
/// # Errors
/// [`MonitorError::Config`] naming the file, line and key.
pub fn load(path: &Path) -> Result<Config, MonitorError> {
    let text = read_text(path)?;
    let cx = Ctx {
        file: path.display().to_string(),
        text: &text,
    };
    let raw: RawConfig = cx.parse()?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let (first_year, last_year) = (*raw.first_year.get_ref(), *raw.last_year.get_ref());
    if last_year < first_year {
        return cx.err(
            raw.last_year.span(),
            "last_year",
            format!("last_year {last_year} is before first_year {first_year}"),
        );
    }
    if last_year - first_year > 100 {
        return cx.err(raw.last_year.span(), "last_year", "more than 100 years");
    }
    let catalogue_file = cx.path(&dir, &raw.indicators, "indicators")?;
    let catalogue_text = read_text(&catalogue_file)?;
    let indicators = parse_catalogue(&catalogue_file, &catalogue_text, &dir)?;
    let find = |id: &Spanned<String>, key: &str| -> Result<&Indicator, MonitorError> {
        match indicators.iter().find(|i| &i.id == id.get_ref()) {
            Some(i) => Ok(i),
            None => cx.err(
                id.span(),
                key,
                format!("no indicator {:?} in the catalogue", id.get_ref()),
            ),
        }
    };
    let microdata = match raw.microdata {
        None => None,
        Some(m) => {
            let lonely = match m.lonely_psu.as_ref().map(|s| s.get_ref().as_str()) {
                None | Some("fail") => gongfu_compute::LonelyPsu::Fail,
                Some("certainty") => gongfu_compute::LonelyPsu::Certainty,
                Some("adjust") => gongfu_compute::LonelyPsu::Adjust,
                Some("average") => gongfu_compute::LonelyPsu::Average,
                Some(o) => {
                    return cx.err(
                        m.lonely_psu.as_ref().map(Spanned::span).unwrap_or_default(),
                        "microdata.lonely_psu",
                        format!("{o:?}: expected fail, certainty, adjust or average"),
                    );
                }
            };
            let level = match &m.level {
                None => 0.95,
                Some(l) if *l.get_ref() > 0.0 && *l.get_ref() < 1.0 => *l.get_ref(),
                Some(l) => {
                    return cx.err(l.span(), "microdata.level", "must be between 0 and 1");
                }
            };
            Some(Microdata {
                file: cx.path(&dir, &m.file, "microdata.file")?,
                year: m.year,
                id: m.id,
                county: m.county,
                weight: m.weight,
                income: m.income,
                size: m.size,
                adults: m.adults,
                children: m.children,
                strata: m.strata,
                psu: m.psu,
                fpc: m.fpc,
                lonely,
                level,
            })
        }
    };
    for i in &indicators {
        if let Source::Microdata {
            welfare, change, ..
        } = &i.source
        {
            let Some(m) = &microdata else {
                return Err(MonitorError::config(
                    &catalogue_file.display().to_string(),
                    Some(i.line),
                    Some("source.kind"),
                    format!(
                        "indicator {} needs microdata but {} has no [microdata] section",
                        i.id, cx.file
                    ),
                ));
            };
            let need = |what: &str, have: bool| {
                if have {
                    Ok(())
                } else {
                    Err(MonitorError::config(
                        &catalogue_file.display().to_string(),
                        Some(i.line),
                        Some("source"),
                        format!("indicator {} needs microdata.{what} in {}", i.id, cx.file),
                    ))
                }
            };
            match welfare {
                Welfare::PerCapita => need("size", m.size.is_some())?,
                Welfare::Equivalised(_) => {
                    need("adults", m.adults.is_some())?;
                    need("children", m.children.is_some())?;
                }
                Welfare::AsIs => {}
            }
            if *change {
                need("id", m.id.is_some())?;
            }
        }
    }
    let schools = match raw.schools {
        None => None,
        Some(s) => {
            if s.basic.get_ref().is_empty() {
                return cx.err(s.basic.span(), "schools.basic", "needs at least one column");
            }
            if s.high_quality.get_ref().is_empty() {
                return cx.err(
                    s.high_quality.span(),
                    "schools.high_quality",
                    "needs at least one column",
                );
            }
            Some(Schools {
                file: cx.path(&dir, &s.file, "schools.file")?,
                year: s.year,
                county: s.county,
                level: s.level,
                students: s.students,
                basic: s.basic.into_inner(),
                high_quality: s.high_quality.into_inner(),
            })
        }
    };
    if schools.is_none()
        && let Some(i) = indicators
            .iter()
            .find(|i| matches!(i.source, Source::Schools { .. }))
    {
        return Err(MonitorError::config(
            &catalogue_file.display().to_string(),
            Some(i.line),
            Some("source.kind"),
            format!(
                "indicator {} needs a [schools] section in {}",
                i.id, cx.file
            ),
        ));
    }
    let index = match raw.index {
        None => None,
        Some(ix) => {
            let year = match &ix.year {
                None => last_year,
                Some(y) if (first_year..=last_year).contains(y.get_ref()) => *y.get_ref(),
                Some(y) => {
                    return cx.err(
                        y.span(),
                        "index.year",
                        format!("{} is outside {first_year}–{last_year}", y.get_ref()),
                    );
                }
            };
            if ix.indicators.is_empty() {
                return Err(MonitorError::config(
                    &cx.file,
                    None,
                    Some("index.indicators"),
                    "the index needs at least one indicator",
                ));
            }
            let mut ids = Vec::new();
            let mut pillars = Vec::new();
            let mut weights = Vec::new();
            for e in &ix.indicators {
                let ind = find(&e.id, "index.indicators.id")?;
                if !ind.scopes.contains(&Scope::County) {
                    return cx.err(
                        e.id.span(),
                        "index.indicators.id",
                        format!("indicator {} is not computed for counties", ind.id),
                    );
                }
                if ids.contains(&ind.id) {
                    return cx.err(e.id.span(), "index.indicators.id", "listed twice");
                }
                ids.push(ind.id.clone());
                pillars.push(e.pillar.clone());
                weights.push(match &e.weight {
                    None => 1.0,
                    Some(w) if w.get_ref().is_finite() && *w.get_ref() >= 0.0 => *w.get_ref(),
                    Some(w) => {
                        return cx.err(w.span(), "index.indicators.weight", "must be ≥ 0");
                    }
                });
            }
            Some(IndexSettings {
                year,
                indicators: ids,
                pillars,
                weights,
                method: ix.method.unwrap_or_default(),
                uncertainty: ix.uncertainty,
            })
        }
    };
    let groups_file = match &raw.regions.groups {
        Some(g) => Some(cx.path(&dir, g, "regions.groups")?),
        None => None,
    };
    let convergence = match raw.convergence {
        None => None,
        Some(c) => {
            let ind = find(&c.indicator, "convergence.indicator")?;
            if !ind.scopes.contains(&Scope::County) {
                return cx.err(
                    c.indicator.span(),
                    "convergence.indicator",
                    format!("indicator {} is not computed for counties", ind.id),
                );
            }
            let mut partitions = Vec::new();
            for p in &c.partitions {
                if p.get_ref().trim().is_empty() {
                    return cx.err(p.span(), "convergence.partitions", "empty partition name");
                }
                if p.get_ref() != "city" && groups_file.is_none() {
                    return cx.err(
                        p.span(),
                        "convergence.partitions",
                        format!(
                            "{:?} is not `city`, and there is no regions.groups file to find it in",
                            p.get_ref()
                        ),
                    );
                }
                partitions.push(p.get_ref().clone());
            }
            Some(ConvergenceSettings {
                indicator: ind.id.clone(),
                partitions,
            })
        }
    };
    Ok(Config {
        file: path.to_path_buf(),
        catalogue_file,
        catalogue_text: catalogue_text.clone(),
        first_year,
        last_year,
        province: raw.province,
        regions_file: cx.path(&dir, &raw.regions.file, "regions.file")?,
        groups_file,
        pairings_file: match &raw.regions.pairings {
            Some(p) => Some(cx.path(&dir, p, "regions.pairings")?),
            None => None,
        },
        microdata,
        targets_file: match &raw.targets {
            Some(t) => Some(cx.path(&dir, t, "targets")?),
            None => None,
        },
        schools,
        index,
        convergence,
        indicators,
        text,
    })
}

/// Measures that give more than one number per domain cannot be indicators.
const MULTI_VALUED: [&str; 2] = ["deciles", "quintile_means"];

fn parse_catalogue(path: &Path, text: &str, dir: &Path) -> Result<Vec<Indicator>, MonitorError> {
    let cx = Ctx {
        file: path.display().to_string(),
        text,
    };
    let raw: RawCatalogue = cx.parse()?;
    let cat_dir = path.parent().unwrap_or(dir);
    let mut out: Vec<Indicator> = Vec::new();
    for entry in &raw.indicator {
        let r = entry.get_ref();
        let line = line_of(text, r.source.span().start);
        let id = r.id.get_ref().trim().to_string();
        let valid_id = !id.is_empty()
            && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_id {
            return cx.err(
                r.id.span(),
                "indicator.id",
                format!("{id:?}: ids are letters, digits and _, starting with a letter"),
            );
        }
        if out.iter().any(|i| i.id == id) {
            return cx.err(
                r.id.span(),
                "indicator.id",
                format!("{id} is defined twice"),
            );
        }
        let s = r.source.get_ref();
        let kind = s.kind.get_ref().as_str();
        let unexpected = |name: &str, present: Option<std::ops::Range<usize>>| match present {
            Some(span) => cx.err(
                span,
                &format!("indicator.source.{name}"),
                format!("not used by a {kind} source"),
            ),
            None => Ok(()),
        };
        let required = |name: &str, v: &Option<Spanned<String>>| match v {
            Some(v) => Ok(v.clone()),
            None => cx.err(
                s.kind.span(),
                &format!("indicator.source.{name}"),
                format!("a {kind} source needs `{name}`"),
            ),
        };
        let (source, source_text) = match kind {
            "microdata" => {
                unexpected("file", s.file.as_ref().map(Spanned::span))?;
                unexpected("level", s.level.as_ref().map(Spanned::span))?;
                unexpected("regime", s.regime.as_ref().map(Spanned::span))?;
                unexpected("formula", s.formula.as_ref().map(Spanned::span))?;
                let m = required("measure", &s.measure)?;
                let mut list = Measure::parse_list(m.get_ref())
                    .or_else(|e| cx.err(m.span(), "indicator.source.measure", e.to_string()))?;
                if list.len() != 1 {
                    return cx.err(
                        m.span(),
                        "indicator.source.measure",
                        "exactly one measure per indicator",
                    );
                }
                let measure = list.remove(0);
                if MULTI_VALUED.contains(&measure.id()) {
                    return cx.err(
                        m.span(),
                        "indicator.source.measure",
                        format!(
                            "{} gives several numbers; an indicator is one number",
                            measure.id()
                        ),
                    );
                }
                let welfare = match s.welfare.as_ref().map(|w| w.get_ref().as_str()) {
                    None | Some("per_capita") => Welfare::PerCapita,
                    Some("as_is") | Some("household") => Welfare::AsIs,
                    Some("equivalised") | Some("oecd") => {
                        Welfare::Equivalised(EquivalenceScale::ModifiedOecd)
                    }
                    Some("equivalised_sqrt") | Some("sqrt") => {
                        Welfare::Equivalised(EquivalenceScale::Sqrt)
                    }
                    Some(o) => {
                        return cx.err(
                            s.welfare.as_ref().map(Spanned::span).unwrap_or_default(),
                            "indicator.source.welfare",
                            format!(
                                "{o:?}: expected per_capita, equivalised, equivalised_sqrt or as_is"
                            ),
                        );
                    }
                };
                let mut filter = Vec::new();
                if let Some(f) = &s.filter {
                    for (k, v) in f.get_ref() {
                        let v = match v {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Integer(i) => i.to_string(),
                            toml::Value::Boolean(b) => b.to_string(),
                            _ => {
                                return cx.err(
                                    f.span(),
                                    &format!("indicator.source.filter.{k}"),
                                    "filter values are labels: a string, integer or boolean",
                                );
                            }
                        };
                        filter.push((k.clone(), v));
                    }
                }
                let change = s.change.as_ref().is_some_and(|c| *c.get_ref());
                if change && !matches!(welfare, Welfare::PerCapita | Welfare::AsIs) {
                    return cx.err(
                        s.change.as_ref().map(Spanned::span).unwrap_or_default(),
                        "indicator.source.change",
                        "income changes are available for per_capita and as_is incomes",
                    );
                }
                let text = m.get_ref().clone();
                (
                    Source::Microdata {
                        measure,
                        welfare,
                        filter,
                        change,
                    },
                    text,
                )
            }
            "admin" => {
                unexpected("measure", s.measure.as_ref().map(Spanned::span))?;
                unexpected("formula", s.formula.as_ref().map(Spanned::span))?;
                unexpected("level", s.level.as_ref().map(Spanned::span))?;
                unexpected("welfare", s.welfare.as_ref().map(Spanned::span))?;
                let f = required("file", &s.file)?;
                (
                    Source::Admin {
                        file: cx.path(cat_dir, &f, "indicator.source.file")?,
                        series: s.series.clone(),
                    },
                    f.get_ref().clone(),
                )
            }
            "schools" => {
                unexpected("measure", s.measure.as_ref().map(Spanned::span))?;
                unexpected("formula", s.formula.as_ref().map(Spanned::span))?;
                unexpected("file", s.file.as_ref().map(Spanned::span))?;
                let l = required("level", &s.level)?;
                let level = match l.get_ref().as_str() {
                    "primary" => SchoolLevel::Primary,
                    "junior" => SchoolLevel::Junior,
                    o => {
                        return cx.err(
                            l.span(),
                            "indicator.source.level",
                            format!("{o:?}: expected primary or junior"),
                        );
                    }
                };
                let regime = match s.regime.as_ref().map(|r| r.get_ref().as_str()) {
                    None | Some("high_quality") => Regime::HighQuality,
                    Some("basic") => Regime::Basic,
                    Some(o) => {
                        return cx.err(
                            s.regime.as_ref().map(Spanned::span).unwrap_or_default(),
                            "indicator.source.regime",
                            format!("{o:?}: expected basic or high_quality"),
                        );
                    }
                };
                (
                    Source::Schools { level, regime },
                    format!("schools {}", l.get_ref()),
                )
            }
            "derived" => {
                unexpected("measure", s.measure.as_ref().map(Spanned::span))?;
                unexpected("file", s.file.as_ref().map(Spanned::span))?;
                let f = required("formula", &s.formula)?;
                let formula = Formula::parse(f.get_ref())
                    .or_else(|e| cx.err(f.span(), "indicator.source.formula", e))?;
                (Source::Derived { formula }, f.get_ref().clone())
            }
            o => {
                return cx.err(
                    s.kind.span(),
                    "indicator.source.kind",
                    format!("{o:?}: expected microdata, admin, schools or derived"),
                );
            }
        };
        let scopes = match &r.levels {
            None => match &source {
                Source::Schools { .. } => vec![Scope::County],
                _ => vec![Scope::Province, Scope::City, Scope::County, Scope::Group],
            },
            Some(ls) => {
                let mut v = Vec::new();
                for l in ls {
                    match Scope::parse(l.get_ref()) {
                        Some(sc) if !v.contains(&sc) => v.push(sc),
                        Some(_) => return cx.err(l.span(), "indicator.levels", "listed twice"),
                        None => {
                            return cx.err(
                                l.span(),
                                "indicator.levels",
                                format!(
                                    "{:?}: expected province, city, county or group",
                                    l.get_ref()
                                ),
                            );
                        }
                    }
                }
                if v.is_empty() {
                    return cx.err(r.id.span(), "indicator.levels", "no level to compute at");
                }
                if matches!(source, Source::Schools { .. }) && v != [Scope::County] {
                    return cx.err(
                        r.id.span(),
                        "indicator.levels",
                        "school balance is assessed per county: levels = [\"county\"]",
                    );
                }
                v
            }
        };
        out.push(Indicator {
            id,
            name_zh: r.name_zh.clone(),
            name_en: r.name_en.clone(),
            unit: r.unit.clone(),
            direction: r.direction,
            scopes,
            source,
            source_text,
            line,
        });
    }
    // formulas refer to defined indicators, without cycles
    for i in &out {
        if let Source::Derived { formula } = &i.source {
            for dep in formula.references() {
                if !out.iter().any(|o| o.id == dep) {
                    return Err(MonitorError::config(
                        &cx.file,
                        Some(i.line),
                        Some("indicator.source.formula"),
                        format!("{}: no indicator {dep:?} in the catalogue", i.id),
                    ));
                }
            }
        }
    }
    derived_order(&out).map_err(|(id, line)| {
        MonitorError::config(
            &cx.file,
            Some(line),
            Some("indicator.source.formula"),
            format!("{id}: the formula refers back to itself"),
        )
    })?;
    Ok(out)
}

/// The derived indicators in an order where each comes after the ones it uses.
/// Errors with the id and line of an indicator on a cycle.
pub(crate) fn derived_order(inds: &[Indicator]) -> Result<Vec<usize>, (String, usize)> {
    let mut order = Vec::new();
    let mut state = vec![0u8; inds.len()]; // 0 new, 1 visiting, 2 done
    fn visit(
        k: usize,
        inds: &[Indicator],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<(), (String, usize)> {
        match state[k] {
            2 => return Ok(()),
            1 => return Err((inds[k].id.clone(), inds[k].line)),
            _ => {}
        }
        state[k] = 1;
        if let Source::Derived { formula } = &inds[k].source {
            for dep in formula.references() {
                if let Some(j) = inds.iter().position(|o| o.id == dep) {
                    visit(j, inds, state, order)?;
                }
            }
            order.push(k);
        }
        state[k] = 2;
        Ok(())
    }
    for k in 0..inds.len() {
        visit(k, inds, &mut state, &mut order)?;
    }
    Ok(order)
}
