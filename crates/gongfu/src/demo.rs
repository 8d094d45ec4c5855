//! `gongfu demo`: the headline figures of the embedded demo province.

use crate::compute::{OutFormat, emit};
use anyhow::{Result, anyhow};
use clap::Args;
use gongfu_compute::{Columns, KeyColumn, Report, ResultRow, Spec, VarianceSpec, Welfare};
use gongfu_synth::SampleConfig;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format: table (default) or json (SPEC §5 results).
    #[arg(long, value_enum, default_value = "table")]
    format: OutFormat,
    /// Households in the demo survey.
    #[arg(long, default_value_t = 30_000)]
    households: usize,
    /// Random seed of the demo survey.
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED)]
    seed: u64,
}

/// The base year the change is measured from.
const BASE_YEAR: u16 = 2021;

/// (measure list, domain variables, what the figure is, how to show it)
const FIGURES: &[(&str, &[&str], &str, Show)] = &[
    (
        "mean",
        &[],
        "per-capita disposable income, yuan",
        Show::Yuan,
    ),
    ("mean", &["urban"], "", Show::Yuan),
    (
        "ratio(of=mean,by=urban,num=1,den=0)",
        &[],
        "urban/rural income ratio (target < 1.9)",
        Show::Ratio,
    ),
    ("gini", &[], "Gini of per-capita income", Show::Ratio),
    (
        "middle_share(lo=100000,hi=500000,unit=household)",
        &[],
        "households with 100k–500k yuan",
        Show::Percent,
    ),
    (
        "arpr",
        &[],
        "at-risk-of-poverty rate (60% of median)",
        Show::Percent,
    ),
    (
        "ratio(of=mean,by=mountain,num=1,den=all)",
        &[],
        "mountainous counties / province income",
        Show::Ratio,
    ),
];

#[derive(Debug, Clone, Copy)]
enum Show {
    Yuan,
    Ratio,
    Percent,
}

fn as_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn year_columns(h: &gongfu_synth::Households, year: u16) -> Columns {
    let idx: Vec<usize> = (0..h.len()).filter(|&i| h.year[i] == year).collect();
    let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let labels = |v: &[u8]| {
        idx.iter()
            .map(|&i| v[i].to_string())
            .collect::<Vec<String>>()
    };
    let urban = labels(&h.urban);
    let mountain = labels(&h.mountain);
    Columns {
        income: pick(&h.disposable),
        weight: Some(pick(&h.weight)),
        size: Some(idx.iter().map(|&i| h.hh_size[i] as f64).collect()),
        keys: vec![
            KeyColumn::from_labels("urban", &as_refs(&urban)),
            KeyColumn::from_labels("mountain", &as_refs(&mountain)),
        ],
        strata: Some(KeyColumn::from_labels(
            "stratum",
            &idx.iter()
                .map(|&i| h.stratum[i].as_str())
                .collect::<Vec<_>>(),
        )),
        psu: Some(KeyColumn::from_labels(
            "psu",
            &as_refs(
                &idx.iter()
                    .map(|&i| h.psu[i].to_string())
                    .collect::<Vec<_>>(),
            ),
        )),
        ..Columns::default()
    }
}

/// Computes the demo figures for one year; rows carry `year` in `by`.
fn figures(h: &gongfu_synth::Households, year: u16) -> Result<Vec<ResultRow>> {
    let cols = year_columns(h, year);
    let mut rows = Vec::new();
    for (list, by, _, _) in FIGURES {
        let mut spec = Spec::parse(list, by).map_err(|e| anyhow!("{e}"))?;
        spec.welfare = Welfare::PerCapita;
        spec.variance = Some(VarianceSpec::default());
        let report = gongfu_compute::compute(cols.clone(), &spec)
            .map_err(|e| anyhow!("demo {year}: {e}"))?;
        for mut r in report.results {
            if !by.is_empty() && r.by.is_empty() {
                continue; // the overall mean is its own figure
            }
            let mut b = serde_json::Map::new();
            b.insert("year".into(), year.to_string().into());
            b.extend(r.by);
            r.by = b;
            rows.push(r);
        }
    }
    Ok(rows)
}

fn show_se(r: &ResultRow, how: Show) -> String {
    match r.se {
        Some(se) => format!("{} ± {}", show(r.value, how), show_se_only(se, how)),
        None => show(r.value, how),
    }
}

