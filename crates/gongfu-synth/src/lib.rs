//! The deterministic synthetic demo province of gongfu.
#![deny(missing_docs)]
