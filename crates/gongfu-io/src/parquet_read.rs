//! Column-projected Parquet reading through the arrow reader.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Once};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::ParquetMetaData;

use crate::csv_read::open;
use crate::error::one_line;
use crate::{
    Column, ColumnKind, ColumnRequest, IoError, KeyBuilder, ReadOptions, Table, display, progress,
    resolve_requests,
};

const BATCH_ROWS: usize = 8192;

thread_local! {
    /// Whether this thread is inside [`guarded`].
    static IN_DECODER: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// The folder of this crate's sources, as panic locations name it.
fn own_source_dir() -> &'static str {
    let here = file!();
    here.rfind(['/', '\\']).map_or("", |i| &here[..=i])
}

/// Installs, once, a panic hook that keeps quiet about panics raised inside
/// the arrow/parquet crates while [`guarded`] decodes a file on this thread
/// (they become an [`IoError::CorruptParquet`]). Every other panic, this
/// crate's own included, goes to the hook that was installed before.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let foreign = info
                .location()
                .is_some_and(|l| !l.file().starts_with(own_source_dir()));
            if !(foreign && IN_DECODER.with(Cell::get)) {
                previous(info);
            }
        }));
    });
}

/// Resets [`IN_DECODER`] when dropped, unwinding included.
struct DecoderScope(bool);

impl DecoderScope {
    fn enter() -> DecoderScope {
        DecoderScope(IN_DECODER.with(|f| f.replace(true)))
    }
}

impl Drop for DecoderScope {
    fn drop(&mut self) {
        IN_DECODER.with(|f| f.set(self.0));
    }
}

/// Runs `f`, turning a panic inside the Parquet decoder into an error: a
/// damaged file must never bring the program down. The arrow and parquet
/// crates still have assertions that malformed input can reach (for example
/// a dictionary-encoded page without a dictionary page).
fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, IoError>) -> Result<T, IoError> {
    install_quiet_hook();
    let result = {
        let _scope = DecoderScope::enter();
        catch_unwind(AssertUnwindSafe(f))
    };
    match result {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".to_string());
            Err(IoError::CorruptParquet {
                file: file.to_owned(),
                row: None,
                message: format!("the decoder failed: {}", one_line(&what)),
            })
        }
    }
}

fn corrupt(file: &str, row: Option<u64>, e: impl std::fmt::Display) -> IoError {
    IoError::CorruptParquet {
        file: file.to_owned(),
        row,
        message: one_line(&e.to_string()),
    }
}

/// Opens the file and reads its footer. The Arrow schema some writers embed
/// in the metadata is ignored: the types come from the Parquet schema alone,
/// as decoding a damaged embedded schema can panic inside arrow-ipc.
fn load(path: &Path, file: &str) -> Result<(std::fs::File, ArrowReaderMetadata), IoError> {
    let f = open(path)?;
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let meta = ArrowReaderMetadata::load(&f, options).map_err(|e| match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(source) => IoError::Read {
                    file: file.to_owned(),
                    row: None,
                    source: *source,
                },
                Err(other) => corrupt(file, None, other),
            }
        }
        other => corrupt(file, None, other),
    })?;
    Ok((f, meta))
}

pub(crate) fn column_names(path: &Path) -> Result<Vec<String>, IoError> {
    let file = display(path);
    guarded(&file, || {
        let (_, meta) = load(path, &file)?;
        Ok(meta
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect())
    })
}

pub(crate) fn read_columns(
    path: &Path,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    let file = display(path);
    guarded(&file, || read_inner(path, &file, requests, opts))
}

