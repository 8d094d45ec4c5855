//! The household income model shared by the survey sample and the full
//! population, and its analytic calibration.

use std::sync::OnceLock;

use crate::regions::{COUNTY_PARAMS, MOUNTAIN_GROUP, MOUNTAIN26, is_member};
use crate::rng::{Rng, norm_cdf, norm_inv};

/// First year modelled.
pub const FIRST_YEAR: u16 = 2020;
/// Last year modelled.
pub const LAST_YEAR: u16 = 2025;
pub(crate) const N_YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Resident population of the reference province (Zhejiang, 2022): the
/// persons the survey weights add up to and the default size of the
/// population register.
pub const PROVINCE_PERSONS: u64 = 65_770_000;

/// A calibration target: person-weighted mean per-capita disposable income of
/// urban and rural residents in one year (yuan).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationTarget {
    /// Year.
    pub year: u16,
    /// Urban residents' mean per-capita disposable income.
    pub urban: f64,
    /// Rural residents' mean per-capita disposable income.
    pub rural: f64,
    /// The published all-residents mean where one exists (2020–2023), for
    /// reference: the demo's all-residents mean follows from the urban and
    /// rural means and its urban population share.
    pub published_all: Option<f64>,
}

impl CalibrationTarget {
    /// Urban/rural ratio of the targets.
    pub fn ratio(&self) -> f64 {
        self.urban / self.rural
    }
}

/// Targets: Zhejiang's published figures for 2020–2023; 2024 and 2025 are
/// synthetic continuations (rural growth about 6.3% a year, ratio 1.83 and
/// 1.80).
static TARGETS: [CalibrationTarget; N_YEARS] = [
    CalibrationTarget {
        year: 2020,
        urban: 62_699.0,
        rural: 31_930.0,
        published_all: Some(52_397.0),
    },
    CalibrationTarget {
        year: 2021,
        urban: 68_487.0,
        rural: 35_247.0,
        published_all: Some(57_541.0),
    },
    CalibrationTarget {
        year: 2022,
        urban: 71_268.0,
        rural: 37_565.0,
        published_all: Some(60_302.0),
    },
    CalibrationTarget {
        year: 2023,
        urban: 74_997.0,
        rural: 40_311.0,
        published_all: Some(63_830.0),
    },
    CalibrationTarget {
        year: 2024,
        urban: 78_420.0,
        rural: 42_850.0,
        published_all: None,
    },
    CalibrationTarget {
        year: 2025,
        urban: 81_910.0,
        rural: 45_510.0,
        published_all: None,
    },
];

/// The per-year urban and rural calibration targets, 2020–2025.
pub fn calibration_targets() -> &'static [CalibrationTarget] {
    &TARGETS
}

// ---------------------------------------------------------------------------
// Parameters (index 0 = rural, 1 = urban).

/// Household size distribution (sizes 1..=6).
const SIZE_P: [[f64; 6]; 2] = [
    [0.12, 0.27, 0.22, 0.19, 0.12, 0.08],
    [0.18, 0.32, 0.27, 0.14, 0.06, 0.03],
];

/// Distribution of the number of children (under 14) given the size: rows
/// are sizes 1..=6, columns 0..=3 children.
const CHILD_P: [[f64; 4]; 6] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.92, 0.08, 0.0, 0.0],
    [0.55, 0.45, 0.0, 0.0],
    [0.35, 0.40, 0.25, 0.0],
    [0.30, 0.40, 0.25, 0.05],
    [0.30, 0.35, 0.25, 0.10],
];

/// Elasticity of household income with respect to household size.
pub(crate) const THETA: f64 = 0.85;
/// Income factor per child.
pub(crate) const CHILD_FACTOR: f64 = 0.90;
/// Dispersion (log scale) of household income within a stratum.
pub(crate) const SIGMA: [f64; 2] = [0.46, 0.50];
/// Share of the log-income variance that is permanent.
pub(crate) const OMEGA: f64 = 0.6;
/// Autocorrelation of the transitory log-income component.
pub(crate) const RHO: f64 = 0.5;
/// County income index elasticities (rural incomes vary more across
/// counties than urban ones).
const BETA: [f64; 2] = [1.1, 0.7];
/// Yearly convergence of the county log-income gap.
const CONVERGENCE: f64 = 0.015;
/// Extra yearly growth of the 26 mountainous counties.
const MOUNTAIN_CATCHUP: f64 = 0.005;

