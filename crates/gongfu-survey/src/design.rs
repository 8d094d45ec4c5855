//! The sampling design and linearised variances.

use gongfu_measures::{Distribution, Influence, MeasureError};
use thiserror::Error;

/// Name of the numeric column (PSU id per observation) the design needs attached.
pub const PSU_COLUMN: &str = "\u{1}psu";

/// What goes wrong with a design.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SurveyError {
    /// A stratum has a single PSU and the rule is `fail`.
    #[error(
        "stratum {stratum:?} has a single PSU: choose how to treat it with the lonely-PSU rule \
         (certainty, adjust or average)"
    )]
    LonelyPsu {
        /// The stratum label.
        stratum: String,
    },
    /// Inconsistent columns.
    #[error("{0}")]
    Invalid(String),
    /// The distribution lacks the design column.
    #[error("the distribution has no PSU column attached")]
    NoPsuColumn,
    /// The distribution was built without input rows (replicate weights need them).
    #[error(
        "the distribution does not keep its input rows: build it with keep_rows() to use replicate weights"
    )]
    NoRows,
    /// A measure failed in one replicate.
    #[error("replicate {}: {source}", .replicate + 1)]
    Replicate {
        /// 0-based replicate index (the message shows it 1-based).
        replicate: usize,
        /// What the measure refused.
        source: MeasureError,
    },
    /// The domain could not be formed, or a measure's number of values changed between replicates.
    #[error(transparent)]
    Measure(#[from] MeasureError),
}

/// R survey's `survey.lonely.psu` options for strata with one PSU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LonelyPsu {
    /// An error naming the stratum (the default).
    #[default]
    Fail,
    /// The stratum contributes nothing (a self-representing PSU).
    Certainty,
    /// The single PSU is centred at the mean of all PSU totals.
    Adjust,
    /// The stratum contributes the average contribution of the other strata.
    Average,
}

impl LonelyPsu {
    /// The rule's name, as `--lonely-psu` takes it.
    pub fn name(self) -> &'static str {
        match self {
            LonelyPsu::Fail => "fail",
            LonelyPsu::Certainty => "certainty",
            LonelyPsu::Adjust => "adjust",
            LonelyPsu::Average => "average",
        }
    }
}

impl std::str::FromStr for LonelyPsu {
    type Err = SurveyError;
    fn from_str(s: &str) -> Result<Self, SurveyError> {
        match s {
            "fail" => Ok(LonelyPsu::Fail),
            "certainty" => Ok(LonelyPsu::Certainty),
            "adjust" => Ok(LonelyPsu::Adjust),
            "average" => Ok(LonelyPsu::Average),
            other => Err(SurveyError::Invalid(format!(
                "lonely-PSU rule must be fail, certainty, adjust or average, not {other:?}"
            ))),
        }
    }
}

/// A stratified cluster design (with-replacement approximation, optional FPC).
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Dense PSU id of each input row (as f64, to be attached as a numeric column).
    psu_of_row: Vec<f64>,
    /// Stratum of each PSU.
    psu_stratum: Vec<u32>,
    /// PSUs in each stratum.
    n_h: Vec<usize>,
    /// Sampling fraction of each stratum (0 without FPC).
    f_h: Vec<f64>,
    /// Stratum labels (for messages).
    labels: Vec<String>,
    lonely: LonelyPsu,
}

/// PSU ids in order of first appearance when every PSU code lies in one
/// stratum (the usual nesting), without hashing: `None` when a code recurs in
/// another stratum or the codes are too sparse for a table.
fn nested_psu_ids(psu: &[u32], stratum: &dyn Fn(usize) -> u32) -> Option<(Vec<f64>, Vec<u32>)> {
    let m = psu.iter().max().map_or(0, |&c| c as usize + 1);
    if m > 2 * psu.len() + 1024 {
        return None; // sparse codes: a table would be mostly empty
    }
    let mut id_of = vec![usize::MAX; m];
    let mut psu_stratum: Vec<u32> = Vec::new();
    let mut psu_of_row = Vec::with_capacity(psu.len());
    for (i, &code) in psu.iter().enumerate() {
        let h = stratum(i);
        let slot = &mut id_of[code as usize];
        if *slot == usize::MAX {
            *slot = psu_stratum.len();
            psu_stratum.push(h);
        } else if psu_stratum[*slot] != h {
            return None;
        }
        psu_of_row.push(*slot as f64);
    }
    Some((psu_of_row, psu_stratum))
}

