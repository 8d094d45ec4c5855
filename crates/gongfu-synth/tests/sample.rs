//! Survey sample: determinism, design, calibration and plausibility.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use gongfu_synth::{
    Households, MOUNTAIN_GROUP, PROVINCE_PERSONS, SampleConfig, calibration_targets, counties,
    group_memberships, sample,
};

fn default_sample() -> &'static Households {
    static S: OnceLock<Households> = OnceLock::new();
    S.get_or_init(|| sample(&SampleConfig::default()).expect("default sample"))
}

fn rows(h: &Households, year: u16) -> impl Iterator<Item = usize> + '_ {
    (0..h.len()).filter(move |&i| h.year[i] == year)
}

/// Person-weighted mean of per-capita income over the rows that pass `keep`.
fn pc_mean(h: &Households, year: u16, keep: impl Fn(usize) -> bool) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in rows(h, year).filter(|&i| keep(i)) {
        num += h.pweight[i] * h.pc_income[i];
        den += h.pweight[i];
    }
    num / den
}

/// Weighted Gini, Eurostat form.
fn gini(mut v: Vec<(f64, f64)>) -> f64 {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut cw, mut num, mut sw2x, mut n, mut tot) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, w) in &v {
        cw += w;
        num += w * x * cw;
        sw2x += w * w * x;
        n += w;
        tot += w * x;
    }
    (2.0 * num - sw2x) / (n * tot) - 1.0
}

#[test]
fn same_seed_same_output_different_seed_different() {
    let cfg = SampleConfig {
        seed: 7,
        households: 3_000,
        years: 2021..=2023,
    };
    let a = sample(&cfg).unwrap();
    let b = sample(&cfg).unwrap();
    assert_eq!(a, b);
    let c = sample(&SampleConfig { seed: 8, ..cfg }).unwrap();
    assert_ne!(a.disposable, c.disposable);
    assert_ne!(a.hh_size, c.hh_size);
}

#[test]
fn a_year_does_not_depend_on_the_other_years_asked_for() {
    let one = sample(&SampleConfig {
        households: 2_000,
        years: 2022..=2022,
        ..Default::default()
    })
    .unwrap();
    let all = sample(&SampleConfig {
        households: 2_000,
        ..Default::default()
    })
    .unwrap();
    let sel: Vec<usize> = rows(&all, 2022).collect();
    assert_eq!(one.len(), sel.len());
    for (j, &i) in sel.iter().enumerate() {
        assert_eq!(one.hh_id[j], all.hh_id[i]);
        assert_eq!(one.disposable[j], all.disposable[i]);
        assert_eq!(one.wage[j], all.wage[i]);
    }
}

#[test]
fn shape_order_and_panel() {
    let h = default_sample();
    assert_eq!(h.len(), 30_000 * 6);
    for i in 1..h.len() {
        assert!((h.year[i - 1], h.hh_id[i - 1]) < (h.year[i], h.hh_id[i]));
    }
    let base: Vec<usize> = rows(h, 2020).collect();
    assert_eq!(base.len(), 30_000);
    for year in 2021..=2025 {
        let ys: Vec<usize> = rows(h, year).collect();
        assert_eq!(ys.len(), base.len());
        for (&i, &j) in base.iter().zip(&ys) {
            assert_eq!(h.hh_id[i], h.hh_id[j]);
            assert_eq!(h.psu[i], h.psu[j]);
            assert_eq!(h.stratum[i], h.stratum[j]);
            assert_eq!(h.hh_size[i], h.hh_size[j]);
            assert_eq!(h.n_children[i], h.n_children[j]);
            assert_eq!(h.weight[i], h.weight[j]);
            assert_eq!(h.low_income[i], h.low_income[j]);
            assert_eq!(h.workshop[i], h.workshop[j]);
        }
    }
    // Incomes evolve.
    let changed = base
        .iter()
        .zip(rows(h, 2025))
        .filter(|&(&i, j)| h.disposable[i] != h.disposable[j])
        .count();
    assert!(changed > 29_000);
}

