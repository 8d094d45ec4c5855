//! `gongfu synth`: the demo province as files.

use anyhow::{Result, anyhow, bail};
use clap::Args;
use gongfu_io::{OutColumn, OutKind, TableWriter};
use gongfu_synth::{Households, PersonBatch, PopulationConfig, SampleConfig};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("population_mode").args(["population", "persons"]).multiple(true))]
pub struct SynthArgs {
    /// Output file (.csv or .parquet).
    #[arg(long)]
    output: PathBuf,
    /// A survey sample with design columns (the default mode).
    #[arg(long, conflicts_with_all = ["population", "persons"])]
    sample: bool,
    /// Households in the sample.
    #[arg(long, default_value_t = 30_000)]
    households: usize,
    /// Survey years, e.g. 2020-2025 or 2022.
    #[arg(long, default_value = "2020-2025")]
    years: String,
    /// The full population register, one row per person (65.77 million by default).
    #[arg(long)]
    population: bool,
    /// Persons in the population register (implies --population).
    #[arg(long)]
    persons: Option<u64>,
    /// Write the register as this many Parquet part files
    /// (part-00000.parquet, …) in the --output directory, for engines that
    /// read a table from many files; every reader of gongfu takes the directory.
    #[arg(long, requires = "population_mode")]
    parts: Option<usize>,
    /// Year of the population register.
    #[arg(long, default_value_t = 2022)]
    year: u16,
    /// Random seed (the output is a deterministic function of it).
    #[arg(long, default_value_t = gongfu_synth::DEFAULT_SEED)]
    seed: u64,
}

pub fn parse_years(s: &str) -> Result<std::ops::RangeInclusive<u16>> {
    let bad = || anyhow!("--years must look like 2020-2025 or 2022, got {s:?}");
    match s.split_once('-') {
        Some((a, b)) => {
            Ok(a.trim().parse().map_err(|_| bad())?..=b.trim().parse().map_err(|_| bad())?)
        }
        None => {
            let y: u16 = s.trim().parse().map_err(|_| bad())?;
            Ok(y..=y)
        }
    }
}

fn i64s<T: Copy + Into<i64>>(v: &[T]) -> OutColumn {
    OutColumn::I64(v.iter().map(|&x| x.into()).collect())
}

fn strs(v: &[&str]) -> OutColumn {
    OutColumn::Str(v.iter().map(|s| s.to_string()).collect())
}

/// The sample as output columns (also used by tests through the CLI).
fn sample_columns(h: &Households) -> (Vec<(String, OutKind)>, Vec<OutColumn>) {
    use OutKind::*;
    let schema = [
        ("hh_id", I64),
        ("year", I64),
        ("city", Str),
        ("county", Str),
        ("urban", I64),
        ("mountain", I64),
        ("stratum", Str),
        ("psu", I64),
        ("hh_size", I64),
        ("n_adults", I64),
        ("n_children", I64),
        ("weight", F64),
        ("wage", F64),
        ("business", F64),
        ("property", F64),
        ("transfer", F64),
        ("disposable", F64),
        ("pc_income", F64),
        ("pweight", F64),
        ("low_income", I64),
        ("workshop", I64),
    ]
    .map(|(n, k)| (n.to_string(), k))
    .to_vec();
    let cols = vec![
        OutColumn::I64(h.hh_id.iter().map(|&v| v as i64).collect()),
        i64s(&h.year),
        strs(&h.city),
        strs(&h.county),
        i64s(&h.urban),
        i64s(&h.mountain),
        OutColumn::Str(h.stratum.clone()),
        i64s(&h.psu),
        i64s(&h.hh_size),
        i64s(&h.n_adults),
        i64s(&h.n_children),
        OutColumn::F64(h.weight.clone()),
        OutColumn::F64(h.wage.clone()),
        OutColumn::F64(h.business.clone()),
        OutColumn::F64(h.property.clone()),
        OutColumn::F64(h.transfer.clone()),
        OutColumn::F64(h.disposable.clone()),
        OutColumn::F64(h.pc_income.clone()),
        OutColumn::F64(h.pweight.clone()),
        i64s(&h.low_income),
        i64s(&h.workshop),
    ];
    (schema, cols)
}

fn population_error(e: gongfu_synth::PopulationError<gongfu_io::IoError>) -> anyhow::Error {
    match e {
        gongfu_synth::PopulationError::Config(c) => anyhow!("{c}"),
        gongfu_synth::PopulationError::Sink(io) => anyhow!("{io}"),
    }
}

