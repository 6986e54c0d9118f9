//! Weighted ridge regression for LIME's local surrogate, from weighted Gram matrices so that
//! every candidate feature subset is a small solve (sklearn `Ridge(fit_intercept=True)` semantics).

use crate::explain::binary_design::BinaryDesign;
use crate::explain::linalg::Lu;
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Weighted, centred second moments of the design matrix.
pub struct Gram {
    /// Weighted mean of each column.
    pub mean: Array1<f64>,
    /// Σ w (x − x̄)(x − x̄)ᵀ.
    pub gram: Array2<f64>,
    /// Columns with the same value in every sample: their moments are exactly 0.
    constant: Vec<bool>,
    /// The samples, kept to form cross-moments with targets.
    design: Design,
    weights: Array1<f64>,
    weight_sum: f64,
}

/// How the samples are held.
enum Design {
    /// Any real design [n, p].
    Dense(Array2<f64>),
    /// 0/1 design as grouped bit columns.
    Binary(BinaryDesign),
}

impl Design {
    /// Xᵀ R (uncentred).
    fn t_dot(&self, r: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Design::Dense(x) => x.t().dot(&r),
            Design::Binary(z) => z.t_dot(r),
        }
    }
}

/// Weighted cross-moments of one target.
pub struct Target {
    /// Σ w (x − x̄)(y − ȳ).
    pub xy: Array1<f64>,
    /// Weighted mean of y.
    pub mean: f64,
    /// Σ w (y − ȳ)².
    pub yy: f64,
}

/// A fitted surrogate on a subset of columns.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Columns used.
    pub features: Vec<usize>,
    /// Coefficients, one per used column.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
    /// Weighted R² on the samples.
    pub score: f64,
}

impl Gram {
    /// Moments of `x` [n, p] under sample weights `w`.
    pub fn new(x: Array2<f64>, w: Array1<f64>) -> Gram {
        let weight_sum = w.sum();
        let mean = x.t().dot(&w) / weight_sum;
        let mut scaled = &x - &mean.view().insert_axis(Axis(0));
        scaled *= &w.mapv(f64::sqrt).insert_axis(Axis(1));
        let gram = scaled.t().dot(&scaled);
        let constant = x
            .columns()
            .into_iter()
            .map(|c| c.iter().all(|&v| v == c[0]))
            .collect();
        Gram {
            mean,
            gram,
            constant,
            design: Design::Dense(x),
            weights: w,
            weight_sum,
        }
        .zero_constant_gram()
    }

    /// Moments of a 0/1 design under its own row weights, from exact weighted counts.
    pub fn binary(z: BinaryDesign) -> Gram {
        let weights = Array1::from(z.weights().to_vec());
        let weight_sum = weights.sum();
        let raw = z.weighted_gram();
        // Zᵀ W 1 is the diagonal of Zᵀ W Z, since z² = z.
        let mean = raw.diag().mapv(|v| v / weight_sum);
        let outer = mean
            .view()
            .insert_axis(Axis(1))
            .dot(&mean.view().insert_axis(Axis(0)));
        let gram = raw - outer * weight_sum;
        let n = z.nrows();
        let constant = z.column_ones().iter().map(|&c| c == 0 || c == n).collect();
        Gram {
            mean,
            gram,
            constant,
            design: Design::Binary(z),
            weights,
            weight_sum,
        }
        .zero_constant_gram()
    }

    /// Sets the moments of constant columns to exactly 0 (not rounding noise), so such features
    /// get weight 0 as in the reference.
    fn zero_constant_gram(mut self) -> Gram {
        for (j, _) in self.constant.iter().enumerate().filter(|(_, &c)| c) {
            self.gram.row_mut(j).fill(0.0);
            self.gram.column_mut(j).fill(0.0);
        }
        self
    }

    fn zero_constant(&self, mut xy: Array1<f64>) -> Array1<f64> {
        for (v, _) in xy.iter_mut().zip(&self.constant).filter(|(_, &c)| c) {
            *v = 0.0;
        }
        xy
    }

