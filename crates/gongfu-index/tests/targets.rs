//! Targets and the on-track classification, with hand-computed examples.

use gongfu_index::targets::{Growth, Progress, Target, assess, classify};
use gongfu_index::{Direction, IndexError};

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
}

fn target(value: f64, direction: Direction, growth: Growth) -> Target {
    Target {
        value,
        year: 2030,
        base_year: 2020,
        direction,
        growth,
    }
}

/// Base in 2020, one observation in 2025.
fn at_2025(t: &Target, base: f64, latest: f64) -> gongfu_index::targets::Assessment {
    assess(t, &[(2020, base), (2025, latest)]).unwrap()
}

#[test]
fn higher_better_compound_every_class() {
    // 100 → 200 by 2030: required = 2^(1/10) − 1 = 0.0717735 a year.
    let t = target(200.0, Direction::Higher, Growth::Compound);

    // 145 in 2025: observed 1.45^(1/5) − 1 = 0.0771436; ratio 1.0748.
    let a = at_2025(&t, 100.0, 145.0);
    close(a.required_rate, 0.071_773_462_536_293_13, 1e-12);
    close(a.observed_rate, 0.077_143_587_792_743_1, 1e-12);
    close(a.ratio.unwrap(), 1.074_820_484_712_361_5, 1e-9);
    assert_eq!(a.class, Progress::OnTrack);
    close(a.gap, 55.0, 1e-12);

    // 125: observed 1.25^(1/5) − 1 = 0.0456396; ratio 0.6359.
    let a = at_2025(&t, 100.0, 125.0);
    close(a.ratio.unwrap(), 0.635_883_388_908_469_7, 1e-9);
    assert_eq!(a.class, Progress::AccelerationNeeded);
    // Projected: 100 · 1.25^(10/5) = 156.25.
    close(a.projected, 156.25, 1e-9);

    // 110: observed 0.0192449; ratio 0.2681.
    let a = at_2025(&t, 100.0, 110.0);
    close(a.ratio.unwrap(), 0.268_133_594_386_994_5, 1e-9);
    assert_eq!(a.class, Progress::LimitedProgress);

    // 90: observed −0.0208516; ratio −0.2905.
    let a = at_2025(&t, 100.0, 90.0);
    close(a.ratio.unwrap(), -0.290_520_157_481_315_8, 1e-9);
    assert_eq!(a.class, Progress::MovingAway);

    // 200 already in 2025.
    let a = at_2025(&t, 100.0, 200.0);
    assert_eq!(a.class, Progress::Achieved);
    assert_eq!(a.gap, 0.0);
}

#[test]
fn lower_better_compound_every_class() {
    // 100 → 50 by 2030: required = 0.5^(1/10) − 1 = −0.0669670 a year.
    // Both rates are negative while improving: the ratio is positive.
    let t = target(50.0, Direction::Lower, Growth::Compound);

    // 70: observed 0.7^(1/5) − 1 = −0.0688501; ratio 1.0281.
    let a = at_2025(&t, 100.0, 70.0);
    close(a.required_rate, -0.066_967_008_463_192_59, 1e-12);
    close(a.observed_rate, -0.068_850_084_905_162_31, 1e-12);
    close(a.ratio.unwrap(), 1.028_119_464_870_597_1, 1e-9);
    close(a.ratio.unwrap(), a.observed_rate / a.required_rate, 1e-15);
    assert_eq!(a.class, Progress::OnTrack);
    // Gap for lower-better: latest − target = 20.
    close(a.gap, 20.0, 1e-12);

    // 80: observed −0.0436475; ratio 0.6518.
    let a = at_2025(&t, 100.0, 80.0);
    close(a.ratio.unwrap(), 0.651_776_168_767_538_5, 1e-9);
    assert_eq!(a.class, Progress::AccelerationNeeded);

    // 95: observed −0.0102062; ratio 0.1524.
    let a = at_2025(&t, 100.0, 95.0);
    close(a.ratio.unwrap(), 0.152_406_663_329_170_36, 1e-9);
    assert_eq!(a.class, Progress::LimitedProgress);

    // 105: observed +0.0098058; ratio −0.1464.
    let a = at_2025(&t, 100.0, 105.0);
    close(a.ratio.unwrap(), -0.146_427_291_565_143_42, 1e-9);
    assert_eq!(a.class, Progress::MovingAway);

    // 45 is below the target: achieved, gap −5.
    let a = at_2025(&t, 100.0, 45.0);
    assert_eq!(a.class, Progress::Achieved);
    close(a.gap, -5.0, 1e-12);
}

