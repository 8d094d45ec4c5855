//! The inter-school difference coefficient on a county worked by hand.

use gongfu_index::IndexError;
use gongfu_index::schools::{
    BASIC_INDICATORS, DifferenceCoefficient, HIGH_QUALITY_INDICATORS, Regime, SchoolLevel,
    assess_balance, difference_coefficient, indicators, threshold,
};

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
}

/// Three schools with 100, 200 and 300 students (N = 600, weights 1/6, 1/3,
/// 1/2) and two resources:
///
/// * floor space 500, 1200, 1500 m²: x = 5, 6, 5 m² per student,
///   x̄ = 3200/600 = 16/3; deviations −1/3, 2/3, −1/3;
///   variance = (1/6)(1/9) + (1/3)(4/9) + (1/2)(1/9) = 12/54 = 2/9;
///   CV = (√2/3)/(16/3) = √2/16 = 0.0883883.
/// * computers 10, 10, 60: x = 0.1, 0.05, 0.2, x̄ = 80/600 = 2/15;
///   deviations −1/30, −1/12, 1/15;
///   variance = (1/6)(1/900) + (1/3)(1/144) + (1/2)(1/225) = 51/10800;
///   CV² = (51/10800)·(225/4) = 17/64, CV = √17/8 = 0.5153882.
///
/// Composite = (√2/16 + √17/8)/2 = 0.3018883.
fn county() -> DifferenceCoefficient {
    let students = [100.0, 200.0, 300.0];
    let floor = [500.0, 1200.0, 1500.0];
    let computers = [10.0, 10.0, 60.0];
    difference_coefficient(&students, &[&floor, &computers]).unwrap()
}

#[test]
fn three_school_worked_example() {
    let dc = county();
    assert_eq!(dc.schools, 3);
    assert_eq!(dc.students, 600.0);
    assert_eq!(dc.per_indicator.len(), 2);
    close(dc.per_indicator[0], 2f64.sqrt() / 16.0, 1e-15);
    close(dc.per_indicator[1], 17f64.sqrt() / 8.0, 1e-15);
    close(
        dc.composite,
        (2f64.sqrt() / 16.0 + 17f64.sqrt() / 8.0) / 2.0,
        1e-15,
    );
    close(dc.composite, 0.301_888_3, 1e-7);
}

#[test]
fn thresholds_of_both_regimes() {
    assert_eq!(threshold(Regime::Basic, SchoolLevel::Primary), 0.65);
    assert_eq!(threshold(Regime::Basic, SchoolLevel::Junior), 0.55);
    assert_eq!(threshold(Regime::HighQuality, SchoolLevel::Primary), 0.50);
    assert_eq!(threshold(Regime::HighQuality, SchoolLevel::Junior), 0.45);
}

#[test]
fn high_quality_requires_every_indicator() {
    let dc = county();
    // Composite 0.302 is below every threshold, but the computer indicator
    // (0.515) is above the high-quality thresholds 0.50 and 0.45.
    for level in [SchoolLevel::Primary, SchoolLevel::Junior] {
        let basic = assess_balance(&dc, Regime::Basic, level);
        assert!(basic.pass, "{level:?}");
        assert!(basic.failing.is_empty());
        assert_eq!(basic.threshold, threshold(Regime::Basic, level));
        assert_eq!(basic.composite, dc.composite);

        let hq = assess_balance(&dc, Regime::HighQuality, level);
        assert!(dc.composite <= hq.threshold);
        assert!(!hq.pass, "{level:?}");
        assert_eq!(hq.failing, vec![1]);
        assert_eq!((hq.regime, hq.level), (Regime::HighQuality, level));
    }
}

#[test]
fn basic_judges_the_composite() {
    // Two schools of 100 students with 0 and 100 units: x = 0, 1, x̄ = 0.5,
    // variance = ½·¼ + ½·¼ = ¼, CV = 0.5/0.5 = 1.
    let dc = difference_coefficient(&[100.0, 100.0], &[&[0.0, 100.0], &[50.0, 50.0]]).unwrap();
    assert_eq!(dc.per_indicator, vec![1.0, 0.0]);
    assert_eq!(dc.composite, 0.5);
    // Basic primary: composite 0.5 ≤ 0.65 passes although indicator 0 is
    // above the threshold (reported as failing, for information).
    let b = assess_balance(&dc, Regime::Basic, SchoolLevel::Primary);
    assert!(b.pass);
    assert_eq!(b.failing, vec![0]);
    // Basic junior: still ≤ 0.55.
    assert!(assess_balance(&dc, Regime::Basic, SchoolLevel::Junior).pass);
    // One indicator alone: composite 1 > 0.65 fails.
    let one = difference_coefficient(&[100.0, 100.0], &[&[0.0, 100.0]]).unwrap();
    let b = assess_balance(&one, Regime::Basic, SchoolLevel::Primary);
    assert!(!b.pass);
    assert_eq!(b.failing, vec![0]);
}

