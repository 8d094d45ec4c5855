//! Survey sample mode: a stratified two-stage panel of households.

use std::ops::RangeInclusive;

use crate::SynthError;
use crate::model::{
    Composition, FIRST_YEAR, LAST_YEAR, Model, N_YEARS, OMEGA, PROVINCE_PERSONS, RHO, Special,
    Stratum, calibration_targets, draw_special, flags, household_level, model, round_yuan,
};
use crate::rng::Rng;

/// The default seed of the demo province.
pub const DEFAULT_SEED: u64 = 20_220_601;

/// Target number of sampled households per PSU.
pub const PSU_SIZE: usize = 15;

/// Minimum number of PSUs per stratum.
pub const MIN_PSUS: usize = 2;

/// Minimum number of sampled households per PSU.
const MIN_PER_PSU: usize = 2;

/// Largest sample that [`sample`] builds in memory (use the population mode
/// for anything larger).
pub const MAX_SAMPLE_HOUSEHOLDS: usize = 2_000_000;

const SAMPLE_TAG: u64 = 0x5341_4d50_4c45; // "SAMPLE"

/// Configuration of the survey sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleConfig {
    /// Seed of the random streams.
    pub seed: u64,
    /// Number of sampled households (each observed in every year).
    pub households: usize,
    /// Years to output, within 2020..=2025. The households and their incomes
    /// in a year do not depend on which other years are asked for.
    pub years: RangeInclusive<u16>,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            seed: DEFAULT_SEED,
            households: 30_000,
            years: FIRST_YEAR..=LAST_YEAR,
        }
    }
}

/// Household-level survey microdata in columns: one entry per household and
/// year, sorted by year then `hh_id`. All income columns are yuan per year,
/// whole yuan; `disposable = wage + business + property + transfer`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Households {
    /// Household id (stable across years).
    pub hh_id: Vec<u64>,
    /// Survey year.
    pub year: Vec<u16>,
    /// City code.
    pub city: Vec<&'static str>,
    /// County code.
    pub county: Vec<&'static str>,
    /// 1 = urban, 0 = rural.
    pub urban: Vec<u8>,
    /// 1 if the county is a member of `mountain26` in that year (no county
    /// in 2020, before the group existed; 24 counties in 2025).
    pub mountain: Vec<u8>,
    /// Stratum label, county × urban/rural, e.g. `"330102-U"`.
    pub stratum: Vec<String>,
    /// Primary sampling unit (community or village), unique in the province.
    pub psu: Vec<u32>,
    /// Household size (1–6).
    pub hh_size: Vec<u8>,
    /// Members aged 14 and over (≥ 1).
    pub n_adults: Vec<u8>,
    /// Members under 14.
    pub n_children: Vec<u8>,
    /// Household weight (households represented).
    pub weight: Vec<f64>,
    /// Wage income.
    pub wage: Vec<f64>,
    /// Net business income (may be negative).
    pub business: Vec<f64>,
    /// Net property income.
    pub property: Vec<f64>,
    /// Net transfer income (≥ 0).
    pub transfer: Vec<f64>,
    /// Disposable income: the sum of the four sources.
    pub disposable: Vec<f64>,
    /// Per-capita disposable income, `disposable / hh_size`.
    pub pc_income: Vec<f64>,
    /// Person weight, `weight × hh_size`.
    pub pweight: Vec<f64>,
    /// 1 = registered low-income household.
    pub low_income: Vec<u8>,
    /// 1 = co-prosperity workshop participant household.
    pub workshop: Vec<u8>,
}

impl Households {
    /// Number of household-year rows.
    pub fn len(&self) -> usize {
        self.hh_id.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.hh_id.is_empty()
    }

