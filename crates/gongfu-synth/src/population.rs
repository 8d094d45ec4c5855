//! Full population mode: a person register streamed in bounded memory.

use rayon::prelude::*;

use crate::SynthError;
use crate::model::{
    FIRST_YEAR, LAST_YEAR, Model, PROVINCE_PERSONS, Special, Stratum, corr, draw_special, flags,
    household_level, model, round_yuan,
};
use crate::rng::Rng;
use crate::sample::DEFAULT_SEED;

/// Persons per unit of work. Every stratum is cut into chunks of this many
/// persons (the last one shorter), each generated from its own random stream
/// keyed by (seed, stratum, chunk): the output does not depend on the number
/// of threads or on `batch_rows`.
pub const CHUNK_PERSONS: u64 = 1 << 16;

/// Largest population accepted.
pub const MAX_PERSONS: u64 = 100_000_000_000;

const POP_TAG: u64 = 0x504f_5055_4c41; // "POPULA"

/// Configuration of the population register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationConfig {
    /// Seed of the random streams.
    pub seed: u64,
    /// Total number of persons (rows); the register has exactly this many.
    pub persons: u64,
    /// Year of the incomes (2020..=2025).
    pub year: u16,
    /// Maximum rows per batch handed to the sink (see [`population`]).
    pub batch_rows: usize,
}

impl Default for PopulationConfig {
    fn default() -> Self {
        PopulationConfig {
            seed: DEFAULT_SEED,
            persons: PROVINCE_PERSONS,
            year: 2022,
            batch_rows: 1 << 20,
        }
    }
}

/// A batch of person rows (one row per person). Households are never split
/// across batches; rows are ordered by stratum (county in code order, urban
/// before rural), then household.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonBatch {
    /// Person id: 1, 2, … in register order.
    pub person_id: Vec<u64>,
    /// Household id: 1, 2, … in register order.
    pub hh_id: Vec<u64>,
    /// City code.
    pub city: Vec<&'static str>,
    /// County code.
    pub county: Vec<&'static str>,
    /// 1 = urban, 0 = rural.
    pub urban: Vec<u8>,
    /// 1 if the county is a member of `mountain26` in the configured year.
    pub mountain: Vec<u8>,
    /// Size of the person's household.
    pub hh_size: Vec<u8>,
    /// Household disposable income (whole yuan).
    pub hh_income: Vec<f64>,
    /// Per-capita disposable income, `hh_income / hh_size`.
    pub pc_income: Vec<f64>,
    /// 1 = registered low-income household.
    pub low_income: Vec<u8>,
    /// 1 = co-prosperity workshop participant household.
    pub workshop: Vec<u8>,
}

impl PersonBatch {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.person_id.len()
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.person_id.is_empty()
    }

    fn with_capacity(n: usize) -> Self {
        PersonBatch {
            person_id: Vec::with_capacity(n),
            hh_id: Vec::with_capacity(n),
            city: Vec::with_capacity(n),
            county: Vec::with_capacity(n),
            urban: Vec::with_capacity(n),
            mountain: Vec::with_capacity(n),
            hh_size: Vec::with_capacity(n),
            hh_income: Vec::with_capacity(n),
            pc_income: Vec::with_capacity(n),
            low_income: Vec::with_capacity(n),
            workshop: Vec::with_capacity(n),
        }
    }
}

/// Error of [`population`]: an invalid configuration, or the sink's own
/// error (generation stops at the first one).
#[derive(Debug, thiserror::Error)]
pub enum PopulationError<E> {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] SynthError),
    /// The sink returned an error.
    #[error("population sink failed: {0}")]
    Sink(E),
}

/// One unit of work.
#[derive(Debug, Clone, Copy)]
struct Unit {
    stratum: usize,
    chunk: u64,
    persons: u32,
}

/// The generated rows of one unit (person-level columns that vary).
#[derive(Debug, Default)]
struct Chunk {
    stratum: usize,
    /// Household index within the chunk, per person.
    hh_local: Vec<u32>,
    /// Row where each household starts, plus the end.
    hh_start: Vec<u32>,
    hh_size: Vec<u8>,
    hh_income: Vec<f64>,
    pc_income: Vec<f64>,
    low_income: Vec<u8>,
    workshop: Vec<u8>,
}

