//! Prints the calibration of the demo province (sample and, optionally, the
//! full population) and the generation timings.
//!
//! ```text
//! cargo run --release -p gongfu-synth --example calibration [PERSONS]
//! ```

use std::time::Instant;

use gongfu_synth::{
    MOUNTAIN_GROUP, PersonBatch, PopulationConfig, SampleConfig, group_memberships, population,
    sample,
};

/// Weighted Gini (Eurostat form) of `(x, w)` pairs.
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

fn main() {
    let persons: Option<u64> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    let in26: Vec<&str> = group_memberships()
        .iter()
        .filter(|m| m.group == MOUNTAIN_GROUP)
        .map(|m| m.county)
        .collect();

    let t0 = Instant::now();
    let hh = sample(&SampleConfig::default()).expect("sample");
    let dt = t0.elapsed();
    println!(
        "sample: {} rows in {:.1} ms",
        hh.len(),
        dt.as_secs_f64() * 1e3
    );

    println!(
        "year  urban   rural   all     ratio  mount26 urbshare  middle  gini   hh(M)  size  low%  ws%rm  nowage% nobus% negbus  disp<=0"
    );
    for year in 2020..=2025u16 {
        let rows: Vec<usize> = (0..hh.len()).filter(|&i| hh.year[i] == year).collect();
        let (mut nu, mut du, mut nr, mut dr, mut nm, mut dm) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut wsum, mut mid, mut low, mut ws_rm, mut rm) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut nowage, mut nobus, mut negbus, mut nonpos) = (0.0, 0.0, 0, 0);
        let mut g = Vec::with_capacity(rows.len());
        for &i in &rows {
            let pw = hh.pweight[i];
            let x = hh.pc_income[i];
            if hh.urban[i] == 1 {
                nu += pw * x;
                du += pw;
            } else {
                nr += pw * x;
                dr += pw;
            }
            let m = in26.contains(&hh.county[i]);
            if m {
                nm += pw * x;
                dm += pw;
            }
            let w = hh.weight[i];
            wsum += w;
            if (100_000.0..500_000.0).contains(&hh.disposable[i]) {
                mid += w;
            }
            if hh.low_income[i] == 1 {
                low += w;
            }
            if m && hh.urban[i] == 0 {
                rm += w;
                if hh.workshop[i] == 1 {
                    ws_rm += w;
                }
            }
            if hh.wage[i] == 0.0 {
                nowage += w;
            }
            if hh.business[i] == 0.0 {
                nobus += w;
            }
            if hh.business[i] < 0.0 {
                negbus += 1;
            }
            if hh.disposable[i] <= 0.0 {
                nonpos += 1;
            }
            g.push((x, pw));
        }
        let all = (nu + nr) / (du + dr);
        println!(
            "{year}  {:6.0}  {:6.0}  {:6.0}  {:.3}  {:.3}   {:.3}    {:.3}  {:.3}  {:5.2}  {:.2}  {:.2}  {:.2}  {:5.1}  {:5.1}   {:5}  {:5}",
            nu / du,
            nr / dr,
            all,
            (nu / du) / (nr / dr),
            (nm / dm) / all,
            du / (du + dr),
            mid / wsum,
            gini(g),
            wsum / 1e6,
            (du + dr) / wsum,
            100.0 * low / wsum,
            100.0 * ws_rm / rm,
            100.0 * nowage / wsum,
            100.0 * nobus / wsum,
            negbus,
            nonpos,
        );
    }

    if let Some(persons) = persons {
        let t0 = Instant::now();
        let mut n = 0usize;
        population(
            &PopulationConfig {
                persons,
                ..Default::default()
            },
            |b: PersonBatch| {
                n += b.len();
                Ok::<_, ()>(())
            },
        )
        .expect("population");
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "population (no-op sink): {n} persons in {dt:.2} s ({:.1} M persons/s)",
            n as f64 / dt / 1e6
        );
        {
            let year = 2022u16;
            let cfg = PopulationConfig {
                persons,
                year,
                ..Default::default()
            };
            let t0 = Instant::now();
            let (mut n, mut sx, mut su, mut nu, mut batches) = (0u64, 0.0, 0.0, 0u64, 0);
            let (mut sr, mut nr) = (0.0, 0u64);
            population(&cfg, |b: PersonBatch| {
                batches += 1;
                n += b.len() as u64;
                for i in 0..b.len() {
                    let x = b.pc_income[i];
                    sx += x;
                    if b.urban[i] == 1 {
                        su += x;
                        nu += 1;
                    } else {
                        sr += x;
                        nr += 1;
                    }
                }
                Ok::<_, ()>(())
            })
            .expect("population");
            let dt = t0.elapsed().as_secs_f64();
            println!(
                "population {year}: {n} persons, {batches} batches, {:.2} s ({:.1} M persons/s); mean {:.0}, urban {:.0}, rural {:.0}, ratio {:.3}, urban share {:.3}",
                dt,
                n as f64 / dt / 1e6,
                sx / n as f64,
                su / nu as f64,
                sr / nr as f64,
                (su / nu as f64) / (sr / nr as f64),
                nu as f64 / n as f64
            );
        }
    }
}
