//! The inter-school difference coefficient of compulsory education (SPEC §6).
//!
//! China's county-level assessment of balanced compulsory education measures,
//! for every resource indicator, how unequally a county's schools are endowed
//! per student: the coefficient of variation of the per-student ratios across
//! the county's primary (or junior secondary) schools, each school weighted
//! by its enrolment.
//!
//! For resource indicator `k` with school totals `r_i` and enrolments `n_i`
//! (`N = Σ n_i`):
//!
//! ```text
//! x_i  = r_i / n_i                        per-student resource of school i
//! x̄    = Σ r_i / N  (= Σ (n_i/N) x_i)     the county's per-student resource
//! CV_k = sqrt(Σ (n_i/N) (x_i − x̄)²) / x̄
//! ```
//!
//! and the composite coefficient is the unweighted mean of the `CV_k`.
//!
//! Two regimes of the Ministry of Education set the indicators and thresholds:
//!
//! * [`Regime::Basic`] — *县域义务教育均衡发展督导评估暂行办法* (2012): eight
//!   indicators ([`BASIC_INDICATORS`]); a county passes when the composite
//!   coefficient is at most 0.65 for primary and 0.55 for junior secondary
//!   schools.
//! * [`Regime::HighQuality`] — *县域义务教育优质均衡发展督导评估办法* (2017):
//!   seven indicators ([`HIGH_QUALITY_INDICATORS`]); **every** indicator's
//!   coefficient must be at most 0.50 (primary) and 0.45 (junior secondary).
//!
//! Indicators published "per 100 students" are the per-student ratio times
//! 100; the factor cancels in the coefficient of variation, so resources may
//! be given as plain totals whatever the published unit.

use serde::{Deserialize, Serialize};

use crate::IndexError;

/// The assessment regime: which indicators and thresholds apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Basic balance, 2012 measures: eight indicators, threshold on the
    /// composite coefficient.
    Basic,
    /// High-quality balance, 2017 measures: seven indicators, threshold on
    /// every indicator's coefficient.
    HighQuality,
}

/// The school level a coefficient is computed for (never pooled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    /// Primary schools (小学).
    Primary,
    /// Junior secondary schools (初中).
    Junior,
}

/// The largest coefficient that still passes: Basic 0.65 (primary) and 0.55
/// (junior); HighQuality 0.50 and 0.45.
pub fn threshold(regime: Regime, level: SchoolLevel) -> f64 {
    match (regime, level) {
        (Regime::Basic, SchoolLevel::Primary) => 0.65,
        (Regime::Basic, SchoolLevel::Junior) => 0.55,
        (Regime::HighQuality, SchoolLevel::Primary) => 0.50,
        (Regime::HighQuality, SchoolLevel::Junior) => 0.45,
    }
}

/// How a standard indicator is published (the scale cancels in the
/// coefficient; it only matters for display).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Per student (生均).
    Student,
    /// Per 100 students (每百名学生).
    HundredStudents,
}

/// One standard resource indicator of an assessment regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Indicator {
    /// Stable identifier (snake case).
    pub id: &'static str,
    /// The official Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// The published unit of the ratio.
    pub per: Per,
}

/// The eight indicators of basic balance (2012 measures), in the official
/// order.
pub const BASIC_INDICATORS: [Indicator; 8] = [
    Indicator {
        id: "teaching_space",
        zh: "生均教学及辅助用房面积",
        en: "teaching and auxiliary floor space per student",
        per: Per::Student,
    },
    Indicator {
        id: "sports_ground",
        zh: "生均体育运动场馆面积",
        en: "sports ground area per student",
        per: Per::Student,
    },
    Indicator {
        id: "equipment_value",
        zh: "生均教学仪器设备值",
        en: "teaching equipment value per student",
        per: Per::Student,
    },
    Indicator {
        id: "computers",
        zh: "每百名学生拥有计算机台数",
        en: "computers per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "books",
        zh: "生均图书册数",
        en: "books per student",
        per: Per::Student,
    },
    Indicator {
        id: "teachers",
        zh: "师生比",
        en: "teachers per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "teachers_above_qualification",
        zh: "生均高于规定学历教师数",
        en: "teachers above the required qualification per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "teachers_intermediate_title",
        zh: "生均中级及以上专业技术职务教师数",
        en: "teachers with an intermediate or higher professional title per 100 students",
        per: Per::HundredStudents,
    },
];

