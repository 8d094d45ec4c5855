//! Invariances every measure must respect (proptest).

use gongfu_measures::{Ctx, Distribution, Measure};
use proptest::prelude::*;

/// Relative measures: unchanged when every income is multiplied by c > 0.
const RELATIVE: &str = "gini,ge(0),ge(1),ge(2),ge(-1),ge(0.5),atkinson(0.5),atkinson(1),atkinson(2),cv,palma,qsr,p90p10,p80p20,arpr,rmpg,fgt(1),fgt(2),watts,middle_share,lorenz(0.3),top_share(0.1),bottom_share(0.4),zenga,jdiv,wolfson,richness";

/// Everything we evaluate on random data (absolute ones included).
const ALL: &str = "count,population,total,mean,median,quantile(0.25),deciles,quintile_means,gini,gini(form=convey),ge(0),ge(1),ge(2),atkinson(0.5),atkinson(1),cv,palma,qsr,p90p10,p80p20,arpt,arpr,rmpg,poormed,fgt(0),fgt(1),fgt(2,line=500),watts,richness(fgtt2,2),middle_share,prosperity_gap(1000),wolfson,zenga,jdiv,bottom40_mean,top_share(0.2),share(0.2,0.6)";

fn values(d: &Distribution, list: &str) -> Vec<Result<f64, String>> {
    let ctx = Ctx::new(d);
    Measure::parse_list(list)
        .unwrap()
        .iter()
        .flat_map(|m| match m.evaluate(&ctx) {
            Ok(es) => es.into_iter().map(|e| Ok(e.value)).collect::<Vec<_>>(),
            Err(e) => vec![Err(e.to_string())],
        })
        .collect()
}

fn close(a: &[Result<f64, String>], b: &[Result<f64, String>], tol: f64) -> Result<(), String> {
    let names: Vec<String> = Measure::parse_list(ALL)
        .unwrap()
        .iter()
        .map(|m| m.id().to_string())
        .collect();
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        match (x, y) {
            (Ok(x), Ok(y)) => {
                if (x - y).abs() > tol * x.abs().max(y.abs()).max(1e-300) {
                    return Err(format!("value {i} ({names:?}): {x} vs {y}"));
                }
            }
            (Err(_), Err(_)) => {}
            _ => return Err(format!("value {i}: {x:?} vs {y:?}")),
        }
    }
    Ok(())
}

/// Positive incomes (some tied) with positive weights.
fn sample() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (2usize..120).prop_flat_map(|n| {
        (
            prop::collection::vec(
                prop_oneof![
                    1.0f64..200_000.0,
                    (1u32..50).prop_map(|k| k as f64 * 1000.0)
                ],
                n,
            ),
            prop::collection::vec(0.5f64..300.0, n),
        )
    })
}

