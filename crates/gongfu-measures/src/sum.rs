//! Accurate, deterministic summation.
//!
//! Long sums use Neumaier's compensated summation. Large inputs are summed in
//! fixed-size chunks (possibly in parallel) whose partial sums are combined in
//! chunk order, so a result never depends on the number of threads.

use rayon::prelude::*;

/// Chunk length for parallel passes. Fixed, so results do not depend on threads.
pub const CHUNK: usize = 1 << 15;

/// Inputs at least this long are processed in parallel chunks.
pub const PAR_MIN: usize = 1 << 17;

/// A Neumaier compensated accumulator.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Acc {
    s: f64,
    c: f64,
}

impl Acc {
    /// Adds one term.
    #[inline(always)]
    pub fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }

    /// Merges another accumulator into this one.
    #[inline]
    pub fn merge(&mut self, other: Acc) {
        self.add(other.s);
        self.c += other.c;
    }

    /// The compensated sum.
    #[inline(always)]
    pub fn value(&self) -> f64 {
        self.s + self.c
    }
}

/// Σ f(i) for i in `0..n`, compensated; parallel over fixed chunks when `n` is large.
pub fn sum_by<F>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    sum_range(0, n, f)
}

/// Σ f(i) for i in `lo..hi`, compensated; parallel over fixed chunks when the range is large.
pub fn sum_range<F>(lo: usize, hi: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    if hi <= lo {
        return 0.0;
    }
    if hi - lo < PAR_MIN {
        let mut a = Acc::default();
        for i in lo..hi {
            a.add(f(i));
        }
        return a.value();
    }
    let nchunks = (hi - lo).div_ceil(CHUNK);
    let parts: Vec<Acc> = (0..nchunks)
        .into_par_iter()
        .map(|k| {
            let a0 = lo + k * CHUNK;
            let a1 = (a0 + CHUNK).min(hi);
            let mut a = Acc::default();
            for i in a0..a1 {
                a.add(f(i));
            }
            a
        })
        .collect();
    let mut total = Acc::default();
    for p in parts {
        total.merge(p);
    }
    total.value()
}

/// Several sums in one pass: Σ f(i) for `K` outputs.
pub fn sums_by<const K: usize, F>(lo: usize, hi: usize, f: F) -> [f64; K]
where
    F: Fn(usize) -> [f64; K] + Sync,
{
    let chunk = |a0: usize, a1: usize| {
        let mut a = [Acc::default(); K];
        for i in a0..a1 {
            let v = f(i);
            for k in 0..K {
                a[k].add(v[k]);
            }
        }
        a
    };
    let parts: Vec<[Acc; K]> = if hi <= lo {
        vec![]
    } else if hi - lo < PAR_MIN {
        vec![chunk(lo, hi)]
    } else {
        let nchunks = (hi - lo).div_ceil(CHUNK);
        (0..nchunks)
            .into_par_iter()
            .map(|k| {
                let a0 = lo + k * CHUNK;
                chunk(a0, (a0 + CHUNK).min(hi))
            })
            .collect()
    };
    let mut total = [Acc::default(); K];
    for p in parts {
        for k in 0..K {
            total[k].merge(p[k]);
        }
    }
    total.map(|a| a.value())
}

/// Inclusive compensated prefix sums of `v` (deterministic chunked algorithm).
pub fn prefix_sums(v: &[f64]) -> Vec<f64> {
    prefix_sums_of(v.len(), |i| v[i])
}

/// Inclusive compensated prefix sums of `f(0), f(1), …, f(n-1)`, without
/// materialising the terms (deterministic chunked algorithm).
pub fn prefix_sums_of<F>(n: usize, f: F) -> Vec<f64>
where
    F: Fn(usize) -> f64 + Sync,
{
    let v = |i: usize| f(i);
    let mut out = vec![0.0; n];
    if n < PAR_MIN {
        let mut a = Acc::default();
        for (i, o) in out.iter_mut().enumerate() {
            a.add(v(i));
            *o = a.value();
        }
        return out;
    }
    let nchunks = n.div_ceil(CHUNK);
    let totals: Vec<Acc> = (0..nchunks)
        .into_par_iter()
        .map(|k| {
            let mut a = Acc::default();
            for i in k * CHUNK..((k + 1) * CHUNK).min(n) {
                a.add(v(i));
            }
            a
        })
        .collect();
    let mut starts = Vec::with_capacity(totals.len());
    let mut run = Acc::default();
    for t in &totals {
        starts.push(run);
        run.merge(*t);
    }
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .zip(starts.par_iter())
        .for_each(|((k, o), s)| {
            let mut a = *s;
            for (j, oi) in o.iter_mut().enumerate() {
                a.add(v(k * CHUNK + j));
                *oi = a.value();
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_beats_naive() {
        let v = [1e16, 1.0, -1e16, 1.0];
        let mut a = Acc::default();
        for x in v {
            a.add(x);
        }
        assert_eq!(a.value(), 2.0);
        assert_eq!(sum_by(4, |i| v[i]), 2.0);
    }

    #[test]
    fn parallel_equals_itself_across_thread_counts() {
        let v: Vec<f64> = (0..300_000u64)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.1 + 1e-3)
            .collect();
        let pool1 = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let pool4 = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let a = pool1.install(|| (sum_by(v.len(), |i| v[i]), prefix_sums(&v)));
        let b = pool4.install(|| (sum_by(v.len(), |i| v[i]), prefix_sums(&v)));
        assert_eq!(a.0.to_bits(), b.0.to_bits());
        assert!(
            a.1.iter()
                .zip(&b.1)
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
        let exact: f64 = v.iter().sum();
        assert!((a.0 - exact).abs() < 1e-10 * exact);
        assert!((a.1[v.len() - 1] - a.0).abs() <= 1e-9 * a.0);
    }
}