    fn with_capacity(n: usize) -> Self {
        Households {
            hh_id: Vec::with_capacity(n),
            year: Vec::with_capacity(n),
            city: Vec::with_capacity(n),
            county: Vec::with_capacity(n),
            urban: Vec::with_capacity(n),
            mountain: Vec::with_capacity(n),
            stratum: Vec::with_capacity(n),
            psu: Vec::with_capacity(n),
            hh_size: Vec::with_capacity(n),
            n_adults: Vec::with_capacity(n),
            n_children: Vec::with_capacity(n),
            weight: Vec::with_capacity(n),
            wage: Vec::with_capacity(n),
            business: Vec::with_capacity(n),
            property: Vec::with_capacity(n),
            transfer: Vec::with_capacity(n),
            disposable: Vec::with_capacity(n),
            pc_income: Vec::with_capacity(n),
            pweight: Vec::with_capacity(n),
            low_income: Vec::with_capacity(n),
            workshop: Vec::with_capacity(n),
        }
    }
}

/// The number of strata of the design (county × urban/rural, skipping the
/// rural part of the fully urban districts).
pub fn n_strata() -> usize {
    model().strata.len()
}

/// The smallest `households` that [`sample`] accepts: two PSUs of two
/// households in every stratum.
pub fn min_sample_households() -> usize {
    n_strata() * MIN_PSUS * MIN_PER_PSU
}

fn validate_years(years: &RangeInclusive<u16>) -> Result<(), SynthError> {
    let (a, b) = (*years.start(), *years.end());
    if a > b || a < FIRST_YEAR || b > LAST_YEAR {
        return Err(SynthError::YearsOutOfRange {
            start: a,
            end: b,
            first: FIRST_YEAR,
            last: LAST_YEAR,
        });
    }
    Ok(())
}

/// Allocates `n` households to the strata: a minimum of four each, the rest
/// proportionally to the strata's households (largest remainders).
fn allocate(n: usize, strata: &[Stratum]) -> Vec<usize> {
    let min = MIN_PSUS * MIN_PER_PSU;
    let sizes: Vec<f64> = strata
        .iter()
        .map(|s| s.person_share * s.households_per_person)
        .collect();
    let total: f64 = sizes.iter().sum();
    let rest = n - min * strata.len();
    let quotas: Vec<f64> = sizes.iter().map(|x| rest as f64 * x / total).collect();
    let mut alloc: Vec<usize> = quotas.iter().map(|q| min + q.floor() as usize).collect();
    let given: usize = alloc.iter().sum();
    let mut order: Vec<usize> = (0..strata.len()).collect();
    order.sort_by(|&i, &j| {
        let (fi, fj) = (quotas[i] - quotas[i].floor(), quotas[j] - quotas[j].floor());
        fj.total_cmp(&fi).then(i.cmp(&j))
    });
    for &i in order.iter().cycle().take(n - given) {
        alloc[i] += 1;
    }
    alloc
}

/// Parameters of the income-source split, index 0 = rural, 1 = urban.
const P_NOWAGE: [f64; 2] = [0.14, 0.11];
const P_BUSINESS: [f64; 2] = [0.45, 0.25];
const P_PROPERTY: [f64; 2] = [0.45, 0.75];
const P_TRANSFER: [f64; 2] = [0.92, 0.85];
const R_WAGE: (f64, f64) = (0.5, 1.0);
const R_BUSINESS: [(f64, f64); 2] = [(0.25, 0.90), (0.30, 0.90)];
const R_PROPERTY: [(f64, f64); 2] = [(0.01, 0.10), (0.05, 0.35)];
const R_TRANSFER: [(f64, f64); 2] = [(0.03, 0.22), (0.02, 0.20)];
const R_TRANSFER_NOWAGE: (f64, f64) = (0.5, 1.0);
/// Yearly probability of a business loss among business households.
const P_LOSS: f64 = 0.03;
const R_LOSS: (f64, f64) = (0.02, 0.25);

/// Spread (log scale) of the PSU-level and household-level non-response
/// adjustments of the weights.
const PSU_WEIGHT_SD: f64 = 0.08;
const HH_WEIGHT_SD: f64 = 0.04;

