//! Linearisations of the quantile- and threshold-based measures, through
//! convey's Gaussian kernel density (`crate::linearize::density`).

use crate::linearize::InflFn;

/// Linearisations defined in this file, by measure id.
pub(crate) static TABLE: &[(&str, InflFn)] = &[];
