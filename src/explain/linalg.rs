//! Small dense linear algebra in f64 for the surrogate and least-squares solves.

/// A square matrix factored by Gaussian elimination with partial pivoting.
pub struct Lu {
    n: usize,
    a: Vec<f64>,
    piv: Vec<usize>,
}

impl Lu {
    /// Factors the row-major `n`×`n` matrix `a`; `None` when it is numerically singular.
    pub fn factor(n: usize, mut a: Vec<f64>) -> Option<Lu> {
        let scale = a
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        let mut piv: Vec<usize> = (0..n).collect();
        for k in 0..n {
            let p = (k..n).max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs()))?;
            if a[p * n + k].abs() <= scale * 1e-13 {
                return None;
            }
            if p != k {
                for j in 0..n {
                    a.swap(k * n + j, p * n + j);
                }
                piv.swap(k, p);
            }
            let d = a[k * n + k];
            for i in k + 1..n {
                let f = a[i * n + k] / d;
                a[i * n + k] = f;
                if f != 0.0 {
                    for j in k + 1..n {
                        a[i * n + j] -= f * a[k * n + j];
                    }
                }
            }
        }
        Some(Lu { n, a, piv })
    }

    /// Solves `A x = b` for one right-hand side.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut x: Vec<f64> = self.piv.iter().map(|&p| b[p]).collect();
        for i in 0..n {
            let s: f64 = (0..i).map(|j| self.a[i * n + j] * x[j]).sum();
            x[i] -= s;
        }
        for i in (0..n).rev() {
            let s: f64 = (i + 1..n).map(|j| self.a[i * n + j] * x[j]).sum();
            x[i] = (x[i] - s) / self.a[i * n + i];
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::Lu;

    #[test]
    fn solves_a_pivoting_system() {
        let a = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let lu = Lu::factor(3, a.clone()).unwrap();
        let x = lu.solve(&[3.0, 2.0, 4.0]);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a[i * 3 + j] * x[j]).sum();
            assert!((r - [3.0, 2.0, 4.0][i]).abs() < 1e-12);
        }
        assert!(Lu::factor(2, vec![1.0, 2.0, 2.0, 4.0]).is_none());
    }
}