impl Design {
    /// A design from per-row stratum codes and PSU codes (PSU codes may repeat
    /// across strata: PSUs are nested in strata), and an optional FPC per row
    /// (the population number of PSUs in the row's stratum, or the sampling
    /// fraction when below 1). Without PSUs every row is its own PSU; without
    /// strata there is one stratum.
    ///
    /// # Errors
    /// [`SurveyError::Invalid`] for inconsistent lengths or FPCs.
    pub fn new(
        strata: Option<&[u32]>,
        psu: Option<&[u32]>,
        fpc: Option<&[f64]>,
        lonely: LonelyPsu,
    ) -> Result<Design, SurveyError> {
        let n = strata
            .map(<[u32]>::len)
            .or(psu.map(<[u32]>::len))
            .or(fpc.map(<[f64]>::len));
        Design::with_rows(n.unwrap_or(0), strata, psu, fpc, lonely, None)
    }

    /// As [`Design::new`] with the number of rows given (for designs without
    /// any design column) and stratum labels for messages.
    ///
    /// # Errors
    /// [`SurveyError::Invalid`] for inconsistent lengths or FPCs.
    pub fn with_rows(
        n: usize,
        strata: Option<&[u32]>,
        psu: Option<&[u32]>,
        fpc: Option<&[f64]>,
        lonely: LonelyPsu,
        labels: Option<Vec<String>>,
    ) -> Result<Design, SurveyError> {
        for (name, len) in [
            ("strata", strata.map(<[u32]>::len)),
            ("psu", psu.map(<[u32]>::len)),
            ("fpc", fpc.map(<[f64]>::len)),
        ] {
            if let Some(l) = len
                && l != n
            {
                return Err(SurveyError::Invalid(format!(
                    "design column {name} has {l} rows, expected {n}"
                )));
            }
        }
        let stratum = |i: usize| strata.map_or(0, |s| s[i]);
        let nstrata = strata.map_or(1, |s| s.iter().max().map_or(1, |m| *m as usize + 1));
        // dense PSU ids per (stratum, psu) pair, in order of first appearance
        let (psu_of_row, psu_stratum) = match psu {
            // every row its own PSU
            None => (
                (0..n).map(|i| i as f64).collect(),
                (0..n).map(stratum).collect(),
            ),
            Some(p) => match nested_psu_ids(p, &stratum) {
                Some(x) => x,
                None => {
                    // PSU labels reused across strata: key on the pair
                    let mut ids = std::collections::HashMap::new();
                    let mut psu_stratum: Vec<u32> = Vec::new();
                    let mut psu_of_row = Vec::with_capacity(n);
                    for (i, &code) in p.iter().enumerate() {
                        let key = (stratum(i), code);
                        let id = *ids.entry(key).or_insert_with(|| {
                            psu_stratum.push(key.0);
                            psu_stratum.len() - 1
                        });
                        psu_of_row.push(id as f64);
                    }
                    (psu_of_row, psu_stratum)
                }
            },
        };
        let mut n_h = vec![0usize; nstrata];
        for &h in &psu_stratum {
            n_h[h as usize] += 1;
        }
        let mut f_h = vec![0.0; nstrata];
        if let Some(fpc) = fpc {
            for (i, &v) in fpc.iter().enumerate() {
                let h = stratum(i) as usize;
                if !(v.is_finite() && v > 0.0) {
                    return Err(SurveyError::Invalid(format!(
                        "row {}: fpc must be > 0, got {v}",
                        i + 1
                    )));
                }
                let f = if v < 1.0 { v } else { n_h[h] as f64 / v };
                if f > 1.0 {
                    return Err(SurveyError::Invalid(format!(
                        "row {}: fpc {v} is smaller than the {} PSUs sampled in its stratum",
                        i + 1,
                        n_h[h]
                    )));
                }
                f_h[h] = f;
            }
        }
        let labels = labels.unwrap_or_else(|| (0..nstrata).map(|h| h.to_string()).collect());
        let d = Design {
            psu_of_row,
            psu_stratum,
            n_h,
            f_h,
            labels,
            lonely,
        };
        if lonely == LonelyPsu::Fail
            && let Some(h) = d.n_h.iter().position(|&k| k == 1)
        {
            return Err(SurveyError::LonelyPsu {
                stratum: d.labels.get(h).cloned().unwrap_or_default(),
            });
        }
        Ok(d)
    }

