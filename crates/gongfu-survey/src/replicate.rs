//! Replicate-weight variance: supplied replicate weights (bootstrap, JK1, JKn,
//! BRR, Fay, SDR), generated ones (delete-one-PSU jackknife, Rao–Wu rescaling
//! bootstrap), replicate estimates of any measure and their variance.
//!
//! The variance follows R survey's `svrVar`:
//! `V = scale · Σ_r rscales_r (θ_r − c)²`, with `c` the mean of the replicate
//! estimates (`mse = false`, survey's default) or the full-sample estimate
//! (`mse = true`).
//!
//! Replicate estimates never sort again: the whole distribution is sorted once
//! (built with [`Builder::keep_rows`](gongfu_measures::Builder::keep_rows)) and
//! every replicate is the same observations in the same order with the
//! replicate's weights ([`Distribution::reweighted`]). Relative thresholds
//! (national medians) are re-estimated in every replicate, as convey does.
//!
//! ```
//! use gongfu_measures::{Distribution, Measure};
//! use gongfu_survey::{ReplicateOptions, Replicates, replicate_estimates, replicate_variance};
//!
//! let x = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
//! let w = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
//! let (strata, psu) = ([0, 0, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5]);
//! let reps = Replicates::jkn(&strata, &psu, &w)?;
//! let whole = Distribution::builder(&x, Some(&w)).keep_rows().build()?;
//! let mean = Measure::parse_list("mean")?.remove(0);
//! let est = replicate_estimates(&whole, None, &mean, ReplicateOptions::default(), &reps)?;
//! let full = mean.value(&gongfu_measures::Ctx::new(&whole))?;
//! let v = replicate_variance(&est[0], full, &reps);
//! assert!(v > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::design::SurveyError;
use gongfu_measures::{Ctx, Distribution, Measure, MeasureError, NonPositive, QuantileRule};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The kind of replicate weights, which sets the default variance scale.
///
/// Defaults follow R survey 4.x (`svrepdesign.default` and `as.svrepdesign`
/// in `surveyrep.R`), with `R` the number of replicates:
///
/// | kind | `scale` | `rscales` |
/// |---|---|---|
/// | `Bootstrap` | `1/(R − 1)` | 1 |
/// | `Jk1` | `(R − 1)/R` | 1 |
/// | `Jkn` | 1 | `(n_h − 1)/n_h` of the stratum of the deleted PSU (must be supplied for given columns) |
/// | `Brr` | `1/R` | 1 |
/// | `Fay { rho }` | `1/(R (1 − ρ)²)` | 1 |
/// | `Sdr` (successive difference, ACS) | `4/R` | 1 |
/// | `Other` | 1 | 1 |
///
/// A scale or rscales given by the user replaces the default (R survey
/// recomputes the scale of BRR and Fay designs whatever is given; here a
/// given scale wins for every kind).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RepType {
    /// Bootstrap replicates.
    Bootstrap,
    /// Delete-one-PSU jackknife of an unstratified design.
    Jk1,
    /// Stratified delete-one-PSU jackknife.
    Jkn,
    /// Balanced repeated replication (half-samples).
    Brr,
    /// Fay's modified BRR with perturbation factor `rho` (0 ≤ ρ < 1).
    Fay {
        /// Fay's ρ.
        rho: f64,
    },
    /// Successive difference replication (as in the American Community Survey).
    Sdr,
    /// Anything else (scale and rscales 1 unless given).
    Other,
}

impl RepType {
    /// The type's name: `bootstrap`, `jk1`, `jkn`, `brr`, `fay`, `sdr`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            RepType::Bootstrap => "bootstrap",
            RepType::Jk1 => "jk1",
            RepType::Jkn => "jkn",
            RepType::Brr => "brr",
            RepType::Fay { .. } => "fay",
            RepType::Sdr => "sdr",
            RepType::Other => "other",
        }
    }

    /// The default `scale` for `replicates` replicates (see the table above).
    ///
    /// # Errors
    /// [`SurveyError::Invalid`] for a bootstrap with fewer than 2 replicates,
    /// no replicates at all, or a Fay ρ outside `[0, 1)`.
    pub fn default_scale(self, replicates: usize) -> Result<f64, SurveyError> {
        if replicates == 0 {
            return Err(SurveyError::Invalid(
                "there are no replicate weights".into(),
            ));
        }
        let r = replicates as f64;
        Ok(match self {
            RepType::Bootstrap => {
                if replicates < 2 {
                    return Err(SurveyError::Invalid(
                        "a bootstrap needs at least 2 replicates for its default scale 1/(R − 1)"
                            .into(),
                    ));
                }
                1.0 / (r - 1.0)
            }
            RepType::Jk1 => (r - 1.0) / r,
            RepType::Jkn | RepType::Other => 1.0,
            RepType::Brr => 1.0 / r,
            RepType::Fay { rho } => {
                check_rho(rho)?;
                1.0 / (r * (1.0 - rho) * (1.0 - rho))
            }
            RepType::Sdr => 4.0 / r,
        })
    }
}

