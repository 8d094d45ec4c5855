//! The monitoring run: every indicator for every region and year, then
//! progress against targets, school balance, the composite index and
//! convergence.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use gongfu_compute::{Spec, VarianceSpec, Welfare, compute};
use gongfu_index::composite;
use gongfu_index::convergence;
use gongfu_index::schools::{self, Regime, SchoolLevel};
use gongfu_index::targets::{self, Target};
use gongfu_measures::Measure;
use rayon::prelude::*;
use serde::Serialize;

use crate::MonitorError;
use crate::config::{Config, Scope, Source};
use crate::data::{Households, SchoolGroup, TargetRow, read_admin, read_schools, read_targets};
use crate::formula::{Lookup, Valued};
use crate::regions::{Level, Registry};
use crate::release::{
    BetaRow, ConvergenceSection, DistributionRow, GroupGap, IndexSection, IndicatorInfo, Point,
    ProgressRow, Release, SchoolRow, SigmaRow, TheilRow, Value,
};

/// The standard normal quantile for a two-sided interval at `level`.
fn z_of(level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

/// Timings of the stages, seconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Reading every input.
    pub read: f64,
    /// Microdata indicators with standard errors.
    pub microdata: f64,
    /// Everything else (admin, schools, derived, targets, index, convergence).
    pub rest: f64,
}

/// A group of microdata indicators computed together: same welfare concept,
/// filter and change flag.
#[derive(Debug, Clone, PartialEq)]
struct Bundle {
    welfare: Welfare,
    filter: Vec<(String, String)>,
    change: bool,
    members: Vec<usize>,
}

fn bundles(config: &Config) -> Vec<Bundle> {
    let mut out: Vec<Bundle> = Vec::new();
    for (k, ind) in config.indicators.iter().enumerate() {
        if let Source::Microdata {
            welfare,
            filter,
            change,
            ..
        } = &ind.source
        {
            match out
                .iter_mut()
                .find(|b| b.welfare == *welfare && b.filter == *filter && b.change == *change)
            {
                Some(b) => b.members.push(k),
                None => out.push(Bundle {
                    welfare: *welfare,
                    filter: filter.clone(),
                    change: *change,
                    members: vec![k],
                }),
            }
        }
    }
    out
}

/// Everything read from the files.
struct Inputs {
    reg: Registry,
    households: Option<Households>,
    admin: HashMap<usize, Vec<crate::data::AdminValue>>,
    schools: Vec<SchoolGroup>,
    targets: Vec<TargetRow>,
}

fn read_inputs(config: &Config) -> Result<Inputs, MonitorError> {
    let reg = Registry::load(
        &config.regions_file,
        config.groups_file.as_deref(),
        config.pairings_file.as_deref(),
        &config.province,
    )?;
    let households = match &config.microdata {
        None => None,
        Some(m) => {
            let mut filter_cols: Vec<String> = Vec::new();
            for b in bundles(config) {
                for (c, _) in &b.filter {
                    if !filter_cols.contains(c) {
                        filter_cols.push(c.clone());
                    }
                }
            }
            Some(Households::load(m, &filter_cols, &reg, config.years())?)
        }
    };
    let mut admin = HashMap::new();
    for (k, ind) in config.indicators.iter().enumerate() {
        if let Source::Admin { file, series } = &ind.source {
            admin.insert(k, read_admin(file, series.as_deref(), &reg)?);
        }
    }
    let schools = match &config.schools {
        Some(s) => read_schools(s, &reg)?,
        None => Vec::new(),
    };
    let targets = match &config.targets_file {
        Some(f) => read_targets(f, config, &reg)?,
        None => Vec::new(),
    };
    Ok(Inputs {
        reg,
        households,
        admin,
        schools,
        targets,
    })
}

/// The value table being built: (indicator, region, year) → value.
#[derive(Default)]
struct Values {
    map: BTreeMap<(usize, String, u16), Value>,
}

struct View<'a> {
    values: &'a Values,
    config: &'a Config,
    reg: &'a Registry,
}