/// Splits `total` persons over the strata (largest remainders; exact sum).
fn stratum_persons(total: u64, m: &Model) -> Vec<u64> {
    let quotas: Vec<f64> = m
        .strata
        .iter()
        .map(|s| total as f64 * s.person_share)
        .collect();
    let mut alloc: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let given: u64 = alloc.iter().sum();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|&i, &j| {
        let (fi, fj) = (quotas[i] - quotas[i].floor(), quotas[j] - quotas[j].floor());
        fj.total_cmp(&fi).then(i.cmp(&j))
    });
    // `given` can differ from `total` by at most the number of strata (plus
    // float error on huge totals): adjust one person at a time.
    if given <= total {
        for &i in order.iter().cycle().take((total - given) as usize) {
            alloc[i] += 1;
        }
    } else {
        let mut excess = given - total;
        for &i in order.iter().rev().cycle() {
            if excess == 0 {
                break;
            }
            if alloc[i] > 0 {
                alloc[i] -= 1;
                excess -= 1;
            }
        }
    }
    alloc
}

fn gen_chunk(m: &Model, seed: u64, k: usize, unit: Unit) -> Chunk {
    let s: &Stratum = &m.strata[unit.stratum];
    let mut rng = Rng::from_keys(&[seed, POP_TAG, unit.stratum as u64, unit.chunk]);
    let n = unit.persons as usize;
    let mut c = Chunk {
        stratum: unit.stratum,
        hh_local: Vec::with_capacity(n),
        hh_start: Vec::with_capacity(n / 2 + 2),
        hh_size: Vec::with_capacity(n),
        hh_income: Vec::with_capacity(n),
        pc_income: Vec::with_capacity(n),
        low_income: Vec::with_capacity(n),
        workshop: Vec::with_capacity(n),
    };
    let ck = corr(k);
    let innov = (1.0 - ck * ck).max(0.0).sqrt();
    let mut filled = 0usize;
    let mut hh = 0u32;
    while filled < n {
        let remaining = (n - filled).min(6) as u8;
        let comp = Model::truncate(m.draw_composition(&mut rng, s.urban), remaining);
        let z0 = rng.normal();
        let eta = rng.normal();
        let u_ws = rng.uniform();
        let special = draw_special(&mut rng);
        let (low, ws) = flags(s, z0, u_ws);
        let level = household_level(m, s, k, comp, ck * z0 + innov * eta, low, ws);
        let income = match special {
            Special::None => round_yuan(level),
            Special::Zero => 0.0,
            Special::Negative(f) => -round_yuan(f * level),
        };
        let size = comp.size as usize;
        let pc = income / f64::from(comp.size);
        c.hh_start.push(filled as u32);
        c.hh_local.extend(std::iter::repeat_n(hh, size));
        c.hh_size.extend(std::iter::repeat_n(comp.size, size));
        c.hh_income.extend(std::iter::repeat_n(income, size));
        c.pc_income.extend(std::iter::repeat_n(pc, size));
        c.low_income
            .extend(std::iter::repeat_n(u8::from(low), size));
        c.workshop.extend(std::iter::repeat_n(u8::from(ws), size));
        filled += size;
        hh += 1;
    }
    c.hh_start.push(filled as u32);
    c
}

/// Rows to preallocate for a batch (bounded, the vectors grow if needed).
fn batch_capacity(batch_rows: usize, left: u64) -> usize {
    let cap = usize::try_from(left).unwrap_or(usize::MAX);
    batch_rows.min(cap).min(1 << 22)
}

/// The sequential emitter: cuts chunks into batches of whole households and
/// assigns person and household ids.
struct Emitter<'a, F> {
    m: &'a Model,
    k: usize,
    batch_rows: usize,
    persons: u64,
    next_person: u64,
    next_hh: u64,
    batch: PersonBatch,
    sink: F,
}

