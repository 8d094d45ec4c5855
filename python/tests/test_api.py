"""The Python API: the same numbers as the command line, every input and
output type, domains, decompositions, dynamics, grouped data, the demo
province, the catalogue, and the GIL released while computing."""

from __future__ import annotations

import inspect
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gongfu

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "crates" / "gongfu" / "tests" / "golden"
CONFORMANCE = ROOT / "testdata" / "conformance"
HEADLINE = "mean,median,quantile(0.2),gini,arpr,rmpg,qsr,fgt(1,line=20000),ge(2),palma,middle_share"


def test_report_is_the_json_of_gongfu_compute(households: pd.DataFrame) -> None:
    """`Design.report` gives the results of `gongfu compute --format json`
    (golden file of the command-line tests) exactly: same measures, params,
    domains, values, n and population."""
    golden = json.loads((GOLDEN / "compute_headline.json").read_text())
    d = gongfu.Design(households, weight="pweight")
    got = d.report("pc_income", HEADLINE)
    assert got["results"] == golden["results"]
    for k in ("quantile_rule", "welfare", "rows", "weighted", "nonpositive", "by", "domains"):
        assert got["meta"][k] == golden["meta"][k], k
    assert got["meta"]["income"] == "pc_income" and got["meta"]["weight"] == "pweight"


def test_frame_is_the_csv_of_gongfu_compute(households: pd.DataFrame) -> None:
    """`Design.measures` by domain: the rows of `gongfu compute --by urban
    --format csv` (golden file), in the same order, with the same numbers."""
    golden = pd.read_csv(GOLDEN / "compute_by_urban.csv", dtype={"urban": "Int64"}, keep_default_na=True)
    d = gongfu.Design(households, weight="pweight")
    got = d.measures("pc_income", "mean,gini,arpr,median", by="urban")
    assert list(got.columns) == ["measure", "params", "urban", "value", "se", "ci_lo", "ci_hi", "n", "population"]
    assert list(got["measure"]) == list(golden["measure"])
    assert list(got["urban"].astype("Int64")) == list(golden["urban"])
    assert np.array_equal(got["value"].to_numpy(), golden["value"].to_numpy())
    assert np.array_equal(got["n"].to_numpy(), golden["n"].to_numpy())
    assert np.array_equal(got["population"].to_numpy(), golden["population"].to_numpy())
    assert got["se"].isna().all() and got["ci_lo"].isna().all()
    assert got.attrs["meta"]["domains"] == 2


def test_outputs_agree_and_follow_the_input(households: pd.DataFrame) -> None:
    m = "median,gini,deciles"
    pd_res = gongfu.Design(households, weight="pweight", strata="stratum", psu="psu").measures(
        "pc_income", m, by="county", se=True
    )
    pl_df = pl.from_pandas(households)
    pl_res = gongfu.Design(pl_df, weight="pweight", strata="stratum", psu="psu").measures(
        "pc_income", m, by="county", se=True
    )
    arrays = {c: households[c].to_numpy() for c in ("pc_income", "pweight", "stratum", "psu", "county")}
    dict_res = gongfu.Design(arrays, weight="pweight", strata="stratum", psu="psu", output="dict").measures(
        "pc_income", m, by="county", se=True
    )
    assert isinstance(pd_res, pd.DataFrame) and isinstance(pl_res, pl.DataFrame) and isinstance(dict_res, dict)
    assert pd_res.shape == pl_res.shape == (13 * 11, 9)
    for col in ("value", "se", "ci_lo", "ci_hi", "population"):
        a = pd_res[col].to_numpy()
        assert np.array_equal(a, pl_res[col].to_numpy()), col
        assert np.array_equal(a, dict_res[col]), col
    assert pd.isna(pd_res["county"].iloc[0]) and list(pd_res["county"].iloc[1:3]) == ["C01", "C02"]
    assert pl_res["county"].to_list()[:3] == [None, "C01", "C02"]
    # point estimates only: the polars SE is null, the pandas SE NaN
    no_se = gongfu.Design(pl_df, weight="pweight").gini("pc_income")
    assert no_se["se"].null_count() == 1 and no_se["ci_lo"].null_count() == 1
    assert gongfu.Design(households, weight="pweight").gini("pc_income")["se"].isna().all()
    # output= overrides the input's library
    assert isinstance(gongfu.Design(pl_df, weight="pweight").gini("pc_income", output="pandas"), pd.DataFrame)


