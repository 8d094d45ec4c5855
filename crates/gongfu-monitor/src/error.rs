use thiserror::Error;

/// What went wrong in a monitoring run. Every message names the file and,
/// where they apply, the line and key (configuration) or the column and row
/// (data).
#[derive(Debug, Error)]
pub enum MonitorError {
    /// A configuration file is malformed or says something impossible.
    #[error("{file}{}: {}{message}", line.map(|l| format!(":{l}")).unwrap_or_default(), key.as_deref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Config {
        /// The configuration file.
        file: String,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// The key (dotted path), when known.
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A data file could not be read.
    #[error(transparent)]
    Io(#[from] gongfu_io::IoError),
    /// A data file was read but a value in it is not acceptable.
    #[error("{file}: column {column:?}, row {row}: {message}")]
    Data {
        /// The data file.
        file: String,
        /// The column.
        column: String,
        /// The 1-based data row.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// A data file misses something as a whole (a year, a region).
    #[error("{file}: {message}")]
    File {
        /// The data file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// An indicator could not be computed.
    #[error("indicator {indicator}{}: {message}", year.map(|y| format!(", {y}")).unwrap_or_default())]
    Indicator {
        /// The indicator id.
        indicator: String,
        /// The year, when the failure is specific to one.
        year: Option<u16>,
        /// What went wrong.
        message: String,
    },
    /// A monitoring computation (index, targets, convergence, schools) failed.
    #[error("{what}: {source}")]
    Index {
        /// Which computation.
        what: String,
        /// The error.
        source: gongfu_index::IndexError,
    },
    /// Writing the release failed.
    #[error("{path}: {message}")]
    Output {
        /// The output path.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl MonitorError {
    /// A configuration error.
    pub(crate) fn config(
        file: &str,
        line: Option<usize>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        MonitorError::Config {
            file: file.to_string(),
            line,
            key: key.map(str::to_string),
            message: message.into(),
        }
    }
}
