//! The built-in trainer of the reference network (Keras' `Dense(h, relu) -> Dense(k, softmax)`,
//! Adam, categorical cross-entropy) and its ONNX writer.

mod adam;
mod mlp;
mod onnx_writer;

pub use mlp::{train, Epoch, History, Mlp, TrainOptions};
pub use onnx_writer::write_onnx;