def test_domain_columns_keep_the_input_dtype(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="pweight")
    res = d.mean("pc_income", by=["urban", "county"])
    assert str(res["urban"].dtype) == "Int64"
    assert res["urban"].isna().iloc[0] and res["county"].isna().iloc[0]
    assert set(res["urban"].dropna()) == {0, 1}
    polars = gongfu.Design(pl.from_pandas(households), weight="pweight").mean("pc_income", by="urban")
    assert polars["urban"].dtype == pl.Int64 and polars["urban"].to_list() == [None, 0, 1]
    # the cross-classification: overall, then the 14 (county, urban) cells present, in natural order
    assert len(res) == 1 + households.groupby(["urban", "county"]).ngroups
    assert list(res["urban"].iloc[1:4]) == [0, 0, 0]


def test_file_inputs_read_only_what_is_needed(households: pd.DataFrame, tmp_path: Path) -> None:
    """A CSV or Parquet path is read by gongfu's own readers, with the same
    numbers as a DataFrame."""
    frame = gongfu.Design(households, weight="pweight", strata="stratum", psu="psu").measures(
        "pc_income", "gini,arpr,median", by="urban", se=True
    )
    csv = gongfu.Design(CONFORMANCE / "households.csv", weight="pweight", strata="stratum", psu="psu")
    from_csv = csv.measures("pc_income", "gini,arpr,median", by="urban", se=True)
    path = tmp_path / "h.parquet"
    pq.write_table(pa.Table.from_pandas(households), path)
    from_parquet = gongfu.Design(str(path), weight="pweight", strata="stratum", psu="psu").measures(
        "pc_income", "gini,arpr,median", by="urban", se=True
    )
    for res in (from_csv, from_parquet):
        assert np.array_equal(res["value"].to_numpy(), frame["value"].to_numpy())
        assert np.allclose(res["se"].to_numpy(), frame["se"].to_numpy(), rtol=1e-13, atol=0)
        # labels read from a file are the file's strings
        assert list(res["urban"].iloc[1:3]) == ["0", "1"]


def test_weights_and_design_columns_may_be_arrays(households: pd.DataFrame) -> None:
    by_name = gongfu.Design(households, weight="pweight", strata="stratum", psu="psu").arpr("pc_income", se=True)
    by_array = gongfu.Design(
        households,
        weight=households["pweight"].to_numpy(),
        strata=households["stratum"].to_numpy(),
        psu=households["psu"].to_numpy(),
    ).arpr("pc_income", se=True)
    assert by_name["value"].iloc[0] == by_array["value"].iloc[0]
    assert by_name["se"].iloc[0] == by_array["se"].iloc[0]
    x = households["pc_income"].to_numpy()
    plain = gongfu.Design(x, weight=households["pweight"].to_numpy(), output="dict").gini()
    assert plain["value"][0] == gongfu.Design(households, weight="pweight").gini("pc_income")["value"].iloc[0]


def test_welfare_per_capita_is_income_over_size_with_person_weights(households: pd.DataFrame) -> None:
    """welfare="per_capita" divides household income by size and multiplies
    the household weight by it: on the conformance data that is exactly
    pc_income weighted by pweight."""
    m = "mean,median,gini,arpr,middle_share(lo=20000,hi=60000)"
    a = gongfu.Design(households, weight="weight", welfare="per_capita", hh_size="hh_size").measures("disposable", m)
    b = gongfu.Design(households, weight="pweight").measures("pc_income", m)
    assert np.array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    # China's definition counts households: household income 100k–500k
    hh = gongfu.Design(households, weight="weight", welfare="per_capita", hh_size="hh_size").middle_share(
        "disposable", 100000, 500000, unit="household"
    )
    inside = (households["disposable"] >= 100000) & (households["disposable"] < 500000)
    want = households.loc[inside, "weight"].sum() / households["weight"].sum()
    assert abs(hh["value"].iloc[0] / want - 1) < 1e-12


def test_measure_lists_and_calls() -> None:
    assert gongfu.measure_call("fgt", alpha=1, line=20000) == "fgt(alpha=1,line=20000)"
    assert gongfu.measure_call("gini") == "gini"
    assert gongfu.parse_measures(["gini", "fgt(1,line=20000)", "ge(2)"]) == [
        "gini", "fgt(alpha=1,line=20000)", "ge(alpha=2)"
    ]
    d = gongfu.Design({"x": np.arange(1.0, 101.0)}, output="dict")
    as_list = d.measures("x", ["gini", "fgt(1,line=30)", "quantile(0.9)"])
    as_text = d.measures("x", 'gini,"fgt(1,line=30)",quantile(0.9)')
    assert as_list["value"].tolist() == as_text["value"].tolist()
    assert as_list["params"] == ["", "alpha=1;line=30", "p=0.9"]


