//! Change between a baseline distribution and the current one.

use super::lorenz_sum;
use super::poverty::{fgt_value, headcount};
use super::undefined;
use crate::ctx::{Ctx, resolve_line};
use crate::dist::View;
use crate::error::{MeasureError, Result};
use crate::params::ParamValue;
use crate::quantile::quantile;
use crate::registry::{Args, Output, Part};

fn baseline<'a>(ctx: &Ctx<'a>, id: &str) -> Result<View<'a>> {
    let b = ctx.baseline.ok_or_else(|| {
        MeasureError::Invalid(format!(
            "{id} compares two years: give a baseline distribution"
        ))
    })?;
    if b.is_empty() || b.total_weight() <= 0.0 {
        return Err(MeasureError::Empty(Some(format!(
            "{id}: the baseline is empty"
        ))));
    }
    if !(ctx.years > 0.0) {
        return Err(MeasureError::Invalid(format!(
            "{id}: years between the samples must be > 0"
        )));
    }
    Ok(b.view())
}

/// Annualised growth from `a` to `b` over `years`.
fn annualised(b: f64, a: f64, years: f64) -> f64 {
    if years == 1.0 {
        b / a - 1.0
    } else {
        (b / a).powf(1.0 / years) - 1.0
    }
}

fn growth_at(ctx: &Ctx<'_>, now: &View<'_>, then: &View<'_>, p: f64, id: &str) -> Result<f64> {
    let (q1, q0) = (quantile(now, p, ctx.rule)?, quantile(then, p, ctx.rule)?);
    if q0 <= 0.0 || q1 < 0.0 {
        return Err(undefined(
            id,
            format!("quantile {p} is not positive in both years"),
        ));
    }
    Ok(annualised(q1, q0, ctx.years))
}

pub(crate) fn gic(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let then = baseline(ctx, "gic")?;
    let now = ctx.view("gic")?;
    let n = a.num("n")?;
    if !((2.0..=1000.0).contains(&n) && n.fract() == 0.0) {
        return Err(a.bad(format!("n must be an integer in 2..=1000, got {n}")));
    }
    let n = n as usize;
    let parts = (1..n)
        .map(|k| {
            let p = k as f64 / n as f64;
            Ok(Part {
                label: vec![("p".into(), ParamValue::Num(p))],
                value: growth_at(ctx, &now, &then, p, "gic")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Output::many(&now, parts))
}

pub(crate) fn growth_mean(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let then = baseline(ctx, "growth_mean")?;
    let now = ctx.view("growth_mean")?;
    if then.mean() <= 0.0 {
        return Err(undefined(
            "growth_mean",
            "the baseline mean is not positive",
        ));
    }
    Ok(Output::one(
        &now,
        annualised(now.mean(), then.mean(), ctx.years),
    ))
}

pub(crate) fn shared_prosperity(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let then = baseline(ctx, "shared_prosperity")?;
    let now = ctx.view("shared_prosperity")?;
    let b40 = |v: &View<'_>| lorenz_sum(v, 0.4) / (0.4 * v.total_weight());
    let (b0, b1) = (b40(&then), b40(&now));
    if b0 <= 0.0 || then.mean() <= 0.0 {
        return Err(undefined(
            "shared_prosperity",
            "the baseline bottom-40% mean is not positive",
        ));
    }
    let gb = annualised(b1, b0, ctx.years);
    let gm = annualised(now.mean(), then.mean(), ctx.years);
    let c = |name: &str, value| Part {
        label: vec![("component".into(), ParamValue::Text(name.into()))],
        value,
    };
    Ok(Output::many(
        &now,
        vec![
            c("bottom40_growth", gb),
            c("mean_growth", gm),
            c("premium", gb - gm),
        ],
    ))
}

pub(crate) fn pro_poor_growth(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let then = baseline(ctx, "pro_poor_growth")?;
    let now = ctx.view("pro_poor_growth")?;
    let whole0 = ctx
        .baseline_whole
        .or(ctx.baseline)
        .ok_or_else(|| MeasureError::Invalid("no baseline".into()))?;
    let z = resolve_line(a.value("line")?, whole0, ctx.rule, "pro_poor_growth")?;
    let h = headcount(&then, z);
    let top = (h * 100.0).floor() as usize;
    if top < 1 {
        return Err(undefined(
            "pro_poor_growth",
            "the baseline headcount is below 1%",
        ));
    }
    let mut acc = 0.0;
    for k in 1..=top.min(99) {
        acc += growth_at(ctx, &now, &then, k as f64 / 100.0, "pro_poor_growth")?;
    }
    Ok(Output::one(&now, acc / top.min(99) as f64))
}

pub(crate) fn poverty_change(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let then = baseline(ctx, "poverty_change")?;
    let now = ctx.view("poverty_change")?;
    let alpha = a.num("alpha")?;
    let z = a.num("line")?;
    if !(z > 0.0) || alpha < 0.0 {
        return Err(a.bad("line must be a positive number and alpha >= 0".into()));
    }
    let (m0, m1) = (then.mean(), now.mean());
    if m0 <= 0.0 || m1 <= 0.0 {
        return Err(undefined("poverty_change", "a mean income is not positive"));
    }
    let p00 = fgt_value(&then, alpha, z);
    let p11 = fgt_value(&now, alpha, z);
    // P(μ1, L0): baseline scaled to the new mean, i.e. the line scaled down.
    let p10 = fgt_value(&then, alpha, z * m0 / m1);
    let p01 = fgt_value(&now, alpha, z * m1 / m0);
    let (g, r) = (p10 - p00, p01 - p00);
    let c = |name: &str, value| Part {
        label: vec![("component".into(), ParamValue::Text(name.into()))],
        value,
    };
    Ok(Output::many(
        &now,
        vec![
            c("change", p11 - p00),
            c("dr_growth", g),
            c("dr_redistribution", r),
            c("dr_residual", (p11 - p00) - g - r),
            c("shapley_growth", 0.5 * ((p10 - p00) + (p11 - p01))),
            c("shapley_redistribution", 0.5 * ((p01 - p00) + (p11 - p10))),
        ],
    ))
}
