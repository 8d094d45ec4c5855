//! Design-based standard errors on the range plan (docs/sql.md, "Standard
//! errors without the funnel").
//!
//! A measure's influence value `z_i` (the library's linearisation) is, for
//! every measure here, a linear combination of a few per-row quantities —
//! `w`, `w x`, `w 1{x ≤ q}`, `w 1{x < t}`, a kernel term `w φ((t − x)/h)`,
//! a poverty gap, and for the Gini `w G_i` and `w x C_i` with `G_i`, `C_i`
//! the cumulative income and weight up to row `i` in income order — with
//! coefficients fixed by the group's sums. So one more `GROUP BY group,
//! stratum, PSU` query gives every PSU's totals of those quantities (the
//! Gini's cumulative sums: a window inside each (group, range) plus the
//! range's prefix, joined from a small table), and the PSU totals of `w z`
//! follow exactly; the kernel densities the coefficients need are the sums
//! of the kernel terms over all PSUs. The variance of the PSU totals is
//! `gongfu-survey`'s. Quantiles get Woodruff's interval, as the direct
//! engine: the linearised SE of the share at or below the quantile, mapped
//! back through two more quantiles of the range plan.

use super::{Eval, Key, Miss, Plan, R, RangeEstimate, Reader, Term, Trace, fail, pct};
use crate::SqlError;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::common::DataFusionError;
use datafusion::execution::context::SessionContext;
use gongfu_measures::{Measure, ParamValue, RelTo};
use gongfu_survey::{Design, LonelyPsu, confidence_interval, t_quantile};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Keep;

/// How standard errors are computed on the range plan (the direct engine's
/// linearisation options).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeVariance {
    /// Rule for strata with one PSU.
    pub lonely: LonelyPsu,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Normal instead of t intervals.
    pub normal: bool,
}

impl Default for RangeVariance {
    fn default() -> Self {
        RangeVariance {
            lonely: LonelyPsu::Fail,
            level: 0.95,
            normal: false,
        }
    }
}

/// The design as the standard errors saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignSummary {
    /// PSUs in the table.
    pub psu: usize,
    /// Strata with at least one PSU.
    pub strata: usize,
    /// The design's degrees of freedom, #PSU − #strata (the t intervals'
    /// unless normal ones were asked for).
    pub df: f64,
}

/// The measures with standard errors on the range plan (`count` has none,
/// as on the direct engine).
pub const SE_MEASURES: &[&str] = &[
    "count",
    "population",
    "total",
    "mean",
    "quantile",
    "median",
    "gini",
    "arpt",
    "arpr",
    "fgt",
];

/// 1/√(2π), the library's kernel constant.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// A per-row quantity summed by (group, stratum, PSU). `usize`s index the
/// per-group parameter columns `k0, k1, …` of the constants table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Feat {
    /// w.
    W,
    /// w x.
    Wx,
    /// w² x.
    W2x,
    /// w G_i (cumulative Σ w x up to and including row i).
    GiniG,
    /// w x C_i (cumulative Σ w up to and including row i).
    GiniCx,
    /// w 1{x ≤ k}.
    Le(usize),
    /// w 1{x < k}.
    Lt(usize),
    /// w φ((t − x)/h) for lo ≤ x ≤ hi; parameters t, lo, hi, h.
    Kern(usize),
    /// w ((z − x)/z)^α 1{x < z} (w 1{x < z} for α = 0); parameter z.
    Gap(f64, usize),
    /// w α ((z − x)/z)^(α−1) x/z² 1{x < z}; parameter z.
    GapD(f64, usize),
}