fn check_rho(rho: f64) -> Result<(), SurveyError> {
    if !(rho.is_finite() && (0.0..1.0).contains(&rho)) {
        return Err(SurveyError::Invalid(format!(
            "Fay's rho must be in [0, 1), got {rho}"
        )));
    }
    Ok(())
}

impl std::fmt::Display for RepType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepType::Fay { rho } => write!(f, "fay({rho})"),
            other => f.write_str(other.name()),
        }
    }
}

impl std::str::FromStr for RepType {
    type Err = SurveyError;
    /// `bootstrap`, `jk1`, `jkn`, `brr`, `fay(RHO)` (also `fay=RHO`), `sdr`
    /// (also `successive-difference`, `acs`), `other`; case-insensitive.
    fn from_str(s: &str) -> Result<Self, SurveyError> {
        let t = s.trim().to_ascii_lowercase();
        let simple = match t.as_str() {
            "bootstrap" => Some(RepType::Bootstrap),
            "jk1" => Some(RepType::Jk1),
            "jkn" => Some(RepType::Jkn),
            "brr" => Some(RepType::Brr),
            "sdr" | "successive-difference" | "acs" => Some(RepType::Sdr),
            "other" => Some(RepType::Other),
            _ => None,
        };
        if let Some(k) = simple {
            return Ok(k);
        }
        let rho = t
            .strip_prefix("fay(")
            .and_then(|r| r.strip_suffix(')'))
            .or_else(|| t.strip_prefix("fay="))
            .and_then(|r| r.trim().parse::<f64>().ok());
        match rho {
            Some(rho) => {
                check_rho(rho)?;
                Ok(RepType::Fay { rho })
            }
            None => Err(SurveyError::Invalid(format!(
                "replicate type must be bootstrap, jk1, jkn, brr, fay(RHO), sdr or other, not {s:?}"
            ))),
        }
    }
}

/// How the replicate weights are held.
#[derive(Debug, Clone, PartialEq)]
enum Storage<'a> {
    /// One weight per input row for each replicate.
    Columns(Vec<Cow<'a, [f64]>>),
    /// Replicate weight of row `i` = `base[i] · factors[r][psu[i]]` (generated designs).
    Factors {
        base: Vec<f64>,
        psu: Vec<u32>,
        factors: Vec<Vec<f64>>,
    },
}

/// Replicate weights with their variance constants.
///
/// Built from supplied columns ([`Replicates::supplied`]) or generated from
/// the design ([`Replicates::jkn`], [`Replicates::bootstrap`]). Generated
/// designs are held compactly (one factor per PSU and replicate).
#[derive(Debug, Clone, PartialEq)]
pub struct Replicates<'a> {
    storage: Storage<'a>,
    /// The overall multiplier of the variance.
    pub scale: f64,
    /// The multiplier of each replicate's squared deviation.
    pub rscales: Vec<f64>,
    /// Centre the deviations at the full-sample estimate (`true`) or at the
    /// mean of the replicate estimates (`false`, R survey's default).
    pub mse: bool,
    /// The kind of replicates.
    pub kind: RepType,
    /// [`Replicates::degf`], computed on first use (a pass over every weight).
    degf: Derived,
}

/// A value derived from the weights, computed once: not part of equality.
#[derive(Debug, Clone, Default)]
struct Derived(OnceLock<f64>);

impl PartialEq for Derived {
    fn eq(&self, _: &Derived) -> bool {
        true
    }
}

/// Checks a weight-like value: finite and `>= 0`.
fn bad_weight(v: f64) -> bool {
    !(v.is_finite() && v >= 0.0)
}

/// Dense PSUs of a stratified design, in R survey's replicate order: strata in
/// order of first appearance, PSUs within a stratum in order of first appearance.
struct Psus {
    /// Dense PSU index of each row (in replicate order).
    of_row: Vec<u32>,
    /// Stratum code of each PSU.
    stratum: Vec<u32>,
    /// The PSU indices of each stratum, strata in order of first appearance.
    groups: Vec<Vec<u32>>,
}

