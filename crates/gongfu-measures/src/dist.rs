//! The sorted weighted distribution that every measure reads.

use crate::error::{MeasureError, Result};
use crate::sum::{prefix_sums, sum_range};
use rayon::prelude::*;

/// A categorical column attached to a distribution (codes in sorted order).
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Column name.
    pub name: String,
    /// Code of each observation, in the distribution's sorted order.
    pub codes: Vec<u32>,
    /// Label of each code.
    pub levels: Vec<String>,
}

/// A numeric column attached to a distribution (values in sorted order).
#[derive(Debug, Clone, PartialEq)]
pub struct Numeric {
    /// Column name.
    pub name: String,
    /// Value of each observation, in the distribution's sorted order.
    pub values: Vec<f64>,
}

/// Weighted observations sorted once by value.
///
/// Built from `(values, weights)`: validated (finite values; finite weights
/// `> 0`), sorted once by `(value, weight, input row)` — a total order, so the
/// result is the same whatever the input row order — with compensated cumulative
/// weights. Every measure reads it without sorting again; domains are filtered
/// from it in one pass that keeps the order.
///
/// Internally weights may be 0 (domain and replicate semantics: the
/// observation stays, its weight does not count); the public constructor
/// refuses them because a user's zero weight is almost always a mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub(crate) x: Vec<f64>,
    pub(crate) w: Vec<f64>,
    pub(crate) cum: Vec<f64>,
    pub(crate) row: Vec<u32>,
    pub(crate) total_wx: f64,
    pub(crate) cats: Vec<Category>,
    pub(crate) nums: Vec<Numeric>,
}

/// Validates values and weights, reporting the first offending row.
fn validate(x: &[f64], w: Option<&[f64]>) -> Result<()> {
    if x.len() > u32::MAX as usize {
        return Err(MeasureError::TooManyRows(x.len()));
    }
    if let Some(w) = w
        && w.len() != x.len()
    {
        return Err(MeasureError::LengthMismatch {
            what: "weights".into(),
            got: w.len(),
            expected: x.len(),
        });
    }
    let bad_x = x.par_iter().position_first(|v| !v.is_finite());
    if let Some(row) = bad_x {
        return Err(MeasureError::NonFiniteValue { row, value: x[row] });
    }
    if let Some(w) = w {
        let bad_w = w
            .par_iter()
            .position_first(|v| !(v.is_finite() && *v > 0.0));
        if let Some(row) = bad_w {
            return Err(MeasureError::BadWeight { row, value: w[row] });
        }
    }
    Ok(())
}

impl Distribution {
    /// Builds the sorted distribution. `weights = None` gives every row weight 1.
    ///
    /// # Errors
    /// [`MeasureError::NonFiniteValue`], [`MeasureError::BadWeight`] (with the
    /// 0-based row), [`MeasureError::LengthMismatch`], [`MeasureError::Empty`].
    pub fn new(values: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        validate(values, weights)?;
        if values.is_empty() {
            return Err(MeasureError::Empty(None));
        }
        #[derive(Clone, Copy)]
        struct Rec {
            x: f64,
            w: f64,
            r: u32,
        }
        let mut recs: Vec<Rec> = (0..values.len())
            .into_par_iter()
            .map(|i| Rec {
                x: values[i],
                w: weights.map_or(1.0, |w| w[i]),
                r: i as u32,
            })
            .collect();
        recs.par_sort_unstable_by(|a, b| {
            a.x.total_cmp(&b.x)
                .then(a.w.total_cmp(&b.w))
                .then(a.r.cmp(&b.r))
        });
        let n = recs.len();
        let mut x = Vec::with_capacity(n);
        let mut w = Vec::with_capacity(n);
        let mut row = Vec::with_capacity(n);
        recs.par_iter().map(|r| r.x).collect_into_vec(&mut x);
        recs.par_iter().map(|r| r.w).collect_into_vec(&mut w);
        recs.par_iter().map(|r| r.r).collect_into_vec(&mut row);
        drop(recs);
        Ok(Self::from_sorted_parts(x, w, row))
    }