#[test]
fn higher_better_linear_every_class() {
    // 40 → 60 by 2030: required 2 a year.
    let t = target(60.0, Direction::Higher, Growth::Linear);
    let cases = [
        (50.0, 2.0, 1.0, Progress::OnTrack),            // (50−40)/5 = 2
        (47.0, 1.4, 0.7, Progress::AccelerationNeeded), // 7/5 = 1.4
        (42.0, 0.4, 0.2, Progress::LimitedProgress),    // 2/5 = 0.4
        (39.0, -0.2, -0.1, Progress::MovingAway),       // −1/5
        (60.0, 4.0, 2.0, Progress::Achieved),           // target met
    ];
    for (latest, observed, ratio, class) in cases {
        let a = at_2025(&t, 40.0, latest);
        assert_eq!(a.required_rate, 2.0);
        close(a.observed_rate, observed, 1e-12);
        close(a.ratio.unwrap(), ratio, 1e-12);
        assert_eq!(a.class, class, "latest {latest}");
    }
    // Projected from 47: 40 + 1.4 · 10 = 54.
    close(at_2025(&t, 40.0, 47.0).projected, 54.0, 1e-12);
}

#[test]
fn lower_better_linear_every_class() {
    // 2.5 → 2.0 by 2030: required −0.05 a year.
    let t = target(2.0, Direction::Lower, Growth::Linear);
    let cases = [
        (2.25, -0.05, 1.0, Progress::OnTrack),
        (2.3, -0.04, 0.8, Progress::AccelerationNeeded),
        (2.45, -0.01, 0.2, Progress::LimitedProgress),
        (2.6, 0.02, -0.4, Progress::MovingAway),
        (1.99, -0.102, 2.04, Progress::Achieved),
    ];
    for (latest, observed, ratio, class) in cases {
        let a = at_2025(&t, 2.5, latest);
        close(a.required_rate, -0.05, 1e-15);
        close(a.observed_rate, observed, 1e-12);
        close(a.ratio.unwrap(), ratio, 1e-12);
        assert_eq!(a.class, class, "latest {latest}");
    }
}

#[test]
fn thresholds_are_inclusive_towards_the_better_class() {
    // 0 → 100 by 2030, linear: required 10 a year.
    let t = target(100.0, Direction::Higher, Growth::Linear);
    // 47.5 in 2025: 9.5 a year, ratio 0.95 → on track.
    assert_eq!(at_2025(&t, 0.0, 47.5).class, Progress::OnTrack);
    // 30: 6 a year, ratio 0.6 → acceleration needed.
    assert_eq!(at_2025(&t, 0.0, 30.0).class, Progress::AccelerationNeeded);
    // 0: ratio 0 → limited progress (standing still is not moving away).
    assert_eq!(at_2025(&t, 0.0, 0.0).class, Progress::LimitedProgress);
    assert_eq!(classify(0.95), Progress::OnTrack);
    assert_eq!(classify(-0.01), Progress::MovingAway);
}

#[test]
fn reference_case_income_target() {
    // Per-capita disposable income 57,500 yuan in 2021, 75,000 by 2025.
    // Required: (75000/57500)^(1/4) − 1 = 0.0686817 a year.
    let t = Target {
        value: 75_000.0,
        year: 2025,
        base_year: 2021,
        direction: Direction::Higher,
        growth: Growth::Compound,
    };
    // 60,300 in 2022: observed 60300/57500 − 1 = 0.0486957; ratio 0.7090.
    let a = assess(&t, &[(2021, 57_500.0), (2022, 60_300.0)]).unwrap();
    close(a.required_rate, 0.068_681_655_798_545_68, 1e-12);
    close(a.observed_rate, 0.048_695_652_173_913_03, 1e-12);
    close(a.ratio.unwrap(), 0.709_005_215_551_954_5, 1e-9);
    assert_eq!(a.class, Progress::AccelerationNeeded);
    // Projected: 57500 · 1.0486957^4 = 69,544.97; gap 75000 − 60300.
    close(a.projected, 69_544.968_458_814_82, 1e-6);
    assert_eq!(a.gap, 14_700.0);
    // The path: 2021..=2025, from the base exactly to the target exactly.
    assert_eq!(a.required_path.len(), 5);
    assert_eq!(a.required_path[0], (2021, 57_500.0));
    assert_eq!(a.required_path[4], (2025, 75_000.0));
    // Middle point: 57500 · (75000/57500)^(2/4) = sqrt(57500 · 75000).
    close(a.required_path[2].1, (57_500.0f64 * 75_000.0).sqrt(), 1e-8);
    assert_eq!(a.required_path[2].0, 2023);

    // 64,000 in 2023: observed (64000/57500)^(1/2) − 1 = 0.0550088; ratio 0.8009.
    let a = assess(&t, &[(2023, 64_000.0), (2021, 57_500.0), (2022, 60_300.0)]).unwrap();
    assert_eq!((a.latest_year, a.latest_value), (2023, 64_000.0));
    close(a.ratio.unwrap(), 0.800_923_576_953_483_5, 1e-9);
    assert_eq!(a.class, Progress::AccelerationNeeded);
}

