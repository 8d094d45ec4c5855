//! The measure-list parser and resolver must return measures or an error for
//! any text, and evaluating what parses must never panic.
#![no_main]

use gongfu_measures::{Ctx, Distribution, Measure, NonPositive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(measures) = Measure::parse_list(text) else { return };
    let x = [-5.0, 0.0, 1.0, 2.0, 2.0, 10.0, 250.0, 1e6];
    let w = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.0, 0.25];
    let g = [0u32, 1, 0, 1, 0, 1, 0, 1];
    let d = Distribution::builder(&x, Some(&w))
        .category("urban", &g, vec!["0".into(), "1".into()])
        .numeric("hh_size", &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0])
        .keep_rows()
        .build()
        .expect("valid data");
    for policy in [NonPositive::Error, NonPositive::Exclude] {
        let ctx = Ctx::new(&d).with_nonpositive(policy).with_baseline(&d, &d, 2.0);
        for m in &measures {
            if let Ok(est) = m.evaluate(&ctx) {
                for e in est {
                    assert!(e.value.is_finite(), "{} gave {}", e.measure, e.value);
                }
            }
        }
    }
});