impl Feat {
    fn sql(self) -> String {
        let k = |s: usize| format!("k.k{s}");
        match self {
            Feat::W => "w".into(),
            Feat::Wx => "w * x".into(),
            Feat::W2x => "w * w * x".into(),
            Feat::GiniG => "w * (pr.gb + cx)".into(),
            Feat::GiniCx => "w * x * (pr.wb + c)".into(),
            Feat::Le(s) => format!("CASE WHEN x <= {} THEN w ELSE 0.0 END", k(s)),
            Feat::Lt(s) => format!("CASE WHEN x < {} THEN w ELSE 0.0 END", k(s)),
            Feat::Kern(s) => {
                let u = format!("(({} - x) / {})", k(s), k(s + 3));
                format!(
                    "CASE WHEN x >= {} AND x <= {} THEN w * {INV_SQRT_2PI:?} * exp(-0.5 * {u} * {u}) ELSE 0.0 END",
                    k(s + 1),
                    k(s + 2)
                )
            }
            Feat::Gap(0.0, s) => {
                format!("CASE WHEN x < {} THEN w ELSE 0.0 END", k(s))
            }
            Feat::Gap(a, s) => format!(
                "CASE WHEN x < {z} THEN w * power(({z} - x) / {z}, {a:?}) ELSE 0.0 END",
                z = k(s)
            ),
            Feat::GapD(a, s) => format!(
                "CASE WHEN x < {z} THEN w * {a:?} * power(({z} - x) / {z}, {b:?}) * x / ({z} * {z}) ELSE 0.0 END",
                z = k(s),
                b = a - 1.0
            ),
        }
    }

    fn needs_window(self) -> bool {
        matches!(self, Feat::GiniG | Feat::GiniCx)
    }
}

/// Which rows a feature is summed over: the measure's group, or the whole
/// table (a national line's influence).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Own,
    Whole,
}

/// A constant of a coefficient: the total of a feature over all PSUs
/// divided by `div` — a kernel density (`Σ w φ / (N h)`) or a derivative.
#[derive(Debug, Clone)]
struct Total {
    side: Side,
    feat: usize,
    div: f64,
    /// For a density: the measure and the point, to refuse a zero density.
    density: Option<(&'static str, f64)>,
}

/// `c × Π total^power`.
#[derive(Debug, Clone)]
struct Coef {
    c: f64,
    totals: Vec<(Total, i32)>,
}

impl Coef {
    fn of(c: f64) -> Coef {
        Coef { c, totals: vec![] }
    }

    fn times(mut self, t: Total, power: i32) -> Coef {
        self.totals.push((t, power));
        self
    }

    fn scaled(mut self, c: f64) -> Coef {
        self.c *= c;
        self
    }
}

/// The linearisation of one measure on one group: the PSU total of `w z` is
/// `Σ coef × F(side)`; Woodruff's interval instead of `value ± t·SE` when
/// `woodruff` holds the share `m` at or below the quantile.
#[derive(Debug, Clone)]
struct Lin {
    terms: Vec<(Coef, Side, usize)>,
    woodruff: Option<f64>,
}

impl Lin {
    fn new() -> Lin {
        Lin {
            terms: vec![],
            woodruff: None,
        }
    }

    fn add(&mut self, c: Coef, side: Side, feat: usize) {
        self.terms.push((c, side, feat));
    }
}

/// The features asked for and their per-group parameters. A measure's
/// features with parameters are one column each whatever the group (the
/// parameters differ by group: the constants table has one row per group),
/// identified by the measure and the order in which its linearisation asks
/// for them (the same on every group).
#[derive(Debug, Default)]
struct Feats {
    feats: Vec<Feat>,
    nparams: usize,
    params: HashMap<Key, Vec<Option<f64>>>,
    roles: HashMap<(usize, usize), (usize, usize)>,
    measure: usize,
    asked: usize,
}

impl Feats {
    /// A feature without parameters (shared).
    fn fixed(&mut self, f: Feat) -> usize {
        if let Some(i) = self.feats.iter().position(|&g| g == f) {
            return i;
        }
        self.feats.push(f);
        self.feats.len() - 1
    }

