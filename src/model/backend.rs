//! The engines that can run a whole model in place of tract (the native dense and conv fast paths,
//! onnxruntime), behind one trait: `OnnxModel` keeps the one it verified and chose.

use crate::model::native::conv_chain::ConvChain;
use crate::model::native::dense::DenseChain;
use crate::model::native::graph::ConvGraph;
#[cfg(feature = "ort")]
use crate::model::ort_engine::OrtEngine;
use crate::model::Engine;
use ndarray::{Array2, ArrayView2};

/// An engine that runs the whole model on rows, used only once it matches tract on probe rows.
pub(crate) trait Backend: Send + Sync {
    /// Which engine this is.
    fn engine(&self) -> Engine;
    /// Outputs of `rows`, all output columns side by side; an error says why in words.
    fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String>;
    /// What `info` says about it.
    fn describe(&self) -> String;
}

impl Backend for DenseChain {
    fn engine(&self) -> Engine {
        Engine::Dense
    }
    fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String> {
        Ok(DenseChain::run(self, rows))
    }
    fn describe(&self) -> String {
        "dense fast path (sgemm; verified against tract on probe rows)".into()
    }
}

impl Backend for ConvChain {
    fn engine(&self) -> Engine {
        Engine::Conv
    }
    fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String> {
        Ok(ConvChain::run(self, rows))
    }
    fn describe(&self) -> String {
        "conv fast path (im2col + sgemm on NHWC images; verified against tract on probe rows)"
            .into()
    }
}

impl Backend for ConvGraph {
    fn engine(&self) -> Engine {
        Engine::Conv
    }
    fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String> {
        Ok(ConvGraph::run(self, rows))
    }
    fn describe(&self) -> String {
        "conv fast path, graph form (direct depthwise, GEMM convolutions with fused epilogues on \
         NHWC images; verified against tract on probe rows)"
            .into()
    }
}

#[cfg(feature = "ort")]
impl Backend for OrtEngine {
    fn engine(&self) -> Engine {
        Engine::Ort
    }
    fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String> {
        OrtEngine::run(self, rows)
    }
    fn describe(&self) -> String {
        format!("{} (verified against tract on probe rows)", self.library)
    }
}
