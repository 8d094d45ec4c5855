//! Linearisations of the measures whose influence needs no density estimate.
//! (Quantile-based measures are in `infl_density.rs`.)

use super::inequality::{ge_in, ge_view};
use super::{lorenz, undefined};
use crate::ctx::Ctx;
use crate::dist::{Distribution, View};
use crate::error::{MeasureError, Result};
use crate::linearize::{InflFn, Influence, on_domain, unsupported};
use crate::registry::{Args, Measure};
use crate::sum::Acc;

/// Every linearisation, by measure id.
pub(crate) fn lookup(id: &str) -> Option<InflFn> {
    TABLE
        .iter()
        .chain(super::infl_density::TABLE.iter())
        .find(|(k, _)| *k == id)
        .map(|(_, f)| *f)
}

static TABLE: &[(&str, InflFn)] = &[
    ("population", population),
    ("total", total),
    ("mean", mean),
    ("gini", gini),
    ("ge", ge),
    ("theil", theil),
    ("mld", mld),
    ("atkinson", atkinson),
    ("cv", cv),
    ("jdiv", jdiv),
    ("lorenz", lorenz_infl),
    ("share", share),
    ("top_share", top_share),
    ("bottom_share", bottom_share),
    ("ge_decomp", ge_decomp),
    ("jdiv_decomp", jdiv_decomp),
    ("ratio", ratio),
    ("difference", difference),
    ("fgt_contrib", fgt_contrib),
    ("gini_sources", gini_sources),
];

fn one(z: Vec<f64>) -> Result<Vec<Influence>> {
    Ok(vec![Influence::domain(z)])
}

fn population(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("population")?;
    one(v.w.iter().map(|_| 1.0).collect())
}

fn total(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("total")?;
    one(v.x.to_vec())
}

/// z of the mean of a view: (x − μ)/N.
pub(crate) fn mean_z(v: &View<'_>) -> Vec<f64> {
    let (n, mu) = (v.total_weight(), v.mean());
    v.x.iter().map(|&x| (x - mu) / n).collect()
}

fn mean(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("mean")?;
    one(mean_z(&v))
}

/// Gini influence through the totals T1 = Σ w x C, T2 = Σ w x, T3 = Σ w
/// (and T4 = Σ w² x for the Eurostat form), by the delta method — convey's
/// `CalcGini_IF` for the convey form.
fn gini(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("gini")?;
    let (n, y) = (v.total_weight(), v.total());
    if y == 0.0 {
        return Err(undefined("gini", "total income is 0"));
    }
    let mut g = Acc::default();
    let mut t1 = Acc::default();
    let mut t4 = Acc::default();
    let mut lin1 = Vec::with_capacity(v.len());
    for i in 0..v.len() {
        let (x, w, r) = (v.x[i], v.w[i], v.c(i));
        g.add(w * x);
        t1.add(r * w * x);
        t4.add(w * w * x);
        lin1.push(y - g.value() + x * w + r * x);
    }
    let (t1, t4) = (t1.value(), t4.value());
    let eurostat = match a.text("form")?.as_str() {
        "eurostat" => true,
        "convey" => false,
        other => return Err(a.bad(format!("form is eurostat or convey, not \"{other}\""))),
    };
    let [d1, d2, d3, d4] = crate::linearize::gini_coefficients(n, y, t1, t4, eurostat);
    one((0..v.len())
        .map(|i| d1 * lin1[i] + d2 * v.x[i] + d3 + d4 * 2.0 * v.w[i] * v.x[i])
        .collect())
}

/// z of GE(α) on a view of admissible incomes.
pub(crate) fn ge_z(v: &View<'_>, alpha: f64, ge: f64) -> Vec<f64> {
    let (n, mu) = (v.total_weight(), v.mean());
    v.x.iter()
        .map(|&x| {
            let r = x / mu;
            if alpha == 0.0 {
                (-r.ln() - ge + r - 1.0) / n
            } else if alpha == 1.0 {
                (r * r.ln() - (1.0 + ge) * (r - 1.0) - ge) / n
            } else {
                let s = 1.0 + alpha * (alpha - 1.0) * ge;
                (r.powf(alpha) - s - alpha * s * (r - 1.0)) / (n * alpha * (alpha - 1.0))
            }
        })
        .collect()
}