    /// Assembles a distribution from already sorted parts (weights may be 0).
    pub(crate) fn from_sorted_parts(x: Vec<f64>, w: Vec<f64>, row: Vec<u32>) -> Self {
        let cum = prefix_sums(&w);
        let total_wx = sum_range(0, x.len(), |i| w[i] * x[i]);
        Distribution {
            x,
            w,
            cum,
            row,
            total_wx,
            cats: Vec::new(),
            nums: Vec::new(),
        }
    }

    /// Attaches a categorical column given in input row order (`codes[i]` indexes `levels`).
    ///
    /// # Errors
    /// [`MeasureError::LengthMismatch`] or [`MeasureError::Invalid`] for a code without a level.
    pub fn with_category(mut self, name: &str, codes: &[u32], levels: Vec<String>) -> Result<Self> {
        self.check_input_len(name, codes.len())?;
        if let Some(bad) = codes.iter().position(|&c| c as usize >= levels.len()) {
            return Err(MeasureError::Invalid(format!(
                "column {name}: row {bad} has code {} but only {} levels",
                codes[bad],
                levels.len()
            )));
        }
        let sorted = self.row.par_iter().map(|&r| codes[r as usize]).collect();
        self.cats.retain(|c| c.name != name);
        self.cats.push(Category {
            name: name.to_string(),
            codes: sorted,
            levels,
        });
        Ok(self)
    }

    /// Attaches a numeric column given in input row order (e.g. household size or an income source).
    ///
    /// # Errors
    /// [`MeasureError::LengthMismatch`], or [`MeasureError::NonFiniteValue`] naming the row.
    pub fn with_numeric(mut self, name: &str, values: &[f64]) -> Result<Self> {
        self.check_input_len(name, values.len())?;
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(MeasureError::NonFiniteValue {
                row,
                value: values[row],
            });
        }
        let sorted = self.row.par_iter().map(|&r| values[r as usize]).collect();
        self.nums.retain(|c| c.name != name);
        self.nums.push(Numeric {
            name: name.to_string(),
            values: sorted,
        });
        Ok(self)
    }

    fn check_input_len(&self, name: &str, got: usize) -> Result<()> {
        // The input had as many rows as the largest row index + 1 only if no
        // row was filtered; attach columns to the full distribution.
        if got != self.x.len() {
            return Err(MeasureError::LengthMismatch {
                what: name.to_string(),
                got,
                expected: self.x.len(),
            });
        }
        Ok(())
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no observations.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sorted values.
    pub fn values(&self) -> &[f64] {
        &self.x
    }

    /// Weights in sorted order.
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// Input row (0-based) of each sorted observation.
    pub fn rows(&self) -> &[u32] {
        &self.row
    }

    /// Total weight N.
    pub fn total_weight(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// Weighted total Σ w x.
    pub fn total(&self) -> f64 {
        self.total_wx
    }

    /// The attached categorical column of that name.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.cats.iter().find(|c| c.name == name)
    }

    /// The attached numeric column of that name.
    pub fn numeric(&self, name: &str) -> Option<&Numeric> {
        self.nums.iter().find(|c| c.name == name)
    }

    /// A view of the whole distribution.
    pub fn view(&self) -> View<'_> {
        View {
            x: &self.x,
            w: &self.w,
            cum: &self.cum,
            base: 0.0,
            n_w: self.total_weight(),
            t: self.total_wx,
            offset: 0,
        }
    }

    /// Splits into domains by a code per *input row* (`codes[row] < nlevels`),
    /// in one pass that keeps the sorted order. Attached columns follow.
    ///
    /// # Errors
    /// [`MeasureError::LengthMismatch`] when `codes` does not cover every input row.
    pub fn split_by_input_codes(&self, codes: &[u32], nlevels: usize) -> Result<Vec<Distribution>> {
        let max_row = self.row.iter().copied().max().map_or(0, |r| r as usize + 1);
        if codes.len() < max_row {
            return Err(MeasureError::LengthMismatch {
                what: "domain codes".into(),
                got: codes.len(),
                expected: max_row,
            });
        }
        let sorted: Vec<u32> = self.row.iter().map(|&r| codes[r as usize]).collect();
        Ok(self.split_by_sorted_codes(&sorted, nlevels))
    }

    /// Splits into domains by a code per *sorted position*.
    pub(crate) fn split_by_sorted_codes(&self, codes: &[u32], nlevels: usize) -> Vec<Distribution> {
        let mut counts = vec![0usize; nlevels];
        for &c in codes {
            if let Some(k) = counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        let mut parts: Vec<(Vec<f64>, Vec<f64>, Vec<u32>)> = counts
            .iter()
            .map(|&k| {
                (
                    Vec::with_capacity(k),
                    Vec::with_capacity(k),
                    Vec::with_capacity(k),
                )
            })
            .collect();
        let mut idx: Vec<Vec<usize>> = counts.iter().map(|&k| Vec::with_capacity(k)).collect();
        for (i, &c) in codes.iter().enumerate() {
            if let Some(p) = parts.get_mut(c as usize) {
                p.0.push(self.x[i]);
                p.1.push(self.w[i]);
                p.2.push(self.row[i]);
                idx[c as usize].push(i);
            }
        }
        parts
            .into_iter()
            .zip(idx)
            .map(|((x, w, r), ix)| {
                let mut d = Distribution::from_sorted_parts(x, w, r);
                d.cats = self
                    .cats
                    .iter()
                    .map(|c| Category {
                        name: c.name.clone(),
                        codes: ix.iter().map(|&i| c.codes[i]).collect(),
                        levels: c.levels.clone(),
                    })
                    .collect();
                d.nums = self
                    .nums
                    .iter()
                    .map(|c| Numeric {
                        name: c.name.clone(),
                        values: ix.iter().map(|&i| c.values[i]).collect(),
                    })
                    .collect();
                d
            })
            .collect()
    }

    /// The same observations, in the same order, with other weights given per
    /// *sorted position* (replicate weights; zeros allowed).
    ///
    /// # Errors
    /// [`MeasureError::LengthMismatch`], or [`MeasureError::BadWeight`] for a negative or non-finite weight.
    pub fn reweighted(&self, sorted_weights: Vec<f64>) -> Result<Distribution> {
        if sorted_weights.len() != self.len() {
            return Err(MeasureError::LengthMismatch {
                what: "replicate weights".into(),
                got: sorted_weights.len(),
                expected: self.len(),
            });
        }
        if let Some(i) = sorted_weights
            .iter()
            .position(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(MeasureError::BadWeight {
                row: self.row[i] as usize,
                value: sorted_weights[i],
            });
        }
        let mut d =
            Distribution::from_sorted_parts(self.x.clone(), sorted_weights, self.row.clone());
        d.cats = self.cats.clone();
        d.nums = self.nums.clone();
        Ok(d)
    }
}

