//! The demo province through the monitor equals the same figures computed
//! directly from the synthetic sample, and covers every figure of the
//! reference case's report.

use gongfu_compute::{Columns, KeyColumn, Spec, VarianceSpec, Welfare, compute};

const HOUSEHOLDS: usize = 4_000;
const SEED: u64 = 7;

fn direct(
    h: &gongfu_synth::Households,
    year: u16,
    list: &str,
    by: &[&str],
) -> Vec<(String, f64, f64)> {
    let idx: Vec<usize> = (0..h.len()).filter(|&i| h.year[i] == year).collect();
    let lab = |f: &dyn Fn(usize) -> String| -> Vec<String> { idx.iter().map(|&i| f(i)).collect() };
    let key = |name: &str, v: Vec<String>| {
        let r: Vec<&str> = v.iter().map(String::as_str).collect();
        KeyColumn::from_labels(name, &r)
    };
    let mountain: Vec<String> =
        lab(&|i| u8::from(gongfu_synth::is_member("mountain26", h.county[i], year)).to_string());
    let cols = Columns {
        income: idx.iter().map(|&i| h.disposable[i]).collect(),
        weight: Some(idx.iter().map(|&i| h.weight[i]).collect()),
        size: Some(idx.iter().map(|&i| f64::from(h.hh_size[i])).collect()),
        keys: vec![
            key("county", lab(&|i| h.county[i].to_string())),
            key("mountain26", mountain),
        ],
        strata: Some(key("stratum", lab(&|i| h.stratum[i].clone()))),
        psu: Some(key("psu", lab(&|i| h.psu[i].to_string()))),
        ..Columns::default()
    };
    let mut spec = Spec::parse(list, by).unwrap();
    spec.welfare = Welfare::PerCapita;
    spec.variance = Some(VarianceSpec::default());
    compute(cols, &spec)
        .unwrap()
        .results
        .into_iter()
        .map(|r| {
            let d =
                r.by.values()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(",");
            (d, r.value, r.se.unwrap())
        })
        .collect()
}

#[test]
fn demo_figures_equal_direct_computation_and_cover_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = gongfu_monitor::write_demo(dir.path(), HOUSEHOLDS, SEED).unwrap();
    let config = gongfu_monitor::config::load(&cfg).unwrap();
    let r = gongfu_monitor::run(&config).unwrap();
    let h = gongfu_synth::sample(&gongfu_synth::SampleConfig {
        seed: SEED,
        households: HOUSEHOLDS,
        ..Default::default()
    })
    .unwrap();
    let get = |ind: &str, region: &str, year: u16| {
        r.values
            .iter()
            .find(|v| v.indicator == ind && v.region == region && v.year == year)
            .map(|v| (v.value, v.se.unwrap_or(f64::NAN)))
    };
    // county means and their SEs, every county, 2022
    let d = direct(&h, 2022, "mean", &["county"]);
    assert_eq!(d.len(), 91);
    for (county, value, se) in &d[1..] {
        let (v, s) = get("income_pc", county, 2022).unwrap();
        assert!((v - value).abs() <= 1e-9 * value, "{county}");
        assert!((s - se).abs() <= 1e-9 * se, "{county}");
    }
    let (v, s) = get("income_pc", "330000", 2022).unwrap();
    assert_eq!((v, s), (d[0].1, d[0].2));
    // the mountainous counties relative to the province, 2025 membership (24 counties)
    let d = direct(&h, 2025, "ratio(of=mean,by=mountain26,num=1,den=all)", &[]);
    let (v, s) = get("mountain26_relative", "330000", 2025).unwrap();
    assert!((v - d[0].1).abs() < 1e-12 && (s - d[0].2).abs() < 1e-12);
    let d = direct(&h, 2025, "mean", &["mountain26"]);
    let member = d.iter().find(|x| x.0 == "1").unwrap();
    assert!((get("income_pc", "mountain26", 2025).unwrap().0 - member.1).abs() < 1e-9 * member.1);
    // every figure of the report has a provincial value in the last year
    for ind in [
        "income_pc",
        "income_pc_urban",
        "income_pc_rural",
        "urban_rural_ratio",
        "middle_100_500",
        "middle_200_600",
        "gini",
        "quintile_ratio",
        "low_income_share",
        "mountain26_relative",
        "city_max_min_ratio",
        "low_income_growth",
        "workshop_growth",
        "workshops_built",
        "village_collective_income",
        "security_rate",
    ] {
        assert!(get(ind, "330000", 2025).is_some(), "{ind}");
    }
    // school balance for all 90 counties, both levels, both regimes, 2021–2025
    assert_eq!(r.schools.len(), 90 * 2 * 2 * 5);
    assert!(get("school_balance_primary", "330127", 2025).is_some());
    // every target assessed; the index ranks all 90 counties with bands
    assert!(
        r.progress.iter().all(|p| p.assessment.is_some()),
        "{:?}",
        r.progress
    );
    let ix = r.index.as_ref().unwrap();
    assert_eq!(ix.units.len(), 90);
    let bands = ix.bands.as_ref().unwrap();
    for b in bands {
        assert!(b.p05 <= b.median && b.median <= b.p95);
    }
    let c = r.convergence.as_ref().unwrap();
    assert_eq!(c.sigma.len(), 6);
}
