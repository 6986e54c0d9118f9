//! The reference network, its Keras initialisation, mini-batch training and evaluation.

use super::adam::{Adam, AdamConfig};
use crate::error::{Error, Result};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// `Dense(hidden, relu) -> Dense(classes, softmax)`.
#[derive(Debug, Clone)]
pub struct Mlp {
    /// First layer weights [inputs, hidden].
    pub w1: Array2<f32>,
    /// First layer bias `[hidden]`.
    pub b1: Array1<f32>,
    /// Second layer weights [hidden, classes].
    pub w2: Array2<f32>,
    /// Second layer bias `[classes]`.
    pub b2: Array1<f32>,
}

/// Glorot-uniform weights: U(−√(6/(in+out)), +√(6/(in+out))), as Keras initialises Dense kernels.
fn glorot(rng: &mut impl Rng, fan_in: usize, fan_out: usize) -> Array2<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f32).sqrt();
    Array2::from_shape_fn((fan_in, fan_out), |_| rng.gen_range(-limit..limit))
}

/// Row-wise softmax in place.
fn softmax_rows(z: &mut Array2<f32>) {
    for mut row in z.axis_iter_mut(Axis(0)) {
        let max = row.fold(f32::NEG_INFINITY, |a, &v| a.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
    }
}

impl Mlp {
    /// Keras' initial network: Glorot-uniform kernels, zero biases.
    pub fn init(inputs: usize, hidden: usize, classes: usize, rng: &mut impl Rng) -> Mlp {
        Mlp {
            w1: glorot(rng, inputs, hidden),
            b1: Array1::zeros(hidden),
            w2: glorot(rng, hidden, classes),
            b2: Array1::zeros(classes),
        }
    }

    /// Hidden activations and class probabilities of a batch.
    fn forward(&self, x: ArrayView2<f32>) -> (Array2<f32>, Array2<f32>) {
        let mut h = x.dot(&self.w1) + &self.b1;
        h.mapv_inplace(|v| v.max(0.0));
        let mut p = h.dot(&self.w2) + &self.b2;
        softmax_rows(&mut p);
        (h, p)
    }

    /// Class probabilities of any number of rows.
    pub fn predict(&self, x: ArrayView2<f32>) -> Array2<f32> {
        self.forward(x).1
    }

    /// Mean categorical cross-entropy and accuracy on labelled rows (parallel over chunks).
    pub fn evaluate(&self, x: ArrayView2<f32>, y: &[usize]) -> (f64, f64) {
        let (loss, correct) = x
            .axis_chunks_iter(Axis(0), 512)
            .zip(y.chunks(512))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(xc, yc)| {
                let p = self.predict(xc);
                let mut loss = 0.0f64;
                let mut correct = 0usize;
                for (row, &label) in p.outer_iter().zip(yc) {
                    loss -= (row[label].max(1e-7) as f64).ln();
                    correct += usize::from(argmax(row) == label);
                }
                (loss, correct)
            })
            .reduce(|| (0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let n = y.len().max(1) as f64;
        (loss / n, correct as f64 / n)
    }
}

/// Index of the largest value.
pub fn argmax(row: ArrayView1<f32>) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

/// Training settings (Keras' `fit` defaults where Keras has one).
#[derive(Debug, Clone, Serialize)]
pub struct TrainOptions {
    /// Hidden units.
    pub hidden: usize,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Fraction of rows held out for validation (the last rows, as Keras does).
    pub validation_split: f64,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
    /// Adam learning rate.
    pub learning_rate: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            hidden: 64,
            epochs: 10,
            batch_size: 32,
            validation_split: 0.0,
            seed: 0,
            learning_rate: 0.001,
        }
    }
}

/// One epoch's metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Epoch {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (as Keras reports it).
    pub loss: f64,
    /// Training accuracy over the epoch's batches.
    pub accuracy: f64,
    /// Validation loss after the epoch, if a split was held out.
    pub val_loss: Option<f64>,
    /// Validation accuracy after the epoch.
    pub val_accuracy: Option<f64>,
    /// Seconds the epoch took.
    pub seconds: f64,
}