/// Probability of being a registered low-income household, by
/// [urban][mountain]: selected on the baseline (2020) income.
const P_LOW: [[f64; 2]; 2] = [[0.06, 0.14], [0.015, 0.03]];
/// Extra yearly growth of low-income households.
const LOW_GROWTH: f64 = 0.04;
/// Probability that a rural household of a mountainous county with a baseline
/// income below the stratum median takes part in a co-prosperity workshop.
pub(crate) const Q_WORKSHOP: f64 = 0.06;
/// Extra yearly growth of workshop households from [`WORKSHOP_FROM`].
const WORKSHOP_GROWTH: f64 = 0.06;
const WORKSHOP_FROM: u16 = 2021;

/// Probability per year that a household has zero income.
pub(crate) const P_ZERO: f64 = 0.0005;
/// Probability per year that a household has a negative disposable income
/// (a business loss larger than all other income).
pub(crate) const P_NEG: f64 = 0.0005;
/// Range of the negative income as a fraction of the household's level.
pub(crate) const NEG_FRAC: (f64, f64) = (0.02, 0.30);

/// Factor on the mean from the zero/negative households.
fn special_factor() -> f64 {
    1.0 - P_ZERO - P_NEG * (1.0 + 0.5 * (NEG_FRAC.0 + NEG_FRAC.1))
}

/// Correlation of the log-income index between the baseline and `k` years
/// later.
pub(crate) fn corr(k: usize) -> f64 {
    OMEGA + (1.0 - OMEGA) * RHO.powi(k as i32)
}

// ---------------------------------------------------------------------------

/// One stratum of the province: a county's urban or rural part.
#[derive(Debug, Clone)]
pub(crate) struct Stratum {
    pub urban: bool,
    pub code: &'static str,
    pub city: &'static str,
    pub label: String,
    /// Share of the province's persons.
    pub person_share: f64,
    /// Expected number of households per person.
    pub households_per_person: f64,
    /// `mountain` flag by year (membership of `mountain26` that year).
    pub mountain: [u8; N_YEARS],
    /// Threshold of the baseline index below which a household is low-income.
    pub low_z: f64,
    /// Workshop probability below the median (0 outside rural mountain strata).
    pub q_ws: f64,
    /// Expected income level `C_u(t) k_{c,u}(t)` by year (yuan per household
    /// per unit size factor), i.e. the calibrated scale of the stratum.
    pub level: [f64; N_YEARS],
    /// Model-expected person-weighted mean of per-capita income by year.
    pub expected_pc: [f64; N_YEARS],
}

/// Year multipliers of the flagged groups.
pub(crate) fn low_mult(k: usize) -> f64 {
    (1.0 + LOW_GROWTH).powi(k as i32)
}

pub(crate) fn ws_mult(k: usize) -> f64 {
    let year = FIRST_YEAR + k as u16;
    (1.0 + WORKSHOP_GROWTH).powi(year.saturating_sub(WORKSHOP_FROM) as i32)
}

/// The model: strata and calibrated levels.
#[derive(Debug)]
pub(crate) struct Model {
    pub strata: Vec<Stratum>,
    /// Size factor `s^θ · CHILD_FACTOR^k` by [size][children].
    pub size_factor: [[f64; 4]; 7],
    /// Cumulative size distributions by urban.
    size_cum: [[f64; 6]; 2],
    /// Cumulative children distributions by size-1.
    child_cum: [[f64; 4]; 6],
}

static MODEL: OnceLock<Model> = OnceLock::new();

/// The (lazily built, immutable) model.
pub(crate) fn model() -> &'static Model {
    MODEL.get_or_init(build_model)
}

fn cumulate<const N: usize>(p: &[f64; N]) -> [f64; N] {
    let mut c = [0.0; N];
    let mut acc = 0.0;
    for i in 0..N {
        acc += p[i];
        c[i] = acc;
    }
    c[N - 1] = 1.0;
    c
}

