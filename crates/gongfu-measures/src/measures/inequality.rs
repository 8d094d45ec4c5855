//! Inequality: Lorenz, shares, Gini, GE, Atkinson, CV, ratios, Zenga, J-divergence, Wolfson.

use super::{lorenz, lorenz_sum, undefined};
use crate::ctx::Ctx;
use crate::dist::View;
use crate::error::Result;
use crate::quantile::quantile;
use crate::registry::{Args, Output};
use crate::sum::{Acc, sum_range, sums_by};

pub(crate) fn lorenz_ordinate(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("lorenz")?;
    Ok(Output::one(&v, lorenz(&v, a.num("p")?, "lorenz")?))
}

pub(crate) fn share(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("share")?;
    let (lo, hi) = (a.num("a")?, a.num("b")?);
    if lo > hi {
        return Err(a.bad(format!("a ({lo}) must not exceed b ({hi})")));
    }
    Ok(Output::one(
        &v,
        lorenz(&v, hi, "share")? - lorenz(&v, lo, "share")?,
    ))
}

pub(crate) fn top_share(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("top_share")?;
    Ok(Output::one(
        &v,
        1.0 - lorenz(&v, 1.0 - a.num("f")?, "top_share")?,
    ))
}

pub(crate) fn bottom_share(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("bottom_share")?;
    Ok(Output::one(&v, lorenz(&v, a.num("f")?, "bottom_share")?))
}

pub(crate) fn bottom40_mean(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("bottom40_mean")?;
    Ok(Output::one(
        &v,
        lorenz_sum(&v, 0.4) / (0.4 * v.total_weight()),
    ))
}

/// One fused pass over a view: `[Σ w x C, Σ w² x, Σ w (x − μ)²]` (Gini, CV, GE(2)), memoised.
pub(crate) fn rank_moments(ctx: &Ctx<'_>, v: &View<'_>) -> Result<[f64; 3]> {
    let key = format!("rank:{}:{}", v.offset, v.len());
    ctx.memo(&key, || Ok(rank_sums(v)))
}

fn rank_sums(v: &View<'_>) -> [f64; 3] {
    let (x, w, mu) = (v.x, v.w, v.mean());
    sums_by::<3, _>(0, v.len(), |i| {
        let wx = w[i] * x[i];
        let e = x[i] - mu;
        [wx * v.c(i), wx * w[i], w[i] * e * e]
    })
}

/// One fused pass over a view of positive incomes, `d = (x − μ)/μ`:
/// `[Σ w (d − ln(1+d)), Σ w ((1+d) ln(1+d) − d), Σ w d²/(1+d)]` — N·GE(0), N·GE(1)
/// and 2N·GE(−1) (hence Atkinson(1), Atkinson(2), J-divergence and the
/// prosperity gap, Σ w μ/x = N + 2N·GE(−1)), memoised.
pub(crate) fn log_moments(ctx: &Ctx<'_>, v: &View<'_>) -> Result<[f64; 3]> {
    let key = format!("log:{}:{}", v.offset, v.len());
    ctx.memo(&key, || Ok(log_sums(v)))
}

fn log_sums(v: &View<'_>) -> [f64; 3] {
    let (x, w, mu) = (v.x, v.w, v.mean());
    sums_by::<3, _>(0, v.len(), |i| {
        let d = (x[i] - mu) / mu;
        let l = ln_1p_fast(d);
        [
            w[i] * (d - l),
            w[i] * ((1.0 + d) * l - d),
            w[i] * d * d / (1.0 + d),
        ]
    })
}

/// Eurostat Gini (scale-invariant in the weights).
pub(crate) fn gini_eurostat(v: &View<'_>) -> f64 {
    let [a, b, _] = rank_sums(v);
    (2.0 * a - b) / (v.total_weight() * v.total()) - 1.0
}

pub(crate) fn gini(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("gini")?;
    if v.total() == 0.0 {
        return Err(undefined("gini", "total income is 0"));
    }
    let [s, s2, _] = rank_moments(ctx, &v)?;
    let nt = v.total_weight() * v.total();
    let g = match a.text("form")?.as_str() {
        "eurostat" => (2.0 * s - s2) / nt - 1.0,
        "convey" => (2.0 * s - v.total()) / nt - 1.0,
        other => return Err(a.bad(format!("form is eurostat or convey, not \"{other}\""))),
    };
    Ok(Output::one(&v, g))
}

/// ln(1 + d): `ln_1p` near 0, where it matters for accuracy, and the cheaper
/// `ln` elsewhere (equally accurate there).
#[inline(always)]
pub(crate) fn ln_1p_fast(d: f64) -> f64 {
    if d.abs() < 0.25 {
        d.ln_1p()
    } else {
        (1.0 + d).ln()
    }
}