fn ge_infl(ctx: &Ctx<'_>, alpha: f64, id: &str) -> Result<Vec<Influence>> {
    let (v, _) = ge_view(ctx, alpha, id)?;
    let g = ge_in(ctx, &v, alpha)?;
    one(on_domain(ctx, &v, ge_z(&v, alpha, g)))
}

fn ge(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    ge_infl(ctx, a.num("alpha")?, "ge")
}

fn theil(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    ge_infl(ctx, 1.0, "theil")
}

fn mld(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    ge_infl(ctx, 0.0, "mld")
}

fn jdiv(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let (v, _) = ctx.positive_view("jdiv", true)?;
    let (g0, g1) = (ge_in(ctx, &v, 0.0)?, ge_in(ctx, &v, 1.0)?);
    let z: Vec<f64> = ge_z(&v, 0.0, g0)
        .iter()
        .zip(ge_z(&v, 1.0, g1))
        .map(|(a, b)| a + b)
        .collect();
    one(on_domain(ctx, &v, z))
}

fn atkinson(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let eps = a.num("eps")?;
    let (v, _) = ctx.positive_view("atkinson", true)?;
    if eps == 0.0 {
        return one(vec![0.0; ctx.dist.len()]);
    }
    let z: Vec<f64> = if eps == 1.0 {
        // A = 1 − exp(−GE(0))
        let g = ge_in(ctx, &v, 0.0)?;
        ge_z(&v, 0.0, g).iter().map(|z| (-g).exp() * z).collect()
    } else {
        // A = 1 − S^(1/α), S = 1 + α(α−1) GE(α), α = 1 − ε
        let alpha = 1.0 - eps;
        let g = ge_in(ctx, &v, alpha)?;
        let s = 1.0 + alpha * (alpha - 1.0) * g;
        let ds = -(1.0 / alpha) * s.powf(1.0 / alpha - 1.0) * alpha * (alpha - 1.0);
        ge_z(&v, alpha, g).iter().map(|z| ds * z).collect()
    };
    one(on_domain(ctx, &v, z))
}

fn cv(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("cv")?;
    let g = ge_in(ctx, &v, 2.0)?;
    let c = (2.0 * g).sqrt();
    if c == 0.0 {
        return Err(undefined("cv", "no dispersion"));
    }
    one(ge_z(&v, 2.0, g).iter().map(|z| z / c).collect())
}

/// convey's interpolated quantile for the Lorenz curve (`wtd.qtl`): with
/// C_{k−1} < pN ≤ C_k, q = x_{k−1} + (x_k − x_{k−1})(pN − C_{k−1})/w_k, x_0 = 0.
fn lorenz_quantile(v: &View<'_>, p: f64) -> f64 {
    let target = p * v.total_weight();
    let k = (0..v.len())
        .find(|&i| v.w[i] > 0.0 && v.c(i) >= target)
        .unwrap_or(v.len() - 1);
    let prev = (0..k).rev().find(|&i| v.w[i] > 0.0).map_or(0.0, |i| v.x[i]);
    prev + (v.x[k] - prev) * (target - v.c_before(k)) / v.w[k]
}

/// z of the Lorenz ordinate L(p) (convey `svylorenz`, Kovacevic & Binder 1997).
fn lorenz_z(v: &View<'_>, p: f64) -> Result<Vec<f64>> {
    if p <= 0.0 || p >= 1.0 {
        return Ok(vec![0.0; v.len()]);
    }
    let l = lorenz(v, p, "lorenz")?;
    let q = lorenz_quantile(v, p);
    let nm = v.total();
    Ok(v.x
        .iter()
        .map(|&x| ((if x <= q { x - q } else { 0.0 }) + p * q - x * l) / nm)
        .collect())
}

fn lorenz_infl(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("lorenz")?;
    one(lorenz_z(&v, a.num("p")?)?)
}

fn share(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("share")?;
    let (lo, hi) = (lorenz_z(&v, a.num("a")?)?, lorenz_z(&v, a.num("b")?)?);
    one(hi.iter().zip(lo).map(|(h, l)| h - l).collect())
}

fn top_share(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("top_share")?;
    one(lorenz_z(&v, 1.0 - a.num("f")?)?
        .iter()
        .map(|z| -z)
        .collect())
}

fn bottom_share(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("bottom_share")?;
    one(lorenz_z(&v, a.num("f")?)?)
}

