//! Contrasts between two groups of the distribution.

use super::undefined;
use crate::ctx::Ctx;
use crate::dist::Distribution;
use crate::error::{MeasureError, Result};
use crate::registry::{Args, Measure, Output, Part};

/// Splits the context's distribution by the attached category `by`, returning
/// the `num` group and the `den` group — or `None` for `den=all`, meaning the
/// distribution itself (a group relative to the whole).
pub(crate) fn two_groups(
    ctx: &Ctx<'_>,
    a: &Args,
    id: &str,
) -> Result<(Distribution, Option<Distribution>)> {
    let (by, cat) = ctx.grouping(a, id)?;
    let (num, den) = (a.text("num")?, a.text("den")?);
    let pos = |label: &str| {
        cat.levels.iter().position(|l| l == label).ok_or_else(|| {
            a.bad(format!(
                "column {by} has no group \"{label}\" (groups: {})",
                cat.levels.join(", ")
            ))
        })
    };
    let i = pos(&num)?;
    let j = if den == "all" && !cat.levels.iter().any(|l| l == "all") {
        None
    } else {
        Some(pos(&den)?)
    };
    let mut parts = ctx.dist.split_by_sorted_codes(&cat.codes, cat.levels.len());
    let dj = j.map(|j| std::mem::replace(&mut parts[j], Distribution::empty()));
    let di = std::mem::replace(&mut parts[i], Distribution::empty());
    if di.is_empty() || dj.as_ref().is_some_and(|d| d.is_empty()) {
        return Err(MeasureError::Empty(Some(format!("{id}: a group is empty"))));
    }
    Ok((di, dj))
}

fn of_measure(a: &Args, id: &str) -> Result<Measure> {
    let of = a.text("of")?;
    if matches!(of.as_str(), "ratio" | "difference" | "rmir") {
        return Err(a.bad(format!("{id} of {of} is not supported")));
    }
    Measure::new(&of, &[])
}

fn group_values(ctx: &Ctx<'_>, a: &Args, id: &str, m: &Measure) -> Result<(f64, f64, usize, f64)> {
    let (di, dj) = two_groups(ctx, a, id)?;
    let dj = dj.as_ref().unwrap_or(ctx.dist);
    let sub = |d: &Distribution| -> Result<f64> {
        let c = Ctx::new(d)
            .with_whole(ctx.whole)
            .with_rule(ctx.rule)
            .with_nonpositive(ctx.nonpositive);
        m.value(&c)
    };
    let (vi, vj) = (sub(&di)?, sub(dj)?);
    let v = ctx.dist.view();
    Ok((vi, vj, v.count_positive_weight(), v.total_weight()))
}

fn ratio_of(ctx: &Ctx<'_>, a: &Args, id: &str, m: &Measure) -> Result<Output> {
    let (vi, vj, n, pop) = group_values(ctx, a, id, m)?;
    if vj == 0.0 {
        return Err(undefined(id, "the denominator group's value is 0"));
    }
    Ok(Output {
        parts: vec![Part {
            label: vec![],
            value: vi / vj,
        }],
        n,
        population: pop,
        excluded: 0,
    })
}

pub(crate) fn rmir(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    ratio_of(ctx, a, "rmir", &Measure::new("median", &[])?)
}

pub(crate) fn ratio(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    ratio_of(ctx, a, "ratio", &of_measure(a, "ratio")?)
}

pub(crate) fn difference(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let m = of_measure(a, "difference")?;
    let (vi, vj, n, pop) = group_values(ctx, a, "difference", &m)?;
    Ok(Output {
        parts: vec![Part {
            label: vec![],
            value: vi - vj,
        }],
        n,
        population: pop,
        excluded: 0,
    })
}