/// The seven indicators of high-quality balance (2017 measures), in the
/// official order.
pub const HIGH_QUALITY_INDICATORS: [Indicator; 7] = [
    Indicator {
        id: "teachers_above_qualification",
        zh: "每百名学生拥有高于规定学历教师数",
        en: "teachers above the required qualification per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "backbone_teachers",
        zh: "每百名学生拥有县级及以上骨干教师数",
        en: "county-level-or-above backbone teachers per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "pe_arts_teachers",
        zh: "每百名学生拥有体育、艺术（美术、音乐）专任教师数",
        en: "full-time PE and arts (fine arts, music) teachers per 100 students",
        per: Per::HundredStudents,
    },
    Indicator {
        id: "teaching_space",
        zh: "生均教学及辅助用房面积",
        en: "teaching and auxiliary floor space per student",
        per: Per::Student,
    },
    Indicator {
        id: "sports_ground",
        zh: "生均体育运动场馆面积",
        en: "sports ground area per student",
        per: Per::Student,
    },
    Indicator {
        id: "equipment_value",
        zh: "生均教学仪器设备值",
        en: "teaching equipment value per student",
        per: Per::Student,
    },
    Indicator {
        id: "multimedia_classrooms",
        zh: "每百名学生拥有网络多媒体教室数",
        en: "networked multimedia classrooms per 100 students",
        per: Per::HundredStudents,
    },
];

/// The standard indicators of a regime, in the official order.
pub fn indicators(regime: Regime) -> &'static [Indicator] {
    match regime {
        Regime::Basic => &BASIC_INDICATORS,
        Regime::HighQuality => &HIGH_QUALITY_INDICATORS,
    }
}

/// Difference coefficients of one county and school level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceCoefficient {
    /// Number of schools.
    pub schools: usize,
    /// Total enrolment `N`.
    pub students: f64,
    /// `CV_k` for each resource indicator, in input order.
    pub per_indicator: Vec<f64>,
    /// The composite coefficient: the mean of `per_indicator`.
    pub composite: f64,
}

/// Student-weighted coefficients of variation of per-student resources
/// across the schools of one county and level.
///
/// `students[i]` is the enrolment of school `i` (finite, `> 0`);
/// `resources[k][i]` is the total of resource `k` at school `i` (finite,
/// `≥ 0`: square metres, yuan, computers, teachers). Every `resources[k]` has
/// one entry per school. A county with one school has coefficients 0.
///
/// Errors: no school or no indicator ([`IndexError::TooFew`]); a resource
/// slice of the wrong length ([`IndexError::LengthMismatch`]); an enrolment
/// that is not finite and positive ([`IndexError::InvalidValue`], indexed by
/// school); a resource that is not finite and non-negative, or an indicator
/// whose county total is 0 (the mean per student is 0 and the coefficient is
/// undefined) ([`IndexError::Invalid`], naming indicator and school).
pub fn difference_coefficient(
    students: &[f64],
    resources: &[&[f64]],
) -> Result<DifferenceCoefficient, IndexError> {
    if students.is_empty() {
        return Err(IndexError::TooFew {
            what: "schools",
            need: 1,
            got: 0,
        });
    }
    if resources.is_empty() {
        return Err(IndexError::TooFew {
            what: "resource indicators",
            need: 1,
            got: 0,
        });
    }
    for (i, &n) in students.iter().enumerate() {
        if !(n.is_finite() && n > 0.0) {
            return Err(IndexError::InvalidValue {
                what: "students",
                index: i,
                value: n,
            });
        }
    }
    let total: f64 = students.iter().sum();
    if !total.is_finite() {
        return Err(IndexError::Invalid(
            "students: the total enrolment is not finite".into(),
        ));
    }
    let mut per_indicator = Vec::with_capacity(resources.len());
    for (k, res) in resources.iter().enumerate() {
        if res.len() != students.len() {
            return Err(IndexError::LengthMismatch {
                what: "students and resource indicator",
                left: students.len(),
                right: res.len(),
            });
        }
        per_indicator.push(indicator_cv(k, students, total, res)?);
    }
    let composite = per_indicator.iter().sum::<f64>() / per_indicator.len() as f64;
    Ok(DifferenceCoefficient {
        schools: students.len(),
        students: total,
        per_indicator,
        composite,
    })
}