/// GE(α) of a view in a cancellation-free form. With `d = (x − μ)/μ` and
/// `Σ w d = 0`, every term is subtracted its tangent at `x = μ`:
/// α = 0: Σw(d − ln(1+d))/N; α = 1: Σw((1+d)ln(1+d) − d)/N; α = 2: Σw d²/(2N);
/// α = −1: Σw d²/(1+d)/(2N); otherwise Σw(expm1(α ln(1+d)) − αd)/(N α(α−1)).
/// Mathematically identical to the textbook forms; accurate also when
/// inequality is tiny. The view holds only admissible incomes.
pub(crate) fn ge_value(v: &View<'_>, alpha: f64) -> f64 {
    let (x, w) = (v.x, v.w);
    let mu = v.mean();
    let n = v.len();
    let d = |i: usize| (x[i] - mu) / mu;
    let s = if alpha == 0.0 {
        sum_range(0, n, |i| w[i] * (d(i) - ln_1p_fast(d(i))))
    } else if alpha == 1.0 {
        sum_range(0, n, |i| {
            let d = d(i);
            w[i] * ((1.0 + d) * ln_1p_fast(d) - d)
        })
    } else if alpha == 2.0 {
        return sum_range(0, n, |i| w[i] * d(i) * d(i)) / (2.0 * v.total_weight());
    } else if alpha == -1.0 {
        return sum_range(0, n, |i| w[i] * d(i) * d(i) / (1.0 + d(i))) / (2.0 * v.total_weight());
    } else {
        return sum_range(0, n, |i| {
            w[i] * ((alpha * ln_1p_fast(d(i))).exp_m1() - alpha * d(i))
        }) / (v.total_weight() * alpha * (alpha - 1.0));
    };
    s / v.total_weight()
}

/// The view GE(α) may use and the count excluded.
pub(crate) fn ge_view<'a>(ctx: &Ctx<'a>, alpha: f64, id: &str) -> Result<(View<'a>, usize)> {
    let strict = alpha <= 1.0;
    let integer = alpha.fract() == 0.0;
    if strict || !integer {
        ctx.positive_view(id, strict)
    } else {
        Ok((ctx.view(id)?, 0))
    }
}

/// GE(α), reading the fused passes where they apply.
pub(crate) fn ge_in(ctx: &Ctx<'_>, v: &View<'_>, alpha: f64) -> Result<f64> {
    let n = v.total_weight();
    Ok(if alpha == 0.0 {
        log_moments(ctx, v)?[0] / n
    } else if alpha == 1.0 {
        log_moments(ctx, v)?[1] / n
    } else if alpha == -1.0 {
        log_moments(ctx, v)?[2] / (2.0 * n)
    } else if alpha == 2.0 {
        rank_moments(ctx, v)?[2] / (2.0 * n * v.mean() * v.mean())
    } else {
        ge_value(v, alpha)
    })
}

fn ge_output(ctx: &Ctx<'_>, alpha: f64, id: &str) -> Result<Output> {
    let (v, excl) = ge_view(ctx, alpha, id)?;
    if v.mean() <= 0.0 {
        return Err(undefined(id, "the mean income is not positive"));
    }
    Ok(Output::one(&v, ge_in(ctx, &v, alpha)?).excluding(excl))
}

pub(crate) fn ge(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let alpha = a.num("alpha")?;
    ge_output(ctx, alpha, "ge")
}

pub(crate) fn theil(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    ge_output(ctx, 1.0, "theil")
}

pub(crate) fn mld(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    ge_output(ctx, 0.0, "mld")
}

pub(crate) fn atkinson(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let eps = a.num("eps")?;
    if eps < 0.0 {
        return Err(a.bad(format!("eps must be >= 0, got {eps}")));
    }
    let (v, excl) = ctx.positive_view("atkinson", true)?;
    // 1 − (Σw(x/μ)^α/N)^(1/α) with α = 1 − ε, and Σw(x/μ)^α/N = 1 + α(α−1)·GE(α)
    let value = if eps == 0.0 {
        0.0
    } else if eps == 1.0 {
        -(-ge_in(ctx, &v, 0.0)?).exp_m1()
    } else {
        let alpha = 1.0 - eps;
        let g = ge_in(ctx, &v, alpha)?;
        -((alpha * (alpha - 1.0) * g).ln_1p() / alpha).exp_m1()
    };
    Ok(Output::one(&v, value).excluding(excl))
}

pub(crate) fn cv(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("cv")?;
    let mu = v.mean();
    if mu == 0.0 {
        return Err(undefined("cv", "the mean income is 0"));
    }
    let ss = rank_moments(ctx, &v)?[2];
    Ok(Output::one(&v, (ss / v.total_weight()).sqrt() / mu))
}

pub(crate) fn palma(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("palma")?;
    let b40 = lorenz(&v, 0.4, "palma")?;
    if b40 <= 0.0 {
        return Err(undefined(
            "palma",
            "the bottom-40% income share is not positive",
        ));
    }
    Ok(Output::one(&v, (1.0 - lorenz(&v, 0.9, "palma")?) / b40))
}