/// Positions (in the context's distribution) of each group of `by` within `v`.
fn group_positions(ctx: &Ctx<'_>, v: &View<'_>, a: &Args, id: &str) -> Result<Vec<Vec<usize>>> {
    let (_, cat) = ctx.grouping(a, id)?;
    let mut pos = vec![Vec::new(); cat.levels.len()];
    for i in v.offset..v.offset + v.len() {
        pos[cat.codes[i] as usize].push(i);
    }
    Ok(pos.into_iter().filter(|p| !p.is_empty()).collect())
}

/// The group as its own distribution (same order).
fn group_dist(ctx: &Ctx<'_>, pos: &[usize]) -> Distribution {
    let p: Vec<u32> = pos.iter().map(|&i| i as u32).collect();
    ctx.dist.gather(&p)
}

fn ge_decomp(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let alpha = a.num("alpha")?;
    let (v, _) = ge_view(ctx, alpha, "ge_decomp")?;
    let (n, y) = (v.total_weight(), v.total());
    let total = ge_in(ctx, &v, alpha)?;
    let zt = on_domain(ctx, &v, ge_z(&v, alpha, total));
    let mut zw = vec![0.0; ctx.dist.len()];
    for pos in group_positions(ctx, &v, a, "ge_decomp")? {
        let g = group_dist(ctx, &pos);
        let gv = g.view();
        let (ng, yg) = (gv.total_weight(), gv.total());
        let (p, s) = (ng / n, yg / y);
        let ge_g = super::inequality::ge_value(&gv, alpha);
        let zg = ge_z(&gv, alpha, ge_g);
        let (cp, cs, cg) = (
            (1.0 - alpha) * p.powf(-alpha) * s.powf(alpha) * ge_g,
            alpha * p.powf(1.0 - alpha) * s.powf(alpha - 1.0) * ge_g,
            p.powf(1.0 - alpha) * s.powf(alpha),
        );
        // p and s are ratios of totals over the (positive) view
        let ing: Vec<bool> = {
            let mut m = vec![false; ctx.dist.len()];
            pos.iter().for_each(|&i| m[i] = true);
            m
        };
        for i in v.offset..v.offset + v.len() {
            let x = ctx.dist.x[i];
            let d = if ing[i] { 1.0 } else { 0.0 };
            zw[i] += cp * (d - p) / n + cs * (d * x - s * x) / y;
        }
        for (k, &i) in pos.iter().enumerate() {
            zw[i] += cg * zg[k];
        }
    }
    let zb: Vec<f64> = zt.iter().zip(&zw).map(|(t, w)| t - w).collect();
    Ok(vec![
        Influence::domain(zt),
        Influence::domain(zw),
        Influence::domain(zb),
    ])
}

fn jdiv_decomp(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (v, _) = ctx.positive_view("jdiv_decomp", true)?;
    let (n, y) = (v.total_weight(), v.total());
    let (g0, g1) = (ge_in(ctx, &v, 0.0)?, ge_in(ctx, &v, 1.0)?);
    let zt: Vec<f64> = on_domain(
        ctx,
        &v,
        ge_z(&v, 0.0, g0)
            .iter()
            .zip(ge_z(&v, 1.0, g1))
            .map(|(a, b)| a + b)
            .collect(),
    );
    let mut zw = vec![0.0; ctx.dist.len()];
    for pos in group_positions(ctx, &v, a, "jdiv_decomp")? {
        let g = group_dist(ctx, &pos);
        let gv = g.view();
        let (p, s) = (gv.total_weight() / n, gv.total() / y);
        let (l, t) = (
            super::inequality::ge_value(&gv, 0.0),
            super::inequality::ge_value(&gv, 1.0),
        );
        let (zl, ztg) = (ge_z(&gv, 0.0, l), ge_z(&gv, 1.0, t));
        let mut ing = vec![false; ctx.dist.len()];
        pos.iter().for_each(|&i| ing[i] = true);
        for i in v.offset..v.offset + v.len() {
            let x = ctx.dist.x[i];
            let d = if ing[i] { 1.0 } else { 0.0 };
            zw[i] += l * (d - p) / n + t * (d * x - s * x) / y;
        }
        for (k, &i) in pos.iter().enumerate() {
            zw[i] += s * ztg[k] + p * zl[k];
        }
    }
    let zb: Vec<f64> = zt.iter().zip(&zw).map(|(t, w)| t - w).collect();
    Ok(vec![
        Influence::domain(zt),
        Influence::domain(zw),
        Influence::domain(zb),
    ])
}