#[test]
fn calibration_targets_are_met() {
    let h = default_sample();
    let published_2022 = 60_302.0;
    let mut prev_all: Option<f64> = None;
    let mut prev_ratio = f64::INFINITY;
    for t in calibration_targets() {
        let urban = pc_mean(h, t.year, |i| h.urban[i] == 1);
        let rural = pc_mean(h, t.year, |i| h.urban[i] == 0);
        let all = pc_mean(h, t.year, |_| true);
        // The sample is rescaled to the targets: only whole-yuan rounding is left.
        assert!(
            (urban / t.urban - 1.0).abs() < 1e-4,
            "{} urban {urban}",
            t.year
        );
        assert!(
            (rural / t.rural - 1.0).abs() < 1e-4,
            "{} rural {rural}",
            t.year
        );
        let ratio = urban / rural;
        assert!(ratio < prev_ratio, "the gap narrows");
        prev_ratio = ratio;
        if let Some(p) = t.published_all {
            assert!((all / p - 1.0).abs() < 0.01, "{} all {all} vs {p}", t.year);
        }
        if let Some(p) = prev_all {
            let g = all / p - 1.0;
            assert!((0.04..0.11).contains(&g), "{} growth {g}", t.year);
        }
        prev_all = Some(all);
        match t.year {
            2020 => assert!((ratio - 1.96).abs() < 0.03),
            2021 => assert!((ratio - 1.94).abs() < 0.03),
            2022 => {
                assert!((ratio - 1.90).abs() < 0.03);
                assert!((all / published_2022 - 1.0).abs() < 0.02);
                assert!((rural - 37_600.0).abs() < 376.0);
                assert!((urban - 71_300.0).abs() < 713.0);
            }
            2023 => assert!((ratio - 1.86).abs() < 0.03),
            2024 => assert!((ratio - 1.83).abs() < 0.03),
            2025 => assert!((ratio - 1.80).abs() < 0.03),
            _ => unreachable!(),
        }
    }
}

#[test]
fn distribution_mountain_gap_middle_share_and_gini() {
    let h = default_sample();
    let mut prev_gap = 0.0;
    for year in 2021..=2025u16 {
        let all = pc_mean(h, year, |_| true);
        let mountain = pc_mean(h, year, |i| h.mountain[i] == 1);
        let rel = mountain / all;
        assert!((0.68..0.78).contains(&rel), "{year}: {rel}");
        if year == 2022 {
            assert!((0.70..=0.75).contains(&rel), "{year}: {rel}");
        }
        if year < 2025 {
            assert!(rel > prev_gap, "the mountain gap narrows");
            prev_gap = rel;
        }
    }
    for year in 2020..=2025u16 {
        let (mut mid, mut tot) = (0.0, 0.0);
        for i in rows(h, year) {
            tot += h.weight[i];
            if (100_000.0..500_000.0).contains(&h.disposable[i]) {
                mid += h.weight[i];
            }
        }
        let share = mid / tot;
        assert!((0.55..0.80).contains(&share), "{year}: {share}");
        if year == 2022 {
            assert!((0.60..=0.75).contains(&share), "{share}");
        }
        let g = gini(
            rows(h, year)
                .map(|i| (h.pc_income[i], h.pweight[i]))
                .collect(),
        );
        assert!((0.30..=0.35).contains(&g), "{year}: gini {g}");
    }
}

#[test]
fn weights_add_up_to_the_population() {
    let h = default_sample();
    for year in 2020..=2025u16 {
        let persons: f64 = rows(h, year).map(|i| h.pweight[i]).sum();
        let households: f64 = rows(h, year).map(|i| h.weight[i]).sum();
        assert!((persons / PROVINCE_PERSONS as f64 - 1.0).abs() < 1e-9);
        let size = persons / households;
        assert!((2.7..=2.9).contains(&size), "{size}");
        let urban: f64 = rows(h, year)
            .filter(|&i| h.urban[i] == 1)
            .map(|i| h.pweight[i])
            .sum();
        let share = urban / persons;
        assert!((0.64..0.74).contains(&share), "{share}");
    }
    for i in 0..h.len() {
        assert!(h.weight[i] > 0.0 && h.weight[i].is_finite());
        assert_eq!(h.pweight[i], h.weight[i] * f64::from(h.hh_size[i]));
    }
    // Weights vary a little within strata.
    let mut by: HashMap<&str, Vec<f64>> = HashMap::new();
    for i in rows(h, 2022) {
        by.entry(h.stratum[i].as_str())
            .or_default()
            .push(h.weight[i]);
    }
    for (s, w) in by {
        let lo = w.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = w.iter().cloned().fold(0.0, f64::max);
        assert!(hi > lo && hi / lo < 2.0, "{s}: {lo} {hi}");
    }
}

#[test]
fn design_strata_and_psus() {
    let h = default_sample();
    let fully_urban = ["330102", "330105", "330108"];
    let mut psus: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    let mut psu_stratum: HashMap<u32, &str> = HashMap::new();
    let mut psu_size: HashMap<u32, usize> = HashMap::new();
    for i in rows(h, 2022) {
        let s = h.stratum[i].as_str();
        assert_eq!(&s[..6], h.county[i]);
        assert_eq!(&s[7..], if h.urban[i] == 1 { "U" } else { "R" });
        psus.entry(s).or_default().insert(h.psu[i]);
        let prev = psu_stratum.insert(h.psu[i], s);
        assert!(prev.is_none_or(|p| p == s), "PSU ids are unique");
        *psu_size.entry(h.psu[i]).or_default() += 1;
    }
    for c in counties() {
        let u = format!("{}-U", c.code);
        let r = format!("{}-R", c.code);
        assert!(psus[u.as_str()].len() >= 2, "{u}");
        if fully_urban.contains(&c.code) {
            assert!(!psus.contains_key(r.as_str()), "{r}");
        } else {
            assert!(psus[r.as_str()].len() >= 2, "{r}");
        }
    }
    assert_eq!(psus.len(), 177);
    for (&p, &n) in &psu_size {
        assert!((2..=25).contains(&n), "PSU {p}: {n}");
    }
    let mean = psu_size.values().sum::<usize>() as f64 / psu_size.len() as f64;
    assert!((10.0..=20.0).contains(&mean), "{mean}");
    // City codes are the parents of the county codes.
    for i in 0..h.len() {
        assert_eq!(&h.city[i][..4], &h.county[i][..4]);
        assert!(h.city[i].ends_with("00"));
    }
}

