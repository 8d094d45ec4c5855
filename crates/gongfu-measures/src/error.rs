//! The one error type of the measures crate.

use thiserror::Error;

/// Everything that can go wrong when building a distribution or evaluating a measure.
///
/// Row indices are 0-based positions in the input slices; front ends add one
/// (and the file and column names) when they report them.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MeasureError {
    /// An income value is NaN or infinite.
    #[error("row {row}: income is not a finite number ({value})")]
    NonFiniteValue {
        /// 0-based input row.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A weight is NaN, infinite, zero or negative.
    #[error("row {row}: weight must be a finite number > 0 (got {value})")]
    BadWeight {
        /// 0-based input row.
        row: usize,
        /// The offending weight.
        value: f64,
    },
    /// Two input columns that must have the same length do not.
    #[error("column lengths differ: {what} has {got} values, expected {expected}")]
    LengthMismatch {
        /// What was being checked.
        what: String,
        /// Values found.
        got: usize,
        /// Values expected.
        expected: usize,
    },
    /// More rows than the engine indexes (u32).
    #[error("too many rows: {0} (at most 4294967295)")]
    TooManyRows(usize),
    /// The (domain of the) distribution has no observations or no weight.
    #[error("empty distribution{}", .0.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Empty(Option<String>),
    /// A measure that needs strictly positive (or non-negative) incomes met others.
    #[error(
        "{measure} needs incomes {requirement}: {count} row(s) are not; exclude them explicitly \
         (non-positive policy \"exclude\": --nonpositive exclude) to compute it on the rest"
    )]
    NonPositive {
        /// The measure id.
        measure: String,
        /// "> 0" or ">= 0".
        requirement: &'static str,
        /// How many rows (in the domain) violate it.
        count: usize,
    },
    /// The measure is undefined for these data (e.g. a zero denominator).
    #[error("{measure} is undefined here: {reason}")]
    Undefined {
        /// The measure id.
        measure: String,
        /// Why.
        reason: String,
    },
    /// A parameter is missing, unknown or out of range.
    #[error("{measure}: {message}")]
    BadParameter {
        /// The measure id.
        measure: String,
        /// What is wrong.
        message: String,
    },
    /// The measure list could not be parsed.
    #[error("cannot parse measure list at character {position}: {message}")]
    Parse {
        /// 0-based character offset in the list.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// No measure has this id.
    #[error("unknown measure \"{name}\"{}", suggestion.as_deref().map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default())]
    UnknownMeasure {
        /// The name given.
        name: String,
        /// The closest known id, if any is close.
        suggestion: Option<String>,
    },
    /// A column named by a measure parameter is not attached to the distribution.
    #[error("{measure}: no column \"{column}\" is attached to the distribution")]
    MissingColumn {
        /// The measure id.
        measure: String,
        /// The column name.
        column: String,
    },
    /// The measure has no design-based standard error (use replicate weights).
    #[error("{0} has no linearised standard error; use replicate weights for it")]
    NoLinearization(String),
    /// A grouped-data or two-sample computation got inconsistent inputs.
    #[error("{0}")]
    Invalid(String),
}

/// Result alias of this crate.
pub type Result<T, E = MeasureError> = std::result::Result<T, E>;
