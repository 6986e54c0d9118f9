//! A [`Model`] made from a closure, for tests and library users with their own function.

use super::Model;
use crate::error::{Error, Result};
use ndarray::{Array2, ArrayView1, ArrayView2};

type RowFn = dyn Fn(ArrayView1<f32>) -> Vec<f32> + Send + Sync;

/// A model that applies a row function to every row.
pub struct FnModel {
    n_features: usize,
    output_names: Vec<String>,
    f: Box<RowFn>,
}

impl FnModel {
    /// Wraps `f`, which maps one row of `n_features` values to `n_outputs` values.
    pub fn new(
        n_features: usize,
        n_outputs: usize,
        f: impl Fn(ArrayView1<f32>) -> Vec<f32> + Send + Sync + 'static,
    ) -> Self {
        FnModel {
            n_features,
            output_names: (0..n_outputs).map(|k| format!("out_{k}")).collect(),
            f: Box::new(f),
        }
    }
}

impl Model for FnModel {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn output_names(&self) -> &[String] {
        &self.output_names
    }
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>> {
        if rows.ncols() != self.n_features {
            return Err(Error::Mismatch(format!(
                "model expects {} features, got {}",
                self.n_features,
                rows.ncols()
            )));
        }
        let k = self.output_names.len();
        let mut out = Array2::zeros((rows.nrows(), k));
        for (row, mut dst) in rows.outer_iter().zip(out.outer_iter_mut()) {
            let y = (self.f)(row);
            if y.len() != k {
                return Err(Error::Mismatch(format!(
                    "model function returned {} values, expected {k}",
                    y.len()
                )));
            }
            dst.assign(&ArrayView1::from(&y[..]));
        }
        Ok(out)
    }
}
