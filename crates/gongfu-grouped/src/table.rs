//! A validated grouped table: population and income shares of groups ordered
//! poorest first, and the overall mean.

use crate::error::{GroupedError, Result};

/// The least number of groups: each curve has three parameters, fitted to the
/// points of the empirical Lorenz curve other than (1, 1).
pub const MIN_GROUPS: usize = 4;

/// Shares may sum to 1 or to 100 (percentages) within this relative tolerance;
/// within it they are rescaled to sum exactly to 1 (and the rescaling noted).
pub const SHARE_TOLERANCE: f64 = 1e-3;

/// How the income of the groups is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Income<'a> {
    /// Each group's share of total income (fractions or percentages).
    Shares(&'a [f64]),
    /// Each group's mean income.
    Means(&'a [f64]),
}

/// Grouped data ready to fit: group shares, the empirical Lorenz curve and the mean.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedTable {
    pop: Vec<f64>,
    income: Vec<f64>,
    p: Vec<f64>,
    l: Vec<f64>,
    mean: f64,
    notes: Vec<String>,
}

fn value_err(column: &str, row: usize, message: impl Into<String>) -> GroupedError {
    GroupedError::Value {
        column: column.to_string(),
        row,
        message: message.into(),
    }
}

/// Checks that shares sum to 1 or 100 within the tolerance and rescales them to 1.
fn normalise(column: &str, v: &[f64], notes: &mut Vec<String>) -> Result<Vec<f64>> {
    let sum: f64 = v.iter().sum();
    let target = if (sum - 1.0).abs() <= SHARE_TOLERANCE {
        1.0
    } else if (sum - 100.0).abs() <= 100.0 * SHARE_TOLERANCE {
        100.0
    } else {
        return Err(GroupedError::Table(format!(
            "column {column:?} sums to {sum}, not 1 (or 100 for percentages) within {SHARE_TOLERANCE} relative"
        )));
    };
    if (sum - target).abs() > 1e-9 * target {
        notes.push(format!(
            "{column} summed to {sum}; rescaled to sum to {target}"
        ));
    }
    Ok(v.iter().map(|x| x / sum).collect())
}

fn check_values(column: &str, v: &[f64], allow_zero: bool) -> Result<()> {
    for (i, &x) in v.iter().enumerate() {
        if !x.is_finite() {
            return Err(value_err(
                column,
                i + 1,
                format!("{x} is not a finite number"),
            ));
        }
        if x < 0.0 || (!allow_zero && x == 0.0) {
            let want = if allow_zero { "≥ 0" } else { "> 0" };
            return Err(value_err(column, i + 1, format!("{x} must be {want}")));
        }
    }
    Ok(())
}

/// Group means (or any quantity proportional to them) must not decrease.
fn check_order(column: &str, means: &[f64]) -> Result<()> {
    for i in 1..means.len() {
        if means[i] < means[i - 1] * (1.0 - 1e-12) {
            return Err(value_err(
                column,
                i + 1,
                format!(
                    "group mean {} is below the previous group's {}: groups must be ordered poorest first",
                    means[i],
                    means[i - 1]
                ),
            ));
        }
    }
    Ok(())
}

