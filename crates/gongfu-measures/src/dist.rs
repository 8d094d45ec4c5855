//! The sorted weighted distribution that every measure reads.

use crate::error::{MeasureError, Result};
use crate::sort::bucket_records;
use crate::sum::{Acc, CHUNK, PAR_MIN, sum_range};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

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
/// `> 0`), sorted once by value with ties in a canonical order (by weight, then
/// input row), so that every result is bit-for-bit the same whatever the input
/// row order and the number of threads. Cumulative weights are compensated.
/// Every measure reads it without sorting again; domains are filtered from it
/// in one pass that keeps the order.
///
/// Columns that travel with the observations (domain codes, household size,
/// income sources, later strata and PSUs) are attached with
/// [`Distribution::builder`]; they are permuted once into the sorted order.
/// Without attachments only `(value, weight)` pairs are sorted — the cheapest
/// possible sort — and the input row of each observation is not kept.
///
/// Internally weights may be 0 (domain and replicate semantics: the
/// observation stays, its weight does not count); the public constructors
/// refuse them because a user's zero weight is almost always a mistake.
#[derive(Debug, Clone)]
pub struct Distribution {
    // values, rows and attached columns are shared by the reweighted copies
    // of a distribution (replicates): only weights and their sums differ
    pub(crate) x: Arc<Vec<f64>>,
    pub(crate) w: Vec<f64>,
    pub(crate) cum: Vec<f64>,
    pub(crate) row: Option<Arc<Vec<u32>>>,
    pub(crate) total_wx: f64,
    pub(crate) cats: Arc<Vec<Category>>,
    pub(crate) nums: Arc<Vec<Numeric>>,
}

impl PartialEq for Distribution {
    fn eq(&self, o: &Self) -> bool {
        self.x == o.x
            && self.w == o.w
            && self.row == o.row
            && self.cats == o.cats
            && self.nums == o.nums
    }
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
    if let Some(row) = x.iter().position(|v| !v.is_finite()) {
        return Err(MeasureError::NonFiniteValue { row, value: x[row] });
    }
    if let Some(w) = w
        && let Some(row) = w.iter().position(|v| !(v.is_finite() && *v > 0.0))
    {
        return Err(MeasureError::BadWeight { row, value: w[row] });
    }
    if x.is_empty() {
        return Err(MeasureError::Empty(None));
    }
    Ok(())
}

/// Sorts the (value, weight, payload) records `(x[i], make(i))`
/// canonically — by value, ties by weight, then by payload — as three
/// columns.
fn sort_records<P, M, C>(x: &[f64], make: M, payload: C) -> (Vec<f64>, Vec<f64>, Vec<P>)
where
    P: Send + Sync + Copy + Default,
    M: Fn(usize) -> (f64, P) + Sync,
    C: Fn(&P, &P) -> std::cmp::Ordering + Sync,
{
    let (xs, rest) = bucket_records(x.len(), |i| x[i], make)
        .into_columns(|a, b| a.0.total_cmp(&b.0).then_with(|| payload(&a.1, &b.1)));
    let ws: Vec<f64> = rest.par_iter().map(|t| t.0).collect();
    let ps: Vec<P> = rest.par_iter().map(|t| t.1).collect();
    (xs, ws, ps)
}

