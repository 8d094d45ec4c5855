//! Exact measures without gathering a group's rows in one place: the range
//! plan of docs/sql.md ("exact measures without the funnel").
//!
//! Rows are cut into income ranges at boundaries taken from a sample
//! ([`RANGE_INDEX`] gives a row's range). One `GROUP BY group, range` query
//! reduces every (group, range) to a few sums where DataFusion places it;
//! for the Gini, the aggregate [`RANGE_S`] sorts the rows of each (group,
//! range) in memory to give `S = Σ w x c` (`c` the cumulative weight inside
//! the range) — or, when the session's memory pool is capped, a window
//! over DataFusion's spilling sort gives `c` row by row. Measures are then
//! evaluated from the ranges in income order with prefix weights: totals
//! and moments directly, quantiles, Lorenz ordinates and threshold sums by
//! reading back only the range that holds the cut (a few rows per group),
//! in rounds until every measure has what it needs. Nothing holds more than
//! the sums and the ranges read back.

use crate::SqlError;
use datafusion::arrow::array::{AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::execution::memory_pool::MemoryLimit;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use gongfu_measures::{Distribution, Measure, MeasureError, NonPositive, ParamValue, RelTo};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

mod se;
mod within;
pub use se::{DesignSummary, RangeVariance, SE_MEASURES};
pub use within::{RANGE_S, RangeS, range_s};

/// The name of the range function registered by [`crate::register`].
pub const RANGE_INDEX: &str = "gongfu_range";

/// `gongfu_range(x, b1, …, bK)`: the number of boundaries `≤ x`, i.e. the
/// range `k` with `b_k ≤ x < b_{k+1}` (boundaries ascending constants).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RangeIndex {
    signature: Signature,
}

/// The range function as a scalar UDF.
pub fn range_index() -> ScalarUDF {
    ScalarUDF::from(RangeIndex {
        signature: Signature::variadic(vec![DataType::Float64], Volatility::Immutable),
    })
}

impl ScalarUDFImpl for RangeIndex {
    fn name(&self) -> &str {
        RANGE_INDEX
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut bounds = Vec::with_capacity(args.args.len().saturating_sub(1));
        for a in args.args.iter().skip(1) {
            match a {
                ColumnarValue::Scalar(ScalarValue::Float64(Some(b))) => bounds.push(*b),
                _ => {
                    return Err(DataFusionError::Execution(format!(
                        "{RANGE_INDEX}: the boundaries must be numeric constants"
                    )));
                }
            }
        }
        let Some(x) = args.args.first() else {
            return Err(DataFusionError::Execution(format!(
                "{RANGE_INDEX}: needs the income"
            )));
        };
        let x = x.clone().into_array(args.number_rows)?;
        let x = cast(&x, &DataType::Float64)?;
        let out: Int64Array = x
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.map(|v| bounds.partition_point(|b| *b <= v) as i64))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// The table and the columns the range plan reads, as SQL (quote names that
/// need it: `"pc_income"`).
#[derive(Debug, Clone, Copy)]
pub struct RangeColumns<'a> {
    /// A table name or a quoted path (`'province/'`).
    pub table: &'a str,
    /// The grouping column; `None` for the whole table only.
    pub group: Option<&'a str>,
    /// The income.
    pub income: &'a str,
    /// The weight.
    pub weight: &'a str,
    /// The stratum, for standard errors (`None`: one stratum).
    pub strata: Option<&'a str>,
    /// The PSU, for standard errors (required with them).
    pub psu: Option<&'a str>,
}

/// How the range plan runs.
#[derive(Debug, Clone, Copy)]
pub struct RangeOptions {
    /// About how many income ranges (boundaries at quantiles of a sample of
    /// at most 20,000 incomes); more ranges read back fewer rows per cut.
    pub ranges: usize,
    /// Non-positive incomes in measures that need positive ones (GE,
    /// Atkinson, Watts…): refuse (the library's default) or leave out.
    pub nonpositive: NonPositive,
    /// Also evaluate the measures on the whole table (the first result).
    pub overall: bool,
    /// Standard errors by linearisation ([`SE_MEASURES`]; needs
    /// [`RangeColumns::psu`]); `None`: point estimates only.
    pub variance: Option<RangeVariance>,
}

impl Default for RangeOptions {
    fn default() -> Self {
        RangeOptions {
            ranges: 256,
            nonpositive: NonPositive::Error,
            overall: true,
            variance: None,
        }
    }
}

/// One measure on one group, as the library reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeEstimate {
    /// The value.
    pub value: f64,
    /// Observations with positive weight in the population measured.
    pub n: usize,
    /// Its weighted population.
    pub population: f64,
    /// Observations left out as non-positive.
    pub excluded: usize,
    /// The standard error, when asked for ([`RangeOptions::variance`]).
    pub se: Option<f64>,
    /// The confidence interval (Woodruff's for quantiles).
    pub ci: Option<[f64; 2]>,
}

/// The results of [`measures_by_ranges`]: per group (`None` the whole
/// table, first when asked for; then the groups in label order) one result
/// per measure, or the reason the measure is undefined there.
pub type RangeResults = Vec<(Option<String>, Vec<Result<RangeEstimate, String>>)>;

/// The measures the range plan evaluates; the others are refused before
/// any query runs.
pub const RANGE_MEASURES: &[&str] = &[
    "count",
    "population",
    "total",
    "mean",
    "quantile",
    "median",
    "p90p10",
    "p80p20",
    "gini",
    "lorenz",
    "share",
    "top_share",
    "bottom_share",
    "bottom40_mean",
    "palma",
    "qsr",
    "wolfson",
    "ge",
    "theil",
    "mld",
    "jdiv",
    "cv",
    "atkinson",
    "arpt",
    "arpr",
    "rmpg",
    "poormed",
    "fgt",
    "watts",
    "middle_share",
    "prosperity_gap",
];

/// Which incomes a sum keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Keep {
    All,
    Pos,
    NonNeg,
}

impl Keep {
    fn sql(self) -> &'static str {
        match self {
            Keep::All => "TRUE",
            Keep::Pos => "x > 0",
            Keep::NonNeg => "x >= 0",
        }
    }

    fn keeps(self, x: f64) -> bool {
        match self {
            Keep::All => true,
            Keep::Pos => x > 0.0,
            Keep::NonNeg => x >= 0.0,
        }
    }

    /// The library's view for a measure needing incomes `> 0` or `>= 0`.
    fn positive(strict: bool) -> Keep {
        if strict { Keep::Pos } else { Keep::NonNeg }
    }
}

