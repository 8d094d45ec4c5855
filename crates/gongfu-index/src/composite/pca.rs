//! Principal components without a linear-algebra crate: the cyclic Jacobi
//! eigenvalue method for symmetric matrices, the correlation matrix, and the
//! weights from the first principal component.

use serde::Serialize;

use crate::IndexError;

/// Eigenvalues and eigenvectors of a symmetric matrix, largest eigenvalue first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eigen {
    /// Eigenvalues in descending order.
    pub values: Vec<f64>,
    /// `vectors[k]` is the unit eigenvector of `values[k]`, signed so that its
    /// component of largest magnitude is positive.
    pub vectors: Vec<Vec<f64>>,
}

/// Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method
/// (Golub & Van Loan, *Matrix Computations*, §8.5): plane rotations annihilate
/// the off-diagonal elements sweep after sweep until they are negligible
/// relative to the matrix norm. The matrix is given by rows.
///
/// Errors: an empty or non-square matrix, non-finite entries, or an asymmetry
/// larger than `1e-10` relative to the largest entry.
#[allow(clippy::needless_range_loop)] // matrix code reads best with indices
pub fn symmetric_eigen(a: &[Vec<f64>]) -> Result<Eigen, IndexError> {
    let n = a.len();
    if n == 0 {
        return Err(IndexError::TooFew {
            what: "eigen-decomposition (matrix rows)",
            need: 1,
            got: 0,
        });
    }
    for row in a {
        if row.len() != n {
            return Err(IndexError::LengthMismatch {
                what: "eigen-decomposition: row length vs number of rows",
                left: row.len(),
                right: n,
            });
        }
    }
    let scale = a.iter().flatten().fold(0.0_f64, |m, &v| {
        if v.is_finite() {
            m.max(v.abs())
        } else {
            f64::NAN
        }
    });
    if !scale.is_finite() {
        return Err(IndexError::Invalid(
            "eigen-decomposition: the matrix has non-finite entries".into(),
        ));
    }
    for i in 0..n {
        for j in 0..i {
            if (a[i][j] - a[j][i]).abs() > 1e-10 * scale.max(f64::MIN_POSITIVE) {
                return Err(IndexError::Invalid(format!(
                    "eigen-decomposition: the matrix is not symmetric (entry {i},{j} is {} but {j},{i} is {})",
                    a[i][j], a[j][i]
                )));
            }
        }
    }
    let mut m: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| 0.5 * (a[i][j] + a[j][i])).collect())
        .collect();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let norm: f64 = m.iter().flatten().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i][j] * m[i][j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-15 * norm || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                let apq = m[p][q];
                if apq == 0.0 {
                    continue;
                }
                // Rotation angle that zeroes m[p][q] (the smaller root, |t| ≤ 1).
                let theta = (m[q][q] - m[p][p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k][p];
                    let mkq = m[k][q];
                    m[k][p] = c * mkp - s * mkq;
                    m[k][q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p][k];
                    let mqk = m[q][k];
                    m[p][k] = c * mpk - s * mqk;
                    m[q][k] = s * mpk + c * mqk;
                }
                for row in v.iter_mut() {
                    let vkp = row[p];
                    let vkq = row[q];
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| m[y][y].total_cmp(&m[x][x]).then(x.cmp(&y)));
    let values = order.iter().map(|&k| m[k][k]).collect();
    let vectors = order
        .iter()
        .map(|&k| {
            let mut col: Vec<f64> = (0..n).map(|i| v[i][k]).collect();
            let big = col
                .iter()
                .copied()
                .fold(0.0_f64, |b, x| if x.abs() > b.abs() { x } else { b });
            if big < 0.0 {
                col.iter_mut().for_each(|x| *x = -*x);
            }
            col
        })
        .collect();
    Ok(Eigen { values, vectors })
}

/// Pearson correlation matrix of the columns of a units × variables table
/// (rows are units). Needs at least 3 rows and no constant column.
pub(crate) fn correlation(rows: &[Vec<f64>], names: &[&str]) -> Result<Vec<Vec<f64>>, IndexError> {
    let n = rows.len();
    if n < 3 {
        return Err(IndexError::TooFew {
            what: "PCA weights (units with every indicator of the group observed)",
            need: 3,
            got: n,
        });
    }
    let m = names.len();
    let means: Vec<f64> = (0..m)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n as f64)
        .collect();
    let mut c = vec![vec![0.0; m]; m];
    for r in rows {
        for a in 0..m {
            let da = r[a] - means[a];
            for b in a..m {
                c[a][b] += da * (r[b] - means[b]);
            }
        }
    }
    for (a, name) in names.iter().enumerate() {
        if !(c[a][a] > 0.0) {
            return Err(IndexError::Invalid(format!(
                "PCA weights: indicator '{name}' does not vary across units"
            )));
        }
    }
    let mut r = vec![vec![0.0; m]; m];
    for a in 0..m {
        for b in a..m {
            let v = if a == b {
                1.0
            } else {
                c[a][b] / (c[a][a] * c[b][b]).sqrt()
            };
            r[a][b] = v;
            r[b][a] = v;
        }
    }
    Ok(r)
}

/// Weights from the first principal component of a correlation matrix: the
/// squared loadings of the eigenvector of the largest eigenvalue, which sum to
/// 1 (the eigenvector has unit length).
///
/// The first component must be unique: when the two largest eigenvalues agree
/// to `1e-9` (uncorrelated indicators, for instance, have the identity as
/// correlation matrix) the weights would be arbitrary, and this is an error.
pub fn pca_weights(correlation: &[Vec<f64>]) -> Result<Vec<f64>, IndexError> {
    let e = symmetric_eigen(correlation)?;
    if e.values.len() > 1 && e.values[0] - e.values[1] <= 1e-9 * e.values[0].abs().max(1.0) {
        return Err(IndexError::Invalid(format!(
            "PCA weights: the first principal component is not unique (largest eigenvalues {} and {}); \
             PCA weights need correlated indicators",
            e.values[0], e.values[1]
        )));
    }
    Ok(e.vectors[0].iter().map(|x| x * x).collect())
}
