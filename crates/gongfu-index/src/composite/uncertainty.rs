//! Uncertainty of ranks: Monte Carlo over weights and methods (Saisana,
//! Saltelli & Tarantola 2005; COINr `get_sensitivity`).

use std::rc::Rc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::aggregate::{self, Inputs, Levels};
use super::normalise::NormParams;
use super::stats::{quantile_of, quantile_sorted, rank_into};
use super::{Data, Normalisation, Pipeline, Uncertainty, build, prepare};
use crate::IndexError;

/// The distribution of one unit's rank over the Monte Carlo draws.
///
/// Percentiles are Hyndman–Fan type 7 (R's default `quantile`): with the
/// draws' ranks sorted, `h = (N − 1)p` and linear interpolation between the
/// ranks at `⌊h⌋` and `⌊h⌋ + 1` (0-based), so they need not be integers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankBand {
    /// Unit name.
    pub unit: String,
    /// Rank under the pipeline as configured ([`super::build`]).
    pub nominal: usize,
    /// Median rank over the draws.
    pub median: f64,
    /// 5th percentile of the rank (the better end of the band).
    pub p05: f64,
    /// 95th percentile of the rank (the worse end of the band).
    pub p95: f64,
    /// Mean over the draws of `|rank − nominal rank|`.
    pub mean_abs_shift: f64,
}

/// Normalised columns for one (imputation, normalisation, parameters) choice.
struct Prepared {
    cols: Vec<Vec<Option<f64>>>,
    has_non_positive: bool,
}

fn or_pipeline<T: Copy>(list: &[T], own: T) -> Vec<T> {
    if list.is_empty() {
        vec![own]
    } else {
        list.to_vec()
    }
}

/// Monte Carlo analysis of the ranks under perturbed weights and alternative
/// imputations, normalisations and aggregations (see [`Uncertainty`] for what
/// a draw does), reproducible from the seed. Returns one [`RankBand`] per
/// unit, in data order.
///
/// With `weight_noise = 0` and single-method lists equal to the pipeline's
/// own (or empty), every draw reproduces the nominal ranks exactly.
///
/// Errors: those of [`build`] for the nominal pipeline, invalid settings, and
/// any draw that fails (for example a geometric mean over goalposts that clamp
/// a value to 0), naming the draw's methods.
pub fn rank_uncertainty(
    data: &Data,
    pipeline: &Pipeline,
    spec: &Uncertainty,
) -> Result<Vec<RankBand>, IndexError> {
    spec.validate()?;
    let nominal = build(data, pipeline)?;
    let st = data.structure();
    let n = data.units.len();
    let m = data.indicators.len();
    let imps = or_pipeline(&spec.imputations, pipeline.imputation);
    let norms = or_pipeline(&spec.normalisations, pipeline.normalisation);
    for &how in &norms {
        pipeline.check_references(how, data)?;
    }
    let levels: Vec<Levels> = if spec.aggregations.is_empty() {
        vec![pipeline.levels()]
    } else {
        spec.aggregations
            .iter()
            .map(|&a| Levels {
                pillar: a,
                index: a,
            })
            .collect()
    };
    let own = pipeline.params();
    let positive = NormParams {
        min_max: spec.positive_min_max_range,
        z_score: spec.positive_z_score,
        scale: pipeline.scale,
    };
    // Lazily filled: [imputation][normalisation][own params, positive params].
    let mut cache: Vec<Option<Rc<Prepared>>> = vec![None; imps.len() * norms.len() * 2];
    let mut get = |ii: usize, ni: usize, pos: bool| -> Result<Rc<Prepared>, IndexError> {
        let key = (ii * norms.len() + ni) * 2 + usize::from(pos);
        if let Some(p) = &cache[key] {
            return Ok(Rc::clone(p));
        }
        let params = if pos { &positive } else { &own };
        let (cols, _) = prepare(data, pipeline, imps[ii], norms[ni], params)?;
        let has_non_positive = cols.iter().flatten().flatten().any(|&x| !(x > 0.0));
        let p = Rc::new(Prepared {
            cols,
            has_non_positive,
        });
        cache[key] = Some(Rc::clone(&p));
        Ok(p)
    };

    let ids: Vec<String> = data.indicators.iter().map(|i| i.id.clone()).collect();
    let nominal_grp = if st.flat {
        vec![1.0]
    } else {
        nominal.weights.pillars.clone()
    };
    let nominal_ind = &nominal.weights.indicators;
    let mut w_ind = vec![0.0; m];
    let mut w_grp = vec![0.0; nominal_grp.len()];
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let draws = spec.draws;
    let noise = spec.weight_noise;
    let mut store = RankStore::new(n, draws);
    let mut scores = vec![0.0; n];
    let mut order = vec![0usize; n];
    let mut rank_buf = vec![0usize; n];
    let (mut items, mut tops) = (Vec::new(), Vec::new());
    for d in 0..draws {
        let ii = rng.random_range(0..imps.len());
        let ni = rng.random_range(0..norms.len());
        let li = rng.random_range(0..levels.len());
        for (w, &w0) in w_ind.iter_mut().zip(nominal_ind) {
            *w = if noise > 0.0 {
                w0 * rng.random_range(1.0 - noise..=1.0 + noise)
            } else {
                w0
            };
        }
        for (w, &w0) in w_grp.iter_mut().zip(&nominal_grp) {
            *w = if noise > 0.0 && !st.flat {
                w0 * rng.random_range(1.0 - noise..=1.0 + noise)
            } else {
                w0
            };
        }
        let lv = levels[li];
        let describe = |e: IndexError| {
            IndexError::Invalid(format!(
                "uncertainty draw {}: imputation {}, normalisation {}, aggregation {}/{}: {e}",
                d + 1,
                imps[ii].name(),
                norms[ni].name(),
                lv.pillar.name(),
                lv.index.name()
            ))
        };
        let mut prep = get(ii, ni, false).map_err(describe)?;
        if prep.has_non_positive
            && lv.need_positive(st.flat)
            && matches!(norms[ni], Normalisation::MinMax | Normalisation::ZScore)
        {
            prep = get(ii, ni, true).map_err(describe)?;
        }
        let inputs = Inputs {
            cols: &prep.cols,
            structure: &st,
            w_ind: &w_ind,
            w_grp: &w_grp,
            levels: lv,
            units: &data.units,
            ids: &ids,
        };
        aggregate::aggregate(&inputs, &mut scores, None, &mut items, &mut tops)
            .map_err(describe)?;
        let r = rank_into(&scores, &mut order, &mut rank_buf);
        for (i, &ri) in r.iter().enumerate() {
            store.record(i, d, ri);
        }
    }

    let mut buf = Vec::new();
    Ok((0..n)
        .map(|i| {
            let nominal = nominal.ranks[i];
            let s = store.summary(i, nominal, &mut buf);
            RankBand {
                unit: data.units[i].clone(),
                nominal,
                median: s[0],
                p05: s[1],
                p95: s[2],
                mean_abs_shift: s[3],
            }
        })
        .collect())
}

