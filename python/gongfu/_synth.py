"""``gongfu.synth``: the deterministic demo province's household survey."""

from __future__ import annotations

from typing import Any

from gongfu import _gongfu
from gongfu._errors import OptionError
from gongfu._output import resolve

__all__ = ["DEFAULT_SEED", "synth"]

DEFAULT_SEED: int = _gongfu.DEFAULT_SEED


def _years(years: Any) -> tuple[int, int]:
    if isinstance(years, int):
        return years, years
    if isinstance(years, str):
        a, _, b = years.partition("-")
        try:
            return int(a), int(b or a)
        except ValueError:
            raise OptionError(f"years must look like 2020-2025 or 2022, got {years!r}") from None
    if isinstance(years, range):
        if len(years) == 0 or years.step != 1:
            raise OptionError(f"years must be a non-empty range of consecutive years, got {years!r}")
        return years.start, years[-1]
    try:
        first, last = years
        return int(first), int(last)
    except (TypeError, ValueError):
        raise OptionError(
            f"years must be a year, (first, last), a range or '2020-2025', got {years!r}"
        ) from None


def synth(
    households: int = 30000,
    *,
    years: Any = (2020, 2025),
    seed: int = DEFAULT_SEED,
    output: str | None = None,
) -> Any:
    """The demo province's survey sample (``gongfu synth``): ``households``
    households observed every year of ``years`` (within 2020–2025), a
    stratified two-stage design (``stratum`` = county × urban/rural, ``psu``),
    household ``weight`` and person weight ``pweight``, incomes by source,
    ``disposable`` and per-capita ``pc_income``. Deterministic from ``seed``.

    >>> import gongfu
    >>> df = gongfu.synth(households=1000, years=2022)
    >>> df.shape
    (1000, 21)
    >>> list(df.columns[:4])
    ['hh_id', 'year', 'city', 'county']
    """
    if isinstance(households, bool) or not isinstance(households, int) or households <= 0:
        raise OptionError(f"households must be a positive integer, got {households!r}")
    first, last = _years(years)
    if not (0 <= first <= 65535 and 0 <= last <= 65535):
        raise OptionError(f"years out of range: {first}-{last}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not (0 <= seed < 2**64):
        raise OptionError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    cols = _gongfu.synth(households, first, last, seed)
    out = resolve(output, "arrays")
    if out == "dict":
        return cols
    if out == "pandas":
        import pandas as pd

        return pd.DataFrame(cols)
    import polars as pl

    return pl.DataFrame(cols)