fn dense_psus(strata: &[u32], psu: &[u32], weights: &[f64]) -> Result<Psus, SurveyError> {
    let n = weights.len();
    for (name, len) in [("strata", strata.len()), ("psu", psu.len())] {
        if len != n {
            return Err(SurveyError::Invalid(format!(
                "design column {name} has {len} rows, expected {n} (the weights)"
            )));
        }
    }
    if n == 0 {
        return Err(SurveyError::Invalid("there are no rows".into()));
    }
    if let Some(i) = weights.iter().position(|&w| bad_weight(w)) {
        return Err(SurveyError::Invalid(format!(
            "row {}: weight must be a finite number >= 0, got {}",
            i + 1,
            weights[i]
        )));
    }
    // stratum -> (order, PSUs in order of first appearance)
    let mut strata_order: HashMap<u32, usize> = HashMap::new();
    let mut members: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut local: HashMap<(u32, u32), usize> = HashMap::new();
    let mut row_local = Vec::with_capacity(n);
    for i in 0..n {
        let h = *strata_order.entry(strata[i]).or_insert_with(|| {
            members.push((strata[i], Vec::new()));
            members.len() - 1
        });
        let k = *local.entry((strata[i], psu[i])).or_insert_with(|| {
            members[h].1.push(psu[i]);
            members[h].1.len() - 1
        });
        row_local.push((h, k));
    }
    let mut offset = Vec::with_capacity(members.len());
    let mut total = 0usize;
    for (_, m) in &members {
        offset.push(total);
        total += m.len();
    }
    if total > u32::MAX as usize {
        return Err(SurveyError::Invalid(format!("too many PSUs: {total}")));
    }
    let of_row = row_local
        .iter()
        .map(|&(h, k)| (offset[h] + k) as u32)
        .collect();
    let mut stratum = Vec::with_capacity(total);
    let mut groups = Vec::with_capacity(members.len());
    for (h, (code, m)) in members.iter().enumerate() {
        stratum.extend(std::iter::repeat_n(*code, m.len()));
        groups.push((offset[h]..offset[h] + m.len()).map(|j| j as u32).collect());
    }
    Ok(Psus {
        of_row,
        stratum,
        groups,
    })
}

