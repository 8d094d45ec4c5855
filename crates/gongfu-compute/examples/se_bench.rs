//! Standard errors at scale:
//!
//! ```sh
//! cargo run --release -p gongfu-compute --example se_bench -- 10000000 3
//! cargo run --release -p gongfu-compute --example se_bench -- 10000000 3 median   # one list alone
//! cargo run --release -p gongfu-compute --example se_bench -- 10000000 1 gini 50  # by 50 supplied replicates
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
    if std::env::var_os("SE_BENCH_POINT").is_some() {
        spec.variance = None;
    }
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
    let mut cols = columns(n);
    // a fourth argument: that many supplied replicate weight columns (PSUs
    // drawn with replacement within strata, as a bootstrap), instead of linearisation
    if let Some(r) = args.get(4).and_then(|a| a.parse::<usize>().ok()) {
        cols.replicates = bootstrap_columns(&cols, r);
        let list = args.get(3).map_or("gini", String::as_str);
        let (t, se) = time(
            &cols,
            list,
            reps,
            Some(ReplicateSpec::Supplied {
                kind: gongfu_compute::RepType::Bootstrap,
                scale: Some(1.0 / r as f64),
                rscales: None,
                mse: true,
            }),
        );
        println!(
            "n = {n}: {list} with {r} supplied bootstrap replicates: {t:.3} s (first SE {se:.6e})"
        );
        return;
    }
    // a third argument times that one list of measures alone (for profiling)
    let only = args.get(3).cloned();
    let lists: Vec<&str> = match &only {
        Some(l) => vec![l.as_str()],
        None => vec!["gini", "arpr", "qsr", HEADLINE],
    };
    for list in lists {
        let (t, se) = time(&cols, list, reps, None);
        let name = if list == HEADLINE {
            "headline set (17 measures)"
        } else {
            list
        };
        println!("n = {n}: {name} with linearised SEs: {t:.3} s (first SE {se:.6e})");
    }
    if only.is_some() {
        return;
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

/// `r` bootstrap replicate weight columns: in each replicate and stratum the
/// stratum's PSUs drawn with replacement, a row's weight times the times its
/// PSU was drawn.
fn bootstrap_columns(cols: &Columns, r: usize) -> Vec<Vec<f64>> {
    let (Some(strata), Some(psu), Some(w)) = (&cols.strata, &cols.psu, &cols.weight) else {
        return Vec::new();
    };
    let npsu = psu.levels.len();
    let mut stratum_of = vec![0u32; npsu];
    for (&h, &j) in strata.codes.iter().zip(&psu.codes) {
        stratum_of[j as usize] = h;
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); strata.levels.len()];
    for (j, &h) in stratum_of.iter().enumerate() {
        members[h as usize].push(j as u32);
    }
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..r)
        .map(|_| {
            let mut times = vec![0.0; npsu];
            for m in &members {
                for _ in 0..m.len() {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    times[m[(s % m.len() as u64) as usize] as usize] += 1.0;
                }
            }
            w.iter()
                .zip(&psu.codes)
                .map(|(w, &j)| w * times[j as usize])
                .collect()
        })
        .collect()
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