impl Lookup for View<'_> {
    fn value(&self, id: &str, region: &str, year: u16) -> Option<Valued> {
        let k = self.config.indicators.iter().position(|i| i.id == id)?;
        let v = self.values.map.get(&(k, region.to_string(), year))?;
        Some(Valued {
            value: v.value,
            var: v.se.map(|s| s * s),
        })
    }

    fn children(&self, region: &str, level: Scope) -> Vec<String> {
        let Some(r) = self.reg.region(region) else {
            return Vec::new();
        };
        let want = match level {
            Scope::City => Level::City,
            _ => Level::County,
        };
        self.reg
            .of_level(want)
            .filter(|c| match r.level {
                Level::Province => true,
                Level::City => want == Level::County && c.parent.as_deref() == Some(&r.code),
                Level::County => false,
            })
            .map(|c| c.code.clone())
            .collect()
    }
}

fn scope_of(reg: &Registry, region: &str) -> Scope {
    match reg.region(region).map(|r| r.level) {
        Some(Level::Province) => Scope::Province,
        Some(Level::City) => Scope::City,
        Some(Level::County) => Scope::County,
        None => Scope::Group,
    }
}

/// Runs the whole monitoring computation.
///
/// # Errors
/// Any input or computation error, naming where it is.
pub fn run(config: &Config) -> Result<Release, MonitorError> {
    let t0 = Instant::now();
    let inputs = read_inputs(config)?;
    let t_read = t0.elapsed().as_secs_f64();
    let reg = &inputs.reg;
    let groups = reg.group_ids();
    let level = config.microdata.as_ref().map_or(0.95, |m| m.level);
    let z = z_of(level);
    let mut values = Values::default();
    let mut notes: Vec<String> = Vec::new();

    // 1. microdata indicators
    let t1 = Instant::now();
    if let (Some(h), Some(m)) = (&inputs.households, &config.microdata) {
        let bundles = bundles(config);
        let years: Vec<u16> = config.years().collect();
        let rows_by_year: Vec<Vec<usize>> = years.iter().map(|&y| h.rows_of(y)).collect();
        for (y, rows) in years.iter().zip(&rows_by_year) {
            if rows.is_empty() && !bundles.is_empty() {
                notes.push(format!("microdata: no households in {y}"));
            }
        }
        // one job per (year, bundle, scope[, group])
        let mut jobs = Vec::new();
        for (yi, &year) in years.iter().enumerate() {
            for (bi, b) in bundles.iter().enumerate() {
                if rows_by_year[yi].is_empty()
                    || (b.change && (yi == 0 || rows_by_year[yi - 1].is_empty()))
                {
                    continue;
                }
                for scope in [Scope::Province, Scope::City, Scope::County, Scope::Group] {
                    let members: Vec<usize> = b
                        .members
                        .iter()
                        .copied()
                        .filter(|&k| config.indicators[k].scopes.contains(&scope))
                        .collect();
                    if members.is_empty() {
                        continue;
                    }
                    if scope == Scope::Group {
                        for g in &groups {
                            jobs.push((yi, year, bi, scope, Some(g.clone()), members.clone()));
                        }
                    } else {
                        jobs.push((yi, year, bi, scope, None, members));
                    }
                }
            }
        }
        let results: Vec<Result<Vec<Value>, MonitorError>> = jobs
            .par_iter()
            .map(|(yi, year, bi, scope, group, members)| {
                let b = &bundles[*bi];
                let rows = &rows_by_year[*yi];
                let prev = if b.change {
                    Some(h.match_previous(rows, &rows_by_year[yi - 1]))
                } else {
                    None
                };
                let per_capita = b.welfare == Welfare::PerCapita;
                let cols = h.columns(
                    rows,
                    *year,
                    reg,
                    &groups,
                    prev.as_deref().map(|p| (p, per_capita)),
                );
                let scope_col = match scope {
                    Scope::Province => None,
                    Scope::City => Some("city".to_string()),
                    Scope::County => Some("county".to_string()),
                    Scope::Group => group.clone(),
                };
                let mut by: Vec<String> = scope_col.iter().cloned().collect();
                let mut want: Vec<(String, String)> = b.filter.clone();
                if b.change {
                    want.push(("_panel".into(), "1".into()));
                }
                by.extend(want.iter().map(|(c, _)| c.clone()));
                let measures: Vec<Measure> = members
                    .iter()
                    .map(|&k| match &config.indicators[k].source {
                        Source::Microdata { measure, .. } => measure.clone(),
                        _ => unreachable!("bundles hold microdata indicators"),
                    })
                    .collect();
                let spec = Spec {
                    measures,
                    by: by.clone(),
                    rule: Default::default(),
                    nonpositive: Default::default(),
                    welfare: b.welfare,
                    variance: Some(VarianceSpec {
                        lonely: m.lonely,
                        level,
                        normal: false,
                        replicates: None,
                    }),
                    skip_undefined: true,
                };
                let fail = |msg: String| MonitorError::Indicator {
                    indicator: members
                        .iter()
                        .map(|&k| config.indicators[k].id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    year: Some(*year),
                    message: msg,
                };
                let report = compute(cols, &spec).map_err(|e| fail(e.to_string()))?;
                let mut out = Vec::new();
                for r in report.results {
                    let label = |c: &str| r.by.get(c).and_then(|v| v.as_str()).map(str::to_string);
                    if by.is_empty() != r.by.is_empty() {
                        continue; // the overall row of a domain run
                    }
                    if !want
                        .iter()
                        .all(|(c, v)| label(c).as_deref() == Some(v.as_str()))
                    {
                        continue;
                    }
                    let region = match (scope, &scope_col) {
                        (Scope::Province, _) => config.province.clone(),
                        (Scope::Group, Some(g)) => {
                            if label(g).as_deref() != Some("1") {
                                continue;
                            }
                            g.clone()
                        }
                        (_, Some(c)) => match label(c) {
                            Some(l) => l,
                            None => continue,
                        },
                        (_, None) => continue,
                    };
                    out.push(Value {
                        indicator: config.indicators[members[r.measure_index]].id.clone(),
                        region,
                        scope: *scope,
                        year: *year,
                        value: r.value,
                        se: r.se,
                        ci: r.ci,
                        n: Some(r.n),
                        population: Some(r.population),
                    });
                }
                Ok(out)
            })
            .collect();
        for r in results {
            for v in r? {
                let k = config
                    .indicators
                    .iter()
                    .position(|i| i.id == v.indicator)
                    .unwrap_or(0);
                values.map.insert((k, v.region.clone(), v.year), v);
            }
        }
    }
    let distributions = match (&inputs.households, &config.microdata) {
        (Some(h), Some(m)) => distributions(config, h, m, reg, &groups, level)?,
        _ => Vec::new(),
    };
    let t_micro = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();

    // 2. administrative series
    for (&k, rows) in &inputs.admin {
        let ind = &config.indicators[k];
        for a in rows {
            if !config.years().contains(&a.year) {
                continue;
            }
            let scope = scope_of(reg, &a.region);
            if !ind.scopes.contains(&scope) {
                continue;
            }
            values.map.insert(
                (k, a.region.clone(), a.year),
                Value {
                    indicator: ind.id.clone(),
                    region: a.region.clone(),
                    scope,
                    year: a.year,
                    value: a.value,
                    se: a.se,
                    ci: a.se.map(|s| [a.value - z * s, a.value + z * s]),
                    n: None,
                    population: None,
                },
            );
        }
    }

    // 3. schools
    let mut school_rows = Vec::new();
    if let Some(sc) = &config.schools {
        for g in &inputs.schools {
            if !config.years().contains(&g.year) {
                continue;
            }
            let level = if g.level == "primary" {
                SchoolLevel::Primary
            } else {
                SchoolLevel::Junior
            };
            for (regime, res, names) in [
                (Regime::Basic, &g.basic, &sc.basic),
                (Regime::HighQuality, &g.high_quality, &sc.high_quality),
            ] {
                let refs: Vec<&[f64]> = res.iter().map(Vec::as_slice).collect();
                let dc = schools::difference_coefficient(&g.students, &refs).map_err(|e| {
                    MonitorError::Index {
                        what: format!("school balance {} {} {}", g.county, g.level, g.year),
                        source: e,
                    }
                })?;
                let bal = schools::assess_balance(&dc, regime, level);
                for (k, ind) in config.indicators.iter().enumerate() {
                    if let Source::Schools {
                        level: l,
                        regime: r,
                    } = &ind.source
                        && *l == level
                        && *r == regime
                    {
                        values.map.insert(
                            (k, g.county.clone(), g.year),
                            Value {
                                indicator: ind.id.clone(),
                                region: g.county.clone(),
                                scope: Scope::County,
                                year: g.year,
                                value: dc.composite,
                                se: None,
                                ci: None,
                                n: Some(dc.schools),
                                population: Some(dc.students),
                            },
                        );
                    }
                }
                school_rows.push(SchoolRow {
                    year: g.year,
                    county: g.county.clone(),
                    level: g.level.clone(),
                    regime,
                    schools: dc.schools,
                    students: dc.students,
                    indicators: names.clone(),
                    per_indicator: dc.per_indicator.clone(),
                    composite: dc.composite,
                    threshold: bal.threshold,
                    pass: bal.pass,
                    failing: bal.failing.iter().map(|&j| names[j].clone()).collect(),
                });
            }
        }
        school_rows.sort_by(|a, b| {
            (a.year, &a.county, &a.level, a.regime == Regime::HighQuality).cmp(&(
                b.year,
                &b.county,
                &b.level,
                b.regime == Regime::HighQuality,
            ))
        });
    }

    // 4. derived indicators, in dependency order
    let order = crate::config::derived_order(&config.indicators).unwrap_or_default();
    for k in order {
        let ind = &config.indicators[k];
        let Source::Derived { formula } = &ind.source else {
            continue;
        };
        let mut regions: Vec<(String, Scope)> = Vec::new();
        for scope in &ind.scopes {
            match scope {
                Scope::Province => regions.push((config.province.clone(), Scope::Province)),
                Scope::City => regions.extend(
                    reg.of_level(Level::City)
                        .map(|r| (r.code.clone(), Scope::City)),
                ),
                Scope::County => regions.extend(
                    reg.of_level(Level::County)
                        .map(|r| (r.code.clone(), Scope::County)),
                ),
                Scope::Group => regions.extend(groups.iter().map(|g| (g.clone(), Scope::Group))),
            }
        }
        let mut new = Vec::new();
        {
            let view = View {
                values: &values,
                config,
                reg,
            };
            for (region, scope) in &regions {
                for year in config.years() {
                    if let Some(v) = formula.eval(&view, region, year) {
                        let se = v.var.map(f64::sqrt);
                        new.push(Value {
                            indicator: ind.id.clone(),
                            region: region.clone(),
                            scope: *scope,
                            year,
                            value: v.value,
                            se,
                            ci: se.map(|s| [v.value - z * s, v.value + z * s]),
                            n: None,
                            population: None,
                        });
                    }
                }
            }
        }
        for v in new {
            values.map.insert((k, v.region.clone(), v.year), v);
        }
    }

    // 5. progress against targets
    let mut progress = Vec::new();
    for t in &inputs.targets {
        let k = config
            .indicators
            .iter()
            .position(|i| i.id == t.indicator)
            .unwrap_or(0);
        let ind = &config.indicators[k];
        let series: Vec<(i32, f64)> = values
            .map
            .range((k, t.scope.clone(), 0)..=(k, t.scope.clone(), u16::MAX))
            .map(|(_, v)| (i32::from(v.year), v.value))
            .filter(|(y, _)| *y <= t.year)
            .collect();
        let target = Target {
            value: t.value,
            year: t.year,
            base_year: t.base_year,
            direction: ind.direction,
            growth: t.growth,
        };
        let (assessment, note) = match targets::assess(&target, &series) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e.to_string())),
        };
        progress.push(ProgressRow {
            indicator: t.indicator.clone(),
            scope: t.scope.clone(),
            target: t.value,
            target_year: t.year,
            base_year: t.base_year,
            direction: ind.direction,
            growth: t.growth,
            observed: series,
            assessment,
            note,
        });
    }

    // 6. composite index (counties)
    let index = match &config.index {
        None => None,
        Some(ix) => Some(build_index(config, ix, reg, &values)?),
    };

    // 7. convergence
    let convergence = match &config.convergence {
        None => None,
        Some(cv) => Some(build_convergence(config, cv, reg, &values, &inputs, level)?),
    };
    let t_rest = t2.elapsed().as_secs_f64();

    let indicators = config
        .indicators
        .iter()
        .map(|i| IndicatorInfo {
            id: i.id.clone(),
            name_zh: i.name_zh.clone(),
            name_en: i.name_en.clone(),
            unit: i.unit.clone(),
            direction: i.direction,
            levels: i.scopes.clone(),
            source: match &i.source {
                Source::Microdata { .. } => "microdata",
                Source::Admin { .. } => "admin",
                Source::Schools { .. } => "schools",
                Source::Derived { .. } => "derived",
            }
            .to_string(),
            definition: i.source_text.clone(),
        })
        .collect();
    Ok(Release {
        meta: crate::release::Meta::new(config, level)?,
        regions: inputs.reg.clone(),
        indicators,
        values: values.map.into_values().collect(),
        progress,
        schools: school_rows,
        index,
        convergence,
        distributions,
        notes,
        timings: Timings {
            read: t_read,
            microdata: t_micro,
            rest: t_rest,
        },
    })
}

