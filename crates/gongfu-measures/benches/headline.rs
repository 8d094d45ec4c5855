//! Criterion benchmarks of the sorted distribution and the headline set.
//! `cargo bench -p gongfu-measures` (set GONGFU_BENCH_N to change the size; default 10^6).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gongfu_measures::{Ctx, Distribution, Measure};
use std::hint::black_box;

#[path = "../examples/headline.rs"]
#[allow(dead_code)]
mod headline;

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("GONGFU_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (x, w) = headline::data(n);
    let measures = Measure::parse_list(headline::HEADLINE).unwrap();
    let mut g = c.benchmark_group(format!("n={n}"));
    g.sample_size(10);
    g.bench_function("sort_unstable_by(total_cmp) of pairs", |b| {
        b.iter_batched(
            || {
                x.iter()
                    .copied()
                    .zip(w.iter().copied())
                    .collect::<Vec<(f64, f64)>>()
            },
            |mut p| {
                p.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                black_box(p)
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("Distribution::new", |b| {
        b.iter(|| black_box(Distribution::new(&x, Some(&w)).unwrap()))
    });
    let d = Distribution::new(&x, Some(&w)).unwrap();
    g.bench_function("headline set on a built distribution", |b| {
        b.iter(|| {
            let ctx = Ctx::new(&d);
            for m in &measures {
                black_box(m.evaluate(&ctx).unwrap());
            }
        })
    });
    g.bench_function("build + headline set", |b| {
        b.iter(|| {
            let d = Distribution::new(&x, Some(&w)).unwrap();
            let ctx = Ctx::new(&d);
            for m in &measures {
                black_box(m.evaluate(&ctx).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