/// Continuous incomes (no ties, nothing sits exactly on a threshold).
fn continuous() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (2usize..120).prop_flat_map(|n| {
        (
            prop::collection::vec(1.0f64..200_000.0, n),
            prop::collection::vec(0.5f64..300.0, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn permutation_invariance((x, w) in sample(), seed in any::<u64>()) {
        let d = Distribution::new(&x, Some(&w)).unwrap();
        // a deterministic shuffle
        let mut idx: Vec<usize> = (0..x.len()).collect();
        let mut s = seed | 1;
        for i in (1..idx.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            idx.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let xp: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
        let wp: Vec<f64> = idx.iter().map(|&i| w[i]).collect();
        let dp = Distribution::new(&xp, Some(&wp)).unwrap();
        let (a, b) = (values(&d, ALL), values(&dp, ALL));
        // bitwise identical, not merely close
        for (u, v) in a.iter().zip(&b) {
            match (u, v) {
                (Ok(u), Ok(v)) => prop_assert_eq!(u.to_bits(), v.to_bits()),
                (Err(u), Err(v)) => prop_assert_eq!(u, v),
                _ => prop_assert!(false, "{:?} vs {:?}", u, v),
            }
        }
    }

    #[test]
    fn scale_invariance_by_powers_of_two_is_exact((x, w) in sample(), k in -20i32..20) {
        // scaling by 2^k is exact, so every comparison with a threshold is kept
        let c = 2f64.powi(k);
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        let ds = Distribution::new(&xs, Some(&w)).unwrap();
        let r = close_list(&values(&d, RELATIVE), &values(&ds, RELATIVE), 1e-12);
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn scale_invariance_of_relative_measures((x, w) in continuous(), c in 0.001f64..1000.0) {
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        let ds = Distribution::new(&xs, Some(&w)).unwrap();
        let (a, b) = (values(&d, RELATIVE), values(&ds, RELATIVE));
        for (k, (u, v)) in a.iter().zip(&b).enumerate() {
            match (u, v) {
                (Ok(u), Ok(v)) => prop_assert!((u - v).abs() <= 1e-9 * u.abs().max(1e-12), "{}: {} vs {}", RELATIVE.split(',').nth(k).unwrap_or("?"), u, v),
                (Err(_), Err(_)) => {}
                _ => prop_assert!(false, "{:?} vs {:?}", u, v),
            }
        }
    }

    #[test]
    fn weight_scale_invariance((x, w) in sample(), c in 0.01f64..100.0) {
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let ws: Vec<f64> = w.iter().map(|v| v * c).collect();
        let ds = Distribution::new(&x, Some(&ws)).unwrap();
        // all but count/population/total (which scale) and convey's Gini (not weight-scale invariant)
        let list = "mean,median,deciles,gini,ge(0),ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(1),middle_share,zenga,wolfson";
        prop_assert!(close_list(&values(&d, list), &values(&ds, list), 1e-9).is_ok());
    }

    #[test]
    fn replication_invariance((x, w) in sample()) {
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let x2: Vec<f64> = x.iter().chain(&x).copied().collect();
        let w2: Vec<f64> = w.iter().chain(&w).copied().collect();
        let d2 = Distribution::new(&x2, Some(&w2)).unwrap();
        let list = "mean,median,deciles,quintile_means,gini,ge(0),ge(1),ge(2),atkinson(0.5),atkinson(1),cv,palma,qsr,p90p10,arpr,rmpg,poormed,fgt(0),fgt(1),fgt(2),watts,middle_share,lorenz(0.37),wolfson,zenga,jdiv,bottom40_mean";
        let r = close_list(&values(&d, list), &values(&d2, list), 1e-9);
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn integer_weights_equal_copies(x in prop::collection::vec(1.0f64..100_000.0, 2..60), k in prop::collection::vec(1u32..5, 60)) {
        let w: Vec<f64> = x.iter().enumerate().map(|(i, _)| k[i] as f64).collect();
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let mut xc = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            for _ in 0..k[i] { xc.push(v); }
        }
        let dc = Distribution::new(&xc, None).unwrap();
        let list = "mean,median,deciles,gini,ge(0),ge(1),ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(1),middle_share,lorenz(0.5),wolfson,zenga,jdiv";
        let r = close_list(&values(&d, list), &values(&dc, list), 1e-9);
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn pigou_dalton_transfer_lowers_inequality((x, w) in sample(), i in any::<prop::sample::Index>(), j in any::<prop::sample::Index>(), frac in 0.01f64..0.99) {
        let (i, j) = (i.index(x.len()), j.index(x.len()));
        let (poor, rich) = if x[i] < x[j] { (i, j) } else { (j, i) };
        prop_assume!(x[poor] < x[rich]);
        // move income δ (in total) from rich to poor without reversing their order
        let gap = x[rich] - x[poor];
        let delta = frac * gap / (1.0 / w[poor] + 1.0 / w[rich]);
        let mut y = x.clone();
        y[poor] += delta / w[poor];
        y[rich] -= delta / w[rich];
        prop_assume!(y[poor] < y[rich] && (y[poor] - x[poor]) > 1e-9 * x[poor]);
        let before = Distribution::new(&x, Some(&w)).unwrap();
        let after = Distribution::new(&y, Some(&w)).unwrap();
        let list = "gini,ge(-1),ge(0),ge(0.5),ge(1),ge(2),ge(3),atkinson(0.5),atkinson(1),atkinson(2)";
        let (a, b) = (values(&before, list), values(&after, list));
        for (u, v) in a.iter().zip(&b) {
            let (u, v) = (u.clone().unwrap(), v.clone().unwrap());
            prop_assert!(v < u, "{} !< {}", v, u);
        }
    }

    #[test]
    fn ge_decomposition_adds_up((x, w) in sample(), g in prop::collection::vec(0u32..4, 120), alpha in prop_oneof![Just(0.0), Just(1.0), Just(2.0), -1.0f64..3.0]) {
        let codes: Vec<u32> = (0..x.len()).map(|i| g[i]).collect();
        let d = Distribution::builder(&x, Some(&w))
            .category("grp", &codes, vec!["a".into(), "b".into(), "c".into(), "d".into()]).build().unwrap();
        let ctx = Ctx::new(&d);
        let e = Measure::parse_list(&format!("ge_decomp({alpha},by=grp)")).unwrap()[0].evaluate(&ctx).unwrap();
        let (t, wi, b) = (e[0].value, e[1].value, e[2].value);
        prop_assert!((t - (wi + b)).abs() <= 1e-12 * t.abs().max(1e-12), "{} != {} + {}", t, wi, b);
        prop_assert!(wi >= -1e-15 && b >= -1e-15);
        let ge = Measure::parse_list(&format!("ge({alpha})")).unwrap()[0].value(&ctx).unwrap();
        prop_assert_eq!(ge.to_bits(), t.to_bits());
    }

    #[test]
    fn lorenz_is_convex_and_ends_at_one((x, w) in sample()) {
        let d = Distribution::new(&x, Some(&w)).unwrap();
        let ctx = Ctx::new(&d);
        let grid: Vec<f64> = (0..=50).map(|k| k as f64 / 50.0).collect();
        let l: Vec<f64> = grid.iter().map(|p| Measure::parse_list(&format!("lorenz({p})")).unwrap()[0].value(&ctx).unwrap()).collect();
        prop_assert_eq!(l[0], 0.0);
        prop_assert_eq!(l[50], 1.0);
        for k in 1..50 {
            prop_assert!(l[k] <= grid[k] + 1e-12, "L(p) <= p");
            let (d1, d2) = (l[k] - l[k - 1], l[k + 1] - l[k]);
            prop_assert!(d2 >= d1 - 1e-12, "convex at {}: {} then {}", k, d1, d2);
        }
    }
}

fn close_list(
    a: &[Result<f64, String>],
    b: &[Result<f64, String>],
    tol: f64,
) -> Result<(), String> {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        match (x, y) {
            (Ok(x), Ok(y)) => {
                if (x - y).abs() > tol * x.abs().max(y.abs()).max(1e-6) {
                    return Err(format!("value {i}: {x} vs {y}"));
                }
            }
            (Err(_), Err(_)) => {}
            _ => return Err(format!("value {i}: {x:?} vs {y:?}")),
        }
    }
    Ok(())
}

#[test]
fn thread_count_does_not_change_results() {
    // large enough for the parallel chunked passes
    let n = 400_000;
    let mut s = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let x: Vec<f64> = (0..n)
        .map(|_| (10.0 + 1.2 * (next() - 0.5) * 4.0).exp())
        .collect();
    let w: Vec<f64> = (0..n).map(|_| 1.0 + 99.0 * next()).collect();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| values(&Distribution::new(&x, Some(&w)).unwrap(), ALL))
    };
    let (a, b) = (run(1), run(3));
    for (u, v) in a.iter().zip(&b) {
        assert_eq!(u.as_ref().unwrap().to_bits(), v.as_ref().unwrap().to_bits());
    }
    let _ = close(&a, &b, 0.0);
}
