//! Design-based variance: the sampling design (strata, PSUs, finite-population
//! correction, single-PSU strata), variances from influence values
//! (linearisation), confidence intervals, and replicate weights.
//!
//! The variance of an estimate with influence values `z_i` is R survey's
//! `svyrecvar` for with-replacement sampling of PSUs within strata:
//! `V = Σ_h (1 − f_h) n_h/(n_h − 1) Σ_j (Z_hj − Z̄_h)²`, `Z_hj = Σ_{i ∈ PSU j} w_i z_i`.
//! Observations outside a domain have `z = 0` but their PSUs still count.
//!
//! ```
//! use gongfu_measures::{Ctx, Distribution, Measure};
//! use gongfu_survey::{Design, LonelyPsu, variance, PSU_COLUMN};
//!
//! let x = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
//! let w = [1.0; 6];
//! let design = Design::new(Some(&[0, 0, 0, 1, 1, 1]), Some(&[0, 1, 1, 2, 3, 3]), None, LonelyPsu::Fail)?;
//! let d = Distribution::builder(&x, Some(&w)).numeric(PSU_COLUMN, design.psu_of_rows()).build()?;
//! let ctx = Ctx::new(&d);
//! let mean = Measure::parse_list("mean")?.remove(0);
//! let z = mean.influence(&ctx)?.remove(0);
//! let v = variance(&design, &d, &d, &z)?;
//! assert!(v > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod design;
pub use design::{
    Ci, Design, LonelyPsu, PSU_COLUMN, SurveyError, confidence_interval, t_quantile, variance,
    variance_fn,
};
mod woodruff;
pub use woodruff::{Woodruff, woodruff};
mod replicate;
pub use replicate::{
    DomainSpec, RepType, ReplicateOptions, Replicates, replicate_estimates,
    replicate_estimates_many, replicate_variance,
};
