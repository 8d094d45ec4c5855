//! The monitoring layer: a region registry, an indicator catalogue (microdata
//! measures, administrative series, school balance, derived formulas),
//! targets, the composite index and convergence, computed for every region
//! and year into one [`Release`] with provenance.
//!
//! Configuration lives in TOML ([`config::load`]); data in CSV or Parquet.
//! The demo province writes a complete set of files ([`write_demo`]).
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! // the demo province with a small survey
//! let config_path = gongfu_monitor::write_demo(dir.path(), 1_000, 20_220_601)?;
//! let config = gongfu_monitor::config::load(&config_path)?;
//! let release = gongfu_monitor::run(&config)?;
//! let income = release
//!     .values
//!     .iter()
//!     .find(|v| v.indicator == "income_pc" && v.region == "330000" && v.year == 2022)
//!     .unwrap();
//! assert!(income.se.unwrap() > 0.0);
//! release.write(&dir.path().join("release-2025"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod config;
mod data;
mod demo;
mod error;
pub mod formula;
pub mod regions;
mod release;
mod run;

pub use data::{AdminValue, SchoolGroup, TargetRow};
pub use demo::{INDICATORS_TOML, MONITOR_TOML, TARGETS_CSV, write_demo};
pub use error::MonitorError;
pub use release::{
    BetaRow, ConvergenceSection, DistributionRow, GroupGap, IndexSection, IndicatorInfo, InputFile,
    Meta, Point, ProgressRow, Release, SchoolRow, SigmaRow, TheilRow, Value, now_rfc3339,
};
pub use run::{Timings, run};