/// `CV_k` of one indicator (validated enrolments, their total `n_total`).
fn indicator_cv(k: usize, students: &[f64], n_total: f64, res: &[f64]) -> Result<f64, IndexError> {
    for (i, &r) in res.iter().enumerate() {
        if !(r.is_finite() && r >= 0.0) {
            return Err(IndexError::Invalid(format!(
                "resource indicator {k}, school {i}: invalid value {r} (must be finite and ≥ 0)"
            )));
        }
    }
    let r_total: f64 = res.iter().sum();
    let mean = r_total / n_total;
    if !(mean.is_finite() && mean > 0.0) {
        return Err(IndexError::Invalid(format!(
            "resource indicator {k}: the mean per student is {mean}, so the difference coefficient is undefined"
        )));
    }
    let var: f64 = students
        .iter()
        .zip(res)
        .map(|(&n, &r)| {
            let d = r / n - mean;
            n / n_total * d * d
        })
        .sum();
    let cv = var.sqrt() / mean;
    if !cv.is_finite() {
        return Err(IndexError::Invalid(format!(
            "resource indicator {k}: the difference coefficient is not finite"
        )));
    }
    Ok(cv)
}

/// Whether a county meets a regime's balance standard at one school level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Balance {
    /// The regime assessed against.
    pub regime: Regime,
    /// The school level.
    pub level: SchoolLevel,
    /// The threshold of the regime and level ([`threshold`]).
    pub threshold: f64,
    /// The composite coefficient.
    pub composite: f64,
    /// Whether the standard is met: Basic — the composite is at most the
    /// threshold; HighQuality — every indicator's coefficient is.
    pub pass: bool,
    /// Positions (in input order) of the indicators whose coefficient is
    /// above the threshold. Decisive for HighQuality; informative for Basic.
    pub failing: Vec<usize>,
}

/// Assesses a county's coefficients against a regime's standard.
///
/// Basic balance (2012) judges the composite coefficient: pass when
/// `composite ≤ threshold`. High-quality balance (2017) requires each
/// indicator's coefficient (每项指标校际差异系数) to be at most the threshold,
/// so a county can fail on one indicator with a composite well below it.
/// Comparisons are exact (no rounding of the coefficients). The number of
/// indicators is not checked against the regime's standard list.
pub fn assess_balance(dc: &DifferenceCoefficient, regime: Regime, level: SchoolLevel) -> Balance {
    let t = threshold(regime, level);
    let failing: Vec<usize> = dc
        .per_indicator
        .iter()
        .enumerate()
        .filter(|&(_, &cv)| !(cv <= t))
        .map(|(k, _)| k)
        .collect();
    let pass = match regime {
        Regime::Basic => dc.composite <= t,
        Regime::HighQuality => failing.is_empty(),
    };
    Balance {
        regime,
        level,
        threshold: t,
        composite: dc.composite,
        pass,
        failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_lists_have_the_official_lengths_and_unique_ids() {
        assert_eq!(indicators(Regime::Basic).len(), 8);
        assert_eq!(indicators(Regime::HighQuality).len(), 7);
        for regime in [Regime::Basic, Regime::HighQuality] {
            let list = indicators(regime);
            for (a, x) in list.iter().enumerate() {
                for y in &list[a + 1..] {
                    assert_ne!(x.id, y.id);
                }
            }
        }
    }

    #[test]
    fn scale_of_a_resource_cancels() {
        // Per 100 students is the per-student ratio times 100.
        let n = [100.0, 300.0];
        let r = [5.0, 30.0];
        let r100: Vec<f64> = r.iter().map(|x| x * 100.0).collect();
        let a = difference_coefficient(&n, &[&r]).unwrap();
        let b = difference_coefficient(&n, &[&r100]).unwrap();
        assert!((a.composite - b.composite).abs() < 1e-15);
    }

    #[test]
    fn one_school_has_no_difference() {
        let dc = difference_coefficient(&[250.0], &[&[1000.0], &[3.0]]).unwrap();
        assert_eq!(dc.per_indicator, vec![0.0, 0.0]);
        assert_eq!(dc.composite, 0.0);
    }
}
