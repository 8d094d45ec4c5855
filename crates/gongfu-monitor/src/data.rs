//! The data files of a monitoring run: household microdata, administrative
//! series, the school table and the targets table. Each reader checks what it
//! reads against the registry and the catalogue and names file, column and
//! row of anything it refuses.

use std::collections::HashMap;
use std::path::Path;

use gongfu_compute::{Columns, KeyColumn};
use gongfu_index::targets::Growth;
use gongfu_io::{Column, ColumnRequest, ReadOptions, read_columns};

use crate::MonitorError;
use crate::config::{Config, Microdata, Schools};
use crate::regions::{Level, Registry, parse_year};

fn bad(file: &Path, column: &str, row: usize, message: impl Into<String>) -> MonitorError {
    MonitorError::Data {
        file: file.display().to_string(),
        column: column.to_string(),
        row: row + 1,
        message: message.into(),
    }
}

fn keys(c: &Column) -> (&[u32], &[String]) {
    c.as_key().expect("requested as key")
}

fn nums(c: &Column) -> &[f64] {
    c.as_numeric().expect("requested as numeric")
}

/// A key column: codes and labels.
#[derive(Debug, Clone)]
struct Keyed {
    codes: Vec<u32>,
    levels: Vec<String>,
}

impl Keyed {
    fn label(&self, i: usize) -> &str {
        &self.levels[self.codes[i] as usize]
    }
}

/// Household microdata in memory, for the years monitored.
#[derive(Debug, Clone)]
pub struct Households {
    /// Year of each row.
    pub year: Vec<u16>,
    /// County (index into `counties`).
    county: Vec<u32>,
    counties: Vec<String>,
    id: Option<Keyed>,
    weight: Option<Vec<f64>>,
    income: Vec<f64>,
    size: Option<Vec<f64>>,
    adults: Option<Vec<f64>>,
    children: Option<Vec<f64>>,
    strata: Option<Keyed>,
    psu: Option<Keyed>,
    fpc: Option<Vec<f64>>,
    filters: Vec<(String, Keyed)>,
}

impl Households {
    /// Reads the columns the configuration names, plus `filter_columns`.
    ///
    /// # Errors
    /// Unreadable files and cells, years that are not years, counties that are
    /// not counties of the registry.
    pub fn load(
        m: &Microdata,
        filter_columns: &[String],
        reg: &Registry,
        years: std::ops::RangeInclusive<u16>,
    ) -> Result<Households, MonitorError> {
        let mut req = vec![
            ColumnRequest::key(&m.year),
            ColumnRequest::key(&m.county),
            ColumnRequest::numeric(&m.income),
        ];
        let mut opt = |name: &Option<String>, numeric: bool| {
            name.as_ref().map(|n| {
                req.push(if numeric {
                    ColumnRequest::numeric(n)
                } else {
                    ColumnRequest::key(n)
                });
                req.len() - 1
            })
        };
        let i_id = opt(&m.id, false);
        let i_w = opt(&m.weight, true);
        let i_size = opt(&m.size, true);
        let i_ad = opt(&m.adults, true);
        let i_ch = opt(&m.children, true);
        let i_st = opt(&m.strata, false);
        let i_psu = opt(&m.psu, false);
        let i_fpc = opt(&m.fpc, true);
        let first_filter = req.len();
        for f in filter_columns {
            req.push(ColumnRequest::key(f));
        }
        let t = read_columns(&m.file, &req, &ReadOptions::default())?;
        let file = &m.file;
        // years: parse each level once, keep the rows of the years monitored
        let (ycodes, ylevels) = keys(&t.columns[0]);
        let mut ylev = Vec::with_capacity(ylevels.len());
        for (k, l) in ylevels.iter().enumerate() {
            match parse_year(l) {
                Some(y) => ylev.push(y),
                None => {
                    let row = ycodes.iter().position(|&c| c as usize == k).unwrap_or(0);
                    return Err(bad(file, &m.year, row, format!("{l:?} is not a year")));
                }
            }
        }
        let keep: Vec<usize> = (0..t.nrows)
            .filter(|&i| years.contains(&ylev[ycodes[i] as usize]))
            .collect();
        // counties must be counties of the registry
        let (ccodes, clevels) = keys(&t.columns[1]);
        for (k, l) in clevels.iter().enumerate() {
            if reg.region(l.trim()).map(|r| r.level) != Some(Level::County) {
                let row = ccodes.iter().position(|&c| c as usize == k).unwrap_or(0);
                return Err(bad(
                    file,
                    &m.county,
                    row,
                    format!("{l:?} is not a county of the registry"),
                ));
            }
        }
        let pick_num = |k: usize| {
            keep.iter()
                .map(|&i| nums(&t.columns[k])[i])
                .collect::<Vec<f64>>()
        };
        let pick_key = |k: usize| {
            let (c, l) = keys(&t.columns[k]);
            Keyed {
                codes: keep.iter().map(|&i| c[i]).collect(),
                levels: l.to_vec(),
            }
        };
        let filters = filter_columns
            .iter()
            .enumerate()
            .map(|(j, name)| (name.clone(), pick_key(first_filter + j)))
            .collect();
        let h = Households {
            year: keep.iter().map(|&i| ylev[ycodes[i] as usize]).collect(),
            county: keep.iter().map(|&i| ccodes[i]).collect(),
            counties: clevels.iter().map(|l| l.trim().to_string()).collect(),
            id: i_id.map(pick_key),
            weight: i_w.map(pick_num),
            income: pick_num(2),
            size: i_size.map(pick_num),
            adults: i_ad.map(pick_num),
            children: i_ch.map(pick_num),
            strata: i_st.map(pick_key),
            psu: i_psu.map(pick_key),
            fpc: i_fpc.map(pick_num),
            filters,
        };
        drop(t);
        Ok(h)
    }