#[test]
fn reference_case_urban_rural_ratio() {
    // Urban–rural income ratio 1.94 in 2021, below 1.9 by 2025 (met at 1.9).
    let lin = Target {
        value: 1.9,
        year: 2025,
        base_year: 2021,
        direction: Direction::Lower,
        growth: Growth::Linear,
    };
    // Required (1.9 − 1.94)/4 = −0.01 a year; 1.92 in 2022 is −0.02: ratio 2.
    let a = assess(&lin, &[(2021, 1.94), (2022, 1.92)]).unwrap();
    close(a.required_rate, -0.01, 1e-15);
    close(a.observed_rate, -0.02, 1e-15);
    close(a.ratio.unwrap(), 2.0, 1e-12);
    assert_eq!(a.class, Progress::OnTrack);
    close(a.gap, 0.02, 1e-15);
    assert_eq!(a.required_path.first(), Some(&(2021, 1.94)));
    assert_eq!(a.required_path.last(), Some(&(2025, 1.9)));
    // Middle of the linear path: 1.94 − 2 · 0.01 = 1.92.
    close(a.required_path[2].1, 1.92, 1e-15);

    // 1.90 in 2022 meets the target.
    let a = assess(&lin, &[(2021, 1.94), (2022, 1.90)]).unwrap();
    assert_eq!(a.class, Progress::Achieved);

    // Compound: required (1.9/1.94)^(1/4) − 1 = −0.0051950, observed
    // 1.92/1.94 − 1 = −0.0103093: two negative rates, ratio +1.9845.
    let comp = Target {
        growth: Growth::Compound,
        ..lin
    };
    let a = assess(&comp, &[(2021, 1.94), (2022, 1.92)]).unwrap();
    close(a.required_rate, -0.005_194_980_895_862_9, 1e-12);
    close(a.observed_rate, -0.010_309_278_350_515_427, 1e-12);
    close(a.ratio.unwrap(), 1.984_468_962_864_786_5, 1e-9);
    assert_eq!(a.class, Progress::OnTrack);
    assert_eq!(a.required_path.first(), Some(&(2021, 1.94)));
    assert_eq!(a.required_path.last(), Some(&(2025, 1.9)));
}

#[test]
fn target_already_met_in_the_base_year() {
    // Higher-better 100 in 2020 with a target of 90: already met.
    let t = target(90.0, Direction::Higher, Growth::Compound);
    // Still above the target in 2025: achieved.
    assert_eq!(at_2025(&t, 100.0, 95.0).class, Progress::Achieved);
    // Fell below it: the required rate (100 → 90) is negative and so is the
    // observed one; their plain quotient would be positive, but the
    // indicator moved the wrong way: the signed ratio is negative.
    let a = at_2025(&t, 100.0, 85.0);
    assert!(a.required_rate < 0.0 && a.observed_rate < 0.0);
    assert!(a.ratio.unwrap() < 0.0);
    assert_eq!(a.class, Progress::MovingAway);

    // Lower-better 1.85 with a target of 1.9, rising to 1.95.
    let t = target(1.9, Direction::Lower, Growth::Linear);
    let a = at_2025(&t, 1.85, 1.95);
    assert!(a.ratio.unwrap() < 0.0);
    assert_eq!(a.class, Progress::MovingAway);
}

#[test]
fn required_rate_zero_has_no_ratio() {
    // Target equal to the base value.
    let t = target(100.0, Direction::Higher, Growth::Compound);
    let a = at_2025(&t, 100.0, 99.0);
    assert_eq!(a.required_rate, 0.0);
    assert_eq!(a.ratio, None);
    assert_eq!(a.class, Progress::MovingAway);
    let a = at_2025(&t, 100.0, 101.0);
    assert_eq!(a.ratio, None);
    assert_eq!(a.class, Progress::Achieved);
    // The path is flat.
    assert!(a.required_path.iter().all(|&(_, v)| v == 100.0));
}

