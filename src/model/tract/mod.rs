//! The tract engine's parts: the optimiser pipeline (full or reduced), panic guards, tract's
//! BatchNormalization translator, batch-constant tiling and what the ONNX file declares.

pub(crate) mod batch_norm;
pub(crate) mod guard;
pub(crate) mod optimiser;
pub(crate) mod proto_info;
pub(crate) mod tune;