fn build_model() -> Model {
    let mut size_factor = [[0.0; 4]; 7];
    for (s, row) in size_factor.iter_mut().enumerate().skip(1) {
        for (k, v) in row.iter_mut().enumerate() {
            *v = (s as f64).powf(THETA) * CHILD_FACTOR.powi(k as i32);
        }
    }
    let size_cum = [cumulate(&SIZE_P[0]), cumulate(&SIZE_P[1])];
    let child_cum: [[f64; 4]; 6] = std::array::from_fn(|i| cumulate(&CHILD_P[i]));
    let mut mean_size = [0.0; 2];
    // E[size factor] / E[size] per urban.
    let mut sf_per_person = [0.0; 2];
    for u in 0..2 {
        let (mut es, mut esf) = (0.0, 0.0);
        for s in 1..=6 {
            let ps = SIZE_P[u][s - 1];
            es += ps * s as f64;
            for k in 0..4 {
                esf += ps * CHILD_P[s - 1][k] * size_factor[s][k];
            }
        }
        mean_size[u] = es;
        sf_per_person[u] = esf / es;
    }

    let total_pop: f64 = COUNTY_PARAMS.iter().map(|c| c.pop_wan).sum();
    let mut strata = Vec::with_capacity(2 * COUNTY_PARAMS.len());
    for c in COUNTY_PARAMS.iter() {
        let in26 = MOUNTAIN26.contains(&c.code);
        for urban in [true, false] {
            let share_u = if urban {
                c.urban_share
            } else {
                1.0 - c.urban_share
            };
            if share_u <= 0.0 {
                continue;
            }
            let u = urban as usize;
            let sigma = SIGMA[u];
            let p_low = P_LOW[u][in26 as usize];
            let low_z = norm_inv(p_low);
            let q_ws = if !urban && in26 { Q_WORKSHOP } else { 0.0 };
            let mut level = [0.0; N_YEARS];
            let mut expected_pc = [0.0; N_YEARS];
            let mut mountain = [0u8; N_YEARS];
            for k in 0..N_YEARS {
                let year = FIRST_YEAR + k as u16;
                mountain[k] = is_member(MOUNTAIN_GROUP, c.code, year) as u8;
                let log_k = BETA[u] * c.income_index.ln() * (1.0 - CONVERGENCE).powi(k as i32)
                    + if in26 {
                        MOUNTAIN_CATCHUP * k as f64
                    } else {
                        0.0
                    };
                level[k] = log_k.exp();
                // Flag factor E[exp(σ z_t − σ²/2) m(flags)].
                let ck = corr(k);
                let a = norm_cdf(low_z - sigma * ck);
                let b = norm_cdf(-sigma * ck);
                let (ml, mw) = (low_mult(k), ws_mult(k));
                let flag = (1.0 - a - q_ws * (b - a))
                    + a * (1.0 - q_ws) * ml
                    + a * q_ws * ml * mw
                    + q_ws * (b - a) * mw;
                // Expected per-capita mean before the provincial scale.
                expected_pc[k] = level[k] * flag * sf_per_person[u] * special_factor();
            }
            strata.push(Stratum {
                urban,
                code: c.code,
                city: c.city,
                label: format!("{}-{}", c.code, if urban { "U" } else { "R" }),
                person_share: c.pop_wan * share_u / total_pop,
                households_per_person: 1.0 / mean_size[u],
                mountain,
                low_z,
                q_ws,
                level,
                expected_pc,
            });
        }
    }
    // Provincial scale per year and urban/rural: hit the targets in
    // expectation.
    for (k, target) in TARGETS.iter().enumerate() {
        for urban in [false, true] {
            let (mut num, mut den) = (0.0, 0.0);
            for s in strata.iter().filter(|s| s.urban == urban) {
                num += s.person_share * s.expected_pc[k];
                den += s.person_share;
            }
            let goal = if urban { target.urban } else { target.rural };
            let scale = goal / (num / den);
            for s in strata.iter_mut().filter(|s| s.urban == urban) {
                s.level[k] *= scale;
                s.expected_pc[k] *= scale;
            }
        }
    }
    Model {
        strata,
        size_factor,
        size_cum,
        child_cum,
    }
}