/// A contiguous, sorted slice of a distribution with its own totals.
///
/// Cumulative weights are read relative to the slice start, so a view of
/// the positive incomes (a suffix) or of the poor (a prefix) costs nothing.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub(crate) x: &'a [f64],
    pub(crate) w: &'a [f64],
    cum: &'a [f64],
    base: f64,
    pub(crate) n_w: f64,
    pub(crate) t: f64,
    /// Position of the first element in the parent distribution.
    pub(crate) offset: usize,
}

impl<'a> View<'a> {
    /// Number of observations.
    #[inline]
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sorted values.
    #[inline]
    pub fn values(&self) -> &'a [f64] {
        self.x
    }

    /// Weights.
    #[inline]
    pub fn weights(&self) -> &'a [f64] {
        self.w
    }

    /// Cumulative weight through observation `i` (inclusive).
    #[inline(always)]
    pub fn c(&self, i: usize) -> f64 {
        self.cum[i] - self.base
    }

    /// Cumulative weight before observation `i`.
    #[inline(always)]
    pub fn c_before(&self, i: usize) -> f64 {
        if i == 0 { 0.0 } else { self.c(i - 1) }
    }

    /// Total weight N.
    #[inline]
    pub fn total_weight(&self) -> f64 {
        self.n_w
    }

    /// Σ w x.
    #[inline]
    pub fn total(&self) -> f64 {
        self.t
    }

    /// Weighted mean μ.
    #[inline]
    pub fn mean(&self) -> f64 {
        self.t / self.n_w
    }

    /// Number of observations with positive weight.
    pub fn count_positive_weight(&self) -> usize {
        self.w.iter().filter(|&&w| w > 0.0).count()
    }

    /// Σ w x over positions `lo..hi` of this view.
    pub fn partial_total(&self, lo: usize, hi: usize) -> f64 {
        let (x, w) = (self.x, self.w);
        sum_range(lo, hi, |i| w[i] * x[i])
    }

    /// Number of observations with value `< t` (they form a prefix).
    #[inline]
    pub fn count_below(&self, t: f64) -> usize {
        self.x.partition_point(|&v| v < t)
    }

    /// Number of observations with value `<= t`.
    #[inline]
    pub fn count_at_most(&self, t: f64) -> usize {
        self.x.partition_point(|&v| v <= t)
    }

    /// The sub-view of positions `lo..hi` (own cumulative weights and totals).
    pub fn slice(&self, lo: usize, hi: usize) -> View<'a> {
        let hi = hi.min(self.len());
        let lo = lo.min(hi);
        let base = self.base
            + if lo == 0 {
                0.0
            } else {
                self.cum[lo - 1] - self.base
            };
        let n_w = if hi == 0 {
            0.0
        } else {
            self.cum[hi - 1] - base
        };
        let (x, w) = (self.x, self.w);
        let t = sum_range(lo, hi, |i| w[i] * x[i]);
        View {
            x: &self.x[lo..hi],
            w: &self.w[lo..hi],
            cum: &self.cum[lo..hi],
            base,
            n_w: n_w.max(0.0),
            t,
            offset: self.offset + lo,
        }
    }

    /// The observations with value `> 0` (`strict`) or `>= 0`.
    pub fn nonnegative_part(&self, strict: bool) -> View<'a> {
        let k = if strict {
            self.count_at_most(0.0)
        } else {
            self.count_below(0.0)
        };
        if k == 0 {
            *self
        } else {
            self.slice(k, self.len())
        }
    }

    /// Index of the next observation at or after `i` with positive weight.
    pub(crate) fn next_positive(&self, mut i: usize) -> Option<usize> {
        while i < self.len() {
            if self.w[i] > 0.0 {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Index of the last observation with positive weight.
    pub(crate) fn last_positive(&self) -> Option<usize> {
        (0..self.len()).rev().find(|&i| self.w[i] > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_accumulates() {
        let d = Distribution::new(&[3.0, 1.0, 2.0], Some(&[1.0, 2.0, 3.0])).unwrap();
        assert_eq!(d.values(), &[1.0, 2.0, 3.0]);
        assert_eq!(d.weights(), &[2.0, 3.0, 1.0]);
        assert_eq!(d.rows(), &[1, 2, 0]);
        assert_eq!(d.total_weight(), 6.0);
        assert_eq!(d.total(), 2.0 + 6.0 + 3.0);
        let v = d.view();
        assert_eq!(v.c(1), 5.0);
        let s = v.slice(1, 3);
        assert_eq!(s.c(0), 3.0);
        assert_eq!(s.total_weight(), 4.0);
        assert_eq!(s.total(), 9.0);
    }

    #[test]
    fn typed_errors_name_the_row() {
        match Distribution::new(&[1.0, f64::NAN], None) {
            Err(MeasureError::NonFiniteValue { row: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        match Distribution::new(&[1.0, 2.0], Some(&[1.0, 0.0])) {
            Err(MeasureError::BadWeight { row: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        match Distribution::new(&[1.0, 2.0], Some(&[1.0, -1.0])) {
            Err(MeasureError::BadWeight { row: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Distribution::new(&[], None),
            Err(MeasureError::Empty(_))
        ));
        assert!(matches!(
            Distribution::new(&[1.0], Some(&[1.0, 2.0])),
            Err(MeasureError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn domains_keep_order_and_columns() {
        let d = Distribution::new(&[5.0, 1.0, 4.0, 2.0], None)
            .unwrap()
            .with_numeric("size", &[50.0, 10.0, 40.0, 20.0])
            .unwrap();
        let parts = d.split_by_input_codes(&[0, 1, 0, 1], 2).unwrap();
        assert_eq!(parts[0].values(), &[4.0, 5.0]);
        assert_eq!(parts[1].values(), &[1.0, 2.0]);
        assert_eq!(parts[0].numeric("size").unwrap().values, vec![40.0, 50.0]);
        assert_eq!(parts[1].rows(), &[1, 3]);
    }
}
