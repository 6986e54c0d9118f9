//! Native fast paths used only when they match tract on probe rows: dense chains (sgemm, AVX2
//! narrow head, AVX-512 fused classifier head, vectorised exp), sequential CNNs (NHWC im2col kernels, `conv_chain`) and CNN graphs
//! (`graph`, `graph_parse`, `graph_steps`: depthwise, residual, concat, squeeze-excite).

pub(crate) mod conv_chain;
pub(crate) mod conv_kernels;
pub(crate) mod conv_parse;
pub(crate) mod dense;
pub(crate) mod depthwise;
pub(crate) mod gemm;
pub(crate) mod graph;
pub(crate) mod graph_parse;
pub(crate) mod graph_steps;
pub(crate) mod narrow;
pub(crate) mod narrow_head;
pub(crate) mod vexp;
