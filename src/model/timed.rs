//! A [`Model`] wrapper that adds up the time spent evaluating the model.

use super::{DenseHead, FirstLinear, Model};
use crate::error::Result;
use ndarray::{Array2, ArrayView2};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts the nanoseconds of every `predict` and `predict_from_linear` call and of the fused
/// evaluation reported through `count_fused` (model time), and separately the first-layer
/// updates reported through `count_first_layer` (all summed over threads).
pub struct Timed<'a> {
    inner: &'a dyn Model,
    nanos: AtomicU64,
    first_layer_nanos: AtomicU64,
    fused_nanos: AtomicU64,
}

impl<'a> Timed<'a> {
    /// Wraps a model.
    pub fn new(inner: &'a dyn Model) -> Self {
        Timed {
            inner,
            nanos: AtomicU64::new(0),
            first_layer_nanos: AtomicU64::new(0),
            fused_nanos: AtomicU64::new(0),
        }
    }

    /// Seconds spent in model calls so far.
    pub fn seconds(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    /// Seconds spent updating first-layer pre-activations outside model calls so far.
    pub fn first_layer_seconds(&self) -> f64 {
        self.first_layer_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    /// Seconds of the model time spent in fused first-layer updates and head so far.
    pub fn fused_seconds(&self) -> f64 {
        self.fused_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    /// Whether this thread is inside a timed call of this model (whose duration covers any
    /// work reported from inside it).
    fn inside(&self) -> bool {
        TIMING.get() == self as *const Self as usize
    }

    /// Runs `call`, adding its duration unless this thread is already inside a timed call of
    /// this model: a thread waiting for the model's parallel loop may run other rows' work, whose
    /// model time the outer call's duration already covers.
    fn timed<T>(&self, call: impl FnOnce() -> T) -> T {
        if self.inside() {
            return call();
        }
        let outer = TIMING.replace(self as *const Self as usize);
        let t = Instant::now();
        let out = call();
        self.nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        TIMING.set(outer);
        out
    }
}

thread_local! {
    /// Address of the `Timed` whose call this thread is inside (0: none).
    static TIMING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
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
        self.timed(|| self.inner.predict(rows))
    }
    fn first_linear(&self) -> Option<&FirstLinear> {
        self.inner.first_linear()
    }
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.timed(|| self.inner.predict_from_linear(pre))
    }
    fn count_first_layer(&self, elapsed: Duration) {
        if self.inside() {
            return;
        }
        self.first_layer_nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
    }
    fn dense_head(&self) -> Option<DenseHead> {
        self.inner.dense_head()
    }
    fn count_fused(&self, elapsed: Duration) {
        if self.inside() {
            return;
        }
        let nanos = elapsed.as_nanos() as u64;
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.fused_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FnModel;

    #[test]
    fn work_run_inside_a_timed_call_is_not_counted_twice() {
        let f = FnModel::new(1, 1, |x| vec![x[0]]);
        let timed = Timed::new(&f);
        timed.count_first_layer(Duration::from_secs(1));
        assert_eq!(timed.first_layer_seconds(), 1.0);
        // Inside a model call (as when a waiting thread runs another row's first-layer update),
        // the call's own duration already covers it.
        timed.timed(|| timed.count_first_layer(Duration::from_secs(1)));
        assert_eq!(timed.first_layer_seconds(), 1.0);
        // Another model's timer on the same thread still counts its own time.
        let other = Timed::new(&f);
        timed.timed(|| other.count_first_layer(Duration::from_secs(2)));
        assert_eq!(other.first_layer_seconds(), 2.0);
        // And the thread is no longer inside a call afterwards.
        timed.count_first_layer(Duration::from_secs(1));
        assert_eq!(timed.first_layer_seconds(), 2.0);
        // Fused evaluation is model time, and kept apart too; not counted twice either.
        let before = timed.seconds();
        timed.count_fused(Duration::from_secs(3));
        timed.timed(|| timed.count_fused(Duration::from_secs(5)));
        assert_eq!(timed.fused_seconds(), 3.0);
        assert!(timed.seconds() - before >= 3.0 && timed.seconds() - before < 4.0);
    }
}
