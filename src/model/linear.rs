//! A model's first linear layer, exposed so that explainers can update its pre-activations
//! incrementally when only a few input features change (see [`super::Model::first_linear`]).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// The first layer x·W + b of a model whose remaining layers run on its pre-activations.
#[derive(Debug, Clone)]
pub struct FirstLinear {
    weights: Array2<f32>,
    bias: Array1<f32>,
}

impl FirstLinear {
    /// A layer with weights `[M, H]` and bias `[H]`; `None` when the widths disagree.
    pub fn new(weights: Array2<f32>, bias: Array1<f32>) -> Option<FirstLinear> {
        (weights.ncols() == bias.len()).then(|| FirstLinear {
            weights: weights.as_standard_layout().to_owned(),
            bias,
        })
    }

    /// Input width M.
    pub fn n_inputs(&self) -> usize {
        self.weights.nrows()
    }

    /// Number of pre-activations H.
    pub fn n_hidden(&self) -> usize {
        self.weights.ncols()
    }

    /// The weights `[M, H]`.
    pub fn weights(&self) -> ArrayView2<'_, f32> {
        self.weights.view()
    }

    /// The bias `[H]`.
    pub fn bias(&self) -> ArrayView1<'_, f32> {
        self.bias.view()
    }

    /// Pre-activations rows·W + b, one row of H values per input row.
    pub fn pre_activations(&self, rows: ArrayView2<f32>) -> Array2<f32> {
        rows.dot(&self.weights) + &self.bias
    }
}