    /// The dense PSU id of each input row, to attach as the numeric column [`PSU_COLUMN`].
    pub fn psu_of_rows(&self) -> &[f64] {
        &self.psu_of_row
    }

    /// Number of PSUs.
    pub fn n_psu(&self) -> usize {
        self.psu_stratum.len()
    }

    /// Number of strata with at least one PSU.
    pub fn n_strata(&self) -> usize {
        self.n_h.iter().filter(|&&k| k > 0).count()
    }

    /// Design degrees of freedom: #PSU − #strata (R survey's `degf`).
    pub fn df(&self) -> f64 {
        (self.n_psu() as f64 - self.n_strata() as f64).max(1.0)
    }

    /// The variance of a linear statistic from its PSU totals `Z_j`.
    pub fn variance_of_totals(&self, z: &[f64]) -> f64 {
        let nstrata = self.n_h.len();
        let mut sum = vec![0.0; nstrata];
        for (j, &h) in self.psu_stratum.iter().enumerate() {
            sum[h as usize] += z[j];
        }
        let grand = z.iter().sum::<f64>() / z.len().max(1) as f64;
        let mut ss = vec![0.0; nstrata];
        for (j, &h) in self.psu_stratum.iter().enumerate() {
            let h = h as usize;
            let centre = if self.n_h[h] == 1 {
                grand
            } else {
                sum[h] / self.n_h[h] as f64
            };
            let d = z[j] - centre;
            ss[h] += d * d;
        }
        let mut v = 0.0;
        let (mut used, mut lonely) = (0usize, 0usize);
        for (h, &k) in self.n_h.iter().enumerate() {
            if k == 0 {
                continue;
            }
            if k == 1 {
                lonely += 1;
                if self.lonely == LonelyPsu::Adjust {
                    v += (1.0 - self.f_h[h]) * ss[h];
                }
                continue;
            }
            used += 1;
            v += (1.0 - self.f_h[h]) * k as f64 / (k as f64 - 1.0) * ss[h];
        }
        if self.lonely == LonelyPsu::Average && lonely > 0 && used > 0 {
            v *= (used + lonely) as f64 / used as f64;
        }
        v
    }
}

/// The linearised variance of an estimate on `dist` (a domain of `whole`, or
/// `whole` itself) with influence `infl`; both distributions carry the
/// [`PSU_COLUMN`] numeric column.
///
/// # Errors
/// [`SurveyError::NoPsuColumn`] or [`SurveyError::Invalid`] for misaligned influence values.
pub fn variance(
    design: &Design,
    dist: &Distribution,
    whole: &Distribution,
    infl: &Influence,
) -> Result<f64, SurveyError> {
    let mut z = vec![0.0; design.n_psu()];
    let mut add = |d: &Distribution, values: &[f64]| -> Result<(), SurveyError> {
        let psu = d.numeric(PSU_COLUMN).ok_or(SurveyError::NoPsuColumn)?;
        if values.len() != d.len() {
            return Err(SurveyError::Invalid(format!(
                "{} influence values for {} observations",
                values.len(),
                d.len()
            )));
        }
        for ((&p, &w), &zi) in psu.values.iter().zip(d.weights()).zip(values) {
            z[p as usize] += w * zi;
        }
        Ok(())
    };
    add(dist, &infl.domain)?;
    if let Some(wz) = &infl.whole {
        add(whole, wz)?;
    }
    Ok(design.variance_of_totals(&z))
}

/// The linearised variance of an estimate on `dist` whose influence value of
/// the `i`-th observation (in sorted order) is `z(i)`: as [`variance`] with
/// `Influence::domain`, without materialising the values.
///
/// # Errors
/// [`SurveyError::NoPsuColumn`].
pub fn variance_fn(
    design: &Design,
    dist: &Distribution,
    z: impl Fn(usize) -> f64,
) -> Result<f64, SurveyError> {
    let psu = dist.numeric(PSU_COLUMN).ok_or(SurveyError::NoPsuColumn)?;
    let mut totals = vec![0.0; design.n_psu()];
    for (i, (&p, &w)) in psu.values.iter().zip(dist.weights()).enumerate() {
        totals[p as usize] += w * z(i);
    }
    Ok(design.variance_of_totals(&totals))
}

