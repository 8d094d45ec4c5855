//! Times each stage of the headline set (diagnostics).
//! `cargo run --release -p gongfu-measures --example profile -- 10000000`
#[path = "headline.rs"]
#[allow(dead_code)]
mod headline;
use gongfu_measures::{Ctx, Distribution, Measure};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let (x, w) = headline::data(n);
    let t = Instant::now();
    let d = Distribution::new(&x, Some(&w)).unwrap();
    println!("Distribution::new {:.3}", t.elapsed().as_secs_f64());
    let ctx = Ctx::new(&d);
    for m in Measure::parse_list(headline::HEADLINE).unwrap() {
        let t = Instant::now();
        m.evaluate(&ctx).unwrap();
        println!("{:>16} {:.3}", m.id(), t.elapsed().as_secs_f64());
    }
}
