//! Exact decompositions: GE and J-divergence by group, FGT contributions,
//! Gini by income source.

use super::inequality::{ge_value, ge_view, gini_eurostat};
use super::poverty::{fgt_line, fgt_value};
use super::undefined;
use crate::ctx::Ctx;
use crate::dist::{Distribution, View};
use crate::error::{MeasureError, Result};
use crate::params::ParamValue;
use crate::registry::{Args, Output, Part};
use crate::sum::{Acc, sum_range};

fn text(s: &str) -> ParamValue {
    ParamValue::Text(s.to_string())
}

fn component(name: &str, value: f64) -> Part {
    Part {
        label: vec![("component".into(), text(name))],
        value,
    }
}

/// The groups of `by` within the observations `v` of the context's distribution
/// (a suffix or the whole), with their labels; empty groups are dropped.
fn groups_of(
    ctx: &Ctx<'_>,
    v: &View<'_>,
    a: &Args,
    id: &str,
) -> Result<Vec<(String, Distribution)>> {
    let (_, cat) = ctx.grouping(a, id)?;
    let nl = cat.levels.len() as u32;
    let (lo, hi) = (v.offset, v.offset + v.len());
    let codes: Vec<u32> = (0..ctx.dist.len())
        .map(|i| if i >= lo && i < hi { cat.codes[i] } else { nl })
        .collect();
    Ok(ctx
        .dist
        .split_by_sorted_codes(&codes, cat.levels.len())
        .into_iter()
        .zip(&cat.levels)
        .filter(|(d, _)| !d.is_empty() && d.total_weight() > 0.0)
        .map(|(d, l)| (l.clone(), d))
        .collect())
}

pub(crate) fn ge_decomp(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let alpha = a.num("alpha")?;
    let (v, excl) = ge_view(ctx, alpha, "ge_decomp")?;
    let (n, mu) = (v.total_weight(), v.mean());
    if mu <= 0.0 {
        return Err(undefined("ge_decomp", "the mean income is not positive"));
    }
    let total = super::inequality::ge_in(ctx, &v, alpha)?;
    let mut within = Acc::default();
    let mut between = Acc::default();
    for (_, g) in groups_of(ctx, &v, a, "ge_decomp")? {
        let gv = g.view();
        let (ng, mg) = (gv.total_weight(), gv.mean());
        if mg <= 0.0 {
            return Err(undefined(
                "ge_decomp",
                "a group's mean income is not positive",
            ));
        }
        let (p, r) = (ng / n, mg / mu);
        within.add(p * r.powf(alpha) * ge_value(&gv, alpha));
        // Σ p (r − 1) = 0, so subtracting it term by term is exact in theory and
        // avoids cancellation when the group means are close to the mean.
        let d = (mg - mu) / mu;
        let lr = d.ln_1p();
        between.add(if alpha == 0.0 {
            p * (d - lr)
        } else if alpha == 1.0 {
            p * (r * lr - d)
        } else {
            p * ((alpha * lr).exp_m1() - alpha * d) / (alpha * (alpha - 1.0))
        });
    }
    let parts = vec![
        component("total", total),
        component("within", within.value()),
        component("between", between.value()),
    ];
    Ok(Output::many(&v, parts).excluding(excl))
}

pub(crate) fn jdiv_decomp(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let (v, excl) = ctx.positive_view("jdiv_decomp", true)?;
    let (n, t, mu) = (v.total_weight(), v.total(), v.mean());
    let total = ge_value(&v, 0.0) + ge_value(&v, 1.0);
    let mut within = Acc::default();
    let mut between = Acc::default();
    for (_, g) in groups_of(ctx, &v, a, "jdiv_decomp")? {
        let gv = g.view();
        let (s, p) = (gv.total() / t, gv.total_weight() / n);
        within.add(s * ge_value(&gv, 1.0) + p * ge_value(&gv, 0.0));
        between.add((s - p) * (gv.mean().ln() - mu.ln()));
    }
    let parts = vec![
        component("total", total),
        component("within", within.value()),
        component("between", between.value()),
    ];
    Ok(Output::many(&v, parts).excluding(excl))
}

