//! The one sort behind every distribution: records built from the input
//! columns and put in the canonical order — by value (IEEE total order), ties
//! by a record-specific rule — so that the result depends on neither the input
//! order nor the number of threads.
//!
//! Large inputs are sorted by value buckets (most-significant-digit radix
//! passes): the value's bits, mapped so that unsigned order is the total
//! order, minus the smallest, give each record a bucket from their top
//! [`BUCKET_BITS`] bits; one counting pass per thread and one scattering pass
//! build the records directly in bucket order. The buckets, independent of
//! one another, are then sorted in parallel, each in cache: a second
//! counting pass on the next bits (about as many values of that digit as the
//! bucket has records, at most [`SUB_BITS`] bits) leaves pieces of one or two
//! records, which a comparison sort finishes (value, then the tie rule), and
//! the bucket is written out straight into the two output columns.
//! Floating-point bit patterns are close to logarithmic, which suits incomes:
//! buckets are narrow where the data are dense. Any data are sorted
//! correctly: a bucket that holds most of the records (many equal values) is
//! sorted with the parallel comparison sort.

use crate::sum::PAR_MIN;

use rayon::prelude::*;
use std::cmp::Ordering;

/// Bits of the first (bucket) digit: at most 4,096 buckets.
const BUCKET_BITS: u32 = 12;
/// Most bits of the second digit, inside a bucket.
const SUB_BITS: u32 = 16;
/// Buckets (or pieces) up to this size are comparison-sorted directly.
const SMALL: usize = 48;

/// The value's bits as an unsigned integer whose order is `f64::total_cmp`'s.
#[inline(always)]
fn ordered_bits(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Records `(value, rest)` in value buckets, not yet sorted inside them:
/// the first half of the sort, after which the input columns can be
/// released ([`Buckets::into_columns`] finishes it).
#[derive(Debug)]
pub(crate) struct Buckets<R> {
    /// The records, bucket after bucket.
    out: Vec<(f64, R)>,
    /// Bucket `b` is `out[bounds[b]..bounds[b + 1]]`.
    bounds: Vec<usize>,
    /// Bits of the smallest value of the bucketed range.
    base: u64,
    /// Bits below the bucket digit.
    shift: u32,
    /// Bucket 0 holds the values below `base` (the non-positive ones).
    low: bool,
    /// One bucket, to be comparison-sorted (small inputs).
    plain: bool,
}

/// The records `(value(i), make(i))` for `i < n` distributed into value
/// buckets (see the module documentation).
pub(crate) fn bucket_records<R, V, M>(n: usize, value: V, make: M) -> Buckets<R>
where
    R: Copy + Send + Sync + Default,
    V: Fn(usize) -> f64 + Sync,
    M: Fn(usize) -> R + Sync,
{
    let record = |i: usize| (value(i), make(i));
    if n < PAR_MIN {
        return Buckets {
            out: (0..n).map(record).collect(),
            bounds: vec![0, n],
            base: 0,
            shift: 0,
            low: false,
            plain: true,
        };
    }
    // the range of the values' bits, and the smallest positive value's:
    // non-positive values (rare in incomes, but far away in bits) get a
    // bucket of their own, so that the positive ones spread over the rest
    const ZERO: u64 = 1 << 63; // ordered_bits(+0.0)
    let (lo, hi, pos) = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .fold(
            || (u64::MAX, 0u64, u64::MAX),
            |(lo, hi, pos), i| {
                let k = ordered_bits(value(i));
                (
                    lo.min(k),
                    hi.max(k),
                    if k > ZERO { pos.min(k) } else { pos },
                )
            },
        )
        .reduce(
            || (u64::MAX, 0, u64::MAX),
            |a, b| (a.0.min(b.0), a.1.max(b.1), a.2.min(b.2)),
        );
    let low = pos != u64::MAX && pos > lo;
    let base = if low { pos } else { lo };
    let used = 64 - (hi - base).leading_zeros();
    let shift = used.saturating_sub(BUCKET_BITS);
    let first = usize::from(low);
    let nb = first + ((hi - base) >> shift) as usize + 1;
    let bucket = |i: usize| {
        let k = ordered_bits(value(i));
        if k < base {
            0
        } else {
            first + ((k - base) >> shift) as usize
        }
    };

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
    let mut out: Vec<(f64, R)> = Vec::with_capacity(n);
    out.par_extend((0..n).into_par_iter().map(|_| (0.0, R::default())));
    let mut bounds = Vec::with_capacity(nb + 1);
    {
        let mut segments: Vec<Vec<&mut [(f64, R)]>> =
            (0..nt).map(|_| Vec::with_capacity(nb)).collect();
        let mut rest: &mut [(f64, R)] = &mut out;
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
                        *slot = record(i);
                        seg[b] = tail;
                    }
                }
            });
    }

    Buckets {
        out,
        bounds,
        base,
        shift,
        low,
        plain: false,
    }
}

