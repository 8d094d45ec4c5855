//! Poverty, richness, middle class and prosperity gap.

use super::undefined;
use crate::ctx::{Ctx, resolve_line};
use crate::dist::{Distribution, View};
use crate::error::{MeasureError, Result};
use crate::params::{ParamValue, RelTo};
use crate::quantile::quantile;
use crate::registry::{Args, Output};
use crate::sum::{sum_range, sums_by};

/// The `pct` parameter (a fraction of the median), which must be positive.
pub(crate) fn pct(a: &Args) -> Result<f64> {
    let p = a.num("pct")?;
    if !(p > 0.0) {
        return Err(a.bad(format!("pct must be > 0, got {p}")));
    }
    Ok(p)
}

/// The threshold pct × median, national unless `scope=domain`.
fn relative_threshold(ctx: &Ctx<'_>, a: &Args, id: &str) -> Result<f64> {
    let national = !a.domain_scope()?;
    ctx.line(
        &ParamValue::Rel {
            factor: pct(a)?,
            of: RelTo::Median,
        },
        national,
        id,
    )
}

pub(crate) fn arpt(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("arpt")?;
    Ok(Output::one(&v, pct(a)? * quantile(&v, 0.5, ctx.rule)?))
}

/// Headcount share below `t` (strict).
pub(crate) fn headcount(v: &View<'_>, t: f64) -> f64 {
    v.c_before(v.count_below(t)) / v.total_weight()
}

pub(crate) fn arpr(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("arpr")?;
    let t = relative_threshold(ctx, a, "arpr")?;
    Ok(Output::one(&v, headcount(&v, t)))
}

fn poor_median(ctx: &Ctx<'_>, v: &View<'_>, t: f64, id: &str) -> Result<f64> {
    let k = v.count_below(t);
    let poor = v.slice(0, k);
    if poor.total_weight() <= 0.0 {
        return Err(undefined(id, "nobody is below the threshold"));
    }
    quantile(&poor, 0.5, ctx.rule)
}

pub(crate) fn rmpg(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("rmpg")?;
    let t = relative_threshold(ctx, a, "rmpg")?;
    if t <= 0.0 {
        return Err(undefined("rmpg", "the threshold is not positive"));
    }
    let m = poor_median(ctx, &v, t, "rmpg")?;
    Ok(Output::one(&v, (t - m) / t))
}

pub(crate) fn poormed(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("poormed")?;
    let t = relative_threshold(ctx, a, "poormed")?;
    Ok(Output::one(&v, poor_median(ctx, &v, t, "poormed")?))
}

/// FGT(α) at line z on a view (strict `<`).
pub(crate) fn fgt_value(v: &View<'_>, alpha: f64, z: f64) -> f64 {
    let k = v.count_below(z);
    let (x, w) = (v.x, v.w);
    let s = if alpha == 0.0 {
        v.c_before(k)
    } else if alpha == 1.0 {
        sum_range(0, k, |i| w[i] * ((z - x[i]) / z))
    } else if alpha == 2.0 {
        sum_range(0, k, |i| {
            let g = (z - x[i]) / z;
            w[i] * g * g
        })
    } else {
        sum_range(0, k, |i| w[i] * ((z - x[i]) / z).powf(alpha))
    };
    s / v.total_weight()
}

pub(crate) fn fgt_line(ctx: &Ctx<'_>, a: &Args, id: &str) -> Result<(f64, f64)> {
    let alpha = a.num("alpha")?;
    if alpha < 0.0 {
        return Err(a.bad(format!("alpha must be >= 0, got {alpha}")));
    }
    let z = ctx.line(a.value("line")?, !a.domain_scope()?, id)?;
    if z <= 0.0 {
        return Err(undefined(
            id,
            format!("the poverty line {z} is not positive"),
        ));
    }
    Ok((alpha, z))
}

pub(crate) fn fgt(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("fgt")?;
    let (alpha, z) = fgt_line(ctx, a, "fgt")?;
    Ok(Output::one(&v, fgt_value(&v, alpha, z)))
}

pub(crate) fn watts(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let (v, excl) = ctx.positive_view("watts", true)?;
    let z = ctx.line(a.value("line")?, !a.domain_scope()?, "watts")?;
    if z <= 0.0 {
        return Err(undefined(
            "watts",
            format!("the poverty line {z} is not positive"),
        ));
    }
    let k = v.count_below(z);
    let (x, w) = (v.x, v.w);
    let s = sum_range(0, k, |i| w[i] * (z / x[i]).ln());
    Ok(Output::one(&v, s / v.total_weight()).excluding(excl))
}

