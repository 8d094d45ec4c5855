use thiserror::Error;

/// What went wrong in a monitoring computation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IndexError {
    /// Input slices that must have the same length do not.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// What was being compared.
        what: &'static str,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// Too few observations for the computation.
    #[error("{what}: needs at least {need} observations, got {got}")]
    TooFew {
        /// What was being computed.
        what: &'static str,
        /// Minimum needed.
        need: usize,
        /// Number given.
        got: usize,
    },
    /// A value that is not allowed (NaN, infinite, negative, zero where positive is needed).
    #[error("{what}: invalid value {value} at position {index}")]
    InvalidValue {
        /// What the value is.
        what: &'static str,
        /// Its position in the input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Settings that do not make sense together (explained in the message).
    #[error("{0}")]
    Invalid(String),
}
