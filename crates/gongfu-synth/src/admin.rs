//! Synthetic schools and administrative series of the demo province: what a
//! monitoring system gets from the education department and the other
//! departments rather than from the household survey.
//!
//! Everything is deterministic in the seed. The numbers are *synthetic*;
//! only their scale follows the reference case (about 7,000 co-prosperity
//! workshops in 2022 against 10,000 planned, a security-survey rate of
//! 99.28 % in 2022, inter-school difference coefficients falling towards the
//! 2017 high-quality thresholds).

use crate::model::{FIRST_YEAR, LAST_YEAR};
use crate::regions::{COUNTY_PARAMS, MOUNTAIN_GROUP, PROVINCE_CODE, cities, is_member};
use crate::rng::Rng;

const SCHOOL_TAG: u64 = 0x5343_484f_4f4c; // "SCHOOL"
const ADMIN_TAG: u64 = 0x0041_444d_494e; // "ADMIN"

/// The resource columns of the synthetic school table, in order: the union
/// of the 2012 basic-balance (8) and 2017 high-quality-balance (7)
/// indicators, each a total for the school (divide by students for the
/// per-student value).
pub const SCHOOL_RESOURCES: [&str; 11] = [
    "floor_space_m2",
    "sports_area_m2",
    "equipment_value_yuan",
    "computers",
    "books",
    "teachers",
    "teachers_above_qualification",
    "teachers_senior_title",
    "backbone_teachers",
    "pe_arts_teachers",
    "multimedia_classrooms",
];

/// Province-wide resource per student of each column of
/// [`SCHOOL_RESOURCES`] (primary schools; junior schools get 1.25×).
const PER_STUDENT: [f64; 11] = [
    7.5, 9.0, 3_200.0, 0.16, 32.0, 0.065, 0.045, 0.030, 0.012, 0.010, 0.028,
];

/// One school in one year.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    /// School id, stable across years, e.g. `"330102-P03"`.
    pub id: String,
    /// Year of the record.
    pub year: u16,
    /// County code.
    pub county: &'static str,
    /// `"primary"` or `"junior"`.
    pub level: &'static str,
    /// Enrolled students.
    pub students: f64,
    /// The resources, in the order of [`SCHOOL_RESOURCES`].
    pub resources: [f64; 11],
}

/// The schools of every county, 2021–2025 (the years of the high-quality
/// balance campaign): 6–40 primary and 3–20 junior schools per county by
/// population. Dispersion across a county's schools shrinks each year, faster
/// in the mountainous counties, so the difference coefficients improve and
/// counties cross the thresholds at different times.
pub fn schools(seed: u64) -> Vec<School> {
    let mut out = Vec::new();
    for (ci, c) in COUNTY_PARAMS.iter().enumerate() {
        let mut rng = Rng::from_keys(&[seed, SCHOOL_TAG, ci as u64]);
        // county dispersion in 2021 and its yearly improvement
        let sigma0 = rng.range(0.28, 0.62);
        let mountain = is_member(MOUNTAIN_GROUP, c.code, 2021);
        let shrink = if mountain {
            rng.range(0.86, 0.93)
        } else {
            rng.range(0.90, 0.97)
        };
        for (level, per_10k, factor, tag) in
            [("primary", 0.55, 1.0, 'P'), ("junior", 0.27, 1.25, 'J')]
        {
            let n = ((c.pop_wan * per_10k / 1.5).round() as usize).clamp(3, 40);
            // persistent school effects (size, resource draws) across years
            let base: Vec<(f64, [f64; 11])> = (0..n)
                .map(|_| {
                    let size = (rng.range(6.0, 7.6)).exp();
                    let mut z = [0.0; 11];
                    let common = rng.normal();
                    for v in &mut z {
                        *v = 0.6 * common + 0.8 * rng.normal();
                    }
                    (size, z)
                })
                .collect();
            for year in 2021..=LAST_YEAR {
                let t = i32::from(year - 2021);
                let sigma = sigma0 * shrink.powi(t);
                let mut yr = Rng::from_keys(&[seed, SCHOOL_TAG, ci as u64, u64::from(year)]);
                for (si, (size, z)) in base.iter().enumerate() {
                    let students = (size * yr.range(0.97, 1.03)).round().max(30.0);
                    let mut resources = [0.0; 11];
                    for k in 0..11 {
                        let level_k = PER_STUDENT[k] * factor * c.income_index.sqrt();
                        let growth = 1.0 + 0.03 * f64::from(t);
                        let per = level_k * growth * (sigma * z[k] - 0.5 * sigma * sigma).exp();
                        resources[k] = round_to(students * per, k);
                    }
                    out.push(School {
                        id: format!("{}-{}{:02}", c.code, tag, si + 1),
                        year,
                        county: c.code,
                        level,
                        students,
                        resources,
                    });
                }
            }
        }
    }
    out
}

