//! Design-based standard errors in SQL: each row's influence value from a
//! window function, then totals by PSU within strata with `GROUP BY`
//! (docs/sql.md, "Standard errors").
//!
//! `gongfu_influence(income, weight, 'measure')` over a window partition (a
//! group) returns every row's influence value `z_i` of the measure computed on
//! the partition — the library's linearisation (Deville 1999; Osier 2009), so
//! that θ̂ − θ ≈ Σ w_i z_i. [`linearised_se`] writes the rest as SQL: PSU
//! totals `Z_hj = Σ_{i∈(h,j)} w_i z_i`, and
//! `V = Σ_h k_h/(k_h − 1) Σ_j (Z_hj − Z̄_h)²` over all `k_h` PSUs of stratum
//! `h` in the table (PSUs without rows of the group have `Z_hj = 0`: domain
//! estimation), which is `gongfu-survey`'s linearised variance.

use crate::SqlError;
use crate::udaf::floats;
use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    ColumnarValue, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use gongfu_measures::{Ctx, Distribution, Measure};
use std::sync::Arc;

/// The name of the influence window function registered by [`crate::register`].
pub const INFLUENCE: &str = "gongfu_influence";

/// `gongfu_influence(income, weight, 'measure')`: the influence values of a
/// catalogue measure (a constant call such as `'gini'` or
/// `'fgt(1,line=20000)'`) on its window partition.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct InfluenceUdwf {
    signature: Signature,
}

/// The influence window function.
pub fn influence() -> WindowUDF {
    WindowUDF::from(InfluenceUdwf {
        signature: Signature::any(3, Volatility::Immutable),
    })
}

fn plan_error(msg: String) -> DataFusionError {
    DataFusionError::Plan(format!("{INFLUENCE}: {msg}"))
}

impl WindowUDFImpl for InfluenceUdwf {
    fn name(&self) -> &str {
        INFLUENCE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let exprs = args.input_exprs();
        let Some(call) = exprs.get(2) else {
            return Err(plan_error("takes income, weight and a measure".into()));
        };
        let empty = RecordBatch::new_empty(Arc::new(Schema::empty()));
        let text = match call.evaluate(&empty) {
            Ok(ColumnarValue::Scalar(s)) => match s.try_as_str() {
                Some(Some(t)) => t.to_string(),
                _ => return Err(plan_error(format!("the measure must be a string, got {s}"))),
            },
            _ => return Err(plan_error("the measure must be a constant string".into())),
        };
        let mut measures = Measure::parse_list(&text).map_err(|e| plan_error(e.to_string()))?;
        if measures.len() != 1 {
            return Err(plan_error(format!("one measure, got {text:?}")));
        }
        Ok(Box::new(Evaluator {
            measure: measures.remove(0),
            call: text,
        }))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(args.name(), DataType::Float64, true)))
    }
}

/// Evaluates a whole partition at once.
#[derive(Debug)]
struct Evaluator {
    measure: Measure,
    call: String,
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let (x, w) = (floats(&values[0])?, floats(&values[1])?);
        // rows with a null income or weight get a null and take no part
        let valid: Vec<usize> = (0..num_rows)
            .filter(|&i| x.is_valid(i) && w.is_valid(i))
            .collect();
        let mut out: Vec<Option<f64>> = vec![None; num_rows];
        if valid.is_empty() {
            return Ok(Arc::new(Float64Array::from(out)));
        }
        let xv: Vec<f64> = valid.iter().map(|&i| x.value(i)).collect();
        let wv: Vec<f64> = valid.iter().map(|&i| w.value(i)).collect();
        let fail = |e: gongfu_measures::MeasureError| {
            DataFusionError::Execution(format!("{INFLUENCE}({}): {e}", self.call))
        };
        let d = Distribution::builder(&xv, Some(&wv))
            .keep_rows()
            .build()
            .map_err(fail)?;
        let parts = self.measure.influence(&Ctx::new(&d)).map_err(fail)?;
        let [z] = parts.as_slice() else {
            return Err(DataFusionError::Execution(format!(
                "{INFLUENCE}({}): the measure has {} values; give one",
                self.call,
                parts.len()
            )));
        };
        let rows = d.rows().unwrap_or_default();
        for (s, &row) in rows.iter().enumerate() {
            // the partition is its own whole population: a threshold's
            // influence lands on the same rows
            let whole = z.whole.as_ref().map_or(0.0, |v| v[s]);
            out[valid[row as usize]] = Some(z.domain[s] + whole);
        }
        Ok(Arc::new(Float64Array::from(out)))
    }
}