fn show_se_only(se: f64, how: Show) -> String {
    match how {
        Show::Yuan => group_thousands(se),
        Show::Ratio => format!("{se:.3}"),
        Show::Percent => format!("{:.1}", 100.0 * se),
    }
}

fn show(v: f64, how: Show) -> String {
    match how {
        Show::Yuan => group_thousands(v),
        Show::Ratio => format!("{v:.3}"),
        Show::Percent => format!("{:.1}%", 100.0 * v),
    }
}

fn change(a: f64, b: f64, how: Show) -> String {
    match how {
        Show::Yuan => format!(
            "{}{} ({:+.1}%)",
            if b >= a { "+" } else { "−" },
            group_thousands((b - a).abs()),
            100.0 * (b / a - 1.0)
        ),
        Show::Ratio => format!("{:+.3}", b - a),
        Show::Percent => format!("{:+.1} pts", 100.0 * (b - a)),
    }
}

/// `v` rounded to whole units with thousands separators (`-1,234,567`).
pub(crate) fn group_thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

fn table(base: &[ResultRow], last: &[ResultRow], last_year: u16, households: usize) -> String {
    let mut lines = vec![format!(
        "gongfu demo province (synthetic, modelled on Zhejiang; survey of {households} households a year)\n\
         headline figures {last_year} and change since {BASE_YEAR}; per-capita welfare, person-weighted;\n\
         ± one design-based standard error and 95% confidence intervals (stratified two-stage design,\n\
         linearisation, t on the design's degrees of freedom)\n"
    )];
    let mut rows: Vec<[String; 5]> = vec![[
        "figure".into(),
        BASE_YEAR.to_string(),
        last_year.to_string(),
        format!("95% CI {last_year}"),
        "change".into(),
    ]];
    let mut k = 0;
    for (list, by, title, how) in FIGURES {
        let n = if by.is_empty() { 1 } else { 2 };
        let _ = list;
        for j in 0..n {
            let (a, b) = (&base[k + j], &last[k + j]);
            let name = if by.is_empty() {
                title.to_string()
            } else if a.by.get("urban").and_then(|v| v.as_str()) == Some("1") {
                "  urban".into()
            } else {
                "  rural".into()
            };
            let ci =
                b.ci.map(|[lo, hi]| format!("[{}, {}]", show(lo, *how), show(hi, *how)))
                    .unwrap_or_default();
            rows.push([
                name,
                show_se(a, *how),
                show_se(b, *how),
                ci,
                change(a.value, b.value, *how),
            ]);
        }
        k += n;
    }
    // order urban before rural
    if rows.len() > 3 && rows[2][0] == "  rural" {
        rows.swap(2, 3);
    }
    let w: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = (0..5)
            .map(|c| {
                let pad = " ".repeat(w[c] - r[c].chars().count());
                if c == 0 {
                    format!("{}{pad}", r[c])
                } else {
                    format!("{pad}{}", r[c])
                }
            })
            .collect();
        lines.push(cells.join("   "));
        if i == 0 {
            lines.push(
                w.iter()
                    .map(|n| "-".repeat(*n))
                    .collect::<Vec<_>>()
                    .join("   "),
            );
        }
    }
    lines.push(String::new());
    lines.join("\n")
}

pub fn run(a: DemoArgs) -> Result<()> {
    let cfg = SampleConfig {
        seed: a.seed,
        households: a.households,
        years: SampleConfig::default().years,
    };
    let last_year = *cfg.years.end();
    let h = gongfu_synth::sample(&cfg)?;
    let base = figures(&h, BASE_YEAR)?;
    let last = figures(&h, last_year)?;
    let text = match a.format {
        OutFormat::Json => {
            let mut meta = serde_json::Map::new();
            meta.insert("source".into(), "gongfu demo province (synthetic)".into());
            meta.insert("households".into(), a.households.into());
            meta.insert("seed".into(), a.seed.into());
            meta.insert("welfare".into(), "per_capita".into());
            meta.insert("quantile_rule".into(), "eurostat".into());
            meta.insert("years".into(), vec![BASE_YEAR, last_year].into());
            let mut results = base;
            results.extend(last);
            gongfu_compute::render_json(&Report { results, meta })
        }
        _ => table(&base, &last, last_year, a.households),
    };
    emit(&text, None)
}
