//! The layers after a model's first linear layer when they are one small dense head:
//! `[relu] → h · W [H, K ≤ 16] → [+ b] → [softmax | sigmoid]`, exposed so that an explainer can
//! run them fused with its first-layer updates (see [`super::Model::dense_head`]).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Widest head (outputs before any selection) exposed.
pub const MAX_HEAD_OUTPUTS: usize = 16;

/// What follows the head's product and bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadOutput {
    /// The logits themselves.
    Identity,
    /// Softmax over the K outputs.
    Softmax,
    /// The logistic function of each output.
    Sigmoid,
}

/// `[relu] → h · W → [+ b] → [softmax | sigmoid]` on first-layer pre-activations h, then the
/// kept output columns.
#[derive(Debug, Clone)]
pub struct DenseHead {
    relu: bool,
    weights: Array2<f32>,
    bias: Array1<f32>,
    output: HeadOutput,
    columns: Vec<usize>,
}

impl DenseHead {
    /// A head with weights `[H, K]` and bias `[K]` keeping every output; `None` when the widths
    /// disagree or K is 0 or above [`MAX_HEAD_OUTPUTS`].
    pub fn new(
        relu: bool,
        weights: Array2<f32>,
        bias: Array1<f32>,
        output: HeadOutput,
    ) -> Option<DenseHead> {
        let k = weights.ncols();
        (k == bias.len() && (1..=MAX_HEAD_OUTPUTS).contains(&k)).then(|| DenseHead {
            relu,
            weights: weights.as_standard_layout().into_owned(),
            bias,
            output,
            columns: (0..k).collect(),
        })
    }

    /// The same head keeping only outputs `columns` (indices into the kept ones), in that order.
    pub fn select(mut self, columns: &[usize]) -> Option<DenseHead> {
        let kept = columns
            .iter()
            .map(|&c| self.columns.get(c).copied())
            .collect::<Option<Vec<_>>>()?;
        self.columns = kept;
        Some(self)
    }

    /// Whether relu is applied to the pre-activations first.
    pub fn relu(&self) -> bool {
        self.relu
    }

    /// The weights `[H, K]`.
    pub fn weights(&self) -> ArrayView2<'_, f32> {
        self.weights.view()
    }

    /// The bias `[K]` (zeros when the graph has none).
    pub fn bias(&self) -> ArrayView1<'_, f32> {
        self.bias.view()
    }

    /// The function after the bias.
    pub fn output(&self) -> HeadOutput {
        self.output
    }

    /// The kept outputs, as indices of the K computed ones.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_composes_and_widths_are_checked() {
        let w = Array2::<f32>::zeros((4, 3));
        let head = DenseHead::new(true, w.clone(), Array1::zeros(3), HeadOutput::Softmax).unwrap();
        assert_eq!(head.columns(), [0, 1, 2]);
        let head = head.select(&[2, 0]).unwrap().select(&[1]).unwrap();
        assert_eq!(head.columns(), [0]);
        assert!(head.select(&[1]).is_none());
        assert!(DenseHead::new(true, w, Array1::zeros(2), HeadOutput::Identity).is_none());
        let wide = Array2::<f32>::zeros((4, 17));
        assert!(DenseHead::new(false, wide, Array1::zeros(17), HeadOutput::Identity).is_none());
    }
}
