"""Results as pandas or Polars DataFrames (or a dict of NumPy arrays)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from gongfu._errors import OptionError

Output = Literal["pandas", "polars", "dict"]
OUTPUTS = ("pandas", "polars", "dict")


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def resolve(output: str | None, source_kind: str) -> str:
    """The output type: as asked, else the input's DataFrame library, else
    pandas, Polars or a dict, whichever is installed first."""
    if output is not None:
        if output not in OUTPUTS:
            raise OptionError(f"output must be pandas, polars or dict, got {output!r}")
        if output != "dict" and not _importable(output):
            raise OptionError(f"output={output!r} needs the {output} package, which is not installed")
        return output
    if source_kind in ("pandas", "polars"):
        return source_kind
    for lib in ("pandas", "polars"):
        if _importable(lib):
            return lib
    return "dict"


def _by_values(labels: list[str | None], values: dict[str, Any] | None) -> list[Any]:
    if not values:
        return list(labels)
    return [None if label is None else values.get(label, label) for label in labels]


def frame(
    res: Mapping[str, Any],
    output: str,
    by_values: dict[str, dict[str, Any]] | None = None,
    *,
    excluded: bool = False,
    extra: tuple[str, ...] = (),
) -> Any:
    """The DataFrame of a result dict of the native module: measure, params,
    one column per domain variable (None on the overall row), value, se,
    ci_lo, ci_hi, n, population (then ``excluded`` and ``extra``)."""
    by_values = by_values or {}
    cols: dict[str, Any] = {"measure": res["measure"], "params": res["params"]}
    for name in res["by_names"]:
        if name in cols:
            raise OptionError(f"a domain column may not be called {name!r}")
        cols[name] = _by_values(res["by"][name], by_values.get(name))
    for c in ("value", "se", "ci_lo", "ci_hi", "n", "population"):
        cols[c] = res[c]
    if excluded:
        cols["excluded"] = res["excluded"]
    for c in extra:
        cols[c] = res[c]
    meta = json.loads(res["meta"])
    if output == "dict":
        return cols
    if output == "pandas":
        import pandas as pd

        data: dict[str, Any] = {}
        for k, v in cols.items():
            if k in res["by_names"]:
                data[k] = _pandas_by(pd, v)
            else:
                data[k] = v
        df = pd.DataFrame(data)
        df.attrs["meta"] = meta
        return df
    import polars as pl

    series = []
    for k, v in cols.items():
        if isinstance(v, np.ndarray):
            s = pl.Series(k, v)
            if k in ("se", "ci_lo", "ci_hi"):
                s = s.fill_nan(None)
        else:
            s = pl.Series(k, v, strict=False)
        series.append(s)
    return pl.DataFrame(series)


def _pandas_by(pd: Any, values: list[Any]) -> Any:
    """A domain column for pandas: nullable integers, floats, strings or objects."""
    present = [v for v in values if v is not None]
    if present and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present
    ):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, (float, np.floating)) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if present and all(isinstance(v, str) for v in present):
        return pd.array(values)
    return pd.array(values, dtype=object)
