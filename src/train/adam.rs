//! Adam with Keras' defaults and update rule.

use ndarray::{Array, Dimension, Zip};

/// Adam state for one parameter tensor.
pub struct Adam<D: Dimension> {
    m: Array<f32, D>,
    v: Array<f32, D>,
}

/// Adam hyper-parameters (Keras defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7).
#[derive(Debug, Clone, Copy)]
pub struct AdamConfig {
    /// Learning rate.
    pub lr: f32,
    /// First-moment decay.
    pub beta1: f32,
    /// Second-moment decay.
    pub beta2: f32,
    /// Numerical fuzz.
    pub epsilon: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl<D: Dimension> Adam<D> {
    /// Zero moments shaped like `param`.
    pub fn new(param: &Array<f32, D>) -> Adam<D> {
        Adam {
            m: Array::zeros(param.raw_dim()),
            v: Array::zeros(param.raw_dim()),
        }
    }

    /// One step `t` (1-based): θ −= lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε).
    pub fn step(
        &mut self,
        c: &AdamConfig,
        t: i32,
        param: &mut Array<f32, D>,
        grad: &Array<f32, D>,
    ) {
        let alpha = c.lr * (1.0 - c.beta2.powi(t)).sqrt() / (1.0 - c.beta1.powi(t));
        Zip::from(param)
            .and(&mut self.m)
            .and(&mut self.v)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *m = c.beta1 * *m + (1.0 - c.beta1) * g;
                *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
                *p -= alpha * *m / (v.sqrt() + c.epsilon);
            });
    }
}
