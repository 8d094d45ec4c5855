"""Input adapters: pandas and Polars DataFrames, mappings of arrays, NumPy
arrays and files, all read the same way: numeric columns as contiguous
float64 arrays (a view, without copying, where the column already is one),
categorical columns as uint32 codes with their labels."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from gongfu import _gongfu
from gongfu._errors import InputError, OptionError


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def is_pandas(obj: object) -> bool:
    return _module_of(obj) == "pandas" and type(obj).__name__ == "DataFrame"


def is_polars(obj: object) -> bool:
    return _module_of(obj) == "polars" and type(obj).__name__ == "DataFrame"


def _missing(name: str, available: list[str]) -> InputError:
    close = difflib.get_close_matches(name, available, n=3, cutoff=0.6)
    hint = (
        " (did you mean " + ", ".join(repr(c) for c in close) + "?)"
        if close
        else f"; columns: {', '.join(available[:20])}{', …' if len(available) > 20 else ''}"
    )
    return InputError(f"no column {name!r}{hint}", column=name)


def _label_error(name: str, row: int, what: str) -> InputError:
    return InputError(
        f"column {name!r}, row {row}: {what} (every row needs a domain label)",
        column=name,
        row=row,
    )


class Key:
    """A coded categorical column: ``labels[codes[i]]`` is row i's label, and
    ``values[k]`` the original value behind ``labels[k]``. Integer columns
    keep their distinct values as an array and make the labels when asked."""

    def __init__(self, codes: np.ndarray, labels: list[str] | None, values: Any) -> None:
        self.codes = codes
        self._labels = labels
        self.values = values

    @property
    def labels(self) -> list[str]:
        if self._labels is None:
            self._labels = [str(v) for v in self.values.tolist()]
        return self._labels

    def by_label(self) -> dict[str, Any]:
        values = self.values.tolist() if isinstance(self.values, np.ndarray) else self.values
        return dict(zip(self.labels, values, strict=True))


def _check_labels(name: str, codes: np.ndarray, labels: list[str], values: list[Any]) -> Key:
    seen: dict[str, int] = {}
    for k, label in enumerate(labels):
        if label.strip() == "":
            row = int(np.argmax(codes == k)) + 1
            raise _label_error(name, row, "empty value")
        if label in seen:
            raise InputError(
                f"column {name!r}: the values {values[seen[label]]!r} and {values[k]!r} "
                f"have the same label {label!r}; convert the column to strings first",
                column=name,
            )
        seen[label] = k
    return Key(np.ascontiguousarray(codes, dtype=np.uint32), labels, values)


def _label(v: Any) -> str:
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode("utf-8", "replace")
    if isinstance(v, (np.generic,)):
        v = v.item()
    return str(v)


def _numeric_array(name: str, values: Any) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 1:
        raise InputError(f"column {name!r} must be one-dimensional, got shape {a.shape}", column=name)
    if a.dtype.kind == "b" or a.dtype.kind not in "iuf":
        if a.dtype.kind == "O":
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError):
                raise InputError(
                    f"column {name!r} is not numeric (dtype {a.dtype})", column=name
                ) from None
        else:
            raise InputError(f"column {name!r} is not numeric (dtype {a.dtype})", column=name)
    return np.ascontiguousarray(a, dtype=np.float64)


def _code_integers(a: np.ndarray) -> Key | None:
    """Integer labels over a range not much wider than the data: coded in
    one or two passes (labels in numeric order), without sorting or hashing."""
    if a.dtype.kind not in "iu" or a.size == 0:
        return None
    lo, hi = int(a.min()), int(a.max())
    span = hi - lo + 1
    if span > max(4 * a.size, 1 << 16):
        return None
    offset = a if lo == 0 else a - lo
    present = np.zeros(span, dtype=bool)
    present[offset] = True
    if present.all():  # the usual case: consecutive ids
        codes = offset.astype(np.uint32)
        values = np.arange(lo, hi + 1)
    else:
        remap = np.cumsum(present, dtype=np.int64) - 1
        codes = remap[offset].astype(np.uint32)
        values = np.flatnonzero(present) + lo
    # distinct integers: labels that are unique and never empty
    return Key(codes, None, values)


def _key_array(name: str, values: Any) -> Key:
    a = np.asarray(values)
    fast = _code_integers(a) if a.ndim == 1 else None
    if fast is not None:
        return fast
    if a.ndim != 1:
        raise InputError(f"column {name!r} must be one-dimensional, got shape {a.shape}", column=name)
    if a.dtype.kind == "f":
        bad = np.isnan(a)
        if bad.any():
            raise _label_error(name, int(np.argmax(bad)) + 1, "missing value (NaN)")
    if a.dtype.kind == "O":
        for i, v in enumerate(a):
            if v is None or (isinstance(v, float) and v != v):
                raise _label_error(name, i + 1, "missing value")
    try:
        uniq, codes = np.unique(a, return_inverse=True)
        values = list(uniq)
    except TypeError:  # mixed types: code in order of first appearance
        index: dict[Any, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in a), dtype=np.int64, count=len(a))
        values = list(index)
    return _check_labels(name, codes.reshape(-1), [_label(v) for v in values], values)


class Source:
    """Where the columns come from."""

    kind = "arrays"

    def columns(self) -> list[str]:
        raise NotImplementedError


    def numeric(self, name: str) -> np.ndarray:
        raise NotImplementedError

    def key(self, name: str) -> Key:
        raise NotImplementedError

    def require(self, name: str) -> None:
        cols = self.columns()
        if name not in cols:
            raise _missing(name, cols)

    def fetch(self, numeric: list[str], keys: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Key]]:
        for name in [*numeric, *keys]:
            self.require(name)
        return {n: self.numeric(n) for n in numeric}, {k: self.key(k) for k in keys}


class PandasSource(Source):
    kind = "pandas"

    def __init__(self, df: Any) -> None:
        self.df = df

    def columns(self) -> list[str]:
        return [str(c) for c in self.df.columns]


    def _col(self, name: str) -> Any:
        self.require(name)
        return self.df[name]

    def numeric(self, name: str) -> np.ndarray:
        import pandas as pd

        s = self._col(name)
        dt = s.dtype
        if pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
            raise InputError(f"column {name!r} is not numeric (dtype {dt})", column=name)
        if isinstance(dt, pd.api.extensions.ExtensionDtype) and not isinstance(dt, np.dtype):
            na = s.isna().to_numpy()
            if na.any():
                row = int(np.argmax(na)) + 1
                raise InputError(f"column {name!r}, row {row}: missing value", column=name, row=row)
        return np.ascontiguousarray(s.to_numpy(dtype=np.float64, copy=False))

    def key(self, name: str) -> Key:
        import pandas as pd

        s = self._col(name)
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
            fast = _code_integers(s.to_numpy())
            if fast is not None:
                return fast
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if (codes < 0).any():
            raise _label_error(name, int(np.argmax(codes < 0)) + 1, "missing value")
        values = list(uniques)
        return _check_labels(name, codes, [_label(v) for v in values], values)


class PolarsSource(Source):
    kind = "polars"

    def __init__(self, df: Any) -> None:
        self.df = df

    def columns(self) -> list[str]:
        return list(self.df.columns)


    def _col(self, name: str) -> Any:
        self.require(name)
        s = self.df.get_column(name)
        if s.null_count():
            row = int(s.is_null().arg_max()) + 1
            raise InputError(f"column {name!r}, row {row}: missing (null) value", column=name, row=row)
        return s

    def numeric(self, name: str) -> np.ndarray:
        import polars as pl

        s = self._col(name)
        if not s.dtype.is_numeric():
            raise InputError(f"column {name!r} is not numeric (dtype {s.dtype})", column=name)
        return np.ascontiguousarray(s.cast(pl.Float64).to_numpy(), dtype=np.float64)

    def key(self, name: str) -> Key:
        import polars as pl

        s = self._col(name)
        if s.dtype == pl.Float32 or s.dtype == pl.Float64:
            nan = s.is_nan()
            if nan.any():
                raise _label_error(name, int(nan.arg_max()) + 1, "missing value (NaN)")
        if s.dtype.is_integer():
            fast = _code_integers(s.to_numpy())
            if fast is not None:
                return fast
        if s.dtype == pl.Categorical or s.dtype == pl.Enum:
            s = s.cast(pl.String)
        codes = (s.rank("dense").cast(pl.UInt32) - 1).to_numpy()
        values = s.unique().sort().to_list()
        return _check_labels(name, codes, [_label(v) for v in values], values)


class ArraySource(Source):
    """A mapping of column names to array-likes (NumPy arrays, lists)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = {str(k): v for k, v in data.items()}
        lengths = {k: len(v) for k, v in self.data.items()}
        if lengths:
            first, n = next(iter(lengths.items()))
            for k, m in lengths.items():
                if m != n:
                    raise InputError(
                        f"column {k!r} has {m} rows, expected {n} (as column {first!r})", column=k
                    )

    def columns(self) -> list[str]:
        return list(self.data)


    def numeric(self, name: str) -> np.ndarray:
        self.require(name)
        return _numeric_array(name, self.data[name])

    def key(self, name: str) -> Key:
        self.require(name)
        return _key_array(name, self.data[name])


