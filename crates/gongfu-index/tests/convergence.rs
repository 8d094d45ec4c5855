//! σ, β and Theil convergence measures: hand-computed examples and
//! invariance properties.

use gongfu_index::IndexError;
use gongfu_index::convergence::{beta, sigma, theil_groups};
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
}

#[test]
fn sigma_by_hand() {
    // y = 2, 4, 8: ln y = ln 2 · (1, 2, 3), deviations ln 2 · (−1, 0, 1),
    // variance (divisor n = 3) = ln²2 · 2/3, sd_log = ln 2 · √(2/3) = 0.5659523.
    // Mean 14/3, deviations −8/3, −2/3, 10/3, squares sum 168/9, /3 = 56/9:
    // SD = √56/3, CV = √56/14 = √(2/7) = 0.5345225.
    // Populations 1, 1, 2: ȳ = (2 + 4 + 16)/4 = 5.5; deviations −3.5, −1.5,
    // 2.5; weighted variance (12.25 + 2.25 + 2 · 6.25)/4 = 6.75;
    // Williamson = √6.75/5.5 = √27/11 = 0.4723775.
    let s = sigma(&[2.0, 4.0, 8.0], Some(&[1.0, 1.0, 2.0])).unwrap();
    assert_eq!(s.n, 3);
    close(s.sd_log, 2f64.ln() * (2.0f64 / 3.0).sqrt(), 1e-15);
    close(s.cv, (2.0f64 / 7.0).sqrt(), 1e-15);
    close(s.williamson.unwrap(), 27f64.sqrt() / 11.0, 1e-15);
    close(s.williamson.unwrap(), 0.472_377_492_973_330_2, 1e-12);

    let s = sigma(&[2.0, 4.0, 8.0], None).unwrap();
    assert_eq!(s.williamson, None);
}

#[test]
fn sigma_errors() {
    assert!(matches!(sigma(&[], None), Err(IndexError::TooFew { .. })));
    assert_eq!(
        sigma(&[1.0, 0.0], None),
        Err(IndexError::InvalidValue {
            what: "values",
            index: 1,
            value: 0.0
        })
    );
    assert!(sigma(&[1.0, f64::NAN], None).is_err());
    assert!(sigma(&[1.0, -3.0], None).is_err());
    assert!(matches!(
        sigma(&[1.0, 2.0], Some(&[1.0])),
        Err(IndexError::LengthMismatch { .. })
    ));
    assert!(matches!(
        sigma(&[1.0, 2.0], Some(&[1.0, 0.0])),
        Err(IndexError::InvalidValue {
            what: "population",
            ..
        })
    ));
}

#[test]
fn beta_recovers_an_exact_relation() {
    // g = 0.25 − 0.02 ln y0 over T = 10 years, no noise.
    let (a, b, t) = (0.25, -0.02, 10.0);
    let y0 = [1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 3000.0];
    let yt: Vec<f64> = y0
        .iter()
        .map(|&y: &f64| y * (t * (a + b * y.ln())).exp())
        .collect();
    let r = beta(&y0, &yt, t).unwrap();
    assert_eq!((r.n, r.years), (6, 10.0));
    close(r.beta, b, 1e-12);
    close(r.alpha, a, 1e-11);
    assert!(r.se_beta < 1e-12, "se {}", r.se_beta);
    close(r.r_squared, 1.0, 1e-12);
    assert!(r.p_value < 1e-12);
    // λ = −ln(1 − 0.2)/10 = 0.0223144; half-life ln 2/λ = 31.0628 years.
    close(r.speed.unwrap(), -(0.8f64.ln()) / 10.0, 1e-10);
    close(r.half_life.unwrap(), 31.062_837_195_053_9, 1e-6);
}

