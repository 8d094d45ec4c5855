"""``gongfu.Design``: a survey (or register) with its weights, sampling
design and welfare concept, and every measure of the catalogue on it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gongfu import _gongfu
from gongfu._errors import InputError, OptionError
from gongfu._frame import Key, Source, _key_array, _numeric_array, source_of
from gongfu._output import frame, resolve

if TYPE_CHECKING:
    from gongfu._gongfu import DynamicsOptions, Options, Result, Sample

__all__ = ["Design", "measure_call", "measure_list"]

WELFARE = ("as_is", "per_capita", "equivalised", "equivalized")
SCALES = ("oecd", "sqrt")
RULES = ("eurostat", "inverse_cdf", "math", "hf7")
NONPOSITIVE = ("error", "exclude")
LONELY = ("fail", "certainty", "adjust", "average")
CI = ("t", "normal")


def _choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    if value not in choices:
        raise OptionError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def _fmt(value: Any) -> str:
    """A parameter value in the measure-list syntax."""
    if isinstance(value, (bool, np.bool_)):
        raise OptionError(f"a measure parameter cannot be a boolean, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return "+".join(_fmt(v) for v in value)
    raise OptionError(f"cannot write {value!r} as a measure parameter")


def measure_call(measure: str, **params: Any) -> str:
    """One measure in the catalogue's syntax, parameters that are None left out.

    >>> measure_call("fgt", alpha=1, line=20000, scope=None)
    'fgt(alpha=1,line=20000)'
    >>> measure_call("middle_share", lo="0.75*median", hi=2.5)
    'middle_share(lo=0.75*median,hi=2.5)'
    """
    given = [f"{k}={_fmt(v)}" for k, v in params.items() if v is not None]
    return f"{measure}({','.join(given)})" if given else measure


def measure_list(measures: str | Sequence[str] | None) -> str:
    """A measure list from a string (``"gini,arpr"``) or a sequence of items
    (``["gini", "fgt(1,line=20000)"]``)."""
    if measures is None:
        raise OptionError('give the measures, e.g. ["gini", "arpr", "fgt(1,line=20000)"] (gongfu.catalogue())')
    if isinstance(measures, str):
        return measures
    items = list(measures)
    if not items or not all(isinstance(m, str) for m in items):
        raise OptionError("measures must be a string or a non-empty sequence of strings")
    return ",".join(items)


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return [str(b) for b in by]


class Design:
    """A sample (or a register) with its weights, design and welfare concept.

    Parameters
    ----------
    data:
        A pandas or Polars DataFrame, a mapping of column names to arrays, a
        1-D NumPy array (the income; its column is called ``"income"``), or
        the path of a CSV or Parquet file (read with gongfu's own readers,
        only the columns each computation needs).
    income:
        The default income column of the methods (``design.gini()``).
    weight:
        Sampling weights (column name or array); none: every row weight 1.
    strata, psu, fpc:
        The design (column names or arrays): strata, primary sampling units
        nested in strata, finite-population correction (population number of
        PSUs in the stratum, or the sampling fraction when below 1). Read only
        when standard errors are asked for.
    repweights, rep_type, rep_scale, rep_rscales, mse:
        Supplied replicate weights: a column-name prefix (every column that
        starts with it) or a list of columns, their type (``"bootstrap"``,
        ``"jk1"``, ``"jkn"``, ``"brr"``, ``"fay(0.5)"``, ``"sdr"``), scale,
        per-replicate scales, and whether to centre at the full-sample
        estimate (R survey ``svrepdesign`` conventions).
    replicates, seed:
        Generated replicate weights: ``"jkn"`` (delete-one-PSU jackknife) or
        ``"bootstrap:R"`` (Rao–Wu, R replicates, from ``seed``).
    welfare, hh_size, adults, children, scale:
        Welfare concept: ``"as_is"``, ``"per_capita"`` (income / size, person
        weight = weight × size) or ``"equivalised"`` (modified OECD scale from
        ``adults`` and ``children``, or ``scale="sqrt"``).
    quantile_rule:
        ``"eurostat"`` (default), ``"inverse_cdf"`` (R survey ``qrule="math"``,
        convey) or ``"hf7"``.
    nonpositive:
        Measures that need positive incomes: ``"error"`` (default) or
        ``"exclude"`` (convey's ``subset`` semantics; an ``excluded`` column
        gives the count).
    lonely_psu, level, ci:
        Single-PSU strata rule (``"fail"``, ``"certainty"``, ``"adjust"``,
        ``"average"``), confidence level, ``"t"`` (design df) or ``"normal"``
        intervals.
    output:
        ``"pandas"``, ``"polars"`` or ``"dict"``; default: the input's
        DataFrame library, else pandas, else Polars.
    format, delimiter:
        For a file: ``"csv"`` or ``"parquet"`` when the extension does not
        tell, and the CSV delimiter.

    Every method returns one row per value: ``measure``, ``params``, one
    column per ``by`` variable (empty on the overall row), ``value``, ``se``,
    ``ci_lo``, ``ci_hi``, ``n``, ``population``.

    Examples
    --------
    >>> import gongfu
    >>> df = gongfu.synth(households=3000, years=2022)
    >>> d = gongfu.Design(df, weight="weight", strata="stratum", psu="psu",
    ...                   welfare="per_capita", hh_size="hh_size")
    >>> res = d.measures("disposable", ["median", "gini", "arpr"], by="urban", se=True)
    >>> list(res.columns)
    ['measure', 'params', 'urban', 'value', 'se', 'ci_lo', 'ci_hi', 'n', 'population']
    >>> res.shape
    (9, 9)
    """

    def __init__(
        self,
        data: Any,
        *,
        income: str | None = None,
        weight: str | Any | None = None,
        strata: str | Any | None = None,
        psu: str | Any | None = None,
        fpc: str | Any | None = None,
        repweights: str | Sequence[str] | None = None,
        rep_type: str | None = None,
        rep_scale: float | None = None,
        rep_rscales: Sequence[float] | None = None,
        mse: bool = False,
        replicates: str | None = None,
        seed: int = 1,
        welfare: str = "as_is",
        hh_size: str | Any | None = None,
        adults: str | Any | None = None,
        children: str | Any | None = None,
        scale: str | None = None,
        quantile_rule: str = "eurostat",
        nonpositive: str = "error",
        lonely_psu: str = "fail",
        level: float = 0.95,
        ci: str = "t",
        output: str | None = None,
        format: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self._source: Source = source_of(data, format, delimiter)
        self._overlay: dict[str, Any] = {}
        if income is None and isinstance(data, (np.ndarray, list, tuple)):
            income = "income"
        self.income = self._column(income, "income") if income is not None else None
        self.weight = self._column(weight, "weight")
        self.strata = self._column(strata, "strata")
        self.psu = self._column(psu, "psu")
        self.fpc = self._column(fpc, "fpc")
        self.hh_size = self._column(hh_size, "hh_size")
        self.adults = self._column(adults, "adults")
        self.children = self._column(children, "children")
        self.welfare = _choice("welfare", welfare, WELFARE)
        if scale is not None:
            _choice("scale", scale, SCALES)
        self.scale = scale
        self.quantile_rule = _choice("quantile_rule", quantile_rule, RULES)
        self.nonpositive = _choice("nonpositive", nonpositive, NONPOSITIVE)
        self.lonely_psu = _choice("lonely_psu", lonely_psu, LONELY)
        self.ci = _choice("ci", ci, CI)
        if not (isinstance(level, (int, float)) and 0 < level < 1):
            raise OptionError(f"level must be between 0 and 1, got {level!r}")
        self.level = float(level)
        self.output = output
        resolve(output, self._source.kind)
        # replicate weights
        self.repweights: list[str] = []
        if repweights is not None and replicates is not None:
            raise OptionError("give either repweights (supplied) or replicates (generated), not both")
        if repweights is not None:
            if isinstance(repweights, str):
                self.repweights = [c for c in self._source.columns() if c.startswith(repweights)]
                if not self.repweights:
                    raise InputError(
                        f"no column starts with the replicate-weight prefix {repweights!r}",
                        column=repweights,
                    )
            else:
                self.repweights = [str(c) for c in repweights]
                for c in self.repweights:
                    self._source.require(c)
            if rep_type is None:
                raise OptionError("repweights need rep_type (bootstrap, jk1, jkn, brr, fay(RHO), sdr)")
        if replicates is not None and not (
            isinstance(replicates, str)
            and (replicates in ("jkn", "bootstrap") or replicates.startswith("bootstrap:"))
        ):
            raise OptionError(f'replicates must be "jkn" or "bootstrap:R", got {replicates!r}')
        self.rep_type = rep_type
        self.rep_scale = rep_scale
        self.rep_rscales = list(rep_rscales) if rep_rscales is not None else None
        self.mse = bool(mse)
        self.replicates = replicates
        self.seed = int(seed)

    # ----------------------------------------------------------------- columns

    def _column(self, value: Any, role: str) -> str | None:
        """A role given as a column name (checked) or as an array (kept)."""
        if value is None:
            return None
        if isinstance(value, str):
            self._source.require(value)
            return value
        name = f"{role} (array)"
        self._overlay[name] = value
        return name

    def _fetch(self, numeric: list[str], keys: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Key]]:
        num_src = [n for n in dict.fromkeys(numeric) if n not in self._overlay]
        key_src = [k for k in dict.fromkeys(keys) if k not in self._overlay]
        nums, ks = self._source.fetch(num_src, key_src)
        for n in numeric:
            if n in self._overlay:
                nums[n] = _numeric_array(n, self._overlay[n])
        for k in keys:
            if k in self._overlay:
                ks[k] = _key_array(k, self._overlay[k])
        return nums, ks

    def _variable(self, variable: str | None) -> str:
        if variable is None:
            if self.income is None:
                raise OptionError("name the income column: design.gini('pc_income'), or Design(..., income=...)")
            return self.income
        if not isinstance(variable, str):
            raise OptionError(f"the income column must be a column name, got {type(variable).__name__}")
        return variable

    def _has_replicates(self) -> bool:
        return bool(self.repweights) or self.replicates is not None

    def _sample(
        self, variable: str, measures: str, by: list[str], se: bool
    ) -> tuple[Sample, dict[str, dict[str, Any]]]:
        """The columns of one computation, and the original values of each
        domain label."""
        ref_keys, ref_nums = _gongfu.references(measures)
        numeric = [variable]
        roles = {
            "weight": self.weight,
            "size": self.hh_size,
            "adults": self.adults,
            "children": self.children,
        }
        numeric += [c for c in roles.values() if c is not None]
        if se and self.fpc is not None:
            numeric.append(self.fpc)
        reps = self.repweights if se else []
        numeric += reps
        numeric += ref_nums
        design_keys = [k for k in (self.strata, self.psu) if k is not None] if se else []
        keys = [*by, *ref_keys, *design_keys]
        nums, ks = self._fetch(numeric, keys)
        names = {"income": variable}
        for role, col in roles.items():
            if col is not None:
                names[role] = col
        for role, col in (("strata", self.strata), ("psu", self.psu), ("fpc", self.fpc)):
            if col is not None:
                names[role] = col
        for r, col in enumerate(reps):
            names[f"replicate:{r}"] = col

        def key_of(name: str) -> tuple[str, Any, list[str]]:
            return (name, ks[name].codes, ks[name].labels)

        def key_arg(name: str | None) -> tuple[str, Any, list[str]] | None:
            return None if name is None or name not in ks else key_of(name)

        sample: Sample = {
            "income": nums[variable],
            "weight": nums.get(self.weight) if self.weight else None,
            "size": nums.get(self.hh_size) if self.hh_size else None,
            "adults": nums.get(self.adults) if self.adults else None,
            "children": nums.get(self.children) if self.children else None,
            "keys": [key_of(k) for k in dict.fromkeys([*by, *ref_keys])],
            "numerics": [(n, nums[n]) for n in dict.fromkeys(ref_nums)],
            "strata": key_arg(self.strata) if se else None,
            # the engine reads PSU codes only: their labels need not be made
            "psu": (self.psu, ks[self.psu].codes, []) if se and self.psu is not None else None,
            "fpc": nums.get(self.fpc) if (se and self.fpc) else None,
            "replicates": [nums[r] for r in reps],
            "names": names,
        }
        return sample, {b: ks[b].by_label() for b in by}

    # ------------------------------------------------------------- computing

    def _options(self, se: bool, overrides: dict[str, Any], json_out: bool) -> Options:
        allowed = {"quantile_rule", "nonpositive", "level", "ci", "lonely_psu", "skip_undefined"}
        unknown = set(overrides) - allowed - {"output"}
        if unknown:
            raise OptionError(
                f"unknown option(s) {', '.join(sorted(unknown))}; per call: {', '.join(sorted(allowed | {'output'}))}"
            )
        rule = _choice("quantile_rule", overrides.get("quantile_rule", self.quantile_rule), RULES)
        level = overrides.get("level", self.level)
        if not (isinstance(level, (int, float)) and 0 < level < 1):
            raise OptionError(f"level must be between 0 and 1, got {level!r}")
        return {
            "rule": rule,
            "nonpositive": _choice("nonpositive", overrides.get("nonpositive", self.nonpositive), NONPOSITIVE),
            "welfare": self.welfare,
            "scale": self.scale,
            "se": se,
            "level": float(level),
            "ci": _choice("ci", overrides.get("ci", self.ci), CI),
            "lonely_psu": _choice("lonely_psu", overrides.get("lonely_psu", self.lonely_psu), LONELY),
            "skip_undefined": bool(overrides.get("skip_undefined", False)),
            "rep_type": self.rep_type,
            "rep_scale": None if self.rep_scale is None else float(self.rep_scale),
            "rep_rscales": self.rep_rscales,
            "mse": self.mse,
            "replicates": (self.replicates + ":500" if self.replicates == "bootstrap" else self.replicates)
            if se
            else None,
            "seed": self.seed,
            "json": json_out,
        }

    def _run(
        self,
        variable: str | None,
        measures: str | Sequence[str] | None,
        by: str | Sequence[str] | None,
        se: bool | None,
        options: dict[str, Any],
        json_out: bool = False,
    ) -> tuple[Result, dict[str, dict[str, Any]], Options]:
        var = self._variable(variable)
        lst = measure_list(measures)
        by_cols = _by_list(by)
        want_se = self._has_replicates() if se is None else bool(se)
        opts = self._options(want_se, options, json_out)
        sample, by_values = self._sample(var, lst, by_cols, want_se)
        res = _gongfu.compute(sample, lst, by_cols, opts)
        return res, by_values, opts

    def measures(
        self,
        variable: str | None = None,
        measures: str | Sequence[str] | None = None,
        *,
        by: str | Sequence[str] | None = None,
        se: bool | None = None,
        **options: Any,
    ) -> Any:
        """Any measures of the catalogue (``gongfu.catalogue()``), in the
        measure-list syntax of ``gongfu compute --measures``, for the whole
        sample and each domain of ``by``.

        ``se=True`` adds design-based standard errors and confidence intervals
        (linearisation, Woodruff for quantiles, or the replicate weights of
        the design; replicate weights imply ``se=True``). Per-call options:
        ``quantile_rule``, ``nonpositive``, ``level``, ``ci``, ``lonely_psu``,
        ``skip_undefined`` (leave out measures undefined in a domain instead
        of raising; pandas results list them in ``df.attrs["meta"]``) and
        ``output``.

        >>> import gongfu, numpy as np
        >>> d = gongfu.Design({"x": np.array([1.0, 2.0, 3.0, 10.0])})
        >>> r = d.measures("x", ["mean", "quantile(0.5)", "ge(2)"], output="dict")
        >>> r["measure"], r["params"], [round(v, 4) for v in r["value"].tolist()]
        (['mean', 'quantile', 'ge'], ['', 'p=0.5', 'alpha=2'], [4.0, 2.5, 0.3906])
        """
        res, by_values, opts = self._run(variable, measures, by, se, options)
        out = resolve(options.get("output", self.output), self._source.kind)
        return frame(res, out, by_values, excluded=opts["nonpositive"] == "exclude")

    def report(
        self,
        variable: str | None = None,
        measures: str | Sequence[str] | None = None,
        *,
        by: str | Sequence[str] | None = None,
        se: bool | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """The results as ``gongfu compute --format json`` writes them:
        ``{"results": [{"measure", "params", "by", "value", "se", "ci", "n",
        "population"}, ...], "meta": {...}}`` (SPEC §5).

        >>> import gongfu
        >>> d = gongfu.Design({"x": [1.0, 2.0, 3.0, 10.0]})
        >>> d.report("x", "quantile(0.2)")["results"][0]["params"]
        {'p': 0.2}
        """
        res, _, _ = self._run(variable, measures, by, se, options, json_out=True)
        report: dict[str, Any] = json.loads(res["json"])
        return report

    # --------------------------------------------------------- two samples

    def dynamics(
        self,
        baseline: Design,
        variable: str | None = None,
        measures: str | Sequence[str] | None = None,
        *,
        by: str | Sequence[str] | None = None,
        years: float = 1,
        baseline_variable: str | None = None,
        **options: Any,
    ) -> Any:
        """Two-sample measures from ``baseline`` (an earlier year) to this
        sample: ``gic(n)``, ``growth_mean``, ``shared_prosperity``,
        ``pro_poor_growth(line)``, ``poverty_change(alpha,line)``. Each domain
        of ``by`` is compared with the same domain of the baseline; growth is
        annualised over ``years``. Point estimates (no standard errors: they
        need the joint design of the two waves).

        >>> import gongfu
        >>> df = gongfu.synth(households=2000, years=(2021, 2022))
        >>> y21 = gongfu.Design(df[df.year == 2021], weight="pweight")
        >>> y22 = gongfu.Design(df[df.year == 2022], weight="pweight")
        >>> g = y22.dynamics(y21, "pc_income", ["growth_mean", "gic(4)"])
        >>> list(g["measure"])
        ['growth_mean', 'gic', 'gic', 'gic']
        """
        if not isinstance(baseline, Design):
            raise OptionError("baseline must be a gongfu.Design")
        if (baseline.welfare, baseline.scale) != (self.welfare, self.scale):
            raise OptionError(
                f"the baseline's welfare concept ({baseline.welfare}) differs from this design's ({self.welfare})"
            )
        var = self._variable(variable)
        base_var = baseline._variable(baseline_variable if baseline_variable is not None else var)
        lst = measure_list(measures)
        by_cols = _by_list(by)
        opts = self._options(False, options, False)
        if not (isinstance(years, (int, float)) and years > 0):
            raise OptionError(f"years must be a number > 0, got {years!r}")
        now, by_now = self._sample(var, lst, by_cols, False)
        then, by_then = baseline._sample(base_var, lst, by_cols, False)
        dyn_opts: DynamicsOptions = {
            "rule": opts["rule"],
            "nonpositive": opts["nonpositive"],
            "welfare": self.welfare,
            "scale": self.scale,
            "years": float(years),
            "skip_undefined": opts["skip_undefined"],
            "json": False,
        }
        res = _gongfu.dynamics(now, then, lst, by_cols, dyn_opts)
        by_values = {b: {**by_then.get(b, {}), **by_now.get(b, {})} for b in by_cols}
        out = resolve(options.get("output", self.output), self._source.kind)
        return frame(res, out, by_values, excluded=opts["nonpositive"] == "exclude")

    # ------------------------------------------------------ convenience

    def _one(self, variable: str | None, call: str, by: Any, se: bool | None, options: dict[str, Any]) -> Any:
        return self.measures(variable, call, by=by, se=se, **options)

    def mean(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The weighted mean (survey ``svymean``).

        >>> import gongfu
        >>> gongfu.Design({"x": [1.0, 3.0]}).mean("x", output="dict")["value"].tolist()
        [2.0]
        """
        return self._one(variable, "mean", by, se, options)

    def total(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The weighted total Σwx (survey ``svytotal``)."""
        return self._one(variable, "total", by, se, options)

    def median(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The median under the quantile rule (SE and interval: Woodruff)."""
        return self._one(variable, "median", by, se, options)

    def quantile(
        self, variable: str | None = None, p: float | Sequence[float] = 0.5, *, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """Quantiles at ``p`` (one or several) under the quantile rule.

        >>> import gongfu
        >>> r = gongfu.Design({"x": [1.0, 2.0, 3.0, 4.0]}).quantile("x", [0.25, 0.75], output="dict")
        >>> r["params"], r["value"].tolist()
        (['p=0.25', 'p=0.75'], [1.5, 3.5])
        """
        ps = [p] if isinstance(p, (int, float, np.number)) else list(p)
        return self._one(variable, ",".join(measure_call("quantile", p=q) for q in ps), by, se, options)

    def deciles(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The nine deciles."""
        return self._one(variable, "deciles", by, se, options)

    def quintile_means(
        self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any
    ) -> Any:
        """The means of the five equal population fifths (NBS 五等份)."""
        return self._one(variable, "quintile_means", by, se, options)

    def lorenz(
        self, variable: str | None = None, p: float | Sequence[float] = 0.5, *, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """Lorenz ordinates L(p) (convey ``svylorenz``)."""
        ps = [p] if isinstance(p, (int, float, np.number)) else list(p)
        return self._one(variable, ",".join(measure_call("lorenz", p=q) for q in ps), by, se, options)

    def top_share(
        self, variable: str | None = None, f: float | None = None, *, by: Any = None, se: bool | None = None,
        **options: Any,
    ) -> Any:
        """The income share of the top fraction ``f`` (default 0.1)."""
        return self._one(variable, measure_call("top_share", f=f), by, se, options)

    def bottom_share(
        self, variable: str | None = None, f: float | None = None, *, by: Any = None, se: bool | None = None,
        **options: Any,
    ) -> Any:
        """The income share of the bottom fraction ``f`` (default 0.4)."""
        return self._one(variable, measure_call("bottom_share", f=f), by, se, options)

    def gini(
        self, variable: str | None = None, *, form: str | None = None, by: Any = None, se: bool | None = None,
        **options: Any,
    ) -> Any:
        """The Gini coefficient: Eurostat form (default; laeken) or
        ``form="convey"`` (convey ``svygini``).

        >>> import gongfu
        >>> r = gongfu.Design({"x": [1.0, 2.0, 3.0, 4.0]}).gini("x", output="dict")
        >>> r["value"].tolist()
        [0.25]
        """
        return self._one(variable, measure_call("gini", form=form), by, se, options)

    def ge(
        self, variable: str | None = None, alpha: float | None = None, *, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """Generalised entropy GE(alpha) (default 2; convey ``svygei``)."""
        return self._one(variable, measure_call("ge", alpha=alpha), by, se, options)

    def theil(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The Theil index GE(1)."""
        return self._one(variable, "theil", by, se, options)

    def mld(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The mean log deviation GE(0)."""
        return self._one(variable, "mld", by, se, options)

    def atkinson(
        self, variable: str | None = None, eps: float | None = None, *, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """The Atkinson index (default eps 1; convey ``svyatk``)."""
        return self._one(variable, measure_call("atkinson", eps=eps), by, se, options)

    def palma(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The Palma ratio: top-10 share / bottom-40 share."""
        return self._one(variable, "palma", by, se, options)

    def qsr(self, variable: str | None = None, *, by: Any = None, se: bool | None = None, **options: Any) -> Any:
        """The quintile share ratio S80/S20 (laeken, convey)."""
        return self._one(variable, "qsr", by, se, options)

    def arpt(
        self, variable: str | None = None, pct: float | None = None, *, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """The at-risk-of-poverty threshold pct × median (default 0.6) of each domain itself."""
        return self._one(variable, measure_call("arpt", pct=pct), by, se, options)

    def arpr(
        self, variable: str | None = None, pct: float | None = None, *, scope: str | None = None,
        by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """The at-risk-of-poverty rate: share below pct × the national median
        (``scope="domain"``: the domain's median).

        >>> import gongfu
        >>> gongfu.Design({"x": [1.0, 5.0, 6.0, 7.0]}).arpr("x", output="dict")["value"].tolist()
        [0.25]
        """
        return self._one(variable, measure_call("arpr", pct=pct, scope=scope), by, se, options)

    def rmpg(
        self, variable: str | None = None, pct: float | None = None, *, scope: str | None = None,
        by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """The relative median poverty gap (laeken, convey)."""
        return self._one(variable, measure_call("rmpg", pct=pct, scope=scope), by, se, options)

    def fgt(
        self, variable: str | None = None, alpha: float | None = None, line: float | str | None = None, *,
        scope: str | None = None, by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """Foster–Greer–Thorbecke poverty FGT(alpha) at ``line`` (absolute, or
        relative such as ``"0.6*median"``, the default).

        >>> import gongfu
        >>> d = gongfu.Design({"x": [10.0, 20.0, 30.0, 40.0]})
        >>> d.fgt("x", 1, 25, output="dict")["value"].tolist()
        [0.2]
        """
        return self._one(variable, measure_call("fgt", alpha=alpha, line=line, scope=scope), by, se, options)

    def watts(
        self, variable: str | None = None, line: float | str | None = None, *, scope: str | None = None,
        by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """The Watts index at ``line``."""
        return self._one(variable, measure_call("watts", line=line, scope=scope), by, se, options)

    def middle_share(
        self, variable: str | None = None, lo: float | str | None = None, hi: float | str | None = None, *,
        unit: str | None = None, size: str | None = None, scope: str | None = None, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """The middle-income share lo ≤ x < hi (defaults 0.75 × and 2 × the
        median); ``unit="household"`` counts households (China's definition:
        ``middle_share(lo=100000, hi=500000, unit="household")`` on per-capita
        income with ``welfare="per_capita"``)."""
        return self._one(
            variable, measure_call("middle_share", lo=lo, hi=hi, unit=unit, size=size, scope=scope), by, se, options
        )

    def prosperity_gap(
        self, variable: str | None = None, z: float | None = None, *, by: Any = None, se: bool | None = None,
        **options: Any,
    ) -> Any:
        """The prosperity gap: mean of z/x (Kraay et al. 2023; PIP)."""
        if z is None:
            raise OptionError("prosperity_gap needs z, the prosperity standard")
        return self._one(variable, measure_call("prosperity_gap", z=z), by, se, options)

    def ratio(
        self, variable: str | None = None, of: str | None = None, *, group: str, num: Any, den: Any,
        by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """The ratio of a measure (``of``, default the mean) between two
        groups of column ``group`` (e.g. urban/rural: ``group="urban",
        num=1, den=0``); ``den="all"`` is the whole population."""
        return self._one(variable, measure_call("ratio", of=of, by=group, num=num, den=den), by, se, options)

    def difference(
        self, variable: str | None = None, of: str | None = None, *, group: str, num: Any, den: Any,
        by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """The difference of a measure between two groups of column ``group``."""
        return self._one(variable, measure_call("difference", of=of, by=group, num=num, den=den), by, se, options)

    def ge_decomp(
        self, variable: str | None = None, alpha: float | None = None, *, group: str, by: Any = None,
        se: bool | None = None, **options: Any,
    ) -> Any:
        """GE(alpha) (default 0) into within and between the groups of
        ``group`` (convey ``svygeidec``): rows ``component=total``,
        ``within``, ``between``."""
        return self._one(variable, measure_call("ge_decomp", alpha=alpha, by=group), by, se, options)

    def fgt_contrib(
        self, variable: str | None = None, alpha: float | None = None, line: float | str | None = None, *,
        group: str, scope: str | None = None, by: Any = None, se: bool | None = None, **options: Any,
    ) -> Any:
        """FGT(alpha) and each group's contribution to it (DASP ``dfgtg``)."""
        call = measure_call("fgt_contrib", alpha=alpha, line=line, by=group, scope=scope)
        return self._one(variable, call, by, se, options)

    def gini_sources(
        self, variable: str | None = None, *, sources: Sequence[str], by: Any = None, se: bool | None = None,
        **options: Any,
    ) -> Any:
        """The Gini by income source (Lerman–Yitzhaki): each source's share,
        Gini, Gini correlation and contribution. The sources are columns that
        add up to the income."""
        return self._one(variable, measure_call("gini_sources", sources=list(sources)), by, se, options)

    def gic(
        self, baseline: Design, variable: str | None = None, n: int | None = None, *, by: Any = None,
        years: float = 1, **options: Any,
    ) -> Any:
        """The growth incidence curve from ``baseline`` at p = k/n (default n = 20)."""
        return self.dynamics(baseline, variable, measure_call("gic", n=n), by=by, years=years, **options)

    def growth_mean(
        self, baseline: Design, variable: str | None = None, *, by: Any = None, years: float = 1,
        **options: Any,
    ) -> Any:
        """The (annualised) growth of the mean from ``baseline``."""
        return self.dynamics(baseline, variable, "growth_mean", by=by, years=years, **options)

    def shared_prosperity(
        self, baseline: Design, variable: str | None = None, *, by: Any = None, years: float = 1,
        **options: Any,
    ) -> Any:
        """Bottom-40 growth, mean growth and the shared prosperity premium (World Bank)."""
        return self.dynamics(baseline, variable, "shared_prosperity", by=by, years=years, **options)

    def __repr__(self) -> str:
        parts = [f"data={self._source.kind}"]
        for k in ("income", "weight", "strata", "psu", "fpc", "hh_size"):
            v = getattr(self, k)
            if v is not None:
                parts.append(f"{k}={v!r}")
        if self.welfare != "as_is":
            parts.append(f"welfare={self.welfare!r}")
        if self.repweights:
            parts.append(f"repweights={len(self.repweights)} columns")
        if self.replicates:
            parts.append(f"replicates={self.replicates!r}")
        return f"Design({', '.join(parts)})"