#[test]
fn regions_and_mountain_membership_in_the_data() {
    let h = default_sample();
    let counties_in = |year| {
        rows(h, year)
            .map(|i| h.county[i])
            .collect::<BTreeSet<_>>()
            .len()
    };
    let cities_in: BTreeSet<_> = h.city.iter().collect();
    assert_eq!(counties_in(2022), 90);
    assert_eq!(cities_in.len(), 11);
    let mountain = |year| {
        rows(h, year)
            .filter(|&i| h.mountain[i] == 1)
            .map(|i| h.county[i])
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(mountain(2020).len(), 0, "the group starts in 2021");
    assert_eq!(mountain(2021).len(), 26);
    assert_eq!(mountain(2024).len(), 26);
    assert_eq!(mountain(2025).len(), 24);
    let listed: BTreeSet<_> = group_memberships()
        .iter()
        .filter(|m| m.group == MOUNTAIN_GROUP && m.contains_year(2021))
        .map(|m| m.county)
        .collect();
    assert_eq!(mountain(2021), listed);
}

#[test]
fn income_sources_and_flags_are_plausible() {
    let h = default_sample();
    let in26: BTreeSet<&str> = group_memberships()
        .iter()
        .filter(|m| m.group == MOUNTAIN_GROUP)
        .map(|m| m.county)
        .collect();
    for year in 2020..=2025u16 {
        let (mut tot, mut no_wage, mut no_bus, mut low, mut low_rm) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut rm, mut ws_rm) = (0.0, 0.0);
        let (mut neg_bus, mut nonpos, mut n) = (0usize, 0usize, 0usize);
        for i in rows(h, year) {
            let w = h.weight[i];
            n += 1;
            tot += w;
            assert!(h.transfer[i] >= 0.0 && h.wage[i] >= 0.0 && h.property[i] >= 0.0);
            for x in [h.wage[i], h.business[i], h.property[i], h.transfer[i]] {
                assert_eq!(x, x.round());
            }
            if h.wage[i] == 0.0 {
                no_wage += w;
            }
            if h.business[i] == 0.0 {
                no_bus += w;
            }
            if h.business[i] < 0.0 {
                neg_bus += 1;
            }
            if h.disposable[i] <= 0.0 {
                nonpos += 1;
            }
            let mountain_county = in26.contains(h.county[i]);
            if h.low_income[i] == 1 {
                low += w;
                if h.urban[i] == 0 || mountain_county {
                    low_rm += w;
                }
            }
            if h.workshop[i] == 1 {
                assert!(mountain_county && h.urban[i] == 0);
            }
            if mountain_county && h.urban[i] == 0 {
                rm += w;
                ws_rm += w * f64::from(h.workshop[i]);
            }
        }
        let share = |x: f64| x / tot;
        assert!((0.05..0.25).contains(&share(no_wage)), "{year}");
        assert!((0.55..0.95).contains(&share(no_bus)), "{year}");
        assert!(
            (0.03..=0.05).contains(&share(low)),
            "{year}: {}",
            share(low)
        );
        assert!(low_rm / low > 0.6, "low-income mostly rural/mountain");
        assert!((0.02..=0.04).contains(&(ws_rm / rm)), "{year}");
        assert!(neg_bus > 30 && neg_bus < n / 20, "{year}: {neg_bus}");
        assert!(nonpos > 0 && nonpos < n / 200, "{year}: {nonpos}");
    }
}

#[test]
fn flagged_groups_grow_faster() {
    let h = default_sample();
    let mean_of = |year, keep: &dyn Fn(usize) -> bool| pc_mean(h, year, keep);
    let all = mean_of(2025, &|_| true) / mean_of(2021, &|_| true);
    let low = mean_of(2025, &|i| h.low_income[i] == 1) / mean_of(2021, &|i| h.low_income[i] == 1);
    let ws = mean_of(2025, &|i| h.workshop[i] == 1) / mean_of(2021, &|i| h.workshop[i] == 1);
    assert!(low > all * 1.1, "low {low} all {all}");
    assert!(ws > all * 1.1, "workshop {ws} all {all}");
}
