//! Targets and the on-track classification (SPEC §7).
//!
//! A [`Target`] is a value to reach by a year, starting from a base year, in
//! the indicator's better [`Direction`]. [`assess`] compares the annual rate
//! observed from the base year to the latest observation with the annual rate
//! required to go from the base value to the target by the target year, and
//! classifies the ratio of the two as Eurostat's SDG monitoring report does
//! for indicators with quantitative targets ("distance to target"), in the
//! form Open SDG implements (Statistics Canada's progress measure):
//!
//! ```text
//! ratio = d · observed / |required|        d = +1 higher-better, −1 lower-better
//!
//! latest meets the target          → Achieved
//! ratio ≥ 0.95                     → OnTrack
//! 0.60 ≤ ratio < 0.95              → AccelerationNeeded
//! 0    ≤ ratio < 0.60              → LimitedProgress
//! ratio < 0                        → MovingAway
//! ```
//!
//! When the required rate points in the desired direction (the target is not
//! yet met in the base year, the usual case) `d · observed / |required|` is
//! simply `observed / required`: for a lower-is-better indicator both rates
//! are negative and their ratio is positive. The signed form keeps the
//! classification right when the target was already met in the base year
//! (see [`assess`]).
//!
//! Rates are either compound annual growth rates ([`Growth::Compound`], the
//! Eurostat/Open SDG default, values must be positive) or constant annual
//! changes in the indicator's unit ([`Growth::Linear`], for shares, ratios
//! near a bound and anything that may be zero or negative).

use serde::{Deserialize, Serialize};

use crate::{Direction, IndexError};

/// Ratio of observed to required rate from which an indicator is on track.
pub const ON_TRACK: f64 = 0.95;
/// Ratio from which progress is made but acceleration is needed.
pub const ACCELERATION_NEEDED: f64 = 0.6;
/// The longest target horizon (target year − base year) accepted, in years.
pub const MAX_HORIZON: i64 = 1000;

/// How the path to a target is drawn and rates are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Growth {
    /// Compound annual growth: `y_t = y_0 (1 + r)^t`; values must be `> 0`.
    #[default]
    Compound,
    /// Constant annual change: `y_t = y_0 + r t`.
    Linear,
}

/// A target: reach `value` by `year`, measured from `base_year`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The target value, in the indicator's unit.
    pub value: f64,
    /// The year by which the target is to be reached (after `base_year`).
    pub year: i32,
    /// The base year the progress is measured from.
    pub base_year: i32,
    /// Which way the indicator is better.
    pub direction: Direction,
    /// How rates and the required path are computed (default compound).
    #[serde(default)]
    pub growth: Growth,
}

/// The progress class of an indicator against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// The latest value already meets the target.
    Achieved,
    /// Observed rate at least 95% of the required rate.
    OnTrack,
    /// Progress at 60–95% of the required rate: acceleration needed.
    AccelerationNeeded,
    /// Progress at 0–60% of the required rate.
    LimitedProgress,
    /// Moving away from the target.
    MovingAway,
}

/// Classifies a ratio of observed to required rate (the target not being met):
/// `≥ 0.95` on track, `[0.6, 0.95)` acceleration needed, `[0, 0.6)` limited
/// progress, `< 0` moving away.
pub fn classify(ratio: f64) -> Progress {
    if ratio >= ON_TRACK {
        Progress::OnTrack
    } else if ratio >= ACCELERATION_NEEDED {
        Progress::AccelerationNeeded
    } else if ratio >= 0.0 {
        Progress::LimitedProgress
    } else {
        Progress::MovingAway
    }
}