    /// Cross-moments with every column of `ys` [n, K] at once (one pass over the design).
    pub fn targets(&self, ys: ArrayView2<f64>) -> Vec<Target> {
        let means = ys.t().dot(&self.weights) / self.weight_sum;
        let yc = &ys - &means.view().insert_axis(Axis(0));
        let r = &yc * &self.weights.view().insert_axis(Axis(1));
        // Σ w (x − x̄)(y − ȳ) = Xᵀ r − x̄ Σ r.
        let xy = self.design.t_dot(r.view())
            - self
                .mean
                .view()
                .insert_axis(Axis(1))
                .dot(&r.sum_axis(Axis(0)).insert_axis(Axis(0)));
        (0..ys.ncols())
            .map(|k| Target {
                xy: self.zero_constant(xy.column(k).to_owned()),
                mean: means[k],
                yy: r.column(k).dot(&yc.column(k)),
            })
            .collect()
    }

    /// Cross-moments with target `y` `[n]`.
    #[cfg(test)]
    pub fn target(&self, y: ndarray::ArrayView1<f64>) -> Target {
        let ys = y.insert_axis(Axis(1));
        self.targets(ys).pop().expect("one target")
    }

    /// Ridge fit on `features` with penalty `alpha`; `None` when the system is singular.
    pub fn fit(&self, t: &Target, features: &[usize], alpha: f64) -> Option<Fit> {
        let p = features.len();
        let mut a = vec![0.0; p * p];
        for (r, &i) in features.iter().enumerate() {
            for (c, &j) in features.iter().enumerate() {
                a[r * p + c] = self.gram[[i, j]] + if r == c { alpha } else { 0.0 };
            }
        }
        let b: Vec<f64> = features.iter().map(|&i| t.xy[i]).collect();
        let coef = if p == 0 {
            vec![]
        } else {
            Lu::factor(p, a)?.solve(&b)
        };
        // RSS = yy − 2 βᵀc + βᵀ G β, exact for any β with the weighted-mean intercept.
        let mut quad = 0.0;
        for (r, &i) in features.iter().enumerate() {
            for (c, &j) in features.iter().enumerate() {
                quad += coef[r] * self.gram[[i, j]] * coef[c];
            }
        }
        let lin: f64 = coef.iter().zip(&b).map(|(c, v)| c * v).sum();
        let rss = (t.yy - 2.0 * lin + quad).max(0.0);
        let score = if t.yy > 0.0 {
            1.0 - rss / t.yy
        } else if rss <= 1e-12 {
            1.0
        } else {
            0.0
        };
        let intercept = t.mean
            - features
                .iter()
                .zip(&coef)
                .map(|(&i, c)| c * self.mean[i])
                .sum::<f64>();
        Some(Fit {
            features: features.to_vec(),
            coef,
            intercept,
            score,
        })
    }
}

impl Gram {
    /// Lime's `lasso_path` selection: along the lasso path (coordinate descent on a geometric grid
    /// of penalties, warm-started), the least penalised point with at most `k` non-zero weights.
    pub fn lasso_path_select(&self, t: &Target, k: usize) -> Vec<usize> {
        let p = t.xy.len();
        let lambda_max = t.xy.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut beta = vec![0.0f64; p];
        let mut chosen: Vec<usize> = vec![];
        if lambda_max == 0.0 {
            return chosen;
        }
        const STEPS: usize = 100;
        for step in 0..=STEPS {
            let lambda = lambda_max * (1e-4f64).powf(step as f64 / STEPS as f64);
            for _sweep in 0..200 {
                let mut change = 0.0f64;
                for j in 0..p {
                    let gjj = self.gram[[j, j]];
                    if gjj <= 0.0 {
                        continue;
                    }
                    let partial: f64 = t.xy[j]
                        - (0..p)
                            .filter(|&l| l != j)
                            .map(|l| self.gram[[j, l]] * beta[l])
                            .sum::<f64>();
                    let new = partial.signum() * (partial.abs() - lambda).max(0.0) / gjj;
                    change = change.max((new - beta[j]).abs() * gjj.sqrt());
                    beta[j] = new;
                }
                if change <= 1e-9 * lambda_max {
                    break;
                }
            }
            let nonzero: Vec<usize> = (0..p).filter(|&j| beta[j] != 0.0).collect();
            if nonzero.len() <= k {
                chosen = nonzero;
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_weighted_linear_fit() {
        let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * (j + 2)) % 7) as f64 - 3.0);
        let y = x.column(0).mapv(|v| 2.0 * v) - x.column(2) + 0.5;
        let w = Array1::from_shape_fn(50, |i| 1.0 + (i % 3) as f64);
        let g = Gram::new(x.clone(), w.clone());
        let fit = g.fit(&g.target(y.view()), &[0, 1, 2], 0.0).unwrap();
        assert!((fit.coef[0] - 2.0).abs() < 1e-9 && fit.coef[1].abs() < 1e-9);
        assert!((fit.coef[2] + 1.0).abs() < 1e-9 && (fit.intercept - 0.5).abs() < 1e-9);
        assert!((fit.score - 1.0).abs() < 1e-9);
        // The lasso path keeps the strongest feature alone first; every budget is respected.
        let t = g.target(y.view());
        assert_eq!(g.lasso_path_select(&t, 1), vec![0]);
        let two = g.lasso_path_select(&t, 2);
        assert!(two.len() == 2 && two.contains(&0), "{two:?}");
        assert!(g.lasso_path_select(&t, 3).len() <= 3);
        // One product serves all targets and agrees with the one-target path.
        let ys = ndarray::stack![Axis(1), y, y.mapv(|v| -v)];
        let both = g.targets(ys.view());
        assert!((both[0].xy[0] - t.xy[0]).abs() < 1e-9 && (both[1].yy - t.yy).abs() < 1e-9);
        let ridge = g.fit(&g.target(y.view()), &[0], 1.0).unwrap();
        assert!(ridge.coef[0] < 2.0 && ridge.score < 1.0);
    }