/// The value and influence of `m` on the group at `pos` of the context's
/// distribution (`None`: the whole distribution), expressed on the context's positions.
fn group_estimate(ctx: &Ctx<'_>, m: &Measure, pos: Option<&[usize]>) -> Result<(f64, Influence)> {
    let owned;
    let d = match pos {
        Some(p) => {
            owned = group_dist(ctx, p);
            &owned
        }
        None => ctx.dist,
    };
    let sub = Ctx::new(d)
        .with_whole(ctx.whole)
        .with_rule(ctx.rule)
        .with_nonpositive(ctx.nonpositive);
    let value = m.value(&sub)?;
    let mut infl = m
        .influence(&sub)?
        .into_iter()
        .next()
        .ok_or_else(|| unsupported(m.id()))?;
    if let Some(p) = pos {
        let mut z = vec![0.0; ctx.dist.len()];
        for (k, &i) in p.iter().enumerate() {
            z[i] = infl.domain[k];
        }
        infl.domain = z;
    }
    Ok((value, infl))
}

fn contrast(ctx: &Ctx<'_>, a: &Args, id: &str, ratio: bool) -> Result<Vec<Influence>> {
    let of = a.text("of")?;
    let m = Measure::new(&of, &[])?;
    let (by, cat) = ctx.grouping(a, id)?;
    let positions = |label: &str| -> Result<Vec<usize>> {
        let k = cat
            .levels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| a.bad(format!("column {by} has no group \"{label}\"")))?;
        Ok((0..ctx.dist.len())
            .filter(|&i| cat.codes[i] as usize == k)
            .collect())
    };
    let (num, den) = (a.text("num")?, a.text("den")?);
    let pn = positions(&num)?;
    let pd = if den == "all" && !cat.levels.iter().any(|l| l == "all") {
        None
    } else {
        Some(positions(&den)?)
    };
    let (vn, zn) = group_estimate(ctx, &m, Some(&pn))?;
    let (vd, zd) = group_estimate(ctx, &m, pd.as_deref())?;
    let (cn, cd) = if ratio {
        if vd == 0.0 {
            return Err(undefined(id, "the denominator group's value is 0"));
        }
        (1.0 / vd, -vn / (vd * vd))
    } else {
        (1.0, -1.0)
    };
    let mut out = Influence::domain(
        zn.domain
            .iter()
            .zip(&zd.domain)
            .map(|(a, b)| cn * a + cd * b)
            .collect(),
    );
    if let Some(w) = &zn.whole {
        out.add_whole(cn, w);
    }
    if let Some(w) = &zd.whole {
        out.add_whole(cd, w);
    }
    Ok(vec![out])
}

fn ratio(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    contrast(ctx, a, "ratio", true)
}

fn difference(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    contrast(ctx, a, "difference", false)
}

/// FGT by group and contributions: each group's FGT through `fgt`'s own
/// influence (national line included), the contribution p_g·FGT_g/FGT by the
/// delta method.
fn fgt_contrib(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("fgt_contrib")?;
    let mut params: Vec<(&str, crate::params::ParamValue)> =
        vec![("alpha", crate::params::ParamValue::Num(a.num("alpha")?))];
    params.push(("line", a.value("line")?.clone()));
    if let Some(sc) = a.get("scope") {
        params.push(("scope", sc.clone()));
    }
    let m = Measure::new("fgt", &params)?;
    let (total, zt) = group_estimate(ctx, &m, None)?;
    let n = v.total_weight();
    let mut out = vec![zt.clone()];
    for pos in group_positions(ctx, &v, a, "fgt_contrib")? {
        let (fg, zg) = group_estimate(ctx, &m, Some(&pos))?;
        let ng: f64 = pos.iter().map(|&i| ctx.dist.w[i]).sum();
        let p = ng / n;
        out.push(zg.clone());
        if total > 0.0 {
            let c = p * fg / total;
            let mut ing = vec![false; ctx.dist.len()];
            pos.iter().for_each(|&i| ing[i] = true);
            let domain = (0..ctx.dist.len())
                .map(|i| {
                    let zp = ((if ing[i] { 1.0 } else { 0.0 }) - p) / n;
                    (fg * zp + p * zg.domain[i] - c * zt.domain[i]) / total
                })
                .collect();
            let mut inf = Influence::domain(domain);
            if let Some(w) = &zg.whole {
                inf.add_whole(p / total, w);
            }
            if let Some(w) = &zt.whole {
                inf.add_whole(-c / total, w);
            }
            out.push(inf);
        } else {
            out.push(Influence::domain(vec![0.0; ctx.dist.len()]));
        }
    }
    Ok(out)
}