#[test]
fn threshold_itself_passes() {
    let dc = DifferenceCoefficient {
        schools: 10,
        students: 5000.0,
        per_indicator: vec![0.45, 0.45],
        composite: 0.45,
    };
    assert!(assess_balance(&dc, Regime::HighQuality, SchoolLevel::Junior).pass);
    let just_above = DifferenceCoefficient {
        per_indicator: vec![0.45, 0.450_000_001],
        ..dc
    };
    let b = assess_balance(&just_above, Regime::HighQuality, SchoolLevel::Junior);
    assert!(!b.pass);
    assert_eq!(b.failing, vec![1]);
}

#[test]
fn equal_endowment_gives_zero() {
    // Every school has 2 m² per student.
    let dc = difference_coefficient(&[120.0, 480.0, 35.0], &[&[240.0, 960.0, 70.0]]).unwrap();
    close(dc.composite, 0.0, 1e-15);
}

#[test]
fn scale_of_resources_and_enrolments_cancels() {
    // Per 100 students, or all enrolments doubled with resources doubled.
    let a = county();
    let b = difference_coefficient(
        &[200.0, 400.0, 600.0],
        &[&[1000.0, 2400.0, 3000.0], &[2000.0, 2000.0, 12000.0]],
    )
    .unwrap();
    close(a.per_indicator[0], b.per_indicator[0], 1e-15);
    close(a.per_indicator[1], b.per_indicator[1], 1e-15);
}

#[test]
fn standard_indicator_lists() {
    assert_eq!(BASIC_INDICATORS.len(), 8);
    assert_eq!(HIGH_QUALITY_INDICATORS.len(), 7);
    assert_eq!(indicators(Regime::Basic)[0].id, "teaching_space");
    assert_eq!(indicators(Regime::Basic)[0].zh, "生均教学及辅助用房面积");
    assert_eq!(
        indicators(Regime::HighQuality)[6].zh,
        "每百名学生拥有网络多媒体教室数"
    );
    assert_eq!(indicators(Regime::HighQuality)[1].id, "backbone_teachers");
}

#[test]
fn errors() {
    let r = [1.0, 2.0, 3.0];
    // Zero students.
    assert_eq!(
        difference_coefficient(&[10.0, 0.0, 5.0], &[&r]),
        Err(IndexError::InvalidValue {
            what: "students",
            index: 1,
            value: 0.0
        })
    );
    // Negative and NaN students.
    assert!(difference_coefficient(&[10.0, -1.0, 5.0], &[&r]).is_err());
    assert!(matches!(
        difference_coefficient(&[10.0, 4.0, f64::NAN], &[&r]),
        Err(IndexError::InvalidValue { index: 2, .. })
    ));
    // Mismatched lengths.
    assert_eq!(
        difference_coefficient(&[10.0, 20.0], &[&r]),
        Err(IndexError::LengthMismatch {
            what: "students and resource indicator",
            left: 2,
            right: 3
        })
    );
    // NaN, infinite and negative resources name the indicator and school.
    let nan = [1.0, f64::NAN, 3.0];
    match difference_coefficient(&[1.0, 1.0, 1.0], &[&r, &nan]) {
        Err(IndexError::Invalid(m)) => assert!(m.contains("indicator 1, school 1"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(difference_coefficient(&[1.0, 1.0, 1.0], &[&[1.0, f64::INFINITY, 3.0]]).is_err());
    assert!(difference_coefficient(&[1.0, 1.0, 1.0], &[&[1.0, -2.0, 3.0]]).is_err());
    // A resource no school has: mean 0, coefficient undefined.
    assert!(matches!(
        difference_coefficient(&[1.0, 1.0, 1.0], &[&[0.0, 0.0, 0.0]]),
        Err(IndexError::Invalid(_))
    ));
    // Nothing to compute.
    assert!(matches!(
        difference_coefficient(&[], &[]),
        Err(IndexError::TooFew { .. })
    ));
    assert!(matches!(
        difference_coefficient(&[1.0], &[]),
        Err(IndexError::TooFew { .. })
    ));
}