    /// The number of rows kept.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.year.len()
    }

    /// The rows of a year.
    pub fn rows_of(&self, year: u16) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.year[i] == year).collect()
    }

    /// The compute columns of a set of rows: the income (or its change from
    /// `prev`, the matching rows of the previous year), weight, size, the
    /// design, and keys `county`, `city`, one per group (`"1"`/`"0"`, the
    /// membership of `year`), the filter columns and `_panel`.
    pub(crate) fn columns(
        &self,
        rows: &[usize],
        year: u16,
        reg: &Registry,
        groups: &[String],
        change: Option<(&[Option<usize>], bool)>,
    ) -> Columns {
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let income = match change {
            None => pick(&self.income),
            Some((prev, per_capita)) => rows
                .iter()
                .zip(prev)
                .map(|(&i, p)| match p {
                    None => 0.0,
                    Some(j) => {
                        if per_capita {
                            let s = self.size.as_ref().expect("checked with the config");
                            s[i] * (self.income[i] / s[i] - self.income[*j] / s[*j])
                        } else {
                            self.income[i] - self.income[*j]
                        }
                    }
                })
                .collect(),
        };
        // labels per county (not per row): city and group membership of the year
        let n_c = self.counties.len();
        let city: Vec<&str> = self
            .counties
            .iter()
            .map(|c| reg.city_of(c).unwrap_or_default())
            .collect();
        let labels = |f: &dyn Fn(usize) -> String| -> Vec<String> {
            rows.iter().map(|&i| f(self.county[i] as usize)).collect()
        };
        let as_key = |name: &str, v: Vec<String>| {
            let r: Vec<&str> = v.iter().map(String::as_str).collect();
            KeyColumn::from_labels(name, &r)
        };
        let mut keys = vec![
            as_key("county", labels(&|c| self.counties[c].clone())),
            as_key("city", labels(&|c| city[c].to_string())),
        ];
        for g in groups {
            let member: Vec<bool> = (0..n_c)
                .map(|c| reg.is_member(g, &self.counties[c], year))
                .collect();
            keys.push(as_key(
                g,
                labels(&|c| if member[c] { "1" } else { "0" }.to_string()),
            ));
        }
        for (name, k) in &self.filters {
            let v: Vec<&str> = rows.iter().map(|&i| k.label(i)).collect();
            keys.push(KeyColumn::from_labels(name, &v));
        }
        if let Some((prev, _)) = change {
            let v: Vec<String> = prev
                .iter()
                .map(|p| if p.is_some() { "1" } else { "0" }.to_string())
                .collect();
            keys.push(as_key("_panel", v));
        }
        let key_of = |k: &Keyed, name: &str| {
            let v: Vec<&str> = rows.iter().map(|&i| k.label(i)).collect();
            KeyColumn::from_labels(name, &v)
        };
        Columns {
            income,
            weight: self.weight.as_deref().map(pick),
            size: self.size.as_deref().map(pick),
            adults: self.adults.as_deref().map(pick),
            children: self.children.as_deref().map(pick),
            keys,
            numerics: Vec::new(),
            strata: self.strata.as_ref().map(|k| key_of(k, "stratum")),
            psu: self.psu.as_ref().map(|k| key_of(k, "psu")),
            fpc: self.fpc.as_deref().map(pick),
            replicates: Vec::new(),
        }
    }

    /// For each row of `rows` (a year), the row of the same household in
    /// `prev_rows` (the previous year), if any.
    pub(crate) fn match_previous(&self, rows: &[usize], prev_rows: &[usize]) -> Vec<Option<usize>> {
        let Some(id) = &self.id else {
            return vec![None; rows.len()];
        };
        let before: HashMap<u32, usize> = prev_rows.iter().map(|&j| (id.codes[j], j)).collect();
        rows.iter()
            .map(|&i| before.get(&id.codes[i]).copied())
            .collect()
    }
}