/// Gini by income source: shares as ratios of totals, source Ginis through
/// the Gini influence on each source's own order, the concentration
/// coefficients C_k = 2 cov(x_k, F)/μ through the totals Σ w x_k r, Σ w² x_k,
/// Σ w, Σ w x and Σ w x_k (as the Gini's), and their ratios by the delta method.
fn gini_sources(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("gini_sources")?;
    let names: Vec<String> = a
        .text("sources")?
        .split('+')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let gini = Measure::new("gini", &[])?;
    let g_total = gini.value(ctx)?;
    let zg_total = gini.influence(ctx)?.remove(0).domain;
    let (n, y) = (v.total_weight(), v.total());
    let (x, w) = (v.x, v.w);
    let mut out = vec![Influence::domain(zg_total.clone())];
    for name in &names {
        let col = ctx
            .dist
            .numeric(name)
            .ok_or_else(|| MeasureError::MissingColumn {
                measure: "gini_sources".into(),
                column: name.clone(),
            })?;
        let xk = &col.values;
        let yk: f64 = (0..v.len()).map(|i| w[i] * xk[i]).sum();
        let s_k = yk / y;
        let zs: Vec<f64> = (0..v.len()).map(|i| (xk[i] - s_k * x[i]) / y).collect();
        // the source's own Gini
        let own = Distribution::builder(xk, Some(w)).keep_rows().build()?;
        let oc = Ctx::new(&own);
        let g_k = if own.total() != 0.0 {
            gini.value(&oc)?
        } else {
            0.0
        };
        let mut zgk = vec![0.0; v.len()];
        if own.total() != 0.0 {
            let z = gini.influence(&oc)?.remove(0).domain;
            let rows = own.rows().unwrap_or(&[]);
            for (k, &r) in rows.iter().enumerate() {
                zgk[r as usize] = z[k];
            }
        }
        // concentration coefficient of x_k along the order of x
        let mut suffix = vec![0.0; v.len() + 1];
        for i in (0..v.len()).rev() {
            suffix[i] = suffix[i + 1] + w[i] * xk[i];
        }
        let (mut t1, mut t4) = (Acc::default(), Acc::default());
        for i in 0..v.len() {
            t1.add(w[i] * xk[i] * v.c(i));
            t4.add(w[i] * w[i] * xk[i]);
        }
        let (t1, t4) = (t1.value(), t4.value());
        let c_k = (2.0 * t1 - t4) / (n * y) - yk / y;
        let (d1, d4) = (2.0 / (n * y), -1.0 / (n * y));
        let dn = -(2.0 * t1 - t4) / (n * n * y);
        let dy = -(2.0 * t1 - t4) / (n * y * y) + yk / (y * y);
        let dyk = -1.0 / y;
        let zc: Vec<f64> = (0..v.len())
            .map(|i| {
                let lin1 = v.c(i) * xk[i] + suffix[i];
                d1 * lin1 + d4 * 2.0 * w[i] * xk[i] + dn + dy * x[i] + dyk * xk[i]
            })
            .collect();
        out.push(Influence::domain(zs.clone()));
        out.push(Influence::domain(zgk.clone()));
        if g_k * s_k != 0.0 {
            let r = c_k / (g_k * s_k);
            out.push(Influence::domain(
                (0..v.len())
                    .map(|i| {
                        zc[i] / (g_k * s_k)
                            - c_k * zgk[i] / (g_k * g_k * s_k)
                            - c_k * zs[i] / (g_k * s_k * s_k)
                    })
                    .collect(),
            ));
            let _ = r;
        }
        out.push(Influence::domain(zc.clone()));
        if g_total != 0.0 {
            out.push(Influence::domain(
                (0..v.len())
                    .map(|i| zc[i] / g_total - c_k * zg_total[i] / (g_total * g_total))
                    .collect(),
            ));
        }
    }
    Ok(out)
}
