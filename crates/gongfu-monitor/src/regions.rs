//! The region registry: regions (`code, name_zh, name_en, parent, level`),
//! county groups with validity years (`group, county, from_year, to_year`)
//! and pairings (`strong, assisted, from_year`), read from CSV or Parquet.

use std::collections::HashMap;
use std::path::Path;

use gongfu_io::{ColumnRequest, ReadOptions, read_columns};
use serde::Serialize;

use crate::MonitorError;

/// The administrative level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The province.
    Province,
    /// A prefecture-level city.
    City,
    /// A county-level unit.
    County,
}

/// One region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// Code, e.g. `330102`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Parent code (`None` for the province).
    pub parent: Option<String>,
    /// Level.
    pub level: Level,
}

/// Membership of a county in a group over a span of years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// Group id.
    pub group: String,
    /// County code.
    pub county: String,
    /// First year (inclusive).
    pub from_year: u16,
    /// Last year (inclusive), `None` while still a member.
    pub to_year: Option<u16>,
}

/// A strong county paired with an assisted county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing {
    /// The strong county.
    pub strong: String,
    /// The assisted county.
    pub assisted: String,
    /// First year of the pairing.
    pub from_year: u16,
}

/// The registry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Registry {
    /// Regions: the province, then cities, then counties, as in the file.
    pub regions: Vec<Region>,
    /// Group memberships.
    pub groups: Vec<Membership>,
    /// Pairings.
    pub pairings: Vec<Pairing>,
    #[serde(skip)]
    by_code: HashMap<String, usize>,
}

fn key_col(t: &gongfu_io::Table, k: usize) -> (&[u32], &[String]) {
    t.columns[k].as_key().expect("requested as key")
}

fn label(t: &gongfu_io::Table, k: usize, row: usize) -> &str {
    let (codes, levels) = key_col(t, k);
    &levels[codes[row] as usize]
}

fn bad(file: &Path, column: &str, row: usize, message: impl Into<String>) -> MonitorError {
    MonitorError::Data {
        file: file.display().to_string(),
        column: column.to_string(),
        row: row + 1,
        message: message.into(),
    }
}

/// Parses a year label (`2021`).
pub(crate) fn parse_year(s: &str) -> Option<u16> {
    let y: u16 = s.trim().parse().ok()?;
    (1900..=2200).contains(&y).then_some(y)
}