/// An indicator's progress towards its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The progress class.
    pub class: Progress,
    /// The base year.
    pub base_year: i32,
    /// The observation in the base year.
    pub base_value: f64,
    /// The latest year observed after the base year.
    pub latest_year: i32,
    /// The observation in that year.
    pub latest_value: f64,
    /// Annual rate from base to latest: the compound annual growth rate
    /// (a fraction) or the change per year (in the indicator's unit).
    pub observed_rate: f64,
    /// Annual rate from the base value to the target by the target year.
    pub required_rate: f64,
    /// `d · observed / |required|` (`d = ±1` by direction), which is
    /// `observed / required` whenever the target was not met in the base
    /// year; `None` when the required rate is 0 (target equal to the base
    /// value).
    pub ratio: Option<f64>,
    /// Distance still to go, signed by direction: `target − latest` for
    /// higher-better, `latest − target` for lower-better; positive means not
    /// yet reached, `≤ 0` reached.
    pub gap: f64,
    /// The value in the target year if the observed rate continued from the
    /// base year.
    pub projected: f64,
    /// The path that reaches the target exactly: one point per year from the
    /// base year to the target year; the first point is the base value and
    /// the last the target, exactly.
    pub required_path: Vec<(i32, f64)>,
}

/// Assesses a series of `(year, value)` observations against a target.
///
/// The series may be in any order; a year may appear once. Every value must
/// be finite (and `> 0` for compound growth, as must the target); the target
/// year must come after the base year, at most [`MAX_HORIZON`] years later.
/// Observations before the base year are validated but not used.
///
/// * The base value is the observation in the base year (an error if
///   missing); the latest is the latest observation after it (an error if
///   none).
/// * **Achieved** when the latest value meets the target (`≥` higher-better,
///   `≤` lower-better), whatever the rates. A strict target ("below 1.9") is
///   met at equality here; give a slightly tighter value if that matters.
/// * **Target already met in the base year.** The required rate then points
///   against the desired direction (or is 0). The ratio `d · observed /
///   |required|` is positive when the indicator still moved the desired way
///   and negative when it moved the other way; if the latest value no longer
///   meets the target it has necessarily moved the wrong way: moving away.
/// * **Required rate 0** (target equal to the base value): the ratio is
///   `None`; the latest value either meets the target (achieved) or has moved
///   the wrong way (moving away).
/// * **Lower-is-better, compound**: both rates are negative while the
///   indicator improves; the ratio is positive and classified as usual.
/// * **Assessed at or after the target year** without the target met: the
///   target has been missed, so a ratio of 0.95 or more (possible between
///   0.95 and 1) is reported as acceleration needed, never on track.
pub fn assess(target: &Target, series: &[(i32, f64)]) -> Result<Assessment, IndexError> {
    let compound = target.growth == Growth::Compound;
    if !target.value.is_finite() || (compound && !(target.value > 0.0)) {
        return Err(IndexError::InvalidValue {
            what: "target value",
            index: 0,
            value: target.value,
        });
    }
    let horizon = i64::from(target.year) - i64::from(target.base_year);
    if horizon < 1 {
        return Err(IndexError::Invalid(format!(
            "target year {} must come after the base year {}",
            target.year, target.base_year
        )));
    }
    if horizon > MAX_HORIZON {
        return Err(IndexError::Invalid(format!(
            "target horizon {horizon} years exceeds {MAX_HORIZON}"
        )));
    }
    for (i, &(_, v)) in series.iter().enumerate() {
        if !v.is_finite() || (compound && !(v > 0.0)) {
            return Err(IndexError::InvalidValue {
                what: if compound {
                    "series value (finite and > 0 for compound growth)"
                } else {
                    "series value"
                },
                index: i,
                value: v,
            });
        }
    }
    let mut sorted: Vec<(i32, f64)> = series.to_vec();
    sorted.sort_by_key(|&(y, _)| y);
    if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(IndexError::Invalid(format!(
            "year {} appears more than once in the series",
            w[0].0
        )));
    }
    let base_value = sorted
        .iter()
        .find(|&&(y, _)| y == target.base_year)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            IndexError::Invalid(format!(
                "no observation in the base year {}",
                target.base_year
            ))
        })?;
    let (latest_year, latest_value) = match sorted.last() {
        Some(&(y, v)) if y > target.base_year => (y, v),
        _ => {
            return Err(IndexError::Invalid(format!(
                "no observation after the base year {}",
                target.base_year
            )));
        }
    };

    let elapsed = (i64::from(latest_year) - i64::from(target.base_year)) as f64;
    let horizon = horizon as f64;
    let observed_rate = rate(target.growth, base_value, latest_value, elapsed);
    let required_rate = rate(target.growth, base_value, target.value, horizon);
    let d = match target.direction {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
    };
    let ratio = (required_rate != 0.0).then(|| d * observed_rate / required_rate.abs());
    let gap = d * (target.value - latest_value);
    let achieved = gap <= 0.0;
    let class = if achieved {
        Progress::Achieved
    } else {
        match ratio {
            // Base value equal to the target and the latest not meeting it:
            // it moved the wrong way.
            None => Progress::MovingAway,
            Some(r) => match classify(r) {
                Progress::OnTrack if latest_year >= target.year => Progress::AccelerationNeeded,
                c => c,
            },
        }
    };
    let projected = match target.growth {
        Growth::Compound => base_value * (horizon * observed_rate.ln_1p()).exp(),
        Growth::Linear => base_value + observed_rate * horizon,
    };
    let required_path = path(target, base_value);

    for (what, v) in [
        ("observed rate", observed_rate),
        ("required rate", required_rate),
        ("ratio", ratio.unwrap_or(0.0)),
        ("gap", gap),
        ("projected value", projected),
    ] {
        if !v.is_finite() {
            return Err(IndexError::Invalid(format!(
                "{what} is not finite ({v}): the values are too extreme"
            )));
        }
    }
    if required_path.iter().any(|&(_, v)| !v.is_finite()) {
        return Err(IndexError::Invalid(
            "the required path is not finite: the values are too extreme".into(),
        ));
    }

    Ok(Assessment {
        class,
        base_year: target.base_year,
        base_value,
        latest_year,
        latest_value,
        observed_rate,
        required_rate,
        ratio,
        gap,
        projected,
        required_path,
    })
}