pub(crate) fn fgt_contrib(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("fgt_contrib")?;
    let (alpha, z) = fgt_line(ctx, a, "fgt_contrib")?;
    let total = fgt_value(&v, alpha, z);
    let mut parts = vec![component("total", total)];
    for (label, g) in groups_of(ctx, &v, a, "fgt_contrib")? {
        let gv = g.view();
        let f = fgt_value(&gv, alpha, z);
        let share = if total > 0.0 {
            gv.total_weight() / v.total_weight() * f / total
        } else {
            0.0
        };
        parts.push(Part {
            label: vec![
                ("group".into(), text(&label)),
                ("component".into(), text("fgt")),
            ],
            value: f,
        });
        parts.push(Part {
            label: vec![
                ("group".into(), text(&label)),
                ("component".into(), text("contribution")),
            ],
            value: share,
        });
    }
    Ok(Output::many(&v, parts))
}

pub(crate) fn gini_sources(ctx: &Ctx<'_>, a: &Args) -> Result<Output> {
    let v = ctx.view("gini_sources")?;
    let names: Vec<String> = a
        .text("sources")?
        .split('+')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(a.bad("name at least one source column".into()));
    }
    let cols = names
        .iter()
        .map(|n| {
            ctx.dist
                .numeric(n)
                .map(|c| c.values.as_slice())
                .ok_or_else(|| MeasureError::MissingColumn {
                    measure: "gini_sources".into(),
                    column: n.clone(),
                })
        })
        .collect::<Result<Vec<&[f64]>>>()?;
    let (x, w) = (v.x, v.w);
    for i in 0..v.len() {
        let s: f64 = cols.iter().map(|c| c[i]).sum();
        if (s - x[i]).abs() > 1e-9 * x[i].abs().max(1.0) {
            return Err(MeasureError::Invalid(format!(
                "gini_sources: the sources do not add up to the income in row {} ({s} vs {})",
                ctx.dist.row_of(i),
                x[i]
            )));
        }
    }
    let (n, mu) = (v.total_weight(), v.mean());
    if mu == 0.0 {
        return Err(undefined("gini_sources", "the mean income is 0"));
    }
    // tie-averaged mid-ranks of the total income
    let mut f = vec![0.0; v.len()];
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && x[j + 1] == x[i] {
            j += 1;
        }
        let mid = (v.c_before(i) + v.c(j)) / 2.0 / n;
        f[i..=j].iter_mut().for_each(|fi| *fi = mid);
        i = j + 1;
    }
    let g = gini_eurostat(&v);
    let mut parts = vec![component("total", g)];
    for (name, col) in names.iter().zip(&cols) {
        let mu_k = sum_range(0, v.len(), |i| w[i] * col[i]) / n;
        let cov = sum_range(0, v.len(), |i| w[i] * col[i] * f[i]) / n - mu_k / 2.0;
        // observations with zero weight (replicates, domains) do not count
        let (cx, cw): (Vec<f64>, Vec<f64>) = col
            .iter()
            .zip(w)
            .filter(|(_, w)| **w > 0.0)
            .map(|(x, w)| (*x, *w))
            .unzip();
        let own = Distribution::new(&cx, Some(&cw))?;
        let ov = own.view();
        let g_k = if ov.total() != 0.0 {
            gini_eurostat(&ov)
        } else {
            0.0
        };
        let contribution = 2.0 * cov / mu;
        let lab = |c: &str| vec![("source".into(), text(name)), ("component".into(), text(c))];
        parts.push(Part {
            label: lab("share"),
            value: mu_k / mu,
        });
        parts.push(Part {
            label: lab("gini"),
            value: g_k,
        });
        if g_k * mu_k != 0.0 {
            parts.push(Part {
                label: lab("correlation"),
                value: cov / (g_k * mu_k / 2.0),
            });
        }
        parts.push(Part {
            label: lab("contribution"),
            value: contribution,
        });
        if g != 0.0 {
            parts.push(Part {
                label: lab("relative"),
                value: contribution / g,
            });
        }
    }
    Ok(Output::many(&v, parts))
}