/// Builds a [`Distribution`] with columns attached (see [`Distribution::builder`]).
#[derive(Debug)]
pub struct Builder<'a> {
    x: Cow<'a, [f64]>,
    w: Option<Cow<'a, [f64]>>,
    cats: Vec<(String, Cow<'a, [u32]>, Vec<String>)>,
    nums: Vec<(String, Cow<'a, [f64]>)>,
    keep_rows: bool,
}

impl<'a> Builder<'a> {
    /// Attaches a categorical column in input row order (`codes[i]` indexes `levels`).
    /// Owned columns are released as soon as they have been sorted in.
    pub fn category(
        mut self,
        name: &str,
        codes: impl Into<Cow<'a, [u32]>>,
        levels: Vec<String>,
    ) -> Self {
        self.cats.retain(|c| c.0 != name);
        self.cats.push((name.to_string(), codes.into(), levels));
        self
    }

    /// Attaches a numeric column in input row order (household size, an income source…).
    pub fn numeric(mut self, name: &str, values: impl Into<Cow<'a, [f64]>>) -> Self {
        self.nums.retain(|c| c.0 != name);
        self.nums.push((name.to_string(), values.into()));
        self
    }

    /// Keeps the input row of every observation ([`Distribution::rows`]).
    pub fn keep_rows(mut self) -> Self {
        self.keep_rows = true;
        self
    }

    /// Validates, sorts once and permutes the attached columns.
    ///
    /// # Errors
    /// [`MeasureError::NonFiniteValue`], [`MeasureError::BadWeight`] (with the
    /// 0-based row), [`MeasureError::LengthMismatch`], [`MeasureError::Empty`],
    /// [`MeasureError::Invalid`] for a code without a level.
    pub fn build(self) -> Result<Distribution> {
        let Builder {
            x,
            w,
            cats,
            nums,
            keep_rows,
        } = self;
        validate(&x, w.as_deref())?;
        let n = x.len();
        for (name, codes, levels) in &cats {
            if codes.len() != n {
                return Err(MeasureError::LengthMismatch {
                    what: name.clone(),
                    got: codes.len(),
                    expected: n,
                });
            }
            if let Some(bad) = codes.iter().position(|&c| c as usize >= levels.len()) {
                return Err(MeasureError::Invalid(format!(
                    "column {name}: row {bad} has code {} but only {} levels",
                    codes[bad],
                    levels.len()
                )));
            }
        }
        for (name, values) in &nums {
            if values.len() != n {
                return Err(MeasureError::LengthMismatch {
                    what: name.clone(),
                    got: values.len(),
                    expected: n,
                });
            }
            if let Some(row) = values.iter().position(|v| !v.is_finite()) {
                return Err(MeasureError::NonFiniteValue {
                    row,
                    value: values[row],
                });
            }
        }
        if cats.is_empty() && nums.is_empty() && !keep_rows {
            let buckets = match &w {
                Some(w) => bucket_records(n, |i| x[i], |i| w[i]),
                None => bucket_records(n, |i| x[i], |_| 1.0),
            };
            drop((x, w));
            let (xs, ws) = buckets.into_columns(f64::total_cmp);
            return Ok(Distribution::from_sorted_parts(xs, ws, None));
        }
        // One category and nothing else: carry its code through the sort
        // instead of the row, so no random gather is needed afterwards.
        let single = cats.len() == 1 && nums.is_empty() && !keep_rows;
        if single && w.is_none() {
            // unweighted (a register): 16-byte (value, code) records, weights all 1
            let mut cats = cats;
            let (name, codes, levels) = cats.pop().unwrap_or_default();
            let buckets = bucket_records(n, |i| x[i], |i| codes[i]);
            drop((x, codes));
            let (xs, payload) = buckets.into_columns(u32::cmp);
            let mut d = Distribution::from_sorted_parts(xs, vec![1.0; n], None);
            d.cats = Arc::new(vec![Category {
                name,
                codes: payload,
                levels,
            }]);
            return Ok(d);
        }
        let weight = |i: usize| w.as_ref().map_or(1.0, |w| w[i]);
        // One numeric column and nothing else (a design's PSU of each row):
        // carry its value through the sort instead of the row. Records equal
        // in value, weight and payload are interchangeable, so the order
        // still depends on nothing but the data.
        if cats.is_empty() && nums.len() == 1 && !keep_rows {
            let mut nums = nums;
            let (name, values) = nums.pop().unwrap_or_default();
            let (xs, ws, payload) = sort_records(&x, |i| (weight(i), values[i]), f64::total_cmp);
            drop((x, w, values));
            let mut d = Distribution::from_sorted_parts(xs, ws, None);
            d.nums = Arc::new(vec![Numeric {
                name,
                values: payload,
            }]);
            return Ok(d);
        }
        let (xs, ws, payload) = if single {
            let codes = &cats[0].1;
            sort_records(&x, |i| (weight(i), codes[i]), u32::cmp)
        } else {
            sort_records(&x, |i| (weight(i), i as u32), u32::cmp)
        };
        drop((x, w));
        let mut cats = cats;
        if single {
            cats[0].1 = Cow::Borrowed(&[]);
        }
        let mut d = Distribution::from_sorted_parts(xs, ws, None);
        if single {
            let (name, _, levels) = cats.pop().unwrap_or_default();
            d.cats = Arc::new(vec![Category {
                name,
                codes: payload,
                levels,
            }]);
            return Ok(d);
        }
        let rows = payload;
        d.cats = cats
            .into_iter()
            .map(|(name, codes, levels)| Category {
                name,
                codes: rows.par_iter().map(|&i| codes[i as usize]).collect(),
                levels,
            })
            .collect::<Vec<_>>()
            .into();
        d.nums = nums
            .into_iter()
            .map(|(name, values)| Numeric {
                name,
                values: rows.par_iter().map(|&i| values[i as usize]).collect(),
            })
            .collect::<Vec<_>>()
            .into();
        if keep_rows {
            d.row = Some(Arc::new(rows));
        }
        Ok(d)
    }
}

impl Distribution {
    /// Builds the sorted distribution of `(values, weights)`; `weights = None`
    /// gives every row weight 1. Nothing else is attached and input rows are not kept.
    ///
    /// # Errors
    /// As [`Builder::build`].
    pub fn new(values: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        Distribution::builder(values, weights).build()
    }

    /// Starts a distribution with attached columns (borrowed values and weights).
    pub fn builder<'a>(values: &'a [f64], weights: Option<&'a [f64]>) -> Builder<'a> {
        Builder {
            x: Cow::Borrowed(values),
            w: weights.map(Cow::Borrowed),
            cats: Vec::new(),
            nums: Vec::new(),
            keep_rows: false,
        }
    }

    /// Starts a distribution from owned values and weights, which are released
    /// as soon as they have been copied into the sort (lower peak memory).
    pub fn builder_owned(values: Vec<f64>, weights: Option<Vec<f64>>) -> Builder<'static> {
        Builder {
            x: Cow::Owned(values),
            w: weights.map(Cow::Owned),
            cats: Vec::new(),
            nums: Vec::new(),
            keep_rows: false,
        }
    }

    /// Assembles a distribution from already sorted parts (weights may be 0).
    pub(crate) fn from_sorted_parts(x: Vec<f64>, w: Vec<f64>, row: Option<Vec<u32>>) -> Self {
        Distribution::from_shared_parts(Arc::new(x), w, row.map(Arc::new))
    }

    /// As [`Distribution::from_sorted_parts`], with values and rows shared.
    fn from_shared_parts(x: Arc<Vec<f64>>, w: Vec<f64>, row: Option<Arc<Vec<u32>>>) -> Self {
        Distribution::from_buffers(x, w, row, Vec::new())
    }

    /// As [`Distribution::from_shared_parts`], writing the cumulative weights
    /// into the buffer `cum`.
    fn from_buffers(
        x: Arc<Vec<f64>>,
        w: Vec<f64>,
        row: Option<Arc<Vec<u32>>>,
        cum: Vec<f64>,
    ) -> Self {
        let (cum, total_wx) = prefix_and_total(&x, &w, cum);
        Distribution {
            x,
            w,
            cum,
            row,
            total_wx,
            cats: Arc::default(),
            nums: Arc::default(),
        }
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

    /// Input row (0-based) of each sorted observation, when kept ([`Builder::keep_rows`]).
    pub fn rows(&self) -> Option<&[u32]> {
        self.row.as_deref().map(Vec::as_slice)
    }

    /// A 0-based input row for messages: the input row when kept, else the sorted position.
    pub(crate) fn row_of(&self, sorted: usize) -> usize {
        self.row.as_ref().map_or(sorted, |r| r[sorted] as usize)
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

    /// The attached category a domain split refers to.
    fn domain_category(&self, category: &str) -> Result<&Category> {
        self.category(category)
            .ok_or_else(|| MeasureError::MissingColumn {
                measure: "domain".into(),
                column: category.to_string(),
            })
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
            parent: self,
        }
    }

    /// Splits into domains by an attached category, in one pass that keeps the
    /// sorted order; attached columns follow. Returns one distribution per level.
    ///
    /// # Errors
    /// [`MeasureError::MissingColumn`] when no such category is attached.
    pub fn split_by(&self, category: &str) -> Result<Vec<Distribution>> {
        let cat = self.domain_category(category)?;
        Ok(self.split_by_sorted_codes(&cat.codes, cat.levels.len()))
    }

    /// The sorted positions of each level of an attached category, in one pass
    /// (4 bytes per observation); materialise a domain with [`Distribution::gather`].
    ///
    /// # Errors
    /// [`MeasureError::MissingColumn`] when no such category is attached.
    pub fn positions_by(&self, category: &str) -> Result<Vec<Vec<u32>>> {
        let cat = self.domain_category(category)?;
        let mut idx: Vec<Vec<u32>> = vec![Vec::new(); cat.levels.len()];
        for (i, &c) in cat.codes.iter().enumerate() {
            if let Some(v) = idx.get_mut(c as usize) {
                v.push(i as u32);
            }
        }
        Ok(idx)
    }

    /// The observations at the given sorted positions (ascending), keeping the
    /// order: one domain, with its attached columns.
    pub fn gather(&self, positions: &[u32]) -> Distribution {
        let ix = positions;
        let x = ix.iter().map(|&i| self.x[i as usize]).collect();
        let w = ix.iter().map(|&i| self.w[i as usize]).collect();
        let row = self
            .row
            .as_ref()
            .map(|r| ix.iter().map(|&i| r[i as usize]).collect());
        let mut d = Distribution::from_sorted_parts(x, w, row);
        d.cats = self
            .cats
            .iter()
            .map(|c| Category {
                name: c.name.clone(),
                codes: ix.iter().map(|&i| c.codes[i as usize]).collect(),
                levels: c.levels.clone(),
            })
            .collect::<Vec<_>>()
            .into();
        d.nums = self
            .nums
            .iter()
            .map(|c| Numeric {
                name: c.name.clone(),
                values: ix.iter().map(|&i| c.values[i as usize]).collect(),
            })
            .collect::<Vec<_>>()
            .into();
        d
    }

    /// Splits into domains by a code per *sorted position*; codes `>= nlevels` are dropped.
    pub(crate) fn split_by_sorted_codes(&self, codes: &[u32], nlevels: usize) -> Vec<Distribution> {
        self.split_pending(codes, nlevels, None)
            .into_par_iter()
            .map(Pending::into_distribution)
            .collect()
    }

    /// Splits by an attached category in one sequential pass over the sorted
    /// order, without the splitting column and without cumulative weights yet:
    /// materialise each domain with [`Pending::into_distribution`] when it is
    /// needed, so that only one domain's cumulative weights exist at a time.
    ///
    /// # Errors
    /// [`MeasureError::MissingColumn`] when no such category is attached.
    pub fn split_lazily(&self, category: &str) -> Result<Vec<Pending>> {
        let cat = self.domain_category(category)?;
        Ok(self.split_pending(&cat.codes, cat.levels.len(), Some(category)))
    }

    /// The number of observations of each level of an attached category.
    ///
    /// # Errors
    /// [`MeasureError::MissingColumn`] when no such category is attached.
    pub fn level_counts(&self, category: &str) -> Result<Vec<usize>> {
        let cat = self.domain_category(category)?;
        let mut counts = vec![0usize; cat.levels.len()];
        for &c in &cat.codes {
            if let Some(k) = counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        Ok(counts)
    }

    /// Like [`Distribution::split_lazily`] for the levels `levels` only (one
    /// pass; memory proportional to those domains), returned in level order.
    ///
    /// # Errors
    /// [`MeasureError::MissingColumn`] when no such category is attached.
    pub fn split_levels(
        &self,
        category: &str,
        levels: std::ops::Range<usize>,
    ) -> Result<Vec<Pending>> {
        let cat = self.domain_category(category)?;
        let start = levels.start as u32;
        let shifted: Vec<u32> = cat
            .codes
            .par_iter()
            .map(|&c| {
                if levels.contains(&(c as usize)) {
                    c - start
                } else {
                    u32::MAX
                }
            })
            .collect();
        Ok(self.split_pending(&shifted, levels.len(), Some(category)))
    }

    fn split_pending(&self, codes: &[u32], nlevels: usize, skip: Option<&str>) -> Vec<Pending> {
        let mut counts = vec![0usize; nlevels];
        for &c in codes {
            if let Some(k) = counts.get_mut(c as usize) {
                *k += 1;
            }
        }
        let cats: Vec<&Category> = self
            .cats
            .iter()
            .filter(|c| Some(c.name.as_str()) != skip)
            .collect();
        let mut out: Vec<Pending> = counts
            .iter()
            .map(|&k| Pending {
                x: Vec::with_capacity(k),
                w: Vec::with_capacity(k),
                row: self.row.as_ref().map(|_| Vec::with_capacity(k)),
                cats: cats
                    .iter()
                    .map(|c| Category {
                        name: c.name.clone(),
                        codes: Vec::with_capacity(k),
                        levels: c.levels.clone(),
                    })
                    .collect(),
                nums: self
                    .nums
                    .iter()
                    .map(|c| Numeric {
                        name: c.name.clone(),
                        values: Vec::with_capacity(k),
                    })
                    .collect(),
            })
            .collect();
        // each thread scans the codes and fills its own group of levels
        let per = nlevels.div_ceil(rayon::current_num_threads().max(1)).max(1);
        out.par_chunks_mut(per).enumerate().for_each(|(g, group)| {
            let lo = (g * per) as u32;
            for (i, &c) in codes.iter().enumerate() {
                let Some(p) = c.checked_sub(lo).and_then(|k| group.get_mut(k as usize)) else {
                    continue;
                };
                p.x.push(self.x[i]);
                p.w.push(self.w[i]);
                if let (Some(r), Some(src)) = (p.row.as_mut(), self.row.as_ref()) {
                    r.push(src[i]);
                }
                for (dst, src) in p.cats.iter_mut().zip(&cats) {
                    dst.codes.push(src.codes[i]);
                }
                for (dst, src) in p.nums.iter_mut().zip(self.nums.iter()) {
                    dst.values.push(src.values[i]);
                }
            }
        });
        out
    }

    /// An empty distribution (used for absent groups).
    pub(crate) fn empty() -> Distribution {
        Distribution::from_sorted_parts(vec![], vec![], None)
    }

    /// The same observations, in the same order, with other weights given per
    /// *sorted position* (replicate weights; zeros allowed).
    ///
    /// # Errors
    /// [`MeasureError::LengthMismatch`], or [`MeasureError::BadWeight`] for a negative or non-finite weight.
    pub fn reweighted(&self, sorted_weights: Vec<f64>) -> Result<Distribution> {
        self.reweighted_reusing(sorted_weights, Vec::new())
    }

    /// As [`Distribution::reweighted`], writing the cumulative weights into
    /// `buffer` (a vector to reuse, e.g. from [`Distribution::into_buffers`]
    /// of the previous replicate: no fresh memory per replicate).
    ///
    /// # Errors
    /// As [`Distribution::reweighted`].
    pub fn reweighted_reusing(
        &self,
        sorted_weights: Vec<f64>,
        buffer: Vec<f64>,
    ) -> Result<Distribution> {
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
                row: self.row_of(i),
                value: sorted_weights[i],
            });
        }
        let mut d = Distribution::from_buffers(
            Arc::clone(&self.x),
            sorted_weights,
            self.row.clone(),
            buffer,
        );
        d.cats = Arc::clone(&self.cats);
        d.nums = Arc::clone(&self.nums);
        Ok(d)
    }

    /// The weights and cumulative weights, to reuse as buffers.
    pub fn into_buffers(self) -> (Vec<f64>, Vec<f64>) {
        (self.w, self.cum)
    }
}