/// A sampled household (fixed across years).
#[derive(Debug, Clone, Copy)]
struct Hh {
    stratum: usize,
    psu: u32,
    hh_id: u64,
    comp: Composition,
    weight: f64,
    low: bool,
    ws: bool,
    /// Shares of wage, business, property, transfer (sum 1, all ≥ 0).
    shares: [f64; 4],
}

/// One household-year before the provincial fine calibration.
#[derive(Debug, Clone, Copy)]
struct HhYear {
    level: f64,
    special: Special,
    /// Business loss as a fraction of the level (0 = none).
    loss: f64,
}

fn draw_shares(rng: &mut Rng, urban: bool) -> [f64; 4] {
    let u = urban as usize;
    let (a, b, c, d) = (rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform());
    let (rw, rb, rp, rt) = (rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform());
    let no_wage = a < P_NOWAGE[u];
    let p_bus = if no_wage {
        0.5 * P_BUSINESS[u]
    } else {
        P_BUSINESS[u]
    };
    let lerp = |r: (f64, f64), x: f64| r.0 + (r.1 - r.0) * x;
    let w = if no_wage { 0.0 } else { lerp(R_WAGE, rw) };
    let bsh = if b < p_bus {
        lerp(R_BUSINESS[u], rb)
    } else {
        0.0
    };
    let p = if c < P_PROPERTY[u] {
        lerp(R_PROPERTY[u], rp)
    } else {
        0.0
    };
    let t = if no_wage {
        lerp(R_TRANSFER_NOWAGE, rt)
    } else if d < P_TRANSFER[u] {
        lerp(R_TRANSFER[u], rt)
    } else {
        0.0
    };
    let sum = w + bsh + p + t;
    [w / sum, bsh / sum, p / sum, t / sum]
}

/// Splits a household-year's disposable income into the four sources (whole
/// yuan).
fn split(hh: &Hh, y: &HhYear, level: f64) -> [f64; 4] {
    match y.special {
        Special::Zero => [0.0; 4],
        Special::Negative(f) => [0.0, -round_yuan(f * level), 0.0, 0.0],
        Special::None => {
            let sh = &hh.shares;
            if y.loss > 0.0 && sh[1] > 0.0 && sh[1] < 1.0 {
                let rest = level * (1.0 + y.loss) / (1.0 - sh[1]);
                [
                    round_yuan(rest * sh[0]),
                    -round_yuan(y.loss * level),
                    round_yuan(rest * sh[2]),
                    round_yuan(rest * sh[3]),
                ]
            } else {
                [
                    round_yuan(level * sh[0]),
                    round_yuan(level * sh[1]),
                    round_yuan(level * sh[2]),
                    round_yuan(level * sh[3]),
                ]
            }
        }
    }
}

fn disposable_before_rounding(y: &HhYear, level: f64) -> f64 {
    match y.special {
        Special::Zero => 0.0,
        Special::Negative(f) => -f * level,
        Special::None => level,
    }
}

