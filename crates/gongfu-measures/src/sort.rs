//! The one sort behind every distribution: records built from the input
//! columns and put in the canonical order — by value (IEEE total order), ties
//! by a record-specific rule — so that the result depends on neither the input
//! order nor the number of threads.
//!
//! Large inputs are sorted by value buckets (a most-significant-digit radix
//! pass): the value's bits, mapped so that unsigned order is the total order,
//! minus the smallest, give each record a bucket from their top
//! [`BUCKET_BITS`] bits; one counting pass per thread and one scattering pass
//! build the records directly in bucket order (no copy beyond the records
//! themselves), and the buckets, independent of one another, are sorted in
//! parallel — each by the next [`SUB_BITS`] bits, then comparison-sorted in
//! pieces that fit in cache. Floating-point bit patterns are close to
//! logarithmic, which suits incomes: buckets are narrow where the data are
//! dense. Any data are sorted correctly: a bucket that holds most of the
//! records (many equal values) is sorted with the parallel comparison sort.

use crate::sum::PAR_MIN;
use rayon::prelude::*;
use std::cmp::Ordering;

/// Bits of the first (bucket) digit: at most 4,096 buckets.
const BUCKET_BITS: u32 = 12;
/// Bits of the second digit, inside a bucket.
const SUB_BITS: u32 = 8;
/// Buckets (or pieces) up to this size are comparison-sorted directly.
const SMALL: usize = 48;

