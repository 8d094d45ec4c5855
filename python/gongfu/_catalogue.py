"""The measure catalogue: every measure, its parameters and its peer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from gongfu import _gongfu
from gongfu._design import measure_list

__all__ = ["MeasureInfo", "catalogue", "catalogue_text", "parse_measures"]


class MeasureInfo(TypedDict):
    """One measure of the catalogue."""

    id: str
    summary: str
    peer: str
    family: str
    params: list[tuple[str, str | None, str]]


def catalogue() -> list[MeasureInfo]:
    """Every measure of the catalogue: ``id``, ``summary``, ``peer``,
    ``family`` and ``params`` as ``(name, default, doc)`` with ``default``
    None for a required parameter (``gongfu measures``).

    >>> import gongfu
    >>> [m["id"] for m in gongfu.catalogue()][:4]
    ['count', 'population', 'total', 'mean']
    >>> next(m for m in gongfu.catalogue() if m["id"] == "fgt")["params"][0][:2]
    ('alpha', '0')
    """
    out: list[Any] = _gongfu.catalogue()
    return out


def catalogue_text() -> str:
    """The catalogue as ``gongfu measures`` prints it."""
    text: str = _gongfu.catalogue_text()
    return text


def parse_measures(measures: str | Sequence[str]) -> list[str]:
    """Checks a measure list and returns each call with its parameters named
    (raises ``MeasureError`` with the closest id for an unknown measure).

    >>> import gongfu
    >>> gongfu.parse_measures('gini,"fgt(1,line=20000)",ge(2)')
    ['gini', 'fgt(alpha=1,line=20000)', 'ge(alpha=2)']
    """
    calls: list[str] = _gongfu.parse_measures(measure_list(measures))
    return calls