/// The quintile cuts q20 and q80 and the income totals Σwx{x ≤ q20} and
/// Σwx{x > q80}, refusing a non-positive bottom total.
pub(crate) fn qsr_parts(ctx: &Ctx<'_>, v: &View<'_>) -> Result<(f64, f64, f64, f64)> {
    let q20 = quantile(v, 0.2, ctx.rule)?;
    let q80 = quantile(v, 0.8, ctx.rule)?;
    let lo = v.partial_total(0, v.count_at_most(q20));
    let hi = v.partial_total(v.count_at_most(q80), v.len());
    if lo <= 0.0 {
        return Err(undefined(
            "qsr",
            "the bottom-20% income total is not positive",
        ));
    }
    Ok((q20, q80, lo, hi))
}

pub(crate) fn qsr(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("qsr")?;
    let (_, _, lo, hi) = qsr_parts(ctx, &v)?;
    Ok(Output::one(&v, hi / lo))
}

fn quantile_ratio(ctx: &Ctx<'_>, hi: f64, lo: f64, id: &str) -> Result<Output> {
    let v = ctx.view(id)?;
    let d = quantile(&v, lo, ctx.rule)?;
    if d <= 0.0 {
        return Err(undefined(id, format!("quantile {lo} is not positive")));
    }
    Ok(Output::one(&v, quantile(&v, hi, ctx.rule)? / d))
}

pub(crate) fn p90p10(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    quantile_ratio(ctx, 0.9, 0.1, "p90p10")
}

pub(crate) fn p80p20(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    quantile_ratio(ctx, 0.8, 0.2, "p80p20")
}

/// Zenga's tie convention: `(true, [])` for merged ties, or `(false, rows)`
/// with the input rows of the view's observations for ties in input order.
pub(crate) fn zenga_ties<'a>(ctx: &Ctx<'a>, v: &View<'a>, a: &Args) -> Result<(bool, &'a [u32])> {
    match a.text("ties")?.as_str() {
        "merged" => Ok((true, &[])),
        "input" => {
            let all = ctx.dist.rows().ok_or_else(|| {
                a.bad(
                    "ties=input needs the input row order: build the distribution with keep_rows()"
                        .into(),
                )
            })?;
            Ok((false, &all[v.offset..v.offset + v.len()]))
        }
        other => Err(a.bad(format!("ties is merged or input, not \"{other}\""))),
    }
}

/// Zenga (2007) index, the point estimator of convey `svyzenga`:
/// `Z = 1 − Σ_k w_k (N − H_k)(T − K_k) / (N H_k K_k)` with `H_k` the cumulative
/// weight through k and `K_k = T − Σ_{i<k} w_i x_i` the income of those at or above k.
///
/// The per-unit sum depends on the order of tied incomes. By default
/// (`ties=merged`) tied units are merged into one (their weights added), which
/// makes the index independent of row order; `ties=input` orders tied units as
/// they came in, which is what convey does (R's stable `order`).
pub(crate) fn zenga(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let (v, excl) = ctx.positive_view("zenga", false)?;
    let (n, t) = (v.total_weight(), v.total());
    if t <= 0.0 {
        return Err(undefined("zenga", "total income is not positive"));
    }
    let (merged, rows) = zenga_ties(ctx, &v, a)?;
    let mut below = Acc::default();
    let mut h = Acc::default();
    let mut z = Acc::default();
    let mut i = 0;
    let mut order: Vec<usize> = Vec::new();
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v.x[j] == v.x[i] {
            j += 1;
        }
        order.clear();
        order.extend(i..j);
        if merged {
            let (mut wg, mut yg) = (Acc::default(), Acc::default());
            for &k in &order {
                wg.add(v.w[k]);
                yg.add(v.w[k] * v.x[k]);
            }
            let y_before = below.value();
            h.add(wg.value());
            if wg.value() > 0.0 {
                let hk = h.value();
                z.add(wg.value() * (n - hk) * y_before / (n * hk * (t - y_before)));
            }
            below.add(yg.value());
        } else {
            order.sort_by_key(|&k| rows[k]);
            for &k in &order {
                let (x, w) = (v.x[k], v.w[k]);
                h.add(w);
                if w > 0.0 {
                    let y_before = below.value();
                    let hk = h.value();
                    z.add(w * (n - hk) * y_before / (n * hk * (t - y_before)));
                }
                below.add(w * x);
            }
        }
        i = j;
    }
    Ok(Output::one(&v, 1.0 - z.value()).excluding(excl))
}

pub(crate) fn jdiv(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let (v, excl) = ctx.positive_view("jdiv", true)?;
    let g = ge_in(ctx, &v, 0.0)? + ge_in(ctx, &v, 1.0)?;
    Ok(Output::one(&v, g).excluding(excl))
}

pub(crate) fn wolfson(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("wolfson")?;
    let m = quantile(&v, 0.5, ctx.rule)?;
    if m <= 0.0 || v.total() == 0.0 {
        return Err(undefined("wolfson", "the median is not positive"));
    }
    let mu = v.mean();
    let g = gini_eurostat(&v);
    let bottom_half_mean = lorenz_sum(&v, 0.5) / (0.5 * v.total_weight());
    Ok(Output::one(
        &v,
        2.0 * (mu * (1.0 - g) - bottom_half_mean) / m,
    ))
}
