//! Grouped data: full income distributions from published quantile tables.
//!
//! Statistical yearbooks publish household income by groups (the mean income
//! of each fifth of urban and of rural households), not microdata. This crate
//! fits the two parametric Lorenz curves the World Bank's Poverty and
//! Inequality Platform (PIP) uses for such tables — the General Quadratic
//! (Villasenor & Arnold 1989, as parameterised by Datt 1998) and the Beta
//! (Kakwani 1980) — by least squares, checks each for validity (Datt 1998;
//! PIP), chooses between them with PIP's rules (one choice for distributional
//! statistics, one per poverty line) and derives from the chosen curve and the
//! mean the Gini, quantiles, shares, FGT and Watts poverty measures, the
//! middle-income share and the prosperity gap. Tables can be combined with
//! population weights (urban and rural into a province) as a mixture.
//!
//! * [`GroupedTable`] validates a table (shares summing to 1 or 100, groups
//!   ordered poorest first, at least [`MIN_GROUPS`] groups).
//! * [`GroupedFit`] holds both fits ([`Fit`], with its [`Check`]s and SSE) and
//!   the statistics, each an [`Estimate`] that says which [`Model`] it comes
//!   from and why.
//! * [`Mixture`] combines fitted tables.
//! * [`stats`] computes any statistic from a given curve and mean, whichever
//!   fit the rules would choose.
//! * [`GroupedMeasure`] parses the `gongfu compute` measure syntax with the
//!   catalogue's ids; [`evaluate`] and [`evaluate_mixture`] give [`Row`]s.
//!
//! Pure computation: no I/O, no panics on any input; every failure is a
//! [`GroupedError`].
//!
//! ```
//! use gongfu_grouped::{GroupedFit, GroupedMeasure, GroupedTable, Income, evaluate};
//!
//! // mean income of each decile of households, poorest first
//! let means = [9000.0, 13000.0, 16500.0, 20000.0, 23600.0, 27800.0, 33000.0, 40000.0, 51000.0, 80000.0];
//! let table = GroupedTable::new(&[0.1; 10], Income::Means(&means), None)?;
//! let fit = GroupedFit::new(table);
//! let gini = fit.gini()?;
//! assert!(gini.value > 0.25 && gini.value < 0.40);
//! println!("Gini {:.4} from the {} fit: {}", gini.value, gini.model.unwrap(), gini.reason);
//!
//! let poor = fit.fgt(0.0, 12_000.0)?;
//! assert!(poor.value > 0.05 && poor.value < 0.2);
//!
//! for row in evaluate(&GroupedMeasure::parse_list("median,palma,\"fgt(1,line=0.6*median)\"")?, &fit, None)? {
//!     println!("{} {:?} = {} ({})", row.measure, row.params, row.value, row.model);
//! }
//! # Ok::<(), gongfu_grouped::GroupedError>(())
//! ```
#![deny(missing_docs)]

mod curve;
mod error;
mod fit;
mod measure;
mod mixture;
mod numeric;
pub mod stats;
mod table;

pub use curve::{BETA_GRID, Beta, Check, Curve, Fit, Gq, Model, fit_beta, fit_gq};
pub use error::{GroupedError, Result};
pub use fit::{Choice, Estimate, GroupedFit, PovertyChoice};
pub use measure::{
    GroupedMeasure, Reference, Row, available, evaluate, evaluate_mixture, mixture_reference,
    reference,
};
pub use mixture::{GRID, Mixture};
pub use table::{GroupedTable, Income, MIN_GROUPS, SHARE_TOLERANCE};
