//! The deterministic synthetic demo province of gongfu.
//!
//! A province modelled on Zhejiang (the reference case of the Common
//! Prosperity Demonstration Zone), built in memory from a seed: its regions,
//! a household survey panel for 2020–2025 and, for benchmarks, the full
//! person register. Nothing here reads or writes files, and no function
//! panics on any input: invalid configurations are [`SynthError`]s.
//!
//! * **Regions** ([`regions`], [`group_memberships`], [`pairings`]): the
//!   province, its 11 prefecture-level cities and 90 county-level units with
//!   real names and GB/T 2260 codes; the group `mountain26` (the 26
//!   mountainous counties, from 2021; two of them leave in 2025, a synthetic
//!   assumption) and 50 strong-county → mountainous-county pairings.
//! * **Survey sample** ([`sample`]): a stratified two-stage panel — strata
//!   county × urban/rural (`"330102-U"`), PSUs (communities/villages), about
//!   15 households per PSU, design weights with a mild non-response
//!   adjustment; the same households every year, incomes by source.
//! * **Population** ([`population`]): one row per person (65.77 million by
//!   default), streamed to a sink in batches, generated in parallel and
//!   identical whatever the number of threads.
//!
//! # Example
//!
//! ```
//! use gongfu_synth::{SampleConfig, sample};
//!
//! let h = sample(&SampleConfig {
//!     households: 2_000,
//!     years: 2022..=2022,
//!     ..Default::default()
//! })?;
//! assert_eq!(h.len(), 2_000);
//! // Person-weighted mean per-capita disposable income, urban and rural.
//! let mean = |urban: u8| {
//!     let (mut num, mut den) = (0.0, 0.0);
//!     for i in (0..h.len()).filter(|&i| h.urban[i] == urban) {
//!         num += h.pweight[i] * h.pc_income[i];
//!         den += h.pweight[i];
//!     }
//!     num / den
//! };
//! let ratio = mean(1) / mean(0);
//! assert!((ratio - 1.90).abs() < 0.01);
//! # Ok::<(), gongfu_synth::SynthError>(())
//! ```
//!
//! Streaming a (small) register:
//!
//! ```
//! use gongfu_synth::{PersonBatch, PopulationConfig, population};
//!
//! let cfg = PopulationConfig { persons: 100_000, ..Default::default() };
//! let mut rows = 0;
//! population(&cfg, |batch: PersonBatch| {
//!     rows += batch.len();
//!     Ok::<_, std::io::Error>(())
//! })?;
//! assert_eq!(rows, 100_000);
//! # Ok::<(), gongfu_synth::PopulationError<std::io::Error>>(())
//! ```
//!
//! # The model
//!
//! Everything below is **synthetic**: the region names, codes and the
//! `mountain26` list are real; the county populations are rounded
//! approximations of the 2020 census; the counties' urban shares and income
//! levels, the pairings, the 2025 membership change, all distributions and
//! every household are invented to look plausible and to reproduce the
//! published headline figures.
//!
//! **Strata.** Each county is split into an urban and a rural part (the
//! fully urban districts 上城, 拱墅 and 滨江 have no rural part): 177 strata.
//! Persons are shared over the strata by county population × urban share;
//! 67% of persons live in urban households (about 71% of households, rural
//! households being larger). That is below Zhejiang's 73% urbanisation rate
//! on purpose: with the published urban (71,268) and rural (37,565) means of
//! 2022, it is the urban share that reproduces the published all-residents
//! mean (60,302).
//!
//! **Households.** Size 1–6 (urban 18/32/27/14/6/3%, rural
//! 12/27/22/19/12/8%; 2.8 persons on average), 0–3 children under 14 given
//! the size (13% of persons), at least one adult. Household disposable
//! income in year *t* is
//!
//! `T = C_u(t) · k_cu(t) · s^0.85 · 0.9^children · exp(σ_u z_t − σ_u²/2) · m_low(t) · m_ws(t)`
//!
//! where `σ_u` is 0.50 (urban) or 0.46 (rural); `z_t = √0.6 p + √0.4 e_t` is
//! a standard normal income index with a permanent part `p` and an AR(1)
//! transitory part `e_t` (ρ = 0.5), so that incomes of the panel are
//! correlated (0.8 after one year, 0.61 after five) and regress towards the
//! stratum mean; `k_cu(t) = I_c^β_u` is the county effect from a county income
//! index `I_c` (0.68 for 景宁 … 1.40 for 滨江; β = 0.7 urban, 1.1 rural),
//! whose log gap to the province shrinks by 1.5% a year, plus 0.5% a year of
//! extra growth for the 26 mountainous counties; `C_u(t)` is the provincial
//! scale of urban or rural incomes (below).
//!
//! **Flags.** `low_income`: households whose baseline (2020) index is in the
//! bottom 14% of rural mountainous strata, 6% of other rural strata, 3% of
//! urban mountainous and 1.5% of other urban strata (about 3.7% of
//! households, three quarters of them rural or mountainous); their incomes
//! grow 4% a year faster (`m_low = 1.04^(t−2020)`). `workshop`: rural
//! households of the 26 counties below the stratum median, with probability
//! 6% (about 2.7% of those counties' rural households); 6% a year faster from
//! 2022 (`m_ws = 1.06^(t−2021)`). Flags are fixed for a household across
//! years.
//!
//! **Zero and negative incomes.** Each year 0.05% of households have no
//! income at all and 0.05% a negative disposable income (a business loss of
//! 2–30% of `T`).
//!
//! **Income sources** (sample only). Each household has fixed source shares:
//! no wage income with probability 11% (urban) / 14% (rural), these get
//! 50–100% of their income as transfers; business income with probability
//! 25% / 45% (halved without wages); property income 75% / 45%; transfers for
//! all but 15% / 8% of wage earners. Raw shares are uniform on fixed ranges
//! and normalised to 1, which gives income structures (2022, default
//! sample) of 61% wages, 9% business, 13% property and 17% transfers
//! (urban) and 61%, 15%, 2% and 22% (rural). Each year 3% of business households report a business
//! loss of 2–25% of `T`, compensated by their other sources, so that their
//! disposable income is unchanged. Every source is rounded to whole yuan and
//! `disposable` is the sum of the rounded sources.
//!
//! **Calibration.** The expected person-weighted per-capita income of every
//! stratum has a closed form (normal integrals over the flags' selection on
//! the baseline index), so `C_u(t)` is solved exactly for the targets of
//! [`calibration_targets`]: urban/rural means 62,699/31,930 (2020),
//! 68,487/35,247 (2021), 71,268/37,565 (2022), 74,997/40,311 (2023) —
//! Zhejiang's published figures — and the synthetic 78,420/42,850 (2024,
//! ratio 1.83) and 81,910/45,510 (2025, ratio 1.80). The population uses
//! this calibration as is (it hits the targets within sampling noise); the
//! sample is further rescaled per year and urban/rural so that its weighted
//! means equal the targets up to rounding.
//!
//! Measured on the default sample (seed [`DEFAULT_SEED`], 30,000 households;
//! person-weighted per-capita disposable income; mountain = the 26 counties
//! relative to the province; middle = share of households with disposable
//! income 100k–500k; Gini of per-capita income, Eurostat form):
//!
//! | year | urban | rural | all | ratio | mountain | middle | Gini |
//! |------|-------|-------|-----|-------|----------|--------|------|
//! | 2020 | 62,699 | 31,930 | 52,563 | 1.964 | 0.711 | 0.592 | 0.328 |
//! | 2021 | 68,487 | 35,247 | 57,537 | 1.943 | 0.713 | 0.634 | 0.327 |
//! | 2022 | 71,268 | 37,565 | 60,165 | 1.897 | 0.724 | 0.658 | 0.322 |
//! | 2023 | 74,997 | 40,311 | 63,570 | 1.860 | 0.727 | 0.685 | 0.321 |
//! | 2024 | 78,420 | 42,850 | 66,702 | 1.830 | 0.737 | 0.705 | 0.319 |
//! | 2025 | 81,910 | 45,510 | 69,919 | 1.800 | 0.746 | 0.722 | 0.317 |
//!
//! The Gini target (0.30–0.35) is a guess: Zhejiang publishes no survey Gini
//! of per-capita income; the within-stratum dispersions were chosen to land
//! there. The weights add up to 65.77 million persons and about 23.4 million
//! households every year.
//!
//! # Determinism
//!
//! The random streams come from a generator in this crate (xoshiro256++
//! seeded by SplitMix64 from the seed and the stratum, chunk or household
//! position), so the output depends only on the configuration, not on
//! dependency versions, thread counts or batch sizes. It is bit-identical
//! on a given platform; the `exp`/`ln` of another platform's math library may
//! in rare cases move an income by one yuan.
#![deny(missing_docs)]