/// Checks that the column chunks of the requested root columns lie inside
/// the file: the decoder asserts (panics) on negative offsets, and a huge
/// length would be allocated before it is found to be wrong.
fn check_chunk_ranges(
    file: &str,
    meta: &ParquetMetaData,
    roots: &[usize],
    file_len: u64,
) -> Result<(), IoError> {
    let schema = meta.file_metadata().schema_descr();
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for (leaf, chunk) in rg.columns().iter().enumerate() {
            if leaf >= schema.num_columns() || !roots.contains(&schema.get_column_root_idx(leaf)) {
                continue;
            }
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or_else(|| chunk.data_page_offset());
            let len = chunk.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(len).ok())
                .and_then(|(s, l)| s.checked_add(l))
                .is_some_and(|end| end <= file_len);
            if !inside {
                return Err(corrupt(
                    file,
                    None,
                    format!(
                        "row group {g}, column {:?}: the column chunk (offset {start}, {len} bytes) \
                         is not inside the file ({file_len} bytes)",
                        chunk.column_path().string()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn is_integer(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

fn numeric_supported(dt: &DataType) -> bool {
    match dt {
        DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => true,
        DataType::Dictionary(_, v) => {
            !matches!(**v, DataType::Dictionary(..)) && numeric_supported(v)
        }
        other => is_integer(other),
    }
}

fn key_supported(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Boolean => true,
        DataType::Dictionary(_, v) => !matches!(**v, DataType::Dictionary(..)) && key_supported(v),
        other => is_integer(other),
    }
}

fn read_inner(
    path: &Path,
    file: &str,
    requests: &[ColumnRequest],
    opts: &ReadOptions,
) -> Result<Table, IoError> {
    let (f, meta) = load(path, file)?;
    let schema = meta.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let indices = resolve_requests(file, &names, requests)?;
    for (req, &i) in requests.iter().zip(&indices) {
        let dt = schema.field(i).data_type();
        let (ok, kind) = match req.kind {
            ColumnKind::Numeric => (numeric_supported(dt), "a numeric column"),
            ColumnKind::Key => (key_supported(dt), "a key column"),
        };
        if !ok {
            return Err(IoError::UnsupportedType {
                file: file.to_owned(),
                column: req.name.clone(),
                data_type: dt.to_string(),
                kind,
            });
        }
    }

    // Row counts of the row groups, for the empty projection and the bar.
    let mut group_ends: Vec<u64> = Vec::new();
    let mut total: u64 = 0;
    for rg in meta.metadata().row_groups() {
        let n = u64::try_from(rg.num_rows())
            .map_err(|_| corrupt(file, None, "a row group has a negative row count"))?;
        total = total
            .checked_add(n)
            .ok_or_else(|| corrupt(file, None, "the row count overflows"))?;
        group_ends.push(total);
    }
    let file_len = f.metadata().map(|m| m.len()).ok();
    check_chunk_ranges(
        file,
        meta.metadata(),
        &indices,
        file_len.unwrap_or(u64::MAX),
    )?;
    if requests.is_empty() {
        let nrows = usize::try_from(total).map_err(|_| corrupt(file, None, "too many rows"))?;
        return Ok(Table {
            nrows,
            columns: Vec::new(),
        });
    }

    // The distinct root columns to decode, in file order.
    let mut roots = indices.clone();
    roots.sort_unstable();
    roots.dedup();
    let slot: Vec<usize> = indices
        .iter()
        .map(|i| roots.binary_search(i).unwrap_or(0))
        .collect();

    let bar = progress::bar(
        opts.progress,
        file_len.unwrap_or(0),
        group_ends.len() as u64,
        false,
    );

    // Text key columns are decoded as dictionaries where the file has them
    // dictionary-encoded, so each distinct label is interned once per batch.
    let dictionary_keys: Vec<usize> = requests
        .iter()
        .zip(&indices)
        .filter(|(r, i)| {
            r.kind == ColumnKind::Key && *schema.field(**i).data_type() == DataType::Utf8
        })
        .map(|(_, &i)| i)
        .collect();
    let meta = if dictionary_keys.is_empty() {
        meta
    } else {
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let field = field.as_ref().clone();
                if dictionary_keys.contains(&i) {
                    let dt =
                        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                    field.with_data_type(dt)
                } else {
                    field
                }
            })
            .collect();
        let hinted = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        let options = ArrowReaderOptions::new().with_schema(hinted);
        ArrowReaderMetadata::try_new(meta.metadata().clone(), options).unwrap_or(meta)
    };
    let b = ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta);
    let mask = ProjectionMask::roots(b.parquet_schema(), roots.iter().copied());
    let reader = b
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| corrupt(file, Some(0), e))?;

    let mut builders: Vec<Builder> = requests
        .iter()
        .map(|r| match r.kind {
            ColumnKind::Numeric => Builder::Numeric(Vec::new()),
            ColumnKind::Key => Builder::Key(KeyBuilder::default()),
        })
        .collect();

    let mut offset: u64 = 0;
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| corrupt(file, Some(offset), e))?;
        if batch.num_columns() != roots.len() {
            return Err(corrupt(
                file,
                Some(offset),
                "the decoder returned unexpected columns",
            ));
        }
        for ((builder, &s), req) in builders.iter_mut().zip(&slot).zip(requests) {
            let array = batch.column(s).as_ref();
            let ctx = Ctx {
                file,
                column: &req.name,
                offset,
            };
            match builder {
                Builder::Numeric(values) => append_numeric(array, values, &ctx)?,
                Builder::Key(keys) => append_keys(array, keys, &ctx)?,
            }
        }
        offset += batch.num_rows() as u64;
        if let Some(pb) = &bar {
            pb.set_position(group_ends.partition_point(|&end| end <= offset) as u64);
        }
    }
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }

    let nrows = usize::try_from(offset).map_err(|_| corrupt(file, None, "too many rows"))?;
    let columns: Vec<Column> = builders
        .into_iter()
        .map(|b| match b {
            Builder::Numeric(v) => Column::Numeric(v),
            Builder::Key(k) => k.finish(),
        })
        .collect();
    if columns.iter().any(|c| c.len() != nrows) {
        return Err(corrupt(file, None, "columns of unequal length"));
    }
    Ok(Table { nrows, columns })
}

