//! The composite-index pipeline on small examples computed by hand, the COINr
//! outlier rule, PCA weights on matrices with known eigenvectors, the TOML
//! configuration, and properties (invariances) checked on random data.

use gongfu_index::composite::{
    Aggregation, Data, Imputation, Indicator, Normalisation, Outliers, Pipeline, TreatmentAction,
    Uncertainty, WeightScheme, build, kurtosis, needs_treatment, pca_weights, rank_descending,
    rank_uncertainty, skewness, symmetric_eigen,
};
use gongfu_index::{Direction, IndexError};
use proptest::prelude::*;

const H: Direction = Direction::Higher;
const L: Direction = Direction::Lower;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i}")).collect()
}

fn data(inds: Vec<Indicator>, rows: Vec<Vec<Option<f64>>>) -> Data {
    Data::new(names(rows.len()), inds, rows).unwrap()
}

fn full(rows: &[&[f64]]) -> Vec<Vec<Option<f64>>> {
    rows.iter()
        .map(|r| r.iter().map(|&v| Some(v)).collect())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[track_caller]
fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{got:?} vs {want:?}");
    }
}

fn col(r: &gongfu_index::composite::IndexResult, j: usize) -> Vec<f64> {
    r.normalised.iter().map(|row| row[j].unwrap()).collect()
}

/// Three units, x1 higher-is-better = (1, 2, 4), x2 lower-is-better = (10, 30, 20).
fn abc() -> Data {
    data(
        vec![Indicator::new("x1", H), Indicator::new("x2", L)],
        full(&[&[1.0, 10.0], &[2.0, 30.0], &[4.0, 20.0]]),
    )
}

// ---------------------------------------------------------------- validation

#[test]
fn data_is_validated() {
    let one = || vec![Indicator::new("x", H)];
    let err = |units: usize, inds: Vec<Indicator>, rows: Vec<Vec<Option<f64>>>| {
        Data::new(names(units), inds, rows).unwrap_err()
    };
    assert!(matches!(
        err(1, one(), vec![vec![Some(1.0)]]),
        IndexError::TooFew {
            need: 2,
            got: 1,
            ..
        }
    ));
    assert!(matches!(
        err(2, vec![], vec![vec![], vec![]]),
        IndexError::TooFew {
            need: 1,
            got: 0,
            ..
        }
    ));
    assert!(matches!(
        err(2, one(), vec![vec![Some(1.0)]]),
        IndexError::LengthMismatch {
            left: 1,
            right: 2,
            ..
        }
    ));
    assert!(matches!(
        err(2, one(), vec![vec![Some(1.0)], vec![Some(1.0), Some(2.0)]]),
        IndexError::LengthMismatch {
            left: 2,
            right: 1,
            ..
        }
    ));
    let invalid = |e: IndexError, needle: &str| match e {
        IndexError::Invalid(m) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected Invalid({needle}), got {other:?}"),
    };
    invalid(
        err(2, one(), vec![vec![Some(f64::NAN)], vec![Some(1.0)]]),
        "not finite",
    );
    invalid(
        err(2, one(), vec![vec![None], vec![Some(1.0)]]),
        "unit 'u0' has no observed value",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H), Indicator::new("y", H)],
            vec![vec![Some(1.0), None]; 2],
        ),
        "indicator 'y' has no observed value",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H).weight(-1.0)],
            full(&[&[1.0], &[2.0]]),
        ),
        "weight",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H).weight(0.0)],
            full(&[&[1.0], &[2.0]]),
        ),
        "all zero",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H).goalposts(5.0, 5.0)],
            full(&[&[1.0], &[2.0]]),
        ),
        "goalposts",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H).goalposts(0.0, 5.0).log()],
            full(&[&[1.0], &[2.0]]),
        ),
        "lo > 0",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H).log()],
            full(&[&[1.0], &[2.0]]),
        ),
        "needs goalposts",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H), Indicator::new("x", L)],
            full(&[&[1.0, 1.0], &[2.0, 2.0]]),
        ),
        "duplicate indicator 'x'",
    );
    invalid(
        Data::new(vec!["a".into(), "a".into()], one(), full(&[&[1.0], &[2.0]])).unwrap_err(),
        "duplicate unit 'a'",
    );
    invalid(
        err(
            2,
            vec![Indicator::new("x", H), Indicator::new("y", H).pillar("x")],
            full(&[&[1.0, 1.0], &[2.0, 2.0]]),
        ),
        "pillar 'x'",
    );
    invalid(
        abc().with_pillar_weights([("nope", 1.0)]).unwrap_err(),
        "no pillar named 'nope'",
    );
}

#[test]
fn settings_are_validated() {
    let d = abc();
    for p in [
        Pipeline {
            min_max_range: [1.0, 1.0],
            ..Pipeline::default()
        },
        Pipeline {
            z_score: [0.0, 0.0],
            ..Pipeline::default()
        },
        Pipeline {
            scale: 0.0,
            ..Pipeline::default()
        },
        Pipeline {
            max_points: 0,
            ..Pipeline::default()
        },
        Pipeline {
            normalisation: Normalisation::Goalposts,
            ..Pipeline::default()
        },
        Pipeline {
            normalisation: Normalisation::DistanceToTarget,
            ..Pipeline::default()
        },
    ] {
        assert!(
            matches!(build(&d, &p), Err(IndexError::Invalid(_))),
            "{p:?}"
        );
    }
    for u in [
        Uncertainty {
            draws: 0,
            ..Uncertainty::default()
        },
        Uncertainty {
            weight_noise: 1.0,
            ..Uncertainty::default()
        },
        Uncertainty {
            weight_noise: -0.1,
            ..Uncertainty::default()
        },
        Uncertainty {
            positive_min_max_range: [0.0, 100.0],
            ..Uncertainty::default()
        },
        Uncertainty {
            positive_z_score: [10.0, 0.0],
            ..Uncertainty::default()
        },
    ] {
        assert!(u.validate().is_err(), "{u:?}");
        assert!(rank_uncertainty(&d, &Pipeline::default(), &u).is_err());
    }
}

// ----------------------------------------------------------- normalisations

