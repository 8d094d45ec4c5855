"""gongfu (共富): exact income-distribution measures — inequality, poverty,
the middle-income group, their decompositions and dynamics — with
design-based standard errors, from NumPy arrays, pandas or Polars DataFrames,
or CSV and Parquet files.

>>> import gongfu
>>> df = gongfu.synth(households=3000, years=2022)
>>> d = gongfu.Design(df, weight="weight", strata="stratum", psu="psu",
...                   welfare="per_capita", hh_size="hh_size")
>>> g = d.gini("disposable", se=True)
>>> bool(0.2 < g["value"].iloc[0] < 0.5 and g["se"].iloc[0] > 0)
True

The measures, their conventions and peers: ``gongfu.catalogue()`` and
``docs/measures.md``; standard errors: ``docs/variance.md``; this API:
``docs/python.md``.
"""

from gongfu._catalogue import MeasureInfo, catalogue, catalogue_text, parse_measures
from gongfu._design import Design, measure_call
from gongfu._errors import (
    ComputationError,
    DesignError,
    GongfuError,
    InputError,
    InternalError,
    MeasureError,
    OptionError,
)
from gongfu._grouped import grouped
from gongfu._gongfu import __version__
from gongfu._synth import DEFAULT_SEED, synth

__all__ = [
    "DEFAULT_SEED",
    "ComputationError",
    "Design",
    "DesignError",
    "GongfuError",
    "InputError",
    "InternalError",
    "MeasureError",
    "MeasureInfo",
    "OptionError",
    "__version__",
    "catalogue",
    "catalogue_text",
    "grouped",
    "measure_call",
    "parse_measures",
    "synth",
]