/// Lorenz ordinates and quintile means of per-capita income for every
/// region, group and year.
fn distributions(
    config: &Config,
    h: &Households,
    m: &crate::config::Microdata,
    reg: &Registry,
    groups: &[String],
    level: f64,
) -> Result<Vec<DistributionRow>, MonitorError> {
    if m.size.is_none() {
        return Ok(Vec::new());
    }
    let list = "lorenz(0.1),lorenz(0.2),lorenz(0.3),lorenz(0.4),lorenz(0.5),lorenz(0.6),\
                lorenz(0.7),lorenz(0.8),lorenz(0.9),quintile_means";
    let mut jobs: Vec<(u16, Scope, Option<String>)> = Vec::new();
    for year in config.years() {
        jobs.push((year, Scope::Province, None));
        jobs.push((year, Scope::City, Some("city".into())));
        jobs.push((year, Scope::County, Some("county".into())));
        for g in groups {
            jobs.push((year, Scope::Group, Some(g.clone())));
        }
    }
    let out: Vec<Result<Vec<DistributionRow>, MonitorError>> = jobs
        .par_iter()
        .map(|(year, scope, col)| {
            let rows = h.rows_of(*year);
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let cols = h.columns(&rows, *year, reg, groups, None);
            let by: Vec<&str> = col.iter().map(String::as_str).collect();
            let fail = |e: String| MonitorError::Indicator {
                indicator: "distributions".into(),
                year: Some(*year),
                message: e,
            };
            let mut spec = Spec::parse(list, &by).map_err(|e| fail(e.to_string()))?;
            spec.welfare = Welfare::PerCapita;
            spec.skip_undefined = true;
            spec.variance = Some(VarianceSpec {
                lonely: m.lonely,
                level,
                normal: false,
                replicates: None,
            });
            let report = compute(cols, &spec).map_err(|e| fail(e.to_string()))?;
            let mut by_region: BTreeMap<String, DistributionRow> = BTreeMap::new();
            for r in report.results {
                let region = match (scope, col) {
                    (Scope::Province, _) => {
                        if !r.by.is_empty() {
                            continue;
                        }
                        config.province.clone()
                    }
                    (_, Some(c)) => {
                        let Some(l) = r.by.get(c).and_then(|v| v.as_str()) else {
                            continue;
                        };
                        if *scope == Scope::Group {
                            if l != "1" {
                                continue;
                            }
                            c.clone()
                        } else {
                            l.to_string()
                        }
                    }
                    _ => continue,
                };
                let e = by_region.entry(region.clone()).or_insert(DistributionRow {
                    region,
                    scope: *scope,
                    year: *year,
                    lorenz: Vec::new(),
                    quintile_means: Vec::new(),
                });
                let at = |k: &str| r.params.get(k).and_then(serde_json::Value::as_f64);
                let point = |a: f64| Point {
                    at: a,
                    value: r.value,
                    se: r.se,
                };
                match r.measure.as_str() {
                    "lorenz" => e.lorenz.push(point(at("p").unwrap_or(f64::NAN))),
                    "quintile_means" => e
                        .quintile_means
                        .push(point(at("group").unwrap_or(f64::NAN))),
                    _ => {}
                }
            }
            Ok(by_region.into_values().collect())
        })
        .collect();
    let mut all = Vec::new();
    for r in out {
        all.extend(r?);
    }
    Ok(all)
}

