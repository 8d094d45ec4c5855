//! A release: every figure of one monitoring run with its provenance, written
//! as one directory (`release.json` with everything, and Parquet tables of
//! the values, progress, school balance and index) that is never overwritten.

use std::io::Read;
use std::path::{Path, PathBuf};

use gongfu_index::Direction;
use gongfu_index::composite::{IndexResult, Pipeline, RankBand, Uncertainty};
use gongfu_index::convergence::{Beta, Sigma, Theil};
use gongfu_index::schools::Regime;
use gongfu_index::targets::{Assessment, Growth};
use gongfu_io::{OutColumn, OutKind, TableWriter};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::MonitorError;
use crate::config::{Config, Scope, Source};
use crate::regions::Registry;
use crate::run::Timings;

/// One figure: an indicator for a region (or group) and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    /// Indicator id.
    pub indicator: String,
    /// Region code, or group id for `scope = group`.
    pub region: String,
    /// The level.
    pub scope: Scope,
    /// Year.
    pub year: u16,
    /// The estimate.
    pub value: f64,
    /// Its standard error, when it has one.
    pub se: Option<f64>,
    /// Confidence interval at the configured level.
    pub ci: Option<[f64; 2]>,
    /// Observations (households, schools) behind it.
    pub n: Option<usize>,
    /// Weighted population (persons for per-capita incomes; students for schools).
    pub population: Option<f64>,
}

/// An indicator as described in the release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorInfo {
    /// Id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit.
    pub unit: String,
    /// Which way is better.
    pub direction: Direction,
    /// Levels computed.
    pub levels: Vec<Scope>,
    /// `microdata`, `admin`, `schools` or `derived`.
    pub source: String,
    /// The measure, file or formula.
    pub definition: String,
}

/// Progress of one indicator towards one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRow {
    /// Indicator id.
    pub indicator: String,
    /// Region code or group id.
    pub scope: String,
    /// Target value.
    pub target: f64,
    /// Target year.
    pub target_year: i32,
    /// Base year.
    pub base_year: i32,
    /// Which way is better.
    pub direction: Direction,
    /// Path shape.
    pub growth: Growth,
    /// The observed series up to the target year.
    pub observed: Vec<(i32, f64)>,
    /// The assessment, when the series allows one.
    pub assessment: Option<Assessment>,
    /// Why there is no assessment.
    pub note: Option<String>,
}

/// The school balance of one county, level, regime and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolRow {
    /// Year.
    pub year: u16,
    /// County code.
    pub county: String,
    /// `primary` or `junior`.
    pub level: String,
    /// Indicator set and thresholds.
    pub regime: Regime,
    /// Schools.
    pub schools: usize,
    /// Students.
    pub students: f64,
    /// The resource columns, in order.
    pub indicators: Vec<String>,
    /// CV of each.
    pub per_indicator: Vec<f64>,
    /// Their mean.
    pub composite: f64,
    /// The threshold.
    pub threshold: f64,
    /// Whether the county meets the regime's standard.
    pub pass: bool,
    /// The indicators above the threshold.
    pub failing: Vec<String>,
}

/// The composite index of the counties.
#[derive(Debug, Clone, Serialize)]
pub struct IndexSection {
    /// Year of the data.
    pub year: u16,
    /// Indicators used.
    pub indicators: Vec<String>,
    /// The pipeline.
    pub method: Pipeline,
    /// The uncertainty analysis settings.
    pub uncertainty: Option<Uncertainty>,
    /// County codes, in the order of the result.
    pub units: Vec<String>,
    /// Scores, ranks and the treated data.
    pub result: IndexResult,
    /// Rank uncertainty per county.
    pub bands: Option<Vec<RankBand>>,
}

/// σ-convergence in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SigmaRow {
    /// Year.
    pub year: u16,
    /// Counties with a value.
    pub counties: usize,
    /// The dispersion measures.
    pub sigma: Sigma,
}

/// β-convergence over a span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BetaRow {
    /// First year.
    pub from: u16,
    /// Last year.
    pub to: u16,
    /// The regression.
    pub beta: Beta,
}

/// Theil between/within a partition of the counties in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheilRow {
    /// Year.
    pub year: u16,
    /// `city` or a group id.
    pub partition: String,
    /// Label of each group id of `theil.groups`.
    pub labels: Vec<String>,
    /// The decomposition.
    pub theil: Theil,
}