/// The random composition and baseline of a household.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Composition {
    pub size: u8,
    pub children: u8,
}

impl Model {
    /// Draws a household size and its number of children.
    #[inline]
    pub(crate) fn draw_composition(&self, rng: &mut Rng, urban: bool) -> Composition {
        let u = rng.uniform();
        let cum = &self.size_cum[urban as usize];
        let mut size = 6u8;
        for (i, &c) in cum.iter().enumerate() {
            if u < c {
                size = i as u8 + 1;
                break;
            }
        }
        let v = rng.uniform();
        let cc = &self.child_cum[size as usize - 1];
        let mut children = 0u8;
        for (i, &c) in cc.iter().enumerate() {
            if v < c {
                children = i as u8;
                break;
            }
        }
        Composition { size, children }
    }

    /// Truncates a composition to `max_size` persons (keeping at least one
    /// adult).
    #[inline]
    pub(crate) fn truncate(c: Composition, max_size: u8) -> Composition {
        if c.size <= max_size {
            return c;
        }
        let children = c.children.min(max_size.saturating_sub(1));
        Composition {
            size: max_size,
            children,
        }
    }
}

/// Rounds to whole yuan, half away from zero (a branch-free equivalent of
/// `f64::round` for the magnitudes of incomes, |x| < 2^52).
#[inline]
pub(crate) fn round_yuan(x: f64) -> f64 {
    let r = (x.abs() + 0.5) as i64 as f64;
    r.copysign(x)
}

/// Zero/negative income event of a household-year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Special {
    None,
    Zero,
    /// Negative disposable income `-frac × level`.
    Negative(f64),
}

/// Draws the special event (always two uniforms).
#[inline]
pub(crate) fn draw_special(rng: &mut Rng) -> Special {
    let u = rng.uniform();
    let f = rng.range(NEG_FRAC.0, NEG_FRAC.1);
    if u < P_ZERO {
        Special::Zero
    } else if u < P_ZERO + P_NEG {
        Special::Negative(f)
    } else {
        Special::None
    }
}

/// Flags of a household from its baseline index and one uniform.
#[inline]
pub(crate) fn flags(s: &Stratum, z0: f64, u_ws: f64) -> (bool, bool) {
    (z0 < s.low_z, z0 < 0.0 && u_ws < s.q_ws)
}

/// Household disposable income (before rounding) of a household in year
/// index `k` given its baseline and current index.
#[inline]
pub(crate) fn household_level(
    m: &Model,
    s: &Stratum,
    k: usize,
    comp: Composition,
    z_t: f64,
    low: bool,
    ws: bool,
) -> f64 {
    let sigma = SIGMA[s.urban as usize];
    let mut x = s.level[k]
        * m.size_factor[comp.size as usize][comp.children as usize]
        * (sigma * z_t - 0.5 * sigma * sigma).exp();
    if low {
        x *= low_mult(k);
    }
    if ws {
        x *= ws_mult(k);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_builds_and_hits_targets_in_expectation() {
        let m = model();
        assert_eq!(m.strata.len(), 90 * 2 - 3);
        let total: f64 = m.strata.iter().map(|s| s.person_share).sum();
        assert!((total - 1.0).abs() < 1e-12);
        for (k, t) in TARGETS.iter().enumerate() {
            for urban in [false, true] {
                let (mut num, mut den) = (0.0, 0.0);
                for s in m.strata.iter().filter(|s| s.urban == urban) {
                    num += s.person_share * s.expected_pc[k];
                    den += s.person_share;
                }
                let goal = if urban { t.urban } else { t.rural };
                assert!((num / den / goal - 1.0).abs() < 1e-12);
            }
        }
        let hpp = |urban| {
            m.strata
                .iter()
                .find(|s| s.urban == urban)
                .map(|s| s.households_per_person)
                .unwrap()
        };
        // rural households are larger
        assert!(hpp(false) < hpp(true));
    }

    #[test]
    fn rounding_matches_std() {
        for x in [
            0.0, 0.4, 0.5, 1.5, 2.5, -0.5, -1.49, -2.5, 12_345.678, -98_765.5,
        ] {
            assert_eq!(round_yuan(x), f64::round(x), "{x}");
        }
    }
}