fn build_index(
    config: &Config,
    ix: &crate::config::IndexSettings,
    reg: &Registry,
    values: &Values,
) -> Result<IndexSection, MonitorError> {
    let counties: Vec<&crate::regions::Region> = reg.of_level(Level::County).collect();
    let ks: Vec<usize> = ix
        .indicators
        .iter()
        .map(|id| {
            config
                .indicators
                .iter()
                .position(|i| &i.id == id)
                .unwrap_or(0)
        })
        .collect();
    let matrix: Vec<Vec<Option<f64>>> = counties
        .iter()
        .map(|c| {
            ks.iter()
                .map(|&k| {
                    values
                        .map
                        .get(&(k, c.code.clone(), ix.year))
                        .map(|v| v.value)
                })
                .collect()
        })
        .collect();
    let indicators: Vec<composite::Indicator> = ks
        .iter()
        .zip(&ix.pillars)
        .zip(&ix.weights)
        .map(|((&k, pillar), &w)| {
            let ind = &config.indicators[k];
            let i = composite::Indicator::new(&ind.id, ind.direction).weight(w);
            match pillar {
                Some(p) => i.pillar(p),
                None => i,
            }
        })
        .collect();
    // counties with no value of any indicator cannot be ranked
    let keep: Vec<usize> = (0..counties.len())
        .filter(|&i| matrix[i].iter().any(Option::is_some))
        .collect();
    let units: Vec<String> = keep.iter().map(|&i| counties[i].code.clone()).collect();
    let matrix: Vec<Vec<Option<f64>>> = keep.iter().map(|&i| matrix[i].clone()).collect();
    let data = composite::Data::new(units.clone(), indicators, matrix).map_err(|e| {
        MonitorError::Index {
            what: "composite index data".into(),
            source: e,
        }
    })?;
    let result = composite::build(&data, &ix.method).map_err(|e| MonitorError::Index {
        what: "composite index".into(),
        source: e,
    })?;
    let uncertainty = ix
        .uncertainty
        .clone()
        .or_else(|| ix.method.uncertainty.clone());
    let bands = match &uncertainty {
        None => None,
        Some(u) => Some(
            composite::rank_uncertainty(&data, &ix.method, u).map_err(|e| MonitorError::Index {
                what: "rank uncertainty".into(),
                source: e,
            })?,
        ),
    };
    Ok(IndexSection {
        year: ix.year,
        indicators: ix.indicators.clone(),
        method: ix.method.clone(),
        uncertainty,
        units,
        result,
        bands,
    })
}

