//! The built-in trainer of the reference network (Keras' `Dense(h, relu) -> Dense(k, softmax)`,
//! Adam, categorical cross-entropy) and its ONNX writer.

mod adam;
mod export;
mod mlp;
mod onnx_writer;

pub use export::{export, load_labelled, Exported, EXPORT_TOLERANCE};
pub use mlp::{train, Epoch, History, Mlp, TrainOptions};
pub use onnx_writer::write_onnx;