    #[test]
    fn binary_moments_equal_dense_moments() {
        // A 0/1 design with weights by count of ones: the bitset path against the dense path.
        let (n, m) = (200, 5);
        let z = Array2::from_shape_fn((n, m), |(s, j)| {
            f64::from(u8::from((s * 31 + j * 17 + s * j) % 3 == 0))
        });
        let weight = |ones: usize| (-((m - ones) as f64) / 4.0).exp().sqrt();
        let rows: Vec<u64> = z
            .outer_iter()
            .map(|r| r.iter().enumerate().map(|(j, &v)| (v as u64) << j).sum())
            .collect();
        let w = z.outer_iter().map(|r| weight(r.sum() as usize)).collect();
        let dense = Gram::new(z.clone(), w);
        let binary = Gram::binary(BinaryDesign::new(&rows, m, weight));
        let close = |a: &Array2<f64>, b: &Array2<f64>| (a - b).iter().all(|e| e.abs() < 1e-9);
        assert!(close(&dense.gram, &binary.gram));
        assert!((&dense.mean - &binary.mean).iter().all(|e| e.abs() < 1e-12));
        let y = Array2::from_shape_fn((n, 2), |(s, k)| ((s * (k + 3)) as f64).cos());
        for (a, b) in dense
            .targets(y.view())
            .iter()
            .zip(binary.targets(y.view()).iter())
        {
            assert!((&a.xy - &b.xy).iter().all(|e| e.abs() < 1e-9));
            assert!((a.mean - b.mean).abs() < 1e-12 && (a.yy - b.yy).abs() < 1e-9);
        }
    }

    #[test]
    fn constant_columns_get_exactly_zero_moments() {
        // Column 1 is 1 in every row: its Gram row and cross-moments are 0, not rounding noise.
        let rows: Vec<u64> = (0..97u64)
            .map(|s| 0b010 | (s % 3 == 0) as u64 | ((s % 5 < 2) as u64) << 2)
            .collect();
        let weight = |ones: usize| 1.0 / (0.3 + ones as f64);
        let g = Gram::binary(BinaryDesign::new(&rows, 3, weight));
        let y = Array2::from_shape_fn((97, 1), |(s, _)| (s as f64 * 0.37).sin());
        let t = &g.targets(y.view())[0];
        assert!(g
            .gram
            .row(1)
            .iter()
            .chain(g.gram.column(1).iter())
            .all(|&v| v == 0.0));
        assert_eq!(t.xy[1], 0.0);
        assert!(t.xy[0] != 0.0 && g.gram[[0, 0]] > 0.0);
        let fit = g.fit(t, &[0, 1, 2], 1.0).unwrap();
        assert_eq!(fit.coef[1], 0.0);
    }
}