#[test]
fn beta_noisy_by_hand() {
    // ln y0 = 0..4, g = 0.05, 0.045, 0.035, 0.03, 0.02 over T = 10.
    // x̄ = 2, Sxx = 10, ḡ = 0.036, g − ḡ = 0.014, 0.009, −0.001, −0.006, −0.016,
    // Sxy = −0.028 − 0.009 − 0.006 − 0.032 = −0.075:
    // β = −0.0075, α = 0.036 + 0.015 = 0.051.
    // Fitted 0.051, 0.0435, 0.036, 0.0285, 0.021; residuals −0.001, 0.0015,
    // −0.001, 0.0015, −0.001; SSR = 7.5e−6; σ² = SSR/3 = 2.5e−6;
    // se = √(2.5e−6/10) = 5e−4; t = −15.
    // Syy = 5.7e−4: R² = 1 − 7.5e−6/5.7e−4 = 75/76.
    // Student t with 3 df: P(|T| > 15) = 1 − (2/π)(u/(1 + u²) + atan u),
    // u = 15/√3: 0.000643119.
    // λ = −ln(1 − 0.075)/10 = 0.00779615; half-life 88.909 years.
    let t = 10.0f64;
    let g = [0.05f64, 0.045, 0.035, 0.03, 0.02];
    let y0: Vec<f64> = (0..5).map(|x| f64::from(x).exp()).collect();
    let yt: Vec<f64> = y0.iter().zip(&g).map(|(y, g)| y * (t * g).exp()).collect();
    let r = beta(&y0, &yt, t).unwrap();
    close(r.beta, -0.0075, 1e-12);
    close(r.alpha, 0.051, 1e-12);
    close(r.se_beta, 5e-4, 1e-12);
    close(r.t, -15.0, 1e-7);
    close(r.r_squared, 75.0 / 76.0, 1e-10);
    let u = 15.0 / 3f64.sqrt();
    let p = 1.0 - 2.0 / std::f64::consts::PI * (u / (1.0 + u * u) + u.atan());
    close(r.p_value, p, 1e-10);
    close(r.p_value, 0.000_643_119_326_933_5, 1e-10);
    close(r.speed.unwrap(), 0.007_796_154_146_971_18, 1e-10);
    close(r.half_life.unwrap(), 88.908_860_380_760_19, 1e-6);
}

#[test]
fn beta_divergence_and_overshooting() {
    // Richer regions grow faster: β > 0, λ < 0, no half-life.
    let y0 = [1.0, 2.0, 4.0, 8.0];
    let yt = [1.1, 2.4, 5.0, 11.0];
    let r = beta(&y0, &yt, 5.0).unwrap();
    assert!(r.beta > 0.0);
    assert!(r.speed.unwrap() < 0.0);
    assert_eq!(r.half_life, None);
    // Order reversed in one period (1 + βT ≤ 0): no speed.
    let r = beta(&[1.0, 2.0, 4.0], &[4.0, 2.0, 1.0], 1.0).unwrap();
    close(r.beta, -2.0, 1e-12);
    assert_eq!((r.speed, r.half_life), (None, None));
}

#[test]
fn beta_errors() {
    assert!(matches!(
        beta(&[1.0, 2.0], &[1.0, 2.0], 1.0),
        Err(IndexError::TooFew { need: 3, .. })
    ));
    assert!(matches!(
        beta(&[1.0, 2.0, 3.0], &[1.0, 2.0], 1.0),
        Err(IndexError::LengthMismatch { .. })
    ));
    assert!(beta(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 0.0).is_err());
    assert!(beta(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], f64::NAN).is_err());
    assert!(beta(&[1.0, 0.0, 3.0], &[1.0, 2.0, 3.0], 1.0).is_err());
    assert!(beta(&[1.0, 2.0, 3.0], &[1.0, f64::INFINITY, 3.0], 1.0).is_err());
    // All initial levels equal: the slope is undefined.
    assert!(matches!(
        beta(&[5.0, 5.0, 5.0], &[6.0, 7.0, 8.0], 1.0),
        Err(IndexError::Invalid(_))
    ));
}

#[test]
fn theil_by_hand_equal_populations() {
    // y = 1, 2, 4, 8 (one person each), groups {1, 2} and {4, 8}.
    // ȳ = 3.75, s = y/15.
    // T_g within either group: (1/3) ln(2/3) + (2/3) ln(4/3) = 0.0566330.
    // S = 0.2 and 0.8, group means 1.5 and 6:
    // between = 0.2 ln(1.5/3.75) + 0.8 ln(6/3.75) = 0.1927448.
    // total = Σ (y/15) ln(y/3.75) = 0.2493778 = between + within.
    let th = theil_groups(&[1.0, 2.0, 4.0, 8.0], &[1.0; 4], &[0, 0, 1, 1]).unwrap();
    let tg = (2.0f64 / 3.0).ln() / 3.0 + 2.0 / 3.0 * (4.0f64 / 3.0).ln();
    let between = 0.2 * 0.4f64.ln() + 0.8 * 1.6f64.ln();
    close(th.within, tg, 1e-15);
    close(th.between, between, 1e-15);
    close(th.total, 0.249_377_769_286_889_9, 1e-14);
    close(th.total, th.between + th.within, 1e-12);
    assert_eq!(th.groups.len(), 2);
    for (g, mean, share) in [(0, 1.5, 0.2), (1, 6.0, 0.8)] {
        let x = &th.groups[g];
        assert_eq!(x.group, g);
        close(x.mean, mean, 1e-15);
        close(x.income_share, share, 1e-15);
        close(x.population_share, 0.5, 1e-15);
        close(x.theil, tg, 1e-15);
    }
}

