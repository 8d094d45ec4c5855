//! Levels: counts, totals, means, quantiles, group means.

use super::lorenz_sum;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::params::ParamValue;
use crate::quantile::quantile as q;
use crate::registry::{Args, Output, Part};

pub(crate) fn count(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("count")?;
    let n = v.count_positive_weight();
    Ok(Output::one(&v, n as f64))
}

pub(crate) fn population(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("population")?;
    Ok(Output::one(&v, v.total_weight()))
}

pub(crate) fn total(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("total")?;
    Ok(Output::one(&v, v.total()))
}

pub(crate) fn mean(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("mean")?;
    Ok(Output::one(&v, v.mean()))
}

pub(crate) fn quantile(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("quantile")?;
    let p = a.num("p")?;
    if !(0.0..=1.0).contains(&p) {
        return Err(a.bad(format!("p must be in [0, 1], got {p}")));
    }
    Ok(Output::one(&v, q(&v, p, ctx.rule)?))
}

pub(crate) fn median(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("median")?;
    Ok(Output::one(&v, q(&v, 0.5, ctx.rule)?))
}

pub(crate) fn deciles(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("deciles")?;
    let parts = (1..10)
        .map(|k| {
            let p = k as f64 / 10.0;
            Ok(Part {
                label: vec![("p".into(), ParamValue::Num(p))],
                value: q(&v, p, ctx.rule)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Output::many(&v, parts))
}

pub(crate) fn quintile_means(ctx: &Ctx<'_>, _: &Args) -> Result<Output> {
    let v = ctx.view("quintile_means")?;
    let s: Vec<f64> = (0..=5).map(|k| lorenz_sum(&v, k as f64 / 5.0)).collect();
    let fifth = v.total_weight() / 5.0;
    let parts = (1..=5)
        .map(|g| Part {
            label: vec![("group".into(), ParamValue::Num(g as f64))],
            value: (s[g] - s[g - 1]) / fifth,
        })
        .collect();
    Ok(Output::many(&v, parts))
}
