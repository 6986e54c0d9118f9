//! Models the explainers query: the [`Model`] trait, ONNX models run by tract (or by the dense
//! and conv fast paths, or onnxruntime, when they match it), and closures for tests.
//!
//! Rooms: `tract/` (optimiser, guards, translators, what the file declares), `native/` (the dense
//! and conv fast paths), `ort_engine.rs` (feature `ort`); `onnx.rs` loads a file, verifies the fast
//! engines on probe rows and dispatches to the chosen one.

mod backend;
mod class_names;
mod closure;
mod dense_head;
mod engine;
mod input_layout;
mod input_type;
mod linear;
mod native;
mod onnx;
#[cfg(feature = "ort")]
mod ort_engine;
mod outputs;
mod text_mask;
mod timed;
mod tract;

pub use class_names::{are_class_names, TENSOR_NAMES_NOTE};
pub use closure::FnModel;
pub use dense_head::{DenseHead, HeadOutput, MAX_HEAD_OUTPUTS};
pub use engine::Engine;
pub use input_layout::{InputLayout, InputSpec};
pub use input_type::InputType;
pub use linear::FirstLinear;
/// e^v on 8 AVX2 or 16 AVX-512 lanes (Cephes' polynomial), for kernels outside the model.
#[cfg(target_arch = "x86_64")]
pub(crate) use native::vexp::{exp16, exp8};
pub use onnx::{BatchMode, OnnxModel, PADDED_BATCH};
pub use outputs::{resolve_names, SelectOutputs};
pub use text_mask::masks_zero;
pub use timed::Timed;
pub use tract::optimiser::{optimized, Pipeline};
pub use tract::proto_info::{ModelInfo, TensorInfo};
pub use tract::tune::tile_batch_constants;

use crate::error::{Error, Result};
use ndarray::{Array2, ArrayView2};

/// A function from rows of `n_features` floats to rows of `n_outputs()` floats.
pub trait Model: Send + Sync {
    /// Width of one input row (the flattened model input).
    fn n_features(&self) -> usize;
    /// Names of the output columns, one per output value of a row.
    fn output_names(&self) -> &[String];
    /// Number of output columns.
    fn n_outputs(&self) -> usize {
        self.output_names().len()
    }
    /// Shape of one input row as the model sees it (e.g. `[8, 8, 1]`), `[n_features]` when flat.
    fn row_shape(&self) -> Vec<usize> {
        vec![self.n_features()]
    }
    /// Evaluates any number of rows; the result has one row per input row.
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>>;
    /// The first linear layer, when the rest of the model can run on its pre-activations
    /// through [`Model::predict_from_linear`]; `None` for other models.
    fn first_linear(&self) -> Option<&FirstLinear> {
        None
    }
    /// Outputs from first-layer pre-activations (rows of [`FirstLinear::n_hidden`] values):
    /// equal to `predict` on rows whose pre-activations these are.
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        let _ = pre;
        Err(Error::Mismatch(
            "this model exposes no first linear layer to evaluate from".into(),
        ))
    }
    /// Counts time spent computing this model's first linear layer outside it (incremental
    /// updates of its pre-activations); only timing wrappers keep it.
    fn count_first_layer(&self, elapsed: std::time::Duration) {
        let _ = elapsed;
    }
    /// The layers after [`Model::first_linear`] when they are one small dense head (equal to
    /// [`Model::predict_from_linear`], which an explainer may then run fused with its updates).
    fn dense_head(&self) -> Option<DenseHead> {
        None
    }
    /// Counts time spent evaluating this model outside its calls, first-layer updates and
    /// [`Model::dense_head`] fused (model time); only timing wrappers keep it.
    fn count_fused(&self, elapsed: std::time::Duration) {
        let _ = elapsed;
    }
}
