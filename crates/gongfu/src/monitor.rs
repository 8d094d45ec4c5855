//! `gongfu monitor`: every indicator for every region and year, progress
//! against targets, school balance, the county index and convergence, as one
//! release.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use gongfu_monitor::{Release, Value};

use crate::demo::group_thousands;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorFormat {
    /// A summary for reading.
    Table,
    /// The whole release as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The monitoring configuration (monitor.toml). Without it: the embedded
    /// demo province.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write the release into this new directory: release.json and Parquet
    /// tables (values, progress, schools, index). Never overwrites.
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value = "table")]
    format: MonitorFormat,
    /// Write the demo province's files (configuration, catalogue, targets,
    /// registry, households, schools, administrative series) into DIR, to
    /// read and edit, then stop.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "output"])]
    write_demo: Option<PathBuf>,
    /// Households in the demo survey (without --config).
    #[arg(long, default_value_t = 30_000)]
    households: usize,
    /// Random seed of the demo province (without --config).
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED)]
    seed: u64,
}

pub fn run(a: MonitorArgs) -> Result<()> {
    if let Some(dir) = &a.write_demo {
        let path = gongfu_monitor::write_demo(dir, a.households, a.seed)?;
        println!("{}", path.display());
        return Ok(());
    }
    let demo_dir;
    let config_path = match &a.config {
        Some(p) => p.clone(),
        None => {
            demo_dir = tempfile::tempdir().context("a temporary directory for the demo")?;
            gongfu_monitor::write_demo(demo_dir.path(), a.households, a.seed)?
        }
    };
    if let Some(out) = &a.output
        && out.exists()
    {
        anyhow::bail!(
            "{}: already exists; a release is never overwritten (choose a new directory)",
            out.display()
        );
    }
    let config = gongfu_monitor::config::load(&config_path)?;
    let release = gongfu_monitor::run(&config)?;
    if let Some(out) = &a.output {
        release.write(out)?;
    }
    match a.format {
        MonitorFormat::Json => println!("{}", release.to_json()),
        MonitorFormat::Table => print!("{}", summary(&release, a.config.is_none())),
    }
    Ok(())
}

fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "yuan" => group_thousands(v),
        "share" => format!("{:.1}%", 100.0 * v),
        "workshops" => group_thousands(v),
        _ => {
            if v.abs() >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.3}")
            }
        }
    }
}

fn fmt_se(se: f64, unit: &str) -> String {
    match unit {
        "yuan" => group_thousands(se),
        "share" => format!("{:.1}", 100.0 * se),
        _ => {
            if se >= 100.0 {
                format!("{se:.1}")
            } else {
                format!("{se:.3}")
            }
        }
    }
}

fn find<'a>(r: &'a Release, ind: &str, region: &str, year: u16) -> Option<&'a Value> {
    r.values
        .iter()
        .find(|v| v.indicator == ind && v.region == region && v.year == year)
}

