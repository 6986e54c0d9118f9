//! onnx-inspector: explain ONNX neural networks with SHAP, with error bars, fast.
//!
//! # Layers and data flow
//! ```text
//! data::Dataset (CSV/NPY) ──┐
//! model::OnnxModel (tract,  ─┼─> explain::Masker: v(S) for blocks of coalitions, one model call per block
//!   or dense fast path)      │        │
//! data::Background ──────────┘        ├─> explain::{exact, kernel, permutation}: φ and stderr per row (rayon over rows;
//!                                     │     kernel's moments by explain::binary_design popcounts)
//!                                     │   explain::lime: perturb (discretize, truncnorm), weight, moments
//!                                     │     (binary_design bitsets, surrogate Gram), ridge per output
//!                                     └─> explain::Explanation ─> report::ExplanationFile (explanations.json)
//!                                                                   └─> report::charts (PNG/SVG)
//! train::train (Keras recipe) ─> train::write_onnx ─> model::OnnxModel (round-trip check)
//! ```
//! - [`model`]: the [`model::Model`] trait (`predict(rows) -> rows`), ONNX models on tract with the
//!   batch re-declared as symbolic, cached per-size plans and pooled per-thread states, a dense
//!   fast path (sgemm, AVX2 head kernel), closures, and output selection (`--labels`).
//! - [`data`]: CSV (header = feature names) and `.npy` input, row selections, background sampling.
//! - [`explain`]: the estimators, sharing coalitions ([`explain::coalition`]), the masker and the
//!   [`explain::Explanation`] type.
//! - [`report`]: `explanations.json`, its per-output summary, and charts (plotters, embedded font).
//! - [`train`]: the reference-network trainer and its ONNX writer.
//! - [`pipeline`] and [`demo`]: end-to-end runs used by the CLI (`src/cli/`, parsing only).
//!
//! # Invariants
//! - Every φ satisfies efficiency: Σ_j φ_jk = f_k(x) − E f_k(background) (to 1e-5).
//! - Results depend on `seed` and inputs only: each row has its own generator, and model calls are
//!   cut into blocks and chunks whose sizes do not depend on the thread count.
//! - Non-finite input or model output is an error, never a number in a report.
//! - Files are written atomically ([`atomic`]).
//! - Library errors are [`Error`]: one line, naming the file, row/column, ONNX node or option.

pub mod atomic;
pub mod data;
pub mod demo;
pub mod error;
pub mod explain;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod train;

pub use error::{Error, Result};