/// One sum over the rows of a (group, range).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    /// Rows.
    Rows(Keep),
    /// Rows with a positive weight.
    Count(Keep),
    /// Σ w.
    W(Keep),
    /// Σ w x.
    Wx(Keep),
    /// Σ w x².
    Wx2(Keep),
    /// Σ w ln x over x > 0.
    WLn,
    /// Σ w x ln x over x > 0.
    WxLn,
    /// Σ w / x over x > 0.
    WInv,
    /// Σ w x^α.
    WPow(f64, Keep),
    /// Σ w ((z − x)/z)^α over x < z.
    Fgt(f64, f64),
    /// Σ w x c, `c` the cumulative weight inside the range ([`RANGE_S`], or
    /// a window under a memory cap).
    S,
    /// Σ w² x.
    Q,
    /// Rows with a negative weight.
    Negative,
}

impl Term {
    fn sql(self) -> String {
        let when = |keep: Keep, e: &str| {
            if keep == Keep::All {
                e.to_string()
            } else {
                format!("CASE WHEN {} THEN {e} ELSE 0.0 END", keep.sql())
            }
        };
        match self {
            Term::Rows(k) => when(k, "1.0"),
            Term::Count(k) => when(k, "CASE WHEN w > 0 THEN 1.0 ELSE 0.0 END"),
            Term::W(k) => when(k, "w"),
            Term::Wx(k) => when(k, "w * x"),
            Term::Wx2(k) => when(k, "w * x * x"),
            Term::WLn => when(Keep::Pos, "w * ln(x)"),
            Term::WxLn => when(Keep::Pos, "w * x * ln(x)"),
            Term::WInv => when(Keep::Pos, "w / x"),
            Term::WPow(a, k) => when(k, &format!("w * power(x, {a:?})")),
            Term::Fgt(a, z) => {
                format!(
                    "CASE WHEN x < {z:?} THEN w * power(({z:?} - x) / {z:?}, {a:?}) ELSE 0.0 END"
                )
            }
            Term::S => "w * x * c".into(),
            Term::Q => "w * w * x".into(),
            Term::Negative => "CASE WHEN w < 0 THEN 1.0 ELSE 0.0 END".into(),
        }
    }

