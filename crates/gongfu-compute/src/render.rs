//! Serialisations of a [`Report`]: JSON (SPEC §5), CSV and an aligned text table.

use crate::{Report, ResultRow};

/// `{"results": [...], "meta": {...}}`, pretty-printed, newline-terminated.
pub fn render_json(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn params_text(r: &ResultRow) -> String {
    r.params
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn by_columns(report: &Report) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in &report.results {
        for k in r.by.keys() {
            if !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    cols
}

fn num(v: f64) -> String {
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn label(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One row per result: measure, params, one column per domain variable,
/// value, se, ci_lower, ci_upper, n, population (full precision).
pub fn render_csv(report: &Report) -> String {
    let by = by_columns(report);
    let mut header = vec!["measure".to_string(), "params".into()];
    header.extend(by.iter().cloned());
    header.extend(["value", "se", "ci_lower", "ci_upper", "n", "population"].map(String::from));
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &report.results {
        let mut f = vec![r.measure.clone(), params_text(r)];
        f.extend(
            by.iter()
                .map(|k| r.by.get(k).map(label).unwrap_or_default()),
        );
        f.push(num(r.value));
        f.push(opt(r.se));
        f.push(opt(r.ci.map(|c| c[0])));
        f.push(opt(r.ci.map(|c| c[1])));
        f.push(r.n.to_string());
        f.push(num(r.population));
        out.push_str(&f.iter().map(|s| csv_field(s)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// A value with 6 significant digits (fixed notation for ordinary magnitudes).
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    if (-4..15).contains(&mag) {
        let decimals = (5 - mag).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.5e}")
    }
}

/// An aligned text table for people (values to 6 significant digits).
pub fn render_table(report: &Report) -> String {
    let by = by_columns(report);
    let has_se = report.results.iter().any(|r| r.se.is_some());
    let mut header: Vec<String> = vec!["measure".into()];
    header.extend(by.iter().cloned());
    header.push("value".into());
    if has_se {
        header.extend(["se".into(), "95% ci".into()]);
    }
    header.extend(["n".into(), "population".into()]);
    let mut rows: Vec<Vec<String>> = vec![header];
    for r in &report.results {
        let p = params_text(r);
        let mut f = vec![if p.is_empty() {
            r.measure.clone()
        } else {
            format!("{}({})", r.measure, p.replace(';', ", "))
        }];
        f.extend(
            by.iter()
                .map(|k| r.by.get(k).map(label).unwrap_or_else(|| "all".into())),
        );
        f.push(short(r.value));
        if has_se {
            f.push(r.se.map(short).unwrap_or_default());
            f.push(
                r.ci.map(|c| format!("[{}, {}]", short(c[0]), short(c[1])))
                    .unwrap_or_default(),
            );
        }
        f.push(r.n.to_string());
        f.push(format!("{:.0}", r.population));
        rows.push(f);
    }
    let ncol = rows[0].len();
    let widths: Vec<usize> = (0..ncol)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = widths[c] - s.chars().count();
                if c == 0 || (c <= by.len()) {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            out.push('\n');
        }
    }
    out
}