/// A domain split off a distribution, sorted, whose cumulative weights are not
/// computed yet (see [`Distribution::split_lazily`]).
#[derive(Debug, Clone, Default)]
pub struct Pending {
    x: Vec<f64>,
    w: Vec<f64>,
    row: Option<Vec<u32>>,
    cats: Vec<Category>,
    nums: Vec<Numeric>,
}

impl Pending {
    /// Number of observations.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when the domain has no observations.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The domain as a distribution.
    pub fn into_distribution(self) -> Distribution {
        let mut d = Distribution::from_sorted_parts(self.x, self.w, self.row);
        d.cats = Arc::new(self.cats);
        d.nums = Arc::new(self.nums);
        d
    }
}

/// Compensated inclusive prefix sums of `w` and the compensated total of `w·x`, in one pass.
/// `cum` is a buffer to reuse (its contents are overwritten).
fn prefix_and_total(x: &[f64], w: &[f64], mut cum: Vec<f64>) -> (Vec<f64>, f64) {
    let n = x.len();
    cum.clear();
    cum.resize(n, 0.0);
    if n < PAR_MIN {
        let (mut a, mut t) = (Acc::default(), Acc::default());
        for i in 0..n {
            a.add(w[i]);
            t.add(w[i] * x[i]);
            cum[i] = a.value();
        }
        return (cum, t.value());
    }
    let parts: Vec<(Acc, Acc)> = w
        .par_chunks(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .map(|(wc, xc)| {
            let (mut a, mut t) = (Acc::default(), Acc::default());
            for (wi, xi) in wc.iter().zip(xc) {
                a.add(*wi);
                t.add(wi * xi);
            }
            (a, t)
        })
        .collect();
    let mut starts = Vec::with_capacity(parts.len());
    let (mut run, mut total) = (Acc::default(), Acc::default());
    for (a, t) in &parts {
        starts.push(run);
        run.merge(*a);
        total.merge(*t);
    }
    cum.par_chunks_mut(CHUNK)
        .zip(w.par_chunks(CHUNK))
        .zip(starts.par_iter())
        .for_each(|((o, c), s)| {
            let mut a = *s;
            for (oi, &wi) in o.iter_mut().zip(c) {
                a.add(wi);
                *oi = a.value();
            }
        });
    (cum, total.value())
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
    parent: &'a Distribution,
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

    /// Σ w x over positions `lo..hi` of this view: summed directly over the
    /// range or, when that is the longer side, as the total minus the rest —
    /// so no query reads more than half the observations.
    pub fn partial_total(&self, lo: usize, hi: usize) -> f64 {
        let hi = hi.min(self.len());
        if hi <= lo {
            return 0.0;
        }
        let (x, w) = (self.x, self.w);
        if 2 * (hi - lo) <= self.len() || hi - lo < 4096 {
            return sum_range(lo, hi, |i| w[i] * x[i]);
        }
        let rest = crate::sum::sums_by::<1, _>(0, lo, |i| [w[i] * x[i]])[0]
            + crate::sum::sums_by::<1, _>(hi, self.len(), |i| [w[i] * x[i]])[0];
        self.t - rest
    }

    /// The distribution this view belongs to.
    pub fn parent(&self) -> &'a Distribution {
        self.parent
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
        let t = self.partial_total(lo, hi);
        View {
            x: &self.x[lo..hi],
            w: &self.w[lo..hi],
            cum: &self.cum[lo..hi],
            base,
            n_w: n_w.max(0.0),
            t,
            offset: self.offset + lo,
            parent: self.parent,
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
    fn one_numeric_travels_with_its_rows_whatever_the_input_order() {
        // ties in value and weight, so the payload decides the order among them
        let x = [2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 2.0];
        let w = [1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 3.0];
        let v = [7.0, 5.0, 3.0, 9.0, 4.0, 3.0, 1.0];
        let build = |order: &[usize]| {
            let pick = |a: &[f64]| order.iter().map(|&i| a[i]).collect::<Vec<_>>();
            Distribution::builder_owned(pick(&x), Some(pick(&w)))
                .numeric("psu", pick(&v))
                .build()
                .unwrap()
        };
        let d = build(&[0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(d.values(), &[1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0]);
        assert_eq!(d.weights(), &[2.0, 2.0, 1.0, 1.0, 1.0, 3.0, 1.0]);
        assert_eq!(
            d.numeric("psu").unwrap().values,
            [4.0, 5.0, 3.0, 3.0, 7.0, 1.0, 9.0]
        );
        let r = build(&[6, 3, 5, 0, 4, 2, 1]);
        assert_eq!(r.values(), d.values());
        assert_eq!(r.weights(), d.weights());
        assert_eq!(
            r.numeric("psu").unwrap().values,
            d.numeric("psu").unwrap().values
        );
        // the general path (rows kept) pairs every value with the same payload
        let g = Distribution::builder(&x, Some(&w))
            .numeric("psu", &v[..])
            .keep_rows()
            .build()
            .unwrap();
        let pairs = |d: &Distribution| {
            let mut p: Vec<(f64, f64, f64)> = (0..d.len())
                .map(|i| {
                    (
                        d.values()[i],
                        d.weights()[i],
                        d.numeric("psu").unwrap().values[i],
                    )
                })
                .collect();
            p.sort_by(|a, b| a.partial_cmp(b).unwrap());
            p
        };
        assert_eq!(pairs(&g), pairs(&d));
    }

    #[test]
    fn sorts_and_accumulates() {
        let d = Distribution::builder(&[3.0, 1.0, 2.0], Some(&[1.0, 2.0, 3.0]))
            .keep_rows()
            .build()
            .unwrap();
        assert_eq!(d.values(), &[1.0, 2.0, 3.0]);
        assert_eq!(d.weights(), &[2.0, 3.0, 1.0]);
        assert_eq!(d.rows().unwrap(), &[1, 2, 0]);
        assert_eq!(d.total_weight(), 6.0);
        assert_eq!(d.total(), 2.0 + 6.0 + 3.0);
        let v = d.view();
        assert_eq!(v.c(1), 5.0);
        let s = v.slice(1, 3);
        assert_eq!(s.c(0), 3.0);
        assert_eq!(s.total_weight(), 4.0);
        assert_eq!(s.total(), 9.0);
        assert!(Distribution::new(&[1.0], None).unwrap().rows().is_none());
    }

    #[test]
    fn ties_are_canonical() {
        let a = Distribution::builder(&[5.0, 1.0, 5.0, 5.0], Some(&[3.0, 1.0, 1.0, 2.0]))
            .keep_rows()
            .build()
            .unwrap();
        assert_eq!(a.weights(), &[1.0, 1.0, 2.0, 3.0]);
        assert_eq!(a.rows().unwrap(), &[1, 2, 3, 0]);
        let b = Distribution::new(&[5.0, 5.0, 1.0, 5.0], Some(&[2.0, 3.0, 1.0, 1.0])).unwrap();
        assert_eq!(b.weights(), a.weights());
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
        assert!(matches!(
            Distribution::builder(&[1.0, 2.0], None)
                .category("g", &[0, 3], vec!["a".into()])
                .build(),
            Err(MeasureError::Invalid(_))
        ));
    }

    #[test]
    fn domains_keep_order_and_columns() {
        let d = Distribution::builder(&[5.0, 1.0, 4.0, 2.0], None)
            .numeric("size", &[50.0, 10.0, 40.0, 20.0])
            .category("g", &[0, 1, 0, 1], vec!["a".into(), "b".into()])
            .build()
            .unwrap();
        let parts = d.split_by("g").unwrap();
        assert_eq!(parts[0].values(), &[4.0, 5.0]);
        assert_eq!(parts[1].values(), &[1.0, 2.0]);
        assert_eq!(parts[0].numeric("size").unwrap().values, vec![40.0, 50.0]);
        assert!(parts[1].rows().is_none());
        let pos = d.positions_by("g").unwrap();
        assert_eq!(pos, vec![vec![2, 3], vec![0, 1]]);
        assert_eq!(d.gather(&pos[1]), parts[1]);
    }

    #[test]
    fn partial_totals_from_prefix_sums() {
        let x: Vec<f64> = (0..10_000).map(|i| (i % 97) as f64 + 0.5).collect();
        let d = Distribution::new(&x, None).unwrap();
        let v = d.view();
        let direct: f64 = d.values()[100..9000].iter().sum();
        assert!((v.partial_total(100, 9000) - direct).abs() < 1e-9);
        assert_eq!(v.slice(0, 10).total(), d.values()[..10].iter().sum::<f64>());
    }
}