    /// The term of one row (S, which needs the range's order, is never
    /// asked for row by row).
    fn row(self, x: f64, w: f64) -> f64 {
        let keep = |k: Keep, v: f64| if k.keeps(x) { v } else { 0.0 };
        match self {
            Term::Rows(k) => keep(k, 1.0),
            Term::Count(k) => keep(k, if w > 0.0 { 1.0 } else { 0.0 }),
            Term::W(k) => keep(k, w),
            Term::Wx(k) => keep(k, w * x),
            Term::Wx2(k) => keep(k, w * x * x),
            Term::WLn => keep(Keep::Pos, w * x.ln()),
            Term::WxLn => keep(Keep::Pos, w * x * x.ln()),
            Term::WInv => keep(Keep::Pos, w / x),
            Term::WPow(a, k) => keep(k, w * x.powf(a)),
            Term::Fgt(a, z) => {
                if x < z {
                    w * ((z - x) / z).powf(a)
                } else {
                    0.0
                }
            }
            Term::S => 0.0,
            Term::Q => w * w * x,
            Term::Negative => {
                if w < 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The sums of one (group, range).
#[derive(Debug, Clone)]
struct RangeSums {
    k: i64,
    v: Vec<f64>,
}

/// `None`: the whole table; `Some(label)`: a group.
type Key = Option<String>;

/// Why a measure has no value yet.
enum Miss {
    /// A range's rows must be read first (recorded in the evaluator).
    Rows,
    /// The measure is undefined or refused here.
    Fail(String),
}

impl From<MeasureError> for Miss {
    fn from(e: MeasureError) -> Miss {
        Miss::Fail(e.to_string())
    }
}

type R<T> = std::result::Result<T, Miss>;

fn fail<T>(m: impl std::fmt::Display) -> R<T> {
    Err(Miss::Fail(m.to_string()))
}

/// The boundaries and the sums asked for.
#[derive(Debug)]
struct Plan<'a> {
    cols: RangeColumns<'a>,
    bounds: Vec<f64>,
    terms: Vec<Term>,
    /// The Gini's local sums by [`RANGE_S`] (sorting each range's pairs in
    /// memory) rather than a window over DataFusion's spilling sort: when
    /// the session's memory pool has no finite limit.
    local: bool,
}

impl Plan<'_> {
    /// `SELECT g, r, x, w` of the usable rows; `g` is `''` for the whole table.
    fn base(&self, whole: bool) -> String {
        self.base_with(whole, None)
    }

    /// As [`Plan::base`] with the stratum `h` and the PSU `p` as text
    /// (`design`: their SQL; the table holds only rows with a PSU then).
    fn base_design(&self, whole: bool, design: (&str, &str)) -> String {
        self.base_with(whole, Some(design))
    }

    fn base_with(&self, whole: bool, design: Option<(&str, &str)>) -> String {
        let RangeColumns {
            table,
            group,
            income,
            weight,
            ..
        } = self.cols;
        let mut valid = format!("{income} IS NOT NULL AND {weight} IS NOT NULL");
        let g = match (group, whole) {
            (Some(g), false) => {
                valid.push_str(&format!(" AND {g} IS NOT NULL"));
                format!("CAST({g} AS VARCHAR)")
            }
            _ => "''".to_string(),
        };
        let x = format!("CAST({income} AS DOUBLE)");
        let r = self.range_sql(&x);
        let hp = design.map_or_else(String::new, |(h, p)| {
            format!(", CAST({h} AS VARCHAR) AS h, CAST({p} AS VARCHAR) AS p")
        });
        format!(
            "SELECT {g} AS g, {r} AS r, {x} AS x, CAST({weight} AS DOUBLE) AS w{hp} \
             FROM {table} WHERE {valid}"
        )
    }

    /// The range of the income `x` (SQL).
    fn range_sql(&self, x: &str) -> String {
        if self.bounds.is_empty() {
            "CAST(0 AS BIGINT)".to_string()
        } else {
            let b: Vec<String> = self.bounds.iter().map(|b| format!("{b:?}")).collect();
            format!("{RANGE_INDEX}({x}, {})", b.join(", "))
        }
    }

    fn lower(&self, k: i64) -> f64 {
        usize::try_from(k - 1)
            .ok()
            .and_then(|i| self.bounds.get(i))
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }

    fn upper(&self, k: i64) -> f64 {
        usize::try_from(k)
            .ok()
            .and_then(|i| self.bounds.get(i))
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    fn term(&self, t: Term) -> R<usize> {
        self.terms
            .iter()
            .position(|&u| u == t)
            .map_or_else(|| fail(format!("the range plan lacks the sum {t:?}")), Ok)
    }

    /// The sums of every (group, range), per group in income order (of the
    /// whole table when `whole`).
    async fn sums(
        &self,
        ctx: &SessionContext,
        whole: bool,
    ) -> Result<BTreeMap<Key, Vec<RangeSums>>, SqlError> {
        let base = self.base(whole);
        let window = !self.local && self.terms.contains(&Term::S);
        let from = if window {
            format!(
                "(SELECT g, r, x, w, SUM(w) OVER (PARTITION BY g, r ORDER BY x \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c FROM ({base}))"
            )
        } else {
            format!("({base})")
        };
        let sums: Vec<String> = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Term::S if self.local => format!("CAST({RANGE_S}(x, w) AS DOUBLE) AS s{i}"),
                // Term::S: SUM(w * x * c) over the window's c
                t => format!("CAST(SUM({}) AS DOUBLE) AS s{i}", t.sql()),
            })
            .collect();
        let batches = ctx
            .sql(&format!(
                "SELECT g, r, {} FROM {from} GROUP BY g, r",
                sums.join(", ")
            ))
            .await?
            .collect()
            .await?;
        let mut by: BTreeMap<Key, Vec<RangeSums>> = BTreeMap::new();
        for b in &batches {
            let g = cast(b.column(0), &DataType::Utf8).map_err(DataFusionError::from)?;
            let g = g.as_string::<i32>();
            let r = b.column(1).as_primitive::<Int64Type>();
            let cols: Vec<_> = (0..self.terms.len())
                .map(|i| b.column(2 + i).as_primitive::<Float64Type>())
                .collect();
            for row in 0..b.num_rows() {
                let key = (!whole).then(|| g.value(row).to_string());
                by.entry(key).or_default().push(RangeSums {
                    k: r.value(row),
                    v: cols.iter().map(|c| c.value(row)).collect(),
                });
            }
        }
        for ranges in by.values_mut() {
            ranges.sort_by_key(|s| s.k);
        }
        Ok(by)
    }

    /// The rows of the (group, range) pairs asked for, each sorted.
    async fn rows(
        &self,
        ctx: &SessionContext,
        want: &BTreeSet<(Key, i64)>,
        into: &mut HashMap<(Key, i64), Distribution>,
    ) -> Result<(), SqlError> {
        // the rows of the ranges asked for (a hashed IN on the range), then
        // a join with the exact (group, range) pairs
        let lit = crate::quote_literal;
        let mut group_ranges: BTreeSet<i64> = BTreeSet::new();
        let mut pairs: Vec<String> = Vec::new();
        let mut whole: Vec<String> = Vec::new();
        for (key, k) in want {
            match key {
                Some(g) => {
                    group_ranges.insert(*k);
                    pairs.push(format!("({}, CAST({k} AS BIGINT))", lit(g)));
                }
                None => whole.push(k.to_string()),
            }
        }
        let mut queries = Vec::new();
        if !pairs.is_empty() {
            queries.push((
                false,
                format!(
                    "SELECT b.g, b.r, b.x, b.w FROM (SELECT * FROM ({}) WHERE r IN ({})) b \
                     JOIN (VALUES {}) AS t(g, r) ON b.g = t.g AND b.r = t.r",
                    self.base(false),
                    group_ranges
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    pairs.join(", ")
                ),
            ));
        }
        if !whole.is_empty() {
            queries.push((
                true,
                format!(
                    "SELECT g, r, x, w FROM ({}) WHERE r IN ({})",
                    self.base(true),
                    whole.join(", ")
                ),
            ));
        }
        for (is_whole, sql) in queries {
            let batches = ctx.sql(&sql).await?.collect().await?;
            let mut got: BTreeMap<(Key, i64), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            for b in &batches {
                let g = cast(b.column(0), &DataType::Utf8).map_err(DataFusionError::from)?;
                let g = g.as_string::<i32>();
                let r = b.column(1).as_primitive::<Int64Type>();
                let x = b.column(2).as_primitive::<Float64Type>();
                let w = b.column(3).as_primitive::<Float64Type>();
                for i in 0..b.num_rows() {
                    let key = (!is_whole).then(|| g.value(i).to_string());
                    let e = got.entry((key, r.value(i))).or_default();
                    e.0.push(x.value(i));
                    e.1.push(w.value(i));
                }
            }
            for (at, (x, w)) in got {
                let d = Distribution::new(&x, Some(&w))
                    .map_err(|e| DataFusionError::Execution(e.to_string()))?;
                into.insert(at, d);
            }
        }
        Ok(())
    }
}

/// A range of a view in income order: its weight and income total, and
/// how many of its sorted rows belong to the view (`None`: all).
#[derive(Debug, Clone, Copy)]
struct Part {
    k: i64,
    w: f64,
    t: f64,
    cut: Option<usize>,
}

/// Evaluates measures from the sums and the rows read back so far.
struct Eval<'a> {
    plan: &'a Plan<'a>,
    sums: &'a BTreeMap<Key, Vec<RangeSums>>,
    rows: &'a HashMap<(Key, i64), Distribution>,
    wanted: RefCell<BTreeSet<(Key, i64)>>,
    nonpositive: NonPositive,
    /// A guessing pass ([`Reader::in_rounds`]): a quantile whose range has
    /// not been read back is taken as that range's lower (`Lower`) or
    /// upper bound, so that what depends on it (a line relative to the
    /// median) names the ranges it will need.
    guess: Option<Guess>,
}

/// Which bound of its range a guessing pass takes for a quantile.
#[derive(Debug, Clone, Copy)]
enum Guess {
    Lower,
    Upper,
}

/// What an evaluation reads: the plan, its sums and the policy for
/// non-positive incomes; the rows read back are passed along.
struct Reader<'a> {
    plan: &'a Plan<'a>,
    sums: &'a BTreeMap<Key, Vec<RangeSums>>,
    nonpositive: NonPositive,
}

impl Reader<'_> {
    /// Runs `pass` over the sums and the rows read back so far until a pass
    /// finds nothing missing (it returns `true`), reading back between
    /// passes, in one query, the ranges it asked for; at most 8 rounds.
    ///
    /// An unsettled pass is run twice more with every missing quantile at
    /// the lower and at the upper bound of its range, and the ranges those
    /// passes ask for are read back with the others: a poverty line at 60 %
    /// of the median then usually finds its range already read in the next
    /// round instead of costing a round (a scan of the table) of its own.
    /// `pass` must therefore start its output afresh each time: what a
    /// guessing pass computes is overwritten by the next pass, and only a
    /// pass without guesses settles, so the values stay exact.
    async fn in_rounds(
        &self,
        ctx: &SessionContext,
        rows: &mut HashMap<(Key, i64), Distribution>,
        what: &str,
        clock: &Trace,
        mut pass: impl FnMut(&Eval<'_>) -> bool,
    ) -> Result<(), SqlError> {
        for _round in 0..8 {
            let eval = |guess| Eval {
                plan: self.plan,
                sums: self.sums,
                rows,
                wanted: RefCell::new(BTreeSet::new()),
                nonpositive: self.nonpositive,
                guess,
            };
            let first = eval(None);
            let done = pass(&first);
            let mut wanted = first.wanted.into_inner();
            if done {
                return Ok(());
            }
            for side in [Guess::Lower, Guess::Upper] {
                let guessing = eval(Some(side));
                pass(&guessing);
                wanted.append(&mut guessing.wanted.into_inner());
            }
            self.plan.rows(ctx, &wanted, rows).await?;
            clock.step(&format!("{what}: {} ranges read back", wanted.len()));
        }
        Err(SqlError::DataFusion(DataFusionError::Execution(format!(
            "the range plan did not settle {what} after 8 rounds of reading ranges back"
        ))))
    }
}