CONVENIENCE = {
    "mean": "mean", "total": "total", "median": "median", "quantile": "quantile", "deciles": "deciles",
    "quintile_means": "quintile_means", "lorenz": "lorenz", "top_share": "top_share",
    "bottom_share": "bottom_share", "gini": "gini", "ge": "ge", "theil": "theil", "mld": "mld",
    "atkinson": "atkinson", "palma": "palma", "qsr": "qsr", "arpt": "arpt", "arpr": "arpr", "rmpg": "rmpg",
    "fgt": "fgt", "watts": "watts", "middle_share": "middle_share", "prosperity_gap": "prosperity_gap",
    "ratio": "ratio", "difference": "difference", "ge_decomp": "ge_decomp", "fgt_contrib": "fgt_contrib",
    "gini_sources": "gini_sources", "gic": "gic", "growth_mean": "growth_mean",
    "shared_prosperity": "shared_prosperity",
}
NOT_PARAMS = {"self", "variable", "by", "se", "options", "baseline", "years"}


def test_convenience_methods_use_the_catalogue_names() -> None:
    """Each convenience method is a catalogue measure and its keywords are the
    catalogue's parameter names (``group`` stands for the measure's ``by``,
    which in this API names the domains)."""
    cat = {m["id"]: [p[0] for p in m["params"]] for m in gongfu.catalogue()}
    for method, mid in CONVENIENCE.items():
        assert mid in cat, mid
        params = [p for p in inspect.signature(getattr(gongfu.Design, method)).parameters if p not in NOT_PARAMS]
        params = ["by" if p == "group" else p for p in params]
        assert set(params) <= set(cat[mid]), (method, params, cat[mid])
        assert getattr(gongfu.Design, method).__doc__


def test_convenience_methods_equal_the_measure_list(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="pweight", strata="stratum", psu="psu", output="dict")
    pairs = [
        (d.fgt("pc_income", 2, 15000, by="urban", se=True), "fgt(2,line=15000)"),
        (d.arpr("pc_income", 0.5, scope="domain", by="urban", se=True), "arpr(0.5,scope=domain)"),
        (d.quantile("pc_income", [0.1, 0.9], se=True), "quantile(0.1),quantile(0.9)"),
        (d.middle_share("pc_income", "0.5*median", "1.5*median", se=True), "middle_share(0.5*median,1.5*median)"),
        (d.ratio("pc_income", group="urban", num=1, den=0, se=True), "ratio(of=mean,by=urban,num=1,den=0)"),
        (d.atkinson("pc_income", 0.5, nonpositive="exclude", se=True), "atkinson(0.5)"),
    ]
    for got, lst in pairs:
        opts = {"nonpositive": "exclude"} if lst.startswith("atkinson") else {}
        by = "urban" if "urban" in got else None
        want = d.measures("pc_income", lst, by=by, se=True, **opts)
        assert got["value"].tolist() == want["value"].tolist(), lst
        assert got["se"].tolist() == want["se"].tolist(), lst


def test_decompositions_add_up(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="weight", welfare="per_capita", hh_size="hh_size", output="dict")
    ge = d.ge_decomp("disposable", 2, group="county")
    parts = dict(zip([p.split("component=")[1] for p in ge["params"]], ge["value"], strict=True))
    assert abs(parts["within"] + parts["between"] - parts["total"]) < 1e-14
    src = d.gini_sources("disposable", sources=["wage", "business", "property", "transfer"])
    contributions = [v for p, v in zip(src["params"], src["value"], strict=True) if "component=contribution" in p]
    total = [v for p, v in zip(src["params"], src["value"], strict=True) if p.endswith("component=total")]
    assert len(contributions) == 4 and len(total) == 1
    assert abs(sum(contributions) - total[0]) < 1e-12
    gini = d.gini("disposable")["value"][0]
    assert abs(total[0] - gini) < 1e-15
    contrib = d.fgt_contrib("disposable", 0, 15000, group="urban")
    shares = [v for p, v in zip(contrib["params"], contrib["value"], strict=True) if "component=contribution" in p]
    assert abs(sum(shares) - 1) < 1e-12


