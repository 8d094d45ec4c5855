//! Exact weighted distributional measures.
#![deny(missing_docs)]