#[test]
fn theil_by_hand_with_populations() {
    // y = 10, 20, 30 with populations 3, 1, 2; groups 7 = {10}, 2 = {20, 30}.
    // P = 6, Y = 110, ȳ = 110/6; s = 3/11, 2/11, 6/11.
    // Group 2: P = 3, Y = 80, mean 80/3, S = 8/11,
    //   T_2 = (20/80) ln(20/(80/3)) + (60/80) ln(30/(80/3)) = ¼ ln 0.75 + ¾ ln 1.125.
    // Group 7: one region, mean 10, S = 3/11, T_7 = 0.
    // between = (3/11) ln(10/ȳ) + (8/11) ln((80/3)/ȳ).
    let th = theil_groups(&[10.0, 20.0, 30.0], &[3.0, 1.0, 2.0], &[7, 2, 2]).unwrap();
    let mean = 110.0f64 / 6.0;
    let total = 3.0 / 11.0 * (10.0 / mean).ln()
        + 2.0 / 11.0 * (20.0 / mean).ln()
        + 6.0 / 11.0 * (30.0 / mean).ln();
    let t2 = 0.25 * 0.75f64.ln() + 0.75 * 1.125f64.ln();
    let between = 3.0 / 11.0 * (10.0 / mean).ln() + 8.0 / 11.0 * ((80.0 / 3.0) / mean).ln();
    close(th.total, total, 1e-15);
    close(th.total, 0.119_134_023_077_734_46, 1e-14);
    close(th.between, between, 1e-15);
    close(th.within, 8.0 / 11.0 * t2, 1e-15);
    close(th.total, th.between + th.within, 1e-12);
    // Groups in ascending id order, only those present.
    let ids: Vec<usize> = th.groups.iter().map(|g| g.group).collect();
    assert_eq!(ids, vec![2, 7]);
    close(th.groups[0].mean, 80.0 / 3.0, 1e-12);
    close(th.groups[0].population_share, 0.5, 1e-15);
    close(th.groups[0].income_share, 8.0 / 11.0, 1e-15);
    close(th.groups[0].theil, t2, 1e-15);
    assert_eq!(th.groups[1].theil, 0.0);
    close(th.groups[1].income_share, 3.0 / 11.0, 1e-15);
}

#[test]
fn theil_identities() {
    let y = [12.0, 30.0, 7.5, 18.0, 44.0];
    let p = [2.0, 1.0, 4.0, 3.0, 0.5];
    // One group: between 0, within = total.
    let one = theil_groups(&y, &p, &[3; 5]).unwrap();
    assert_eq!(one.groups.len(), 1);
    close(one.between, 0.0, 1e-15);
    close(one.within, one.total, 1e-15);
    // Each region its own group: within 0, between = total.
    let own = theil_groups(&y, &p, &[0, 1, 2, 3, 4]).unwrap();
    close(own.within, 0.0, 1e-15);
    close(own.between, own.total, 1e-12);
    // Equal incomes: everything 0.
    let eq = theil_groups(&[5.0; 4], &[1.0, 2.0, 3.0, 4.0], &[0, 1, 0, 1]).unwrap();
    for v in [eq.total, eq.between, eq.within] {
        close(v, 0.0, 1e-15);
    }
    // Shares add up to 1.
    let th = theil_groups(&y, &p, &[0, 1, 0, 2, 1]).unwrap();
    close(th.groups.iter().map(|g| g.income_share).sum(), 1.0, 1e-15);
    close(
        th.groups.iter().map(|g| g.population_share).sum(),
        1.0,
        1e-15,
    );
    close(th.total, th.between + th.within, 1e-12);
}

