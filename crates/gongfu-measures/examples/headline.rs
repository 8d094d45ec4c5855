//! The headline-set benchmark, runnable by anyone:
//!
//! ```sh
//! cargo run --release -p gongfu-measures --example headline -- 10000000 5 [DIR]
//! ```
//! With DIR, the data are also written there as raw little-endian f64
//! (`x.bin`, `w.bin`) for the peers' scripts in `bench/`.
//!
//! Times, on `n` log-normal incomes with random weights, (a) one
//! `sort_unstable_by(total_cmp)` of the (value, weight) pairs — the lower
//! bound any exact engine pays — and (b) building gongfu's sorted
//! distribution plus the whole headline set, with 1 thread and with all
//! threads, and prints medians and the ratio b/a.

use gongfu_measures::{Ctx, Distribution, Measure};
use rayon::prelude::*;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The headline set of the measures issue.
pub const HEADLINE: &str = "mean,median,deciles,gini,ge(0),ge(1),ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(0),fgt(1),fgt(2),middle_share,prosperity_gap(25000)";

/// Log-normal incomes (median ≈ 30,000) and weights in [50, 500), from a fixed seed.
pub fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s = 0x2545f4914f6cdd1du64;
    let mut u = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut x = Vec::with_capacity(n);
    let mut w = Vec::with_capacity(n);
    for _ in 0..n {
        let z = (-2.0 * u().ln()).sqrt() * (std::f64::consts::TAU * u()).cos();
        x.push((30_000f64.ln() + 0.7 * z).exp());
        w.push(50.0 + 450.0 * u());
    }
    (x, w)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let reps: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let (x, w) = data(n);
    if let Some(dir) = args.get(3) {
        // raw little-endian f64 files for the peers' scripts (bench/run_peers.sh)
        let dump = |name: &str, v: &[f64]| {
            let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
            std::fs::write(std::path::Path::new(dir).join(name), bytes).expect("write data");
        };
        dump("x.bin", &x);
        dump("w.bin", &w);
    }
    let measures = Measure::parse_list(HEADLINE).expect("headline set");
    let all = rayon::current_num_threads();
    println!("n = {n}, repetitions = {reps}, threads available = {all}");
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut t_sort = Vec::new();
        let mut t_gongfu = Vec::new();
        let mut checksum = 0.0;
        for _ in 0..reps {
            let mut pairs: Vec<(f64, f64)> = x.iter().copied().zip(w.iter().copied()).collect();
            let t0 = Instant::now();
            if threads == 1 {
                pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            } else {
                pool.install(|| pairs.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0)));
            }
            t_sort.push(t0.elapsed().as_secs_f64());
            drop(pairs);
            let t0 = Instant::now();
            let values = pool.install(|| {
                let d = Distribution::new(&x, Some(&w)).expect("valid data");
                let ctx = Ctx::new(&d);
                measures
                    .iter()
                    .flat_map(|m| m.evaluate(&ctx).expect("measure"))
                    .map(|e| e.value)
                    .collect::<Vec<_>>()
            });
            t_gongfu.push(t0.elapsed().as_secs_f64());
            checksum = values.iter().sum::<f64>();
        }
        if threads == all {
            // the values laeken reports (in percent for gini and arpr), to compare
            let d = Distribution::new(&x, Some(&w)).expect("valid data");
            let ctx = Ctx::new(&d);
            let v = |m: &str| {
                Measure::parse_list(m).expect("measure")[0]
                    .value(&ctx)
                    .expect("value")
            };
            println!(
                "gini {:.12} arpr {:.12} qsr {:.12}",
                v("gini"),
                v("arpr"),
                v("qsr")
            );
        }
        let (s, g) = (median(t_sort), median(t_gongfu));
        println!(
            "threads {threads}: sort (value, weight) pairs {s:.3} s | gongfu sort + headline set ({} measures) {g:.3} s | ratio {:.2} (checksum {checksum:.6e})",
            measures.len(),
            g / s
        );
    }
}