/// The register as `parts` Parquet files of (nearly) equal row counts in a
/// new directory `dir`, written in a temporary sibling directory renamed at
/// the end (nothing is left behind on failure).
fn write_parts(cfg: &PopulationConfig, dir: &std::path::Path, parts: usize) -> Result<()> {
    if parts == 0 || parts as u64 > cfg.persons {
        bail!(
            "--parts must be between 1 and the number of persons ({}), got {parts}",
            cfg.persons
        );
    }
    if dir.exists() {
        bail!(
            "{}: already exists; --parts writes a new directory",
            dir.display()
        );
    }
    let name = dir
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a directory name", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| anyhow!("{}: cannot create: {e}", tmp.display()))?;
    let result = (|| -> Result<()> {
        // part k holds register rows [k·N/parts, (k+1)·N/parts)
        let end_of = |k: usize| ((k as u128 + 1) * cfg.persons as u128 / parts as u128) as u64;
        let schema = person_schema();
        let open = |k: usize| {
            TableWriter::create(&tmp.join(format!("part-{k:05}.parquet")), None, &schema)
        };
        let mut writer = open(0)?;
        let (mut part, mut row) = (0, 0u64);
        gongfu_synth::population(cfg, |batch| {
            let cols = person_columns(batch);
            let n = cols.first().map_or(0, OutColumn::len);
            let mut at = 0;
            while at < n {
                if row == end_of(part) {
                    let full = std::mem::replace(&mut writer, open(part + 1)?);
                    full.finish()?;
                    part += 1;
                }
                let take = ((end_of(part) - row) as usize).min(n - at);
                row += take as u64;
                if take == n {
                    // the whole batch fits in the part: no copy
                    return writer.write_batch(cols);
                }
                writer.write_batch(cols.iter().map(|c| c.slice(at, at + take)).collect())?;
                at += take;
            }
            Ok(())
        })
        .map_err(population_error)?;
        writer.finish()?;
        std::fs::rename(&tmp, dir).map_err(|e| anyhow!("{}: cannot create: {e}", dir.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn person_schema() -> Vec<(String, OutKind)> {
    use OutKind::*;
    [
        ("person_id", I64),
        ("hh_id", I64),
        ("city", Str),
        ("county", Str),
        ("urban", I64),
        ("mountain", I64),
        ("hh_size", I64),
        ("hh_income", F64),
        ("pc_income", F64),
        ("low_income", I64),
        ("workshop", I64),
    ]
    .map(|(n, k)| (n.to_string(), k))
    .to_vec()
}

fn person_columns(b: PersonBatch) -> Vec<OutColumn> {
    vec![
        OutColumn::I64(b.person_id.iter().map(|&v| v as i64).collect()),
        OutColumn::I64(b.hh_id.iter().map(|&v| v as i64).collect()),
        strs(&b.city),
        strs(&b.county),
        i64s(&b.urban),
        i64s(&b.mountain),
        i64s(&b.hh_size),
        OutColumn::F64(b.hh_income),
        OutColumn::F64(b.pc_income),
        i64s(&b.low_income),
        i64s(&b.workshop),
    ]
}

pub fn run(a: SynthArgs) -> Result<()> {
    if a.population || a.persons.is_some() {
        let cfg = PopulationConfig {
            seed: a.seed,
            persons: a.persons.unwrap_or(gongfu_synth::PROVINCE_PERSONS),
            year: a.year,
            ..PopulationConfig::default()
        };
        if let Some(parts) = a.parts {
            write_parts(&cfg, &a.output, parts)?;
        } else {
            let mut w = TableWriter::create(&a.output, None, &person_schema())?;
            gongfu_synth::population(&cfg, |batch| w.write_batch(person_columns(batch)))
                .map_err(population_error)?;
            w.finish()?;
        }
        eprintln!(
            "wrote {} persons ({} register) to {}",
            cfg.persons,
            cfg.year,
            a.output.display()
        );
        return Ok(());
    }
    let _ = a.sample;
    let years = parse_years(&a.years)?;
    if years.is_empty() {
        bail!("--years {:?} is an empty range", a.years);
    }
    let cfg = SampleConfig {
        seed: a.seed,
        households: a.households,
        years,
    };
    let h = gongfu_synth::sample(&cfg)?;
    let (schema, cols) = sample_columns(&h);
    let mut w = TableWriter::create(&a.output, None, &schema)?;
    w.write_batch(cols)?;
    w.finish()?;
    eprintln!(
        "wrote {} household-years to {}",
        h.len(),
        a.output.display()
    );
    Ok(())
}