fn build_convergence(
    config: &Config,
    cv: &crate::config::ConvergenceSettings,
    reg: &Registry,
    values: &Values,
    inputs: &Inputs,
    level: f64,
) -> Result<ConvergenceSection, MonitorError> {
    let k = config
        .indicators
        .iter()
        .position(|i| i.id == cv.indicator)
        .unwrap_or(0);
    let counties: Vec<&str> = reg
        .of_level(Level::County)
        .map(|c| c.code.as_str())
        .collect();
    let idx = |what: String| move |e| MonitorError::Index { what, source: e };
    let mut sigma = Vec::new();
    let mut theil = Vec::new();
    let mut per_year: BTreeMap<u16, HashMap<&str, (f64, Option<f64>)>> = BTreeMap::new();
    for year in config.years() {
        let mut m = HashMap::new();
        for c in &counties {
            if let Some(v) = values.map.get(&(k, c.to_string(), year)) {
                m.insert(*c, (v.value, v.population));
            }
        }
        per_year.insert(year, m);
    }
    for (&year, m) in &per_year {
        // counties with a value, in registry order
        let present: Vec<&str> = counties
            .iter()
            .copied()
            .filter(|c| m.contains_key(c))
            .collect();
        if present.len() < 2 {
            continue;
        }
        let y: Vec<f64> = present.iter().map(|c| m[c].0).collect();
        let pop: Option<Vec<f64>> = present.iter().map(|c| m[c].1).collect();
        let s =
            convergence::sigma(&y, pop.as_deref()).map_err(idx(format!("σ-convergence {year}")))?;
        sigma.push(SigmaRow {
            year,
            counties: present.len(),
            sigma: s,
        });
        let Some(pop) = pop else { continue };
        for part in &cv.partitions {
            let (labels, group_of): (Vec<String>, Vec<usize>) = if part == "city" {
                let mut labels: Vec<String> = Vec::new();
                let g = present
                    .iter()
                    .map(|c| {
                        let city = reg.city_of(c).unwrap_or_default().to_string();
                        match labels.iter().position(|l| *l == city) {
                            Some(p) => p,
                            None => {
                                labels.push(city);
                                labels.len() - 1
                            }
                        }
                    })
                    .collect();
                (labels, g)
            } else {
                let g = present
                    .iter()
                    .map(|c| usize::from(reg.is_member(part, c, year)))
                    .collect();
                (vec![format!("not {part}"), part.clone()], g)
            };
            let t = convergence::theil_groups(&y, &pop, &group_of)
                .map_err(idx(format!("Theil decomposition {year} by {part}")))?;
            theil.push(TheilRow {
                year,
                partition: part.clone(),
                labels,
                theil: t,
            });
        }
    }
    // β over the whole span, counties with values at both ends
    let (first, last) = (config.first_year, config.last_year);
    let beta = match (per_year.get(&first), per_year.get(&last)) {
        (Some(a), Some(b)) if last > first => {
            let both: Vec<&str> = counties
                .iter()
                .copied()
                .filter(|c| a.contains_key(c) && b.contains_key(c))
                .collect();
            if both.len() >= 3 {
                let y0: Vec<f64> = both.iter().map(|c| a[c].0).collect();
                let y1: Vec<f64> = both.iter().map(|c| b[c].0).collect();
                Some(BetaRow {
                    from: first,
                    to: last,
                    beta: convergence::beta(&y0, &y1, f64::from(last - first))
                        .map_err(idx(format!("β-convergence {first}–{last}")))?,
                })
            } else {
                None
            }
        }
        _ => None,
    };
    // each group's level relative to the province
    let mut gaps = Vec::new();
    let ind = &config.indicators[k];
    for g in reg.group_ids() {
        for year in config.years() {
            let gv = values.map.get(&(k, g.clone(), year));
            let pv = values.map.get(&(k, config.province.clone(), year));
            if let (Some(gv), Some(pv)) = (gv, pv) {
                gaps.push(GroupGap {
                    group: g.clone(),
                    year,
                    group_value: gv.value,
                    province_value: pv.value,
                    ratio: gv.value / pv.value,
                    ratio_se: None,
                });
            }
        }
    }
    // the ratio's standard error from the microdata, where the indicator is a microdata mean
    if let (
        Source::Microdata {
            measure,
            welfare,
            filter,
            change: false,
        },
        Some(h),
        Some(m),
    ) = (&ind.source, &inputs.households, &config.microdata)
        && measure.id() == "mean"
        && filter.is_empty()
    {
        for gap in &mut gaps {
            let rows = h.rows_of(gap.year);
            let cols = h.columns(&rows, gap.year, reg, &reg.group_ids(), None);
            let list = format!("ratio(of=mean,by={},num=1,den=all)", gap.group);
            let Ok(mut spec) = Spec::parse(&list, &[]) else {
                continue;
            };
            spec.welfare = *welfare;
            spec.variance = Some(VarianceSpec {
                lonely: m.lonely,
                level,
                normal: false,
                replicates: None,
            });
            if let Ok(r) = compute(cols, &spec)
                && let Some(row) = r.results.first()
            {
                gap.ratio_se = row.se;
            }
        }
    }
    Ok(ConvergenceSection {
        indicator: cv.indicator.clone(),
        sigma,
        beta,
        theil,
        group_gaps: gaps,
    })
}