enum Builder {
    Numeric(Vec<f64>),
    Key(KeyBuilder),
}

/// Where a batch sits: for naming file, column and row in errors.
struct Ctx<'a> {
    file: &'a str,
    column: &'a str,
    offset: u64,
}

impl Ctx<'_> {
    fn row(&self, i: usize) -> u64 {
        self.offset + i as u64 + 1
    }

    fn null(&self, i: usize) -> IoError {
        IoError::NullValue {
            file: self.file.to_owned(),
            column: self.column.to_owned(),
            row: self.row(i),
        }
    }

    fn unsupported(&self, dt: &DataType, kind: &'static str) -> IoError {
        IoError::UnsupportedType {
            file: self.file.to_owned(),
            column: self.column.to_owned(),
            data_type: dt.to_string(),
            kind,
        }
    }
}

/// The values of a numeric array as `f64`, with arbitrary values at null
/// slots; `None` for an unsupported type.
fn numeric_values(array: &dyn Array) -> Option<Vec<f64>> {
    macro_rules! cast {
        ($t:ty) => {
            array
                .as_primitive_opt::<$t>()
                .map(|a| a.values().iter().map(|&v| v as f64).collect())
        };
    }
    macro_rules! decimal {
        ($t:ty) => {
            array.as_primitive_opt::<$t>().map(|a| {
                (0..a.len())
                    .map(|i| a.value_as_string(i).parse::<f64>().unwrap_or(f64::NAN))
                    .collect()
            })
        };
    }
    match array.data_type() {
        DataType::Int8 => cast!(Int8Type),
        DataType::Int16 => cast!(Int16Type),
        DataType::Int32 => cast!(Int32Type),
        DataType::Int64 => cast!(Int64Type),
        DataType::UInt8 => cast!(UInt8Type),
        DataType::UInt16 => cast!(UInt16Type),
        DataType::UInt32 => cast!(UInt32Type),
        DataType::UInt64 => cast!(UInt64Type),
        DataType::Float16 => array
            .as_primitive_opt::<Float16Type>()
            .map(|a| a.values().iter().map(|v| v.to_f64()).collect()),
        DataType::Float32 => array
            .as_primitive_opt::<Float32Type>()
            .map(|a| a.values().iter().map(|&v| f64::from(v)).collect()),
        DataType::Float64 => array
            .as_primitive_opt::<Float64Type>()
            .map(|a| a.values().to_vec()),
        DataType::Decimal32(..) => decimal!(Decimal32Type),
        DataType::Decimal64(..) => decimal!(Decimal64Type),
        DataType::Decimal128(..) => decimal!(Decimal128Type),
        DataType::Decimal256(..) => decimal!(Decimal256Type),
        DataType::Dictionary(..) => {
            let d = array.as_any_dictionary_opt()?;
            if matches!(d.values().data_type(), DataType::Dictionary(..)) {
                return None;
            }
            let values = numeric_values(d.values().as_ref())?;
            Some(
                d.normalized_keys()
                    .iter()
                    .map(|&k| values.get(k).copied().unwrap_or(f64::NAN))
                    .collect(),
            )
        }
        _ => None,
    }
}

fn append_numeric(array: &dyn Array, out: &mut Vec<f64>, ctx: &Ctx<'_>) -> Result<(), IoError> {
    let values = numeric_values(array)
        .ok_or_else(|| ctx.unsupported(array.data_type(), "a numeric column"))?;
    let nulls = array.logical_nulls();
    for (i, v) in values.iter().enumerate() {
        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return Err(ctx.null(i));
        }
        if !v.is_finite() {
            return Err(IoError::NonFinite {
                file: ctx.file.to_owned(),
                column: ctx.column.to_owned(),
                row: ctx.row(i),
                line: None,
                value: v.to_string(),
            });
        }
    }
    out.extend_from_slice(&values);
    Ok(())
}

