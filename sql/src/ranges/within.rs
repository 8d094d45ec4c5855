//! `gongfu_range_s(x, w)`: the Gini's order-dependent sum of a (group,
//! range), `S = Σ_i w_i x_i c_i` with the rows in income order and `c_i`
//! the cumulative weight up to and including row `i`, as an aggregate that
//! sorts the rows of each group locally when it is evaluated. With the
//! range plan's `GROUP BY group, range` each group is one range of one
//! group (about rows / K of them), so no operator sorts the whole table.
//!
//! The state of a group is its (x, w) pairs, two lists when partial states
//! travel (between partitions, to disk when the aggregate spills, between
//! Ballista executors); a native groups accumulator keeps them per group
//! without a per-row call. Ties: `S` does not depend on the order of equal
//! incomes (docs/sql.md), so an unstable sort is exact.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use std::sync::Arc;

use crate::udaf::{Pairs, floats};

/// The name of the local Gini sum registered by [`crate::register`].
pub const RANGE_S: &str = "gongfu_range_s";

/// `gongfu_range_s(x, w)` (module docs).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RangeS {
    signature: Signature,
}

/// The local Gini sum as an aggregate UDF.
pub fn range_s() -> AggregateUDF {
    AggregateUDF::from(RangeS {
        signature: Signature::exact(
            vec![DataType::Float64, DataType::Float64],
            Volatility::Immutable,
        ),
    })
}

/// `Σ w x c` of pairs sorted here (`c` inclusive cumulative weight).
fn local_s(pairs: &mut [(f64, f64)]) -> f64 {
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let (mut c, mut s) = (0.0, 0.0);
    for &(x, w) in pairs.iter() {
        c += w;
        s += w * x * c;
    }
    s
}

impl AggregateUDFImpl for RangeS {
    fn name(&self) -> &str {
        RANGE_S
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SAcc(Pairs::new(RANGE_S))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(Pairs::state_fields(args.name))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SGroups::default()))
    }
}

/// One group's accumulator (used where DataFusion does not group).
#[derive(Debug)]
struct SAcc(Pairs);

impl Accumulator for SAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.update_batch(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.0.merge_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (x, w) = self.0.pairs();
        let mut pairs: Vec<(f64, f64)> = x.iter().copied().zip(w.iter().copied()).collect();
        Ok(ScalarValue::Float64(Some(local_s(&mut pairs))))
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

/// The pairs of every group, by group index.
#[derive(Debug, Default)]
struct SGroups {
    groups: Vec<Vec<(f64, f64)>>,
    /// Pairs the groups' vectors have room for, for the memory pool.
    room: usize,
}

impl SGroups {
    fn grow(&mut self, total: usize) {
        if self.groups.len() < total {
            self.groups.resize_with(total, Vec::new);
        }
    }

    fn push(&mut self, g: usize, x: f64, w: f64) {
        let v = &mut self.groups[g];
        let before = v.capacity();
        v.push((x, w));
        self.room += v.capacity() - before;
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Vec<(f64, f64)>> {
        let out = emit_to.take_needed(&mut self.groups);
        self.room -= out.iter().map(Vec::capacity).sum::<usize>();
        out
    }
}

fn keep(filter: Option<&BooleanArray>, i: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(i) && f.value(i))
}

/// The state columns: the incomes and the weights as two list arrays
/// sharing `offsets` (group `i`'s pairs at `offsets[i]..offsets[i + 1]`).
fn lists(offsets: Vec<i32>, xs: Vec<f64>, ws: Vec<f64>) -> Vec<ArrayRef> {
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    let column = |v: Vec<f64>| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(DataType::Float64, false)),
            offsets.clone(),
            Arc::new(Float64Array::new(ScalarBuffer::from(v), None)),
            None,
        ))
    };
    vec![column(xs), column(ws)]
}