/// The table and its columns for [`linearised_se`].
#[derive(Debug, Clone, Copy)]
pub struct SeColumns<'a> {
    /// Table name.
    pub table: &'a str,
    /// Group column (`None`: the whole table).
    pub group: Option<&'a str>,
    /// Income column.
    pub income: &'a str,
    /// Weight column.
    pub weight: &'a str,
    /// Stratum column (`None`: one stratum).
    pub stratum: Option<&'a str>,
    /// PSU column (`None`: every row its own PSU) — PSUs are nested in strata.
    pub psu: Option<&'a str>,
}

/// The SQL of [`linearised_se`]: columns `grp` (when grouped), `estimate`,
/// `se`, `psus` and `strata` (the design's degrees of freedom are
/// `psus − strata`).
pub fn linearised_se_sql(c: &SeColumns<'_>, measure: &str) -> String {
    let (q, lit) = (crate::quote_ident, crate::quote_literal);
    let (income, weight, table) = (q(c.income), q(c.weight), q(c.table));
    let group = c.group.map_or("0".to_string(), q);
    let stratum = c.stratum.map_or("0".to_string(), q);
    // without PSUs every row is one
    let psu = c.psu.map_or("ROW_NUMBER() OVER ()".to_string(), q);
    let m = lit(measure);
    let estimate = measure_sql_call(measure, "x", "w");
    let grp = if c.group.is_some() {
        "e.g AS grp, "
    } else {
        ""
    };
    format!(
        "WITH base AS (\
           SELECT {group} AS g, {stratum} AS h, {psu} AS j, {income} AS x, {weight} AS w \
           FROM {table}), \
         design AS (SELECT h, COUNT(DISTINCT j) AS k FROM base GROUP BY h), \
         infl AS (\
           SELECT g, h, j, w * {INFLUENCE}(x, w, {m}) OVER (PARTITION BY g) AS wz \
           FROM base WHERE x IS NOT NULL AND w IS NOT NULL), \
         psus AS (SELECT g, h, j, SUM(wz) AS z FROM infl GROUP BY g, h, j), \
         strata AS (\
           SELECT p.g, p.h, d.k, SUM(p.z) / d.k AS mean, COUNT(*) AS present \
           FROM psus p JOIN design d ON p.h = d.h GROUP BY p.g, p.h, d.k), \
         ss AS (\
           SELECT s.g, s.k, \
             SUM((p.z - s.mean) * (p.z - s.mean)) + (s.k - s.present) * s.mean * s.mean AS ss \
           FROM psus p JOIN strata s ON p.g = s.g AND p.h = s.h \
           GROUP BY s.g, s.h, s.k, s.present, s.mean), \
         var AS (\
           SELECT g, SUM(CASE WHEN k > 1 THEN CAST(k AS DOUBLE) / (k - 1) * ss ELSE 0 END) AS v \
           FROM ss GROUP BY g), \
         est AS (SELECT g, {estimate} AS estimate FROM base GROUP BY g), \
         dims AS (SELECT SUM(k) AS psus, COUNT(*) AS strata FROM design) \
         SELECT {grp}e.estimate AS estimate, SQRT(var.v) AS se, dims.psus, dims.strata \
         FROM est e JOIN var ON e.g = var.g CROSS JOIN dims ORDER BY e.g"
    )
}

/// `name(x, w, params…)` for a catalogue call (`fgt(1,line=20000)` →
/// `fgt(x, w, 1, 20000)`): the aggregate that gives the estimate.
fn measure_sql_call(measure: &str, income: &str, weight: &str) -> String {
    let (name, args) = match measure.split_once('(') {
        Some((n, rest)) => (n.trim(), rest.trim_end_matches(')')),
        None => (measure.trim(), ""),
    };
    let mut parts = vec![income.to_string(), weight.to_string()];
    for a in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let v = a.split_once('=').map_or(a, |(_, v)| v.trim());
        parts.push(v.to_string());
    }
    format!("{name}({})", parts.join(", "))
}

/// The estimate and its linearised standard error of `measure` (a catalogue
/// call whose SQL aggregate takes its parameters in order, e.g. `gini`,
/// `fgt(1,line=20000)`), by group, from the rows of `c.table`: one row per
/// group, ordered by group.
///
/// # Errors
/// [`SqlError`] when the query fails (unknown measure, one without a
/// linearisation, a group the measure refuses).
pub async fn linearised_se(
    ctx: &SessionContext,
    c: &SeColumns<'_>,
    measure: &str,
) -> Result<Vec<RecordBatch>, SqlError> {
    crate::query(ctx, &linearised_se_sql(c, measure)).await
}

/// One `f64` column of query results, in row order (nulls as NaN).
pub fn column_values(batches: &[RecordBatch], name: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for b in batches {
        if let Some(col) = b.column_by_name(name)
            && let Ok(f) = floats(col)
        {
            out.extend(f.iter().map(|v| v.unwrap_or(f64::NAN)));
        }
    }
    out
}