impl GroupedTable {
    /// A table from the groups' population shares and incomes, poorest first.
    ///
    /// With group means the overall mean is their population-weighted mean
    /// unless `mean` is given (then `mean` is used and the difference, if any,
    /// noted). Income shares need `mean`.
    ///
    /// # Errors
    /// [`GroupedError::Value`] naming the column and group for a negative,
    /// non-finite or out-of-order value (and a zero population share);
    /// [`GroupedError::Table`] for fewer than [`MIN_GROUPS`] groups, shares
    /// that do not sum to 1 (or 100), equal means everywhere, a missing or
    /// non-positive mean.
    pub fn new(pop_shares: &[f64], income: Income<'_>, mean: Option<f64>) -> Result<Self> {
        let k = pop_shares.len();
        let (icol, ivals) = match income {
            Income::Shares(s) => ("income_share", s),
            Income::Means(m) => ("mean", m),
        };
        if ivals.len() != k {
            return Err(GroupedError::Table(format!(
                "pop_share has {k} groups but {icol} has {}",
                ivals.len()
            )));
        }
        if k < MIN_GROUPS {
            return Err(GroupedError::Table(format!(
                "{k} group(s): a Lorenz fit needs at least {MIN_GROUPS} groups (three parameters, fitted to the points other than (1, 1))"
            )));
        }
        check_values("pop_share", pop_shares, false)?;
        check_values(icol, ivals, true)?;
        let mut notes = Vec::new();
        let pop = normalise("pop_share", pop_shares, &mut notes)?;
        let (income, mean) = match income {
            Income::Shares(s) => {
                let income = normalise("income_share", s, &mut notes)?;
                let implied: Vec<f64> = income.iter().zip(&pop).map(|(r, s)| r / s).collect();
                check_order("income_share", &implied)?;
                let mean = mean.ok_or_else(|| {
                    GroupedError::Table(
                        "income shares need the overall mean (give it, or give group means instead)"
                            .into(),
                    )
                })?;
                (income, mean)
            }
            Income::Means(m) => {
                check_order("mean", m)?;
                let total: f64 = m.iter().zip(&pop).map(|(m, s)| m * s).sum();
                if !(total > 0.0) {
                    return Err(GroupedError::Table(
                        "every group mean is 0: no income to distribute".into(),
                    ));
                }
                let income: Vec<f64> = m.iter().zip(&pop).map(|(m, s)| m * s / total).collect();
                let mean = match mean {
                    Some(given) => {
                        if (given - total).abs() > 1e-9 * total {
                            notes.push(format!(
                                "the mean given ({given}) differs from the population-weighted mean of the group means ({total}); the mean given is used"
                            ));
                        }
                        given
                    }
                    None => total,
                };
                (income, mean)
            }
        };
        if !(mean.is_finite() && mean > 0.0) {
            return Err(GroupedError::Table(format!(
                "the overall mean must be a positive number, got {mean}"
            )));
        }
        Self::assemble(pop, income, mean, notes)
    }

    /// A table from points of the empirical Lorenz curve (cumulative
    /// population and income shares, poorest first, ending at (1, 1)).
    ///
    /// # Errors
    /// As [`GroupedTable::new`]; the cumulative shares must increase (income
    /// shares not decrease) and end at 1 within [`SHARE_TOLERANCE`].
    pub fn from_lorenz(cum_pop: &[f64], cum_income: &[f64], mean: f64) -> Result<Self> {
        if cum_pop.len() != cum_income.len() {
            return Err(GroupedError::Table(format!(
                "{} cumulative population shares but {} cumulative income shares",
                cum_pop.len(),
                cum_income.len()
            )));
        }
        let diff = |v: &[f64]| -> Vec<f64> {
            let mut prev = 0.0;
            v.iter()
                .map(|&x| {
                    let d = x - prev;
                    prev = x;
                    d
                })
                .collect()
        };
        let (pop, inc) = (diff(cum_pop), diff(cum_income));
        Self::new(&pop, Income::Shares(&inc), Some(mean))
    }

    fn assemble(pop: Vec<f64>, income: Vec<f64>, mean: f64, notes: Vec<String>) -> Result<Self> {
        let k = pop.len();
        let mut p = Vec::with_capacity(k);
        let mut l = Vec::with_capacity(k);
        let (mut cp, mut cl) = (0.0, 0.0);
        for i in 0..k {
            cp += pop[i];
            cl += income[i];
            p.push(cp);
            l.push(cl);
        }
        // the last point is (1, 1) exactly
        p[k - 1] = 1.0;
        l[k - 1] = 1.0;
        if pop
            .iter()
            .zip(&income)
            .all(|(s, r)| (r / s - income[0] / pop[0]).abs() <= 1e-12 * (r / s))
        {
            return Err(GroupedError::Table(
                "every group has the same mean income: perfect equality, no Lorenz curve to fit"
                    .into(),
            ));
        }
        Ok(GroupedTable {
            pop,
            income,
            p,
            l,
            mean,
            notes,
        })
    }