impl GroupsAccumulator for SGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let (x, w) = (floats(&values[0])?, floats(&values[1])?);
        for (i, &g) in group_indices.iter().enumerate() {
            if keep(opt_filter, i) && x.is_valid(i) && w.is_valid(i) {
                self.push(g, x.value(i), w.value(i));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = self.take(emit_to);
        let out: Float64Array = groups
            .into_iter()
            .map(|mut g| Some(local_s(&mut g)))
            .collect();
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = self.take(emit_to);
        let n = groups.iter().map(Vec::len).sum();
        let mut offsets = Vec::with_capacity(groups.len() + 1);
        offsets.push(0i32);
        let (mut xs, mut ws) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for g in &groups {
            xs.extend(g.iter().map(|p| p.0));
            ws.extend(g.iter().map(|p| p.1));
            offsets.push(xs.len() as i32);
        }
        Ok(lists(offsets, xs, ws))
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let (xs, ws) = (values[0].as_list::<i32>(), values[1].as_list::<i32>());
        for (i, &g) in group_indices.iter().enumerate() {
            if xs.is_null(i) || ws.is_null(i) {
                continue;
            }
            let (x, w) = (floats(&xs.value(i))?, floats(&ws.value(i))?);
            for j in 0..x.len().min(w.len()) {
                if x.is_valid(j) && w.is_valid(j) {
                    self.push(g, x.value(j), w.value(j));
                }
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // each row its own group: a one-pair state, or an empty one
        let (x, w) = (floats(&values[0])?, floats(&values[1])?);
        let mut offsets = Vec::with_capacity(x.len() + 1);
        offsets.push(0i32);
        let (mut xs, mut ws) = (Vec::with_capacity(x.len()), Vec::with_capacity(x.len()));
        for i in 0..x.len() {
            if keep(opt_filter, i) && x.is_valid(i) && w.is_valid(i) {
                xs.push(x.value(i));
                ws.push(w.value(i));
            }
            offsets.push(xs.len() as i32);
        }
        Ok(lists(offsets, xs, ws))
    }

    fn size(&self) -> usize {
        self.room * std::mem::size_of::<(f64, f64)>()
            + self.groups.capacity() * std::mem::size_of::<Vec<(f64, f64)>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows that skip the partial aggregation (DataFusion's
    /// `convert_to_state`, when grouping does not reduce the rows) reach
    /// the same sums as rows aggregated directly, filter and nulls alike.
    #[test]
    fn rows_passed_on_as_states_give_the_direct_sums() {
        let x: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(3.0),
            Some(1.0),
            None,
            Some(2.0),
            Some(5.0),
            Some(4.0),
        ]));
        let w: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(2.0),
            Some(1.0),
            None,
            Some(0.5),
            Some(3.0),
        ]));
        let filter = BooleanArray::from(vec![true, true, true, true, false, true]);
        let groups = [0, 1, 0, 1, 0, 1];
        let mut direct = SGroups::default();
        direct
            .update_batch(&[x.clone(), w.clone()], &groups, Some(&filter), 2)
            .expect("update");
        let states = direct
            .convert_to_state(&[x, w], Some(&filter))
            .expect("states");
        assert_eq!(states[0].len(), 6, "one state per row");
        let mut merged = SGroups::default();
        merged.merge_batch(&states, &groups, 2).expect("merge");
        let (a, b) = (
            direct.evaluate(EmitTo::All).expect("direct"),
            merged.evaluate(EmitTo::All).expect("merged"),
        );
        let (a, b) = (
            a.as_primitive::<datafusion::arrow::datatypes::Float64Type>(),
            b.as_primitive::<datafusion::arrow::datatypes::Float64Type>(),
        );
        // group 0: only (3, 1) passes: 3·1·1; group 1: (1, 2), (4, 3):
        // 1·2·2 + 4·3·5
        assert_eq!(a.values().to_vec(), vec![3.0, 64.0]);
        assert_eq!(b.values().to_vec(), a.values().to_vec());
    }
}