/// Everything `train` measured.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// Settings used.
    pub options: TrainOptions,
    /// Per-epoch metrics.
    pub epochs: Vec<Epoch>,
    /// Rows trained on and held out.
    pub train_rows: usize,
    /// Validation rows.
    pub validation_rows: usize,
}

/// Trains the network on rows `x` with class indices `y`; `on_epoch` sees each epoch's metrics.
pub fn train(
    x: ArrayView2<f32>,
    y: &[usize],
    opts: &TrainOptions,
    mut on_epoch: impl FnMut(&Epoch),
) -> Result<(Mlp, History)> {
    if x.nrows() != y.len() {
        return Err(Error::Mismatch(format!(
            "{} data rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    for (name, value) in [
        ("epochs", opts.epochs),
        ("batch_size", opts.batch_size),
        ("hidden", opts.hidden),
    ] {
        if value == 0 {
            return Err(Error::param(name, "must be at least 1"));
        }
    }
    if !(0.0..1.0).contains(&opts.validation_split) {
        return Err(Error::param("validation_split", "must be in [0, 1)"));
    }
    let classes = y.iter().max().map_or(0, |&m| m + 1);
    if classes < 2 || y.iter().collect::<std::collections::HashSet<_>>().len() < 2 {
        return Err(Error::Mismatch(
            "the labels hold a single class: nothing to learn".into(),
        ));
    }
    let n_val = (x.nrows() as f64 * opts.validation_split).floor() as usize;
    let n_train = x.nrows() - n_val;
    let (xt, xv) = (x.slice(s![..n_train, ..]), x.slice(s![n_train.., ..]));
    let (yt, yv) = (&y[..n_train], &y[n_train..]);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut net = Mlp::init(x.ncols(), opts.hidden, classes, &mut rng);
    let cfg = AdamConfig {
        lr: opts.learning_rate,
        ..AdamConfig::default()
    };
    let (mut a_w1, mut a_b1) = (Adam::new(&net.w1), Adam::new(&net.b1));
    let (mut a_w2, mut a_b2) = (Adam::new(&net.w2), Adam::new(&net.b2));
    let mut order: Vec<usize> = (0..n_train).collect();
    let mut step = 0i32;
    let mut epochs = vec![];
    for e in 1..=opts.epochs {
        let start = std::time::Instant::now();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for batch in order.chunks(opts.batch_size) {
            let xb = xt.select(Axis(0), batch);
            let (h, p) = net.forward(xb.view());
            let b = batch.len() as f32;
            // dL/dz = (p − onehot) / B for softmax + cross-entropy.
            let mut dz = p.clone();
            for (i, &r) in batch.iter().enumerate() {
                let label = yt[r];
                loss_sum -= (p[[i, label]].max(1e-7) as f64).ln();
                correct += usize::from(argmax(p.row(i)) == label);
                dz[[i, label]] -= 1.0;
            }
            dz /= b;
            let dw2 = h.t().dot(&dz);
            let db2 = dz.sum_axis(Axis(0));
            let mut dh = dz.dot(&net.w2.t());
            dh.zip_mut_with(&h, |g, &a| {
                if a <= 0.0 {
                    *g = 0.0;
                }
            });
            let dw1 = xb.t().dot(&dh);
            let db1 = dh.sum_axis(Axis(0));
            step += 1;
            a_w1.step(&cfg, step, &mut net.w1, &dw1);
            a_b1.step(&cfg, step, &mut net.b1, &db1);
            a_w2.step(&cfg, step, &mut net.w2, &dw2);
            a_b2.step(&cfg, step, &mut net.b2, &db2);
        }
        let (val_loss, val_accuracy) = if n_val > 0 {
            let (l, a) = net.evaluate(xv, yv);
            (Some(l), Some(a))
        } else {
            (None, None)
        };
        let epoch = Epoch {
            epoch: e,
            loss: loss_sum / n_train as f64,
            accuracy: correct as f64 / n_train as f64,
            val_loss,
            val_accuracy,
            seconds: start.elapsed().as_secs_f64(),
        };
        on_epoch(&epoch);
        epochs.push(epoch);
    }
    let history = History {
        options: opts.clone(),
        epochs,
        train_rows: n_train,
        validation_rows: n_val,
    };
    Ok((net, history))
}