/// Builds the survey sample.
///
/// The design is stratified two-stage: strata are the county × urban/rural
/// parts of the province (177: the three fully urban districts 上城, 拱墅 and
/// 滨江 have no rural stratum); every stratum gets at least four households,
/// the rest is allocated proportionally to its households; in each stratum
/// `max(2, round(n_h / 15))` PSUs (communities or villages) are sampled with
/// equal numbers of households (±1). Design weights are the stratum's
/// population households over its sampled households, times a PSU-level and
/// a household-level non-response adjustment (log-normal, sd 0.08 and 0.04),
/// finally scaled so that the person weights of each stratum add up to its
/// population (the province totals [`PROVINCE_PERSONS`] persons). Weights
/// are the same in every year (a panel).
///
/// Incomes are then rescaled per year and urban/rural so that the weighted
/// person-level means of per-capita disposable income equal the
/// [calibration targets](crate::calibration_targets) (up to rounding to whole
/// yuan).
///
/// # Errors
///
/// [`SynthError::NoHouseholds`], [`SynthError::TooFewHouseholds`],
/// [`SynthError::TooManyHouseholds`] and [`SynthError::YearsOutOfRange`].
pub fn sample(cfg: &SampleConfig) -> Result<Households, SynthError> {
    validate_years(&cfg.years)?;
    if cfg.households == 0 {
        return Err(SynthError::NoHouseholds);
    }
    let min = min_sample_households();
    if cfg.households < min {
        return Err(SynthError::TooFewHouseholds {
            requested: cfg.households,
            minimum: min,
        });
    }
    if cfg.households > MAX_SAMPLE_HOUSEHOLDS {
        return Err(SynthError::TooManyHouseholds {
            requested: cfg.households,
            maximum: MAX_SAMPLE_HOUSEHOLDS,
        });
    }
    let m = model();
    let alloc = allocate(cfg.households, &m.strata);

    let mut hhs: Vec<Hh> = Vec::with_capacity(cfg.households);
    let mut years: Vec<[HhYear; N_YEARS]> = Vec::with_capacity(cfg.households);
    let mut next_psu: u32 = 1;
    let c: [f64; 2] = [OMEGA.sqrt(), (1.0 - OMEGA).sqrt()];
    let innov = (1.0 - RHO * RHO).sqrt();
    for (h, (s, &n_h)) in m.strata.iter().zip(&alloc).enumerate() {
        let mut rng = Rng::from_keys(&[cfg.seed, SAMPLE_TAG, h as u64]);
        let n_psu = (n_h as f64 / PSU_SIZE as f64)
            .round()
            .max(MIN_PSUS as f64)
            .min((n_h / MIN_PER_PSU) as f64) as usize;
        let (base, rem) = (n_h / n_psu, n_h % n_psu);
        let first = hhs.len();
        let pop_households = s.person_share * PROVINCE_PERSONS as f64 * s.households_per_person;
        let d = pop_households / n_h as f64;
        for j in 0..n_psu {
            let psu = next_psu;
            next_psu += 1;
            let psu_adj = (PSU_WEIGHT_SD * rng.normal()).exp();
            let size = base + usize::from(j < rem);
            for i in 0..size {
                let comp = m.draw_composition(&mut rng, s.urban);
                let shares = draw_shares(&mut rng, s.urban);
                let perm = rng.normal();
                let mut e = rng.normal();
                let u_ws = rng.uniform();
                let hh_adj = (HH_WEIGHT_SD * rng.normal()).exp();
                let z0 = c[0] * perm + c[1] * e;
                let (low, ws) = flags(s, z0, u_ws);
                let hh = Hh {
                    stratum: h,
                    psu,
                    hh_id: u64::from(psu) * 1000 + i as u64 + 1,
                    comp,
                    weight: d * psu_adj * hh_adj,
                    low,
                    ws,
                    shares,
                };
                let yrs: [HhYear; N_YEARS] = std::array::from_fn(|k| {
                    let eta = rng.normal();
                    let u_loss = rng.uniform();
                    let f_loss = rng.range(R_LOSS.0, R_LOSS.1);
                    let special = draw_special(&mut rng);
                    if k > 0 {
                        e = RHO * e + innov * eta;
                    }
                    let z = c[0] * perm + c[1] * e;
                    HhYear {
                        level: household_level(m, s, k, comp, z, low, ws),
                        special,
                        loss: if hh.shares[1] > 0.0 && u_loss < P_LOSS {
                            f_loss
                        } else {
                            0.0
                        },
                    }
                });
                hhs.push(hh);
                years.push(yrs);
            }
        }
        // Scale the stratum's weights to its persons.
        let persons = s.person_share * PROVINCE_PERSONS as f64;
        let wp: f64 = hhs[first..]
            .iter()
            .map(|x| x.weight * f64::from(x.comp.size))
            .sum();
        let f = persons / wp;
        for x in &mut hhs[first..] {
            x.weight *= f;
        }
    }

    // Fine calibration per year and urban/rural.
    let mut scale = [[1.0f64; 2]; N_YEARS];
    for (k, sc) in scale.iter_mut().enumerate() {
        let mut num = [0.0; 2];
        let mut den = [0.0; 2];
        for (hh, y) in hhs.iter().zip(&years) {
            let u = m.strata[hh.stratum].urban as usize;
            num[u] += hh.weight * disposable_before_rounding(&y[k], y[k].level);
            den[u] += hh.weight * f64::from(hh.comp.size);
        }
        let t = &calibration_targets()[k];
        for u in 0..2 {
            let goal = if u == 1 { t.urban } else { t.rural };
            if num[u] > 0.0 {
                sc[u] = goal / (num[u] / den[u]);
            }
        }
    }

    let (first_year, last_year) = (*cfg.years.start(), *cfg.years.end());
    let n_years = usize::from(last_year - first_year + 1);
    let mut out = Households::with_capacity(hhs.len() * n_years);
    for year in first_year..=last_year {
        let k = (year - FIRST_YEAR) as usize;
        for (hh, y) in hhs.iter().zip(&years) {
            push_row(&mut out, m, hh, &y[k], year, k, scale[k]);
        }
    }
    Ok(out)
}