    /// Starts the linearisation of the `measure`-th measure on a group.
    fn begin(&mut self, measure: usize) {
        self.measure = measure;
        self.asked = 0;
    }

    /// The measure's next feature with parameters, `values` on the rows of
    /// `at`.
    fn with(&mut self, make: impl Fn(usize) -> Feat, at: &Key, values: &[f64]) -> usize {
        let role = (self.measure, self.asked);
        self.asked += 1;
        let (feat, slot) = match self.roles.get(&role) {
            Some(&fs) => fs,
            None => {
                let slot = self.nparams;
                self.nparams += values.len();
                self.feats.push(make(slot));
                let fs = (self.feats.len() - 1, slot);
                self.roles.insert(role, fs);
                fs
            }
        };
        let p = self.params.entry(at.clone()).or_default();
        if p.len() < slot + values.len() {
            p.resize(slot + values.len(), None);
        }
        for (i, &v) in values.iter().enumerate() {
            p[slot + i] = Some(v);
        }
        feat
    }

    fn window(&self) -> bool {
        self.feats.iter().any(|f| f.needs_window())
    }
}

/// Which side's rows: the group's own, or the whole table's.
fn side_key(key: &Key, side: Side) -> Key {
    match side {
        Side::Own => key.clone(),
        Side::Whole => None,
    }
}

impl Eval<'_> {
    /// The kernel density of a group at `t` as a [`Total`]: its feature (on
    /// `side`'s rows, parameters on `at`) and divisor `N h`.
    fn density(
        &self,
        feats: &mut Feats,
        key: &Key,
        side: Side,
        t: f64,
        id: &'static str,
    ) -> R<Total> {
        let of = side_key(key, side);
        let n = self.sum(&of, Term::W(Keep::All))?;
        let mu = self.sum(&of, Term::Wx(Keep::All))? / n;
        let m2 = self.sum(&of, Term::Wx2(Keep::All))? / n;
        let h = (m2 - mu * mu).sqrt() / n.powf(0.2);
        if !(h > 0.0 && h.is_finite()) {
            return fail(format!(
                "{id}: the kernel density at {t} is zero (no dispersion): no linearised standard error"
            ));
        }
        let feat = feats.with(Feat::Kern, &of, &[t, t - 10.0 * h, t + 10.0 * h, h]);
        Ok(Total {
            side,
            feat,
            div: n * h,
            density: Some((id, t)),
        })
    }

    /// `factor ×` the influence of a relative line (median or mean of the
    /// whole table when `national`, else of the group) times `coef`, added
    /// to `lin`; nothing for a number.
    fn line_lin(
        &self,
        feats: &mut Feats,
        lin: &mut Lin,
        key: &Key,
        (given, national): (&ParamValue, bool),
        coef: Coef,
        id: &'static str,
    ) -> R<()> {
        let (factor, of) = match given {
            ParamValue::Rel { factor, of } => (*factor, *of),
            _ => return Ok(()),
        };
        let side = if national { Side::Whole } else { Side::Own };
        let at = side_key(key, side);
        let n = self.sum(&at, Term::W(Keep::All))?;
        let w = feats.fixed(Feat::W);
        match of {
            RelTo::Median => {
                let m = self.median(&at)?;
                let f = self.density(feats, key, side, m, id)?;
                // factor × −(1{x ≤ m} − ½)/(N f)
                let le = feats.with(Feat::Le, &at, &[m]);
                let c = coef.scaled(-factor / n).times(f, -1);
                lin.add(c.clone(), side, le);
                lin.add(c.scaled(-0.5), side, w);
            }
            RelTo::Mean => {
                let mu = self.sum(&at, Term::Wx(Keep::All))? / n;
                let wx = feats.fixed(Feat::Wx);
                let c = coef.scaled(factor / n);
                lin.add(c.clone(), side, wx);
                lin.add(c.scaled(-mu), side, w);
            }
        }
        Ok(())
    }

