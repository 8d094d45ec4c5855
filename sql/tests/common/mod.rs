//! The conformance households, shared by the SQL tests (`sql/tests`) and
//! the Ballista tests (`sql/ballista/tests`).
#![allow(dead_code)] // each test crate uses what it needs

use std::path::PathBuf;

/// Named columns of `testdata/conformance/households.csv`, as text, one
/// vector per name.
pub fn columns(names: &[&str]) -> Vec<Vec<String>> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = here
        .ancestors()
        .map(|p| p.join("testdata/conformance/households.csv"))
        .find(|p| p.exists())
        .expect("testdata/conformance/households.csv above the crate");
    let mut r = csv::Reader::from_path(&path).expect("households.csv");
    let head = r.headers().expect("header").clone();
    let at: Vec<usize> = names
        .iter()
        .map(|n| head.iter().position(|h| h == *n).expect(n))
        .collect();
    let mut out = vec![Vec::new(); names.len()];
    for rec in r.records() {
        let rec = rec.expect("record");
        for (col, &i) in out.iter_mut().zip(&at) {
            col.push(rec[i].to_string());
        }
    }
    out
}

/// Text values as numbers.
pub fn numbers(v: &[String]) -> Vec<f64> {
    v.iter().map(|s| s.parse().expect("a number")).collect()
}

/// (county, per-capita income, person weight) of every household.
pub fn households() -> Vec<(String, f64, f64)> {
    let [county, income, weight]: [Vec<String>; 3] = columns(&["county", "pc_income", "pweight"])
        .try_into()
        .expect("three columns");
    let (x, w) = (numbers(&income), numbers(&weight));
    county
        .into_iter()
        .zip(x)
        .zip(w)
        .map(|((c, x), w)| (c, x, w))
        .collect()
}