/// A county group's level relative to the province.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupGap {
    /// Group id.
    pub group: String,
    /// Year.
    pub year: u16,
    /// The group's value.
    pub group_value: f64,
    /// The province's value.
    pub province_value: f64,
    /// group / province.
    pub ratio: f64,
    /// Linearised SE of the ratio (microdata means).
    pub ratio_se: Option<f64>,
}

/// Convergence of the counties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvergenceSection {
    /// The indicator.
    pub indicator: String,
    /// σ by year.
    pub sigma: Vec<SigmaRow>,
    /// β over the whole span.
    pub beta: Option<BetaRow>,
    /// Theil between/within by year and partition.
    pub theil: Vec<TheilRow>,
    /// Each group relative to the province, by year.
    pub group_gaps: Vec<GroupGap>,
}

/// One point of a curve or one group of a distribution, with its SE.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The population fraction (Lorenz) or the fifth, 1–5 (quintile means).
    pub at: f64,
    /// The value: the Lorenz ordinate L(p), or the group's mean income.
    pub value: f64,
    /// Its linearised standard error.
    pub se: Option<f64>,
}

/// The income distribution of one region (or group) in one year: per-capita
/// disposable income, person-weighted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributionRow {
    /// Region code or group id.
    pub region: String,
    /// The level.
    pub scope: Scope,
    /// Year.
    pub year: u16,
    /// Lorenz ordinates at p = 0.1, …, 0.9 (L(0) = 0 and L(1) = 1 implied).
    pub lorenz: Vec<Point>,
    /// Mean income of each fifth of the population, poorest first.
    pub quintile_means: Vec<Point>,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFile {
    /// What it is (`config`, `catalogue`, `regions`, `microdata`, …).
    pub role: String,
    /// Its path as configured.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of its content, hex.
    pub sha256: String,
}

/// Provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    /// `gongfu`.
    pub program: String,
    /// Program version.
    pub version: String,
    /// Identifier of the release: SHA-256 (first 16 hex digits) of the
    /// program version, the configuration and the input hashes — the same
    /// inputs give the same id.
    pub release_id: String,
    /// When the release was computed (UTC, RFC 3339).
    pub created: String,
    /// Years monitored.
    pub years: [u16; 2],
    /// Province code.
    pub province: String,
    /// Confidence level of the intervals.
    pub level: f64,
    /// The configuration files' text, exactly as read.
    pub config: serde_json::Value,
    /// Every input file with its hash.
    pub inputs: Vec<InputFile>,
}

