//! Errors at the boundary: every failure becomes one exception of
//! `gongfu._errors` (`InputError`, `MeasureError`, `ComputationError`,
//! `DesignError`, `OptionError`, `InternalError`), with the messages of the
//! command line (column, row, domain) and the attributes a program needs.
//! Panics are caught and reported as `InternalError`; nothing unwinds into
//! the interpreter.

use gongfu_compute::ComputeError;
use gongfu_grouped::GroupedError;
use gongfu_io::IoError;
use gongfu_measures::MeasureError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Which exception class a failure raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input data: a value, a column, a length.
    Input,
    /// A measure list that does not parse, an unknown measure, a bad parameter.
    Measure,
    /// A measure undefined for these data (empty domain, non-positive incomes…).
    Computation,
    /// An unusable sampling design or replicate weights.
    Design,
    /// A keyword argument with an unknown value.
    Option,
    /// A bug: a caught panic.
    Internal,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Input => "InputError",
            Kind::Measure => "MeasureError",
            Kind::Computation => "ComputationError",
            Kind::Design => "DesignError",
            Kind::Option => "OptionError",
            Kind::Internal => "InternalError",
        }
    }
}

/// What a failure says.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The exception class.
    pub kind: Kind,
    /// The message (one line, as the command line words it).
    pub message: String,
    /// The input column, when one is at fault.
    pub column: Option<String>,
    /// The 1-based data row, when one is at fault.
    pub row: Option<usize>,
    /// The measure id.
    pub measure: Option<String>,
    /// The domain (`county=C01, urban=1`).
    pub domain: Option<String>,
    /// The character position in a measure list.
    pub position: Option<usize>,
}

/// A failure computed without the GIL; raised as a Python exception later.
#[derive(Debug, Clone)]
pub struct Failure(pub Box<Detail>);

impl Failure {
    /// A failure with only a message.
    pub fn new(kind: Kind, message: impl Into<String>) -> Failure {
        Failure(Box::new(Detail {
            kind,
            message: message.into(),
            column: None,
            row: None,
            measure: None,
            domain: None,
            position: None,
        }))
    }

    /// An `OptionError`.
    pub fn option(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Option, message)
    }

    /// An `InputError` about a column (and a row).
    pub fn input(column: &str, row: Option<usize>, message: impl Into<String>) -> Failure {
        let mut f = Failure::new(Kind::Input, message);
        f.0.column = Some(column.to_string());
        f.0.row = row;
        f
    }

    /// Names the measure.
    pub fn with_measure(mut self, measure: Option<String>) -> Failure {
        self.0.measure = measure;
        self
    }

    /// Names the domain.
    pub fn with_domain(mut self, domain: Option<String>) -> Failure {
        self.0.domain = domain;
        self
    }

    /// Names the row.
    pub fn with_row(mut self, row: Option<usize>) -> Failure {
        self.0.row = row;
        self
    }

    /// Puts `prefix` before the message.
    pub fn prefixed(mut self, prefix: &str) -> Failure {
        self.0.message = format!("{prefix}{}", self.0.message);
        self
    }

    /// The Python exception.
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(e) => e,
            Err(e) => e,
        }
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let d = *self.0;
        let module = match py.import("gongfu._errors") {
            Ok(m) => m,
            // used without its Python package: a plain RuntimeError
            Err(_) => {
                return Ok(PyRuntimeError::new_err(format!(
                    "{}: {}",
                    d.kind.class(),
                    d.message
                )));
            }
        };
        let class = module.getattr(d.kind.class())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("column", d.column)?;
        kwargs.set_item("row", d.row)?;
        kwargs.set_item("measure", d.measure)?;
        kwargs.set_item("domain", d.domain)?;
        kwargs.set_item("position", d.position)?;
        let exc = class.call((d.message,), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    }
}

/// Runs `f` without the GIL, catching panics; raises its failure.
pub fn guarded<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> Result<T, Failure> + Send,
    T: Send,
{
    let out = py.detach(move || catch_unwind(AssertUnwindSafe(f)));
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(failure)) => Err(failure.into_pyerr(py)),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Failure::new(
                Kind::Internal,
                format!("internal error (a bug in gongfu; please report it): {what}"),
            )
            .into_pyerr(py))
        }
    }
}

/// The command line's flags, as the Python keywords that replace them.
pub fn pythonic(message: &str) -> String {
    const FLAGS: [(&str, &str); 7] = [
        ("--nonpositive exclude", "nonpositive=\"exclude\""),
        ("--welfare per_capita", "welfare=\"per_capita\""),
        ("--hh-size COL", "hh_size=COL"),
        ("--hh-size", "hh_size="),
        ("--adults", "adults="),
        ("--children", "children="),
        ("--lonely-psu", "lonely_psu="),
    ];
    let mut m = message.to_string();
    for (flag, kw) in FLAGS {
        m = m.replace(flag, kw);
    }
    m
}

/// The user's names of the input columns, by role, for messages.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Income column.
    pub income: String,
    /// Weight column.
    pub weight: Option<String>,
    /// Household size column.
    pub size: Option<String>,
    /// Adults column.
    pub adults: Option<String>,
    /// Children column.
    pub children: Option<String>,
    /// Strata and PSU columns.
    pub design: Vec<String>,
}

impl Names {
    /// The user's column for a role named by `gongfu-compute`.
    fn column(&self, role: &str) -> String {
        let or_role = |c: &Option<String>| c.clone().unwrap_or_else(|| role.to_string());
        if role.starts_with("income") {
            self.income.clone()
        } else if role.starts_with("weight") {
            or_role(&self.weight)
        } else if role == "household size" {
            or_role(&self.size)
        } else if role == "adults" {
            or_role(&self.adults)
        } else if role == "children" {
            or_role(&self.children)
        } else {
            role.to_string()
        }
    }
}