fn round_to(v: f64, k: usize) -> f64 {
    // areas and money to whole units, counts to whole items (at least 0)
    if k == 2 {
        (v / 100.0).round() * 100.0
    } else {
        v.round().max(0.0)
    }
}

/// One value of an administrative series.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminValue {
    /// Series id (`"workshops_built"`, `"village_collective_income"`, `"security_rate"`).
    pub series: &'static str,
    /// Region code (province, city or county).
    pub region: &'static str,
    /// Year.
    pub year: u16,
    /// Value.
    pub value: f64,
    /// Standard error, for survey-based series.
    pub se: Option<f64>,
}

/// The administrative series of the demo province:
///
/// - `workshops_built`: co-prosperity workshops built, cumulative, by city
///   and for the province (the sum of the cities), 2021–2025;
/// - `village_collective_income`: average operating income of a village
///   collective, 10,000 yuan, by county and for the province (mean of the
///   counties weighted by rural population), 2020–2025;
/// - `security_rate`: share of residents who feel safe in the annual public
///   security survey, by county and for the province (population-weighted),
///   with its standard error, 2020–2025.
pub fn admin_series(seed: u64) -> Vec<AdminValue> {
    let mut out = Vec::new();
    // workshops: province path, split among cities by rural population
    let province_path = [1_480.0, 7_020.0, 8_760.0, 9_650.0, 10_380.0];
    let mut rural_by_city: Vec<f64> = vec![0.0; cities().len()];
    for c in COUNTY_PARAMS.iter() {
        if let Some(k) = cities().iter().position(|x| x.code == c.city) {
            rural_by_city[k] += c.pop_wan * (1.0 - c.urban_share);
        }
    }
    let total_rural: f64 = rural_by_city.iter().sum();
    let mut rng = Rng::from_keys(&[seed, ADMIN_TAG, 1]);
    let city_pace: Vec<f64> = cities().iter().map(|_| rng.range(0.85, 1.15)).collect();
    for (t, &p) in province_path.iter().enumerate() {
        let year = 2021 + t as u16;
        let raw: Vec<f64> = rural_by_city
            .iter()
            .zip(&city_pace)
            .map(|(r, pace)| r / total_rural * pace.powf(1.0 - t as f64 / 4.0))
            .collect();
        let s: f64 = raw.iter().sum();
        let mut sum = 0.0;
        for (city, r) in cities().iter().zip(&raw) {
            let v = (p * r / s).round();
            sum += v;
            out.push(AdminValue {
                series: "workshops_built",
                region: city.code,
                year,
                value: v,
                se: None,
            });
        }
        out.push(AdminValue {
            series: "workshops_built",
            region: PROVINCE_CODE,
            year,
            value: sum,
            se: None,
        });
    }
    // village collective income and the security survey, by county
    let years = FIRST_YEAR..=LAST_YEAR;
    let mut coll = vec![(0.0, 0.0); years.len()];
    let mut sec = vec![(0.0, 0.0, 0.0); years.len()];
    for (ci, c) in COUNTY_PARAMS.iter().enumerate() {
        let mut rng = Rng::from_keys(&[seed, ADMIN_TAG, 2, ci as u64]);
        let mountain = is_member(MOUNTAIN_GROUP, c.code, 2021);
        let start = 95.0 * c.income_index * rng.range(0.8, 1.2);
        let growth = if mountain {
            rng.range(0.11, 0.16)
        } else {
            rng.range(0.07, 0.11)
        };
        let sec0 = rng.range(0.975, 0.99);
        let n_survey = rng.range(800.0, 1_500.0);
        for (t, year) in years.clone().enumerate() {
            let v = (start * (1.0 + growth).powi(t as i32) * rng.range(0.97, 1.03) * 10.0).round()
                / 10.0;
            let rural = c.pop_wan * (1.0 - c.urban_share);
            coll[t].0 += v * rural;
            coll[t].1 += rural;
            out.push(AdminValue {
                series: "village_collective_income",
                region: c.code,
                year,
                value: v,
                se: None,
            });
            let p = (sec0 + 0.0025 * t as f64 + rng.range(-0.002, 0.002)).min(0.999);
            let se = (p * (1.0 - p) / n_survey).sqrt() * 1.2;
            sec[t].0 += p * c.pop_wan;
            sec[t].1 += c.pop_wan;
            sec[t].2 += (se * c.pop_wan).powi(2);
            out.push(AdminValue {
                series: "security_rate",
                region: c.code,
                year,
                value: (p * 10_000.0).round() / 10_000.0,
                se: Some((se * 100_000.0).round() / 100_000.0),
            });
        }
    }
    for (t, year) in years.enumerate() {
        out.push(AdminValue {
            series: "village_collective_income",
            region: PROVINCE_CODE,
            year,
            value: (coll[t].0 / coll[t].1 * 10.0).round() / 10.0,
            se: None,
        });
        out.push(AdminValue {
            series: "security_rate",
            region: PROVINCE_CODE,
            year,
            value: (sec[t].0 / sec[t].1 * 10_000.0).round() / 10_000.0,
            se: Some((sec[t].2.sqrt() / sec[t].1 * 100_000.0).round() / 100_000.0),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schools_are_deterministic_and_complete() {
        let a = schools(7);
        assert_eq!(a, schools(7));
        assert_ne!(a, schools(8));
        // every county has both levels in every year 2021..=2025
        for c in COUNTY_PARAMS.iter() {
            for year in 2021..=LAST_YEAR {
                for level in ["primary", "junior"] {
                    let n = a
                        .iter()
                        .filter(|s| s.county == c.code && s.year == year && s.level == level)
                        .count();
                    assert!(n >= 3, "{} {year} {level}: {n}", c.code);
                }
            }
        }
        assert!(
            a.iter()
                .all(|s| s.students >= 30.0
                    && s.resources.iter().all(|r| r.is_finite() && *r >= 0.0))
        );
    }

    #[test]
    fn workshops_add_up_and_match_the_reference_scale() {
        let v = admin_series(1);
        for year in 2021..=2025u16 {
            let cities: f64 = v
                .iter()
                .filter(|a| a.series == "workshops_built" && a.year == year)
                .filter(|a| a.region != PROVINCE_CODE)
                .map(|a| a.value)
                .sum();
            let prov = v
                .iter()
                .find(|a| {
                    a.series == "workshops_built" && a.year == year && a.region == PROVINCE_CODE
                })
                .unwrap()
                .value;
            assert_eq!(cities, prov);
        }
        let y2022 = v
            .iter()
            .find(|a| a.series == "workshops_built" && a.year == 2022 && a.region == PROVINCE_CODE)
            .unwrap();
        assert!((y2022.value - 7_000.0).abs() < 100.0);
        let sec = v
            .iter()
            .find(|a| a.series == "security_rate" && a.year == 2022 && a.region == PROVINCE_CODE)
            .unwrap();
        assert!(sec.value > 0.98 && sec.value < 1.0 && sec.se.unwrap() > 0.0);
    }
}