impl Registry {
    /// Reads the registry files.
    ///
    /// # Errors
    /// [`MonitorError`] naming file, column and row of what is wrong:
    /// duplicate codes, unknown parents, a level other than province, city or
    /// county, a city not under the province or a county not under a city, a
    /// group member that is not a county, years out of order.
    pub fn load(
        regions: &Path,
        groups: Option<&Path>,
        pairings: Option<&Path>,
        province: &str,
    ) -> Result<Registry, MonitorError> {
        let opts = ReadOptions::default();
        let cols = ["code", "name_zh", "name_en", "parent", "level"];
        let req: Vec<ColumnRequest> = cols.iter().map(|c| ColumnRequest::key(*c)).collect();
        let t = read_columns(regions, &req, &opts)?;
        let mut reg = Registry::default();
        for i in 0..t.nrows {
            let code = label(&t, 0, i).trim().to_string();
            if code.is_empty() {
                return Err(bad(regions, "code", i, "empty code"));
            }
            if reg.by_code.contains_key(&code) {
                return Err(bad(
                    regions,
                    "code",
                    i,
                    format!("code {code} appears twice"),
                ));
            }
            let level = match label(&t, 4, i).trim() {
                "province" => Level::Province,
                "city" => Level::City,
                "county" => Level::County,
                o => {
                    return Err(bad(
                        regions,
                        "level",
                        i,
                        format!("{o:?}: expected province, city or county"),
                    ));
                }
            };
            let parent = label(&t, 3, i).trim();
            let parent = (!parent.is_empty()).then(|| parent.to_string());
            reg.by_code.insert(code.clone(), reg.regions.len());
            reg.regions.push(Region {
                code,
                name_zh: label(&t, 1, i).to_string(),
                name_en: label(&t, 2, i).to_string(),
                parent,
                level,
            });
        }
        // the hierarchy: one province (the configured one), cities under it, counties under cities
        for (i, r) in reg.regions.iter().enumerate() {
            let want = match r.level {
                Level::Province => {
                    if r.code != province {
                        return Err(bad(
                            regions,
                            "code",
                            i,
                            format!(
                                "province {} is not the configured province {province}",
                                r.code
                            ),
                        ));
                    }
                    if r.parent.is_some() {
                        return Err(bad(regions, "parent", i, "the province has no parent"));
                    }
                    continue;
                }
                Level::City => Level::Province,
                Level::County => Level::City,
            };
            let Some(p) = &r.parent else {
                return Err(bad(
                    regions,
                    "parent",
                    i,
                    format!("{} needs a parent", r.code),
                ));
            };
            match reg.by_code.get(p).map(|&k| reg.regions[k].level) {
                Some(l) if l == want => {}
                Some(_) => {
                    return Err(bad(
                        regions,
                        "parent",
                        i,
                        format!(
                            "parent {p} of {} is not a {}",
                            r.code,
                            if want == Level::City {
                                "city"
                            } else {
                                "province"
                            }
                        ),
                    ));
                }
                None => {
                    return Err(bad(
                        regions,
                        "parent",
                        i,
                        format!("no region {p} in the file"),
                    ));
                }
            }
        }
        if !reg.by_code.contains_key(province) {
            return Err(MonitorError::File {
                file: regions.display().to_string(),
                message: format!("no row for the province {province}"),
            });
        }
        if let Some(g) = groups {
            let req: Vec<ColumnRequest> = ["group", "county", "from_year", "to_year"]
                .iter()
                .map(|c| ColumnRequest::key(*c))
                .collect();
            let t = read_columns(g, &req, &opts)?;
            for i in 0..t.nrows {
                let group = label(&t, 0, i).trim().to_string();
                if group.is_empty() || reg.by_code.contains_key(&group) {
                    return Err(bad(
                        g,
                        "group",
                        i,
                        format!("{group:?} cannot name a group: empty or a region code"),
                    ));
                }
                let county = label(&t, 1, i).trim().to_string();
                if reg.region(&county).map(|r| r.level) != Some(Level::County) {
                    return Err(bad(
                        g,
                        "county",
                        i,
                        format!("{county} is not a county of the registry"),
                    ));
                }
                let from_year = parse_year(label(&t, 2, i))
                    .ok_or_else(|| bad(g, "from_year", i, "not a year"))?;
                let to = label(&t, 3, i).trim();
                let to_year = if to.is_empty() {
                    None
                } else {
                    let y = parse_year(to).ok_or_else(|| {
                        bad(g, "to_year", i, "not a year (empty while still a member)")
                    })?;
                    if y < from_year {
                        return Err(bad(g, "to_year", i, "before from_year"));
                    }
                    Some(y)
                };
                reg.groups.push(Membership {
                    group,
                    county,
                    from_year,
                    to_year,
                });
            }
        }
        if let Some(p) = pairings {
            let req: Vec<ColumnRequest> = ["strong", "assisted", "from_year"]
                .iter()
                .map(|c| ColumnRequest::key(*c))
                .collect();
            let t = read_columns(p, &req, &opts)?;
            for i in 0..t.nrows {
                let strong = label(&t, 0, i).trim().to_string();
                let assisted = label(&t, 1, i).trim().to_string();
                for (col, c) in [("strong", &strong), ("assisted", &assisted)] {
                    if reg.region(c).map(|r| r.level) != Some(Level::County) {
                        return Err(bad(
                            p,
                            col,
                            i,
                            format!("{c} is not a county of the registry"),
                        ));
                    }
                }
                let from_year = parse_year(label(&t, 2, i))
                    .ok_or_else(|| bad(p, "from_year", i, "not a year"))?;
                reg.pairings.push(Pairing {
                    strong,
                    assisted,
                    from_year,
                });
            }
        }
        Ok(reg)
    }

    /// The region with this code.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.by_code.get(code).map(|&k| &self.regions[k])
    }

    /// The regions of a level, in file order.
    pub fn of_level(&self, level: Level) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |r| r.level == level)
    }

    /// The city of a county (or the city itself).
    pub fn city_of(&self, code: &str) -> Option<&str> {
        let r = self.region(code)?;
        match r.level {
            Level::City => Some(&r.code),
            Level::County => r.parent.as_deref(),
            Level::Province => None,
        }
    }

    /// The group ids, in order of first appearance.
    pub fn group_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.groups {
            if !out.contains(&m.group) {
                out.push(m.group.clone());
            }
        }
        out
    }

    /// Whether `county` is in `group` in `year`.
    pub fn is_member(&self, group: &str, county: &str, year: u16) -> bool {
        self.groups.iter().any(|m| {
            m.group == group
                && m.county == county
                && year >= m.from_year
                && m.to_year.is_none_or(|t| year <= t)
        })
    }

    /// The counties of a group in a year, in registry order.
    pub fn members(&self, group: &str, year: u16) -> Vec<&str> {
        self.of_level(Level::County)
            .filter(|c| self.is_member(group, &c.code, year))
            .map(|c| c.code.as_str())
            .collect()
    }
}