    /// The linearisation of `m` on `key` (`None`: no standard error).
    fn lin(&self, feats: &mut Feats, key: &Key, mi: usize, m: &Measure) -> R<Option<Lin>> {
        feats.begin(mi);
        let a = m.args();
        let id: &'static str = match super::se::SE_MEASURES.iter().find(|&&s| s == m.id()) {
            Some(s) => s,
            None => return fail(format!("{}: no standard error on the range plan", m.id())),
        };
        let national = || {
            a.domain_scope()
                .map(|d| !d)
                .map_err(|e| Miss::Fail(e.to_string()))
        };
        let n = self.sum(key, Term::W(Keep::All))?;
        let t = self.sum(key, Term::Wx(Keep::All))?;
        let (w, wx) = (feats.fixed(Feat::W), feats.fixed(Feat::Wx));
        let mut lin = Lin::new();
        match id {
            "count" => return Ok(None),
            "population" => lin.add(Coef::of(1.0), Side::Own, w),
            "total" => lin.add(Coef::of(1.0), Side::Own, wx),
            "mean" => {
                lin.add(Coef::of(1.0 / n), Side::Own, wx);
                lin.add(Coef::of(-t / (n * n)), Side::Own, w);
            }
            "quantile" | "median" => {
                let p = if id == "median" { 0.5 } else { a.num("p")? };
                let parts = self.parts(key, None)?;
                let q = self.quantile(key, &parts, p)?;
                let below = self.below(key, q, false, &[Term::W(Keep::All)])?[0];
                let share = below / n;
                let le = feats.with(Feat::Le, key, &[q]);
                lin.add(Coef::of(1.0 / n), Side::Own, le);
                lin.add(Coef::of(-share / n), Side::Own, w);
                lin.woodruff = Some(share);
            }
            "gini" => {
                let eurostat = match a.text("form")?.as_str() {
                    "eurostat" => true,
                    "convey" => false,
                    other => {
                        return fail(format!("gini: form is eurostat or convey, not \"{other}\""));
                    }
                };
                let (iw, it, is, iq) = (
                    self.plan.term(Term::W(Keep::All))?,
                    self.plan.term(Term::Wx(Keep::All))?,
                    self.plan.term(Term::S)?,
                    self.plan.term(Term::Q)?,
                );
                let (mut p, mut t1, mut t4) = (0.0, 0.0, 0.0);
                for s in self.ranges(key) {
                    t1 += s.v[is] + p * s.v[it];
                    t4 += s.v[iq];
                    p += s.v[iw];
                }
                let y = t;
                if y == 0.0 {
                    return fail("gini: total income is 0");
                }
                let [d1, d2, d3, d4] =
                    gongfu_measures::linearize::gini_coefficients(n, y, t1, t4, eurostat);
                // Σ w z = d1 (y W − Σ w G + Σ w²x + Σ w x C) + d2 Σ w x + d3 W + 2 d4 Σ w²x
                let (g, cx, w2x) = (
                    feats.fixed(Feat::GiniG),
                    feats.fixed(Feat::GiniCx),
                    feats.fixed(Feat::W2x),
                );
                lin.add(Coef::of(d1 * y + d3), Side::Own, w);
                lin.add(Coef::of(-d1), Side::Own, g);
                lin.add(Coef::of(d1 + 2.0 * d4), Side::Own, w2x);
                lin.add(Coef::of(d1), Side::Own, cx);
                lin.add(Coef::of(d2), Side::Own, wx);
            }
            "arpt" => {
                let p = pct(a)?;
                let m = self.median(key)?;
                let f = self.density(feats, key, Side::Own, m, id)?;
                let le = feats.with(Feat::Le, key, &[m]);
                let c = Coef::of(-p / n).times(f, -1);
                lin.add(c.clone(), Side::Own, le);
                lin.add(c.scaled(-0.5), Side::Own, w);
            }
            "arpr" => {
                let nat = national()?;
                let given = ParamValue::Rel {
                    factor: pct(a)?,
                    of: RelTo::Median,
                };
                let line = self.line(key, &given, nat)?;
                let rate = self.below(key, line, true, &[Term::W(Keep::All)])?[0] / n;
                let lt = feats.with(Feat::Lt, key, &[line]);
                lin.add(Coef::of(1.0 / n), Side::Own, lt);
                lin.add(Coef::of(-rate / n), Side::Own, w);
                let f = self.density(feats, key, Side::Own, line, id)?;
                self.line_lin(
                    feats,
                    &mut lin,
                    key,
                    (&given, nat),
                    Coef::of(1.0).times(f, 1),
                    id,
                )?;
            }
            "fgt" => {
                let alpha = a.num("alpha")?;
                let given = a.value("line")?;
                let nat = national()?;
                let z = self.line(key, given, nat)?;
                let value = self.measure(key, m)?.value;
                let gap = feats.with(|s| Feat::Gap(alpha, s), key, &[z]);
                lin.add(Coef::of(1.0 / n), Side::Own, gap);
                lin.add(Coef::of(-value / n), Side::Own, w);
                if matches!(given, ParamValue::Rel { .. }) {
                    let d = if alpha == 0.0 {
                        self.density(feats, key, Side::Own, z, id)?
                    } else {
                        Total {
                            side: Side::Own,
                            feat: feats.with(|s| Feat::GapD(alpha, s), key, &[z]),
                            div: n,
                            density: None,
                        }
                    };
                    self.line_lin(
                        feats,
                        &mut lin,
                        key,
                        (given, nat),
                        Coef::of(1.0).times(d, 1),
                        id,
                    )?;
                } else if !matches!(given, ParamValue::Num(_)) {
                    return fail(
                        "fgt: a line must be a number or a multiple of the median or mean",
                    );
                }
            }
            _ => return fail(format!("{id}: no standard error on the range plan")),
        }
        Ok(Some(lin))
    }
}

