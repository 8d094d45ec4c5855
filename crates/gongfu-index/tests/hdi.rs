//! Reproduces the UNDP Human Development Index 2022 (Human Development Report
//! 2023/2024, "Composite indices complete time series") from its published
//! components with the composite pipeline: goalposts normalisation (on logs
//! for GNI per capita), arithmetic mean within the education dimension,
//! geometric mean across the three dimensions.
//!
//! Data and source: `testdata/hdi/README.md`. Goalposts (HDR 2023/2024
//! Technical notes): life expectancy 20–85, expected years of schooling 0–18,
//! mean years of schooling 0–15, GNI per capita 100–75,000 (2017 PPP $, logs).
//!
//! The published HDI is rounded to three decimals and computed from the same
//! components at full precision (life expectancy is published to three
//! decimals), so every country must agree within half a unit of the third
//! decimal: |computed − published| ≤ 0.0005. All 33 countries do; the largest
//! difference is 0.00047 (Cambodia).

use gongfu_index::Direction;
use gongfu_index::composite::{
    Aggregation, Data, Indicator, Normalisation, Pipeline, WeightScheme, build,
};

struct Country {
    iso3: String,
    hdi: f64,
    components: [f64; 4],
}

fn countries() -> Vec<Country> {
    let text = include_str!("../../../testdata/hdi/hdr2023_24_hdi_2022.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("iso3,country,hdi_2022,le_2022,eys_2022,mys_2022,gnipc_2022")
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 7, "{l}");
            let num = |k: usize| f[k].parse::<f64>().unwrap_or_else(|e| panic!("{l}: {e}"));
            Country {
                iso3: f[0].to_string(),
                hdi: num(2),
                components: [num(3), num(4), num(5), num(6)],
            }
        })
        .collect()
}

fn hdi_data(cs: &[Country]) -> Data {
    let indicators = vec![
        Indicator::new("life_expectancy", Direction::Higher).goalposts(20.0, 85.0),
        Indicator::new("expected_schooling", Direction::Higher)
            .pillar("education")
            .goalposts(0.0, 18.0),
        Indicator::new("mean_schooling", Direction::Higher)
            .pillar("education")
            .goalposts(0.0, 15.0),
        Indicator::new("gni_per_capita", Direction::Higher)
            .goalposts(100.0, 75_000.0)
            .log(),
    ];
    Data::new(
        cs.iter().map(|c| c.iso3.clone()).collect(),
        indicators,
        cs.iter()
            .map(|c| c.components.iter().map(|&v| Some(v)).collect())
            .collect(),
    )
    .unwrap()
}

fn hdi_pipeline() -> Pipeline {
    Pipeline {
        normalisation: Normalisation::Goalposts,
        weights: WeightScheme::Equal,
        pillar_aggregation: Aggregation::Arithmetic,
        aggregation: Aggregation::Geometric,
        ..Pipeline::default()
    }
}

#[test]
fn hdi_2022_reproduced_to_three_decimals() {
    let cs = countries();
    assert_eq!(cs.len(), 33);
    let lo = cs.iter().map(|c| c.hdi).fold(f64::INFINITY, f64::min);
    let hi = cs.iter().map(|c| c.hdi).fold(f64::NEG_INFINITY, f64::max);
    assert!(
        lo < 0.4 && hi > 0.94,
        "the countries span the HDI range: {lo}..{hi}"
    );

    let r = build(&hdi_data(&cs), &hdi_pipeline()).unwrap();
    assert_eq!(
        r.pillars,
        ["life_expectancy", "education", "gni_per_capita"]
    );
    assert_eq!(r.weights.pillars, [1.0 / 3.0; 3]);
    assert_eq!(r.weights.indicators, [1.0, 0.5, 0.5, 1.0]);

    let mut worst = (0.0_f64, String::new());
    let mut failures = Vec::new();
    for (c, &computed) in cs.iter().zip(&r.scores) {
        let d = (computed - c.hdi).abs();
        if d > worst.0 {
            worst = (d, c.iso3.clone());
        }
        if d > 0.0005 {
            failures.push(format!(
                "{}: computed {computed:.5}, published {}",
                c.iso3, c.hdi
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "disagree at three decimals: {failures:?}"
    );
    // The largest difference, documented in testdata/hdi/README.md.
    assert_eq!(worst.1, "KHM");
    assert!((worst.0 - 0.00047).abs() < 0.00001, "{worst:?}");
}

#[test]
fn hdi_dimension_indices_follow_the_technical_notes() {
    let cs = countries();
    let r = build(&hdi_data(&cs), &hdi_pipeline()).unwrap();
    let ireland = cs.iter().position(|c| c.iso3 == "IRL").unwrap();
    // Ireland: expected schooling 19.1 and GNI 87,468 are above the upper
    // goalposts and capped at 1.
    assert_eq!(r.normalised[ireland][1], Some(1.0));
    assert_eq!(r.normalised[ireland][3], Some(1.0));
    // Afghanistan by hand: LEI = (62.879 − 20)/65 = 0.659677; EI = (10.70538/18
    // + 2.51479/15)/2 = 0.381198; II = ln(1335.2057/100)/ln(750) = 0.391487;
    // HDI = (0.659677 · 0.381198 · 0.391487)^(1/3) = 0.461742.
    let afg = cs.iter().position(|c| c.iso3 == "AFG").unwrap();
    let lei = (62.879 - 20.0) / 65.0;
    let ei = (10.70538475 / 18.0 + 2.514790058 / 15.0) / 2.0;
    let ii = (1335.205733_f64 / 100.0).ln() / 750.0_f64.ln();
    assert!((r.pillar_scores[afg][0].unwrap() - lei).abs() < 1e-12);
    assert!((r.pillar_scores[afg][1].unwrap() - ei).abs() < 1e-12);
    assert!((r.pillar_scores[afg][2].unwrap() - ii).abs() < 1e-12);
    assert!((r.scores[afg] - (lei * ei * ii).cbrt()).abs() < 1e-12);
    assert!((r.scores[afg] - 0.461742).abs() < 5e-7);
    // Ranks follow the published values (1 = highest HDI); countries with
    // equal published values may be in either order.
    for (a, ca) in cs.iter().enumerate() {
        for (b, cb) in cs.iter().enumerate() {
            if ca.hdi > cb.hdi {
                assert!(r.ranks[a] < r.ranks[b], "{} vs {}", ca.iso3, cb.iso3);
            }
        }
    }
}
