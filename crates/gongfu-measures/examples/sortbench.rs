//! Sort layouts compared (diagnostics): `cargo run --release -p gongfu-measures --example sortbench`
#[path = "headline.rs"]
#[allow(dead_code)]
mod headline;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let (x, w) = headline::data(n);
    for _ in 0..3 {
        let mut p: Vec<(f64, f64)> = x.iter().copied().zip(w.iter().copied()).collect();
        let t = Instant::now();
        p.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let t_pairs = t.elapsed().as_secs_f64();
        let mut p: Vec<(f64, f64)> = x.iter().copied().zip(w.iter().copied()).collect();
        let t = Instant::now();
        p.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
        let t_pairs_w = t.elapsed().as_secs_f64();
        let mut r: Vec<(f64, f64, u32)> = (0..n).map(|i| (x[i], w[i], i as u32)).collect();
        let t = Instant::now();
        r.sort_unstable_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| a.1.total_cmp(&b.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        let t_triples = t.elapsed().as_secs_f64();
        let mut k: Vec<(u64, u32)> = (0..n)
            .map(|i| {
                let b = x[i].to_bits() as i64;
                (
                    ((b ^ (((b >> 63) as u64) >> 1) as i64) as u64) ^ (1 << 63),
                    i as u32,
                )
            })
            .collect();
        let t = Instant::now();
        k.sort_unstable();
        let t_keys = t.elapsed().as_secs_f64();
        let mut q: Vec<(f64, u32)> = (0..n).map(|i| (x[i], i as u32)).collect();
        let t = Instant::now();
        q.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let t_q = t.elapsed().as_secs_f64();
        let mut wr: Vec<(f64, u32)> = q.iter().map(|&(_, r)| (w[r as usize], r)).collect();
        let t_g = t.elapsed().as_secs_f64();
        let mut i = 0;
        let mut runs = 0usize;
        while i < n {
            let mut j = i + 1;
            while j < n && q[j].0 == q[i].0 {
                j += 1;
            }
            if j - i > 1 {
                runs += 1;
                wr[i..j].sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            }
            i = j;
        }
        let t_runs = t.elapsed().as_secs_f64();
        let mut r: Vec<(f64, f64, u32)> = (0..n).map(|i| (x[i], w[i], i as u32)).collect();
        let t = Instant::now();
        r.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let t_r = t.elapsed().as_secs_f64();
        let mut i = 0;
        while i < n {
            let mut j = i + 1;
            while j < n && r[j].0 == r[i].0 {
                j += 1;
            }
            if j - i > 1 {
                r[i..j].sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.2.cmp(&b.2)));
            }
            i = j;
        }
        println!(
            "(x,w,row) by x {t_r:.3} + runs {:.3}",
            t.elapsed().as_secs_f64()
        );
        println!(
            "(x,row) by x {t_q:.3}, +gather w {t_g:.3}, +sort {runs} tie runs by (w,row) {t_runs:.3}"
        );
        println!(
            "pairs by x {t_pairs:.3} | pairs by (x,w) {t_pairs_w:.3} | (x,w,row) {t_triples:.3} | (key u64,row) {t_keys:.3}"
        );
    }
}