/// The value's bits as an unsigned integer whose order is `f64::total_cmp`'s.
#[inline(always)]
fn ordered_bits(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// `n` records `make(i)` sorted by `key` (total order), ties by `tie`.
/// `value(i)` must equal `key(&make(i))`; it lets the counting pass read one
/// column instead of building the record.
pub(crate) fn sorted_records<T, V, M, K, C>(n: usize, value: V, make: M, key: K, tie: C) -> Vec<T>
where
    T: Copy + Send + Sync + Default,
    V: Fn(usize) -> f64 + Sync,
    M: Fn(usize) -> T + Sync,
    K: Fn(&T) -> f64 + Sync,
    C: Fn(&T, &T) -> Ordering + Sync,
{
    let full = |a: &T, b: &T| key(a).total_cmp(&key(b)).then_with(|| tie(a, b));
    if n < PAR_MIN {
        let mut r: Vec<T> = (0..n).map(&make).collect();
        r.sort_unstable_by(full);
        return r;
    }
    // the range of the values' bits
    let (lo, hi) = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .fold(
            || (u64::MAX, 0u64),
            |(lo, hi), i| {
                let k = ordered_bits(value(i));
                (lo.min(k), hi.max(k))
            },
        )
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let used = 64 - (hi - lo).leading_zeros();
    let shift = used.saturating_sub(BUCKET_BITS);
    let nb = ((hi - lo) >> shift) as usize + 1;
    let bucket = |i: usize| ((ordered_bits(value(i)) - lo) >> shift) as usize;

    // counts per (thread chunk, bucket)
    let nt = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(nt);
    let spans: Vec<(usize, usize)> = (0..nt)
        .map(|c| ((c * chunk).min(n), ((c + 1) * chunk).min(n)))
        .collect();
    let counts: Vec<Vec<usize>> = spans
        .par_iter()
        .map(|&(a, b)| {
            let mut h = vec![0usize; nb];
            for i in a..b {
                h[bucket(i)] += 1;
            }
            h
        })
        .collect();

    // every chunk scatters into its own segment of every bucket
    let mut out: Vec<T> = Vec::with_capacity(n);
    out.par_extend((0..n).into_par_iter().map(|_| T::default()));
    let mut bounds = Vec::with_capacity(nb + 1);
    {
        let mut segments: Vec<Vec<&mut [T]>> = (0..nt).map(|_| Vec::with_capacity(nb)).collect();
        let mut rest: &mut [T] = &mut out;
        let mut at = 0;
        // bucket-major: bucket b holds chunk 0's records, then chunk 1's, …
        #[allow(clippy::needless_range_loop)]
        for b in 0..nb {
            bounds.push(at);
            for (seg, count) in segments.iter_mut().zip(&counts) {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(count[b]);
                seg.push(head);
                rest = tail;
                at += count[b];
            }
        }
        bounds.push(at);
        spans
            .par_iter()
            .zip(segments.into_par_iter())
            .for_each(|(&(a, e), mut seg)| {
                for i in a..e {
                    let b = bucket(i);
                    // the counts guarantee room: one slot per record counted
                    if let Some((slot, tail)) = std::mem::take(&mut seg[b]).split_first_mut() {
                        *slot = make(i);
                        seg[b] = tail;
                    }
                }
            });
    }

    // sort the buckets: huge ones (a mass of equal values) with the parallel
    // comparison sort, the rest in parallel by the second digit
    let mut small: Vec<&mut [T]> = Vec::with_capacity(nb);
    let mut huge: Vec<&mut [T]> = Vec::new();
    let mut rest: &mut [T] = &mut out;
    for b in 0..nb {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(bounds[b + 1] - bounds[b]);
        if head.len() > n / 8 && head.len() >= PAR_MIN {
            huge.push(head);
        } else {
            small.push(head);
        }
        rest = tail;
    }
    for h in huge {
        h.par_sort_unstable_by(full);
    }
    let shift2 = shift.saturating_sub(SUB_BITS);
    let mask = (1u64 << SUB_BITS) - 1;
    let sub = |t: &T| (((ordered_bits(key(t)) - lo) >> shift2) & mask) as usize;
    small.into_par_iter().with_min_len(16).for_each_init(
        || (Vec::<T>::new(), vec![0usize; (1 << SUB_BITS) + 1]),
        |(scratch, at), part| {
            if part.len() <= SMALL || shift == 0 {
                // shift 0: one value per bucket, only the ties are left
                part.sort_unstable_by(full);
                return;
            }
            at.fill(0);
            for t in part.iter() {
                at[sub(t) + 1] += 1;
            }
            for j in 1..at.len() {
                at[j] += at[j - 1];
            }
            scratch.clear();
            scratch.resize(part.len(), T::default());
            let mut next = at.clone();
            for t in part.iter() {
                let s = sub(t);
                scratch[next[s]] = *t;
                next[s] += 1;
            }
            part.copy_from_slice(scratch);
            for j in 0..(1 << SUB_BITS) {
                let piece = &mut part[at[j]..at[j + 1]];
                if piece.len() > 1 {
                    piece.sort_unstable_by(full);
                }
            }
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(xs: &[f64], ws: &[f64]) {
        let n = xs.len();
        let got = sorted_records(
            n,
            |i| xs[i],
            |i| (xs[i], ws[i]),
            |r| r.0,
            |a: &(f64, f64), b| a.1.total_cmp(&b.1),
        );
        let mut want: Vec<(f64, f64)> = xs.iter().copied().zip(ws.iter().copied()).collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        assert_eq!(got.len(), n);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0.to_bits(), w.0.to_bits());
            assert_eq!(g.1.to_bits(), w.1.to_bits());
        }
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn ordered_bits_is_the_total_order() {
        let v = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            3e7,
            f64::INFINITY,
        ];
        for a in v {
            for b in v {
                assert_eq!(
                    ordered_bits(a).cmp(&ordered_bits(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn large_inputs_of_every_shape_are_sorted_canonically() {
        let n = PAR_MIN * 3 + 17;
        let mut s = 42u64;
        let w: Vec<f64> = (0..n).map(|_| 1.0 + (lcg(&mut s) * 5.0).floor()).collect();
        // log-normal-like, with negatives and zeros
        let spread: Vec<f64> = (0..n)
            .map(|i| match i % 10 {
                0 => 0.0,
                1 => -lcg(&mut s) * 1e3,
                _ => (lcg(&mut s) * 12.0).exp(),
            })
            .collect();
        check(&spread, &w);
        // a mass of equal values (a huge bucket) among distinct ones
        let mass: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { lcg(&mut s) } else { 7.0 })
            .collect();
        check(&mass, &w);
        // every value equal (one bucket, ties only), and a few distinct values
        check(&vec![3.5; n], &w);
        let few: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
        check(&few, &w);
        // an outlier far above the rest
        let mut outlier: Vec<f64> = (0..n).map(|_| 1e4 + lcg(&mut s)).collect();
        outlier[5] = 1e300;
        check(&outlier, &w);
    }

    #[test]
    fn small_inputs_are_sorted_canonically() {
        check(&[], &[]);
        check(&[2.0, 1.0, 2.0, -0.0, 0.0], &[3.0, 1.0, 1.0, 2.0, 2.0]);
    }
}
