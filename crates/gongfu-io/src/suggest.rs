//! "Did you mean" suggestions for misspelt column names.

/// The Levenshtein distance between two strings, counted in characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to `max` names close to `wanted` (case-insensitive edit distance, or one
/// containing the other), closest first, ties in file order.
pub(crate) fn closest(wanted: &str, names: &[String], max: usize) -> Vec<String> {
    let w = wanted.to_lowercase();
    let wlen = w.chars().count();
    let limit = (wlen / 3).max(2);
    let mut scored: Vec<(usize, usize, &String)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let n = name.to_lowercase();
            let d = levenshtein(&w, &n);
            let contains = !w.is_empty() && !n.is_empty() && (n.contains(&w) || w.contains(&n));
            (d <= limit || contains).then_some((d, i, name))
        })
        .collect();
    scored.sort_by_key(|&(d, i, _)| (d, i));
    let mut out: Vec<String> = Vec::new();
    for (_, _, name) in scored {
        if !out.contains(name) {
            out.push(name.clone());
        }
        if out.len() == max {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "ab"), 2);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("incme", "income"), 1);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("收入", "收入x"), 1);
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn closest_names() {
        let cols = names(&[
            "hh_id",
            "income",
            "weight",
            "Income2",
            "pc_income",
            "county",
        ]);
        assert_eq!(closest("incme", &cols, 3), ["income", "Income2"]);
        assert_eq!(
            closest("INCOME", &cols, 3),
            ["income", "Income2", "pc_income"]
        );
        assert_eq!(closest("wieght", &cols, 3), ["weight"]);
        assert!(closest("zzzzzzzz", &cols, 3).is_empty());
        assert_eq!(closest("income", &cols, 1), ["income"]);
    }
}