/// A measure's linearisation on a group: `None` when its estimate failed,
/// `Ok(None)` for no standard error (`count`).
type LinCell = Option<Result<Option<Lin>, String>>;

/// The PSU totals of every feature, per group: for each group, its PSUs
/// (index into the design's list) with one total per feature.
type PsuTotals = HashMap<Key, Vec<(usize, Vec<f64>)>>;

/// The design's PSUs in the table, in order of first appearance.
#[derive(Debug, Default)]
struct Psus {
    index: HashMap<(String, String), usize>,
    strata: Vec<String>,
}

impl Plan<'_> {
    /// One `GROUP BY g, h, p` query of the features (the whole table when
    /// `whole`): rows `(g, stratum, psu, totals…)`.
    async fn feature_sums(
        &self,
        ctx: &SessionContext,
        feats: &Feats,
        design: (&str, &str),
        whole: bool,
        prefixes: &BTreeMap<Key, Vec<(i64, f64, f64)>>,
    ) -> Result<Vec<(Key, String, String, Vec<f64>)>, SqlError> {
        let tag = if whole { "whole" } else { "groups" };
        let consts = format!("gongfu_se_k_{tag}");
        let pre = format!("gongfu_se_pr_{tag}");
        // the parameters of each group (or of the whole table, g = '')
        let keys: Vec<&Key> = feats
            .params
            .keys()
            .filter(|k| k.is_none() == whole)
            .collect();
        let mut fields = vec![Field::new("g", DataType::Utf8, false)];
        fields.extend(
            (0..feats.nparams).map(|s| Field::new(format!("k{s}"), DataType::Float64, true)),
        );
        let mut columns: Vec<Arc<dyn datafusion::arrow::array::Array>> = vec![Arc::new(
            StringArray::from_iter_values(keys.iter().map(|k| k.as_deref().unwrap_or(""))),
        )];
        for s in 0..feats.nparams {
            columns.push(Arc::new(Float64Array::from_iter(keys.iter().map(|k| {
                feats
                    .params
                    .get(*k)
                    .and_then(|p| p.get(s).copied().flatten())
            }))));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(DataFusionError::from)?;
        let window = feats.window();
        let mut from = String::new();
        let base = self.base_design(whole, design);
        if window {
            from.push_str(&format!(
                "(SELECT g, r, x, w, h, p, \
                 SUM(w) OVER (PARTITION BY g, r ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c, \
                 SUM(w * x) OVER (PARTITION BY g, r ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cx \
                 FROM ({base})) b"
            ));
        } else {
            from.push_str(&format!("({base}) b"));
        }
        // every group's parameters (none for a group whose measures failed:
        // its parameterised quantities are then 0)
        from.push_str(&format!(" LEFT JOIN {consts} k ON b.g = k.g"));
        if window {
            from.push_str(&format!(" LEFT JOIN {pre} pr ON b.g = pr.g AND b.r = pr.r"));
        }
        let sums: Vec<String> = feats
            .feats
            .iter()
            .enumerate()
            .map(|(i, f)| format!("CAST(COALESCE(SUM({}), 0.0) AS DOUBLE) AS f{i}", f.sql()))
            .collect();
        let sql = format!(
            "SELECT b.g, b.h, b.p, {} FROM {from} GROUP BY b.g, b.h, b.p",
            sums.join(", ")
        );
        ctx.register_batch(&consts, batch)?;
        if window {
            let mut g = Vec::new();
            let mut r = Vec::new();
            let mut wb = Vec::new();
            let mut gb = Vec::new();
            for (key, ranges) in prefixes.iter().filter(|(k, _)| k.is_none() == whole) {
                for &(k, w, t) in ranges {
                    g.push(key.clone().unwrap_or_default());
                    r.push(k);
                    wb.push(w);
                    gb.push(t);
                }
            }
            let schema = Schema::new(vec![
                Field::new("g", DataType::Utf8, false),
                Field::new("r", DataType::Int64, false),
                Field::new("wb", DataType::Float64, false),
                Field::new("gb", DataType::Float64, false),
            ]);
            let b = RecordBatch::try_new(
                Arc::new(schema),
                vec![
                    Arc::new(StringArray::from(g)),
                    Arc::new(Int64Array::from(r)),
                    Arc::new(Float64Array::from(wb)),
                    Arc::new(Float64Array::from(gb)),
                ],
            )
            .map_err(DataFusionError::from)?;
            ctx.register_batch(&pre, b)?;
        }
        let result = async { ctx.sql(&sql).await?.collect().await }.await;
        ctx.deregister_table(&consts)?;
        if window {
            ctx.deregister_table(&pre)?;
        }
        let batches = result?;
        let mut out = Vec::new();
        for b in &batches {
            let text = |i: usize| cast(b.column(i), &DataType::Utf8).map_err(DataFusionError::from);
            let (g, h, p) = (text(0)?, text(1)?, text(2)?);
            let (g, h, p) = (
                g.as_string::<i32>(),
                h.as_string::<i32>(),
                p.as_string::<i32>(),
            );
            let cols: Vec<_> = (0..feats.feats.len())
                .map(|i| b.column(3 + i).as_primitive::<Float64Type>())
                .collect();
            for row in 0..b.num_rows() {
                let key = (!whole).then(|| g.value(row).to_string());
                out.push((
                    key,
                    h.value(row).to_string(),
                    p.value(row).to_string(),
                    cols.iter().map(|c| c.value(row)).collect(),
                ));
            }
        }
        Ok(out)
    }
}

