//! Standard errors at scale:
//!
//! ```sh
//! cargo run --release -p gongfu-compute --example se_bench -- 10000000 3
//! ```
//!
//! On `n` log-normal incomes with random weights in 50 strata of PSUs of about
//! 20 units, times `compute` (sort, measures, influence values, variance by
//! PSU within strata, t intervals) for gini, arpr and qsr alone and for the
//! whole headline set; then 500 Rao–Wu bootstrap replicates of the headline
//! set on 30,000 households. Medians of the repetitions.

use gongfu_compute::{Columns, KeyColumn, ReplicateSpec, Spec, VarianceSpec, compute};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

const HEADLINE: &str = "mean,median,deciles,gini,ge(0),ge(1),ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(0),fgt(1),fgt(2),middle_share,prosperity_gap(25000)";

fn columns(n: usize) -> Columns {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut u = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let (mut x, mut w) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let z = (-2.0 * u().ln()).sqrt() * (std::f64::consts::TAU * u()).cos();
        x.push((30_000f64.ln() + 0.7 * z).exp());
        w.push(50.0 + 450.0 * u());
    }
    // 50 strata; PSUs of 20 consecutive rows, nested in strata
    let strata: Vec<u32> = (0..n).map(|i| ((i / 20) % 50) as u32).collect();
    let psu: Vec<u32> = (0..n).map(|i| (i / 20) as u32).collect();
    let key = |name: &str, codes: Vec<u32>| {
        let levels = (0..=codes.iter().copied().max().unwrap_or(0))
            .map(|c| c.to_string())
            .collect();
        KeyColumn {
            name: name.into(),
            codes,
            levels,
        }
    };
    Columns {
        income: x,
        weight: Some(w),
        strata: Some(key("stratum", strata)),
        psu: Some(key("psu", psu)),
        ..Columns::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(cols: &Columns, list: &str, reps: usize, replicates: Option<ReplicateSpec>) -> (f64, f64) {
    let mut spec = Spec::parse(list, &[]).expect("measures");
    spec.variance = Some(VarianceSpec {
        replicates,
        ..VarianceSpec::default()
    });
    let mut t = Vec::new();
    let mut first_se = 0.0;
    for _ in 0..reps {
        let c = cols.clone();
        let t0 = Instant::now();
        let r = compute(c, &spec).expect("compute");
        t.push(t0.elapsed().as_secs_f64());
        first_se = r.results[0].se.unwrap_or(f64::NAN);
    }
    (median(t), first_se)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let reps: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    println!("threads {}", rayon_threads());
    let cols = columns(n);
    for list in ["gini", "arpr", "qsr", HEADLINE] {
        let (t, se) = time(&cols, list, reps, None);
        let name = if list == HEADLINE {
            "headline set (17 measures)"
        } else {
            list
        };
        println!("n = {n}: {name} with linearised SEs: {t:.3} s (first SE {se:.6e})");
    }
    let hh = columns(30_000);
    let (t, se) = time(
        &hh,
        HEADLINE,
        reps,
        Some(ReplicateSpec::Bootstrap {
            replicates: 500,
            seed: 1,
            mse: false,
        }),
    );
    println!("n = 30000: headline set with 500 bootstrap replicates: {t:.3} s (first SE {se:.6e})");
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