impl<R: Copy + Send + Sync + Default> Buckets<R> {
    /// Sorts every bucket — by value (total order), ties by `tie` on the
    /// rest — and returns the records as two columns: the sorted values and
    /// the rest in the same order.
    pub(crate) fn into_columns<C>(self, tie: C) -> (Vec<f64>, Vec<R>)
    where
        C: Fn(&R, &R) -> Ordering + Sync,
    {
        let full = |a: &(f64, R), b: &(f64, R)| a.0.total_cmp(&b.0).then_with(|| tie(&a.1, &b.1));
        let Buckets {
            mut out,
            bounds,
            base,
            shift,
            low,
            plain,
        } = self;
        if plain {
            out.sort_unstable_by(full);
            return out.into_iter().unzip();
        }
        let n = out.len();
        let nb = bounds.len() - 1;
        // sort the buckets and write them out as the two columns: huge ones (a
        // mass of equal values) with the parallel comparison sort, the rest in
        // parallel by the second digit
        let mut xs = vec![0.0; n];
        let mut rs = vec![R::default(); n];
        type Part<'a, R> = (&'a mut [(f64, R)], &'a mut [f64], &'a mut [R], bool);
        let mut small: Vec<Part<'_, R>> = Vec::with_capacity(nb);
        let mut huge: Vec<Part<'_, R>> = Vec::new();
        let (mut rest, mut rest_x, mut rest_r): (&mut [(f64, R)], &mut [f64], &mut [R]) =
            (&mut out, &mut xs, &mut rs);
        for b in 0..nb {
            let len = bounds[b + 1] - bounds[b];
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            let (hx, tx) = std::mem::take(&mut rest_x).split_at_mut(len);
            let (hr, tr) = std::mem::take(&mut rest_r).split_at_mut(len);
            let is_low = low && b == 0;
            if len > n / 8 && len >= PAR_MIN {
                huge.push((head, hx, hr, is_low));
            } else {
                small.push((head, hx, hr, is_low));
            }
            (rest, rest_x, rest_r) = (tail, tx, tr);
        }
        for (part, px, pr, _) in huge {
            part.par_sort_unstable_by(full);
            part.par_iter()
                .zip(px.par_iter_mut().zip(pr.par_iter_mut()))
                .for_each(|(r, (x, o))| (*x, *o) = *r);
        }
        small.into_par_iter().with_min_len(16).for_each_init(
            || (Vec::<(f64, R)>::new(), Vec::<u32>::new()),
            |(scratch, at), (part, px, pr, is_low)| {
                let len = part.len();
                // the second digit: about one record per value of it (pieces
                // of one or two records), at most SUB_BITS bits
                let bits = (usize::BITS - len.leading_zeros())
                    .saturating_sub(1)
                    .min(SUB_BITS)
                    .min(shift);
                let sorted: &[(f64, R)] = if len <= SMALL || bits == 0 || is_low {
                    // shift 0: one value per bucket, only the ties are left;
                    // the non-positive values: a comparison sort
                    part.sort_unstable_by(full);
                    part
                } else {
                    let shift2 = shift - bits;
                    let mask = (1u64 << bits) - 1;
                    let sub =
                        |t: &(f64, R)| (((ordered_bits(t.0) - base) >> shift2) & mask) as usize;
                    let m = 1usize << bits;
                    at.clear();
                    at.resize(m + 1, 0);
                    for t in part.iter() {
                        at[sub(t) + 1] += 1;
                    }
                    for j in 1..=m {
                        at[j] += at[j - 1];
                    }
                    scratch.clear();
                    scratch.resize(len, (0.0, R::default()));
                    for t in part.iter() {
                        let s = sub(t);
                        scratch[at[s] as usize] = *t;
                        at[s] += 1;
                    }
                    // at[s] is now the end of piece s (the start of piece s + 1)
                    let mut start = 0;
                    for &end in &at[..m] {
                        let end = end as usize;
                        if end - start > 1 {
                            scratch[start..end].sort_unstable_by(full);
                        }
                        start = end;
                    }
                    scratch
                };
                for ((r, x), o) in sorted.iter().zip(px.iter_mut()).zip(pr.iter_mut()) {
                    (*x, *o) = *r;
                }
            },
        );
        (xs, rs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(xs: &[f64], ws: &[f64]) {
        let n = xs.len();
        let (gx, gw) = bucket_records(n, |i| xs[i], |i| ws[i]).into_columns(f64::total_cmp);
        let mut want: Vec<(f64, f64)> = xs.iter().copied().zip(ws.iter().copied()).collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        assert_eq!((gx.len(), gw.len()), (n, n));
        for ((x, w), want) in gx.iter().zip(&gw).zip(&want) {
            assert_eq!(x.to_bits(), want.0.to_bits());
            assert_eq!(w.to_bits(), want.1.to_bits());
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