/// One value of an administrative series.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminValue {
    /// Region code or group id.
    pub region: String,
    /// Year.
    pub year: u16,
    /// Value.
    pub value: f64,
    /// Standard error, when the series is a survey estimate.
    pub se: Option<f64>,
}

/// Reads an administrative table `region, year, value[, se][, series]`.
///
/// # Errors
/// Unknown regions, years that are not years, duplicates, negative SEs.
pub fn read_admin(
    file: &Path,
    series: Option<&str>,
    reg: &Registry,
) -> Result<Vec<AdminValue>, MonitorError> {
    let names = gongfu_io::column_names(file, &ReadOptions::default())?;
    let has = |c: &str| names.iter().any(|n| n == c);
    let mut req = vec![
        ColumnRequest::key("region"),
        ColumnRequest::key("year"),
        ColumnRequest::numeric("value"),
    ];
    let i_se = has("se").then(|| {
        req.push(ColumnRequest::key("se"));
        req.len() - 1
    });
    let i_series = match series {
        Some(_) => {
            req.push(ColumnRequest::key("series"));
            Some(req.len() - 1)
        }
        None => None,
    };
    let t = read_columns(file, &req, &ReadOptions::default())?;
    let groups = reg.group_ids();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, u16), usize> = HashMap::new();
    let (rc, rl) = keys(&t.columns[0]);
    let (yc, yl) = keys(&t.columns[1]);
    let v = nums(&t.columns[2]);
    for i in 0..t.nrows {
        if let (Some(k), Some(want)) = (i_series, series) {
            let (c, l) = keys(&t.columns[k]);
            if l[c[i] as usize].trim() != want {
                continue;
            }
        }
        let region = rl[rc[i] as usize].trim().to_string();
        if reg.region(&region).is_none() && !groups.contains(&region) {
            return Err(bad(
                file,
                "region",
                i,
                format!("{region:?} is neither a region nor a group of the registry"),
            ));
        }
        let year =
            parse_year(&yl[yc[i] as usize]).ok_or_else(|| bad(file, "year", i, "not a year"))?;
        if let Some(first) = seen.insert((region.clone(), year), i) {
            return Err(bad(
                file,
                "region",
                i,
                format!("{region} {year} already given in row {}", first + 1),
            ));
        }
        let se = match i_se {
            None => None,
            Some(k) => {
                let (c, l) = keys(&t.columns[k]);
                let s = l[c[i] as usize].trim();
                if s.is_empty() || s == "NA" {
                    None
                } else {
                    match s.parse::<f64>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
                        _ => {
                            return Err(bad(
                                file,
                                "se",
                                i,
                                format!("{s:?}: a standard error is a number ≥ 0 (or empty)"),
                            ));
                        }
                    }
                }
            }
        };
        out.push(AdminValue {
            region,
            year,
            value: v[i],
            se,
        });
    }
    if let (Some(s), true) = (series, out.is_empty()) {
        return Err(MonitorError::File {
            file: file.display().to_string(),
            message: format!("no rows of series {s:?}"),
        });
    }
    Ok(out)
}

/// The schools of one county, level and year.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolGroup {
    /// Year.
    pub year: u16,
    /// County code.
    pub county: String,
    /// `primary` or `junior`.
    pub level: String,
    /// Students per school.
    pub students: Vec<f64>,
    /// Basic-regime resources: one vector per indicator, one value per school.
    pub basic: Vec<Vec<f64>>,
    /// High-quality-regime resources.
    pub high_quality: Vec<Vec<f64>>,
}

