//! A [`Model`] wrapper that adds up the time spent inside model calls.

use super::{FirstLinear, Model};
use crate::error::Result;
use ndarray::{Array2, ArrayView2};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counts the nanoseconds of every `predict` and `predict_from_linear` call (summed over threads).
pub struct Timed<'a> {
    inner: &'a dyn Model,
    nanos: AtomicU64,
}

impl<'a> Timed<'a> {
    /// Wraps a model.
    pub fn new(inner: &'a dyn Model) -> Self {
        Timed {
            inner,
            nanos: AtomicU64::new(0),
        }
    }

    /// Seconds spent in model calls so far.
    pub fn seconds(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

impl Model for Timed<'_> {
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn output_names(&self) -> &[String] {
        self.inner.output_names()
    }
    fn row_shape(&self) -> Vec<usize> {
        self.inner.row_shape()
    }
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>> {
        let t = Instant::now();
        let out = self.inner.predict(rows);
        self.nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }
    fn first_linear(&self) -> Option<&FirstLinear> {
        self.inner.first_linear()
    }
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        let t = Instant::now();
        let out = self.inner.predict_from_linear(pre);
        self.nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }
}
