//! Columnar readers and writers (CSV, Parquet) for gongfu.
#![deny(missing_docs)]
