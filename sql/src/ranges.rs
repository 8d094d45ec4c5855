//! The exact Gini without gathering a group's rows in one place: rows are
//! cut into income ranges, each (group, range) is sorted and reduced where
//! DataFusion places it (a `GROUP BY` on group and range, so hash
//! repartitioning spreads the ranges), and only four sums per range come
//! back to be combined in income order (docs/sql.md, "exact measures
//! without the funnel").
//!
//! With ranges `k` in income order, `W_k = Σw`, `T_k = Σwx`,
//! `S_k = Σ w_i x_i c_i` (`c_i` the cumulative weight inside the range, row
//! `i` included) and `Q_k = Σ w²x`, and `P_k = W_1 + … + W_{k−1}`:
//! `Σ_i w_i x_i C_i = Σ_k (S_k + P_k T_k)`, so the Eurostat Gini
//! `(2 Σ w x C − Σ w²x)/(N T) − 1` is the library's.

use crate::SqlError;
use crate::udaf::{Pairs, floats};
use datafusion::arrow::array::{AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use gongfu_measures::Distribution;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The name of the per-range reduction registered by [`crate::register`].
pub const RANGE_SUMS: &str = "gongfu_range_sums";

/// `gongfu_range_sums(income, weight)`: the list `[W, T, S, Q]` of the rows
/// it aggregates (one income range of one group), sorted canonically.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RangeSums {
    signature: Signature,
}

/// The per-range reduction as an aggregate function.
pub fn range_sums() -> AggregateUDF {
    AggregateUDF::from(RangeSums {
        signature: Signature::uniform(2, vec![DataType::Float64], Volatility::Immutable),
    })
}

impl AggregateUDFImpl for RangeSums {
    fn name(&self) -> &str {
        RANGE_SUMS
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Float64,
            false,
        ))))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Sums(Pairs::new(RANGE_SUMS))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(Pairs::state_fields(args.name))
    }
}

/// The rows of one range, reduced to `[W, T, S, Q]` at the end.
#[derive(Debug)]
struct Sums(Pairs);

impl Accumulator for Sums {
    fn update_batch(&mut self, values: &[datafusion::arrow::array::ArrayRef]) -> Result<()> {
        self.0.update_batch(values)
    }

