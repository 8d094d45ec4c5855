//! Linearisations of the quantile- and threshold-based measures, through
//! convey's Gaussian kernel density (`crate::linearize::density`).
//!
//! Conventions (Deville 1999; Osier 2009; convey 1.0.1, whose standard errors
//! these reproduce):
//!
//! - A quantile `q_p` of a view has the influence `−(1{x ≤ q_p} − p)/(N f̂(q_p))`,
//!   where `f̂` is the Gaussian kernel density of the same view with bandwidth
//!   `h = sqrt(Σwx²/N − μ²)·N^(−1/5)` (convey `h_fun`, `densfun`, `svyiqalpha`).
//! - A measure `F(t)` evaluated at a line `t = c × median` (or `c × mean`) adds
//!   `∂F/∂t ×` the line's influence. A national line (the default inside a
//!   domain) puts that term on the population's observations
//!   ([`Influence::whole`]); with `scope=domain` it lies on the domain's own.
//! - `∂F/∂t` of a headcount share is the kernel density of the domain at `t`
//!   (convey `svyarpr`); of a gap measure the domain mean of the gap's
//!   derivative in `t` (convey `svyfgt`, `svywatts`, `svyrich`).
//!
//! Indicators of "poor" follow the point estimates (`x < t`); convey counts
//! `x ≤ t`, which is the same wherever no observation sits exactly at the line.

use super::inequality::gini_eurostat;
use super::infl::mean_z;
use super::poverty::{fgt_value, pct};
use super::{lorenz, lorenz_sum, undefined};
use crate::ctx::{Ctx, resolve_line};
use crate::dist::{Distribution, View};
use crate::error::{MeasureError, Result};
use crate::linearize::{InflFn, Influence, density, on_domain, unsupported};
use crate::params::{ParamValue, RelTo};
use crate::quantile::quantile;
use crate::registry::{Args, Measure};
use crate::sum::{Acc, sum_range, sums_by};

/// Linearisations defined in this file, by measure id.
pub(crate) static TABLE: &[(&str, InflFn)] = &[
    ("quantile", quantile_infl),
    ("median", median),
    ("deciles", deciles),
    ("quintile_means", quintile_means),
    ("bottom40_mean", bottom40_mean),
    ("palma", palma),
    ("qsr", qsr),
    ("p90p10", p90p10),
    ("p80p20", p80p20),
    ("zenga", zenga),
    ("wolfson", wolfson),
    ("arpt", arpt),
    ("arpr", arpr),
    ("rmpg", rmpg),
    ("poormed", poormed),
    ("fgt", fgt),
    ("watts", watts),
    ("richness", richness),
    ("middle_share", middle_share),
    ("prosperity_gap", prosperity_gap),
    ("rmir", rmir),
];

fn one(z: Vec<f64>) -> Result<Vec<Influence>> {
    Ok(vec![Influence::domain(z)])
}