/// Annual rate from `from` to `to` over `years` (> 0) years.
fn rate(growth: Growth, from: f64, to: f64, years: f64) -> f64 {
    match growth {
        // (to/from)^(1/years) − 1, accurate for small rates.
        Growth::Compound => ((to / from).ln() / years).exp_m1(),
        Growth::Linear => (to - from) / years,
    }
}

/// The path from the base value to the target, one point per year, with
/// exact endpoints.
fn path(target: &Target, base: f64) -> Vec<(i32, f64)> {
    let horizon = i64::from(target.year) - i64::from(target.base_year);
    let h = horizon as f64;
    let log_ratio = match target.growth {
        Growth::Compound => (target.value / base).ln(),
        Growth::Linear => 0.0,
    };
    (0..=horizon)
        .map(|k| {
            // k ≤ horizon ≤ MAX_HORIZON, so the year fits in i32.
            let year = target.base_year + k as i32;
            let v = if k == 0 {
                base
            } else if k == horizon {
                target.value
            } else {
                let f = k as f64 / h;
                match target.growth {
                    Growth::Compound => base * (f * log_ratio).exp(),
                    Growth::Linear => base + f * (target.value - base),
                }
            };
            (year, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_boundaries_belong_to_the_better_class() {
        assert_eq!(classify(0.95), Progress::OnTrack);
        assert_eq!(classify(0.9499), Progress::AccelerationNeeded);
        assert_eq!(classify(0.6), Progress::AccelerationNeeded);
        assert_eq!(classify(0.5999), Progress::LimitedProgress);
        assert_eq!(classify(0.0), Progress::LimitedProgress);
        assert_eq!(classify(-1e-9), Progress::MovingAway);
    }

    #[test]
    fn compound_rate_is_the_cagr() {
        // 100 → 121 in 2 years: 10% a year.
        assert!((rate(Growth::Compound, 100.0, 121.0, 2.0) - 0.1).abs() < 1e-15);
        assert_eq!(rate(Growth::Linear, 100.0, 121.0, 2.0), 10.5);
    }

    #[test]
    fn configuration_names_are_snake_case() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let de = |s: &'static str| -> StrDeserializer<'static, Error> { s.into_deserializer() };
        assert_eq!(
            Progress::deserialize(de("acceleration_needed")).unwrap(),
            Progress::AccelerationNeeded
        );
        assert_eq!(
            Progress::deserialize(de("moving_away")).unwrap(),
            Progress::MovingAway
        );
        assert_eq!(Growth::deserialize(de("linear")).unwrap(), Growth::Linear);
        assert!(Growth::deserialize(de("Linear")).is_err());
    }
}