/// Reads the school table and groups it by year, county and level.
///
/// # Errors
/// Unknown counties, levels other than primary and junior, unreadable cells.
pub fn read_schools(s: &Schools, reg: &Registry) -> Result<Vec<SchoolGroup>, MonitorError> {
    let mut req = vec![
        ColumnRequest::key(&s.year),
        ColumnRequest::key(&s.county),
        ColumnRequest::key(&s.level),
        ColumnRequest::numeric(&s.students),
    ];
    for c in s.basic.iter().chain(&s.high_quality) {
        req.push(ColumnRequest::numeric(c));
    }
    let t = read_columns(&s.file, &req, &ReadOptions::default())?;
    let (yc, yl) = keys(&t.columns[0]);
    let (cc, cl) = keys(&t.columns[1]);
    let (lc, ll) = keys(&t.columns[2]);
    let mut index: HashMap<(u16, String, String), usize> = HashMap::new();
    let mut out: Vec<SchoolGroup> = Vec::new();
    let nb = s.basic.len();
    for i in 0..t.nrows {
        let year = parse_year(&yl[yc[i] as usize])
            .ok_or_else(|| bad(&s.file, &s.year, i, "not a year"))?;
        let county = cl[cc[i] as usize].trim().to_string();
        if reg.region(&county).map(|r| r.level) != Some(Level::County) {
            return Err(bad(
                &s.file,
                &s.county,
                i,
                format!("{county:?} is not a county of the registry"),
            ));
        }
        let level = ll[lc[i] as usize].trim().to_string();
        if level != "primary" && level != "junior" {
            return Err(bad(
                &s.file,
                &s.level,
                i,
                format!("{level:?}: expected primary or junior"),
            ));
        }
        let k = *index
            .entry((year, county.clone(), level.clone()))
            .or_insert_with(|| {
                out.push(SchoolGroup {
                    year,
                    county,
                    level,
                    students: Vec::new(),
                    basic: vec![Vec::new(); nb],
                    high_quality: vec![Vec::new(); s.high_quality.len()],
                });
                out.len() - 1
            });
        let g = &mut out[k];
        let students = nums(&t.columns[3])[i];
        if !(students > 0.0) {
            return Err(bad(&s.file, &s.students, i, "a school needs students > 0"));
        }
        g.students.push(students);
        for (j, name) in s.basic.iter().chain(&s.high_quality).enumerate() {
            let v = nums(&t.columns[4 + j])[i];
            if v < 0.0 {
                return Err(bad(&s.file, name, i, "resources are ≥ 0"));
            }
            if j < nb {
                g.basic[j].push(v);
            } else {
                g.high_quality[j - nb].push(v);
            }
        }
    }
    Ok(out)
}

/// One target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// Indicator id.
    pub indicator: String,
    /// Region code or group id.
    pub scope: String,
    /// Target year.
    pub year: i32,
    /// Target value.
    pub value: f64,
    /// Base year.
    pub base_year: i32,
    /// Path shape.
    pub growth: Growth,
}

/// Reads the targets table `indicator, scope, year, value, base_year[, growth]`.
///
/// # Errors
/// Unknown indicators or scopes, base years not before the target year.
pub fn read_targets(
    file: &Path,
    config: &Config,
    reg: &Registry,
) -> Result<Vec<TargetRow>, MonitorError> {
    let names = gongfu_io::column_names(file, &ReadOptions::default())?;
    let mut req = vec![
        ColumnRequest::key("indicator"),
        ColumnRequest::key("scope"),
        ColumnRequest::key("year"),
        ColumnRequest::numeric("value"),
        ColumnRequest::key("base_year"),
    ];
    let has_growth = names.iter().any(|n| n == "growth");
    if has_growth {
        req.push(ColumnRequest::key("growth"));
    }
    let t = read_columns(file, &req, &ReadOptions::default())?;
    let groups = reg.group_ids();
    let mut out: Vec<TargetRow> = Vec::new();
    for i in 0..t.nrows {
        let lab = |k: usize| {
            let (c, l) = keys(&t.columns[k]);
            l[c[i] as usize].trim().to_string()
        };
        let indicator = lab(0);
        if config.indicator(&indicator).is_none() {
            return Err(bad(
                file,
                "indicator",
                i,
                format!("no indicator {indicator:?} in the catalogue"),
            ));
        }
        let scope = lab(1);
        if reg.region(&scope).is_none() && !groups.contains(&scope) {
            return Err(bad(
                file,
                "scope",
                i,
                format!("{scope:?} is neither a region nor a group"),
            ));
        }
        let year = parse_year(&lab(2)).ok_or_else(|| bad(file, "year", i, "not a year"))?;
        let base_year =
            parse_year(&lab(4)).ok_or_else(|| bad(file, "base_year", i, "not a year"))?;
        if base_year >= year {
            return Err(bad(
                file,
                "base_year",
                i,
                "the base year must come before the target year",
            ));
        }
        let growth = if has_growth {
            match lab(5).as_str() {
                "" | "compound" => Growth::Compound,
                "linear" => Growth::Linear,
                o => {
                    return Err(bad(
                        file,
                        "growth",
                        i,
                        format!("{o:?}: expected compound or linear"),
                    ));
                }
            }
        } else {
            Growth::Compound
        };
        if out
            .iter()
            .any(|o| o.indicator == indicator && o.scope == scope && o.year == i32::from(year))
        {
            return Err(bad(
                file,
                "indicator",
                i,
                format!("{indicator} for {scope} in {year} is given twice"),
            ));
        }
        out.push(TargetRow {
            indicator,
            scope,
            year: i32::from(year),
            value: nums(&t.columns[3])[i],
            base_year: i32::from(base_year),
            growth,
        });
    }
    Ok(out)
}
