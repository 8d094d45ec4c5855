//! The catalogue's measures as DataFusion aggregate functions.
//!
//! Every function takes the income and the weight column, then its constant
//! parameters: `gini(income, weight)`, `quantile(income, weight, p)`,
//! `fgt(income, weight, alpha, line)`. The accumulator keeps the group's
//! (income, weight) pairs; partial states are lists of both and merge by
//! concatenation, and the final evaluation builds the group's sorted
//! distribution and evaluates the measure exactly as `gongfu-measures` does.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Signature, Volatility,
};
use gongfu_measures::{Ctx, Distribution, Measure};
use std::sync::Arc;

/// The catalogue call of a measure for the values of its SQL parameters.
type Call = fn(&[f64]) -> String;

/// One function: SQL name, parameter names (after income and weight), call.
struct Entry {
    name: &'static str,
    params: &'static [&'static str],
    call: Call,
}

/// The functions, in the catalogue's order.
fn catalogue() -> Vec<Entry> {
    fn e(name: &'static str, params: &'static [&'static str], call: Call) -> Entry {
        Entry { name, params, call }
    }
    vec![
        e("population", &[], |_| "population".into()),
        e("total", &[], |_| "total".into()),
        e("mean", &[], |_| "mean".into()),
        e("quantile", &["p"], |p| format!("quantile({})", p[0])),
        e("median", &[], |_| "median".into()),
        e("lorenz", &["p"], |p| format!("lorenz({})", p[0])),
        e("share", &["a", "b"], |p| {
            format!("share({},{})", p[0], p[1])
        }),
        e("top_share", &["f"], |p| format!("top_share(f={})", p[0])),
        e("bottom_share", &["f"], |p| {
            format!("bottom_share(f={})", p[0])
        }),
        e("bottom40_mean", &[], |_| "bottom40_mean".into()),
        e("gini", &[], |_| "gini".into()),
        e("ge", &["alpha"], |p| format!("ge({})", p[0])),
        e("theil", &[], |_| "theil".into()),
        e("mld", &[], |_| "mld".into()),
        e("atkinson", &["eps"], |p| format!("atkinson({})", p[0])),
        e("cv", &[], |_| "cv".into()),
        e("palma", &[], |_| "palma".into()),
        e("qsr", &[], |_| "qsr".into()),
        e("p90p10", &[], |_| "p90p10".into()),
        e("p80p20", &[], |_| "p80p20".into()),
        e("jdiv", &[], |_| "jdiv".into()),
        e("wolfson", &[], |_| "wolfson".into()),
        e("arpt", &[], |_| "arpt".into()),
        e("arpr", &[], |_| "arpr".into()),
        e("rmpg", &[], |_| "rmpg".into()),
        e("poormed", &[], |_| "poormed".into()),
        e("fgt", &["alpha", "line"], |p| {
            format!("fgt({},line={})", p[0], p[1])
        }),
        e("watts", &["line"], |p| format!("watts(line={})", p[0])),
        e("middle_share", &["lo", "hi"], |p| {
            format!("middle_share(lo={},hi={})", p[0], p[1])
        }),
        e("prosperity_gap", &["z"], |p| {
            format!("prosperity_gap({})", p[0])
        }),
    ]
}

/// A catalogue measure as an aggregate UDF: `name(income, weight, params…)`.
#[derive(Debug)]
pub struct MeasureUdaf {
    name: &'static str,
    params: &'static [&'static str],
    call: Call,
    signature: Signature,
}

// the name decides the call: functions are equal when name, parameters and
// signature are (function pointers have no meaningful equality)
impl PartialEq for MeasureUdaf {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name && self.params == o.params && self.signature == o.signature
    }
}

impl Eq for MeasureUdaf {}

impl std::hash::Hash for MeasureUdaf {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.name.hash(h);
        self.params.hash(h);
        self.signature.hash(h);
    }
}

impl MeasureUdaf {
    /// The SQL signature, e.g. `fgt(income, weight, alpha, line)`.
    pub fn usage(&self) -> String {
        let mut args = vec!["income", "weight"];
        args.extend(self.params);
        format!("{}({})", self.name, args.join(", "))
    }
}

/// The functions' SQL signatures (`gini(income, weight)`), in catalogue order.
pub fn functions() -> Vec<String> {
    catalogue()
        .iter()
        .map(|e| {
            let mut args = vec!["income", "weight"];
            args.extend(e.params);
            format!("{}({})", e.name, args.join(", "))
        })
        .collect()
}

/// Every catalogue measure that yields one value, as an aggregate function.
pub fn udafs() -> Vec<AggregateUDF> {
    catalogue()
        .into_iter()
        .map(|e| {
            AggregateUDF::from(MeasureUdaf {
                name: e.name,
                params: e.params,
                call: e.call,
                // income, weight and parameters, each coerced to Float64
                signature: Signature::uniform(
                    2 + e.params.len(),
                    vec![DataType::Float64],
                    Volatility::Immutable,
                ),
            })
        })
        .collect()
}

fn plan_error(msg: String) -> DataFusionError {
    DataFusionError::Plan(msg)
}