fn single_psu(stratum: u32, what: &str) -> SurveyError {
    SurveyError::Invalid(format!(
        "stratum {stratum} has a single PSU: the {what} needs at least 2 PSUs in every stratum \
         (merge the stratum with a neighbour or use linearisation with a lonely-PSU rule)"
    ))
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose
/// stream is fixed by the seed on every platform.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), without modulo bias (Lemire 2019).
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

impl<'a> Replicates<'a> {
    /// Replicate weights given as columns: `columns[r][i]` is the weight of
    /// input row `i` in replicate `r` (the analysis weights, i.e. already
    /// multiplied by the sampling weight). `scale` and `rscales` replace the
    /// defaults of `kind` ([`RepType`]); `rscales` may have one value (used
    /// for every replicate) or one per replicate.
    ///
    /// # Errors
    /// [`SurveyError::Invalid`] naming the replicate column (1-based) and row
    /// (1-based) of a weight that is not finite and `>= 0`; for columns of
    /// different lengths, no columns or no rows; for a non-finite or negative
    /// scale or rscale, an rscales vector of the wrong length, or JKn weights
    /// without rscales (they depend on the PSUs per stratum, which columns do
    /// not tell).
    pub fn supplied(
        columns: Vec<impl Into<Cow<'a, [f64]>>>,
        kind: RepType,
        scale: Option<f64>,
        rscales: Option<Vec<f64>>,
        mse: bool,
    ) -> Result<Replicates<'a>, SurveyError> {
        let columns: Vec<Cow<'a, [f64]>> = columns.into_iter().map(Into::into).collect();
        let r = columns.len();
        if r == 0 {
            return Err(SurveyError::Invalid(
                "there are no replicate weight columns".into(),
            ));
        }
        let n = columns[0].len();
        if n == 0 {
            return Err(SurveyError::Invalid(
                "replicate weight column 1 has no rows".into(),
            ));
        }
        for (c, col) in columns.iter().enumerate() {
            if col.len() != n {
                return Err(SurveyError::Invalid(format!(
                    "replicate weight column {} has {} rows, column 1 has {n}",
                    c + 1,
                    col.len()
                )));
            }
            if let Some(i) = col.iter().position(|&w| bad_weight(w)) {
                return Err(SurveyError::Invalid(format!(
                    "replicate weight column {}, row {}: weight must be a finite number >= 0, got {}",
                    c + 1,
                    i + 1,
                    col[i]
                )));
            }
        }
        if let RepType::Fay { rho } = kind {
            check_rho(rho)?;
        }
        let scale = match scale {
            Some(s) if bad_weight(s) => {
                return Err(SurveyError::Invalid(format!(
                    "the replicate scale must be a finite number >= 0, got {s}"
                )));
            }
            Some(s) => s,
            None => kind.default_scale(r)?,
        };
        let rscales = match rscales {
            None if kind == RepType::Jkn => {
                return Err(SurveyError::Invalid(
                    "JKn replicate weights need rscales: (n_h − 1)/n_h for the stratum of each replicate's deleted PSU".into(),
                ));
            }
            None => vec![1.0; r],
            Some(v) => {
                if let Some(k) = v.iter().position(|&s| bad_weight(s)) {
                    return Err(SurveyError::Invalid(format!(
                        "rscale {} must be a finite number >= 0, got {}",
                        k + 1,
                        v[k]
                    )));
                }
                match v.len() {
                    1 => vec![v[0]; r],
                    len if len == r => v,
                    len => {
                        return Err(SurveyError::Invalid(format!(
                            "{len} rscales for {r} replicate weight columns (give 1 or {r})"
                        )));
                    }
                }
            }
        };
        Ok(Replicates {
            storage: Storage::Columns(columns),
            scale,
            rscales,
            mse,
            kind,
            degf: Derived::default(),
        })
    }

    /// The stratified delete-one-PSU jackknife of R survey's
    /// `as.svrepdesign(design, type = "JKn")`: one replicate per PSU, strata
    /// in order of first appearance and PSUs within a stratum in order of
    /// first appearance; in the replicate that deletes PSU `j` of stratum `h`
    /// the rows of `j` get weight 0, the other PSUs of `h` get
    /// `w · n_h/(n_h − 1)` and other strata keep `w`. `rscales_r = (n_h − 1)/n_h`,
    /// `scale = 1`, `mse = false` (set the field to change it). PSU codes may
    /// repeat across strata (PSUs are nested in strata). No finite-population
    /// correction.
    ///
    /// # Errors
    /// [`SurveyError::Invalid`] for columns of different lengths, no rows, a
    /// weight that is not finite and `>= 0` (naming the 1-based row), or a
    /// stratum with a single PSU (naming the stratum code).
    pub fn jkn(
        strata: &[u32],
        psu: &[u32],
        weights: &[f64],
    ) -> Result<Replicates<'a>, SurveyError> {
        let p = dense_psus(strata, psu, weights)?;
        let npsu = p.stratum.len();
        let mut factors = Vec::with_capacity(npsu);
        let mut rscales = Vec::with_capacity(npsu);
        for g in &p.groups {
            let nh = g.len();
            if nh < 2 {
                return Err(single_psu(
                    p.stratum[g[0] as usize],
                    "delete-one-PSU jackknife (JKn)",
                ));
            }
            let nh = nh as f64;
            let up = nh / (nh - 1.0);
            for &deleted in g {
                let mut f = vec![1.0; npsu];
                for &j in g {
                    f[j as usize] = if j == deleted { 0.0 } else { up };
                }
                factors.push(f);
                rscales.push((nh - 1.0) / nh);
            }
        }
        Ok(Replicates {
            storage: Storage::Factors {
                base: weights.to_vec(),
                psu: p.of_row,
                factors,
            },
            scale: 1.0,
            rscales,
            mse: false,
            kind: RepType::Jkn,
            degf: Derived::default(),
        })
    }

    /// The Rao–Wu (1988) rescaling bootstrap: in every replicate and stratum,
    /// `n_h − 1` PSUs are drawn with replacement from the `n_h` PSUs; a PSU
    /// drawn `k` times gets the multiplier `k · n_h/(n_h − 1)`. `scale =
    /// 1/(R − 1)`, `rscales = 1`, `mse = false`. For a linear statistic the
    /// expected bootstrap variance equals the with-replacement linearised
    /// variance `Σ_h n_h/(n_h − 1) Σ_j (Z_hj − Z̄_h)²`.
    ///
    /// The draws are deterministic from `seed` (SplitMix64; replicates in
    /// order, strata and PSUs in order of first appearance), so the same
    /// inputs and seed give the same weights on every platform. (They do not
    /// reproduce R's `bootweights`, which draws `n_h` PSUs from R's own
    /// generator.)
    ///
    /// # Errors
    /// As [`Replicates::jkn`], and for fewer than 2 replicates.
    pub fn bootstrap(
        strata: &[u32],
        psu: &[u32],
        weights: &[f64],
        replicates: usize,
        seed: u64,
    ) -> Result<Replicates<'a>, SurveyError> {
        if replicates < 2 {
            return Err(SurveyError::Invalid(format!(
                "the bootstrap needs at least 2 replicates, got {replicates}"
            )));
        }
        let p = dense_psus(strata, psu, weights)?;
        if let Some(g) = p.groups.iter().find(|g| g.len() < 2) {
            return Err(single_psu(p.stratum[g[0] as usize], "rescaling bootstrap"));
        }
        let npsu = p.stratum.len();
        let mut rng = SplitMix64(seed);
        let mut factors = Vec::with_capacity(replicates);
        for _ in 0..replicates {
            let mut f = vec![0.0; npsu];
            for g in &p.groups {
                let nh = g.len();
                let up = nh as f64 / (nh as f64 - 1.0);
                for _ in 0..nh - 1 {
                    let k = rng.below(nh as u64) as usize;
                    f[g[k] as usize] += up;
                }
            }
            factors.push(f);
        }
        Ok(Replicates {
            storage: Storage::Factors {
                base: weights.to_vec(),
                psu: p.of_row,
                factors,
            },
            scale: 1.0 / (replicates as f64 - 1.0),
            rscales: vec![1.0; replicates],
            mse: false,
            kind: RepType::Bootstrap,
            degf: Derived::default(),
        })
    }

    /// Sets `mse` (builder style).
    pub fn with_mse(mut self, mse: bool) -> Replicates<'a> {
        self.mse = mse;
        self
    }

    /// Number of replicates R.
    pub fn len(&self) -> usize {
        match &self.storage {
            Storage::Columns(c) => c.len(),
            Storage::Factors { factors, .. } => factors.len(),
        }
    }

    /// True when there are no replicates (never for a constructed value).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of input rows the weights describe.
    pub fn n_rows(&self) -> usize {
        match &self.storage {
            Storage::Columns(c) => c.first().map_or(0, |c| c.len()),
            Storage::Factors { base, .. } => base.len(),
        }
    }

    /// The weights of replicate `r` (0-based) per input row, or `None` when
    /// there is no such replicate.
    pub fn column(&self, r: usize) -> Option<Vec<f64>> {
        match &self.storage {
            Storage::Columns(c) => c.get(r).map(|c| c.to_vec()),
            Storage::Factors { base, psu, factors } => {
                let f = factors.get(r)?;
                Some(
                    base.iter()
                        .zip(psu)
                        .map(|(&w, &j)| w * f[j as usize])
                        .collect(),
                )
            }
        }
    }

    /// The weights of replicate `r` at the given input rows (all `< n_rows`),
    /// written into `out` (a buffer to reuse; its contents are replaced).
    fn gather_into(&self, r: usize, rows: &[u32], mut out: Vec<f64>) -> Vec<f64> {
        out.clear();
        match &self.storage {
            Storage::Columns(c) => {
                let col = &c[r];
                out.extend(rows.iter().map(|&i| col[i as usize]));
            }
            Storage::Factors { base, psu, factors } => {
                let f = &factors[r];
                out.extend(
                    rows.iter()
                        .map(|&i| base[i as usize] * f[psu[i as usize] as usize]),
                );
            }
        }
        out
    }

    /// Degrees of freedom as R survey's `degf` for replicate designs: the
    /// rank of the matrix of replicate weights (rows × R) minus 1, a column
    /// counting as dependent when its part orthogonal to the earlier
    /// independent columns has a norm below 1e-5 of its own (the criterion of
    /// `qr(…, tol = 1e-5)`); at least 1. Computed once, on first use, from the
    /// R × R matrix of inner products of the columns: `O(n · R²/2)` for
    /// supplied columns (in parallel over blocks of rows) and
    /// `O(#PSU · R²/2)` for generated ones.
    pub fn degf(&self) -> f64 {
        *self.degf.0.get_or_init(|| {
            let rank = match &self.storage {
                Storage::Columns(c) => {
                    let cols: Vec<&[f64]> = c.iter().map(|c| c.as_ref()).collect();
                    rank_of_gram(&gram(&cols), cols.len())
                }
                // the columns' equivalent in PSU space: ⟨c_r, c_s⟩ =
                // Σ_j B_j f_r[j] f_s[j] with B_j = Σ_{i ∈ j} w_i², so
                // g_r[j] = √B_j f_r[j] has the same Gram matrix (and rank)
                Storage::Factors { base, psu, factors } => {
                    let npsu = factors.first().map_or(0, Vec::len);
                    let mut b = vec![0.0; npsu];
                    for (&w, &j) in base.iter().zip(psu) {
                        b[j as usize] += w * w;
                    }
                    let root: Vec<f64> = b.iter().map(|v| v.sqrt()).collect();
                    let g: Vec<Vec<f64>> = factors
                        .iter()
                        .map(|f| f.iter().zip(&root).map(|(a, r)| a * r).collect())
                        .collect();
                    let cols: Vec<&[f64]> = g.iter().map(Vec::as_slice).collect();
                    rank_of_gram(&gram(&cols), cols.len())
                }
            };
            (rank as f64 - 1.0).max(1.0)
        })
    }
}