def test_dynamics_by_domain_against_each_years_quantiles(
    households: pd.DataFrame, households_2022: pd.DataFrame
) -> None:
    """The growth incidence curve of a domain is the ratio of that domain's
    quantiles in the two years; growth is annualised over `years`."""
    now = gongfu.Design(households_2022, weight="pweight")
    then = gongfu.Design(households, weight="pweight")
    gic = now.gic(then, "pc_income", 10, by="urban")
    assert list(gic.columns[:3]) == ["measure", "params", "urban"]
    ps = [k / 10 for k in range(1, 10)]
    for u in (0, 1):
        got = gic[gic["urban"] == u]["value"].to_numpy()
        q1 = now.quantile("pc_income", ps, by="urban")
        q0 = then.quantile("pc_income", ps, by="urban")
        want = q1[q1["urban"] == u]["value"].to_numpy() / q0[q0["urban"] == u]["value"].to_numpy() - 1
        assert np.allclose(got, want, rtol=1e-14, atol=1e-16)
    g1 = now.growth_mean(then, "pc_income")["value"].iloc[0]
    g2 = now.growth_mean(then, "pc_income", years=2)["value"].iloc[0]
    assert abs((1 + g2) ** 2 - (1 + g1)) < 1e-14
    sp = now.shared_prosperity(then, "pc_income")
    parts = dict(zip(sp["params"], sp["value"], strict=True))
    assert abs(parts["component=premium"] - (parts["component=bottom40_growth"] - parts["component=mean_growth"])) < 1e-15
    assert sp["se"].isna().all()


def test_grouped_is_gongfu_grouped() -> None:
    """One table: the results of `gongfu grouped --format json` (golden file),
    with the fit behind each value."""
    golden = json.loads((GOLDEN / "grouped_urban.json").read_text())
    table = pd.read_csv(ROOT / "testdata" / "grouped" / "urban_quintiles.csv")
    measures = ["gini", "quantile(0.2)", "fgt(1,line=0.6*median)", "middle_share(lo=20000,hi=60000)", "deciles"]
    got = gongfu.grouped(table, measures)
    assert list(got["measure"]) == [r["measure"] for r in golden["results"]]
    assert np.array_equal(got["value"].to_numpy(), [r["value"] for r in golden["results"]])
    assert list(got["model"]) == [m["model"] for m in golden["meta"]["models"]]
    assert list(got["n"]) == [5] * len(got)
    # several tables: the mixture first, then each table
    rural = pd.read_csv(ROOT / "testdata" / "grouped" / "rural_quintiles.csv")
    mix = gongfu.grouped(tables={"urban": table, "rural": rural}, weights={"urban": 0.67, "rural": 0.33},
                         measures="gini,fgt(0,line=20000)")
    assert list(mix["table"]) == ["all", "urban", "rural"] * 2
    fgt = mix[mix["measure"] == "fgt"]["value"].to_numpy()
    assert abs(fgt[0] - (0.67 * fgt[1] + 0.33 * fgt[2])) < 1e-12


def test_synth_is_the_demo_province() -> None:
    df = gongfu.synth(households=2000, years=2022)
    assert df.shape == (2000, 21)
    again = gongfu.synth(households=2000, years="2022", output="polars")
    assert isinstance(again, pl.DataFrame)
    assert np.array_equal(df["pc_income"].to_numpy(), again["pc_income"].to_numpy())
    assert (df["disposable"] == df["wage"] + df["business"] + df["property"] + df["transfer"]).all()
    # the calibration of the demo: urban/rural ratio of per-capita means about 1.90
    d = gongfu.Design(df, weight="weight", welfare="per_capita", hh_size="hh_size")
    ratio = d.ratio("disposable", group="urban", num=1, den=0)["value"].iloc[0]
    assert abs(ratio - 1.90) < 0.01
    panel = gongfu.synth(households=1000, years=(2020, 2025), output="dict")
    assert sorted(set(panel["year"].tolist())) == list(range(2020, 2026))
    other = gongfu.synth(households=1000, years=(2020, 2025), seed=gongfu.DEFAULT_SEED + 1, output="dict")
    assert not np.array_equal(panel["pc_income"], other["pc_income"])