fn hash_file(role: &str, path: &Path) -> Result<InputFile, MonitorError> {
    let f = |e: std::io::Error| MonitorError::File {
        file: path.display().to_string(),
        message: format!("cannot read: {e}"),
    };
    let mut file = std::fs::File::open(path).map_err(f)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(f)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(InputFile {
        role: role.to_string(),
        path: path.display().to_string(),
        bytes,
        sha256: hex(&h.finalize()),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's civil algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The current UTC time in RFC 3339 (`2026-11-29T05:40:12Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

impl Meta {
    /// Provenance of a run of `config`: hashes every input file.
    ///
    /// # Errors
    /// An input file that cannot be read.
    pub fn new(config: &Config, level: f64) -> Result<Meta, MonitorError> {
        let mut inputs = vec![
            hash_file("config", &config.file)?,
            hash_file("catalogue", &config.catalogue_file)?,
            hash_file("regions", &config.regions_file)?,
        ];
        if let Some(g) = &config.groups_file {
            inputs.push(hash_file("groups", g)?);
        }
        if let Some(p) = &config.pairings_file {
            inputs.push(hash_file("pairings", p)?);
        }
        if let Some(m) = &config.microdata {
            inputs.push(hash_file("microdata", &m.file)?);
        }
        if let Some(t) = &config.targets_file {
            inputs.push(hash_file("targets", t)?);
        }
        if let Some(s) = &config.schools {
            inputs.push(hash_file("schools", &s.file)?);
        }
        let mut seen: Vec<PathBuf> = Vec::new();
        for i in &config.indicators {
            if let Source::Admin { file, .. } = &i.source
                && !seen.contains(file)
            {
                seen.push(file.clone());
                inputs.push(hash_file(&format!("admin:{}", i.id), file)?);
            }
        }
        let version = env!("CARGO_PKG_VERSION").to_string();
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update(config.text.as_bytes());
        h.update(config.catalogue_text.as_bytes());
        for i in &inputs {
            h.update(i.role.as_bytes());
            h.update(i.sha256.as_bytes());
        }
        let id = hex(&h.finalize())[..16].to_string();
        let mut cfg = serde_json::Map::new();
        cfg.insert(
            config.file.display().to_string(),
            config.text.clone().into(),
        );
        cfg.insert(
            config.catalogue_file.display().to_string(),
            config.catalogue_text.clone().into(),
        );
        Ok(Meta {
            program: "gongfu".into(),
            version,
            release_id: id,
            created: now_rfc3339(),
            years: [config.first_year, config.last_year],
            province: config.province.clone(),
            level,
            config: cfg.into(),
            inputs,
        })
    }
}

/// Everything one monitoring run produces.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    /// Provenance.
    pub meta: Meta,
    /// The registry used.
    pub regions: Registry,
    /// The catalogue.
    pub indicators: Vec<IndicatorInfo>,
    /// Every figure.
    pub values: Vec<Value>,
    /// Progress towards every target.
    pub progress: Vec<ProgressRow>,
    /// School balance per county, level, regime and year.
    pub schools: Vec<SchoolRow>,
    /// The composite index.
    pub index: Option<IndexSection>,
    /// Convergence.
    pub convergence: Option<ConvergenceSection>,
    /// Income distributions (Lorenz curves, quintile means) by region and year.
    pub distributions: Vec<DistributionRow>,
    /// Remarks (years without data, …).
    pub notes: Vec<String>,
    /// Stage timings, seconds.
    pub timings: Timings,
}

fn out_err(path: &Path, e: impl std::fmt::Display) -> MonitorError {
    MonitorError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn s(v: impl IntoIterator<Item = String>) -> OutColumn {
    OutColumn::Str(v.into_iter().collect())
}

fn table(path: &Path, cols: Vec<(&str, OutColumn)>) -> Result<(), MonitorError> {
    let schema: Vec<(String, OutKind)> = cols
        .iter()
        .map(|(n, c)| (n.to_string(), c.kind()))
        .collect();
    let mut w = TableWriter::create(path, None, &schema)?;
    w.write_batch(cols.into_iter().map(|(_, c)| c).collect())?;
    w.finish()?;
    Ok(())
}

impl Release {
    /// The release as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Writes the release into a new directory `dir`: `release.json`,
    /// `values.parquet`, `progress.parquet`, `schools.parquet` and
    /// `index.parquet`. The files are written into a temporary directory next
    /// to `dir`, which is renamed onto `dir` at the end: a failure leaves
    /// nothing behind, and an existing `dir` is an error (a release is never
    /// overwritten).
    ///
    /// # Errors
    /// [`MonitorError::Output`].
    pub fn write(&self, dir: &Path) -> Result<(), MonitorError> {
        if dir.exists() {
            return Err(out_err(
                dir,
                "already exists; a release is never overwritten (choose a new directory)",
            ));
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "release".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(&parent)
            .map_err(|e| out_err(&parent, e))?;
        let t = tmp.path();
        std::fs::write(t.join("release.json"), self.to_json()).map_err(|e| out_err(dir, e))?;
        let v = &self.values;
        table(
            &t.join("values.parquet"),
            vec![
                ("indicator", s(v.iter().map(|x| x.indicator.clone()))),
                ("region", s(v.iter().map(|x| x.region.clone()))),
                ("scope", s(v.iter().map(|x| x.scope.as_str().to_string()))),
                (
                    "year",
                    OutColumn::I64(v.iter().map(|x| i64::from(x.year)).collect()),
                ),
                ("value", OutColumn::F64(v.iter().map(|x| x.value).collect())),
                ("se", OutColumn::OptF64(v.iter().map(|x| x.se).collect())),
                (
                    "ci_lo",
                    OutColumn::OptF64(v.iter().map(|x| x.ci.map(|c| c[0])).collect()),
                ),
                (
                    "ci_hi",
                    OutColumn::OptF64(v.iter().map(|x| x.ci.map(|c| c[1])).collect()),
                ),
                (
                    "n",
                    OutColumn::OptF64(v.iter().map(|x| x.n.map(|n| n as f64)).collect()),
                ),
                (
                    "population",
                    OutColumn::OptF64(v.iter().map(|x| x.population).collect()),
                ),
            ],
        )?;
        let p = &self.progress;
        let a = |f: &dyn Fn(&Assessment) -> f64| -> OutColumn {
            OutColumn::OptF64(p.iter().map(|r| r.assessment.as_ref().map(f)).collect())
        };
        table(
            &t.join("progress.parquet"),
            vec![
                ("indicator", s(p.iter().map(|x| x.indicator.clone()))),
                ("scope", s(p.iter().map(|x| x.scope.clone()))),
                (
                    "target",
                    OutColumn::F64(p.iter().map(|x| x.target).collect()),
                ),
                (
                    "target_year",
                    OutColumn::I64(p.iter().map(|x| i64::from(x.target_year)).collect()),
                ),
                (
                    "base_year",
                    OutColumn::I64(p.iter().map(|x| i64::from(x.base_year)).collect()),
                ),
                (
                    "class",
                    s(p.iter().map(|x| {
                        x.assessment.as_ref().map_or_else(String::new, |a| {
                            serde_json::to_value(a.class)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default()
                        })
                    })),
                ),
                ("base_value", a(&|a| a.base_value)),
                ("latest_year", a(&|a| f64::from(a.latest_year))),
                ("latest_value", a(&|a| a.latest_value)),
                ("observed_rate", a(&|a| a.observed_rate)),
                ("required_rate", a(&|a| a.required_rate)),
                (
                    "ratio",
                    OutColumn::OptF64(
                        p.iter()
                            .map(|r| r.assessment.as_ref().and_then(|a| a.ratio))
                            .collect(),
                    ),
                ),
                ("gap", a(&|a| a.gap)),
                ("projected", a(&|a| a.projected)),
                (
                    "note",
                    s(p.iter().map(|x| x.note.clone().unwrap_or_default())),
                ),
            ],
        )?;
        let sc = &self.schools;
        table(
            &t.join("schools.parquet"),
            vec![
                (
                    "year",
                    OutColumn::I64(sc.iter().map(|x| i64::from(x.year)).collect()),
                ),
                ("county", s(sc.iter().map(|x| x.county.clone()))),
                ("level", s(sc.iter().map(|x| x.level.clone()))),
                (
                    "regime",
                    s(sc.iter().map(|x| match x.regime {
                        Regime::Basic => "basic".to_string(),
                        Regime::HighQuality => "high_quality".to_string(),
                    })),
                ),
                (
                    "schools",
                    OutColumn::I64(sc.iter().map(|x| x.schools as i64).collect()),
                ),
                (
                    "students",
                    OutColumn::F64(sc.iter().map(|x| x.students).collect()),
                ),
                (
                    "composite",
                    OutColumn::F64(sc.iter().map(|x| x.composite).collect()),
                ),
                (
                    "threshold",
                    OutColumn::F64(sc.iter().map(|x| x.threshold).collect()),
                ),
                (
                    "pass",
                    OutColumn::I64(sc.iter().map(|x| i64::from(x.pass)).collect()),
                ),
                ("failing", s(sc.iter().map(|x| x.failing.join(";")))),
            ],
        )?;
        if let Some(ix) = &self.index {
            let n = ix.units.len();
            let band = |f: &dyn Fn(&RankBand) -> f64| -> OutColumn {
                OutColumn::OptF64(
                    (0..n)
                        .map(|i| ix.bands.as_ref().and_then(|b| b.get(i)).map(f))
                        .collect(),
                )
            };
            table(
                &t.join("index.parquet"),
                vec![
                    ("county", s(ix.units.iter().cloned())),
                    ("score", OutColumn::F64(ix.result.scores.clone())),
                    (
                        "rank",
                        OutColumn::I64(ix.result.ranks.iter().map(|&r| r as i64).collect()),
                    ),
                    ("median_rank", band(&|b| b.median)),
                    ("rank_p05", band(&|b| b.p05)),
                    ("rank_p95", band(&|b| b.p95)),
                ],
            )?;
        }
        let kept = tmp.keep();
        std::fs::rename(&kept, dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&kept);
            out_err(dir, e)
        })?;
        Ok(())
    }
}