    /// The number of groups.
    pub fn groups(&self) -> usize {
        self.pop.len()
    }

    /// The overall mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Cumulative population shares, ending at 1.
    pub fn cum_pop(&self) -> &[f64] {
        &self.p
    }

    /// Cumulative income shares (the empirical Lorenz ordinates), ending at 1.
    pub fn cum_income(&self) -> &[f64] {
        &self.l
    }

    /// Population shares of the groups (summing to 1).
    pub fn pop_shares(&self) -> &[f64] {
        &self.pop
    }

    /// Income shares of the groups (summing to 1).
    pub fn income_shares(&self) -> &[f64] {
        &self.income
    }

    /// What was adjusted on the way (rescaled shares, a mean that differs from
    /// the group means).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_give_shares_and_mean() {
        let t = GroupedTable::new(
            &[0.2; 5],
            Income::Means(&[10.0, 20.0, 30.0, 40.0, 100.0]),
            None,
        )
        .unwrap();
        assert_eq!(t.groups(), 5);
        assert!((t.mean() - 40.0).abs() < 1e-12);
        assert!((t.cum_income()[0] - 0.05).abs() < 1e-15);
        assert!((t.cum_income()[3] - 0.5).abs() < 1e-15);
        assert_eq!(t.cum_pop()[4], 1.0);
        assert!(t.notes().is_empty());
    }

    #[test]
    fn percentages_and_near_sums_are_rescaled_with_a_note() {
        let t = GroupedTable::new(
            &[20.0, 20.0, 20.0, 20.0, 20.01],
            Income::Shares(&[5.0, 10.0, 15.0, 25.0, 45.0]),
            Some(100.0),
        )
        .unwrap();
        assert!((t.cum_pop()[0] - 20.0 / 100.01).abs() < 1e-15);
        assert_eq!(t.notes().len(), 1, "{:?}", t.notes());
        assert!(t.notes()[0].contains("pop_share summed to 100.01"));
    }

    #[test]
    fn bad_tables_name_column_and_row() {
        let e = GroupedTable::new(
            &[0.2; 5],
            Income::Means(&[10.0, 20.0, 15.0, 40.0, 50.0]),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&e, GroupedError::Value { column, row: 3, .. } if column == "mean"),
            "{e}"
        );
        let e = GroupedTable::new(
            &[0.2, 0.2, -0.2, 0.4, 0.4],
            Income::Means(&[1.0, 2.0, 3.0, 4.0, 5.0]),
            None,
        )
        .unwrap_err();
        assert!(matches!(&e, GroupedError::Value { column, row: 3, .. } if column == "pop_share"));
        let e = GroupedTable::new(
            &[0.2; 5],
            Income::Shares(&[0.1, 0.1, 0.2, 0.2, 0.3]),
            Some(1.0),
        )
        .unwrap_err();
        assert!(e.to_string().contains("income_share") && e.to_string().contains("sums to 0.9"));
        let e = GroupedTable::new(&[0.3; 3], Income::Means(&[1.0, 2.0, 3.0]), None).unwrap_err();
        assert!(e.to_string().contains("at least 4 groups"), "{e}");
        let e =
            GroupedTable::new(&[0.25; 4], Income::Shares(&[0.1, 0.2, 0.3, 0.4]), None).unwrap_err();
        assert!(e.to_string().contains("need the overall mean"));
        let e = GroupedTable::new(&[0.25; 4], Income::Means(&[5.0; 4]), None).unwrap_err();
        assert!(e.to_string().contains("perfect equality"));
        let e = GroupedTable::new(&[0.25; 4], Income::Means(&[1.0, f64::NAN, 2.0, 3.0]), None)
            .unwrap_err();
        assert!(matches!(e, GroupedError::Value { row: 2, .. }));
    }
}
