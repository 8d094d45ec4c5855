//! Any table, any measure list: errors, never panics; and the errors say what
//! is wrong and where.

use gongfu_grouped::{
    GroupedError, GroupedFit, GroupedMeasure, GroupedTable, Income, Mixture, evaluate,
    evaluate_mixture,
};
use proptest::prelude::*;

const ALL: &str = "mean,median,quantile(0.05),deciles,gini,lorenz(0.3),lorenz_curve(5),top_share,\
bottom_share(0.2),palma,qsr,p90p10,p80p20,arpr,fgt(0),fgt(1,line=0.5*mean),fgt(2.5,line=1000),\
watts,middle_share,middle_share(lo=0,hi=1e9),prosperity_gap(z=0.8*median)";

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => 0.0..1e5f64,
        1 => -10.0..10.0f64,
        1 => Just(0.0),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, -f64::INFINITY, 1e300, 1e-300, -0.0]),
    ]
}

fn exercise(fit: &GroupedFit) {
    let ms = GroupedMeasure::parse_list(ALL).unwrap();
    if let Ok(rows) = evaluate(&ms, fit, None) {
        for r in rows {
            assert!(
                r.value.is_finite(),
                "{} {:?} = {}",
                r.measure,
                r.params,
                r.value
            );
        }
    }
    for m in &ms {
        // one at a time too, so that an early failure does not hide the rest
        let _ = evaluate(std::slice::from_ref(m), fit, None);
    }
    let _ = fit.distribution_choice();
    let _ = fit.poverty_choice(fit.mean() * 0.5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_tables_never_panic(
        pop in prop::collection::vec(value(), 0..12),
        inc in prop::collection::vec(value(), 0..12),
        mean in prop::option::of(value()),
        shares in any::<bool>(),
    ) {
        let income = if shares { Income::Shares(&inc) } else { Income::Means(&inc) };
        if let Ok(t) = GroupedTable::new(&pop, income, mean) {
            exercise(&GroupedFit::new(t));
        }
    }

    #[test]
    fn tables_from_lorenz_curves_give_coherent_measures(
        k in 4usize..14,
        cuts in prop::collection::vec(0.05..1.0f64, 14),
        w in 0.0..0.9f64,
        beta in 0.2..0.95f64,
        curv in 1.0..3.0f64,
        mean in 1.0..1e6f64,
        weight in 0.01..100.0f64,
    ) {
        // a valid Lorenz curve (a mixture of p^curv and a Pareto curve) read
        // at random cumulative population shares
        let total: f64 = cuts[..k].iter().sum();
        let mut p = Vec::new();
        let mut c = 0.0;
        for x in &cuts[..k] {
            c += x / total;
            p.push(c.min(1.0));
        }
        p[k - 1] = 1.0;
        let lor = |q: f64| w * q.powf(curv) + (1.0 - w) * (1.0 - (1.0 - q).powf(beta));
        let l: Vec<f64> = p.iter().map(|&q| lor(q)).collect();
        let Ok(t) = GroupedTable::from_lorenz(&p, &l, mean) else { return Ok(()) };
        let fit = GroupedFit::new(t);
        exercise(&fit);
        if let Ok(g) = fit.gini() {
            prop_assert!(g.value > 0.0 && g.value < 1.0, "gini {}", g.value);
            let med = fit.quantile(0.5).unwrap().value;
            let z = 0.6 * med;
            if let (Ok(h), Ok(pg), Ok(p2)) = (fit.fgt(0.0, z), fit.fgt(1.0, z), fit.fgt(2.0, z)) {
                prop_assert!((0.0..=1.0).contains(&h.value));
                prop_assert!(pg.value <= h.value + 1e-12);
                // P2 ≤ P1 holds when every income is ≥ 0. The validity checks
                // (Datt; PIP) test L′ ≥ 0 from p = 0.001 on, so a Beta curve
                // with γ < 1 may imply negative incomes below that point, where
                // (1 − x/z)² > 1 − x/z: the ordering is asserted only for a
                // chosen curve with L′ ≥ 0 right down to 0.
                let model = fit.poverty_choice(z).unwrap().choice.model;
                let curve = fit.fit(model).curve.unwrap();
                if curve.dl(1e-12) >= 0.0 {
                    prop_assert!(p2.value <= pg.value + 1e-12, "P2 {} > P1 {}", p2.value, pg.value);
                }
            }
            let ms = fit.middle_share(0.5 * med, 2.0 * med).unwrap().value;
            prop_assert!((-1e-12..=1.0 + 1e-12).contains(&ms));
            // combined with a richer copy of itself
            let l2: Vec<f64> = p.iter().map(|&q| lor(q)).collect();
            let t2 = GroupedTable::from_lorenz(&p, &l2, 2.0 * mean).unwrap();
            let mix = Mixture::new(vec![(fit.clone(), weight), (GroupedFit::new(t2), 1.0)]).unwrap();
            prop_assert!(mix.gini() >= g.value - 1e-6, "{} < {}", mix.gini(), g.value);
            let ms = GroupedMeasure::parse_list(ALL).unwrap();
            for m in &ms {
                if let Ok(rows) = evaluate_mixture(std::slice::from_ref(m), &mix) {
                    for r in rows {
                        prop_assert!(r.value.is_finite());
                    }
                }
            }
        }
    }

    #[test]
    fn random_measure_lists_never_panic(list in "[a-z_(),=0-9.*\" -]{0,40}") {
        let _ = GroupedMeasure::parse_list(&list);
    }
}

#[test]
fn a_table_neither_curve_fits_is_an_error_naming_both_reasons() {
    // the poorest three quarters hold 3% of the income, then a jump
    let t = GroupedTable::from_lorenz(&[0.25, 0.5, 0.75, 1.0], &[0.01, 0.02, 0.03, 1.0], 100.0)
        .unwrap();
    let f = GroupedFit::new(t);
    assert!(!f.gq().valid() && !f.beta().valid());
    let e = f.gini().unwrap_err();
    assert!(matches!(e, GroupedError::NoValidFit { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("gq:") && msg.contains("beta:") && msg.contains("fails"),
        "{msg}"
    );
    let e = f.fgt(0.0, 50.0).unwrap_err();
    assert!(e.to_string().contains("poverty at line 50"), "{e}");
}
