//! Population register: exact size, determinism across threads and batch
//! sizes, agreement with the sample.

use std::collections::BTreeSet;

use gongfu_synth::{
    PersonBatch, PopulationConfig, SampleConfig, calibration_targets, population, sample,
};

fn collect(cfg: &PopulationConfig) -> Vec<PersonBatch> {
    let mut out = Vec::new();
    population(cfg, |b| {
        out.push(b);
        Ok::<_, ()>(())
    })
    .unwrap();
    out
}

/// Concatenates batches (for comparisons independent of batching).
fn concat(batches: Vec<PersonBatch>) -> PersonBatch {
    let mut all = PersonBatch::default();
    for b in batches {
        all.person_id.extend(b.person_id);
        all.hh_id.extend(b.hh_id);
        all.city.extend(b.city);
        all.county.extend(b.county);
        all.urban.extend(b.urban);
        all.mountain.extend(b.mountain);
        all.hh_size.extend(b.hh_size);
        all.hh_income.extend(b.hh_income);
        all.pc_income.extend(b.pc_income);
        all.low_income.extend(b.low_income);
        all.workshop.extend(b.workshop);
    }
    all
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn identical_with_1_and_4_threads_and_any_batch_size() {
    let cfg = PopulationConfig {
        seed: 99,
        persons: 200_000,
        year: 2023,
        batch_rows: 50_000,
    };
    let one = in_pool(1, || collect(&cfg));
    let four = in_pool(4, || collect(&cfg));
    assert_eq!(one, four);
    let other_batches = in_pool(3, || {
        collect(&PopulationConfig {
            batch_rows: 7_777,
            ..cfg.clone()
        })
    });
    assert!(other_batches.len() > one.len());
    let one = concat(one);
    assert_eq!(one, concat(other_batches));
    assert_eq!(one.len(), 200_000);
    let different = concat(collect(&PopulationConfig { seed: 100, ..cfg }));
    assert_ne!(one.hh_income, different.hh_income);
}

#[test]
fn exact_size_ids_and_household_consistency() {
    for persons in [1u64, 5, 1_234, 65_537, 300_001] {
        let cfg = PopulationConfig {
            persons,
            batch_rows: 10_000,
            ..Default::default()
        };
        let all = concat(collect(&cfg));
        assert_eq!(all.len() as u64, persons);
        assert!(all.person_id.iter().copied().eq(1..=persons));
        // Households are contiguous, numbered 1.. and consistent.
        let mut i = 0;
        let mut expect_hh = 1;
        while i < all.len() {
            let size = all.hh_size[i] as usize;
            assert!((1..=6).contains(&size));
            assert_eq!(all.hh_id[i], expect_hh);
            for j in i..i + size {
                assert_eq!(all.hh_id[j], expect_hh);
                assert_eq!(all.hh_size[j] as usize, size);
                assert_eq!(all.hh_income[j], all.hh_income[i]);
                assert_eq!(all.county[j], all.county[i]);
                assert_eq!(all.pc_income[j], all.hh_income[j] / size as f64);
            }
            if i + size < all.len() {
                assert_ne!(all.hh_id[i + size], expect_hh);
            }
            i += size;
            expect_hh += 1;
        }
    }
}

#[test]
fn mean_matches_targets_and_the_sample() {
    let persons = 2_000_000u64;
    let cfg = PopulationConfig {
        persons,
        year: 2022,
        ..Default::default()
    };
    let (mut n, mut s, mut nu, mut su, mut sr) = (0u64, 0.0, 0u64, 0.0, 0.0);
    let mut counties = BTreeSet::new();
    let mut mountain = BTreeSet::new();
    population(&cfg, |b: PersonBatch| {
        for i in 0..b.len() {
            n += 1;
            s += b.pc_income[i];
            if b.urban[i] == 1 {
                nu += 1;
                su += b.pc_income[i];
            } else {
                sr += b.pc_income[i];
            }
            counties.insert(b.county[i]);
            if b.mountain[i] == 1 {
                mountain.insert(b.county[i]);
            }
        }
        Ok::<_, ()>(())
    })
    .unwrap();
    assert_eq!(n, persons);
    assert_eq!(counties.len(), 90);
    assert_eq!(mountain.len(), 26);
    let t = calibration_targets()
        .iter()
        .find(|t| t.year == 2022)
        .unwrap();
    let urban = su / nu as f64;
    let rural = sr / (n - nu) as f64;
    assert!((urban / t.urban - 1.0).abs() < 0.01, "{urban}");
    assert!((rural / t.rural - 1.0).abs() < 0.01, "{rural}");
    let mean = s / n as f64;
    let h = sample(&SampleConfig {
        households: 10_000,
        years: 2022..=2022,
        ..Default::default()
    })
    .unwrap();
    let sm: f64 = (0..h.len())
        .map(|i| h.pweight[i] * h.pc_income[i])
        .sum::<f64>()
        / h.pweight.iter().sum::<f64>();
    assert!(
        (mean / sm - 1.0).abs() < 0.01,
        "population {mean} sample {sm}"
    );
}
