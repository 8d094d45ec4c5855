//! Conformance with the R reference values (laeken, convey, survey, ineq).
//!
//! One data-driven [`check`] maps each row of `reference_values.csv` to a
//! gongfu computation and compares at 1e-12 relative. Standard errors belong
//! to the variance crate; here only point estimates are checked.

mod common;

use common::load;
use common::reference::{Data, check, m, rows};
use gongfu_measures::{Ctx, Distribution};

/// The number of point estimates this test checked when it was last extended.
/// The test fails if fewer are checked (nothing silently drops out).
const EXPECTED_CHECKED: usize = 1121;

const TOL: f64 = 1e-12;

#[test]
fn conformance_point_estimates() {
    let mut data = Data::new(vec![]);
    let all = rows();
    let mut checked = 0usize;
    let mut failures = Vec::new();
    let mut worst = 0.0f64;
    for r in &all {
        let Some(got) = check(&mut data, r) else {
            continue;
        };
        checked += 1;
        let rel = if r.value == 0.0 {
            got.abs()
        } else {
            ((got - r.value) / r.value).abs()
        };
        worst = worst.max(rel);
        if rel > TOL {
            failures.push(format!(
                "{} {} [{}] {} {}={} {}: got {got:.17} want {:.17} (rel {rel:.2e})",
                r.package,
                r.function,
                r.arguments,
                r.design,
                r.domain_var,
                r.domain,
                r.statistic,
                r.value
            ));
        }
    }
    println!(
        "conformance: checked {checked} point estimates (worst relative difference {worst:.2e})"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 500, "only {checked} point estimates checked");
    assert!(
        checked >= EXPECTED_CHECKED,
        "checked {checked} < recorded {EXPECTED_CHECKED}: a mapping was lost"
    );
}

/// gongfu's default Gini is Eurostat's; convey's exceeds it by (Σw²x − Σwx)/(N·T).
/// Checks the documented relation on every convey Gini row of the reference.
#[test]
fn gini_forms_differ_by_the_documented_term() {
    let s = load("households.csv");
    let d = s.distribution(|_| true, true, &[]);
    let (x, w) = (d.values(), d.weights());
    let (n, t) = (d.total_weight(), d.total());
    let s2: f64 = x.iter().zip(w).map(|(x, w)| w * w * x).sum();
    let ctx = Ctx::new(&d);
    let euro = m("gini").value(&ctx).unwrap();
    let convey = m("gini(form=convey)").value(&ctx).unwrap();
    let term = (s2 - t) / (n * t);
    assert!(
        ((euro + term) - convey).abs() < 1e-13,
        "{euro} + {term} != {convey}"
    );
    assert!((term - 2.12e-4).abs() < 1e-5);
    let reference = rows()
        .into_iter()
        .find(|r| {
            r.function == "svygini"
                && r.domain_var.is_empty()
                && r.design.ends_with("Taylor linearisation")
        })
        .unwrap();
    assert!(((euro + term) / reference.value - 1.0).abs() < TOL);
}

/// gongfu's default Zenga merges tied incomes (row-order independent); convey
/// keeps them in input order. On these data (ties present) the two differ by
/// less than 1e-3 relative, and `ties=input` reproduces convey (checked above).
#[test]
fn zenga_tie_convention_is_documented() {
    let s = load("households.csv");
    let d = s.distribution(|i| s.pc_income[i] > 0.0, true, &[]);
    let ctx = Ctx::new(&d);
    let merged = m("zenga").value(&ctx).unwrap();
    let input = m("zenga(ties=input)").value(&ctx).unwrap();
    assert_ne!(
        merged, input,
        "the data have ties, so the conventions must differ"
    );
    assert!(
        ((merged - input) / input).abs() < 1e-3,
        "{merged} vs {input}"
    );
    // without ties the conventions coincide
    let x: Vec<f64> = (1..=500)
        .map(|i| i as f64 * 10.0 + (i % 7) as f64 * 0.01)
        .collect();
    let w: Vec<f64> = (1..=500).map(|i| 1.0 + (i % 5) as f64).collect();
    let d = Distribution::builder(&x, Some(&w))
        .keep_rows()
        .build()
        .unwrap();
    let ctx = Ctx::new(&d);
    let a = m("zenga").value(&ctx).unwrap();
    let b = m("zenga(ties=input)").value(&ctx).unwrap();
    assert!((a - b).abs() < 1e-14);
}
