"""``gongfu.grouped``: measures from published group tables (quintile or
decile means or shares), as ``gongfu grouped`` computes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gongfu import _gongfu
from gongfu._design import measure_list
from gongfu._errors import InputError, OptionError
from gongfu._frame import source_of
from gongfu._output import frame, resolve

if TYPE_CHECKING:
    from gongfu._gongfu import Table

__all__ = ["grouped"]


def _table(label: str, table: Any, mean: float | None, weight: float) -> tuple[Table, str]:
    src = source_of(table)
    cols = src.columns()
    if "pop_share" not in cols:
        src.require("pop_share")
    if "mean" in cols:
        kind = "mean"
    elif "income_share" in cols:
        kind = "income_share"
    else:
        raise InputError(
            f"table {label!r} needs a column 'income_share' (income shares) or 'mean' "
            f"(group means); columns: {', '.join(cols)}"
        )
    nums, _ = src.fetch(["pop_share", kind], [])
    return (
        {
            "label": label,
            "pop_share": [float(v) for v in nums["pop_share"]],
            "income": [float(v) for v in nums[kind]],
            "income_kind": kind,
            "mean": None if mean is None else float(mean),
            "weight": float(weight),
        },
        src.kind,
    )


def grouped(
    table: Any = None,
    measures: str | Sequence[str] | None = None,
    *,
    mean: float | None = None,
    tables: Mapping[str, Any] | None = None,
    weights: Mapping[str, float] | None = None,
    means: Mapping[str, float] | None = None,
    output: str | None = None,
) -> Any:
    """Measures from a grouped table through parametric Lorenz curves (the
    General Quadratic and the Beta, fitted and chosen as the World Bank's PIP
    does).

    ``table`` has one row per group, poorest first, with ``pop_share``
    (fractions summing to 1 or percentages summing to 100) and either
    ``mean`` (each group's mean income) or ``income_share`` (then give
    ``mean``, the overall mean). ``tables`` combines several tables (label →
    table) as the population-weighted mixture with ``weights`` (label →
    population share or count) and ``means`` (label → overall mean, for
    tables of income shares); results come for the mixture (``table="all"``)
    and for each table.

    Measures: mean, median, quantile(p), deciles, gini, lorenz(p),
    lorenz_curve(points=20), top_share(f=0.1), bottom_share(f=0.4), palma,
    qsr, p90p10, p80p20, arpr(pct=0.6), fgt(alpha=0,line=0.6*median),
    watts(line=0.6*median), middle_share(lo=0.75*median,hi=2*median),
    prosperity_gap(z). The result has the columns of ``Design.measures``
    plus ``model`` (the fit each value comes from) and ``reason``.

    >>> import gongfu
    >>> t = {"pop_share": [0.2] * 5, "mean": [9000.0, 16000.0, 23000.0, 33000.0, 62000.0]}
    >>> r = gongfu.grouped(t, ["gini", "fgt(0,line=12000)"], output="dict")
    >>> r["measure"], r["model"]
    (['gini', 'fgt'], ['gq', 'beta'])
    >>> bool(0.3 < r["value"][0] < 0.4)
    True
    """
    lst = measure_list(measures)
    if (table is None) == (tables is None):
        raise OptionError("give either table (one table) or tables (several to combine)")
    if tables is not None:
        if not isinstance(tables, Mapping) or not tables:
            raise OptionError("tables must be a non-empty mapping of labels to tables")
        if mean is not None:
            raise OptionError("mean applies to one table; with tables give means={label: mean}")
        weights = dict(weights or {})
        means = dict(means or {})
        missing = [k for k in tables if k not in weights]
        if missing:
            raise OptionError(f"weights has no weight for table(s) {', '.join(map(repr, missing))}")
        for extra in [*weights, *means]:
            if extra not in tables:
                raise OptionError(f"no table is labelled {extra!r}")
        args: list[Table] = []
        kind = "arrays"
        for label, t in tables.items():
            arg, kind = _table(str(label), t, means.get(label), weights[label])
            args.append(arg)
        res = _gongfu.grouped(args, lst, True, False)
    else:
        arg, kind = _table("all", table, mean, 1.0)
        res = _gongfu.grouped([arg], lst, False, False)
    return frame(res, resolve(output, kind), extra=("model", "reason"))