impl AggregateUDFImpl for MeasureUdaf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        // the parameters must be constants: evaluate them once
        let empty = RecordBatch::new_empty(Arc::new(args.schema.clone()));
        let mut values = Vec::with_capacity(self.params.len());
        for (k, (name, expr)) in self.params.iter().zip(&args.exprs[2..]).enumerate() {
            let v = match expr.evaluate(&empty)? {
                ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Float64)? {
                    ScalarValue::Float64(Some(v)) => v,
                    other => {
                        return Err(plan_error(format!(
                            "{}: parameter {name} (argument {}) must be a number, got {other}",
                            self.usage(),
                            k + 3
                        )));
                    }
                },
                ColumnarValue::Array(_) => {
                    return Err(plan_error(format!(
                        "{}: parameter {name} (argument {}) must be a constant, not a column",
                        self.usage(),
                        k + 3
                    )));
                }
            };
            values.push(v);
        }
        let call = (self.call)(&values);
        let measure = Measure::parse_list(&call)
            .map_err(|e| plan_error(format!("{}: {e}", self.usage())))?
            .pop()
            .ok_or_else(|| plan_error(format!("{}: no measure", self.usage())))?;
        Ok(Box::new(MeasureAcc {
            pairs: Pairs::new(self.name),
            measure,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(Pairs::state_fields(args.name))
    }
}

/// The incomes and weights an aggregate has seen (rows with a null in
/// either are left out, as SQL aggregates leave out nulls); its partial
/// state is the two lists.
#[derive(Debug)]
pub(crate) struct Pairs {
    name: &'static str,
    x: Vec<f64>,
    w: Vec<f64>,
}

/// A Float64 view of an argument array (cast when it is not Float64).
pub(crate) fn floats(a: &ArrayRef) -> Result<Float64Array> {
    let a = cast(a, &DataType::Float64)?;
    Ok(a.as_primitive::<Float64Type>().clone())
}

impl Pairs {
    pub(crate) fn new(name: &'static str) -> Pairs {
        Pairs {
            name,
            x: Vec::new(),
            w: Vec::new(),
        }
    }

    /// The state's fields: the incomes and the weights, as lists.
    pub(crate) fn state_fields(name: &str) -> Vec<FieldRef> {
        let list = |what: &str| -> FieldRef {
            Arc::new(Field::new(
                format_state_name(name, what),
                DataType::List(Arc::new(Field::new_list_field(DataType::Float64, false))),
                true,
            ))
        };
        vec![list("incomes"), list("weights")]
    }

    /// The incomes and weights seen.
    pub(crate) fn pairs(&self) -> (&[f64], &[f64]) {
        (&self.x, &self.w)
    }

    fn push(&mut self, x: &Float64Array, w: &Float64Array) {
        if x.null_count() == 0 && w.null_count() == 0 {
            self.x.extend_from_slice(x.values());
            self.w.extend_from_slice(w.values());
            return;
        }
        for (x, w) in x.iter().zip(w.iter()) {
            if let (Some(x), Some(w)) = (x, w) {
                self.x.push(x);
                self.w.push(w);
            }
        }
    }

    /// A one-row list scalar of `values`.
    pub(crate) fn list(values: &[f64]) -> ScalarValue {
        let inner = Float64Array::new(ScalarBuffer::from(values.to_vec()), None);
        let offsets = OffsetBuffer::new(ScalarBuffer::from(vec![0i32, values.len() as i32]));
        let list = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Float64, false)),
            offsets,
            Arc::new(inner),
            None,
        );
        ScalarValue::List(Arc::new(list))
    }

    pub(crate) fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (x, w) = (floats(&values[0])?, floats(&values[1])?);
        self.push(&x, &w);
        Ok(())
    }

    pub(crate) fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (xs, ws) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for (x, w) in xs.iter().zip(ws.iter()) {
            if let (Some(x), Some(w)) = (x, w) {
                self.push(&floats(&x)?, &floats(&w)?);
            }
        }
        Ok(())
    }

    pub(crate) fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let state = vec![Pairs::list(&self.x), Pairs::list(&self.w)];
        self.x = Vec::new();
        self.w = Vec::new();
        Ok(state)
    }

    pub(crate) fn size(&self) -> usize {
        std::mem::size_of_val(self) + 8 * (self.x.capacity() + self.w.capacity())
    }
}

/// The accumulator of a catalogue measure: the pairs, evaluated at the end.
#[derive(Debug)]
struct MeasureAcc {
    pairs: Pairs,
    measure: Measure,
}

impl Accumulator for MeasureAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.pairs.update_batch(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.pairs.merge_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.pairs.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (x, w) = self.pairs.pairs();
        if x.is_empty() {
            return Ok(ScalarValue::Float64(None));
        }
        let name = self.pairs.name;
        let fail =
            |e: gongfu_measures::MeasureError| DataFusionError::Execution(format!("{name}: {e}"));
        let d = Distribution::new(x, Some(w)).map_err(fail)?;
        let v = self.measure.value(&Ctx::new(&d)).map_err(fail)?;
        Ok(ScalarValue::Float64(Some(v)))
    }

    fn size(&self) -> usize {
        self.pairs.size()
    }
}
