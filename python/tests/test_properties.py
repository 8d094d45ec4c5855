"""Invariances, checked on generated data (hypothesis): scale invariance of
the Gini, permutation invariance of every result, integer weights as copies
of rows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gongfu

incomes = arrays(np.float64, st.integers(2, 60), elements=st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False))
SET = "mean,median,quantile(0.3),deciles,gini,gini(form=convey),ge(2),qsr,palma,arpr,fgt(1,line=0.5*median),middle_share"


def values(x: np.ndarray, w: np.ndarray | None = None, measures: str = SET, **kw: object) -> np.ndarray:
    data = {"x": x} if w is None else {"x": x, "w": w}
    d = gongfu.Design(data, weight=None if w is None else "w", output="dict")
    return np.asarray(d.measures("x", measures, **kw)["value"])


def close(a: np.ndarray, b: np.ndarray, tol: float = 1e-12) -> bool:
    return bool(np.all(np.abs(a - b) <= tol * np.maximum(np.abs(b), 1e-300) + 1e-15))


@settings(max_examples=150, deadline=None)
@given(x=incomes, c=st.floats(1e-3, 1e3), k=st.floats(1e-3, 1e3), data=st.data())
def test_gini_is_scale_invariant(x: np.ndarray, c: float, k: float, data: st.DataObject) -> None:
    """G(c·x) = G(x); the Eurostat Gini does not change when every weight is
    multiplied by k either (the convey form does: docs/measures.md)."""
    w = data.draw(arrays(np.float64, len(x), elements=st.floats(0.5, 500)))
    g = values(x, w, "gini")
    assert close(values(c * x, w, "gini"), g)
    assert close(values(x, k * w, "gini"), g)
    # with unit weights the two forms coincide
    ones = values(x, None, "gini,gini(form=convey)")
    assert close(ones[1:], ones[:1])


@settings(max_examples=100, deadline=None)
@given(x=incomes, data=st.data())
def test_results_do_not_depend_on_row_order(x: np.ndarray, data: st.DataObject) -> None:
    """Point estimates are bit for bit the same for any order of the rows
    (ties in canonical order, fixed summation); SEs to 1e-12."""
    n = len(x)
    x = np.maximum(np.round(x, -3), 1000.0)  # ties
    w = data.draw(arrays(np.float64, n, elements=st.sampled_from([1.0, 2.5, 10.0, 40.0])))
    strata = data.draw(arrays(np.int64, n, elements=st.integers(0, 2)))
    perm = np.asarray(data.draw(st.permutations(range(n))))
    psu = np.arange(n)

    def run(order: np.ndarray) -> dict[str, np.ndarray]:
        d = gongfu.Design(
            {"x": x[order], "w": w[order], "s": strata[order], "p": psu[order]},
            weight="w", strata="s", psu="p", lonely_psu="certainty", output="dict",
        )
        return d.measures("x", SET, se=True, skip_undefined=True)  # degenerate samples have no SE

    a, b = run(np.arange(n)), run(perm)
    assert np.array_equal(a["value"], b["value"])
    assert a["measure"] == b["measure"] and a["params"] == b["params"]
    # SEs to 1e-10 relative; an SE that is zero in exact arithmetic is
    # rounding noise of the order of 1e-13 of the estimate, in either order
    noise = 1e-12 * np.maximum(np.abs(a["value"]), 1.0)
    assert np.all(np.abs(b["se"] - a["se"]) <= 1e-10 * np.abs(a["se"]) + noise)


@settings(max_examples=150, deadline=None)
@given(x=incomes, data=st.data())
def test_integer_weights_are_copies(x: np.ndarray, data: st.DataObject) -> None:
    """A row of weight k is k copies of it: every measure of the set agrees
    between the weighted sample and the expanded, unweighted one."""
    k = data.draw(arrays(np.int64, len(x), elements=st.integers(1, 5)))
    w = k.astype(np.float64)
    copies = SET.replace("gini(form=convey),", "")
    weighted = values(x, w, copies)
    expanded = values(np.repeat(x, k), None, copies)
    assert close(weighted, expanded), (weighted, expanded)
    # convey's form is not a frequency-weight Gini: it exceeds the copies'
    # by (Σw²x − Σwx)/(N·T) (docs/measures.md §4)
    n, t = w.sum(), (w * x).sum()
    term = ((w * w * x).sum() - t) / (n * t)
    g_w = values(x, w, "gini(form=convey)")[0]
    g_copies = values(np.repeat(x, k), None, "gini(form=convey)")[0]
    assert abs(g_w - (g_copies + term)) <= 1e-12
