"""Type stubs of the native module ``gongfu._gongfu`` (PyO3). Private: the
public API is the ``gongfu`` package, which builds the arguments below."""

from collections.abc import Sequence
from os import PathLike
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

__version__: str
DEFAULT_SEED: int

F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
KeyArg = tuple[str, U32, list[str]]

class Sample(TypedDict):
    """One sample's columns; every key present (None where absent)."""

    income: F64
    weight: F64 | None
    size: F64 | None
    adults: F64 | None
    children: F64 | None
    keys: list[KeyArg]
    numerics: list[tuple[str, F64]]
    strata: KeyArg | None
    psu: KeyArg | None
    fpc: F64 | None
    replicates: list[F64]
    names: dict[str, str]

class Options(TypedDict):
    rule: str
    nonpositive: str
    welfare: str
    scale: str | None
    se: bool
    level: float
    ci: str
    lonely_psu: str
    skip_undefined: bool
    rep_type: str | None
    rep_scale: float | None
    rep_rscales: list[float] | None
    mse: bool
    replicates: str | None
    seed: int
    json: bool

class DynamicsOptions(TypedDict):
    rule: str
    nonpositive: str
    welfare: str
    scale: str | None
    years: float
    skip_undefined: bool
    json: bool

class Table(TypedDict):
    label: str
    pop_share: list[float]
    income: list[float]
    income_kind: str
    mean: float | None
    weight: float

class Result(TypedDict, total=False):
    """Results as columns: ``by`` maps each domain variable to its labels
    (None on the overall row); NaN where an SE or interval is absent;
    ``meta`` is JSON; ``json`` the report of ``gongfu compute --format json``
    when asked for; ``model`` and ``reason`` for grouped data."""

    measure: list[str]
    params: list[str]
    by: dict[str, list[str | None]]
    by_names: list[str]
    value: F64
    se: F64
    ci_lo: F64
    ci_hi: F64
    n: I64
    population: F64
    excluded: I64
    meta: str
    json: str
    model: list[str]
    reason: list[str]

def catalogue() -> list[dict[str, Any]]: ...
def catalogue_text() -> str: ...
def parse_measures(list: str) -> list[str]: ...
def references(list: str) -> tuple[list[str], list[str]]: ...
def compute(sample: Sample, measures: str, by: Sequence[str], options: Options) -> Result: ...
def dynamics(
    current: Sample, baseline: Sample, measures: str, by: Sequence[str], options: DynamicsOptions
) -> Result: ...
def grouped(tables: Sequence[Table], measures: str, combined: bool, json: bool) -> Result: ...
def synth(households: int, first_year: int, last_year: int, seed: int) -> dict[str, Any]: ...
def column_names(path: str | PathLike[str], format: str | None = None, delimiter: str | None = None) -> list[str]: ...
def read_columns(
    path: str | PathLike[str],
    requests: Sequence[tuple[str, str]],
    format: str | None = None,
    delimiter: str | None = None,
) -> list[F64 | tuple[U32, list[str]]]: ...
def _panic_for_test() -> None: ...
