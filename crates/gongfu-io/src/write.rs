//! Atomic, streamed table writers.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tempfile::NamedTempFile;

use crate::error::one_line;
use crate::{Format, IoError, display};

/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 1 << 20;
/// Rows handed to the Parquet encoder at a time.
const CHUNK_ROWS: usize = 1 << 16;
/// String bytes handed to the Parquet encoder at a time (well below the 2 GiB
/// limit of an Arrow string array).
const CHUNK_STRING_BYTES: usize = 1 << 28;

/// A file written under a temporary name in its destination directory and
/// renamed onto the destination only by [`AtomicFile::commit`]. Dropped
/// without a commit, the temporary file is deleted and the destination is
/// left as it was.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file beside `path`.
    pub fn create(path: &Path) -> Result<Self, IoError> {
        let file = display(path);
        let name = path.file_name().ok_or_else(|| IoError::Write {
            file: file.clone(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Subject to the umask, as for an ordinary new file.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder
            .tempfile_in(dir)
            .map_err(|source| IoError::Write { file, source })?;
        Ok(AtomicFile {
            tmp,
            dest: path.to_path_buf(),
        })
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// The temporary file's path (it exists until commit or drop).
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Flushes, syncs and renames the temporary file onto the destination,
    /// replacing any file there.
    pub fn commit(mut self) -> Result<(), IoError> {
        let file = display(&self.dest);
        let err = |source| IoError::Write {
            file: file.clone(),
            source,
        };
        self.tmp.flush().map_err(err)?;
        self.tmp.as_file().sync_all().map_err(err)?;
        self.tmp.persist(&self.dest).map_err(|e| err(e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.tmp.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// The type of a column written by [`TableWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutKind {
    /// 64-bit floats (Parquet DOUBLE).
    F64,
    /// 64-bit floats that may be missing (nullable Parquet DOUBLE; an empty CSV cell).
    OptF64,
    /// 64-bit signed integers (Parquet INT64).
    I64,
    /// UTF-8 strings (Parquet BYTE_ARRAY, UTF8).
    Str,
}

/// A batch of values of one column, for [`TableWriter::write_batch`].
#[derive(Debug, Clone, PartialEq)]
pub enum OutColumn {
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 64-bit floats that may be missing.
    OptF64(Vec<Option<f64>>),
    /// 64-bit signed integers.
    I64(Vec<i64>),
    /// Strings.
    Str(Vec<String>),
}

impl OutColumn {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            OutColumn::F64(v) => v.len(),
            OutColumn::OptF64(v) => v.len(),
            OutColumn::I64(v) => v.len(),
            OutColumn::Str(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the values `start..end`.
    ///
    /// # Panics
    /// When the range is out of bounds (a caller's error, not data).
    pub fn slice(&self, start: usize, end: usize) -> OutColumn {
        match self {
            OutColumn::F64(v) => OutColumn::F64(v[start..end].to_vec()),
            OutColumn::OptF64(v) => OutColumn::OptF64(v[start..end].to_vec()),
            OutColumn::I64(v) => OutColumn::I64(v[start..end].to_vec()),
            OutColumn::Str(v) => OutColumn::Str(v[start..end].to_vec()),
        }
    }

    /// The kind of the values.
    pub fn kind(&self) -> OutKind {
        match self {
            OutColumn::F64(_) => OutKind::F64,
            OutColumn::OptF64(_) => OutKind::OptF64,
            OutColumn::I64(_) => OutKind::I64,
            OutColumn::Str(_) => OutKind::Str,
        }
    }
}

enum Sink {
    Csv(Box<csv::Writer<AtomicFile>>),
    Parquet(Box<ArrowWriter<AtomicFile>>, SchemaRef),
}

/// Writes a table in batches to CSV or Parquet, atomically.
///
/// Memory stays bounded: CSV rows go straight to the file; Parquet rows are
/// encoded into row groups of about a million rows (zstd-compressed) and
/// flushed as each fills. The data goes to a temporary file in the
/// destination directory, which [`TableWriter::finish`] renames onto the
/// destination; dropping the writer (or any error) leaves the destination
/// untouched and no temporary file behind.
///
/// CSV floats are written in Rust's shortest round-trip form, so reading them
/// back gives the same bits.
pub struct TableWriter {
    file: String,
    columns: Vec<(String, OutKind)>,
    sink: Sink,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let format = match self.sink {
            Sink::Csv(_) => Format::Csv,
            Sink::Parquet(..) => Format::Parquet,
        };
        f.debug_struct("TableWriter")
            .field("file", &self.file)
            .field("format", &format)
            .field("columns", &self.columns)
            .finish()
    }
}

fn kind_name(kind: OutKind) -> &'static str {
    match kind {
        OutKind::F64 => "f64",
        OutKind::OptF64 => "optional f64",
        OutKind::I64 => "i64",
        OutKind::Str => "string",
    }
}

impl TableWriter {
    /// Starts a table at `path` with the given column names and types; the
    /// format is `format` or else told from the extension.
    pub fn create(
        path: &Path,
        format: Option<Format>,
        schema: &[(String, OutKind)],
    ) -> Result<Self, IoError> {
        let file = display(path);
        let format = Format::resolve(format, path)?;
        if schema.is_empty() {
            return Err(IoError::BadBatch {
                file,
                message: "a table needs at least one column".to_string(),
            });
        }
        let out = AtomicFile::create(path)?;
        let sink = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(out);
                w.write_record(schema.iter().map(|(name, _)| name.as_bytes()))
                    .map_err(|e| csv_write_error(&file, e))?;
                Sink::Csv(Box::new(w))
            }
            Format::Parquet => {
                let fields: Vec<Field> = schema
                    .iter()
                    .map(|(name, kind)| {
                        let dt = match kind {
                            OutKind::F64 | OutKind::OptF64 => DataType::Float64,
                            OutKind::I64 => DataType::Int64,
                            OutKind::Str => DataType::Utf8,
                        };
                        Field::new(name, dt, *kind == OutKind::OptF64)
                    })
                    .collect();
                let arrow_schema = Arc::new(Schema::new(fields));
                let level = ZstdLevel::try_new(3).map_err(|e| parquet_error(&file, e))?;
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(level))
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .build();
                let w = ArrowWriter::try_new(out, arrow_schema.clone(), Some(props))
                    .map_err(|e| parquet_error(&file, e))?;
                Sink::Parquet(Box::new(w), arrow_schema)
            }
        };
        Ok(TableWriter {
            file,
            columns: schema.to_vec(),
            sink,
        })
    }

    /// Appends rows: one [`OutColumn`] per schema column, in schema order, of
    /// equal lengths and matching types.
    pub fn write_batch(&mut self, columns: Vec<OutColumn>) -> Result<(), IoError> {
        self.check(&columns)?;
        let nrows = columns.first().map_or(0, OutColumn::len);
        if nrows == 0 {
            return Ok(());
        }
        match &mut self.sink {
            Sink::Csv(w) => {
                write_csv_rows(w, &columns, nrows).map_err(|e| csv_write_error(&self.file, e))
            }
            Sink::Parquet(w, schema) => {
                let mut start = 0;
                while start < nrows {
                    let end = chunk_end(&columns, start, nrows);
                    let arrays: Vec<ArrayRef> =
                        columns.iter().map(|c| slice_array(c, start, end)).collect();
                    let batch = RecordBatch::try_new(schema.clone(), arrays)
                        .map_err(|e| parquet_error(&self.file, e))?;
                    w.write(&batch).map_err(|e| parquet_error(&self.file, e))?;
                    start = end;
                }
                Ok(())
            }
        }
    }

    /// Completes the file and renames it onto the destination.
    pub fn finish(self) -> Result<(), IoError> {
        let file = self.file;
        let out = match self.sink {
            Sink::Csv(w) => w.into_inner().map_err(|e| IoError::Write {
                file: file.clone(),
                source: e.into_error(),
            })?,
            Sink::Parquet(w, _) => w.into_inner().map_err(|e| parquet_error(&file, e))?,
        };
        out.commit()
    }

    fn check(&self, columns: &[OutColumn]) -> Result<(), IoError> {
        let bad = |message: String| IoError::BadBatch {
            file: self.file.clone(),
            message,
        };
        if columns.len() != self.columns.len() {
            return Err(bad(format!(
                "a batch of {} columns for a table of {}",
                columns.len(),
                self.columns.len()
            )));
        }
        for (col, (name, kind)) in columns.iter().zip(&self.columns) {
            if col.kind() != *kind {
                return Err(bad(format!(
                    "column {name:?} is {} but the batch gives {} values",
                    kind_name(*kind),
                    kind_name(col.kind())
                )));
            }
        }
        if let Some(first) = columns.first() {
            for (col, (name, _)) in columns.iter().zip(&self.columns) {
                if col.len() != first.len() {
                    return Err(bad(format!(
                        "column {name:?} has {} values in a batch where column {:?} has {}",
                        col.len(),
                        self.columns[0].0,
                        first.len()
                    )));
                }
            }
        }
        Ok(())
    }
}

fn write_csv_rows(
    w: &mut csv::Writer<AtomicFile>,
    columns: &[OutColumn],
    nrows: usize,
) -> Result<(), csv::Error> {
    let mut record = csv::ByteRecord::new();
    let mut buf = String::new();
    for i in 0..nrows {
        record.clear();
        for col in columns {
            match col {
                OutColumn::F64(v) => {
                    buf.clear();
                    let _ = write!(buf, "{}", v[i]);
                    record.push_field(buf.as_bytes());
                }
                OutColumn::OptF64(v) => match v[i] {
                    Some(x) => {
                        buf.clear();
                        let _ = write!(buf, "{x}");
                        record.push_field(buf.as_bytes());
                    }
                    None => record.push_field(b""),
                },
                OutColumn::I64(v) => {
                    buf.clear();
                    let _ = write!(buf, "{}", v[i]);
                    record.push_field(buf.as_bytes());
                }
                OutColumn::Str(v) => record.push_field(v[i].as_bytes()),
            }
        }
        w.write_byte_record(&record)?;
    }
    Ok(())
}

/// The end of the chunk starting at `start`: at most `CHUNK_ROWS` rows and
/// about `CHUNK_STRING_BYTES` bytes of strings per column (at least one row).
fn chunk_end(columns: &[OutColumn], start: usize, nrows: usize) -> usize {
    let mut end = (start + CHUNK_ROWS).min(nrows);
    for col in columns {
        if let OutColumn::Str(v) = col {
            let mut bytes = 0usize;
            for (j, s) in v[start..end].iter().enumerate() {
                bytes += s.len();
                if bytes > CHUNK_STRING_BYTES {
                    end = start + j.max(1);
                    break;
                }
            }
        }
    }
    end
}

fn slice_array(col: &OutColumn, start: usize, end: usize) -> ArrayRef {
    match col {
        OutColumn::F64(v) => Arc::new(Float64Array::from(v[start..end].to_vec())),
        OutColumn::OptF64(v) => Arc::new(Float64Array::from(v[start..end].to_vec())),
        OutColumn::I64(v) => Arc::new(Int64Array::from(v[start..end].to_vec())),
        OutColumn::Str(v) => Arc::new(StringArray::from_iter_values(&v[start..end])),
    }
}

fn csv_write_error(file: &str, e: csv::Error) -> IoError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => io::Error::other(one_line(&format!("{other:?}"))),
    };
    IoError::Write {
        file: file.to_owned(),
        source,
    }
}

fn parquet_error(file: &str, e: impl std::fmt::Display) -> IoError {
    IoError::ParquetWrite {
        file: file.to_owned(),
        message: one_line(&e.to_string()),
    }
}