/// The summary printed by default.
pub fn summary(r: &Release, demo: bool) -> String {
    let m = &r.meta;
    let prov = &m.province;
    let (y0, y1) = (m.years[0], m.years[1]);
    let mut o = String::new();
    let name = r
        .regions
        .region(prov)
        .map(|p| format!("{} {}", p.name_zh, p.name_en))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "gongfu monitor{} — {name} ({prov}), {y0}–{y1}; release {}",
        if demo { " (demo province)" } else { "" },
        m.release_id
    );
    let _ = writeln!(
        o,
        "{} figures, {} targets, {} school assessments; ± is one standard error\n",
        r.values.len(),
        r.progress.len(),
        r.schools.len()
    );
    let _ = writeln!(o, "Province, {y0} and {y1}");
    for i in &r.indicators {
        let a = find(r, &i.id, prov, y0);
        let b = find(r, &i.id, prov, y1);
        if a.is_none() && b.is_none() {
            continue;
        }
        let show = |v: Option<&Value>| match v {
            None => "—".to_string(),
            Some(v) => match v.se {
                Some(se) => format!("{} ± {}", fmt_value(v.value, &i.unit), fmt_se(se, &i.unit)),
                None => fmt_value(v.value, &i.unit),
            },
        };
        let name: String = i.name_en.chars().take(56).collect();
        let _ = writeln!(o, "  {name:<56} {:>20} {:>20}", show(a), show(b));
    }
    if !r.progress.is_empty() {
        let _ = writeln!(o, "\nTargets");
        for p in &r.progress {
            let unit = r
                .indicators
                .iter()
                .find(|i| i.id == p.indicator)
                .map_or("", |i| i.unit.as_str());
            let cmp = match p.direction {
                gongfu_index::Direction::Higher => "≥",
                gongfu_index::Direction::Lower => "≤",
            };
            let line = match &p.assessment {
                Some(a) => {
                    let class = serde_json::to_value(a.class)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                        .replace('_', " ");
                    format!(
                        "{} in {}: {:<20} ratio {}",
                        fmt_value(a.latest_value, unit),
                        a.latest_year,
                        class,
                        a.ratio.map_or("—".into(), |r| format!("{r:.2}"))
                    )
                }
                None => p.note.clone().unwrap_or_default(),
            };
            let _ = writeln!(
                o,
                "  {:<24} {:<10} {cmp} {:>8} by {}: {line}",
                p.indicator,
                p.scope,
                fmt_value(p.target, unit),
                p.target_year
            );
        }
    }
    if !r.schools.is_empty() {
        let last = r.schools.iter().map(|s| s.year).max().unwrap_or(y1);
        let _ = writeln!(o, "\nSchool balance {last}: counties meeting the standard");
        for level in ["primary", "junior"] {
            for regime in [
                gongfu_index::schools::Regime::Basic,
                gongfu_index::schools::Regime::HighQuality,
            ] {
                let rows: Vec<_> = r
                    .schools
                    .iter()
                    .filter(|s| s.year == last && s.level == level && s.regime == regime)
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let pass = rows.iter().filter(|s| s.pass).count();
                let _ = writeln!(
                    o,
                    "  {level:<8} {:<13} {pass:>3} of {:<3} (threshold {:.2})",
                    match regime {
                        gongfu_index::schools::Regime::Basic => "basic",
                        gongfu_index::schools::Regime::HighQuality => "high-quality",
                    },
                    rows.len(),
                    rows[0].threshold
                );
            }
        }
    }
    if let Some(ix) = &r.index {
        let _ = writeln!(
            o,
            "\nCounty index {} ({} indicators): rank, median and 5–95% band over {} draws",
            ix.year,
            ix.indicators.len(),
            ix.uncertainty.as_ref().map_or(0, |u| u.draws)
        );
        let mut order: Vec<usize> = (0..ix.units.len()).collect();
        order.sort_by_key(|&i| ix.result.ranks[i]);
        let n = order.len();
        let show: Vec<usize> = if n > 10 {
            order[..5].iter().chain(&order[n - 5..]).copied().collect()
        } else {
            order
        };
        for (k, &i) in show.iter().enumerate() {
            if n > 10 && k == 5 {
                let _ = writeln!(o, "  …");
            }
            let code = &ix.units[i];
            let nm = r.regions.region(code).map_or("", |c| c.name_zh.as_str());
            let band = ix
                .bands
                .as_ref()
                .and_then(|b| b.get(i))
                .map_or(String::new(), |b| {
                    format!("median {:>4.0}  [{:.0}, {:.0}]", b.median, b.p05, b.p95)
                });
            let _ = writeln!(
                o,
                "  {:>3}  {code} {:<8} {:>7.2}  {band}",
                ix.result.ranks[i], nm, ix.result.scores[i]
            );
        }
    }
    if let Some(c) = &r.convergence {
        let _ = writeln!(o, "\nConvergence of county {}", c.indicator);
        if let (Some(a), Some(b)) = (c.sigma.first(), c.sigma.last()) {
            let _ = writeln!(
                o,
                "  σ (SD of log) {} {:.4} → {} {:.4}; Williamson CV {} → {}",
                a.year,
                a.sigma.sd_log,
                b.year,
                b.sigma.sd_log,
                a.sigma.williamson.map_or("—".into(), |w| format!("{w:.4}")),
                b.sigma.williamson.map_or("—".into(), |w| format!("{w:.4}"))
            );
        }
        if let Some(b) = &c.beta {
            let _ = writeln!(
                o,
                "  β {}–{}: {:.4} (SE {:.4}, p = {:.3}){}",
                b.from,
                b.to,
                b.beta.beta,
                b.beta.se_beta,
                b.beta.p_value,
                match (b.beta.speed, b.beta.half_life) {
                    (Some(s), Some(h)) =>
                        format!(", speed {:.2}%/yr, half-life {h:.1} yr", 100.0 * s),
                    _ => String::new(),
                }
            );
        }
        for t in c.theil.iter().filter(|t| t.year == y1) {
            let _ = writeln!(
                o,
                "  Theil {y1} by {}: {:.5} = between {:.5} + within {:.5}",
                t.partition, t.theil.total, t.theil.between, t.theil.within
            );
        }
        for g in c.group_gaps.iter().filter(|g| g.year == y0 || g.year == y1) {
            let _ = writeln!(
                o,
                "  {} / province {}: {:.3}{}",
                g.group,
                g.year,
                g.ratio,
                g.ratio_se.map_or(String::new(), |s| format!(" ± {s:.3}"))
            );
        }
    }
    for n in &r.notes {
        let _ = writeln!(o, "note: {n}");
    }
    let t = &r.timings;
    let _ = writeln!(
        o,
        "\ncomputed in {:.2} s (read {:.2}, microdata {:.2}, rest {:.2})",
        t.read + t.microdata + t.rest,
        t.read,
        t.microdata,
        t.rest
    );
    o
}
