//! Cross-classified domains in a row-order-independent order.

use crate::KeyColumn;

/// Name of the internal combined domain column.
pub(crate) const DOMAIN: &str = "\u{1}domain";

/// Sorts labels naturally: numerically when every label is a number, else by text.
pub fn natural_order(levels: &[String]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..levels.len()).collect();
    let nums: Option<Vec<f64>> = levels
        .iter()
        .map(|l| l.trim().parse::<f64>().ok())
        .collect();
    match nums {
        Some(v) => idx.sort_by(|&a, &b| {
            v[a].total_cmp(&v[b])
                .then_with(|| levels[a].cmp(&levels[b]))
        }),
        None => idx.sort_by(|&a, &b| levels[a].cmp(&levels[b])),
    }
    idx
}

/// The cross-classification of the `--by` columns.
pub(crate) struct Domains {
    /// Combined code per row (`None` without `--by`).
    pub codes: Option<Vec<u32>>,
    /// Labels of each combined code, one per `--by` column.
    pub labels: Vec<Vec<String>>,
}

impl Domains {
    pub fn new(keys: &[&KeyColumn]) -> Domains {
        if keys.is_empty() {
            return Domains {
                codes: None,
                labels: vec![],
            };
        }
        // rank of each level in natural order, per column
        let ranks: Vec<Vec<u32>> = keys
            .iter()
            .map(|k| {
                let order = natural_order(&k.levels);
                let mut r = vec![0u32; k.levels.len()];
                for (pos, &lvl) in order.iter().enumerate() {
                    r[lvl] = pos as u32;
                }
                r
            })
            .collect();
        let n = keys[0].codes.len();
        if let [k] = keys {
            // one variable: its levels in natural order are the domains (those present)
            let order = natural_order(&k.levels);
            let mut seen = vec![false; k.levels.len()];
            for &c in &k.codes {
                seen[c as usize] = true;
            }
            let mut slot = vec![u32::MAX; k.levels.len()];
            let mut labels = Vec::new();
            for &lvl in &order {
                if seen[lvl] {
                    slot[lvl] = labels.len() as u32;
                    labels.push(vec![k.levels[lvl].clone()]);
                }
            }
            let codes = k.codes.iter().map(|&c| slot[c as usize]).collect();
            return Domains {
                codes: Some(codes),
                labels,
            };
        }
        // mixed-radix combined rank, then compacted to the combinations present
        let radix: Vec<u64> = keys.iter().map(|k| k.levels.len().max(1) as u64).collect();
        let combined: Vec<u64> = (0..n)
            .map(|i| {
                keys.iter()
                    .zip(&ranks)
                    .zip(&radix)
                    .fold(0u64, |acc, ((k, r), &rad)| {
                        acc * rad + r[k.codes[i] as usize] as u64
                    })
            })
            .collect();
        let space: u64 = radix.iter().product();
        let (present, codes): (Vec<u64>, Vec<u32>) = if space <= 1 << 24 {
            // small cross-classification: mark the combinations present in one pass
            let mut slot = vec![u32::MAX; space as usize];
            for &c in &combined {
                slot[c as usize] = 0;
            }
            let mut present = Vec::new();
            for (c, s) in slot.iter_mut().enumerate() {
                if *s == 0 {
                    *s = present.len() as u32;
                    present.push(c as u64);
                }
            }
            let codes = combined.iter().map(|&c| slot[c as usize]).collect();
            (present, codes)
        } else {
            let mut present: Vec<u64> = combined.clone();
            present.sort_unstable();
            present.dedup();
            let codes = combined
                .iter()
                .map(|c| present.binary_search(c).unwrap_or(0) as u32)
                .collect();
            (present, codes)
        };
        let orders: Vec<Vec<usize>> = keys.iter().map(|k| natural_order(&k.levels)).collect();
        let labels = present
            .iter()
            .map(|&c| {
                let mut rest = c;
                let mut out = vec![String::new(); keys.len()];
                for j in (0..keys.len()).rev() {
                    let r = (rest % radix[j]) as usize;
                    rest /= radix[j];
                    out[j] = keys[j].levels[orders[j][r]].clone();
                }
                out
            })
            .collect();
        Domains {
            codes: Some(codes),
            labels,
        }
    }
}