/// Every unit's rank in every draw, in `4·n·min(n, draws)` bytes: as drawn
/// when there are fewer draws than units, as counts per rank otherwise.
#[derive(Debug)]
enum RankStore {
    /// `ranks[unit * draws + draw]`.
    Draws { draws: usize, ranks: Vec<u32> },
    /// `counts[unit * n + rank − 1]`, over `draws` draws.
    Counts {
        n: usize,
        draws: usize,
        counts: Vec<u32>,
    },
}

impl RankStore {
    fn new(n: usize, draws: usize) -> Self {
        if draws < n {
            Self::Draws {
                draws,
                ranks: vec![0; n * draws],
            }
        } else {
            Self::Counts {
                n,
                draws,
                counts: vec![0; n * n],
            }
        }
    }

    /// Records `rank` (1-based) of `unit` in `draw`.
    fn record(&mut self, unit: usize, draw: usize, rank: usize) {
        match self {
            Self::Draws { draws, ranks } => ranks[unit * *draws + draw] = rank as u32,
            Self::Counts { n, counts, .. } => counts[unit * *n + rank - 1] += 1,
        }
    }

    /// Median, 5th and 95th percentiles (type 7) and mean absolute shift from
    /// `nominal` of `unit`'s ranks.
    fn summary(&self, unit: usize, nominal: usize, buf: &mut Vec<f64>) -> [f64; 4] {
        let nom = nominal as f64;
        match self {
            Self::Draws { draws, ranks } => {
                buf.clear();
                buf.extend(
                    ranks[unit * draws..(unit + 1) * draws]
                        .iter()
                        .map(|&r| f64::from(r)),
                );
                buf.sort_by(f64::total_cmp);
                let shift = buf.iter().map(|r| (r - nom).abs()).sum::<f64>() / *draws as f64;
                let q = |p| quantile_sorted(buf, p);
                [q(0.5), q(0.05), q(0.95), shift]
            }
            Self::Counts { n, draws, counts } => {
                let row = &counts[unit * n..(unit + 1) * n];
                // The k-th smallest rank (0-based): the first rank whose
                // cumulative count exceeds k.
                let at = |k: usize| {
                    let mut seen = 0usize;
                    for (r, &c) in row.iter().enumerate() {
                        seen += c as usize;
                        if seen > k {
                            return (r + 1) as f64;
                        }
                    }
                    *n as f64
                };
                let shift = row
                    .iter()
                    .enumerate()
                    .map(|(r, &c)| f64::from(c) * ((r + 1) as f64 - nom).abs())
                    .sum::<f64>()
                    / *draws as f64;
                let q = |p| quantile_of(*draws, p, at);
                [q(0.5), q(0.05), q(0.95), shift]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RankStore;

    #[test]
    fn both_stores_summarise_alike() {
        // Three units, seven draws of ranks (a permutation of 1..3 per draw).
        let draws = [
            [1, 2, 3],
            [2, 1, 3],
            [1, 3, 2],
            [3, 1, 2],
            [1, 2, 3],
            [2, 3, 1],
            [1, 2, 3],
        ];
        let mut few = RankStore::new(3, 7); // counts: 7 ≥ 3 draws
        let mut many = RankStore::new(8, 7); // as drawn: 7 < 8 units
        assert!(matches!(few, RankStore::Counts { .. }) && matches!(many, RankStore::Draws { .. }));
        for (d, ranks) in draws.iter().enumerate() {
            for (u, &r) in ranks.iter().enumerate() {
                few.record(u, d, r);
                many.record(u, d, r);
            }
        }
        let mut buf = Vec::new();
        for u in 0..3 {
            let a = few.summary(u, 1, &mut buf);
            let b = many.summary(u, 1, &mut buf);
            assert_eq!(a, b, "unit {u}");
        }
        // Unit 0's ranks sorted: 1 1 1 1 2 2 3. Median (h = 3): 1; p05
        // (h = 0.3): 1; p95 (h = 5.7): 2 + 0.7·(3 − 2) = 2.7; shift: (1 + 1 + 2)/7.
        let s = few.summary(0, 1, &mut buf);
        assert_eq!(s[0], 1.0);
        assert_eq!(s[1], 1.0);
        assert!((s[2] - 2.7).abs() < 1e-12);
        assert!((s[3] - 4.0 / 7.0).abs() < 1e-12);
    }
}
