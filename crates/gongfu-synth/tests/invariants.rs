//! Property tests of the row invariants.

use gongfu_synth::{PopulationConfig, SampleConfig, min_sample_households, population, sample};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn sample_rows_are_consistent(
        seed in any::<u64>(),
        extra in 0usize..1_500,
        first in 2020u16..=2025,
        len in 0u16..6,
    ) {
        let last = (first + len).min(2025);
        let cfg = SampleConfig { seed, households: min_sample_households() + extra, years: first..=last };
        let h = sample(&cfg).unwrap();
        prop_assert_eq!(h.len(), cfg.households * usize::from(last - first + 1));
        for i in 0..h.len() {
            prop_assert!((1..=6).contains(&h.hh_size[i]));
            prop_assert!(h.n_adults[i] >= 1);
            prop_assert_eq!(h.hh_size[i], h.n_adults[i] + h.n_children[i]);
            prop_assert_eq!(h.disposable[i], h.wage[i] + h.business[i] + h.property[i] + h.transfer[i]);
            prop_assert_eq!(h.pc_income[i], h.disposable[i] / f64::from(h.hh_size[i]));
            prop_assert_eq!(h.pweight[i], h.weight[i] * f64::from(h.hh_size[i]));
            prop_assert!(h.transfer[i] >= 0.0 && h.wage[i] >= 0.0 && h.property[i] >= 0.0);
            prop_assert!(h.weight[i] > 0.0);
            prop_assert!(h.disposable[i].is_finite());
            prop_assert!(h.year[i] >= first && h.year[i] <= last);
            if i > 0 {
                prop_assert!((h.year[i - 1], h.hh_id[i - 1]) < (h.year[i], h.hh_id[i]));
            }
        }
    }

    #[test]
    fn population_rows_are_consistent(
        seed in any::<u64>(),
        persons in 1u64..20_000,
        batch_rows in 1usize..5_000,
        year in 2020u16..=2025,
    ) {
        let cfg = PopulationConfig { seed, persons, year, batch_rows };
        let mut n = 0u64;
        let mut last_hh = 0;
        population(&cfg, |b| {
            assert!(!b.is_empty());
            assert!(b.len() <= batch_rows.max(6));
            assert!(b.hh_id[0] > last_hh, "households are not split");
            last_hh = *b.hh_id.last().unwrap();
            for i in 0..b.len() {
                assert_eq!(b.person_id[i], n + 1);
                n += 1;
                assert!((1..=6).contains(&b.hh_size[i]));
                assert_eq!(b.pc_income[i], b.hh_income[i] / f64::from(b.hh_size[i]));
                assert!(b.workshop[i] == 0 || b.urban[i] == 0);
            }
            Ok::<_, ()>(())
        })
        .unwrap();
        prop_assert_eq!(n, persons);
    }
}
