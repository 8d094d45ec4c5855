//! Validation against microdata: the conformance survey (pc_income weighted by
//! pweight, as every conformance reference value) is cut into quintiles and
//! deciles with gongfu-measures, the tables are fitted, and every measure is
//! compared with its microdata value. The urban and rural quintile tables are
//! also combined with their population weights and compared with the whole
//! survey. The bounds are the measured errors (docs/grouped.md) with slack.

use gongfu_grouped::{
    GroupedFit, GroupedMeasure, GroupedTable, Income, Mixture, evaluate, evaluate_mixture,
};
use gongfu_measures::{Ctx, Distribution, Measure, NonPositive};

struct Survey {
    x: Vec<f64>,
    w: Vec<f64>,
    urban: Vec<bool>,
}

fn load() -> Survey {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/conformance/households.csv"
    );
    let mut rdr = csv::Reader::from_path(path).expect("conformance data");
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (ix, iw, iu) = (col("pc_income"), col("pweight"), col("urban"));
    let mut s = Survey {
        x: vec![],
        w: vec![],
        urban: vec![],
    };
    for r in rdr.records() {
        let r = r.unwrap();
        s.x.push(r[ix].parse().unwrap());
        s.w.push(r[iw].parse().unwrap());
        s.urban.push(&r[iu] == "1");
    }
    s
}

fn dist(s: &Survey, keep: impl Fn(usize) -> bool) -> Distribution {
    let idx: Vec<usize> = (0..s.x.len()).filter(|&i| keep(i)).collect();
    let x: Vec<f64> = idx.iter().map(|&i| s.x[i]).collect();
    let w: Vec<f64> = idx.iter().map(|&i| s.w[i]).collect();
    Distribution::new(&x, Some(&w)).unwrap()
}

fn micro(d: &Distribution, m: &str) -> f64 {
    let ctx = Ctx::new(d).with_nonpositive(NonPositive::Exclude);
    Measure::parse_list(m).unwrap()[0].value(&ctx).unwrap()
}

/// Equal-population groups with gongfu-measures: quintile_means for 5, Lorenz
/// ordinates (the unit straddling a boundary split) for any k.
fn table(d: &Distribution, k: usize) -> GroupedTable {
    let ctx = Ctx::new(d);
    let means: Vec<f64> = if k == 5 {
        Measure::parse_list("quintile_means").unwrap()[0]
            .evaluate(&ctx)
            .unwrap()
            .iter()
            .map(|e| e.value)
            .collect()
    } else {
        let mean = micro(d, "mean");
        let l = |p: f64| {
            if p >= 1.0 {
                1.0
            } else {
                micro(d, &format!("lorenz({p})"))
            }
        };
        (1..=k)
            .map(|i| (l(i as f64 / k as f64) - l((i - 1) as f64 / k as f64)) * mean * k as f64)
            .collect()
    };
    GroupedTable::new(&vec![1.0 / k as f64; k], Income::Means(&means), None).unwrap()
}

/// (measure, bounds on |relative error| for quintiles, deciles and the
/// urban + rural mixture; `None`: undefined there, and must be reported so).
/// The bounds are the measured errors (docs/grouped.md) with about 30% slack.
const CASES: &[(&str, [Option<f64>; 3])] = &[
    ("median", [Some(0.004), Some(0.004), Some(0.004)]),
    ("quantile(0.1)", [Some(0.05), Some(0.05), Some(0.012)]),
    ("quantile(0.9)", [Some(0.031), Some(0.025), Some(0.012)]),
    ("gini", [Some(0.0055), Some(0.0036), Some(0.0016)]),
    ("palma", [Some(0.0085), Some(0.0035), Some(0.014)]),
    ("qsr", [Some(0.0015), Some(0.0036), Some(0.017)]),
    ("fgt(0,line=10000)", [Some(0.065), Some(0.046), Some(0.057)]),
    ("fgt(1,line=10000)", [Some(0.017), Some(0.018), Some(0.053)]),
    ("fgt(2,line=10000)", [Some(0.01), Some(0.11), Some(0.17)]),
    (
        "fgt(0,line=20000)",
        [Some(0.0065), Some(0.0085), Some(0.001)],
    ),
    (
        "fgt(1,line=20000)",
        [Some(0.0015), Some(0.001), Some(0.001)],
    ),
    ("watts(line=10000)", [Some(0.011), Some(0.055), Some(0.105)]),
    ("arpr", [Some(0.02), Some(0.015), Some(0.032)]),
    (
        "middle_share(lo=20000,hi=60000)",
        [Some(0.011), Some(0.0065), Some(0.004)],
    ),
    // the rural table's Beta curve (chosen there) has L′ < 0 below p ≈ 5e-5:
    // incomes reach 0 and the mean of z/x is infinite
    ("prosperity_gap(z=30000)", [Some(0.115), Some(0.115), None]),
];

#[test]
fn grouped_measures_track_the_microdata() {
    let s = load();
    let all = dist(&s, |_| true);
    let fits = [
        GroupedFit::new(table(&all, 5)),
        GroupedFit::new(table(&all, 10)),
    ];
    let urban = dist(&s, |i| s.urban[i]);
    let rural = dist(&s, |i| !s.urban[i]);
    let pop = |d: &Distribution| micro(d, "population");
    let mix = Mixture::new(vec![
        (GroupedFit::new(table(&urban, 5)), pop(&urban)),
        (GroupedFit::new(table(&rural, 5)), pop(&rural)),
    ])
    .unwrap();
    println!(
        "| measure | microdata | quintiles | error | deciles | error | urban + rural quintiles | error |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for (m, bounds) in CASES {
        let want = micro(&all, m);
        let gm = GroupedMeasure::parse_list(m).unwrap();
        let mut line = format!("| `{m}` | {want:.6} |");
        let mut got = Vec::new();
        for f in &fits {
            got.push(evaluate(&gm, f, None).map(|r| (r[0].value, r[0].model.clone())));
        }
        got.push(evaluate_mixture(&gm, &mix).map(|r| (r[0].value, r[0].model.clone())));
        for (g, bound) in got.into_iter().zip(bounds) {
            match (g, bound) {
                (Ok((v, model)), Some(bound)) => {
                    let err = v / want - 1.0;
                    line.push_str(&format!(" {v:.6} ({model}) | {:+.2}% |", 100.0 * err));
                    if !(err.abs() <= *bound) {
                        failures.push(format!("{m}: {v} vs {want} ({err:+.4}, bound {bound})"));
                    }
                }
                (Err(e), None) => {
                    assert!(e.to_string().contains("undefined"), "{e}");
                    line.push_str(" undefined | – |");
                }
                (Ok((v, _)), None) => failures.push(format!("{m}: {v}, expected undefined")),
                (Err(e), Some(_)) => failures.push(format!("{m}: {e}")),
            }
        }
        println!("{line}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
