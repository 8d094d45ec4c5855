//! Published reference values: Datt's (1998) worked example (rural India 1983)
//! and the World Bank PIP code (`wbpip`, `pipster`) on the same and on
//! PovcalNet's example table.

// reference values are written as published
#![allow(clippy::excessive_precision)]

use gongfu_grouped::{Beta, Curve, Gq, GroupedFit, GroupedTable, Model, stats};

/// Datt (1998), rural India 1983 (NSS 38th round, Sarvekshana 1986): the
/// cumulative population and consumption shares of 13 per-capita expenditure
/// classes as printed in the paper, mean Rs 109.9 a month, poverty line Rs 89.
/// The same table is `pip_gd` in `pipster` and `datt_rural` in `pipr`.
const DATT_P: [f64; 13] = [
    0.0092, 0.0339, 0.085, 0.164, 0.2609, 0.4133, 0.5497, 0.7196, 0.8196, 0.9174, 0.957, 0.9751,
    1.0,
];
const DATT_L: [f64; 13] = [
    0.00208, 0.01013, 0.03122, 0.07083, 0.12808, 0.23498, 0.34887, 0.51994, 0.6427, 0.79201,
    0.86966, 0.91277, 1.0,
];
const DATT_MEAN: f64 = 109.9;
const DATT_LINE: f64 = 89.0;