fn indicator(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

// ---------------------------------------------------------------------------
// Kernel density and quantile influence
// ---------------------------------------------------------------------------

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// convey's bandwidth of a view: `sqrt(Σwx²/N − μ²) · N^(−1/5)` (`h_fun`).
fn bandwidth(v: &View<'_>) -> f64 {
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let mu = v.mean();
    let m2 = sum_range(0, v.len(), |i| w[i] * x[i] * x[i]) / n;
    (m2 - mu * mu).sqrt() / n.powf(0.2)
}

/// `[Σ w φ((t − x)/h), Σ w x φ((t − x)/h)]` over a view (convey `densfun`,
/// `FUN = "F"` before the division by `N h`, and `FUN = "big_s"` before the
/// division by `h`).
fn kernel_sums(v: &View<'_>, t: f64, h: f64) -> [f64; 2] {
    let (x, w) = (v.x, v.w);
    sums_by::<2, _>(0, v.len(), |i| {
        let u = (t - x[i]) / h;
        let k = w[i] * INV_SQRT_2PI * (-0.5 * u * u).exp();
        [k, k * x[i]]
    })
}

fn zero_density(id: &str, t: f64) -> MeasureError {
    undefined(
        id,
        format!(
            "the kernel density at {t} is zero (no dispersion, or no observations near it): \
             no linearised standard error"
        ),
    )
}

/// The kernel density of a view at `t`, refusing a zero or undefined density.
fn dens(v: &View<'_>, t: f64, id: &str) -> Result<f64> {
    if v.is_empty() || v.total_weight() <= 0.0 {
        return Err(MeasureError::Empty(Some(format!(
            "{id}: no observations for the density"
        ))));
    }
    let f = density(v, t);
    if f > 0.0 && f.is_finite() {
        Ok(f)
    } else {
        Err(zero_density(id, t))
    }
}

/// The kernel density of a view at `t` with a given bandwidth.
fn dens_with(v: &View<'_>, t: f64, h: f64, id: &str) -> Result<f64> {
    let n = v.total_weight();
    let f = kernel_sums(v, t, h)[0] / (n * h);
    if n > 0.0 && f > 0.0 && f.is_finite() {
        Ok(f)
    } else {
        Err(zero_density(id, t))
    }
}

/// `−(1{x ≤ q} − p)/(N f)` on the view's observations.
fn quantile_z_with(v: &View<'_>, p: f64, q: f64, f: f64) -> Vec<f64> {
    let n = v.total_weight();
    let k = v.count_at_most(q);
    (0..v.len())
        .map(|i| -(indicator(i < k) - p) / (n * f))
        .collect()
}

/// The influence of the quantile `q` of order `p` of a view (convey `svyiqalpha`).
fn quantile_z(v: &View<'_>, p: f64, q: f64, id: &str) -> Result<Vec<f64>> {
    let f = dens(v, q, id)?;
    Ok(quantile_z_with(v, p, q, f))
}

// ---------------------------------------------------------------------------
// Lines and thresholds
// ---------------------------------------------------------------------------

/// A line (or bound) and the influence of its estimation.
struct Line {
    value: f64,
    /// The line's influence; `None` for a fixed (absolute) line.
    z: Option<Vec<f64>>,
    /// `z` is aligned with `ctx.whole` (national) rather than `ctx.dist`.
    national: bool,
}

impl Line {
    /// Adds `d ×` the line's influence to `infl`.
    fn add_to(&self, infl: &mut Influence, d: f64) {
        let Some(z) = &self.z else { return };
        if self.national {
            infl.add_whole(d, z);
        } else {
            infl.domain.iter_mut().zip(z).for_each(|(a, b)| *a += d * b);
        }
    }

    fn is_fixed(&self) -> bool {
        self.z.is_none()
    }
}

/// The factor and statistic of a relative line; `None` for a number.
fn relative(p: &ParamValue) -> Option<(f64, RelTo)> {
    match p {
        ParamValue::Rel { factor, of } => Some((*factor, *of)),
        ParamValue::Text(t) if t == "median" => Some((1.0, RelTo::Median)),
        ParamValue::Text(t) if t == "mean" => Some((1.0, RelTo::Mean)),
        _ => None,
    }
}

/// Resolves a line as the point estimates do and linearises it: `c × median`
/// has influence `c ×` the median's kernel influence, `c × mean` has
/// `c (x − μ)/N`, both on the population (`national`) or the domain.
fn line(ctx: &Ctx<'_>, p: &ParamValue, national: bool, id: &str) -> Result<Line> {
    let value = ctx.line(p, national, id)?;
    let z = match relative(p) {
        None => None,
        Some((factor, of)) => {
            let d = if national { ctx.whole } else { ctx.dist };
            let v = d.view();
            let z = match of {
                RelTo::Median => {
                    let m = quantile(&v, 0.5, ctx.rule)?;
                    quantile_z(&v, 0.5, m, id)?
                }
                RelTo::Mean => mean_z(&v),
            };
            Some(z.into_iter().map(|z| factor * z).collect())
        }
    };
    Ok(Line { value, z, national })
}

/// The line pct × median, national unless `scope=domain`.
fn relative_threshold(ctx: &Ctx<'_>, a: &Args, id: &str) -> Result<Line> {
    let p = ParamValue::Rel {
        factor: pct(a)?,
        of: RelTo::Median,
    };
    line(ctx, &p, !a.domain_scope()?, id)
}

// ---------------------------------------------------------------------------
// Quantiles
// ---------------------------------------------------------------------------

fn quantile_infl(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("quantile")?;
    let p = a.num("p")?;
    if !(0.0..=1.0).contains(&p) {
        return Err(a.bad(format!("p must be in [0, 1], got {p}")));
    }
    let q = quantile(&v, p, ctx.rule)?;
    one(quantile_z(&v, p, q, "quantile")?)
}

fn median(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("median")?;
    let q = quantile(&v, 0.5, ctx.rule)?;
    one(quantile_z(&v, 0.5, q, "median")?)
}

fn deciles(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("deciles")?;
    (1..10)
        .map(|k| {
            let p = k as f64 / 10.0;
            let q = quantile(&v, p, ctx.rule)?;
            Ok(Influence::domain(quantile_z(&v, p, q, "deciles")?))
        })
        .collect()
}

/// `q(hi)/q(lo)`: `(z_hi − r z_lo)/q(lo)`.
fn quantile_ratio(ctx: &Ctx<'_>, hi: f64, lo: f64, id: &str) -> Result<Vec<Influence>> {
    let v = ctx.view(id)?;
    let ql = quantile(&v, lo, ctx.rule)?;
    if ql <= 0.0 {
        return Err(undefined(id, format!("quantile {lo} is not positive")));
    }
    let qh = quantile(&v, hi, ctx.rule)?;
    let r = qh / ql;
    let (zl, zh) = (quantile_z(&v, lo, ql, id)?, quantile_z(&v, hi, qh, id)?);
    one(zh.iter().zip(&zl).map(|(h, l)| (h - r * l) / ql).collect())
}

fn p90p10(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    quantile_ratio(ctx, 0.9, 0.1, "p90p10")
}

fn p80p20(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    quantile_ratio(ctx, 0.8, 0.2, "p80p20")
}

// ---------------------------------------------------------------------------
// Income shares of population fractions
// ---------------------------------------------------------------------------

/// The influence of the Lorenz ordinate L(p) (convey `svylorenz`, as linearised
/// for the `lorenz` measure).
fn lorenz_z(ctx: &Ctx<'_>, p: f64) -> Result<Vec<f64>> {
    let m = Measure::new("lorenz", &[("p", ParamValue::Num(p))])?;
    m.influence(ctx)?
        .into_iter()
        .next()
        .map(|i| i.domain)
        .ok_or_else(|| unsupported("lorenz"))
}

/// The influence of `S(p)`, the income of the poorest fraction `p`
/// (`lorenz_sum`): `S = T·L(p)`, so `z_S = T z_L + L(p) x`.
fn partial_sum_z(ctx: &Ctx<'_>, v: &View<'_>, p: f64, id: &str) -> Result<Vec<f64>> {
    let l = if p <= 0.0 {
        0.0
    } else if p >= 1.0 {
        1.0
    } else {
        lorenz(v, p, id)?
    };
    let t = v.total();
    let zl = lorenz_z(ctx, p)?;
    Ok(v.x.iter().zip(&zl).map(|(x, z)| t * z + l * x).collect())
}

fn bottom40_mean(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("bottom40_mean")?;
    let n = v.total_weight();
    let m = lorenz_sum(&v, 0.4) / (0.4 * n);
    let zs = partial_sum_z(ctx, &v, 0.4, "bottom40_mean")?;
    one(zs.iter().map(|z| (z - 0.4 * m) / (0.4 * n)).collect())
}

/// Each fifth's mean `m_g = (S(g/5) − S((g−1)/5))/(N/5)`:
/// `z = (z_S(g/5) − z_S((g−1)/5) − m_g/5)/(N/5)`.
fn quintile_means(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("quintile_means")?;
    let fifth = v.total_weight() / 5.0;
    let s: Vec<f64> = (0..=5).map(|k| lorenz_sum(&v, k as f64 / 5.0)).collect();
    let zs = (0..=5)
        .map(|k| partial_sum_z(ctx, &v, k as f64 / 5.0, "quintile_means"))
        .collect::<Result<Vec<_>>>()?;
    Ok((1..=5)
        .map(|g| {
            let m = (s[g] - s[g - 1]) / fifth;
            Influence::domain(
                zs[g]
                    .iter()
                    .zip(&zs[g - 1])
                    .map(|(a, b)| (a - b - m / 5.0) / fifth)
                    .collect(),
            )
        })
        .collect())
}

/// `(1 − L(0.9))/L(0.4)`: `−(z_L(0.9) + P z_L(0.4))/L(0.4)`.
fn palma(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("palma")?;
    let b40 = lorenz(&v, 0.4, "palma")?;
    if b40 <= 0.0 {
        return Err(undefined(
            "palma",
            "the bottom-40% income share is not positive",
        ));
    }
    let p = (1.0 - lorenz(&v, 0.9, "palma")?) / b40;
    let (z9, z4) = (lorenz_z(ctx, 0.9)?, lorenz_z(ctx, 0.4)?);
    one(z9
        .iter()
        .zip(&z4)
        .map(|(a, b)| -(a + p * b) / b40)
        .collect())
}

/// convey `svyqsr`: QSR = (T − S(q80))/S(q20), `S(q) = Σ w x 1{x ≤ q}` with
/// influence `x 1{x ≤ q} + S'(q) z_q` (`svyisq`), `S'(q) = Σ w x φ((q − x)/h)/h`.
fn qsr(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("qsr")?;
    let (q20, q80, lo, hi) = super::inequality::qsr_parts(ctx, &v)?;
    let r = hi / lo;
    let (n, h) = (v.total_weight(), bandwidth(&v));
    let isq = |alpha: f64, q: f64| -> Result<Vec<f64>> {
        let [f0, f1] = kernel_sums(&v, q, h);
        let f = f0 / (n * h);
        if !(f > 0.0 && f.is_finite()) {
            return Err(zero_density("qsr", q));
        }
        let slope = f1 / h;
        let k = v.count_at_most(q);
        Ok((0..v.len())
            .map(|i| {
                let below = indicator(i < k);
                v.x[i] * below - slope * (below - alpha) / (n * f)
            })
            .collect())
    };
    let (z20, z80) = (isq(0.2, q20)?, isq(0.8, q80)?);
    one((0..v.len())
        .map(|i| (v.x[i] - z80[i]) / lo - r * z20[i] / lo)
        .collect())
}

/// Wolfson `W = 2(μ(1 − G) − m50)/median`, with the Eurostat Gini's influence
/// (as the `gini` measure linearises it), `m50 = S(0.5)/(N/2)` and the median's
/// kernel influence.
fn wolfson(ctx: &Ctx<'_>, _: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("wolfson")?;
    let m = quantile(&v, 0.5, ctx.rule)?;
    if m <= 0.0 || v.total() == 0.0 {
        return Err(undefined("wolfson", "the median is not positive"));
    }
    let n = v.total_weight();
    let mu = v.mean();
    let g = gini_eurostat(&v);
    let m50 = lorenz_sum(&v, 0.5) / (0.5 * n);
    let w = 2.0 * (mu * (1.0 - g) - m50) / m;
    let zg = Measure::new("gini", &[])?
        .influence(ctx)?
        .into_iter()
        .next()
        .ok_or_else(|| unsupported("gini"))?
        .domain;
    let zs = partial_sum_z(ctx, &v, 0.5, "wolfson")?;
    let zm = quantile_z(&v, 0.5, m, "wolfson")?;
    one((0..v.len())
        .map(|i| {
            let zmu = (v.x[i] - mu) / n;
            let z50 = (zs[i] - 0.5 * m50) / (0.5 * n);
            (2.0 * (zmu * (1.0 - g) - mu * zg[i] - z50) - w * zm[i]) / m
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Zenga
// ---------------------------------------------------------------------------

/// convey `svyzenga`'s linearisation (Barabesi, Diana & Perri 2016). With the
/// units ordered by income, `H_u` the cumulative weight through `u` and
/// `K_u = T − Σ_{v<u} W_v x_v`, unit `u` has
/// `z_u = −(N−H_u)(T−K_u)/(N H_u K_u) − Σ_v W_v (T−K_v)/K_v / N²
///        − (x_u/N) Σ_v W_v (N−H_v)/(H_v K_v) + Σ_{v≥u} W_v (T−K_v)/(H_v² K_v)
///        + (T x_u/N) Σ_{v≤u} W_v (N−H_v)/(H_v K_v²)`.
///
/// The units are those of the point estimate: with `ties=input` every
/// observation, tied incomes in input order (convey); with `ties=merged` each
/// run of tied incomes is one unit of their summed weight, and every member
/// takes its unit's value — the derivative of the merged estimator with respect
/// to any member's weight, since a member's weight enters it only through the
/// unit's.
fn zenga(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (v, _) = ctx.positive_view("zenga", false)?;
    let (n, t) = (v.total_weight(), v.total());
    if t <= 0.0 {
        return Err(undefined("zenga", "total income is not positive"));
    }
    let (merged, rows) = super::inequality::zenga_ties(ctx, &v, a)?;
    // units (weight, income) in order, and the unit of each observation
    let mut units: Vec<(f64, f64)> = Vec::new();
    let mut unit_of = vec![usize::MAX; v.len()];
    let mut order: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v.x[j] == v.x[i] {
            j += 1;
        }
        if merged {
            let mut wg = Acc::default();
            (i..j).for_each(|k| wg.add(v.w[k]));
            if wg.value() > 0.0 {
                (i..j).for_each(|k| unit_of[k] = units.len());
                units.push((wg.value(), v.x[i]));
            }
        } else {
            order.clear();
            order.extend(i..j);
            order.sort_by_key(|&k| rows[k]);
            for &k in &order {
                if v.w[k] > 0.0 {
                    unit_of[k] = units.len();
                    units.push((v.w[k], v.x[k]));
                }
            }
        }
        i = j;
    }
    let m = units.len();
    let (mut hs, mut gaps) = (Vec::with_capacity(m), Vec::with_capacity(m));
    let (mut h, mut below) = (Acc::default(), Acc::default());
    for &(w, x) in &units {
        h.add(w);
        hs.push(h.value());
        gaps.push(below.value()); // T − K_u
        below.add(w * x);
    }
    let k = |u: usize| t - gaps[u];
    let (mut sum_a, mut sum_b) = (Acc::default(), Acc::default());
    for u in 0..m {
        let w = units[u].0;
        sum_a.add(w * gaps[u] / k(u));
        sum_b.add(w * (n - hs[u]) / (hs[u] * k(u)));
    }
    let line2 = -sum_a.value() / (n * n);
    let sum_b = sum_b.value();
    // Σ_{v≥u} W_v (T−K_v)/(H_v² K_v)
    let mut tail = vec![0.0; m];
    let mut acc = Acc::default();
    for u in (0..m).rev() {
        acc.add(units[u].0 * gaps[u] / (hs[u] * hs[u] * k(u)));
        tail[u] = acc.value();
    }
    let mut head = Acc::default();
    let mut zu = Vec::with_capacity(m);
    for u in 0..m {
        let (w, x) = units[u];
        head.add(w * (n - hs[u]) / (hs[u] * k(u) * k(u)));
        let line1 = -(n - hs[u]) * gaps[u] / (n * hs[u] * k(u));
        let line3 = -(x / n) * sum_b;
        let line5 = (t * x / n) * head.value();
        zu.push(line1 + line2 + line3 + tail[u] + line5);
    }
    let z: Vec<f64> = unit_of
        .iter()
        .map(|&u| if u == usize::MAX { 0.0 } else { zu[u] })
        .collect();
    one(on_domain(ctx, &v, z))
}

// ---------------------------------------------------------------------------
// Poverty
// ---------------------------------------------------------------------------

/// convey `svyarpt`: the domain's own pct × median.
fn arpt(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("arpt")?;
    let p = pct(a)?;
    let m = quantile(&v, 0.5, ctx.rule)?;
    let z = quantile_z(&v, 0.5, m, "arpt")?;
    one(z.into_iter().map(|z| p * z).collect())
}

/// convey `svyarpr`: `(1{x < t} − rate)/N` on the domain plus `f̂_D(t) × z_t`.
fn arpr(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("arpr")?;
    let t = relative_threshold(ctx, a, "arpr")?;
    let n = v.total_weight();
    let k = v.count_below(t.value);
    let rate = v.c_before(k) / n;
    let mut infl = Influence::domain(
        (0..v.len())
            .map(|i| (indicator(i < k) - rate) / n)
            .collect(),
    );
    t.add_to(&mut infl, dens(&v, t.value, "arpr")?);
    Ok(vec![infl])
}

/// convey `svypoormed`: the median `m` of the poor (`x < t`) solves
/// `F(m) = F(t)/2`, so `z_m = (z_{F(t)}/2 − z_{F(m)})/f̂_D(m)` with `f̂_D` the
/// kernel density of the whole domain. Returns the line, `m` and `z_m`.
fn poor_median(ctx: &Ctx<'_>, a: &Args, id: &str) -> Result<(Line, f64, Influence)> {
    let v = ctx.view(id)?;
    let t = relative_threshold(ctx, a, id)?;
    let k = v.count_below(t.value);
    let poor = v.slice(0, k);
    if poor.total_weight() <= 0.0 {
        return Err(undefined(id, "nobody is below the threshold"));
    }
    let m = quantile(&poor, 0.5, ctx.rule)?;
    let fm = dens(&v, m, id)?;
    let ft = dens(&v, t.value, id)?;
    let n = v.total_weight();
    let km = v.count_at_most(m);
    let mut infl = Influence::domain(
        (0..v.len())
            .map(|i| (0.5 * indicator(i < k) - indicator(i < km)) / (n * fm))
            .collect(),
    );
    t.add_to(&mut infl, 0.5 * ft / fm);
    Ok((t, m, infl))
}

fn poormed(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (_, _, infl) = poor_median(ctx, a, "poormed")?;
    Ok(vec![infl])
}

/// convey `svyrmpg`: `(t − m)/t` has influence `(m/t²) z_t − z_m/t`.
fn rmpg(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (t, m, zm) = poor_median(ctx, a, "rmpg")?;
    let tv = t.value;
    if tv <= 0.0 {
        return Err(undefined("rmpg", "the threshold is not positive"));
    }
    let mut infl = Influence {
        domain: zm.domain.iter().map(|z| -z / tv).collect(),
        whole: zm.whole.map(|w| w.iter().map(|z| -z / tv).collect()),
    };
    t.add_to(&mut infl, m / (tv * tv));
    Ok(vec![infl])
}

/// convey `svyfgt`: `(g_α(x) − FGT)/N` on the domain; a relative line adds
/// `∂FGT/∂z × z_line` with `∂FGT/∂z = f̂_D(z)` for α = 0 and
/// `Σ w α((z−x)/z)^(α−1) x/z² 1{x<z} / N` otherwise.
fn fgt(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("fgt")?;
    let alpha = a.num("alpha")?;
    if alpha < 0.0 {
        return Err(a.bad(format!("alpha must be >= 0, got {alpha}")));
    }
    let t = line(ctx, a.value("line")?, !a.domain_scope()?, "fgt")?;
    let z = t.value;
    if z <= 0.0 {
        return Err(undefined(
            "fgt",
            format!("the poverty line {z} is not positive"),
        ));
    }
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let k = v.count_below(z);
    let value = fgt_value(&v, alpha, z);
    let gap = |i: usize| {
        if alpha == 0.0 {
            1.0
        } else {
            ((z - x[i]) / z).powf(alpha)
        }
    };
    let mut infl = Influence::domain(
        (0..v.len())
            .map(|i| (if i < k { gap(i) } else { 0.0 } - value) / n)
            .collect(),
    );
    if !t.is_fixed() {
        let d = if alpha == 0.0 {
            dens(&v, z, "fgt")?
        } else {
            sum_range(0, k, |i| {
                w[i] * alpha * ((z - x[i]) / z).powf(alpha - 1.0) * x[i] / (z * z)
            }) / n
        };
        t.add_to(&mut infl, d);
    }
    Ok(vec![infl])
}

/// convey `svywatts` on the positive incomes: `(ln(z/x) 1{x<z} − W)/N`; a
/// relative line adds `(H/z) × z_line`, `H` the headcount share.
fn watts(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (v, _) = ctx.positive_view("watts", true)?;
    let t = line(ctx, a.value("line")?, !a.domain_scope()?, "watts")?;
    let z = t.value;
    if z <= 0.0 {
        return Err(undefined(
            "watts",
            format!("the poverty line {z} is not positive"),
        ));
    }
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let k = v.count_below(z);
    let value = sum_range(0, k, |i| w[i] * (z / x[i]).ln()) / n;
    let zd: Vec<f64> = (0..v.len())
        .map(|i| (if i < k { (z / x[i]).ln() } else { 0.0 } - value) / n)
        .collect();
    let mut infl = Influence::domain(on_domain(ctx, &v, zd));
    t.add_to(&mut infl, v.c_before(k) / n / z);
    Ok(vec![infl])
}

/// convey `svyrich`: `(h(x) − R)/N` on the domain (h the richness gap above
/// the line ρ); a relative line adds `∂R/∂ρ × z_line`, with
/// `∂R/∂ρ = Σ w ∂h/∂ρ / N`, or `−f̂_D(ρ)` for the headcount (FGTT1 with g = 0).
fn richness(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let v = ctx.view("richness")?;
    let (kind, g) = super::poverty::richness_kind(a)?;
    let th = line(ctx, a.value("line")?, !a.domain_scope()?, "richness")?;
    let r = th.value;
    if r <= 0.0 {
        return Err(undefined("richness", "the richness line is not positive"));
    }
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let k = v.count_at_most(r);
    let hfun = |x: f64| match kind.as_str() {
        "cha" => 1.0 - (r / x).powf(g),
        "fgtt1" => (1.0 - r / x).powf(g),
        _ => (x / r - 1.0).powf(g),
    };
    // ∂h/∂ρ above the line
    let dfun = |x: f64| match kind.as_str() {
        "cha" => -(g / r) * (r / x).powf(g),
        "fgtt1" => -(g / x) * (1.0 - r / x).powf(g - 1.0),
        _ => -g * x / (r * r) * (x / r - 1.0).powf(g - 1.0),
    };
    let value = sum_range(k, v.len(), |i| w[i] * hfun(x[i])) / n;
    let mut infl = Influence::domain(
        (0..v.len())
            .map(|i| (if i >= k { hfun(x[i]) } else { 0.0 } - value) / n)
            .collect(),
    );
    if !th.is_fixed() {
        let d = if g == 0.0 {
            -dens(&v, r, "richness")?
        } else {
            sum_range(k, v.len(), |i| w[i] * dfun(x[i])) / n
        };
        th.add_to(&mut infl, d);
    }
    Ok(vec![infl])
}

// ---------------------------------------------------------------------------
// Middle class, prosperity gap
// ---------------------------------------------------------------------------

/// Household sizes of a distribution (all > 0).
fn household_sizes<'d>(d: &'d Distribution, col: &str) -> Result<&'d [f64]> {
    let s = d.numeric(col).ok_or_else(|| MeasureError::MissingColumn {
        measure: "middle_share".into(),
        column: col.to_string(),
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
    Ok(&s.values)
}

/// The household-income distribution of `d` (income × size, weight / size)
/// and, for each of its sorted positions, the position in `d`.
fn household_dist(d: &Distribution, s: &[f64]) -> Result<(Distribution, Vec<usize>)> {
    let pos: Vec<usize> = (0..d.len()).filter(|&i| d.w[i] > 0.0).collect();
    let hx: Vec<f64> = pos.iter().map(|&i| d.x[i] * s[i]).collect();
    let hw: Vec<f64> = pos.iter().map(|&i| d.w[i] / s[i]).collect();
    let hd = Distribution::builder(&hx, Some(&hw)).keep_rows().build()?;
    let map = hd
        .rows()
        .map(|r| r.iter().map(|&r| pos[r as usize]).collect())
        .unwrap_or_default();
    Ok((hd, map))
}

/// A household-unit bound: absolute, or relative to the household-income
/// distribution (household weights) of the population or the domain, whose
/// influence per household `z^h` is `z^h/size` per person weight
/// (Σ w/s · z^h = Σ w · z^h/s).
fn household_bound(ctx: &Ctx<'_>, p: &ParamValue, national: bool, col: &str) -> Result<Line> {
    let Some((factor, of)) = relative(p) else {
        let value = resolve_line(p, ctx.dist, ctx.rule, "middle_share")?;
        return Ok(Line {
            value,
            z: None,
            national,
        });
    };
    let d = if national { ctx.whole } else { ctx.dist };
    let s = household_sizes(d, col)?;
    let (hd, map) = household_dist(d, s)?;
    let value = resolve_line(p, &hd, ctx.rule, "middle_share")?;
    let hv = hd.view();
    let zh = match of {
        RelTo::Median => {
            let m = quantile(&hv, 0.5, ctx.rule)?;
            quantile_z(&hv, 0.5, m, "middle_share")?
        }
        RelTo::Mean => mean_z(&hv),
    };
    let mut z = vec![0.0; d.len()];
    for (j, &i) in map.iter().enumerate() {
        z[i] = factor * zh[j] / s[i];
    }
    Ok(Line {
        value,
        z: Some(z),
        national,
    })
}

/// Share with lo ≤ x < hi: `(1{lo ≤ x < hi} − share)/N`, plus
/// `f̂_D(hi) z_hi − f̂_D(lo) z_lo` for relative bounds. The household unit
/// weighs households by w/size at income x·size: `z = (1{…} − share)/(size·N_h)`,
/// its bounds' densities those of the domain's household incomes.
fn middle_share(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let id = "middle_share";
    let v = ctx.view(id)?;
    let national = !a.domain_scope()?;
    let unit = a.text("unit")?;
    match unit.as_str() {
        "person" => {
            let lo = line(ctx, a.value("lo")?, national, id)?;
            let hi = line(ctx, a.value("hi")?, national, id)?;
            if lo.value > hi.value {
                return Err(a.bad(format!("lo ({}) exceeds hi ({})", lo.value, hi.value)));
            }
            let n = v.total_weight();
            let (kl, kh) = (v.count_below(lo.value), v.count_below(hi.value));
            let share = (v.c_before(kh) - v.c_before(kl)) / n;
            let mut infl = Influence::domain(
                (0..v.len())
                    .map(|i| (indicator(kl <= i && i < kh) - share) / n)
                    .collect(),
            );
            if !hi.is_fixed() {
                hi.add_to(&mut infl, dens(&v, hi.value, id)?);
            }
            if !lo.is_fixed() {
                lo.add_to(&mut infl, -dens(&v, lo.value, id)?);
            }
            Ok(vec![infl])
        }
        "household" => {
            let col = a.text("size")?;
            let lo = household_bound(ctx, a.value("lo")?, national, &col)?;
            let hi = household_bound(ctx, a.value("hi")?, national, &col)?;
            if lo.value > hi.value {
                return Err(a.bad(format!("lo ({}) exceeds hi ({})", lo.value, hi.value)));
            }
            let s = household_sizes(ctx.dist, &col)?;
            let (x, w) = (v.x, v.w);
            let inside = |i: usize| {
                let hx = x[i] * s[i];
                lo.value <= hx && hx < hi.value
            };
            let [num, all] = sums_by::<2, _>(0, v.len(), |i| {
                let hw = w[i] / s[i];
                [if inside(i) { hw } else { 0.0 }, hw]
            });
            if !(all > 0.0) {
                return Err(MeasureError::Empty(Some(format!("{id}: no households"))));
            }
            let share = num / all;
            let mut infl = Influence::domain(
                (0..v.len())
                    .map(|i| (indicator(inside(i)) - share) / (s[i] * all))
                    .collect(),
            );
            if !(lo.is_fixed() && hi.is_fixed()) {
                let (hd, _) = household_dist(ctx.dist, s)?;
                let hv = hd.view();
                if !hi.is_fixed() {
                    hi.add_to(&mut infl, dens(&hv, hi.value, id)?);
                }
                if !lo.is_fixed() {
                    lo.add_to(&mut infl, -dens(&hv, lo.value, id)?);
                }
            }
            Ok(vec![infl])
        }
        other => Err(a.bad(format!("unit is person or household, not \"{other}\""))),
    }
}

/// Mean of z/x over the positive incomes: `(z/x − PG)/N`.
fn prosperity_gap(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let (v, _) = ctx.positive_view("prosperity_gap", true)?;
    let z = a.num("z")?;
    if !(z > 0.0) {
        return Err(a.bad(format!("z must be > 0, got {z}")));
    }
    let (x, w) = (v.x, v.w);
    let n = v.total_weight();
    let pg = sum_range(0, v.len(), |i| w[i] * (z / x[i])) / n;
    let zd: Vec<f64> = x.iter().map(|&x| (z / x - pg) / n).collect();
    one(on_domain(ctx, &v, zd))
}

// ---------------------------------------------------------------------------
// Ratio of group medians
// ---------------------------------------------------------------------------

/// The median of a group (`None`: the whole distribution) and its kernel
/// influence on the context's positions; the density is the group's, with the
/// bandwidth `h` of the whole distribution (convey `svyrmir`).
fn group_median(ctx: &Ctx<'_>, pos: Option<&[u32]>, h: f64) -> Result<(f64, Vec<f64>)> {
    let id = "rmir";
    let owned;
    let d = match pos {
        Some(p) => {
            owned = ctx.dist.gather(p);
            &owned
        }
        None => ctx.dist,
    };
    let gv = d.view();
    if gv.is_empty() || gv.total_weight() <= 0.0 {
        return Err(MeasureError::Empty(Some(format!("{id}: a group is empty"))));
    }
    let q = quantile(&gv, 0.5, ctx.rule)?;
    let f = dens_with(&gv, q, h, id)?;
    let zg = quantile_z_with(&gv, 0.5, q, f);
    let z = match pos {
        Some(p) => {
            let mut z = vec![0.0; ctx.dist.len()];
            for (k, &i) in p.iter().enumerate() {
                z[i as usize] = zg[k];
            }
            z
        }
        None => zg,
    };
    Ok((q, z))
}

/// convey `svyrmir`: `r = m_num/m_den`, `z = (z_num − r z_den)/m_den`.
fn rmir(ctx: &Ctx<'_>, a: &Args) -> Result<Vec<Influence>> {
    let id = "rmir";
    let v = ctx.view(id)?;
    let (by, cat) = ctx.grouping(a, id)?;
    let positions = |label: &str| -> Result<Vec<u32>> {
        let k = cat.levels.iter().position(|l| l == label).ok_or_else(|| {
            a.bad(format!(
                "column {by} has no group \"{label}\" (groups: {})",
                cat.levels.join(", ")
            ))
        })?;
        Ok((0..ctx.dist.len() as u32)
            .filter(|&i| cat.codes[i as usize] as usize == k)
            .collect())
    };
    let (num, den) = (a.text("num")?, a.text("den")?);
    let pn = positions(&num)?;
    let pd = if den == "all" && !cat.levels.iter().any(|l| l == "all") {
        None
    } else {
        Some(positions(&den)?)
    };
    let h = bandwidth(&v);
    if !(h > 0.0 && h.is_finite()) {
        return Err(zero_density(id, v.mean()));
    }
    let (qn, zn) = group_median(ctx, Some(&pn), h)?;
    let (qd, zd) = group_median(ctx, pd.as_deref(), h)?;
    if qd == 0.0 {
        return Err(undefined(id, "the denominator group's value is 0"));
    }
    let r = qn / qd;
    one(zn.iter().zip(&zd).map(|(a, b)| (a - r * b) / qd).collect())
}