/// The id of the measure an error is about, when it names one.
fn measure_of(e: &MeasureError) -> Option<String> {
    match e {
        MeasureError::NonPositive { measure, .. }
        | MeasureError::Undefined { measure, .. }
        | MeasureError::BadParameter { measure, .. }
        | MeasureError::MissingColumn { measure, .. } => Some(measure.clone()),
        MeasureError::UnknownMeasure { name, .. } => Some(name.clone()),
        MeasureError::NoLinearization(m) => Some(m.clone()),
        _ => None,
    }
}

/// A measure-list error (parse, unknown id, bad parameter) as `MeasureError`.
pub fn measure_spec_failure(e: &MeasureError, list: &str) -> Failure {
    let position = match e {
        MeasureError::Parse { position, .. } => Some(*position),
        _ => None,
    };
    let mut f =
        Failure::new(Kind::Measure, format!("measures {list:?}: {e}")).with_measure(measure_of(e));
    f.0.position = position;
    f
}

/// [`measure_spec_failure`] raised.
pub fn measure_spec_error(e: &MeasureError, list: &str) -> PyErr {
    Python::attach(|py| measure_spec_failure(e, list).into_pyerr(py))
}

/// An error of a measure evaluated on the income column (in a domain).
pub fn from_measure(e: MeasureError, domain: Option<String>, names: &Names) -> Failure {
    let kind = match &e {
        MeasureError::Parse { .. }
        | MeasureError::UnknownMeasure { .. }
        | MeasureError::BadParameter { .. } => Kind::Measure,
        MeasureError::NonFiniteValue { row, .. } => {
            return Failure::input(
                &names.income,
                Some(row + 1),
                format!("column {:?}, row {}: {e}", names.income, row + 1),
            );
        }
        MeasureError::BadWeight { row, value } => {
            let col = names.weight.clone().unwrap_or_else(|| "weight".into());
            return Failure::input(
                &col,
                Some(row + 1),
                format!(
                    "column {col:?}, row {}: weight must be a finite number > 0, got {value}",
                    row + 1
                ),
            );
        }
        MeasureError::LengthMismatch { .. } | MeasureError::TooManyRows(_) => Kind::Input,
        _ => Kind::Computation,
    };
    let where_ = domain
        .as_deref()
        .map(|d| format!(", domain {d}"))
        .unwrap_or_default();
    Failure::new(
        kind,
        pythonic(&format!("column {:?}{where_}: {e}", names.income)),
    )
    .with_measure(measure_of(&e))
    .with_domain(domain)
}

/// A `gongfu-compute` error, worded as `gongfu compute` words it (without the file).
pub fn from_compute(e: ComputeError, names: &Names) -> Failure {
    match e {
        ComputeError::Value {
            column,
            row,
            message,
        } => {
            let col = names.column(&column);
            Failure::input(
                &col,
                Some(row),
                pythonic(&format!("column {col:?}, row {row}: {message}")),
            )
        }
        ComputeError::Measure { domain, source } => from_measure(source, domain, names),
        ComputeError::MissingColumn(c) => Failure::new(
            Kind::Input,
            pythonic(&format!("{c} is needed: name it with a keyword")),
        ),
        ComputeError::Design(msg) => Failure::new(
            Kind::Design,
            pythonic(&if names.design.is_empty() {
                format!("design: {msg}")
            } else {
                format!("design ({}): {msg}", names.design.join(", "))
            }),
        ),
        ComputeError::Length {
            column,
            got,
            expected,
        } => {
            let col = names.column(&column);
            Failure::input(
                &col,
                None,
                format!("column {col:?} has {got} rows, expected {expected}"),
            )
        }
    }
}

/// A grouped-data error.
pub fn from_grouped(e: GroupedError, table: Option<&str>) -> Failure {
    let prefix = table.map(|t| format!("table {t:?}: ")).unwrap_or_default();
    let message = format!("{prefix}{e}");
    match e {
        GroupedError::Value { column, row, .. } => Failure::input(&column, Some(row), message),
        GroupedError::Table(_) => Failure::new(Kind::Input, message),
        GroupedError::BadParameter { measure, .. } => {
            Failure::new(Kind::Measure, message).with_measure(Some(measure))
        }
        GroupedError::UnknownMeasure { name, .. } => {
            Failure::new(Kind::Measure, message).with_measure(Some(name))
        }
        GroupedError::Parse(_) => Failure::new(Kind::Measure, message),
        GroupedError::Undefined { measure, .. } => {
            Failure::new(Kind::Computation, message).with_measure(Some(measure))
        }
        GroupedError::NoValidFit { .. } => Failure::new(Kind::Computation, message),
    }
}

/// A file-reading error (its message names the file, column and row).
pub fn from_io(e: IoError) -> Failure {
    let message = e.to_string();
    match e {
        IoError::MissingColumn { column, .. }
        | IoError::DuplicateColumn { column, .. }
        | IoError::UnsupportedType { column, .. } => Failure::input(&column, None, message),
        IoError::InvalidUtf8 { column, row, .. }
        | IoError::EmptyValue { column, row, .. }
        | IoError::NotANumber { column, row, .. }
        | IoError::NonFinite { column, row, .. }
        | IoError::NullValue { column, row, .. }
        | IoError::TooManyLevels { column, row, .. } => {
            Failure::input(&column, Some(row as usize), message)
        }
        IoError::FieldCount { row, .. } => {
            Failure::new(Kind::Input, message).with_row(Some(row as usize))
        }
        _ => Failure::new(Kind::Input, message),
    }
}