#[test]
fn missed_deadline_is_never_on_track() {
    // 100 → 200 by 2030; 195 in 2030: observed 1.95^(1/10) − 1, ratio 0.9622.
    let t = target(200.0, Direction::Higher, Growth::Compound);
    let a = assess(&t, &[(2020, 100.0), (2030, 195.0)]).unwrap();
    close(a.ratio.unwrap(), 0.962_241_428_988_848_7, 1e-9);
    assert_eq!(a.class, Progress::AccelerationNeeded);
    // The same ratio before the deadline is on track.
    assert_eq!(classify(a.ratio.unwrap()), Progress::OnTrack);
    // Observations after the target year are used too.
    let a = assess(&t, &[(2020, 100.0), (2032, 210.0)]).unwrap();
    assert_eq!(a.class, Progress::Achieved);
}

#[test]
fn path_and_order() {
    let t = target(200.0, Direction::Higher, Growth::Compound);
    let sorted = assess(
        &t,
        &[(2018, 95.0), (2020, 100.0), (2023, 115.0), (2025, 125.0)],
    )
    .unwrap();
    let shuffled = assess(
        &t,
        &[(2025, 125.0), (2018, 95.0), (2023, 115.0), (2020, 100.0)],
    )
    .unwrap();
    assert_eq!(sorted, shuffled);
    // Observations before the base year are not used; the latest is 2025.
    assert_eq!((sorted.base_value, sorted.latest_year), (100.0, 2025));
    let p = &sorted.required_path;
    assert_eq!(p.len(), 11);
    assert_eq!(p[0], (2020, 100.0));
    assert_eq!(p[10], (2030, 200.0));
    // Halfway along a compound path from 100 to 200: 100 · √2.
    close(p[5].1, 100.0 * 2f64.sqrt(), 1e-10);
    assert!(
        p.windows(2)
            .all(|w| w[1].0 == w[0].0 + 1 && w[1].1 > w[0].1)
    );
}

#[test]
fn errors() {
    let t = target(200.0, Direction::Higher, Growth::Compound);
    // Duplicated year.
    assert!(matches!(
        assess(&t, &[(2020, 100.0), (2025, 120.0), (2025, 121.0)]),
        Err(IndexError::Invalid(m)) if m.contains("2025")
    ));
    // No base-year observation.
    assert!(matches!(
        assess(&t, &[(2019, 100.0), (2025, 120.0)]),
        Err(IndexError::Invalid(m)) if m.contains("base year")
    ));
    // Nothing after the base year.
    assert!(matches!(
        assess(&t, &[(2019, 90.0), (2020, 100.0)]),
        Err(IndexError::Invalid(m)) if m.contains("after the base year")
    ));
    assert!(assess(&t, &[]).is_err());
    // NaN, infinite.
    assert!(matches!(
        assess(&t, &[(2020, 100.0), (2025, f64::NAN)]),
        Err(IndexError::InvalidValue { index: 1, .. })
    ));
    assert!(assess(&t, &[(2020, f64::INFINITY), (2025, 1.0)]).is_err());
    // Compound needs positive values and target; linear does not.
    assert!(matches!(
        assess(&t, &[(2020, 0.0), (2025, 1.0)]),
        Err(IndexError::InvalidValue { index: 0, .. })
    ));
    let zero = target(0.0, Direction::Lower, Growth::Compound);
    assert!(assess(&zero, &[(2020, 5.0), (2025, 1.0)]).is_err());
    let lin = target(0.0, Direction::Lower, Growth::Linear);
    assert_eq!(
        assess(&lin, &[(2020, 5.0), (2025, -1.0)]).unwrap().class,
        Progress::Achieved
    );
    // Target year not after the base year; absurd horizon.
    let same = Target { year: 2020, ..t };
    assert!(assess(&same, &[(2020, 100.0), (2025, 120.0)]).is_err());
    let far = Target {
        year: i32::MAX,
        base_year: i32::MIN,
        ..t
    };
    assert!(assess(&far, &[(i32::MIN, 1.0), (0, 2.0)]).is_err());
    let nan_target = target(f64::NAN, Direction::Higher, Growth::Linear);
    assert!(assess(&nan_target, &[(2020, 1.0), (2025, 2.0)]).is_err());
}