def test_catalogue() -> None:
    cat = gongfu.catalogue()
    ids = [m["id"] for m in cat]
    assert len(ids) == len(set(ids)) > 40
    for mid in ("gini", "arpr", "middle_share", "ge_decomp", "gic", "poverty_change"):
        assert mid in ids
    text = gongfu.catalogue_text()
    assert text.count("\n    ") == len(cat)
    assert "fgt(alpha=0, line=0.6*median, scope)" in text
    fams = {m["family"] for m in cat}
    assert {"inequality", "poverty", "decomposition", "dynamics"} <= fams


def test_skip_undefined_lists_what_was_left_out(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="pweight")
    res = d.measures("pc_income", "mean,mld", by="urban", skip_undefined=True)
    # mld needs positive incomes: left out where non-positive ones are
    skipped = res.attrs["meta"]["skipped"]
    assert {s["measure"] for s in skipped} == {"mld"}
    assert list(res["measure"]).count("mean") == 3


def test_concurrent_calls_agree(households: pd.DataFrame) -> None:
    d = gongfu.Design(households, weight="pweight", strata="stratum", psu="psu", output="dict")
    want = d.measures("pc_income", HEADLINE, by="county", se=True)
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda _: d.measures("pc_income", HEADLINE, by="county", se=True), range(8)))
    for r in results:
        assert r["value"].tolist() == want["value"].tolist()
        assert r["se"].tolist() == want["se"].tolist()


def test_the_gil_is_released_while_computing() -> None:
    """While one thread computes, another keeps running Python: the longest
    pause the other thread sees is a small part of the computation's time
    (it would be all of it if the extension held the GIL)."""
    rng = np.random.default_rng(7)
    n = 4_000_000
    data = {"x": rng.lognormal(10, 0.7, n), "w": rng.uniform(50, 500, n)}
    d = gongfu.Design(data, weight="w", output="dict")
    d.gini("x")  # warm up
    done = threading.Event()
    spans: list[float] = []

    def work() -> None:
        t0 = time.perf_counter()
        d.measures("x", "gini,arpr,median,ge(0),fgt(1,line=20000)", se=True)
        spans.append(time.perf_counter() - t0)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    last, longest = time.perf_counter(), 0.0
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    t.join()
    assert spans and spans[0] > 0.2, spans
    assert longest < 0.5 * spans[0], (longest, spans[0])


def test_integer_domain_labels_sparse_negative_and_wide() -> None:
    """Integer domain columns are coded in one pass when their range is
    narrow, by sorting otherwise: the same domains either way."""
    x = np.arange(1.0, 9.0)
    for g in ([-5, 7, 7, 1000, -5, 3, 3, 3], [0, 2**40, 0, 2**40, 5, 5, 5, 5]):
        want = {v: x[np.array(g) == v].mean() for v in set(g)}
        for data in ({"x": x, "g": np.array(g)}, pd.DataFrame({"x": x, "g": g}), pl.DataFrame({"x": x, "g": g})):
            res = gongfu.Design(data, output="dict").mean("x", by="g")
            labels = res["g"][1:]
            assert labels == sorted(want), labels
            assert [float(v) for v in res["value"][1:]] == [want[v] for v in labels]


def test_replicate_weights_lent_or_copied_give_the_same_standard_errors() -> None:
    """Supplied replicate weights that NumPy holds contiguously are read in
    place; strided ones (columns of a row-major matrix) are copied. Both give
    the same SEs, with household weights turned into person weights alike,
    and the caller's arrays are left as they were."""
    rng = np.random.default_rng(11)
    n, r = 3_000, 12
    x = rng.lognormal(10.0, 0.6, n)
    w = rng.uniform(20.0, 80.0, n)
    size = rng.integers(1, 6, n).astype(float)
    rows_major = w[:, None] * rng.integers(0, 3, (n, r)).astype(float)  # strided columns
    cols_major = np.asfortranarray(rows_major)  # contiguous columns
    assert not rows_major[:, 0].flags.c_contiguous and cols_major[:, 0].flags.c_contiguous
    before = rows_major.copy()
    for welfare in ("as_is", "per_capita"):
        ses = []
        for m in (rows_major, cols_major):
            data = {"x": x, "w": w, "size": size, **{f"rep{k}": m[:, k] for k in range(r)}}
            d = gongfu.Design(data, weight="w", repweights="rep", rep_type="bootstrap",
                              rep_scale=1 / r, mse=True, hh_size="size", welfare=welfare)
            ses.append(d.measures("x", "mean,gini,median")["se"].to_numpy())
        assert np.all(ses[0] > 0)
        np.testing.assert_array_equal(ses[0], ses[1])
    np.testing.assert_array_equal(rows_major, before)
