//! A model's first linear layer, exposed so that explainers can update its pre-activations
//! incrementally when only a few input features change (see [`super::Model::first_linear`]).

use crate::model::native::dense::DenseChain;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, CowArray, Ix2};

/// The first layer x·W + b of a model whose remaining layers run on its pre-activations,
/// possibly after per-column constants applied to x (a Keras Normalization layer).
#[derive(Debug, Clone)]
pub struct FirstLinear {
    weights: Array2<f32>,
    bias: Array1<f32>,
    /// Per-column steps applied to the input before the product, in the graph's order.
    prep: Option<DenseChain>,
}

impl FirstLinear {
    /// A layer with weights `[M, H]` and bias `[H]`; `None` when the widths disagree.
    pub fn new(weights: Array2<f32>, bias: Array1<f32>) -> Option<FirstLinear> {
        (weights.ncols() == bias.len()).then(|| FirstLinear {
            weights: weights.as_standard_layout().to_owned(),
            bias,
            prep: None,
        })
    }

    /// The same layer applied to the input after per-column steps (which map a masked row to
    /// the same mask of the mapped rows, so updates stay feature by feature).
    pub(crate) fn after(mut self, prep: Option<DenseChain>) -> FirstLinear {
        self.prep = prep;
        self
    }

    /// The rows as the product sees them: after the per-column steps, if any.
    pub fn inputs<'r>(&self, rows: ArrayView2<'r, f32>) -> CowArray<'r, f32, Ix2> {
        match &self.prep {
            Some(prep) => CowArray::from(prep.run(rows)),
            None => CowArray::from(rows),
        }
    }

    /// Pre-activations of rows already mapped by [`FirstLinear::inputs`].
    pub fn product(&self, inputs: ArrayView2<f32>) -> Array2<f32> {
        inputs.dot(&self.weights) + &self.bias
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

    /// Pre-activations (mapped rows)·W + b, one row of H values per input row.
    pub fn pre_activations(&self, rows: ArrayView2<f32>) -> Array2<f32> {
        self.product(self.inputs(rows).view())
    }
}