impl Eval<'_> {
    fn ranges(&self, key: &Key) -> &[RangeSums] {
        self.sums.get(key).map_or(&[], Vec::as_slice)
    }

    fn range_rows(&self, key: &Key, k: i64) -> R<&Distribution> {
        match self.rows.get(&(key.clone(), k)) {
            Some(d) => Ok(d),
            None => {
                self.wanted.borrow_mut().insert((key.clone(), k));
                Err(Miss::Rows)
            }
        }
    }

    /// Σ of a term over a group.
    fn sum(&self, key: &Key, t: Term) -> R<f64> {
        let i = self.plan.term(t)?;
        Ok(self.ranges(key).iter().map(|s| s.v[i]).sum())
    }

    /// Σ of terms over the rows with `x < v` (`strict`) or `x ≤ v`.
    fn below(&self, key: &Key, v: f64, strict: bool, terms: &[Term]) -> R<Vec<f64>> {
        let idx = terms
            .iter()
            .map(|&t| self.plan.term(t))
            .collect::<R<Vec<_>>>()?;
        let mut out = vec![0.0; terms.len()];
        for s in self.ranges(key) {
            let (lo, hi) = (self.plan.lower(s.k), self.plan.upper(s.k));
            if hi <= v {
                for (o, &i) in out.iter_mut().zip(&idx) {
                    *o += s.v[i];
                }
            } else if lo < v || (!strict && lo == v) {
                let d = self.range_rows(key, s.k)?;
                for (&x, &w) in d.values().iter().zip(d.weights()) {
                    if x < v || (!strict && x == v) {
                        for (o, t) in out.iter_mut().zip(terms) {
                            *o += t.row(x, w);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The ranges of a group in income order, or of its rows below `upto`.
    fn parts(&self, key: &Key, upto: Option<f64>) -> R<Vec<Part>> {
        let (w, t) = (
            self.plan.term(Term::W(Keep::All))?,
            self.plan.term(Term::Wx(Keep::All))?,
        );
        let mut out = Vec::new();
        for s in self.ranges(key) {
            let whole = Part {
                k: s.k,
                w: s.v[w],
                t: s.v[t],
                cut: None,
            };
            match upto {
                None => out.push(whole),
                Some(v) if self.plan.upper(s.k) <= v => out.push(whole),
                Some(v) if self.plan.lower(s.k) >= v => {}
                Some(v) => {
                    let d = self.range_rows(key, s.k)?;
                    let view = d.view();
                    let cut = view.count_below(v);
                    out.push(Part {
                        k: s.k,
                        w: view.c_before(cut),
                        t: view.partial_total(0, cut),
                        cut: Some(cut),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The rows of a part: its sorted distribution and how many belong.
    fn part_rows(&self, key: &Key, p: &Part) -> R<(&Distribution, usize)> {
        let d = self.range_rows(key, p.k)?;
        Ok((d, p.cut.unwrap_or(d.len())))
    }

    /// The weighted quantile of order `p` of the parts, Eurostat rule.
    fn quantile(&self, key: &Key, parts: &[Part], p: f64) -> R<f64> {
        if !(0.0..=1.0).contains(&p) {
            return fail(format!("quantile: p must be in [0, 1], got {p}"));
        }
        let n: f64 = parts.iter().map(|q| q.w).sum();
        if !(n > 0.0) {
            return fail("no observations");
        }
        let first_positive = |from: usize| -> R<Option<f64>> {
            for q in parts.iter().skip(from).filter(|q| q.w > 0.0) {
                let (d, len) = self.part_rows(key, q)?;
                if let Some(i) = (0..len).find(|&i| d.weights()[i] > 0.0) {
                    return Ok(Some(d.values()[i]));
                }
            }
            Ok(None)
        };
        if p == 0.0 {
            return first_positive(0)?.map_or_else(|| fail("no observations"), Ok);
        }
        let last = parts.iter().rposition(|q| q.w > 0.0).unwrap_or(0);
        if p == 1.0 {
            let (d, len) = self.part_rows(key, &parts[last])?;
            return (0..len)
                .rev()
                .find(|&i| d.weights()[i] > 0.0)
                .map_or_else(|| fail("no observations"), |i| Ok(d.values()[i]));
        }
        let mut before = 0.0;
        let mut at = last;
        for (i, q) in parts.iter().enumerate() {
            if (before + q.w) / n >= p {
                at = i;
                break;
            }
            before += q.w;
        }
        if at == last && (before + parts[at].w) / n < p {
            before = n - parts[at].w;
        }
        let (d, len) = match (self.part_rows(key, &parts[at]), self.guess) {
            (Err(Miss::Rows), Some(side)) => {
                let k = parts[at].k;
                let bound = match side {
                    Guess::Lower => self.plan.lower(k),
                    Guess::Upper => self.plan.upper(k),
                };
                return if bound.is_finite() {
                    Ok(bound)
                } else {
                    Err(Miss::Rows)
                };
            }
            (found, _) => found?,
        };
        let v = d.view();
        let (x, w) = (d.values(), d.weights());
        let lastpos = (0..len).rev().find(|&i| w[i] > 0.0).unwrap_or(0);
        let j = (0..len)
            .find(|&j| (before + v.c(j)) / n >= p)
            .unwrap_or(lastpos)
            .min(lastpos);
        if (before + v.c(j)) / n == p {
            if let Some(k) = (j + 1..len).find(|&k| w[k] > 0.0) {
                return Ok((x[j] + x[k]) / 2.0);
            }
            if let Some(next) = first_positive(at + 1)? {
                return Ok((x[j] + next) / 2.0);
            }
        }
        Ok(x[j])
    }

    /// Σ w x of the poorest fraction `p` of the parts (the library's
    /// `lorenz_sum`: the row at the cut counted in proportion).
    fn lorenz_sum(&self, key: &Key, parts: &[Part], p: f64) -> R<f64> {
        let total: f64 = parts.iter().map(|q| q.t).sum();
        if p <= 0.0 {
            return Ok(0.0);
        }
        if p >= 1.0 {
            return Ok(total);
        }
        let n: f64 = parts.iter().map(|q| q.w).sum();
        let target = p * n;
        let (mut before, mut full) = (0.0, 0.0);
        let mut at = parts.len().saturating_sub(1);
        for (i, q) in parts.iter().enumerate() {
            if before + q.w >= target {
                at = i;
                break;
            }
            if i + 1 < parts.len() {
                before += q.w;
                full += q.t;
            }
        }
        let Some(part) = parts.get(at) else {
            return Ok(0.0);
        };
        let (d, len) = self.part_rows(key, part)?;
        if len == 0 {
            return Ok(full);
        }
        let v = d.view();
        let j = (0..len)
            .find(|&j| before + v.c(j) >= target)
            .unwrap_or(len - 1);
        let (x, w) = (d.values(), d.weights());
        let frac = if w[j] > 0.0 {
            (target - (before + v.c_before(j))) / w[j]
        } else {
            0.0
        };
        Ok(full + v.partial_total(0, j) + w[j] * x[j] * frac.clamp(0.0, 1.0))
    }

    /// L(p) of a group, refusing a zero total.
    fn lorenz(&self, key: &Key, p: f64, id: &str) -> R<f64> {
        if !(0.0..=1.0).contains(&p) {
            return fail(format!(
                "{id}: population fraction must be in [0, 1], got {p}"
            ));
        }
        let parts = self.parts(key, None)?;
        let t: f64 = parts.iter().map(|q| q.t).sum();
        if t == 0.0 {
            return fail(format!("{id}: total income is 0"));
        }
        if p == 0.0 {
            return Ok(0.0);
        }
        if p == 1.0 {
            return Ok(1.0);
        }
        Ok(self.lorenz_sum(key, &parts, p)? / t)
    }

    fn median(&self, key: &Key) -> R<f64> {
        let parts = self.parts(key, None)?;
        self.quantile(key, &parts, 0.5)
    }

    /// A line or bound: a number, or a multiple of the median or mean of
    /// the whole table (`national`) or of the group.
    fn line(&self, key: &Key, v: &ParamValue, national: bool) -> R<f64> {
        let of = if national { &None } else { key };
        match v {
            ParamValue::Num(x) => Ok(*x),
            ParamValue::Rel {
                factor,
                of: RelTo::Median,
            } => Ok(factor * self.median(of)?),
            ParamValue::Rel {
                factor,
                of: RelTo::Mean,
            } => Ok(factor * self.sum(of, Term::Wx(Keep::All))? / self.sum(of, Term::W(Keep::All))?),
            ParamValue::Text(t) => fail(format!("a line must be a number, not \"{t}\"")),
        }
    }

    /// The whole group's n and population.
    fn all(&self, key: &Key, value: f64) -> R<RangeEstimate> {
        Ok(RangeEstimate::point(
            value,
            self.sum(key, Term::Count(Keep::All))? as usize,
            self.sum(key, Term::W(Keep::All))?,
            0,
        ))
    }

    /// The library's positive view: `(N, Σwx, estimate shell)`, refusing
    /// non-positive incomes under `NonPositive::Error`.
    fn positive(&self, key: &Key, strict: bool, id: &str) -> R<(f64, f64, RangeEstimate)> {
        let keep = Keep::positive(strict);
        let rows = self.sum(key, Term::Rows(Keep::All))?;
        let kept = self.sum(key, Term::Rows(keep))?;
        let excluded = (rows - kept).round() as usize;
        if excluded > 0 && self.nonpositive == NonPositive::Error {
            return fail(MeasureError::NonPositive {
                measure: id.to_string(),
                requirement: if strict { "> 0" } else { ">= 0" },
                count: excluded,
            });
        }
        let n = self.sum(key, Term::W(keep))?;
        if !(n > 0.0) {
            return fail(format!(
                "{id}: no observations with income {}",
                if strict { "> 0" } else { ">= 0" }
            ));
        }
        let t = self.sum(key, Term::Wx(keep))?;
        Ok((
            n,
            t,
            RangeEstimate::point(0.0, self.sum(key, Term::Count(keep))? as usize, n, excluded),
        ))
    }

    /// GE(α) on the library's view for α.
    fn ge(&self, key: &Key, alpha: f64, id: &str) -> R<RangeEstimate> {
        let keep = ge_keep(alpha);
        let (n, t, mut e) = if keep == Keep::All {
            let n = self.sum(key, Term::W(Keep::All))?;
            let t = self.sum(key, Term::Wx(Keep::All))?;
            (n, t, self.all(key, 0.0)?)
        } else {
            self.positive(key, keep == Keep::Pos, id)?
        };
        let mu = t / n;
        if !(mu > 0.0) {
            return fail(format!("{id}: the mean income is not positive"));
        }
        // the library's general form takes ln(x/μ): undefined for x < 0
        if keep == Keep::All
            && ![2.0, -1.0, 0.0, 1.0].contains(&alpha)
            && self.sum(key, Term::Rows(Keep::All))? > self.sum(key, Term::Rows(Keep::NonNeg))?
        {
            return fail(format!("{id}: the value is not finite for these data"));
        }
        e.value = self.ge_value(key, alpha, keep, n, mu)?;
        Ok(e)
    }

    fn ge_value(&self, key: &Key, alpha: f64, keep: Keep, n: f64, mu: f64) -> R<f64> {
        Ok(if alpha == 0.0 {
            mu.ln() - self.sum(key, Term::WLn)? / n
        } else if alpha == 1.0 {
            self.sum(key, Term::WxLn)? / (n * mu) - mu.ln()
        } else if alpha == 2.0 {
            (self.sum(key, Term::Wx2(keep))? / (n * mu * mu) - 1.0) / 2.0
        } else if alpha == -1.0 {
            (mu * self.sum(key, Term::WInv)? / n - 1.0) / 2.0
        } else {
            (self.sum(key, Term::WPow(alpha, keep))? / (n * mu.powf(alpha)) - 1.0)
                / (alpha * (alpha - 1.0))
        })
    }

    fn gini(&self, key: &Key, convey: bool) -> R<f64> {
        let n = self.sum(key, Term::W(Keep::All))?;
        let (iw, it, is, iq) = (
            self.plan.term(Term::W(Keep::All))?,
            self.plan.term(Term::Wx(Keep::All))?,
            self.plan.term(Term::S)?,
            self.plan.term(Term::Q)?,
        );
        let (mut p, mut a, mut q, mut t) = (0.0, 0.0, 0.0, 0.0);
        for s in self.ranges(key) {
            a += s.v[is] + p * s.v[it];
            q += s.v[iq];
            t += s.v[it];
            p += s.v[iw];
        }
        if t == 0.0 {
            return fail("gini: total income is 0");
        }
        Ok(if convey {
            (2.0 * a - t) / (n * t) - 1.0
        } else {
            (2.0 * a - q) / (n * t) - 1.0
        })
    }

    /// One measure on one group.
    fn measure(&self, key: &Key, m: &Measure) -> R<RangeEstimate> {
        let a = m.args();
        let id = m.id();
        let national = || {
            a.domain_scope()
                .map(|d| !d)
                .map_err(|e| Miss::Fail(e.to_string()))
        };
        let n = self.sum(key, Term::W(Keep::All))?;
        if !(n > 0.0) {
            return fail(format!("{id}: no observations"));
        }
        let t = self.sum(key, Term::Wx(Keep::All))?;
        let value = match id {
            "count" => self.sum(key, Term::Count(Keep::All))?,
            "population" => n,
            "total" => t,
            "mean" => t / n,
            "quantile" | "median" => {
                let p = if id == "median" { 0.5 } else { a.num("p")? };
                let parts = self.parts(key, None)?;
                self.quantile(key, &parts, p)?
            }
            "p90p10" | "p80p20" => {
                let (hi, lo) = if id == "p90p10" {
                    (0.9, 0.1)
                } else {
                    (0.8, 0.2)
                };
                let parts = self.parts(key, None)?;
                let d = self.quantile(key, &parts, lo)?;
                let u = self.quantile(key, &parts, hi)?;
                if d <= 0.0 {
                    return fail(format!("{id}: quantile {lo} is not positive"));
                }
                u / d
            }
            "gini" => match a.text("form")?.as_str() {
                "eurostat" => self.gini(key, false)?,
                "convey" => self.gini(key, true)?,
                other => return fail(format!("gini: form is eurostat or convey, not \"{other}\"")),
            },
            "lorenz" => self.lorenz(key, a.num("p")?, id)?,
            "share" => {
                let (lo, hi) = (a.num("a")?, a.num("b")?);
                if lo > hi {
                    return fail(format!("share: a ({lo}) must not exceed b ({hi})"));
                }
                self.lorenz(key, hi, id)? - self.lorenz(key, lo, id)?
            }
            "top_share" => 1.0 - self.lorenz(key, 1.0 - a.num("f")?, id)?,
            "bottom_share" => self.lorenz(key, a.num("f")?, id)?,
            "bottom40_mean" => {
                let parts = self.parts(key, None)?;
                self.lorenz_sum(key, &parts, 0.4)? / (0.4 * n)
            }
            "palma" => {
                let b40 = self.lorenz(key, 0.4, id)?;
                if b40 <= 0.0 {
                    return fail("palma: the bottom-40% income share is not positive");
                }
                (1.0 - self.lorenz(key, 0.9, id)?) / b40
            }
            "qsr" => {
                let parts = self.parts(key, None)?;
                let q20 = self.quantile(key, &parts, 0.2)?;
                let q80 = self.quantile(key, &parts, 0.8)?;
                let lo = self.below(key, q20, false, &[Term::Wx(Keep::All)])?[0];
                let hi = t - self.below(key, q80, false, &[Term::Wx(Keep::All)])?[0];
                if lo <= 0.0 {
                    return fail("qsr: the bottom-20% income total is not positive");
                }
                hi / lo
            }
            "wolfson" => {
                let parts = self.parts(key, None)?;
                let m = self.quantile(key, &parts, 0.5)?;
                if m <= 0.0 || t == 0.0 {
                    return fail("wolfson: the median is not positive");
                }
                let g = self.gini(key, false)?;
                let half = self.lorenz_sum(key, &parts, 0.5)? / (0.5 * n);
                2.0 * ((t / n) * (1.0 - g) - half) / m
            }
            "ge" => return self.ge(key, a.num("alpha")?, id),
            "theil" => return self.ge(key, 1.0, id),
            "mld" => return self.ge(key, 0.0, id),
            "jdiv" => {
                let (n, t, mut e) = self.positive(key, true, id)?;
                let mu = t / n;
                if !(mu > 0.0) {
                    return fail("jdiv: the mean income is not positive");
                }
                e.value = self.ge_value(key, 0.0, Keep::Pos, n, mu)?
                    + self.ge_value(key, 1.0, Keep::Pos, n, mu)?;
                return Ok(e);
            }
            "cv" => {
                let mu = t / n;
                if mu == 0.0 {
                    return fail("cv: the mean income is 0");
                }
                let ss = self.sum(key, Term::Wx2(Keep::All))? - n * mu * mu;
                (ss.max(0.0) / n).sqrt() / mu
            }
            "atkinson" => {
                let eps = a.num("eps")?;
                if eps < 0.0 {
                    return fail(format!("atkinson: eps must be >= 0, got {eps}"));
                }
                let (n, t, mut e) = self.positive(key, true, id)?;
                let mu = t / n;
                e.value = if eps == 0.0 {
                    0.0
                } else if eps == 1.0 {
                    -(-self.ge_value(key, 0.0, Keep::Pos, n, mu)?).exp_m1()
                } else {
                    let alpha = 1.0 - eps;
                    let g = self.ge_value(key, alpha, Keep::Pos, n, mu)?;
                    -((alpha * (alpha - 1.0) * g).ln_1p() / alpha).exp_m1()
                };
                return Ok(e);
            }
            "arpt" => pct(a)? * self.median(key)?,
            "arpr" | "rmpg" | "poormed" => {
                let line = pct(a)? * self.median(if national()? { &None } else { key })?;
                if id == "arpr" {
                    self.below(key, line, true, &[Term::W(Keep::All)])?[0] / n
                } else {
                    if id == "rmpg" && line <= 0.0 {
                        return fail("rmpg: the threshold is not positive");
                    }
                    let poor = self.parts(key, Some(line))?;
                    if !(poor.iter().map(|q| q.w).sum::<f64>() > 0.0) {
                        return fail(format!("{id}: nobody is below the threshold"));
                    }
                    let m = self.quantile(key, &poor, 0.5)?;
                    if id == "rmpg" { (line - m) / line } else { m }
                }
            }
            "fgt" => {
                let alpha = a.num("alpha")?;
                if alpha < 0.0 {
                    return fail(format!("fgt: alpha must be >= 0, got {alpha}"));
                }
                let given = a.value("line")?;
                let z = self.line(key, given, national()?)?;
                if z <= 0.0 {
                    return fail(format!("fgt: the poverty line {z} is not positive"));
                }
                let s = if alpha == 0.0 || alpha == 1.0 || alpha == 2.0 {
                    let [w, wx, wx2]: [f64; 3] = self
                        .below(
                            key,
                            z,
                            true,
                            &[
                                Term::W(Keep::All),
                                Term::Wx(Keep::All),
                                Term::Wx2(Keep::All),
                            ],
                        )?
                        .try_into()
                        .map_err(|_| Miss::Fail("fgt: sums".into()))?;
                    if alpha == 0.0 {
                        w
                    } else if alpha == 1.0 {
                        (z * w - wx) / z
                    } else {
                        (z * z * w - 2.0 * z * wx + wx2) / (z * z)
                    }
                } else {
                    self.sum(key, Term::Fgt(alpha, z))?
                };
                s / n
            }
            "watts" => {
                let given = a.value("line")?;
                let z = self.line(key, given, national()?)?;
                let (n, _, mut e) = self.positive(key, true, id)?;
                if z <= 0.0 {
                    return fail(format!("watts: the poverty line {z} is not positive"));
                }
                let b = self.below(key, z, true, &[Term::W(Keep::Pos), Term::WLn])?;
                e.value = (z.ln() * b[0] - b[1]) / n;
                return Ok(e);
            }
            "middle_share" => {
                let unit = a.text("unit")?;
                if unit != "person" {
                    return fail(format!(
                        "middle_share: unit={unit} is not available on the range plan (person only)"
                    ));
                }
                let nat = national()?;
                let lo = self.line(key, a.value("lo")?, nat)?;
                let hi = self.line(key, a.value("hi")?, nat)?;
                if lo > hi {
                    return fail(format!("middle_share: lo ({lo}) exceeds hi ({hi})"));
                }
                (self.below(key, hi, true, &[Term::W(Keep::All)])?[0]
                    - self.below(key, lo, true, &[Term::W(Keep::All)])?[0])
                    / n
            }
            "prosperity_gap" => {
                let (n, _, mut e) = self.positive(key, true, id)?;
                let z = a.num("z")?;
                if !(z > 0.0) {
                    return fail(format!("prosperity_gap: z must be > 0, got {z}"));
                }
                e.value = z * self.sum(key, Term::WInv)? / n;
                return Ok(e);
            }
            other => return fail(format!("{other} is not available on the range plan")),
        };
        if !value.is_finite() {
            return fail(format!("{id}: the value is not finite for these data"));
        }
        self.all(key, value)
    }
}

/// The library's view for GE(α): incomes > 0 for α ≤ 1, ≥ 0 for other
/// non-integer α, all for integer α > 1.
fn ge_keep(alpha: f64) -> Keep {
    if alpha <= 1.0 {
        Keep::Pos
    } else if alpha.fract() != 0.0 {
        Keep::NonNeg
    } else {
        Keep::All
    }
}

fn pct(a: &gongfu_measures::Args) -> R<f64> {
    let p = a.num("pct")?;
    if !(p > 0.0) {
        return fail(format!("pct must be > 0, got {p}"));
    }
    Ok(p)
}

/// The sums a measure reads (besides rows, counts, Σw and Σwx of all rows).
fn terms_of(m: &Measure, out: &mut Vec<Term>) -> Result<(), SqlError> {
    let a = m.args();
    let mut add = |t: Term| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    let positive = |add: &mut dyn FnMut(Term), k: Keep| {
        add(Term::Rows(k));
        add(Term::Count(k));
        add(Term::W(k));
        add(Term::Wx(k));
    };
    match m.id() {
        "gini" | "wolfson" => {
            add(Term::S);
            add(Term::Q);
        }
        "ge" | "theil" | "mld" => {
            let alpha = match m.id() {
                "theil" => 1.0,
                "mld" => 0.0,
                _ => a.num("alpha").unwrap_or(0.0),
            };
            let k = ge_keep(alpha);
            positive(&mut add, k);
            add(Term::Rows(Keep::NonNeg));
            ge_terms(alpha, k, &mut add);
        }
        "jdiv" => {
            positive(&mut add, Keep::Pos);
            add(Term::WLn);
            add(Term::WxLn);
        }
        "atkinson" => {
            positive(&mut add, Keep::Pos);
            let eps = a.num("eps").unwrap_or(0.0);
            ge_terms(
                if eps == 1.0 { 0.0 } else { 1.0 - eps },
                Keep::Pos,
                &mut add,
            );
        }
        "cv" | "fgt" => {
            add(Term::Wx2(Keep::All));
            if m.id() == "fgt" {
                let alpha = a.num("alpha").unwrap_or(0.0);
                if ![0.0, 1.0, 2.0].contains(&alpha) {
                    match a.get("line") {
                        Some(ParamValue::Num(z)) => add(Term::Fgt(alpha, *z)),
                        _ => {
                            return Err(SqlError::DataFusion(DataFusionError::Plan(format!(
                                "{m}: on the range plan fgt takes alpha 0, 1 or 2, or a line given as a number"
                            ))));
                        }
                    }
                }
            }
        }
        "watts" | "prosperity_gap" => {
            positive(&mut add, Keep::Pos);
            add(Term::WLn);
            add(Term::WInv);
        }
        id if RANGE_MEASURES.contains(&id) => {}
        id => {
            return Err(SqlError::DataFusion(DataFusionError::Plan(format!(
                "{id} is not available on the range plan (available: {})",
                RANGE_MEASURES.join(", ")
            ))));
        }
    }
    Ok(())
}

fn ge_terms(alpha: f64, k: Keep, add: &mut dyn FnMut(Term)) {
    if alpha == 0.0 {
        add(Term::WLn);
    } else if alpha == 1.0 {
        add(Term::WxLn);
    } else if alpha == 2.0 {
        add(Term::Wx2(k));
    } else if alpha == -1.0 {
        add(Term::WInv);
    } else {
        add(Term::WPow(alpha, k));
    }
}

/// Boundaries at quantiles of a sample of at most 20,000 incomes.
async fn boundaries(
    ctx: &SessionContext,
    cols: RangeColumns<'_>,
    ranges: usize,
) -> Result<Vec<f64>, SqlError> {
    let RangeColumns {
        table,
        income,
        weight,
        ..
    } = cols;
    let valid = format!("{income} IS NOT NULL AND {weight} IS NOT NULL");
    let count = ctx
        .sql(&format!("SELECT count(*) FROM {table} WHERE {valid}"))
        .await?
        .collect()
        .await?;
    let n = count
        .first()
        .filter(|b| b.num_rows() == 1)
        .map_or(0, |b| b.column(0).as_primitive::<Int64Type>().value(0));
    let fraction = (20_000.0 / (n.max(1) as f64)).min(1.0);
    let sample = ctx
        .sql(&format!(
            "SELECT CAST({income} AS DOUBLE) FROM {table} WHERE {valid} AND random() < {fraction:?}"
        ))
        .await?
        .collect()
        .await?;
    let mut xs: Vec<f64> = Vec::new();
    for b in &sample {
        let c = b.column(0).as_primitive::<Float64Type>();
        xs.extend(c.iter().flatten().filter(|x| x.is_finite()));
    }
    xs.sort_by(f64::total_cmp);
    let k = ranges.max(1);
    let mut bounds: Vec<f64> = (1..k)
        .filter_map(|i| xs.get(i * xs.len() / k).copied())
        .collect();
    bounds.dedup();
    Ok(bounds)
}

/// Evaluates `measures` on each group of `cols.table` (and the whole
/// table when `opts.overall`) through income ranges, exactly as the library
/// does on the same rows (differences only in the order of floating-point
/// additions), without gathering any group's rows in one place. Relative
/// lines follow the measure's `scope`: the whole table's median (national,
/// the default) or the group's. Rows with a null income, weight or group are
/// left out. With [`RangeOptions::variance`], see [`measures_by_ranges_se`].
///
/// # Errors
/// [`SqlError::DataFusion`] for the queries (unknown table or column), a
/// negative weight, or a measure the range plan does not evaluate (see
/// [`RANGE_MEASURES`]); a measure undefined on a group is an `Err` in its
/// place.
pub async fn measures_by_ranges(
    ctx: &SessionContext,
    cols: RangeColumns<'_>,
    measures: &[Measure],
    opts: RangeOptions,
) -> Result<RangeResults, SqlError> {
    Ok(measures_by_ranges_se(ctx, cols, measures, opts).await?.0)
}

/// As [`measures_by_ranges`], with design-based standard errors and
/// confidence intervals when `opts.variance` is set: the library's
/// linearisation (Woodruff's interval for quantiles) with PSU totals from
/// one more `GROUP BY group, stratum, PSU` pass (module docs of
/// `ranges::se`; docs/sql.md), and the design's summary. Rows without a PSU
/// are left out of every estimate then.
///
/// # Errors
/// As [`measures_by_ranges`]; [`SqlError::Unsupported`] for standard errors
/// without [`RangeColumns::psu`] or of a measure outside [`SE_MEASURES`];
/// [`SqlError::Design`] for a stratum with one PSU under `LonelyPsu::Fail`.
pub async fn measures_by_ranges_se(
    ctx: &SessionContext,
    cols: RangeColumns<'_>,
    measures: &[Measure],
    opts: RangeOptions,
) -> Result<(RangeResults, Option<DesignSummary>), SqlError> {
    let mut terms = vec![
        Term::Rows(Keep::All),
        Term::Count(Keep::All),
        Term::W(Keep::All),
        Term::Wx(Keep::All),
        Term::Negative,
    ];
    for m in measures {
        terms_of(m, &mut terms)?;
    }
    let design = match (opts.variance, cols.psu) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(SqlError::Unsupported(
                "standard errors need the PSU column (PSU totals by GROUP BY)".into(),
            ));
        }
        (Some(_), Some(p)) => {
            if let Some(m) = measures.iter().find(|m| !SE_MEASURES.contains(&m.id())) {
                return Err(SqlError::Unsupported(format!(
                    "standard errors of {m} (the datafusion engine has them for {})",
                    SE_MEASURES.join(", ")
                )));
            }
            // the kernel densities' bandwidths
            if !terms.contains(&Term::Wx2(Keep::All)) {
                terms.push(Term::Wx2(Keep::All));
            }
            Some((cols.strata.unwrap_or("''"), p))
        }
    };
    // with a design, every estimate is on the rows with a PSU
    let table;
    let cols = match design {
        Some((_, p)) => {
            table = format!("(SELECT * FROM {} WHERE {p} IS NOT NULL)", cols.table);
            RangeColumns {
                table: &table,
                ..cols
            }
        }
        None => cols,
    };
    let clock = Trace::start();
    let bounds = boundaries(ctx, cols, opts.ranges).await?;
    clock.step("boundaries");
    let local = !matches!(
        ctx.runtime_env().memory_pool.memory_limit(),
        MemoryLimit::Finite(_)
    );
    let plan = Plan {
        cols,
        bounds,
        terms,
        local,
    };
    let mut sums = if cols.group.is_some() {
        plan.sums(ctx, false).await?
    } else {
        BTreeMap::new()
    };
    clock.step("sums by group and range");
    if opts.overall || cols.group.is_none() || measures.iter().any(needs_whole) || design.is_some()
    {
        sums.extend(plan.sums(ctx, true).await?);
    }
    clock.step("sums by range");
    let negative = plan.terms.iter().position(|&t| t == Term::Negative);
    if sums
        .values()
        .flatten()
        .any(|s| negative.is_some_and(|i| s.v[i] > 0.0))
    {
        return Err(SqlError::DataFusion(DataFusionError::Execution(format!(
            "weights must be >= 0: {} has negative values",
            cols.weight
        ))));
    }
    let mut keys: Vec<Key> = Vec::new();
    if opts.overall || cols.group.is_none() {
        keys.push(None);
    }
    keys.extend(sums.keys().filter(|k| k.is_some()).cloned());
    let mut rows: HashMap<(Key, i64), Distribution> = HashMap::new();
    let reader = Reader {
        plan: &plan,
        sums: &sums,
        nonpositive: opts.nonpositive,
    };
    let mut out: RangeResults = Vec::new();
    reader
        .in_rounds(ctx, &mut rows, "the estimates", &clock, |eval| {
            out.clear();
            let mut done = true;
            for key in &keys {
                let mut values = Vec::with_capacity(measures.len());
                for m in measures {
                    match eval.measure(key, m) {
                        Ok(e) => values.push(Ok(e)),
                        Err(Miss::Fail(why)) => values.push(Err(why)),
                        Err(Miss::Rows) => done = false,
                    }
                }
                out.push((key.clone(), values));
            }
            done
        })
        .await?;
    let summary = match design {
        Some(_) => {
            let s = se::standard_errors(ctx, &reader, &mut rows, measures, &mut out, &opts, &clock)
                .await?;
            clock.step("standard errors");
            Some(s)
        }
        None => None,
    };
    Ok((out, summary))
}

/// Elapsed time per step on standard error when `GONGFU_RANGE_TRACE` is set
/// (for profiling the plan; silent otherwise).
struct Trace(Option<std::cell::Cell<std::time::Instant>>);

impl Trace {
    fn start() -> Trace {
        Trace(
            std::env::var_os("GONGFU_RANGE_TRACE")
                .map(|_| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    fn step(&self, what: &str) {
        if let Some(t) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!("range plan: {what}: {:.2} s", (now - t.get()).as_secs_f64());
            t.set(now);
        }
    }
}

/// True when a measure's line is relative to the whole table's median or
/// mean (its scope is national and some line or bound is relative).
fn needs_whole(m: &Measure) -> bool {
    let a = m.args();
    if a.domain_scope().unwrap_or(true) {
        return false;
    }
    matches!(m.id(), "arpr" | "rmpg" | "poormed")
        || ["line", "lo", "hi"]
            .iter()
            .any(|p| matches!(a.get(p), Some(ParamValue::Rel { .. })))
}