fn push_row(
    out: &mut Households,
    m: &Model,
    hh: &Hh,
    y: &HhYear,
    year: u16,
    k: usize,
    scale: [f64; 2],
) {
    let s = &m.strata[hh.stratum];
    let level = y.level * scale[s.urban as usize];
    // `+ 0.0` turns a negative zero into zero.
    let src = split(hh, y, level).map(|x| x + 0.0);
    let disposable = src[0] + src[1] + src[2] + src[3];
    let size = hh.comp.size;
    out.hh_id.push(hh.hh_id);
    out.year.push(year);
    out.city.push(s.city);
    out.county.push(s.code);
    out.urban.push(u8::from(s.urban));
    out.mountain.push(s.mountain[k]);
    out.stratum.push(s.label.clone());
    out.psu.push(hh.psu);
    out.hh_size.push(size);
    out.n_adults.push(size - hh.comp.children);
    out.n_children.push(hh.comp.children);
    out.weight.push(hh.weight);
    out.wage.push(src[0]);
    out.business.push(src[1]);
    out.property.push(src[2]);
    out.transfer.push(src[3]);
    out.disposable.push(disposable);
    out.pc_income.push(disposable / f64::from(size));
    out.pweight.push(hh.weight * f64::from(size));
    out.low_income.push(u8::from(hh.low));
    out.workshop.push(u8::from(hh.ws));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_has_minimum() {
        let m = model();
        for n in [min_sample_households(), 2_000, 30_000, 100_003] {
            let a = allocate(n, &m.strata);
            assert_eq!(a.iter().sum::<usize>(), n);
            assert!(a.iter().all(|&x| x >= 4));
        }
    }

    #[test]
    fn shares_sum_to_one() {
        let mut rng = Rng::from_keys(&[9]);
        for i in 0..10_000 {
            let sh = draw_shares(&mut rng, i % 2 == 0);
            assert!(sh.iter().all(|&x| x >= 0.0));
            assert!((sh.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn config_errors() {
        let bad = |cfg: SampleConfig| sample(&cfg).unwrap_err();
        assert!(matches!(
            bad(SampleConfig {
                households: 0,
                ..Default::default()
            }),
            SynthError::NoHouseholds
        ));
        assert!(matches!(
            bad(SampleConfig {
                households: 100,
                ..Default::default()
            }),
            SynthError::TooFewHouseholds { .. }
        ));
        assert!(matches!(
            bad(SampleConfig {
                households: MAX_SAMPLE_HOUSEHOLDS + 1,
                ..Default::default()
            }),
            SynthError::TooManyHouseholds { .. }
        ));
        #[allow(clippy::reversed_empty_ranges)]
        for years in [2019..=2022, 2020..=2026, 2023..=2021] {
            assert!(matches!(
                bad(SampleConfig {
                    years,
                    ..Default::default()
                }),
                SynthError::YearsOutOfRange { .. }
            ));
        }
    }
}