/// The inner products of equally long columns, `G[a·R + b] = ⟨c_a, c_b⟩` for
/// `b ≤ a` (the lower triangle; the rest is 0). Blocks of rows are summed in
/// parallel, each with eight running sums per product.
fn gram(cols: &[&[f64]]) -> Vec<f64> {
    const BLOCK: usize = 2048;
    let r = cols.len();
    let n = cols.first().map_or(0, |c| c.len());
    let dot = |a: &[f64], b: &[f64]| -> f64 {
        let mut acc = [0.0f64; 8];
        let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for k in 0..8 {
                acc[k] += x[k] * y[k];
            }
        }
        let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
        acc.iter().sum::<f64>() + tail
    };
    (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .fold(
            || vec![0.0; r * r],
            |mut g, block| {
                let rows = block * BLOCK..((block + 1) * BLOCK).min(n);
                for a in 0..r {
                    let ca = &cols[a][rows.clone()];
                    for b in 0..=a {
                        g[a * r + b] += dot(ca, &cols[b][rows.clone()]);
                    }
                }
                g
            },
        )
        .reduce(
            || vec![0.0; r * r],
            |mut g, h| {
                g.iter_mut().zip(h).for_each(|(a, b)| *a += b);
                g
            },
        )
}

/// The rank of a set of `r` vectors from their Gram matrix (lower triangle,
/// as [`gram`]) under `qr(…, tol = 1e-5)`'s criterion: taken in order, a
/// vector is dependent when its part orthogonal to the earlier independent
/// ones has a norm below 1e-5 of its own. The squared norm of that part is
/// the Schur complement `G_cc − yᵀy`, with `L y = G_{S,c}` and `L` the
/// Cholesky factor of the Gram matrix of the independent ones `S`.
fn rank_of_gram(g: &[f64], r: usize) -> usize {
    const TOL: f64 = 1e-5;
    let at = |a: usize, b: usize| if a >= b { g[a * r + b] } else { g[b * r + a] };
    // rows of L, one per independent vector: (its index, L's row)
    let mut basis: Vec<(usize, Vec<f64>)> = Vec::new();
    for c in 0..r {
        let gcc = at(c, c);
        if !(gcc > 0.0) {
            continue;
        }
        let mut y: Vec<f64> = Vec::with_capacity(basis.len() + 1);
        for (s, row) in &basis {
            let k = y.len();
            let v = at(c, *s) - row[..k].iter().zip(&y).map(|(l, y)| l * y).sum::<f64>();
            y.push(v / row[k]);
        }
        let rest = gcc - y.iter().map(|v| v * v).sum::<f64>();
        if rest > 0.0 && rest >= TOL * TOL * gcc {
            y.push(rest.sqrt());
            basis.push((c, y));
        }
    }
    basis.len()
}

