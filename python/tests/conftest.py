"""Shared fixtures, and the rule that nothing is skipped: a test that cannot
run (a missing package, a skip marker) fails the session instead."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl  # noqa: F401  (required: the suite fails without it)
import pytest
import tempfile

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# nothing written into the source tree: no example database (every run draws
# afresh), hypothesis's caches in a temporary directory
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="gongfu-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
settings.register_profile("gongfu", database=None, print_blob=True)
settings.load_profile("gongfu")

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "testdata" / "conformance"

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HYPOTHESIS_HOME, ignore_errors=True)
    if _skipped:
        print(f"\nskipped tests are failures here: {', '.join(_skipped)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


INTEGER = {"hh_id", "year", "mountain", "urban", "psu", "hh_size", "n_adults", "n_children"}
TEXT = {"county", "stratum"}


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV with Python's own (correctly rounded) float parsing, so that the
    values are bit for bit those the reference was computed from."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    cols: dict[str, object] = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        if name in TEXT:
            cols[name] = values
        elif name in INTEGER:
            cols[name] = np.array([int(v) for v in values], dtype=np.int64)
        else:
            cols[name] = np.array([float(v) for v in values], dtype=np.float64)
    return pd.DataFrame(cols)


@pytest.fixture(scope="session")
def households() -> pd.DataFrame:
    return read_csv(CONFORMANCE / "households.csv")


@pytest.fixture(scope="session")
def households_2022() -> pd.DataFrame:
    return read_csv(CONFORMANCE / "households_2022.csv")


@pytest.fixture(scope="session")
def reference_rows() -> list[dict[str, str]]:
    with open(CONFORMANCE / "reference_values.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def bootstrap50(households: pd.DataFrame) -> pd.DataFrame:
    """R's 50 bootstrap replicate weights (analysis weights), joined by hh_id."""
    reps = read_csv(CONFORMANCE / "bootstrap50_weights.csv")
    joined = households[["hh_id"]].merge(reps, on="hh_id", how="left", validate="one_to_one")
    assert not joined.isna().any().any()
    return joined
