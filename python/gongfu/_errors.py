"""The exceptions of gongfu.

Every failure is a :class:`GongfuError`; the subclass says what kind. The
messages are those of the ``gongfu`` command line (naming the column, the row
and the domain where they apply), with the command line's flags replaced by
the keywords of this API.

Rows are counted as the command line counts them: ``row`` is the 1-based data
row (the first row of the data is row 1), and ``iloc`` is the same row as a
0-based position, so that ``df.iloc[err.iloc]`` shows the offending row.

>>> import gongfu, numpy as np
>>> try:
...     gongfu.Design({"x": np.array([1.0, np.nan])}).mean("x")
... except gongfu.InputError as e:
...     print(e.column, e.row, e.iloc)
x 2 1
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "DesignError",
    "GongfuError",
    "InputError",
    "InternalError",
    "MeasureError",
    "OptionError",
]


class GongfuError(Exception):
    """Base class of every error gongfu raises.

    Attributes
    ----------
    message:
        The message, one line.
    column:
        The input column at fault, if any.
    row:
        The 1-based data row at fault, if any (as in the message).
    iloc:
        ``row - 1``: the 0-based position of that row, if any.
    measure:
        The measure id the error is about, if any.
    domain:
        The domain (``"county=C01, urban=1"``) the error is about, if any.
    position:
        The 0-based character position in a measure list that does not parse.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
        measure: str | None = None,
        domain: str | None = None,
        position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.row = row
        self.iloc = row - 1 if row is not None else None
        self.measure = measure
        self.domain = domain
        self.position = position

    def __str__(self) -> str:
        return self.message


class InputError(GongfuError, ValueError):
    """Unusable input data: a missing or unknown column, a value that is not a
    finite number, a weight that is not > 0, columns of different lengths, a
    missing domain label, an unreadable file."""


class MeasureError(GongfuError, ValueError):
    """A measure list that does not parse, an unknown measure (with the
    closest id suggested) or a bad parameter."""


class ComputationError(GongfuError, ValueError):
    """A measure that is undefined for these data: an empty domain, incomes
    that must be positive and are not (``nonpositive="exclude"`` computes it
    on the rest), a zero denominator, no valid Lorenz fit."""


class DesignError(GongfuError, ValueError):
    """An unusable sampling design: a stratum with one PSU (see
    ``lonely_psu=``), a bad finite-population correction, bad replicate
    weights."""


class OptionError(GongfuError, ValueError):
    """A keyword argument with a value outside its choices."""


class InternalError(GongfuError, RuntimeError):
    """A bug in gongfu (a caught panic of the native code). Please report it
    with the data that triggered it."""


for _cls in (GongfuError, InputError, MeasureError, ComputationError, DesignError, OptionError, InternalError):
    _cls.__module__ = "gongfu"
del _cls