/// The replicate variance `scale · Σ_r rscales_r (θ_r − c)²`, with `c` the
/// mean of `estimates` when `reps.mse` is false (R survey's default) or
/// `full` (the full-sample estimate) when it is true.
///
/// NaN when `estimates` does not have one value per replicate.
pub fn replicate_variance(estimates: &[f64], full: f64, reps: &Replicates) -> f64 {
    if estimates.is_empty() || estimates.len() != reps.rscales.len() {
        return f64::NAN;
    }
    let centre = if reps.mse {
        full
    } else {
        estimates.iter().sum::<f64>() / estimates.len() as f64
    };
    let ss: f64 = estimates
        .iter()
        .zip(&reps.rscales)
        .map(|(&t, &s)| s * (t - centre) * (t - centre))
        .sum();
    reps.scale * ss
}

/// Evaluation options shared by the full sample and its replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplicateOptions {
    /// The quantile rule (convey's replicate results use [`QuantileRule::InverseCdf`]).
    pub rule: QuantileRule,
    /// The non-positive income policy.
    pub nonpositive: NonPositive,
}

/// A domain of the whole distribution: a category attached to it and the
/// index of one of its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainSpec<'a> {
    /// The category's name.
    pub category: &'a str,
    /// The level's index (its code).
    pub level: usize,
}