/// Why a key cell has no label.
enum NoLabel {
    /// The array's type is not a key type (or the index is out of range).
    Unsupported,
    /// A binary value that is not UTF-8.
    InvalidUtf8,
}

/// The label of element `i` of a key array (not a dictionary).
fn label_at<'a>(array: &'a dyn Array, i: usize, buf: &'a mut String) -> Result<&'a str, NoLabel> {
    use NoLabel::{InvalidUtf8, Unsupported};
    if i >= array.len() {
        return Err(Unsupported);
    }
    macro_rules! int {
        ($t:ty) => {{
            let v = array.as_primitive_opt::<$t>().ok_or(Unsupported)?.value(i);
            buf.clear();
            let _ = write!(buf, "{v}");
            Ok(buf.as_str())
        }};
    }
    macro_rules! text {
        ($e:expr) => {
            $e.map(|a| a.value(i)).ok_or(Unsupported)
        };
    }
    macro_rules! bytes {
        ($e:expr) => {{
            let b: &[u8] = $e.map(|a| a.value(i)).ok_or(Unsupported)?;
            std::str::from_utf8(b).map_err(|_| InvalidUtf8)
        }};
    }
    match array.data_type() {
        DataType::Utf8 => text!(array.as_string_opt::<i32>()),
        DataType::LargeUtf8 => text!(array.as_string_opt::<i64>()),
        DataType::Utf8View => text!(array.as_string_view_opt()),
        DataType::Binary => bytes!(array.as_binary_opt::<i32>()),
        DataType::LargeBinary => bytes!(array.as_binary_opt::<i64>()),
        DataType::BinaryView => bytes!(array.as_binary_view_opt()),
        DataType::Boolean => {
            let v = array.as_boolean_opt().ok_or(Unsupported)?.value(i);
            Ok(if v { "true" } else { "false" })
        }
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        _ => Err(Unsupported),
    }
}

/// Codes already given to dictionary entries within one batch.
enum Memo {
    /// One slot per dictionary entry (small dictionaries).
    Dense(Vec<Option<u32>>),
    /// Only the entries met (dictionaries much larger than the batch).
    Sparse(HashMap<usize, u32>),
}

impl Memo {
    fn new(values: usize, rows: usize) -> Memo {
        if values <= rows.saturating_mul(4).saturating_add(1024) {
            Memo::Dense(vec![None; values])
        } else {
            Memo::Sparse(HashMap::new())
        }
    }

    fn get(&self, k: usize) -> Option<u32> {
        match self {
            Memo::Dense(v) => v.get(k).copied().flatten(),
            Memo::Sparse(m) => m.get(&k).copied(),
        }
    }

    fn set(&mut self, k: usize, code: u32) {
        match self {
            Memo::Dense(v) => {
                if let Some(slot) = v.get_mut(k) {
                    *slot = Some(code);
                }
            }
            Memo::Sparse(m) => {
                m.insert(k, code);
            }
        }
    }
}

fn append_keys(array: &dyn Array, keys: &mut KeyBuilder, ctx: &Ctx<'_>) -> Result<(), IoError> {
    let nulls = array.logical_nulls();
    let is_null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
    let too_many = |i: usize| IoError::TooManyLevels {
        file: ctx.file.to_owned(),
        column: ctx.column.to_owned(),
        row: ctx.row(i),
    };
    let no_label = |why: NoLabel, i: usize| match why {
        NoLabel::Unsupported => ctx.unsupported(array.data_type(), "a key column"),
        NoLabel::InvalidUtf8 => IoError::InvalidUtf8 {
            file: ctx.file.to_owned(),
            column: ctx.column.to_owned(),
            row: ctx.row(i),
            line: None,
        },
    };
    let mut buf = String::new();
    if let Some(d) = array.as_any_dictionary_opt() {
        let values = d.values().as_ref();
        let normalized = d.normalized_keys();
        let mut memo = Memo::new(values.len(), normalized.len());
        for (i, &k) in normalized.iter().enumerate() {
            if is_null(i) {
                return Err(ctx.null(i));
            }
            let code = match memo.get(k) {
                Some(c) => c,
                None => {
                    let label = label_at(values, k, &mut buf).map_err(|why| no_label(why, i))?;
                    let c = keys.code(label).map_err(|()| too_many(i))?;
                    memo.set(k, c);
                    c
                }
            };
            keys.push_code(code);
        }
    } else {
        for i in 0..array.len() {
            if is_null(i) {
                return Err(ctx.null(i));
            }
            let label = label_at(array, i, &mut buf).map_err(|why| no_label(why, i))?;
            keys.push(label).map_err(|()| too_many(i))?;
        }
    }
    Ok(())
}