#[test]
fn min_max_by_hand() {
    // x1: (x − 1)/3·100 = 0, 33.33, 100; x2 lower: (30 − x)/20·100 = 100, 0, 50.
    // Equal weights, arithmetic: 50, 16.67, 75 → ranks 2, 3, 1.
    let r = build(&abc(), &Pipeline::default()).unwrap();
    assert_close(&col(&r, 0), &[0.0, 100.0 / 3.0, 100.0]);
    assert_close(&col(&r, 1), &[100.0, 0.0, 50.0]);
    assert_close(&r.scores, &[50.0, 50.0 / 3.0, 75.0]);
    assert_eq!(r.ranks, [2, 3, 1]);
    assert_eq!(r.weights.indicators, [0.5, 0.5]);
    assert!(r.pillars.is_empty() && r.weights.pillars.is_empty());
    // To [1, 100]: 1 + 99·(0, 1/3, 1) and 1 + 99·(1, 0, 1/2).
    let p = Pipeline {
        min_max_range: [1.0, 100.0],
        ..Pipeline::default()
    };
    let r = build(&abc(), &p).unwrap();
    assert_close(&col(&r, 0), &[1.0, 34.0, 100.0]);
    assert_close(&col(&r, 1), &[100.0, 1.0, 50.5]);
}

#[test]
fn z_score_by_hand() {
    // x1 = (1, 2, 4): mean 7/3, sample SD √(7/3) = 1.527525; z = (−0.872872,
    // −0.218218, 1.091089). x2 = (10, 30, 20): mean 20, SD 10, lower is better:
    // z = (1, −1, 0). Means: 0.063564, −0.609109, 0.545545.
    let r = build(
        &abc(),
        &Pipeline {
            normalisation: Normalisation::ZScore,
            ..Pipeline::default()
        },
    )
    .unwrap();
    let s = (7.0_f64 / 3.0).sqrt();
    let z1 = [
        (1.0 - 7.0 / 3.0) / s,
        (2.0 - 7.0 / 3.0) / s,
        (4.0 - 7.0 / 3.0) / s,
    ];
    assert_close(&col(&r, 0), &z1);
    assert!((z1[0] + 0.872872).abs() < 1e-6 && (z1[2] - 1.091089).abs() < 1e-6);
    assert_close(&col(&r, 1), &[1.0, -1.0, 0.0]);
    assert_close(
        &r.scores,
        &[(z1[0] + 1.0) / 2.0, (z1[1] - 1.0) / 2.0, z1[2] / 2.0],
    );
    assert_eq!(r.ranks, [2, 3, 1]);
    // COINr-style mean 10, SD 1 shifts everything by 10.
    let p = Pipeline {
        normalisation: Normalisation::ZScore,
        z_score: [10.0, 1.0],
        ..Pipeline::default()
    };
    let r = build(&abc(), &p).unwrap();
    assert_close(&col(&r, 1), &[11.0, 9.0, 10.0]);
    // A constant indicator cannot be z-scored or min-maxed.
    let flat = data(vec![Indicator::new("x", H)], full(&[&[3.0], &[3.0]]));
    for how in [Normalisation::ZScore, Normalisation::MinMax] {
        let p = Pipeline {
            normalisation: how,
            ..Pipeline::default()
        };
        assert!(
            matches!(build(&flat, &p), Err(IndexError::Invalid(m)) if m.contains("single value"))
        );
    }
}

#[test]
fn rank_by_hand() {
    // x1 (1, 2, 4) → 1, 2, 3; x2 lower (10, 30, 20) → 3, 1, 2 (1 = worst).
    // Means 2, 1.5, 2.5 → ranks 2, 3, 1. Ties share the lowest rank: (5, 5, 7) → 1, 1, 3.
    let r = build(
        &abc(),
        &Pipeline {
            normalisation: Normalisation::Rank,
            ..Pipeline::default()
        },
    )
    .unwrap();
    assert_eq!(col(&r, 0), [1.0, 2.0, 3.0]);
    assert_eq!(col(&r, 1), [3.0, 1.0, 2.0]);
    assert_eq!(r.scores, [2.0, 1.5, 2.5]);
    assert_eq!(r.ranks, [2, 3, 1]);
    let t = data(
        vec![Indicator::new("x", H)],
        full(&[&[5.0], &[5.0], &[7.0]]),
    );
    let r = build(
        &t,
        &Pipeline {
            normalisation: Normalisation::Rank,
            ..Pipeline::default()
        },
    )
    .unwrap();
    assert_eq!(col(&r, 0), [1.0, 1.0, 3.0]);
    assert_eq!(r.ranks, [2, 2, 1]);
}

