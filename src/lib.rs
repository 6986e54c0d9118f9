//! onnx-inspector: explain ONNX neural networks with SHAP and LIME.
pub mod atomic;
pub mod data;
pub mod error;
pub mod explain;
pub mod model;
pub mod pipeline;
pub mod report;

pub use error::{Error, Result};