#[test]
fn theil_errors() {
    assert!(matches!(
        theil_groups(&[1.0, 2.0], &[1.0], &[0, 0]),
        Err(IndexError::LengthMismatch { .. })
    ));
    assert!(matches!(
        theil_groups(&[1.0, 2.0], &[1.0, 1.0], &[0]),
        Err(IndexError::LengthMismatch { .. })
    ));
    assert!(matches!(
        theil_groups(&[], &[], &[]),
        Err(IndexError::TooFew { .. })
    ));
    assert!(theil_groups(&[1.0, 0.0], &[1.0, 1.0], &[0, 0]).is_err());
    assert!(theil_groups(&[1.0, f64::NAN], &[1.0, 1.0], &[0, 0]).is_err());
    assert!(theil_groups(&[1.0, 2.0], &[1.0, -1.0], &[0, 0]).is_err());
}

/// Regions: (value, population, group).
fn regions() -> impl Strategy<Value = Vec<(f64, f64, usize)>> {
    prop::collection::vec((1.0f64..1e5, 0.1f64..1e4, 0usize..4), 1..25)
}

fn split(r: &[(f64, f64, usize)]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    (
        r.iter().map(|x| x.0).collect(),
        r.iter().map(|x| x.1).collect(),
        r.iter().map(|x| x.2).collect(),
    )
}

fn rel_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #[test]
    fn sigma_is_scale_invariant(r in regions(), c in 1e-3f64..1e3) {
        let (y, p, _) = split(&r);
        let scaled: Vec<f64> = y.iter().map(|v| v * c).collect();
        let a = sigma(&y, Some(&p)).unwrap();
        let b = sigma(&scaled, Some(&p)).unwrap();
        prop_assert!(rel_close(a.sd_log, b.sd_log), "{} {}", a.sd_log, b.sd_log);
        prop_assert!(rel_close(a.cv, b.cv), "{} {}", a.cv, b.cv);
        prop_assert!(rel_close(a.williamson.unwrap(), b.williamson.unwrap()));
    }

    #[test]
    fn theil_decomposes_exactly(r in regions()) {
        let (y, p, g) = split(&r);
        let th = theil_groups(&y, &p, &g).unwrap();
        prop_assert!((th.total - th.between - th.within).abs() <= 1e-12);
        prop_assert!(th.total >= -1e-12 && th.between >= -1e-12 && th.within >= -1e-12);
        prop_assert!(th.groups.windows(2).all(|w| w[0].group < w[1].group));
    }

    #[test]
    fn theil_is_scale_invariant(r in regions(), c in 1e-3f64..1e3) {
        let (y, p, g) = split(&r);
        let scaled: Vec<f64> = y.iter().map(|v| v * c).collect();
        let a = theil_groups(&y, &p, &g).unwrap();
        let b = theil_groups(&scaled, &p, &g).unwrap();
        prop_assert!(rel_close(a.total, b.total));
        prop_assert!(rel_close(a.between, b.between));
        prop_assert!(rel_close(a.within, b.within));
    }

    #[test]
    fn theil_is_invariant_to_the_order_of_regions(
        (r, shuffled) in regions().prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle()))
    ) {
        let (y, p, g) = split(&r);
        let (ys, ps, gs) = split(&shuffled);
        let a = theil_groups(&y, &p, &g).unwrap();
        let b = theil_groups(&ys, &ps, &gs).unwrap();
        prop_assert!(rel_close(a.total, b.total));
        prop_assert!(rel_close(a.between, b.between));
        prop_assert!(rel_close(a.within, b.within));
        prop_assert_eq!(a.groups.len(), b.groups.len());
        for (x, z) in a.groups.iter().zip(&b.groups) {
            prop_assert_eq!(x.group, z.group);
            prop_assert!(rel_close(x.theil, z.theil));
        }
    }

    #[test]
    fn splitting_a_region_changes_nothing(r in regions(), k in 0usize..25) {
        // Region k becomes two regions with the same value and half the
        // population each.
        let (mut y, mut p, mut g) = split(&r);
        let k = k % y.len();
        let a_sigma = sigma(&y, Some(&p)).unwrap();
        let a = theil_groups(&y, &p, &g).unwrap();
        p[k] /= 2.0;
        y.push(y[k]);
        p.push(p[k]);
        g.push(g[k]);
        let b_sigma = sigma(&y, Some(&p)).unwrap();
        let b = theil_groups(&y, &p, &g).unwrap();
        prop_assert!(rel_close(a_sigma.williamson.unwrap(), b_sigma.williamson.unwrap()));
        prop_assert!(rel_close(a.total, b.total));
        prop_assert!(rel_close(a.between, b.between));
        prop_assert!(rel_close(a.within, b.within));
    }
}
