//! The one error type of the crate.

/// Why a grouped table could not be fitted or a statistic computed.
///
/// Errors about the input name the column and the 1-based group (data row)
/// they are about, so that a front end can add the file name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupedError {
    /// A value of the table is unusable (negative, not finite, out of order).
    #[error("column {column:?}, row {row}: {message}")]
    Value {
        /// The column (`pop_share`, `income_share`, `mean`).
        column: String,
        /// The 1-based group (data row).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// The table as a whole is unusable (too few groups, shares not summing to 1).
    #[error("{0}")]
    Table(String),
    /// Neither Lorenz curve is valid for the statistic asked for.
    #[error("no valid Lorenz fit for {statistic}: {reasons}")]
    NoValidFit {
        /// The statistic (`gini`, `poverty at line 20000`, …).
        statistic: String,
        /// Why each fit was rejected.
        reasons: String,
    },
    /// A measure parameter is out of range or malformed.
    #[error("{measure}: {message}")]
    BadParameter {
        /// The measure id.
        measure: String,
        /// What is wrong.
        message: String,
    },
    /// A measure that grouped data cannot give.
    #[error("unknown measure \"{name}\" for grouped data (available: {available})")]
    UnknownMeasure {
        /// The name as written.
        name: String,
        /// The measures that are available.
        available: String,
    },
    /// The measure list could not be parsed.
    #[error("{0}")]
    Parse(String),
    /// The statistic is undefined for the fitted distribution.
    #[error("{measure}: undefined: {reason}")]
    Undefined {
        /// The measure id.
        measure: String,
        /// Why.
        reason: String,
    },
}

/// Result with [`GroupedError`].
pub type Result<T> = std::result::Result<T, GroupedError>;

pub(crate) fn undefined(measure: &str, reason: impl Into<String>) -> GroupedError {
    GroupedError::Undefined {
        measure: measure.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn bad(measure: &str, message: impl Into<String>) -> GroupedError {
    GroupedError::BadParameter {
        measure: measure.to_string(),
        message: message.into(),
    }
}
