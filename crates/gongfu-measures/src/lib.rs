//! Exact weighted distributional measures: inequality, poverty, the middle
//! class, their decompositions and dynamics, over one sorted distribution.
//!
//! A [`Distribution`] is built once from `(values, weights)`: validated, sorted
//! once, with compensated cumulative weights. Every measure of the
//! [`catalogue`] reads it without sorting again; domains are filtered from it
//! keeping the order. Measures are named entries of one registry
//! ([`MeasureDef`]), parsed from the same syntax by every front end
//! (`gini,arpr,"fgt(1,line=20000)"`).
//!
//! Conventions follow SPEC §3: rates and indices are fractions; the default
//! quantile rule is Eurostat's; poverty counts `x < z`; relative lines inside a
//! domain come from the whole population unless `scope=domain`.
//!
//! ```
//! use gongfu_measures::{Ctx, Distribution, Measure};
//!
//! let incomes = [12_000.0, 30_500.0, 18_250.0, 64_000.0, 25_000.0];
//! let weights = [1.5, 2.0, 1.0, 0.5, 2.0];
//! let dist = Distribution::new(&incomes, Some(&weights))?;
//! let ctx = Ctx::new(&dist);
//! for m in Measure::parse_list("mean,median,gini,arpr,fgt(1,line=20000)")? {
//!     for e in m.evaluate(&ctx)? {
//!         println!("{} {:?} = {}", e.measure, e.params, e.value);
//!     }
//! }
//! let gini = Measure::parse_list("gini")?[0].value(&ctx)?;
//! assert!(gini > 0.0 && gini < 1.0);
//! # Ok::<(), gongfu_measures::MeasureError>(())
//! ```
#![deny(missing_docs)]

mod ctx;
mod dist;
mod error;
pub mod linearize;
mod measures;
mod params;
mod quantile;
mod registry;
mod sort;
pub mod sum;

pub use ctx::{Ctx, NonPositive};
pub use dist::{Builder, Category, Distribution, Numeric, Pending, View};
pub use error::{MeasureError, Result};
pub use linearize::{InflFn, Influence};
pub use params::{Call, ParamValue, RelTo, parse_list};
pub use quantile::{QuantileRule, quantile};
pub use registry::{
    Args, Estimate, EvalFn, Family, Measure, MeasureDef, Output, ParamDef, Part, find,
};

/// Every measure of the catalogue, in order.
pub fn catalogue() -> &'static [MeasureDef] {
    measures::CATALOGUE
}

/// The catalogue as text, one entry per measure: the call with its parameters
/// and defaults, then its summary and the peer it follows (`gongfu measures`).
pub fn catalogue_text() -> String {
    let mut out = String::new();
    for d in catalogue() {
        let params: Vec<String> = d
            .params
            .iter()
            .map(|p| match p.default {
                Some(v) => format!("{}={v}", p.name),
                None => p.name.to_string(),
            })
            .collect();
        out.push_str(&format!(
            "{}({})\n    {}  [{}]\n",
            d.id,
            params.join(", "),
            d.summary,
            d.peer
        ));
    }
    out
}
