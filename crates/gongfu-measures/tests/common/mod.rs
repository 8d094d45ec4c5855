//! Loading the conformance survey.
#![allow(dead_code)]

pub mod reference;

use gongfu_measures::Distribution;
use std::collections::HashMap;
use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance")
}

/// The households of one year, as columns.
pub struct Survey {
    pub pc_income: Vec<f64>,
    pub pweight: Vec<f64>,
    pub hh_size: Vec<f64>,
    pub cats: HashMap<String, Vec<String>>,
    pub nums: HashMap<String, Vec<f64>>,
}

pub fn load(file: &str) -> Survey {
    let mut rdr = csv::Reader::from_path(data_dir().join(file)).expect("conformance file");
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ipc, ipw, isz) = (col("pc_income"), col("pweight"), col("hh_size"));
    let cat_names = ["urban", "county", "mountain", "stratum"];
    let num_names = [
        "wage",
        "business",
        "property",
        "transfer",
        "disposable",
        "weight",
    ];
    let mut s = Survey {
        pc_income: vec![],
        pweight: vec![],
        hh_size: vec![],
        cats: HashMap::new(),
        nums: HashMap::new(),
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let f = |i: usize| rec[i].parse::<f64>().unwrap();
        s.pc_income.push(f(ipc));
        s.pweight.push(f(ipw));
        s.hh_size.push(f(isz));
        for c in cat_names {
            s.cats
                .entry(c.into())
                .or_default()
                .push(rec[col(c)].to_string());
        }
        for c in num_names {
            s.nums.entry(c.into()).or_default().push(f(col(c)));
        }
    }
    s
}

/// Codes and levels (levels sorted) of a string column.
pub fn encode(v: &[String]) -> (Vec<u32>, Vec<String>) {
    let mut levels: Vec<String> = v.to_vec();
    levels.sort();
    levels.dedup();
    let codes = v
        .iter()
        .map(|x| levels.binary_search(x).unwrap() as u32)
        .collect();
    (codes, levels)
}

impl Survey {
    /// The distribution of pc_income weighted by pweight, with the categories attached.
    pub fn distribution(
        &self,
        keep: impl Fn(usize) -> bool,
        weighted: bool,
        extra: &[(String, Vec<f64>)],
    ) -> Distribution {
        let idx: Vec<usize> = (0..self.pc_income.len()).filter(|&i| keep(i)).collect();
        let x: Vec<f64> = idx.iter().map(|&i| self.pc_income[i]).collect();
        let w: Vec<f64> = idx.iter().map(|&i| self.pweight[i]).collect();
        let encoded: Vec<(String, Vec<u32>, Vec<String>)> = self
            .cats
            .iter()
            .map(|(name, col)| {
                let sub: Vec<String> = idx.iter().map(|&i| col[i].clone()).collect();
                let (codes, levels) = encode(&sub);
                (name.clone(), codes, levels)
            })
            .collect();
        let size: Vec<f64> = idx.iter().map(|&i| self.hh_size[i]).collect();
        let mut b = Distribution::builder(&x, if weighted { Some(&w) } else { None })
            .numeric("hh_size", &size);
        for (name, codes, levels) in &encoded {
            b = b.category(name, codes, levels.clone());
        }
        let extra: Vec<(String, Vec<f64>)> = extra
            .iter()
            .map(|(n, v)| (n.clone(), idx.iter().map(|&i| v[i]).collect()))
            .collect();
        for (name, v) in &extra {
            b = b.numeric(name, v);
        }
        b.keep_rows().build().unwrap()
    }
}