class FileSource(Source):
    """A CSV or Parquet file, read through gongfu's own readers: only the
    columns a computation needs, each time it needs them."""

    kind = "file"

    def __init__(self, path: str | os.PathLike[str], fmt: str | None, delimiter: str | None) -> None:
        self.path = os.fspath(path)
        self.fmt = fmt
        self.delimiter = delimiter
        self._columns: list[str] | None = None

    def columns(self) -> list[str]:
        if self._columns is None:
            self._columns = list(_gongfu.column_names(self.path, self.fmt, self.delimiter))
        return self._columns


    def require(self, name: str) -> None:
        cols = self.columns()
        if name not in cols:
            err = _missing(name, cols)
            raise InputError(f"{self.path}: {err.message}", column=name)

    def fetch(self, numeric: list[str], keys: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Key]]:
        for name in [*numeric, *keys]:
            self.require(name)
        requests = [(n, "numeric") for n in numeric] + [(k, "key") for k in keys]
        got = _gongfu.read_columns(self.path, requests, self.fmt, self.delimiter)
        nums: dict[str, np.ndarray] = {}
        for name, col in zip(numeric, got[: len(numeric)], strict=True):
            assert isinstance(col, np.ndarray)
            nums[name] = col
        ks: dict[str, Key] = {}
        for name, (codes, labels) in zip(keys, got[len(numeric) :], strict=True):
            for k, label in enumerate(labels):
                if label.strip() == "":
                    raise _label_error(name, int(np.argmax(codes == k)) + 1, "empty value")
            ks[name] = Key(codes, list(labels), list(labels))
        return nums, ks

    def numeric(self, name: str) -> np.ndarray:
        return self.fetch([name], [])[0][name]

    def key(self, name: str) -> Key:
        return self.fetch([], [name])[1][name]


def source_of(data: Any, fmt: str | None = None, delimiter: str | None = None) -> Source:
    """The adapter for ``data``."""
    if is_pandas(data):
        return PandasSource(data)
    if is_polars(data):
        return PolarsSource(data)
    if isinstance(data, (str, os.PathLike)):
        return FileSource(data, fmt, delimiter)
    if isinstance(data, Mapping):
        return ArraySource(data)
    if isinstance(data, np.ndarray) or isinstance(data, (list, tuple)):
        return ArraySource({"income": data})
    if _module_of(data) == "pyarrow" and hasattr(data, "column_names"):
        return ArraySource({name: data.column(name).to_numpy() for name in data.column_names})
    raise OptionError(
        "data must be a pandas or Polars DataFrame, a mapping of column names to arrays, "
        f"a NumPy array or a file path, got {type(data).__name__}"
    )