/// A confidence interval and how it was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ci {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// The quantile of Student's t with `df` degrees of freedom (normal when `df` is infinite).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    if df.is_infinite() {
        return Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.inverse_cdf(p));
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// `estimate ± t_{df, (1+level)/2} · se` (normal when `df` is infinite).
pub fn confidence_interval(estimate: f64, se: f64, level: f64, df: f64) -> Ci {
    let q = t_quantile(0.5 + level / 2.0, df);
    Ci {
        lo: estimate - q * se,
        hi: estimate + q * se,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PSU totals by hand: stratum 0 has PSUs with totals 1, 3; stratum 1 has 2, 6, 10.
    fn two_strata() -> Design {
        Design::new(
            Some(&[0, 0, 1, 1, 1]),
            Some(&[0, 1, 2, 3, 4]),
            None,
            LonelyPsu::Fail,
        )
        .unwrap()
    }

    #[test]
    fn with_replacement_variance_by_hand() {
        let d = two_strata();
        // stratum 0: mean 2, ss 2, factor 2 → 4; stratum 1: mean 6, ss 32, factor 1.5 → 48
        assert_eq!(d.variance_of_totals(&[1.0, 3.0, 2.0, 6.0, 10.0]), 52.0);
        assert_eq!(d.df(), 3.0);
        assert_eq!(d.n_psu(), 5);
    }

    #[test]
    fn fpc_scales_each_stratum() {
        // population: 4 PSUs in stratum 0 (f = 1/2), 30 in stratum 1 (f = 1/10)
        let d = Design::new(
            Some(&[0, 0, 1, 1, 1]),
            Some(&[0, 1, 2, 3, 4]),
            Some(&[4.0, 4.0, 30.0, 30.0, 30.0]),
            LonelyPsu::Fail,
        )
        .unwrap();
        let v = d.variance_of_totals(&[1.0, 3.0, 2.0, 6.0, 10.0]);
        assert!((v - (0.5 * 4.0 + 0.9 * 48.0)).abs() < 1e-12);
        // a sampling fraction is accepted as such
        let f = Design::new(
            Some(&[0, 0]),
            Some(&[0, 1]),
            Some(&[0.25, 0.25]),
            LonelyPsu::Fail,
        )
        .unwrap();
        assert!((f.variance_of_totals(&[1.0, 3.0]) - 0.75 * 4.0).abs() < 1e-12);
        assert!(
            Design::new(
                Some(&[0, 0]),
                Some(&[0, 1]),
                Some(&[1.5, 1.5]),
                LonelyPsu::Fail
            )
            .is_err()
        );
    }

    #[test]
    fn lonely_psu_rules() {
        let strata = [0, 0, 1];
        let psu = [0, 1, 2];
        match Design::with_rows(
            3,
            Some(&strata),
            Some(&psu),
            None,
            LonelyPsu::Fail,
            Some(vec!["A".into(), "B".into()]),
        ) {
            Err(SurveyError::LonelyPsu { stratum }) => assert_eq!(stratum, "B"),
            other => panic!("{other:?}"),
        }
        let z = [1.0, 3.0, 8.0];
        let with = |rule| {
            Design::new(Some(&strata), Some(&psu), None, rule)
                .unwrap()
                .variance_of_totals(&z)
        };
        // stratum A alone: 2 · ((1−2)² + (3−2)²) = 4
        assert_eq!(with(LonelyPsu::Certainty), 4.0);
        // adjust: the lonely PSU centred at the mean of all PSU totals, 4 → (8 − 4)² = 16
        assert_eq!(with(LonelyPsu::Adjust), 20.0);
        // average: the lonely stratum contributes the average of the others
        assert_eq!(with(LonelyPsu::Average), 8.0);
    }

    #[test]
    fn t_and_normal_quantiles() {
        assert!(
            (t_quantile(0.975, 119.0) - 1.980_099_876_456_4).abs() < 1e-12,
            "{}",
            t_quantile(0.975, 119.0)
        );
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959_963_984_540_054).abs() < 1e-12);
        let ci = confidence_interval(10.0, 1.0, 0.95, f64::INFINITY);
        assert!((ci.hi - 11.959_963_984_540_054).abs() < 1e-12);
    }
}
