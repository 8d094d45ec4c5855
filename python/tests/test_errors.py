"""Errors: every failure is a `gongfu.GongfuError` with the command line's
message and the column, row, measure or domain at fault; bad data never
crashes the interpreter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gongfu
from gongfu import _gongfu


def frame(**cols: object) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_the_hierarchy() -> None:
    for cls in (gongfu.InputError, gongfu.MeasureError, gongfu.ComputationError, gongfu.DesignError,
                gongfu.OptionError):
        assert issubclass(cls, gongfu.GongfuError) and issubclass(cls, ValueError)
    assert issubclass(gongfu.InternalError, RuntimeError)
    assert gongfu.InputError.__module__ == "gongfu"


def test_nan_income_names_column_and_row() -> None:
    df = frame(inc=[1.0, 2.0, np.nan, 4.0], w=[1.0, 1.0, 1.0, 1.0])
    with pytest.raises(gongfu.InputError) as e:
        gongfu.Design(df, weight="w").gini("inc")
    assert e.value.column == "inc" and e.value.row == 3 and e.value.iloc == 2
    assert str(e.value) == 'column "inc", row 3: NaN is not a finite number'
    assert df.iloc[e.value.iloc].isna()["inc"]


def test_infinite_income() -> None:
    with pytest.raises(gongfu.InputError, match=r'column "x", row 2: inf is not a finite number') as e:
        gongfu.Design({"x": [1.0, np.inf]}).mean("x")
    assert e.value.row == 2


@pytest.mark.parametrize("bad", [-1.0, 0.0, np.nan, np.inf])
def test_bad_weights(bad: float) -> None:
    df = frame(x=[1.0, 2.0, 3.0], w=[1.0, bad, 2.0])
    with pytest.raises(gongfu.InputError, match=r'column "w", row 2: weight must be a finite number > 0') as e:
        gongfu.Design(df, weight="w").median("x")
    assert (e.value.column, e.value.row) == ("w", 2)


def test_wrong_lengths() -> None:
    with pytest.raises(gongfu.InputError, match=r"column 'w' has 2 rows, expected 3") as e:
        gongfu.Design({"x": [1.0, 2.0, 3.0], "w": [1.0, 2.0]})
    assert e.value.column == "w"
    d = gongfu.Design(frame(x=[1.0, 2.0, 3.0]), weight=np.array([1.0, 2.0]))
    with pytest.raises(gongfu.InputError, match=r'column "weight \(array\)" has 2 rows, expected 3'):
        d.mean("x")


def test_unknown_columns_suggest_the_closest() -> None:
    df = frame(pc_income=[1.0, 2.0], pweight=[1.0, 1.0], county=["a", "b"])
    with pytest.raises(gongfu.InputError, match=r"no column 'pweigth' \(did you mean 'pweight'\?\)") as e:
        gongfu.Design(df, weight="pweigth")
    assert e.value.column == "pweigth"
    d = gongfu.Design(df, weight="pweight")
    with pytest.raises(gongfu.InputError, match="did you mean 'pc_income'"):
        d.gini("pc_incme")
    with pytest.raises(gongfu.InputError, match="did you mean 'county'"):
        d.gini("pc_income", by="countyy")
    with pytest.raises(gongfu.InputError, match="columns: pc_income, pweight, county"):
        d.gini("zzz")


def test_unknown_measures_and_bad_parameters() -> None:
    d = gongfu.Design({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(gongfu.MeasureError, match=r'unknown measure "gni" \(did you mean "gini"\?\)') as e:
        d.measures("x", "mean,gni")
    assert e.value.measure == "gni"
    with pytest.raises(gongfu.MeasureError, match="cannot parse measure list at character") as e:
        d.measures("x", "fgt(1,line=20000")
    assert isinstance(e.value.position, int)
    with pytest.raises(gongfu.MeasureError, match="fgt") as e:
        d.measures("x", "fgt(1,bogus=3)")
    assert e.value.measure == "fgt"
    with pytest.raises(gongfu.MeasureError, match="parameter p is required") as e:
        d.measures("x", "quantile")
    assert e.value.measure == "quantile"


def test_nonpositive_incomes_name_the_count_and_the_keyword() -> None:
    d = gongfu.Design({"x": [0.0, -5.0, 3.0, 4.0]})
    with pytest.raises(gongfu.ComputationError) as e:
        d.mld("x")
    msg = str(e.value)
    assert "mld needs incomes > 0: 2 row(s) are not" in msg
    assert 'nonpositive="exclude"' in msg and "--nonpositive" not in msg
    assert e.value.measure == "mld"
    ok = d.mld("x", nonpositive="exclude", output="dict")
    assert ok["excluded"].tolist() == [2] and ok["n"].tolist() == [2]


def test_errors_in_a_domain_name_it() -> None:
    # the national poverty line is 0.6 × 51: domain b has no poor, so no
    # median poverty gap, while the whole sample has one
    df = frame(x=[1.0, 2.0, 100.0, 200.0], g=["a", "a", "b", "b"])
    assert gongfu.Design(df).rmpg("x")["value"].iloc[0] > 0
    with pytest.raises(gongfu.ComputationError) as e:
        gongfu.Design(df).rmpg("x", by="g")
    assert (e.value.domain, e.value.measure) == ("g=b", "rmpg")
    assert str(e.value) == 'column "x", domain g=b: rmpg is undefined here: nobody is below the threshold'



def test_design_errors() -> None:
    df = frame(x=[1.0, 2.0, 3.0, 4.0], s=["a", "a", "b", "b"], p=[1, 2, 3, 3])
    with pytest.raises(gongfu.DesignError, match="stratum") as e:
        gongfu.Design(df, strata="s", psu="p").mean("x", se=True)
    assert "design (s, p)" in str(e.value)
    # a lonely PSU is fine under another rule, and without SEs the design is not read
    assert gongfu.Design(df, strata="s", psu="p", lonely_psu="certainty").mean("x", se=True)["se"].notna().all()
    assert gongfu.Design(df, strata="s", psu="p").mean("x")["value"].iloc[0] == 2.5
    bad_fpc = frame(x=[1.0, 2.0, 3.0, 4.0], f=[10.0, 10.0, -1.0, 10.0])
    with pytest.raises(gongfu.DesignError, match="fpc must be > 0"):
        gongfu.Design(bad_fpc, fpc="f").mean("x", se=True)


def test_missing_domain_labels() -> None:
    with pytest.raises(gongfu.InputError, match=r"column 'g', row 2: missing value") as e:
        gongfu.Design(frame(x=[1.0, 2.0], g=["a", None])).mean("x", by="g")
    assert e.value.row == 2
    with pytest.raises(gongfu.InputError, match=r"column 'g', row 1: missing \(null\) value"):
        gongfu.Design(pl.DataFrame({"x": [1.0, 2.0], "g": [None, "b"]})).mean("x", by="g")
    with pytest.raises(gongfu.InputError, match="empty value"):
        gongfu.Design(frame(x=[1.0, 2.0], g=["a", " "])).mean("x", by="g")
    with pytest.raises(gongfu.InputError, match="missing value"):
        gongfu.Design({"x": [1.0, 2.0], "g": np.array([1.0, np.nan])}).mean("x", by="g")


def test_non_numeric_and_null_values() -> None:
    with pytest.raises(gongfu.InputError, match=r"column 'x' is not numeric"):
        gongfu.Design(frame(x=["1", "2"])).mean("x")
    with pytest.raises(gongfu.InputError, match=r"column 'x' is not numeric"):
        gongfu.Design(pl.DataFrame({"x": ["1", "2"]})).mean("x")
    with pytest.raises(gongfu.InputError, match=r"column 'x', row 2: missing \(null\) value"):
        gongfu.Design(pl.DataFrame({"x": [1.0, None]})).mean("x")
    with pytest.raises(gongfu.InputError, match=r"column 'x', row 1: missing value"):
        gongfu.Design(frame(x=pd.array([None, 2], dtype="Int64"))).mean("x")
    with pytest.raises(gongfu.InputError, match="not numeric"):
        gongfu.Design({"x": np.array([True, False])}).mean("x")


def test_bad_options() -> None:
    df = frame(x=[1.0, 2.0])
    for kwargs in ({"welfare": "percap"}, {"quantile_rule": "type7"}, {"nonpositive": "drop"},
                   {"lonely_psu": "x"}, {"ci": "z"}, {"level": 1.5}, {"output": "arrow"},
                   {"replicates": "jk2"}, {"repweights": "x"}):
        with pytest.raises(gongfu.OptionError):
            gongfu.Design(df, **kwargs)
    with pytest.raises(gongfu.OptionError, match="unknown option"):
        gongfu.Design(df).mean("x", quantile="eurostat")
    with pytest.raises(gongfu.OptionError):
        gongfu.synth(households=0)
    with pytest.raises(gongfu.OptionError, match="years"):
        gongfu.synth(households=1000, years="twenty")


def test_per_capita_needs_a_household_size() -> None:
    with pytest.raises(gongfu.InputError, match="household size") as e:
        gongfu.Design(frame(x=[1.0, 2.0]), welfare="per_capita").mean("x")
    assert "hh_size=" in str(e.value) and "--hh-size" not in str(e.value)
    with pytest.raises(gongfu.InputError, match=r'column "n", row 2: must be > 0'):
        gongfu.Design(frame(x=[1.0, 2.0], n=[1, 0]), welfare="per_capita", hh_size="n").mean("x")


def test_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("x,w\n1,2\nNA,3\n")
    with pytest.raises(gongfu.InputError) as e:
        gongfu.Design(p, weight="w").mean("x")
    assert str(p) in str(e.value) and e.value.column == "x" and e.value.row == 2
    with pytest.raises(gongfu.InputError, match="cannot open"):
        gongfu.Design(tmp_path / "missing.csv").mean("x")
    with pytest.raises(gongfu.InputError, match="did you mean 'x'"):
        gongfu.Design(p, weight="w").mean("xx")


def test_grouped_errors() -> None:
    with pytest.raises(gongfu.InputError, match="at least 4 groups"):
        gongfu.grouped({"pop_share": [0.5, 0.5], "mean": [1.0, 2.0]}, "gini")
    with pytest.raises(gongfu.InputError, match="ordered poorest first") as e:
        gongfu.grouped({"pop_share": [0.25] * 4, "mean": [1.0, 3.0, 2.0, 4.0]}, "gini")
    assert e.value.column == "mean" and e.value.row == 3
    with pytest.raises(gongfu.InputError, match="'income_share'"):
        gongfu.grouped({"pop_share": [0.25] * 4, "x": [1.0, 2.0, 3.0, 4.0]}, "gini")
    with pytest.raises(gongfu.MeasureError, match="for grouped data"):
        gongfu.grouped({"pop_share": [0.25] * 4, "mean": [1.0, 2.0, 3.0, 4.0]}, "zenga")
    with pytest.raises(gongfu.OptionError, match="weights"):
        gongfu.grouped(tables={"a": {"pop_share": [0.25] * 4, "mean": [1.0, 2.0, 3.0, 4.0]}}, measures="gini")


def test_dynamics_errors(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="pweight")
    with pytest.raises(gongfu.ComputationError, match="compares two years"):
        d.measures("pc_income", "gic(10)")
    with pytest.raises(gongfu.OptionError, match="welfare"):
        d.gic(gongfu.Design(households, weight="weight", welfare="per_capita", hh_size="hh_size"), "pc_income")
    # a domain missing from the baseline
    then = gongfu.Design(households[households["urban"] == 1], weight="pweight")
    with pytest.raises(gongfu.ComputationError) as e:
        d.growth_mean(then, "pc_income", by="urban")
    assert e.value.domain == "urban=0" and "baseline is empty" in str(e.value)


def test_panics_become_internal_errors() -> None:
    with pytest.raises(gongfu.InternalError, match="deliberate panic"):
        _gongfu._panic_for_test()
    # and the interpreter is fine afterwards
    assert gongfu.Design({"x": [1.0, 3.0]}, output="dict").mean("x")["value"][0] == 2.0


MEASURES = [m["id"] for m in gongfu.catalogue() if all(p[1] is not None for p in m["params"])]
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -1.0, 1.0, 1e300, -1e-300, np.nan]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.lists(values, min_size=0, max_size=12),
    w=st.lists(values, min_size=0, max_size=12),
    groups=st.lists(st.sampled_from(["a", "b", ""]), min_size=0, max_size=12),
    measures=st.lists(st.sampled_from(MEASURES), min_size=1, max_size=4),
    se=st.booleans(),
    rule=st.sampled_from(["eurostat", "inverse_cdf", "hf7"]),
)
def test_bad_data_never_crash(
    x: list[float], w: list[float], groups: list[str], measures: list[str], se: bool, rule: str
) -> None:
    """Any data, any measure: a result or a GongfuError, nothing else."""
    data = {"x": np.array(x, dtype=float)}
    n = len(x)
    try:
        d = gongfu.Design(
            {**data, "w": np.array(w[:n] + [1.0] * max(0, n - len(w))), "g": (groups + ["a"] * n)[:n]},
            weight="w", output="dict", quantile_rule=rule,
        )
        res = d.measures("x", measures, by="g" if groups else None, se=se)
    except gongfu.GongfuError:
        return
    assert all(np.isfinite(res["value"]))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_measure_list_text_parses_or_raises(text: str) -> None:
    try:
        calls = gongfu.parse_measures(text)
    except gongfu.MeasureError:
        return
    assert all(isinstance(c, str) for c in calls)
