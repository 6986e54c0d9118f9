//! onnx-inspector: explain ONNX neural networks with SHAP and LIME, with error bars, fast.
//!
//! ```
//! use ndarray::array;
//! use onnx_inspector::explain::{Explainer, ShapExplainer};
//! use onnx_inspector::model::FnModel;
//!
//! let model = FnModel::new(3, 1, |x| vec![x[0] * x[1] + x[2]]);
//! let background = array![[0.0f32, 0.0, 0.0], [1.0, 1.0, 1.0]];
//! let e = ShapExplainer::new(&model, background.view()).explain(array![[2.0f32, 3.0, 1.0]].view())?;
//! // Efficiency: the attributions add up to f(x) − E f(background).
//! let total: f64 = e.values.iter().sum();
//! assert!((total - (7.0 - 1.0)).abs() < 1e-9);
//! # Ok::<(), onnx_inspector::Error>(())
//! ```
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
//! - [`explain`]: settings ([`explain::ShapParams`], [`explain::LimeParams`], [`explain::Estimator`];
//!   defaults in one place, checked once before any row), the builders [`explain::ShapExplainer`]
//!   and [`explain::LimeExplainer`] behind one [`explain::Explainer`] trait, and the common
//!   [`explain::Explanation`] (LIME's surrogates typed as [`explain::LimeRow`]). Estimators, coalitions,
//!   the masker and the linear algebra are private to the module.
//! - [`report`]: `explanations.json`, its per-output summary, and charts (plotters, embedded font).
//! - [`train`]: the reference-network trainer, its ONNX writer and the export check.
//! - [`pipeline`] and [`demo`]: end-to-end runs (load, resolve, run, report) used by the CLI
//!   (`src/cli/`, parsing only, behind the default `cli` feature).
//!
//! # Invariants
//! - Every φ satisfies efficiency: Σ_j φ_jk = f_k(x) − E f_k(background) (to 1e-5).
//! - Results depend on `seed` and inputs only: each row has its own generator, and model calls are
//!   cut into blocks and chunks whose sizes do not depend on the thread count.
//! - Non-finite input or model output is an error, never a number in a report.
//! - Files are written atomically (a temporary file beside the target, fsynced, then renamed).
//! - Library errors are [`Error`]: one line, naming the file, row/column, ONNX node or parameter,
//!   with the underlying cause as `#[source]` ([`error::report`] joins the chain once).

pub(crate) mod atomic;
pub mod batch;
pub mod data;
pub mod demo;
pub mod error;
pub mod explain;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod train;

pub use error::{Error, Result};