#[test]
fn goalposts_by_hand() {
    // x1 goalposts [0, 5]: 0.2, 0.4, 0.8. x2 lower, goalposts [0, 40]:
    // (40 − x)/40 = 0.75, 0.25, 0.5. Scale 100 multiplies.
    let d = data(
        vec![
            Indicator::new("x1", H).goalposts(0.0, 5.0),
            Indicator::new("x2", L).goalposts(0.0, 40.0),
        ],
        full(&[&[1.0, 10.0], &[2.0, 30.0], &[4.0, 20.0]]),
    );
    let p = Pipeline {
        normalisation: Normalisation::Goalposts,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_close(&col(&r, 0), &[0.2, 0.4, 0.8]);
    assert_close(&col(&r, 1), &[0.75, 0.25, 0.5]);
    let r = build(
        &d,
        &Pipeline {
            scale: 100.0,
            ..p.clone()
        },
    )
    .unwrap();
    assert_close(&col(&r, 0), &[20.0, 40.0, 80.0]);
    // Clamped outside the goalposts: [2, 3] gives (1−2)/1 → 0, 0, (4−2)/1 → 1.
    let d = data(
        vec![Indicator::new("x", H).goalposts(2.0, 3.0)],
        full(&[&[1.0], &[2.0], &[4.0]]),
    );
    assert_eq!(col(&build(&d, &p).unwrap(), 0), [0.0, 0.0, 1.0]);
    // Log scale: goalposts [1, 1000], x = 10, 100, 1000 → 1/3, 2/3, 1.
    let d = data(
        vec![Indicator::new("x", H).goalposts(1.0, 1000.0).log()],
        full(&[&[10.0], &[100.0], &[1000.0]]),
    );
    assert_close(
        &col(&build(&d, &p).unwrap(), 0),
        &[1.0 / 3.0, 2.0 / 3.0, 1.0],
    );
    let d = data(
        vec![Indicator::new("x", H).goalposts(1.0, 1000.0).log()],
        full(&[&[0.0], &[100.0], &[1000.0]]),
    );
    assert!(matches!(build(&d, &p), Err(IndexError::Invalid(m)) if m.contains("non-positive")));
}

#[test]
fn distance_to_target_by_hand() {
    // COINr n_dist2targ: 1 − (t − x)/(t − min x), capped at 1.
    // x1 target 3: 1 − (3 − x)/2 = 0, 0.5, 1.5 → 1.
    // x2 lower, target 15, on −x: t' = −15, min = −30: 1 − (−15 + x)/15
    //   = 1.33 → 1, 0, 0.667.
    let d = data(
        vec![
            Indicator::new("x1", H).target(3.0),
            Indicator::new("x2", L).target(15.0),
        ],
        full(&[&[1.0, 10.0], &[2.0, 30.0], &[4.0, 20.0]]),
    );
    let p = Pipeline {
        normalisation: Normalisation::DistanceToTarget,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_close(&col(&r, 0), &[0.0, 0.5, 1.0]);
    assert_close(&col(&r, 1), &[1.0, 0.0, 2.0 / 3.0]);
    // Every unit at or beyond the target: all score `scale`.
    let d = data(
        vec![Indicator::new("x", H).target(1.0)],
        full(&[&[1.0], &[2.0]]),
    );
    let r = build(&d, &Pipeline { scale: 100.0, ..p }).unwrap();
    assert_eq!(col(&r, 0), [100.0, 100.0]);
}

// ------------------------------------------------------------------- weights

#[test]
fn explicit_weights_and_ties() {
    // Min-max as in `min_max_by_hand`, weights 3 : 1 → 0.75, 0.25:
    // A = 0.25·100 = 25, B = 0.75·33.33 = 25, C = 0.75·100 + 0.25·50 = 87.5.
    // A and B tie: ranks 2, 2, 1.
    let d = data(
        vec![Indicator::new("x1", H).weight(3.0), Indicator::new("x2", L)],
        full(&[&[1.0, 10.0], &[2.0, 30.0], &[4.0, 20.0]]),
    );
    let p = Pipeline {
        weights: WeightScheme::Explicit,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_eq!(r.weights.indicators, [0.75, 0.25]);
    assert_close(&r.scores, &[25.0, 25.0, 87.5]);
    assert_eq!(r.ranks, [2, 2, 1]);
    // Equal weights ignore the explicit ones.
    let r = build(&d, &Pipeline::default()).unwrap();
    assert_eq!(r.weights.indicators, [0.5, 0.5]);
    assert_eq!(rank_descending(&[3.0, 1.0, 3.0, 2.0]), [1, 4, 1, 3]);
}

#[test]
fn pca_weights_on_known_matrices() {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1)/√2, (1, −1)/√2.
    let e = symmetric_eigen(&[vec![2.0, 1.0], vec![1.0, 2.0]]).unwrap();
    assert_close(&e.values, &[3.0, 1.0]);
    let h = 0.5_f64.sqrt();
    assert_close(&e.vectors[0], &[h, h]);
    assert_close(&e.vectors[1], &[h, -h]);
    // diag(3, 1, 2): eigenvalues 3, 2, 1 with the unit vectors e1, e3, e2.
    let e = symmetric_eigen(&[
        vec![3.0, 0.0, 0.0],
        vec![0.0, 1.0, 0.0],
        vec![0.0, 0.0, 2.0],
    ])
    .unwrap();
    assert_close(&e.values, &[3.0, 2.0, 1.0]);
    assert_close(&e.vectors[1], &[0.0, 0.0, 1.0]);
    // Equicorrelation r: largest eigenvalue 1 + 2r, eigenvector (1, 1, 1)/√3,
    // so the weights are 1/3 each.
    let r = 0.6;
    let eq = vec![vec![1.0, r, r], vec![r, 1.0, r], vec![r, r, 1.0]];
    let e = symmetric_eigen(&eq).unwrap();
    assert_close(&e.values, &[1.0 + 2.0 * r, 1.0 - r, 1.0 - r]);
    assert_close(&pca_weights(&eq).unwrap(), &[1.0 / 3.0; 3]);
    // Block [[1, .8, 0], [.8, 1, 0], [0, 0, 1]]: largest eigenvalue 1.8 with
    // (1, 1, 0)/√2 → weights 1/2, 1/2, 0.
    let block = vec![
        vec![1.0, 0.8, 0.0],
        vec![0.8, 1.0, 0.0],
        vec![0.0, 0.0, 1.0],
    ];
    assert_close(&pca_weights(&block).unwrap(), &[0.5, 0.5, 0.0]);
    // Uncorrelated indicators: the first component is not unique.
    let id = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    assert!(matches!(pca_weights(&id), Err(IndexError::Invalid(m)) if m.contains("not unique")));
    assert!(symmetric_eigen(&[vec![1.0, 2.0], vec![0.0, 1.0]]).is_err());
    assert!(symmetric_eigen(&[vec![1.0, 2.0]]).is_err());
}

#[test]
fn pca_weights_in_the_pipeline() {
    // x1 = x2 = (1, 2, 3, 4) and x3 = (1, −1, −1, 1) uncorrelated with them:
    // the correlation matrix is [[1, 1, 0], [1, 1, 0], [0, 0, 1]] with largest
    // eigenvalue 2 and eigenvector (1, 1, 0)/√2 → weights 1/2, 1/2, 0.
    let d = data(
        vec![
            Indicator::new("x1", H),
            Indicator::new("x2", H),
            Indicator::new("x3", H),
        ],
        full(&[
            &[1.0, 1.0, 1.0],
            &[2.0, 2.0, -1.0],
            &[3.0, 3.0, -1.0],
            &[4.0, 4.0, 1.0],
        ]),
    );
    let p = Pipeline {
        weights: WeightScheme::Pca,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_close(&r.weights.indicators, &[0.5, 0.5, 0.0]);
    assert_close(&r.scores, &[0.0, 100.0 / 3.0, 200.0 / 3.0, 100.0]);
    // Within pillars: the uncorrelated pair alone has no unique component.
    let d = data(
        vec![
            Indicator::new("x1", H).pillar("p"),
            Indicator::new("x3", H).pillar("p"),
        ],
        full(&[&[1.0, 1.0], &[2.0, -1.0], &[3.0, -1.0], &[4.0, 1.0]]),
    );
    assert!(matches!(build(&d, &p), Err(IndexError::Invalid(m)) if m.contains("pillar 'p'")));
}

// --------------------------------------------------------------- aggregation

#[test]
fn aggregations_by_hand() {
    // Goalposts [0, 1] keep the values: (0.25, 1) per unit u0.
    // Equal weights: arithmetic 0.625, geometric √0.25 = 0.5, harmonic 2/(4 + 1) = 0.4.
    // Weights 3 : 1: arithmetic 0.4375, geometric 0.25^0.75 = 0.353553,
    // harmonic 1/(0.75/0.25 + 0.25/1) = 1/3.25.
    let d = data(
        vec![
            Indicator::new("a", H).goalposts(0.0, 1.0).weight(3.0),
            Indicator::new("b", H).goalposts(0.0, 1.0),
        ],
        full(&[&[0.25, 1.0], &[0.5, 0.5]]),
    );
    let want = [
        (Aggregation::Arithmetic, 0.625, 0.4375),
        (Aggregation::Geometric, 0.5, 0.25_f64.powf(0.75)),
        (Aggregation::Harmonic, 0.4, 1.0 / 3.25),
    ];
    for (agg, equal, weighted) in want {
        let p = Pipeline {
            normalisation: Normalisation::Goalposts,
            aggregation: agg,
            ..Pipeline::default()
        };
        let r = build(&d, &p).unwrap();
        assert!(close(r.scores[0], equal), "{agg:?} {}", r.scores[0]);
        assert!(close(r.scores[1], 0.5));
        let r = build(
            &d,
            &Pipeline {
                weights: WeightScheme::Explicit,
                ..p
            },
        )
        .unwrap();
        assert!(close(r.scores[0], weighted), "{agg:?} {}", r.scores[0]);
    }
    assert!((0.25_f64.powf(0.75) - 0.353553).abs() < 1e-6);
}

#[test]
fn geometric_with_min_max_from_zero_is_an_error() {
    for agg in [Aggregation::Geometric, Aggregation::Harmonic] {
        let p = Pipeline {
            aggregation: agg,
            ..Pipeline::default()
        };
        match build(&abc(), &p) {
            Err(IndexError::Invalid(m)) => {
                assert!(
                    m.contains(agg.name()) && m.contains("unit 'u0'") && m.contains("[1, 100]"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        // From 1 it works: x1 → 1, 34, 100; x2 → 100, 1, 50.5.
        let r = build(
            &abc(),
            &Pipeline {
                min_max_range: [1.0, 100.0],
                ..p
            },
        )
        .unwrap();
        if agg == Aggregation::Geometric {
            assert_close(&r.scores, &[10.0, 34.0_f64.sqrt(), 5050.0_f64.sqrt()]);
        }
    }
}

#[test]
fn pillars_with_different_aggregations() {
    // Pillar P = {a, b} arithmetic, c alone; geometric across (HDI-like).
    // Goalposts [0, 1] keep the values. u0: a = 0.2, b = 0.6, c = 0.9:
    // P = 0.4, index = √(0.4·0.9) = 0.6. u1: a = 0.5, b = 0.5, c = 0.5 → 0.5.
    let d = data(
        vec![
            Indicator::new("a", H).pillar("P").goalposts(0.0, 1.0),
            Indicator::new("b", H).pillar("P").goalposts(0.0, 1.0),
            Indicator::new("c", H).goalposts(0.0, 1.0),
        ],
        full(&[&[0.2, 0.6, 0.9], &[0.5, 0.5, 0.5]]),
    );
    let p = Pipeline {
        normalisation: Normalisation::Goalposts,
        pillar_aggregation: Aggregation::Arithmetic,
        aggregation: Aggregation::Geometric,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_eq!(r.pillars, ["P", "c"]);
    assert!(
        close(r.pillar_scores[0][0].unwrap(), 0.4) && close(r.pillar_scores[0][1].unwrap(), 0.9)
    );
    assert_close(&r.scores, &[0.6, 0.5]);
    assert_eq!(r.ranks, [1, 2]);
    assert_eq!(r.weights.pillars, [0.5, 0.5]);
    // Explicit pillar weights 1 : 3 → 0.25, 0.75: u0 = 0.4^0.25 · 0.9^0.75.
    let d = d.with_pillar_weights([("c", 3.0)]).unwrap();
    let r = build(
        &d,
        &Pipeline {
            weights: WeightScheme::Explicit,
            ..p.clone()
        },
    )
    .unwrap();
    assert_eq!(r.weights.pillars, [0.25, 0.75]);
    assert!(close(r.scores[0], 0.4_f64.powf(0.25) * 0.9_f64.powf(0.75)));
    // Equal weighting ignores them.
    assert_eq!(build(&d, &p).unwrap().weights.pillars, [0.5, 0.5]);
}

// ---------------------------------------------------------------- imputation

#[test]
fn imputation_by_hand() {
    // x1 = (1, –, 2, 9), x2 = (0, 10, 5, 10); min-max to [0, 100].
    // x2 → 0, 100, 50, 100.
    // none: x1 over (1, 2, 9) → 0, –, 12.5, 100; u1 = 100 (x2 alone, weight
    //   renormalised); scores 0, 100, 31.25, 100; ranks 4, 1, 3, 1.
    // mean (4): u1's x1 → 37.5, score 68.75. median (2): 12.5, score 56.25.
    let d = data(
        vec![Indicator::new("x1", H), Indicator::new("x2", H)],
        vec![
            vec![Some(1.0), Some(0.0)],
            vec![None, Some(10.0)],
            vec![Some(2.0), Some(5.0)],
            vec![Some(9.0), Some(10.0)],
        ],
    );
    let r = build(&d, &Pipeline::default()).unwrap();
    assert_eq!(r.normalised[1][0], None);
    assert_close(&r.scores, &[0.0, 100.0, 31.25, 100.0]);
    assert_eq!(r.ranks, [4, 1, 3, 1]);
    let r = build(
        &d,
        &Pipeline {
            imputation: Imputation::Mean,
            ..Pipeline::default()
        },
    )
    .unwrap();
    assert_close(&r.scores, &[0.0, 68.75, 31.25, 100.0]);
    let r = build(
        &d,
        &Pipeline {
            imputation: Imputation::Median,
            ..Pipeline::default()
        },
    )
    .unwrap();
    assert_close(&r.scores, &[0.0, 56.25, 31.25, 100.0]);
    assert_eq!(r.ranks, [4, 2, 3, 1]);
}

#[test]
fn a_missing_pillar_is_skipped() {
    // u1 has nothing in pillar P: its index is pillar c alone.
    let d = data(
        vec![
            Indicator::new("a", H).pillar("P").goalposts(0.0, 1.0),
            Indicator::new("c", H).goalposts(0.0, 1.0),
        ],
        vec![vec![Some(0.2), Some(0.4)], vec![None, Some(0.7)]],
    );
    let p = Pipeline {
        normalisation: Normalisation::Goalposts,
        ..Pipeline::default()
    };
    let r = build(&d, &p).unwrap();
    assert_eq!(r.pillar_scores[1][0], None);
    assert_close(&r.scores, &[0.3, 0.7]);
}

// ---------------------------------------------------------- outlier treatment

#[test]
fn skewness_and_kurtosis_as_coinr() {
    // x = (1, 2, 3, 4, 10): mean 4, d = (−3, −2, −1, 0, 6), Σd² = 50,
    // Σd³ = 180, Σd⁴ = 1394. g1 = √5·180/50^1.5 = 1.138420;
    // G1 = g1·√(5·4)/3 = 1.697056.
    let x = [1.0, 2.0, 3.0, 4.0, 10.0];
    let g1 = 5.0_f64.sqrt() * 180.0 / 50.0_f64.powf(1.5);
    assert!(close(skewness(&x).unwrap(), g1 * 20.0_f64.sqrt() / 3.0));
    assert!((skewness(&x).unwrap() - 1.697056).abs() < 1e-6);
    // r = 5·1394/2500 = 2.788; G2 = (6·(r − 3) + 6)·4/(3·2) = 3.152.
    assert!(close(kurtosis(&x).unwrap(), 3.152));
    // COINr's vignette example: 1..10, 30, 100 → skew 3.063, kurtosis 9.741.
    let v: Vec<f64> = (1..=10).map(f64::from).chain([30.0, 100.0]).collect();
    assert!((skewness(&v).unwrap() - 3.063241).abs() < 1e-6);
    assert!((kurtosis(&v).unwrap() - 9.741391).abs() < 1e-6);
    assert!(needs_treatment(&v, 2.0, 3.5).unwrap());
    // Both conditions are needed: high skew but kurtosis below 3.5 passes.
    assert!(!needs_treatment(&x, 1.5, 3.5).unwrap());
    assert!(needs_treatment(&x, 1.5, 3.0).unwrap());
    assert!(matches!(
        skewness(&[1.0, 2.0]),
        Err(IndexError::TooFew { need: 3, .. })
    ));
    assert!(matches!(
        kurtosis(&[1.0, 2.0, 3.0]),
        Err(IndexError::TooFew { need: 4, .. })
    ));
    assert!(skewness(&[2.0, 2.0, 2.0]).is_err());
}

fn one_indicator(values: &[f64]) -> Data {
    data(
        vec![Indicator::new("x", H)],
        values.iter().map(|&v| vec![Some(v)]).collect(),
    )
}

#[test]
fn winsorising_as_coinr() {
    // 1..10, 30, 100: one step moves 100 to 30; then skew 1.712 < 2: treated.
    let v: Vec<f64> = (1..=10).map(f64::from).chain([30.0, 100.0]).collect();
    let p = Pipeline {
        outliers: Outliers::Winsorise,
        ..Pipeline::default()
    };
    let r = build(&one_indicator(&v), &p).unwrap();
    let t = &r.treatment[0];
    assert_eq!(t.action, TreatmentAction::Winsorised);
    assert_eq!(t.winsorised.len(), 1);
    assert_eq!(
        (
            t.winsorised[0].unit,
            t.winsorised[0].from,
            t.winsorised[0].to
        ),
        (11, 100.0, 30.0)
    );
    assert!((t.skew_after.unwrap() - 1.712038).abs() < 1e-6);
    assert!((t.kurtosis_after.unwrap() - 1.815781).abs() < 1e-6);
    // Units 10 and 11 are now tied at the top.
    assert_eq!(r.ranks[10], 1);
    assert_eq!(r.ranks[11], 1);
    // Without treatment only one unit is at 100.
    let r = build(&one_indicator(&v), &Pipeline::default()).unwrap();
    assert_eq!(r.ranks[10], 2);
    // Values within bounds are left alone.
    let r = build(&one_indicator(&[1.0, 2.0, 3.0, 4.0, 10.0]), &p).unwrap();
    assert_eq!(r.treatment[0].action, TreatmentAction::WithinBounds);
    // Too few values: skipped.
    let r = build(&one_indicator(&[1.0, 2.0, 30.0]), &p).unwrap();
    assert_eq!(r.treatment[0].action, TreatmentAction::Skipped);
}

#[test]
fn log_transform_when_winsorising_is_not_enough() {
    // 2^0 .. 2^19: skew 3.143, kurtosis 10.34. One winsorised point leaves skew
    // 2.30 and kurtosis 4.30 (fails), so the original values are transformed:
    // ln(x − 1 + 0.01·(2^19 − 1)), skew 1.428.
    let v: Vec<f64> = (0..20).map(|k| 2f64.powi(k)).collect();
    let p = Pipeline {
        outliers: Outliers::Winsorise,
        max_points: 1,
        normalisation: Normalisation::Rank,
        ..Pipeline::default()
    };
    let r = build(&one_indicator(&v), &p).unwrap();
    let t = &r.treatment[0];
    assert_eq!(t.action, TreatmentAction::Log);
    assert!((t.skew_after.unwrap() - 1.427924).abs() < 1e-6);
    assert!(t.winsorised.is_empty());
    // With the default 5 points, three suffice (2^19 → 2^18, then both → 2^17).
    let r = build(
        &one_indicator(&v),
        &Pipeline {
            max_points: 5,
            ..p.clone()
        },
    )
    .unwrap();
    assert_eq!(r.treatment[0].action, TreatmentAction::Winsorised);
    assert_eq!(r.treatment[0].winsorised.len(), 2);
    assert_eq!(r.treatment[0].winsorised[0].to, 131072.0);
    // Negative skew is mirrored: the order of the values is kept.
    let neg: Vec<f64> = v.iter().map(|x| -x).collect();
    let r = build(
        &one_indicator(&neg),
        &Pipeline {
            normalisation: Normalisation::MinMax,
            ..p.clone()
        },
    )
    .unwrap();
    assert_eq!(r.treatment[0].action, TreatmentAction::Log);
    assert!((r.treatment[0].skew_after.unwrap() + 1.427924).abs() < 1e-6);
    let ranks_after = r.ranks.clone();
    let r = build(&one_indicator(&neg), &Pipeline::default()).unwrap();
    assert_eq!(ranks_after, r.ranks);
    // Goalposts are in the indicator's own unit: no log transform there.
    let d = data(
        vec![Indicator::new("x", H).goalposts(0.0, 1e6)],
        v.iter().map(|&x| vec![Some(x)]).collect(),
    );
    let r = build(
        &d,
        &Pipeline {
            normalisation: Normalisation::Goalposts,
            ..p
        },
    )
    .unwrap();
    assert_eq!(
        r.treatment[0].action,
        TreatmentAction::WinsorisedNotWithinBounds
    );
    assert_eq!(r.normalised[19][0], Some(262144.0 / 1e6));
}

// ------------------------------------------------------------- configuration

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    index: Pipeline,
    #[serde(default)]
    indicator: Vec<Indicator>,
}

#[test]
fn configuration_from_toml() {
    let text = r#"
        [index]
        imputation = "mean"            # none | mean | median
        outliers = "winsorise"         # none | winsorise
        max_points = 4
        normalisation = "min_max"
        weights = "equal"
        aggregation = "arithmetic"
        pillar_aggregation = "arithmetic"
        min_max_range = [1, 100]
        [index.uncertainty]
        draws = 1000
        seed = 20250101
        weight_noise = 0.25
        normalisations = ["min_max", "z_score", "rank"]
        aggregations = ["arithmetic", "geometric"]

        [[indicator]]
        id = "income"
        direction = "higher"
        pillar = "prosperity"
        [[indicator]]
        id = "gini"
        direction = "lower"
        weight = 2
        goalposts = [0.2, 0.5]
    "#;
    let c: Config = toml::from_str(text).unwrap();
    assert_eq!(c.index.imputation, Imputation::Mean);
    assert_eq!(c.index.outliers, Outliers::Winsorise);
    assert_eq!(c.index.max_points, 4);
    assert_eq!(c.index.min_max_range, [1.0, 100.0]);
    assert_eq!(c.index.skew_threshold, 2.0);
    let u = c.index.uncertainty.as_ref().unwrap();
    assert_eq!((u.draws, u.seed, u.weight_noise), (1000, 20250101, 0.25));
    assert_eq!(
        u.normalisations,
        [
            Normalisation::MinMax,
            Normalisation::ZScore,
            Normalisation::Rank
        ]
    );
    assert_eq!(
        u.aggregations,
        [Aggregation::Arithmetic, Aggregation::Geometric]
    );
    assert!(u.imputations.is_empty());
    assert_eq!(u.positive_min_max_range, [1.0, 100.0]);
    assert_eq!(c.indicator[0].pillar.as_deref(), Some("prosperity"));
    assert_eq!(c.indicator[0].weight, 1.0);
    assert_eq!((c.indicator[1].direction, c.indicator[1].weight), (L, 2.0));
    assert_eq!(c.indicator[1].goalposts, Some([0.2, 0.5]));
    // Defaults, and unknown keys or values are errors.
    let c: Config = toml::from_str("[index]\n").unwrap();
    assert_eq!(c.index, Pipeline::default());
    for bad in [
        "[index]\nnormalization = \"min_max\"\n",
        "[index]\nnormalisation = \"minmax\"\n",
        "[index]\n[index.uncertainty]\ndraw = 10\n",
        "[index]\n[[indicator]]\nid = \"x\"\ndirection = \"higher\"\nwieght = 1\n",
    ] {
        assert!(toml::from_str::<Config>(bad).is_err(), "{bad}");
    }
    // Serialising and reading back gives the same settings.
    let back: Pipeline = toml::from_str(&toml::to_string(&Pipeline::default()).unwrap()).unwrap();
    assert_eq!(back, Pipeline::default());
}

// -------------------------------------------------------------- uncertainty

#[test]
fn uncertainty_of_a_dominating_unit_is_nil() {
    // u0 is best on every indicator, u4 worst: whatever the weights,
    // normalisation or aggregation, they stay first and last.
    let d = data(
        vec![
            Indicator::new("a", H),
            Indicator::new("b", L),
            Indicator::new("c", H),
        ],
        full(&[
            &[9.0, 1.0, 9.0],
            &[5.0, 3.0, 2.0],
            &[2.0, 4.0, 6.0],
            &[6.0, 6.0, 3.0],
            &[1.0, 8.0, 1.0],
        ]),
    );
    let spec = Uncertainty {
        draws: 500,
        normalisations: vec![
            Normalisation::MinMax,
            Normalisation::ZScore,
            Normalisation::Rank,
        ],
        aggregations: vec![
            Aggregation::Arithmetic,
            Aggregation::Geometric,
            Aggregation::Harmonic,
        ],
        ..Uncertainty::default()
    };
    let bands = rank_uncertainty(&d, &Pipeline::default(), &spec).unwrap();
    assert_eq!(
        (bands[0].p05, bands[0].p95, bands[0].mean_abs_shift),
        (1.0, 1.0, 0.0)
    );
    assert_eq!(
        (bands[4].p05, bands[4].p95, bands[4].mean_abs_shift),
        (5.0, 5.0, 0.0)
    );
    // The middle units do move.
    assert!(
        bands[1..4]
            .iter()
            .any(|b| b.p95 > b.p05 && b.mean_abs_shift > 0.0)
    );
    // Reproducible from the seed.
    assert_eq!(
        bands,
        rank_uncertainty(&d, &Pipeline::default(), &spec).unwrap()
    );
}

#[test]
fn uncertainty_percentiles_are_type_7() {
    // Two units that swap with probability ~1/2: the median of ranks in
    // {1, 2} over an even number of draws is 1, 1.5 or 2, p05 = 1, p95 = 2.
    let d = data(
        vec![Indicator::new("a", H), Indicator::new("b", H)],
        full(&[&[1.0, 2.0], &[2.0, 1.0]]),
    );
    let spec = Uncertainty {
        draws: 200,
        weight_noise: 0.5,
        ..Uncertainty::default()
    };
    let bands = rank_uncertainty(&d, &Pipeline::default(), &spec).unwrap();
    for b in &bands {
        assert_eq!(b.nominal, 1, "a tie at equal weights");
        assert_eq!((b.p05, b.p95), (1.0, 2.0));
        assert!(b.mean_abs_shift > 0.3 && b.mean_abs_shift < 0.7, "{b:?}");
    }
}

#[test]
fn uncertainty_errors_name_the_draw() {
    // Goalposts clamp u0's value to 0, which a geometric mean cannot take.
    let d = data(
        vec![
            Indicator::new("a", H).goalposts(2.0, 10.0),
            Indicator::new("b", H).goalposts(0.0, 10.0),
        ],
        full(&[&[1.0, 5.0], &[5.0, 5.0]]),
    );
    let p = Pipeline {
        normalisation: Normalisation::Goalposts,
        ..Pipeline::default()
    };
    let spec = Uncertainty {
        draws: 50,
        aggregations: vec![Aggregation::Geometric],
        ..Uncertainty::default()
    };
    match rank_uncertainty(&d, &p, &spec) {
        Err(IndexError::Invalid(m)) => assert!(
            m.contains("uncertainty draw 1") && m.contains("geometric"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // A normalisation that needs metadata the data lack.
    let spec = Uncertainty {
        normalisations: vec![Normalisation::DistanceToTarget],
        ..Uncertainty::default()
    };
    assert!(rank_uncertainty(&d, &p, &spec).is_err());
}

#[test]
fn uncertainty_at_county_scale() {
    // 90 units × 12 indicators in 3 pillars, 1000 draws: bands are well formed
    // and a unit's band contains its median.
    let n = 90;
    let m = 12;
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let rows: Vec<Vec<Option<f64>>> = (0..n)
        .map(|i| {
            (0..m)
                .map(|j| Some(i as f64 * (1.0 + j as f64 / 10.0) + 40.0 * next()))
                .collect()
        })
        .collect();
    let inds = (0..m)
        .map(|j| {
            Indicator::new(format!("x{j}"), if j % 4 == 3 { L } else { H })
                .pillar(format!("p{}", j / 4))
        })
        .collect();
    let d = data(inds, rows);
    let p = Pipeline {
        imputation: Imputation::Mean,
        outliers: Outliers::Winsorise,
        ..Pipeline::default()
    };
    let spec = Uncertainty {
        draws: 1000,
        seed: 20250101,
        normalisations: vec![
            Normalisation::MinMax,
            Normalisation::ZScore,
            Normalisation::Rank,
        ],
        aggregations: vec![Aggregation::Arithmetic, Aggregation::Geometric],
        imputations: vec![Imputation::Mean, Imputation::Median],
        ..Uncertainty::default()
    };
    let bands = rank_uncertainty(&d, &p, &spec).unwrap();
    let nominal = build(&d, &p).unwrap();
    assert_eq!(bands.len(), n);
    for (b, &r) in bands.iter().zip(&nominal.ranks) {
        assert_eq!(b.nominal, r);
        assert!(
            1.0 <= b.p05 && b.p05 <= b.median && b.median <= b.p95 && b.p95 <= n as f64,
            "{b:?}"
        );
    }
    assert!(bands.iter().any(|b| b.p95 > b.p05));
}

// --------------------------------------------------------------- properties

/// Random complete data: 3–9 units, 1–4 indicators, integer values 0–50 (ties
/// happen), random directions.
fn random_data() -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<bool>)> {
    (3usize..10, 1usize..5).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(prop::collection::vec(0u32..50, m), n).prop_map(|rows| {
                rows.into_iter()
                    .map(|r| r.into_iter().map(f64::from).collect())
                    .collect()
            }),
            prop::collection::vec(any::<bool>(), m),
        )
    })
}

fn make(rows: &[Vec<f64>], higher: &[bool]) -> Result<Data, IndexError> {
    let inds = higher
        .iter()
        .enumerate()
        .map(|(j, &h)| Indicator::new(format!("x{j}"), if h { H } else { L }))
        .collect();
    Data::new(
        names(rows.len()),
        inds,
        rows.iter()
            .map(|r| r.iter().map(|&v| Some(v)).collect())
            .collect(),
    )
}

fn norm_strategy() -> impl Strategy<Value = Normalisation> {
    prop_oneof![
        Just(Normalisation::MinMax),
        Just(Normalisation::ZScore),
        Just(Normalisation::Rank)
    ]
}

fn agg_strategy() -> impl Strategy<Value = Aggregation> {
    prop_oneof![
        Just(Aggregation::Arithmetic),
        Just(Aggregation::Geometric),
        Just(Aggregation::Harmonic)
    ]
}

proptest! {
    #[test]
    fn ranks_invariant_to_rescaling_an_indicator(
        (rows, higher) in random_data(),
        how in norm_strategy(),
        k in 0usize..4,
        c in 0.001f64..1000.0,
    ) {
        let k = k % higher.len();
        let p = Pipeline { normalisation: how, ..Pipeline::default() };
        let a = make(&rows, &higher).unwrap();
        let scaled: Vec<Vec<f64>> = rows.iter().map(|r| {
            let mut r = r.clone();
            r[k] *= c;
            r
        }).collect();
        let b = make(&scaled, &higher).unwrap();
        match (build(&a, &p), build(&b, &p)) {
            (Ok(ra), Ok(rb)) => {
                prop_assert_eq!(ra.ranks, rb.ranks);
                // Min-max and rank scores are unchanged too (z-scores as well).
                for (x, y) in ra.scores.iter().zip(&rb.scores) {
                    prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0));
                }
            }
            (Err(_), Err(_)) => {} // a constant indicator, in both
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x.map(|r| r.ranks), y.map(|r| r.ranks)),
        }
    }

    #[test]
    fn permuting_units_permutes_results(
        (rows, higher) in random_data(),
        how in norm_strategy(),
        agg in agg_strategy(),
        winsorise in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let n = rows.len();
        // A permutation from the seed (Fisher–Yates with a small LCG).
        let mut perm: Vec<usize> = (0..n).collect();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            perm.swap(i, (s >> 33) as usize % (i + 1));
        }
        let p = Pipeline {
            normalisation: how,
            aggregation: agg,
            min_max_range: [1.0, 100.0],
            z_score: [100.0, 1.0],
            outliers: if winsorise { Outliers::Winsorise } else { Outliers::None },
            ..Pipeline::default()
        };
        let permuted: Vec<Vec<f64>> = perm.iter().map(|&i| rows[i].clone()).collect();
        let (a, b) = (make(&rows, &higher).unwrap(), make(&permuted, &higher).unwrap());
        match (build(&a, &p), build(&b, &p)) {
            (Ok(ra), Ok(rb)) => {
                for (new, &old) in perm.iter().enumerate() {
                    prop_assert_eq!(rb.ranks[new], ra.ranks[old]);
                    prop_assert!((rb.scores[new] - ra.scores[old]).abs() <= 1e-9 * ra.scores[old].abs().max(1.0));
                }
            }
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "one order fails, the other not"),
        }
    }

    #[test]
    fn zero_noise_and_the_pipelines_own_methods_reproduce_the_nominal_ranks(
        (rows, higher) in random_data(),
        how in norm_strategy(),
        agg in agg_strategy(),
        explicit_lists in any::<bool>(),
        draws in 1usize..30,
    ) {
        let p = Pipeline {
            normalisation: how,
            aggregation: agg,
            min_max_range: [1.0, 100.0],
            z_score: [100.0, 1.0],
            imputation: Imputation::Median,
            ..Pipeline::default()
        };
        let d = make(&rows, &higher).unwrap();
        let spec = Uncertainty {
            draws,
            weight_noise: 0.0,
            normalisations: if explicit_lists { vec![how] } else { vec![] },
            aggregations: if explicit_lists { vec![agg] } else { vec![] },
            imputations: if explicit_lists { vec![Imputation::Median] } else { vec![] },
            ..Uncertainty::default()
        };
        if let Ok(r) = build(&d, &p) {
            let bands = rank_uncertainty(&d, &p, &spec).unwrap();
            for (b, &nominal) in bands.iter().zip(&r.ranks) {
                let x = nominal as f64;
                prop_assert_eq!((b.median, b.p05, b.p95, b.mean_abs_shift), (x, x, x, 0.0));
            }
        }
    }

    #[test]
    fn rank_bands_are_ordered_and_keep_a_dominating_unit_first(
        (mut rows, higher) in random_data(),
        aggs in prop::collection::vec(agg_strategy(), 1..3),
        noise in 0.0f64..0.9,
        seed in any::<u64>(),
        winsorise in any::<bool>(),
    ) {
        // Make u0 strictly best on every indicator.
        for (j, &h) in higher.iter().enumerate() {
            rows[0][j] = if h { 100.0 } else { -100.0 };
        }
        let d = make(&rows, &higher).unwrap();
        let p = Pipeline {
            outliers: if winsorise { Outliers::Winsorise } else { Outliers::None },
            ..Pipeline::default()
        };
        let spec = Uncertainty {
            draws: 40,
            seed,
            weight_noise: noise,
            normalisations: vec![Normalisation::MinMax, Normalisation::ZScore, Normalisation::Rank],
            aggregations: aggs,
            ..Uncertainty::default()
        };
        let n = rows.len() as f64;
        if let Ok(bands) = rank_uncertainty(&d, &p, &spec) {
            for b in &bands {
                prop_assert!(1.0 <= b.p05 && b.p05 <= b.median && b.median <= b.p95 && b.p95 <= n);
                prop_assert!(b.mean_abs_shift >= 0.0 && b.mean_abs_shift <= n - 1.0);
            }
            prop_assert_eq!((bands[0].p05, bands[0].p95, bands[0].nominal), (1.0, 1.0, 1));
        }
    }

    #[test]
    fn jacobi_diagonalises_symmetric_matrices(
        entries in prop::collection::vec(-10.0f64..10.0, 21),
        n in 1usize..7,
    ) {
        // Lower triangle by rows from `entries`, mirrored.
        let a: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let (p, q) = (i.max(j), i.min(j));
                        entries[p * (p + 1) / 2 + q]
                    })
                    .collect()
            })
            .collect();
        let e = symmetric_eigen(&a).unwrap();
        let trace: f64 = (0..n).map(|i| a[i][i]).sum();
        prop_assert!((e.values.iter().sum::<f64>() - trace).abs() < 1e-9 * (1.0 + trace.abs()) * n as f64);
        for w in e.values.windows(2) {
            prop_assert!(w[0] >= w[1]);
        }
        for (lambda, v) in e.values.iter().zip(&e.vectors) {
            for i in 0..n {
                let av: f64 = (0..n).map(|j| a[i][j] * v[j]).sum();
                prop_assert!((av - lambda * v[i]).abs() < 1e-9 * 100.0);
            }
        }
        for (x, u) in e.vectors.iter().enumerate() {
            for (y, w) in e.vectors.iter().enumerate() {
                let dot: f64 = u.iter().zip(w).map(|(p, q)| p * q).sum();
                let want = if x == y { 1.0 } else { 0.0 };
                prop_assert!((dot - want).abs() < 1e-10);
            }
        }
    }
}