/// The replicate estimates of one measure: one vector per output part of the
/// measure (one for most measures, nine for `deciles`), each with one value
/// per replicate. See [`replicate_estimates_many`].
///
/// # Errors
/// As [`replicate_estimates_many`].
pub fn replicate_estimates(
    whole: &Distribution,
    domain: Option<DomainSpec<'_>>,
    measure: &Measure,
    options: ReplicateOptions,
    reps: &Replicates,
) -> Result<Vec<Vec<f64>>, SurveyError> {
    Ok(
        replicate_estimates_many(whole, domain, std::slice::from_ref(measure), options, reps)?
            .pop()
            .unwrap_or_default(),
    )
}

/// The replicate estimates of several measures, `[measure][part][replicate]`.
///
/// `whole` is the whole sample, sorted once and built with
/// [`Builder::keep_rows`](gongfu_measures::Builder::keep_rows) (its rows
/// index the replicate weights). In each replicate (in parallel) the whole is
/// reweighted with the replicate's weights, the domain (if any) is taken from
/// it, and every measure is evaluated with `Ctx::new(domain).with_whole(whole)`,
/// so relative thresholds are re-estimated from each replicate's whole sample.
///
/// # Errors
/// [`SurveyError::NoRows`]; [`SurveyError`] when the rows of
/// `whole` exceed the replicate weights' rows; [`SurveyError::Measure`]
/// for a missing domain category or level; [`SurveyError::Replicate`] when
/// a measure fails in a replicate (e.g. a domain with no weight left).
pub fn replicate_estimates_many(
    whole: &Distribution,
    domain: Option<DomainSpec<'_>>,
    measures: &[Measure],
    options: ReplicateOptions,
    reps: &Replicates,
) -> Result<Vec<Vec<Vec<f64>>>, SurveyError> {
    let rows = whole.rows().ok_or(SurveyError::NoRows)?;
    if let Some(&max) = rows.iter().max()
        && max as usize >= reps.n_rows()
    {
        return Err(SurveyError::Invalid(format!(
            "the replicate weights have {} rows but the distribution has input row {}",
            reps.n_rows(),
            max as usize + 1
        )));
    }
    let dom = match domain {
        None => None,
        Some(spec) => {
            let mut positions = whole.positions_by(spec.category)?;
            let nlevels = positions.len();
            if spec.level >= nlevels {
                return Err(MeasureError::Invalid(format!(
                    "domain {}: level {} does not exist ({nlevels} levels)",
                    spec.category, spec.level
                ))
                .into());
            }
            Some(whole.gather(&positions.swap_remove(spec.level)))
        }
    };
    let dom_rows = match &dom {
        Some(d) => Some(d.rows().ok_or(SurveyError::NoRows)?),
        None => None,
    };
    // each worker reuses its weight buffers from one replicate to the next
    // (whole and domain: weights and cumulative weights), so replicates cost
    // no fresh memory
    type Buffers = [Vec<f64>; 4];
    let per_rep: Vec<Vec<Vec<f64>>> = (0..reps.len())
        .into_par_iter()
        .map_init(
            Buffers::default,
            |buf: &mut Buffers, r| -> Result<Vec<Vec<f64>>, SurveyError> {
                let fail = |source| SurveyError::Replicate {
                    replicate: r,
                    source,
                };
                let [w, c, dw, dc] = std::mem::take(buf);
                let rw = whole
                    .reweighted_reusing(reps.gather_into(r, rows, w), c)
                    .map_err(fail)?;
                let rd = match (&dom, dom_rows) {
                    (Some(d), Some(dr)) => Some(
                        d.reweighted_reusing(reps.gather_into(r, dr, dw), dc)
                            .map_err(fail)?,
                    ),
                    _ => None,
                };
                let ctx = Ctx::new(rd.as_ref().unwrap_or(&rw))
                    .with_whole(&rw)
                    .with_rule(options.rule)
                    .with_nonpositive(options.nonpositive);
                let est = measures
                    .iter()
                    .map(|m| {
                        Ok(m.evaluate(&ctx)
                            .map_err(fail)?
                            .into_iter()
                            .map(|e| e.value)
                            .collect())
                    })
                    .collect();
                drop(ctx);
                let (w, c) = rw.into_buffers();
                let (dw, dc) = rd.map(Distribution::into_buffers).unwrap_or_default();
                *buf = [w, c, dw, dc];
                est
            },
        )
        .collect::<Result<_, _>>()?;
    // transpose to [measure][part][replicate]
    let mut out: Vec<Vec<Vec<f64>>> = Vec::with_capacity(measures.len());
    for (k, m) in measures.iter().enumerate() {
        let parts = per_rep.first().map_or(0, |v| v[k].len());
        let mut est = vec![Vec::with_capacity(per_rep.len()); parts];
        for (r, v) in per_rep.iter().enumerate() {
            if v[k].len() != parts {
                return Err(MeasureError::Invalid(format!(
                    "{} gives {} values in replicate {} but {parts} in replicate 1",
                    m.id(),
                    v[k].len(),
                    r + 1
                ))
                .into());
            }
            for (p, &value) in v[k].iter().enumerate() {
                est[p].push(value);
            }
        }
        out.push(est);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_stream() {
        // first outputs of SplitMix64 seeded with 1234567 (reference implementation)
        let mut g = SplitMix64(1_234_567);
        assert_eq!(g.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(g.next_u64(), 3_203_168_211_198_807_973);
    }

    /// `n` pseudo-random values in [0.5, 1.5).
    fn column(seed: u64, n: usize) -> Vec<f64> {
        let mut g = SplitMix64(seed);
        (0..n)
            .map(|_| 0.5 + (g.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
            .collect()
    }

    fn rank_of(cols: &[Vec<f64>]) -> usize {
        let s: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        rank_of_gram(&gram(&s), s.len())
    }

    #[test]
    fn gram_equals_the_inner_products_across_blocks_and_remainders() {
        // 5,003 rows: two whole blocks of 2,048, a partial one, a tail of 3 past the last 8
        let cols: Vec<Vec<f64>> = (1..=4).map(|s| column(s, 5_003)).collect();
        let s: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let g = gram(&s);
        for a in 0..4 {
            for b in 0..4 {
                let want: f64 = cols[a].iter().zip(&cols[b]).map(|(x, y)| x * y).sum();
                let got = if b <= a { g[a * 4 + b] } else { g[b * 4 + a] };
                assert!(
                    (got - want).abs() <= 1e-12 * want,
                    "{a},{b}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn rank_counts_independent_columns_under_qr_tolerance() {
        let (a, b, c) = (column(1, 3_001), column(2, 3_001), column(3, 3_001));
        let combo: Vec<f64> = a.iter().zip(&b).map(|(x, y)| 2.0 * x - 0.5 * y).collect();
        let zero = vec![0.0; 3_001];
        assert_eq!(rank_of(&[a.clone(), b.clone(), c.clone()]), 3);
        // a duplicate, a linear combination and a zero column add nothing
        assert_eq!(rank_of(&[a.clone(), a.clone(), b.clone()]), 2);
        assert_eq!(
            rank_of(&[a.clone(), b.clone(), combo.clone(), c.clone()]),
            3
        );
        assert_eq!(rank_of(&[zero, a.clone(), b.clone()]), 2);
        // a combination disturbed by 1e-7 of its size stays dependent (tol 1e-5),
        // by 1e-3 it is independent
        let nudged = |eps: f64| -> Vec<f64> {
            combo
                .iter()
                .zip(&c)
                .map(|(x, z)| x + eps * (z - 1.0))
                .collect()
        };
        assert_eq!(rank_of(&[a.clone(), b.clone(), nudged(1e-7)]), 2);
        assert_eq!(rank_of(&[a, b, nudged(1e-3)]), 3);
    }

    #[test]
    fn below_is_in_range_and_uniform_enough() {
        let mut g = SplitMix64(7);
        let mut counts = [0usize; 7];
        for _ in 0..70_000 {
            counts[g.below(7) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }
}
