"""gongfu from Python against the Python peers, on the same data in the same run.

    bench/python_peers.sh [N] [REPS]          # makes .venv-bench, then runs this
    python bench/python_peers.py --n 10000000 --reps 3 [--json out.json] [--boot-timeout 300]

Data: N log-normal incomes (median 30,000, σ = 0.7) with weights uniform in
[50, 500), PSUs of 20 consecutive units in 50 strata, fixed seed (as
docs/performance.md). Each peer runs in its own process (so that its peak
memory is its own); times are medians of REPS calls, from NumPy arrays or a
DataFrame to the result, and include each library's own setup (svy's
design, microdf's MicroSeries). Peers:

* svy: median with its Woodruff SE (Taylor linearisation on the design);
  its first call (design and sample built) and later calls are reported apart.
* ineqpy: weighted Gini (point estimate; ineqpy has no SE).
* microdf: weighted Gini, and its SE from 50 bootstrap replicate weights
  (PSUs drawn with replacement within strata; microdf.replicate_variance,
  scale 1/R, centred at the full-sample estimate), skipped past the timeout.

gongfu: gini + SE, median + SE and arpr + SE (linearisation on the design;
Woodruff for the median), and the Gini SE from the same 50 replicate weights.
The numbers are checked against each peer (the script fails otherwise):

* svy's median uses R's qrule "math", which is gongfu's quantile rule
  ``inverse_cdf``: value and Woodruff interval must agree to 1e-9 and 1e-12,
  and the SE (the interval's width over 2·t) to 1e-9 once both use the same
  t quantile (gongfu's is a few 1e-6 low at hundreds of thousands of degrees
  of freedom; the raw difference is printed). The Eurostat default is shown too.
* microdf's Gini is the Eurostat form (its trapezoid over the Lorenz curve is
  (2Σwx·C − Σw²x)/(N·T) − 1): 1e-9.
* ineqpy's Gini is 2·cov(x, C/N)/μ with NumPy's bias-corrected weighted
  covariance: (G + 2·cov_f(x, w/2N)/μ)/(1 − Σf²), f = w/N, from gongfu's G
  must reproduce it to 1e-9; the raw relative difference is printed.
* the bootstrap SEs (same replicate weights and formula): 1e-9.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import numpy as np

SEED = 20261129
STRATA = 50
PSU_SIZE = 20
BOOT = 50


def data(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    x = np.exp(np.log(30000.0) + 0.7 * rng.standard_normal(n))
    w = rng.uniform(50.0, 500.0, n)
    psu = np.arange(n, dtype=np.int64) // PSU_SIZE
    return {"x": x, "w": w, "psu": psu, "stratum": psu % STRATA}


def bootstrap_weights(d: dict[str, np.ndarray]) -> np.ndarray:
    """50 bootstrap replicates: in each stratum its PSUs drawn with
    replacement; the weight times the times drawn. Shape (n, 50), columns
    contiguous."""
    rng = np.random.default_rng(SEED + 1)
    psu, stratum, w = d["psu"], d["stratum"], d["w"]
    n_psu = int(psu.max()) + 1
    psu_stratum = np.arange(n_psu) % STRATA
    members = [np.flatnonzero(psu_stratum == h) for h in range(STRATA)]
    out = np.empty((len(w), BOOT), dtype=np.float64, order="F")
    for r in range(BOOT):
        drawn = np.concatenate([rng.choice(m, size=len(m)) for m in members])
        counts = np.bincount(drawn, minlength=n_psu).astype(np.float64)
        out[:, r] = w * counts[psu]
    del stratum
    return out


def timed(f: Callable[[], Any], reps: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


# ---------------------------------------------------------------- tasks


def task_gongfu(n: int, reps: int) -> dict[str, Any]:
    import gongfu

    d = data(n)

    def design(**kw: Any) -> Any:
        return gongfu.Design(d, weight="w", strata="stratum", psu="psu", output="dict", **kw)

    out: dict[str, Any] = {"version": gongfu.__version__}
    for name, call in [
        ("gini_se", lambda: design().gini("x", se=True)),
        ("median_se", lambda: design(quantile_rule="inverse_cdf").median("x", se=True)),
        ("median_se_eurostat", lambda: design().median("x", se=True)),
        ("arpr_se", lambda: design().arpr("x", se=True)),
        ("gini", lambda: design().gini("x")),
        ("three_se", lambda: design().measures("x", "gini,median,arpr", se=True)),
    ]:
        t, times, r = timed(call, reps)
        out[name] = {"time": t, "times": times, "value": float(r["value"][0]), "se": float(r["se"][0]),
                     "ci": [float(r["ci_lo"][0]), float(r["ci_hi"][0])]}
    out["peak_gb"] = peak_gb()
    return out


def task_gongfu_boot(n: int, reps: int) -> dict[str, Any]:
    import gongfu

    d = data(n)
    reps_w = bootstrap_weights(d)
    cols = {**d, **{f"rep{r:02d}": reps_w[:, r] for r in range(BOOT)}}
    design = gongfu.Design(cols, weight="w", repweights="rep", rep_type="bootstrap", rep_scale=1 / BOOT,
                           mse=True, output="dict")
    t, times, r = timed(lambda: design.gini("x"), 1)
    return {"gini_boot_se": {"time": t, "times": times, "value": float(r["value"][0]), "se": float(r["se"][0])},
            "peak_gb": peak_gb()}


def task_gongfu_boot_gen(n: int, reps: int) -> dict[str, Any]:
    import gongfu

    d = data(n)
    design = gongfu.Design(d, weight="w", strata="stratum", psu="psu", replicates=f"bootstrap:{BOOT}", seed=7,
                           output="dict")
    t, times, r = timed(lambda: design.gini("x"), reps)
    return {"gini_boot_se": {"time": t, "times": times, "value": float(r["value"][0]), "se": float(r["se"][0])},
            "peak_gb": peak_gb()}


def task_svy(n: int, reps: int) -> dict[str, Any]:
    import polars as pl
    import svy

    d = data(n)
    df = pl.DataFrame(d)
    t0 = time.perf_counter()
    sample = svy.Sample(df, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    est = sample.estimation.median("x")
    first = time.perf_counter() - t0
    t, times, est = timed(lambda: sample.estimation.median("x"), reps)
    row = est.to_polars().row(0, named=True)
    return {"version": _dist_version("svy"),
            "median_se": {"first": first, "time": t, "times": times, "value": row["est"], "se": row["se"],
                          "ci": [row["lci"], row["uci"]], "df": row["df"]},
            "peak_gb": peak_gb()}


def task_ineqpy(n: int, reps: int) -> dict[str, Any]:
    import ineqpy

    d = data(n)
    t, times, g = timed(lambda: ineqpy.inequality.gini(income=d["x"], weights=d["w"]), reps)
    x, w = d["x"], d["w"]
    f = w / w.sum()
    mu = float((f * x).sum())
    h = w / (2 * w.sum())
    cov = float((f * (x - mu) * (h - (f * h).sum())).sum())
    return {"version": _dist_version("ineqpy"),
            "gini": {"time": t, "times": times, "value": float(g)},
            "relation": {"cov_term": 2 * cov / mu, "sum_f2": float((f * f).sum())},
            "peak_gb": peak_gb()}


def task_microdf(n: int, reps: int) -> dict[str, Any]:
    import microdf as mdf

    d = data(n)
    t, times, g = timed(lambda: mdf.MicroSeries(d["x"], weights=d["w"]).gini(), reps)
    return {"version": _dist_version("microdf-python"),
            "gini": {"time": t, "times": times, "value": float(g)}, "peak_gb": peak_gb()}


def task_microdf_boot(n: int, reps: int) -> dict[str, Any]:
    import microdf as mdf
    from microdf.replication import replicate_variance

    d = data(n)
    reps_w = bootstrap_weights(d)

    def run() -> float:
        s = mdf.MicroSeries(d["x"], weights=d["w"])
        return float(np.sqrt(replicate_variance(s, lambda m: m.gini(), reps_w, method="bootstrap")))

    t, times, se = timed(run, 1)
    return {"gini_boot_se": {"time": t, "times": times, "se": se}, "peak_gb": peak_gb()}


TASKS = {
    "gongfu": task_gongfu,
    "gongfu_boot": task_gongfu_boot,
    "gongfu_boot_gen": task_gongfu_boot_gen,
    "svy": task_svy,
    "ineqpy": task_ineqpy,
    "microdf": task_microdf,
    "microdf_boot": task_microdf_boot,
}


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


# ---------------------------------------------------------------- driver


def run_task(name: str, n: int, reps: int, timeout: float | None) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--task", name, "--n", str(n), "--reps", str(reps)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {name}: skipped, still running after {timeout:.0f} s", flush=True)
        return None
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"{name} failed (exit {p.returncode})")
    out: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"  {name}: done in {time.perf_counter() - t0:.1f} s (peak {out['peak_gb']:.2f} GB)", flush=True)
    return out


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--task", choices=sorted(TASKS))
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--boot-timeout", type=float, default=300.0,
                    help="skip microdf's bootstrap SE past this many seconds (default 300)")
    a = ap.parse_args()
    if a.task:
        print(json.dumps(TASKS[a.task](a.n, a.reps)))
        return

    print(f"python_peers: n = {a.n:,}, median of {a.reps} calls, {os.cpu_count()} CPUs", flush=True)
    res: dict[str, Any] = {}
    for name in ("gongfu", "svy", "ineqpy", "microdf", "gongfu_boot_gen", "gongfu_boot", "microdf_boot"):
        res[name] = run_task(name, a.n, a.reps, a.boot_timeout if name == "microdf_boot" else None)
    g, s, i, m, gb, mb = (res[k] for k in ("gongfu", "svy", "ineqpy", "microdf", "gongfu_boot", "microdf_boot"))
    gg = res["gongfu_boot_gen"]

    failures: list[str] = []

    def check(what: str, got: float, want: float, tol: float = 1e-9) -> str:
        d = rel(got, want)
        if d > tol:
            failures.append(f"{what}: {got!r} vs {want!r} (rel {d:.2e} > {tol:g})")
        return f"{d:.1e}"

    # the numbers
    med, med_e = g["median_se"], g["median_se_eurostat"]
    svy_med = s["median_se"]
    d_med = check("median vs svy", med["value"], svy_med["value"])
    d_med_ci = max(check("median CI vs svy", med["ci"][k], svy_med["ci"][k], 1e-12) for k in (0, 1))
    # Woodruff's SE is the interval's width over 2·t(df): gongfu's t quantile
    # (statrs) is a few 1e-6 low at these degrees of freedom, svy's (SciPy)
    # exact; with the same interval the SEs differ by exactly that factor
    from scipy import stats

    gse = g["gini_se"]
    t_gongfu = (gse["ci"][1] - gse["value"]) / gse["se"]
    t_exact = float(stats.t.ppf(0.975, svy_med["df"]))
    d_med_se_raw = rel(med["se"], svy_med["se"])
    d_med_se = check("median SE vs svy (same t quantile)", med["se"] * t_gongfu / t_exact, svy_med["se"])
    d_gini_m = check("gini vs microdf", g["gini"]["value"], m["gini"]["value"])
    rl = i["relation"]
    ineqpy_from_g = (g["gini"]["value"] + rl["cov_term"]) / (1 - rl["sum_f2"])
    d_gini_i = check("ineqpy's form from gongfu's Gini", ineqpy_from_g, i["gini"]["value"])
    raw_i = rel(g["gini"]["value"], i["gini"]["value"])
    d_boot = None
    if mb is not None:
        d_boot = check("bootstrap Gini SE vs microdf", gb["gini_boot_se"]["se"], mb["gini_boot_se"]["se"])

    def ratio(peer: float, own: float) -> str:
        return f"{peer / own:.1f}×"

    print()
    print("| computation | gongfu | peer | peer time | gongfu faster | agreement |")
    print("|---|---:|---|---:|---:|---|")
    print(f"| median + SE (Woodruff) | {med['time']:.2f} s | svy {s['version']} first call | "
          f"{svy_med['first']:.2f} s | {ratio(svy_med['first'], med['time'])} | "
          f"value {d_med}, interval {d_med_ci}, SE {d_med_se_raw:.1e} ({d_med_se} with the same t "
          f"quantile; rule inverse_cdf = svy's \"higher\") |")
    print(f"| | | svy, later calls | {svy_med['time']:.2f} s | {ratio(svy_med['time'], med['time'])} | |")
    print(f"| gini + SE (linearised) | {g['gini_se']['time']:.2f} s | ineqpy {i['version']} Gini (no SE) | "
          f"{i['gini']['time']:.2f} s | {ratio(i['gini']['time'], g['gini_se']['time'])} | "
          f"relation {d_gini_i} (raw difference {raw_i:.1e}: other form) |")
    print(f"| | | microdf {m['version']} Gini (no SE) | {m['gini']['time']:.2f} s | "
          f"{ratio(m['gini']['time'], g['gini_se']['time'])} | {d_gini_m} (same Eurostat form) |")
    ggs = gg["gini_boot_se"]
    if mb is not None:
        mbs = mb["gini_boot_se"]
        print(f"| Gini SE, 50 bootstrap replicates (the same weights, supplied) | {gb['gini_boot_se']['time']:.2f} s "
              f"({gb['peak_gb']:.1f} GB) | microdf | {mbs['time']:.1f} s ({mb['peak_gb']:.1f} GB) | "
              f"{ratio(mbs['time'], gb['gini_boot_se']['time'])} | {d_boot} |")
        print(f"| Gini SE, 50 Rao–Wu bootstrap replicates generated from the design | {ggs['time']:.2f} s "
              f"({gg['peak_gb']:.1f} GB) | microdf (its 50 replicates) | {mbs['time']:.1f} s | "
              f"{ratio(mbs['time'], ggs['time'])} | other draws: SE {ggs['se']:.4g} vs {mbs['se']:.4g} |")
    else:
        print(f"| Gini SE, 50 bootstrap replicates | {gb['gini_boot_se']['time']:.2f} s "
              f"({gb['peak_gb']:.1f} GB); generated from the design {ggs['time']:.2f} s | microdf | "
              f"skipped (> {a.boot_timeout:.0f} s) | | |")
    print(f"| arpr + SE (linearised) | {g['arpr_se']['time']:.2f} s | — | | | |")
    print(f"| gini, median, arpr + SEs in one call | {g['three_se']['time']:.2f} s | | | | |")
    print(f"| gini (point estimate) | {g['gini']['time']:.2f} s | | | | |")
    print()
    print(f"gongfu {g['version']}: gini {g['gini_se']['value']:.12f} (SE {g['gini_se']['se']:.6g}), "
          f"median {med['value']:.6f} (SE {med['se']:.6g}; Eurostat rule {med_e['value']:.6f}), "
          f"arpr {g['arpr_se']['value']:.12f} (SE {g['arpr_se']['se']:.6g}); "
          f"bootstrap Gini SE {gb['gini_boot_se']['se']:.6g}; peak {g['peak_gb']:.2f} GB")
    print(f"t(0.975, {svy_med['df']}): gongfu {t_gongfu:.12f}, exact {t_exact:.12f} "
          f"(rel {rel(t_gongfu, t_exact):.1e})")
    print(f"svy median {svy_med['value']:.6f} (SE {svy_med['se']:.6g}); ineqpy Gini {i['gini']['value']:.12f}; "
          f"microdf Gini {m['gini']['value']:.12f}"
          + (f", bootstrap SE {mb['gini_boot_se']['se']:.6g}" if mb else ""))
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gongfu": g["version"], "svy": s["version"], "ineqpy": i["version"], "microdf-python": m["version"],
    }
    for k in ("pandas", "polars"):
        try:
            versions[k] = _dist_version(k)
        except Exception:  # noqa: BLE001 - not installed
            pass
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"n": a.n, "reps": a.reps, "cpus": os.cpu_count(), "versions": versions, "results": res}, f,
                      indent=2)
    if failures:
        raise SystemExit("numbers disagree:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