fn datt() -> GroupedFit {
    GroupedFit::new(GroupedTable::from_lorenz(&DATT_P, &DATT_L, DATT_MEAN).unwrap())
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

#[test]
fn datt_1998_worked_example_gq_poverty_measures() {
    let f = datt();
    assert!(f.gq().valid() && f.beta().valid());
    let gq = f.gq().curve.unwrap();
    // Datt (1998) prints the GQ estimates in percent to two decimals:
    // H = 45.06, PG = 12.47, SPG = 4.75
    let h = stats::fgt(&gq, DATT_MEAN, 0.0, DATT_LINE).unwrap();
    let pg = stats::fgt(&gq, DATT_MEAN, 1.0, DATT_LINE).unwrap();
    let spg = stats::fgt(&gq, DATT_MEAN, 2.0, DATT_LINE).unwrap();
    assert_eq!(round_to(100.0 * h, 2), 45.06, "H = {h}");
    assert_eq!(round_to(100.0 * pg, 2), 12.47, "PG = {pg}");
    assert_eq!(round_to(100.0 * spg, 2), 4.75, "SPG = {spg}");
}

#[test]
fn pip_on_datts_table() {
    let f = datt();
    let gq = f.gq().curve.unwrap();
    let beta = f.beta().curve.unwrap();
    // pipster's vignette (gd_functions): the GQ Lorenz curve at the quintile
    // boundaries, printed to 8 decimals
    for (p, l) in [
        (0.2, 0.09067747),
        (0.4, 0.22412849),
        (0.6, 0.39614586),
        (0.8, 0.61752824),
    ] {
        assert_eq!(round_to(gq.l(p), 8), l, "L({p})");
    }
    // pipster's tests (pipgd_pov_gap_nv, popshare = 0.6, lorenz = "lq"): the
    // poverty gap at the line that puts 60% below it (mean 1)
    let z = gq.dl(0.6);
    let pg = stats::fgt(&gq, 1.0, 1.0, z).unwrap();
    assert!((pg - 0.18981108366762).abs() < 1e-13, "{pg}");
    // pipster's vignette: the Beta headcount at Rs 89 and at 0.8 × mean; PIP
    // solves for it to xacc = 1e-4 (wbpip's rtSafe), so agreement is to 1e-4
    for (line, pip) in [(89.0, 0.4511816), (87.92, 0.4416621)] {
        let h = stats::headcount(&beta, DATT_MEAN, line, "fgt").unwrap();
        assert!((h - pip).abs() < 1e-4, "{line}: {h} vs {pip}");
        assert!((beta.dl(h) * DATT_MEAN - line).abs() < 1e-9);
    }
}

#[test]
fn datt_selection_follows_pip_rules() {
    let f = datt();
    // both valid; the GQ fits better over the whole curve
    let d = f.distribution_choice().unwrap();
    assert_eq!(d.model, Model::Gq);
    assert!(f.gq().sse < f.beta().sse);
    let pc = f.poverty_choice(DATT_LINE).unwrap();
    assert_eq!(pc.candidates.len(), 2);
    let (gq_sse, beta_sse) = (pc.candidates[0].2, pc.candidates[1].2);
    assert_eq!(
        pc.choice.model,
        if gq_sse <= beta_sse {
            Model::Gq
        } else {
            Model::Beta
        }
    );
    // the SSE up to the headcount sums the residuals of the 6 classes below
    // H ≈ 0.45 and of the first class above it
    let r: f64 = f.gq().residuals[..7].iter().map(|r| r * r).sum();
    assert!((gq_sse - r).abs() < 1e-20);
}

/// PovcalNet's example table used throughout wbpip's tests (mean 51.566,
/// monthly line 1.9 × 365 / 12).
const POVCAL_P: [f64; 10] = [
    0.0005, 0.0032, 0.0148, 0.0443, 0.0991, 0.257, 0.4385, 0.5938, 0.7089, 1.0,
];
const POVCAL_L: [f64; 10] = [
    5.824760527229386e-05,
    0.000604029410841011,
    0.0037949334793616948,
    0.013988878652244477,
    0.036992164583098786,
    0.12140708906131342,
    0.24531391873082081,
    0.37446670169288321,
    0.48753116241194566,
    1.0,
];
const POVCAL_MEAN: f64 = 51.5660557757944;
const POVCAL_LINE: f64 = 57.791666666666664;

#[test]
fn wbpip_regressions_and_statistics() {
    let f = GroupedFit::new(GroupedTable::from_lorenz(&POVCAL_P, &POVCAL_L, POVCAL_MEAN).unwrap());
    // wbpip tests (gd_compute_pip_stats_lq / _lb): the regression coefficients
    let Some(Curve::Gq(g)) = f.gq().curve else {
        panic!("no GQ fit")
    };
    for (got, want) in [
        (g.a, 0.795981535745657),
        (g.b, -1.4445933880119242),
        (g.c, 0.14728191995919815),
        (g.e, -0.498670067692931),
        (g.m, -1.0970760862948583),
        (g.n, 0.851623285340541),
        (g.r(), 1.3477796260474386),
    ] {
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }
    let Some(Curve::Beta(b)) = f.beta().curve else {
        panic!("no Beta fit")
    };
    for (got, want) in [
        (b.theta, 0.57803721740313529),
        (b.gamma, 0.94205090386544987),
        (b.delta, 0.52578600019473676),
    ] {
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }
    // a + c = 0.943: PIP accepts the GQ (it requires a + c ≥ 0.9); Datt's
    // condition L(1) = 1 (a + c ≥ 1) does not hold, and gongfu says so
    assert!(!f.gq().valid());
    assert!(f.gq().why_invalid().contains("a + c ≥ 1"));
    assert_eq!(f.distribution_choice().unwrap().model, Model::Beta);
}

#[test]
fn wbpip_gq_statistics() {
    let c = Curve::Gq(Gq::new(
        0.795981535745657,
        -1.4445933880119242,
        0.14728191995919815,
    ));
    let (mu, z) = (POVCAL_MEAN, POVCAL_LINE);
    // gd_compute_dist_stats_lq: Gini by Datt's closed form, median, L(0.5)
    assert!((stats::gini(&c).unwrap() - 0.32126464221602591).abs() < 1e-13);
    assert!((stats::quantile(&c, mu, 0.5, "median").unwrap() - 42.247782467994874).abs() < 1e-11);
    assert!((c.l(0.5) - 0.29417085441813828).abs() < 1e-15);
    // gd_compute_poverty_stats_lq: headcount (compared to 7 decimals there,
    // the .NET reference having gone through a float), PG, P2, L′(H), L″(H)
    let h = stats::headcount(&c, mu, z, "fgt").unwrap();
    assert_eq!(round_to(h, 7), round_to(0.76005810499191284, 7));
    assert!((stats::fgt(&c, mu, 1.0, z).unwrap() - 0.27617606019159308).abs() < 1e-13);
    assert!((stats::fgt(&c, mu, 2.0, z).unwrap() - 0.12832887439632906).abs() < 1e-12);
    assert_eq!(round_to(c.dl(h), 7), round_to(1.1207307654300092, 7));
    assert_eq!(round_to(c.ddl(h), 6), round_to(1.691340795153677, 6));
}

#[test]
fn wbpip_beta_statistics() {
    let c = Curve::Beta(Beta {
        theta: 0.57803721740313529,
        gamma: 0.94205090386544987,
        delta: 0.52578600019473676,
    });
    let (mu, z) = (POVCAL_MEAN, POVCAL_LINE);
    // gd_compute_dist_stats_lb: median and L(0.5) exactly; the Gini there is a
    // Simpson sum with step 0.001 (compared to 1e-6 there)
    assert!((stats::quantile(&c, mu, 0.5, "median").unwrap() - 42.594731176686537).abs() < 1e-11);
    assert!((c.l(0.5) - 0.29102570687473944).abs() < 1e-15);
    assert!((stats::gini(&c).unwrap() - 0.31236656171451094).abs() < 1e-5);
    // gd_compute_poverty_stats_lb (headcount compared to 1e-6 there)
    let h = stats::headcount(&c, mu, z, "fgt").unwrap();
    assert!((h - 0.71833938360214233).abs() < 1e-6 * 0.72, "{h}");
    assert!((stats::fgt(&c, mu, 1.0, z).unwrap() - 0.27137498479545558).abs() < 1e-9);
    assert!((stats::fgt(&c, mu, 2.0, z).unwrap() - 0.12933674851941607).abs() < 1e-9);
    // Watts: wbpip's trapezoid with step H/200 agrees to 1e-3 (its test's tolerance)
    let w = stats::watts(&c, mu, z).unwrap();
    assert!((w - 0.37920301922145383).abs() < 1e-3 * 0.38, "{w}");
}

#[test]
fn watts_is_the_integral_of_log_z_over_x() {
    // a brute-force midpoint rule over the poor, for both curves
    let curves = [
        Curve::Gq(Gq::new(
            0.795981535745657,
            -1.4445933880119242,
            0.14728191995919815,
        )),
        Curve::Beta(Beta {
            theta: 0.57803721740313529,
            gamma: 0.94205090386544987,
            delta: 0.52578600019473676,
        }),
    ];
    let (mu, z) = (POVCAL_MEAN, POVCAL_LINE);
    for c in curves {
        let h = stats::headcount(&c, mu, z, "watts").unwrap();
        let p0 = gongfu_grouped::stats::first_positive(&c);
        let n = 2_000_000;
        let step = (h - p0) / n as f64;
        let brute: f64 = (0..n)
            .map(|i| {
                let p = p0 + (i as f64 + 0.5) * step;
                (z / (mu * c.dl(p))).ln() * step
            })
            .sum();
        let w = stats::watts(&c, mu, z).unwrap();
        assert!((w - brute).abs() < 2e-6, "{:?}: {w} vs {brute}", c.model());
    }
}