/// The richness measure's type (lower case) and sensitivity, checked against
/// each type's domain (convey `svyrich`).
pub(crate) fn richness_kind(a: &Args) -> Result<(String, f64)> {
    let g = a.num("g")?;
    let kind = a.text("type")?.to_ascii_lowercase();
    match kind.as_str() {
        "cha" if g > 0.0 => Ok((kind, g)),
        "fgtt1" if (0.0..=1.0).contains(&g) => Ok((kind, g)),
        "fgtt2" if g > 1.0 => Ok((kind, g)),
        "cha" | "fgtt1" | "fgtt2" => Err(a.bad(format!(
            "g = {g} is outside the domain of {kind} (cha: g > 0; fgtt1: 0 ≤ g ≤ 1; fgtt2: g > 1)"
        ))),
        other => Err(a.bad(format!("type is cha, fgtt1 or fgtt2, not \"{other}\""))),
    }
}

pub(crate) fn richness(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("richness")?;
    let (kind, g) = richness_kind(a)?;
    let th = ctx.line(a.value("line")?, !a.domain_scope()?, "richness")?;
    if th <= 0.0 {
        return Err(undefined("richness", "the richness line is not positive"));
    }
    let k = v.count_at_most(th);
    let (x, w) = (v.x, v.w);
    let s = match kind.as_str() {
        "cha" => sum_range(k, v.len(), |i| w[i] * (1.0 - (th / x[i]).powf(g))),
        "fgtt1" => sum_range(k, v.len(), |i| w[i] * (1.0 - th / x[i]).powf(g)),
        _ => sum_range(k, v.len(), |i| w[i] * (x[i] / th - 1.0).powf(g)),
    };
    Ok(Output::one(&v, s / v.total_weight()))
}

pub(crate) fn middle_share(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("middle_share")?;
    let national = !a.domain_scope()?;
    let unit = a.text("unit")?;
    match unit.as_str() {
        "person" => {
            let lo = ctx.line(a.value("lo")?, national, "middle_share")?;
            let hi = ctx.line(a.value("hi")?, national, "middle_share")?;
            if lo > hi {
                return Err(a.bad(format!("lo ({lo}) exceeds hi ({hi})")));
            }
            let share =
                (v.c_before(v.count_below(hi)) - v.c_before(v.count_below(lo))) / v.total_weight();
            Ok(Output::one(&v, share))
        }
        "household" => {
            let size_col = a.text("size")?;
            let sizes = |d: &Distribution| -> Result<Vec<f64>> {
                let s = d
                    .numeric(&size_col)
                    .ok_or_else(|| MeasureError::MissingColumn {
                        measure: "middle_share".into(),
                        column: size_col.clone(),
                    })?;
                if let Some(i) = s.values.iter().position(|&s| !(s > 0.0)) {
                    return Err(MeasureError::BadParameter {
                        measure: "middle_share".into(),
                        message: format!(
                            "household size must be > 0 (row {} has {})",
                            d.row_of(i),
                            s.values[i]
                        ),
                    });
                }
                Ok(s.values.clone())
            };
            // bounds relative to the household-income distribution (household weights)
            let bound = |p: &ParamValue| -> Result<f64> {
                match p {
                    ParamValue::Num(x) => Ok(*x),
                    _ => {
                        let d = if national { ctx.whole } else { ctx.dist };
                        let s = sizes(d)?;
                        let hx: Vec<f64> = d.x.iter().zip(&s).map(|(x, s)| x * s).collect();
                        let hw: Vec<f64> = d.w.iter().zip(&s).map(|(w, s)| w / s).collect();
                        // observations with zero weight (replicates, domains) do not count
                        let (hx, hw): (Vec<f64>, Vec<f64>) =
                            hx.into_iter().zip(hw).filter(|(_, w)| *w > 0.0).unzip();
                        let hd = Distribution::new(&hx, Some(&hw))?;
                        resolve_line(p, &hd, ctx.rule, "middle_share")
                    }
                }
            };
            let lo = bound(a.value("lo")?)?;
            let hi = bound(a.value("hi")?)?;
            if lo > hi {
                return Err(a.bad(format!("lo ({lo}) exceeds hi ({hi})")));
            }
            let s = sizes(ctx.dist)?;
            let (x, w) = (v.x, v.w);
            let [inside, all] = sums_by::<2, _>(0, v.len(), |i| {
                let hw = w[i] / s[i];
                let hx = x[i] * s[i];
                [if lo <= hx && hx < hi { hw } else { 0.0 }, hw]
            });
            let mut out = Output::one(&v, inside / all);
            out.population = all;
            Ok(out)
        }
        other => Err(a.bad(format!("unit is person or household, not \"{other}\""))),
    }
}

pub(crate) fn prosperity_gap(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let (v, excl) = ctx.positive_view("prosperity_gap", true)?;
    let z = a.num("z")?;
    if !(z > 0.0) {
        return Err(a.bad(format!("z must be > 0, got {z}")));
    }
    // Σ w z/x = (z/μ) Σ w μ/x = (z/μ)(N + Σ w d²/(1+d))
    let s = super::inequality::log_moments(ctx, &v)?[2];
    let n = v.total_weight();
    Ok(Output::one(&v, z / v.mean() * (n + s) / n).excluding(excl))
}
