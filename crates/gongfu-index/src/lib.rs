//! Monitoring computations on region-level figures: the inter-school
//! difference coefficient ([`schools`]), targets and the on-track
//! classification ([`targets`]), composite indices with rank uncertainty
//! ([`composite`]) and regional convergence ([`convergence`]).
//!
//! Everything here is pure computation on slices: no I/O, and bad data is an
//! [`IndexError`], never a panic.
//!
//! ```
//! use gongfu_index::{Direction, targets, convergence, schools};
//!
//! // on track? 57,500 yuan in 2021 towards 75,000 in 2025, 66,000 observed in 2023
//! let t = targets::Target {
//!     value: 75_000.0, year: 2025, base_year: 2021,
//!     direction: Direction::Higher, growth: targets::Growth::Compound,
//! };
//! let a = targets::assess(&t, &[(2021, 57_500.0), (2023, 66_000.0)])?;
//! assert_eq!(a.class, targets::Progress::OnTrack);
//!
//! // σ-convergence of three counties' incomes
//! let s = convergence::sigma(&[40_000.0, 50_000.0, 62_500.0], None)?;
//! assert!(s.sd_log > 0.18 && s.sd_log < 0.19);
//!
//! // two schools: 5 and 3 m² per student for 100 and 300 students
//! let dc = schools::difference_coefficient(&[100.0, 300.0], &[&[500.0, 900.0]])?;
//! assert!((dc.composite - 0.75f64.sqrt() / 3.5).abs() < 1e-12);
//! # Ok::<(), gongfu_index::IndexError>(())
//! ```
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

mod error;
pub use error::IndexError;

pub mod composite;
pub mod convergence;
pub mod schools;
pub mod targets;

/// Which way an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher values are better (income, middle-income share).
    Higher,
    /// Lower values are better (Gini, urban–rural ratio).
    Lower,
}