/// Standard errors (and intervals) of the settled `results`, filled in
/// place; returns the design's summary.
pub(super) async fn standard_errors(
    ctx: &SessionContext,
    reader: &Reader<'_>,
    rows: &mut HashMap<(Key, i64), gongfu_measures::Distribution>,
    measures: &[Measure],
    results: &mut super::RangeResults,
    opts: &super::RangeOptions,
    clock: &Trace,
) -> Result<DesignSummary, SqlError> {
    let (plan, sums) = (reader.plan, reader.sums);
    let (Some(var), Some(psu)) = (opts.variance, plan.cols.psu) else {
        return Err(SqlError::Unsupported(
            "standard errors need the PSU column (PSU totals by GROUP BY)".into(),
        ));
    };
    let design = (plan.cols.strata.unwrap_or("''"), psu);
    // the linearisations, reading back ranges as the point estimates do
    let mut lins: Vec<Vec<LinCell>> = Vec::new();
    let mut feats = Feats::default();
    reader
        .in_rounds(ctx, rows, "the linearisations", clock, |eval| {
            feats = Feats::default();
            feats.fixed(Feat::W);
            lins.clear();
            let mut settled = true;
            for (key, values) in results.iter() {
                let mut row = Vec::new();
                for (mi, (m, v)) in measures.iter().zip(values).enumerate() {
                    if v.is_err() {
                        row.push(None);
                        continue;
                    }
                    match eval.lin(&mut feats, key, mi, m) {
                        Ok(l) => row.push(Some(Ok(l))),
                        Err(Miss::Fail(why)) => row.push(Some(Err(why))),
                        Err(Miss::Rows) => {
                            settled = false;
                            row.push(None);
                        }
                    }
                }
                lins.push(row);
            }
            settled
        })
        .await?;
    // the prefixes of each range for the Gini's cumulative sums
    let mut prefixes: BTreeMap<Key, Vec<(i64, f64, f64)>> = BTreeMap::new();
    if feats.window() {
        let iw = plan.terms.iter().position(|&t| t == Term::W(Keep::All));
        let it = plan.terms.iter().position(|&t| t == Term::Wx(Keep::All));
        if let (Some(iw), Some(it)) = (iw, it) {
            for (key, ranges) in sums {
                let (mut w, mut t) = (0.0, 0.0);
                let v = prefixes.entry(key.clone()).or_default();
                for s in ranges {
                    v.push((s.k, w, t));
                    w += s.v[iw];
                    t += s.v[it];
                }
            }
        }
    }
    // the PSU totals: the whole table always (it lists the design's PSUs)
    let mut psus = Psus::default();
    let mut totals: PsuTotals = HashMap::new();
    let groups = results.iter().any(|(k, _)| k.is_some());
    let mut passes = vec![true];
    if groups {
        passes.push(false);
    }
    for whole in passes {
        for (key, h, p, v) in plan
            .feature_sums(ctx, &feats, design, whole, &prefixes)
            .await?
        {
            let n = psus.index.len();
            let j = *psus.index.entry((h.clone(), p)).or_insert(n);
            if j == n {
                psus.strata.push(h);
            }
            totals.entry(key).or_default().push((j, v));
        }
    }
    // the design from the PSUs
    let mut labels: Vec<String> = Vec::new();
    let mut code: HashMap<&str, u32> = HashMap::new();
    let strata: Vec<u32> = psus
        .strata
        .iter()
        .map(|h| {
            *code.entry(h.as_str()).or_insert_with(|| {
                labels.push(h.clone());
                (labels.len() - 1) as u32
            })
        })
        .collect();
    let ids: Vec<u32> = (0..strata.len() as u32).collect();
    let d = Design::with_rows(
        strata.len(),
        Some(&strata),
        Some(&ids),
        None,
        var.lonely,
        Some(labels),
    )
    .map_err(|e| SqlError::Design(e.to_string()))?;
    let df = if var.normal { f64::INFINITY } else { d.df() };
    let tq = t_quantile(0.5 + var.level / 2.0, df);
    // the totals of a feature over all PSUs of a side
    let total = |key: &Key, t: &Total| -> Result<f64, String> {
        let at = side_key(key, t.side);
        let s: f64 = totals
            .get(&at)
            .map_or(0.0, |v| v.iter().map(|(_, f)| f[t.feat]).sum());
        let v = s / t.div;
        if let Some((id, at)) = t.density
            && !(v > 0.0 && v.is_finite())
        {
            return Err(format!(
                "{id}: the kernel density at {at} is zero (no dispersion, or no observations near it): \
                 no linearised standard error"
            ));
        }
        Ok(v)
    };
    let mut woodruff: Vec<(usize, usize, f64, f64)> = Vec::new();
    for (ri, ((key, values), row)) in results.iter_mut().zip(&lins).enumerate() {
        for (mi, (v, lin)) in values.iter_mut().zip(row).enumerate() {
            let (Ok(e), Some(lin)) = (v.as_mut(), lin) else {
                continue;
            };
            let lin = match lin {
                Ok(Some(l)) => l,
                Ok(None) => continue,
                Err(why) => {
                    *v = Err(why.clone());
                    continue;
                }
            };
            let mut z = vec![0.0; d.n_psu()];
            let mut failed = None;
            for (coef, side, feat) in &lin.terms {
                let mut c = coef.c;
                for (t, power) in &coef.totals {
                    match total(key, t) {
                        Ok(x) => c *= x.powi(*power),
                        Err(why) => failed = Some(why),
                    }
                }
                if let Some(rows) = totals.get(&side_key(key, *side)) {
                    for (j, f) in rows {
                        z[*j] += c * f[*feat];
                    }
                }
            }
            if let Some(why) = failed {
                *v = Err(why);
                continue;
            }
            let se = d.variance_of_totals(&z).sqrt();
            match lin.woodruff {
                Some(m) => woodruff.push((ri, mi, m, se)),
                None => {
                    let ci = confidence_interval(e.value, se, var.level, df);
                    e.se = Some(se);
                    e.ci = Some([ci.lo, ci.hi]);
                }
            }
        }
    }
    // Woodruff: the quantiles at m ± t·SE(m), written into the results
    // once every interval is settled
    let mut intervals: Vec<(usize, usize, Result<[f64; 2], String>)> = Vec::new();
    reader
        .in_rounds(ctx, rows, "Woodruff's intervals", clock, |eval| {
            intervals.clear();
            let mut settled = true;
            for &(ri, mi, m, se_m) in &woodruff {
                let key = &results[ri].0;
                let at = |p: f64| -> R<f64> {
                    let parts = eval.parts(key, None)?;
                    eval.quantile(key, &parts, p.clamp(0.0, 1.0))
                };
                match (at(m - tq * se_m), at(m + tq * se_m)) {
                    (Ok(lo), Ok(hi)) => intervals.push((ri, mi, Ok([lo, hi]))),
                    (Err(Miss::Fail(why)), _) | (_, Err(Miss::Fail(why))) => {
                        intervals.push((ri, mi, Err(why)));
                    }
                    _ => settled = false,
                }
            }
            settled
        })
        .await?;
    for (ri, mi, interval) in intervals {
        match interval {
            Ok([lo, hi]) => {
                if let Ok(e) = results[ri].1[mi].as_mut() {
                    e.se = Some((hi - lo) / (2.0 * tq));
                    e.ci = Some([lo, hi]);
                }
            }
            Err(why) => results[ri].1[mi] = Err(why),
        }
    }
    Ok(DesignSummary {
        psu: d.n_psu(),
        strata: d.n_strata(),
        df: d.df(),
    })
}

impl RangeEstimate {
    /// The estimate without a standard error.
    pub(super) fn point(value: f64, n: usize, population: f64, excluded: usize) -> RangeEstimate {
        RangeEstimate {
            value,
            n,
            population,
            excluded,
            se: None,
            ci: None,
        }
    }
}