mod admin;
mod model;
mod population;
mod regions;
mod rng;
mod sample;

pub use admin::{AdminValue, SCHOOL_RESOURCES, School, admin_series, schools};
pub use model::{CalibrationTarget, FIRST_YEAR, LAST_YEAR, PROVINCE_PERSONS, calibration_targets};
pub use population::{
    CHUNK_PERSONS, MAX_PERSONS, PersonBatch, PopulationConfig, PopulationError, population,
};
pub use regions::{
    GroupMembership, Level, MOUNTAIN_GRADUATION_YEAR, MOUNTAIN_GROUP, MOUNTAIN_GROUP_FROM,
    PAIRING_FROM, PROVINCE_CODE, Pairing, Region, cities, counties, group_memberships, is_member,
    pairings, region, regions,
};
pub use sample::{
    DEFAULT_SEED, Households, MAX_SAMPLE_HOUSEHOLDS, MIN_PSUS, PSU_SIZE, SampleConfig,
    min_sample_households, n_strata, sample,
};

/// Invalid configurations of the generators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// `households` was 0.
    #[error("the sample needs at least one household (households = 0)")]
    NoHouseholds,
    /// Fewer households than the design needs.
    #[error(
        "{requested} households is too few for the design: at least {minimum} are needed (2 PSUs of 2 households in each stratum)"
    )]
    TooFewHouseholds {
        /// Households asked for.
        requested: usize,
        /// The smallest accepted number.
        minimum: usize,
    },
    /// More households than the in-memory sample allows.
    #[error(
        "{requested} households is more than the in-memory sample allows ({maximum}); use the population mode"
    )]
    TooManyHouseholds {
        /// Households asked for.
        requested: usize,
        /// The largest accepted number.
        maximum: usize,
    },
    /// Years outside the modelled range, or an empty range.
    #[error("years {start}..={end} are not a non-empty range within {first}..={last}")]
    YearsOutOfRange {
        /// First year asked for.
        start: u16,
        /// Last year asked for.
        end: u16,
        /// First modelled year.
        first: u16,
        /// Last modelled year.
        last: u16,
    },
    /// `persons` was 0.
    #[error("the population needs at least one person (persons = 0)")]
    NoPersons,
    /// More persons than allowed.
    #[error("{requested} persons is more than the population mode allows ({maximum})")]
    TooManyPersons {
        /// Persons asked for.
        requested: u64,
        /// The largest accepted number.
        maximum: u64,
    },
    /// `batch_rows` was 0.
    #[error("batch_rows must be at least 1")]
    ZeroBatchRows,
}