impl<F, E> Emitter<'_, F>
where
    F: FnMut(PersonBatch) -> Result<(), E>,
{
    fn flush(&mut self) -> Result<(), E> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let left = self.persons + 1 - self.next_person;
        let fresh = PersonBatch::with_capacity(batch_capacity(self.batch_rows, left));
        let full = std::mem::replace(&mut self.batch, fresh);
        (self.sink)(full)
    }

    fn emit(&mut self, c: &Chunk) -> Result<(), E> {
        let s = &self.m.strata[c.stratum];
        let n_hh = c.hh_start.len() - 1;
        let mut h = 0usize;
        while h < n_hh {
            let cap = self.batch_rows.saturating_sub(self.batch.len());
            let row0 = c.hh_start[h] as usize;
            // Largest household boundary e with rows(h..e) <= cap.
            let limit = row0.saturating_add(cap);
            let mut e = h + c.hh_start[h + 1..].partition_point(|&r| r as usize <= limit);
            if e == h {
                if self.batch.is_empty() {
                    e = h + 1; // a household larger than a batch goes alone
                } else {
                    self.flush()?;
                    continue;
                }
            }
            let (r0, r1) = (row0, c.hh_start[e] as usize);
            let n = r1 - r0;
            let b = &mut self.batch;
            b.person_id
                .extend(self.next_person..self.next_person + n as u64);
            let hh_base = self.next_hh - u64::from(c.hh_local[r0]);
            b.hh_id
                .extend(c.hh_local[r0..r1].iter().map(|&l| hh_base + u64::from(l)));
            b.city.extend(std::iter::repeat_n(s.city, n));
            b.county.extend(std::iter::repeat_n(s.code, n));
            b.urban.extend(std::iter::repeat_n(u8::from(s.urban), n));
            b.mountain
                .extend(std::iter::repeat_n(s.mountain[self.k], n));
            b.hh_size.extend_from_slice(&c.hh_size[r0..r1]);
            b.hh_income.extend_from_slice(&c.hh_income[r0..r1]);
            b.pc_income.extend_from_slice(&c.pc_income[r0..r1]);
            b.low_income.extend_from_slice(&c.low_income[r0..r1]);
            b.workshop.extend_from_slice(&c.workshop[r0..r1]);
            self.next_person += n as u64;
            self.next_hh += (e - h) as u64;
            h = e;
            if self.batch.len() >= self.batch_rows {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// Generates the person register of the province for one year and hands it
/// to `sink` in batches, in a fixed order.
///
/// * Exactly `cfg.persons` rows are produced. The persons are split over the
///   177 county × urban/rural strata in proportion to their populations;
///   each stratum is filled with households drawn from the same model as the
///   survey sample (the household that would overflow a chunk of
///   [`CHUNK_PERSONS`] persons is truncated to fit).
/// * Batches hold at most `cfg.batch_rows` rows (a single household larger
///   than that goes alone) and never split a household.
/// * Memory stays bounded: at most two waves of
///   `max(batch_rows / CHUNK_PERSONS, 2 × threads)` chunks and one batch are
///   held at a time.
/// * Chunks are generated in parallel on the current rayon pool (use
///   `ThreadPool::install` to choose one), while the calling thread emits the
///   previous wave to the sink; the output is identical whatever the number
///   of threads or the batch size. The sink always runs on the calling
///   thread, so it need not be `Send`.
/// * Incomes use the model's analytic calibration (no sample rescaling): the
///   person-weighted urban and rural means match the targets in expectation,
///   within sampling noise (well under 0.1% for the full province).
///
/// # Errors
///
/// [`PopulationError::Config`] for an invalid configuration (no persons, more
/// than [`MAX_PERSONS`], a year outside 2020..=2025, `batch_rows == 0`);
/// [`PopulationError::Sink`] with the first error the sink returns, after
/// which nothing more is generated.
pub fn population<E, F>(cfg: &PopulationConfig, sink: F) -> Result<(), PopulationError<E>>
where
    F: FnMut(PersonBatch) -> Result<(), E>,
{
    if cfg.persons == 0 {
        return Err(SynthError::NoPersons.into());
    }
    if cfg.persons > MAX_PERSONS {
        return Err(SynthError::TooManyPersons {
            requested: cfg.persons,
            maximum: MAX_PERSONS,
        }
        .into());
    }
    if !(FIRST_YEAR..=LAST_YEAR).contains(&cfg.year) {
        return Err(SynthError::YearsOutOfRange {
            start: cfg.year,
            end: cfg.year,
            first: FIRST_YEAR,
            last: LAST_YEAR,
        }
        .into());
    }
    if cfg.batch_rows == 0 {
        return Err(SynthError::ZeroBatchRows.into());
    }
    let m = model();
    let k = (cfg.year - FIRST_YEAR) as usize;
    let alloc = stratum_persons(cfg.persons, m);
    let mut units = alloc.iter().enumerate().flat_map(|(stratum, &p)| {
        let n_chunks = p.div_ceil(CHUNK_PERSONS);
        (0..n_chunks).map(move |chunk| Unit {
            stratum,
            chunk,
            persons: (p - chunk * CHUNK_PERSONS).min(CHUNK_PERSONS) as u32,
        })
    });
    let wave_len = (cfg.batch_rows as u64)
        .div_ceil(CHUNK_PERSONS)
        .max(2 * rayon::current_num_threads() as u64)
        .max(1) as usize;
    let seed = cfg.seed;
    let gen_wave =
        |w: &[Unit]| -> Vec<Chunk> { w.par_iter().map(|&u| gen_chunk(m, seed, k, u)).collect() };
    let mut emitter = Emitter {
        m,
        k,
        batch_rows: cfg.batch_rows,
        persons: cfg.persons,
        next_person: 1,
        next_hh: 1,
        batch: PersonBatch::with_capacity(batch_capacity(cfg.batch_rows, cfg.persons)),
        sink,
    };
    let first: Vec<Unit> = units.by_ref().take(wave_len).collect();
    let mut current = gen_wave(&first);
    while !current.is_empty() {
        let next_units: Vec<Unit> = units.by_ref().take(wave_len).collect();
        let mut next: Vec<Chunk> = Vec::new();
        let result = rayon::in_place_scope(|scope| {
            if !next_units.is_empty() {
                let next = &mut next;
                let next_units = &next_units;
                let gen_wave = &gen_wave;
                scope.spawn(move |_| *next = gen_wave(next_units));
            }
            current.iter().try_for_each(|c| emitter.emit(c))
        });
        result.map_err(PopulationError::Sink)?;
        current = next;
    }
    emitter.flush().map_err(PopulationError::Sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratum_persons_exact() {
        let m = model();
        for total in [1u64, 7, 177, 1000, 200_000, 65_770_000, 12_345_678_901] {
            let a = stratum_persons(total, m);
            assert_eq!(a.iter().sum::<u64>(), total);
        }
    }

    #[test]
    fn batches_never_split_households() {
        let cfg = PopulationConfig {
            persons: 30_000,
            batch_rows: 1000,
            ..Default::default()
        };
        let mut total = 0usize;
        let mut last_hh = 0u64;
        population(&cfg, |b: PersonBatch| {
            assert!(b.len() <= 1000);
            // first row of a batch starts a new household
            assert!(b.hh_id[0] > last_hh);
            last_hh = *b.hh_id.last().unwrap();
            total += b.len();
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(total, 30_000);
    }

    #[test]
    fn tiny_batches_and_sink_errors() {
        let cfg = PopulationConfig {
            persons: 500,
            batch_rows: 1,
            ..Default::default()
        };
        let mut rows = 0;
        population(&cfg, |b: PersonBatch| {
            assert!(b.len() <= 6);
            assert!(b.hh_id.iter().all(|&h| h == b.hh_id[0]));
            rows += b.len();
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(rows, 500);
        let mut calls = 0;
        let err = population(&cfg, |_b: PersonBatch| {
            calls += 1;
            if calls == 3 { Err("full") } else { Ok(()) }
        })
        .unwrap_err();
        assert!(matches!(err, PopulationError::Sink("full")));
        assert_eq!(calls, 3);
        assert_eq!(err.to_string(), "population sink failed: full");
    }

    #[test]
    fn huge_batch_rows() {
        let cfg = PopulationConfig {
            persons: 1_000,
            batch_rows: usize::MAX,
            ..Default::default()
        };
        let mut calls = 0;
        population(&cfg, |b: PersonBatch| {
            calls += 1;
            assert_eq!(b.len(), 1_000);
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(calls, 1);
    }

    #[test]
    fn config_errors() {
        let run = |cfg: PopulationConfig| population(&cfg, |_b| Ok::<_, ()>(())).unwrap_err();
        for cfg in [
            PopulationConfig {
                persons: 0,
                ..Default::default()
            },
            PopulationConfig {
                year: 2019,
                ..Default::default()
            },
            PopulationConfig {
                batch_rows: 0,
                ..Default::default()
            },
            PopulationConfig {
                persons: MAX_PERSONS + 1,
                ..Default::default()
            },
        ] {
            assert!(matches!(run(cfg), PopulationError::Config(_)));
        }
    }
}