    fn merge_batch(&mut self, states: &[datafusion::arrow::array::ArrayRef]) -> Result<()> {
        self.0.merge_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (x, w) = self.0.pairs();
        let sums = if x.is_empty() {
            [0.0; 4]
        } else {
            let d = Distribution::new(x, Some(w))
                .map_err(|e| DataFusionError::Execution(format!("{RANGE_SUMS}: {e}")))?;
            let v = d.view();
            let (xs, ws) = (d.values(), d.weights());
            let (mut s, mut q) = (0.0, 0.0);
            for i in 0..xs.len() {
                let wx = ws[i] * xs[i];
                s += wx * v.c(i);
                q += wx * ws[i];
            }
            [d.total_weight(), d.total(), s, q]
        };
        Ok(Pairs::list(&sums))
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

/// The table and its group, income and weight columns.
pub type RangeColumns<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The income ranges of one table: the `CASE` expression giving a row's
/// range and the filter of usable rows.
struct Plan {
    range: String,
    valid: String,
}

impl Plan {
    /// Boundaries at quantiles of a sample of at most 20,000 incomes.
    async fn new(
        ctx: &SessionContext,
        (table, group, income, weight): RangeColumns<'_>,
        ranges: usize,
    ) -> Result<Plan, SqlError> {
        let valid =
            format!("{income} IS NOT NULL AND {weight} IS NOT NULL AND {group} IS NOT NULL");
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
            xs.extend(b.column(0).as_primitive::<Float64Type>().iter().flatten());
        }
        xs.sort_by(f64::total_cmp);
        let k = ranges.max(1);
        let mut bounds: Vec<f64> = (1..k)
            .filter_map(|i| xs.get(i * xs.len() / k).copied())
            .collect();
        bounds.dedup();
        let range = if bounds.is_empty() {
            "0".to_string()
        } else {
            let arms: String = bounds
                .iter()
                .enumerate()
                .map(|(k, b)| format!(" WHEN {income} < {b:?} THEN {k}"))
                .collect();
            format!("CASE{arms} ELSE {} END", bounds.len())
        };
        Ok(Plan { range, valid })
    }

    /// `[W, T, S, Q]` of every (group, range), each reduced where DataFusion
    /// places it; per group, the ranges in income order.
    async fn sums(
        &self,
        ctx: &SessionContext,
        (table, group, income, weight): RangeColumns<'_>,
    ) -> Result<BTreeMap<String, Vec<(i64, [f64; 4])>>, SqlError> {
        let Plan { range, valid } = self;
        let sums = ctx
            .sql(&format!(
                "SELECT CAST({group} AS VARCHAR) AS g, {range} AS r, {RANGE_SUMS}({income}, {weight}) AS s \
                 FROM {table} WHERE {valid} GROUP BY 1, 2"
            ))
            .await?
            .collect()
            .await?;
        let mut by: BTreeMap<String, Vec<(i64, [f64; 4])>> = BTreeMap::new();
        for b in &sums {
            let g = cast(b.column(0), &DataType::Utf8).map_err(DataFusionError::from)?;
            let g = g.as_string::<i32>();
            let r = cast(b.column(1), &DataType::Int64).map_err(DataFusionError::from)?;
            let r = r.as_primitive::<Int64Type>();
            let s = b.column(2).as_list::<i32>();
            for i in 0..b.num_rows() {
                let v = floats(&s.value(i))?;
                let v: &Float64Array = &v;
                let sums = [v.value(0), v.value(1), v.value(2), v.value(3)];
                by.entry(g.value(i).to_string())
                    .or_default()
                    .push((r.value(i), sums));
            }
        }
        for parts in by.values_mut() {
            parts.sort_by_key(|p| p.0);
        }
        Ok(by)
    }

    /// The sorted incomes and weights of one (group, range).
    async fn rows(
        &self,
        ctx: &SessionContext,
        (table, group, income, weight): RangeColumns<'_>,
        g: &str,
        r: i64,
    ) -> Result<Distribution, SqlError> {
        let Plan { range, valid } = self;
        let g = g.replace('\'', "''");
        let batches = ctx
            .sql(&format!(
                "SELECT CAST({income} AS DOUBLE), CAST({weight} AS DOUBLE) FROM {table} \
                 WHERE {valid} AND CAST({group} AS VARCHAR) = '{g}' AND {range} = {r}"
            ))
            .await?
            .collect()
            .await?;
        let (mut x, mut w) = (Vec::new(), Vec::new());
        for b in &batches {
            x.extend(b.column(0).as_primitive::<Float64Type>().iter().flatten());
            w.extend(b.column(1).as_primitive::<Float64Type>().iter().flatten());
        }
        Distribution::new(&x, Some(&w))
            .map_err(|e| SqlError::DataFusion(DataFusionError::Execution(e.to_string())))
    }
}

/// The Eurostat Gini of `income` weighted by `weight` for each value of
/// `group` in `table`, through about `ranges` income ranges (boundaries at
/// quantiles of a sample of at most 20,000 incomes). Rows with a null
/// income, weight or group are left out.
///
/// # Errors
/// [`SqlError::DataFusion`] for the queries (unknown table or column, a
/// negative weight…).
pub async fn gini_by_ranges(
    ctx: &SessionContext,
    cols: RangeColumns<'_>,
    ranges: usize,
) -> Result<BTreeMap<String, f64>, SqlError> {
    let plan = Plan::new(ctx, cols, ranges).await?;
    let by = plan.sums(ctx, cols).await?;
    Ok(by
        .into_iter()
        .map(|(g, parts)| {
            let (mut p, mut n, mut t, mut a, mut q) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (_, [wk, tk, sk, qk]) in parts {
                a += sk + p * tk;
                q += qk;
                n += wk;
                t += tk;
                p += wk;
            }
            (g, (2.0 * a - q) / (n * t) - 1.0)
        })
        .collect())
}

/// The weighted quantile of order `p` under the Eurostat rule (the
/// library's default) for each value of `group`, through income ranges: the
/// range holding the quantile is found from the ranges' weights, and only
/// that range's rows are read back and sorted; when the quantile falls
/// exactly on the range's last row, the next income is the smallest of the
/// next ranges. Rows with a null income, weight or group are left out.
///
/// # Errors
/// As [`gini_by_ranges`]; `p` outside [0, 1].
pub async fn quantile_by_ranges(
    ctx: &SessionContext,
    cols: RangeColumns<'_>,
    p: f64,
    ranges: usize,
) -> Result<BTreeMap<String, f64>, SqlError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(SqlError::DataFusion(DataFusionError::Plan(format!(
            "quantile: p must be in [0, 1], got {p}"
        ))));
    }
    let plan = Plan::new(ctx, cols, ranges).await?;
    let by = plan.sums(ctx, cols).await?;
    let mut out = BTreeMap::new();
    for (g, parts) in by {
        let n: f64 = parts.iter().map(|(_, s)| s[0]).sum();
        // the first range whose cumulative weight reaches p·N (p = 0: the
        // first range, p = 1: the last)
        let mut before = 0.0;
        let mut at = parts.len() - 1;
        for (k, (_, s)) in parts.iter().enumerate() {
            if p > 0.0 && p < 1.0 && (before + s[0]) / n >= p {
                at = k;
                break;
            }
            if p == 0.0 {
                at = 0;
                break;
            }
            before += s[0];
        }
        if p == 1.0 {
            before = n - parts[at].1[0];
        }
        let d = plan.rows(ctx, cols, &g, parts[at].0).await?;
        let (x, v) = (d.values(), d.view());
        let value = if p == 0.0 {
            x[0]
        } else if p == 1.0 {
            x[x.len() - 1]
        } else {
            // first row whose global cumulative weight reaches p·N
            let j = (0..x.len())
                .find(|&j| (before + v.c(j)) / n >= p)
                .unwrap_or(x.len() - 1);
            if (before + v.c(j)) / n == p {
                if j + 1 < x.len() {
                    (x[j] + x[j + 1]) / 2.0
                } else if let Some((r, _)) = parts.get(at + 1) {
                    let next = plan.rows(ctx, cols, &g, *r).await?;
                    (x[j] + next.values()[0]) / 2.0
                } else {
                    x[j]
                }
            } else {
                x[j]
            }
        };
        out.insert(g, value);
    }
    Ok(out)
}
